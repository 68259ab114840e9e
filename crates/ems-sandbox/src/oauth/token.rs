//! The token endpoint (authorization code with PKCE, refresh with rotation) and RFC 7009
//! revocation, with client authentication by `client_secret_basic`, `client_secret_post`, or
//! none for public clients.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::{has_scope, identity_claims, OAuthError, Params, Provider, ID_TOKEN_LIFETIME};
use crate::config::ClientConfig;
use crate::secret::{new_token, now, s256_challenge, secrets_match};
use crate::store::{CodeExchange, CodeGrant, IssuedTokens, RefreshRedemption};

/// The authenticated client.
struct Caller {
    client: ClientConfig,
}

/// Credentials from `Authorization: Basic`, each part form-urldecoded (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), OAuthError>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let malformed = OAuthError::InvalidClient("the Basic credentials are malformed");
    let Some(decoded) = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
    else {
        return Some(Err(malformed));
    };
    let Some((id, secret)) = decoded.split_once(':') else {
        return Some(Err(malformed));
    };
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("v={s}").as_bytes())
            .map(|(_, v)| v.into_owned())
            .next()
    };
    Some(Ok((
        unescape(id).unwrap_or_default(),
        unescape(secret).unwrap_or_default(),
    )))
}

fn authenticate(
    provider: &Provider,
    headers: &HeaderMap,
    params: &Params,
) -> Result<Caller, OAuthError> {
    let (client_id, secret) = if let Some((id, secret)) = basic_credentials(headers).transpose()? {
        if params.get("client_secret").is_some() {
            return Err(OAuthError::InvalidRequest(
                "use one client authentication method, not two",
            ));
        }
        if params.get("client_id").is_some_and(|body_id| body_id != id) {
            return Err(OAuthError::InvalidRequest(
                "client_id differs from the Basic credentials",
            ));
        }
        (id, Some(secret).filter(|s| !s.is_empty()))
    } else {
        let Some(id) = params.get("client_id") else {
            return Err(OAuthError::InvalidClient("the client is not identified"));
        };
        (
            id.to_owned(),
            params.get("client_secret").map(str::to_owned),
        )
    };
    let Some(client) = super::matrix::registered(provider, &client_id)? else {
        return Err(OAuthError::InvalidClient("unknown client"));
    };
    match (&client.client_secret, secret) {
        (None, None) => {}
        (None, Some(_)) => {
            return Err(OAuthError::InvalidClient(
                "this public client has no secret",
            ))
        }
        (Some(_), None) => {
            return Err(OAuthError::InvalidClient(
                "this client must authenticate with its secret",
            ))
        }
        (Some(expected), Some(given)) => {
            if !secrets_match(&given, expected.expose()) {
                return Err(OAuthError::InvalidClient("the client secret is wrong"));
            }
        }
    }
    Ok(Caller { client })
}

/// `POST /oauth2/token`.
pub(super) async fn token(
    State(provider): State<Provider>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answered = for_client(
        &provider,
        &headers,
        &body,
        async |params, caller| match params.get("grant_type") {
            Some("authorization_code") => exchange_code(&provider, &caller, &params).await,
            Some("refresh_token") => refresh(&provider, &caller, &params),
            Some(_) => Err(OAuthError::UnsupportedGrantType(
                "use authorization_code or refresh_token",
            )),
            None => Err(OAuthError::InvalidRequest("grant_type is missing")),
        },
    )
    .await;
    match answered {
        Ok(body) => {
            let mut response = (StatusCode::OK, Json(body)).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
                .headers_mut()
                .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(refusal) => refusal,
    }
}

/// What the token and revocation endpoints share: the form is parsed and the client
/// authenticated before `endpoint` runs, and a refusal is answered as RFC 6749 §5.2 JSON
/// (challenging HTTP Basic when the client tried it).
async fn for_client<T>(
    provider: &Provider,
    headers: &HeaderMap,
    body: &[u8],
    endpoint: impl AsyncFnOnce(Params, Caller) -> Result<T, OAuthError>,
) -> Result<T, Response> {
    let basic = headers.contains_key(header::AUTHORIZATION);
    let answered = async {
        let params = Params::parse(body)?;
        let caller = authenticate(provider, headers, &params)?;
        endpoint(params, caller).await
    }
    .await;
    answered.map_err(|e| e.into_json_response(basic))
}

/// Whether a token request may redeem the code issued for `grant`.
fn check_redemption(caller: &Caller, params: &Params, grant: &CodeGrant) -> Result<(), OAuthError> {
    if grant.client_id != caller.client.client_id {
        return Err(OAuthError::InvalidGrant(
            "the code was issued to another client",
        ));
    }
    if grant.expires_at <= now() {
        return Err(OAuthError::InvalidGrant("the code has expired"));
    }
    if params.get("redirect_uri") != Some(grant.redirect_uri.as_str()) {
        return Err(OAuthError::InvalidGrant(
            "redirect_uri differs from the authorization request",
        ));
    }
    match (&grant.code_challenge, params.get("code_verifier")) {
        (None, None) => Ok(()),
        (Some(_), None) => Err(OAuthError::InvalidGrant("code_verifier is missing")),
        (None, Some(_)) => Err(OAuthError::InvalidGrant(
            "the authorization request had no code_challenge",
        )),
        (Some(challenge), Some(verifier)) => {
            let well_formed = (43..=128).contains(&verifier.len())
                && verifier
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
            if well_formed && s256_challenge(verifier) == *challenge {
                Ok(())
            } else {
                Err(OAuthError::InvalidGrant(
                    "code_verifier does not match the code_challenge",
                ))
            }
        }
    }
}

async fn exchange_code(
    provider: &Provider,
    caller: &Caller,
    params: &Params,
) -> Result<Value, OAuthError> {
    let code = params
        .get("code")
        .ok_or(OAuthError::InvalidRequest("code is missing"))?;
    let expires_in = i64::from(provider.config.access_token_lifetime_secs);
    // The code is spent whatever the check says: a failed attempt cannot be retried.
    let exchange = provider.store.exchange_code(code, |grant| {
        check_redemption(caller, params, grant)?;
        Ok::<_, OAuthError>(IssuedTokens {
            access_token: new_token(),
            access_expires_at: now() + expires_in,
            // A Matrix client always gets one, as from MAS: its session outlives access tokens.
            refresh_token: (has_scope(&grant.scope, "offline_access")
                || super::matrix::opens_matrix_api(&grant.scope))
            .then(new_token),
        })
    })?;
    let (grant, tokens) = match exchange {
        CodeExchange::Unknown => return Err(OAuthError::InvalidGrant("the code is not valid")),
        CodeExchange::Reused => {
            return Err(OAuthError::InvalidGrant(
                "the code was already used; tokens issued with it are revoked",
            ));
        }
        CodeExchange::Refused(error) => return Err(error),
        CodeExchange::Granted(grant, tokens) => (grant, tokens),
    };
    if let (Some(auth), Some(device)) = (&provider.matrix, super::matrix::device_of(&grant.scope)) {
        // The homeserver learns of the user and the device before the first token is used; if
        // it cannot, the tokens are withdrawn unseen.
        let localpart = super::matrix::localpart(provider, &grant.user)?;
        if let Err(e) = auth.provision(&localpart, &grant.user, device).await {
            provider
                .store
                .revoke_token(&tokens.access_token, &grant.client_id)?;
            if let Some(refresh) = &tokens.refresh_token {
                provider.store.revoke_token(refresh, &grant.client_id)?;
            }
            return Err(e);
        }
    }
    let mut body = json!({
        "access_token": tokens.access_token,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": grant.scope,
    });
    if let Some(refresh_token) = tokens.refresh_token {
        body["refresh_token"] = Value::from(refresh_token);
    }
    if has_scope(&grant.scope, "openid") {
        let iat = now();
        let mut claims = if caller.client.id_token_profile_claims {
            identity_claims(&grant.user, &grant.scope)
        } else {
            let mut only_sub = serde_json::Map::new();
            only_sub.insert("sub".into(), Value::from(grant.user.id.clone()));
            only_sub
        };
        element_one_username(provider, &grant.client_id, &grant.user.id, &mut claims)?;
        claims.insert("iss".into(), Value::from(&*provider.issuer));
        claims.insert("aud".into(), Value::from(grant.client_id.clone()));
        claims.insert("azp".into(), Value::from(grant.client_id.clone()));
        claims.insert("iat".into(), Value::from(iat));
        claims.insert("exp".into(), Value::from(iat + ID_TOKEN_LIFETIME));
        claims.insert("auth_time".into(), Value::from(grant.auth_time));
        if let Some(nonce) = &grant.nonce {
            claims.insert("nonce".into(), Value::from(nonce.clone()));
        }
        body["id_token"] = Value::from(provider.key.sign_jwt(&Value::Object(claims)));
    }
    Ok(body)
}

/// For the Element One homeserver's client, `preferred_username` is the user's Element One user
/// name (their active subscription's Matrix ID's localpart), so the homeserver signs in that
/// account. Other clients, and users without one, keep the EMS user name.
fn element_one_username(
    provider: &Provider,
    client_id: &str,
    user_id: &str,
    claims: &mut serde_json::Map<String, Value>,
) -> Result<(), OAuthError> {
    let for_element_one = provider
        .config
        .element_one
        .as_ref()
        .and_then(|one| one.client_id.as_deref())
        == Some(client_id);
    if !for_element_one || !claims.contains_key("preferred_username") {
        return Ok(());
    }
    let subscriptions = provider.store.subscriptions(user_id)?;
    let matrix_id = subscriptions.iter().find_map(|s| match s {
        ems_api::Subscription::ElementOne(one)
            if one.status != ems_api::SubscriptionStatus::Cancelled =>
        {
            Some(one.matrix_id.clone())
        }
        _ => None,
    });
    if let Some(localpart) = matrix_id
        .as_deref()
        .and_then(|id| id.strip_prefix('@'))
        .and_then(|id| id.split_once(':'))
        .map(|(local, _)| local.to_owned())
    {
        claims.insert("preferred_username".into(), Value::from(localpart));
    }
    Ok(())
}

fn refresh(provider: &Provider, caller: &Caller, params: &Params) -> Result<Value, OAuthError> {
    let token = params
        .get("refresh_token")
        .ok_or(OAuthError::InvalidRequest("refresh_token is missing"))?;
    let created_after = now() - i64::from(provider.config.refresh_token_absolute_lifetime_secs);
    let redemption = provider.store.redeem_refresh_token(token, created_after)?;
    let (grant_id, client_id, granted) = match redemption {
        RefreshRedemption::Invalid => {
            return Err(OAuthError::InvalidGrant("the refresh token is not valid"))
        }
        RefreshRedemption::Expired => {
            return Err(OAuthError::InvalidGrant(
                "the sign-in this refresh token belongs to is too old; sign in again",
            ))
        }
        RefreshRedemption::Reused => {
            return Err(OAuthError::InvalidGrant(
                "the refresh token was already used; its whole family is revoked",
            ));
        }
        RefreshRedemption::Fresh {
            grant_id,
            client_id,
            scope,
            ..
        } => (grant_id, client_id, scope),
    };
    if client_id != caller.client.client_id {
        return Err(OAuthError::InvalidGrant(
            "the refresh token was issued to another client",
        ));
    }
    let scope = match params.get("scope") {
        None => granted,
        Some(asked) => {
            let asked = super::parse_scope(asked, provider.matrix.is_some())?;
            if !asked.split(' ').all(|s| has_scope(&granted, s)) {
                return Err(OAuthError::InvalidScope(
                    "the scope is wider than the original grant",
                ));
            }
            asked
        }
    };
    let expires_in = i64::from(provider.config.access_token_lifetime_secs);
    let tokens = IssuedTokens {
        access_token: new_token(),
        access_expires_at: now() + expires_in,
        refresh_token: Some(new_token()),
    };
    provider.store.add_tokens(grant_id, &scope, &tokens)?;
    Ok(json!({
        "access_token": tokens.access_token,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "refresh_token": tokens.refresh_token,
        "scope": scope,
    }))
}

/// `POST /oauth2/revoke` (RFC 7009): always 200 for an authenticated client, whether or not the
/// token was known, so the answer tells nothing about other clients' tokens.
pub(super) async fn revoke(
    State(provider): State<Provider>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answered = for_client(&provider, &headers, &body, async |params, caller| {
        let token = params
            .get("token")
            .ok_or(OAuthError::InvalidRequest("token is missing"))?;
        if let Some(auth) = &provider.matrix {
            // A Matrix session ends whole, by either of its tokens, as at MAS: the device goes
            // with it.
            let grant = provider
                .store
                .grant_of_token(token, &caller.client.client_id)?;
            if let Some(grant) = grant.filter(|g| super::matrix::device_of(&g.scope).is_some()) {
                return super::matrix::end_grant(&provider, auth, &grant).await;
            }
        }
        provider
            .store
            .revoke_token(token, &caller.client.client_id)?;
        Ok(())
    })
    .await;
    match answered {
        Ok(()) => (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")]).into_response(),
        Err(refusal) => refusal,
    }
}
