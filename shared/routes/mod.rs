//! The HTTP routes: thin handlers that read the request, hand the work to
//! the [`Store`](crate::store::Store) through the request's session (reads
//! through `DbSession::read`, writes through `DbSession::write`, which runs
//! each in a transaction of its own) and answer. Each handler's
//! `#[utoipa::path]` states its part of the OpenAPI document: the statuses it
//! answers, its parameters and bodies.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod posts;
pub mod users;

/// Registers every route. Each `service(…)` also adds the handler's
/// description to the app's OpenAPI document.
pub fn routes(cfg: &mut ServiceConfig) {
    users::routes(cfg);
    posts::routes(cfg);
}
