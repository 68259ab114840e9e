//! Creating a Matrix account (registration) against real Synapse instances, each configured for
//! one case: open (dummy stage, a password policy, a taken name), a registration token (valid,
//! expired, used up), terms, email validation through a local SMTP sink, a CAPTCHA (which the app
//! cannot do), and closed. Sessions are kept in the real Secret Service: run under
//! `dbus-run-session -- scripts/session-env`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use accounts_core::browser::Opener;
use accounts_core::matrix::{
    load_session, AccountCreation, MatrixAccountView, MatrixAccounts, NewAccount,
    RegistrationError, RegistrationProgress, RegistrationStep, SessionState, STORES_DIR,
};
use accounts_core::vault::{AccountRegistry, Registry, Secret, Vault};
use test_support::smtp_sink::SmtpSink;
use test_support::synapse::Synapse;
use test_support::synapse_admin::{whoami, Admin};

/// The app's parts over a fresh data folder and the real keyring.
struct App {
    data: tempfile::TempDir,
    vault: Vault,
    accounts: MatrixAccounts,
    creation: AccountCreation,
}

impl App {
    fn new() -> Self {
        let data = tempfile::tempdir().expect("data dir");
        let vault = Vault::keyring();
        let registry = Registry::from(AccountRegistry::open(data.path()).expect("registry"));
        let accounts = MatrixAccounts::new(
            data.path().join(STORES_DIR),
            vault.clone(),
            registry.clone(),
            Opener::new(None, None),
        );
        Self {
            data,
            vault,
            accounts,
            creation: AccountCreation::new(),
        }
    }

    async fn start(
        &self,
        homeserver: &str,
        username: &str,
        password: &str,
    ) -> Result<RegistrationProgress, RegistrationError> {
        self.creation
            .start(
                &self.accounts,
                NewAccount {
                    homeserver: homeserver.to_owned(),
                    username: username.to_owned(),
                    password: Secret::new(password),
                    subscription: None,
                },
            )
            .await
    }

    /// Asserts that nothing of an unfinished registration is kept: no account, no store.
    fn assert_nothing_kept(&self, accounts_before: usize, why: &str) {
        let listed = self.accounts.list();
        assert_eq!(listed.len(), accounts_before, "{why}: {listed:?}");
        let stores = self.data.path().join(STORES_DIR);
        let store_count = std::fs::read_dir(&stores).map_or(0, Iterator::count);
        assert_eq!(
            store_count,
            accounts_before,
            "{why}: no extra store in {}",
            stores.display()
        );
    }
}

fn done(progress: RegistrationProgress) -> MatrixAccountView {
    match progress.step {
        RegistrationStep::Done { account } => account,
        other => panic!("expected the account to be created, got {other:?}"),
    }
}

fn device_of(account: &MatrixAccountView) -> String {
    match &account.session {
        SessionState::SignedIn { device_id } => device_id.clone(),
        other => panic!("expected a confirmed session, got {other:?}"),
    }
}

/// Checks that the new account's session is the server's, named as a sign-in's.
async fn assert_kept(app: &App, synapse: &Synapse, admin: &Admin, account: &MatrixAccountView) {
    let device = device_of(account);
    let session = load_session(&app.vault, &account.id)
        .await
        .expect("keyring readable")
        .expect("the new session is in the keyring");
    assert_eq!(
        whoami(&synapse.url, &session.tokens.access_token).await,
        Ok((account.user_id.clone(), device.clone())),
        "the kept token is the new account's live session"
    );
    let devices = admin.devices(&account.user_id).await;
    let expected = app.accounts.sessions().device_name().to_owned();
    assert!(
        devices
            .iter()
            .any(|(id, name)| id == &device && name.as_deref() == Some(expected.as_str())),
        "the session is named {expected:?} as for sign-in: {devices:?}"
    );
}

fn now_ms() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_millis(),
    )
    .expect("milliseconds fit")
}

#[tokio::test]
async fn open_registration_refuses_taken_names_and_weak_passwords_then_keeps_the_account() {
    let synapse = Synapse::builder()
        .config(
            "enable_registration: true\n\
         enable_registration_without_verification: true\n\
         password_config:\n  policy:\n    enabled: true\n    minimum_length: 12\n",
        )
        .start();
    let admin = Admin::sign_in(&synapse.url, &synapse.admin_user, &synapse.admin_password).await;
    let app = App::new();

    let offer = app.creation.offer(&synapse.url).await.expect("open server");
    assert_eq!(offer.stages, vec!["m.login.dummy".to_owned()]);

    // Checked as the user types.
    let taken = app
        .creation
        .check_username(&synapse.url, "admin")
        .await
        .expect_err("admin exists");
    assert!(
        matches!(taken, RegistrationError::UsernameTaken { .. }),
        "{taken:?}"
    );
    let invalid = app
        .creation
        .check_username(&synapse.url, "Not Valid!")
        .await
        .expect_err("spaces are not allowed");
    assert!(
        matches!(invalid, RegistrationError::UsernameInvalid { .. }),
        "{invalid:?}"
    );
    app.creation
        .check_username(&synapse.url, "newbie")
        .await
        .expect("newbie is free");

    // Refused when submitted, with nothing kept.
    let taken = app
        .start(&synapse.url, "admin", "a-long-enough-password")
        .await
        .expect_err("a taken name is refused");
    assert!(
        matches!(taken, RegistrationError::UsernameTaken { .. }),
        "{taken:?}"
    );
    let weak = app
        .start(&synapse.url, "newbie", "short")
        .await
        .expect_err("the server's policy wants 12 characters");
    assert!(
        matches!(weak, RegistrationError::WeakPassword { .. }),
        "{weak:?}"
    );
    assert!(
        weak.to_string().contains("at least 12 characters"),
        "the server's own policy message is shown: {weak}"
    );
    app.assert_nothing_kept(0, "refused registrations leave nothing");

    // The dummy stage is done without asking: the account is created and signed in.
    let progress = app
        .start(&synapse.url, "newbie", "a-long-enough-password")
        .await
        .expect("registration completes");
    let id = progress.id.clone();
    let account = done(progress);
    assert_eq!(account.user_id, format!("@newbie:{}", synapse.server_name));
    assert_eq!(account.homeserver, synapse.url);
    assert_kept(&app, &synapse, &admin, &account).await;
    let registry_file =
        std::fs::read_to_string(app.data.path().join("accounts.json")).expect("registry");
    assert!(
        !registry_file.contains("a-long-enough-password"),
        "the password is never written"
    );
    let over = app
        .creation
        .check_email(&id, &app.accounts)
        .await
        .expect_err("the registration is over");
    assert!(matches!(over, RegistrationError::NotInProgress), "{over:?}");

    // A restart restores it like any signed-in account.
    let device = device_of(&account);
    let registry = Registry::from(AccountRegistry::open(app.data.path()).expect("registry"));
    let accounts = MatrixAccounts::new(
        app.data.path().join(STORES_DIR),
        app.vault.clone(),
        registry.clone(),
        Opener::new(None, None),
    );
    accounts.restore_all().await;
    let listed = accounts.list();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(
        device_of(&listed[0]),
        device,
        "the registration's session is restored, not a new one"
    );
}

// One server for every token case: each step depends on the counts the previous left.
#[allow(clippy::too_many_lines)]
#[tokio::test]
async fn a_registration_token_is_checked_before_the_rest_and_counted() {
    let synapse = Synapse::builder()
        .config("enable_registration: true\nregistration_requires_token: true\n")
        .start();
    let admin = Admin::sign_in(&synapse.url, &synapse.admin_user, &synapse.admin_password).await;
    admin
        .create_registration_token("valid-token", Some(5), None)
        .await;
    admin
        .create_registration_token("one-use-token", Some(1), None)
        .await;
    admin
        .create_registration_token("expiring-token", None, Some(now_ms() + 1500))
        .await;
    let app = App::new();

    let offer = app
        .creation
        .offer(&synapse.url)
        .await
        .expect("token server");
    assert_eq!(
        offer.stages.first().map(String::as_str),
        Some("m.login.registration_token"),
        "the token comes first: {:?}",
        offer.stages
    );

    let progress = app
        .start(&synapse.url, "tina", "tina-password-1")
        .await
        .expect("started");
    assert_eq!(progress.step, RegistrationStep::Token);
    let id = progress.id;
    for (token, why) in [("not-a-token", "an unknown token"), ("", "an empty token")] {
        let refused = app
            .creation
            .submit_token(&id, token, &app.accounts)
            .await
            .expect_err(why);
        assert!(
            matches!(refused, RegistrationError::TokenInvalid),
            "{why}: {refused:?}"
        );
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let expired = app
        .creation
        .submit_token(&id, "expiring-token", &app.accounts)
        .await
        .expect_err("an expired token");
    assert!(
        matches!(expired, RegistrationError::TokenInvalid),
        "{expired:?}"
    );
    app.assert_nothing_kept(0, "refused tokens leave nothing");
    let tina = done(
        app.creation
            .submit_token(&id, "one-use-token", &app.accounts)
            .await
            .expect("the same registration goes on with a good token"),
    );
    assert_kept(&app, &synapse, &admin, &tina).await;

    // The one-use token is now used up.
    let progress = app
        .start(&synapse.url, "tom", "tom-password-1")
        .await
        .expect("started");
    let used_up = app
        .creation
        .submit_token(&progress.id, "one-use-token", &app.accounts)
        .await
        .expect_err("a used-up token");
    assert!(
        matches!(used_up, RegistrationError::TokenInvalid),
        "{used_up:?}"
    );
    let tom = done(
        app.creation
            .submit_token(&progress.id, "valid-token", &app.accounts)
            .await
            .expect("tom registers with the valid token"),
    );
    assert_eq!(tom.user_id, format!("@tom:{}", synapse.server_name));

    // A cancelled registration leaves nothing here, and nothing on the server.
    let progress = app
        .start(&synapse.url, "ulla", "ulla-password-1")
        .await
        .expect("started");
    app.creation.cancel(&progress.id).await;
    let stale = app
        .creation
        .submit_token(&progress.id, "valid-token", &app.accounts)
        .await
        .expect_err("a cancelled registration cannot go on");
    assert!(
        matches!(stale, RegistrationError::NotInProgress),
        "{stale:?}"
    );
    app.assert_nothing_kept(2, "only tina and tom are kept");
    app.creation
        .check_username(&synapse.url, "ulla")
        .await
        .expect("ulla was never created");
}

#[tokio::test]
async fn terms_are_listed_and_must_all_be_accepted() {
    let config = tempfile::tempdir().expect("config dir");
    let templates = config.path().join("consent");
    std::fs::create_dir_all(templates.join("en")).expect("consent templates");
    std::fs::write(
        templates.join("en/1.0.html"),
        "<html><body>The policy</body></html>",
    )
    .expect("policy page");
    let synapse = Synapse::builder()
        .config(format!(
            "enable_registration: true\n\
             enable_registration_without_verification: true\n\
             user_consent:\n  version: \"1.0\"\n  template_dir: \"{}\"\n  \
             require_at_registration: true\n  policy_name: \"Acme Privacy Policy\"\n",
            templates.display()
        ))
        .start();
    let admin = Admin::sign_in(&synapse.url, &synapse.admin_user, &synapse.admin_password).await;
    let app = App::new();

    let offer = app
        .creation
        .offer(&synapse.url)
        .await
        .expect("terms server");
    assert_eq!(
        offer.stages,
        vec!["m.login.terms".to_owned(), "m.login.dummy".to_owned()]
    );
    let progress = app
        .start(&synapse.url, "terry", "terry-password-1")
        .await
        .expect("started");
    let RegistrationStep::Terms { policies } = &progress.step else {
        panic!("expected the terms, got {:?}", progress.step);
    };
    assert_eq!(policies.len(), 1, "{policies:?}");
    assert_eq!(policies[0].id, "privacy_policy");
    assert_eq!(policies[0].name, "Acme Privacy Policy");
    assert_eq!(policies[0].version, "1.0");
    assert!(
        policies[0].url.starts_with(&synapse.url) && policies[0].url.contains("consent"),
        "the policy links to the server's page: {}",
        policies[0].url
    );

    let refused = app
        .creation
        .accept_terms(&progress.id, &[], &app.accounts)
        .await
        .expect_err("nothing accepted");
    assert!(
        refused.to_string().contains("Acme Privacy Policy"),
        "the message names the policy: {refused}"
    );
    app.assert_nothing_kept(0, "unaccepted terms leave nothing");
    let terry = done(
        app.creation
            .accept_terms(&progress.id, &["privacy_policy".to_owned()], &app.accounts)
            .await
            .expect("accepted"),
    );
    assert_kept(&app, &synapse, &admin, &terry).await;
    let details = admin.user_details(&terry.user_id).await;
    assert_eq!(
        details["consent_version"].as_str(),
        Some("1.0"),
        "the server recorded the consent: {details}"
    );
}

#[tokio::test]
async fn an_email_is_validated_by_following_the_mailed_link() {
    let sink = SmtpSink::start();
    let synapse = Synapse::builder()
        .config(
        format!(
            "enable_registration: true\n\
             registrations_require_3pid: [email]\n\
             email:\n  smtp_host: 127.0.0.1\n  smtp_port: {}\n  enable_tls: false\n  \
             require_transport_security: false\n  notif_from: \"Test server <noreply@example.org>\"\n",
            sink.port
        ),
        )
        .start();
    let admin = Admin::sign_in(&synapse.url, &synapse.admin_user, &synapse.admin_password).await;
    let app = App::new();

    let offer = app
        .creation
        .offer(&synapse.url)
        .await
        .expect("email server");
    assert_eq!(offer.stages, vec!["m.login.email.identity".to_owned()]);
    let progress = app
        .start(&synapse.url, "emma", "emma-password-1")
        .await
        .expect("started");
    assert_eq!(progress.step, RegistrationStep::Email);
    let id = progress.id;

    let mistyped = app
        .creation
        .request_email(&id, "emma.example.org")
        .await
        .expect_err("no @");
    assert!(
        matches!(mistyped, RegistrationError::EmailInvalid { .. }),
        "{mistyped:?}"
    );
    let sent = app
        .creation
        .request_email(&id, "emma@example.org")
        .await
        .expect("the server mails a link");
    assert_eq!(
        sent.step,
        RegistrationStep::EmailSent {
            address: "emma@example.org".into(),
            waiting: false
        }
    );
    let waiting = app
        .creation
        .check_email(&id, &app.accounts)
        .await
        .expect("not followed yet is not an error");
    assert_eq!(
        waiting.step,
        RegistrationStep::EmailSent {
            address: "emma@example.org".into(),
            waiting: true
        },
        "the link has not been followed yet"
    );
    app.assert_nothing_kept(0, "an unvalidated email leaves nothing");

    let mail = sink.wait_for("emma@example.org", Duration::from_secs(30));
    let link = mail
        .link_containing("submit_token")
        .unwrap_or_else(|| panic!("a validation link in the mail:\n{}", mail.text()));
    assert!(
        link.starts_with(&synapse.url),
        "the link points at the homeserver: {link}"
    );
    let followed = reqwest::get(&link).await.expect("follow the link");
    assert!(
        followed.status().is_success(),
        "the server accepts the link: {}",
        followed.status()
    );

    let emma = done(
        app.creation
            .check_email(&id, &app.accounts)
            .await
            .expect("the same session completes once the link was followed"),
    );
    assert_eq!(emma.user_id, format!("@emma:{}", synapse.server_name));
    assert_kept(&app, &synapse, &admin, &emma).await;
    let details = admin.user_details(&emma.user_id).await;
    assert!(
        details["threepids"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["address"] == "emma@example.org")),
        "the validated address belongs to the account: {details}"
    );
}

#[tokio::test]
async fn a_closed_server_says_so_before_anything_is_typed() {
    let synapse = Synapse::start();
    let app = App::new();
    let closed = app
        .creation
        .offer(&synapse.url)
        .await
        .expect_err("registration is off by default");
    assert!(
        matches!(closed, RegistrationError::Closed { .. }),
        "{closed:?}"
    );
    assert!(
        closed.to_string().contains("registration is closed"),
        "{closed}"
    );
    let refused = app
        .start(&synapse.url, "nobody", "nobody-password-1")
        .await
        .expect_err("closed");
    assert!(
        matches!(refused, RegistrationError::Closed { .. }),
        "{refused:?}"
    );
    app.assert_nothing_kept(0, "nothing is kept for a closed server");
}

#[tokio::test]
async fn a_stage_the_app_cannot_do_is_named_with_the_web_client_as_the_way_out() {
    // Synapse never calls Google here: the probe only reads the flows.
    let synapse = Synapse::builder()
        .config(
            "enable_registration: true\n\
         enable_registration_captcha: true\n\
         recaptcha_public_key: test-public-key\n\
         recaptcha_private_key: test-private-key\n",
        )
        .start();
    let app = App::new();
    let unsupported = app
        .creation
        .offer(&synapse.url)
        .await
        .expect_err("every flow starts with a CAPTCHA");
    match &unsupported {
        RegistrationError::Unsupported { stages, .. } => {
            assert_eq!(stages, &vec!["m.login.recaptcha".to_owned()]);
        }
        other => panic!("expected an unsupported stage, got {other:?}"),
    }
    let message = unsupported.to_string();
    assert!(
        message.contains("CAPTCHA") && message.contains("web client"),
        "{message}"
    );
    let refused = app
        .start(&synapse.url, "robot", "robot-password-1")
        .await
        .expect_err("the app cannot go on either");
    assert!(
        matches!(refused, RegistrationError::Unsupported { .. }),
        "{refused:?}"
    );
    app.assert_nothing_kept(0, "nothing is kept for an unsupported server");
}
