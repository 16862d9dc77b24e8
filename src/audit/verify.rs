//! `audit verify`: recomputes the chain from the stored bytes and checks every signed
//! checkpoint and the pruning anchor against the configured public key. Reports the first
//! record that does not match (edited, removed, reordered, or contradicting a signed
//! checkpoint). Reads only; never repairs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::backend::{AuditBackend, digest_hex, parse};
use super::checkpoint::Checkpoint;
use super::error::AuditError;

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    /// Records checked.
    pub records: u64,
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    /// Signed checkpoints checked.
    pub checkpoints: u64,
    /// The last pruned record's number, if anything was pruned.
    pub pruned_through: Option<u64>,
    /// The first record that does not match; `None` when everything matches.
    pub mismatch: Option<Mismatch>,
}

/// Where and why the chain fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mismatch {
    pub seq: u64,
    pub reason: String,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.mismatch.is_none()
    }
}

impl std::fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.mismatch {
            Some(m) => write!(f, "FAILED at record {}: {}", m.seq, m.reason),
            None => {
                write!(f, "OK: {} records", self.records)?;
                if let (Some(a), Some(b)) = (self.first_seq, self.last_seq) {
                    write!(f, " ({a}..={b})")?;
                }
                write!(f, ", {} signed checkpoints", self.checkpoints)?;
                if let Some(p) = self.pruned_through {
                    write!(f, ", records 1..={p} pruned behind a signed anchor")?;
                }
                Ok(())
            }
        }
    }
}

/// Verifies the whole trail against `public_key` (hex Ed25519).
pub fn verify(store: &dyn AuditBackend, public_key: &str) -> Result<VerifyReport, AuditError> {
    let mut report = VerifyReport {
        records: 0,
        first_seq: None,
        last_seq: None,
        checkpoints: 0,
        pruned_through: None,
        mismatch: None,
    };
    let fail = |mut report: VerifyReport, seq: u64, reason: String| {
        report.mismatch = Some(Mismatch { seq, reason });
        Ok(report)
    };

    let anchor = store.anchor()?;
    let (mut expected_seq, mut expected_prev) = match &anchor {
        Some(a) => {
            if !a.signed_by(public_key) {
                return fail(
                    report,
                    a.through_seq,
                    "the pruning anchor's signature does not verify with the configured key".into(),
                );
            }
            report.pruned_through = Some(a.through_seq);
            (a.through_seq + 1, a.last_sha256.clone())
        }
        None => (1, String::new()),
    };
    let floor = expected_seq;

    let mut checkpoints = BTreeMap::new();
    let mut unreadable = None;
    store.checkpoints(&mut |seq, bytes| {
        match serde_json::from_slice::<Checkpoint>(bytes) {
            Ok(cp) if seq >= floor => {
                checkpoints.insert(seq, cp);
            }
            Ok(_) => {}
            Err(e) => {
                unreadable = Some((seq, format!("checkpoint unreadable: {e}")));
                return Ok(false);
            }
        }
        Ok(true)
    })?;
    if let Some((seq, reason)) = unreadable {
        return fail(report, seq, reason);
    }

    let mut previous: Option<u64> = None;
    let mut mismatch: Option<(u64, String)> = None;
    store.scan(floor, &mut |seq, bytes| {
        let found = check(
            seq,
            bytes,
            expected_seq,
            &expected_prev,
            previous,
            &mut checkpoints,
            public_key,
        );
        match found {
            Err(m) => {
                mismatch = Some(m);
                Ok(false)
            }
            Ok(hash) => {
                report.checkpoints += u64::from(hash.1);
                report.records += 1;
                report.first_seq.get_or_insert(seq);
                report.last_seq = Some(seq);
                previous = Some(seq);
                expected_seq = seq + 1;
                expected_prev = hash.0;
                Ok(true)
            }
        }
    })?;
    if let Some((seq, reason)) = mismatch {
        return fail(report, seq, reason);
    }
    if let Some((seq, cp)) = checkpoints.into_iter().next() {
        return fail(
            report,
            seq,
            format!(
                "record {seq} is missing, but a checkpoint signed at {} covers it",
                cp.time
            ),
        );
    }
    Ok(report)
}

/// Checks record `seq` against what its predecessor and the checkpoints say: its hash and
/// whether a checkpoint covered it, or the mismatch (the record it names, and why).
fn check(
    seq: u64,
    bytes: &[u8],
    expected_seq: u64,
    expected_prev: &str,
    previous: Option<u64>,
    checkpoints: &mut BTreeMap<u64, Checkpoint>,
    public_key: &str,
) -> Result<(String, bool), (u64, String)> {
    if seq != expected_seq {
        return Err((
            expected_seq,
            format!("record {expected_seq} is missing (the next stored record is {seq})"),
        ));
    }
    let record = parse(seq, bytes).map_err(|e| (seq, e.to_string()))?;
    if record.seq != seq {
        return Err((
            seq,
            format!("stored under number {seq} but says it is {}", record.seq),
        ));
    }
    if record.prev_sha256 != expected_prev {
        return Err(match previous {
            // The link into record N is checked when N is read; a broken link names N-1,
            // the record whose stored bytes no longer hash to what its successor recorded.
            Some(p) => (
                p,
                format!(
                    "its stored bytes do not hash to the prev_sha256 that record {seq} holds \
                     (record {p} was altered, or record {seq}'s link was)"
                ),
            ),
            None => (
                seq,
                "its prev_sha256 does not match the signed anchor of the pruned records".into(),
            ),
        });
    }
    let hash = digest_hex(bytes);
    let Some(cp) = checkpoints.remove(&seq) else {
        return Ok((hash, false));
    };
    if !cp.signed_by(public_key) {
        return Err((
            seq,
            format!(
                "the checkpoint of {} does not verify with the configured key",
                cp.time
            ),
        ));
    }
    if cp.head_sha256 != hash {
        return Err((
            seq,
            format!(
                "its stored bytes differ from what the checkpoint signed at {} says",
                cp.time
            ),
        ));
    }
    Ok((hash, true))
}
