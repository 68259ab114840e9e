//! A typed client of the EMS control-panel API (`docs/ems-api.yaml`): the account, its billing
//! address and payment method, subscriptions, and deleting the account.
//!
//! Every call goes through [`EmsSession::send`], which adds the bearer token and, after a 401,
//! refreshes once and retries. The types and routes are the `ems-api` crate's, shared with the
//! reference server so the two cannot drift. Errors the server reports as problem details become
//! an [`EmsApiError`] carrying the stable code and, for a validation error, the field at fault,
//! so the UI can put the message next to that field. Caching and the UI are left to others.

use std::sync::Arc;

use ems_api::routes::{self, with_id};
use ems_api::{
    Account, AccountDetails, BillingAddress, DeletionPreview, DeletionReport, DeletionRequest,
    NewCard, NewSubscription, PaymentMethod, Problem, ProblemCode, SeatsChange, Subscription,
    SubscriptionList,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{EmsError, EmsSession};
use crate::ErrorCode;

/// A failure of a control-panel call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmsApiError {
    /// The session could not give a token, or the server could not be reached.
    #[error(transparent)]
    Session(#[from] EmsError),
    /// The server refused a value: `field` names it as a dotted path (`company.name`).
    #[error("{detail}")]
    InvalidField {
        /// The request field at fault.
        field: String,
        /// What is wrong with it, for people.
        detail: String,
    },
    /// The server refused the request for another reason it named (seats cannot be lowered,
    /// the subscription is cancelled, the deletion confirmation expired, ...).
    #[error("{detail}")]
    Refused {
        /// The stable code to branch on.
        code: ProblemCode,
        /// The field at fault, when the server named one.
        field: Option<String>,
        /// What happened, for people.
        detail: String,
    },
    /// Deletion was asked for without a preview (or after the app restarted).
    #[error("Review what will be deleted first, then confirm with the account's email.")]
    NotPreviewed,
    /// The typed email is not the account's.
    #[error("The email you typed is not this EMS account's email. Nothing was deleted.")]
    EmailMismatch,
    /// The server answered something that is not the documented API.
    #[error("The EMS server gave an unexpected answer ({status}) to {what}. Try again later; if it keeps happening, the server may not speak this version of the EMS API.")]
    UnexpectedAnswer {
        /// What was being done.
        what: &'static str,
        /// The HTTP status.
        status: u16,
    },
}

impl EmsApiError {
    /// The request field the server named as at fault, if any.
    #[must_use]
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::InvalidField { field, .. } => Some(field),
            Self::Refused { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// The code the UI branches on. A session failure keeps its own code.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Session(inner) => inner.code(),
            Self::InvalidField { .. } => ErrorCode::EmsInvalidField,
            Self::Refused { code, .. } => problem_error_code(*code),
            Self::NotPreviewed => ErrorCode::EmsConfirmationStale,
            Self::EmailMismatch => ErrorCode::EmsEmailMismatch,
            Self::UnexpectedAnswer { .. } => ErrorCode::EmsServer,
        }
    }

    /// The server's problem code, when it reported one.
    #[must_use]
    pub fn problem_code(&self) -> Option<ProblemCode> {
        match self {
            Self::InvalidField { .. } => Some(ProblemCode::InvalidField),
            Self::Refused { code, .. } => Some(*code),
            _ => None,
        }
    }

    fn from_problem(problem: Problem) -> Self {
        match (problem.code, problem.field) {
            (ProblemCode::InvalidField, Some(field)) => Self::InvalidField {
                field,
                detail: problem.detail,
            },
            (code, field) => Self::Refused {
                code,
                field,
                detail: problem.detail,
            },
        }
    }
}

/// The code the UI branches on for a problem the server reported.
fn problem_error_code(code: ProblemCode) -> ErrorCode {
    match code {
        // A name already used, or not offered: the message sits next to its field.
        ProblemCode::InvalidField
        | ProblemCode::ServerNameUnavailable
        | ProblemCode::MatrixIdTaken => ErrorCode::EmsInvalidField,
        ProblemCode::EmailTaken => ErrorCode::EmsEmailTaken,
        ProblemCode::SeatsCannotDecrease => ErrorCode::EmsSeatsCannotDecrease,
        ProblemCode::SeatsNotApplicable => ErrorCode::EmsSeatsNotApplicable,
        ProblemCode::SubscriptionCancelled => ErrorCode::EmsSubscriptionCancelled,
        ProblemCode::ElementOneExists => ErrorCode::EmsElementOneExists,
        ProblemCode::ElementOneUnavailable => ErrorCode::EmsElementOneUnavailable,
        ProblemCode::ConfirmationExpired | ProblemCode::ConfirmationMismatch => {
            ErrorCode::EmsConfirmationStale
        }
        ProblemCode::NotFound => ErrorCode::EmsNotFound,
        ProblemCode::ServerError => ErrorCode::EmsServer,
        ProblemCode::MissingToken | ProblemCode::InvalidToken => ErrorCode::EmsSignedOutOnServer,
        // Requests the app itself built wrongly, or a scope it was not granted: nothing the UI
        // can branch on, so the server's message is shown as it is.
        ProblemCode::InsufficientScope
        | ProblemCode::MalformedBody
        | ProblemCode::UnsupportedMediaType
        | ProblemCode::PayloadTooLarge => ErrorCode::EmsRejected,
    }
}

/// The control panel of one signed-in EMS account.
#[derive(Debug, Clone)]
pub struct EmsControlPanel {
    session: Arc<EmsSession>,
}

#[derive(Clone, Copy)]
enum Verb {
    Get,
    Post,
    Put,
}

impl EmsControlPanel {
    /// The control panel reached through `session`.
    #[must_use]
    pub fn new(session: Arc<EmsSession>) -> Self {
        Self { session }
    }

    /// The account: personal and company details, billing address, masked payment method.
    pub async fn account(&self) -> Result<Account, EmsApiError> {
        self.call(
            Verb::Get,
            routes::ACCOUNT,
            None::<&()>,
            "reading the account",
        )
        .await
    }

    /// Replaces the personal and company details; returns the account as now stored.
    pub async fn update_details(&self, details: &AccountDetails) -> Result<Account, EmsApiError> {
        self.call(
            Verb::Put,
            routes::ACCOUNT_DETAILS,
            Some(details),
            "saving the account details",
        )
        .await
    }

    /// Replaces the billing address; returns it as now stored.
    pub async fn update_billing_address(
        &self,
        address: &BillingAddress,
    ) -> Result<BillingAddress, EmsApiError> {
        self.call(
            Verb::Put,
            routes::BILLING_ADDRESS,
            Some(address),
            "saving the billing address",
        )
        .await
    }

    /// Puts a card on file; returns it masked.
    pub async fn update_payment_method(
        &self,
        card: &NewCard,
    ) -> Result<PaymentMethod, EmsApiError> {
        self.call(
            Verb::Put,
            routes::PAYMENT_METHOD,
            Some(card),
            "saving the payment method",
        )
        .await
    }

    /// Every subscription, oldest first.
    pub async fn subscriptions(&self) -> Result<Vec<Subscription>, EmsApiError> {
        let list: SubscriptionList = self
            .call(
                Verb::Get,
                routes::SUBSCRIPTIONS,
                None::<&()>,
                "listing the subscriptions",
            )
            .await?;
        Ok(list.subscriptions)
    }

    /// One subscription.
    pub async fn subscription(&self, id: &str) -> Result<Subscription, EmsApiError> {
        self.call(
            Verb::Get,
            &with_id(routes::SUBSCRIPTION, &encode(id)),
            None::<&()>,
            "reading a subscription",
        )
        .await
    }

    /// Creates a subscription.
    pub async fn create_subscription(
        &self,
        new: &NewSubscription,
    ) -> Result<Subscription, EmsApiError> {
        self.call(
            Verb::Post,
            routes::SUBSCRIPTIONS,
            Some(new),
            "creating a subscription",
        )
        .await
    }

    /// Raises a subscription's seats to `seats` (never lower: the server refuses that).
    pub async fn raise_seats(&self, id: &str, seats: u32) -> Result<Subscription, EmsApiError> {
        self.call(
            Verb::Put,
            &with_id(routes::SUBSCRIPTION_SEATS, &encode(id)),
            Some(&SeatsChange { seats }),
            "changing the seats",
        )
        .await
    }

    /// Cancels a subscription; it is kept for the record as `cancelled`.
    pub async fn cancel_subscription(&self, id: &str) -> Result<Subscription, EmsApiError> {
        self.call(
            Verb::Post,
            &with_id(routes::SUBSCRIPTION_CANCEL, &encode(id)),
            None::<&()>,
            "cancelling a subscription",
        )
        .await
    }

    /// What deleting the account would remove, and the token that confirms it.
    pub async fn deletion_preview(&self) -> Result<DeletionPreview, EmsApiError> {
        self.call(
            Verb::Get,
            routes::ACCOUNT_DELETION,
            None::<&()>,
            "previewing the account deletion",
        )
        .await
    }

    /// Deletes the account, confirmed by a preview's token.
    pub async fn delete_account(
        &self,
        confirmation_token: &str,
    ) -> Result<DeletionReport, EmsApiError> {
        let request = DeletionRequest {
            confirmation_token: confirmation_token.to_owned(),
        };
        self.call(
            Verb::Post,
            routes::ACCOUNT_DELETION,
            Some(&request),
            "deleting the account",
        )
        .await
    }

    async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        verb: Verb,
        path: &str,
        body: Option<&B>,
        what: &'static str,
    ) -> Result<T, EmsApiError> {
        let url = url::Url::parse(self.session.issuer())
            .and_then(|issuer| issuer.join(path))
            .map_err(|_| EmsError::InvalidIssuer(self.session.issuer().to_owned()))?;
        let response = self
            .session
            .send(|http| {
                let request = match verb {
                    Verb::Get => http.get(url.clone()),
                    Verb::Post => http.post(url.clone()),
                    Verb::Put => http.put(url.clone()),
                };
                let request = request.header(reqwest::header::ACCEPT, "application/json");
                match body {
                    Some(body) => request.json(body),
                    None => request,
                }
            })
            .await?;
        let status = response.status().as_u16();
        let unexpected = EmsApiError::UnexpectedAnswer { what, status };
        let bytes = response.bytes().await.map_err(|_| unexpected)?;
        if (200..300).contains(&status) {
            return serde_json::from_slice(&bytes)
                .map_err(|_| EmsApiError::UnexpectedAnswer { what, status });
        }
        match serde_json::from_slice::<Problem>(&bytes) {
            Ok(problem) => Err(EmsApiError::from_problem(problem)),
            Err(_) => Err(EmsApiError::UnexpectedAnswer { what, status }),
        }
    }
}

/// Ids are URL-safe, but an id from elsewhere must not change the path.
fn encode(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_code::assert_pinned;

    fn refused(code: ProblemCode) -> EmsApiError {
        EmsApiError::Refused {
            code,
            field: None,
            detail: format!("refused: {}", code.as_str()),
        }
    }

    // Exhaustive on purpose: a new variant fails to compile here until it is named and listed in
    // `every_control_panel_error_has_a_pinned_code_and_a_message`.
    fn api_variant(error: &EmsApiError) -> &'static str {
        match error {
            EmsApiError::Session(_) => "Session",
            EmsApiError::InvalidField { .. } => "InvalidField",
            EmsApiError::Refused { .. } => "Refused",
            EmsApiError::NotPreviewed => "NotPreviewed",
            EmsApiError::EmailMismatch => "EmailMismatch",
            EmsApiError::UnexpectedAnswer { .. } => "UnexpectedAnswer",
        }
    }

    #[test]
    fn every_control_panel_error_has_a_pinned_code_and_a_message() {
        let examples = [
            (
                EmsApiError::Session(EmsError::NotSignedIn),
                "ems_not_signed_in",
            ),
            (
                EmsApiError::InvalidField {
                    field: "company.name".into(),
                    detail: "The company name must not be empty.".into(),
                },
                "ems_invalid_field",
            ),
            (
                refused(ProblemCode::SeatsCannotDecrease),
                "ems_seats_cannot_decrease",
            ),
            (EmsApiError::NotPreviewed, "ems_confirmation_stale"),
            (EmsApiError::EmailMismatch, "ems_email_mismatch"),
            (
                EmsApiError::UnexpectedAnswer {
                    what: "reading the account",
                    status: 502,
                },
                "ems_server",
            ),
        ];
        assert_pinned(&examples, api_variant, EmsApiError::code);
    }

    #[test]
    fn every_problem_code_has_a_pinned_error_code() {
        // A new problem code fails to compile in `problem_error_code`; this pins what each
        // existing one maps to.
        let pinned = [
            (ProblemCode::MissingToken, "ems_signed_out_on_server"),
            (ProblemCode::InvalidToken, "ems_signed_out_on_server"),
            (ProblemCode::InsufficientScope, "ems_rejected"),
            (ProblemCode::MalformedBody, "ems_rejected"),
            (ProblemCode::UnsupportedMediaType, "ems_rejected"),
            (ProblemCode::PayloadTooLarge, "ems_rejected"),
            (ProblemCode::InvalidField, "ems_invalid_field"),
            (ProblemCode::NotFound, "ems_not_found"),
            (ProblemCode::EmailTaken, "ems_email_taken"),
            (
                ProblemCode::SeatsCannotDecrease,
                "ems_seats_cannot_decrease",
            ),
            (ProblemCode::SeatsNotApplicable, "ems_seats_not_applicable"),
            (
                ProblemCode::SubscriptionCancelled,
                "ems_subscription_cancelled",
            ),
            (ProblemCode::ElementOneExists, "ems_element_one_exists"),
            (
                ProblemCode::ElementOneUnavailable,
                "ems_element_one_unavailable",
            ),
            (ProblemCode::ServerNameUnavailable, "ems_invalid_field"),
            (ProblemCode::MatrixIdTaken, "ems_invalid_field"),
            (ProblemCode::ConfirmationExpired, "ems_confirmation_stale"),
            (ProblemCode::ConfirmationMismatch, "ems_confirmation_stale"),
            (ProblemCode::ServerError, "ems_server"),
        ];
        assert_eq!(
            pinned.map(|(code, _)| code),
            ProblemCode::ALL,
            "every problem code is pinned, in the order of ProblemCode::ALL"
        );
        let examples = pinned.map(|(code, text)| (refused(code), text));
        assert_pinned(
            &examples,
            |error| error.problem_code().map_or("none", ProblemCode::as_str),
            EmsApiError::code,
        );
    }

    #[test]
    fn a_validation_problem_names_its_field() {
        let error = EmsApiError::from_problem(
            Problem::new(ProblemCode::InvalidField, "The city must not be empty.")
                .with_field("city"),
        );
        assert_eq!(error.field(), Some("city"), "the UI puts the message there");
        assert_eq!(error.problem_code(), Some(ProblemCode::InvalidField));
        assert_eq!(error.to_string(), "The city must not be empty.");
        let error = EmsApiError::from_problem(
            Problem::new(ProblemCode::SeatsCannotDecrease, "no").with_field("seats"),
        );
        assert_eq!(error.problem_code(), Some(ProblemCode::SeatsCannotDecrease));
        assert_eq!(error.field(), Some("seats"));
    }

    #[test]
    fn ids_cannot_change_the_path() {
        assert_eq!(encode("sub_1"), "sub_1");
        assert_eq!(encode("../x"), "..%2Fx");
    }
}
