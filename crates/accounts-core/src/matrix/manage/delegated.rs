//! Account management a homeserver delegates to its authorization server (next-generation auth,
//! MSC4191): the server's `auth_metadata` names an account-management URL and the actions it
//! serves there; each opens in the system browser with `action` (and `device_id` for a
//! session's own actions) in its query. The client API no longer serves the password, email or
//! deactivation on such a server; the profile, the device list and renaming stay in the app.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;

use super::MatrixAccounts;
use crate::browser::BrowserHandoff;
use crate::matrix::error::MatrixError;
use crate::matrix::homeserver::{display_url, join, network_error};

/// The actions that concern one session (device), which take its `device_id`.
const DEVICE_ACTIONS: [&str; 4] = [
    "org.matrix.device_view",
    "org.matrix.device_delete",
    "org.matrix.session_view",
    "org.matrix.session_end",
];

/// One account-management action the authorization server serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ManageAction {
    /// The action as the server names it (`org.matrix.devices_list`).
    pub action: String,
    /// Its short name, without `org.matrix.` (`devices_list`), for buttons.
    pub name: String,
    /// Whether it concerns one session, whose device id it then takes.
    pub per_device: bool,
}

/// Where the homeserver delegates account management, if it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AccountManagement {
    /// The account-management page.
    pub url: String,
    /// The actions it serves, in the server's order.
    pub actions: Vec<ManageAction>,
}

#[derive(Deserialize)]
struct Metadata {
    account_management_uri: Option<String>,
    #[serde(default)]
    account_management_actions_supported: Vec<String>,
}

/// The account-management URL of `base` for `action`, with `device_id` for a session's own
/// actions (MSC4191).
#[must_use]
pub fn account_management_url(base: &Url, action: &str, device_id: Option<&str>) -> Url {
    let mut url = base.clone();
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("action", action);
        if let Some(device_id) = device_id {
            query.append_pair("device_id", device_id);
        }
    }
    url
}

fn parse(metadata: Metadata) -> Option<AccountManagement> {
    let url = Url::parse(&metadata.account_management_uri?).ok()?;
    if !matches!(url.scheme(), "https" | "http") {
        return None;
    }
    let actions = metadata
        .account_management_actions_supported
        .into_iter()
        .map(|action| ManageAction {
            name: action
                .strip_prefix("org.matrix.")
                .unwrap_or(&action)
                .to_owned(),
            per_device: DEVICE_ACTIONS.contains(&action.as_str()),
            action,
        })
        .collect();
    Some(AccountManagement {
        url: url.to_string(),
        actions,
    })
}

impl MatrixAccounts {
    /// Where the account's homeserver delegates account management, or `None` when it manages
    /// accounts through the client API itself.
    pub async fn account_management(
        &self,
        account_id: &str,
    ) -> Result<Option<AccountManagement>, MatrixError> {
        let (client, _) = self.sessions.live(account_id)?;
        let homeserver = client.homeserver();
        let url = join(&homeserver, "_matrix/client/v1/auth_metadata")?;
        let response = self
            .sessions
            .http()
            .get(url.clone())
            .send()
            .await
            .map_err(|e| network_error(&url, &e))?;
        if !response.status().is_success() {
            return Ok(None);
        }
        let metadata: Metadata = response.json().await.map_err(|e| MatrixError::Server {
            homeserver: display_url(&homeserver),
            detail: format!("its authorization server's description could not be read ({e})"),
        })?;
        Ok(parse(metadata))
    }

    /// Opens the account-management page for `action` (one the server serves; with
    /// `device_id` for a session's own actions) in the system browser, or hands the address
    /// back to be copied.
    pub async fn open_account_management(
        &self,
        account_id: &str,
        action: &str,
        device_id: Option<&str>,
    ) -> Result<BrowserHandoff, MatrixError> {
        let (client, _) = self.sessions.live(account_id)?;
        let homeserver = display_url(&client.homeserver());
        let management = self.account_management(account_id).await?.ok_or_else(|| {
            MatrixError::InvalidInput {
                detail: format!("{homeserver} manages its accounts in this app"),
            }
        })?;
        let found = management
            .actions
            .iter()
            .find(|a| a.action == action || a.name == action)
            .ok_or_else(|| MatrixError::InvalidInput {
                detail: format!("{homeserver} does not offer the account action {action}"),
            })?;
        let device_id = match (found.per_device, device_id) {
            (true, Some(id)) if !id.is_empty() => Some(id),
            (true, _) => {
                return Err(MatrixError::InvalidInput {
                    detail: format!("the account action {action} needs a session"),
                })
            }
            (false, _) => None,
        };
        let base = Url::parse(&management.url).map_err(|e| MatrixError::Server {
            homeserver: homeserver.clone(),
            detail: format!("its account-management address is invalid ({e})"),
        })?;
        let url = account_management_url(&base, &found.action, device_id);
        Ok(self.opener.hand_off(&url)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_action_carries_its_name_and_a_device_action_its_device() {
        let base = Url::parse("https://auth.example.org/account/").expect("url");
        let url = account_management_url(&base, "org.matrix.devices_list", None);
        assert_eq!(
            url.as_str(),
            "https://auth.example.org/account/?action=org.matrix.devices_list"
        );
        let url = account_management_url(&base, "org.matrix.device_delete", Some("EA 1"));
        assert_eq!(
            url.as_str(),
            "https://auth.example.org/account/?action=org.matrix.device_delete&device_id=EA+1"
        );
    }

    #[test]
    fn actions_get_short_names_and_device_actions_are_known() {
        let parsed = parse(Metadata {
            account_management_uri: Some("https://auth.example.org/account/".into()),
            account_management_actions_supported: vec![
                "org.matrix.profile".into(),
                "org.matrix.device_view".into(),
            ],
        })
        .expect("delegated");
        assert_eq!(
            parsed.actions,
            vec![
                ManageAction {
                    action: "org.matrix.profile".into(),
                    name: "profile".into(),
                    per_device: false
                },
                ManageAction {
                    action: "org.matrix.device_view".into(),
                    name: "device_view".into(),
                    per_device: true
                },
            ]
        );
        assert!(parse(Metadata {
            account_management_uri: None,
            account_management_actions_supported: vec![],
        })
        .is_none());
        assert!(parse(Metadata {
            account_management_uri: Some("javascript:alert(1)".into()),
            account_management_actions_supported: vec![],
        })
        .is_none());
    }
}
