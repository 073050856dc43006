diesel::table! {
    /// What readers say about a post. Each belongs to one post, and goes
    /// when its post goes (`ON DELETE CASCADE`).
    comments (id) {
        /// Assigned by the database.
        id -> BigInt,
        /// The post it is about: a foreign key to `posts.id`.
        post_id -> BigInt,
        /// 1 to 500 characters.
        #[max_length = 500]
        body -> Varchar,
    }
}

