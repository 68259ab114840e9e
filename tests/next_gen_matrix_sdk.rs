//! matrix-sdk's own OAuth 2.0 client against the sandbox as a real Synapse's authorization
//! server (`matrix_authentication_service` mode, over https): what the app will build on can
//! register, sign in with a device of its choosing, and log out (which revokes over https, the
//! reason the authorization server has TLS). The app's flow itself is not under test here.

use accounts_core::transport::{credential_client_trusting, extra_roots};
use matrix_sdk::authentication::oauth::registration::{
    ApplicationType, ClientMetadata, Localized, OAuthGrantType,
};
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::OwnedDeviceId;
use matrix_sdk::Client;
use test_support::browser::{Browser, Player};
use test_support::http_fixtures::FixedServer;
use test_support::next_gen::NextGenStack;
use test_support::sandbox::SandboxBuilder;
use url::Url;

const EMAIL: &str = "sam@example.org";
const PASSWORD: &str = "sam's long sandbox password";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matrix_sdk_signs_in_and_logs_out_through_the_sandbox() {
    let stack =
        NextGenStack::builder(SandboxBuilder::new().user(EMAIL, "Sam Sdk", Some("sam"), PASSWORD))
            .start()
            .await;
    let roots = extra_roots(stack.ca_file()).expect("the test CA");
    let client = Client::builder()
        .homeserver_url(&stack.synapse.url)
        .http_client(credential_client_trusting(&roots))
        .build()
        .await
        .expect("a matrix-sdk client");
    let oauth = client.oauth();
    let metadata = oauth
        .server_metadata()
        .await
        .expect("matrix-sdk accepts the discovery Synapse relays");
    assert_eq!(metadata.issuer.as_str(), stack.issuer());

    let callback = FixedServer::start(vec![("/callback", "text/html", "done".to_owned())]);
    let redirect_uri =
        Url::parse(&format!("http://127.0.0.1:{}/callback", callback.port)).expect("redirect URI");
    let client_metadata = ClientMetadata::new(
        ApplicationType::Native,
        vec![OAuthGrantType::AuthorizationCode {
            redirect_uris: vec![redirect_uri.clone()],
        }],
        Localized::new(
            Url::parse("https://accounts.example.org/").expect("client URI"),
            [],
        ),
    );
    let registration = Raw::new(&client_metadata)
        .expect("client metadata serialises")
        .cast_unchecked();
    let device: OwnedDeviceId = "SDKDEVICE1".into();
    let authorization = oauth
        .login(
            redirect_uri.clone(),
            Some(device.clone()),
            Some(registration.into()),
            None,
        )
        .build()
        .await
        .expect("matrix-sdk registers and builds the authorization URL");

    let browser = Browser::trusting(stack.ca_file());
    let (back, _) = Player::new(EMAIL, PASSWORD)
        .until(redirect_uri.as_str())
        .play(&browser, authorization.url.as_str())
        .await;
    oauth
        .finish_login(Url::parse(&back).expect("URL").into())
        .await
        .expect("matrix-sdk exchanges the code");
    let me = client.whoami().await.expect("whoami");
    assert_eq!(
        me.user_id.as_str(),
        format!("@sam:{}", stack.synapse.server_name)
    );
    assert_eq!(me.device_id.as_deref(), Some(device.as_ref()), "its device");

    let token = client
        .access_token()
        .expect("a signed-in client has a token");
    oauth.logout().await.expect("matrix-sdk revokes over https");
    let http = credential_client_trusting(&roots);
    let after = http
        .get(format!(
            "{}/_matrix/client/v3/account/whoami",
            stack.synapse.url
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("Synapse answers");
    assert_eq!(
        after.status(),
        reqwest::StatusCode::UNAUTHORIZED,
        "logged out"
    );
    stack.shutdown().await;
}
