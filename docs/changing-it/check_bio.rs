/// The longest bio, in characters.
pub const BIO_MAX_CHARS: usize = 160;

/// The rules for a bio. SQLite does not enforce `VARCHAR(160)` either.
pub fn check_bio(bio: &str) -> Result<(), AppError> {
    check_no_nul("bio", bio)?;
    let chars = bio.chars().count();
    if chars > BIO_MAX_CHARS {
        return Err(AppError::Invalid(format!(
            "bio must be at most {BIO_MAX_CHARS} characters, got {chars}"
        )));
    }
    Ok(())
}

