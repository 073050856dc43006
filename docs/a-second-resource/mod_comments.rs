pub mod comments;
pub mod posts;
