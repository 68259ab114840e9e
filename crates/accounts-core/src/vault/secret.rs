//! A secret value (token, password, store passphrase) that cannot leak by accident.
//!
//! `Debug` prints `<redacted>`, there is no `Display` and no `Serialize`, and the memory is
//! zeroed when the value is dropped. Reading it takes an explicit [`Secret::expose`].

use zeroize::Zeroizing;

/// A secret string.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps `value`; the caller's copy should be dropped promptly.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret text, for the one place that must send or store it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("syt_very_secret_token");
        let shown = format!("{secret:?} {:?}", Some(&secret));
        assert!(
            !shown.contains("very_secret"),
            "Debug leaked the secret: {shown}"
        );
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(secret.expose(), "syt_very_secret_token");
    }
}
