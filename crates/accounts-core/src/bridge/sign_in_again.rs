//! Which Element One account a Matrix account on this computer is, so that signing it in again
//! goes through the bridge (one sign-in at the EMS provider, only the second leg when EMS is
//! signed in) instead of the homeserver's own sign-in.
//!
//! A Matrix account is an Element One account when it is linked to an Element One subscription
//! of an EMS account here, or when it is the Matrix ID that such a subscription names on its
//! homeserver (it was signed in some other way). The Matrix ID must match too: the bridge signs
//! in the subscription's account, so for another account on the same homeserver it would sign
//! in someone else than the one the user asked for. What each EMS account's server said last
//! is enough: a signed-out EMS account's subscriptions come from its cache. Finding none, the
//! caller keeps the plain sign-in.

use ems_api::{Subscription, SubscriptionStatus};
use url::Url;

use super::ElementOne;
use crate::matrix::MatrixAccountView;
use crate::vault::SubscriptionLink;
use crate::Accounts;

impl Accounts {
    /// The Element One account that the Matrix account `matrix_account` is, to sign in again
    /// with the bridge; `None` when it is not one (or no EMS account here says so).
    pub async fn element_one_of(&self, matrix_account: &str) -> Option<ElementOne> {
        let account = self
            .matrix
            .list()
            .into_iter()
            .find(|a| a.id == matrix_account)?;
        let mut ems_accounts = self.ems.list();
        // The EMS account it is linked to speaks first.
        ems_accounts.sort_by_key(|ems| {
            account
                .subscription
                .as_ref()
                .is_none_or(|link| link.ems_account != ems.id)
        });
        for ems in ems_accounts {
            for subscription in self.ems.last_known_subscriptions(&ems.id).await {
                let Subscription::ElementOne(one) = subscription else {
                    continue;
                };
                if one.status == SubscriptionStatus::Cancelled || !is_for(&account, &ems.id, &one) {
                    continue;
                }
                return Some(ElementOne {
                    issuer: ems.issuer,
                    homeserver: Some(one.homeserver_url),
                    idp_id: one.sso_idp_id,
                    matrix_id: Some(one.matrix_id),
                    subscription: Some(SubscriptionLink {
                        ems_account: ems.id,
                        subscription_id: one.id,
                    }),
                });
            }
        }
        None
    }
}

/// Whether `account` is the Matrix account of `one`, a subscription of the EMS account `ems_id`.
fn is_for(
    account: &MatrixAccountView,
    ems_id: &str,
    one: &ems_api::ElementOneSubscription,
) -> bool {
    let linked = account
        .subscription
        .as_ref()
        .is_some_and(|link| link.ems_account == ems_id && link.subscription_id == one.id);
    linked
        || (same_server(&account.homeserver, &one.homeserver_url)
            && account.user_id == one.matrix_id)
}

/// Whether two homeserver URLs name the same server (`Url` settles case and a trailing slash).
fn same_server(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => a.as_str().trim_end_matches('/') == b.as_str().trim_end_matches('/'),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::SessionState;

    fn one(id: &str, homeserver: &str, matrix_id: &str) -> ems_api::ElementOneSubscription {
        ems_api::ElementOneSubscription {
            id: id.to_owned(),
            status: SubscriptionStatus::Active,
            matrix_id: matrix_id.to_owned(),
            server_name: "one.test".to_owned(),
            homeserver_url: homeserver.to_owned(),
            sso_idp_id: Some("oidc-ems".to_owned()),
            web_client_url: None,
            created_at: 0,
        }
    }

    fn account(homeserver: &str, user_id: &str, link: Option<(&str, &str)>) -> MatrixAccountView {
        MatrixAccountView {
            id: "m1".to_owned(),
            user_id: user_id.to_owned(),
            homeserver: homeserver.to_owned(),
            display_name: None,
            session: SessionState::SignedOut,
            subscription: link.map(|(ems, sub)| SubscriptionLink {
                ems_account: ems.to_owned(),
                subscription_id: sub.to_owned(),
            }),
        }
    }

    #[test]
    fn linked_or_the_subscriptions_matrix_id_on_its_homeserver() {
        let sub = one("eone-1", "http://127.0.0.1:8449/", "@olive:one.test");
        assert!(
            is_for(
                &account("http://other.test", "@x:other.test", Some(("e1", "eone-1"))),
                "e1",
                &sub
            ),
            "linked to the subscription"
        );
        assert!(
            !is_for(
                &account(
                    "http://127.0.0.1:8449",
                    "@x:one.test",
                    Some(("e2", "eone-1"))
                ),
                "e1",
                &sub
            ),
            "linked to another EMS account's subscription of that id, and another Matrix ID"
        );
        assert!(
            is_for(
                &account("http://127.0.0.1:8449", "@olive:one.test", None),
                "e1",
                &sub
            ),
            "the subscription's Matrix ID on its homeserver, a trailing slash apart"
        );
        assert!(
            !is_for(
                &account("http://127.0.0.1:8449", "@someone:one.test", None),
                "e1",
                &sub
            ),
            "another account on the Element One homeserver is not this subscription's"
        );
        assert!(
            !is_for(
                &account("http://127.0.0.1:8448", "@olive:one.test", None),
                "e1",
                &sub
            ),
            "the same ID on another homeserver"
        );
    }
}
