// The one module that talks to the Rust side. Components call these typed functions; no
// component calls `invoke` itself. Payload types come from ./bindings.ts, generated from Rust.
import { invoke } from '@tauri-apps/api/core';
// The command names and the error codes are generated from the Rust side's lists.
import { ERROR_CODES, type Command } from './bindings';
import type {
  Account,
  AccountDetails,
  AppOverview,
  BillingAddress,
  DeletionView,
  EmsAccountView,
  EmsOverview,
  HomeserverInfo,
  IpcError,
  MatrixAccountView,
  NewSubscription,
  Subscription,
  SubscriptionLink,
} from './bindings';
import type { AvatarImage, DeviceView, MatrixProfile, ThreepidView, UiaAnswer, UiaStep } from './bindings';
import type { AccountManagement } from './bindings';
import type { BrowserHandoff, ElementOne, ElementOneSignedIn } from './bindings';
import type {
  NewRegistrationToken,
  NewSeatUser,
  SeatSubscription,
  SeatsTarget,
  SeatUserChange,
  TokenList,
  UserSession,
  UsersPage,
} from './bindings';

export type { AccountKind, AccountRecord, AppOverview, ErrorCode, IpcError } from './bindings';
export type { EmsAccountStatus, EmsAccountView } from './bindings';
export type {
  Account,
  AccountDetails,
  BillingAddress,
  Company,
  CompanySize,
  DeletionView,
  EmsOverview,
  Host,
  ElementOneSubscription,
  HostedHomeserverSubscription,
  NewSubscription,
  OnPremiseSubscription,
  PaymentMethod,
  Subscription,
  SubscriptionKind,
  SubscriptionLink,
} from './bindings';
export type { HomeserverInfo, IdentityProvider, LoginMethods, MatrixAccountView, SessionState } from './bindings';
export type { AvatarImage, DeviceView, MatrixProfile, ThreepidView, UiaAnswer, UiaChallenge, UiaFlow, UiaStep } from './bindings';
export type { AccountManagement, ManageAction } from './bindings';
// Matrix account creation (registration).
export type { RegistrationOffer, RegistrationProgress, RegistrationStep, TermsPolicy } from './bindings';
import type { RegistrationOffer, RegistrationProgress } from './bindings';
export type { AuditEntry, ImportPlan, ImportProgress, ImportReport, PlanRow, ReportRow } from './bindings';
import type { AuditEntry, ImportPlan, ImportProgress, ImportReport } from './bindings';
export type { BrowserHandoff, ElementOne, ElementOneSignedIn } from './bindings';
// Seats: paid seats against a hosted homeserver's accounts, and their administration.
export type {
  DelegatedAction,
  DelegatedAuth,
  NewRegistrationToken,
  NewSeatUser,
  RegistrationTokenView,
  SeatAdmin,
  SeatLedger,
  SeatSubscription,
  SeatsTarget,
  SeatUser,
  SeatUserChange,
  SeatWarning,
  SeatWarningKind,
  TokenList,
  UserSession,
  UsersPage,
} from './bindings';


// A Record forces every code of the generated union to be listed here.

/** True when `value` is an error as the Rust side sends it. */
export function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.message === 'string' &&
    typeof record.code === 'string' &&
    (ERROR_CODES as readonly string[]).includes(record.code)
  );
}

/** Turns anything thrown across IPC into an IpcError the UI can show. */
export function toIpcError(value: unknown): IpcError {
  if (isIpcError(value)) return value;
  const message = value instanceof Error ? value.message : String(value);
  return { code: 'internal', message: `Unexpected error from the app: ${message}` };
}

async function call<T>(command: Command, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toIpcError(error);
  }
}

/** The version, configured servers and data locations. */
export const appOverview = (): Promise<AppOverview> => call<AppOverview>('app_overview');

/** Tells the Rust side the shell has rendered. */
export const uiReady = (): Promise<void> => call<void>('ui_ready');

/** Resolves when secrets can be kept; rejects with the keyring problem otherwise. */
export const keyringStatus = (): Promise<void> => call<void>('keyring_status');

/**
 * Opens a link shown from server data (a policy, a web client) in the system browser. The Rust
 * side refuses anything but https (or http on this computer) and says why.
 */
export const openLink = (url: string): Promise<BrowserHandoff> => call<BrowserHandoff>('open_link', { url });

/** Removes an account from this computer: its keyring entries and its record. */
export const removeAccount = (id: string): Promise<void> => call<void>('remove_account', { id });

/** Resolves a server name, Matrix ID or URL to a homeserver and its sign-in methods. */
export const matrixDiscover = (input: string): Promise<HomeserverInfo> =>
  call<HomeserverInfo>('matrix_discover', { input });

/**
 * Signs in with a password (sent once, never kept here); `accountId` signs an account in again;
 * `subscription` is the EMS subscription the sign-in was opened from, kept with the account.
 */
export const matrixSignIn = (
  homeserver: string,
  identifier: string,
  password: string,
  accountId: string | null,
  subscription: SubscriptionLink | null = null,
): Promise<MatrixAccountView> =>
  call<MatrixAccountView>('matrix_sign_in', { homeserver, identifier, password, accountId, subscription });

/** Every Matrix account on this computer and where its session stands. */
export const matrixAccounts = (): Promise<MatrixAccountView[]> => call<MatrixAccountView[]>('matrix_accounts');

/** Ends the account's session on the server; the account stays, signed out. */
export const matrixSignOut = (id: string): Promise<void> => call<void>('matrix_sign_out', { id });

/** Removes the Matrix account from this computer: session, local store, keyring entries. */
export const matrixRemove = (id: string): Promise<void> => call<void>('matrix_remove', { id });

/**
 * Element One: one sign-in at the EMS identity provider for both the EMS account and the
 * Element One Matrix account at `homeserver` (its provider `idpId`, or its only one). With no
 * `homeserver`, the EMS account's Element One subscription names it once EMS is signed in.
 */
export const elementOneSignInStart = (
  issuer: string,
  homeserver: string | null,
  idpId: string | null,
  matrixId: string | null,
  subscription: SubscriptionLink | null,
): Promise<BrowserHandoff> =>
  call<BrowserHandoff>('element_one_sign_in_start', { issuer, homeserver, idpId, matrixId, subscription });

/** Waits for both legs of the Element One sign-in in the browser. */
export const elementOneSignInFinish = (): Promise<ElementOneSignedIn> =>
  call<ElementOneSignedIn>('element_one_sign_in_finish');

/** Gives up the Element One sign-in in progress. */
export const elementOneSignInCancel = (): Promise<void> => call<void>('element_one_sign_in_cancel');

/**
 * The Element One account that the Matrix account `accountId` is, or `null`: signing it in again
 * then goes through the Element One sign-in.
 */
export const elementOneOfMatrixAccount = (accountId: string): Promise<ElementOne | null> =>
  call<ElementOne | null>('element_one_of_matrix_account', { accountId });

/** Discovers the EMS server and opens the browser at its sign-in page. */
export const emsSignInStart = (issuer: string): Promise<BrowserHandoff> =>
  call<BrowserHandoff>('ems_sign_in_start', { issuer });

/** Waits for the browser to come back from the EMS sign-in. */
export const emsSignInFinish = (): Promise<EmsAccountView> => call<EmsAccountView>('ems_sign_in_finish');

/** Gives up the EMS sign-in in progress. */
export const emsSignInCancel = (): Promise<void> => call<void>('ems_sign_in_cancel');

/** Every EMS account on this computer. */
export const emsAccounts = (): Promise<EmsAccountView[]> => call<EmsAccountView[]>('ems_accounts');

/** Signs an EMS account out (tokens revoked, browser session ended). */
export const emsSignOut = (id: string, withBridged = false): Promise<void> =>
  call<void>('ems_sign_out', { id, withBridged });

/** The Matrix accounts here that the EMS account's Element One subscriptions bridge. */
export const emsBridgedAccounts = (id: string): Promise<MatrixAccountView[]> =>
  call<MatrixAccountView[]>('ems_bridged_accounts', { id });

/** Signs out and removes an EMS account from this computer. */
export const emsRemove = (id: string): Promise<void> => call<void>('ems_remove', { id });

/**
 * The EMS account's details, billing address, masked payment method and subscriptions; when the
 * server cannot be reached, the last ones fetched with `stale` saying why.
 */
export const emsOverview = (id: string): Promise<EmsOverview> => call<EmsOverview>('ems_overview', { id });

/** Replaces the EMS account's personal and company details. */
export const emsUpdateDetails = (id: string, details: AccountDetails): Promise<Account> =>
  call<Account>('ems_update_details', { id, details });

/** Replaces the EMS account's billing address. */
export const emsUpdateBillingAddress = (id: string, address: BillingAddress): Promise<BillingAddress> =>
  call<BillingAddress>('ems_update_billing_address', { id, address });

/** Creates a subscription on the EMS account. */
export const emsCreateSubscription = (id: string, subscription: NewSubscription): Promise<Subscription> =>
  call<Subscription>('ems_create_subscription', { id, subscription });

/** Raises a subscription's seats (they can never be lowered). */
export const emsRaiseSeats = (id: string, subscriptionId: string, seats: number): Promise<Subscription> =>
  call<Subscription>('ems_raise_seats', { id, subscriptionId, seats });

/** Cancels a subscription. */
export const emsCancelSubscription = (id: string, subscriptionId: string): Promise<Subscription> =>
  call<Subscription>('ems_cancel_subscription', { id, subscriptionId });

/** What deleting the EMS account removes (subscriptions, hosts, Matrix accounts here on them). */
export const emsDeletionPreview = (id: string): Promise<DeletionView> => call<DeletionView>('ems_deletion_preview', { id });

/** Deletes the EMS account once `email` (typed by the user) is its email; forgets it here. */
export const emsDeleteAccount = (id: string, email: string): Promise<void> =>
  call<void>('ems_delete_account', { id, email });

// Managing a Matrix account. Passwords are sent once with the call and never kept;
// actions protected by user-interactive auth answer a challenge first (`auth_required`), then
// are called again with the prompt's answer.

/** The account's display name and whether it has an avatar, from the server. */
export const matrixProfile = (id: string): Promise<MatrixProfile> => call<MatrixProfile>('matrix_profile', { id });

/** Sets the display name (empty removes it). */
export const matrixSetDisplayName = (id: string, name: string): Promise<void> =>
  call<void>('matrix_set_display_name', { id, name });

/** The avatar's bytes and type, fetched by the Rust side through the account's session. */
export const matrixAvatar = (id: string): Promise<AvatarImage | null> => call<AvatarImage | null>('matrix_avatar', { id });

/** Uploads an image (PNG, JPEG, GIF or WebP) as the avatar. */
export const matrixSetAvatar = (id: string, data: Uint8Array): Promise<void> =>
  call<void>('matrix_set_avatar', { id, data: Array.from(data) });

/** Removes the avatar. */
export const matrixRemoveAvatar = (id: string): Promise<void> => call<void>('matrix_remove_avatar', { id });

/** The account's sessions, this app's own first. */
export const matrixDevices = (id: string): Promise<DeviceView[]> => call<DeviceView[]>('matrix_devices', { id });

/** Renames a session. */
export const matrixRenameDevice = (id: string, deviceId: string, name: string): Promise<void> =>
  call<void>('matrix_rename_device', { id, deviceId, name });

/** Signs out other sessions (user-interactive auth). */
export const matrixDeleteDevices = (id: string, deviceIds: string[], auth: UiaAnswer | null): Promise<UiaStep> =>
  call<UiaStep>('matrix_delete_devices', { id, deviceIds, auth });

/** Changes the password; the current one confirms it. */
export const matrixChangePassword = (
  id: string,
  current: string,
  newPassword: string,
  signOutOthers: boolean,
): Promise<void> => call<void>('matrix_change_password', { id, current, new: newPassword, signOutOthers });

/** The email addresses and phone numbers on the account. */
export const matrixThreepids = (id: string): Promise<ThreepidView[]> => call<ThreepidView[]>('matrix_threepids', { id });

/** Removes an email address or phone number. */
export const matrixRemoveThreepid = (id: string, medium: string, address: string): Promise<void> =>
  call<void>('matrix_remove_threepid', { id, medium, address });

/** Deactivates the account for good and removes it from this computer (user-interactive auth). */
export const matrixDeactivate = (id: string, erase: boolean, auth: UiaAnswer | null): Promise<UiaStep> =>
  call<UiaStep>('matrix_deactivate', { id, erase, auth });
// Matrix account creation (registration).

/** How the homeserver lets accounts be created; rejects when it does not (closed, unsupported). */
export const matrixRegisterOffer = (homeserver: string): Promise<RegistrationOffer> =>
  call<RegistrationOffer>('matrix_register_offer', { homeserver });

/** Resolves when `username` is free on the homeserver; rejects with why not. */
export const matrixRegisterCheckUsername = (homeserver: string, username: string): Promise<void> =>
  call<void>('matrix_register_check_username', { homeserver, username });

// The calls that can finish the registration name the EMS subscription the form was opened from
// (null when none), which is kept with the new account as with a sign-in.

/** Starts creating the account (the password is sent once, never kept here). */
export const matrixRegisterStart = (
  homeserver: string,
  username: string,
  password: string,
  subscription: SubscriptionLink | null,
): Promise<RegistrationProgress> =>
  call<RegistrationProgress>('matrix_register_start', { homeserver, username, password, subscription });

/** The registration-token stage. */
export const matrixRegisterToken = (id: string, token: string): Promise<RegistrationProgress> =>
  call<RegistrationProgress>('matrix_register_token', { id, token });

/** The terms stage: the ids of every accepted policy. */
export const matrixRegisterAcceptTerms = (id: string, accepted: string[]): Promise<RegistrationProgress> =>
  call<RegistrationProgress>('matrix_register_accept_terms', { id, accepted });

/** The email stage: the server mails a validation link. */
export const matrixRegisterEmail = (id: string, address: string): Promise<RegistrationProgress> =>
  call<RegistrationProgress>('matrix_register_email', { id, address });

/** The email stage: done once the mailed link has been followed. */
export const matrixRegisterCheckEmail = (id: string): Promise<RegistrationProgress> =>
  call<RegistrationProgress>('matrix_register_check_email', { id });

/** Gives up the account creation in progress. */
export const matrixRegisterCancel = (id: string): Promise<void> => call<void>('matrix_register_cancel', { id });

/** Starts single sign-on with one identity provider and opens the browser there. */
export const matrixSsoStart = (
  homeserver: string,
  idpId: string | null,
  accountId: string | null,
  subscription: SubscriptionLink | null = null,
): Promise<BrowserHandoff> =>
  call<BrowserHandoff>('matrix_sso_start', { homeserver, idpId, accountId, subscription });

/** Waits for the browser to come back from single sign-on; resolves with the signed-in account. */
export const matrixSsoFinish = (): Promise<MatrixAccountView> => call<MatrixAccountView>('matrix_sso_finish');

/** Gives up the single sign-on in progress; nothing is kept. */
export const matrixSsoCancel = (): Promise<void> => call<void>('matrix_sso_cancel');

/** Starts an OAuth 2.0 sign-in (a new account with `createAccount`) and opens the browser there. */
export const matrixOauthStart = (
  homeserver: string,
  createAccount: boolean,
  accountId: string | null,
  subscription: SubscriptionLink | null = null,
  admin = false,
): Promise<BrowserHandoff> =>
  call<BrowserHandoff>('matrix_oauth_start', { homeserver, createAccount, accountId, subscription, admin });

/** Waits for the browser to come back from the authorization server; resolves with the account. */
export const matrixOauthFinish = (): Promise<MatrixAccountView> => call<MatrixAccountView>('matrix_oauth_finish');

/** Gives up the OAuth 2.0 sign-in in progress; nothing is kept. */
export const matrixOauthCancel = (): Promise<void> => call<void>('matrix_oauth_cancel');

/** Where the account's homeserver delegates account management (null: the app manages it). */
export const matrixAccountManagement = (id: string): Promise<AccountManagement | null> =>
  call<AccountManagement | null>('matrix_account_management', { id });

/** Opens the account-management page for one action (a session's own with its device id). */
export const matrixAccountManageOpen = (id: string, action: string, deviceId: string | null = null): Promise<BrowserHandoff> =>
  call<BrowserHandoff>('matrix_account_manage_open', { id, action, deviceId });

/** Waits until the homeserver accepts the request parked for SSO re-authentication. */
export const uiaSsoFinish = (): Promise<void> => call<void>('uia_sso_finish');

/** The user has finished in the browser: the parked request is retried at once. */
export const uiaSsoDone = (): Promise<void> => call<void>('uia_sso_done');

/** Gives up the request parked for SSO re-authentication; nothing is changed. */
export const uiaSsoCancel = (): Promise<void> => call<void>('uia_sso_cancel');


/** Signs out other sessions, confirmed through single sign-on: opens the browser, parks the request. */
export const matrixDeleteDevicesSso = (id: string, deviceIds: string[]): Promise<UiaStep> =>
  call<UiaStep>('matrix_delete_devices_sso', { id, deviceIds });

/** Deactivates the account, confirmed through single sign-on: opens the browser, parks the request. */
export const matrixDeactivateSso = (id: string, erase: boolean): Promise<UiaStep> =>
  call<UiaStep>('matrix_deactivate_sso', { id, erase });

// Seats. Each command names its subscription (`target`); the core holds the loaded user list
// and answers every change with the user as the homeserver now has it and the new ledger.

/** The hosted-homeserver subscriptions of the signed-in EMS accounts, with who administers each here. */
export const seatsSubscriptions = (): Promise<SeatSubscription[]> => call<SeatSubscription[]>('seats_subscriptions');

/** The next page of users (`restart` begins again from the first), with the ledger over all loaded. */
export const seatsLoadPage = (target: SeatsTarget, restart: boolean): Promise<UsersPage> =>
  call<UsersPage>('seats_load_page', { target, restart });

/** Creates a user with a generated password; refused when no seat is free. */
export const seatsAddUser = (target: SeatsTarget, user: NewSeatUser): Promise<SeatUserChange> =>
  call<SeatUserChange>('seats_add_user', { target, user });

/** Deactivates a user (`erase` also erases their data), which frees a seat. */
export const seatsDeactivate = (target: SeatsTarget, userId: string, erase: boolean): Promise<SeatUserChange> =>
  call<SeatUserChange>('seats_deactivate', { target, userId, erase });

/** Reactivates a user with `password`, or a generated one when null; needs a free seat. */
export const seatsReactivate = (target: SeatsTarget, userId: string, password: string | null): Promise<SeatUserChange> =>
  call<SeatUserChange>('seats_reactivate', { target, userId, password });

/** Sets a new password (generated when null); the user is signed out everywhere. */
export const seatsResetPassword = (target: SeatsTarget, userId: string, password: string | null): Promise<SeatUserChange> =>
  call<SeatUserChange>('seats_reset_password', { target, userId, password });

/**
 * Grants or revokes server admin. Revoking the last admin or one's own rights fails with
 * `seats_confirm_consequence` unless `acceptConsequence` is true.
 */
export const seatsSetAdmin = (
  target: SeatsTarget,
  userId: string,
  admin: boolean,
  acceptConsequence: boolean,
): Promise<SeatUserChange> => call<SeatUserChange>('seats_set_admin', { target, userId, admin, acceptConsequence });

/** The user's sessions. */
export const seatsSessions = (target: SeatsTarget, userId: string): Promise<UserSession[]> =>
  call<UserSession[]>('seats_sessions', { target, userId });

/** Signs out one of the user's sessions, or all when `deviceId` is null; answers those that remain. */
export const seatsSignOutSessions = (target: SeatsTarget, userId: string, deviceId: string | null): Promise<UserSession[]> =>
  call<UserSession[]>('seats_sign_out_sessions', { target, userId, deviceId });

/** The homeserver's registration tokens, and the free seats they are weighed against. */
export const seatsTokens = (target: SeatsTarget): Promise<TokenList> => call<TokenList>('seats_tokens', { target });

/** Creates a registration token. */
export const seatsCreateToken = (target: SeatsTarget, token: NewRegistrationToken): Promise<TokenList> =>
  call<TokenList>('seats_create_token', { target, token });

/** Revokes a registration token. */
export const seatsRevokeToken = (target: SeatsTarget, token: string): Promise<TokenList> =>
  call<TokenList>('seats_revoke_token', { target, token });

/** Reads a users CSV file (its bytes; parsed in Rust) and plans its import: nothing is created. */
export const seatsImportPlan = (target: SeatsTarget, bytes: Uint8Array): Promise<ImportPlan> =>
  call<ImportPlan>('seats_import_plan', { target, bytes: Array.from(bytes) });

/** Imports the planned file: only its first `limit` rows to create, when given. */
export const seatsImportRun = (target: SeatsTarget, limit: number | null): Promise<ImportReport> =>
  call<ImportReport>('seats_import_run', { target, limit });

/** How far the running import is. */
export const seatsImportProgress = (target: SeatsTarget): Promise<ImportProgress> =>
  call<ImportProgress>('seats_import_progress', { target });

/** Stops the running import before its next row. */
export const seatsImportCancel = (target: SeatsTarget): Promise<void> => call<void>('seats_import_cancel', { target });

/** Saves the generated passwords to a file the user picks (null: the dialog was cancelled). */
export const seatsImportSavePasswords = (target: SeatsTarget): Promise<number | null> =>
  call<number | null>('seats_import_save_passwords', { target });

/** Forgets the generated passwords. */
export const seatsImportForgetPasswords = (target: SeatsTarget): Promise<void> =>
  call<void>('seats_import_forget_passwords', { target });

/** Exports every user, without passwords, to a CSV file the user picks (null: cancelled). */
export const seatsExport = (target: SeatsTarget): Promise<number | null> =>
  call<number | null>('seats_export', { target });

/** The homeserver's audit log, newest first; only entries about `user` when given. */
export const seatsAudit = (target: SeatsTarget, user: string | null): Promise<AuditEntry[]> =>
  call<AuditEntry[]>('seats_audit', { target, user });

/** Exports the audit log to a file the user picks (null: cancelled). */
export const seatsAuditExport = (target: SeatsTarget, user: string | null): Promise<number | null> =>
  call<number | null>('seats_audit_export', { target, user });
