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
///
/// Not `non_exhaustive`: the app's client maps every code to an error code of its own, and a
/// code added here must make that mapping fail to compile rather than fall into a generic one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
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

/// Whatever a server sends as an error body, reading it as a [`Problem`] gives a problem or a
/// typed error (`serde_json::Error`), never a panic, and accepts exactly the documented shape.
///
/// Bodies are arbitrary bytes, and JSON objects built member by member with each one right,
/// wrong-typed, out of range or missing, so that the property can say which bodies must be read.
#[cfg(test)]
mod properties {
    use proptest::{collection::vec, prelude::*, sample::select};
    use serde_json::{json, Map, Value};

    use super::*;

    /// One member's value, and whether it is of the documented type (`None`: leave it out).
    type Member = Option<(Value, bool)>;

    fn text(required: bool) -> impl Strategy<Value = Member> {
        prop_oneof![
            4 => "\\PC{0,16}".prop_map(|s| Some((Value::from(s), true))),
            1 => Just(if required { None } else { Some((Value::Null, true)) }),
            1 => Just(Some((Value::Null, !required))),
            1 => select(vec![json!(1), json!(true), json!([]), json!({}), json!(["x"])])
                .prop_map(|value| Some((value, false))),
        ]
    }

    fn status() -> impl Strategy<Value = Member> {
        prop_oneof![
            4 => any::<u16>().prop_map(|status| Some((json!(status), true))),
            1 => prop_oneof![
                (65_536_i64..i64::MAX).prop_map(Value::from),
                (i64::MIN..0).prop_map(Value::from),
                Just(json!(422.0)),
                Just(json!(4.22e2)),
                Just(json!("422")),
                Just(Value::Null),
            ]
            .prop_map(|value| Some((value, false))),
            1 => Just(None),
        ]
    }

    fn code() -> impl Strategy<Value = Member> {
        prop_oneof![
            4 => select(ProblemCode::ALL.to_vec())
                .prop_map(|code| Some((json!(code.as_str()), true))),
            1 => select(vec!["", "Invalid_Field", "invalidField", "invalid_field ", "unknown_code"])
                .prop_map(|name| Some((json!(name), false))),
            1 => select(vec![json!(0), json!(null), json!(["invalid_field"])])
                .prop_map(|value| Some((value, false))),
            1 => Just(None),
        ]
    }

    fn field() -> impl Strategy<Value = Member> {
        prop_oneof![
            2 => Just(None),
            2 => text(false),
        ]
    }

    fn body() -> impl Strategy<Value = (Value, bool)> {
        let extras = vec(("[a-z_]{1,8}", "\\PC{0,8}"), 0..3);
        (
            text(true),
            text(true),
            status(),
            text(true),
            code(),
            field(),
            extras,
        )
            .prop_map(|(type_uri, title, status, detail, code, field, extras)| {
                let mut object = Map::new();
                // Unknown members first, so that the known ones (inserted after) win on a clash.
                for (key, value) in extras {
                    object.insert(key, Value::from(value));
                }
                let mut well_formed = true;
                for (key, member) in [
                    ("type", type_uri),
                    ("title", title),
                    ("status", status),
                    ("detail", detail),
                    ("code", code),
                    ("field", field),
                ] {
                    if let Some((value, right)) = member {
                        well_formed &= right;
                        object.insert(key.to_owned(), value);
                    } else {
                        // Only `field` may be left out.
                        well_formed &= key == "field";
                        object.remove(key);
                    }
                }
                (Value::Object(object), well_formed)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn any_bytes_are_a_problem_or_an_error(bytes in vec(any::<u8>(), 0..128)) {
            let _ = serde_json::from_slice::<Problem>(&bytes);
        }

        #[test]
        fn any_json_text_is_a_problem_or_an_error(text in "[{}\\[\\]\":,0-9a-z_ ]{0,64}") {
            let _ = serde_json::from_str::<Problem>(&text);
        }

        #[test]
        fn exactly_the_documented_shape_is_read((body, well_formed) in body()) {
            let bytes = serde_json::to_vec(&body).expect("a JSON value serialises");
            let read = serde_json::from_slice::<Problem>(&bytes);
            prop_assert_eq!(read.is_ok(), well_formed, "{} read as {:?}", body, read);
            if let Ok(problem) = read {
                let again = serde_json::to_vec(&problem).expect("a problem serialises");
                prop_assert_eq!(
                    serde_json::from_slice::<Problem>(&again).ok(),
                    Some(problem),
                    "what is read is written back the same"
                );
            }
        }
    }
}
