//! The app trusts a certificate authority beyond the system's only through
//! `ELEMENT_ACCOUNTS_EXTRA_CA_FILE`: without it, a server whose certificate comes from an unknown
//! CA (here the EMS sandbox's https listener, with a CA made for the test) is refused, with a
//! message that says how to trust one; with that CA's file, the same server is reached.
//!
//! The environment of a running test cannot be changed safely, so the trusting client is built
//! from the file directly, as the variable's value would be.

use accounts_core::matrix::{discover, DiscoveryError};
use accounts_core::transport::{
    credential_client, credential_client_trusting, extra_roots, EXTRA_CA_ENV,
};
use test_support::sandbox::SandboxBuilder;
use test_support::synapse::SynapseAddress;

#[tokio::test]
async fn an_unknown_ca_is_refused_clearly_and_the_extra_ca_file_is_trusted() {
    assert!(
        std::env::var_os(EXTRA_CA_ENV).is_none(),
        "run this test without {EXTRA_CA_ENV}"
    );
    // No Synapse is contacted: the sandbox only needs a homeserver to name.
    let sandbox = SandboxBuilder::new()
        .authorization_server_for(SynapseAddress::free())
        .start()
        .await;
    let issuer = sandbox.authorization_server().expect("https listener");
    let discovery = format!("{issuer}.well-known/openid-configuration");

    let untrusting = credential_client();
    let refused = untrusting.get(&discovery).send().await;
    assert!(
        refused.is_err(),
        "an unknown CA must be refused: {refused:?}"
    );
    let as_homeserver = discover(&untrusting, issuer).await;
    let Err(error @ DiscoveryError::Tls { .. }) = as_homeserver else {
        panic!("an unknown CA is a TLS failure: {as_homeserver:?}");
    };
    let message = error.to_string();
    assert!(
        message.contains("not trusted") && message.contains(EXTRA_CA_ENV),
        "the message says what failed and how to trust a private CA: {message}"
    );

    let roots = extra_roots(sandbox.ca_file().expect("the CA file")).expect("a PEM CA");
    let trusting = credential_client_trusting(&roots);
    let answer = trusting
        .get(&discovery)
        .send()
        .await
        .expect("the extra CA vouches for the sandbox");
    assert_eq!(answer.status(), reqwest::StatusCode::OK);
    let past_tls = discover(&trusting, issuer).await;
    assert!(
        matches!(past_tls, Err(DiscoveryError::NotMatrix { .. })),
        "with the CA trusted, the connection succeeds and the server is judged on what it \
         serves (it is no homeserver): {past_tls:?}"
    );
    sandbox.shutdown().await;
}
