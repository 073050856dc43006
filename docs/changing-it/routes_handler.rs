
/// `GET /users/named/{name}`: the first user with that name, the route
/// counterpart of `User.query.filter(User.name == name).first()`.
#[utoipa::path(
    get,
    path = "/users/named/{name}",
    tag = "users",
    params(("name" = String, Path, description = "The exact name")),
    responses(
        (status = 200, description = "The first user with this name", body = User),
        (status = 404, description = "No user with this name", body = ErrorBody),
        (status = 503, description = "The database is unavailable or busy: try again", body = ErrorBody,
            headers(("Retry-After" = u32, description = "Seconds to wait"))),
    )
)]
pub(crate) async fn get_user_named<S: UserStore>(
    session: DbSession,
    store: web::Data<S>,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let name = name.into_inner();
    let user = session
        .read(move |conn| store.first_user_named(conn, &name))
        .await?;
    let user = user.ok_or_else(|| AppError::NotFound("no user with that name".into()))?;
    Ok(HttpResponse::Ok().json(user))
}
