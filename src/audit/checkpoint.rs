//! Signed statements about the chain: a [`Checkpoint`] (record count, head hash, time)
//! made periodically by the writer, and the [`Anchor`] a pruned prefix leaves behind (the
//! last pruned record's number and hash). Both are signed with Ed25519 (ring) over a fixed
//! text, so anyone with the public key can check them. Owns the `audit.checkpoints` and
//! `audit.meta` trees' value formats; does not walk the chain (that is `verify.rs`).

use std::sync::Arc;

use ring::signature::{self, Ed25519KeyPair, KeyPair};
use rustls::pki_types::PrivatePkcs8KeyDer;
use rustls::pki_types::pem::PemObject;
use serde::{Deserialize, Serialize};

pub const CHECKPOINTS: &str = "audit.checkpoints";
pub const META: &str = "audit.meta";
pub const ANCHOR_KEY: &[u8] = b"anchor";

#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    #[error("audit signing key: {0}")]
    Pem(String),
    #[error("audit signing key: not an Ed25519 PKCS#8 key: {0}")]
    Key(String),
}

/// The Ed25519 key that signs checkpoints and anchors.
#[derive(Clone)]
pub struct Signer {
    pair: Arc<Ed25519KeyPair>,
}

impl Signer {
    /// Reads a PKCS#8 PEM Ed25519 private key (v1 as `openssl genpkey` writes it, or v2).
    pub fn from_pem(pem: &str) -> Result<Self, SignerError> {
        let der = PrivatePkcs8KeyDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| SignerError::Pem(e.to_string()))?;
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der.secret_pkcs8_der())
            .map_err(|e| SignerError::Key(e.to_string()))?;
        Ok(Signer {
            pair: Arc::new(pair),
        })
    }

    pub fn public_key_hex(&self) -> String {
        hex::encode(self.pair.public_key().as_ref())
    }

    fn sign(&self, message: &str) -> String {
        hex::encode(self.pair.sign(message.as_bytes()).as_ref())
    }
}

/// Checks an Ed25519 signature (hex) over `message` by `public_key` (hex).
fn signature_ok(public_key: &str, message: &str, signature: &str) -> bool {
    let (Ok(key), Ok(sig)) = (hex::decode(public_key), hex::decode(signature)) else {
        return false;
    };
    signature::UnparsedPublicKey::new(&signature::ED25519, key)
        .verify(message.as_bytes(), &sig)
        .is_ok()
}

/// "Records 1..=seq existed, and record `seq`'s stored bytes hash to `head_sha256`."
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The head record's number: the count of records ever appended.
    pub seq: u64,
    pub head_sha256: String,
    /// UTC, RFC 3339.
    pub time: String,
    pub public_key: String,
    pub signature: String,
}

impl Checkpoint {
    pub fn new(signer: &Signer, seq: u64, head_sha256: String) -> Self {
        let time = jiff::Timestamp::now().to_string();
        let signature = signer.sign(&checkpoint_message(seq, &head_sha256, &time));
        Checkpoint {
            seq,
            head_sha256,
            time,
            public_key: signer.public_key_hex(),
            signature,
        }
    }

    /// True when `public_key` signed exactly this checkpoint.
    pub fn signed_by(&self, public_key: &str) -> bool {
        self.public_key == public_key
            && signature_ok(
                public_key,
                &checkpoint_message(self.seq, &self.head_sha256, &self.time),
                &self.signature,
            )
    }
}

fn checkpoint_message(seq: u64, head: &str, time: &str) -> String {
    format!("vtj-emulator audit checkpoint v1\nseq={seq}\nhead_sha256={head}\ntime={time}\n")
}

/// What pruning leaves: "records 1..=through_seq were removed; record `through_seq`'s
/// stored bytes hashed to `last_sha256`", so the first kept record still links to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anchor {
    pub through_seq: u64,
    pub last_sha256: String,
    /// The time of the newest pruned record (UTC, RFC 3339).
    pub last_time: String,
    /// When the prune ran.
    pub pruned_at: String,
    pub public_key: String,
    pub signature: String,
}

impl Anchor {
    pub fn new(signer: &Signer, through_seq: u64, last_sha256: String, last_time: String) -> Self {
        let pruned_at = jiff::Timestamp::now().to_string();
        let signature = signer.sign(&anchor_message(
            through_seq,
            &last_sha256,
            &last_time,
            &pruned_at,
        ));
        Anchor {
            through_seq,
            last_sha256,
            last_time,
            pruned_at,
            public_key: signer.public_key_hex(),
            signature,
        }
    }

    pub fn signed_by(&self, public_key: &str) -> bool {
        self.public_key == public_key
            && signature_ok(
                public_key,
                &anchor_message(
                    self.through_seq,
                    &self.last_sha256,
                    &self.last_time,
                    &self.pruned_at,
                ),
                &self.signature,
            )
    }
}

fn anchor_message(seq: u64, last: &str, last_time: &str, pruned_at: &str) -> String {
    format!(
        "vtj-emulator audit anchor v1\nthrough_seq={seq}\nlast_sha256={last}\nlast_time={last_time}\npruned_at={pruned_at}\n"
    )
}

/// Reads the anchor, if anything was ever pruned.
pub fn read_anchor(meta: &sled::Tree) -> Result<Option<Anchor>, String> {
    match meta.get(ANCHOR_KEY).map_err(|e| e.to_string())? {
        None => Ok(None),
        Some(v) => serde_json::from_slice(&v)
            .map(Some)
            .map_err(|e| format!("the pruning anchor is unreadable: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::settings::BUILTIN_SIGNING_KEY;

    #[test]
    fn checkpoints_and_anchors_verify_only_unaltered() {
        let signer = Signer::from_pem(BUILTIN_SIGNING_KEY).unwrap();
        let key = signer.public_key_hex();
        let cp = Checkpoint::new(&signer, 7, "ab".repeat(32));
        assert!(cp.signed_by(&key));
        let mut forged = cp.clone();
        forged.seq = 8;
        assert!(!forged.signed_by(&key));
        assert!(!cp.signed_by(&"00".repeat(32)));

        let anchor = Anchor::new(&signer, 3, "cd".repeat(32), "2020-01-01T00:00:00Z".into());
        assert!(anchor.signed_by(&key));
        let mut forged = anchor.clone();
        forged.last_sha256 = "ef".repeat(32);
        assert!(!forged.signed_by(&key));
    }

    #[test]
    fn a_pem_that_is_not_ed25519_is_refused() {
        let p256 = include_str!("../../certs/clients/demo-key.pem");
        assert!(Signer::from_pem(p256).is_err());
        assert!(Signer::from_pem("nonsense").is_err());
    }
}
