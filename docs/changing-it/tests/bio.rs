//! A bio set, read and cleared with PATCH, and `GET /users/named/{name}`,
//! as a client sees them.

use super::spawn_app;

const ADA: &str = r#"{"id":1,"name":"ada","email":"ada@example.com"}"#;
const ADA_WITH_BIO: &str =
    r#"{"id":1,"name":"ada","email":"ada@example.com","bio":"wrote the first program"}"#;

#[test]
fn a_bio_is_set_found_and_cleared() {
    let app = spawn_app();

    let created = app.post("/users", r#"{"name":"ada","email":"ada@example.com"}"#);
    let set = app.patch("/users/1", r#"{"bio":"wrote the first program"}"#);
    let found = app.get("/users/named/ada");
    let cleared = app.patch("/users/1", r#"{"bio":null}"#);

    // Without a bio, the answer is what it was before the column existed.
    assert_eq!((created.status, created.text()), (201, ADA.to_owned()));
    assert_eq!((set.status, set.text()), (200, ADA_WITH_BIO.to_owned()));
    assert_eq!((found.status, found.text()), (200, ADA_WITH_BIO.to_owned()));
    // Cleared: gone from the answer again.
    assert_eq!((cleared.status, cleared.text()), (200, ADA.to_owned()));
}

#[test]
fn a_bio_too_long_and_a_name_nobody_has_are_refused() {
    let app = spawn_app();
    app.post("/users", r#"{"name":"ada","email":"ada@example.com"}"#);

    let too_long = app.patch("/users/1", &format!(r#"{{"bio":"{}"}}"#, "é".repeat(161)));
    let nobody = app.get("/users/named/nobody");

    assert_eq!(too_long.status, 422);
    assert_eq!(
        too_long.json()["error"],
        "bio must be at most 160 characters, got 161"
    );
    assert_eq!(nobody.status, 404);
    assert_eq!(nobody.json()["error"], "no user with that name");
}
