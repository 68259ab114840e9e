//! The single sign-on stack of the SSO GUI journeys: the EMS reference server with one user, and
//! a Synapse that trusts it as `oidc-ems`. No redirect is whitelisted, so Synapse asks the user
//! to confirm in the browser, as a real homeserver does.

use ems_sandbox::{
    ClientConfig, NewUser, ProviderConfig, RunningSandbox, Sandbox, SandboxConfig, Store,
};

use crate::synapse::{free_port, Synapse};

/// The person who signs in through the sandbox.
pub const EMAIL: &str = "erin@example.org";
/// Their password at the sandbox.
pub const PASSWORD: &str = "erin's very long password";

/// The sandbox (with Erin) and a Synapse that trusts it as `oidc-ems`, their files in `dir`.
pub async fn servers(dir: &std::path::Path) -> (RunningSandbox, Synapse) {
    let db = dir.join("ems.db");
    let db2 = db.clone();
    tokio::task::spawn_blocking(move || {
        Store::open(&db2)
            .and_then(|s| {
                s.add_user(&NewUser {
                    email: EMAIL.into(),
                    name: "Erin Sso".into(),
                    username: Some("erin".into()),
                    password: ems_sandbox::Secret::new(PASSWORD),
                })
            })
            .expect("add Erin")
    })
    .await
    .expect("blocking task");
    let synapse_port = free_port();
    let secret = format!("synapse-secret-{synapse_port}");
    let callback = format!("http://127.0.0.1:{synapse_port}/_synapse/client/oidc/callback");
    let provider = ProviderConfig {
        clients: vec![ClientConfig::confidential("synapse", &secret, &callback)],
        ..ProviderConfig::default()
    };
    let sandbox = Sandbox::bind(
        SandboxConfig {
            database: db,
            provider,
        },
        "127.0.0.1:0".parse().expect("addr"),
    )
    .await
    .expect("the sandbox starts");
    let yaml = format!(
        "oidc_providers:\n\
         \x20 - idp_id: ems\n\
         \x20   idp_name: EMS\n\
         \x20   issuer: \"{issuer}\"\n\
         \x20   client_id: synapse\n\
         \x20   client_secret: \"{secret}\"\n\
         \x20   scopes: [openid, profile, email]\n\
         \x20   user_mapping_provider:\n\
         \x20     config:\n\
         \x20       localpart_template: \"{{{{ user.preferred_username }}}}\"\n\
         \x20       display_name_template: \"{{{{ user.name }}}}\"\n",
        issuer = sandbox.issuer()
    );
    let oidc_yaml = dir.join("oidc.yaml");
    std::fs::write(&oidc_yaml, yaml).expect("write the OIDC config");
    // Synapse reads the sandbox's discovery document while it starts.
    let synapse =
        tokio::task::spawn_blocking(move || Synapse::start_on(synapse_port, &[&oidc_yaml]))
            .await
            .expect("Synapse starts with the sandbox as its identity provider");
    (sandbox, synapse)
}
