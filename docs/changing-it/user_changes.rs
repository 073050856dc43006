    /// A new email, if it changes.
    #[serde(default, deserialize_with = "present")]
    #[schema(
        nullable = false,
        min_length = 3,
        max_length = 120,
        pattern = r"^[^@\u0000]+@[^@\u0000]+$"
    )]
    pub email: Option<String>,
    /// A new bio, if it changes.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false, max_length = 160)]
    pub bio: Option<String>,
}
