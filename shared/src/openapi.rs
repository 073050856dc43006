//! The HTTP contract for machines: an OpenAPI 3 document, served at
//! `GET /openapi.json`, with an API explorer (Swagger UI) at `/docs/`.
//! [`ApiDoc`] holds what the document says of the API as a whole; each
//! route adds its own part where it is registered (`utoipa-actix-web`
//! collects the `#[utoipa::path]` of each `service(…)`), so the operations
//! cannot drift from the code and no list of them is kept by hand.

use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

/// The document's title, description and tags; the routes add the rest.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "users and posts",
        description = "A JSON API over a `users` table and a `posts` table whose rows belong to \
                       users. Every error answers `{\"error\": \"…\"}`; \
                       the framework's own errors too (404 for an unknown route, 405 for a wrong \
                       method, with `Allow`)."
    ),
    tags(
        (name = "users", description = "Users: a name and an email, both unique"),
        (name = "posts", description = "Posts: a title and a body, each written by a user, \
                                        and deleted with it")
    )
)]
pub struct ApiDoc;

/// `GET /openapi.json`, serving `api`, and the explorer at `/docs/`:
/// Swagger UI's files are compiled into the binary, so nothing is fetched
/// from the internet.
pub fn explorer(api: utoipa::openapi::OpenApi) -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", api)
}
