//! Opening the user's system browser: the one opener every browser flow and every link uses.
//!
//! [`Opener::hand_off`] first checks the address against the transport rule
//! ([`crate::transport::check`]: `https`, or `http` on this computer only), so a server cannot
//! make the desktop open `file:`, `smb:` or any other registered scheme handler through a
//! discovery document, a fallback URL or a link. It then starts the browser:
//!
//! - when `$BROWSER` is set it names the browser, as a `:`-separated list of commands tried in
//!   order (the convention `git`, `gh` and Python's `webbrowser` follow); a command containing
//!   `%s` gets the URL in its place, otherwise the URL is appended as the last argument. Sign-in
//!   tests rely on it to take the URL into a browser they control;
//! - otherwise the desktop's `xdg-open`, found on `PATH` and started by this crate, so that the
//!   whole path can be tested without a desktop runtime;
//! - when neither can be started, the address comes back to be shown and copied.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Serialize;
use ts_rs::TS;
use url::Url;

use crate::transport::{self, TransportError};
use crate::ErrorCode;

/// The environment variable naming the system browser.
pub const BROWSER_ENV: &str = "BROWSER";

/// The desktop's opener, looked up on `PATH` when `$BROWSER` is unset.
pub const DESKTOP_OPENER: &str = "xdg-open";

/// Why the browser could not be opened. Not `non_exhaustive`: callers may match every variant,
/// and a new one must make such a match (and [`BrowserError::code`]) fail to compile.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    /// The address breaks the transport rule; nothing was started.
    #[error("The app refused to open this address: {0}.")]
    Refused(#[from] TransportError),
    /// `$BROWSER` is set but holds no command.
    #[error("$BROWSER is set but names no command; unset it or set it to your browser's command")]
    EmptyCommand,
    /// None of the commands in `$BROWSER` could be started.
    #[error("could not start the browser named by $BROWSER ({command}): {source}. Check $BROWSER, or open the address yourself")]
    Launch {
        /// The first word of the last command tried.
        command: String,
        /// What the operating system answered.
        #[source]
        source: std::io::Error,
    },
    /// There is no `$BROWSER` and no desktop opener on this computer.
    #[error("no browser could be found: $BROWSER is not set and {DESKTOP_OPENER} is not installed. Open the address yourself")]
    NoOpener,
}

impl BrowserError {
    /// The code the UI branches on.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Refused(_) => ErrorCode::BrowserRefused,
            Self::EmptyCommand | Self::Launch { .. } | Self::NoOpener => {
                ErrorCode::BrowserUnavailable
            }
        }
    }
}

/// An address handed to the system browser, or to the user when the browser could not start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct BrowserHandoff {
    /// The address (shown for copying when the browser could not be opened). It holds no
    /// secret: a flow's `state` only lets the app's own listener accept the return.
    pub url: String,
    /// Why the browser could not be opened, if it could not.
    pub browser_error: Option<String>,
}

/// The one way the app opens addresses in the system browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opener {
    browser: Option<EnvBrowser>,
    desktop: Option<PathBuf>,
}

impl Opener {
    /// The opener of this process: `$BROWSER`, else `xdg-open` on `PATH`.
    #[must_use]
    pub fn from_env() -> Self {
        let browser = std::env::var_os(BROWSER_ENV).map(|v| v.to_string_lossy().into_owned());
        Self::new(browser.as_deref(), std::env::var_os("PATH").as_deref())
    }

    /// An opener for a given `$BROWSER` value and `PATH`, so that tests need not change the
    /// process environment.
    #[must_use]
    pub fn new(browser: Option<&str>, search_path: Option<&OsStr>) -> Self {
        Self {
            browser: browser.map(EnvBrowser::parse),
            desktop: search_path.and_then(|path| find_program(path, DESKTOP_OPENER)),
        }
    }

    /// Starts the browser at `url`; does not wait for it. Refuses any address that breaks the
    /// transport rule before anything is started.
    pub fn open(&self, url: &Url) -> Result<(), BrowserError> {
        transport::check(url)?;
        if let Some(browser) = &self.browser {
            return browser.open(url);
        }
        let desktop = self.desktop.as_ref().ok_or(BrowserError::NoOpener)?;
        spawn_detached(desktop.as_os_str(), &[OsString::from(url.as_str())]).map_err(|source| {
            BrowserError::Launch {
                command: desktop.display().to_string(),
                source,
            }
        })
    }

    /// Opens `url`, or hands it back to be shown and copied when no browser could be started.
    /// A refused address is an error: it is neither opened nor offered for copying.
    pub fn hand_off(&self, url: &Url) -> Result<BrowserHandoff, BrowserError> {
        let browser_error = match self.open(url) {
            Ok(()) => None,
            Err(error @ BrowserError::Refused(_)) => {
                log::warn!("refused to open an address: {error}");
                return Err(error);
            }
            Err(error) => {
                log::warn!("could not open the browser: {error}");
                Some(error.to_string())
            }
        };
        Ok(BrowserHandoff {
            url: url.to_string(),
            browser_error,
        })
    }

    /// Parses `raw` and opens it, for links the UI renders from server data.
    pub fn open_link(&self, raw: &str) -> Result<BrowserHandoff, BrowserError> {
        let url = Url::parse(raw.trim()).map_err(|_| {
            BrowserError::Refused(TransportError::NotWebAddress {
                url: raw.to_owned(),
                scheme: raw.split(':').next().unwrap_or_default().to_owned(),
            })
        })?;
        self.hand_off(&url)
    }
}

fn find_program(search_path: &OsStr, name: &str) -> Option<PathBuf> {
    std::env::split_paths(search_path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Starts `program` with `args`, detached from the app's standard streams, and reaps it
/// whenever it exits so that no zombie outlives it.
fn spawn_detached(program: &OsStr, args: &[OsString]) -> std::io::Result<()> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// The browser commands configured through `$BROWSER`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvBrowser {
    commands: Vec<Vec<String>>,
}

impl EnvBrowser {
    /// Parses a `$BROWSER` value: `:`-separated commands, each split on whitespace.
    #[must_use]
    pub fn parse(value: &str) -> Self {
        let commands = value
            .split(':')
            .map(|command| {
                command
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .filter(|words| !words.is_empty())
            .collect();
        Self { commands }
    }

    /// Starts the first command that can be started with `url`; does not wait for the browser.
    pub fn open(&self, url: &Url) -> Result<(), BrowserError> {
        transport::check(url)?;
        let mut last_error = None;
        for words in &self.commands {
            let (program, args) = words.split_first().ok_or(BrowserError::EmptyCommand)?;
            let mut args: Vec<OsString> = args
                .iter()
                .map(|a| OsString::from(a.replace("%s", url.as_str())))
                .collect();
            if !words.iter().any(|w| w.contains("%s")) {
                args.push(OsString::from(url.as_str()));
            }
            match spawn_detached(OsStr::new(program), &args) {
                Ok(()) => return Ok(()),
                Err(source) => {
                    last_error = Some(BrowserError::Launch {
                        command: program.clone(),
                        source,
                    });
                }
            }
        }
        Err(last_error.unwrap_or(BrowserError::EmptyCommand))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_code::assert_pinned;

    // Exhaustive on purpose: a new variant fails to compile here until it is named and listed in
    // `every_browser_error_has_a_pinned_code_and_a_message`.
    fn browser_variant(error: &BrowserError) -> &'static str {
        match error {
            BrowserError::Refused(_) => "Refused",
            BrowserError::EmptyCommand => "EmptyCommand",
            BrowserError::Launch { .. } => "Launch",
            BrowserError::NoOpener => "NoOpener",
        }
    }

    #[test]
    fn every_browser_error_has_a_pinned_code_and_a_message() {
        let examples = [
            (
                BrowserError::Refused(TransportError::PlainHttp {
                    url: "http://example.org/".into(),
                }),
                "browser_refused",
            ),
            (BrowserError::EmptyCommand, "browser_unavailable"),
            (
                BrowserError::Launch {
                    command: "firefox".into(),
                    source: std::io::Error::from(std::io::ErrorKind::NotFound),
                },
                "browser_unavailable",
            ),
            (BrowserError::NoOpener, "browser_unavailable"),
        ];
        assert_pinned(&examples, browser_variant, BrowserError::code);
    }

    #[test]
    fn parses_colon_separated_commands_with_arguments() {
        let browser = EnvBrowser::parse("firefox --new-tab:chromium %s::");
        assert_eq!(
            browser.commands,
            vec![
                vec!["firefox".to_owned(), "--new-tab".to_owned()],
                vec!["chromium".to_owned(), "%s".to_owned()],
            ],
            "empty entries are skipped and each command keeps its arguments"
        );
    }

    #[test]
    fn refuses_non_web_addresses() {
        let browser = EnvBrowser::parse("true");
        let url = Url::parse("file:///etc/passwd").expect("valid url");
        assert!(
            matches!(browser.open(&url), Err(BrowserError::Refused(_))),
            "a file: URL must never reach a browser command"
        );
    }

    #[test]
    fn empty_value_is_an_error_not_a_silent_success() {
        let url = Url::parse("http://127.0.0.1:1/").expect("valid url");
        assert!(matches!(
            EnvBrowser::parse(" : ").open(&url),
            Err(BrowserError::EmptyCommand)
        ));
    }

    #[test]
    fn hands_the_url_to_the_command() {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = recording_opener(dir.path());
        let url = Url::parse("http://127.0.0.1:9/ems?state=abc").expect("valid url");
        EnvBrowser::parse(&dir.path().join(DESKTOP_OPENER).display().to_string())
            .open(&url)
            .expect("the script starts");
        assert_opened(&log, &url, "the command gets the exact URL as its argument");
    }

    #[test]
    fn a_missing_program_is_a_launch_error() {
        let url = Url::parse("https://example.org/").expect("valid url");
        let err = EnvBrowser::parse("/nonexistent/browser-binary")
            .open(&url)
            .expect_err("nothing to start");
        assert!(
            matches!(err, BrowserError::Launch { ref command, .. } if command == "/nonexistent/browser-binary"),
            "got {err:?}"
        );
    }

    /// A recording `xdg-open` in a fresh folder (also usable as a `$BROWSER` command): it
    /// appends each address it gets to a file.
    fn recording_opener(dir: &Path) -> PathBuf {
        let log = dir.join("opened.txt");
        let script = dir.join(DESKTOP_OPENER);
        std::fs::write(
            &script,
            format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> {}\n", log.display()),
        )
        .expect("write recorder");
        let status = Command::new("chmod").arg("+x").arg(&script).status();
        assert!(status.is_ok_and(|s| s.success()));
        log
    }

    fn wait_for_file(path: &Path) -> Option<String> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::time::Instant::now() < deadline {
            if let Ok(text) = std::fs::read_to_string(path) {
                if !text.is_empty() {
                    return Some(text);
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        None
    }

    /// Checks that the recorder's `log` comes to hold `url` and nothing else (the opener runs
    /// in its own process, so this waits for it); `why` is what the check protects.
    #[track_caller]
    fn assert_opened(log: &Path, url: &Url, why: &str) {
        assert_eq!(
            wait_for_file(log).as_deref(),
            Some(format!("{url}\n").as_str()),
            "{why}"
        );
    }

    #[test]
    fn the_desktop_opener_gets_only_web_addresses() {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = recording_opener(dir.path());
        let path = std::env::join_paths([dir.path(), Path::new("/usr/bin"), Path::new("/bin")])
            .expect("a PATH");
        let opener = Opener::new(None, Some(&path));
        for refused in [
            "file:///etc/passwd",
            "smb://fileserver/share",
            "javascript:alert(document.cookie)",
            "http://ems.example.com/oauth2/authorize",
        ] {
            let url = Url::parse(refused).expect("valid url");
            let err = opener.hand_off(&url).expect_err("must be refused");
            assert!(
                matches!(err, BrowserError::Refused(_)),
                "{refused} must be refused with a typed error, got {err:?}"
            );
            assert!(
                opener.open_link(refused).is_err(),
                "{refused} must be refused as a link too"
            );
        }
        // Give a wrongly started recorder time to write before looking.
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(
            !log.exists(),
            "the desktop opener must never run for a refused address"
        );

        let allowed = Url::parse("https://ems.example.com/oauth2/authorize?state=x").expect("url");
        let handoff = opener
            .hand_off(&allowed)
            .expect("an https address is opened");
        assert_eq!(handoff.browser_error, None);
        assert_opened(
            &log,
            &allowed,
            "the allowed address reaches the desktop opener, and only it",
        );
    }

    #[test]
    fn without_any_browser_the_address_comes_back_to_be_copied() {
        let dir = tempfile::tempdir().expect("temp dir");
        let opener = Opener::new(None, Some(dir.path().as_os_str()));
        let url = Url::parse("http://127.0.0.1:9/ems?state=abc").expect("url");
        let handoff = opener.hand_off(&url).expect("not refused");
        assert_eq!(handoff.url, url.as_str());
        assert!(
            handoff
                .browser_error
                .is_some_and(|e| e.contains(DESKTOP_OPENER)),
            "the user is told why no browser opened"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_browser_value_parses_into_non_empty_commands(value in "\\PC{0,64}") {
            let browser = EnvBrowser::parse(&value);
            proptest::prop_assert!(browser.commands.iter().all(|words| !words.is_empty()
                && words.iter().all(|w| !w.is_empty() && !w.contains(':'))));
        }

        #[test]
        fn any_string_is_opened_only_if_it_is_a_web_address(raw in "\\PC{0,80}") {
            let dir = tempfile::tempdir().expect("temp dir");
            let opener = Opener::new(Some("/nonexistent/browser"), Some(dir.path().as_os_str()));
            if let Err(BrowserError::Refused(_)) = opener.open_link(&raw) {
                // Refused before anything was started.
            } else {
                let url = Url::parse(raw.trim()).expect("only a URL gets this far");
                proptest::prop_assert!(transport::check(&url).is_ok());
            }
        }
    }
}
