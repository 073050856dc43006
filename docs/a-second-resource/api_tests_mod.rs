#[path = "../../../shared/api-tests/comments.rs"]
mod comments;
#[path = "../../../shared/api-tests/idempotency.rs"]
mod idempotency;
