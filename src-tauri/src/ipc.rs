//! The types that cross the IPC boundary, and the generated TypeScript that mirrors them.
//!
//! `ui/src/bindings.ts` is generated from these types (and [`crate::error`]'s and the core's) by
//! the test at the bottom of this file; the test fails when the committed file is stale.
//! Regenerate it with `UPDATE_BINDINGS=1 cargo test -p element-accounts bindings`.

use accounts_core::launch::LaunchSettings;
use accounts_core::vault::{AccountRecord, Registry};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime};
use ts_rs::TS;

use crate::error::IpcError;

/// What the shell shows at start-up. Nothing here is secret.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AppOverview {
    /// The app's version.
    pub version: String,
    /// The EMS issuer the app was pointed at, if any.
    pub ems_issuer: Option<String>,
    /// The homeserver the app was pointed at, if any.
    pub homeserver: Option<String>,
    /// Where the app keeps its non-secret data.
    pub data_dir: Option<String>,
    /// Where the app writes its log.
    pub log_dir: Option<String>,
    /// The accounts on this computer.
    pub accounts: Vec<AccountRecord>,
    /// A problem with the account registry the user must know of.
    pub registry_problem: Option<IpcError>,
}

impl AppOverview {
    /// What the shell shows of `app`, launched with `launch`, over `registry`.
    pub fn of<R: Runtime>(
        app: &AppHandle<R>,
        launch: &LaunchSettings,
        registry: &Registry,
    ) -> Self {
        let path = app.path();
        let registry_problem = match registry.notice() {
            Ok(None) => None,
            Ok(Some((notice, file))) => Some(IpcError::new(notice.code(), notice.message(&file))),
            Err(error) => Some(IpcError::from(error)),
        };
        Self {
            version: app.package_info().version.to_string(),
            ems_issuer: launch.ems_issuer.clone(),
            homeserver: launch.homeserver.clone(),
            data_dir: path.app_data_dir().ok().map(|p| p.display().to_string()),
            log_dir: path.app_log_dir().ok().map(|p| p.display().to_string()),
            accounts: registry.accounts(),
            registry_problem,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use accounts_core::ems::{EmsAccountStatus, EmsAccountView};
    use accounts_core::matrix::{
        HomeserverInfo, IdentityProvider, LoginMethods, MatrixAccountView, SessionState,
    };
    use accounts_core::vault::AccountKind;

    fn render_bindings() -> String {
        let decls = [
            AppOverview::decl(),
            AccountRecord::decl(),
            accounts_core::vault::SubscriptionLink::decl(),
            AccountKind::decl(),
            ErrorCode::decl(),
            IpcError::decl(),
            HomeserverInfo::decl(),
            LoginMethods::decl(),
            IdentityProvider::decl(),
            MatrixAccountView::decl(),
            SessionState::decl(),
            EmsAccountView::decl(),
            EmsAccountStatus::decl(),
            accounts_core::browser::BrowserHandoff::decl(),
            accounts_core::bridge::ElementOne::decl(),
            accounts_core::bridge::ElementOneSignedIn::decl(),
            ems_api::Account::decl(),
            ems_api::AccountDetails::decl(),
            ems_api::Company::decl(),
            ems_api::CompanySize::decl(),
            ems_api::BillingAddress::decl(),
            ems_api::PaymentMethod::decl(),
            ems_api::CardBrand::decl(),
            ems_api::Subscription::decl(),
            ems_api::SubscriptionKind::decl(),
            ems_api::SubscriptionStatus::decl(),
            ems_api::HostedHomeserverSubscription::decl(),
            ems_api::HostedHomeserver::decl(),
            ems_api::ElementOneSubscription::decl(),
            ems_api::OnPremiseSubscription::decl(),
            ems_api::LicenceStatus::decl(),
            ems_api::NewSubscription::decl(),
            ems_api::NewHostedHomeserver::decl(),
            ems_api::NewElementOne::decl(),
            ems_api::NewOnPremise::decl(),
            ems_api::Host::decl(),
            accounts_core::ems::DeletionView::decl(),
            accounts_core::ems::EmsOverview::decl(),
            // Managing a Matrix account.
            accounts_core::matrix::MatrixProfile::decl(),
            accounts_core::matrix::AvatarImage::decl(),
            accounts_core::matrix::DeviceView::decl(),
            accounts_core::matrix::ThreepidView::decl(),
            accounts_core::matrix::AccountManagement::decl(),
            accounts_core::matrix::ManageAction::decl(),
            accounts_core::matrix::UiaStep::decl(),
            accounts_core::matrix::UiaChallenge::decl(),
            accounts_core::matrix::UiaFlow::decl(),
            crate::commands::matrix_manage::UiaAnswer::decl(),
            // Matrix account creation (registration).
            accounts_core::matrix::RegistrationOffer::decl(),
            accounts_core::matrix::RegistrationProgress::decl(),
            accounts_core::matrix::RegistrationStep::decl(),
            accounts_core::matrix::TermsPolicy::decl(),
            // Matrix single sign-on.
            // Account actions confirmed through single sign-on.
            // Seats.
            accounts_core::seats::SeatsTarget::decl(),
            accounts_core::seats::SeatSubscription::decl(),
            accounts_core::seats::SeatAdmin::decl(),
            accounts_core::seats::SeatUser::decl(),
            accounts_core::seats::SeatWarningKind::decl(),
            accounts_core::seats::DelegatedAction::decl(),
            accounts_core::seats::DelegatedAuth::decl(),
            accounts_core::seats::SeatWarning::decl(),
            accounts_core::seats::SeatLedger::decl(),
            accounts_core::seats::UsersPage::decl(),
            accounts_core::seats::NewSeatUser::decl(),
            accounts_core::seats::SeatUserChange::decl(),
            accounts_core::seats::UserSession::decl(),
            accounts_core::seats::RegistrationTokenView::decl(),
            accounts_core::seats::TokenList::decl(),
            accounts_core::seats::NewRegistrationToken::decl(),
            // Seats: importing a users file, and the audit log.
            accounts_core::seats::import::PlanVerdict::decl(),
            accounts_core::seats::import::PlanRow::decl(),
            accounts_core::seats::ImportPlan::decl(),
            accounts_core::seats::ImportProgress::decl(),
            accounts_core::seats::import::RowOutcome::decl(),
            accounts_core::seats::import::ReportRow::decl(),
            accounts_core::seats::import::GeneratedPassword::decl(),
            accounts_core::seats::ImportReport::decl(),
            accounts_core::seats::AuditResult::decl(),
            accounts_core::seats::AuditEntry::decl(),
        ];
        let mut out = String::from(
            "// Generated from the Rust IPC types by src-tauri/src/ipc.rs; do not edit.\n\
             // Regenerate: UPDATE_BINDINGS=1 cargo test -p element-accounts bindings\n\n",
        );
        for decl in decls {
            out.push_str("export ");
            out.push_str(&decl);
            out.push_str("\n\n");
        }
        out.push_str(&commands_and_codes());
        out.trim_end().to_owned() + "\n"
    }

    /// The command names (from the one list) and every error code as values, so that the UI's
    /// wrappers and its check of what crosses IPC follow the Rust side.
    fn commands_and_codes() -> String {
        let quote = |names: &mut dyn Iterator<Item = String>| {
            names.map(|n| format!("'{n}'")).collect::<Vec<_>>()
        };
        let commands = quote(&mut crate::COMMANDS.iter().map(|c| (*c).to_owned()));
        // The codes are the string literals of ErrorCode's generated union.
        let decl = ErrorCode::decl();
        let union = decl.split_once('=').map_or("", |(_, union)| union);
        let codes = quote(&mut union.split('"').skip(1).step_by(2).map(str::to_owned));
        assert!(codes.len() > 50, "ErrorCode's union was read: {decl}");
        format!(
            "/** Every command the app exposes (src-tauri/src/command_list.rs). */\n\
             export type Command =\n  | {};\n\n\
             /** Every error code, as values: what the UI accepts from the Rust side. */\n\
             export const ERROR_CODES: readonly ErrorCode[] = [\n  {},\n];\n",
            commands.join("\n  | "),
            codes.join(",\n  ")
        )
    }

    #[test]
    fn bindings_are_fresh() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
        let fresh = render_bindings();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).expect("write bindings");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "ui/src/bindings.ts is stale: regenerate it with UPDATE_BINDINGS=1 cargo test -p element-accounts bindings"
        );
    }
}
