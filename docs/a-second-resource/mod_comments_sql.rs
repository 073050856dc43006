pub mod comments;
pub mod json_rows;
