//! The EMS reference server ("sandbox"): an OIDC provider over `SQLite` that the desktop
//! app and a local Synapse both trust, and the control-panel REST API ([`api`], the contract in
//! the `ems-api` crate) that its access tokens open.
//!
//! Tests start it in-process with [`Sandbox::start`] on a listener they bound themselves (so the
//! port, and with it the issuer, is known before anything else starts); the `ems-sandbox`
//! binary does the same from the command line.

pub mod api;
mod config;
mod error;
mod keys;
pub mod oauth;
mod secret;
pub mod seed;
pub mod store;
pub mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{
    ClientConfig, ElementOneConfig, HomeserverConfig, MatrixAuthConfig, ProviderConfig,
};
pub use error::SandboxError;
pub use keys::IdTokenKey;
pub use secret::Secret;
pub use store::{ElementOneHome, Homeservers, NewUser, Store, User};

/// What a sandbox needs to start.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// The `SQLite` database file (created if missing).
    pub database: PathBuf,
    /// The provider settings and clients (normally from the config file).
    pub provider: ProviderConfig,
}

/// Unknown paths: a problem+json 404 under `api/`, an empty one elsewhere.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    if uri.path().starts_with("/api/") {
        api::not_found()
    } else {
        axum::http::StatusCode::NOT_FOUND.into_response()
    }
}

/// Starts sandboxes.
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// Binds `addr` and starts serving.
    pub async fn bind(
        config: SandboxConfig,
        addr: SocketAddr,
    ) -> Result<RunningSandbox, SandboxError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| SandboxError::Bind { addr, source })?;
        Self::start(config, listener).await
    }

    /// Opens the database (migrating it, creating the signing key on first start) and serves on
    /// `listener`. The issuer is the config's, or `http://<listener address>/`.
    pub async fn start(
        config: SandboxConfig,
        listener: TcpListener,
    ) -> Result<RunningSandbox, SandboxError> {
        Self::start_with_authorization_server(config, listener, None).await
    }

    /// [`Self::start`], and also serves `https` on `tls.0` with the identity `tls.1`, over the
    /// same database: there the provider is also the authorization server of the config's
    /// `[matrix_auth]` homeserver, with the issuer `https://<that address>/`. A browser session
    /// started on either listener holds on both (one database, and cookies ignore ports).
    pub async fn start_with_authorization_server(
        config: SandboxConfig,
        listener: TcpListener,
        tls: Option<(TcpListener, tls::ServerIdentity)>,
    ) -> Result<RunningSandbox, SandboxError> {
        config.provider.validate()?;
        let addr = listener.local_addr()?;
        let issuer = config
            .provider
            .issuer
            .clone()
            .unwrap_or_else(|| format!("http://{addr}/"));
        let database = config.database.clone();
        let homeservers = Arc::new(Homeservers::from_config(&config.provider));
        let hs = homeservers.clone();
        let (store, key) = tokio::task::spawn_blocking(move || {
            let store = Store::open(&database)?;
            let key = store.signing_key()?;
            // The config may list more homeservers than last time: serve the waiting first.
            store.assign_pending(&hs)?;
            Ok::<_, SandboxError>((store, key))
        })
        .await??;
        let store = Arc::new(store);
        let deletion_key: [u8; 32] = {
            use sha2::Digest as _;
            let mut hash = sha2::Sha256::new();
            hash.update(b"ems-sandbox account deletion confirmation v1\0");
            hash.update(key.secret_bytes());
            hash.finalize().into()
        };
        let csrf_key = oauth::derive_csrf_key(&key.secret_bytes());
        let origin = |issuer: &str| {
            url::Url::parse(issuer)
                .map(|u| u.origin().ascii_serialization())
                .map_err(|_| SandboxError::InvalidIssuer(issuer.to_owned()))
        };
        let api_state = api::ApiState {
            store: store.clone(),
            homeservers,
            deletion_key: Arc::new(deletion_key),
        };
        let matrix = config
            .provider
            .matrix_auth
            .clone()
            .map(oauth::matrix::MatrixAuth::new)
            .transpose()?
            .map(Arc::new);
        let provider = oauth::Provider {
            store,
            config: Arc::new(config.provider),
            key: Arc::new(key),
            origin: origin(&issuer)?.into(),
            issuer: issuer.clone().into(),
            csrf_key: Arc::new(csrf_key),
            matrix: None,
        };
        let (shutdown, stop) = watch::channel(());
        let mut tasks = Vec::new();
        let mut authorization_server = None;
        if let Some((https, identity)) = tls {
            let https_addr = https.local_addr()?;
            let as_issuer = format!("https://{https_addr}/");
            let as_provider = oauth::Provider {
                origin: origin(&as_issuer)?.into(),
                issuer: as_issuer.clone().into(),
                matrix,
                ..provider.clone()
            };
            let app = oauth::router(as_provider)
                .merge(api::router(api_state.clone()))
                .fallback(not_found);
            let listener = tls::TlsListener::new(https, identity.server_config()?);
            tasks.push(serve_https(listener, app, stop.clone()));
            log::info!("EMS sandbox serving the authorization server {as_issuer}");
            authorization_server = Some(as_issuer);
        }
        let app = oauth::router(provider)
            .merge(api::router(api_state))
            .fallback(not_found);
        let mut stop = stop;
        tasks.push(tokio::spawn(async move {
            // The peer address feeds the sign-in throttle.
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                // A dropped sender stops the server as well as an explicit shutdown.
                let _ = stop.changed().await;
            })
            .await
        }));
        log::info!("EMS sandbox serving issuer {issuer}");
        Ok(RunningSandbox {
            issuer,
            addr,
            authorization_server,
            shutdown: Some(shutdown),
            tasks,
        })
    }
}

/// Serves `app` on the TLS listener until `stop` changes or its sender is dropped.
fn serve_https(
    listener: tls::TlsListener,
    app: axum::Router,
    mut stop: watch::Receiver<()>,
) -> JoinHandle<std::io::Result<()>> {
    use axum::serve::ListenerExt as _;
    tokio::spawn(async move {
        // `tap_io` gives the listener the peer-address `ConnectInfo` the throttle needs.
        axum::serve(
            listener.tap_io(|_| {}),
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stop.changed().await;
        })
        .await
    })
}

/// A sandbox serving in the background; dropping it stops the server.
#[derive(Debug)]
pub struct RunningSandbox {
    issuer: String,
    addr: SocketAddr,
    authorization_server: Option<String>,
    shutdown: Option<watch::Sender<()>>,
    tasks: Vec<JoinHandle<std::io::Result<()>>>,
}

impl RunningSandbox {
    /// The issuer and base URL, `http://127.0.0.1:PORT/` (with the trailing slash, exactly as
    /// discovery and ID tokens say it).
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The authorization server's issuer, `https://127.0.0.1:PORT/`, when it was started.
    #[must_use]
    pub fn authorization_server(&self) -> Option<&str> {
        self.authorization_server.as_deref()
    }

    /// The absolute URL of `path` (given without a leading `/`), e.g. `oauth2/token`.
    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.issuer, path.trim_start_matches('/'))
    }

    /// The address the server listens on.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections, lets open requests finish, and waits until the server has
    /// stopped (so the database can be reopened by another sandbox).
    pub async fn shutdown(mut self) -> Result<(), SandboxError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.join().await
    }

    /// Serves until the server stops on its own (a socket error).
    pub async fn wait(mut self) -> Result<(), SandboxError> {
        self.join().await
    }

    async fn join(&mut self) -> Result<(), SandboxError> {
        for task in std::mem::take(&mut self.tasks) {
            task.await??;
        }
        Ok(())
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
