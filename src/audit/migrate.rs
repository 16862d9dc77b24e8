//! Moving a trail kept in sled's `audit.*` trees (the store before the segments) into
//! segments, once, when the store is opened: whatever a crash left in the old write-ahead
//! journal is first replayed into the trees (`sled_store.rs`), then every record and
//! checkpoint the segments do not hold yet is copied, stored bytes verbatim (so the chain
//! and the signed checkpoints still verify), in groups made durable as any other; only
//! then are the old trees dropped and the journal files removed. A crash half-way leaves
//! the trees, and the next open copies what is still missing. The anchor stays where it
//! was (`audit.meta`).

use std::collections::BTreeMap;
use std::path::Path;

use super::backend::AuditBackend;
use super::checkpoint::CHECKPOINTS;
use super::error::AuditError;
use super::index::{BY_END_USER, BY_SUBJECT, BY_TIME};
use super::journal;
use super::segment_store::SegmentStore;
use super::sled_store::SledStore;
use super::store::{RECORDS, store};

/// Records copied per group.
const GROUP: usize = 512;

/// True when `db` or `data` still holds a trail of the old store.
fn old_trail(db: &sled::Db, data: &Path) -> Result<bool, AuditError> {
    let names = db.tree_names();
    for t in [RECORDS, CHECKPOINTS] {
        if names.iter().any(|n| n.as_ref() == t.as_bytes())
            && !db.open_tree(t).map_err(store)?.is_empty()
        {
            return Ok(true);
        }
    }
    Ok(!journal::files(data)
        .map_err(|e| AuditError::Store(format!("cannot list the old audit journal: {e}")))?
        .is_empty())
}

/// Copies the old store's trail into `segments` (see the module), if there is one.
pub fn from_sled(segments: &SegmentStore, db: &sled::Db, data: &Path) -> Result<(), AuditError> {
    if !old_trail(db, data)? {
        return Ok(());
    }
    let old = SledStore::open(db, data)?;
    let floor = old.anchor()?.map_or(0, |a| a.through_seq);
    let done = segments.last_seq().max(floor);
    let mut checkpoints = BTreeMap::new();
    old.checkpoints(&mut |seq, bytes| {
        if seq > done {
            checkpoints.insert(seq, bytes.to_vec());
        }
        Ok(true)
    })?;
    let mut group: Vec<(u64, Vec<u8>)> = Vec::with_capacity(GROUP);
    let mut copied = 0u64;
    old.scan(done + 1, &mut |seq, bytes| {
        group.push((seq, bytes.to_vec()));
        let cp = checkpoints.remove(&seq);
        if cp.is_some() || group.len() >= GROUP {
            segments.append_copied(&group, cp.as_ref().map(|b| (seq, b.as_slice())))?;
            copied += group.len() as u64;
            group.clear();
        }
        Ok(true)
    })?;
    if !group.is_empty() {
        segments.append_copied(&group, None)?;
        copied += group.len() as u64;
    }
    for (seq, bytes) in &checkpoints {
        segments.append_copied(&[], Some((*seq, bytes)))?;
    }
    old.close()?;
    drop(old);
    for t in [RECORDS, CHECKPOINTS, BY_SUBJECT, BY_END_USER, BY_TIME] {
        db.drop_tree(t).map_err(store)?;
    }
    db.flush().map_err(store)?;
    journal::remove_all(data)
        .map_err(|e| AuditError::Store(format!("cannot remove the old audit journal: {e}")))?;
    tracing::info!(
        records = copied,
        "the audit trail moved from sled's trees into segment files"
    );
    Ok(())
}
