    /// Unique, 3 to 120 characters with one `@`.
    pub email: String,
    /// Up to 160 characters about the user. Left out of the JSON when there
    /// is none, so that answers about users without one do not change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bio: Option<String>,
}
