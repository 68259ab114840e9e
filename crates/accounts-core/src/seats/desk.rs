//! One subscription's desk: its admin's Admin API, the users loaded so far and the actions an
//! admin takes, each checked against the seats paid and read back from the homeserver.
//!
//! The directory is filled page by page ([`Desk::load_page`]); a restart begins a new
//! generation so a page of an older load can never land in a newer list. An action that needs
//! a free seat counts afresh (every page) first: someone may have added users elsewhere since
//! the list was loaded.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::admin_api::{now_ms, AdminApi, RegistrationToken, UserSession};
use super::audit::{Actor, AuditEntry, AuditLog, AuditResult};
use super::csv_file::{self, UsersFile};
use super::delegated::{DelegatedAction, DelegatedAuth};
use super::import::{
    self, GeneratedPassword, ImportPlan, ImportProgress, ImportReport, ReportRow, RowOutcome,
};
use super::ledger::localpart_error;
use super::ledger::{SeatLedger, SeatUser};
use super::password::{generate_password, OneTimePassword};
use super::{SeatAdmin, SeatsError, SeatsTarget};
use crate::vault::Secret;

/// One page of users, and the ledger over everything loaded so far.
#[derive(Debug, Clone, Serialize, TS)]
pub struct UsersPage {
    /// The users of this page; or, when `replaces`, every user loaded so far.
    pub users: Vec<SeatUser>,
    /// The list was restarted meanwhile (a newer load): `users` replaces what the caller has.
    pub replaces: bool,
    /// Users loaded so far.
    pub loaded: u32,
    /// Users the homeserver has.
    pub total: u32,
    /// Every page is loaded.
    pub done: bool,
    /// The ledger over the users loaded so far.
    pub ledger: SeatLedger,
}

/// A user to add.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewSeatUser {
    /// The user name (the localpart), or a full Matrix ID on this homeserver.
    pub username: String,
    /// The display name, if any.
    pub display_name: Option<String>,
    /// An email address to attach, if any.
    pub email: Option<String>,
}

/// What an action made of a user.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SeatUserChange {
    /// The user as the homeserver has it now.
    pub user: SeatUser,
    /// The ledger after the change.
    pub ledger: SeatLedger,
    /// The password the app generated, to show once; `None` when the admin typed one.
    #[ts(type = "string | null")]
    pub password: Option<OneTimePassword>,
}

/// A registration token, with whether its uses exceed the free seats.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RegistrationTokenView {
    /// The token new users type.
    pub token: String,
    /// Registrations it allows (`None`: unlimited).
    pub uses_allowed: Option<u32>,
    /// Registrations under way.
    pub pending: u32,
    /// Registrations completed.
    pub completed: u32,
    /// When it expires (Unix milliseconds), if ever.
    #[ts(type = "number | null")]
    pub expiry_ms: Option<i64>,
    /// Its remaining uses exceed the free seats.
    pub exceeds_free: bool,
}

/// The registration tokens and the free seats they are weighed against.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TokenList {
    /// Every token, valid or not.
    pub tokens: Vec<RegistrationTokenView>,
    /// Free seats.
    pub free: i32,
}

/// A registration token to create.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewRegistrationToken {
    /// Registrations it allows (`None`: unlimited).
    pub uses_allowed: Option<u32>,
    /// When it expires (Unix milliseconds), if ever.
    #[ts(type = "number | null")]
    pub expiry_ms: Option<i64>,
}

/// The users loaded so far.
#[derive(Debug, Default)]
struct Directory {
    users: Vec<SeatUser>,
    index: HashMap<String, usize>,
    /// Where the next page starts; `None` once every page is in.
    next: Option<u32>,
    total: u32,
    generation: u64,
}

impl Directory {
    fn restart(&mut self) {
        let generation = self.generation + 1;
        *self = Self {
            next: Some(0),
            generation,
            ..Self::default()
        };
    }

    fn put(&mut self, user: SeatUser) {
        if let Some(&at) = self.index.get(&user.user_id) {
            self.users[at] = user;
        } else {
            self.index.insert(user.user_id.clone(), self.users.len());
            self.users.push(user);
        }
    }

    fn loaded(&self) -> u32 {
        u32::try_from(self.users.len()).unwrap_or(u32::MAX)
    }

    fn complete(&self) -> bool {
        self.next.is_none() && self.generation > 0
    }
}

/// A users file read for import, and what the last run generated.
#[derive(Default)]
struct ImportState {
    file: Option<UsersFile>,
    /// The passwords the last run generated, until the admin saves or drops them.
    passwords: Vec<GeneratedPassword>,
    progress: ImportProgress,
}

/// A subscription administered from this computer.
pub struct Desk {
    target: SeatsTarget,
    server_name: String,
    admin: SeatAdmin,
    api: AdminApi,
    /// The admin's own session here, which "sign out of all sessions" leaves alone.
    own_device: Option<String>,
    page_size: u32,
    subscription: Mutex<(u32, bool)>,
    directory: Mutex<Directory>,
    /// Held from counting the free seats until a seat-taking change is read back, so that two
    /// changes cannot both take the last seat.
    seat_gate: tokio::sync::Mutex<()>,
    audit: Option<AuditLog>,
    import: Mutex<ImportState>,
    cancel_import: AtomicBool,
}

crate::debug_fields!(Desk, target, server_name, admin);

impl Desk {
    /// The desk of `target`, administered by `admin` through `api` (its token, renewed when it
    /// expires); `own_device` is the admin's session that is this app.
    #[must_use]
    pub fn new(
        target: SeatsTarget,
        server_name: String,
        (seats, stale): (u32, bool),
        admin: SeatAdmin,
        api: AdminApi,
        own_device: Option<String>,
        page_size: u32,
    ) -> Self {
        Self {
            target,
            server_name,
            api: api.as_admin(&admin.matrix_id),
            admin,
            own_device,
            page_size,
            subscription: Mutex::new((seats, stale)),
            directory: Mutex::new(Directory::default()),
            seat_gate: tokio::sync::Mutex::new(()),
            audit: None,
            import: Mutex::new(ImportState::default()),
            cancel_import: AtomicBool::new(false),
        }
    }

    /// The same, recording every action in `audit`.
    #[must_use]
    pub fn with_audit(mut self, audit: Option<AuditLog>) -> Self {
        self.audit = audit;
        self
    }

    /// The homeserver's server name, as EMS names it.
    #[must_use]
    pub fn server_name(&self) -> &str {
        &self.server_name
    }

    /// Records an action's outcome in the audit log.
    fn record<T>(&self, action: &str, target: &str, outcome: &Result<T, SeatsError>) {
        if let Some(audit) = &self.audit {
            audit.record(self.actor(), action, target, outcome);
        }
    }

    fn actor(&self) -> Actor<'_> {
        Actor {
            admin: &self.admin.matrix_id,
            homeserver: &self.server_name,
        }
    }

    pub(super) fn target(&self) -> &SeatsTarget {
        &self.target
    }

    /// Who administers it.
    #[must_use]
    pub fn admin(&self) -> &SeatAdmin {
        &self.admin
    }

    pub(super) fn seats_paid(&self) -> u32 {
        lock(&self.subscription).0
    }

    pub(super) fn stale(&self) -> bool {
        lock(&self.subscription).1
    }

    /// New figures from EMS (seats raised, or the server reachable again).
    pub(super) fn update_subscription(&self, seats: u32, stale: bool) {
        *lock(&self.subscription) = (seats, stale);
    }

    /// The Admin API with the admin's token, renewed when it expires.
    pub fn api(&self) -> Result<AdminApi, SeatsError> {
        Ok(self.api.clone())
    }

    /// The server name in this homeserver's Matrix IDs: the admin's own, which is proven local
    /// (EMS may spell it otherwise, or name another host the same server answers on).
    fn local_server(&self) -> &str {
        self.admin
            .matrix_id
            .split_once(':')
            .map_or(self.server_name.as_str(), |(_, server)| server)
    }

    /// Whether the account is a server admin.
    pub(super) async fn check_admin(&self) -> Result<bool, SeatsError> {
        self.api()?.is_admin(&self.admin.matrix_id).await
    }

    /// The next page (the first when `restart` or nothing was loaded yet), merged into the
    /// directory. A failure keeps the pages loaded so far: asking again resumes there.
    pub async fn load_page(&self, restart: bool, page_size: u32) -> Result<UsersPage, SeatsError> {
        let (from, generation) = {
            let mut directory = lock(&self.directory);
            if restart || directory.generation == 0 {
                directory.restart();
            }
            match directory.next {
                Some(from) => (from, directory.generation),
                None => return Ok(self.page_of(&directory, Vec::new())),
            }
        };
        let page = self.api()?.users_page(from, page_size, now_ms()).await?;
        let mut directory = lock(&self.directory);
        if directory.generation != generation {
            // A newer load began meanwhile: this page belongs to no list any more. Hand back
            // the newer list whole, so that the caller's rows are that list.
            let mut page = self.page_of(&directory, directory.users.clone());
            page.replaces = true;
            return Ok(page);
        }
        directory.total = page.total;
        directory.next = page.next;
        for user in &page.users {
            directory.put(user.clone());
        }
        Ok(self.page_of(&directory, page.users))
    }

    fn page_of(&self, directory: &Directory, users: Vec<SeatUser>) -> UsersPage {
        UsersPage {
            users,
            replaces: false,
            loaded: directory.loaded(),
            total: directory.total,
            done: directory.complete(),
            ledger: SeatLedger::of(self.seats_paid(), &directory.users, directory.complete()),
        }
    }

    /// The ledger over the loaded users.
    #[must_use]
    pub fn ledger(&self) -> SeatLedger {
        let directory = lock(&self.directory);
        SeatLedger::of(self.seats_paid(), &directory.users, directory.complete())
    }

    /// Counts every user afresh (all pages). The loaded list is left as it is: a load may be
    /// under way, and its pages must still join the list they began.
    pub async fn recount(&self) -> Result<SeatLedger, SeatsError> {
        let users = self.api()?.all_users(self.page_size).await?;
        Ok(SeatLedger::count(self.seats_paid(), &users))
    }

    /// Adds a user with a generated password, if a seat is free and the name is not taken.
    pub async fn add_user(&self, new: &NewSeatUser) -> Result<SeatUserChange, SeatsError> {
        let outcome = self.try_add_user(new).await;
        let target = outcome
            .as_ref()
            .map_or(new.username.trim(), |c| c.user.user_id.as_str());
        self.record("add_user", target, &outcome);
        outcome
    }

    async fn try_add_user(&self, new: &NewSeatUser) -> Result<SeatUserChange, SeatsError> {
        self.refuse_if_delegated(DelegatedAction::AddUser)?;
        self.refuse_if_stale()?;
        let user_id = user_id_for(&new.username, self.local_server())?;
        let display_name = non_empty(new.display_name.as_deref());
        let email = non_empty(new.email.as_deref());
        if email.is_some_and(|e| !looks_like_email(e)) {
            return Err(SeatsError::InvalidInput(format!(
                "'{}' is not an email address. Type it as name@example.org, or leave it empty.",
                email.unwrap_or_default()
            )));
        }
        let api = self.api()?;
        if api.exists(&user_id).await? {
            return Err(SeatsError::UserExists { user_id });
        }
        let _gate = self.seat_gate.lock().await;
        self.require_free_seat().await?;
        let password = generate_password();
        api.create_user(&user_id, display_name, email, &password)
            .await?;
        log::info!("seats: added {user_id}");
        self.read_back(&api, &user_id, Some(password)).await
    }

    /// Deactivates a user, which frees its seat.
    pub async fn deactivate(
        &self,
        user_id: &str,
        erase: bool,
    ) -> Result<SeatUserChange, SeatsError> {
        let outcome = self.try_deactivate(user_id, erase).await;
        self.record(
            if erase {
                "deactivate_erase"
            } else {
                "deactivate"
            },
            user_id,
            &outcome,
        );
        outcome
    }

    async fn try_deactivate(
        &self,
        user_id: &str,
        erase: bool,
    ) -> Result<SeatUserChange, SeatsError> {
        self.refuse_if_stale()?;
        if user_id == self.admin.matrix_id {
            return Err(SeatsError::InvalidInput(format!(
                "{user_id} is the account this app administers {} with: it cannot deactivate itself. Sign in as another admin to do this.",
                self.server_name
            )));
        }
        let api = self.api()?;
        api.deactivate(user_id, erase).await?;
        log::info!("seats: deactivated {user_id}");
        self.read_back(&api, user_id, None).await
    }

    /// Reactivates a deactivated user with `password`, or a generated one; needs a free seat.
    pub async fn reactivate(
        &self,
        user_id: &str,
        password: Option<String>,
    ) -> Result<SeatUserChange, SeatsError> {
        let outcome = self.try_reactivate(user_id, password).await;
        self.record("reactivate", user_id, &outcome);
        outcome
    }

    async fn try_reactivate(
        &self,
        user_id: &str,
        password: Option<String>,
    ) -> Result<SeatUserChange, SeatsError> {
        self.refuse_if_delegated(DelegatedAction::Reactivate)?;
        self.refuse_if_stale()?;
        let api = self.api()?;
        let before = api.user(user_id).await?;
        if !before.deactivated {
            return Err(SeatsError::InvalidInput(format!(
                "{user_id} is not deactivated."
            )));
        }
        let _gate = self.seat_gate.lock().await;
        // A guest or a typed user (a bot, say) takes no seat back.
        if !before.guest && before.user_type.is_none() {
            self.require_free_seat().await?;
        }
        let (password, generated) = chosen_or_generated(password)?;
        api.reactivate(user_id, &password).await?;
        log::info!("seats: reactivated {user_id}");
        self.read_back(&api, user_id, generated.then_some(password))
            .await
    }

    /// Sets a new password, typed or generated; the user is signed out everywhere.
    pub async fn reset_password(
        &self,
        user_id: &str,
        password: Option<String>,
    ) -> Result<SeatUserChange, SeatsError> {
        let outcome = async {
            self.refuse_if_delegated(DelegatedAction::ResetPassword)?;
            self.refuse_if_stale()?;
            let (password, generated) = chosen_or_generated(password)?;
            let api = self.api()?;
            api.reset_password(user_id, &password).await?;
            log::info!("seats: reset the password of {user_id}");
            self.read_back(&api, user_id, generated.then_some(password))
                .await
        }
        .await;
        self.record("reset_password", user_id, &outcome);
        outcome
    }

    /// Grants or revokes server admin. Synapse never lets an admin revoke their own rights,
    /// so that is refused here with what to do instead; revoking the rights of another account
    /// signed in on this computer (`signed_in_here`) needs `accept_consequence`, and the error
    /// says what would follow.
    pub async fn set_admin(
        &self,
        user_id: &str,
        admin: bool,
        accept_consequence: bool,
        signed_in_here: bool,
    ) -> Result<SeatUserChange, SeatsError> {
        let outcome = self
            .try_set_admin(user_id, admin, accept_consequence, signed_in_here)
            .await;
        // A change waiting for confirmation was not attempted.
        if !matches!(outcome, Err(SeatsError::ConfirmConsequence(_))) {
            self.record(
                if admin { "grant_admin" } else { "revoke_admin" },
                user_id,
                &outcome,
            );
        }
        outcome
    }

    async fn try_set_admin(
        &self,
        user_id: &str,
        admin: bool,
        accept_consequence: bool,
        signed_in_here: bool,
    ) -> Result<SeatUserChange, SeatsError> {
        self.refuse_if_delegated(DelegatedAction::SetAdmin)?;
        self.refuse_if_stale()?;
        if !admin && user_id == self.admin.matrix_id {
            return Err(SeatsError::InvalidInput(format!(
                "{user_id} is the account this app manages {} with, and a homeserver does not let an admin revoke their own rights: sign in here as another admin to revoke them.",
                self.server_name
            )));
        }
        if !admin && signed_in_here && !accept_consequence {
            return Err(SeatsError::ConfirmConsequence(format!(
                "{user_id} is signed in on this computer too: without admin rights it can no longer manage the users of {} from here.",
                self.server_name
            )));
        }
        let api = self.api()?;
        api.set_admin(user_id, admin).await?;
        log::info!(
            "seats: {} server admin for {user_id}",
            if admin { "granted" } else { "revoked" }
        );
        self.read_back(&api, user_id, None).await
    }

    /// The user's sessions.
    pub async fn sessions(&self, user_id: &str) -> Result<Vec<UserSession>, SeatsError> {
        self.api()?.sessions(user_id).await
    }

    /// Signs the user out of one session (`device_id`), or of all; returns what remains.
    pub async fn sign_out_sessions(
        &self,
        user_id: &str,
        device_id: Option<&str>,
    ) -> Result<Vec<UserSession>, SeatsError> {
        let outcome = self.try_sign_out_sessions(user_id, device_id).await;
        let action = if device_id.is_some() {
            "sign_out_session"
        } else {
            "sign_out_all_sessions"
        };
        self.record(action, user_id, &outcome);
        outcome
    }

    async fn try_sign_out_sessions(
        &self,
        user_id: &str,
        device_id: Option<&str>,
    ) -> Result<Vec<UserSession>, SeatsError> {
        self.refuse_if_stale()?;
        let api = self.api()?;
        // "All" leaves out this app's own session: signing it out would end the desk.
        let own = (user_id == self.admin.matrix_id)
            .then(|| self.own_device.clone())
            .flatten();
        let devices: Vec<String> = match device_id {
            Some(one) => vec![one.to_owned()],
            None => api
                .sessions(user_id)
                .await?
                .into_iter()
                .map(|s| s.device_id)
                .filter(|d| Some(d) != own.as_ref())
                .collect(),
        };
        api.sign_out_sessions(user_id, &devices).await?;
        log::info!("seats: signed {user_id} out of {} sessions", devices.len());
        api.sessions(user_id).await
    }

    /// The registration tokens, weighed against the free seats (counted afresh: registrations
    /// with a token happen without the app).
    pub async fn tokens(&self) -> Result<TokenList, SeatsError> {
        self.refuse_if_delegated(DelegatedAction::RegistrationTokens)?;
        let tokens = self.api()?.tokens().await?;
        let free = self.recount().await?.free;
        let now = now_ms();
        Ok(TokenList {
            tokens: tokens.into_iter().map(|t| weigh(t, free, now)).collect(),
            free,
        })
    }

    /// Creates a registration token.
    pub async fn create_token(&self, new: &NewRegistrationToken) -> Result<TokenList, SeatsError> {
        let outcome = self.try_create_token(new).await;
        self.record("create_token", "a registration token", &outcome);
        outcome
    }

    async fn try_create_token(&self, new: &NewRegistrationToken) -> Result<TokenList, SeatsError> {
        self.refuse_if_delegated(DelegatedAction::RegistrationTokens)?;
        self.refuse_if_stale()?;
        if new.uses_allowed == Some(0) {
            return Err(SeatsError::InvalidInput(
                "A token must allow at least one registration; leave the number empty for no limit.".into(),
            ));
        }
        if new.expiry_ms.is_some_and(|t| t <= now_ms()) {
            return Err(SeatsError::InvalidInput(
                "The expiry date has passed: choose a later one, or none.".into(),
            ));
        }
        let token = self
            .api()?
            .create_token(new.uses_allowed, new.expiry_ms)
            .await?;
        log::info!(
            "seats: created a registration token on {}",
            self.server_name
        );
        drop(token);
        self.tokens().await
    }

    /// Deletes a registration token.
    pub async fn revoke_token(&self, token: &str) -> Result<TokenList, SeatsError> {
        let outcome = async {
            self.refuse_if_delegated(DelegatedAction::RegistrationTokens)?;
            self.refuse_if_stale()?;
            self.api()?.revoke_token(token).await?;
            log::info!(
                "seats: revoked a registration token on {}",
                self.server_name
            );
            self.tokens().await
        }
        .await;
        self.record("revoke_token", "a registration token", &outcome);
        outcome
    }

    /// Reads a users file and judges every row against the homeserver's users and free seats
    /// (counted afresh). Nothing is created; the file is kept for [`Self::run_import`].
    pub async fn plan_import(&self, bytes: &[u8]) -> Result<ImportPlan, SeatsError> {
        self.refuse_if_delegated(DelegatedAction::ImportUsers)?;
        let file = csv_file::parse(bytes, self.local_server())?;
        let (existing, free) = self.existing_and_free().await?;
        let plan = import::plan(
            &import::judge(&file, &existing),
            &file.unknown_columns,
            free,
        );
        let mut state = lock(&self.import);
        if state.progress.running {
            return Err(SeatsError::InvalidInput(
                "An import is running: wait for it to end, or cancel it, before choosing another file.".into(),
            ));
        }
        state.file = Some(file);
        state.passwords.clear();
        state.progress = ImportProgress::default();
        Ok(plan)
    }

    /// Creates the planned rows (only the first `limit` rows to create, when given), one by
    /// one: judged again against the users now, and refused whole unless they fit the free
    /// seats. Between rows it stops when cancelled; when the homeserver stops answering, the
    /// row under way is "unknown" and the run ends. Every row is recorded in the audit log.
    pub async fn run_import(&self, limit: Option<u32>) -> Result<ImportReport, SeatsError> {
        self.refuse_if_delegated(DelegatedAction::ImportUsers)?;
        self.refuse_if_stale()?;
        let file = {
            let mut state = lock(&self.import);
            if state.progress.running {
                return Err(SeatsError::InvalidInput(
                    "An import is already running.".into(),
                ));
            }
            let file = state.file.clone().ok_or_else(|| {
                SeatsError::InvalidInput("Choose a users file to import first.".into())
            })?;
            state.progress = ImportProgress {
                done: 0,
                total: 0,
                running: true,
            };
            file
        };
        self.cancel_import.store(false, Ordering::SeqCst);
        let outcome = self.import_rows(&file, limit).await;
        let mut state = lock(&self.import);
        state.progress.running = false;
        if let Ok(report) = &outcome {
            state.passwords.clone_from(&report.passwords);
        }
        outcome
    }

    async fn import_rows(
        &self,
        file: &UsersFile,
        limit: Option<u32>,
    ) -> Result<ImportReport, SeatsError> {
        let _gate = self.seat_gate.lock().await;
        let (existing, free) = self.existing_and_free().await?;
        let judged = import::judge(file, &existing);
        let plan = import::plan(&judged, &file.unknown_columns, free);
        let take = limit.map_or(plan.to_create, |n| n.min(plan.to_create));
        let needed = judged
            .iter()
            .filter(|(_, create)| create.is_some())
            .take(take as usize)
            .filter(|(row, _)| row.takes_seat)
            .count();
        if i64::try_from(needed).unwrap_or(i64::MAX) > i64::from(free) {
            let ledger = self.recount().await?;
            return Err(SeatsError::NoSeatFree {
                server_name: self.server_name.clone(),
                seats: ledger.seats_paid,
                accounts: ledger.accounts,
            });
        }
        lock(&self.import).progress.total = take;
        let api = self.api()?;
        let mut rows = Vec::with_capacity(judged.len());
        let mut passwords = Vec::new();
        let (mut tried, mut stopped, mut cancelled) = (0, false, false);
        for (planned, create) in &judged {
            let mut report = ReportRow {
                line: planned.line,
                user: planned.user.clone(),
                outcome: match planned.verdict {
                    import::PlanVerdict::Invalid => RowOutcome::Invalid,
                    _ => RowOutcome::Skipped,
                },
                reason: planned.reason.clone(),
            };
            let Some(row) = create else {
                rows.push(report);
                continue;
            };
            if tried >= take {
                report.outcome = RowOutcome::NotAttempted;
                report.reason = Some(format!("beyond the first {take} rows to create"));
            } else if stopped || self.cancel_import.load(Ordering::SeqCst) {
                cancelled |= !stopped;
                report.outcome = RowOutcome::NotAttempted;
                report.reason = Some(
                    if stopped {
                        "the run ended at the row whose outcome is unknown"
                    } else {
                        "cancelled"
                    }
                    .to_owned(),
                );
            } else {
                tried += 1;
                let (password, generated) = match &row.password {
                    Some(typed) => (typed.clone(), false),
                    None => (generate_password(), true),
                };
                let sent = api.create_user_from(row, &password).await;
                let result = match &sent {
                    Ok(()) => AuditResult::Ok,
                    Err(SeatsError::Unreachable { .. }) => AuditResult::Unknown,
                    Err(_) => AuditResult::Failed,
                };
                report.outcome = match result {
                    AuditResult::Ok => RowOutcome::Created,
                    AuditResult::Unknown => RowOutcome::Unknown,
                    AuditResult::Failed => RowOutcome::Failed,
                };
                report.reason = sent.as_ref().err().map(ToString::to_string);
                stopped = result == AuditResult::Unknown;
                if result == AuditResult::Ok && generated {
                    passwords.push(GeneratedPassword {
                        user_id: row.user_id.clone(),
                        password: OneTimePassword(password),
                    });
                }
                if let Some(audit) = &self.audit {
                    audit.record_result(
                        self.actor(),
                        "import_row",
                        &row.user_id,
                        result,
                        report.reason.clone(),
                    );
                }
                lock(&self.import).progress.done = tried;
            }
            rows.push(report);
        }
        let report = ImportReport::of(rows, cancelled, passwords);
        log::info!(
            "seats: imported {} of {} rows on {}",
            report.created,
            judged.len(),
            self.server_name
        );
        Ok(report)
    }

    /// How far the running (or last) import is.
    #[must_use]
    pub fn import_progress(&self) -> ImportProgress {
        lock(&self.import).progress
    }

    /// Asks the running import to stop before its next row.
    pub fn cancel_import(&self) {
        self.cancel_import.store(true, Ordering::SeqCst);
    }

    /// Writes the passwords the last import generated to `path` (`0600`), as `id,password`
    /// rows: the one file with secrets the app writes, because the admin asked for it.
    pub fn save_import_passwords(&self, path: &Path) -> Result<u32, SeatsError> {
        let state = lock(&self.import);
        if state.passwords.is_empty() {
            return Err(SeatsError::InvalidInput(
                "The last import generated no password to save.".into(),
            ));
        }
        let mut writer = csv::Writer::from_writer(Vec::new());
        let _ = writer.write_record(["id", "password"]);
        for generated in &state.passwords {
            let _ = writer.write_record([generated.user_id.as_str(), generated.password.expose()]);
        }
        let bytes = Secret::new(
            String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default(),
        );
        write_file(path, bytes.expose().as_bytes())?;
        Ok(u32::try_from(state.passwords.len()).unwrap_or(u32::MAX))
    }

    /// Forgets the passwords the last import generated.
    pub fn forget_import_passwords(&self) {
        lock(&self.import).passwords.clear();
    }

    /// Every user in the users file format, without passwords, and how many users it holds.
    pub async fn export(&self) -> Result<(Vec<u8>, u32), SeatsError> {
        let api = self.api()?;
        let users = api.all_users(self.page_size).await?;
        let mut rows = Vec::with_capacity(users.len());
        for user in users {
            let (avatar_url, threepids) = api.user_details(&user.user_id).await?;
            rows.push((user, avatar_url, threepids));
        }
        let count = u32::try_from(rows.len()).unwrap_or(u32::MAX);
        Ok((csv_file::write(&rows), count))
    }

    /// Writes the export to `path`; returns how many users it holds.
    pub async fn export_to(&self, path: &Path) -> Result<u32, SeatsError> {
        let outcome = match self.export().await {
            Ok((bytes, count)) => write_file(path, &bytes).map(|()| count),
            Err(e) => Err(e),
        };
        self.record("export", &path.display().to_string(), &outcome);
        outcome
    }

    /// The audit log's entries for this desk's homeserver, newest first; those whose target
    /// contains `target` when given.
    pub fn audit_entries(&self, target: Option<&str>) -> Result<Vec<AuditEntry>, SeatsError> {
        let Some(audit) = &self.audit else {
            return Ok(Vec::new());
        };
        let mut entries = audit
            .entries(target)
            .map_err(|e| SeatsError::InvalidInput(format!("The audit log cannot be read: {e}")))?;
        entries.retain(|e| e.homeserver == self.server_name);
        Ok(entries)
    }

    /// Writes this homeserver's audit entries (those whose target contains `target` when
    /// given) to `path` as JSON lines, oldest first; returns how many.
    pub fn export_audit(&self, path: &Path, target: Option<&str>) -> Result<u32, SeatsError> {
        let mut entries = self.audit_entries(target)?;
        entries.reverse();
        let mut bytes = Vec::new();
        for entry in &entries {
            // An entry is plain data: it always serialises.
            let _ = serde_json::to_writer(&mut bytes, entry);
            bytes.push(b'\n');
        }
        write_file(path, &bytes)?;
        Ok(u32::try_from(entries.len()).unwrap_or(u32::MAX))
    }

    /// Every Matrix ID the homeserver has (deactivated ones too), and the seats free now.
    async fn existing_and_free(&self) -> Result<(HashSet<String>, i32), SeatsError> {
        let users = self.api()?.all_users(self.page_size).await?;
        let free = SeatLedger::count(self.seats_paid(), &users).free;
        Ok((users.into_iter().map(|u| u.user_id).collect(), free))
    }

    /// What this homeserver leaves to its authorization server, when it delegates its sign-in
    /// (next-generation auth): Synapse's Admin API does not offer these there.
    #[must_use]
    pub fn delegated_auth(&self) -> Option<DelegatedAuth> {
        self.api
            .is_delegated()
            .then(|| DelegatedAuth::of(&self.server_name))
    }

    /// Refuses, before any request, what the homeserver leaves to its authorization server.
    fn refuse_if_delegated(&self, action: DelegatedAction) -> Result<(), SeatsError> {
        if self.api.is_delegated() {
            return Err(SeatsError::Delegated {
                server_name: self.server_name.clone(),
                action,
            });
        }
        Ok(())
    }

    fn refuse_if_stale(&self) -> Result<(), SeatsError> {
        if self.stale() {
            return Err(SeatsError::EmsUnreachable);
        }
        Ok(())
    }

    async fn require_free_seat(&self) -> Result<(), SeatsError> {
        let ledger = self.recount().await?;
        if ledger.fits(1) {
            Ok(())
        } else {
            Err(SeatsError::NoSeatFree {
                server_name: self.server_name.clone(),
                seats: ledger.seats_paid,
                accounts: ledger.accounts,
            })
        }
    }

    async fn read_back(
        &self,
        api: &AdminApi,
        user_id: &str,
        password: Option<Secret>,
    ) -> Result<SeatUserChange, SeatsError> {
        let user = api.user(user_id).await?;
        let ledger = {
            let mut directory = lock(&self.directory);
            directory.put(user.clone());
            SeatLedger::of(self.seats_paid(), &directory.users, directory.complete())
        };
        Ok(SeatUserChange {
            user,
            ledger,
            password: password.map(OneTimePassword),
        })
    }
}

/// The full Matrix ID for what the admin typed: a user name, or a Matrix ID here.
fn user_id_for(typed: &str, server_name: &str) -> Result<String, SeatsError> {
    let typed = typed.trim();
    let localpart = match typed
        .strip_prefix('@')
        .and_then(|rest| rest.split_once(':'))
    {
        Some((local, server)) if server == server_name => local,
        Some((_, server)) => {
            return Err(SeatsError::InvalidInput(format!(
                "{typed} is on {server}, not on {server_name}: type just the user name."
            )))
        }
        None => typed,
    };
    if localpart.is_empty() {
        return Err(SeatsError::InvalidInput(
            "Type a user name for the new account.".into(),
        ));
    }
    if let Some(why) = localpart_error(localpart) {
        return Err(SeatsError::InvalidInput(why));
    }
    Ok(format!("@{localpart}:{server_name}"))
}

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

fn looks_like_email(value: &str) -> bool {
    value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !value.contains(' ')
    })
}

/// The typed password (which must not be blank), or a generated one; and whether it was
/// generated (and so must be shown).
fn chosen_or_generated(typed: Option<String>) -> Result<(Secret, bool), SeatsError> {
    match typed {
        Some(p) if p.trim().is_empty() => Ok((generate_password(), true)),
        Some(p) if p.chars().count() < 8 => Err(SeatsError::InvalidInput(
            "Choose a password of at least 8 characters, or leave it empty to have one generated."
                .into(),
        )),
        Some(p) => Ok((Secret::new(p), false)),
        None => Ok((generate_password(), true)),
    }
}

fn weigh(token: RegistrationToken, free: i32, now: i64) -> RegistrationTokenView {
    let expired = token.expiry_ms.is_some_and(|t| t <= now);
    let remaining = token
        .uses_allowed
        .map(|allowed| i64::from(allowed) - i64::from(token.completed) - i64::from(token.pending));
    let exceeds_free = !expired && remaining.is_none_or(|r| r > 0 && r > i64::from(free));
    RegistrationTokenView {
        token: token.token,
        uses_allowed: token.uses_allowed,
        pending: token.pending,
        completed: token.completed,
        expiry_ms: token.expiry_ms,
        exceeds_free,
    }
}

/// Writes a file the admin chose, private to them.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), SeatsError> {
    crate::files::write_atomic(path, bytes, || Ok(())).map_err(|e| {
        SeatsError::InvalidInput(format!(
            "{} could not be written: {e}. Choose another place.",
            path.display()
        ))
    })
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(uses: Option<u32>, completed: u32, expiry_ms: Option<i64>) -> RegistrationToken {
        RegistrationToken {
            token: "t".into(),
            uses_allowed: uses,
            pending: 0,
            completed,
            expiry_ms,
        }
    }

    #[test]
    fn a_token_warns_when_its_remaining_uses_exceed_the_free_seats() {
        assert!(
            weigh(token(Some(3), 0, None), 2, 0).exceeds_free,
            "3 uses, 2 free"
        );
        assert!(
            !weigh(token(Some(3), 1, None), 2, 0).exceeds_free,
            "2 left, 2 free"
        );
        assert!(
            weigh(token(None, 0, None), 100, 0).exceeds_free,
            "unlimited always exceeds"
        );
        assert!(
            !weigh(token(None, 0, Some(5)), 0, 10).exceeds_free,
            "an expired token warns of nothing"
        );
        assert!(
            !weigh(token(Some(1), 1, None), 0, 0).exceeds_free,
            "a used-up token warns of nothing"
        );
    }

    #[test]
    fn typed_passwords_are_checked_and_empty_means_generated() {
        assert!(chosen_or_generated(None).expect("generated").1);
        assert!(chosen_or_generated(Some("  ".into())).expect("generated").1);
        assert!(matches!(
            chosen_or_generated(Some("short".into())),
            Err(SeatsError::InvalidInput(_))
        ));
        let (typed, generated) =
            chosen_or_generated(Some("a long password".into())).expect("typed");
        assert_eq!((typed.expose(), generated), ("a long password", false));
    }

    #[test]
    fn user_names_become_matrix_ids_here() {
        let here = "example.org";
        assert_eq!(
            user_id_for(" alice ", here).expect("plain"),
            "@alice:example.org"
        );
        assert_eq!(
            user_id_for("@bob:example.org", here).expect("full ID"),
            "@bob:example.org"
        );
        for (typed, why) in [
            ("", "empty"),
            ("Alice", "upper case"),
            ("a b", "a space"),
            ("@c:other.org", "another server"),
        ] {
            let refused = user_id_for(typed, here).expect_err(why);
            assert!(
                matches!(refused, SeatsError::InvalidInput(_)),
                "{why}: {refused:?}"
            );
        }
        assert!(user_id_for("Alice", here)
            .expect_err("upper")
            .to_string()
            .contains("'alice'"));
    }

    #[test]
    fn emails_are_roughly_checked() {
        assert!(looks_like_email("a@example.org"));
        for bad in ["a", "a@b", "@example.org", "a b@example.org"] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }
}
