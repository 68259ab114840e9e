//! The Element One bridge: one sign-in at the EMS identity provider yields both the EMS
//! session and the Element One Matrix session.
//!
//! It composes the two browser flows over one loopback listener and does no HTTP of its own:
//!
//! 1. `/ems`: the EMS authorization request ([`crate::ems::Authorization`]); on its callback the
//!    EMS session is kept exactly as a single EMS sign-in keeps it, and the browser is answered
//!    with a redirect into the homeserver's single sign-on for the identity provider that is this
//!    EMS ([`crate::matrix::SsoAuthorization`]), its `state` set on `/matrix` only then.
//! 2. `/matrix`: the homeserver (a confidential client of the same provider, which already holds
//!    the browser's session) returns with a `loginToken`; the Matrix session is kept as a single
//!    sign-on keeps it, linked to its Element One subscription.
//!
//!    A homeserver that delegates its sign-in to this EMS as its OAuth 2.0 authorization server
//!    (next-generation auth) has no single sign-on: the second leg is then an OAuth 2.0
//!    authorization at the same provider ([`crate::matrix::OAuthAuthorization`]), back on
//!    `/oauth`. The provider holds the browser's session, so there is no second credential
//!    entry, only its one-click consent for the app (a public loopback client).
//!
//! When this EMS account is signed in already, only the second leg runs: the first page the
//! browser opens is the homeserver's SSO redirect. If the second leg fails, the EMS session
//! stays: "EMS signed in, Matrix not" is a stated state.
//! A homeserver that signs in someone else than the subscription's Matrix ID is refused, and the
//! new device is signed out at once.

use std::time::Duration;

use url::Url;

use crate::browser::{BrowserError, BrowserHandoff};
use crate::ems::{Authorization, EmsAccountView, EmsError, EmsProvider};
use crate::error_code::ErrorCode;
use crate::flow::FlowSlot;
use crate::loopback::{CallbackListener, CallbackState, LoopbackError, Reply, StaticPage};
use crate::matrix::{
    complete_sso, offers_oauth, token_login, DiscoveryError, Homeserver, LoginGrant,
    MatrixAccountView, MatrixError, OAuthAuthorization, SignInTarget, SsoAuthorization,
    OAUTH_CALLBACK_PATH,
};
use crate::vault::SubscriptionLink;
use crate::{AccountError, Accounts};

mod sign_in_again;

/// The loopback path of the bridge's EMS leg.
pub const EMS_PATH: &str = "/ems";
/// The loopback path of the bridge's Matrix leg through single sign-on.
pub const MATRIX_PATH: &str = "/matrix";
/// The loopback path of the bridge's Matrix leg through OAuth 2.0.
pub const OAUTH_PATH: &str = OAUTH_CALLBACK_PATH;

/// How long the bridge waits for the browser, both legs together.
pub const DEFAULT_BRIDGE_TIMEOUT: Duration = Duration::from_mins(10);

const SIGNED_IN_TO_EMS_ONLY: StaticPage = StaticPage::new(
    "Signed in to EMS",
    "You are signed in to your EMS account, which has no Element One subscription yet. Return to Element Accounts to create one.",
);

const SIGNED_IN_TO_BOTH: StaticPage = StaticPage::new(
    "Signed in",
    "You are signed in to both your EMS account and your Element One Matrix account. You can close this tab.",
);

/// The Element One account to sign in to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct ElementOne {
    /// The EMS issuer.
    pub issuer: String,
    /// The Element One homeserver's URL; `None` when it is not known yet (the button on the EMS
    /// sign-in card): the EMS account's Element One subscription then names it, and its
    /// provider, Matrix ID and link, once EMS is signed in.
    pub homeserver: Option<String>,
    /// The homeserver's identity-provider id for this EMS (such as `oidc-ems`); when `None`,
    /// the homeserver's only identity provider.
    pub idp_id: Option<String>,
    /// The Matrix ID the subscription names; a different one is refused.
    pub matrix_id: Option<String>,
    /// The subscription, kept with the Matrix account.
    pub subscription: Option<SubscriptionLink>,
}

impl ElementOne {
    /// The Element One account at `homeserver`, whose identity provider for the EMS at `issuer`
    /// is `idp_id` (or the homeserver's only one).
    #[must_use]
    pub fn new(
        issuer: String,
        homeserver: Option<String>,
        idp_id: Option<String>,
        matrix_id: Option<String>,
        subscription: Option<SubscriptionLink>,
    ) -> Self {
        Self {
            issuer,
            homeserver,
            idp_id,
            matrix_id,
            subscription,
        }
    }
}

/// Both sessions of one Element One sign-in, as the UI sees them. Nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct ElementOneSignedIn {
    /// The EMS account.
    pub ems: EmsAccountView,
    /// The Element One Matrix account.
    pub matrix: MatrixAccountView,
}

/// Why the bridge did not produce both sessions.
#[derive(Debug, thiserror::Error)]
pub enum BridgeError {
    /// The Element One homeserver could not be found or reached; nothing was started.
    #[error(transparent)]
    Homeserver(#[from] DiscoveryError),
    /// The EMS leg failed; nothing was kept.
    #[error(transparent)]
    Ems(#[from] EmsError),
    /// The Matrix leg failed; the EMS session, if the first leg completed, is kept.
    #[error("{source} You are signed in to EMS; finish the Element One sign-in to reach your Matrix account.")]
    Matrix {
        /// What went wrong.
        source: MatrixError,
        /// The EMS account that is signed in.
        ems: Box<EmsAccountView>,
    },
    /// The homeserver offers no identity provider, or several, and the subscription does not
    /// say which one is this EMS.
    #[error("{homeserver} offers {found} for single sign-on, and the subscription does not say which one is this EMS, so the Element One sign-in cannot go on. Sign in to EMS and to Matrix separately.")]
    UnknownProvider {
        /// The homeserver URL.
        homeserver: String,
        /// What it offers, for people.
        found: String,
    },
    /// The browser did not come back from the homeserver (the tab closed, the homeserver showed
    /// a page instead, the user cancelled); EMS is signed in, nothing Matrix was kept.
    #[error("{} You are signed in to EMS; nothing Matrix was kept. Choose \"Finish Element One sign-in\" to try the Matrix part again.", if *.timed_out {
        "The browser did not come back from the Element One homeserver in time: the tab may have been closed, or the homeserver showed a page instead of signing you in (a deactivated account gets one)."
    } else {
        "The Element One sign-in was cancelled before the homeserver signed you in. If the browser showed a page of the homeserver instead of signing you in, your Element One account may have been deactivated."
    })]
    MatrixNotReturned {
        /// It timed out (rather than being cancelled).
        timed_out: bool,
        /// The EMS account that is signed in.
        ems: Box<EmsAccountView>,
    },
    /// The EMS account has no active Element One subscription; EMS is signed in.
    #[error("You are signed in to EMS as {}, but this EMS account has no Element One subscription. Create one in the EMS pane, then sign in with Element One again.", .ems.email.as_deref().unwrap_or(&.ems.id))]
    NoElementOne {
        /// The EMS account that is signed in.
        ems: Box<EmsAccountView>,
    },
    /// The homeserver signed in another Matrix account than the subscription's.
    #[error("The homeserver signed in {got}, but your Element One subscription is for {expected}. That session was signed out again and nothing Matrix was kept; check the user name you chose.")]
    WrongMatrixId {
        /// The subscription's Matrix ID.
        expected: String,
        /// The one the homeserver signed in.
        got: String,
    },
}

impl BridgeError {
    /// The code the UI branches on.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Homeserver(inner) => inner.code(),
            Self::Ems(inner) => inner.code(),
            Self::Matrix { source, .. } => source.code(),
            Self::WrongMatrixId { .. } => ErrorCode::MatrixRefused,
            Self::UnknownProvider { .. } => ErrorCode::MatrixSsoFailed,
            Self::NoElementOne { .. } => ErrorCode::BridgeNoElementOne,
            Self::MatrixNotReturned {
                timed_out: true, ..
            } => ErrorCode::MatrixSsoTimedOut,
            Self::MatrixNotReturned {
                timed_out: false, ..
            } => ErrorCode::MatrixSsoCancelled,
        }
    }
}

impl From<LoopbackError> for BridgeError {
    fn from(error: LoopbackError) -> Self {
        Self::Ems(error.into())
    }
}

impl From<BrowserError> for BridgeError {
    fn from(error: BrowserError) -> Self {
        Self::Ems(EmsError::Browser(error))
    }
}

/// How a bridge begins: at the EMS sign-in, or, when this EMS account is signed in already, at
/// the homeserver (only the second leg runs, prepared already).
enum FirstLeg {
    Ems(Box<Authorization>),
    SignedIn(Box<EmsAccountView>, Prepared),
}

/// How the Element One homeserver signs its users in through this EMS.
enum SecondMode {
    /// Single sign-on at its identity provider `idp_id`, which is this EMS.
    Sso { idp_id: String },
    /// OAuth 2.0, with this EMS as its authorization server.
    OAuth,
}

impl SecondMode {
    /// The listener path its leg comes back to.
    fn path(&self) -> &'static str {
        match self {
            Self::Sso { .. } => MATRIX_PATH,
            Self::OAuth => OAUTH_PATH,
        }
    }
}

/// The second leg's homeserver and how it signs in, once known.
struct Leg2 {
    target: ElementOne,
    mode: SecondMode,
    homeserver: Url,
}

/// The second leg's request, prepared on the listener (its path's state is set).
enum Prepared {
    Sso,
    OAuth(Box<OAuthAuthorization>),
}

/// The listener paths a bridge needs: the EMS leg's if it runs, and the second leg's, or both
/// kinds when the homeserver is not known yet.
fn bridge_listener(
    timeout: Duration,
    ems: bool,
    leg2: Option<&Leg2>,
) -> crate::loopback::CallbackListenerBuilder {
    let mut builder = CallbackListener::builder(timeout);
    if ems {
        builder = builder.path_awaiting_state(EMS_PATH);
    }
    match leg2 {
        Some(leg2) => builder.path_awaiting_state(leg2.mode.path()),
        None => builder
            .path_awaiting_state(MATRIX_PATH)
            .path_awaiting_state(OAUTH_PATH),
    }
}

/// A bridge waiting for the browser.
pub struct PendingBridge {
    issuer: String,
    /// `None` until the EMS account's Element One subscription names it.
    leg2: Option<Leg2>,
    listener: CallbackListener,
    first: FirstLeg,
}
crate::debug_fields!(PendingBridge, issuer);

/// The one bridge that may be in progress.
pub type BridgeSlot = FlowSlot<PendingBridge>;

impl Accounts {
    /// Starts the bridge (cancelling one in progress) and opens the system browser at the EMS
    /// sign-in page, or hands the address back to be copied.
    pub async fn start_element_one(
        &self,
        target: ElementOne,
        timeout: Duration,
    ) -> Result<BrowserHandoff, BridgeError> {
        self.bridge.cancel();
        if let Some(ems) = self.ems.signed_in_at(&target.issuer) {
            let leg2 = self.leg2_of(target, &ems).await?;
            let mut listener = bridge_listener(timeout, false, Some(&leg2)).bind().await?;
            let (url, prepared) = match self.prepare_leg2(&mut listener, &leg2).await {
                Ok(prepared) => prepared,
                Err(source) => {
                    return Err(BridgeError::Matrix {
                        source,
                        ems: Box::new(ems),
                    })
                }
            };
            let cancel = listener.cancel_handle();
            let pending = PendingBridge {
                issuer: leg2.target.issuer.clone(),
                leg2: Some(leg2),
                listener,
                first: FirstLeg::SignedIn(Box::new(ems), prepared),
            };
            return Ok(self.bridge.open(pending, cancel, &url, &self.opener)?);
        }
        // A known homeserver is checked before the browser opens; an unknown one after EMS.
        let leg2 = match &target.homeserver {
            Some(_) => Some(self.known_leg2(target.clone()).await?),
            None => None,
        };
        let provider = EmsProvider::discover(self.ems.http(), &target.issuer).await?;
        let mut listener = bridge_listener(timeout, true, leg2.as_ref()).bind().await?;
        let back = listener
            .callback_url(EMS_PATH)
            .cloned()
            .ok_or(LoopbackError::InvalidPath {
                path: EMS_PATH.to_owned(),
            })?;
        let authorization = Authorization::prepare(provider, &back)?;
        listener
            .set_state(EMS_PATH, CallbackState::new(authorization.state()))
            .await?;
        let url = authorization.authorize_url().clone();
        let cancel = listener.cancel_handle();
        let pending = PendingBridge {
            issuer: target.issuer,
            leg2,
            listener,
            first: FirstLeg::Ems(Box::new(authorization)),
        };
        Ok(self.bridge.open(pending, cancel, &url, &self.opener)?)
    }

    /// The second leg of `target`, whose homeserver is known: parsed, with how it signs in
    /// (OAuth 2.0 where it offers it, else single sign-on at its provider for this EMS).
    async fn known_leg2(&self, target: ElementOne) -> Result<Leg2, BridgeError> {
        let Some(url) = target.homeserver.as_deref() else {
            return Err(BridgeError::UnknownProvider {
                homeserver: String::new(),
                found: "no homeserver".to_owned(),
            });
        };
        let homeserver = Homeserver::parse(url)?.into_url();
        let mode = if offers_oauth(self.matrix.sessions().http(), &homeserver).await {
            SecondMode::OAuth
        } else {
            SecondMode::Sso {
                idp_id: match &target.idp_id {
                    Some(idp) => idp.clone(),
                    None => self.only_provider(url).await?,
                },
            }
        };
        Ok(Leg2 {
            target,
            mode,
            homeserver,
        })
    }

    /// The second leg for the signed-in EMS account `ems`: `target`'s when its homeserver is
    /// known, else what the account's Element One subscription names.
    async fn leg2_of(&self, target: ElementOne, ems: &EmsAccountView) -> Result<Leg2, BridgeError> {
        if target.homeserver.is_some() {
            return self.known_leg2(target).await;
        }
        let failed = |source: MatrixError| BridgeError::Matrix {
            source,
            ems: Box::new(ems.clone()),
        };
        let overview = self.ems.overview(&ems.id).await.map_err(|e| {
            failed(MatrixError::Server {
                homeserver: target.issuer.clone(),
                detail: format!("the EMS subscriptions could not be read ({e})"),
            })
        })?;
        let one = overview.subscriptions.iter().find_map(|s| match s {
            ems_api::Subscription::ElementOne(one)
                if one.status == ems_api::SubscriptionStatus::Active =>
            {
                Some(one)
            }
            _ => None,
        });
        let Some(one) = one else {
            return Err(BridgeError::NoElementOne {
                ems: Box::new(ems.clone()),
            });
        };
        let found = ElementOne {
            issuer: target.issuer,
            homeserver: Some(one.homeserver_url.clone()),
            idp_id: one.sso_idp_id.clone(),
            matrix_id: Some(one.matrix_id.clone()),
            subscription: Some(SubscriptionLink {
                ems_account: ems.id.clone(),
                subscription_id: one.id.clone(),
            }),
        };
        self.known_leg2(found).await
    }

    /// The subscription's Matrix account, when it is signed in on this computer.
    fn live_matrix_account(&self, target: &ElementOne) -> Option<MatrixAccountView> {
        let expected = target.matrix_id.as_deref()?;
        self.matrix
            .list()
            .into_iter()
            .find(|a| a.user_id == expected && self.matrix.client(&a.id).is_some())
    }

    /// The homeserver's one identity provider, when the subscription names none.
    async fn only_provider(&self, homeserver: &str) -> Result<String, BridgeError> {
        let info = self.matrix.discover(homeserver).await?;
        let providers = info.methods.sso.unwrap_or_default();
        match providers.as_slice() {
            [only] => Ok(only.id.clone()),
            others => Err(BridgeError::UnknownProvider {
                homeserver: info.homeserver_url,
                found: if others.is_empty() {
                    "no identity provider".to_owned()
                } else {
                    others
                        .iter()
                        .map(|p| format!("{} ({})", p.name, p.id))
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            }),
        }
    }

    /// Gives up the bridge in progress; what a completed first leg kept stays.
    pub fn cancel_element_one(&self) {
        self.bridge.cancel();
    }

    /// Waits for both legs and keeps both sessions.
    pub async fn finish_element_one(
        &self,
    ) -> Result<(EmsAccountView, MatrixAccountView), BridgeError> {
        self.bridge
            .run(|pending| self.complete_bridge(pending))
            .await
            .ok_or(BridgeError::Ems(EmsError::Cancelled))?
    }

    async fn complete_bridge(
        &self,
        pending: PendingBridge,
    ) -> Result<(EmsAccountView, MatrixAccountView), BridgeError> {
        let PendingBridge {
            issuer,
            leg2,
            mut listener,
            first,
        } = pending;
        let authorization = match first {
            FirstLeg::Ems(authorization) => authorization,
            FirstLeg::SignedIn(ems, prepared) => {
                let Some(leg2) = leg2 else {
                    return Err(BridgeError::NoElementOne { ems });
                };
                return match self.matrix_leg(&mut listener, &leg2, prepared).await {
                    Ok(matrix) => Ok((*ems, matrix)),
                    Err(error) => Err(error.with(ems)),
                };
            }
        };
        // Leg 1: EMS.
        let callback = listener.next_callback().await?;
        let ems = match authorization.complete(&callback).await {
            Ok((signed_in, provider)) => self.ems.keep(signed_in, provider).await,
            Err(error) => Err(error),
        };
        let ems = match ems {
            Ok(ems) => ems,
            Err(error) => {
                callback.respond(Reply::Page(StaticPage::NOT_SIGNED_IN));
                return Err(error.into());
            }
        };
        // The subscription names the homeserver when the start did not know it.
        let leg2 = if let Some(leg2) = leg2 {
            Ok(leg2)
        } else {
            let unknown = ElementOne::new(issuer, None, None, None, None);
            self.leg2_of(unknown, &ems).await
        };
        let leg2 = match leg2 {
            Ok(leg2) => leg2,
            Err(error) => {
                callback.respond(Reply::Page(match error {
                    BridgeError::NoElementOne { .. } => SIGNED_IN_TO_EMS_ONLY,
                    _ => StaticPage::NOT_SIGNED_IN,
                }));
                return Err(error);
            }
        };
        // The subscription's Matrix account may be signed in here already (only EMS was signed
        // out): its session is the one to keep, and a second one would only be refused.
        if let Some(live) = self.live_matrix_account(&leg2.target) {
            callback.respond(Reply::Page(SIGNED_IN_TO_BOTH));
            return Ok((ems, live));
        }
        let (leg2_url, prepared) = match self.prepare_leg2(&mut listener, &leg2).await {
            Ok(prepared) => prepared,
            Err(source) => {
                callback.respond(Reply::Page(StaticPage::NOT_SIGNED_IN));
                return Err(BridgeError::Matrix {
                    source,
                    ems: Box::new(ems),
                });
            }
        };
        callback.respond(Reply::Redirect(leg2_url));

        // Leg 2: the homeserver's single sign-on, or its OAuth 2.0 authorization, at the same
        // provider.
        match self.matrix_leg(&mut listener, &leg2, prepared).await {
            Ok(matrix) => Ok((ems, matrix)),
            Err(error) => Err(error.with(Box::new(ems))),
        }
    }

    /// Prepares the second leg on `listener`'s path for it: the homeserver's SSO redirect for
    /// the provider, or the OAuth 2.0 authorization request, with a fresh state that the
    /// listener then expects. Returns where the browser goes.
    async fn prepare_leg2(
        &self,
        listener: &mut CallbackListener,
        leg2: &Leg2,
    ) -> Result<(Url, Prepared), MatrixError> {
        match &leg2.mode {
            SecondMode::Sso { idp_id } => {
                let back = listener.callback_url(MATRIX_PATH).cloned().ok_or_else(|| {
                    MatrixError::SsoListener(LoopbackError::InvalidPath {
                        path: MATRIX_PATH.to_owned(),
                    })
                })?;
                let sso = SsoAuthorization::prepare(&leg2.homeserver, Some(idp_id), &back)?;
                listener
                    .set_state(MATRIX_PATH, CallbackState::new(sso.state))
                    .await?;
                Ok((sso.sso_url, Prepared::Sso))
            }
            SecondMode::OAuth => {
                let authorization = OAuthAuthorization::prepare(
                    &leg2.homeserver,
                    (false, false),
                    self.matrix.sessions(),
                    listener,
                )
                .await?;
                Ok((
                    authorization.url().clone(),
                    Prepared::OAuth(Box::new(authorization)),
                ))
            }
        }
    }

    async fn matrix_leg(
        &self,
        listener: &mut CallbackListener,
        leg2: &Leg2,
        prepared: Prepared,
    ) -> Result<MatrixAccountView, SecondLeg> {
        let (homeserver, target) = (&leg2.homeserver, &leg2.target);
        let callback = listener
            .next_callback()
            .await
            .map_err(|e| SecondLeg::Failed(e.into()))?;
        let sessions = self.matrix.sessions();
        let to = SignInTarget {
            account_id: None,
            subscription: target.subscription.clone(),
        };
        let kept = async {
            match prepared {
                Prepared::Sso => {
                    let token = complete_sso(homeserver, &callback)?;
                    let grant =
                        token_login(sessions.http(), homeserver, &token, sessions.device_name())
                            .await?;
                    if let Err(wrong) = expected_matrix_id(target, &grant) {
                        sessions.discard(homeserver, &grant).await;
                        return Err(wrong);
                    }
                    Ok(sessions.adopt(homeserver, grant, to).await?)
                }
                Prepared::OAuth(authorization) => {
                    let grant = authorization
                        .exchange(&callback, &sessions.oauth_clients())
                        .await?;
                    if let Err(wrong) = expected_matrix_id(target, &grant) {
                        authorization.revoke().await;
                        return Err(wrong);
                    }
                    Ok(authorization.keep(sessions, grant, to).await?)
                }
            }
        }
        .await;
        callback.respond(Reply::Page(if kept.is_ok() {
            SIGNED_IN_TO_BOTH
        } else {
            StaticPage::NOT_SIGNED_IN
        }));
        kept
    }
}

/// Refuses a session of another Matrix account than the subscription's.
fn expected_matrix_id(target: &ElementOne, grant: &LoginGrant) -> Result<(), SecondLeg> {
    match &target.matrix_id {
        Some(expected) if &grant.user_id != expected => Err(SecondLeg::WrongMatrixId {
            expected: expected.clone(),
            got: grant.user_id.clone(),
        }),
        _ => Ok(()),
    }
}

/// How the second leg failed.
enum SecondLeg {
    Failed(MatrixError),
    WrongMatrixId { expected: String, got: String },
}

impl SecondLeg {
    /// The bridge's error, with the EMS account that is signed in either way.
    fn with(self, ems: Box<EmsAccountView>) -> BridgeError {
        match self {
            Self::Failed(MatrixError::SsoTimedOut) => BridgeError::MatrixNotReturned {
                timed_out: true,
                ems,
            },
            Self::Failed(MatrixError::SsoCancelled) => BridgeError::MatrixNotReturned {
                timed_out: false,
                ems,
            },
            Self::Failed(source) => BridgeError::Matrix { source, ems },
            Self::WrongMatrixId { expected, got } => BridgeError::WrongMatrixId { expected, got },
        }
    }
}

impl From<MatrixError> for SecondLeg {
    fn from(error: MatrixError) -> Self {
        Self::Failed(error)
    }
}

impl Accounts {
    /// The Matrix accounts on this computer that the EMS account `ems_id` bridges: those linked
    /// to one of its Element One subscriptions (as EMS last said, from its cache when the server
    /// is down). Signing out of EMS leaves them signed in unless asked.
    pub async fn bridged_matrix(&self, ems_id: &str) -> Vec<MatrixAccountView> {
        let element_one: Vec<String> = match self.ems.overview(ems_id).await {
            Ok(overview) => overview
                .subscriptions
                .iter()
                .filter(|s| s.kind() == ems_api::SubscriptionKind::ElementOne)
                .map(|s| s.id().to_owned())
                .collect(),
            Err(error) => {
                log::warn!("the subscriptions of EMS account {ems_id} are not available: {error}");
                Vec::new()
            }
        };
        self.matrix
            .list()
            .into_iter()
            .filter(|m| {
                m.subscription.as_ref().is_some_and(|link| {
                    link.ems_account == ems_id && element_one.contains(&link.subscription_id)
                })
            })
            .collect()
    }

    /// Signs out of the EMS account `ems_id`, and, when `with_bridged`, of the Matrix accounts it
    /// bridges too: the two stay separate sessions, so each is ended on its own server. EMS is
    /// signed out first; a Matrix sign-out that fails is reported after both were tried.
    pub async fn sign_out_ems(&self, ems_id: &str, with_bridged: bool) -> Result<(), AccountError> {
        let bridged = if with_bridged {
            self.bridged_matrix(ems_id).await
        } else {
            Vec::new()
        };
        self.ems.sign_out(ems_id).await?;
        let mut failed = None;
        for account in bridged {
            if let Err(error) = self.matrix.sign_out(&account.id).await {
                log::warn!("signing out {} failed: {error}", account.user_id);
                failed.get_or_insert(error);
            }
        }
        match failed {
            Some(error) => Err(error.into()),
            None => Ok(()),
        }
    }
}
