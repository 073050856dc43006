//! `/users` and `/users/{id}`.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use shared::listing::{UserListing, UserQuery};
use shared::models::{NewUser, User, UserChanges, user_not_found};
use shared::post_models::UserWithPosts;
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

/// Registers the routes of users.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user)
        .service(delete_user);
}

/// Users by ascending id, a page at a time, optionally only those with
/// an exact name, and with `embed=posts` each with its first posts. The
/// `Link` header of a full page leads to the next.
#[utoipa::path(
    tag = "users",
    params(
        // A `pattern` tells clients, in the document, what the handler
        // refuses with a 400: here a NUL, which PostgreSQL cannot store.
        ("name" = Option<String>, Query, pattern = r"^[^\u0000]*$",
            description = "Only the users with exactly this name (no NUL character)"),
        PageQuery,
        ("embed" = Option<String>, Query, pattern = "^posts$",
            description = "posts: each user with its first 10 posts, by ascending id, and `more_posts` where it has more"),
    ),
    responses(
        (status = 200, description = "The page of users (with `embed=posts`, each with its `posts`)",
            body = [UserWithPosts],
            headers(("Link" = String, description = "While the page came back full: `<…?after=ID&per_page=N>; rel=\"next\"`, the next page"))),
        (status = 400, description = "A bad after, page, per_page, name or embed", body = ErrorBody),
        Unavailable,
    )
)]
#[get("/users")]
async fn list_users(
    session: DbSession,
    store: web::Data<Store>,
    page: Page,
    query: web::Query<UserQuery>,
) -> Result<HttpResponse, AppError> {
    let embeds_posts = query.embeds_posts()?;
    let UserQuery { name, .. } = query.into_inner();
    let listing = UserListing::new(name.clone(), page)?;
    // The next page keeps the filter and the embedding.
    let mut filters = Vec::new();
    if let Some(name) = &name {
        filters.push(("name", name.as_str()));
    }
    let answer = if embeds_posts {
        filters.push(("embed", "posts"));
        // The users, then their posts, in the one snapshot a read sees:
        // no post of a user deleted in between.
        let users = session
            .read(move |conn| store.list_users_with_posts(conn, &listing))
            .await?;
        list_answer("/users", &filters, &page, &users)
    } else {
        let users = session
            .read(move |conn| store.list_users(conn, &listing))
            .await?;
        list_answer("/users", &filters, &page, &users)
    };
    Ok(answer)
}

/// One user, by id.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, minimum = 1, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = User),
        (status = 404, description = "No user with this id", body = ErrorBody),
        BadId, Unavailable,
    )
)]
#[get("/users/{id}")]
async fn get_user(
    session: DbSession,
    store: web::Data<Store>,
    PathId(id): PathId,
) -> Result<HttpResponse, AppError> {
    let user = session
        .lookup(move |conn| store.find_user(conn, id))
        .await?;
    let user = user.ok_or_else(|| user_not_found(id))?;
    Ok(HttpResponse::Ok().json(user))
}

/// Creates a user, and with `posts` its first posts too, in one
/// transaction: if anything is refused, nothing is written.
#[utoipa::path(
    tag = "users",
    params(IdempotencyKeyHeader),
    request_body(content = NewUser, description = "The new user, optionally with its first posts (at most 16 KiB of JSON)"),
    responses(
        (status = 201, description = "Created: the user, with its `posts` when some were sent", body = UserWithPosts,
            headers(
                ("Location" = String, description = "The new user's address, /users/{id}"),
                ("Idempotent-Replayed" = bool, description = "true on the saved answer to a repeat with the same Idempotency-Key"),
            )),
        (status = 400, description = "Malformed JSON, a field missing, mistyped or unknown, or a bad Idempotency-Key (empty, longer than 255 characters, not visible ASCII, or sent twice)", body = ErrorBody),
        (status = 409, description = "The name or the email is taken: nothing is written", body = ErrorBody),
        (status = 422, description = "A value of the user or of a post breaks a rule (length, blank, @, NUL), or the Idempotency-Key was used for another request: nothing is written", body = ErrorBody),
        JsonBodyRefused, OutcomeUnknown, Unavailable,
    )
)]
#[post("/users")]
async fn create_user(
    session: DbSession,
    store: web::Data<Store>,
    idempotency: Idempotency,
    ValidJson(new_user): ValidJson<NewUser>,
) -> Result<HttpResponse, AppError> {
    session
        .create(idempotency, new_user, move |conn, new_user| {
            match &new_user.posts {
                None => created("/users", &store.create_user(conn, new_user)?),
                // One write, so one transaction: the user and every post, or nothing.
                Some(posts) => created(
                    "/users",
                    &store.create_user_with_posts(conn, new_user, posts)?,
                ),
            }
        })
        .await
}

/// Changes the fields sent, and only those.
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, minimum = 1, description = "The user's id")),
    request_body(content = UserChanges, description = "The fields to change (at most 16 KiB of JSON)"),
    responses(
        (status = 200, description = "The user as it is now", body = User),
        (status = 400, description = "A bad id, malformed JSON, or a field null, mistyped or unknown", body = ErrorBody),
        (status = 404, description = "No user with this id", body = ErrorBody),
        (status = 409, description = "The name or the email is taken", body = ErrorBody),
        (status = 422, description = "A value breaks a rule (length, blank, @, NUL)", body = ErrorBody),
        JsonBodyRefused, Unavailable,
    )
)]
#[patch("/users/{id}")]
async fn update_user(
    session: DbSession,
    store: web::Data<Store>,
    PathId(id): PathId,
    ValidJson(changes): ValidJson<UserChanges>,
) -> Result<HttpResponse, AppError> {
    // A PATCH that changes nothing needs no UPDATE (and an UPDATE with
    // nothing to SET is not valid SQL): answer with the user as it is.
    let user = if changes.is_empty() {
        session
            .lookup(move |conn| store.find_user(conn, id))
            .await?
    } else {
        session
            .write(move |conn| store.update_user(conn, id, &changes))
            .await?
    };
    let user = user.ok_or_else(|| user_not_found(id))?;
    Ok(HttpResponse::Ok().json(user))
}

/// Deletes a user, and its posts with it (`ON DELETE CASCADE`).
#[utoipa::path(
    tag = "users",
    params(("id" = i64, Path, minimum = 1, description = "The user's id")),
    responses(
        (status = 204, description = "Deleted, with its posts"),
        (status = 404, description = "No user with this id", body = ErrorBody),
        BadId, Unavailable,
    )
)]
#[delete("/users/{id}")]
async fn delete_user(
    session: DbSession,
    store: web::Data<Store>,
    PathId(id): PathId,
) -> Result<HttpResponse, AppError> {
    let deleted = session
        .write(move |conn| store.delete_user(conn, id))
        .await?;
    if !deleted {
        return Err(user_not_found(id));
    }
    Ok(HttpResponse::NoContent().finish())
}
