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

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{ClientConfig, ElementOneConfig, HomeserverConfig, ProviderConfig};
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
        let origin = url::Url::parse(&issuer)
            .map(|u| u.origin().ascii_serialization())
            .map_err(|_| SandboxError::InvalidIssuer(issuer.clone()))?;
        let api_state = api::ApiState {
            store: store.clone(),
            homeservers,
            deletion_key: Arc::new(deletion_key),
        };
        let provider = oauth::Provider {
            store,
            config: Arc::new(config.provider),
            key: Arc::new(key),
            issuer: issuer.clone().into(),
            origin: origin.into(),
            csrf_key: Arc::new(csrf_key),
        };
        let (shutdown, stop) = oneshot::channel::<()>();
        let app = oauth::router(provider)
            .merge(api::router(api_state))
            .fallback(not_found);
        let task = tokio::spawn(async move {
            // The peer address feeds the sign-in throttle.
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                // A dropped sender stops the server as well as an explicit shutdown.
                let _ = stop.await;
            })
            .await
        });
        log::info!("EMS sandbox serving issuer {issuer}");
        Ok(RunningSandbox {
            issuer,
            addr,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }
}

/// A sandbox serving in the background; dropping it stops the server.
#[derive(Debug)]
pub struct RunningSandbox {
    issuer: String,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningSandbox {
    /// The issuer and base URL, `http://127.0.0.1:PORT/` (with the trailing slash, exactly as
    /// discovery and ID tokens say it).
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
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
        match self.task.take() {
            Some(task) => Ok(task.await??),
            None => Ok(()),
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
