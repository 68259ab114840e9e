//! Account handlers: the account, personal and company details, billing address, payment method,
//! and deletion (a preview with a confirmation token, then the deletion itself).

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::{Extension, Json};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ems_api::{
    Account, AccountDetails, BillingAddress, DeletionPreview, DeletionReport, DeletionRequest,
    Host, NewCard, PaymentMethod, Problem, ProblemCode, Subscription,
};
use sha2::{Digest as _, Sha256};

use super::error::{invalid, ApiError};
use super::validate::{card_number, country, email, expiry, optional_text, text};
use super::{json_body, ApiState, Caller};
use crate::secret::{now, secrets_match};

/// How long a deletion confirmation token stays valid, in seconds.
const CONFIRMATION_LIFETIME: i64 = 600;

fn gone() -> ApiError {
    Problem::new(ProblemCode::InvalidToken, "the account no longer exists").into()
}

/// `GET api/v1/account`.
pub(super) async fn get_account(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Account>, ApiError> {
    state
        .store
        .account(&caller.user.id)?
        .map(Json)
        .ok_or_else(gone)
}

/// `PUT api/v1/account/details`.
pub(super) async fn put_details(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Account>, ApiError> {
    let details: AccountDetails = json_body(&headers, body).await?;
    text("name", &details.name, 1, 200)?;
    email("email", &details.email)?;
    if let Some(company) = &details.company {
        text("company.name", &company.name, 1, 200)?;
        optional_text("company.number", company.number.as_deref(), 50)?;
    }
    Ok(Json(state.store.update_details(&caller.user.id, &details)?))
}

/// `PUT api/v1/account/billing-address`.
pub(super) async fn put_billing_address(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BillingAddress>, ApiError> {
    let address: BillingAddress = json_body(&headers, body).await?;
    text("line1", &address.line1, 1, 200)?;
    optional_text("line2", address.line2.as_deref(), 200)?;
    text("city", &address.city, 1, 100)?;
    optional_text("region", address.region.as_deref(), 100)?;
    text("postal_code", &address.postal_code, 1, 20)?;
    country("country", &address.country)?;
    state.store.set_billing_address(&caller.user.id, &address)?;
    Ok(Json(address))
}

/// `PUT api/v1/account/payment-method`: checks the card and keeps only brand, last four digits
/// and expiry.
pub(super) async fn put_payment_method(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<PaymentMethod>, ApiError> {
    let card: NewCard = json_body(&headers, body).await?;
    let (brand, last4) = card_number("number", &card.number)?;
    expiry(card.expiry_month, card.expiry_year, now())?;
    text("holder_name", &card.holder_name, 1, 200)?;
    let method = PaymentMethod {
        brand,
        last4,
        expiry_month: card.expiry_month,
        expiry_year: card.expiry_year,
        holder_name: card.holder_name,
    };
    state.store.set_payment_method(&caller.user.id, &method)?;
    Ok(Json(method))
}

/// The MAC binding a confirmation token to the user, its expiry and exactly what goes.
fn confirmation_mac(
    key: &[u8; 32],
    user_id: &str,
    expires_at: i64,
    subscriptions: &[Subscription],
    hosts: &[Host],
) -> String {
    let content = serde_json::to_vec(&(subscriptions, hosts)).unwrap_or_default();
    let mut hash = Sha256::new();
    hash.update(key);
    hash.update(user_id.as_bytes());
    hash.update([0]);
    hash.update(expires_at.to_string().as_bytes());
    hash.update([0]);
    hash.update(&content);
    URL_SAFE_NO_PAD.encode(hash.finalize())
}

/// `GET api/v1/account/deletion`: what deletion would remove, and a token confirming it.
pub(super) async fn preview_deletion(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<DeletionPreview>, ApiError> {
    let subscriptions = state.store.subscriptions(&caller.user.id)?;
    let hosts = state.store.hosts(&caller.user.id)?;
    let expires_at = now() + CONFIRMATION_LIFETIME;
    let mac = confirmation_mac(
        &state.deletion_key,
        &caller.user.id,
        expires_at,
        &subscriptions,
        &hosts,
    );
    Ok(Json(DeletionPreview {
        subscriptions,
        hosts,
        confirmation_token: format!("{expires_at}.{mac}"),
        expires_at,
    }))
}

/// `POST api/v1/account/deletion`: deletes hosts, subscriptions and the account in one
/// transaction, if the token confirms exactly what the account still holds.
pub(super) async fn delete_account(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<DeletionReport>, ApiError> {
    let request: DeletionRequest = json_body(&headers, body).await?;
    let field = "confirmation_token";
    let (expires_at, mac) = request
        .confirmation_token
        .split_once('.')
        .and_then(|(e, m)| Some((e.parse::<i64>().ok()?, m)))
        .ok_or_else(|| {
            invalid(
                field,
                "confirmation_token is not a token from the deletion preview",
            )
        })?;
    let user_id = caller.user.id.clone();
    let key = state.deletion_key.clone();
    let report = state
        .store
        .delete_account(&user_id, &state.homeservers, |subscriptions, hosts| {
            let expected = confirmation_mac(&key, &user_id, expires_at, subscriptions, hosts);
            if !secrets_match(mac, &expected) {
                return Err(Problem::new(
                    ProblemCode::ConfirmationMismatch,
                    "the account changed since the preview, or the token is not from it; preview again",
                )
                .with_field(field)
                .into());
            }
            if expires_at <= now() {
                return Err(Problem::new(
                    ProblemCode::ConfirmationExpired,
                    "the confirmation has expired; preview the deletion again",
                )
                .with_field(field)
                .into());
            }
            Ok(())
        })?;
    log::info!(
        "deleted account {} with {} subscriptions and {} hosts",
        report.account_id,
        report.subscriptions.len(),
        report.hosts.len()
    );
    Ok(Json(report))
}
