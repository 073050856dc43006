
/// `GET /users/named/{name}`: the first user with that name, the route
/// counterpart of `User.query.filter(User.name == name).first()`.
async fn get_user_named<S: UserStore>(
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
