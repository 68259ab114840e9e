//! Facts no API sets, written straight into a test Synapse's SQLite database. Test fixtures
//! only.
//!
//! The database is [`Synapse::database_path`](crate::synapse::Synapse::database_path).

use std::path::Path;
use std::time::Duration;

/// The access token of the `user_ips` row this fixture inserts for a user who never made a
/// request (the table's key is user, token and IP).
pub const FIXTURE_TOKEN: &str = "set-last-seen-test-fixture";

/// Makes `user_id` last seen at `ts_ms` (milliseconds since the epoch), as the Admin API's user
/// list reports it.
///
/// The list's `last_seen_ts` is `COALESCE(MAX(devices.last_seen), MAX(user_ips.last_seen))` per
/// user (`get_users_paginate` in `synapse/storage/databases/main/__init__.py`, Synapse
/// 1.163.2), and it is read from the database on each call, without a cache. So this writes both:
/// every `user_ips` row of the user (one is inserted when there is none) and every device that
/// has a `last_seen`. Writing `user_ips` alone does not change the list for a user who signed in
/// with a device.
///
/// Synapse queues client IPs in memory and flushes them every 5 seconds, and it does not record
/// the same (user, token, IP) again within 2 minutes. Call this for a user who made no request,
/// or after `Admin::wait_for_last_seen` saw the user's last request land, and make no request
/// as the user afterwards: a queued or later request would overwrite the value.
pub fn set_last_seen(database: &Path, user_id: &str, ts_ms: i64) {
    let conn = rusqlite::Connection::open(database)
        .unwrap_or_else(|e| panic!("open Synapse's database {}: {e}", database.display()));
    // Synapse holds the database open (WAL mode) and may be writing.
    conn.busy_timeout(Duration::from_secs(10))
        .expect("set a busy timeout");
    let updated = conn
        .execute(
            "UPDATE user_ips SET last_seen = ?1 WHERE user_id = ?2",
            rusqlite::params![ts_ms, user_id],
        )
        .expect("update user_ips");
    if updated == 0 {
        conn.execute(
            "INSERT INTO user_ips (user_id, access_token, device_id, ip, user_agent, last_seen) \
             VALUES (?1, ?2, NULL, '127.0.0.1', 'set_last_seen test fixture', ?3)",
            rusqlite::params![user_id, FIXTURE_TOKEN, ts_ms],
        )
        .expect("insert into user_ips");
    }
    conn.execute(
        "UPDATE devices SET last_seen = ?1 WHERE user_id = ?2 AND last_seen IS NOT NULL",
        rusqlite::params![ts_ms, user_id],
    )
    .expect("update devices");
}
