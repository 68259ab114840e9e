//! Seats: the seats a hosted homeserver's subscription pays for, against the accounts that
//! really exist on it, and the user administration behind them.
//!
//! For every active hosted-homeserver subscription of a signed-in EMS account, [`Seats`] finds
//! a Matrix account of this computer that is a server admin there (the Admin API answers 403 to
//! anyone else) and opens a [`desk::Desk`] for it: the users loaded page by page, the ledger
//! over them, and the actions an admin takes, each read back from the homeserver. The counting
//! rules are [`ledger`]'s, the HTTP requests [`admin_api`]'s. EMS data come from the EMS
//! accounts (their cached copy when the server is down), tokens from the Matrix sessions.
//!
//! ```text
//! subscriptions(ems, matrix) ─► SeatSubscription { seats, admin }   (opens a desk per admin)
//! load_page(target, restart) ─► UsersPage { users, ledger }          (the desk's directory)
//! add_user / deactivate / ... ─► SeatUserChange { user, ledger }      (checked against seats)
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use ems_api::{Subscription, SubscriptionStatus};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub mod admin_api;
pub mod audit;
pub mod csv_file;
pub mod delegated;
mod desk;
mod error;
pub mod import;
pub mod ledger;
mod password;
pub mod refresh;
mod sessions;

pub use admin_api::{now_ms, AdminApi, Refresh, RegistrationToken, UserPage, UserSession};
pub use audit::{AuditEntry, AuditLog, AuditResult};
pub use delegated::{DelegatedAction, DelegatedAuth};
pub use desk::{
    Desk, NewRegistrationToken, NewSeatUser, RegistrationTokenView, SeatUserChange, TokenList,
    UsersPage,
};
pub use error::SeatsError;
pub use import::{ImportPlan, ImportProgress, ImportReport};
pub use ledger::{localpart, SeatLedger, SeatUser, SeatWarning, SeatWarningKind, UserFacts};
pub use password::{generate_password, OneTimePassword};
pub use sessions::AdminSessions;

use crate::ems::{EmsAccountStatus, EmsAccounts};
use crate::matrix::MatrixAccounts;

/// Users fetched per request unless the shell says otherwise.
pub const DEFAULT_PAGE_SIZE: u32 = 500;

/// Which subscription a seats request is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
pub struct SeatsTarget {
    /// The app's id of the EMS account that holds the subscription.
    pub ems_account: String,
    /// The subscription's id at EMS.
    pub subscription_id: String,
}

/// A Matrix account of this computer that administers a homeserver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SeatAdmin {
    /// The app's id of the Matrix account.
    pub account_id: String,
    /// Its Matrix ID.
    pub matrix_id: String,
}

/// A hosted-homeserver subscription and who administers it from here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SeatSubscription {
    /// The app's id of the EMS account.
    pub ems_account: String,
    /// The EMS account's email (or id), to tell accounts apart.
    pub ems_label: String,
    /// The subscription's id at EMS.
    pub subscription_id: String,
    /// The homeserver's server name.
    pub server_name: String,
    /// The homeserver's client-server API URL.
    pub homeserver_url: String,
    /// Seats paid for.
    pub seats: u32,
    /// The EMS data are the last fetched copy (the server could not be reached): no changes.
    pub stale: bool,
    /// The Matrix account that administers the homeserver, if one here does.
    pub admin: Option<SeatAdmin>,
    /// Why none does, in words to show.
    pub admin_problem: Option<String>,
    /// What the homeserver leaves to its authorization server, when it delegates its sign-in
    /// (known once an admin's desk is open).
    pub delegated: Option<DelegatedAuth>,
}

/// The seats of every hosted homeserver an EMS account here pays for, with the desks opened
/// for those a Matrix account here administers.
#[derive(Debug)]
pub struct Seats {
    page_size: u32,
    desks: Mutex<HashMap<SeatsTarget, Arc<Desk>>>,
    audit: Option<AuditLog>,
}

impl Default for Seats {
    fn default() -> Self {
        Self::new(DEFAULT_PAGE_SIZE)
    }
}

impl Seats {
    /// Seats whose user lists are fetched `page_size` users at a time.
    #[must_use]
    pub fn new(page_size: u32) -> Self {
        Self {
            page_size: page_size.max(1),
            desks: Mutex::new(HashMap::new()),
            audit: None,
        }
    }

    /// The same, recording every admin action in `audit`.
    #[must_use]
    pub fn with_audit(mut self, audit: Option<AuditLog>) -> Self {
        self.audit = audit;
        self
    }

    /// The audit log, if the app has a data folder to keep it in.
    #[must_use]
    pub fn audit(&self) -> Option<&AuditLog> {
        self.audit.as_ref()
    }

    /// Every active hosted-homeserver subscription of the signed-in EMS accounts, each with the
    /// Matrix account here that administers it (checked with the homeserver), if any.
    pub async fn subscriptions(
        &self,
        ems: &EmsAccounts,
        matrix: &MatrixAccounts,
    ) -> Result<Vec<SeatSubscription>, SeatsError> {
        self.subscriptions_with(ems, AdminSessions::Live(matrix))
            .await
    }

    /// The same, with the admins' sessions from `admins`.
    pub async fn subscriptions_with(
        &self,
        ems: &EmsAccounts,
        admins: AdminSessions<'_>,
    ) -> Result<Vec<SeatSubscription>, SeatsError> {
        let mut found = Vec::new();
        let mut first_error = None;
        for account in ems.list() {
            if account.status != EmsAccountStatus::SignedIn {
                continue;
            }
            match ems.overview(&account.id).await {
                Ok(overview) => {
                    let label = account.email.clone().unwrap_or_else(|| account.id.clone());
                    let stale = overview.stale.is_some();
                    for subscription in &overview.subscriptions {
                        if let Some(entry) = hosted(&account.id, &label, stale, subscription) {
                            found.push(entry);
                        }
                    }
                }
                Err(error) => {
                    log::warn!(
                        "seats: the subscriptions of EMS account {} are not available: {error}",
                        account.id
                    );
                    first_error.get_or_insert(error);
                }
            }
        }
        if found.is_empty() {
            if let Some(error) = first_error {
                return Err(error.into());
            }
        }
        // Two subscriptions on one homeserver pay for one pool of seats: every account there
        // counts against both, so each desk weighs them against the sum.
        let mut pooled: HashMap<String, u32> = HashMap::new();
        for entry in &found {
            *pooled.entry(entry.server_name.clone()).or_default() += entry.seats;
        }
        for entry in &mut found {
            let seats = pooled
                .get(&entry.server_name)
                .copied()
                .unwrap_or(entry.seats);
            self.find_admin(entry, seats, admins).await;
        }
        Ok(found)
    }

    /// The next page of the subscription's users (the first one when `restart`), added to what
    /// the desk has loaded; the ledger over everything loaded so far.
    pub async fn load_page(
        &self,
        target: &SeatsTarget,
        restart: bool,
    ) -> Result<UsersPage, SeatsError> {
        self.desk(target)?.load_page(restart, self.page_size).await
    }

    /// The subscription's desk, opened by [`Self::subscriptions`].
    pub fn desk(&self, target: &SeatsTarget) -> Result<Arc<Desk>, SeatsError> {
        self.desks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(target)
            .cloned()
            .ok_or_else(|| SeatsError::UnknownSubscription {
                subscription_id: target.subscription_id.clone(),
            })
    }

    /// Looks among this computer's signed-in Matrix accounts on the subscription's homeserver
    /// for a server admin (the account linked to the subscription first), and opens its desk.
    async fn find_admin(
        &self,
        entry: &mut SeatSubscription,
        seats: u32,
        admins: AdminSessions<'_>,
    ) {
        let target = SeatsTarget {
            ems_account: entry.ems_account.clone(),
            subscription_id: entry.subscription_id.clone(),
        };
        let mut candidates: Vec<_> = admins
            .candidates()
            .into_iter()
            .filter(|a| on_homeserver(&a.user_id, &a.homeserver, entry))
            .collect();
        candidates.sort_by_key(|a| {
            a.subscription
                .as_ref()
                .is_none_or(|l| l.subscription_id != entry.subscription_id)
        });
        let mut problems = Vec::new();
        for account in candidates {
            let Some((api, own_device)) = admins.api(&account).await else {
                problems.push(format!("{} is not signed in here.", account.user_id));
                continue;
            };
            let api = api.detecting_delegated_auth().await;
            let admin = SeatAdmin {
                account_id: account.id.clone(),
                matrix_id: account.user_id.clone(),
            };
            let figures = (seats, entry.stale);
            let desk = Desk::new(
                target.clone(),
                entry.server_name.clone(),
                figures,
                admin,
                api,
                own_device,
                self.page_size,
            )
            .with_audit(self.audit.clone());
            let desk = self.keep_loaded(desk);
            match desk.check_admin().await {
                Ok(true) => {
                    entry.admin = Some(desk.admin().clone());
                    entry.delegated = desk.delegated_auth();
                    self.desks
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .insert(target, desk);
                    return;
                }
                Ok(false) => problems.push(format!(
                    "{} is signed in here but is not a server admin of {}.",
                    account.user_id, entry.server_name
                )),
                Err(error) => problems.push(error.to_string()),
            }
        }
        self.desks
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&target);
        entry.admin_problem = Some(if problems.is_empty() {
            format!("No Matrix account on this computer is signed in to {}. Sign in as this homeserver's admin to manage its users.", entry.server_name)
        } else {
            format!(
                "{} Sign in as this homeserver's admin to manage its users.",
                problems.join(" ")
            )
        });
    }

    /// `desk`, or the open desk of the same admin with its loaded users and the new seats.
    fn keep_loaded(&self, desk: Desk) -> Arc<Desk> {
        let desks = self.desks.lock().unwrap_or_else(PoisonError::into_inner);
        match desks.get(desk.target()) {
            Some(open) if open.admin() == desk.admin() => {
                open.update_subscription(desk.seats_paid(), desk.stale());
                Arc::clone(open)
            }
            _ => Arc::new(desk),
        }
    }
}

/// The subscription, if it is an active hosted homeserver with a homeserver assigned.
fn hosted(
    ems_account: &str,
    label: &str,
    stale: bool,
    subscription: &Subscription,
) -> Option<SeatSubscription> {
    let Subscription::HostedHomeserver(hosted) = subscription else {
        return None;
    };
    let homeserver = hosted.homeserver.as_ref()?;
    (hosted.status == SubscriptionStatus::Active).then(|| SeatSubscription {
        ems_account: ems_account.to_owned(),
        ems_label: label.to_owned(),
        subscription_id: hosted.id.clone(),
        server_name: homeserver.server_name.clone(),
        homeserver_url: homeserver.homeserver_url.clone(),
        seats: hosted.seats,
        stale,
        admin: None,
        admin_problem: None,
        delegated: None,
    })
}

/// Whether a Matrix account is on the subscription's homeserver: its Matrix ID's server name,
/// or failing that the homeserver URL its session talks to.
fn on_homeserver(user_id: &str, homeserver: &str, entry: &SeatSubscription) -> bool {
    let server = user_id.split_once(':').map(|(_, server)| server);
    server == Some(entry.server_name.as_str())
        || homeserver.trim_end_matches('/') == entry.homeserver_url.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> SeatSubscription {
        SeatSubscription {
            ems_account: "ems1".into(),
            ems_label: "a@example.org".into(),
            subscription_id: "sub_1".into(),
            server_name: "127.0.0.1:8008".into(),
            homeserver_url: "http://127.0.0.1:8008".into(),
            seats: 5,
            stale: false,
            admin: None,
            admin_problem: None,
            delegated: None,
        }
    }

    #[test]
    fn an_account_belongs_to_the_homeserver_by_server_name_or_url() {
        assert!(on_homeserver(
            "@admin:127.0.0.1:8008",
            "http://elsewhere",
            &entry()
        ));
        assert!(on_homeserver(
            "@a:other.org",
            "http://127.0.0.1:8008/",
            &entry()
        ));
        assert!(!on_homeserver(
            "@a:127.0.0.1:8009",
            "http://127.0.0.1:8009",
            &entry()
        ));
    }
}
