//! The provider as a homeserver's OAuth 2.0 authorization server, in the part the Matrix
//! Authentication Service plays for Synapse's `matrix_authentication_service` mode: the Matrix
//! scopes, what discovery adds, RFC 7591 client registration, token introspection for the
//! homeserver, and the calls that tell the homeserver about users and devices
//! (`/_synapse/mas/…`, with the shared secret).
//!
//! Only the https listener plays this part (its [`Provider`] has a [`MatrixAuth`]); the
//! sign-in, consent, token and revocation logic stays the provider's own, with the hooks here.
//! The account-management pages live in [`super::account`].

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{bearer_token, paths, OAuthError, Params, Provider};
use crate::config::{ClientConfig, MatrixAuthConfig};
use crate::secret::{new_token, now, secrets_match};
use crate::store::{LiveGrant, RegisteredClient, User};

/// Full access to the client-server API, stable and MSC2967 forms.
pub const API_SCOPES: [&str; 2] = [
    "urn:matrix:client:api:*",
    "urn:matrix:org.matrix.msc2967.client:api:*",
];
/// The prefixes of the device scope, stable and MSC2967 forms.
pub const DEVICE_SCOPE_PREFIXES: [&str; 2] = [
    "urn:matrix:client:device:",
    "urn:matrix:org.matrix.msc2967.client:device:",
];
/// Synapse's admin API (only for the configured admins).
pub const ADMIN_SCOPE: &str = "urn:synapse:admin:*";

/// The account-management actions the account pages serve, by their stable names.
pub const ACCOUNT_ACTIONS: [&str; 5] = [
    "org.matrix.profile",
    "org.matrix.devices_list",
    "org.matrix.device_view",
    "org.matrix.device_delete",
    "org.matrix.account_deactivate",
];

/// The homeserver this listener authorizes for, and an HTTP client for its `/_synapse/mas/`.
#[derive(Debug)]
pub(crate) struct MatrixAuth {
    pub(crate) config: MatrixAuthConfig,
    http: reqwest::Client,
}

impl MatrixAuth {
    pub(crate) fn new(config: MatrixAuthConfig) -> Result<Self, crate::SandboxError> {
        // The requests carry the shared secret: they never follow a redirect.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| crate::SandboxError::Tls(e.to_string()))?;
        Ok(Self { config, http })
    }

    /// `POST /_synapse/mas/{call}` with `body`; a non-2xx answer is a failure.
    async fn call(&self, call: &str, body: Value) -> Result<(), OAuthError> {
        let url = self
            .config
            .homeserver_endpoint(&format!("_synapse/mas/{call}"));
        let response = self
            .http
            .post(&url)
            .bearer_auth(self.config.secret.expose())
            .json(&body)
            .send()
            .await;
        match response {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => {
                log::error!("the homeserver answered {call} with {}", r.status());
                Err(OAuthError::HomeserverUnavailable(
                    "the homeserver refused to set up the account or device",
                ))
            }
            Err(e) => {
                log::error!("the homeserver could not be reached for {call}: {e}");
                Err(OAuthError::HomeserverUnavailable(
                    "the homeserver could not be reached",
                ))
            }
        }
    }

    /// `GET /_synapse/mas/query_user`: the user's profile there, `None` if there is no such
    /// user.
    pub(crate) async fn query_user(&self, localpart: &str) -> Result<Option<Value>, OAuthError> {
        let mut url = url::Url::parse(&self.config.homeserver_endpoint("_synapse/mas/query_user"))
            .map_err(|_| OAuthError::HomeserverUnavailable("the homeserver URL is not valid"))?;
        url.query_pairs_mut().append_pair("localpart", localpart);
        let unreachable = |e: &dyn std::fmt::Display| {
            log::error!("the homeserver could not be asked about a user: {e}");
            OAuthError::HomeserverUnavailable("the homeserver could not be reached")
        };
        let response = self
            .http
            .get(url)
            .bearer_auth(self.config.secret.expose())
            .send()
            .await
            .map_err(|e| unreachable(&e))?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(None),
            status if status.is_success() => {
                Ok(Some(response.json().await.map_err(|e| unreachable(&e))?))
            }
            status => Err(unreachable(&format!("it answered {status}"))),
        }
    }

    /// Creates the user (named as in EMS) if the homeserver does not have them yet, and creates
    /// or updates the device, before its first token is handed out (Synapse never creates
    /// either by itself in this mode). An existing user's display name is theirs to change: it
    /// is left alone, as MAS leaves it after registration.
    pub(crate) async fn provision(
        &self,
        localpart: &str,
        user: &User,
        device_id: &str,
    ) -> Result<(), OAuthError> {
        if self.query_user(localpart).await?.is_none() {
            self.call(
                "provision_user",
                json!({ "localpart": localpart, "set_displayname": user.name }),
            )
            .await?;
        }
        self.call(
            "upsert_device",
            json!({ "localpart": localpart, "device_id": device_id }),
        )
        .await
    }

    /// Deletes the device: Synapse then refuses its tokens at once, cached or not.
    pub(crate) async fn delete_device(
        &self,
        localpart: &str,
        device_id: &str,
    ) -> Result<(), OAuthError> {
        self.call(
            "delete_device",
            json!({ "localpart": localpart, "device_id": device_id }),
        )
        .await
    }

    /// Sets the user's display name on the homeserver.
    pub(crate) async fn set_displayname(
        &self,
        localpart: &str,
        name: &str,
    ) -> Result<(), OAuthError> {
        self.call(
            "set_displayname",
            json!({ "localpart": localpart, "displayname": name }),
        )
        .await
    }

    /// Deactivates the user on the homeserver.
    pub(crate) async fn delete_user(&self, localpart: &str) -> Result<(), OAuthError> {
        self.call(
            "delete_user",
            json!({ "localpart": localpart, "erase": false }),
        )
        .await
    }
}

/// Whether `scope` (one token) is a Matrix scope this server knows.
pub(crate) fn is_matrix_scope(scope: &str) -> bool {
    API_SCOPES.contains(&scope)
        || scope == ADMIN_SCOPE
        || DEVICE_SCOPE_PREFIXES
            .iter()
            .any(|p| scope.strip_prefix(p).is_some_and(valid_device_id))
}

/// A device id a client may choose: 1 to 255 URL-unreserved characters (Synapse's limits, and
/// nothing a scope string or a URL would need to escape).
fn valid_device_id(id: &str) -> bool {
    (1..=255).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// The device id a granted scope names, if any.
#[must_use]
pub fn device_of(scope: &str) -> Option<&str> {
    scope
        .split(' ')
        .find_map(|s| DEVICE_SCOPE_PREFIXES.iter().find_map(|p| s.strip_prefix(p)))
}

/// Whether a granted scope opens the client-server API.
#[must_use]
pub fn opens_matrix_api(scope: &str) -> bool {
    scope.split(' ').any(|s| API_SCOPES.contains(&s))
}

/// Checks the Matrix part of a requested scope: the API scope needs exactly one device (which
/// may be named in both forms), as Synapse takes the device from the scope.
pub(crate) fn check_scope(scope: &str) -> Result<(), OAuthError> {
    let mut devices: Vec<&str> = scope
        .split(' ')
        .filter_map(|s| DEVICE_SCOPE_PREFIXES.iter().find_map(|p| s.strip_prefix(p)))
        .collect();
    devices.dedup();
    if devices.len() > 1 {
        return Err(OAuthError::InvalidScope(
            "the scope names more than one device",
        ));
    }
    if opens_matrix_api(scope) && devices.is_empty() {
        return Err(OAuthError::InvalidScope(
            "the Matrix API scope needs a device scope (urn:matrix:client:device:<ID>)",
        ));
    }
    Ok(())
}

/// The scope granted to `user`: the requested one without the admin scope unless the user is
/// one of the homeserver's admins (a narrower grant, as RFC 6749 §3.3 allows).
pub(crate) fn granted_scope(auth: &MatrixAuth, scope: &str, user: &User) -> String {
    if auth.config.is_admin(&user.email) {
        return scope.to_owned();
    }
    scope
        .split(' ')
        .filter(|s| *s != ADMIN_SCOPE)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The user's Matrix localpart: their Element One user name where they have an active Element
/// One subscription, otherwise their EMS user name.
pub(crate) fn localpart(provider: &Provider, user: &User) -> Result<String, OAuthError> {
    let subscriptions = provider.store.subscriptions(&user.id)?;
    let element_one = subscriptions.iter().find_map(|s| match s {
        ems_api::Subscription::ElementOne(one)
            if one.status != ems_api::SubscriptionStatus::Cancelled =>
        {
            one.matrix_id
                .strip_prefix('@')
                .and_then(|id| id.split_once(':'))
                .map(|(local, _)| local.to_owned())
        }
        _ => None,
    });
    Ok(element_one.unwrap_or_else(|| user.username.clone()))
}

/// Ends a Matrix grant: revokes its tokens and deletes its device on the homeserver, so that
/// Synapse refuses the tokens at once instead of when its introspection cache expires.
pub(crate) async fn end_grant(
    provider: &Provider,
    auth: &MatrixAuth,
    grant: &LiveGrant,
) -> Result<(), OAuthError> {
    provider.store.revoke_grant(grant.id)?;
    if let Some(device) = device_of(&grant.scope) {
        let localpart = localpart(provider, &grant.user)?;
        auth.delete_device(&localpart, device).await?;
    }
    Ok(())
}

/// What discovery adds for the homeserver.
pub(crate) fn discovery_fields(provider: &Provider, document: &mut Value) {
    document["registration_endpoint"] = Value::from(provider.endpoint(paths::REGISTER));
    document["introspection_endpoint"] = Value::from(provider.endpoint(paths::INTROSPECT));
    document["account_management_uri"] = Value::from(provider.endpoint(paths::ACCOUNT));
    document["account_management_actions_supported"] = json!(ACCOUNT_ACTIONS);
    document["prompt_values_supported"] = json!(["none", "login", "create"]);
    // MSC2964 asks for both; matrix-sdk refuses a server without fragment.
    document["response_modes_supported"] = json!(["query", "fragment"]);
    if let Some(scopes) = document["scopes_supported"].as_array_mut() {
        scopes.extend(
            API_SCOPES
                .iter()
                .chain(&[ADMIN_SCOPE])
                .map(|s| Value::from(*s)),
        );
    }
}

/// The client with this id: a configured one, or on this listener one registered here.
pub(crate) fn registered(
    provider: &Provider,
    client_id: &str,
) -> Result<Option<ClientConfig>, OAuthError> {
    if let Some(client) = provider.config.client(client_id) {
        return Ok(Some(client.clone()));
    }
    if provider.matrix.is_none() {
        return Ok(None);
    }
    Ok(provider
        .store
        .registered_client(client_id)?
        .map(|c| ClientConfig {
            redirect_uris: c.redirect_uris,
            loopback_redirects: false,
            ..ClientConfig::public_native(&c.client_id)
        }))
}

fn registration_error(code: &'static str, description: &'static str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "error": code, "error_description": description })),
    )
        .into_response()
}

/// Whether a native client may register `uri`: `http` to a loopback IP address (RFC 8252
/// §7.3, the port chosen at each request), without credentials or fragment.
fn registrable_redirect(uri: &str) -> bool {
    url::Url::parse(uri).is_ok_and(|u| {
        u.scheme() == "http"
            && u.username().is_empty()
            && u.password().is_none()
            && u.fragment().is_none()
            && match u.host() {
                Some(url::Host::Ipv4(ip)) => ip.octets() == [127, 0, 0, 1],
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                _ => false,
            }
    })
}

/// `POST /oauth2/registration`: RFC 7591 dynamic registration of a public native client.
pub(super) async fn register(State(provider): State<Provider>, body: Bytes) -> Response {
    if provider.matrix.is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return registration_error(
            "invalid_client_metadata",
            "the body must be a JSON object of client metadata",
        );
    };
    let text = |name: &str| request.get(name).and_then(Value::as_str);
    let strings = |name: &str| -> Option<Vec<String>> {
        request.get(name).map(|v| {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        })
    };
    if text("application_type").is_some_and(|t| t != "native") {
        return registration_error(
            "invalid_client_metadata",
            "only native applications can register here",
        );
    }
    if text("token_endpoint_auth_method").is_some_and(|m| m != "none") {
        return registration_error(
            "invalid_client_metadata",
            "only public clients (token_endpoint_auth_method none) can register here",
        );
    }
    let grant_types =
        strings("grant_types").unwrap_or_else(|| vec!["authorization_code".to_owned()]);
    if grant_types
        .iter()
        .any(|g| g != "authorization_code" && g != "refresh_token")
    {
        return registration_error(
            "invalid_client_metadata",
            "grant_types may list only authorization_code and refresh_token",
        );
    }
    if strings("response_types").is_some_and(|r| r.iter().any(|t| t != "code")) {
        return registration_error(
            "invalid_client_metadata",
            "response_types may list only code",
        );
    }
    let redirect_uris = strings("redirect_uris").unwrap_or_default();
    if redirect_uris.is_empty() {
        return registration_error("invalid_redirect_uri", "redirect_uris is missing or empty");
    }
    if !redirect_uris.iter().all(|u| registrable_redirect(u)) {
        return registration_error(
            "invalid_redirect_uri",
            "a native client's redirect URIs must be http://127.0.0.1/... or http://[::1]/...",
        );
    }
    let client_id = new_token();
    let mut metadata = json!({
        "client_id": client_id,
        "client_id_issued_at": now(),
        "application_type": "native",
        "token_endpoint_auth_method": "none",
        "redirect_uris": redirect_uris,
        "grant_types": grant_types,
        "response_types": ["code"],
    });
    for name in [
        "client_name",
        "client_uri",
        "logo_uri",
        "policy_uri",
        "tos_uri",
    ] {
        if let Some(value) = text(name) {
            metadata[name] = Value::from(value);
        }
    }
    let client = RegisteredClient {
        client_id,
        redirect_uris,
        metadata: metadata.to_string(),
    };
    if let Err(e) = provider.store.register_client(&client) {
        return OAuthError::Server(e).into_json_response(false);
    }
    (
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(metadata),
    )
        .into_response()
}

/// `POST /oauth2/introspect` (RFC 7662), for the homeserver only: it authenticates with the
/// shared secret as a bearer token, as Synapse does towards MAS. Only live access tokens are
/// active; a refresh token is not one.
pub(super) async fn introspect(
    State(provider): State<Provider>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(auth) = provider.matrix.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !bearer_token(&headers)
        .is_some_and(|given| secrets_match(given, auth.config.secret.expose()))
    {
        return OAuthError::InvalidClient("only the homeserver may introspect tokens")
            .into_json_response(false);
    }
    let token = match Params::parse(&body) {
        Ok(params) => params.get("token").map(str::to_owned),
        Err(e) => return e.into_json_response(false),
    };
    let Some(token) = token else {
        return OAuthError::InvalidRequest("token is missing").into_json_response(false);
    };
    let answer = match introspection(&provider, &auth, &token) {
        Ok(answer) => answer,
        Err(e) => return e.into_json_response(false),
    };
    ([(header::CACHE_CONTROL, "no-store")], Json(answer)).into_response()
}

fn introspection(
    provider: &Provider,
    auth: &Arc<MatrixAuth>,
    token: &str,
) -> Result<Value, OAuthError> {
    let inactive = json!({ "active": false });
    let Some((grant, scope, expires_at)) = provider.store.introspect_access_token(token)? else {
        return Ok(inactive);
    };
    if !opens_matrix_api(&scope) || provider.store.matrix_deactivated(&grant.user.id)? {
        return Ok(inactive);
    }
    let localpart = localpart(provider, &grant.user)?;
    let mut answer = json!({
        "active": true,
        "scope": scope,
        "client_id": grant.client_id,
        "username": localpart,
        "sub": grant.user.id,
        "token_type": "access_token",
        "iat": grant.created_at,
        "exp": expires_at,
        "expires_in": (expires_at - now()).max(0),
        "iss": &*provider.issuer,
        "aud": auth.config.server_name,
    });
    if let Some(device) = device_of(&scope) {
        answer["device_id"] = Value::from(device);
    }
    Ok(answer)
}
