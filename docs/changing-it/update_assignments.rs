pub fn update_assignments(changes: &UserChanges) -> UpdateAssignments<'_> {
    (
        changes.name.as_deref().map(|name| users::name.eq(name)),
        changes.email.as_deref().map(|email| users::email.eq(email)),
        // `Some(None)`, a bio cleared, sets the column to NULL.
        changes.bio.as_ref().map(|b| users::bio.eq(b.as_deref())),
    )
}
