    /// A new email, if it changes.
    #[serde(default, deserialize_with = "present")]
    pub email: Option<String>,
    /// A new bio, if it changes.
    #[serde(default, deserialize_with = "present")]
    pub bio: Option<String>,
}
