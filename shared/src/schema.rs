//! The `users` table as diesel sees it: what `diesel print-schema` prints for
//! the migrations in `shared/migrations/`.

diesel::table! {
    /// Every user of the app. `name` and `email` are unique.
    users (id) {
        /// Assigned by the database; never reused after a delete.
        id -> Integer,
        /// 1 to 50 characters.
        #[max_length = 50]
        name -> Varchar,
        /// 3 to 120 characters, one `@` with text on both sides.
        #[max_length = 120]
        email -> Varchar,
    }
}
