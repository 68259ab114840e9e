//! The account: personal and company details, billing address, payment method, and deleting it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::subscriptions::Subscription;

/// The signed-in customer's account (`GET api/v1/account`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Account {
    /// The account id: the OpenID Connect `sub`.
    pub id: String,
    /// The email address, also the sign-in name.
    pub email: String,
    /// The customer's full name.
    pub name: String,
    /// The short user name (`preferred_username`); the localpart of an Element One Matrix ID.
    pub username: String,
    /// Company details, if the account is a company's.
    pub company: Option<Company>,
    /// Where invoices go, once set.
    pub billing_address: Option<BillingAddress>,
    /// The card on file, masked, once set.
    pub payment_method: Option<PaymentMethod>,
    /// When the account was created (Unix seconds).
    #[ts(type = "number")]
    pub created_at: i64,
}

/// Personal and company details, replaced as a whole (`PUT api/v1/account/details`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct AccountDetails {
    /// The full name: 1 to 200 characters, not only spaces.
    pub name: String,
    /// The email address (`local@domain`, at most 254 characters); another account's is a 409.
    pub email: String,
    /// Company details, or `null` for a private customer.
    pub company: Option<Company>,
}

/// A company's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct Company {
    /// The company's name: 1 to 200 characters.
    pub name: String,
    /// The company registration or VAT number: 1 to 50 characters.
    #[serde(default)]
    pub number: Option<String>,
    /// How many people work there.
    #[serde(default)]
    pub size: Option<CompanySize>,
}

/// How many people a company has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub enum CompanySize {
    /// 1 to 10 people.
    #[serde(rename = "1-10")]
    UpTo10,
    /// 11 to 50 people.
    #[serde(rename = "11-50")]
    UpTo50,
    /// 51 to 250 people.
    #[serde(rename = "51-250")]
    UpTo250,
    /// 251 to 1000 people.
    #[serde(rename = "251-1000")]
    UpTo1000,
    /// More than 1000 people.
    #[serde(rename = "1001+")]
    Over1000,
}

impl CompanySize {
    /// Every size, in order.
    pub const ALL: [Self; 5] = [
        Self::UpTo10,
        Self::UpTo50,
        Self::UpTo250,
        Self::UpTo1000,
        Self::Over1000,
    ];

    /// The wire name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UpTo10 => "1-10",
            Self::UpTo50 => "11-50",
            Self::UpTo250 => "51-250",
            Self::UpTo1000 => "251-1000",
            Self::Over1000 => "1001+",
        }
    }
}

/// The billing address (`PUT api/v1/account/billing-address`, replaced as a whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct BillingAddress {
    /// First address line: 1 to 200 characters.
    pub line1: String,
    /// Second address line: up to 200 characters.
    #[serde(default)]
    pub line2: Option<String>,
    /// City: 1 to 100 characters.
    pub city: String,
    /// State, county or region: up to 100 characters.
    #[serde(default)]
    pub region: Option<String>,
    /// Postal code: 1 to 20 characters.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, upper case (`GB`, `DE`).
    pub country: String,
}

/// A card to put on file (`PUT api/v1/account/payment-method`). The number is checked (12 to 19
/// digits, Luhn) and only its brand and last four digits are kept.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NewCard {
    /// The card number, digits only.
    pub number: String,
    /// Expiry month, 1 to 12.
    pub expiry_month: u8,
    /// Expiry year, four digits; the card must not have expired.
    pub expiry_year: u16,
    /// The name on the card: 1 to 200 characters.
    pub holder_name: String,
}

impl std::fmt::Debug for NewCard {
    // The number must not reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewCard")
            .field("number", &"<redacted>")
            .field("expiry_month", &self.expiry_month)
            .field("expiry_year", &self.expiry_year)
            .finish_non_exhaustive()
    }
}

/// The card on file, masked: the full number is never stored or shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PaymentMethod {
    /// The card's brand, from its number.
    pub brand: CardBrand,
    /// The last four digits.
    pub last4: String,
    /// Expiry month, 1 to 12.
    pub expiry_month: u8,
    /// Expiry year.
    pub expiry_year: u16,
    /// The name on the card.
    pub holder_name: String,
}

/// A card brand, as recognised from the number's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CardBrand {
    /// Visa (4…).
    Visa,
    /// Mastercard (51–55, 2221–2720).
    Mastercard,
    /// American Express (34, 37).
    Amex,
    /// Discover (6011, 65).
    Discover,
    /// Any other.
    Other,
}

/// A cloud-hosted homeserver deployment that account deletion removes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Host {
    /// The hosted-homeserver subscription it belongs to.
    pub subscription_id: String,
    /// The homeserver's server name.
    pub server_name: String,
    /// The homeserver's client-server API URL.
    pub homeserver_url: String,
}

/// Exactly what deleting the account removes (`GET api/v1/account/deletion`), and the token
/// that confirms it. The token is valid until `expires_at` and only while the account still holds
/// exactly these subscriptions and hosts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DeletionPreview {
    /// Every subscription, in any status.
    pub subscriptions: Vec<Subscription>,
    /// Every host.
    pub hosts: Vec<Host>,
    /// Send this back to delete.
    pub confirmation_token: String,
    /// When the token expires (Unix seconds).
    #[ts(type = "number")]
    pub expires_at: i64,
}

/// The confirmation of a deletion (`POST api/v1/account/deletion`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DeletionRequest {
    /// The token from the preview.
    pub confirmation_token: String,
}

/// What was deleted: hosts and subscriptions first, then the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DeletionReport {
    /// The deleted account's id.
    pub account_id: String,
    /// The deleted hosts.
    pub hosts: Vec<Host>,
    /// The deleted subscriptions.
    pub subscriptions: Vec<Subscription>,
}
