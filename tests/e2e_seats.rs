//! A small-business admin's seats, through the real app on the seeded local stack: the EMS
//! sandbox seeded as `scripts/run` seeds it, whose hosted homeserver is a real Synapse, and real
//! headless Chromium as the system browser for the EMS sign-in. The admin signs in to EMS, signs
//! in as the homeserver's admin from the Seats pane, adds a colleague (who signs in with the
//! password shown), and deactivates them again, the counts following each step.

use std::time::Duration;

use test_support::app_under_test;
use test_support::gui::AppUnderTest;
use test_support::seeded::{seeded_sandbox, sign_in_as_admin, sign_in_to_ems};
use test_support::synapse::Synapse;
use test_support::synapse_admin::{login, whoami, Admin};
use test_support::wait_for;

/// Seats the seed gives the demo customer's hosted homeserver.
const SEEDED_SEATS: &str = "10";

async fn counts(app: &AppUnderTest, section: &str) -> [String; 4] {
    let mut out = [String::new(), String::new(), String::new(), String::new()];
    for (slot, id) in
        out.iter_mut()
            .zip(["seats-paid", "seats-accounts", "seats-active", "seats-free"])
    {
        *slot = text_in(app, section, id).await;
    }
    out
}

async fn text_in(app: &AppUnderTest, section: &str, id: &str) -> String {
    use fantoccini::Locator;
    app.client
        .find(Locator::Css(&format!(
            "[data-testid='{section}'] [data-testid='{id}']"
        )))
        .await
        .unwrap_or_else(|e| panic!("no {id} in {section}: {e}"))
        .text()
        .await
        .expect("text")
}

/// Waits until the ledger of `section` reads `wanted` (paid, accounts, active, free).
async fn wait_counts(app: &AppUnderTest, section: &str, wanted: [&str; 4], what: &str) {
    wait_for(
        || async {
            let seen = if app.count(section).await > 0 && app.count("seats-accounts").await > 0 {
                let now = counts(app, section).await;
                if now == wanted {
                    return Ok(());
                }
                format!("the ledger reads {now:?}, not {wanted:?}")
            } else {
                "no ledger".to_owned()
            };
            let errors = app.texts_of("seats-error").await;
            Err(format!("{seen}; errors: {errors:?}"))
        },
        Duration::from_mins(1),
        what,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_adds_a_colleague_within_the_seats_and_deactivates_them() {
    let synapse = Synapse::start();
    let admin = Admin::sign_in(&synapse.url, &synapse.admin_user, &synapse.admin_password).await;
    // The admin's own sign-in above is client activity: wait until Synapse has logged it, so the
    // "active this month" figure below is settled.
    admin.wait_for_last_seen(&synapse.admin_user).await;
    let (sandbox, hosted) = seeded_sandbox(&synapse).await;
    let section = format!("seats-subscription-{hosted}");

    let app = app_under_test!()
        .ems_server(sandbox.issuer())
        .env("ELEMENT_ACCOUNTS_SEATS_PAGE_SIZE", "1")
        .launch()
        .await;

    // Sign in to EMS in the system browser.
    sign_in_to_ems(&app, &hosted).await;

    // The Seats pane finds the subscription, and no admin here yet: sign in as the admin.
    app.click("nav-seats").await;
    app.wait_text(
        &section,
        |t| t.contains(&synapse.server_name),
        "the hosted homeserver is not in the Seats pane",
    )
    .await;
    sign_in_as_admin(&app, &synapse, &hosted).await;

    // Paid, accounts, active, free: the seeded seats against the admin alone.
    app.click("nav-seats").await;
    wait_counts(
        &app,
        &section,
        [SEEDED_SEATS, "1", "1", "9"],
        "the first ledger",
    )
    .await;
    app.wait_count("seats-user-admin", 1, Duration::from_secs(30))
        .await;

    // Add a colleague: the password is shown once, and the counts change.
    app.click("seats-add-user").await;
    app.type_into("seats-new-username", "newbie").await;
    app.type_into("seats-new-display-name", "New Colleague")
        .await;
    app.click("seats-new-submit").await;
    app.wait_text(
        "seats-new-password",
        |t| t.len() >= 16,
        "no password shown for the new user",
    )
    .await;
    let password = app.text_of("seats-new-password").await;
    wait_counts(
        &app,
        &section,
        [SEEDED_SEATS, "2", "1", "8"],
        "after adding a user",
    )
    .await;
    let newbie = format!("@newbie:{}", synapse.server_name);
    assert_eq!(
        admin.user_details(&newbie).await["displayname"],
        "New Colleague"
    );

    // The colleague signs in with the password shown.
    let (token, _) = login(&synapse.url, "newbie", &password)
        .await
        .expect("the new user signs in with the shown password");
    assert_eq!(
        whoami(&synapse.url, &token).await.map(|(id, _)| id),
        Ok(newbie.clone())
    );
    app.click("seats-result-dismiss").await;

    // Deactivate them: confirmed, and the counts change back.
    app.click("seats-deactivate-newbie").await;
    app.click("seats-confirm").await;
    wait_counts(
        &app,
        &section,
        [SEEDED_SEATS, "1", "1", "9"],
        "after deactivating the user",
    )
    .await;
    assert_eq!(
        admin.user_details(&newbie).await["deactivated"],
        true,
        "the homeserver has them deactivated"
    );
    assert_eq!(
        login(&synapse.url, "newbie", &password).await.err(),
        Some(403),
        "they can no longer sign in"
    );
    app.close().await;
}
