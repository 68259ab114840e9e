//! The audit log: every admin action, from the pane, the command line or an import's rows, as
//! one JSON line in the app's data folder.
//!
//! An entry says when, which admin account, which homeserver, the action, its target and the
//! result, in words that never hold a token or a password (errors are [`SeatsError`]'s, which
//! carry none; a registration token is named only as "a registration token"). Each entry is one
//! `write` on a file opened for appending, then fsync: the app and the command line may append
//! at the same time, and a line is never split.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::admin_api::now_ms;
use super::SeatsError;

/// The audit log's file name in the app's data folder.
pub const AUDIT_FILE: &str = "seats-audit.jsonl";

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AuditResult {
    /// It was done.
    Ok,
    /// It was refused or failed; nothing was changed.
    Failed,
    /// The homeserver stopped answering while it was under way: it may or may not be done.
    Unknown,
}

/// One admin action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AuditEntry {
    /// When (Unix milliseconds).
    #[ts(type = "number")]
    pub at_ms: i64,
    /// Where it was taken: `app`, `cli`.
    pub source: String,
    /// The admin's Matrix ID.
    pub admin: String,
    /// The homeserver's server name.
    pub homeserver: String,
    /// What was done (`add_user`, `deactivate`, `import_row`…).
    pub action: String,
    /// Whom or what it was done to: a Matrix ID, or a description.
    pub target: String,
    /// How it ended.
    pub result: AuditResult,
    /// Why it failed, in words, if it did.
    pub detail: Option<String>,
}

/// The log file, and where its entries come from.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
    source: String,
}

/// Who acted where: the admin and the homeserver of a desk.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    /// The admin's Matrix ID.
    pub admin: &'a str,
    /// The homeserver's server name.
    pub homeserver: &'a str,
}

impl AuditLog {
    /// The log at `path` (in the app's data folder), its entries marked as from `source`.
    #[must_use]
    pub fn new(path: PathBuf, source: &str) -> Self {
        Self {
            path,
            source: source.to_owned(),
        }
    }

    /// The log in the data folder `data_dir`.
    #[must_use]
    pub fn in_data_dir(data_dir: &Path, source: &str) -> Self {
        Self::new(data_dir.join(AUDIT_FILE), source)
    }

    /// Appends what `actor` did to `target`, and how it ended. A log that cannot be written is
    /// reported in the app's log: the action itself is done and stays done.
    pub fn record<T>(
        &self,
        actor: Actor<'_>,
        action: &str,
        target: &str,
        outcome: &Result<T, SeatsError>,
    ) {
        let (result, detail) = match outcome {
            Ok(_) => (AuditResult::Ok, None),
            Err(error) => (AuditResult::Failed, Some(error.to_string())),
        };
        self.record_result(actor, action, target, result, detail);
    }

    /// Appends what `actor` did to `target`: `result`, and `detail` in words.
    pub fn record_result(
        &self,
        actor: Actor<'_>,
        action: &str,
        target: &str,
        result: AuditResult,
        detail: Option<String>,
    ) {
        self.append(&AuditEntry {
            at_ms: now_ms(),
            source: self.source.clone(),
            admin: actor.admin.to_owned(),
            homeserver: actor.homeserver.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            result,
            detail,
        });
    }

    /// Appends `entry` as one line, with fsync.
    pub fn append(&self, entry: &AuditEntry) {
        if let Err(error) = self.try_append(entry) {
            log::error!(
                "seats: could not write the audit log {}: {error}",
                self.path.display()
            );
        }
    }

    fn try_append(&self, entry: &AuditEntry) -> io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(io::Error::other)?;
        line.push(b'\n');
        let mut file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&self.path)?;
        file.write_all(&line)?;
        file.sync_data()
    }

    /// The entries, newest first; only those whose target contains `target` when given. Lines
    /// that cannot be read (a crash mid-write) are passed over.
    pub fn entries(&self, target: Option<&str>) -> io::Result<Vec<AuditEntry>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let wanted = target.map(str::trim).filter(|t| !t.is_empty());
        let mut entries: Vec<AuditEntry> = text
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .filter(|e: &AuditEntry| wanted.is_none_or(|t| e.target.contains(t)))
            .collect();
        entries.reverse();
        Ok(entries)
    }

    /// The file, for exporting it.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn entries_append_privately_and_read_newest_first() {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = AuditLog::in_data_dir(dir.path(), "app");
        let actor = Actor {
            admin: "@admin:example.org",
            homeserver: "example.org",
        };
        log.record(
            actor,
            "add_user",
            "@a:example.org",
            &Ok::<(), SeatsError>(()),
        );
        log.record::<()>(
            actor,
            "deactivate",
            "@b:example.org",
            &Err(SeatsError::UnknownUser {
                user_id: "@b:example.org".into(),
            }),
        );
        let mode = std::fs::metadata(log.path())
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let all = log.entries(None).expect("read");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].action, "deactivate", "newest first");
        assert_eq!(all[0].result, AuditResult::Failed);
        assert!(all[0]
            .detail
            .as_deref()
            .unwrap_or_default()
            .contains("not a user"));
        let only_a = log.entries(Some("@a:")).expect("read");
        assert_eq!(only_a.len(), 1);
        assert_eq!(only_a[0].source, "app");
    }
}
