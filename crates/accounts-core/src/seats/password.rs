//! Passwords the app makes for new and reset accounts: shown to the admin once, never kept.

use rand::Rng;

use crate::vault::Secret;

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
