//! What a homeserver asks for before a protected action: a user-interactive auth challenge (the
//! flows it offers, each a list of stages, and a session id). Plain data, shared by the errors
//! that carry a challenge and by the `uia` module that answers it.

use matrix_sdk::ruma::api::client::uiaa::UiaaInfo;
use serde::Serialize;
use ts_rs::TS;
use url::Url;

use super::homeserver::join;

/// The stage id of password re-authentication.
pub const PASSWORD_STAGE: &str = "m.login.password";
/// The stage id of single sign-on re-authentication (completed in the browser, on the server's
/// fallback page).
pub const SSO_STAGE: &str = "m.login.sso";

/// One way to authenticate that the server accepts: its stages, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UiaFlow {
    /// The stage ids, such as `m.login.password` or `m.login.sso`.
    pub stages: Vec<String>,
}

/// What the server asks for before it performs a protected action. Nothing here is secret: the
/// session id only ties the retried request to this challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UiaChallenge {
    /// The server's UIA session id, to send with the retried request.
    pub session: Option<String>,
    /// The flows the server offers; completing any one of them is enough.
    pub flows: Vec<UiaFlow>,
    /// The stages already completed in this session.
    pub completed: Vec<String>,
}

impl UiaChallenge {
    /// The challenge of a server's 401 answer.
    #[must_use]
    pub fn from_info(info: &UiaaInfo) -> Self {
        Self {
            session: info.session.clone(),
            flows: info
                .flows
                .iter()
                .map(|flow| UiaFlow {
                    stages: flow.stages.iter().map(|s| s.as_str().to_owned()).collect(),
                })
                .collect(),
            completed: info
                .completed
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
        }
    }

    /// Whether some flow can be completed with `stage` alone (after what is already completed).
    #[must_use]
    pub fn offers(&self, stage: &str) -> bool {
        self.flows.iter().any(|flow| {
            let remaining: Vec<&String> = flow
                .stages
                .iter()
                .filter(|s| !self.completed.contains(s))
                .collect();
            remaining.len() == 1 && remaining[0] == stage
        })
    }

    /// Whether the password alone completes a flow.
    #[must_use]
    pub fn offers_password(&self) -> bool {
        self.offers(PASSWORD_STAGE)
    }

    /// Whether single sign-on alone completes a flow.
    #[must_use]
    pub fn offers_sso(&self) -> bool {
        self.offers(SSO_STAGE)
    }

    /// The flows, for a message: "m.login.password, or m.login.sso".
    #[must_use]
    pub fn describe(&self) -> String {
        self.flows
            .iter()
            .map(|f| f.stages.join(" + "))
            .collect::<Vec<_>>()
            .join(", or ")
    }

    /// The server's fallback page for `stage` in this session, to open in the browser
    /// (`/_matrix/client/v3/auth/{stage}/fallback/web?session=...`); `None` without a session.
    #[must_use]
    pub fn fallback_url(&self, homeserver: &Url, stage: &str) -> Option<Url> {
        let session = self.session.as_deref()?;
        let mut url = join(
            homeserver,
            &format!("_matrix/client/v3/auth/{stage}/fallback/web"),
        )
        .ok()?;
        url.query_pairs_mut().append_pair("session", session);
        Some(url)
    }
}
