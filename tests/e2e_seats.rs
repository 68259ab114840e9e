//! A small-business admin's seats, through the real app on the seeded local stack: the EMS
//! sandbox seeded as `scripts/run` seeds it, whose hosted homeserver is a real Synapse, and real
//! headless Chromium as the system browser for the EMS sign-in. The admin signs in to EMS, signs
//! in as the homeserver's admin from the Seats pane, adds a colleague (who signs in with the
//! password shown), and deactivates them again, the counts following each step.

use std::fmt::Write as _;
use std::time::Duration;

use test_support::app_under_test;
use test_support::gui::AppUnderTest;
use test_support::seeded::{seeded_sandbox, seeded_sandbox_with, sign_in_as_admin, sign_in_to_ems};
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

/// Signs in to EMS in the system browser, finds the subscription in the Seats pane with no
/// admin here yet, signs in as the homeserver's admin, and waits for the first ledger: the
/// seeded seats against the admin alone (paid, accounts, active, free).
async fn administer(app: &AppUnderTest, synapse: &Synapse, hosted: &str, section: &str) {
    sign_in_to_ems(app, hosted).await;
    app.click("nav-seats").await;
    app.wait_text(
        section,
        |t| t.contains(&synapse.server_name),
        "the hosted homeserver is not in the Seats pane",
    )
    .await;
    sign_in_as_admin(app, synapse, hosted).await;
    app.click("nav-seats").await;
    wait_counts(
        app,
        section,
        [SEEDED_SEATS, "1", "1", "9"],
        "the first ledger",
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

    administer(&app, &synapse, &hosted, &section).await;
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

/// Onboarding a team: the seeded subscription's seats raised from the import's plan, a 20-row
/// users file chosen in the file input, its plan, progress and report, and the ledger 20
/// accounts up. Then the command line, run while the app is open, past the admin's token
/// lifetime (so it refreshes the token): the app still manages the users afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_imports_a_team_and_the_command_line_runs_beside_the_app() {
    let synapse = Synapse::builder()
        .config("refreshable_access_token_lifetime: 10s\n")
        .start_in_background()
        .await;
    let admin = Admin::sign_in(&synapse.url, &synapse.admin_user, &synapse.admin_password).await;
    admin.wait_for_last_seen(&synapse.admin_user).await;
    // EMS access tokens live 40 s, refreshed 30 s before they end: the command line below
    // refreshes the EMS token too.
    let (sandbox, hosted) = seeded_sandbox_with(&synapse, |b| b.access_token_lifetime(40)).await;
    let section = format!("seats-subscription-{hosted}");
    let app = app_under_test!()
        .ems_server(sandbox.issuer())
        .launch()
        .await;
    administer(&app, &synapse, &hosted, &section).await;

    import_team(&app, &section, &admin).await;
    command_line_beside(&app, &section).await;
    app.close().await;
}

/// Twenty colleagues, more than the nine free seats: the plan offers to raise them; once raised
/// the import runs, with progress, a report and the passwords shown once.
async fn import_team(app: &AppUnderTest, section: &str, admin: &Admin) {
    use fantoccini::Locator;
    let file = app.home().join("team.csv");
    let mut rows = String::from("id,displayname,threepids\n");
    for n in 1..=20 {
        let _ = writeln!(
            rows,
            "colleague{n:02},Colleague {n},email:colleague{n}@example.org"
        );
    }
    std::fs::write(&file, rows).expect("the users file");
    let input = app
        .client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css("[data-testid='seats-import-file']"))
        .await
        .expect("the file input");
    input
        .send_keys(file.to_str().expect("UTF-8 path"))
        .await
        .expect("the file is chosen");
    app.wait_text(
        "seats-import-plan",
        |t| t.contains("20 to create"),
        "no plan for the file",
    )
    .await;
    assert_eq!(
        app.count("seats-import-run").await,
        0,
        "an import that does not fit is not offered"
    );
    app.click("seats-import-raise").await;
    app.click("seats-raise").await;
    app.type_into("seats-raise-value", "30").await;
    app.click("seats-confirm").await;

    // With the seats raised the plan is made again, and the import runs.
    app.wait_text(
        "seats-import-run",
        |t| t.contains("Import 20 users"),
        "the import is not offered after raising",
    )
    .await;
    app.click("seats-import-run").await;
    app.wait_text(
        "seats-import-report",
        |t| t.contains("20 created"),
        "no report",
    )
    .await;
    assert!(app
        .text_of("seats-import-progress")
        .await
        .contains("20 / 20"));
    assert_eq!(
        app.count("seats-import-password").await,
        20,
        "every generated password is shown once"
    );
    wait_counts(
        app,
        section,
        ["30", "21", "1", "9"],
        "the ledger after the import",
    )
    .await;
    assert_eq!(admin.total_users().await, 21);
    app.click("seats-import-passwords-done").await;
    app.wait_gone("seats-import-passwords").await;
    app.wait_count("seats-audit-entry", 20, Duration::from_secs(30))
        .await;
}

/// The command line, while the app is open, past the admin's Matrix token and the EMS token's
/// refresh point: afterwards the app still reaches EMS and manages the users.
async fn command_line_beside(app: &AppUnderTest, section: &str) {
    tokio::time::sleep(Duration::from_secs(11)).await;
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_element-accounts"))
        .args(["seats", "status", "--json"])
        .env("XDG_DATA_HOME", app.home().join("data"))
        .env_remove("DISPLAY")
        .output()
        .expect("the command line runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let ledger: serde_json::Value = serde_json::from_slice(&status.stdout).expect("JSON");
    assert_eq!(
        (ledger["seats_paid"].as_u64(), ledger["accounts"].as_u64()),
        (Some(30), Some(21))
    );

    // The app, whose token the command line refreshed, still manages the users.
    app.click("seats-refresh").await;
    app.wait_text(
        "seats-progress",
        |t| t.contains("21 of 21"),
        "the app lists the users again",
    )
    .await;
    assert!(app.texts_of("seats-error").await.is_empty());
    app.click("seats-add-user").await;
    app.type_into("seats-new-username", "after").await;
    app.type_into("seats-new-display-name", "After The Command Line")
        .await;
    app.click("seats-new-submit").await;
    wait_counts(
        app,
        section,
        ["30", "22", "1", "8"],
        "a user added after the command line",
    )
    .await;

    // The EMS pane loads the account afresh: the app takes the EMS tokens the command line
    // rotated, and stays signed in.
    app.click("nav-ems").await;
    app.wait_for_css("[data-testid='ems-account-status'][data-status='signed_in']")
        .await;
    app.wait_text(
        "ems-account-email-address",
        |t| t.contains('@'),
        "the EMS account loads",
    )
    .await;
    assert_eq!(
        app.count("ems-stale").await,
        0,
        "fresh from EMS, not the cached copy"
    );
}
