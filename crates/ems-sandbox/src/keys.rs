//! The ES256 key that signs ID tokens, its JWK, and compact JWS signing.
//!
//! The key is generated on first start and kept in the database (see [`crate::store`]), so a
//! restart keeps issued ID tokens verifiable. Its `kid` is the RFC 7638 thumbprint of its JWK.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use crate::SandboxError;

/// The ID-token signing key.
pub struct IdTokenKey {
    key: SigningKey,
    kid: String,
    x: String,
    y: String,
}

impl std::fmt::Debug for IdTokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdTokenKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl IdTokenKey {
    /// A fresh random P-256 key.
    #[must_use]
    pub fn generate() -> Self {
        Self::from_key(SigningKey::random(&mut rand::rngs::OsRng))
    }

    /// The key from its 32-byte secret scalar, as stored.
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self, SandboxError> {
        let key = SigningKey::from_slice(bytes).map_err(|_| SandboxError::CorruptSigningKey)?;
        Ok(Self::from_key(key))
    }

    fn from_key(key: SigningKey) -> Self {
        let point = key.verifying_key().to_encoded_point(false);
        let (Some(x), Some(y)) = (point.x(), point.y()) else {
            unreachable!("an uncompressed point of a valid key has both coordinates")
        };
        let x = URL_SAFE_NO_PAD.encode(x);
        let y = URL_SAFE_NO_PAD.encode(y);
        // RFC 7638: the required members, lexicographic order, no whitespace.
        let thumbprint = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(thumbprint.as_bytes()));
        Self { key, kid, x, y }
    }

    /// The 32-byte secret scalar, for storing.
    #[must_use]
    pub fn secret_bytes(&self) -> Vec<u8> {
        self.key.to_bytes().to_vec()
    }

    /// The key id carried in ID-token headers and the JWKS.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK.
    #[must_use]
    pub fn public_jwk(&self) -> Value {
        json!({
            "kty": "EC",
            "crv": "P-256",
            "x": self.x,
            "y": self.y,
            "use": "sig",
            "alg": "ES256",
            "kid": self.kid,
        })
    }

    /// Signs `claims` as a compact JWS (a JWT) with `alg: ES256` and this key's `kid`.
    #[must_use]
    pub fn sign_jwt(&self, claims: &Value) -> String {
        let header = json!({ "alg": "ES256", "typ": "JWT", "kid": self.kid });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature: Signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }

    /// The claims of a JWT this key signed, if the signature holds (expiry is not checked: an
    /// expired ID token is still a fine `id_token_hint`).
    #[must_use]
    pub fn verify_jwt(&self, jwt: &str) -> Option<Value> {
        use p256::ecdsa::signature::Verifier as _;
        let (input, signature) = jwt.rsplit_once('.')?;
        let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).ok()?).ok()?;
        self.key
            .verifying_key()
            .verify(input.as_bytes(), &signature)
            .ok()?;
        let (_, payload) = input.split_once('.')?;
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_key_signs_what_the_original_verifies() {
        let key = IdTokenKey::generate();
        let again = IdTokenKey::from_secret_bytes(&key.secret_bytes()).expect("round trip");
        assert_eq!(
            key.kid(),
            again.kid(),
            "a restart must keep the kid the JWKS publishes"
        );
        let jwt = again.sign_jwt(&json!({ "sub": "u1" }));
        assert_eq!(key.verify_jwt(&jwt), Some(json!({ "sub": "u1" })));
        let tampered = jwt.replacen('.', ".x", 1);
        assert_eq!(
            key.verify_jwt(&tampered),
            None,
            "a changed payload must not verify"
        );
    }
}
