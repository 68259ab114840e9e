//! The control-panel REST API (the contract is the `ems-api` crate and `docs/ems-api.yaml`):
//! the account, billing address, payment method, subscriptions and account deletion, for bearer
//! access tokens issued by [`crate::oauth`].
//!
//! Every route is registered from [`operations`], behind a layer that checks the token and the
//! scopes `ems_api::routes::ROUTES` names for it. Bodies are parsed here by hand so that every
//! malformed request becomes an RFC 9457 problem naming the field, never an extractor's
//! plain-text rejection or a 500.

mod account;
mod error;
mod subscriptions;
mod validate;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put, MethodRouter};
use axum::Router;
use ems_api::routes::{self, Method, ROUTES};
use ems_api::{Problem, ProblemCode};
use serde::de::DeserializeOwned;

pub use error::ApiError;

use crate::oauth::bearer_token;
use crate::store::{Homeservers, Store, User};

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub(crate) struct ApiState {
    pub(crate) store: Arc<Store>,
    pub(crate) homeservers: Arc<Homeservers>,
    /// The key of deletion confirmation tokens (derived from the signing key, so it survives
    /// restarts).
    pub(crate) deletion_key: Arc<[u8; 32]>,
}

/// The signed-in customer, put in the request by the auth layer.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) user: User,
}

/// Each operation's handler.
fn operations() -> Vec<(Method, &'static str, MethodRouter<ApiState>)> {
    vec![
        (Method::Get, routes::ACCOUNT, get(account::get_account)),
        (
            Method::Put,
            routes::ACCOUNT_DETAILS,
            put(account::put_details),
        ),
        (
            Method::Put,
            routes::BILLING_ADDRESS,
            put(account::put_billing_address),
        ),
        (
            Method::Put,
            routes::PAYMENT_METHOD,
            put(account::put_payment_method),
        ),
        (
            Method::Get,
            routes::ACCOUNT_DELETION,
            get(account::preview_deletion),
        ),
        (
            Method::Post,
            routes::ACCOUNT_DELETION,
            post(account::delete_account),
        ),
        (Method::Get, routes::SUBSCRIPTIONS, get(subscriptions::list)),
        (
            Method::Post,
            routes::SUBSCRIPTIONS,
            post(subscriptions::create),
        ),
        (
            Method::Get,
            routes::SUBSCRIPTION,
            get(subscriptions::get_one),
        ),
        (
            Method::Put,
            routes::SUBSCRIPTION_SEATS,
            put(subscriptions::put_seats),
        ),
        (
            Method::Post,
            routes::SUBSCRIPTION_CANCEL,
            post(subscriptions::cancel),
        ),
    ]
}

/// The scopes `ROUTES` requires for an operation; `None` for an undocumented one, which is then
/// not served at all.
fn scopes_for(method: Method, path: &str) -> Option<&'static [&'static str]> {
    ROUTES
        .iter()
        .find(|r| r.method == method && r.path == path)
        .map(|r| r.scopes)
}

/// The (method, path) pairs the API really serves, paths relative to the issuer.
#[must_use]
pub fn served_routes() -> Vec<(Method, &'static str)> {
    operations()
        .into_iter()
        .filter(|(method, path, _)| scopes_for(*method, path).is_some())
        .map(|(method, path, _)| (method, path))
        .collect()
}

/// The API's routes, to be merged into the provider's router.
pub(crate) fn router(state: ApiState) -> Router {
    let mut router = Router::new();
    for (method, path, handler) in operations() {
        let Some(scopes) = scopes_for(method, path) else {
            log::error!("{method:?} {path} is not in ems_api::routes::ROUTES; not serving it");
            continue;
        };
        let layer = axum::middleware::from_fn_with_state(
            state.clone(),
            move |State(state): State<ApiState>, request: Request, next: Next| {
                authorize(state, scopes, request, next)
            },
        );
        router = router.route(&format!("/{path}"), handler.route_layer(layer));
    }
    router.with_state(state)
}

/// Checks the bearer token and its scopes, then runs the handler with the [`Caller`].
async fn authorize(
    state: ApiState,
    scopes: &'static [&'static str],
    mut request: Request,
    next: Next,
) -> Response {
    let result = caller(&state, request.headers(), scopes);
    let mut response = match result {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(e) => e.into_response(),
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn caller(state: &ApiState, headers: &HeaderMap, scopes: &[&str]) -> Result<Caller, ApiError> {
    let Some(token) = bearer_token(headers) else {
        return Err(Problem::new(
            ProblemCode::MissingToken,
            "send an access token: Authorization: Bearer <token>",
        )
        .into());
    };
    let Some(info) = state.store.access_token(token)? else {
        return Err(Problem::new(
            ProblemCode::InvalidToken,
            "the access token is unknown, expired or revoked; refresh it or sign in again",
        )
        .into());
    };
    let granted: Vec<&str> = info.scope.split(' ').collect();
    if let Some(missing) = scopes.iter().find(|s| !granted.contains(s)) {
        return Err(Problem::new(
            ProblemCode::InsufficientScope,
            format!("this needs the {missing} scope; sign in again asking for it"),
        )
        .into());
    }
    Ok(Caller { user: info.user })
}

/// Reads a JSON body into `T`: 415 unless `application/json`, 413 over [`BODY_LIMIT`], 400 for
/// malformed JSON, 422 naming the field for a missing, unknown or mistyped one.
pub(crate) async fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Body,
) -> Result<T, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(Problem::new(
            ProblemCode::UnsupportedMediaType,
            "send the body as application/json",
        )
        .into());
    }
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return Err(Problem::new(
            ProblemCode::PayloadTooLarge,
            format!("the body is larger than {BODY_LIMIT} bytes"),
        )
        .into());
    };
    let mut value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        Problem::new(
            ProblemCode::MalformedBody,
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    integral_floats_to_integers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let message = e.inner().to_string();
        let path = e.path().to_string();
        let field = field_name(&path, &message);
        error::invalid(&field, format!("{field}: {message}"))
    })
}

/// JSON Schema counts `120.0` as an integer; serde does not. Whole floats become integers.
fn integral_floats_to_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|f| n.is_f64() && f.fract() == 0.0) {
                // Within ±2^53 a whole f64 converts to i64 exactly; larger ones stay floats and
                // are refused as out of range by the field's type.
                if f.abs() <= 9_007_199_254_740_992.0 {
                    #[allow(clippy::cast_possible_truncation)]
                    let whole = f as i64;
                    *n = whole.into();
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_to_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_floats_to_integers),
        _ => {}
    }
}

/// The dotted name of the field a deserialisation error is about: the error's path, or for a
/// missing or unknown field the name inside the message's backticks; `body` for the whole body.
fn field_name(path: &str, message: &str) -> String {
    let parent = if path == "." { "" } else { path };
    // serde_path_to_error's path already ends at an unknown field, but stops at the parent of a
    // missing one.
    let missing = message
        .starts_with("missing field")
        .then(|| message.split('`').nth(1))
        .flatten();
    let unknown = message
        .starts_with("unknown field")
        .then(|| message.split('`').nth(1))
        .flatten();
    match (parent, missing.or(unknown)) {
        ("", Some(name)) => name.to_owned(),
        ("", None) => "body".to_owned(),
        (parent, Some(name)) if missing.is_some() => format!("{parent}.{name}"),
        (parent, _) => parent.to_owned(),
    }
}

/// The brand and last four digits of a valid card number (for the seed).
#[must_use]
pub fn card_summary(number: &str) -> Option<(ems_api::CardBrand, String)> {
    validate::card_number("number", number).ok()
}

/// A 404 problem for paths under `api/` that no route serves.
pub(crate) fn not_found() -> Response {
    error::problem_response(&Problem::new(
        ProblemCode::NotFound,
        "there is no such API endpoint",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_route_is_served_and_no_other() {
        let mut served = served_routes();
        served.sort();
        let mut documented: Vec<_> = ROUTES.iter().map(|r| (r.method, r.path)).collect();
        documented.sort();
        assert_eq!(
            served, documented,
            "the router and ems_api::routes::ROUTES must list the same operations"
        );
    }

    #[test]
    fn whole_floats_are_integers() {
        let mut v = serde_json::json!({"seats": 120.0, "x": [1.5, 2.0]});
        integral_floats_to_integers(&mut v);
        assert_eq!(v, serde_json::json!({"seats": 120, "x": [1.5, 2]}));
    }

    #[test]
    fn field_names_come_from_the_path_or_the_message() {
        assert_eq!(field_name(".", "missing field `name`"), "name");
        assert_eq!(
            field_name("company", "missing field `name`"),
            "company.name"
        );
        assert_eq!(
            field_name("seats", "invalid type: string \"x\", expected u32"),
            "seats"
        );
        assert_eq!(field_name(".", "unknown field `x`, expected `seats`"), "x");
        assert_eq!(
            field_name("company.x", "unknown field `x`, expected `name`"),
            "company.x"
        );
        assert_eq!(
            field_name(".", "invalid type: integer `5`, expected struct"),
            "body"
        );
    }
}
