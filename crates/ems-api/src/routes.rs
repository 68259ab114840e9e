//! Route paths, relative to the issuer (which ends in `/`), in axum's `{param}` syntax, with the
//! methods and scopes each takes. [`ROUTES`] is the whole API; the server registers exactly these
//! and `docs/ems-api.yaml` documents exactly these.

use crate::scopes::{ACCOUNT as A, SUBSCRIPTIONS as S};

/// The account: personal and company details, billing address and payment method (`GET`).
pub const ACCOUNT: &str = "api/v1/account";
/// Personal and company details (`PUT` an [`crate::AccountDetails`]).
pub const ACCOUNT_DETAILS: &str = "api/v1/account/details";
/// The billing address (`PUT` a [`crate::BillingAddress`]).
pub const BILLING_ADDRESS: &str = "api/v1/account/billing-address";
/// The payment method (`PUT` a [`crate::NewCard`]; answered masked).
pub const PAYMENT_METHOD: &str = "api/v1/account/payment-method";
/// Account deletion: `GET` previews what goes, `POST` a [`crate::DeletionRequest`] deletes it.
pub const ACCOUNT_DELETION: &str = "api/v1/account/deletion";
/// Subscriptions: `GET` lists, `POST` a [`crate::NewSubscription`] creates.
pub const SUBSCRIPTIONS: &str = "api/v1/subscriptions";
/// One subscription (`GET`).
pub const SUBSCRIPTION: &str = "api/v1/subscriptions/{id}";
/// Raise a subscription's seats (`PUT` a [`crate::SeatsChange`]).
pub const SUBSCRIPTION_SEATS: &str = "api/v1/subscriptions/{id}/seats";
/// Cancel a subscription (`POST`, no body).
pub const SUBSCRIPTION_CANCEL: &str = "api/v1/subscriptions/{id}/cancel";

/// An HTTP method the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
}

impl Method {
    /// The method's name in lower case, as OpenAPI writes it.
    #[must_use]
    pub fn as_lower(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Post => "post",
            Self::Put => "put",
        }
    }
}

/// One operation: a method on a path, and the scopes its access token must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The method.
    pub method: Method,
    /// The path, relative to the issuer.
    pub path: &'static str,
    /// Every scope the token must hold.
    pub scopes: &'static [&'static str],
}

const fn route(method: Method, path: &'static str, scopes: &'static [&'static str]) -> Route {
    Route {
        method,
        path,
        scopes,
    }
}

/// Every operation of the API.
pub const ROUTES: &[Route] = &[
    route(Method::Get, ACCOUNT, &[A]),
    route(Method::Put, ACCOUNT_DETAILS, &[A]),
    route(Method::Put, BILLING_ADDRESS, &[A]),
    route(Method::Put, PAYMENT_METHOD, &[A]),
    route(Method::Get, ACCOUNT_DELETION, &[A, S]),
    route(Method::Post, ACCOUNT_DELETION, &[A, S]),
    route(Method::Get, SUBSCRIPTIONS, &[S]),
    route(Method::Post, SUBSCRIPTIONS, &[S]),
    route(Method::Get, SUBSCRIPTION, &[S]),
    route(Method::Put, SUBSCRIPTION_SEATS, &[S]),
    route(Method::Post, SUBSCRIPTION_CANCEL, &[S]),
];

/// `path` with `{id}` replaced by `id` (which must be URL-safe: ids are).
#[must_use]
pub fn with_id(path: &str, id: &str) -> String {
    path.replace("{id}", id)
}
