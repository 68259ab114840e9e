//! The history of credential checks (one row per submitted sign-in form) and the throttle it
//! feeds: too many failures for one account, or from one client address, within a sliding
//! window, and further attempts are refused before the password is even hashed.
//!
//! The count and the record are two statements, so a burst of parallel attempts can overshoot a
//! limit by the number in flight; the limits are for guessing at scale, where that does not
//! matter.

use rusqlite::params;

use super::Store;
use crate::SandboxError;

/// The throttle's thresholds (from the provider config).
#[derive(Debug, Clone, Copy)]
pub struct SignInLimits {
    /// Failures allowed per account (the email as typed) within the window.
    pub per_account: u32,
    /// Failures allowed per client address within the window.
    pub per_address: u32,
    /// The window, in seconds.
    pub window_secs: u32,
}

/// The result of one credential check, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckResult {
    /// The password matched.
    Success,
    /// Unknown email or wrong password.
    Failure,
    /// Refused unchecked: too many recent failures.
    Throttled,
}

impl CheckResult {
    fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Throttled => "throttled",
        }
    }
}

impl Store {
    /// Whether a sign-in for `email` from `address` may be checked at `now`; if not, in how many
    /// seconds the oldest failure that counts leaves the window.
    pub fn sign_in_wait(
        &self,
        email: &str,
        address: &str,
        limits: SignInLimits,
        now: i64,
    ) -> Result<Option<i64>, SandboxError> {
        let window = i64::from(limits.window_secs);
        let since = now - window;
        let conn = self.conn();
        // The failure whose expiry frees one attempt: the `limit`-th newest in the window.
        let blocking =
            |column: &str, value: &str, limit: u32| -> Result<Option<i64>, SandboxError> {
                let sql = format!(
                    "SELECT checked_at FROM credential_checks
                 WHERE {column} = ?1 AND result = 'failure' AND checked_at > ?2
                 ORDER BY checked_at DESC LIMIT 1 OFFSET ?3"
                );
                let mut statement = conn.prepare_cached(&sql)?;
                let mut rows = statement.query(params![value, since, limit.saturating_sub(1)])?;
                Ok(match rows.next()? {
                    Some(row) => Some(row.get::<_, i64>(0)? + window - now),
                    None => None,
                })
            };
        let account = blocking("email", email.trim(), limits.per_account)?;
        let by_address = blocking("address", address, limits.per_address)?;
        Ok(account.max(by_address).map(|wait| wait.max(1)))
    }

    /// Records one credential check.
    pub fn record_credential_check(
        &self,
        email: &str,
        address: &str,
        result: CheckResult,
        now: i64,
    ) -> Result<(), SandboxError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO credential_checks (checked_at, email, address, result) VALUES (?1, ?2, ?3, ?4)",
            params![now, email.trim(), address, result.as_str()],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_block_per_account_and_per_address_until_they_leave_the_window() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("ems.db")).expect("open");
        let limits = SignInLimits {
            per_account: 2,
            per_address: 3,
            window_secs: 100,
        };
        let wait = |email: &str, address: &str, now| {
            store
                .sign_in_wait(email, address, limits, now)
                .expect("query")
        };
        let fail = |email: &str, address: &str, now| {
            store
                .record_credential_check(email, address, CheckResult::Failure, now)
                .expect("record");
        };
        fail("a@example.org", "10.0.0.1", 1000);
        assert_eq!(
            wait("a@example.org", "10.0.0.1", 1001),
            None,
            "one failure is allowed"
        );
        fail("A@example.org", "10.0.0.2", 1010);
        assert_eq!(
            wait("a@example.org", "10.0.0.3", 1020),
            Some(80),
            "the account is blocked from any address (emails compare case-insensitively) until the first failure is 100 s old"
        );
        assert_eq!(
            wait("a@example.org", "10.0.0.3", 1100),
            None,
            "then it is free again"
        );
        fail("b@example.org", "10.0.0.1", 1030);
        fail("c@example.org", "10.0.0.1", 1040);
        assert_eq!(
            wait("d@example.org", "10.0.0.1", 1050),
            Some(50),
            "three failures from one address block it for every account"
        );
        store
            .record_credential_check("d@example.org", "10.0.0.9", CheckResult::Success, 1050)
            .expect("record");
        store
            .record_credential_check("d@example.org", "10.0.0.9", CheckResult::Throttled, 1050)
            .expect("record");
        assert_eq!(
            wait("d@example.org", "10.0.0.9", 1051),
            None,
            "only failures count"
        );
    }
}
