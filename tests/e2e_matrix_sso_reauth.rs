//! SSO re-authentication through the real window: an account that signs in only through single
//! sign-on (the EMS reference server as identity provider of a real Synapse) signs out another
//! of its sessions. The app opens the homeserver's fallback page in the system browser (real
//! headless Chromium, handed the URL through `$BROWSER`), shows "Finish in your browser, then
//! continue", and completes once the user confirms there and presses `uia-sso-done`.

use std::time::Duration;

use accounts_core::matrix::{http_client, token_login};
use accounts_core::vault::Secret;
use test_support::app_under_test;
use test_support::browser::query_param;
use test_support::chromium::Chromium;
use test_support::sso::{SsoStack, EMAIL, IDP, PASSWORD};
use test_support::synapse::Synapse;
use test_support::synapse_admin::whoami;

/// Signing in includes opening an encrypted store and asking the server to confirm the session.
const SETTLE: Duration = Duration::from_mins(1);

/// The `loginToken` of a second SSO sign-in in `chromium` (which already holds the identity
/// provider's session): the href of Synapse's "Continue to your account" link, not followed.
async fn second_login_token(chromium: &Chromium, synapse: &Synapse) -> String {
    let done = "http://127.0.0.1:1/elsewhere";
    chromium
        .open(&format!(
            "{}/_matrix/client/v3/login/sso/redirect/{IDP}?redirectUrl={}",
            synapse.url,
            url::form_urlencoded::byte_serialize(done.as_bytes()).collect::<String>()
        ))
        .await;
    chromium.wait_for_text("Continue to your account").await;
    let href = chromium.primary_href().await;
    query_param(&href, "loginToken").expect("a login token")
}

#[allow(clippy::too_many_lines)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sso_only_account_signs_out_another_session_in_the_system_browser() {
    let stack = SsoStack::with_one_user().await;
    let synapse = &stack.synapse;
    let app = app_under_test!()
        .homeserver(&synapse.server_name)
        .launch()
        .await;

    // Erin signs in through single sign-on in Chromium.
    app.click("nav-matrix").await;
    app.click("matrix-discover").await;
    app.click("matrix-sso-oidc-ems").await;
    let chromium = Chromium::start().await;
    chromium
        .sign_in(&app.browser_url(1).await, EMAIL, PASSWORD)
        .await;
    chromium.wait_for_text("Continue to your account").await;
    chromium.click_primary_button().await;
    chromium.wait_for_text("You can close this tab").await;
    app.wait_count("matrix-device-id", 1, SETTLE).await;
    let own = app.text_of("matrix-device-id").await;

    // Another session of Erin's, as another computer would have it.
    let token = second_login_token(&chromium, synapse).await;
    let other = token_login(
        &http_client(),
        &url::Url::parse(&synapse.url).expect("url"),
        &Secret::new(token),
        "Erin's other computer",
    )
    .await
    .expect("m.login.token");
    assert!(
        whoami(&synapse.url, other.access_token.expose())
            .await
            .is_ok(),
        "the other session works before"
    );

    // Sign it out from the app: the server asks for SSO, the browser opens its fallback page.
    app.wait_count("matrix-manage-open", 1, SETTLE).await;
    app.click("matrix-manage-open").await;
    app.wait_count(&format!("device-{}", other.device_id), 1, SETTLE)
        .await;
    app.click(&format!("device-select-{}", other.device_id))
        .await;
    app.click("matrix-sign-out-devices").await;
    let fallback = app.browser_url(2).await;
    assert!(
        fallback.starts_with(&format!(
            "{}/_matrix/client/v3/auth/m.login.sso/fallback/web?session=",
            synapse.url
        )),
        "the browser goes to the homeserver's SSO confirmation page: {fallback}"
    );
    app.wait_count("uia-sso-done", 1, SETTLE).await;
    assert!(
        app.text_of("uia-sso")
            .await
            .contains("finish in your browser"),
        "the app says where to confirm"
    );
    assert_eq!(
        app.count("uia-password").await,
        0,
        "an account without a password is not asked for one"
    );
    assert!(
        whoami(&synapse.url, other.access_token.expose())
            .await
            .is_ok(),
        "nothing is signed out before the user confirms"
    );

    // Erin confirms in the browser (the identity provider remembers her), then continues.
    chromium.open(&fallback).await;
    // The fallback's "Continue with EMS".
    chromium.click_primary_button().await;
    chromium.wait_for_text("Thank you").await;
    app.click("uia-sso-done").await;
    app.wait_gone(&format!("device-{}", other.device_id)).await;
    assert_eq!(app.count("uia-prompt").await, 0, "the prompt closed");
    assert_eq!(app.count("error").await, 0, "no error shown");
    assert_eq!(
        whoami(&synapse.url, other.access_token.expose()).await,
        Err(401),
        "the other session is signed out on the server"
    );
    assert_eq!(
        app.count(&format!("device-{own}")).await,
        1,
        "this computer's session stays"
    );

    chromium.close().await;
    app.close().await;
    stack.shutdown().await;
}
