//! Where the audit trail lives in sled: `audit.records` (sequence number, big-endian → the
//! record's JSON bytes, which the chain hashes as stored), the checkpoints, the metadata
//! (pruning anchor) and the indexes. Opens the trees and reads records; writing is the
//! writer's (`log.rs`) and the pruner's (`retention.rs`) alone.

use sha2::{Digest, Sha256};

use super::checkpoint::{CHECKPOINTS, META};
use super::error::AuditError;
use super::index::Indexes;
use super::record::AuditRecord;

pub const RECORDS: &str = "audit.records";

/// Every tree of the audit trail.
#[derive(Clone)]
pub struct Trees {
    pub records: sled::Tree,
    pub checkpoints: sled::Tree,
    pub meta: sled::Tree,
    pub indexes: Indexes,
}

impl Trees {
    pub fn open(db: &sled::Db) -> Result<Self, AuditError> {
        Ok(Trees {
            records: db.open_tree(RECORDS).map_err(store)?,
            checkpoints: db.open_tree(CHECKPOINTS).map_err(store)?,
            meta: db.open_tree(META).map_err(store)?,
            indexes: Indexes::open(db).map_err(store)?,
        })
    }

    /// One record by number, if kept.
    pub fn get(&self, seq: u64) -> Result<Option<AuditRecord>, AuditError> {
        match self.records.get(seq.to_be_bytes()).map_err(store)? {
            None => Ok(None),
            Some(v) => parse(seq, &v).map(Some),
        }
    }
}

pub fn store(e: sled::Error) -> AuditError {
    AuditError::Store(e.to_string())
}

pub fn parse(seq: u64, bytes: &[u8]) -> Result<AuditRecord, AuditError> {
    serde_json::from_slice(bytes).map_err(|e| AuditError::Corrupt {
        seq,
        message: e.to_string(),
    })
}

pub fn seq_of(key: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&key[..8]);
    u64::from_be_bytes(b)
}

/// SHA-256 (hex) of bytes: the chain's and the response digest's hash.
pub fn digest_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Every record in order (for `audit list`, with the server not running).
pub fn read_all(db: &sled::Db) -> Result<Vec<AuditRecord>, AuditError> {
    let tree = db.open_tree(RECORDS).map_err(store)?;
    tree.iter()
        .map(|kv| {
            let (k, v) = kv.map_err(store)?;
            parse(seq_of(&k), &v)
        })
        .collect()
}
