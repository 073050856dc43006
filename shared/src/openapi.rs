//! The HTTP contract for machines: an OpenAPI 3 document generated from the
//! routes' `#[utoipa::path]` attributes and the models' `ToSchema` derives,
//! served at `GET /openapi.json`, with an API explorer (Swagger UI) at
//! `/docs/`. Nothing here is written by hand, so the document cannot drift
//! from the code; a fuzzer in CI (schemathesis) holds the code to it.

use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::ErrorBody;
use crate::models::{NewUser, User, UserChanges};
use crate::routes;

/// The document: every route, the statuses each answers, the bodies and
/// their limits.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "users",
        description = "A JSON API over a `users` table. Every error answers `{\"error\": \"…\"}`; \
                       the framework's own errors too (404 for an unknown route, 405 for a wrong \
                       method, with `Allow`)."
    ),
    paths(
        routes::list_users,
        routes::create_user,
        routes::get_user,
        routes::update_user,
        routes::delete_user
    ),
    components(schemas(User, NewUser, UserChanges, ErrorBody)),
    tags((name = "users", description = "Users: a name and an email, both unique"))
)]
pub struct ApiDoc;

/// `GET /openapi.json` and the explorer at `/docs/`: Swagger UI's files are
/// compiled into the binary, so nothing is fetched from the internet.
pub fn explorer() -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> serde_json::Value {
        serde_json::to_value(ApiDoc::openapi()).expect("the document is JSON")
    }

    #[test]
    fn every_route_is_described() {
        let paths = &document()["paths"];
        for (path, method) in [
            ("/users", "get"),
            ("/users", "post"),
            ("/users/{id}", "get"),
            ("/users/{id}", "patch"),
            ("/users/{id}", "delete"),
        ] {
            assert!(paths[path][method].is_object(), "{method} {path}");
        }
    }

    #[test]
    fn each_field_keeps_one_pattern_everywhere() {
        let schemas = &document()["components"]["schemas"];
        for field in ["name", "email"] {
            let patterns: Vec<&serde_json::Value> = ["User", "NewUser", "UserChanges"]
                .iter()
                .map(|schema| &schemas[schema]["properties"][field]["pattern"])
                .collect();
            assert!(patterns[0].is_string(), "{field}: {patterns:?}");
            assert!(
                patterns.iter().all(|p| *p == patterns[0]),
                "{field}: {patterns:?}"
            );
        }
    }

    #[test]
    fn request_bodies_refuse_unknown_fields() {
        let schemas = &document()["components"]["schemas"];
        for schema in ["NewUser", "UserChanges"] {
            assert_eq!(schemas[schema]["additionalProperties"], false, "{schema}");
        }
    }
}
