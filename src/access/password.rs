//! Service-user passwords: argon2id hashes in PHC form (`$argon2id$v=19$…`), never
//! plaintext. A successful verification is remembered as a SHA-256 digest so that later
//! requests with the same password are checked in constant time without paying argon2's
//! cost again; failures always pay it.

use std::sync::{Arc, Mutex};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error(
        "password_hash is not an argon2 PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash): {0}"
    )]
    NotPhc(String),
    #[error("password_hash must use argon2id, not {0}")]
    Algorithm(String),
    #[error("hashing failed: {0}")]
    Hash(String),
}

/// A checked argon2id hash, with the digest of the last password it accepted.
#[derive(Clone)]
pub struct PasswordCheck {
    phc: String,
    accepted: Arc<Mutex<Option<[u8; 32]>>>,
}

impl std::fmt::Debug for PasswordCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordCheck(argon2id)")
    }
}

impl PasswordCheck {
    /// Accepts an argon2id PHC string.
    pub fn from_phc(phc: &str) -> Result<Self, PasswordError> {
        let parsed = PasswordHash::new(phc).map_err(|e| PasswordError::NotPhc(e.to_string()))?;
        let alg = parsed.algorithm.as_str();
        if alg != "argon2id" {
            return Err(PasswordError::Algorithm(alg.to_string()));
        }
        Ok(PasswordCheck {
            phc: phc.to_string(),
            accepted: Arc::new(Mutex::new(None)),
        })
    }

    /// True when `password` matches. Constant time in the password for remembered
    /// passwords (digest comparison) and argon2's own constant-time check otherwise.
    pub fn verify(&self, password: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(password.as_bytes()).into();
        let remembered = *self.accepted.lock().expect("not poisoned");
        if let Some(known) = remembered
            && constant_time_eq(&known, &digest)
        {
            return true;
        }
        let ok = argon2_verify(&self.phc, password);
        if ok {
            *self.accepted.lock().expect("not poisoned") = Some(digest);
        }
        ok
    }
}

fn argon2_verify(phc: &str, password: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the time of one argon2 verification, for unknown user ids, so the answer's
/// timing does not tell which user ids exist.
pub fn verify_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash("not a real password").expect("hashing works"));
    let _ = argon2_verify(phc, password);
}

/// Hashes a password to an argon2id PHC string with a random salt and default parameters.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Compares two digests without an early exit.
pub fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_remember_only_successes() {
        let phc = hash("s3cret").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
        let check = PasswordCheck::from_phc(&phc).unwrap();
        assert!(!check.verify("wrong"));
        assert!(check.accepted.lock().unwrap().is_none());
        assert!(check.verify("s3cret"));
        assert!(check.accepted.lock().unwrap().is_some());
        assert!(check.verify("s3cret"));
        assert!(!check.verify("s3cret "));
    }

    #[test]
    fn only_argon2id_phc_strings_are_accepted() {
        assert!(matches!(
            PasswordCheck::from_phc("demo"),
            Err(PasswordError::NotPhc(_))
        ));
        let argon2i = "$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$ZmFrZWhhc2hmYWtlaGFzaA";
        assert!(matches!(
            PasswordCheck::from_phc(argon2i),
            Err(PasswordError::Algorithm(_)) | Err(PasswordError::NotPhc(_))
        ));
    }
}
