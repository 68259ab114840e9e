//! Opening the user's system browser for a sign-in.
//!
//! The convention that `git`, `gh` and Python's `webbrowser` follow: when `$BROWSER` is set it
//! names the browser, as a `:`-separated list of commands tried in order; a command containing
//! `%s` gets the URL in its place, otherwise the URL is appended as the last argument. When it
//! is not set, the desktop shell falls back to the platform opener (which this crate leaves to
//! the shell, since it needs the desktop runtime). Sign-in tests rely on `$BROWSER` to take the
//! URL into a browser they control.

use std::process::{Command, Stdio};

use url::Url;

/// The environment variable naming the system browser.
pub const BROWSER_ENV: &str = "BROWSER";

/// Why the browser could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BrowserError {
    /// Only web addresses are handed to a browser; anything else is refused before a command runs.
    #[error("refusing to open {scheme}: addresses in the browser; only http and https are opened")]
    NotWebAddress {
        /// The scheme that was refused.
        scheme: String,
    },
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
}

/// The browser commands configured through `$BROWSER`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvBrowser {
    commands: Vec<Vec<String>>,
}

impl EnvBrowser {
    /// The browser named by `$BROWSER`, or `None` when it is unset (the shell then uses the opener).
    #[must_use]
    pub fn from_env() -> Option<Self> {
        std::env::var_os(BROWSER_ENV).map(|value| Self::parse(&value.to_string_lossy()))
    }

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
        check_web_address(url)?;
        let mut last_error = None;
        for words in &self.commands {
            let (program, args) = words.split_first().ok_or(BrowserError::EmptyCommand)?;
            let mut args: Vec<String> =
                args.iter().map(|a| a.replace("%s", url.as_str())).collect();
            if !words.iter().any(|w| w.contains("%s")) {
                args.push(url.as_str().to_owned());
            }
            match Command::new(program)
                .args(&args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
            {
                Ok(mut child) => {
                    // Reap the child whenever it exits so that no zombie outlives it.
                    std::thread::spawn(move || child.wait());
                    return Ok(());
                }
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

/// Refuses anything that is not an `http` or `https` address.
pub fn check_web_address(url: &Url) -> Result<(), BrowserError> {
    match url.scheme() {
        "http" | "https" => Ok(()),
        other => Err(BrowserError::NotWebAddress {
            scheme: other.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            matches!(browser.open(&url), Err(BrowserError::NotWebAddress { .. })),
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
        let out = dir.path().join("url.txt");
        let script = dir.path().join("browser.sh");
        std::fs::write(
            &script,
            format!("#!/bin/sh\nprintf '%s' \"$1\" > {}\n", out.display()),
        )
        .expect("write script");
        let status = Command::new("chmod").arg("+x").arg(&script).status();
        assert!(status.is_ok_and(|s| s.success()));

        let url = Url::parse("http://127.0.0.1:9/ems?state=abc").expect("valid url");
        EnvBrowser::parse(&script.display().to_string())
            .open(&url)
            .expect("the script starts");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !out.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let seen = std::fs::read_to_string(&out).expect("the browser command ran");
        assert_eq!(
            seen,
            url.as_str(),
            "the command gets the exact URL as its argument"
        );
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
}
