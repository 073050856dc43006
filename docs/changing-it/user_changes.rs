    /// A new email, if it changes.
    #[serde(default, deserialize_with = "present")]
    #[schema(schema_with = email_schema, nullable = false)]
    pub email: Option<String>,
    /// A new bio, up to 160 characters: a text sets it, `null` clears it,
    /// no `bio` leaves it as it is.
    // Hence two `Option`s: the outer one says whether the field was sent,
    // the inner one what it holds (for `Some(None)` diesel sets NULL).
    #[serde(default, deserialize_with = "sent")]
    #[schema(schema_with = bio_schema, nullable = true)]
    pub bio: Option<Option<String>>,
}
