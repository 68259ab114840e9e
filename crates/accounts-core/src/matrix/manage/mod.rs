//! Managing a signed-in Matrix account, as Element's account settings do: the profile (display
//! name, avatar), the sessions (devices), the password, the email addresses and phone numbers
//! (3PIDs), and deactivation; on a homeserver that delegates account management to its
//! authorization server, the actions it serves there (`delegated`).
//!
//! Every action goes to the account's homeserver through its matrix-sdk client. Those the server
//! protects with user-interactive auth take an optional [`UiaAuth`] and answer a [`UiaStep`]; see
//! [`super::uia`]. Media is fetched here (authenticated media needs the token) and handed out as
//! bytes with their type. Nothing here keeps a password.

mod delegated;

use std::future::Future;

pub use delegated::{account_management_url, AccountManagement, ManageAction};

use matrix_sdk::media::MediaFormat;
use matrix_sdk::ruma::api::client::account::{change_password, deactivate};
use matrix_sdk::ruma::api::client::uiaa::AuthData;
use matrix_sdk::ruma::api::error::{ErrorBody, ErrorKind};
use matrix_sdk::ruma::thirdparty::Medium;
use matrix_sdk::ruma::OwnedDeviceId;
use matrix_sdk::{Client, HttpError};
use serde::Serialize;
use ts_rs::TS;
use url::Url;

use super::MatrixAccounts;
use crate::matrix::error::{http_failure, is_signed_out, MatrixError};
use crate::matrix::homeserver::display_url;
use crate::matrix::uia::reauth::AfterReauth;
use crate::matrix::uia::{send_with_auth, send_with_password, Confirmation, UiaOutcome, UiaStep};
use crate::vault::Secret;

/// The largest avatar the app uploads.
pub const MAX_AVATAR_BYTES: usize = 8 * 1024 * 1024;

/// The account's profile as the server has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct MatrixProfile {
    /// The display name, if set.
    pub display_name: Option<String>,
    /// Whether an avatar is set (fetch it with `avatar`).
    pub has_avatar: bool,
}

/// An image fetched from the homeserver, for a `blob:` or `data:` URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AvatarImage {
    /// The image's media type, from its first bytes.
    pub mime: String,
    /// The image itself.
    pub data: Vec<u8>,
}

/// One session (device) of the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct DeviceView {
    /// The device id.
    pub device_id: String,
    /// Its name, if any.
    pub display_name: Option<String>,
    /// The IP address it was last seen from, if the server says.
    pub last_seen_ip: Option<String>,
    /// When it was last seen, in milliseconds since the Unix epoch.
    #[ts(type = "number | null")]
    pub last_seen_ts: Option<u64>,
    /// Whether it is this app's own session.
    pub current: bool,
}

/// An email address or phone number on the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ThreepidView {
    /// `email` or `msisdn`.
    pub medium: String,
    /// The address or number.
    pub address: String,
    /// When it was added, in milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub added_at: u64,
}

/// A password change: the current password (which confirms it is the owner), the new one.
#[derive(Debug)]
pub struct PasswordChange {
    /// The current password, sent once as the re-authentication.
    pub current: Secret,
    /// The new password.
    pub new: Secret,
    /// Whether every other session is signed out.
    pub sign_out_others: bool,
}

impl PasswordChange {
    /// A change from `current` to `new`, both typed by the user and wrapped at once.
    #[must_use]
    pub fn new(current: String, new: String, sign_out_others: bool) -> Self {
        Self {
            current: Secret::new(current),
            new: Secret::new(new),
            sign_out_others,
        }
    }
}

impl MatrixAccounts {
    /// The account's display name and whether it has an avatar, from the server.
    pub async fn profile(&self, account_id: &str) -> Result<MatrixProfile, MatrixError> {
        let (client, user_id) = self.sessions.live(account_id)?;
        let account = client.account();
        let fail = |e: matrix_sdk::Error| sdk_failure(&client, &user_id, e);
        let display_name = account.get_display_name().await.map_err(fail)?;
        let has_avatar = account.get_avatar_url().await.map_err(fail)?.is_some();
        Ok(MatrixProfile {
            display_name,
            has_avatar,
        })
    }

    /// Sets (or, empty, removes) the display name on the server and in the registry.
    pub async fn set_display_name(&self, account_id: &str, name: &str) -> Result<(), MatrixError> {
        let (client, user_id) = self.sessions.live(account_id)?;
        let name = name.trim();
        let name = (!name.is_empty()).then_some(name);
        client
            .account()
            .set_display_name(name)
            .await
            .map_err(|e| sdk_failure(&client, &user_id, e))?;
        let record = self.sessions.registry().get(account_id);
        if let Some(mut record) = record {
            record.display_name = name.map(str::to_owned);
            self.sessions.registry().update(|r| r.upsert(record))?;
        }
        log::info!("changed the display name of Matrix account {account_id}");
        Ok(())
    }

    /// The account's avatar, fetched from the server's media repository; `None` without one.
    pub async fn avatar(&self, account_id: &str) -> Result<Option<AvatarImage>, MatrixError> {
        let (client, user_id) = self.sessions.live(account_id)?;
        let data = client
            .account()
            .get_avatar(MediaFormat::File)
            .await
            .map_err(|e| sdk_failure(&client, &user_id, e))?;
        Ok(data.map(|data| AvatarImage {
            mime: image_type(&data)
                .unwrap_or("application/octet-stream")
                .to_owned(),
            data,
        }))
    }

    /// Uploads `data` as the account's avatar. Only PNG, JPEG, GIF and WebP images are taken,
    /// up to [`MAX_AVATAR_BYTES`]; the type comes from the bytes, not from the file name.
    pub async fn set_avatar(&self, account_id: &str, data: Vec<u8>) -> Result<(), MatrixError> {
        let (client, user_id) = self.sessions.live(account_id)?;
        if data.len() > MAX_AVATAR_BYTES {
            return Err(MatrixError::InvalidImage {
                detail: format!(
                    "it is {} MB; choose an image under {} MB",
                    data.len().div_ceil(1024 * 1024),
                    MAX_AVATAR_BYTES / (1024 * 1024)
                ),
            });
        }
        let mime: mime::Mime = image_type(&data)
            .ok_or_else(|| MatrixError::InvalidImage {
                detail: "it is not a PNG, JPEG, GIF or WebP image".into(),
            })?
            .parse()
            .map_err(|_| MatrixError::InvalidImage {
                detail: "its type is not known".into(),
            })?;
        client
            .account()
            .upload_avatar(&mime, data)
            .await
            .map_err(|e| sdk_failure(&client, &user_id, e))?;
        log::info!("changed the avatar of Matrix account {account_id}");
        Ok(())
    }

    /// Removes the account's avatar.
    pub async fn remove_avatar(&self, account_id: &str) -> Result<(), MatrixError> {
        let (client, user_id) = self.sessions.live(account_id)?;
        client
            .account()
            .set_avatar_url(None)
            .await
            .map_err(|e| sdk_failure(&client, &user_id, e))?;
        log::info!("removed the avatar of Matrix account {account_id}");
        Ok(())
    }

    /// The account's sessions, this app's own first, then the most recently seen.
    pub async fn devices(&self, account_id: &str) -> Result<Vec<DeviceView>, MatrixError> {
        let (client, user_id) = self.sessions.live(account_id)?;
        let current = client.device_id().map(ToString::to_string);
        let answer = client
            .devices()
            .await
            .map_err(|e| action_failure(&client.homeserver(), &user_id, &e))?;
        let mut devices: Vec<DeviceView> = answer
            .devices
            .into_iter()
            .map(|d| DeviceView {
                current: current.as_deref() == Some(d.device_id.as_str()),
                device_id: d.device_id.to_string(),
                display_name: d.display_name,
                last_seen_ip: d.last_seen_ip,
                last_seen_ts: d.last_seen_ts.map(|t| u64::from(t.get())),
            })
            .collect();
        devices.sort_by(|a, b| {
            b.current
                .cmp(&a.current)
                .then(b.last_seen_ts.cmp(&a.last_seen_ts))
                .then(a.device_id.cmp(&b.device_id))
        });
        Ok(devices)
    }

    /// Renames one of the account's sessions.
    pub async fn rename_device(
        &self,
        account_id: &str,
        device_id: &str,
        name: &str,
    ) -> Result<(), MatrixError> {
        let (client, user_id) = self.sessions.live(account_id)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(MatrixError::InvalidInput {
                detail: "A session name cannot be empty.".into(),
            });
        }
        client
            .rename_device(device_id.into(), name)
            .await
            .map_err(|e| action_failure(&client.homeserver(), &user_id, &e))?;
        log::info!("renamed session {device_id} of Matrix account {account_id}");
        Ok(())
    }

    /// Signs out other sessions of the account (deletes the devices). Protected by
    /// user-interactive auth, confirmed as `confirm` says.
    pub async fn delete_devices(
        &self,
        account_id: &str,
        device_ids: &[String],
        confirm: Confirmation,
    ) -> Result<UiaStep, MatrixError> {
        let (client, user_id) = self.sessions.live(account_id)?;
        let ids = others_to_delete(&client, device_ids)?;
        let count = ids.len();
        let send = move |client: Client, auth: Option<AuthData>| {
            let ids = ids.clone();
            async move { client.delete_devices(&ids, auth).await.map(|_| ()) }
        };
        let step = self
            .protected(&client, &user_id, confirm, send, AfterReauth::Nothing)
            .await?;
        log::info!(
            "signing out {count} session(s) of Matrix account {account_id}: {}",
            step.describe()
        );
        Ok(step)
    }

    /// Sends the protected request `send` for the account of `client`, confirmed as `confirm`
    /// says, and does `after` once the server has done it: now, or once the single sign-on
    /// confirmation of the parked request is accepted.
    async fn protected<F, Fut>(
        &self,
        client: &Client,
        user_id: &str,
        confirm: Confirmation,
        send: F,
        after: AfterReauth,
    ) -> Result<UiaStep, MatrixError>
    where
        F: Fn(Client, Option<AuthData>) -> Fut + Clone + Send + 'static,
        Fut: Future<Output = Result<(), HttpError>> + Send + 'static,
    {
        let homeserver = client.homeserver();
        let (auth, in_browser) = confirm.split();
        let outcome = send_with_auth(
            &homeserver,
            user_id,
            auth,
            |data| send(client.clone(), data),
            |hs, e| action_failure(hs, user_id, e),
        )
        .await?;
        let challenge = match outcome {
            UiaOutcome::Done(()) => {
                self.after_reauth(after).await?;
                return Ok(UiaStep::Done);
            }
            UiaOutcome::AuthRequired(challenge) if in_browser => challenge,
            UiaOutcome::AuthRequired(challenge) => return Ok(UiaStep::AuthRequired { challenge }),
        };
        let client = client.clone();
        let url = self.park_sso_reauth_then(
            &homeserver,
            &challenge,
            move |auth| send(client.clone(), Some(auth)),
            after,
        )?;
        let handoff = self.opener.hand_off(&url).map_err(|error| {
            self.cancel_sso_reauth();
            MatrixError::Browser(error)
        })?;
        Ok(UiaStep::Browser {
            url: handoff.url,
            browser_error: handoff.browser_error,
        })
    }

    /// Changes the password; the current one is the re-authentication, sent in the same exchange.
    /// With `sign_out_others`, every other session is signed out; this one stays.
    pub async fn change_password(
        &self,
        account_id: &str,
        change: PasswordChange,
    ) -> Result<(), MatrixError> {
        let (client, user_id) = self.sessions.live(account_id)?;
        let homeserver = client.homeserver();
        let PasswordChange {
            current,
            new,
            sign_out_others,
        } = change;
        let fail = |hs: &Url, e: &HttpError| action_failure(hs, &user_id, e);
        let client = &client;
        // `logout_devices` stays false: Synapse (1.163) then also deletes the refresh token of
        // the session making the change, so this session would die at its next refresh, and the
        // dangling token breaks a later deactivation ("No row found (access_tokens)"). The other
        // sessions are signed out below instead, with the new password.
        send_with_password(
            &homeserver,
            &user_id,
            &current,
            |auth| {
                let mut request = change_password::v3::Request::new(new.expose().to_owned());
                request.auth = auth;
                request.logout_devices = false;
                async move { client.send(request).await }
            },
            fail,
        )
        .await?;
        drop(current);
        log::info!("changed the password of Matrix account {account_id}");
        if !sign_out_others {
            return Ok(());
        }
        let signed_out = async {
            let own = client.device_id().map(ToOwned::to_owned);
            let others: Vec<OwnedDeviceId> = client
                .devices()
                .await
                .map_err(|e| action_failure(&homeserver, &user_id, &e))?
                .devices
                .into_iter()
                .map(|d| d.device_id)
                .filter(|d| Some(d) != own.as_ref())
                .collect();
            if others.is_empty() {
                return Ok(0);
            }
            send_with_password(
                &homeserver,
                &user_id,
                &new,
                |auth| client.delete_devices(&others, auth),
                fail,
            )
            .await?;
            Ok::<_, MatrixError>(others.len())
        }
        .await;
        match signed_out {
            Ok(count) => {
                log::info!(
                    "signed out {count} other session(s) of Matrix account {account_id} after its password change"
                );
                Ok(())
            }
            Err(cause) => Err(MatrixError::PasswordChangedSessionsKept {
                cause: Box::new(cause),
            }),
        }
    }

    /// The email addresses and phone numbers on the account.
    pub async fn threepids(&self, account_id: &str) -> Result<Vec<ThreepidView>, MatrixError> {
        let (client, user_id) = self.sessions.live(account_id)?;
        let answer = client
            .account()
            .get_3pids()
            .await
            .map_err(|e| sdk_failure(&client, &user_id, e))?;
        Ok(answer
            .threepids
            .into_iter()
            .map(|t| ThreepidView {
                medium: t.medium.as_str().to_owned(),
                address: t.address,
                added_at: u64::from(t.added_at.get()),
            })
            .collect())
    }

    /// Removes an email address or phone number from the account.
    pub async fn remove_threepid(
        &self,
        account_id: &str,
        medium: &str,
        address: &str,
    ) -> Result<(), MatrixError> {
        let (client, user_id) = self.sessions.live(account_id)?;
        client
            .account()
            .delete_3pid(address, Medium::from(medium), None)
            .await
            .map_err(|e| sdk_failure(&client, &user_id, e))?;
        log::info!("removed a {medium} address from Matrix account {account_id}");
        Ok(())
    }

    /// Deactivates the account on the server (for good; with `erase`, its messages are hidden
    /// from new members), then removes it from this computer. Protected by user-interactive
    /// auth, confirmed as `confirm` says.
    pub async fn deactivate(
        &self,
        account_id: &str,
        erase: bool,
        confirm: Confirmation,
    ) -> Result<UiaStep, MatrixError> {
        let (client, user_id) = self.sessions.live(account_id)?;
        let send = move |client: Client, auth: Option<AuthData>| async move {
            let mut request = deactivate::v3::Request::new();
            request.auth = auth;
            request.erase = erase;
            client.send(request).await.map(|_| ())
        };
        let after = AfterReauth::RemoveAccount(account_id.to_owned());
        let step = self
            .protected(&client, &user_id, confirm, send, after)
            .await?;
        log::info!(
            "deactivating Matrix account {account_id} ({user_id}): {}",
            step.describe()
        );
        Ok(step)
    }
}

/// The sessions to sign out, checked: at least one, and never this app's own.
pub(super) fn others_to_delete(
    client: &Client,
    device_ids: &[String],
) -> Result<Vec<OwnedDeviceId>, MatrixError> {
    if device_ids.is_empty() {
        return Err(MatrixError::InvalidInput {
            detail: "Choose at least one session to sign out.".into(),
        });
    }
    if let Some(current) = client.device_id() {
        if device_ids.iter().any(|d| d == current.as_str()) {
            return Err(MatrixError::InvalidInput {
                detail: "That is this app's own session: use \"Sign out\" on the account \
                         instead."
                    .into(),
            });
        }
    }
    Ok(device_ids.iter().map(|d| d.as_str().into()).collect())
}

/// A failed action, as the error a person reads.
pub(super) fn action_failure(homeserver: &Url, user_id: &str, error: &HttpError) -> MatrixError {
    if is_signed_out(error) {
        return MatrixError::SignedOutOnServer {
            user_id: user_id.to_owned(),
        };
    }
    if let Some(api) = error.as_client_api_error() {
        let message = match &api.body {
            ErrorBody::Standard(body) => body.message.clone(),
            _ => format!("HTTP {}", api.status_code),
        };
        match api.error_kind() {
            Some(ErrorKind::WeakPassword) => return MatrixError::WeakPassword { detail: message },
            Some(ErrorKind::Forbidden | ErrorKind::Unauthorized) => {
                return MatrixError::Refused {
                    homeserver: display_url(homeserver),
                    detail: message,
                }
            }
            _ => {}
        }
    }
    http_failure(homeserver, error)
}

fn sdk_failure(client: &Client, user_id: &str, error: matrix_sdk::Error) -> MatrixError {
    let homeserver = client.homeserver();
    match error {
        matrix_sdk::Error::Http(inner) => action_failure(&homeserver, user_id, &inner),
        matrix_sdk::Error::AuthenticationRequired => MatrixError::NoSession,
        other => MatrixError::Server {
            homeserver: display_url(&homeserver),
            detail: other.to_string(),
        },
    }
}

/// The media type of an image from its first bytes: PNG, JPEG, GIF or WebP.
#[must_use]
pub fn image_type(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if data.len() >= 12 && &data[0..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_by_their_bytes() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(image_type(b"GIF89a..."), Some("image/gif"));
        assert_eq!(image_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(
            image_type(b"<svg xmlns=...>"),
            None,
            "SVG could carry scripts and is refused"
        );
        assert_eq!(image_type(b""), None);
    }
}
