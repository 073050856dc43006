//! The HTTP routes of posts: thin handlers over the [`PostStore`], as
//! [`crate::routes`] are over the `UserStore`, registered by
//! [`crate::routes::routes`].

use actix_web::{HttpResponse, web};

use web_db::error::{AppError, ErrorBody};
use web_db::http::{PathId, ValidJson};
use web_db::idempotency::{Idempotency, SavedAnswer, request_text};
use web_db::paging::{Page, list_answer};
use crate::models::user_not_found;
use crate::post_models::{NewPost, Post, PostWithAuthor, post_not_found};
use crate::post_store::{PostId, PostStore};
use web_db::session::DbSession;

/// Writes a post for a user.
#[utoipa::path(
    post,
    path = "/users/{id}/posts",
    tag = "posts",
    params(
        ("id" = i32, Path, minimum = 1, description = "The id of the user who writes it"),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = r"^[!-~]+$",
            description = "A key of your choosing (a UUID, say) that makes a retry safe: a repeat with the same key and body gets the first answer and writes nothing; kept for 24 hours"),
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
        (status = 413, description = "The body is larger than 16 KiB", body = ErrorBody),
        (status = 415, description = "The body is not sent as application/json", body = ErrorBody),
        (status = 422, description = "A value breaks a rule (length, blank, NUL), or the Idempotency-Key was used for another request", body = ErrorBody),
        (status = 500, description = "The connection to the database was lost while the write was committed: it may or may not have been saved. Retry with the same Idempotency-Key to find out without writing twice", body = ErrorBody),
        (status = 503, description = "The database is unavailable or busy: try again", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    )
)]
pub(crate) async fn create_post<S: PostStore>(
    session: DbSession,
    store: web::Data<S>,
    idempotency: Idempotency,
    user_id: web::Path<PathId>,
    ValidJson(new_post): ValidJson<NewPost>,
) -> Result<HttpResponse, AppError> {
    let PathId(user_id) = user_id.into_inner();
    let request = request_text(&format!("POST /users/{user_id}/posts"), &new_post)?;
    // No lookup of the user first: the foreign key decides, inside the
    // INSERT, even against a delete running at the same moment.
    let done = session
        .write(move |conn| {
            idempotency.once(conn, &request, |conn| {
                let post = store.create_post(conn, user_id, &new_post)?;
                let id = post.post_id().ok_or_else(|| {
                    diesel::result::Error::QueryBuilderError(
                        "the created post came back without an id".into(),
                    )
                })?;
                SavedAnswer::created(format!("/posts/{id}"), &post)
            })
        })
        .await
        .map_err(|error| error.on_foreign_key_violation(|| user_not_found(user_id)))?;
    done.into_response()
}

/// A user's posts by ascending id, a page at a time; the `Link` header
/// of a full page leads to the next.
#[utoipa::path(
    get,
    path = "/users/{id}/posts",
    tag = "posts",
    params(
        ("id" = i32, Path, minimum = 1, description = "The user's id"),
        ("after" = Option<i32>, Query, minimum = 0, maximum = 2147483647,
            description = "Only the posts whose id is greater than this (default 0): a page by key, as fast at any depth; the `Link` header's form"),
        ("page" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Which page, from 1 (default 1): OFFSET (page - 1) * per_page"),
        ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Posts per page (default 20)"),
    ),
    responses(
        (status = 200, description = "The page of the user's posts", body = [Post],
            headers(("Link" = String, description = "While the page came back full: `<…?after=ID&per_page=N>; rel=\"next\"`, the next page"))),
        (status = 400, description = "A bad id, after, page or per_page", body = ErrorBody),
        (status = 404, description = "No user with this id", body = ErrorBody),
        (status = 503, description = "The database is unavailable or busy: try again", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    )
)]
pub(crate) async fn list_user_posts<S: PostStore>(
    session: DbSession,
    store: web::Data<S>,
    user_id: web::Path<PathId>,
    page: Page,
) -> Result<HttpResponse, AppError> {
    let PathId(user_id) = user_id.into_inner();
    // Two statements (the user, then its posts), in the one snapshot a read
    // sees: a user deleted in between is a 404, never an empty list.
    let posts = session
        .read(move |conn| store.posts_of_user(conn, user_id, &page))
        .await?;
    let posts = posts.ok_or_else(|| user_not_found(user_id))?;
    let path = format!("/users/{user_id}/posts");
    Ok(list_answer(&path, &[], &page, &posts, PostId::post_id))
}

/// Every post by ascending id, a page at a time, each with its author;
/// the `Link` header of a full page leads to the next.
#[utoipa::path(
    get,
    path = "/posts",
    tag = "posts",
    params(
        ("after" = Option<i32>, Query, minimum = 0, maximum = 2147483647,
            description = "Only the posts whose id is greater than this (default 0): a page by key, as fast at any depth; the `Link` header's form"),
        ("page" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Which page, from 1 (default 1): OFFSET (page - 1) * per_page"),
        ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Posts per page (default 20)"),
    ),
    responses(
        (status = 200, description = "The page of posts, each with its `author`", body = [PostWithAuthor],
            headers(("Link" = String, description = "While the page came back full: `<…?after=ID&per_page=N>; rel=\"next\"`, the next page"))),
        (status = 400, description = "A bad after, page or per_page", body = ErrorBody),
        (status = 503, description = "The database is unavailable or busy: try again", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    )
)]
pub(crate) async fn list_posts<S: PostStore>(
    session: DbSession,
    store: web::Data<S>,
    page: Page,
) -> Result<HttpResponse, AppError> {
    let posts = session
        .read(move |conn| store.list_posts(conn, &page))
        .await?;
    Ok(list_answer("/posts", &[], &page, &posts, PostId::post_id))
}

/// One post, by id, with its author.
#[utoipa::path(
    get,
    path = "/posts/{id}",
    tag = "posts",
    params(("id" = i32, Path, minimum = 1, description = "The post's id")),
    responses(
        (status = 200, description = "The post, with its `author`", body = PostWithAuthor),
        (status = 400, description = "The id is not a whole number from 1 to 2147483647", body = ErrorBody),
        (status = 404, description = "No post with this id", body = ErrorBody),
        (status = 503, description = "The database is unavailable or busy: try again", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    )
)]
pub(crate) async fn get_post<S: PostStore>(
    session: DbSession,
    store: web::Data<S>,
    id: web::Path<PathId>,
) -> Result<HttpResponse, AppError> {
    let PathId(id) = id.into_inner();
    let post = session
        .lookup(move |conn| store.find_post(conn, id))
        .await?;
    let post = post.ok_or_else(|| post_not_found(id))?;
    Ok(HttpResponse::Ok().json(post))
}

/// Deletes a post.
#[utoipa::path(
    delete,
    path = "/posts/{id}",
    tag = "posts",
    params(("id" = i32, Path, minimum = 1, description = "The post's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The id is not a whole number from 1 to 2147483647", body = ErrorBody),
        (status = 404, description = "No post with this id", body = ErrorBody),
        (status = 503, description = "The database is unavailable or busy: try again", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    )
)]
pub(crate) async fn delete_post<S: PostStore>(
    session: DbSession,
    store: web::Data<S>,
    id: web::Path<PathId>,
) -> Result<HttpResponse, AppError> {
    let PathId(id) = id.into_inner();
    let deleted = session
        .write(move |conn| store.delete_post(conn, id))
        .await?;
    if !deleted {
        return Err(post_not_found(id));
    }
    Ok(HttpResponse::NoContent().finish())
}
