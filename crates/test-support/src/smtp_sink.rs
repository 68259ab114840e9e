//! A tiny SMTP server on 127.0.0.1 that accepts every message and keeps it for the test to read:
//! enough of RFC 5321 for Synapse's mailer (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no
//! TLS, no auth). Stops when dropped.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;

/// One message as received.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The message as sent after `DATA` (headers and body), dot-stuffing undone.
    pub data: String,
}

impl Mail {
    /// The message's text with every base64 or quoted-printable part decoded.
    #[must_use]
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mut lines = self.data.lines().peekable();
        let mut encoding: Option<String> = None;
        while let Some(line) = lines.next() {
            let lower = line.to_ascii_lowercase();
            if let Some(value) = lower.strip_prefix("content-transfer-encoding:") {
                encoding = Some(value.trim().to_owned());
                continue;
            }
            // A blank line ends a part's headers: its body runs to the next boundary.
            if line.is_empty() {
                if let Some(kind) = encoding.take() {
                    let mut body = Vec::new();
                    while let Some(next) = lines.peek() {
                        if next.starts_with("--") {
                            break;
                        }
                        body.push(lines.next().unwrap_or_default());
                    }
                    out.push_str(&decode(&kind, &body));
                    out.push('\n');
                    continue;
                }
            }
            out.push_str(line);
            out.push('\n');
        }
        out
    }

    /// The first link in the message whose text contains `needle` (`&amp;` undone).
    #[must_use]
    pub fn link_containing(&self, needle: &str) -> Option<String> {
        let text = self.text();
        text.match_indices("http")
            .map(|(start, _)| {
                text[start..]
                    .split(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
                    .next()
                    .unwrap_or_default()
                    .replace("&amp;", "&")
            })
            .find(|link| link.contains(needle))
    }
}

fn decode(kind: &str, body: &[&str]) -> String {
    match kind {
        "base64" => {
            let joined: String = body.iter().map(|l| l.trim()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(joined)
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_default()
        }
        "quoted-printable" => {
            let mut out = String::new();
            for line in body {
                let (line, soft) = match line.strip_suffix('=') {
                    Some(rest) => (rest, true),
                    None => (*line, false),
                };
                let mut chars = line.chars();
                while let Some(c) = chars.next() {
                    if c == '=' {
                        let hex: String = chars.by_ref().take(2).collect();
                        if let Ok(byte) = u8::from_str_radix(&hex, 16) {
                            out.push(char::from(byte));
                        }
                    } else {
                        out.push(c);
                    }
                }
                if !soft {
                    out.push('\n');
                }
            }
            out
        }
        _ => body.join("\n"),
    }
}

/// A running SMTP sink.
pub struct SmtpSink {
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
    stop: Arc<AtomicBool>,
}

impl SmtpSink {
    /// Starts listening on a free port of 127.0.0.1.
    #[must_use]
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the SMTP sink");
        let port = listener.local_addr().expect("sink address").port();
        listener
            .set_nonblocking(true)
            .expect("non-blocking SMTP listener");
        let mails = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (kept, stopping) = (Arc::clone(&mails), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let kept = Arc::clone(&kept);
                        std::thread::spawn(move || {
                            let _ = serve(stream, &kept);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Self { port, mails, stop }
    }

    /// Every message received so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Waits (up to `timeout`) for a message to `address`.
    #[must_use]
    pub fn wait_for(&self, address: &str, timeout: Duration) -> Mail {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(mail) = self
                .mails()
                .into_iter()
                .find(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            {
                return mail;
            }
            assert!(
                Instant::now() < deadline,
                "no mail to {address} within {timeout:?}; received: {:?}",
                self.mails()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(stream: TcpStream, mails: &Mutex<Vec<Mail>>) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    writer.write_all(b"220 smtp-sink ESMTP\r\n")?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        if command.starts_with("EHLO") {
            writer.write_all(b"250-smtp-sink\r\n250 8BITMIME\r\n")?;
        } else if command.starts_with("RCPT TO:") {
            let address = line.trim_end()[8..]
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned();
            to.push(address);
            writer.write_all(b"250 OK\r\n")?;
        } else if command == "DATA" {
            writer.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
            let mut data = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                let content = line.trim_end_matches(['\r', '\n']);
                if content == "." {
                    break;
                }
                data.push_str(content.strip_prefix('.').unwrap_or(content));
                data.push('\n');
            }
            mails
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(Mail {
                    to: std::mem::take(&mut to),
                    data,
                });
            writer.write_all(b"250 OK: queued\r\n")?;
        } else if command == "QUIT" {
            writer.write_all(b"221 Bye\r\n")?;
            return Ok(());
        } else if command == "RSET" {
            to.clear();
            writer.write_all(b"250 OK\r\n")?;
        } else {
            // HELO, MAIL FROM, NOOP and anything else: accepted.
            writer.write_all(b"250 OK\r\n")?;
        }
    }
}
