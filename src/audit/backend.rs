//! The one interface between the audit trail and where it is stored: [`AuditBackend`].
//! The writer (`log.rs`) numbers and chains records itself and hands the backend groups of
//! finished, numbered records (the stored bytes the chain hashes, with the record they
//! encode); the backend makes a group durable before `append` returns, answers reads by
//! number, walks records and checkpoints in order, looks up sequence numbers through its
//! indexes (cost per hit), and removes a pruned prefix behind its signed anchor. The sled
//! store with its journal (`sled_store.rs`) is the first implementation; a PostgreSQL one
//! (issue 21) is to be the second. Knows nothing of sled, files or SOAP.

use std::time::Duration;

use sha2::{Digest, Sha256};

use super::checkpoint::{Anchor, Checkpoint};
use super::error::AuditError;
use super::record::AuditRecord;

/// One record of a group, numbered and chained by the writer.
pub struct Numbered<'a> {
    pub seq: u64,
    /// The record's stored bytes (its JSON): what the chain hashes. Stored verbatim.
    pub bytes: &'a [u8],
    /// The same record, decoded, for the index entries.
    pub record: &'a AuditRecord,
}

/// What one group commit makes durable together: records with consecutive numbers
/// (possibly none) and possibly a signed checkpoint (its number and its stored bytes).
pub struct Group<'a> {
    pub records: &'a [Numbered<'a>],
    pub checkpoint: Option<(u64, &'a [u8])>,
}

/// What an index finds: sequence numbers of records by subject identifier (the search
/// key's value unless it is a criteria document, and every disclosed identifier), by end
/// user (`Loppukayttaja`), or by request time (microseconds since 1970, `from` inclusive,
/// `to` exclusive).
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'a> {
    Subject(&'a str),
    EndUser(&'a str),
    Time { from: i64, to: i64 },
}

/// A field some backends index beyond [`Lookup`]'s (see [`AuditBackend::lookup_field`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Organisation,
    /// `Kayttajatunnus`.
    ServiceUser,
    Operation,
    ReturnCode,
}

/// Called with each record (or checkpoint) found, in order, as its number and stored
/// bytes; returns `Ok(false)` to stop (a page is full).
pub type VisitBytes<'v> = dyn FnMut(u64, &[u8]) -> Result<bool, AuditError> + 'v;

/// Called with each sequence number an index holds, in order; `Ok(false)` stops.
pub type VisitSeq<'v> = dyn FnMut(u64) -> Result<bool, AuditError> + 'v;

/// The chain's head as a committing transaction reads it (a store shared by several
/// writers, [`AuditBackend::numbers_in_commit`]): the last record's number (0: none yet)
/// and the digest of its stored bytes (or the anchor's, after pruning everything), and
/// the number the newest checkpoint covers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Head {
    pub seq: u64,
    pub sha256: String,
    pub checkpoint: u64,
}

/// What the writer makes of a group given the head: each record's stored bytes (the
/// records themselves numbered and chained in place), and a signed checkpoint if one is
/// due (its number and stored bytes).
pub struct Sealed {
    pub bytes: Vec<Vec<u8>>,
    pub checkpoint: Option<(u64, Vec<u8>)>,
}

/// The writer's numbering, called by the store inside its transaction.
pub type Seal<'s> = dyn FnMut(&Head, &mut [&mut AuditRecord]) -> Sealed + 's;

/// Where the audit trail is kept. What an implementation must guarantee:
///
/// - **Durable before `append` returns.** When `append` returns `Ok`, every record and the
///   checkpoint of the group survive a crash (power loss included: `fdatasync` or a
///   database commit that is). When it returns `Err`, the writer refuses every later
///   append, so nothing is answered that was not recorded.
/// - **Gap-free, verbatim.** Records are stored under the number the writer gave them,
///   byte for byte; a group continues exactly after the last one (or after the anchor).
///   The backend never renumbers, re-serialises or drops a record.
/// - **Crash recovery on open.** Opening the store brings back every group whose `append`
///   returned, with its index entries; a group torn by a crash (never acknowledged) may
///   be kept whole or dropped whole, and nothing the anchor covers comes back.
/// - **Reads see what was appended.** Once `append` returned, `get`, `scan` and `lookup`
///   find the group's records (from this process; another reader process may lag until
///   the store is flushed).
/// - **Cost per hit.** `lookup` reads index entries of what matches, not every record.
///
/// One writer (the thread in `log.rs`) calls `append`, `prune`, `maintain` and `close`;
/// readers (search, verify, the admin API, the CLI) call the rest from any thread.
pub trait AuditBackend: Send + Sync {
    /// Makes a group durable (see the trait's guarantees).
    fn append(&self, group: &Group<'_>) -> Result<(), AuditError>;

    /// The stored bytes of record `seq`, if kept.
    fn get_bytes(&self, seq: u64) -> Result<Option<Vec<u8>>, AuditError>;

    /// The newest record kept: its number and stored bytes.
    fn last(&self) -> Result<Option<(u64, Vec<u8>)>, AuditError>;

    /// Every record numbered `from` or more, in order, as (number, stored bytes).
    fn scan(&self, from: u64, visit: &mut VisitBytes<'_>) -> Result<(), AuditError>;

    /// The numbers of the records an index holds for `by`, in order (by number for a
    /// subject or end user, by time then number for a time range).
    fn lookup(&self, by: Lookup<'_>, visit: &mut VisitSeq<'_>) -> Result<(), AuditError>;

    /// Every checkpoint kept, oldest first, as (number, stored bytes).
    fn checkpoints(&self, visit: &mut VisitBytes<'_>) -> Result<(), AuditError>;

    /// The newest checkpoint: its number and stored bytes.
    fn last_checkpoint(&self) -> Result<Option<(u64, Vec<u8>)>, AuditError>;

    /// The anchor of the pruned prefix, if anything was pruned.
    fn anchor(&self) -> Result<Option<Anchor>, AuditError>;

    /// Stores `anchor`, then removes the records numbered up to `anchor.through_seq`
    /// with their index entries and the checkpoints they cover; durable when it returns.
    /// Costs what it removes. Returns how many records it removed.
    fn prune(&self, anchor: &Anchor) -> Result<u64, AuditError>;

    /// Background work (e.g. flushing a store behind its journal), called by the writer
    /// between groups. Returns how soon it wants to be called again (`None`: only after
    /// the next append).
    fn maintain(&self) -> Result<Option<Duration>, AuditError>;

    /// A clean stop: leaves nothing for crash recovery to do.
    fn close(&self) -> Result<(), AuditError>;

    /// The numbers of the records whose `field` is `value`, in order, if this backend
    /// indexes that field (cost per hit); `Ok(false)` when it does not, and the caller
    /// reads every record instead.
    fn lookup_field(
        &self,
        field: Field,
        value: &str,
        visit: &mut VisitSeq<'_>,
    ) -> Result<bool, AuditError> {
        let _ = (field, value, visit);
        Ok(false)
    }

    /// True for a store that several writers (processes) share, so the head must be read
    /// inside the committing transaction: the writer then calls
    /// [`AuditBackend::append_unnumbered`] instead of `append`, and a failed append fails
    /// only its group (the store knows what committed; the next group reads the head
    /// again).
    fn numbers_in_commit(&self) -> bool {
        false
    }

    /// For a shared store: in one transaction, reads the head under a lock every writer
    /// takes, has `seal` number, chain and serialise `records` (and sign a checkpoint if
    /// due) from it, stores the result and commits; durable when it returns `Ok`. An
    /// outcome it cannot tell (connection lost during the commit) is resolved by reading
    /// the head again before it returns.
    fn append_unnumbered(
        &self,
        records: &mut [&mut AuditRecord],
        seal: &mut Seal<'_>,
    ) -> Result<(), AuditError> {
        let _ = (records, seal);
        Err(AuditError::Store(
            "this store takes numbered groups (append)".into(),
        ))
    }

    /// The newest record pruning may remove for `cutoff` (µs since 1970), when the store
    /// removes whole units (months) only; `None`: any record older than the cutoff.
    fn prune_limit(&self, cutoff: i64) -> Result<Option<u64>, AuditError> {
        let _ = cutoff;
        Ok(None)
    }

    /// Why the store cannot take appends now (a database that does not answer), if so.
    fn unready(&self) -> Option<String> {
        None
    }

    /// Record `seq`, decoded, if kept.
    fn get(&self, seq: u64) -> Result<Option<AuditRecord>, AuditError> {
        self.get_bytes(seq)?
            .map(|bytes| parse(seq, &bytes))
            .transpose()
    }

    /// The newest checkpoint, decoded.
    fn latest_checkpoint(&self) -> Result<Option<Checkpoint>, AuditError> {
        self.last_checkpoint()?
            .map(|(seq, bytes)| {
                serde_json::from_slice(&bytes).map_err(|e| AuditError::Corrupt {
                    seq,
                    message: format!("checkpoint unreadable: {e}"),
                })
            })
            .transpose()
    }
}

/// Decodes a record's stored bytes.
pub fn parse(seq: u64, bytes: &[u8]) -> Result<AuditRecord, AuditError> {
    serde_json::from_slice(bytes).map_err(|e| AuditError::Corrupt {
        seq,
        message: e.to_string(),
    })
}

/// Every record kept, in order.
pub fn all_records(store: &dyn AuditBackend) -> Result<Vec<AuditRecord>, AuditError> {
    let mut out = Vec::new();
    store.scan(0, &mut |seq, bytes| {
        out.push(parse(seq, bytes)?);
        Ok(true)
    })?;
    Ok(out)
}

/// SHA-256 (hex) of bytes: the chain's and the response digest's hash.
pub fn digest_hex(bytes: &[u8]) -> String {
    // As `hex::encode`, in a plain loop rather than a char at a time (three per query).
    let mut digits = [0u8; 64];
    hex::encode_to_slice(Sha256::digest(bytes), &mut digits).expect("64 digits for 32 bytes");
    String::from_utf8(digits.to_vec()).expect("hex digits are ASCII")
}
