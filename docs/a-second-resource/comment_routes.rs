/// Writes a comment on a post.
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, minimum = 1, description = "The post's id"), IdempotencyKeyHeader),
    request_body(content = NewComment, description = "The comment (at most 16 KiB of JSON)"),
    responses(
        (status = 201, description = "Created", body = Comment,
            headers(("Location" = String, description = "The new comment's address, /comments/{id}"))),
        (status = 400, description = "A bad id, malformed JSON, or a bad Idempotency-Key", body = ErrorBody),
        (status = 404, description = "No post with this id (or it was deleted meanwhile)", body = ErrorBody),
        (status = 422, description = "A blank or too long body", body = ErrorBody),
        JsonBodyRefused, OutcomeUnknown, Unavailable,
    )
)]
#[post("/posts/{id}/comments")]
async fn create_comment(
    session: DbSession,
    store: web::Data<Store>,
    idempotency: Idempotency,
    PathId(post_id): PathId,
    ValidJson(new_comment): ValidJson<NewComment>,
) -> Result<HttpResponse, AppError> {
    session
        .create(idempotency, new_comment, move |conn, comment| {
            created("/comments", &store.create_comment(conn, post_id, comment)?)
        })
        .await
        .map_err(|error| error.on_foreign_key_violation(|| post_not_found(post_id)))
}

/// A post's comments by ascending id, a page at a time.
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, minimum = 1, description = "The post's id"), PageQuery),
    responses(
        (status = 200, description = "The page of the post's comments", body = [Comment]),
        (status = 400, description = "A bad id, after, page or per_page", body = ErrorBody),
        (status = 404, description = "No post with this id", body = ErrorBody),
        Unavailable,
    )
)]
#[get("/posts/{id}/comments")]
async fn list_post_comments(
    session: DbSession,
    store: web::Data<Store>,
    PathId(post_id): PathId,
    page: Page,
) -> Result<HttpResponse, AppError> {
    let comments = session
        .read(move |conn| store.comments_of_post(conn, post_id, &page))
        .await?;
    let comments = comments.ok_or_else(|| post_not_found(post_id))?;
    let path = format!("/posts/{post_id}/comments");
    Ok(list_answer(&path, &[], &page, &comments))
}

/// One comment, by id.
#[utoipa::path(
    tag = "posts",
    params(("id" = i64, Path, minimum = 1, description = "The comment's id")),
    responses(
        (status = 200, description = "The comment", body = Comment),
        (status = 404, description = "No comment with this id", body = ErrorBody),
        BadId, Unavailable,
    )
)]
#[get("/comments/{id}")]
async fn get_comment(
    session: DbSession,
    store: web::Data<Store>,
    PathId(id): PathId,
) -> Result<HttpResponse, AppError> {
    let comment = session
        .lookup(move |conn| store.find_comment(conn, id))
        .await?;
    let comment = comment.ok_or_else(|| AppError::NotFound(format!("no comment with id {id}")))?;
    Ok(HttpResponse::Ok().json(comment))
}

