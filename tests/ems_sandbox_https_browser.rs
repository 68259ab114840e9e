//! A real browser and the authorization server's https listener: headless Chromium given the
//! sandbox's CA in a private NSS database signs in there (over https, with a certificate from a
//! CA made for the test), and the same Chromium without the CA is stopped at its certificate
//! error. No certificate check is switched off.

use test_support::browser::query_param;
use test_support::chromium::Chromium;
use test_support::http_fixtures::FixedServer;
use test_support::sandbox::{SandboxBuilder, APP_CLIENT};
use test_support::synapse::SynapseAddress;

const EMAIL: &str = "cleo@example.org";
const PASSWORD: &str = "cleo's long sandbox password";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_trusts_the_sandbox_ca_from_its_nss_database_and_only_then() {
    // The homeserver is only named: signing in to the EMS app client asks nothing of it.
    let sandbox = SandboxBuilder::new()
        .user(EMAIL, "Cleo", Some("cleo"), PASSWORD)
        .app_client()
        .authorization_server_for(SynapseAddress::free())
        .start()
        .await;
    let issuer = sandbox
        .authorization_server()
        .expect("https listener")
        .to_owned();
    let callback = FixedServer::start(vec![("/done", "text/html", "<p>signed in</p>".to_owned())]);
    let redirect_uri = format!("http://127.0.0.1:{}/done", callback.port);
    let authorize = {
        let mut url = url::Url::parse(&format!("{issuer}oauth2/authorize")).expect("URL");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", APP_CLIENT)
            .append_pair("redirect_uri", &redirect_uri)
            .append_pair("scope", "openid")
            .append_pair("state", "chromium-state")
            .append_pair("code_challenge", &"c".repeat(43))
            .append_pair("code_challenge_method", "S256");
        url.to_string()
    };

    let untrusting = Chromium::start().await;
    untrusting.open(&authorize).await;
    let text = untrusting.client.source().await.expect("the page source");
    assert!(
        !text.contains("name=\"password\"") && text.contains("ERR_CERT_AUTHORITY_INVALID"),
        "without the CA Chromium stops at its certificate error, not at the form: {text}"
    );
    untrusting.close().await;

    let chromium = Chromium::trusting(sandbox.ca_file().expect("the CA file")).await;
    chromium.sign_in(&authorize, EMAIL, PASSWORD).await;
    chromium.wait_for_text("signed in").await;
    let url = chromium
        .client
        .current_url()
        .await
        .expect("the URL")
        .to_string();
    assert!(url.starts_with(&redirect_uri), "back at the client: {url}");
    assert_eq!(
        query_param(&url, "state").as_deref(),
        Some("chromium-state")
    );
    assert_eq!(
        query_param(&url, "iss").as_deref(),
        Some(issuer.as_str()),
        "the https issuer"
    );
    assert!(query_param(&url, "code").is_some(), "a code: {url}");
    chromium.close().await;
    sandbox.shutdown().await;
}
