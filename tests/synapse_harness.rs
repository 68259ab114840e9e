//! The Synapse test harness itself: a real Synapse from `PyPI` started through `scripts/synapse`,
//! reachable by server name, with an admin user, and gone after the test.

use serde_json::{json, Value};
use test_support::synapse::Synapse;

#[tokio::test]
async fn synapse_starts_serves_discovery_has_an_admin_and_stops() {
    let server = Synapse::start();
    let http = reqwest::Client::new();

    let versions: Value = http
        .get(format!("{}/_matrix/client/versions", server.url))
        .send()
        .await
        .expect("Synapse answers")
        .json()
        .await
        .expect("JSON body");
    assert!(
        versions["versions"]
            .as_array()
            .is_some_and(|v| !v.is_empty()),
        "a Matrix homeserver lists its spec versions: {versions}"
    );

    let well_known: Value = http
        .get(format!("{}/.well-known/matrix/client", server.url))
        .send()
        .await
        .expect("well-known answers")
        .json()
        .await
        .expect("JSON body");
    assert_eq!(
        well_known["m.homeserver"]["base_url"]
            .as_str()
            .map(|s| s.trim_end_matches('/')),
        Some(server.url.as_str()),
        "the server name {} must resolve to this same server",
        server.server_name
    );

    let login: Value = http
        .post(format!("{}/_matrix/client/v3/login", server.url))
        .json(&json!({
            "type": "m.login.password",
            "identifier": { "type": "m.id.user", "user": server.admin_user },
            "password": server.admin_password,
        }))
        .send()
        .await
        .expect("login answers")
        .json()
        .await
        .expect("JSON body");
    let token = login["access_token"]
        .as_str()
        .expect("the admin can sign in with the password");
    assert_eq!(login["user_id"].as_str(), Some(server.admin_user.as_str()));

    let me: Value = http
        .get(format!(
            "{}/_synapse/admin/v2/users/{}",
            server.url, server.admin_user
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("admin API answers")
        .json()
        .await
        .expect("JSON body");
    assert_eq!(
        me["admin"],
        json!(true),
        "the registered user must be a server admin: {me}"
    );

    let port = server.port;
    drop(server);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "Synapse must be stopped when the test's handle is dropped"
    );
}
