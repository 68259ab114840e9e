//! `element-accounts seats …`: the seat administration of the Seats pane from a shell, for
//! admins who script their onboarding. It runs without a window (and without a display), before
//! the app's single-instance guard, so it works while the app is open.
//!
//! It uses the accounts already signed in in the app: the registry and the keyring's tokens,
//! over plain HTTP, without opening the matrix-sdk stores. A token that must be refreshed is
//! refreshed under the lock the app takes too, and saved, so the app stays signed in. Passwords
//! are never arguments: `--password-stdin` reads one from standard input.
//!
//! Exit codes: 0 done, 1 failed, 2 bad usage, 3 no free seat, 4 not signed in or not an admin.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use accounts_core::browser::Opener;
use accounts_core::seats::{
    AuditLog, Desk, ImportPlan, ImportReport, NewRegistrationToken, NewSeatUser, OneTimePassword,
    SeatSubscription, SeatUser, SeatUserChange, Seats, SeatsError, SeatsTarget,
};
use accounts_core::vault::Vault;
use accounts_core::Accounts;
use clap::{Parser, Subcommand};
use serde::Serialize;

/// The app's identifier (`tauri.conf.json`), which names its data folder.
pub const APP_IDENTIFIER: &str = "io.element.accounts";

/// Whether the process was started as the command line (`element-accounts seats …`).
#[must_use]
pub fn wanted() -> bool {
    std::env::args().nth(1).as_deref() == Some("seats")
}

#[derive(Parser)]
#[command(name = "element-accounts", about = "Element Accounts from a shell")]
struct Cli {
    #[command(subcommand)]
    area: Area,
}

#[derive(Subcommand)]
enum Area {
    /// The users of the hosted homeservers this computer administers.
    Seats(SeatsArgs),
}

#[derive(clap::Args)]
struct SeatsArgs {
    /// Print machine-readable JSON.
    #[arg(long, global = true)]
    json: bool,
    /// The subscription to act on, when several are administered from here.
    #[arg(long, global = true, value_name = "ID")]
    subscription: Option<String>,
    #[command(subcommand)]
    command: SeatsCommand,
}

#[derive(Subcommand)]
enum SeatsCommand {
    /// The ledger: seats paid, accounts, active this month, free.
    Status,
    /// The users.
    List {
        /// Only users whose Matrix ID or display name contains this.
        #[arg(long)]
        search: Option<String>,
        /// Only deactivated users.
        #[arg(long)]
        deactivated: bool,
        /// Only server admins.
        #[arg(long)]
        admins: bool,
    },
    /// Adds a user with a generated password, if a seat is free.
    Add {
        /// The user name (localpart) or a full Matrix ID on the homeserver.
        username: String,
        /// The display name.
        #[arg(long)]
        display_name: Option<String>,
        /// An email address to attach.
        #[arg(long)]
        email: Option<String>,
    },
    /// Deactivates a user, which frees its seat.
    Deactivate {
        /// The Matrix ID.
        user_id: String,
        /// Also erase the user's messages for new room members.
        #[arg(long)]
        erase: bool,
    },
    /// Reactivates a user, if a seat is free.
    Reactivate {
        /// The Matrix ID.
        user_id: String,
        /// Read the new password from standard input (else one is generated and printed).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Sets a new password; the user is signed out everywhere.
    ResetPassword {
        /// The Matrix ID.
        user_id: String,
        /// Read the new password from standard input (else one is generated and printed).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Imports users from a CSV file (docs/seats-csv.md).
    Import {
        /// The users file.
        file: PathBuf,
        /// Only show the plan; create nothing.
        #[arg(long)]
        dry_run: bool,
        /// Create only the first N rows to create.
        #[arg(long, value_name = "N")]
        first: Option<u32>,
    },
    /// Exports the users, without passwords, as CSV (to standard output without FILE).
    Export {
        /// Where to write the file.
        file: Option<PathBuf>,
    },
    /// Registration tokens.
    Tokens {
        #[command(subcommand)]
        command: TokensCommand,
    },
}

#[derive(Subcommand)]
enum TokensCommand {
    /// Lists the registration tokens.
    List,
    /// Creates a registration token.
    Create {
        /// How many registrations it allows (no limit without).
        #[arg(long)]
        uses: Option<u32>,
        /// Days until it expires (never without).
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// Deletes a registration token.
    Revoke {
        /// The token.
        token: String,
    },
}

/// How the command line ends.
#[derive(Debug)]
enum Failure {
    Usage(String),
    Seats(SeatsError),
    NotSignedIn(String),
    Io(String),
}

impl Failure {
    fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::Seats(SeatsError::NoSeatFree { .. }) => 3,
            Self::Seats(
                SeatsError::NoAdmin { .. }
                | SeatsError::NotAdmin { .. }
                | SeatsError::SignedOut { .. },
            )
            | Self::NotSignedIn(_) => 4,
            Self::Seats(_) | Self::Io(_) => 1,
        }
    }

    fn code(&self) -> String {
        match self {
            Self::Usage(_) => "usage".to_owned(),
            Self::Seats(error) => serde_json::to_value(error.code())
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            Self::NotSignedIn(_) => "not_signed_in".to_owned(),
            Self::Io(_) => "io".to_owned(),
        }
    }

    fn message(&self) -> String {
        match self {
            Self::Usage(m) | Self::NotSignedIn(m) | Self::Io(m) => m.clone(),
            Self::Seats(error) => error.to_string(),
        }
    }
}

impl From<SeatsError> for Failure {
    fn from(error: SeatsError) -> Self {
        Self::Seats(error)
    }
}

/// Runs the command line; returns its exit code.
#[must_use]
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    let Area::Seats(args) = cli.area;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("element-accounts: could not start: {error}");
            return ExitCode::from(1);
        }
    };
    let json = args.json;
    match runtime.block_on(seats(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if json {
                let body = serde_json::json!({ "error": { "code": failure.code(), "message": failure.message() } });
                println!("{body}");
            } else {
                eprintln!("element-accounts: {}", failure.message());
            }
            ExitCode::from(failure.exit_code())
        }
    }
}

/// The app's data folder, as Tauri names it: `$XDG_DATA_HOME/<identifier>`.
fn data_dir() -> Result<PathBuf, Failure> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".local/share")))
        .ok_or_else(|| Failure::Io("neither XDG_DATA_HOME nor HOME is set".to_owned()))?;
    Ok(base.join(APP_IDENTIFIER))
}

async fn seats(args: SeatsArgs) -> Result<(), Failure> {
    let dir = data_dir()?;
    if !dir.join(accounts_core::vault::REGISTRY_FILE).exists() {
        return Err(Failure::NotSignedIn(format!(
            "no account is signed in on this computer ({} has none): sign in in the app first",
            dir.display()
        )));
    }
    let mut core = Accounts::open(Some(&dir), Vault::keyring(), Opener::new(None, None));
    core.seats = Seats::default().with_audit(Some(AuditLog::in_data_dir(&dir, "cli")));
    let subscription = choose(&core, args.subscription.as_deref()).await?;
    let target = SeatsTarget {
        ems_account: subscription.ems_account.clone(),
        subscription_id: subscription.subscription_id.clone(),
    };
    let desk = core.seats.desk(&target)?;
    act(
        &desk,
        &subscription,
        args.command,
        Output { json: args.json },
    )
    .await
}

/// Does `command` on the subscription's desk.
async fn act(
    desk: &Arc<Desk>,
    subscription: &SeatSubscription,
    command: SeatsCommand,
    out: Output,
) -> Result<(), Failure> {
    match command {
        SeatsCommand::Status => out.show(&desk.recount().await?, |l| {
            format!(
                "{}: {} seats paid, {} accounts, {} active this month, {} free",
                subscription.server_name, l.seats_paid, l.accounts, l.active_this_month, l.free
            )
        }),
        SeatsCommand::List {
            search,
            deactivated,
            admins,
        } => {
            let users = desk.api()?.all_users(500).await?;
            let wanted: Vec<SeatUser> = users
                .into_iter()
                .filter(|u| !deactivated || u.deactivated)
                .filter(|u| !admins || u.admin)
                .filter(|u| search.as_deref().is_none_or(|s| matches_search(u, s)))
                .collect();
            out.show(&wanted, |users| {
                users
                    .iter()
                    .map(|u| {
                        format!(
                            "{}\t{}{}{}",
                            u.user_id,
                            u.display_name.as_deref().unwrap_or_default(),
                            if u.admin { "\tadmin" } else { "" },
                            if u.deactivated { "\tdeactivated" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        SeatsCommand::Add { .. }
        | SeatsCommand::Deactivate { .. }
        | SeatsCommand::Reactivate { .. }
        | SeatsCommand::ResetPassword { .. } => change(desk, command, out).await,
        SeatsCommand::Import {
            file,
            dry_run,
            first,
        } => import(desk, &file, dry_run, first, out).await,
        SeatsCommand::Export { file: Some(path) } => {
            let count = desk.export_to(&path).await?;
            out.show(
                &serde_json::json!({ "exported": count, "file": path }),
                |_| format!("exported {count} users to {}", path.display()),
            )
        }
        SeatsCommand::Export { file: None } => {
            let (bytes, _) = desk.export().await?;
            std::io::stdout()
                .write_all(&bytes)
                .map_err(|e| Failure::Io(e.to_string()))
        }
        SeatsCommand::Tokens { command } => tokens(desk, command, out).await,
    }
}

/// The actions on one user.
async fn change(desk: &Arc<Desk>, command: SeatsCommand, out: Output) -> Result<(), Failure> {
    let said = |what: &'static str| {
        move |c: &SeatUserChange| {
            changed(
                what,
                &c.user.user_id,
                c.password.as_ref().map(OneTimePassword::expose),
            )
        }
    };
    match command {
        SeatsCommand::Add {
            username,
            display_name,
            email,
        } => {
            let user = NewSeatUser {
                username,
                display_name,
                email,
            };
            out.show(&desk.add_user(&user).await?, said("added"))
        }
        SeatsCommand::Deactivate { user_id, erase } => out.show(
            &desk.deactivate(&user_id, erase).await?,
            said("deactivated"),
        ),
        SeatsCommand::Reactivate {
            user_id,
            password_stdin,
        } => {
            let password = read_password(password_stdin)?;
            out.show(
                &desk.reactivate(&user_id, password).await?,
                said("reactivated"),
            )
        }
        SeatsCommand::ResetPassword {
            user_id,
            password_stdin,
        } => {
            let password = read_password(password_stdin)?;
            let change = desk.reset_password(&user_id, password).await?;
            out.show(&change, said("set a new password for"))
        }
        _ => Err(Failure::Usage("not an action on a user".to_owned())),
    }
}

/// The administered subscription to act on.
async fn choose(core: &Accounts, wanted: Option<&str>) -> Result<SeatSubscription, Failure> {
    let all = core.stored_seat_subscriptions().await?;
    if all.is_empty() {
        return Err(Failure::NotSignedIn(
            "no EMS account signed in on this computer pays for a hosted homeserver: sign in to EMS in the app".to_owned(),
        ));
    }
    if let Some(id) = wanted {
        let found = all
            .into_iter()
            .find(|s| s.subscription_id == id)
            .ok_or_else(|| {
                Failure::Usage(format!("no hosted homeserver subscription {id} here"))
            })?;
        return administered(found);
    }
    let mut administered_here: Vec<SeatSubscription> =
        all.iter().filter(|s| s.admin.is_some()).cloned().collect();
    match administered_here.len() {
        0 => administered(all.into_iter().next().expect("not empty")),
        1 => Ok(administered_here.remove(0)),
        _ => Err(Failure::Usage(format!(
            "several subscriptions are administered from here; choose one with --subscription: {}",
            administered_here
                .iter()
                .map(|s| format!("{} ({})", s.subscription_id, s.server_name))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn administered(subscription: SeatSubscription) -> Result<SeatSubscription, Failure> {
    if subscription.admin.is_some() {
        Ok(subscription)
    } else {
        Err(Failure::NotSignedIn(
            subscription.admin_problem.unwrap_or_else(|| {
                format!(
                    "no Matrix account here administers {}",
                    subscription.server_name
                )
            }),
        ))
    }
}

async fn import(
    desk: &Arc<Desk>,
    file: &Path,
    dry_run: bool,
    first: Option<u32>,
    out: Output,
) -> Result<(), Failure> {
    let bytes = std::fs::read(file)
        .map_err(|e| Failure::Io(format!("{} cannot be read: {e}", file.display())))?;
    let plan = desk.plan_import(&bytes).await?;
    if dry_run {
        return out.show(&plan, plan_text);
    }
    let fits = first.map_or(plan.fits, |n| n <= plan.fitting);
    if !fits {
        if !out.json {
            eprintln!("{}", plan_text(&plan));
        }
        let ledger = desk.recount().await?;
        return Err(Failure::Seats(SeatsError::NoSeatFree {
            server_name: desk.server_name().to_owned(),
            seats: ledger.seats_paid,
            accounts: ledger.accounts,
        }));
    }
    let report = desk.run_import(first).await?;
    out.show(&report, report_text)
}

async fn tokens(desk: &Arc<Desk>, command: TokensCommand, out: Output) -> Result<(), Failure> {
    let list = match command {
        TokensCommand::List => desk.tokens().await?,
        TokensCommand::Create {
            uses,
            expires_in_days,
        } => {
            let expiry_ms = expires_in_days
                .map(|days| accounts_core::seats::now_ms() + i64::from(days) * 24 * 60 * 60 * 1000);
            desk.create_token(&NewRegistrationToken {
                uses_allowed: uses,
                expiry_ms,
            })
            .await?
        }
        TokensCommand::Revoke { token } => desk.revoke_token(&token).await?,
    };
    out.show(&list, |l| {
        let mut lines: Vec<String> = l
            .tokens
            .iter()
            .map(|t| {
                format!(
                    "{}\tuses {}\tcompleted {}{}",
                    t.token,
                    t.uses_allowed
                        .map_or_else(|| "unlimited".to_owned(), |u| u.to_string()),
                    t.completed,
                    if t.exceeds_free {
                        "\texceeds the free seats"
                    } else {
                        ""
                    }
                )
            })
            .collect();
        lines.push(format!("{} seats free", l.free));
        lines.join("\n")
    })
}

/// Standard output, as JSON or as text.
#[derive(Clone, Copy)]
struct Output {
    json: bool,
}

impl Output {
    fn show<T: Serialize>(self, value: &T, text: impl FnOnce(&T) -> String) -> Result<(), Failure> {
        let line = if self.json {
            serde_json::to_string(value).map_err(|e| Failure::Io(e.to_string()))?
        } else {
            text(value)
        };
        println!("{line}");
        Ok(())
    }
}

fn changed(what: &str, user_id: &str, password: Option<&str>) -> String {
    match password {
        Some(password) => format!("{what} {user_id}; generated password (shown once): {password}"),
        None => format!("{what} {user_id}"),
    }
}

fn matches_search(user: &SeatUser, search: &str) -> bool {
    let search = search.to_lowercase();
    user.user_id.to_lowercase().contains(&search)
        || user
            .display_name
            .as_deref()
            .is_some_and(|n| n.to_lowercase().contains(&search))
}

/// The password from standard input's first line, when asked for; `None` means generated.
fn read_password(from_stdin: bool) -> Result<Option<String>, Failure> {
    if !from_stdin {
        return Ok(None);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Io(format!("standard input cannot be read: {e}")))?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        return Err(Failure::Usage(
            "--password-stdin: standard input held no password".to_owned(),
        ));
    }
    Ok(Some(password))
}

/// One row of a users file as the plan or the report shows it: its line, the user, what
/// happened (or will), and why when there is a reason.
fn row_text(line: u32, user: &str, what: impl std::fmt::Debug, reason: Option<&str>) -> String {
    let why = reason.map(|why| format!(": {why}")).unwrap_or_default();
    format!("line {line}\t{user}\t{what:?}{why}")
}

fn plan_text(plan: &ImportPlan) -> String {
    let mut lines: Vec<String> = plan
        .rows
        .iter()
        .map(|r| row_text(r.line, &r.user, r.verdict, r.reason.as_deref()))
        .collect();
    if !plan.unknown_columns.is_empty() {
        lines.push(format!(
            "ignored columns: {}",
            plan.unknown_columns.join(", ")
        ));
    }
    lines.push(format!(
        "{} to create, taking {} seats; {} free{}",
        plan.to_create,
        plan.seats_needed,
        plan.free,
        if plan.fits {
            String::new()
        } else {
            format!(": only the first {} fit", plan.fitting)
        }
    ));
    lines.join("\n")
}

fn report_text(report: &ImportReport) -> String {
    let mut lines: Vec<String> = report
        .rows
        .iter()
        .map(|r| row_text(r.line, &r.user, r.outcome, r.reason.as_deref()))
        .collect();
    for generated in &report.passwords {
        lines.push(format!(
            "password for {} (shown once): {}",
            generated.user_id,
            generated.password.expose()
        ));
    }
    lines.push(format!(
        "{} created, {} skipped, {} failed, {} unknown, {} not attempted",
        report.created, report.skipped, report.failed, report.unknown, report.not_attempted
    ));
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_identifier_is_the_apps() {
        let config: serde_json::Value =
            serde_json::from_str(include_str!("../../tauri.conf.json")).expect("the config");
        assert_eq!(config["identifier"], super::APP_IDENTIFIER);
    }
}
