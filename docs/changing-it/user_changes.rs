    /// A new email, if it changes.
    #[serde(default, deserialize_with = "present")]
    #[schema(
        nullable = false,
        min_length = 3,
        max_length = 120,
        pattern = r"^[^@\u0000]+@[^@\u0000]+$"
    )]
    pub email: Option<String>,
    /// A new bio, up to 160 characters: a text sets it, `null` clears it,
    /// no `bio` leaves it as it is.
    // Hence two `Option`s: the outer one says whether the field was sent,
    // the inner one what it holds (for `Some(None)` diesel sets NULL).
    #[serde(default, deserialize_with = "sent")]
    #[schema(value_type = Option<String>, nullable = true, max_length = 160)]
    pub bio: Option<Option<String>>,
}
