//! Small servers for homeserver-discovery tests: a plain HTTP server answering fixed paths (a
//! well-known on another port, a server that is not Matrix), a self-signed TLS listener, and a
//! port nothing listens on.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub use crate::free_port;
use crate::wait::blocking_wait_until;

/// A plain HTTP/1.1 server on 127.0.0.1 answering fixed paths; every other path is a 404 page.
/// It runs on its own thread until the process ends.
pub struct FixedServer {
    /// The port it listens on.
    pub port: u16,
}

impl FixedServer {
    /// Starts a server answering `routes`: (path, content type, body), all with 200.
    #[must_use]
    pub fn start(routes: Vec<(&'static str, &'static str, String)>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a fixture server");
        let port = listener.local_addr().expect("address").port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = answer(stream, &routes);
            }
        });
        Self { port }
    }

    /// The server's name as a Matrix server name, `127.0.0.1:PORT`.
    #[must_use]
    pub fn server_name(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// A well-known naming `base_url` as the homeserver.
    #[must_use]
    pub fn well_known_to(base_url: &str) -> Self {
        Self::start(vec![(
            "/.well-known/matrix/client",
            "application/json",
            serde_json::json!({ "m.homeserver": { "base_url": base_url } }).to_string(),
        )])
    }

    /// A web server that is not Matrix: an HTML page at `/`, 404 elsewhere.
    #[must_use]
    pub fn not_matrix() -> Self {
        Self::start(vec![(
            "/",
            "text/html",
            "<html><body>Just a website</body></html>".to_owned(),
        )])
    }
}

fn answer(
    stream: TcpStream,
    routes: &[(&'static str, &'static str, String)],
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .split('?')
        .next()
        .unwrap_or("/");
    let (status, content_type, body) = routes.iter().find(|(p, _, _)| *p == path).map_or(
        (
            "404 Not Found",
            "text/html",
            "<h1>Not Found</h1>".to_owned(),
        ),
        |(_, t, b)| ("200 OK", *t, b.clone()),
    );
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

/// A TLS listener with a self-signed certificate (`openssl s_server`), stopped on drop.
pub struct SelfSignedTls {
    /// The port it listens on.
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl SelfSignedTls {
    /// Makes a throw-away certificate and starts the listener.
    #[must_use]
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir for the certificate");
        let key = dir.path().join("key.pem");
        let cert = dir.path().join("cert.pem");
        let made = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
            ])
            .args(["-nodes", "-days", "1", "-subj", "/CN=localhost", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("the openssl command is installed");
        assert!(made.success(), "openssl made a self-signed certificate");
        let port = free_port();
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start openssl s_server");
        blocking_wait_until(
            || TcpStream::connect(("127.0.0.1", port)).is_ok(),
            Duration::from_secs(10),
            "the TLS listener starts",
        );
        Self {
            port,
            child,
            _dir: dir,
        }
    }
}

impl Drop for SelfSignedTls {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
