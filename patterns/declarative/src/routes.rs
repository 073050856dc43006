//! The HTTP routes: thin handlers that take the request session and hand the
//! work to [`crate::store`]. Every pattern's routes look like these.

use actix_web::{HttpResponse, web};
use shared::http::{ValidJson, created};
use shared::listing::UserListing;
use shared::models::{NewUser, UserChanges};
use shared::{AppError, DbSession};

use crate::store;

/// Registers the routes of the JSON API.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/users").get(list_users).post(create_user))
        .service(
            web::resource("/users/{id}")
                .get(get_user)
                .patch(update_user)
                .delete(delete_user),
        );
}

async fn list_users(session: DbSession, listing: UserListing) -> Result<HttpResponse, AppError> {
    let users = session
        .run(move |conn| store::list_users(conn, &listing))
        .await?;
    Ok(HttpResponse::Ok().json(users))
}

async fn get_user(session: DbSession, id: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let user = session.run(move |conn| store::find_user(conn, id)).await?;
    let user = user.ok_or_else(|| AppError::user_not_found(id))?;
    Ok(HttpResponse::Ok().json(user))
}

async fn create_user(
    session: DbSession,
    ValidJson(new_user): ValidJson<NewUser>,
) -> Result<HttpResponse, AppError> {
    let user = session
        .run(move |conn| store::create_user(conn, &new_user))
        .await?;
    Ok(created(format!("/users/{}", user.id), user))
}

async fn update_user(
    session: DbSession,
    id: web::Path<i32>,
    ValidJson(changes): ValidJson<UserChanges>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let user = session
        .run(move |conn| store::update_user(conn, id, &changes))
        .await?;
    let user = user.ok_or_else(|| AppError::user_not_found(id))?;
    Ok(HttpResponse::Ok().json(user))
}

async fn delete_user(session: DbSession, id: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let deleted = session
        .run(move |conn| store::delete_user(conn, id))
        .await?;
    if !deleted {
        return Err(AppError::user_not_found(id));
    }
    Ok(HttpResponse::NoContent().finish())
}
