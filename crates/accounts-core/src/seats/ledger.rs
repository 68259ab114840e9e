//! The seat ledger: the seats a subscription pays for against the accounts on its homeserver.
//!
//! The counting rules live here and nowhere else, as pure functions over the user list:
//! - an **account** holds a seat when it is not deactivated, not a guest and has no user type
//!   (`bot`, `support` or any other). Locked accounts hold theirs: they can be unlocked at any
//!   time. Users an application service registered count unless they have a type, since the
//!   Admin API's list does not say who registered them.
//! - **active this month**: accounts a client was seen with in the last 30 days, EMS's billing
//!   measure ("Total Monthly Active User Seats"). Synapse's client-IP log does not track
//!   application-service users by default, so bridge puppets never appear here.
//! - **free**: seats paid minus accounts. A new account may become active at any time, so the
//!   seat check uses accounts, not active users.
//!
//! Fetching the list is `admin_api`'s; what the UI shows is the UI's.

use serde::Serialize;
use ts_rs::TS;

/// The window of "active this month": EMS bills monthly active users over 30 days.
pub const ACTIVE_WINDOW_MS: i64 = 30 * DAY_MS;
/// Not seen for this long (or never): the "stale" filter.
pub const STALE_AFTER_MS: i64 = 90 * DAY_MS;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// One user of the homeserver, as the Admin API lists it, with the ledger's verdicts.
// One bool per flag of the Admin API and per verdict: each is shown and filtered on.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SeatUser {
    /// The full Matrix ID.
    pub user_id: String,
    /// The part between `@` and `:`.
    pub localpart: String,
    /// The display name, if set.
    pub display_name: Option<String>,
    /// A server admin.
    pub admin: bool,
    /// Deactivated.
    pub deactivated: bool,
    /// Locked (cannot sign in until unlocked).
    pub locked: bool,
    /// A guest.
    pub guest: bool,
    /// The user type (`bot`, `support`, or another), if any.
    pub user_type: Option<String>,
    /// When the account was created (Unix milliseconds).
    #[ts(type = "number | null")]
    pub created_ms: Option<i64>,
    /// When a client was last seen with it (Unix milliseconds), if ever.
    #[ts(type = "number | null")]
    pub last_seen_ms: Option<i64>,
    /// Holds a seat ("Accounts").
    pub holds_seat: bool,
    /// Seen in the last 30 days ("Active this month").
    pub active_this_month: bool,
    /// Not seen for 90 days, or never.
    pub stale: bool,
}

/// The facts of a user the rules look at, before the verdicts.
// One bool per flag of the Admin API.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Default)]
pub struct UserFacts {
    /// The full Matrix ID.
    pub user_id: String,
    /// The display name, if set.
    pub display_name: Option<String>,
    /// A server admin.
    pub admin: bool,
    /// Deactivated.
    pub deactivated: bool,
    /// Locked.
    pub locked: bool,
    /// A guest.
    pub guest: bool,
    /// The user type, if any.
    pub user_type: Option<String>,
    /// Created (Unix milliseconds).
    pub created_ms: Option<i64>,
    /// Last seen (Unix milliseconds).
    pub last_seen_ms: Option<i64>,
}

impl UserFacts {
    /// The user with the ledger's verdicts as of `now_ms`.
    #[must_use]
    pub fn judge(self, now_ms: i64) -> SeatUser {
        let holds_seat = !self.deactivated && !self.guest && self.user_type.is_none();
        let seen_within = |window: i64| self.last_seen_ms.is_some_and(|t| now_ms - t <= window);
        SeatUser {
            localpart: localpart(&self.user_id).to_owned(),
            active_this_month: holds_seat && seen_within(ACTIVE_WINDOW_MS),
            stale: !seen_within(STALE_AFTER_MS),
            holds_seat,
            user_id: self.user_id,
            display_name: self.display_name,
            admin: self.admin,
            deactivated: self.deactivated,
            locked: self.locked,
            guest: self.guest,
            user_type: self.user_type,
            created_ms: self.created_ms,
            last_seen_ms: self.last_seen_ms,
        }
    }
}

/// The localpart of a Matrix ID (`alice` of `@alice:example.org`).
#[must_use]
pub fn localpart(user_id: &str) -> &str {
    let rest = user_id.strip_prefix('@').unwrap_or(user_id);
    rest.split_once(':').map_or(rest, |(local, _)| local)
}

/// Why `localpart` cannot be a user name, in words; `None` when it can.
pub(super) fn localpart_error(localpart: &str) -> Option<String> {
    let bad = localpart.chars().find(|c| !is_localpart_char(*c))?;
    let hint = if bad.is_ascii_uppercase() {
        format!(
            " User names are lower case: try '{}'.",
            localpart.to_ascii_lowercase()
        )
    } else {
        String::new()
    };
    Some(format!(
        "A user name may hold only a–z, 0–9 and . _ = - / +, not '{bad}'.{hint}"
    ))
}

fn is_localpart_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || "._=-/+".contains(c)
}

/// Why the ledger wants attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SeatWarningKind {
    /// Every seat is taken.
    NoSeatFree,
    /// More accounts were active this month than seats are paid for.
    ActiveExceedsSeats,
}

/// A warning, with the words to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SeatWarning {
    /// What kind.
    pub kind: SeatWarningKind,
    /// What it means and what to do.
    pub message: String,
}

/// Seats paid against accounts, active this month and free.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct SeatLedger {
    /// Seats the subscription pays for (from EMS).
    pub seats_paid: u32,
    /// Accounts that hold a seat.
    pub accounts: u32,
    /// Accounts seen in the last 30 days: the billing measure.
    pub active_this_month: u32,
    /// Seats paid minus accounts; negative when over.
    pub free: i32,
    /// Whether every user was counted (`false` while the list is still loading).
    pub complete: bool,
    /// What wants attention.
    pub warnings: Vec<SeatWarning>,
}

impl SeatLedger {
    /// The ledger of `users` (judged already) against `seats_paid`.
    #[must_use]
    pub fn count(seats_paid: u32, users: &[SeatUser]) -> Self {
        Self::of(seats_paid, users, true)
    }

    /// The ledger of the users loaded so far; `complete` says whether that is all of them.
    #[must_use]
    pub fn of(seats_paid: u32, users: &[SeatUser], complete: bool) -> Self {
        let tally = |f: fn(&SeatUser) -> bool| {
            u32::try_from(users.iter().filter(|u| f(u)).count()).unwrap_or(u32::MAX)
        };
        let accounts = tally(|u| u.holds_seat);
        let active_this_month = tally(|u| u.active_this_month);
        let free = i64::from(seats_paid) - i64::from(accounts);
        let free = i32::try_from(free).unwrap_or(if free < 0 { i32::MIN } else { i32::MAX });
        let mut warnings = Vec::new();
        if complete && free <= 0 {
            warnings.push(SeatWarning {
                kind: SeatWarningKind::NoSeatFree,
                message: format!(
                    "No seat is free: {accounts} accounts hold the {seats_paid} seats paid for. \
                     Raise the seats before adding anyone, or deactivate an account."
                ),
            });
        }
        if active_this_month > seats_paid {
            warnings.push(SeatWarning {
                kind: SeatWarningKind::ActiveExceedsSeats,
                message: format!(
                    "{active_this_month} accounts were active in the last 30 days, more than \
                     the {seats_paid} seats paid for: EMS bills monthly active users, so raise \
                     the seats."
                ),
            });
        }
        Self {
            seats_paid,
            accounts,
            active_this_month,
            free,
            complete,
            warnings,
        }
    }

    /// Whether `more` accounts fit in the seats paid.
    #[must_use]
    pub fn fits(&self, more: u32) -> bool {
        i64::from(self.free) >= i64::from(more)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000_000;

    fn user(name: &str) -> UserFacts {
        UserFacts {
            user_id: format!("@{name}:example.org"),
            last_seen_ms: Some(NOW - DAY_MS),
            ..UserFacts::default()
        }
    }

    #[test]
    fn only_real_people_hold_seats_and_locked_ones_do() {
        let plain = user("plain").judge(NOW);
        assert!(plain.holds_seat && plain.active_this_month, "{plain:?}");
        let locked = UserFacts {
            locked: true,
            ..user("locked")
        }
        .judge(NOW);
        assert!(
            locked.holds_seat,
            "a locked account can be unlocked: it keeps its seat"
        );
        for (facts, why) in [
            (
                UserFacts {
                    deactivated: true,
                    ..user("gone")
                },
                "deactivated",
            ),
            (
                UserFacts {
                    guest: true,
                    ..user("guest")
                },
                "a guest",
            ),
            (
                UserFacts {
                    user_type: Some("bot".into()),
                    ..user("bot")
                },
                "a bot",
            ),
            (
                UserFacts {
                    user_type: Some("support".into()),
                    ..user("help")
                },
                "support",
            ),
            (
                UserFacts {
                    user_type: Some("custom".into()),
                    ..user("x")
                },
                "any user type",
            ),
        ] {
            let judged = facts.judge(NOW);
            assert!(!judged.holds_seat, "{why} holds no seat");
            assert!(!judged.active_this_month, "{why} is not billed as active");
        }
    }

    #[test]
    fn active_means_seen_in_the_last_30_days() {
        let at = |days: i64| UserFacts {
            last_seen_ms: Some(NOW - days * DAY_MS),
            ..user("a")
        };
        assert!(
            at(30).judge(NOW).active_this_month,
            "30 days ago is still this month"
        );
        let old = at(31).judge(NOW);
        assert!(
            old.holds_seat && !old.active_this_month,
            "31 days: an account, not active"
        );
        let never = UserFacts {
            last_seen_ms: None,
            ..user("new")
        }
        .judge(NOW);
        assert!(never.holds_seat && !never.active_this_month && never.stale);
        assert!(
            !at(89).judge(NOW).stale && at(91).judge(NOW).stale,
            "stale after 90 days"
        );
    }

    #[test]
    fn the_ledger_counts_and_warns() {
        let users: Vec<SeatUser> = [
            user("a"),
            user("b"),
            UserFacts {
                last_seen_ms: None,
                ..user("c")
            },
            UserFacts {
                deactivated: true,
                ..user("d")
            },
        ]
        .into_iter()
        .map(|f| f.judge(NOW))
        .collect();
        let roomy = SeatLedger::count(5, &users);
        assert_eq!(
            (roomy.accounts, roomy.active_this_month, roomy.free),
            (3, 2, 2)
        );
        assert!(roomy.warnings.is_empty() && roomy.fits(2) && !roomy.fits(3));
        let full = SeatLedger::count(3, &users);
        assert_eq!(full.free, 0);
        assert_eq!(full.warnings.len(), 1, "{:?}", full.warnings);
        assert_eq!(full.warnings[0].kind, SeatWarningKind::NoSeatFree);
        let over = SeatLedger::count(1, &users);
        assert_eq!(over.free, -2, "over the seats shows how far");
        let kinds: Vec<_> = over.warnings.iter().map(|w| w.kind).collect();
        assert_eq!(
            kinds,
            [
                SeatWarningKind::NoSeatFree,
                SeatWarningKind::ActiveExceedsSeats
            ]
        );
        let partial = SeatLedger::of(3, &users, false);
        assert!(
            partial.warnings.is_empty(),
            "no 'no seat free' before everyone is counted"
        );
    }

    #[test]
    fn localparts() {
        assert_eq!(localpart("@alice:example.org"), "alice");
        assert_eq!(localpart("@bob:127.0.0.1:8008"), "bob");
    }
}
