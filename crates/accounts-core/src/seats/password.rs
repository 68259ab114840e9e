//! Passwords the app makes for new and reset accounts: shown to the admin once, never kept.

use rand::Rng;
use serde::Serialize;

use crate::vault::Secret;

/// A password the app generated for someone else, sent to the UI once to be shown. `Debug`
/// hides it, so it cannot reach a log.
#[derive(Clone)]
pub struct OneTimePassword(pub(super) Secret);

impl OneTimePassword {
    /// The password, to show or type.
    #[must_use]
    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl std::fmt::Debug for OneTimePassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Serialize for OneTimePassword {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.expose())
    }
}

/// Letters and digits that cannot be confused with each other when read aloud or retyped.
const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// 20 symbols of 56: about 116 bits.
const LENGTH: usize = 20;

/// A new random password.
#[must_use]
pub fn generate_password() -> Secret {
    let mut rng = rand::thread_rng();
    let password: String = (0..LENGTH)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    Secret::new(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_long_unambiguous_and_different() {
        let a = generate_password();
        let b = generate_password();
        assert_eq!(a.expose().len(), LENGTH);
        assert!(
            a.expose().bytes().all(|c| ALPHABET.contains(&c)),
            "only the alphabet"
        );
        assert_ne!(a, b, "two passwords must differ");
    }
}
