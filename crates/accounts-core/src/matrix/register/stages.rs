//! What registration asks of the user, as the UI sees it: the stages the app can do, the way it
//! follows among those a server offers, the policies of `m.login.terms`, and the steps and
//! progress that cross to the UI. Pure data and rules; the requests are [`super::register`]'s and
//! the walk is [`super::creation`]'s.

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;
use url::Url;

use super::error::RegistrationError;
use super::requests::AuthNeeded;
use crate::matrix::homeserver::display_url;
use crate::matrix::session::MatrixAccountView;

pub(crate) const TOKEN: &str = "m.login.registration_token";
pub(crate) const TERMS: &str = "m.login.terms";
pub(crate) const EMAIL: &str = "m.login.email.identity";
pub(crate) const DUMMY: &str = "m.login.dummy";

/// The stages this app can walk a user through.
const SUPPORTED_STAGES: [&str; 4] = [TOKEN, TERMS, EMAIL, DUMMY];

/// How registration works on a homeserver, known before the user types anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RegistrationOffer {
    /// The homeserver URL.
    pub homeserver_url: String,
    /// The stages of the way the app will follow, in order (for example
    /// `m.login.registration_token`, `m.login.dummy`).
    pub stages: Vec<String>,
}

/// A policy the user must accept (`m.login.terms`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TermsPolicy {
    /// The policy's id, as the server names it.
    pub id: String,
    /// Its name, to show.
    pub name: String,
    /// Where to read it.
    pub url: String,
    /// Its version.
    pub version: String,
}

/// What the user is asked next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum RegistrationStep {
    /// The registration token the server's administrator handed out.
    Token,
    /// The policies, each to accept.
    Terms {
        /// The policies.
        policies: Vec<TermsPolicy>,
    },
    /// An email address to validate.
    Email,
    /// A link was mailed; the stage completes once the user has followed it.
    EmailSent {
        /// Where it was sent.
        address: String,
        /// Whether the app has already asked and the link was not followed yet.
        waiting: bool,
    },
    /// The account exists and is signed in on this computer.
    Done {
        /// The new account.
        account: MatrixAccountView,
    },
}

/// Where the registration in progress stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RegistrationProgress {
    /// The registration's id; each later call names it, so that a stale screen changes nothing.
    pub id: String,
    /// What comes next.
    pub step: RegistrationStep,
}

/// The way with the fewest screens among those using only stages the app can do, or why
/// there is none.
pub(crate) fn choose_flow(
    homeserver: &Url,
    needed: &AuthNeeded,
) -> Result<Vec<String>, RegistrationError> {
    let doable = needed
        .flows
        .iter()
        .filter(|f| {
            f.stages
                .iter()
                .all(|s| SUPPORTED_STAGES.contains(&s.as_str()))
        })
        // The fewest screens for the user: m.login.dummy asks nothing.
        .min_by_key(|f| f.stages.iter().filter(|s| s.as_str() != DUMMY).count());
    if let Some(flow) = doable {
        return Ok(flow.stages.clone());
    }
    let mut stages: Vec<String> = needed
        .flows
        .iter()
        .flat_map(|f| f.stages.iter())
        .filter(|s| !SUPPORTED_STAGES.contains(&s.as_str()))
        .cloned()
        .collect();
    stages.sort();
    stages.dedup();
    Err(RegistrationError::Unsupported {
        homeserver: display_url(homeserver),
        stages,
    })
}

/// The policies of the `m.login.terms` stage, in the user's language when the server has it
/// (English otherwise, or the first it lists).
pub(crate) fn policies_of(params: &Value) -> Vec<TermsPolicy> {
    let Some(policies) = params[TERMS]["policies"].as_object() else {
        return Vec::new();
    };
    let mut list: Vec<TermsPolicy> = policies
        .iter()
        .filter_map(|(id, policy)| {
            let version = policy["version"].as_str().unwrap_or_default().to_owned();
            let text = policy.get("en").or_else(|| {
                policy
                    .as_object()?
                    .iter()
                    .find(|(k, v)| k.as_str() != "version" && v.is_object())
                    .map(|(_, v)| v)
            })?;
            Some(TermsPolicy {
                id: id.clone(),
                name: text["name"].as_str().unwrap_or(id).to_owned(),
                url: text["url"].as_str().unwrap_or_default().to_owned(),
                version,
            })
        })
        .collect();
    list.sort_by(|a, b| a.id.cmp(&b.id));
    list
}

/// A first check of an email address, so that a typo is caught before the server is asked.
pub(crate) fn plausible_email(address: &str) -> Result<(), String> {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Err("it has no @".into());
    };
    if local.is_empty() || domain.is_empty() {
        return Err("something is missing before or after the @".into());
    }
    if address.chars().any(char::is_whitespace) {
        return Err("it contains a space".into());
    }
    if !domain.contains('.') && domain != "localhost" {
        return Err(format!("{domain} is not a full domain name"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::register::requests::Flow;
    use serde_json::json;

    fn needed(flows: &[&[&str]]) -> AuthNeeded {
        AuthNeeded {
            flows: flows
                .iter()
                .map(|f| Flow {
                    stages: f.iter().map(|s| (*s).to_owned()).collect(),
                })
                .collect(),
            ..AuthNeeded::default()
        }
    }

    #[test]
    fn the_shortest_doable_flow_is_chosen() {
        let url = Url::parse("https://example.org").unwrap();
        let flow = choose_flow(
            &url,
            &needed(&[
                &["m.login.recaptcha", "m.login.dummy"],
                &[TOKEN, EMAIL],
                &[TOKEN, DUMMY],
            ]),
        )
        .unwrap();
        assert_eq!(flow, vec![TOKEN.to_owned(), DUMMY.to_owned()]);
    }

    #[test]
    fn a_server_with_only_captcha_is_unsupported_and_says_why() {
        let url = Url::parse("https://example.org").unwrap();
        let error = choose_flow(&url, &needed(&[&["m.login.recaptcha", DUMMY]])).unwrap_err();
        match error {
            RegistrationError::Unsupported { stages, .. } => {
                assert_eq!(stages, vec!["m.login.recaptcha".to_owned()]);
            }
            other => panic!("expected unsupported, got {other:?}"),
        }
    }

    #[test]
    fn policies_are_read_in_english() {
        let params = json!({ TERMS: { "policies": { "privacy_policy": {
            "version": "1.0",
            "fr": { "name": "Politique", "url": "https://x/fr" },
            "en": { "name": "Privacy Policy", "url": "https://x/en" },
        }}}});
        assert_eq!(
            policies_of(&params),
            vec![TermsPolicy {
                id: "privacy_policy".into(),
                name: "Privacy Policy".into(),
                url: "https://x/en".into(),
                version: "1.0".into(),
            }]
        );
    }

    #[test]
    fn obvious_email_typos_are_caught() {
        assert!(plausible_email("alice@example.org").is_ok());
        assert!(plausible_email("alice.example.org").is_err());
        assert!(plausible_email("alice@example").is_err());
        assert!(plausible_email("al ice@example.org").is_err());
    }
}
