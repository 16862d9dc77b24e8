//! Where the audit trail lives in sled: `audit.records` (sequence number, big-endian → the
//! record's JSON bytes, which the chain hashes as stored), the checkpoints, the metadata
//! (pruning anchor) and the indexes. Opens the trees; reading and writing them is the sled
//! backend's (`sled_store.rs`) alone, everyone else goes through `AuditBackend`.

use super::backend::parse;
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
}

pub fn store(e: sled::Error) -> AuditError {
    AuditError::Store(e.to_string())
}

pub fn seq_of(key: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&key[..8]);
    u64::from_be_bytes(b)
}

/// Every record in order, straight from the sled trees of `db` (for tests and tools that
/// hold the database but no log).
pub fn read_all(db: &sled::Db) -> Result<Vec<AuditRecord>, AuditError> {
    let tree = db.open_tree(RECORDS).map_err(store)?;
    tree.iter()
        .map(|kv| {
            let (k, v) = kv.map_err(store)?;
            parse(seq_of(&k), &v)
        })
        .collect()
}
