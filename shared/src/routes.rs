//! The HTTP routes, written once for every pattern: thin handlers that take
//! the request session and hand the work to the pattern's [`UserStore`]:
//! reads through [`DbSession::read`], writes through [`DbSession::write`],
//! which runs each in a transaction of its own.

use actix_web::{HttpResponse, web};
use futures_util::future::LocalBoxFuture;

use crate::database::DbPool;
use crate::error::AppError;
use crate::http::{ValidJson, created};
use crate::listing::UserListing;
use crate::models::{NewUser, UserChanges};
use crate::session::DbSession;
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
            // Opening may read from the database: on the blocking pool.
            web::block(move || pool.read(S::open))
                .await
                .map_err(|e| e.to_string())
                .and_then(|opened| {
                    opened.map_err(|e| format!("cannot open the store: {}", e.cause()))
                })
        })
    }
}

/// Registers the routes of the JSON API over the store `S`, which the app
/// must hold in its data (see [`open_store`]).
pub fn routes<S: UserStore>(cfg: &mut web::ServiceConfig) {
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

async fn list_users<S: UserStore>(
    session: DbSession,
    store: web::Data<S>,
    listing: UserListing,
) -> Result<HttpResponse, AppError> {
    let users = session
        .read(move |conn| store.list_users(conn, &listing))
        .await?;
    Ok(HttpResponse::Ok().json(users))
}

async fn get_user<S: UserStore>(
    session: DbSession,
    store: web::Data<S>,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let user = session.read(move |conn| store.find_user(conn, id)).await?;
    let user = user.ok_or_else(|| AppError::user_not_found(id))?;
    Ok(HttpResponse::Ok().json(user))
}

async fn create_user<S: UserStore>(
    session: DbSession,
    store: web::Data<S>,
    ValidJson(new_user): ValidJson<NewUser>,
) -> Result<HttpResponse, AppError> {
    let user = session
        .write(move |conn| store.create_user(conn, &new_user))
        .await?;
    let id = user
        .user_id()
        .ok_or_else(|| AppError::Internal("the created user came back without an id".into()))?;
    Ok(created(format!("/users/{id}"), user))
}

async fn update_user<S: UserStore>(
    session: DbSession,
    store: web::Data<S>,
    id: web::Path<i32>,
    ValidJson(changes): ValidJson<UserChanges>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    // A PATCH that changes nothing needs no UPDATE (and an UPDATE with
    // nothing to SET is not valid SQL): answer with the user as it is.
    let user = if changes.is_empty() {
        session.read(move |conn| store.find_user(conn, id)).await?
    } else {
        session
            .write(move |conn| store.update_user(conn, id, &changes))
            .await?
    };
    let user = user.ok_or_else(|| AppError::user_not_found(id))?;
    Ok(HttpResponse::Ok().json(user))
}

async fn delete_user<S: UserStore>(
    session: DbSession,
    store: web::Data<S>,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let deleted = session
        .write(move |conn| store.delete_user(conn, id))
        .await?;
    if !deleted {
        return Err(AppError::user_not_found(id));
    }
    Ok(HttpResponse::NoContent().finish())
}
