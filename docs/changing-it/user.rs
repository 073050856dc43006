    /// Unique, 3 to 120 characters with one `@`.
    #[schema(schema_with = email_schema)]
    pub email: String,
    /// Up to 160 characters about the user. Left out of the JSON when there
    /// is none, so that answers about users without one do not change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = bio_schema)]
    pub bio: Option<String>,
}
