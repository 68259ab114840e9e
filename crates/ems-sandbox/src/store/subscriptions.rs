//! Subscriptions and hosts: creating one of each kind, assigning real homeservers from the
//! config, raising seats, cancelling, and deleting a whole account in one transaction.
//!
//! A hosted-homeserver subscription is a queue entry until a listed homeserver is free: it is
//! created `pending` and the oldest pending one takes each homeserver that becomes free.

use ems_api::{
    DeletionReport, ElementOneSubscription, Host, HostedHomeserver, HostedHomeserverSubscription,
    LicenceStatus, NewSubscription, OnPremiseSubscription, Problem, ProblemCode, Subscription,
    SubscriptionKind, SubscriptionStatus,
};
use rand::RngCore as _;
use rusqlite::{params, Connection, OptionalExtension as _, Transaction};

use super::{exists, Store};
use crate::api::ApiError;
use crate::config::ProviderConfig;
use crate::secret::now;
use crate::SandboxError;

/// The homeservers the API may hand out, without their admin credentials (which stay in the
/// config, out of reach of every handler).
#[derive(Debug, Clone, Default)]
pub struct Homeservers {
    /// Homeservers for hosted subscriptions, in the config's order.
    pub hosted: Vec<HostedHomeserver>,
    /// The Element One homeserver.
    pub element_one: Option<ElementOneHome>,
}

/// The Element One homeserver, as its subscriptions name it.
#[derive(Debug, Clone)]
pub struct ElementOneHome {
    /// Its server name.
    pub server_name: String,
    /// Its client-server API URL.
    pub url: String,
    /// Its identity-provider id for this EMS.
    pub sso_idp_id: Option<String>,
    /// Element One's web client.
    pub web_client_url: Option<String>,
}

impl Homeservers {
    /// The homeservers a config lists.
    #[must_use]
    pub fn from_config(config: &ProviderConfig) -> Self {
        Self {
            hosted: config
                .homeservers
                .iter()
                .map(|h| HostedHomeserver {
                    server_name: h.server_name.clone(),
                    homeserver_url: h.url.clone(),
                    web_client_url: h.web_client().to_owned(),
                })
                .collect(),
            element_one: config.element_one.as_ref().map(|e| ElementOneHome {
                server_name: e.server_name.clone(),
                url: e.url.clone(),
                sso_idp_id: e.sso_idp_id.clone(),
                web_client_url: e.web_client_url.clone(),
            }),
        }
    }
}

const SELECT: &str = "SELECT s.id, s.kind, s.status, s.seats, s.admin_contact, s.matrix_id, s.server_name,
        s.homeserver_url, s.web_client_domain, s.created_at, h.server_name, h.homeserver_url, h.web_client_url,
        s.sso_idp_id, s.web_client_url
    FROM subscriptions s LEFT JOIN hosts h ON h.subscription_id = s.id";

fn status_from(s: &str) -> SubscriptionStatus {
    match s {
        "active" => SubscriptionStatus::Active,
        "pending" => SubscriptionStatus::Pending,
        _ => SubscriptionStatus::Cancelled,
    }
}

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Subscription> {
    let id: String = r.get(0)?;
    let kind: String = r.get(1)?;
    let status = status_from(&r.get::<_, String>(2)?);
    let seats: Option<u32> = r.get(3)?;
    let created_at: i64 = r.get(9)?;
    Ok(match kind.as_str() {
        "hosted_homeserver" => {
            let server_name: Option<String> = r.get(10)?;
            let homeserver = match server_name {
                Some(server_name) => Some(HostedHomeserver {
                    server_name,
                    homeserver_url: r.get(11)?,
                    web_client_url: r.get(12)?,
                }),
                None => None,
            };
            Subscription::HostedHomeserver(HostedHomeserverSubscription {
                id,
                status,
                seats: seats.unwrap_or_default(),
                admin_contact: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
                homeserver,
                created_at,
            })
        }
        "element_one" => Subscription::ElementOne(ElementOneSubscription {
            id,
            status,
            matrix_id: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
            server_name: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
            homeserver_url: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
            sso_idp_id: r.get(13)?,
            web_client_url: r.get(14)?,
            created_at,
        }),
        _ => Subscription::OnPremise(OnPremiseSubscription {
            id,
            licence_status: if status == SubscriptionStatus::Cancelled {
                LicenceStatus::Revoked
            } else {
                LicenceStatus::Valid
            },
            status,
            seats: seats.unwrap_or_default(),
            web_client_domain: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
            created_at,
        }),
    })
}

fn list(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<Subscription>> {
    let mut stmt = conn.prepare(&format!("{SELECT} WHERE s.user_id = ?1 ORDER BY s.seq"))?;
    let rows = stmt.query_map([user_id], from_row)?;
    rows.collect()
}

fn one(conn: &Connection, user_id: &str, id: &str) -> rusqlite::Result<Option<Subscription>> {
    conn.query_row(
        &format!("{SELECT} WHERE s.user_id = ?1 AND s.id = ?2"),
        [user_id, id],
        from_row,
    )
    .optional()
}

fn hosts(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<Host>> {
    let mut stmt = conn.prepare(
        "SELECT h.subscription_id, h.server_name, h.homeserver_url FROM hosts h
         JOIN subscriptions s ON s.id = h.subscription_id WHERE s.user_id = ?1 ORDER BY s.seq",
    )?;
    let rows = stmt.query_map([user_id], |r| {
        Ok(Host {
            subscription_id: r.get(0)?,
            server_name: r.get(1)?,
            homeserver_url: r.get(2)?,
        })
    })?;
    rows.collect()
}

/// Gives free homeservers to pending subscriptions, oldest first.
fn assign_pending(tx: &Transaction<'_>, homeservers: &Homeservers) -> rusqlite::Result<()> {
    let pending: Vec<String> = {
        let mut stmt = tx.prepare(
            "SELECT id FROM subscriptions WHERE kind = 'hosted_homeserver' AND status = 'pending' ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut pending = pending.into_iter();
    for hs in &homeservers.hosted {
        if host_taken(tx, &hs.server_name)? {
            continue;
        }
        let Some(id) = pending.next() else { break };
        assign(tx, &id, hs)?;
    }
    Ok(())
}

/// Puts subscription `id` on homeserver `hs` and makes it active.
fn assign(tx: &Transaction<'_>, id: &str, hs: &HostedHomeserver) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO hosts (subscription_id, server_name, homeserver_url, web_client_url, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, hs.server_name, hs.homeserver_url, hs.web_client_url, now()],
    )?;
    tx.execute(
        "UPDATE subscriptions SET status = 'active' WHERE id = ?1",
        [id],
    )?;
    Ok(())
}

/// Whether the user has an Element One subscription that is not cancelled.
fn has_element_one(conn: &Connection, user_id: &str) -> Result<bool, SandboxError> {
    Ok(exists(
        conn,
        "SELECT 1 FROM subscriptions WHERE user_id = ?1 AND kind = 'element_one' AND status <> 'cancelled'",
        [user_id],
    )?)
}

fn new_id() -> String {
    format!("sub_{:016x}", rand::rngs::OsRng.next_u64())
}

fn refused(code: ProblemCode, detail: &str) -> ApiError {
    Problem::new(code, detail).into()
}

fn unavailable(code: ProblemCode, field: &str, detail: String) -> ApiError {
    Problem::new(code, detail).with_field(field).into()
}

/// Whether a host already serves `server_name`.
fn host_taken(tx: &Transaction<'_>, server_name: &str) -> rusqlite::Result<bool> {
    exists(
        tx,
        "SELECT 1 FROM hosts WHERE server_name = ?1",
        [server_name],
    )
}

/// The listed homeserver named `wanted`, if it is free.
fn free_homeserver<'a>(
    tx: &Transaction<'_>,
    homeservers: &'a Homeservers,
    wanted: &str,
) -> Result<&'a HostedHomeserver, ApiError> {
    let Some(hs) = homeservers.hosted.iter().find(|h| h.server_name == wanted) else {
        let offered: Vec<&str> = homeservers
            .hosted
            .iter()
            .map(|h| h.server_name.as_str())
            .collect();
        return Err(unavailable(
            ProblemCode::ServerNameUnavailable,
            "server_name",
            format!(
                "this EMS offers no homeserver named {wanted}; it offers {}",
                offered.join(", ")
            ),
        ));
    };
    if host_taken(tx, wanted).map_err(SandboxError::from)? {
        return Err(unavailable(
            ProblemCode::ServerNameUnavailable,
            "server_name",
            format!("{wanted} is already in use; choose another server name, or leave it empty for the next free homeserver"),
        ));
    }
    Ok(hs)
}

/// The Matrix ID (with the homeserver's name and URL) of a new Element One subscription of
/// `user_id` for `localpart`, if Element One is offered, the user has none, and the ID is free.
fn element_one_id<'a>(
    tx: &Transaction<'_>,
    homeservers: &'a Homeservers,
    user_id: &str,
    localpart: &str,
) -> Result<(String, &'a ElementOneHome), ApiError> {
    let Some(home) = &homeservers.element_one else {
        return Err(refused(
            ProblemCode::ElementOneUnavailable,
            "this EMS has no Element One homeserver configured",
        ));
    };
    if has_element_one(tx, user_id)? {
        return Err(refused(
            ProblemCode::ElementOneExists,
            "this account already has an Element One subscription; cancel it first",
        ));
    }
    let matrix_id = format!("@{localpart}:{}", home.server_name);
    if matrix_id_taken(tx, &matrix_id).map_err(SandboxError::from)? {
        return Err(unavailable(
            ProblemCode::MatrixIdTaken,
            "username",
            format!("{matrix_id} is taken; choose another user name"),
        ));
    }
    Ok((matrix_id, home))
}

/// Whether another Element One subscription that is not cancelled holds `matrix_id`.
fn matrix_id_taken(tx: &Transaction<'_>, matrix_id: &str) -> rusqlite::Result<bool> {
    exists(
        tx,
        "SELECT 1 FROM subscriptions WHERE kind = 'element_one' AND status <> 'cancelled' AND matrix_id = ?1",
        [matrix_id],
    )
}

fn not_found() -> ApiError {
    refused(
        ProblemCode::NotFound,
        "this account has no subscription with that id",
    )
}

/// Subscription `id` of `user_id` as `tx` sees it; another customer's is not found, like an
/// unknown one.
fn owned(tx: &Transaction<'_>, user_id: &str, id: &str) -> Result<Subscription, ApiError> {
    one(tx, user_id, id)
        .map_err(SandboxError::from)?
        .ok_or_else(not_found)
}

/// Reads subscription `id` back as `tx` left it, then commits: what a call that changes a
/// subscription answers with.
fn commit_and_read(tx: Transaction<'_>, user_id: &str, id: &str) -> Result<Subscription, ApiError> {
    let read = owned(&tx, user_id, id)?;
    tx.commit().map_err(SandboxError::from)?;
    Ok(read)
}

impl Store {
    /// Every subscription of `user_id`, oldest first.
    pub fn subscriptions(&self, user_id: &str) -> Result<Vec<Subscription>, SandboxError> {
        Ok(list(&self.conn(), user_id)?)
    }

    /// One subscription of `user_id`; another customer's is `None`, like an unknown one.
    pub fn subscription(
        &self,
        user_id: &str,
        id: &str,
    ) -> Result<Option<Subscription>, SandboxError> {
        Ok(one(&self.conn(), user_id, id)?)
    }

    /// Every host of `user_id`.
    pub fn hosts(&self, user_id: &str) -> Result<Vec<Host>, SandboxError> {
        Ok(hosts(&self.conn(), user_id)?)
    }

    /// Gives free homeservers to waiting subscriptions (at start-up: the config may list more).
    pub fn assign_pending(&self, homeservers: &Homeservers) -> Result<(), SandboxError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        assign_pending(&tx, homeservers)?;
        tx.commit()?;
        Ok(())
    }

    /// Creates a subscription (already validated) for `user_id`.
    pub fn create_subscription(
        &self,
        user_id: &str,
        new: &NewSubscription,
        homeservers: &Homeservers,
    ) -> Result<Subscription, ApiError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(SandboxError::from)?;
        let id = new_id();
        let (email, username): (String, String) = tx
            .query_row(
                "SELECT email, username FROM users WHERE id = ?1",
                [user_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(SandboxError::from)?
            .ok_or_else(|| refused(ProblemCode::InvalidToken, "the account no longer exists"))?;
        let insert = |kind: SubscriptionKind,
                      status: &str,
                      seats: Option<u32>,
                      contact: Option<&str>,
                      one: Option<(&str, &ElementOneHome)>,
                      domain: Option<&str>| {
            tx.execute(
                "INSERT INTO subscriptions (id, user_id, kind, status, seats, admin_contact, matrix_id,
                     server_name, homeserver_url, web_client_domain, created_at, sso_idp_id, web_client_url)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    id,
                    user_id,
                    kind.as_str(),
                    status,
                    seats,
                    contact,
                    one.map(|o| o.0),
                    one.map(|o| o.1.server_name.as_str()),
                    one.map(|o| o.1.url.as_str()),
                    domain,
                    now(),
                    one.and_then(|o| o.1.sso_idp_id.as_deref()),
                    one.and_then(|o| o.1.web_client_url.as_deref()),
                ],
            )
        };
        match new {
            NewSubscription::HostedHomeserver(h) => {
                let contact = h.admin_contact.as_deref().unwrap_or(&email);
                let wanted = match h.server_name.as_deref() {
                    Some(name) => Some(free_homeserver(&tx, homeservers, name)?),
                    None => None,
                };
                insert(
                    SubscriptionKind::HostedHomeserver,
                    "pending",
                    Some(h.seats),
                    Some(contact),
                    None,
                    None,
                )
                .map_err(SandboxError::from)?;
                match wanted {
                    Some(hs) => assign(&tx, &id, hs),
                    None => assign_pending(&tx, homeservers),
                }
                .map_err(SandboxError::from)?;
            }
            NewSubscription::ElementOne(one) => {
                let (matrix_id, home) = element_one_id(
                    &tx,
                    homeservers,
                    user_id,
                    one.username.as_deref().unwrap_or(&username),
                )?;
                insert(
                    SubscriptionKind::ElementOne,
                    "active",
                    None,
                    None,
                    Some((&matrix_id, home)),
                    None,
                )
                .map_err(SandboxError::from)?;
            }
            NewSubscription::OnPremise(o) => {
                insert(
                    SubscriptionKind::OnPremise,
                    "active",
                    Some(o.seats),
                    None,
                    None,
                    Some(&o.web_client_domain),
                )
                .map_err(SandboxError::from)?;
            }
        }
        commit_and_read(tx, user_id, &id)
    }

    /// Raises the seats of a hosted homeserver or On-Premise licence; lowering is a conflict.
    pub fn raise_seats(
        &self,
        user_id: &str,
        id: &str,
        seats: u32,
    ) -> Result<Subscription, ApiError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(SandboxError::from)?;
        let sub = owned(&tx, user_id, id)?;
        let current = match &sub {
            Subscription::ElementOne(_) => {
                return Err(refused(
                    ProblemCode::SeatsNotApplicable,
                    "an Element One subscription is one Matrix ID and has no seats",
                ))
            }
            Subscription::HostedHomeserver(h) => h.seats,
            Subscription::OnPremise(o) => o.seats,
        };
        if sub.status() == SubscriptionStatus::Cancelled {
            return Err(refused(
                ProblemCode::SubscriptionCancelled,
                "the subscription is cancelled; its seats cannot change",
            ));
        }
        if seats < current {
            return Err(Problem::new(
                ProblemCode::SeatsCannotDecrease,
                format!(
                    "the subscription has {current} seats; EMS raises seats but never lowers them"
                ),
            )
            .with_field("seats")
            .into());
        }
        tx.execute(
            "UPDATE subscriptions SET seats = ?1 WHERE id = ?2",
            params![seats, id],
        )
        .map_err(SandboxError::from)?;
        commit_and_read(tx, user_id, id)
    }

    /// Cancels a subscription; a hosted homeserver's host is released for the next in line.
    pub fn cancel_subscription(
        &self,
        user_id: &str,
        id: &str,
        homeservers: &Homeservers,
    ) -> Result<Subscription, ApiError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(SandboxError::from)?;
        let sub = owned(&tx, user_id, id)?;
        if sub.status() == SubscriptionStatus::Cancelled {
            return Err(refused(
                ProblemCode::SubscriptionCancelled,
                "the subscription is already cancelled",
            ));
        }
        let write = || -> rusqlite::Result<()> {
            tx.execute("DELETE FROM hosts WHERE subscription_id = ?1", [id])?;
            tx.execute(
                "UPDATE subscriptions SET status = 'cancelled' WHERE id = ?1",
                [id],
            )?;
            assign_pending(&tx, homeservers)
        };
        write().map_err(SandboxError::from)?;
        commit_and_read(tx, user_id, id)
    }

    /// Deletes the account in one transaction: its hosts, then its subscriptions, then the user
    /// (whose sessions, grants and tokens go with it). `confirm` sees exactly what would go and
    /// may refuse; nothing changes then.
    pub fn delete_account(
        &self,
        user_id: &str,
        homeservers: &Homeservers,
        confirm: impl FnOnce(&[Subscription], &[Host]) -> Result<(), ApiError>,
    ) -> Result<DeletionReport, ApiError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(SandboxError::from)?;
        let subscriptions = list(&tx, user_id).map_err(SandboxError::from)?;
        let hosts = hosts(&tx, user_id).map_err(SandboxError::from)?;
        confirm(&subscriptions, &hosts)?;
        let write = || -> rusqlite::Result<usize> {
            tx.execute(
                "DELETE FROM hosts WHERE subscription_id IN (SELECT id FROM subscriptions WHERE user_id = ?1)",
                [user_id],
            )?;
            tx.execute("DELETE FROM subscriptions WHERE user_id = ?1", [user_id])?;
            let users = tx.execute("DELETE FROM users WHERE id = ?1", [user_id])?;
            assign_pending(&tx, homeservers)?;
            Ok(users)
        };
        if write().map_err(SandboxError::from)? == 0 {
            return Err(refused(
                ProblemCode::InvalidToken,
                "the account no longer exists",
            ));
        }
        tx.commit().map_err(SandboxError::from)?;
        Ok(DeletionReport {
            account_id: user_id.to_owned(),
            hosts,
            subscriptions,
        })
    }
}
