/// A user's bio: up to 160 characters, and it may be empty (`null` clears
/// it). SQLite does not enforce `VARCHAR(160)` either.
pub const BIO: Text = Text::any("bio", 160);

/// The rules of a bio, in the OpenAPI document.
fn bio_schema() -> ObjectBuilder {
    BIO.schema()
}

