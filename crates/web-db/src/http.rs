//! The HTTP side every app needs besides the session and its hook: JSON
//! answers for the framework's own errors, `HEAD` on every `GET` route, the
//! request log, and extractors that check what a client sent before a
//! handler runs.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::{Method, header};
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, Logger, Next};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::future::{LocalBoxFuture, Ready, ready};
use serde::de::DeserializeOwned;
use utoipa::openapi::OpenApi;

use crate::error::{AppError, ErrorBody};

/// The rules a request body must keep beyond its JSON shape (lengths, a
/// blank name, an `@` in an email): [`ValidJson`] checks them before the
/// handler runs, and a body that breaks one is a 422.
pub trait Validate {
    /// `Ok` if every value keeps its rules; [`AppError::Invalid`] (422)
    /// naming the first that does not.
    fn validate(&self) -> Result<(), AppError>;
}

/// The largest JSON body accepted: 16 KiB, room for a record with a few
/// thousand characters of text.
pub const JSON_LIMIT_BYTES: usize = 16 * 1024;

/// What an actix `App<T>` of this project is, as one bound: a factory of
/// services that turn requests into responses with a boxed body. Actix
/// spells this as five associated types; this trait names them once.
pub trait AppService:
    ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    > + 'static
{
}

impl<T> AppService for T where
    T: ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<BoxBody>,
            Error = actix_web::Error,
            InitError = (),
        > + 'static
{
}

/// JSON answers for what actix rejects before a handler runs: bodies that
/// are too large, not JSON or malformed, bad path and query parameters, and
/// routes that do not exist. Added to an app with `.configure(json_errors)`.
pub fn json_errors(cfg: &mut web::ServiceConfig) {
    with_known_routes(cfg, KnownRoutes::default());
}

/// [`json_errors`] for an app whose routes are registered one method at a
/// time (`#[get("/users/{id}")]`, `#[patch("/users/{id}")]`, as
/// `utoipa-actix-web` collects them), with `api`, the OpenAPI document of
/// those routes: a request for one of its paths with a method it does not
/// list is a 405 with `Allow` (as actix answers for a `web::resource` that
/// holds all its methods), and any other a 404.
pub fn json_errors_for(api: &OpenApi) -> impl FnOnce(&mut web::ServiceConfig) + use<> {
    let known = KnownRoutes::of(api);
    move |cfg| with_known_routes(cfg, known)
}

fn with_known_routes(cfg: &mut web::ServiceConfig, known: KnownRoutes) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(JSON_LIMIT_BYTES)
            .error_handler(json_error),
    )
    .app_data(web::PathConfig::default().error_handler(path_error))
    .app_data(web::QueryConfig::default().error_handler(query_error))
    .app_data(web::Data::new(known))
    .default_service(web::to(no_such_route));
}

/// The paths of an OpenAPI document and the methods each serves.
#[derive(Debug, Default)]
struct KnownRoutes {
    /// `["users", "{id}"]` and `GET, PATCH, DELETE`.
    routes: Vec<(Vec<String>, Vec<Method>)>,
}

impl KnownRoutes {
    fn of(api: &OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    (Method::GET, &item.get),
                    (Method::POST, &item.post),
                    (Method::PUT, &item.put),
                    (Method::PATCH, &item.patch),
                    (Method::DELETE, &item.delete),
                    (Method::HEAD, &item.head),
                    (Method::OPTIONS, &item.options),
                    (Method::TRACE, &item.trace),
                ];
                let mut served: Vec<Method> = methods
                    .into_iter()
                    .filter(|(_, operation)| operation.is_some())
                    .map(|(method, _)| method)
                    .collect();
                // `head_as_get` answers HEAD wherever GET is served.
                if served.contains(&Method::GET) && !served.contains(&Method::HEAD) {
                    served.insert(1, Method::HEAD);
                }
                (segments(path).map(str::to_owned).collect(), served)
            })
            .collect();
        KnownRoutes { routes }
    }

    /// The methods served at `path`, if a route's template matches it
    /// (`{id}` stands for any one segment, as actix matches it).
    fn methods_at(&self, path: &str) -> Option<&[Method]> {
        let asked: Vec<&str> = segments(path).collect();
        self.routes.iter().find_map(|(template, methods)| {
            let matches = template.len() == asked.len()
                && template.iter().zip(&asked).all(|(expected, segment)| {
                    expected == segment || (expected.starts_with('{') && !segment.is_empty())
                });
            matches.then_some(methods.as_slice())
        })
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.strip_prefix('/').unwrap_or(path).split('/')
}

/// A JSON body for the error responses actix builds itself with none (a
/// 405 from a resource, for one); answers that are JSON already pass.
pub fn json_error_bodies<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(json_error_body)
}

/// Answers `HEAD` wherever `GET` is served, as HTTP asks of every server:
/// the request goes to the `GET` handler, and its answer keeps its status
/// and headers (`Content-Length` included), while actix's HTTP layer, which
/// still knows the request was a `HEAD`, sends no body. Added to an app
/// with `.wrap(from_fn(head_as_get))`; the request log still says `HEAD`
/// when it is registered before this.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// One log line per request: the request line, status, size and time.
pub fn request_log() -> Logger {
    Logger::new("%r %s %b bytes %D ms")
}

/// The `{id}` of a route's path (`/users/{id}`), a handler argument:
/// `PathId(id): PathId`. A whole number from 1 to 9223372036854775807
/// (a 64-bit id), as the database assigns them; anything else (`abc`, `0`, `-5`, `1.5`) is a 400
/// that names the path, before the handler runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathId(pub i64);

impl FromRequest for PathId {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let segment = req.match_info().get("id").unwrap_or_default();
        ready(match segment.parse::<i64>() {
            Ok(id) if id >= 1 => Ok(PathId(id)),
            _ => Err(AppError::BadRequest(format!(
                "{segment:?} in {} is not an id: ids are whole numbers from 1 to {}",
                req.path(),
                i64::MAX
            ))),
        })
    }
}

/// A JSON body that has been checked against the model's rules: malformed
/// JSON is a 400, a value that breaks a rule a 422, before the handler runs.
pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidJson<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            // Parsed in two steps so that only an object is accepted: serde
            // would otherwise read a struct from an array, and `[]` would be
            // a valid (empty) PATCH.
            let json = json.await?.into_inner();
            if !json.is_object() {
                return Err(AppError::BadRequest(format!(
                    "the body must be a JSON object, got {}",
                    json_kind(&json)
                ))
                .into());
            }
            let value = T::deserialize(json).map_err(|e| {
                AppError::BadRequest(format!("the body is not the JSON expected: {e}"))
            })?;
            value.validate()?;
            Ok(ValidJson(value))
        })
    }
}

fn json_kind(json: &serde_json::Value) -> &'static str {
    match json {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn json_error(error: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    match error {
        JsonPayloadError::ContentType => AppError::UnsupportedMediaType(
            "the body must be JSON, sent with Content-Type: application/json".into(),
        ),
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            AppError::PayloadTooLarge(format!("the body is larger than {limit} bytes"))
        }
        JsonPayloadError::Deserialize(cause) => {
            AppError::BadRequest(format!("the body is not the JSON expected: {cause}"))
        }
        other => AppError::BadRequest(format!("the body could not be read: {other}")),
    }
    .into()
}

fn path_error(error: PathError, req: &HttpRequest) -> actix_web::Error {
    let path = req.path();
    AppError::BadRequest(format!("the path {path} could not be read: {error}")).into()
}

fn query_error(error: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    AppError::BadRequest(format!("the query string could not be read: {error}")).into()
}

async fn no_such_route(
    req: HttpRequest,
    known: web::Data<KnownRoutes>,
) -> Result<HttpResponse, AppError> {
    let (method, path) = (req.method(), req.path());
    if let Some(methods) = known.methods_at(path) {
        let allow: Vec<&str> = methods.iter().map(Method::as_str).collect();
        let error = format!("{method} is not served at {path}");
        return Ok(HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, allow.join(", ")))
            .json(ErrorBody { error }));
    }
    Err(AppError::NotFound(format!("no route for {method} {path}")))
}

/// Gives a JSON body to the error responses actix builds itself (405 from a
/// resource, for one); responses that are JSON already pass through.
fn json_error_body<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let reason = res.status().canonical_reason().unwrap_or("request failed");
    let error = reason.to_lowercase();
    let body = serde_json::to_string(&ErrorBody { error });
    let (req, mut res) = res.into_parts();
    let json = header::HeaderValue::from_static("application/json");
    res.headers_mut().insert(header::CONTENT_TYPE, json);
    let res = res.set_body(body.unwrap_or_default());
    let res = ServiceResponse::new(req, res).map_into_boxed_body();
    Ok(ErrorHandlerResponse::Response(res.map_into_right_body()))
}
