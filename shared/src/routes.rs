//! The HTTP routes, written once for every pattern: thin handlers that take
//! the request session and hand the work to the pattern's [`UserStore`]:
//! reads through [`DbSession::read`], writes through [`DbSession::write`],
//! which runs each in a transaction of its own. The routes of posts are in
//! [`crate::post_routes`], over its [`PostStore`].
//!
//! Each handler's `#[utoipa::path]` states its part of the contract (the
//! statuses it answers, its parameters and bodies) for the OpenAPI document
//! of [`crate::openapi`]; the conformance suite and a fuzzer hold the code to
//! what it says.

use actix_web::{HttpResponse, web};
use futures_util::future::LocalBoxFuture;

use web_db::database::DbPool;
use web_db::error::{AppError, ErrorBody};
use web_db::http::{PathId, ValidJson};
use web_db::idempotency::{Idempotency, SavedAnswer, request_text};
use crate::listing::{UserEmbed, UserListing};
use web_db::paging::list_answer;
use crate::models::{NewUser, User, UserChanges, user_not_found};
use crate::post_models::UserWithPosts;
use crate::post_routes::{create_post, delete_post, get_post, list_posts, list_user_posts};
use crate::post_store::PostStore;
use web_db::session::DbSession;
use crate::user_store::{UserId, UserStore};

/// Opens the store `S` on the pool's database, for `App::data_factory`:
/// each worker of the server runs it as it starts, before it takes a
/// request, and the routes find the store in the app's data. A store that
/// cannot open stops the start-up.
pub fn open_store<S: UserStore>(
    pool: DbPool,
) -> impl Fn() -> LocalBoxFuture<'static, Result<S, String>> {
    move || {
        let pool = pool.clone();
        Box::pin(async move {
            // Opening may read from the database.
            pool.read(S::open)
                .await
                .map_err(|e| format!("cannot open the store: {}", e.cause()))
        })
    }
}

/// Registers the routes of the JSON API over the store `S`, which the app
/// must hold in its data (see [`open_store`]): the posts', then the users'.
pub fn routes<S: PostStore>(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/posts").get(list_posts::<S>))
        .service(
            web::resource("/posts/{id}")
                .get(get_post::<S>)
                .delete(delete_post::<S>),
        )
        .service(
            web::resource("/users/{id}/posts")
                .get(list_user_posts::<S>)
                .post(create_post::<S>),
        );
    cfg.service(
        web::resource("/users")
            .get(list_users::<S>)
            .post(create_user::<S>),
    )
    .service(
        web::resource("/users/{id}")
            .get(get_user::<S>)
            .patch(update_user::<S>)
            .delete(delete_user::<S>),
    );
}

/// Users by ascending id, a page at a time, optionally only those with
/// an exact name, and with `embed=posts` each with its first posts. The
/// `Link` header of a full page leads to the next (see [`crate::listing`]).
#[utoipa::path(
    get,
    path = "/users",
    tag = "users",
    params(
        ("name" = Option<String>, Query, pattern = r"^[^\u0000]*$",
            description = "Only the users with exactly this name (no NUL character)"),
        ("after" = Option<i32>, Query, minimum = 0, maximum = 2147483647,
            description = "Only the users whose id is greater than this (default 0): a page by key, as fast at any depth; the `Link` header's form"),
        ("page" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Which page, from 1 (default 1): OFFSET (page - 1) * per_page"),
        ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Users per page (default 20)"),
        ("embed" = Option<String>, Query, pattern = "^posts$",
            description = "posts: each user with its first 10 posts, by ascending id, and `more_posts` where it has more"),
    ),
    responses(
        (status = 200, description = "The page of users (with `embed=posts`, each with its `posts`)",
            body = [UserWithPosts],
            headers(("Link" = String, description = "While the page came back full: `<…?after=ID&per_page=N>; rel=\"next\"`, the next page"))),
        (status = 400, description = "A bad after, page, per_page, name or embed", body = ErrorBody),
        (status = 503, description = "The database is unavailable or busy: try again", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    )
)]
pub(crate) async fn list_users<S: PostStore>(
    session: DbSession,
    store: web::Data<S>,
    listing: UserListing,
    embed: UserEmbed,
) -> Result<HttpResponse, AppError> {
    let (page, name) = (listing.page, listing.name.clone());
    // The next page keeps the filter and the embedding.
    let mut filters = Vec::new();
    if let Some(name) = &name {
        filters.push(("name", name.as_str()));
    }
    let answer = match embed {
        UserEmbed::Nothing => {
            let users = session
                .read(move |conn| store.list_users(conn, &listing))
                .await?;
            list_answer("/users", &filters, &page, &users, UserId::user_id)
        }
        UserEmbed::Posts => {
            filters.push(("embed", "posts"));
            // The users, then their posts (two statements, or one join), in
            // the one snapshot a read sees: no post of a user deleted in
            // between.
            let users = session
                .read(move |conn| store.list_users_with_posts(conn, &listing))
                .await?;
            list_answer("/users", &filters, &page, &users, UserId::user_id)
        }
    };
    Ok(answer)
}

/// One user, by id.
#[utoipa::path(
    get,
    path = "/users/{id}",
    tag = "users",
    params(("id" = i32, Path, minimum = 1, description = "The user's id")),
    responses(
        (status = 200, description = "The user", body = User),
        (status = 400, description = "The id is not a whole number from 1 to 2147483647", body = ErrorBody),
        (status = 404, description = "No user with this id", body = ErrorBody),
        (status = 503, description = "The database is unavailable or busy: try again", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    )
)]
pub(crate) async fn get_user<S: UserStore>(
    session: DbSession,
    store: web::Data<S>,
    id: web::Path<PathId>,
) -> Result<HttpResponse, AppError> {
    let PathId(id) = id.into_inner();
    let user = session
        .lookup(move |conn| store.find_user(conn, id))
        .await?;
    let user = user.ok_or_else(|| user_not_found(id))?;
    Ok(HttpResponse::Ok().json(user))
}

/// Creates a user, and with `posts` its first posts too, in one
/// transaction: if anything is refused, nothing is written.
#[utoipa::path(
    post,
    path = "/users",
    tag = "users",
    params(
        ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = r"^[!-~]+$",
            description = "A key of your choosing (a UUID, say) that makes a retry safe: a repeat with the same key and body gets the first answer and writes nothing; kept for 24 hours"),
    ),
    request_body(content = NewUser, description = "The new user, optionally with its first posts (at most 16 KiB of JSON)"),
    responses(
        (status = 201, description = "Created: the user, with its `posts` when some were sent", body = UserWithPosts,
            headers(
                ("Location" = String, description = "The new user's address, /users/{id}"),
                ("Idempotent-Replayed" = bool, description = "true on the saved answer to a repeat with the same Idempotency-Key"),
            )),
        (status = 400, description = "Malformed JSON, a field missing, mistyped or unknown, or a bad Idempotency-Key (empty, longer than 255 characters, not visible ASCII, or sent twice)", body = ErrorBody),
        (status = 409, description = "The name or the email is taken: nothing is written", body = ErrorBody),
        (status = 413, description = "The body is larger than 16 KiB", body = ErrorBody),
        (status = 415, description = "The body is not sent as application/json", body = ErrorBody),
        (status = 422, description = "A value of the user or of a post breaks a rule (length, blank, @, NUL), or the Idempotency-Key was used for another request: nothing is written", body = ErrorBody),
        (status = 500, description = "The connection to the database was lost while the write was committed: it may or may not have been saved. Retry with the same Idempotency-Key to find out without writing twice", body = ErrorBody),
        (status = 503, description = "The database is unavailable or busy: try again", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    )
)]
pub(crate) async fn create_user<S: PostStore>(
    session: DbSession,
    store: web::Data<S>,
    idempotency: Idempotency,
    ValidJson(mut new_user): ValidJson<NewUser>,
) -> Result<HttpResponse, AppError> {
    let request = request_text("POST /users", &new_user)?;
    let done = session
        .write(move |conn| {
            idempotency.once(conn, &request, |conn| match new_user.posts.take() {
                None => created_user(store.create_user(conn, &new_user)?),
                // One write, so one transaction: the user and every post, or nothing.
                Some(posts) => created_user(store.create_user_with_posts(conn, &new_user, &posts)?),
            })
        })
        .await?;
    done.into_response()
}

/// 201 with the created user's address.
fn created_user(user: impl UserId + serde::Serialize) -> diesel::QueryResult<SavedAnswer> {
    let id = user.user_id().ok_or_else(|| {
        diesel::result::Error::QueryBuilderError("the created user came back without an id".into())
    })?;
    SavedAnswer::created(format!("/users/{id}"), &user)
}

/// Changes the fields sent, and only those.
#[utoipa::path(
    patch,
    path = "/users/{id}",
    tag = "users",
    params(("id" = i32, Path, minimum = 1, description = "The user's id")),
    request_body(content = UserChanges, description = "The fields to change (at most 16 KiB of JSON)"),
    responses(
        (status = 200, description = "The user as it is now", body = User),
        (status = 400, description = "A bad id, malformed JSON, or a field null, mistyped or unknown", body = ErrorBody),
        (status = 404, description = "No user with this id", body = ErrorBody),
        (status = 409, description = "The name or the email is taken", body = ErrorBody),
        (status = 413, description = "The body is larger than 16 KiB", body = ErrorBody),
        (status = 415, description = "The body is not sent as application/json", body = ErrorBody),
        (status = 422, description = "A value breaks a rule (length, blank, @, NUL)", body = ErrorBody),
        (status = 503, description = "The database is unavailable or busy: try again", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    )
)]
pub(crate) async fn update_user<S: UserStore>(
    session: DbSession,
    store: web::Data<S>,
    id: web::Path<PathId>,
    ValidJson(changes): ValidJson<UserChanges>,
) -> Result<HttpResponse, AppError> {
    let PathId(id) = id.into_inner();
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
    delete,
    path = "/users/{id}",
    tag = "users",
    params(("id" = i32, Path, minimum = 1, description = "The user's id")),
    responses(
        (status = 204, description = "Deleted, with its posts"),
        (status = 400, description = "The id is not a whole number from 1 to 2147483647", body = ErrorBody),
        (status = 404, description = "No user with this id", body = ErrorBody),
        (status = 503, description = "The database is unavailable or busy: try again", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    )
)]
pub(crate) async fn delete_user<S: UserStore>(
    session: DbSession,
    store: web::Data<S>,
    id: web::Path<PathId>,
) -> Result<HttpResponse, AppError> {
    let PathId(id) = id.into_inner();
    let deleted = session
        .write(move |conn| store.delete_user(conn, id))
        .await?;
    if !deleted {
        return Err(user_not_found(id));
    }
    Ok(HttpResponse::NoContent().finish())
}
