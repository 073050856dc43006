//! `/posts`, `/posts/{id}` and `/users/{id}/posts`.

use actix_web::{HttpResponse, delete, get, post, web};
use shared::models::user_not_found;
use shared::post_models::{NewPost, Post, PostWithAuthor, post_not_found};
use utoipa_actix_web::service_config::ServiceConfig;
use web_db::error::{AppError, ErrorBody};
use web_db::http::{PathId, ValidJson};
use web_db::idempotency::{Idempotency, created};
use web_db::openapi::{
    BadId, IdempotencyKeyHeader, JsonBodyRefused, OutcomeUnknown, PageQuery, Unavailable,
};
use web_db::paging::{Page, list_answer};
use web_db::session::DbSession;

use crate::store::Store;

/// Registers the routes of posts.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_posts)
        .service(get_post)
        .service(delete_post)
        .service(list_user_posts)
        .service(create_post);
}

/// Writes a post for a user.
#[utoipa::path(
    tag = "posts",
    params(
        ("id" = i64, Path, minimum = 1, description = "The id of the user who writes it"),
        IdempotencyKeyHeader,
    ),
    request_body(content = NewPost, description = "The new post (at most 16 KiB of JSON)"),
    responses(
        (status = 201, description = "Created", body = Post,
            headers(
                ("Location" = String, description = "The new post's address, /posts/{id}"),
                ("Idempotent-Replayed" = bool, description = "true on the saved answer to a repeat with the same Idempotency-Key"),
            )),
        (status = 400, description = "A bad id, malformed JSON, a field missing, mistyped or unknown, or a bad Idempotency-Key", body = ErrorBody),
        (status = 404, description = "No user with this id (or it was deleted meanwhile)", body = ErrorBody),
        (status = 422, description = "A value breaks a rule (length, blank, NUL), or the Idempotency-Key was used for another request", body = ErrorBody),
        JsonBodyRefused, OutcomeUnknown, Unavailable,
    )
)]
#[post("/users/{id}/posts")]
async fn create_post(
    session: DbSession,
    store: web::Data<Store>,
    idempotency: Idempotency,
    PathId(user_id): PathId,
    ValidJson(new_post): ValidJson<NewPost>,
) -> Result<HttpResponse, AppError> {
    // No lookup of the user first: the foreign key decides, inside the
    // INSERT, even against a delete running at the same moment.
    session
        .create(idempotency, new_post, move |conn, new_post| {
            created("/posts", &store.create_post(conn, user_id, new_post)?)
        })
        .await
        .map_err(|error| error.on_foreign_key_violation(|| user_not_found(user_id)))
}

/// A user's posts by ascending id, a page at a time; the `Link` header
/// of a full page leads to the next.
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, minimum = 1, description = "The user's id"), PageQuery),
    responses(
        (status = 200, description = "The page of the user's posts", body = [Post],
            headers(("Link" = String, description = "While the page came back full: `<…?after=ID&per_page=N>; rel=\"next\"`, the next page"))),
        (status = 400, description = "A bad id, after, page or per_page", body = ErrorBody),
        (status = 404, description = "No user with this id", body = ErrorBody),
        Unavailable,
    )
)]
#[get("/users/{id}/posts")]
async fn list_user_posts(
    session: DbSession,
    store: web::Data<Store>,
    PathId(user_id): PathId,
    page: Page,
) -> Result<HttpResponse, AppError> {
    // Two statements (the user, then its posts), in the one snapshot a read
    // sees: a user deleted in between is a 404, never an empty list.
    let posts = session
        .read(move |conn| store.posts_of_user(conn, user_id, &page))
        .await?;
    let posts = posts.ok_or_else(|| user_not_found(user_id))?;
    let path = format!("/users/{user_id}/posts");
    Ok(list_answer(&path, &[], &page, &posts))
}

/// Every post by ascending id, a page at a time, each with its author;
/// the `Link` header of a full page leads to the next.
#[utoipa::path(
    tag = "posts",
    params(PageQuery),
    responses(
        (status = 200, description = "The page of posts, each with its `author`", body = [PostWithAuthor],
            headers(("Link" = String, description = "While the page came back full: `<…?after=ID&per_page=N>; rel=\"next\"`, the next page"))),
        (status = 400, description = "A bad after, page or per_page", body = ErrorBody),
        Unavailable,
    )
)]
#[get("/posts")]
async fn list_posts(
    session: DbSession,
    store: web::Data<Store>,
    page: Page,
) -> Result<HttpResponse, AppError> {
    let posts = session
        .read(move |conn| store.list_posts(conn, &page))
        .await?;
    Ok(list_answer("/posts", &[], &page, &posts))
}

/// One post, by id, with its author.
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, minimum = 1, description = "The post's id")),
    responses(
        (status = 200, description = "The post, with its `author`", body = PostWithAuthor),
        (status = 404, description = "No post with this id", body = ErrorBody),
        BadId, Unavailable,
    )
)]
#[get("/posts/{id}")]
async fn get_post(
    session: DbSession,
    store: web::Data<Store>,
    PathId(id): PathId,
) -> Result<HttpResponse, AppError> {
    let post = session
        .lookup(move |conn| store.find_post(conn, id))
        .await?;
    let post = post.ok_or_else(|| post_not_found(id))?;
    Ok(HttpResponse::Ok().json(post))
}

/// Deletes a post.
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, minimum = 1, description = "The post's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No post with this id", body = ErrorBody),
        BadId, Unavailable,
    )
)]
#[delete("/posts/{id}")]
async fn delete_post(
    session: DbSession,
    store: web::Data<Store>,
    PathId(id): PathId,
) -> Result<HttpResponse, AppError> {
    let deleted = session
        .write(move |conn| store.delete_post(conn, id))
        .await?;
    if !deleted {
        return Err(post_not_found(id));
    }
    Ok(HttpResponse::NoContent().finish())
}
