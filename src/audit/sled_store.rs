//! The first [`AuditBackend`]: sled trees (`store.rs`, `index.rs`) behind a write-ahead
//! journal (`journal.rs`). `append` inserts a group's records, index entries and
//! checkpoint into sled without flushing it, appends the same bytes to the journal and
//! makes them durable with one `fdatasync`. Sled is flushed by a thread of its own about
//! once a second ([`AuditBackend::maintain`]), after which the journal files it covers are
//! recycled; opening the store replays what a crash left in the journal. Owns the sled
//! side of the trail; numbering, chaining and signing are the writer's (`log.rs`).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::backend::{AuditBackend, Group, Lookup, VisitBytes, VisitSeq, parse};
use super::checkpoint::{ANCHOR_KEY, Anchor, read_anchor};
use super::error::AuditError;
use super::index::{seq_of_key, time_prefix, value_prefix};
use super::journal::{self, Frames, Journal, Kind};
use super::store::{Trees, seq_of, store};

/// How often sled is flushed in the background (and the journal behind it recycled).
const SLED_FLUSH_EVERY: Duration = Duration::from_secs(1);

fn io(what: &str, e: std::io::Error) -> AuditError {
    AuditError::Store(format!("{what}: {e}"))
}

/// The audit trail in sled, made durable through the journal in the store's directory.
pub struct SledStore {
    db: sled::Db,
    trees: Trees,
    /// The writer's side: one writer at a time (uncontended; readers never take it).
    side: Mutex<WriteSide>,
}

struct WriteSide {
    journal: Journal,
    flusher: Flusher,
}

impl SledStore {
    /// Opens the trail in `db`, whose files are in `dir` (the journal lives there too),
    /// and replays what a crash left in the journal.
    pub fn open(db: &sled::Db, dir: &Path) -> Result<Self, AuditError> {
        let trees = Trees::open(db)?;
        let anchor = read_anchor(&trees.meta).map_err(AuditError::Store)?;
        let journal = replay(db, &trees, dir, anchor.map_or(0, |a| a.through_seq))?;
        Ok(SledStore {
            db: db.clone(),
            trees,
            side: Mutex::new(WriteSide {
                journal,
                flusher: Flusher::default(),
            }),
        })
    }

    fn side(&self) -> MutexGuard<'_, WriteSide> {
        // Only the writer thread takes it; a panic there ends the writer, and with it
        // every later append, so the state is usable for a clean close.
        self.side.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl WriteSide {
    /// Appends frames to the journal with one `fdatasync`, in a new file if the current
    /// one is full. `framed` makes the frames for a file (a frame's check names its file).
    fn sync_journal(&mut self, framed: impl Fn(&Journal) -> Frames) -> Result<(), AuditError> {
        let mut frames = framed(&self.journal);
        if !self.journal.fits(frames.bytes.len()) {
            self.journal
                .rotate(frames.bytes.len() as u64)
                .map_err(|e| io("cannot start a new audit journal file", e))?;
            frames = framed(&self.journal);
        }
        self.journal
            .append_durably(&frames)
            .map_err(|e| io("audit journal", e))
    }

    /// Flushes sled now and recycles the whole journal (it is all in sled then).
    fn flush_sled(&mut self, db: &sled::Db) -> Result<(), AuditError> {
        self.flusher.wait();
        db.flush().map_err(store)?;
        self.journal
            .clear()
            .map_err(|e| io("cannot clear the audit journal", e))
    }
}

impl AuditBackend for SledStore {
    fn append(&self, group: &Group<'_>) -> Result<(), AuditError> {
        let mut side = self.side();
        if let Some(e) = side.flusher.failure() {
            return Err(AuditError::Store(format!("background flush: {e}")));
        }
        for n in group.records {
            self.trees
                .records
                .insert(n.seq.to_be_bytes(), n.bytes)
                .and_then(|_| self.trees.indexes.insert(n.record))
                .map_err(store)?;
        }
        if let Some((seq, bytes)) = group.checkpoint {
            self.trees
                .checkpoints
                .insert(seq.to_be_bytes(), bytes)
                .map_err(store)?;
        }
        side.sync_journal(|j| {
            let mut f = j.frames();
            for n in group.records {
                f.push(Kind::Record, n.seq, n.bytes);
            }
            if let Some((seq, bytes)) = group.checkpoint {
                f.push(Kind::Checkpoint, seq, bytes);
            }
            f
        })
    }

    fn get_bytes(&self, seq: u64) -> Result<Option<Vec<u8>>, AuditError> {
        Ok(self
            .trees
            .records
            .get(seq.to_be_bytes())
            .map_err(store)?
            .map(|v| v.to_vec()))
    }

    fn last(&self) -> Result<Option<(u64, Vec<u8>)>, AuditError> {
        Ok(self
            .trees
            .records
            .last()
            .map_err(store)?
            .map(|(k, v)| (seq_of(&k), v.to_vec())))
    }

    fn scan(&self, from: u64, visit: &mut VisitBytes<'_>) -> Result<(), AuditError> {
        for kv in self.trees.records.range(from.to_be_bytes()..) {
            let (k, v) = kv.map_err(store)?;
            if !visit(seq_of(&k), &v)? {
                break;
            }
        }
        Ok(())
    }

    fn lookup(&self, by: Lookup<'_>, visit: &mut VisitSeq<'_>) -> Result<(), AuditError> {
        let ix = &self.trees.indexes;
        let keys = match by {
            Lookup::Subject(s) => ix.subject.scan_prefix(value_prefix(s)),
            Lookup::EndUser(u) => ix.end_user.scan_prefix(value_prefix(u)),
            Lookup::Time { from, to } => ix
                .time
                .range(time_prefix(from).to_vec()..time_prefix(to).to_vec()),
        };
        for k in keys.keys() {
            if !visit(seq_of_key(&k.map_err(store)?))? {
                break;
            }
        }
        Ok(())
    }

    fn checkpoints(&self, visit: &mut VisitBytes<'_>) -> Result<(), AuditError> {
        for kv in self.trees.checkpoints.iter() {
            let (k, v) = kv.map_err(store)?;
            if !visit(seq_of(&k), &v)? {
                break;
            }
        }
        Ok(())
    }

    fn last_checkpoint(&self) -> Result<Option<(u64, Vec<u8>)>, AuditError> {
        Ok(self
            .trees
            .checkpoints
            .last()
            .map_err(store)?
            .map(|(k, v)| (seq_of(&k), v.to_vec())))
    }

    fn anchor(&self) -> Result<Option<Anchor>, AuditError> {
        read_anchor(&self.trees.meta).map_err(AuditError::Store)
    }

    fn prune(&self, anchor: &Anchor) -> Result<u64, AuditError> {
        let mut side = self.side();
        // Nothing pruned may come back from the journal: empty it first.
        side.flush_sled(&self.db)?;
        let through = anchor.through_seq;
        // The anchor first: if the process dies half-way, verify skips leftovers at or
        // below the anchor and the next prune removes them.
        let t = &self.trees;
        t.meta
            .insert(
                ANCHOR_KEY,
                serde_json::to_vec(anchor).expect("an anchor always serialises"),
            )
            .map_err(store)?;
        let mut removed = 0;
        for k in keys_through(&t.records, through)? {
            let seq = seq_of(&k);
            if let Some(v) = t.records.remove(k).map_err(store)? {
                t.indexes.remove(&parse(seq, &v)?).map_err(store)?;
                removed += 1;
            }
        }
        for k in keys_through(&t.checkpoints, through)? {
            t.checkpoints.remove(k).map_err(store)?;
        }
        self.db.flush().map_err(store)?;
        Ok(removed)
    }

    fn maintain(&self) -> Result<Option<Duration>, AuditError> {
        let mut guard = self.side();
        let side = &mut *guard;
        if side.flusher.due(&side.journal) {
            let covered = side
                .journal
                .rotate(0)
                .and_then(|_| side.journal.older())
                .map_err(|e| io("cannot start a new audit journal file", e))?;
            side.flusher.start(&self.db, covered);
        }
        Ok((side.journal.written() > 0).then_some(SLED_FLUSH_EVERY / 4))
    }

    fn close(&self) -> Result<(), AuditError> {
        self.side().flush_sled(&self.db)
    }
}

/// The keys of a tree keyed by sequence number, up to `through`.
fn keys_through(tree: &sled::Tree, through: u64) -> Result<Vec<sled::IVec>, AuditError> {
    tree.range(..=through.to_be_bytes())
        .keys()
        .collect::<Result<_, _>>()
        .map_err(store)
}

/// Puts what a crash left in the journal into sled (records and checkpoints sled does not
/// hold yet, never one the pruning anchor already covers), flushes sled, deletes the
/// replayed files and opens a fresh journal file.
fn replay(db: &sled::Db, trees: &Trees, dir: &Path, pruned: u64) -> Result<Journal, AuditError> {
    let left = journal::leftover(dir).map_err(|e| io("cannot read the audit journal", e))?;
    let mut replayed = 0usize;
    for e in &left.entries {
        if e.seq <= pruned {
            continue;
        }
        let key = e.seq.to_be_bytes();
        match e.kind {
            Kind::Record => {
                if trees.records.contains_key(key).map_err(store)? {
                    continue;
                }
                let record = parse(e.seq, &e.payload)?;
                trees
                    .records
                    .insert(key, e.payload.as_slice())
                    .and_then(|_| trees.indexes.insert(&record))
                    .map_err(store)?;
                replayed += 1;
            }
            Kind::Checkpoint => {
                if !trees.checkpoints.contains_key(key).map_err(store)? {
                    trees
                        .checkpoints
                        .insert(key, e.payload.as_slice())
                        .map_err(store)?;
                }
            }
        }
    }
    if !left.files.is_empty() {
        db.flush().map_err(store)?;
        if replayed > 0 {
            tracing::warn!(
                records = replayed,
                "audit records recovered from the journal after an unclean stop"
            );
        }
    }
    left.finish(dir)
        .map_err(|e| io("cannot start the audit journal", e))
}

/// The background flush of sled: one at a time, on a thread of its own, so no append
/// waits for it. When it has finished, the journal files it covers are recycled.
#[derive(Default)]
struct Flusher {
    /// The flush started last, until the writer has collected its outcome.
    running: Option<std::thread::JoinHandle<Result<(), String>>>,
    /// Set when a background flush failed; the writer then fails too.
    error: Option<String>,
    last: Option<Instant>,
}

impl Flusher {
    /// Collects the outcome of the running flush once it has finished (with `wait`, waits
    /// for it to finish).
    fn collect(&mut self, wait: bool) {
        if let Some(flush) = self.running.take_if(|h| wait || h.is_finished()) {
            let outcome = flush
                .join()
                .unwrap_or_else(|_| Err("the flush thread panicked".into()));
            if let Err(e) = outcome {
                self.error = Some(e);
            }
        }
    }

    fn due(&mut self, journal: &Journal) -> bool {
        self.collect(false);
        journal.written() > 0
            && self.running.is_none()
            && self.last.is_none_or(|t| t.elapsed() >= SLED_FLUSH_EVERY)
    }

    fn start(&mut self, db: &sled::Db, covered: Vec<PathBuf>) {
        self.last = Some(Instant::now());
        let db = db.clone();
        let spawned = std::thread::Builder::new()
            .name("audit-flush".into())
            .spawn(move || {
                db.flush()
                    .map_err(|e| e.to_string())
                    .and_then(|_| journal::recycle(&covered).map_err(|e| e.to_string()))
            });
        match spawned {
            Ok(flush) => self.running = Some(flush),
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    fn failure(&mut self) -> Option<String> {
        self.collect(false);
        self.error.clone()
    }

    /// Waits for a flush in progress (before a synchronous flush or a stop).
    fn wait(&mut self) {
        self.collect(true);
    }
}
