//! Importing a users file: the plan (every row judged before anything is created) and the run
//! (row by row, cancellable between rows, with a report that says exactly what was done).
//!
//! The plan is worked out twice: once to show, from the file and the homeserver's users; and
//! again when the run starts, from the users then, so that what someone did meanwhile (or what
//! an interrupted run created) is skipped as existing rather than failing.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use ts_rs::TS;

use super::csv_file::{UserRow, UsersFile};
use super::password::OneTimePassword;

/// What the plan will do with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PlanVerdict {
    /// The account is created.
    Create,
    /// The row is passed over, for the reason given.
    Skip,
    /// The row cannot be used, for the reason given.
    Invalid,
}

/// One row of the plan.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PlanRow {
    /// The row's line in the file.
    pub line: u32,
    /// The Matrix ID, or the `id` cell as written when it is not one.
    pub user: String,
    /// The display name, when the row has one.
    pub display_name: Option<String>,
    /// What is done with it.
    pub verdict: PlanVerdict,
    /// Why it is skipped or invalid.
    pub reason: Option<String>,
    /// Creating it takes a seat (it has no user type).
    pub takes_seat: bool,
}

/// Every row of a file judged against the homeserver's users and free seats.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ImportPlan {
    /// The rows in file order.
    pub rows: Vec<PlanRow>,
    /// Columns of the file this format does not know, ignored.
    pub unknown_columns: Vec<String>,
    /// Rows to create.
    pub to_create: u32,
    /// Seats the rows to create take (typed users, such as bots, take none).
    pub seats_needed: u32,
    /// Seats free now.
    pub free: i32,
    /// Every row to create fits in the free seats.
    pub fits: bool,
    /// How many of the rows to create, from the top, fit in the free seats.
    pub fitting: u32,
}

/// How far a run is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
pub struct ImportProgress {
    /// Rows to create that have been tried.
    pub done: u32,
    /// Rows to create in this run.
    pub total: u32,
    /// A run is under way.
    pub running: bool,
}

/// What became of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    /// The account was created.
    Created,
    /// The row was passed over (guest, deactivated, exists).
    Skipped,
    /// The row could not be used.
    Invalid,
    /// The homeserver refused the row; nothing was created for it.
    Failed,
    /// The homeserver stopped answering while this row was sent: it may or may not exist.
    /// Importing the same file again finds out, and skips it if it does.
    Unknown,
    /// The run ended (cancelled, or the homeserver gone) before this row.
    NotAttempted,
}

/// One row of the report.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ReportRow {
    /// The row's line in the file.
    pub line: u32,
    /// The Matrix ID, or the `id` cell as written.
    pub user: String,
    /// What became of it.
    pub outcome: RowOutcome,
    /// Why, when it was not created.
    pub reason: Option<String>,
}

/// A password the import generated, shown once.
#[derive(Debug, Clone, Serialize, TS)]
pub struct GeneratedPassword {
    /// Whose.
    pub user_id: String,
    /// The password.
    #[ts(type = "string")]
    pub password: OneTimePassword,
}

/// What a run did, row by row.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ImportReport {
    /// Every row of the file, in order.
    pub rows: Vec<ReportRow>,
    /// Accounts created.
    pub created: u32,
    /// Rows skipped or invalid.
    pub skipped: u32,
    /// Rows the homeserver refused.
    pub failed: u32,
    /// Rows whose outcome is unknown (the homeserver stopped answering).
    pub unknown: u32,
    /// Rows not reached.
    pub not_attempted: u32,
    /// The run was cancelled.
    pub cancelled: bool,
    /// The generated passwords, to show once.
    pub passwords: Vec<GeneratedPassword>,
}

impl ImportReport {
    /// A report with `rows`, its counts worked out.
    pub(super) fn of(
        rows: Vec<ReportRow>,
        cancelled: bool,
        passwords: Vec<GeneratedPassword>,
    ) -> Self {
        let count = |outcomes: &[RowOutcome]| {
            u32::try_from(
                rows.iter()
                    .filter(|r| outcomes.contains(&r.outcome))
                    .count(),
            )
            .unwrap_or(u32::MAX)
        };
        Self {
            created: count(&[RowOutcome::Created]),
            skipped: count(&[RowOutcome::Skipped, RowOutcome::Invalid]),
            failed: count(&[RowOutcome::Failed]),
            unknown: count(&[RowOutcome::Unknown]),
            not_attempted: count(&[RowOutcome::NotAttempted]),
            rows,
            cancelled,
            passwords,
        }
    }
}

/// Judges every row of `file`: invalid rows and duplicates within the file (the first one
/// counts), then guests and deactivated rows, then users who exist (`existing` holds every
/// Matrix ID the homeserver has, deactivated ones included). Returns the plan's rows, each
/// with the row to create when it is created.
pub(super) fn judge<'f>(
    file: &'f UsersFile,
    existing: &HashSet<String>,
) -> Vec<(PlanRow, Option<&'f UserRow>)> {
    let mut first_line: HashMap<&str, u32> = HashMap::new();
    file.rows
        .iter()
        .map(|row| {
            let (user, display_name, takes_seat) = match &row.parsed {
                Ok(user) => (
                    user.user_id.clone(),
                    Some(user.display_name.clone()),
                    user.takes_seat(),
                ),
                Err(_) => (row.id.clone(), None, false),
            };
            let verdict = |verdict, reason: Option<String>| PlanRow {
                line: row.line,
                user: user.clone(),
                display_name: display_name.clone(),
                verdict,
                reason,
                takes_seat: takes_seat && verdict == PlanVerdict::Create,
            };
            let user_row = match &row.parsed {
                Err(why) => return (verdict(PlanVerdict::Invalid, Some(why.clone())), None),
                Ok(user_row) => user_row,
            };
            if let Some(first) = first_line.get(user_row.user_id.as_str()) {
                let why = format!("the same user as line {first}");
                return (verdict(PlanVerdict::Invalid, Some(why)), None);
            }
            first_line.insert(&user_row.user_id, row.line);
            let skip = if user_row.guest {
                Some("a guest: an import creates full accounts only")
            } else if user_row.deactivated {
                Some("deactivated: an import creates active accounts only")
            } else if existing.contains(&user_row.user_id) {
                Some("exists on the homeserver")
            } else {
                None
            };
            match skip {
                Some(why) => (verdict(PlanVerdict::Skip, Some(why.to_owned())), None),
                None => (verdict(PlanVerdict::Create, None), Some(user_row)),
            }
        })
        .collect()
}

/// The plan of `judged` rows against `free` seats.
pub(super) fn plan(
    judged: &[(PlanRow, Option<&UserRow>)],
    unknown_columns: &[String],
    free: i32,
) -> ImportPlan {
    let creating: Vec<&PlanRow> = judged
        .iter()
        .map(|(row, _)| row)
        .filter(|r| r.verdict == PlanVerdict::Create)
        .collect();
    let seats_needed = creating.iter().filter(|r| r.takes_seat).count();
    let mut fitting = 0;
    let mut taken = 0;
    for row in &creating {
        taken += usize::from(row.takes_seat);
        if i64::try_from(taken).unwrap_or(i64::MAX) > i64::from(free) {
            break;
        }
        fitting += 1;
    }
    let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    ImportPlan {
        rows: judged.iter().map(|(row, _)| row.clone()).collect(),
        unknown_columns: unknown_columns.to_vec(),
        to_create: to_u32(creating.len()),
        seats_needed: to_u32(seats_needed),
        free,
        fits: fitting == creating.len(),
        fitting: to_u32(fitting),
    }
}

#[cfg(test)]
mod tests {
    use super::PlanVerdict::{Create, Invalid, Skip};
    use super::*;
    use crate::seats::csv_file::parse;

    #[test]
    fn the_plan_judges_each_row_and_counts_seats() {
        let file = parse(
            b"id,displayname,is_guest,deactivated,user_type\n\
              a,A,,,\n\
              b,B,,,\n\
              a,A again,,,\n\
              old,Old,,,\n\
              g,G,yes,,\n\
              d,D,,true,\n\
              bot,Bot,,,bot\n\
              c,C,,,\n\
              Bad,Bad,,,\n",
            "hs",
        )
        .expect("readable");
        let existing = HashSet::from(["@old:hs".to_owned()]);
        let judged = judge(&file, &existing);
        let verdicts: Vec<_> = judged
            .iter()
            .map(|(r, _)| (r.user.as_str(), r.verdict))
            .collect();
        assert_eq!(
            verdicts,
            [
                ("@a:hs", Create),
                ("@b:hs", Create),
                ("@a:hs", Invalid),
                ("@old:hs", Skip),
                ("@g:hs", Skip),
                ("@d:hs", Skip),
                ("@bot:hs", Create),
                ("@c:hs", Create),
                ("Bad", Invalid),
            ]
        );
        assert!(judged[2]
            .0
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("line 2"));
        let tight = plan(&judged, &[], 2);
        assert_eq!((tight.to_create, tight.seats_needed), (4, 3));
        assert!(!tight.fits);
        assert_eq!(
            tight.fitting, 3,
            "a, b and the bot fit in two seats; c does not"
        );
        assert!(plan(&judged, &[], 3).fits);
        assert_eq!(plan(&judged, &[], 0).fitting, 0);
    }
}
