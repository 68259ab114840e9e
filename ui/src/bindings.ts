// Generated from the Rust IPC types by src-tauri/src/ipc.rs; do not edit.
// Regenerate: UPDATE_BINDINGS=1 cargo test -p element-accounts bindings

export type AppOverview = { 
/**
 * The app's version.
 */
version: string, 
/**
 * The EMS issuer the app was pointed at, if any.
 */
ems_issuer: string | null, 
/**
 * The homeserver the app was pointed at, if any.
 */
homeserver: string | null, 
/**
 * Where the app keeps its non-secret data.
 */
data_dir: string | null, 
/**
 * Where the app writes its log.
 */
log_dir: string | null, 
/**
 * The accounts on this computer.
 */
accounts: Array<AccountRecord>, 
/**
 * A problem with the account registry the user must know of.
 */
registry_problem: IpcError | null, };

export type AccountRecord = { 
/**
 * The app's id for the account; its keyring entries are named after it.
 */
id: string, 
/**
 * EMS or Matrix.
 */
kind: AccountKind, 
/**
 * The EMS issuer URL or the homeserver URL every request of this account goes to.
 */
server: string, 
/**
 * The EMS subject or the Matrix user ID.
 */
user_id: string, 
/**
 * A name to show, when known.
 */
display_name: string | null, };

export type AccountKind = "ems" | "matrix";

export type ErrorCode = "io" | "keyring_unavailable" | "keyring_locked" | "keyring_timeout" | "keyring_failed" | "registry_newer_version" | "registry_moved_aside" | "unknown_account" | "internal";

export type IpcError = { 
/**
 * The closed category the UI branches on.
 */
code: ErrorCode, 
/**
 * What happened and what to do, for people.
 */
message: string, };
