    /// The error of a write that refers to the post `post_id`, with the
    /// database's refusal of a missing post made a 404: what
    /// [`AppError::user_gone`] is for a user.
    pub fn post_gone(self, post_id: i32) -> Self {
        match self {
            AppError::Database(DieselError::DatabaseError(
                DatabaseErrorKind::ForeignKeyViolation,
                _,
            )) => AppError::post_not_found(post_id),
            other => other,
        }
    }

