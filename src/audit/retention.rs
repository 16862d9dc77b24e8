//! Retention: records older than the configured calendar period (five years by default)
//! are removed, oldest first. Records are appended in time order, so the expired records
//! are a prefix of `audit.records`: pruning walks that prefix and stops at the first record
//! it keeps, so its cost is proportional to what it removes. The store writes a signed
//! [`Anchor`] (number and hash of the last removed record) before it removes anything, so
//! the first kept record still links to something signed and `audit verify` still passes.
//! Runs inside the writer thread (`log.rs`), never beside it.

use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use serde::{Deserialize, Serialize};

use super::backend::{AuditBackend, digest_hex, parse};
use super::checkpoint::{Anchor, Signer};
use super::error::AuditError;
use super::index::micros_of;

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

/// Removes the records older than `cutoff` (unless `dry_run`) through the store, behind a
/// signed anchor; durable when it returns.
pub fn prune(
    store: &dyn AuditBackend,
    signer: &Signer,
    cutoff: Timestamp,
    dry_run: bool,
) -> Result<PruneReport, AuditError> {
    let limit = cutoff.as_microsecond();
    // A store that removes whole months says how far it can go.
    let through = store.prune_limit(limit)?.unwrap_or(u64::MAX);
    let mut removed = 0u64;
    let mut last: Option<(u64, String, String)> = None;
    store.scan(0, &mut |seq, bytes| {
        let record = parse(seq, bytes)?;
        if seq > through || micros_of(&record.time) >= limit {
            return Ok(false);
        }
        removed += 1;
        last = Some((seq, digest_hex(bytes), record.time));
        Ok(true)
    })?;
    let report = PruneReport {
        cutoff: cutoff.to_string(),
        dry_run,
        removed,
        through_seq: last.as_ref().map(|l| l.0),
    };
    let Some((through, hash, time)) = last else {
        return Ok(report);
    };
    if dry_run {
        return Ok(report);
    }
    store.prune(&Anchor::new(signer, through, hash, time))?;
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
