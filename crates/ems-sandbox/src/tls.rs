//! TLS for the authorization-server listener: a certificate authority made for the purpose
//! (rcgen), the server certificate it signs for 127.0.0.1, and an axum [`Listener`] that
//! completes each TLS handshake in its own task.
//!
//! ```no_run
//! # async fn example() -> Result<(), ems_sandbox::SandboxError> {
//! use ems_sandbox::tls::LocalCa;
//! let ca = LocalCa::generate()?;
//! let identity = ca.server_identity()?;
//! std::fs::write("ca.pem", ca.certificate_pem())?; // what clients are told to trust
//! # let _ = identity;
//! # Ok(())
//! # }
//! ```
//!
//! Clients are given the CA's certificate (never told to skip verification): Synapse through
//! `SSL_CERT_FILE`, the app through `ELEMENT_ACCOUNTS_EXTRA_CA_FILE`, tests through their HTTP
//! client's root store. The CA's key is dropped once the server certificate is signed.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::Listener;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::SandboxError;

/// How long a client may take over its TLS handshake before the connection is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A certificate authority generated for a local stack or a test.
pub struct LocalCa {
    certificate_pem: String,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

impl std::fmt::Debug for LocalCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCa").finish_non_exhaustive()
    }
}

/// A server's certificate chain and private key, in PEM.
#[derive(Clone)]
pub struct ServerIdentity {
    /// The server certificate (signed by the CA).
    pub certificate_pem: String,
    /// Its private key. Never logged.
    pub key_pem: String,
}

impl std::fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerIdentity")
            .field("key_pem", &"<redacted>")
            .finish_non_exhaustive()
    }
}

fn tls_error(e: impl std::fmt::Display) -> SandboxError {
    SandboxError::Tls(e.to_string())
}

impl LocalCa {
    /// A new CA (ECDSA P-256), valid for a year from now.
    pub fn generate() -> Result<Self, SandboxError> {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(tls_error)?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "EMS sandbox local CA");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let (not_before, not_after) = validity();
        params.not_before = not_before;
        params.not_after = not_after;
        let key = rcgen::KeyPair::generate().map_err(tls_error)?;
        let certificate = params.self_signed(&key).map_err(tls_error)?;
        Ok(Self {
            certificate_pem: certificate.pem(),
            issuer: rcgen::Issuer::new(params, key),
        })
    }

    /// The CA certificate, for clients to trust.
    #[must_use]
    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    /// A server certificate for `127.0.0.1` and `::1` (the only addresses the stack listens on).
    pub fn server_identity(&self) -> Result<ServerIdentity, SandboxError> {
        let names = vec![
            IpAddr::V4(Ipv4Addr::LOCALHOST).to_string(),
            "::1".to_owned(),
        ];
        let mut params = rcgen::CertificateParams::new(names).map_err(tls_error)?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "127.0.0.1");
        params.is_ca = rcgen::IsCa::ExplicitNoCa;
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        let (not_before, not_after) = validity();
        params.not_before = not_before;
        params.not_after = not_after;
        let key = rcgen::KeyPair::generate().map_err(tls_error)?;
        let certificate = params.signed_by(&key, &self.issuer).map_err(tls_error)?;
        Ok(ServerIdentity {
            certificate_pem: certificate.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

fn validity() -> (time::OffsetDateTime, time::OffsetDateTime) {
    let now = time::OffsetDateTime::now_utc();
    // A day back tolerates a clock a little behind; a year is longer than any local run.
    (
        now - time::Duration::days(1),
        now + time::Duration::days(365),
    )
}

impl ServerIdentity {
    /// Reads `cert.pem` and `key.pem` from `dir`, or, when either is missing, makes a new CA and
    /// identity there (`ca.pem`, `cert.pem`, `key.pem`, the key owner-only). Returns the
    /// identity and the CA file's path.
    pub fn load_or_create(dir: &Path) -> Result<(Self, std::path::PathBuf), SandboxError> {
        let io = |e: std::io::Error| SandboxError::Tls(format!("{}: {e}", dir.display()));
        let (ca_path, cert_path, key_path) = (
            dir.join("ca.pem"),
            dir.join("cert.pem"),
            dir.join("key.pem"),
        );
        if !(cert_path.exists() && key_path.exists() && ca_path.exists()) {
            std::fs::create_dir_all(dir).map_err(io)?;
            let ca = LocalCa::generate()?;
            let identity = ca.server_identity()?;
            write_owner_only(&key_path, &identity.key_pem).map_err(io)?;
            std::fs::write(&cert_path, &identity.certificate_pem).map_err(io)?;
            std::fs::write(&ca_path, ca.certificate_pem()).map_err(io)?;
        }
        let identity = Self {
            certificate_pem: std::fs::read_to_string(&cert_path).map_err(io)?,
            key_pem: std::fs::read_to_string(&key_path).map_err(io)?,
        };
        Ok((identity, ca_path))
    }

    /// The rustls server configuration (HTTP/1.1 only, as the router is served).
    pub fn server_config(&self) -> Result<rustls::ServerConfig, SandboxError> {
        let chain = CertificateDer::pem_slice_iter(self.certificate_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(tls_error)?;
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes()).map_err(tls_error)?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(tls_error)?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(tls_error)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

#[cfg(unix)]
fn write_owner_only(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?
        .write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_owner_only(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// A TCP listener whose connections come out TLS-wrapped. Handshakes run in tasks of their own,
/// so a slow or silent client holds up nobody else; a failed one is dropped.
pub struct TlsListener {
    local_addr: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    acceptor: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    /// Serves TLS with `config` on `listener`.
    #[must_use]
    pub fn new(listener: TcpListener, config: rustls::ServerConfig) -> Self {
        let local_addr = listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from((Ipv4Addr::LOCALHOST, 0)));
        let tls = TlsAcceptor::from(Arc::new(config));
        let (tx, ready) = mpsc::channel(64);
        let acceptor = tokio::spawn(async move {
            loop {
                let (tcp, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors and the like: wait instead of spinning.
                        log::warn!("accepting a connection failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let (tls, tx) = (tls.clone(), tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            let _ = tx.send((stream, peer)).await;
                        }
                        Ok(Err(e)) => log::info!("a TLS handshake from {peer} failed: {e}"),
                        Err(_) => log::info!("a TLS handshake from {peer} timed out"),
                    }
                });
            }
        });
        Self {
            local_addr,
            ready,
            acceptor,
        }
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The acceptor task only ends when aborted, with the listener: nothing more comes.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}
