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
display_name: string | null, 
/**
 * The account's email, when known (EMS accounts).
 */
email: string | null, };

export type AccountKind = "ems" | "matrix";

export type ErrorCode = "io" | "keyring_unavailable" | "keyring_locked" | "keyring_timeout" | "keyring_failed" | "registry_newer_version" | "registry_moved_aside" | "unknown_account" | "internal" | "ems_invalid_issuer" | "ems_unreachable" | "ems_not_oidc_provider" | "ems_cancelled" | "ems_timed_out" | "ems_refused" | "ems_sign_in_failed" | "ems_signed_out_on_server" | "ems_not_signed_in" | "ems_server" | "matrix_invalid_server_name" | "matrix_insecure_url" | "matrix_no_such_host" | "matrix_connection_refused" | "matrix_tls" | "matrix_unreachable" | "matrix_not_a_homeserver" | "matrix_well_known_invalid" | "matrix_well_known_dead_server" | "matrix_wrong_credentials" | "matrix_deactivated" | "matrix_rate_limited" | "matrix_password_not_offered" | "matrix_already_signed_in" | "matrix_not_signed_in" | "matrix_signed_out_on_server" | "matrix_server_error" | "matrix_store" | "matrix_uia_wrong_password" | "matrix_uia_unsupported" | "matrix_refused" | "matrix_weak_password" | "matrix_invalid_image" | "matrix_invalid_input" | "matrix_password_changed_sessions_kept";

export type IpcError = { 
/**
 * The closed category the UI branches on.
 */
code: ErrorCode, 
/**
 * What happened and what to do, for people.
 */
message: string, };

export type HomeserverInfo = { 
/**
 * The homeserver's base URL, without a trailing slash; every request of the account goes here.
 */
homeserver_url: string, 
/**
 * The server name whose well-known named it, when it was found that way.
 */
via_well_known: string | null, 
/**
 * The sign-in methods the homeserver offers.
 */
methods: LoginMethods, };

export type LoginMethods = { 
/**
 * `m.login.password`.
 */
password: boolean, 
/**
 * `m.login.sso`, with its identity providers (empty when the server names none).
 */
sso: Array<IdentityProvider> | null, 
/**
 * The server answers `/_matrix/client/v1/auth_metadata`: OAuth 2.0 next-generation auth,
 * which this version cannot do yet.
 */
oauth: boolean, };

export type IdentityProvider = { 
/**
 * The provider's id, for the SSO redirect.
 */
id: string, 
/**
 * The name to show.
 */
name: string, };

export type MatrixAccountView = { 
/**
 * The app's id of the account.
 */
id: string, 
/**
 * The full Matrix ID.
 */
user_id: string, 
/**
 * The homeserver URL the session talks to.
 */
homeserver: string, 
/**
 * The display name, when known.
 */
display_name: string | null, 
/**
 * Where the session stands.
 */
session: SessionState, };

export type SessionState = { "state": "restoring" } | { "state": "checking" } | { "state": "signed_in", 
/**
 * The session's device id, as the server's `whoami` returned it.
 */
device_id: string, } | { "state": "unreachable", 
/**
 * What went wrong, for people.
 */
message: string, } | { "state": "signed_out_on_server" } | { "state": "signed_out" } | { "state": "failed", 
/**
 * What went wrong and what to do.
 */
message: string, };

export type EmsAccountView = { 
/**
 * The account's id in the registry.
 */
id: string, 
/**
 * The EMS server's issuer URL.
 */
issuer: string, 
/**
 * The account's email.
 */
email: string | null, 
/**
 * The account's name.
 */
name: string | null, 
/**
 * Where it stands.
 */
status: EmsAccountStatus, };

export type EmsAccountStatus = "checking" | "signed_in" | "signed_out" | "signed_out_on_server";

export type EmsSignInStarted = { 
/**
 * The address the browser was sent to (shown for copying when it could not be opened).
 */
authorize_url: string, 
/**
 * Why the browser could not be opened, if it could not.
 */
browser_error: string | null, };

export type MatrixProfile = { 
/**
 * The display name, if set.
 */
display_name: string | null, 
/**
 * Whether an avatar is set (fetch it with `avatar`).
 */
has_avatar: boolean, };

export type AvatarImage = { 
/**
 * The image's media type, from its first bytes.
 */
mime: string, 
/**
 * The image itself.
 */
data: Array<number>, };

export type DeviceView = { 
/**
 * The device id.
 */
device_id: string, 
/**
 * Its name, if any.
 */
display_name: string | null, 
/**
 * The IP address it was last seen from, if the server says.
 */
last_seen_ip: string | null, 
/**
 * When it was last seen, in milliseconds since the Unix epoch.
 */
last_seen_ts: number | null, 
/**
 * Whether it is this app's own session.
 */
current: boolean, };

export type ThreepidView = { 
/**
 * `email` or `msisdn`.
 */
medium: string, 
/**
 * The address or number.
 */
address: string, 
/**
 * When it was added, in milliseconds since the Unix epoch.
 */
added_at: number, };

export type UiaStep = { "status": "done" } | { "status": "auth_required", 
/**
 * What the server asks for.
 */
challenge: UiaChallenge, };

export type UiaChallenge = { 
/**
 * The server's UIA session id, to send with the retried request.
 */
session: string | null, 
/**
 * The flows the server offers; completing any one of them is enough.
 */
flows: Array<UiaFlow>, 
/**
 * The stages already completed in this session.
 */
completed: Array<string>, };

export type UiaFlow = { 
/**
 * The stage ids, such as `m.login.password` or `m.login.sso`.
 */
stages: Array<string>, };

export type UiaAnswer = { 
/**
 * The challenge's session id.
 */
session: string | null, 
/**
 * The account's password, for the `m.login.password` stage. `None` when the stage was
 * completed elsewhere (the server's fallback page in the browser), which needs a session.
 */
password: string | null, };
