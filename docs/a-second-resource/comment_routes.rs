//! The HTTP routes of comments: thin handlers over the [`CommentStore`],
//! registered by [`routes`], which the app adds.

use actix_web::{HttpResponse, web};

use crate::comment_models::{Comment, NewComment};
use crate::comment_store::{CommentId, CommentStore};
use crate::error::{AppError, ErrorBody};
use crate::http::{PathId, ValidJson};
use crate::idempotency::{Idempotency, SavedAnswer, request_text};
use crate::listing::{Page, list_answer};
use crate::session::DbSession;

/// Registers the routes of comments over the store `S`.
pub fn routes<S: CommentStore>(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/posts/{id}/comments")
            .get(list_post_comments::<S>)
            .post(create_comment::<S>),
    );
}

/// Writes a comment on a post.
#[utoipa::path(
    post,
    path = "/posts/{id}/comments",
    tag = "comments",
    params(
        ("id" = i32, Path, minimum = 1, description = "The id of the post it is about"),
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = r"^[!-~]+$",
            description = "A key of your choosing that makes a retry safe (see POST /users)"),
    ),
    request_body(content = NewComment, description = "The new comment (at most 16 KiB of JSON)"),
    responses(
        (status = 201, description = "Created", body = Comment,
            headers(
                ("Location" = String, description = "The comments of its post, /posts/{id}/comments"),
                ("Idempotent-Replayed" = bool, description = "true on the saved answer to a repeat with the same Idempotency-Key"),
            )),
        (status = 400, description = "A bad id, malformed JSON, a field missing, mistyped or unknown, or a bad Idempotency-Key", body = ErrorBody),
        (status = 404, description = "No post with this id (or it was deleted meanwhile)", body = ErrorBody),
        (status = 413, description = "The body is larger than 16 KiB", body = ErrorBody),
        (status = 415, description = "The body is not sent as application/json", body = ErrorBody),
        (status = 422, description = "The body breaks a rule (length, blank, NUL), or the Idempotency-Key was used for another request", body = ErrorBody),
        (status = 500, description = "The connection to the database was lost while the write was committed: it may or may not have been saved. Retry with the same Idempotency-Key to find out without writing twice", body = ErrorBody),
        (status = 503, description = "The database is unavailable or busy: try again", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    )
)]
pub(crate) async fn create_comment<S: CommentStore>(
    session: DbSession,
    store: web::Data<S>,
    idempotency: Idempotency,
    post_id: web::Path<PathId>,
    ValidJson(new_comment): ValidJson<NewComment>,
) -> Result<HttpResponse, AppError> {
    let PathId(post_id) = post_id.into_inner();
    let request = request_text(&format!("POST /posts/{post_id}/comments"), &new_comment)?;
    // No lookup of the post first: the foreign key decides.
    let done = session
        .write(move |conn| {
            idempotency.once(conn, &request, |conn| {
                let comment = store.create_comment(conn, post_id, &new_comment)?;
                SavedAnswer::created(format!("/posts/{post_id}/comments"), &comment)
            })
        })
        .await
        .map_err(|error| error.post_gone(post_id))?;
    done.into_response()
}

/// A post's comments by ascending id, a page at a time; the `Link` header
/// of a full page leads to the next, as on every list.
#[utoipa::path(
    get,
    path = "/posts/{id}/comments",
    tag = "comments",
    params(
        ("id" = i32, Path, minimum = 1, description = "The post's id"),
        ("after" = Option<i32>, Query, minimum = 0, maximum = 2147483647,
            description = "Only the comments whose id is greater than this (default 0): a page by key, as fast at any depth; the `Link` header's form"),
        ("page" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Which page, from 1 (default 1): OFFSET (page - 1) * per_page"),
        ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Comments per page (default 20)"),
    ),
    responses(
        (status = 200, description = "The page of the post's comments", body = [Comment],
            headers(("Link" = String, description = "While the page came back full: `<…?after=ID&per_page=N>; rel=\"next\"`, the next page"))),
        (status = 400, description = "A bad id, after, page or per_page", body = ErrorBody),
        (status = 404, description = "No post with this id", body = ErrorBody),
        (status = 503, description = "The database is unavailable or busy: try again", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    )
)]
pub(crate) async fn list_post_comments<S: CommentStore>(
    session: DbSession,
    store: web::Data<S>,
    post_id: web::Path<PathId>,
    page: Page,
) -> Result<HttpResponse, AppError> {
    let PathId(post_id) = post_id.into_inner();
    // Two statements (the post, then its comments), in one snapshot.
    let comments = session
        .read(move |conn| store.comments_of_post(conn, post_id, &page))
        .await?;
    let comments = comments.ok_or_else(|| AppError::post_not_found(post_id))?;
    let path = format!("/posts/{post_id}/comments");
    Ok(list_answer(
        &path,
        &[],
        &page,
        &comments,
        CommentId::comment_id,
    ))
}
