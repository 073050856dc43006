#[path = "../../../shared/api-tests/bio.rs"]
mod bio;
#[path = "../../../shared/api-tests/idempotency.rs"]
mod idempotency;
