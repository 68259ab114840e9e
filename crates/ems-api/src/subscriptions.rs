//! Subscriptions of the three kinds: a cloud-hosted homeserver, Element One, and an On-Premise
//! licence.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A subscription, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subscription {
    /// A homeserver hosted by EMS, with its dedicated web client.
    HostedHomeserver(HostedHomeserverSubscription),
    /// One Matrix ID on the Element One homeserver; the EMS login covers the Matrix login.
    ElementOne(ElementOneSubscription),
    /// A licence for a homeserver the customer runs.
    OnPremise(OnPremiseSubscription),
}

impl Subscription {
    /// The subscription's id.
    #[must_use]
    pub fn id(&self) -> &str {
        match self {
            Self::HostedHomeserver(s) => &s.id,
            Self::ElementOne(s) => &s.id,
            Self::OnPremise(s) => &s.id,
        }
    }

    /// The subscription's status.
    #[must_use]
    pub fn status(&self) -> SubscriptionStatus {
        match self {
            Self::HostedHomeserver(s) => s.status,
            Self::ElementOne(s) => s.status,
            Self::OnPremise(s) => s.status,
        }
    }

    /// The subscription's kind.
    #[must_use]
    pub fn kind(&self) -> SubscriptionKind {
        match self {
            Self::HostedHomeserver(_) => SubscriptionKind::HostedHomeserver,
            Self::ElementOne(_) => SubscriptionKind::ElementOne,
            Self::OnPremise(_) => SubscriptionKind::OnPremise,
        }
    }
}

/// The kinds of subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionKind {
    /// A cloud-hosted homeserver.
    HostedHomeserver,
    /// Element One.
    ElementOne,
    /// On-Premise.
    OnPremise,
}

impl SubscriptionKind {
    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HostedHomeserver => "hosted_homeserver",
            Self::ElementOne => "element_one",
            Self::OnPremise => "on_premise",
        }
    }
}

/// Where a subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    /// In service.
    Active,
    /// Waiting for a free homeserver (hosted homeservers only).
    Pending,
    /// Cancelled; kept for the record.
    Cancelled,
}

impl SubscriptionStatus {
    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Pending => "pending",
            Self::Cancelled => "cancelled",
        }
    }
}

/// A cloud-hosted homeserver subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HostedHomeserverSubscription {
    /// The subscription id.
    pub id: String,
    /// `pending` until a homeserver is assigned.
    pub status: SubscriptionStatus,
    /// Seats paid for; they can be raised, never lowered.
    pub seats: u32,
    /// Who to contact about the homeserver.
    pub admin_contact: String,
    /// The assigned homeserver; `null` while pending and once cancelled.
    pub homeserver: Option<HostedHomeserver>,
    /// When it was created (Unix seconds).
    #[ts(type = "number")]
    pub created_at: i64,
}

/// The homeserver a hosted subscription runs on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HostedHomeserver {
    /// The server name (the part after `:` in Matrix IDs).
    pub server_name: String,
    /// The client-server API URL.
    pub homeserver_url: String,
    /// The dedicated web client, with the homeserver preset.
    pub web_client_url: String,
}

/// An Element One subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ElementOneSubscription {
    /// The subscription id.
    pub id: String,
    /// Its status.
    pub status: SubscriptionStatus,
    /// The Matrix ID, `@username:<server name>`.
    pub matrix_id: String,
    /// The Element One homeserver's server name.
    pub server_name: String,
    /// The Element One homeserver's client-server API URL.
    pub homeserver_url: String,
    /// The homeserver's identity-provider id for this EMS (`oidc-ems`): where its single
    /// sign-on goes to sign in with the EMS account. `null` when EMS does not know it.
    #[serde(default)]
    pub sso_idp_id: Option<String>,
    /// Element One's web client, with the homeserver preset; `null` when there is none.
    #[serde(default)]
    pub web_client_url: Option<String>,
    /// When it was created (Unix seconds).
    #[ts(type = "number")]
    pub created_at: i64,
}

/// An On-Premise licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct OnPremiseSubscription {
    /// The subscription id.
    pub id: String,
    /// Its status.
    pub status: SubscriptionStatus,
    /// Seats licensed; they can be raised, never lowered.
    pub seats: u32,
    /// The customer's sub-domain for their dedicated web client.
    pub web_client_domain: String,
    /// Whether the licence may be used.
    pub licence_status: LicenceStatus,
    /// When it was created (Unix seconds).
    #[ts(type = "number")]
    pub created_at: i64,
}

/// An On-Premise licence's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatus {
    /// The licence is valid.
    Valid,
    /// The subscription was cancelled and the licence revoked.
    Revoked,
}

/// The answer of `GET api/v1/subscriptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SubscriptionList {
    /// Every subscription of the account, oldest first.
    pub subscriptions: Vec<Subscription>,
}

/// A subscription to create (`POST api/v1/subscriptions`), tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NewSubscription {
    /// A cloud-hosted homeserver: takes the next free homeserver, or waits `pending`.
    HostedHomeserver(NewHostedHomeserver),
    /// Element One: the Matrix ID is `@<username>:<Element One server name>`; one per account.
    ElementOne(NewElementOne),
    /// An On-Premise licence.
    OnPremise(NewOnPremise),
}

/// A new cloud-hosted homeserver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NewHostedHomeserver {
    /// Seats, 1 to 100000.
    pub seats: u32,
    /// Who to contact about it (an email); the account's email when absent.
    #[serde(default)]
    pub admin_contact: Option<String>,
    /// The server name wanted, one the EMS offers and no one uses; the next free homeserver
    /// when absent (the subscription waits `pending` while none is free).
    #[serde(default)]
    pub server_name: Option<String>,
}

/// A new Element One subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NewElementOne {
    /// The Matrix ID's localpart (`@<username>:<server name>`); the EMS account's user name
    /// when absent.
    #[serde(default)]
    pub username: Option<String>,
}

/// A new On-Premise licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NewOnPremise {
    /// Seats, 1 to 100000.
    pub seats: u32,
    /// The sub-domain of the customer's web client, a DNS name such as `chat.example.org`.
    pub web_client_domain: String,
}

/// A new seat count (`PUT api/v1/subscriptions/{id}/seats`): at least the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SeatsChange {
    /// Seats, 1 to 100000.
    pub seats: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_are_tagged_by_kind() {
        let sub = Subscription::OnPremise(OnPremiseSubscription {
            id: "sub_1".into(),
            status: SubscriptionStatus::Active,
            seats: 5,
            web_client_domain: "chat.example.org".into(),
            licence_status: LicenceStatus::Valid,
            created_at: 1,
        });
        let json = serde_json::to_value(&sub).expect("serialise");
        assert_eq!(json["kind"], "on_premise", "clients branch on `kind`");
        assert_eq!(json["licence_status"], "valid");
        let back: Subscription = serde_json::from_value(json).expect("round trip");
        assert_eq!(back, sub);
        let new: NewSubscription =
            serde_json::from_str(r#"{"kind":"element_one"}"#).expect("element one needs nothing");
        assert_eq!(
            new,
            NewSubscription::ElementOne(NewElementOne { username: None })
        );
    }
}
