fn user(id: i64, name: &str, email: &str) -> User {
    User {
        id,
        name: name.into(),
        email: email.into(),
        bio: None,
    }
}
