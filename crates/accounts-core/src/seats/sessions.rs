//! Where a desk's admin session comes from: the app's live Matrix accounts, or (on the command
//! line) the sessions in the registry and the keyring, used over plain HTTP without opening
//! the matrix-sdk stores.

use std::sync::Arc;

use url::Url;

use super::admin_api::AdminApi;
use super::refresh::SharedRefresh;
use crate::matrix::{load_session, MatrixAccounts};
use crate::vault::{AccountKind, Registry, SubscriptionLink, Vault};

/// The Matrix accounts of this computer that may administer a homeserver.
#[derive(Clone, Copy)]
pub enum AdminSessions<'a> {
    /// The app's accounts, with their live clients.
    Live(&'a MatrixAccounts),
    /// The accounts of the registry, with their sessions from the keyring.
    Stored {
        /// The secrets.
        vault: &'a Vault,
        /// The account records.
        registry: &'a Registry,
        /// The client for their requests, which follows no redirect.
        http: &'a reqwest::Client,
    },
}

/// A Matrix account that may administer a homeserver.
pub(super) struct Candidate {
    pub(super) id: String,
    pub(super) user_id: String,
    pub(super) homeserver: String,
    pub(super) subscription: Option<SubscriptionLink>,
}

impl AdminSessions<'_> {
    pub(super) fn candidates(&self) -> Vec<Candidate> {
        match self {
            Self::Live(matrix) => matrix
                .list()
                .into_iter()
                .map(|a| Candidate {
                    id: a.id,
                    user_id: a.user_id,
                    homeserver: a.homeserver,
                    subscription: a.subscription,
                })
                .collect(),
            Self::Stored { registry, .. } => registry
                .of_kind(AccountKind::Matrix)
                .into_iter()
                .map(|r| Candidate {
                    id: r.id,
                    user_id: r.user_id,
                    homeserver: r.server,
                    subscription: r.subscription,
                })
                .collect(),
        }
    }

    /// The Admin API of `candidate`'s session, renewed under the shared token lock, and the
    /// session's own device; `None` when it has no session here.
    pub(super) async fn api(&self, candidate: &Candidate) -> Option<(AdminApi, Option<String>)> {
        match self {
            Self::Live(matrix) => {
                let http = matrix.sessions().http().clone();
                let client = matrix.client(&candidate.id)?;
                let token = client.access_token()?;
                let sessions = matrix.sessions();
                let refresher = SharedRefresh::new(
                    sessions.vault().clone(),
                    &candidate.id,
                    sessions.registry().data_dir(),
                    client.homeserver(),
                    http.clone(),
                )
                .through(client.clone());
                let api = AdminApi::with_http(http, client.homeserver(), token)
                    .refreshed_by(Arc::new(refresher));
                Some((api, client.device_id().map(ToString::to_string)))
            }
            Self::Stored {
                vault,
                registry,
                http,
            } => {
                let http = (*http).clone();
                let session = match load_session(vault, &candidate.id).await {
                    Ok(session) => session?,
                    Err(error) => {
                        log::warn!(
                            "seats: the session of {} cannot be read: {error}",
                            candidate.id
                        );
                        return None;
                    }
                };
                let homeserver = Url::parse(&candidate.homeserver).ok()?;
                let refresher = SharedRefresh::new(
                    (*vault).clone(),
                    &candidate.id,
                    registry.data_dir(),
                    homeserver.clone(),
                    http.clone(),
                );
                let api = AdminApi::with_http(http, homeserver, session.tokens.access_token)
                    .refreshed_by(Arc::new(refresher));
                Some((api, Some(session.meta.device_id.to_string())))
            }
        }
    }
}
