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
email: string | null, 
/**
 * The EMS subscription this Matrix account was opened from, when it was.
 */
subscription?: SubscriptionLink, };

export type SubscriptionLink = { 
/**
 * The app's id of the EMS account that holds the subscription.
 */
ems_account: string, 
/**
 * The subscription's id at the EMS server.
 */
subscription_id: string, };

export type AccountKind = "ems" | "matrix";

export type ErrorCode = "io" | "keyring_unavailable" | "keyring_locked" | "keyring_timeout" | "keyring_failed" | "registry_newer_version" | "registry_moved_aside" | "unknown_account" | "internal" | "browser_refused" | "browser_unavailable" | "ems_invalid_issuer" | "ems_unreachable" | "ems_not_oidc_provider" | "ems_insecure" | "ems_issuer_mismatch" | "ems_cancelled" | "ems_timed_out" | "ems_refused" | "ems_sign_in_failed" | "ems_signed_out_on_server" | "ems_not_signed_in" | "ems_server" | "ems_invalid_field" | "ems_email_taken" | "ems_seats_cannot_decrease" | "ems_seats_not_applicable" | "ems_subscription_cancelled" | "ems_element_one_exists" | "ems_element_one_unavailable" | "ems_confirmation_stale" | "ems_email_mismatch" | "ems_not_found" | "ems_rejected" | "matrix_invalid_server_name" | "matrix_insecure_url" | "matrix_no_such_host" | "matrix_connection_refused" | "matrix_tls" | "matrix_unreachable" | "matrix_not_a_homeserver" | "matrix_well_known_invalid" | "matrix_well_known_dead_server" | "matrix_wrong_credentials" | "matrix_deactivated" | "matrix_rate_limited" | "matrix_password_not_offered" | "matrix_already_signed_in" | "matrix_not_signed_in" | "matrix_signed_out_on_server" | "matrix_server_error" | "matrix_store" | "matrix_uia_wrong_password" | "matrix_uia_unsupported" | "matrix_refused" | "matrix_weak_password" | "matrix_invalid_image" | "matrix_invalid_input" | "matrix_registration_closed" | "matrix_registration_unsupported" | "matrix_username_taken" | "matrix_username_invalid" | "matrix_registration_token_invalid" | "matrix_terms_not_accepted" | "matrix_email_invalid" | "matrix_email_in_use" | "matrix_email_denied" | "matrix_registration_not_in_progress" | "matrix_registration_not_kept" | "matrix_sso_cancelled" | "matrix_sso_timed_out" | "matrix_sso_failed" | "matrix_login_token_refused" | "matrix_signs_in_with_oauth" | "matrix_oauth_failed" | "matrix_reauth_not_offered" | "matrix_reauth_cancelled" | "matrix_reauth_timed_out" | "matrix_password_changed_sessions_kept" | "bridge_no_element_one" | "seats_no_admin" | "seats_not_admin" | "seats_no_seat_free" | "seats_unknown_subscription" | "seats_homeserver_unreachable" | "seats_signed_out" | "seats_refused" | "seats_invalid_input" | "seats_confirm_consequence" | "seats_user_exists" | "seats_unknown_user" | "seats_unknown_token" | "seats_ems_unreachable" | "seats_delegated";

export type IpcError = { 
/**
 * The closed category the UI branches on.
 */
code: ErrorCode, 
/**
 * What happened and what to do, for people.
 */
message: string, 
/**
 * The request field at fault (a dotted path such as `company.name`), so the UI can show
 * the message next to it.
 */
field?: string, };

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
session: SessionState, 
/**
 * The EMS subscription the account was opened from, when it was.
 */
subscription: SubscriptionLink | null, };

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

export type BrowserHandoff = { 
/**
 * The address (shown for copying when the browser could not be opened). It holds no
 * secret: a flow's `state` only lets the app's own listener accept the return.
 */
url: string, 
/**
 * Why the browser could not be opened, if it could not.
 */
browser_error: string | null, };

export type ElementOne = { 
/**
 * The EMS issuer.
 */
issuer: string, 
/**
 * The Element One homeserver's URL; `None` when it is not known yet (the button on the EMS
 * sign-in card): the EMS account's Element One subscription then names it, and its
 * provider, Matrix ID and link, once EMS is signed in.
 */
homeserver: string | null, 
/**
 * The homeserver's identity-provider id for this EMS (such as `oidc-ems`); when `None`,
 * the homeserver's only identity provider.
 */
idp_id: string | null, 
/**
 * The Matrix ID the subscription names; a different one is refused.
 */
matrix_id: string | null, 
/**
 * The subscription, kept with the Matrix account.
 */
subscription: SubscriptionLink | null, };

export type ElementOneSignedIn = { 
/**
 * The EMS account.
 */
ems: EmsAccountView, 
/**
 * The Element One Matrix account.
 */
matrix: MatrixAccountView, };

export type Account = { 
/**
 * The account id: the OpenID Connect `sub`.
 */
id: string, 
/**
 * The email address, also the sign-in name.
 */
email: string, 
/**
 * The customer's full name.
 */
name: string, 
/**
 * The short user name (`preferred_username`); the localpart of an Element One Matrix ID.
 */
username: string, 
/**
 * Company details, if the account is a company's.
 */
company: Company | null, 
/**
 * Where invoices go, once set.
 */
billing_address: BillingAddress | null, 
/**
 * The card on file, masked, once set.
 */
payment_method: PaymentMethod | null, 
/**
 * When the account was created (Unix seconds).
 */
created_at: number, };

export type AccountDetails = { 
/**
 * The full name: 1 to 200 characters, not only spaces.
 */
name: string, 
/**
 * The email address (`local@domain`, at most 254 characters); another account's is a 409.
 */
email: string, 
/**
 * Company details, or `null` for a private customer.
 */
company: Company | null, };

export type Company = { 
/**
 * The company's name: 1 to 200 characters.
 */
name: string, 
/**
 * The company registration or VAT number: 1 to 50 characters.
 */
number: string | null, 
/**
 * How many people work there.
 */
size: CompanySize | null, };

export type CompanySize = "1-10" | "11-50" | "51-250" | "251-1000" | "1001+";

export type BillingAddress = { 
/**
 * First address line: 1 to 200 characters.
 */
line1: string, 
/**
 * Second address line: up to 200 characters.
 */
line2: string | null, 
/**
 * City: 1 to 100 characters.
 */
city: string, 
/**
 * State, county or region: up to 100 characters.
 */
region: string | null, 
/**
 * Postal code: 1 to 20 characters.
 */
postal_code: string, 
/**
 * ISO 3166-1 alpha-2 country code, upper case (`GB`, `DE`).
 */
country: string, };

export type PaymentMethod = { 
/**
 * The card's brand, from its number.
 */
brand: CardBrand, 
/**
 * The last four digits.
 */
last4: string, 
/**
 * Expiry month, 1 to 12.
 */
expiry_month: number, 
/**
 * Expiry year.
 */
expiry_year: number, 
/**
 * The name on the card.
 */
holder_name: string, };

export type CardBrand = "visa" | "mastercard" | "amex" | "discover" | "other";

export type Subscription = { "kind": "hosted_homeserver" } & HostedHomeserverSubscription | { "kind": "element_one" } & ElementOneSubscription | { "kind": "on_premise" } & OnPremiseSubscription;

export type SubscriptionKind = "hosted_homeserver" | "element_one" | "on_premise";

export type SubscriptionStatus = "active" | "pending" | "cancelled";

export type HostedHomeserverSubscription = { 
/**
 * The subscription id.
 */
id: string, 
/**
 * `pending` until a homeserver is assigned.
 */
status: SubscriptionStatus, 
/**
 * Seats paid for; they can be raised, never lowered.
 */
seats: number, 
/**
 * Who to contact about the homeserver.
 */
admin_contact: string, 
/**
 * The assigned homeserver; `null` while pending and once cancelled.
 */
homeserver: HostedHomeserver | null, 
/**
 * When it was created (Unix seconds).
 */
created_at: number, };

export type HostedHomeserver = { 
/**
 * The server name (the part after `:` in Matrix IDs).
 */
server_name: string, 
/**
 * The client-server API URL.
 */
homeserver_url: string, 
/**
 * The dedicated web client, with the homeserver preset.
 */
web_client_url: string, };

export type ElementOneSubscription = { 
/**
 * The subscription id.
 */
id: string, 
/**
 * Its status.
 */
status: SubscriptionStatus, 
/**
 * The Matrix ID, `@username:<server name>`.
 */
matrix_id: string, 
/**
 * The Element One homeserver's server name.
 */
server_name: string, 
/**
 * The Element One homeserver's client-server API URL.
 */
homeserver_url: string, 
/**
 * The homeserver's identity-provider id for this EMS (`oidc-ems`): where its single
 * sign-on goes to sign in with the EMS account. `null` when EMS does not know it.
 */
sso_idp_id: string | null, 
/**
 * Element One's web client, with the homeserver preset; `null` when there is none.
 */
web_client_url: string | null, 
/**
 * When it was created (Unix seconds).
 */
created_at: number, };

export type OnPremiseSubscription = { 
/**
 * The subscription id.
 */
id: string, 
/**
 * Its status.
 */
status: SubscriptionStatus, 
/**
 * Seats licensed; they can be raised, never lowered.
 */
seats: number, 
/**
 * The customer's sub-domain for their dedicated web client.
 */
web_client_domain: string, 
/**
 * Whether the licence may be used.
 */
licence_status: LicenceStatus, 
/**
 * When it was created (Unix seconds).
 */
created_at: number, };

export type LicenceStatus = "valid" | "revoked";

export type NewSubscription = { "kind": "hosted_homeserver" } & NewHostedHomeserver | { "kind": "element_one" } & NewElementOne | { "kind": "on_premise" } & NewOnPremise;

export type NewHostedHomeserver = { 
/**
 * Seats, 1 to 100000.
 */
seats: number, 
/**
 * Who to contact about it (an email); the account's email when absent.
 */
admin_contact: string | null, 
/**
 * The server name wanted, one the EMS offers and no one uses; the next free homeserver
 * when absent (the subscription waits `pending` while none is free).
 */
server_name: string | null, };

export type NewElementOne = { 
/**
 * The Matrix ID's localpart (`@<username>:<server name>`); the EMS account's user name
 * when absent.
 */
username: string | null, };

export type NewOnPremise = { 
/**
 * Seats, 1 to 100000.
 */
seats: number, 
/**
 * The sub-domain of the customer's web client, a DNS name such as `chat.example.org`.
 */
web_client_domain: string, };

export type Host = { 
/**
 * The hosted-homeserver subscription it belongs to.
 */
subscription_id: string, 
/**
 * The homeserver's server name.
 */
server_name: string, 
/**
 * The homeserver's client-server API URL.
 */
homeserver_url: string, };

export type DeletionView = { 
/**
 * The email the user must type to confirm.
 */
email: string, 
/**
 * Every subscription, in any status.
 */
subscriptions: Array<Subscription>, 
/**
 * Every hosted homeserver that is taken down.
 */
hosts: Array<Host>, 
/**
 * The Matrix accounts on this computer whose homeserver is one of `hosts` (their user IDs).
 */
matrix_accounts: Array<string>, 
/**
 * When the preview expires (Unix seconds): preview again after that.
 */
expires_at: number, };

export type EmsOverview = { 
/**
 * Details, billing address and masked payment method.
 */
account: Account, 
/**
 * Every subscription, oldest first.
 */
subscriptions: Array<Subscription>, 
/**
 * When the server gave these data (Unix seconds).
 */
fetched_at: number, 
/**
 * Why the data come from the cache (the server could not be reached), when they do; changes
 * are refused while this is set.
 */
stale?: string, };

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

export type AccountManagement = { 
/**
 * The account-management page.
 */
url: string, 
/**
 * The actions it serves, in the server's order.
 */
actions: Array<ManageAction>, };

export type ManageAction = { 
/**
 * The action as the server names it (`org.matrix.devices_list`).
 */
action: string, 
/**
 * Its short name, without `org.matrix.` (`devices_list`), for buttons.
 */
name: string, 
/**
 * Whether it concerns one session, whose device id it then takes.
 */
per_device: boolean, };

export type UiaStep = { "status": "done" } | { "status": "auth_required", 
/**
 * What the server asks for.
 */
challenge: UiaChallenge, } | { "status": "browser", 
/**
 * The homeserver's confirmation page (shown for copying when it could not be opened).
 * It holds no secret: the UIA session id only ties the confirmation to the request.
 */
url: string, 
/**
 * Why the browser could not be opened, if it could not.
 */
browser_error: string | null, };

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

export type RegistrationOffer = { 
/**
 * The homeserver URL.
 */
homeserver_url: string, 
/**
 * The stages of the way the app will follow, in order (for example
 * `m.login.registration_token`, `m.login.dummy`).
 */
stages: Array<string>, };

export type RegistrationProgress = { 
/**
 * The registration's id; each later call names it, so that a stale screen changes nothing.
 */
id: string, 
/**
 * What comes next.
 */
step: RegistrationStep, };

export type RegistrationStep = { "step": "token" } | { "step": "terms", 
/**
 * The policies.
 */
policies: Array<TermsPolicy>, } | { "step": "email" } | { "step": "email_sent", 
/**
 * Where it was sent.
 */
address: string, 
/**
 * Whether the app has already asked and the link was not followed yet.
 */
waiting: boolean, } | { "step": "done", 
/**
 * The new account.
 */
account: MatrixAccountView, };

export type TermsPolicy = { 
/**
 * The policy's id, as the server names it.
 */
id: string, 
/**
 * Its name, to show.
 */
name: string, 
/**
 * Where to read it.
 */
url: string, 
/**
 * Its version.
 */
version: string, };

export type SeatsTarget = { 
/**
 * The app's id of the EMS account that holds the subscription.
 */
ems_account: string, 
/**
 * The subscription's id at EMS.
 */
subscription_id: string, };

export type SeatSubscription = { 
/**
 * The app's id of the EMS account.
 */
ems_account: string, 
/**
 * The EMS account's email (or id), to tell accounts apart.
 */
ems_label: string, 
/**
 * The subscription's id at EMS.
 */
subscription_id: string, 
/**
 * The homeserver's server name.
 */
server_name: string, 
/**
 * The homeserver's client-server API URL.
 */
homeserver_url: string, 
/**
 * Seats paid for.
 */
seats: number, 
/**
 * The EMS data are the last fetched copy (the server could not be reached): no changes.
 */
stale: boolean, 
/**
 * The Matrix account that administers the homeserver, if one here does.
 */
admin: SeatAdmin | null, 
/**
 * Why none does, in words to show.
 */
admin_problem: string | null, 
/**
 * What the homeserver leaves to its authorization server, when it delegates its sign-in
 * (known once an admin's desk is open).
 */
delegated: DelegatedAuth | null, };

export type SeatAdmin = { 
/**
 * The app's id of the Matrix account.
 */
account_id: string, 
/**
 * Its Matrix ID.
 */
matrix_id: string, };

export type SeatUser = { 
/**
 * The full Matrix ID.
 */
user_id: string, 
/**
 * The part between `@` and `:`.
 */
localpart: string, 
/**
 * The display name, if set.
 */
display_name: string | null, 
/**
 * A server admin.
 */
admin: boolean, 
/**
 * Deactivated.
 */
deactivated: boolean, 
/**
 * Locked (cannot sign in until unlocked).
 */
locked: boolean, 
/**
 * A guest.
 */
guest: boolean, 
/**
 * The user type (`bot`, `support`, or another), if any.
 */
user_type: string | null, 
/**
 * When the account was created (Unix milliseconds).
 */
created_ms: number | null, 
/**
 * When a client was last seen with it (Unix milliseconds), if ever.
 */
last_seen_ms: number | null, 
/**
 * Holds a seat ("Accounts").
 */
holds_seat: boolean, 
/**
 * Seen in the last 30 days ("Active this month").
 */
active_this_month: boolean, 
/**
 * Not seen for 90 days, or never.
 */
stale: boolean, };

export type SeatWarningKind = "no_seat_free" | "active_exceeds_seats";

export type DelegatedAction = "add_user" | "import_users" | "reset_password" | "reactivate" | "set_admin" | "registration_tokens";

export type DelegatedAuth = { 
/**
 * The actions that are done at the authorization server instead.
 */
unavailable: Array<DelegatedAction>, 
/**
 * Why, in words to show.
 */
message: string, };

export type SeatWarning = { 
/**
 * What kind.
 */
kind: SeatWarningKind, 
/**
 * What it means and what to do.
 */
message: string, };

export type SeatLedger = { 
/**
 * Seats the subscription pays for (from EMS).
 */
seats_paid: number, 
/**
 * Accounts that hold a seat.
 */
accounts: number, 
/**
 * Accounts seen in the last 30 days: the billing measure.
 */
active_this_month: number, 
/**
 * Seats paid minus accounts; negative when over.
 */
free: number, 
/**
 * Whether every user was counted (`false` while the list is still loading).
 */
complete: boolean, 
/**
 * What wants attention.
 */
warnings: Array<SeatWarning>, };

export type UsersPage = { 
/**
 * The users of this page; or, when `replaces`, every user loaded so far.
 */
users: Array<SeatUser>, 
/**
 * The list was restarted meanwhile (a newer load): `users` replaces what the caller has.
 */
replaces: boolean, 
/**
 * Users loaded so far.
 */
loaded: number, 
/**
 * Users the homeserver has.
 */
total: number, 
/**
 * Every page is loaded.
 */
done: boolean, 
/**
 * The ledger over the users loaded so far.
 */
ledger: SeatLedger, };

export type NewSeatUser = { 
/**
 * The user name (the localpart), or a full Matrix ID on this homeserver.
 */
username: string, 
/**
 * The display name, if any.
 */
display_name: string | null, 
/**
 * An email address to attach, if any.
 */
email: string | null, };

export type SeatUserChange = { 
/**
 * The user as the homeserver has it now.
 */
user: SeatUser, 
/**
 * The ledger after the change.
 */
ledger: SeatLedger, 
/**
 * The password the app generated, to show once; `None` when the admin typed one.
 */
password: string | null, };

export type UserSession = { 
/**
 * The device id.
 */
device_id: string, 
/**
 * Its name, if it has one.
 */
display_name: string | null, 
/**
 * The address it was last seen from.
 */
last_seen_ip: string | null, 
/**
 * When it was last seen (Unix milliseconds).
 */
last_seen_ms: number | null, };

export type RegistrationTokenView = { 
/**
 * The token new users type.
 */
token: string, 
/**
 * Registrations it allows (`None`: unlimited).
 */
uses_allowed: number | null, 
/**
 * Registrations under way.
 */
pending: number, 
/**
 * Registrations completed.
 */
completed: number, 
/**
 * When it expires (Unix milliseconds), if ever.
 */
expiry_ms: number | null, 
/**
 * Its remaining uses exceed the free seats.
 */
exceeds_free: boolean, };

export type TokenList = { 
/**
 * Every token, valid or not.
 */
tokens: Array<RegistrationTokenView>, 
/**
 * Free seats.
 */
free: number, };

export type NewRegistrationToken = { 
/**
 * Registrations it allows (`None`: unlimited).
 */
uses_allowed: number | null, 
/**
 * When it expires (Unix milliseconds), if ever.
 */
expiry_ms: number | null, };

export type PlanVerdict = "create" | "skip" | "invalid";

export type PlanRow = { 
/**
 * The row's line in the file.
 */
line: number, 
/**
 * The Matrix ID, or the `id` cell as written when it is not one.
 */
user: string, 
/**
 * The display name, when the row has one.
 */
display_name: string | null, 
/**
 * What is done with it.
 */
verdict: PlanVerdict, 
/**
 * Why it is skipped or invalid.
 */
reason: string | null, 
/**
 * Creating it takes a seat (it has no user type).
 */
takes_seat: boolean, };

export type ImportPlan = { 
/**
 * The rows in file order.
 */
rows: Array<PlanRow>, 
/**
 * Columns of the file this format does not know, ignored.
 */
unknown_columns: Array<string>, 
/**
 * Rows to create.
 */
to_create: number, 
/**
 * Seats the rows to create take (typed users, such as bots, take none).
 */
seats_needed: number, 
/**
 * Seats free now.
 */
free: number, 
/**
 * Every row to create fits in the free seats.
 */
fits: boolean, 
/**
 * How many of the rows to create, from the top, fit in the free seats.
 */
fitting: number, };

export type ImportProgress = { 
/**
 * Rows to create that have been tried.
 */
done: number, 
/**
 * Rows to create in this run.
 */
total: number, 
/**
 * A run is under way.
 */
running: boolean, };

export type RowOutcome = "created" | "skipped" | "invalid" | "failed" | "unknown" | "not_attempted";

export type ReportRow = { 
/**
 * The row's line in the file.
 */
line: number, 
/**
 * The Matrix ID, or the `id` cell as written.
 */
user: string, 
/**
 * What became of it.
 */
outcome: RowOutcome, 
/**
 * Why, when it was not created.
 */
reason: string | null, };

export type GeneratedPassword = { 
/**
 * Whose.
 */
user_id: string, 
/**
 * The password.
 */
password: string, };

export type ImportReport = { 
/**
 * Every row of the file, in order.
 */
rows: Array<ReportRow>, 
/**
 * Accounts created.
 */
created: number, 
/**
 * Rows skipped or invalid.
 */
skipped: number, 
/**
 * Rows the homeserver refused.
 */
failed: number, 
/**
 * Rows whose outcome is unknown (the homeserver stopped answering).
 */
unknown: number, 
/**
 * Rows not reached.
 */
not_attempted: number, 
/**
 * The run was cancelled.
 */
cancelled: boolean, 
/**
 * The generated passwords, to show once.
 */
passwords: Array<GeneratedPassword>, };

export type AuditResult = "ok" | "failed" | "unknown";

export type AuditEntry = { 
/**
 * When (Unix milliseconds).
 */
at_ms: number, 
/**
 * Where it was taken: `app`, `cli`.
 */
source: string, 
/**
 * The admin's Matrix ID.
 */
admin: string, 
/**
 * The homeserver's server name.
 */
homeserver: string, 
/**
 * What was done (`add_user`, `deactivate`, `import_row`…).
 */
action: string, 
/**
 * Whom or what it was done to: a Matrix ID, or a description.
 */
target: string, 
/**
 * How it ended.
 */
result: AuditResult, 
/**
 * Why it failed, in words, if it did.
 */
detail: string | null, };

/** Every command the app exposes (src-tauri/src/command_list.rs). */
export type Command =
  | 'app_overview'
  | 'ui_ready'
  | 'keyring_status'
  | 'open_link'
  | 'remove_account'
  | 'element_one_sign_in_start'
  | 'element_one_sign_in_finish'
  | 'element_one_sign_in_cancel'
  | 'element_one_of_matrix_account'
  | 'ems_sign_in_start'
  | 'ems_sign_in_finish'
  | 'ems_sign_in_cancel'
  | 'ems_accounts'
  | 'ems_sign_out'
  | 'ems_bridged_accounts'
  | 'ems_remove'
  | 'ems_overview'
  | 'ems_update_details'
  | 'ems_update_billing_address'
  | 'ems_create_subscription'
  | 'ems_raise_seats'
  | 'ems_cancel_subscription'
  | 'ems_deletion_preview'
  | 'ems_delete_account'
  | 'matrix_discover'
  | 'matrix_sign_in'
  | 'matrix_accounts'
  | 'matrix_sign_out'
  | 'matrix_remove'
  | 'matrix_profile'
  | 'matrix_set_display_name'
  | 'matrix_avatar'
  | 'matrix_set_avatar'
  | 'matrix_remove_avatar'
  | 'matrix_devices'
  | 'matrix_rename_device'
  | 'matrix_delete_devices'
  | 'matrix_change_password'
  | 'matrix_threepids'
  | 'matrix_remove_threepid'
  | 'matrix_deactivate'
  | 'matrix_register_offer'
  | 'matrix_register_check_username'
  | 'matrix_register_start'
  | 'matrix_register_token'
  | 'matrix_register_accept_terms'
  | 'matrix_register_email'
  | 'matrix_register_check_email'
  | 'matrix_register_cancel'
  | 'matrix_sso_start'
  | 'matrix_sso_finish'
  | 'matrix_sso_cancel'
  | 'matrix_oauth_start'
  | 'matrix_oauth_finish'
  | 'matrix_oauth_cancel'
  | 'matrix_account_management'
  | 'matrix_account_manage_open'
  | 'uia_sso_finish'
  | 'uia_sso_done'
  | 'uia_sso_cancel'
  | 'matrix_delete_devices_sso'
  | 'matrix_deactivate_sso'
  | 'seats_subscriptions'
  | 'seats_load_page'
  | 'seats_add_user'
  | 'seats_deactivate'
  | 'seats_reactivate'
  | 'seats_reset_password'
  | 'seats_set_admin'
  | 'seats_sessions'
  | 'seats_sign_out_sessions'
  | 'seats_tokens'
  | 'seats_create_token'
  | 'seats_revoke_token'
  | 'seats_import_plan'
  | 'seats_import_run'
  | 'seats_import_progress'
  | 'seats_import_cancel'
  | 'seats_import_save_passwords'
  | 'seats_import_forget_passwords'
  | 'seats_export'
  | 'seats_audit'
  | 'seats_audit_export';

/** Every error code, as values: what the UI accepts from the Rust side. */
export const ERROR_CODES: readonly ErrorCode[] = [
  'io',
  'keyring_unavailable',
  'keyring_locked',
  'keyring_timeout',
  'keyring_failed',
  'registry_newer_version',
  'registry_moved_aside',
  'unknown_account',
  'internal',
  'browser_refused',
  'browser_unavailable',
  'ems_invalid_issuer',
  'ems_unreachable',
  'ems_not_oidc_provider',
  'ems_insecure',
  'ems_issuer_mismatch',
  'ems_cancelled',
  'ems_timed_out',
  'ems_refused',
  'ems_sign_in_failed',
  'ems_signed_out_on_server',
  'ems_not_signed_in',
  'ems_server',
  'ems_invalid_field',
  'ems_email_taken',
  'ems_seats_cannot_decrease',
  'ems_seats_not_applicable',
  'ems_subscription_cancelled',
  'ems_element_one_exists',
  'ems_element_one_unavailable',
  'ems_confirmation_stale',
  'ems_email_mismatch',
  'ems_not_found',
  'ems_rejected',
  'matrix_invalid_server_name',
  'matrix_insecure_url',
  'matrix_no_such_host',
  'matrix_connection_refused',
  'matrix_tls',
  'matrix_unreachable',
  'matrix_not_a_homeserver',
  'matrix_well_known_invalid',
  'matrix_well_known_dead_server',
  'matrix_wrong_credentials',
  'matrix_deactivated',
  'matrix_rate_limited',
  'matrix_password_not_offered',
  'matrix_already_signed_in',
  'matrix_not_signed_in',
  'matrix_signed_out_on_server',
  'matrix_server_error',
  'matrix_store',
  'matrix_uia_wrong_password',
  'matrix_uia_unsupported',
  'matrix_refused',
  'matrix_weak_password',
  'matrix_invalid_image',
  'matrix_invalid_input',
  'matrix_registration_closed',
  'matrix_registration_unsupported',
  'matrix_username_taken',
  'matrix_username_invalid',
  'matrix_registration_token_invalid',
  'matrix_terms_not_accepted',
  'matrix_email_invalid',
  'matrix_email_in_use',
  'matrix_email_denied',
  'matrix_registration_not_in_progress',
  'matrix_registration_not_kept',
  'matrix_sso_cancelled',
  'matrix_sso_timed_out',
  'matrix_sso_failed',
  'matrix_login_token_refused',
  'matrix_signs_in_with_oauth',
  'matrix_oauth_failed',
  'matrix_reauth_not_offered',
  'matrix_reauth_cancelled',
  'matrix_reauth_timed_out',
  'matrix_password_changed_sessions_kept',
  'bridge_no_element_one',
  'seats_no_admin',
  'seats_not_admin',
  'seats_no_seat_free',
  'seats_unknown_subscription',
  'seats_homeserver_unreachable',
  'seats_signed_out',
  'seats_refused',
  'seats_invalid_input',
  'seats_confirm_consequence',
  'seats_user_exists',
  'seats_unknown_user',
  'seats_unknown_token',
  'seats_ems_unreachable',
  'seats_delegated',
];
