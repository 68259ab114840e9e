//! Subscription handlers: list, create, read one, raise seats, cancel.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use ems_api::routes::{with_id, SUBSCRIPTION};
use ems_api::{
    NewElementOne, NewHostedHomeserver, NewOnPremise, NewSubscription, Problem, ProblemCode,
    SeatsChange, Subscription, SubscriptionList,
};
use serde_json::Value;

use super::error::{invalid, ApiError};
use super::validate::{domain, email, localpart, seats, text};
use super::{json_body, ApiState, Caller};

fn not_found() -> ApiError {
    Problem::new(
        ProblemCode::NotFound,
        "this account has no subscription with that id",
    )
    .into()
}

/// The `{id}` of the path; one that cannot be decoded is as unknown as any other.
fn id(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    path.map(|Path(id)| id).map_err(|_| not_found())
}

/// `GET api/v1/subscriptions`.
pub(super) async fn list(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<SubscriptionList>, ApiError> {
    Ok(Json(SubscriptionList {
        subscriptions: state.store.subscriptions(&caller.user.id)?,
    }))
}

/// `GET api/v1/subscriptions/{id}`.
pub(super) async fn get_one(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Subscription>, ApiError> {
    let id = id(path)?;
    state
        .store
        .subscription(&caller.user.id, &id)?
        .map(Json)
        .ok_or_else(not_found)
}

/// Parses a [`NewSubscription`] in two steps, `kind` first, so that errors name the field.
fn parse_new(value: Value) -> Result<NewSubscription, ApiError> {
    let Value::Object(mut fields) = value else {
        return Err(invalid("body", "the body must be a JSON object"));
    };
    let kind = match fields.remove("kind") {
        None => return Err(invalid("kind", "kind is missing")),
        Some(Value::String(kind)) => kind,
        Some(_) => return Err(invalid("kind", "kind must be a string")),
    };
    let rest = Value::Object(fields);
    let parse = |e: serde_path_to_error::Error<serde_json::Error>| {
        let message = e.inner().to_string();
        let field = super::field_name(&e.path().to_string(), &message);
        invalid(&field, format!("{field}: {message}"))
    };
    Ok(match kind.as_str() {
        "hosted_homeserver" => NewSubscription::HostedHomeserver(
            serde_path_to_error::deserialize::<_, NewHostedHomeserver>(rest).map_err(parse)?,
        ),
        "element_one" => NewSubscription::ElementOne(
            serde_path_to_error::deserialize::<_, NewElementOne>(rest).map_err(parse)?,
        ),
        "on_premise" => NewSubscription::OnPremise(
            serde_path_to_error::deserialize::<_, NewOnPremise>(rest).map_err(parse)?,
        ),
        _ => {
            return Err(invalid(
                "kind",
                "kind must be hosted_homeserver, element_one or on_premise",
            ))
        }
    })
}

/// `POST api/v1/subscriptions`: 201 with the subscription and its `Location`.
pub(super) async fn create(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let new = parse_new(json_body::<Value>(&headers, body).await?)?;
    match &new {
        NewSubscription::HostedHomeserver(h) => {
            seats("seats", h.seats)?;
            if let Some(contact) = &h.admin_contact {
                email("admin_contact", contact)?;
            }
            if let Some(name) = &h.server_name {
                text("server_name", name, 1, 253)?;
            }
        }
        NewSubscription::ElementOne(one) => {
            if let Some(username) = &one.username {
                localpart("username", username)?;
            }
        }
        NewSubscription::OnPremise(o) => {
            seats("seats", o.seats)?;
            domain("web_client_domain", &o.web_client_domain)?;
        }
    }
    let created = state
        .store
        .create_subscription(&caller.user.id, &new, &state.homeservers)?;
    let location = format!("/{}", with_id(SUBSCRIPTION, created.id()));
    let mut response = (StatusCode::CREATED, Json(created)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// `PUT api/v1/subscriptions/{id}/seats`.
pub(super) async fn put_seats(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Subscription>, ApiError> {
    let id = id(path)?;
    // An unknown id is a 404 whatever the body says.
    if state.store.subscription(&caller.user.id, &id)?.is_none() {
        return Err(not_found());
    }
    let change: SeatsChange = json_body(&headers, body).await?;
    seats("seats", change.seats)?;
    Ok(Json(state.store.raise_seats(
        &caller.user.id,
        &id,
        change.seats,
    )?))
}

/// `POST api/v1/subscriptions/{id}/cancel`.
pub(super) async fn cancel(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Subscription>, ApiError> {
    let id = id(path)?;
    Ok(Json(state.store.cancel_subscription(
        &caller.user.id,
        &id,
        &state.homeservers,
    )?))
}
