//! The tables as diesel sees them: what `diesel print-schema` prints for
//! the migrations in `migrations/` (in its order: by name), with
//! doc comments and column lengths added. Ids are 64-bit (`BigInt`):
//! `BIGINT` on PostgreSQL; on SQLite an `INTEGER PRIMARY KEY` is 64-bit
//! already, whatever `print-schema` calls it there.

diesel::table! {
    /// The saved answers of writes sent with an `Idempotency-Key`, so that a
    /// repeat gets the same answer instead of a second write. Read and
    /// written by `web_db::idempotency`, with textual SQL.
    idempotency_keys (idempotency_key) {
        /// The key the client sent.
        idempotency_key -> Text,
        /// What was asked: the route and the JSON body.
        request -> Text,
        /// When the key was first used, in seconds since 1970.
        created_at -> BigInt,
        /// The answer's status, once the write is done.
        status -> Nullable<Integer>,
        /// The answer's `Location` header.
        location -> Nullable<Text>,
        /// The answer's JSON body.
        body -> Nullable<Text>,
    }
}

diesel::table! {
    /// What users write. Each post belongs to one user, and goes when its
    /// user goes (`ON DELETE CASCADE`).
    posts (id) {
        /// Assigned by the database; never reused after a delete.
        id -> BigInt,
        /// The user who wrote it: a foreign key to `users.id`.
        user_id -> BigInt,
        /// 1 to 200 characters.
        #[max_length = 200]
        title -> Varchar,
        /// Up to 2,000 characters.
        #[max_length = 2000]
        body -> Varchar,
    }
}

diesel::table! {
    /// Every user of the app. `name` and `email` are unique.
    users (id) {
        /// Assigned by the database; never reused after a delete.
        id -> BigInt,
        /// 1 to 50 characters.
        #[max_length = 50]
        name -> Varchar,
        /// 3 to 120 characters, one `@` with text on both sides.
        #[max_length = 120]
        email -> Varchar,
    }
}

// The foreign key, for the query DSL: `posts.inner_join(users)` joins on
// `posts.user_id = users.id`, and the two tables may share a query.
diesel::joinable!(posts -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(idempotency_keys, posts, users);
