//! Finding the homeserver, against a real Synapse and small fixture servers: from a server name
//! whose well-known points at another port, from a Matrix ID, from a URL, and each failure the
//! user must be told apart (invalid name, no such host, refused, TLS, not Matrix, dead well-known).

use accounts_core::matrix::{discover, http_client, DiscoveryError};
use test_support::free_port;
use test_support::http_fixtures::{FixedServer, SelfSignedTls};
use test_support::synapse::Synapse;

#[tokio::test]
async fn a_server_name_a_matrix_id_and_a_url_resolve_to_synapse() {
    let synapse = Synapse::start();
    let http = http_client();

    let well_known = FixedServer::well_known_to(&synapse.url);
    let found = discover(&http, &well_known.server_name())
        .await
        .expect("the well-known names Synapse");
    assert_eq!(
        found.homeserver_url, synapse.url,
        "the well-known on port {} points at Synapse on another port",
        well_known.port
    );
    assert_eq!(
        found.via_well_known.as_deref(),
        Some(well_known.server_name().as_str())
    );
    assert!(found.methods.password, "Synapse offers password sign-in");
    assert!(
        !found.methods.oauth,
        "Synapse without MAS does not answer auth_metadata"
    );

    let by_id = discover(&http, &format!("@alice:{}", synapse.server_name))
        .await
        .expect("a Matrix ID names its server");
    assert_eq!(by_id.homeserver_url, synapse.url);

    let by_url = discover(&http, &format!("{}/", synapse.url))
        .await
        .expect("a URL is used as it is");
    assert_eq!(
        by_url.homeserver_url, synapse.url,
        "shown without a trailing slash"
    );
    assert_eq!(by_url.via_well_known, None);
}

#[tokio::test]
async fn each_failure_has_its_own_error() {
    let http = http_client();

    let invalid = discover(&http, "exa mple.org").await;
    assert!(
        matches!(invalid, Err(DiscoveryError::InvalidName { .. })),
        "{invalid:?}"
    );

    let no_host = discover(&http, "no-such-homeserver.invalid").await;
    assert!(
        matches!(no_host, Err(DiscoveryError::NoSuchHost { ref host }) if host == "no-such-homeserver.invalid"),
        "an .invalid name never resolves: {no_host:?}"
    );

    let closed = free_port();
    let refused = discover(&http, &format!("127.0.0.1:{closed}")).await;
    assert!(
        matches!(refused, Err(DiscoveryError::ConnectionRefused { .. })),
        "nothing listens on {closed}: {refused:?}"
    );
    let message = refused.expect_err("refused").to_string();
    assert!(message.contains("connection refused"), "{message}");

    let tls = SelfSignedTls::start();
    let untrusted = discover(&http, &format!("https://127.0.0.1:{}", tls.port)).await;
    assert!(
        matches!(untrusted, Err(DiscoveryError::Tls { .. })),
        "a self-signed certificate is a TLS failure: {untrusted:?}"
    );

    let website = FixedServer::not_matrix();
    let not_matrix = discover(&http, &website.server_name()).await;
    assert!(
        matches!(not_matrix, Err(DiscoveryError::NotMatrix { .. })),
        "a web server without /_matrix is not a homeserver: {not_matrix:?}"
    );
    let not_matrix_url = discover(&http, &format!("http://127.0.0.1:{}", website.port)).await;
    assert!(
        matches!(not_matrix_url, Err(DiscoveryError::NotMatrix { .. })),
        "{not_matrix_url:?}"
    );

    let dead_port = free_port();
    let dead = FixedServer::well_known_to(&format!("http://127.0.0.1:{dead_port}"));
    let pointed_at_dead = discover(&http, &dead.server_name()).await;
    match pointed_at_dead {
        Err(DiscoveryError::WellKnownDeadServer {
            ref base_url,
            ref cause,
            ..
        }) => {
            assert_eq!(base_url, &format!("http://127.0.0.1:{dead_port}"));
            assert!(
                matches!(**cause, DiscoveryError::ConnectionRefused { .. }),
                "{cause:?}"
            );
        }
        other => panic!("a well-known naming a dead server must say so: {other:?}"),
    }

    let insecure = discover(&http, "http://matrix.example.org").await;
    assert!(
        matches!(insecure, Err(DiscoveryError::InsecureUrl { .. })),
        "plain http to another computer is refused before any request: {insecure:?}"
    );
}
