/// The SET of an UPDATE: `None` leaves that column out.
pub type UpdateAssignments<'a> = (
    Option<Eq<users::name, &'a str>>,
    Option<Eq<users::email, &'a str>>,
    Option<Eq<users::bio, Option<&'a str>>>,
);
