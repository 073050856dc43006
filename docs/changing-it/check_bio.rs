/// The longest bio, in characters.
pub const BIO_MAX_CHARS: usize = 160;

/// The rules for a bio. SQLite does not enforce `VARCHAR(160)` either.
/// An empty bio is a bio of no characters; `null` clears it.
pub fn check_bio(bio: &str) -> Result<(), AppError> {
    check_no_nul("bio", bio)?;
    check_at_most("bio", bio, BIO_MAX_CHARS)
}

