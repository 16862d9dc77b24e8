//! Retention: records older than the configured calendar period (five years by default)
//! are removed, oldest first. Records are appended in time order, so the expired records
//! are a prefix of `audit.records`: pruning walks that prefix and stops at the first record
//! it keeps, so its cost is proportional to what it removes. Before removing anything it
//! writes a signed [`Anchor`] (number and hash of the last removed record), so the first
//! kept record still links to something signed and `audit verify` still passes. Runs inside
//! the writer thread (`log.rs`), never beside it.

use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use serde::{Deserialize, Serialize};

use super::checkpoint::{ANCHOR_KEY, Anchor, Signer};
use super::error::AuditError;
use super::index::micros_of;
use super::store::{Trees, digest_hex, parse, seq_of, store};

/// What a prune removed (or, dry, would remove).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneReport {
    /// Records older than this (UTC) are expired.
    pub cutoff: String,
    pub dry_run: bool,
    pub removed: u64,
    /// The newest expired record's number.
    pub through_seq: Option<u64>,
}

/// The moment `retention` before `now`, in calendar terms (UTC): five years before
/// 2029-03-01 is 2024-03-01, whatever the leap days between.
pub fn cutoff(now: Timestamp, retention: Span) -> Timestamp {
    now.to_zoned(TimeZone::UTC)
        .checked_sub(retention)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MIN)
}

/// Removes the records older than `cutoff` (unless `dry_run`); the caller flushes.
pub fn prune(
    trees: &Trees,
    signer: &Signer,
    cutoff: Timestamp,
    dry_run: bool,
) -> Result<PruneReport, AuditError> {
    let limit = cutoff.as_microsecond();
    let mut expired: Vec<u64> = Vec::new();
    let mut last: Option<(u64, String, String)> = None;
    for kv in trees.records.iter() {
        let (k, v) = kv.map_err(store)?;
        let seq = seq_of(&k);
        let record = parse(seq, &v)?;
        if micros_of(&record.time) >= limit {
            break;
        }
        expired.push(seq);
        last = Some((seq, digest_hex(&v), record.time));
    }
    let report = PruneReport {
        cutoff: cutoff.to_string(),
        dry_run,
        removed: expired.len() as u64,
        through_seq: last.as_ref().map(|l| l.0),
    };
    let Some((through, hash, time)) = last else {
        return Ok(report);
    };
    if dry_run {
        return Ok(report);
    }
    // The anchor first: if the process dies half-way, verify skips leftovers at or
    // below the anchor and the next prune removes them.
    let anchor = Anchor::new(signer, through, hash, time);
    trees
        .meta
        .insert(
            ANCHOR_KEY,
            serde_json::to_vec(&anchor).expect("an anchor always serialises"),
        )
        .map_err(store)?;
    for seq in expired {
        if let Some(v) = trees.records.remove(seq.to_be_bytes()).map_err(store)? {
            trees.indexes.remove(&parse(seq, &v)?).map_err(store)?;
        }
    }
    let old: Vec<_> = trees
        .checkpoints
        .range(..=through.to_be_bytes())
        .keys()
        .collect::<Result<_, _>>()
        .map_err(store)?;
    for k in old {
        trees.checkpoints.remove(k).map_err(store)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn the_cutoff_is_calendar_correct() {
        let five = Span::new().years(5);
        assert_eq!(
            cutoff(ts("2029-03-01T12:00:00Z"), five),
            ts("2024-03-01T12:00:00Z")
        );
        // From a leap day, five years back lands on the last day of February.
        assert_eq!(
            cutoff(ts("2028-02-29T00:00:00Z"), five),
            ts("2023-02-28T00:00:00Z")
        );
        assert_eq!(
            cutoff(ts("2026-01-31T00:00:00Z"), Span::new().months(1)),
            ts("2025-12-31T00:00:00Z")
        );
    }
}
