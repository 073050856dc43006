/// The first user with that name, the route counterpart of
/// `User.query.filter(User.name == name).first()`.
#[utoipa::path(
    tag = "users",
    params(("name" = String, Path, description = "The exact name")),
    responses(
        (status = 200, description = "The first user with this name", body = User),
        (status = 404, description = "No user with this name", body = ErrorBody),
        Unavailable,
    )
)]
#[get("/users/named/{name}")]
async fn get_user_named(
    session: DbSession,
    store: web::Data<Store>,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    // A page of one: the first user with that name (one with a NUL is a 400).
    let page = Page {
        limit: 1,
        ..Page::first()
    };
    let first = UserListing::new(Some(name.into_inner()), page)?;
    let users = session
        .read(move |conn| store.list_users(conn, &first))
        .await?;
    let user = users.into_iter().next();
    let user = user.ok_or_else(|| AppError::NotFound("no user with that name".into()))?;
    Ok(HttpResponse::Ok().json(user))
}
