//! OAuth 2.0 sign-in (next-generation auth) against a real Synapse in
//! `matrix_authentication_service` mode whose authorization server is the EMS sandbox, over
//! https, with a cookie-keeping HTTP client playing the browser and the real Secret Service
//! holding the tokens: sign-in with the device the app chose, a restart restoring the session, a
//! refresh saved at once, sign-out revoking the session, a new account through `prompt=create`
//! with the registration kept per authorization server, a password sign-in refused with a
//! clear message, each account-management URL carrying its action, and a session revoked on the
//! provider's device page shown as signed out on the server. Run under `dbus-run-session -- scripts/session-env`.

use std::time::Duration;

use accounts_core::browser::Opener;
use accounts_core::matrix::{
    load_stored, MatrixAccounts, MatrixError, OAuthSignIn, PasswordSignIn, SessionState,
    OAUTH_CALLBACK_PATH, OAUTH_CLIENTS_FILE, STORES_DIR,
};
use accounts_core::transport::extra_roots;
use accounts_core::vault::{AccountRegistry, Registry, Vault};
use test_support::browser::{form, query_param, set_field, Browser, Player};
use test_support::next_gen::NextGenStack;
use test_support::sandbox::SandboxBuilder;
use test_support::synapse_admin::whoami;
use test_support::wait_until;

const EMAIL: &str = "olga@example.org";
const PASSWORD: &str = "olga's long sandbox password";

fn accounts(
    data: &std::path::Path,
    vault: &Vault,
    registry: &Registry,
    roots: &[reqwest::Certificate],
) -> MatrixAccounts {
    MatrixAccounts::new(
        data.join(STORES_DIR),
        vault.clone(),
        registry.clone(),
        Opener::new(None, None),
    )
    .trusting(roots)
}

fn request(stack: &NextGenStack, create_account: bool) -> OAuthSignIn {
    OAuthSignIn::new(stack.synapse.url.clone(), create_account, None, None)
}

#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_signs_in_restores_refreshes_signs_out_and_creates_accounts() {
    let stack = NextGenStack::builder(SandboxBuilder::new().user(
        EMAIL,
        "Olga OAuth",
        Some("olga"),
        PASSWORD,
    ))
    .start()
    .await;
    let roots = extra_roots(stack.ca_file()).expect("the test CA");
    let data = tempfile::tempdir().expect("data dir");
    let vault = Vault::keyring();
    let registry = Registry::from(AccountRegistry::open(data.path()).expect("registry"));
    let app = accounts(data.path(), &vault, &registry, &roots);

    // A password sign-in on this server says what to do instead.
    let refused = app
        .sign_in(PasswordSignIn::new(
            stack.synapse.url.clone(),
            "olga".into(),
            PASSWORD.into(),
            None,
            None,
        ))
        .await;
    assert!(
        matches!(refused, Err(MatrixError::SignsInWithOAuth { .. })),
        "got {refused:?}"
    );
    let message = refused.expect_err("refused").to_string();
    assert!(message.contains("signs in with OAuth 2.0"), "{message}");

    // Sign in: the browser goes to the authorization server and comes back to `/oauth`.
    let handoff = app
        .begin_oauth_sign_in(request(&stack, false))
        .await
        .expect("the OAuth 2.0 sign-in starts");
    let url = handoff.url.clone();
    assert!(
        url.starts_with(stack.issuer()),
        "the browser goes to the authorization server: {url}"
    );
    let back = query_param(&url, "redirect_uri").expect("a redirect_uri");
    assert!(
        back.starts_with("http://127.0.0.1:") && back.ends_with(OAUTH_CALLBACK_PATH),
        "back to the loopback listener's {OAUTH_CALLBACK_PATH}: {back}"
    );
    let client_id = query_param(&url, "client_id").expect("a client_id");
    let scope = query_param(&url, "scope").expect("a scope");
    let chosen = scope
        .split(' ')
        .find_map(|s| s.strip_prefix("urn:matrix:org.matrix.msc2967.client:device:"))
        .or_else(|| {
            scope
                .split(' ')
                .find_map(|s| s.strip_prefix("urn:matrix:client:device:"))
        })
        .expect("the app asks for a device of its choosing")
        .to_owned();
    assert!(chosen.starts_with("EA"), "{chosen}");
    let browser = Browser::trusting(stack.ca_file());
    let player = Player::new(EMAIL, PASSWORD).until(&back);
    let (result, (_, page)) = tokio::join!(app.finish_oauth_sign_in(), player.play(&browser, &url));
    let account = result.expect("Olga signs in with OAuth 2.0");
    assert!(
        page.body.contains("You can close this tab"),
        "the tab ends on the app's page: {}",
        page.body
    );
    assert_eq!(
        account.user_id,
        format!("@olga:{}", stack.synapse.server_name)
    );
    assert_eq!(
        account.session,
        SessionState::SignedIn {
            device_id: chosen.clone()
        },
        "the server confirmed the session with the device the app chose"
    );
    let (session, kept_client) = load_stored(&vault, &account.id)
        .await
        .expect("keyring readable")
        .expect("the session is in the keyring");
    assert_eq!(kept_client.as_deref(), Some(client_id.as_str()));
    assert_eq!(
        whoami(&stack.synapse.url, &session.tokens.access_token).await,
        Ok((account.user_id.clone(), chosen.clone())),
        "whoami with the kept token"
    );
    let registrations =
        std::fs::read_to_string(data.path().join(STORES_DIR).join(OAUTH_CLIENTS_FILE))
            .expect("the registration is kept");
    assert!(
        registrations.contains(stack.issuer()) && registrations.contains(&client_id),
        "{registrations}"
    );
    assert!(
        !registrations.contains(&session.tokens.access_token),
        "no token in the file"
    );

    // Signed in already: a second sign-in of the same user is refused, its session revoked, and
    // the first one goes on.
    let handoff = app
        .begin_oauth_sign_in(request(&stack, false))
        .await
        .expect("the OAuth 2.0 sign-in starts");
    let again_back = query_param(&handoff.url, "redirect_uri").expect("a redirect_uri");
    let again_player = Player::new(EMAIL, PASSWORD).until(&again_back);
    let (again, _) = tokio::join!(
        app.finish_oauth_sign_in(),
        again_player.play(&browser, &handoff.url)
    );
    assert!(
        matches!(again, Err(MatrixError::AlreadySignedIn { .. })),
        "got {again:?}"
    );
    assert_eq!(
        whoami(&stack.synapse.url, &session.tokens.access_token)
            .await
            .map(|(_, d)| d),
        Ok(chosen.clone()),
        "the first session goes on"
    );

    // A restart restores the session from the keyring as an OAuth 2.0 session.
    drop(app);
    let app = accounts(data.path(), &vault, &registry, &roots);
    app.sessions().restore_all().await;
    let restored = app.sessions().view(&account.id).expect("the account");
    assert_eq!(
        restored.session,
        SessionState::SignedIn {
            device_id: chosen.clone()
        },
        "restored after a restart"
    );

    // Account management opens at the authorization server, each URL with its action.
    let management = app
        .account_management(&account.id)
        .await
        .expect("the homeserver answers")
        .expect("it delegates account management");
    let names: Vec<&str> = management.actions.iter().map(|a| a.name.as_str()).collect();
    assert!(
        names.contains(&"devices_list") && names.contains(&"device_view"),
        "{names:?}"
    );
    for action in &management.actions {
        let device = action.per_device.then_some(chosen.as_str());
        let handoff = app
            .open_account_management(&account.id, &action.action, device)
            .await
            .expect("the page's address");
        assert!(handoff.url.starts_with(&management.url), "{}", handoff.url);
        assert_eq!(
            query_param(&handoff.url, "action").as_deref(),
            Some(action.action.as_str())
        );
        assert_eq!(query_param(&handoff.url, "device_id").as_deref(), device);
    }
    assert!(matches!(
        app.open_account_management(&account.id, "org.matrix.device_view", None)
            .await,
        Err(MatrixError::InvalidInput { .. })
    ));
    let devices_page = browser
        .get(
            &app.open_account_management(&account.id, "devices_list", None)
                .await
                .expect("the devices page's address")
                .url,
        )
        .await;
    assert_eq!(
        devices_page.status,
        reqwest::StatusCode::OK,
        "the signed-in browser sees the devices page"
    );

    // A refresh is saved at once, still as an OAuth 2.0 session.
    let client = app.sessions().client(&account.id).expect("a live client");
    client
        .oauth()
        .refresh_access_token()
        .await
        .expect("the tokens are refreshed");
    let refreshed = client.access_token().expect("a new access token");
    assert_ne!(refreshed, session.tokens.access_token);
    wait_until(
        || async {
            load_stored(&vault, &account.id)
                .await
                .ok()
                .flatten()
                .is_some_and(|(s, c)| {
                    s.tokens.access_token == refreshed && c.as_deref() == Some(client_id.as_str())
                })
        },
        Duration::from_secs(10),
        "the refreshed tokens are saved",
    )
    .await;
    assert_eq!(
        whoami(&stack.synapse.url, &refreshed).await.map(|(_, d)| d),
        Ok(chosen.clone())
    );

    // Sign-out revokes the session: its token is refused at once.
    app.sign_out(&account.id).await.expect("sign out");
    assert_eq!(
        whoami(&stack.synapse.url, &refreshed).await,
        Err(401),
        "the session was revoked"
    );
    assert!(load_stored(&vault, &account.id)
        .await
        .expect("keyring readable")
        .is_none());

    // A new account through `prompt=create`, with the registration made before.
    let handoff = app
        .begin_oauth_sign_in(request(&stack, true))
        .await
        .expect("the OAuth 2.0 sign-up starts");
    let url = handoff.url.clone();
    assert_eq!(query_param(&url, "prompt").as_deref(), Some("create"));
    assert_eq!(
        query_param(&url, "client_id").as_deref(),
        Some(client_id.as_str()),
        "the client id registered at this authorization server is used again"
    );
    let back = query_param(&url, "redirect_uri").expect("a redirect_uri");
    let newcomer = Browser::trusting(stack.ca_file());
    let sign_up = async {
        let to_sign_up = newcomer.get(&url).await;
        let page = newcomer
            .get(&to_sign_up.location.expect("to the sign-up page"))
            .await;
        assert!(page.body.contains("Create your account"), "{}", page.body);
        let (action, mut fields) = form(&page.body);
        set_field(&mut fields, "email", "pia@example.org");
        set_field(&mut fields, "name", "Pia New");
        set_field(&mut fields, "username", "pia");
        set_field(&mut fields, "new_password", "pia's new long password");
        let answer = newcomer.post_form(&action, &fields).await;
        Player::new("pia@example.org", "pia's new long password")
            .until(&back)
            .play(
                &newcomer,
                &answer.location.expect("on from the sign-up page"),
            )
            .await
    };
    let (created, (_, page)) = tokio::join!(app.finish_oauth_sign_in(), sign_up);
    let created = created.unwrap_or_else(|e| panic!("Pia's new account: {e}; {}", page.body));
    assert_eq!(
        created.user_id,
        format!("@pia:{}", stack.synapse.server_name)
    );
    let SessionState::SignedIn { device_id: pias } = created.session.clone() else {
        panic!("Pia's session is confirmed: {:?}", created.session);
    };

    // Pia signs the app's session out on the provider's device page: the app says so.
    let pias_page = app
        .open_account_management(&created.id, "device_view", Some(&pias))
        .await
        .expect("the device page's address")
        .url;
    let page = newcomer.get(&pias_page).await;
    assert_eq!(page.status, reqwest::StatusCode::OK, "{}", page.body);
    let signed_out = newcomer.click(&page, "sign-out-device").await;
    assert!(
        signed_out.status.is_success() || signed_out.status.is_redirection(),
        "{signed_out:?}"
    );
    assert_eq!(
        app.sessions().check(&created.id).await,
        SessionState::SignedOutOnServer,
        "a session revoked at the provider is shown as signed out on the server"
    );
    app.sign_out(&created.id)
        .await
        .expect("signing out here still forgets it");
    stack.shutdown().await;
}
