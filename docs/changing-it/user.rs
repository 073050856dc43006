    /// Unique, 3 to 120 characters with one `@`.
    #[schema(
        min_length = 3,
        max_length = 120,
        pattern = r"^[^@\u0000]+@[^@\u0000]+$"
    )]
    pub email: String,
    /// Up to 160 characters about the user. Left out of the JSON when there
    /// is none, so that answers about users without one do not change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 160)]
    pub bio: Option<String>,
}
