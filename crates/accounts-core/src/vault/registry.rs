//! The account registry: the non-secret facts of every account, in `accounts.json`.
//!
//! The file is versioned and written atomically (a temp file in the same folder, fsync, rename,
//! fsync of the folder), so a crash leaves either the old or the new file, never half of one. A
//! file that cannot be parsed is moved aside with a timestamp and reported, never overwritten; a
//! file from a newer format is left alone and the registry is read-only for the run. Secrets are
//! never in here: they live in the keyring under the account's id.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::error::RegistryError;
use crate::files::write_atomic;
use crate::ErrorCode;

/// The registry's file name in the app's data directory.
pub const REGISTRY_FILE: &str = "accounts.json";
/// The newest format this build reads and the one it writes.
pub const REGISTRY_VERSION: u32 = 1;

/// Which kind of account a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// An EMS (Element Matrix Services) account.
    Ems,
    /// A Matrix account on a homeserver.
    Matrix,
}

/// The non-secret facts of one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AccountRecord {
    /// The app's id for the account; its keyring entries are named after it.
    pub id: String,
    /// EMS or Matrix.
    pub kind: AccountKind,
    /// The EMS issuer URL or the homeserver URL every request of this account goes to.
    pub server: String,
    /// The EMS subject or the Matrix user ID.
    pub user_id: String,
    /// A name to show, when known.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The account's email, when known (EMS accounts).
    #[serde(default)]
    pub email: Option<String>,
    /// The EMS subscription this Matrix account was opened from, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub subscription: Option<SubscriptionLink>,
}

/// A Matrix account's EMS subscription: the hosted homeserver or Element One that pays for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SubscriptionLink {
    /// The app's id of the EMS account that holds the subscription.
    pub ems_account: String,
    /// The subscription's id at the EMS server.
    pub subscription_id: String,
}

#[derive(Serialize, Deserialize)]
struct RegistryFile {
    version: u32,
    accounts: Vec<AccountRecord>,
}

/// Something the user should be told about the registry at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryNotice {
    /// The file could not be parsed; it was moved to `moved_to` and the app starts empty.
    MovedAside {
        /// Where the unreadable file now is.
        moved_to: PathBuf,
        /// Why it could not be read.
        reason: String,
    },
    /// The file is from a newer version; it is untouched and the registry is read-only.
    NewerVersion {
        /// The version found in the file.
        found: u32,
    },
}

impl RegistryNotice {
    /// The code the UI branches on.
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::MovedAside { .. } => ErrorCode::RegistryMovedAside,
            Self::NewerVersion { .. } => ErrorCode::RegistryNewerVersion,
        }
    }

    /// A message for people.
    #[must_use]
    pub fn message(&self, path: &Path) -> String {
        match self {
            Self::MovedAside { moved_to, reason } => format!(
                "The account list {} could not be read ({reason}). It was kept as {} and the app \
                 started with an empty list; your secrets are still in the keyring.",
                path.display(),
                moved_to.display()
            ),
            Self::NewerVersion { found } => RegistryError::NewerVersion {
                path: path.to_owned(),
                found: *found,
                supported: REGISTRY_VERSION,
            }
            .to_string(),
        }
    }
}

/// The accounts on this computer, as kept in `accounts.json`.
#[derive(Debug)]
pub struct AccountRegistry {
    path: PathBuf,
    accounts: Vec<AccountRecord>,
    notice: Option<RegistryNotice>,
}

impl AccountRegistry {
    /// Opens (or starts) the registry in `dir`, creating the folder if needed.
    pub fn open(dir: &Path) -> Result<Self, RegistryError> {
        let path = dir.join(REGISTRY_FILE);
        crate::files::private_dir(dir).map_err(|source| RegistryError::Io {
            action: "create the folder of",
            path: path.clone(),
            source,
        })?;
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Self {
                    path,
                    accounts: Vec::new(),
                    notice: None,
                })
            }
            Err(source) => {
                return Err(RegistryError::Io {
                    action: "read",
                    path,
                    source,
                })
            }
        };
        match parse(&bytes) {
            Ok(file) if file.version > REGISTRY_VERSION => Ok(Self {
                path,
                accounts: Vec::new(),
                notice: Some(RegistryNotice::NewerVersion {
                    found: file.version,
                }),
            }),
            Ok(file) => Ok(Self {
                path,
                accounts: file.accounts,
                notice: None,
            }),
            Err(reason) => {
                let moved_to = aside_path(&path);
                fs::rename(&path, &moved_to).map_err(|source| RegistryError::Io {
                    action: "move aside",
                    path: path.clone(),
                    source,
                })?;
                log::warn!(
                    "unreadable account registry moved to {}",
                    moved_to.display()
                );
                Ok(Self {
                    path,
                    accounts: Vec::new(),
                    notice: Some(RegistryNotice::MovedAside { moved_to, reason }),
                })
            }
        }
    }

    /// The registry file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every registered account.
    #[must_use]
    pub fn accounts(&self) -> &[AccountRecord] {
        &self.accounts
    }

    /// The account with `id`.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&AccountRecord> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// What to tell the user about the registry, if anything.
    #[must_use]
    pub fn notice(&self) -> Option<&RegistryNotice> {
        self.notice.as_ref()
    }

    /// Adds `record`, or replaces the one with its id, and saves.
    pub fn upsert(&mut self, record: AccountRecord) -> Result<(), RegistryError> {
        let mut next = self.accounts.clone();
        match next.iter_mut().find(|a| a.id == record.id) {
            Some(existing) => *existing = record,
            None => next.push(record),
        }
        self.save(next)
    }

    /// Records that the Matrix account `id` was opened from `link`'s subscription, and saves.
    pub fn link_subscription(
        &mut self,
        id: &str,
        link: SubscriptionLink,
    ) -> Result<(), RegistryError> {
        let mut record = self
            .get(id)
            .cloned()
            .ok_or_else(|| RegistryError::UnknownAccount(id.to_owned()))?;
        record.subscription = Some(link);
        self.upsert(record)
    }

    /// Removes the account with `id` and saves; removing a missing id is an error.
    pub fn remove(&mut self, id: &str) -> Result<AccountRecord, RegistryError> {
        let mut next = self.accounts.clone();
        let index = next
            .iter()
            .position(|a| a.id == id)
            .ok_or_else(|| RegistryError::UnknownAccount(id.to_owned()))?;
        let removed = next.remove(index);
        self.save(next)?;
        Ok(removed)
    }

    /// Writes `accounts` atomically, then makes them current; on failure nothing changes.
    fn save(&mut self, accounts: Vec<AccountRecord>) -> Result<(), RegistryError> {
        self.save_with(accounts, || Ok(()))
    }

    fn save_with(
        &mut self,
        accounts: Vec<AccountRecord>,
        before_rename: impl FnOnce() -> io::Result<()>,
    ) -> Result<(), RegistryError> {
        if matches!(self.notice, Some(RegistryNotice::NewerVersion { .. })) {
            return Err(RegistryError::ReadOnly {
                path: self.path.clone(),
            });
        }
        let file = RegistryFile {
            version: REGISTRY_VERSION,
            accounts,
        };
        let mut bytes = serde_json::to_vec_pretty(&file).map_err(|e| RegistryError::Io {
            action: "encode",
            path: self.path.clone(),
            source: io::Error::other(e),
        })?;
        bytes.push(b'\n');
        write_atomic(&self.path, &bytes, before_rename).map_err(|source| RegistryError::Io {
            action: "write",
            path: self.path.clone(),
            source,
        })?;
        self.accounts = file.accounts;
        Ok(())
    }
}

fn parse(bytes: &[u8]) -> Result<RegistryFile, String> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    let version = value
        .get("version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| "no format version".to_owned())?;
    let version =
        u32::try_from(version).map_err(|_| format!("format version {version} is out of range"))?;
    if version > REGISTRY_VERSION {
        // Newer: do not try to read the rest; the caller leaves the file alone.
        return Ok(RegistryFile {
            version,
            accounts: Vec::new(),
        });
    }
    serde_json::from_value(value).map_err(|e| format!("unexpected content: {e}"))
}

/// `accounts.json.corrupt-20261126T075500Z` (with a counter if that exists already).
fn aside_path(path: &Path) -> PathBuf {
    let now = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let mut candidate = path.with_file_name(format!("{REGISTRY_FILE}.corrupt-{stamp}"));
    let mut n = 1;
    while candidate.exists() {
        candidate = path.with_file_name(format!("{REGISTRY_FILE}.corrupt-{stamp}-{n}"));
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    // Exhaustive on purpose: a new notice fails to compile here until it is named and listed in
    // `every_notice_has_a_pinned_code_and_a_message`.
    fn notice_variant(notice: &RegistryNotice) -> &'static str {
        match notice {
            RegistryNotice::MovedAside { .. } => "MovedAside",
            RegistryNotice::NewerVersion { .. } => "NewerVersion",
        }
    }

    #[test]
    fn every_notice_has_a_pinned_code_and_a_message() {
        let examples = [
            (
                RegistryNotice::MovedAside {
                    moved_to: "/data/accounts.json.unreadable".into(),
                    reason: "expected value at line 1".into(),
                },
                "registry_moved_aside",
            ),
            (
                RegistryNotice::NewerVersion { found: 9 },
                "registry_newer_version",
            ),
        ];
        for (notice, pinned) in &examples {
            let name = notice_variant(notice);
            assert_eq!(
                serde_json::to_value(notice.code()).expect("a code serialises"),
                serde_json::json!(pinned),
                "{name}: the UI branches on this code, so it must not change"
            );
            let message = notice.message(Path::new("/data/accounts.json"));
            assert!(!message.trim().is_empty(), "{name}: a message for people");
        }
    }

    fn record(id: &str) -> AccountRecord {
        AccountRecord {
            id: id.to_owned(),
            kind: AccountKind::Matrix,
            server: "http://127.0.0.1:8448".to_owned(),
            user_id: format!("@{id}:127.0.0.1:8448"),
            display_name: None,
            email: None,
            subscription: None,
        }
    }

    #[test]
    fn survives_a_reopen() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut registry = AccountRegistry::open(dir.path()).expect("open");
        registry.upsert(record("alice")).expect("save");
        registry.upsert(record("bob")).expect("save");
        registry.remove("alice").expect("remove");
        let reopened = AccountRegistry::open(dir.path()).expect("reopen");
        assert_eq!(
            reopened.accounts(),
            &[record("bob")],
            "what was saved is what is read"
        );
        assert_eq!(reopened.notice(), None);
    }

    #[test]
    fn a_subscription_link_is_kept_and_read_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut registry = AccountRegistry::open(dir.path()).expect("open");
        registry.upsert(record("alice")).expect("save");
        let link = SubscriptionLink {
            ems_account: "ems1".into(),
            subscription_id: "sub_1".into(),
        };
        registry
            .link_subscription("alice", link.clone())
            .expect("linked");
        assert!(matches!(
            registry.link_subscription("nobody", link.clone()),
            Err(RegistryError::UnknownAccount(_))
        ));
        let reopened = AccountRegistry::open(dir.path()).expect("reopen");
        assert_eq!(
            reopened.get("alice").and_then(|r| r.subscription.clone()),
            Some(link)
        );
        let plain = fs::read_to_string(registry.path()).expect("read");
        assert!(plain.contains("sub_1"), "written to the file");
    }

    #[test]
    fn a_crash_before_rename_keeps_the_old_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut registry = AccountRegistry::open(dir.path()).expect("open");
        registry.upsert(record("alice")).expect("save");
        let before = fs::read(registry.path()).expect("read");

        let crash = registry.save_with(vec![record("alice"), record("bob")], || {
            Err(io::Error::other("simulated crash before rename"))
        });
        assert!(crash.is_err(), "the simulated crash is reported");
        assert_eq!(
            fs::read(registry.path()).expect("read"),
            before,
            "the old file is intact"
        );
        assert_eq!(
            registry.accounts(),
            &[record("alice")],
            "memory matches the file"
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "no temp file is left behind");

        let reopened = AccountRegistry::open(dir.path()).expect("reopen");
        assert_eq!(reopened.accounts(), &[record("alice")]);
    }

    #[test]
    fn a_stale_temp_file_from_a_killed_process_is_ignored() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut registry = AccountRegistry::open(dir.path()).expect("open");
        registry.upsert(record("alice")).expect("save");
        fs::write(
            dir.path().join(".accounts.json.tmp-999999"),
            b"{\"version\": 1, \"acc",
        )
        .expect("write");
        let reopened = AccountRegistry::open(dir.path()).expect("reopen");
        assert_eq!(
            reopened.accounts(),
            &[record("alice")],
            "a half-written temp file never counts"
        );
    }

    #[test]
    fn a_corrupt_file_is_moved_aside_and_reported() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(REGISTRY_FILE);
        fs::write(&path, b"{ this is not json").expect("write");
        let mut registry = AccountRegistry::open(dir.path()).expect("open");
        let Some(RegistryNotice::MovedAside { moved_to, .. }) = registry.notice().cloned() else {
            panic!(
                "a corrupt file must be reported, got {:?}",
                registry.notice()
            );
        };
        assert_eq!(
            fs::read(&moved_to).expect("kept"),
            b"{ this is not json",
            "the content is kept as it was"
        );
        assert!(moved_to
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("accounts.json.corrupt-")));
        registry
            .upsert(record("alice"))
            .expect("a fresh registry works");
        assert_eq!(
            fs::read(&moved_to).expect("still kept"),
            b"{ this is not json",
            "never overwritten"
        );
    }

    #[test]
    fn a_newer_version_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join(REGISTRY_FILE);
        let newer = br#"{"version": 2, "accounts": [{"id": "x", "shape": "unknown"}]}"#;
        fs::write(&path, newer).expect("write");
        let mut registry = AccountRegistry::open(dir.path()).expect("open");
        assert_eq!(
            registry.notice(),
            Some(&RegistryNotice::NewerVersion { found: 2 })
        );
        assert!(
            matches!(
                registry.upsert(record("alice")),
                Err(RegistryError::ReadOnly { .. })
            ),
            "writing would clobber the newer file"
        );
        assert_eq!(
            fs::read(&path).expect("read"),
            newer,
            "the newer file is untouched"
        );
    }
}
