//! The patterns an app can start from, and what differs when one is copied.

/// A pattern of this repository, as the generator copies it.
pub struct PatternSpec {
    /// Its package name, and its directory under `patterns/`.
    pub name: &'static str,
    /// One line for `--help`.
    pub summary: &'static str,
    /// What the app's crate docs say of its data access, in the app's own
    /// words (the pattern's docs compare it with the other patterns).
    pub data_access: &'static str,
    /// Whether its store reads and writes through the diesel derives on
    /// `User`, `NewUser` and `UserChanges`. The other patterns never use
    /// them, so their apps get the model without them.
    pub uses_model_derives: bool,
    /// Whether its queries name the tables of `schema.rs` (the query DSL);
    /// an app whose pattern reads its tables at run time gets no
    /// `schema.rs`, nor the SQL functions declared for the DSL.
    pub uses_schema: bool,
    /// What `models.rs` says about the mapping, in place of the repository's
    /// note comparing the patterns.
    pub models_note: &'static str,
    /// The same, for `post_models.rs`.
    pub post_models_note: &'static str,
}

/// Every pattern under `patterns/`; a test checks that none is missing.
pub const PATTERNS: &[PatternSpec] = &[
    PatternSpec {
        name: "declarative",
        summary: "diesel derives on User are the mapping; the query DSL does the work",
        data_access: "//! The data access is in [`store`] (users) and [`posts`] (posts, and what\n\
                      //! joins them to users): diesel's query DSL over the derives on the\n\
                      //! models, checked against `schema.rs` when the app is compiled.",
        uses_model_derives: true,
        uses_schema: true,
        models_note: "//! The derives map `User`, `NewUser` and `UserChanges` to the `users` table:\n\
                      //! they are the mapping `store` relies on.",
        post_models_note: "//! The derives map `Post` and `NewPost` to the `posts` table, and\n\
                           //! `Associations` with `belongs_to(User)` lets `posts` load\n\
                           //! `Post::belonging_to(&users)` and sort them with `grouped_by`.",
    },
    PatternSpec {
        name: "manual-mapping",
        summary: "a plain User and the table, joined by a mapping written by hand",
        data_access: "//! The data access is in [`store`] and [`posts`], and the mapping between\n\
                      //! rows and the models, written by hand, in [`users_mapping`] and\n\
                      //! [`posts_mapping`]: no derive does the row ⇄ struct work, and\n\
                      //! `tests/mapping.rs` fails when a mapping falls out of step with the\n\
                      //! migrations.",
        uses_model_derives: false,
        uses_schema: true,
        models_note: "//! These types know nothing of the database: `users_mapping` maps them to\n\
                      //! the `users` table.",
        post_models_note: "//! These types know nothing of the database: `posts_mapping` maps them\n\
                           //! to the `posts` table, and a joined row to a post with its author.",
    },
    PatternSpec {
        name: "sql-abstraction",
        summary: "no model: the query builder, a table read at run time, textual SQL",
        data_access: "//! The data access is in [`store`] and [`posts`], with no model type for\n\
                      //! rows: the tables are read from the database's catalog as the app\n\
                      //! starts ([`reflected_table`]), queried with diesel's query builder by\n\
                      //! name and with textual SQL, and their rows turned into JSON by\n\
                      //! column name ([`json_rows`], [`json_cell`]).",
        uses_model_derives: false,
        uses_schema: false,
        models_note: "//! These types know nothing of the database: the store reads rows as JSON\n\
                      //! objects, and uses `NewUser` and `UserChanges` for what clients send.",
        post_models_note: "//! These types know nothing of the database: the store reads posts as\n\
                           //! JSON objects, and uses `NewPost` for what clients send.",
    },
];

/// The pattern called `name`, if there is one.
pub fn find(name: &str) -> Option<&'static PatternSpec> {
    PATTERNS.iter().find(|p| p.name == name)
}

/// The names, for messages: `declarative, manual-mapping, sql-abstraction`.
pub fn names() -> String {
    PATTERNS
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}
