//! The command line (`element-accounts seats …`), the real binary with `DISPLAY` unset, against
//! the EMS sandbox and a real Synapse, over the accounts a core signed in (as the app would)
//! in the real keyring: every subcommand with its `--json` output, every exit code, a password
//! read from standard input, and the tokens the command line refreshed taken up by the core
//! that was running meanwhile, which stays signed in.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use accounts_core::browser::Opener;
use accounts_core::matrix::{PasswordSignIn, SessionState};
use accounts_core::seats::audit::AUDIT_FILE;
use accounts_core::seats::SeatsTarget;
use accounts_core::vault::{SubscriptionLink, Vault};
use accounts_core::Accounts;
use serde_json::Value;
use test_support::browser::{Browser, Player};
use test_support::sandbox::{SandboxBuilder, TestSandbox};
use test_support::synapse::Synapse;
use test_support::synapse_admin::login;
use test_support::wait::wait_until;

const EMAIL: &str = "cli@example.org";
const PASSWORD: &str = "the admin's long sandbox password";
const IDENTIFIER: &str = "io.element.accounts";

/// One run of the binary: its exit code, standard output as text, and as JSON when it is.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }

    #[track_caller]
    fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs `element-accounts seats <args>` with the data folder under `xdg`, no display, and
/// `stdin` on its standard input.
fn cli(xdg: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_element-accounts"))
        .arg("seats")
        .args(args)
        .env("XDG_DATA_HOME", xdg)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("written");
    } else {
        drop(child.stdin.take());
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("it ends");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

async fn stack() -> (Synapse, TestSandbox, String) {
    let synapse = Synapse::builder()
        // Access tokens expire within the test: the command line refreshes them.
        .config("refreshable_access_token_lifetime: 10s\n")
        .start_in_background()
        .await;
    let (sandbox, subscription_id) = SandboxBuilder::new()
        .user(EMAIL, "Cli Admin", Some("cliadmin"), PASSWORD)
        .app_client()
        .access_token_lifetime(40)
        .placeholder_homeservers()
        .hosted_on(synapse.address())
        .start_with_hosted(4)
        .await;
    (synapse, sandbox, subscription_id)
}

/// The core over the app's data folder under `xdg`, with the real keyring, signed in to EMS
/// and as the homeserver's admin, as the app would be.
async fn signed_in_core(
    xdg: &Path,
    synapse: &Synapse,
    sandbox: &TestSandbox,
    subscription_id: &str,
) -> (Accounts, String, String) {
    let data_dir: PathBuf = xdg.join(IDENTIFIER);
    let core = Accounts::open(Some(&data_dir), Vault::keyring(), Opener::new(None, None));
    let handoff = core
        .ems
        .start_sign_in(sandbox.issuer())
        .await
        .expect("EMS sign-in starts");
    let (browser, player) = (Browser::new(), Player::new(EMAIL, PASSWORD));
    let (account, _) = tokio::join!(
        core.ems.finish_sign_in(),
        player.play_to_app(&browser, &handoff.url)
    );
    let ems = account.expect("signed in to EMS").id;
    let link = SubscriptionLink {
        ems_account: ems.clone(),
        subscription_id: subscription_id.to_owned(),
    };
    let admin = core
        .matrix
        .sign_in(PasswordSignIn::new(
            synapse.url.clone(),
            synapse.admin_user.clone(),
            synapse.admin_password.clone(),
            None,
            Some(link),
        ))
        .await
        .expect("the admin signs in")
        .id;
    (core, ems, admin)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_administers_seats_beside_the_running_app() {
    let (synapse, sandbox, subscription_id) = stack().await;
    let xdg = tempfile::tempdir().expect("XDG data home");
    let (core, ems, admin) = Box::pin(signed_in_core(
        xdg.path(),
        &synapse,
        &sandbox,
        &subscription_id,
    ))
    .await;

    // Bad usage is 2, and nothing signed in is 4.
    assert_eq!(cli(xdg.path(), &["frobnicate"], None).code, 2);
    let empty = tempfile::tempdir().expect("an empty data home");
    let nobody = cli(empty.path(), &["status", "--json"], None);
    assert_eq!(nobody.code, 4, "{}", nobody.stderr);
    assert_eq!(nobody.json()["error"]["code"], "not_signed_in");

    let status = cli(xdg.path(), &["status", "--json"], None).ok().json();
    assert_eq!(
        (status["seats_paid"].as_u64(), status["accounts"].as_u64()),
        (Some(4), Some(1)),
        "{status}"
    );

    let (bob_password, typed) = user_actions(xdg.path(), &synapse).await;
    let token = registration_tokens(xdg.path());
    let generated = import_and_export(xdg.path());

    // Past both tokens' lifetimes the command line refreshes them, and the core that was
    // running all along takes the rotated tokens: it stays signed in to both.
    let before = core.matrix.client(&admin).and_then(|c| c.access_token());
    tokio::time::sleep(Duration::from_secs(11)).await;
    cli(xdg.path(), &["status"], None).ok();
    let overview = core
        .ems
        .overview(&ems)
        .await
        .expect("the running core still reaches EMS");
    assert!(overview.stale.is_none(), "fresh, not the cached copy");
    let found = core.seat_subscriptions().await.expect("the subscriptions");
    assert!(found[0].admin.is_some(), "{found:?}");
    let target = SeatsTarget {
        ems_account: ems.clone(),
        subscription_id: subscription_id.clone(),
    };
    core.seats
        .load_page(&target, true)
        .await
        .expect("the running core lists the users");
    let _ = core.matrix.check(&admin).await;
    wait_until(
        || {
            let state = core
                .matrix
                .list()
                .into_iter()
                .find(|a| a.id == admin)
                .map(|a| a.session);
            async move { matches!(state, Some(SessionState::SignedIn { .. })) }
        },
        Duration::from_secs(30),
        "the running core's Matrix session stays signed in",
    )
    .await;
    let now = core.matrix.client(&admin).and_then(|c| c.access_token());
    let stored = accounts_core::matrix::load_session(&core.vault, &admin)
        .await
        .expect("the keyring")
        .expect("a session");
    assert_ne!(now, before, "the client took new tokens");
    assert_eq!(
        now.as_deref(),
        Some(stored.tokens.access_token.as_str()),
        "the keyring's"
    );

    // Every action is in the audit log, marked as the command line's, and no password is.
    let log =
        std::fs::read_to_string(xdg.path().join(IDENTIFIER).join(AUDIT_FILE)).expect("the log");
    for action in [
        "add_user",
        "deactivate",
        "reactivate",
        "reset_password",
        "create_token",
        "revoke_token",
        "import_row",
        "export",
    ] {
        assert!(
            log.contains(&format!("\"action\":\"{action}\"")),
            "{action} is logged: {log}"
        );
    }
    assert!(log.contains("\"source\":\"cli\""));
    for secret in generated.iter().map(String::as_str).chain([
        bob_password.as_str(),
        typed,
        "the newest password",
        token.as_str(),
    ]) {
        assert!(!log.contains(secret), "a secret reached the audit log");
    }
}

/// Add, list, deactivate, reactivate and reset a password; returns bob's generated password and
/// the one typed on standard input.
async fn user_actions(xdg: &Path, synapse: &Synapse) -> (String, &'static str) {
    let server = synapse.server_name.clone();
    let id = |local: &str| format!("@{local}:{server}");
    let added = cli(
        xdg,
        &["add", "bob", "--display-name", "Bob", "--json"],
        None,
    )
    .ok()
    .json();
    assert_eq!(added["user"]["user_id"], id("bob"));
    let bob_password = added["password"]
        .as_str()
        .expect("a generated password")
        .to_owned();
    login(&synapse.url, "bob", &bob_password)
        .await
        .expect("bob signs in");
    let again = cli(xdg, &["add", "bob", "--json"], None);
    assert_eq!(again.code, 1, "{}", again.stdout);
    assert_eq!(again.json()["error"]["code"], "seats_user_exists");

    let listed = cli(xdg, &["list", "--search", "bo", "--json"], None)
        .ok()
        .json();
    let ids: Vec<&str> = listed
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|u| u["user_id"].as_str())
        .collect();
    assert_eq!(ids, [id("bob")]);
    let admins = cli(xdg, &["list", "--admins", "--json"], None).ok().json();
    assert_eq!(admins.as_array().map(Vec::len), Some(1));

    // A password comes only from standard input.
    cli(xdg, &["deactivate", &id("bob"), "--json"], None).ok();
    let deactivated = cli(xdg, &["list", "--deactivated", "--json"], None)
        .ok()
        .json();
    assert_eq!(deactivated[0]["user_id"], id("bob"));
    let typed = "bob's typed password";
    let back = cli(
        xdg,
        &["reactivate", &id("bob"), "--password-stdin", "--json"],
        Some(&format!("{typed}\n")),
    )
    .ok()
    .json();
    assert!(
        back["password"].is_null(),
        "a typed password is not echoed: {back}"
    );
    login(&synapse.url, "bob", typed)
        .await
        .expect("bob signs in with the typed password");
    let reset = cli(
        xdg,
        &["reset-password", &id("bob"), "--password-stdin"],
        Some("the newest password\n"),
    )
    .ok();
    assert!(
        !reset.stdout.contains("the newest password"),
        "{}",
        reset.stdout
    );
    login(&synapse.url, "bob", "the newest password")
        .await
        .expect("the reset password works");
    assert_eq!(
        cli(
            xdg,
            &["reset-password", &id("bob"), "--password-stdin"],
            Some("\n")
        )
        .code,
        2
    );

    (bob_password, typed)
}

/// Create, list and revoke a registration token; returns it.
fn registration_tokens(xdg: &Path) -> String {
    // Registration tokens.
    let created = cli(xdg, &["tokens", "create", "--uses", "1", "--json"], None)
        .ok()
        .json();
    let token = created["tokens"][0]["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let listed = cli(xdg, &["tokens", "list", "--json"], None).ok().json();
    assert_eq!(listed["tokens"].as_array().map(Vec::len), Some(1));
    let revoked = cli(xdg, &["tokens", "revoke", &token, "--json"], None)
        .ok()
        .json();
    assert_eq!(revoked["tokens"].as_array().map(Vec::len), Some(0));

    token
}

/// Import (dry run, refused, the first N) and export; returns the generated passwords.
fn import_and_export(xdg: &Path) -> Vec<String> {
    // Import: the dry run creates nothing; more than the free seats is 3; the first N fit.
    let file = xdg.join("team.csv");
    std::fs::write(&file, "id,displayname\ncarl,Carl\ndina,Dina\nemil,Emil\n").expect("the file");
    let file_arg = file.to_str().expect("UTF-8 path");
    let plan = cli(xdg, &["import", file_arg, "--dry-run", "--json"], None)
        .ok()
        .json();
    assert_eq!(
        (
            plan["to_create"].as_u64(),
            plan["free"].as_i64(),
            plan["fits"].as_bool()
        ),
        (Some(3), Some(2), Some(false)),
        "{plan}"
    );
    let refused = cli(xdg, &["import", file_arg, "--json"], None);
    assert_eq!(refused.code, 3, "{}", refused.stdout);
    let report = cli(xdg, &["import", file_arg, "--first", "2", "--json"], None)
        .ok()
        .json();
    assert_eq!(
        (report["created"].as_u64(), report["not_attempted"].as_u64()),
        (Some(2), Some(1)),
        "{report}"
    );
    let generated: Vec<String> = report["passwords"]
        .as_array()
        .expect("passwords")
        .iter()
        .filter_map(|p| p["password"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(generated.len(), 2);
    let full = cli(xdg, &["add", "zed", "--json"], None);
    assert_eq!(full.code, 3, "no seat is free: {}", full.stdout);

    // Export, to a file and to standard output.
    let exported = xdg.join("users.csv");
    let written = cli(
        xdg,
        &["export", exported.to_str().expect("UTF-8"), "--json"],
        None,
    )
    .ok()
    .json();
    assert_eq!(
        written["exported"].as_u64(),
        Some(4),
        "the admin, bob, carl and dina: {written}"
    );
    let text = std::fs::read_to_string(&exported).expect("the export");
    assert!(text.starts_with("id,displayname,password,admin"), "{text}");
    let to_stdout = cli(xdg, &["export"], None).ok();
    assert_eq!(to_stdout.stdout, text);

    generated
}
