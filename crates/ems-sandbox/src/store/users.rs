//! Customers: created by `ems-sandbox user add`, signed in at the authorization endpoint.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::Argon2;
use rusqlite::{params, OptionalExtension as _};

use super::{exists, Store};
use crate::secret::{new_token, now, Secret};
use crate::SandboxError;

/// A customer as the provider describes it in ID tokens and userinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The stable subject identifier (`sub`).
    pub id: String,
    /// The email address (`email`); also the sign-in name.
    pub email: String,
    /// The display name (`name`).
    pub name: String,
    /// The short user name (`preferred_username`), usable as a Matrix localpart.
    pub username: String,
}

/// A customer to create.
#[derive(Debug)]
pub struct NewUser {
    /// The email address, used to sign in.
    pub email: String,
    /// The display name.
    pub name: String,
    /// The `preferred_username`; when absent, derived from the email's local part.
    pub username: Option<String>,
    /// The password (hashed with argon2 before it is stored).
    pub password: Secret,
}

impl NewUser {
    /// Checks the fields and returns the username to use.
    fn checked_username(&self) -> Result<String, SandboxError> {
        let invalid = |field, reason| SandboxError::InvalidUser { field, reason };
        let email = self.email.trim();
        match email.split_once('@') {
            Some((local, domain))
                if !local.is_empty() && !domain.is_empty() && email == self.email => {}
            _ => {
                return Err(invalid(
                    "email",
                    "it must look like name@example.org, without spaces",
                ))
            }
        }
        if self.name.trim().is_empty() {
            return Err(invalid("name", "it must not be empty"));
        }
        if self.password.expose().chars().count() < 8 {
            return Err(invalid("password", "it must have at least 8 characters"));
        }
        let username = self.username.clone().unwrap_or_else(|| {
            let local = self.email.split('@').next().unwrap_or_default();
            local
                .to_lowercase()
                .chars()
                .map(|c| if localpart_char(c) { c } else { '_' })
                .collect()
        });
        if username.is_empty() || !username.chars().all(localpart_char) {
            return Err(invalid("username", "use only a-z, 0-9 and . _ = - /"));
        }
        Ok(username)
    }
}

/// The characters Matrix allows in a user ID's localpart.
fn localpart_char(c: char) -> bool {
    matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '=' | '-' | '/')
}

impl Store {
    /// Creates a customer. Hashing takes a moment: call from a blocking context.
    pub fn add_user(&self, new: &NewUser) -> Result<User, SandboxError> {
        let username = new.checked_username()?;
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let hash = Argon2::default()
            .hash_password(new.password.expose().as_bytes(), &salt)
            .map_err(SandboxError::PasswordHash)?
            .to_string();
        let user = User {
            id: new_token(),
            email: new.email.clone(),
            name: new.name.clone(),
            username,
        };
        let conn = self.conn();
        let taken = |sql: &str, value: &str| exists(&conn, sql, [value]);
        if taken("SELECT 1 FROM users WHERE email = ?1", &user.email)? {
            return Err(SandboxError::UserExists("email"));
        }
        if taken("SELECT 1 FROM users WHERE username = ?1", &user.username)? {
            return Err(SandboxError::UserExists("username"));
        }
        conn.execute(
            "INSERT INTO users (id, email, name, username, password_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![user.id, user.email, user.name, user.username, hash, now()],
        )?;
        Ok(user)
    }

    /// The user with this email and their password hash.
    pub fn user_for_sign_in(&self, email: &str) -> Result<Option<(User, String)>, SandboxError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, email, name, username, password_hash FROM users WHERE email = ?1",
                [email.trim()],
                |row| Ok((user_from_row(row)?, row.get(4)?)),
            )
            .optional()?)
    }

    /// The user with this subject id.
    pub fn user(&self, id: &str) -> Result<Option<User>, SandboxError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, email, name, username FROM users WHERE id = ?1",
                [id],
                user_from_row,
            )
            .optional()?)
    }
}

/// Whether `password` matches an argon2 `hash`. Slow by design: call from a blocking context.
#[must_use]
pub fn password_matches(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

pub(super) fn user_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        email: row.get(1)?,
        name: row.get(2)?,
        username: row.get(3)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_user(email: &str, username: Option<&str>) -> NewUser {
        NewUser {
            email: email.into(),
            name: "Alice".into(),
            username: username.map(Into::into),
            password: Secret::new("correct horse"),
        }
    }

    #[test]
    fn users_are_created_once_and_passwords_are_hashed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("ems.db")).expect("open");
        let user = store
            .add_user(&new_user("Alice.B@example.org", None))
            .expect("add");
        assert_eq!(
            user.username, "alice.b",
            "the username derives from the email"
        );
        let (found, hash) = store
            .user_for_sign_in("alice.b@EXAMPLE.org")
            .expect("query")
            .expect("found");
        assert_eq!(found, user, "emails compare case-insensitively");
        assert!(!hash.contains("correct horse"), "only a hash is stored");
        assert!(password_matches("correct horse", &hash));
        assert!(!password_matches("wrong horse", &hash));
        assert!(matches!(
            store.add_user(&new_user("alice.b@example.org", Some("other"))),
            Err(SandboxError::UserExists("email"))
        ));
        assert!(matches!(
            store.add_user(&new_user("x@example.org", Some("alice.b"))),
            Err(SandboxError::UserExists("username"))
        ));
        assert!(matches!(
            store.add_user(&new_user("x@example.org", Some("Bad Name"))),
            Err(SandboxError::InvalidUser {
                field: "username",
                ..
            })
        ));
    }
}
