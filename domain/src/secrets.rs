//! Secrets at rest: a connected system's password is sealed with XChaCha20-Poly1305 under a
//! key the operator gives in the environment, never stored beside the data it protects.
//!
//! The key is 32 bytes written as 64 hexadecimal characters, in `TESSERA_SECRET_KEY` or in the
//! file `TESSERA_SECRET_KEY_FILE` names. A sealed value is `v1:` + hex(nonce ‖ ciphertext);
//! the record's own id is bound in as associated data, so a sealed password copied onto another
//! system's row does not open. A value that does not open (another key, a changed row) is an
//! error, never an empty password.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 24;

/// The key secrets are sealed with. Its `Debug` never shows it.
#[derive(Clone)]
pub struct SecretKey(chacha20poly1305::Key);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

/// Why a secret could not be sealed or opened. Says what to do, never shows the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error(
        "Tessera has no key to encrypt secrets: set TESSERA_SECRET_KEY_FILE (or TESSERA_SECRET_KEY) to 64 hexadecimal characters, for example from `openssl rand -hex 32`"
    )]
    NoKey,
    #[error("the secret key must be 64 hexadecimal characters (32 bytes): {0}")]
    BadKey(String),
    #[error(
        "a stored secret could not be decrypted: it was sealed with another key or changed; enter the password again"
    )]
    CannotOpen,
}

impl SecretKey {
    /// The key from its 64 hexadecimal characters (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let bytes = hex::decode(text.trim()).map_err(|e| SecretError::BadKey(e.to_string()))?;
        if bytes.len() != 32 {
            return Err(SecretError::BadKey(format!("{} bytes given", bytes.len())));
        }
        Ok(Self(*chacha20poly1305::Key::from_slice(&bytes)))
    }

    /// A fresh random key (tests, and `tessera` telling an operator one to use).
    pub fn generate() -> Self {
        Self(XChaCha20Poly1305::generate_key(&mut OsRng))
    }

    /// The key as the environment takes it.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Seals `plain` for the record `context` (its id).
    pub fn seal(&self, context: &str, plain: &str) -> String {
        let cipher = XChaCha20Poly1305::new(&self.0);
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plain.as_bytes(),
            aad: context.as_bytes(),
        };
        // Encryption in memory fails only past 256 GiB of text.
        let sealed = cipher.encrypt(&nonce, payload).unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", hex::encode(out))
    }

    /// Opens what [`SecretKey::seal`] made for the same `context`.
    pub fn open(&self, context: &str, sealed: &str) -> Result<String, SecretError> {
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(|h| hex::decode(h).ok())
            .ok_or(SecretError::CannotOpen)?;
        if bytes.len() < NONCE_LEN {
            return Err(SecretError::CannotOpen);
        }
        let (nonce, text) = bytes.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new(&self.0);
        let plain = cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: text,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SecretError::CannotOpen)?;
        String::from_utf8(plain).map_err(|_| SecretError::CannotOpen)
    }
}

/// Whether `a` and `b` are equal, in a time that does not depend on where they differ (for
/// signatures a caller presents).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new bearer secret for a client to present (a SCIM or API token): `prefix` (so that a
/// leaked one is recognisable in logs and secret scanners) and 256 random bits in hex. Stored
/// only as its SHA-256; a random secret this long needs no slow hash.
pub fn bearer_secret(prefix: &str) -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", crate::store::hex(&bytes))
}

/// The key the environment gives: `TESSERA_SECRET_KEY_FILE` (a file holding the hex key),
/// else `TESSERA_SECRET_KEY`; `Ok(None)` when neither is set.
pub fn key_from_env() -> Result<Option<SecretKey>, String> {
    if let Ok(path) = std::env::var("TESSERA_SECRET_KEY_FILE") {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("TESSERA_SECRET_KEY_FILE: cannot read {path}: {e}"))?;
        return SecretKey::parse(&text)
            .map(Some)
            .map_err(|e| format!("TESSERA_SECRET_KEY_FILE ({path}): {e}"));
    }
    match std::env::var("TESSERA_SECRET_KEY") {
        Ok(text) => SecretKey::parse(&text)
            .map(Some)
            .map_err(|e| format!("TESSERA_SECRET_KEY: {e}")),
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_with_its_key_and_context_only() {
        let key = SecretKey::generate();
        let sealed = key.seal("system-1", "bind password");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("bind password"));
        assert_eq!(key.open("system-1", &sealed).unwrap(), "bind password");
        // Another record's row, another key, a changed byte, garbage: refused, not empty.
        assert_eq!(key.open("system-2", &sealed), Err(SecretError::CannotOpen));
        let other = SecretKey::generate();
        assert_eq!(
            other.open("system-1", &sealed),
            Err(SecretError::CannotOpen)
        );
        let mut changed = sealed.clone();
        let last = if changed.ends_with('0') { "1" } else { "0" };
        changed.replace_range(changed.len() - 1.., last);
        assert_eq!(key.open("system-1", &changed), Err(SecretError::CannotOpen));
        assert_eq!(key.open("system-1", "v1:00"), Err(SecretError::CannotOpen));
        assert_eq!(key.open("system-1", "plain"), Err(SecretError::CannotOpen));
        // Two seals of one secret differ (a fresh nonce each).
        assert_ne!(key.seal("system-1", "x"), key.seal("system-1", "x"));
    }

    #[test]
    fn keys_are_64_hex_characters() {
        let key = SecretKey::generate();
        let again = SecretKey::parse(&format!(" {}\n", key.to_hex())).unwrap();
        assert_eq!(again.open("c", &key.seal("c", "s")).unwrap(), "s");
        assert!(matches!(
            SecretKey::parse("abcd"),
            Err(SecretError::BadKey(_))
        ));
        assert!(matches!(
            SecretKey::parse(&"z".repeat(64)),
            Err(SecretError::BadKey(_))
        ));
        assert_eq!(format!("{key:?}"), "SecretKey(…)");
    }
}
