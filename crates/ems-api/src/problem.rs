//! Errors as RFC 9457 problem details (`application/problem+json`), with a stable [`ProblemCode`]
//! that clients branch on (never the human-readable `detail`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The media type of every error answer.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Problem {
    /// A URI naming the problem type: `urn:ems-api:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What happened in this case, for people.
    pub detail: String,
    /// The stable code.
    pub code: ProblemCode,
    /// The request field at fault, as a dotted path (`company.name`), for `invalid_field`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Problem {
    /// A problem with its `type`, `title` and `status` filled in from `code`.
    #[must_use]
    pub fn new(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self {
            type_uri: format!("urn:ems-api:problem:{}", code.as_str()),
            title: code.title().to_owned(),
            status: code.status(),
            detail: detail.into(),
            code,
            field: None,
        }
    }

    /// The same problem, naming the field at fault.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

/// Every problem the API reports. The wire names are stable; new codes may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemCode {
    /// 401: no bearer token was sent.
    MissingToken,
    /// 401: the bearer token is unknown, expired or revoked: sign in again.
    InvalidToken,
    /// 403: the token lacks a scope this operation needs.
    InsufficientScope,
    /// 400: the body is not JSON.
    MalformedBody,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 413: the body is larger than 64 KiB.
    PayloadTooLarge,
    /// 422: a field is missing, unknown, of the wrong type or out of range (see `field`).
    InvalidField,
    /// 404: no such resource on this account (unknown ids and other customers' look the same).
    NotFound,
    /// 409: another account already uses this email address.
    EmailTaken,
    /// 409: seats can be raised, never lowered.
    SeatsCannotDecrease,
    /// 409: this kind of subscription has no seats.
    SeatsNotApplicable,
    /// 409: the subscription is cancelled.
    SubscriptionCancelled,
    /// 409: the account already has an active Element One subscription.
    ElementOneExists,
    /// 409: this sandbox has no Element One homeserver configured.
    ElementOneUnavailable,
    /// 409: the server name asked for is not one this EMS offers, or is in use (`server_name`).
    ServerNameUnavailable,
    /// 409: another account holds this Element One Matrix ID (`username`).
    MatrixIdTaken,
    /// 409: the deletion confirmation has expired: preview again.
    ConfirmationExpired,
    /// 409: the account changed since the preview (or the token is not from one): preview again.
    ConfirmationMismatch,
    /// 500: the server failed; the request may be retried.
    ServerError,
}

impl ProblemCode {
    /// Every code.
    pub const ALL: [Self; 19] = [
        Self::MissingToken,
        Self::InvalidToken,
        Self::InsufficientScope,
        Self::MalformedBody,
        Self::UnsupportedMediaType,
        Self::PayloadTooLarge,
        Self::InvalidField,
        Self::NotFound,
        Self::EmailTaken,
        Self::SeatsCannotDecrease,
        Self::SeatsNotApplicable,
        Self::SubscriptionCancelled,
        Self::ElementOneExists,
        Self::ElementOneUnavailable,
        Self::ServerNameUnavailable,
        Self::MatrixIdTaken,
        Self::ConfirmationExpired,
        Self::ConfirmationMismatch,
        Self::ServerError,
    ];

    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingToken => "missing_token",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::MalformedBody => "malformed_body",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::InvalidField => "invalid_field",
            Self::NotFound => "not_found",
            Self::EmailTaken => "email_taken",
            Self::SeatsCannotDecrease => "seats_cannot_decrease",
            Self::SeatsNotApplicable => "seats_not_applicable",
            Self::SubscriptionCancelled => "subscription_cancelled",
            Self::ElementOneExists => "element_one_exists",
            Self::ElementOneUnavailable => "element_one_unavailable",
            Self::ServerNameUnavailable => "server_name_unavailable",
            Self::MatrixIdTaken => "matrix_id_taken",
            Self::ConfirmationExpired => "confirmation_expired",
            Self::ConfirmationMismatch => "confirmation_mismatch",
            Self::ServerError => "server_error",
        }
    }

    /// The HTTP status this code is sent with.
    #[must_use]
    pub fn status(self) -> u16 {
        match self {
            Self::MissingToken | Self::InvalidToken => 401,
            Self::InsufficientScope => 403,
            Self::MalformedBody => 400,
            Self::UnsupportedMediaType => 415,
            Self::PayloadTooLarge => 413,
            Self::InvalidField => 422,
            Self::NotFound => 404,
            Self::EmailTaken
            | Self::SeatsCannotDecrease
            | Self::SeatsNotApplicable
            | Self::SubscriptionCancelled
            | Self::ElementOneExists
            | Self::ElementOneUnavailable
            | Self::ServerNameUnavailable
            | Self::MatrixIdTaken
            | Self::ConfirmationExpired
            | Self::ConfirmationMismatch => 409,
            Self::ServerError => 500,
        }
    }

    /// A short summary of the problem type.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::MissingToken => "Sign-in required",
            Self::InvalidToken => "The access token is not valid",
            Self::InsufficientScope => "The access token lacks a scope",
            Self::MalformedBody => "The body is not valid JSON",
            Self::UnsupportedMediaType => "The body must be application/json",
            Self::PayloadTooLarge => "The body is too large",
            Self::InvalidField => "A field is not valid",
            Self::NotFound => "Not found",
            Self::EmailTaken => "The email address is taken",
            Self::SeatsCannotDecrease => "Seats cannot be lowered",
            Self::SeatsNotApplicable => "This subscription has no seats",
            Self::SubscriptionCancelled => "The subscription is cancelled",
            Self::ElementOneExists => "Element One is already subscribed",
            Self::ElementOneUnavailable => "Element One is not available",
            Self::ServerNameUnavailable => "The server name is not available",
            Self::MatrixIdTaken => "The Matrix ID is taken",
            Self::ConfirmationExpired => "The deletion confirmation has expired",
            Self::ConfirmationMismatch => "The deletion confirmation does not match",
            Self::ServerError => "Server error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_to_their_stable_names() {
        for code in ProblemCode::ALL {
            assert_eq!(
                serde_json::to_value(code).expect("serialise"),
                serde_json::Value::from(code.as_str()),
                "the wire name and as_str must agree: clients branch on them"
            );
        }
        let json =
            serde_json::to_value(Problem::new(ProblemCode::InvalidField, "x").with_field("seats"))
                .expect("serialise");
        assert_eq!(json["type"], "urn:ems-api:problem:invalid_field");
        assert_eq!(json["status"], 422);
        assert_eq!(json["field"], "seats");
    }
}
