//! The HTTP contract for machines: an OpenAPI 3 document generated from the
//! routes' `#[utoipa::path]` attributes and the models' `ToSchema` derives,
//! served at `GET /openapi.json`, with an API explorer (Swagger UI) at
//! `/docs/`. The operations are generated from the code, so they cannot
//! drift from it; the list of them below is written by hand, and a test
//! (`every_route_the_app_serves_is_in_its_openapi_document`) fails when the
//! app serves a route that is missing from it. A fuzzer in CI
//! (schemathesis) holds the code to the document.

use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use web_db::error::ErrorBody;
use crate::models::{NewUser, User, UserChanges};
use crate::post_models::{NewPost, Post, PostWithAuthor, UserWithPosts};
use crate::{post_routes, routes};

/// The document: every route, the statuses each answers, the bodies and
/// their limits.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "users and posts",
        description = "A JSON API over a `users` table and a `posts` table whose rows belong to \
                       users. Every error answers `{\"error\": \"…\"}`; \
                       the framework's own errors too (404 for an unknown route, 405 for a wrong \
                       method, with `Allow`)."
    ),
    paths(
        routes::list_users,
        routes::create_user,
        routes::get_user,
        routes::update_user,
        routes::delete_user,
        post_routes::create_post,
        post_routes::list_user_posts,
        post_routes::list_posts,
        post_routes::get_post,
        post_routes::delete_post
    ),
    components(schemas(
        User,
        NewUser,
        UserChanges,
        UserWithPosts,
        Post,
        NewPost,
        PostWithAuthor,
        ErrorBody
    )),
    tags(
        (name = "users", description = "Users: a name and an email, both unique"),
        (name = "posts", description = "Posts: a title and a body, each written by a user, \
                                        and deleted with it")
    )
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
            ("/users/{id}/posts", "get"),
            ("/users/{id}/posts", "post"),
            ("/posts", "get"),
            ("/posts/{id}", "get"),
            ("/posts/{id}", "delete"),
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
    fn a_title_keeps_the_pattern_of_a_name_and_a_body_one_of_its_own() {
        let schemas = &document()["components"]["schemas"];
        let name = &schemas["User"]["properties"]["name"]["pattern"];
        for schema in ["Post", "NewPost"] {
            let fields = &schemas[schema]["properties"];
            assert_eq!(&fields["title"]["pattern"], name, "{schema}");
            assert_eq!(fields["title"]["maxLength"], 200, "{schema}");
            assert_eq!(fields["body"]["maxLength"], 2000, "{schema}");
            assert_eq!(fields["body"]["pattern"], r"^[^\u0000]*$", "{schema}");
        }
        assert_eq!(
            schemas["NewUser"]["properties"]["posts"]["maxItems"],
            crate::post_models::MOST_FIRST_POSTS
        );
    }

    #[test]
    fn request_bodies_refuse_unknown_fields() {
        let schemas = &document()["components"]["schemas"];
        for schema in ["NewUser", "UserChanges", "NewPost"] {
            assert_eq!(schemas[schema]["additionalProperties"], false, "{schema}");
        }
    }
}
