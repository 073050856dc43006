/// The columns a comment is read from, in the order of [`CommentRow`].
pub const COMMENT_COLUMNS: (comments::id, comments::post_id, comments::body) =
    (comments::id, comments::post_id, comments::body);

/// One row of [`COMMENT_COLUMNS`].
pub type CommentRow = (i64, i64, String);

/// A row becomes a `Comment`.
pub fn comment_from_row((id, post_id, body): CommentRow) -> Comment {
    Comment { id, post_id, body }
}

