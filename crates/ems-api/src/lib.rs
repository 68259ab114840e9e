//! The EMS control-panel API contract: the JSON types, route paths, OAuth scopes and error
//! codes that the reference server (`ems-sandbox`) serves and the app's EMS client sends, so the
//! two cannot drift. `docs/ems-api.yaml` documents the same API as OpenAPI 3.1; the sandbox's
//! tests check it against the routes really served.
//!
//! Plain data only: no HTTP client or server, no validation beyond what the types say (the server
//! owns the rules and reports them as [`Problem`]s).

mod account;
mod problem;
pub mod routes;
mod subscriptions;

pub use account::{
    Account, AccountDetails, BillingAddress, CardBrand, Company, CompanySize, DeletionPreview,
    DeletionReport, DeletionRequest, Host, NewCard, PaymentMethod,
};
pub use problem::{Problem, ProblemCode, PROBLEM_CONTENT_TYPE};
pub use subscriptions::{
    ElementOneSubscription, HostedHomeserver, HostedHomeserverSubscription, LicenceStatus,
    NewElementOne, NewHostedHomeserver, NewOnPremise, NewSubscription, OnPremiseSubscription,
    SeatsChange, Subscription, SubscriptionKind, SubscriptionList, SubscriptionStatus,
};

/// The OAuth scopes the API asks for (on top of `openid`).
pub mod scopes {
    /// Personal and company details, billing address, payment method.
    pub const ACCOUNT: &str = "ems.account";
    /// Subscriptions: list, create, raise seats, cancel.
    pub const SUBSCRIPTIONS: &str = "ems.subscriptions";
}
