//! How the app was launched: the servers it is pointed at and the test hooks it honours.
//!
//! The README's run command starts the local stack and points the app at it through these
//! environment variables; a desktop user normally sets none of them and configures servers in
//! the app. Nothing here is secret.

use std::path::PathBuf;

/// The EMS issuer URL the app is pointed at (the local stack passes the sandbox's).
pub const EMS_ISSUER_ENV: &str = "ELEMENT_ACCOUNTS_EMS_ISSUER";
/// The homeserver (server name or URL) the app is pointed at (the local stack passes its Synapse).
pub const HOMESERVER_ENV: &str = "ELEMENT_ACCOUNTS_HOMESERVER";
/// A file the app writes once the front end has rendered, for the run command's check mode and
/// the start-up benchmark.
pub const READY_FILE_ENV: &str = "ELEMENT_ACCOUNTS_READY_FILE";

/// The ready signal could not be written.
#[derive(Debug, thiserror::Error)]
#[error("Could not write the ready signal to {}: {source}", path.display())]
pub struct ReadySignalError {
    /// The file named by [`READY_FILE_ENV`].
    pub path: PathBuf,
    /// What the operating system said.
    #[source]
    pub source: std::io::Error,
}

impl ReadySignalError {
    /// The code the UI branches on.
    #[must_use]
    pub fn code(&self) -> crate::ErrorCode {
        crate::ErrorCode::Io
    }
}

/// Settings read once at start-up from the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LaunchSettings {
    /// The EMS server's issuer URL, when the launcher named one.
    pub ems_issuer: Option<String>,
    /// The homeserver, when the launcher named one.
    pub homeserver: Option<String>,
    /// Where to report that the UI is ready.
    pub ready_file: Option<PathBuf>,
}

impl LaunchSettings {
    /// Reads the settings from the process environment; empty values count as unset.
    #[must_use]
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Writes the ready signal, when the launcher asked for one.
    pub fn report_ready(&self) -> Result<(), ReadySignalError> {
        match &self.ready_file {
            Some(path) => std::fs::write(path, b"ready\n").map_err(|source| ReadySignalError {
                path: path.clone(),
                source,
            }),
            None => Ok(()),
        }
    }

    /// Reads the settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Self {
            ems_issuer: get(EMS_ISSUER_ENV),
            homeserver: get(HOMESERVER_ENV),
            ready_file: get(READY_FILE_ENV).map(PathBuf::from),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_count_as_unset() {
        let settings = LaunchSettings::from_lookup(|name| match name {
            EMS_ISSUER_ENV => Some("  ".to_owned()),
            HOMESERVER_ENV => Some(" http://127.0.0.1:8448 ".to_owned()),
            _ => None,
        });
        assert_eq!(
            settings.ems_issuer, None,
            "a blank issuer must not be used as a URL"
        );
        assert_eq!(
            settings.homeserver.as_deref(),
            Some("http://127.0.0.1:8448")
        );
        assert_eq!(settings.ready_file, None);
    }
}
