//! The append path. Callers send records to one writer thread; it takes every record
//! waiting (under load, after the group window: [`AuditSettings::group_window`]; below
//! it, once no work that will append soon is under way ([`Underway`]), at most
//! [`AuditSettings::group_hold`]), numbers
//! and chains them, and hands the group to the store
//! ([`AuditBackend::append`]), which makes it durable (group commit: for the sled store,
//! one journal `fdatasync`) before the writer acknowledges each caller. A failed write
//! fails every record of the group and every later one (the log refuses to guess what
//! reached the disk), so callers can refuse to answer what was not recorded. The writer
//! also signs checkpoints (every N records or T seconds), runs pruning and gives the store
//! its background turns ([`AuditBackend::maintain`]), so the chain has one author.
//!
//! The writer is a plain thread, not a tokio task: its syncs block, and a thread of its
//! own keeps the runtime's workers free and costs one wake-up per group.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, OnceLock};
use std::thread::Thread;
use std::time::Instant;

use tokio::sync::oneshot;

pub use super::error::AuditError;

use super::backend::{AuditBackend, Group, Numbered, Sealed, digest_hex};
use super::checkpoint::Checkpoint;
use super::pg_store::PgStore;
use super::record::AuditRecord;
use super::retention::{self, PruneReport};
use super::segment_store::SegmentStore;
use super::settings::{AuditSettings, Backend, GROUP_WINDOW_AFTER};

/// Every record the log's store holds, in order (for tests and tools).
pub fn read_all(log: &AuditLog) -> Result<Vec<AuditRecord>, AuditError> {
    super::backend::all_records(&*log.store())
}

/// Most records one group commit takes.
const MAX_BATCH: usize = 512;

/// The outcome of an append, with the record handed back: the appending task frees it
/// (its strings were allocated on that task's thread, where freeing them is cheapest).
type Reply = oneshot::Sender<(Result<u64, AuditError>, Box<AuditRecord>)>;

enum Msg {
    Append(Box<AuditRecord>, Reply),
    Prune {
        cutoff: jiff::Timestamp,
        dry_run: bool,
        reply: oneshot::Sender<Result<PruneReport, AuditError>>,
    },
    Checkpoint(oneshot::Sender<Result<Option<Checkpoint>, AuditError>>),
    Close(oneshot::Sender<()>),
}

/// Upper bounds (seconds) of the flush-latency histogram's buckets.
pub const FLUSH_BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];

/// Counters of the writer: how many records it appended in how many group commits, and
/// how long the store took to make them durable.
#[derive(Debug, Default)]
struct Counters {
    records: AtomicU64,
    flushes: AtomicU64,
    flush_micros: AtomicU64,
    flush_buckets: [AtomicU64; FLUSH_BUCKETS.len()],
}

/// A snapshot of the writer's counters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogStats {
    pub records: u64,
    /// Group commits (one durable append to the store each: a journal `fdatasync`).
    pub flushes: u64,
    /// Total time spent making groups durable (the store's whole `append`), in seconds.
    pub flush_seconds: f64,
    /// Flushes that took at most each [`FLUSH_BUCKETS`] bound (cumulative).
    pub flush_buckets: [u64; FLUSH_BUCKETS.len()],
}

/// Work under way that will hand the writer a record soon: queries being answered and
/// connections in their TLS handshake ([`AuditLog::underway`]). A writer holding a small
/// group open commits it as soon as none is left: a record then has nobody to wait for,
/// and a lone caller is never held.
#[derive(Default)]
struct Busy {
    count: AtomicUsize,
    /// The writer is holding a group open, parked until `count` reaches zero.
    holding: AtomicBool,
    writer: OnceLock<Thread>,
}

impl Busy {
    fn finished(&self) {
        // SeqCst on both sides: either the writer sees the count at zero before it parks,
        // or this sees it holding and wakes it.
        if self.count.fetch_sub(1, Ordering::SeqCst) == 1
            && self.holding.load(Ordering::SeqCst)
            && let Some(writer) = self.writer.get()
        {
            writer.unpark();
        }
    }
}

/// One piece of work under way ([`Busy`]): counted from [`AuditLog::underway`] until it
/// is released, when its record was handed to the writer ([`AuditLog::append_underway`])
/// or when it is dropped (work that ended without a record).
pub struct Underway {
    busy: Arc<Busy>,
    released: AtomicBool,
}

impl Underway {
    /// Ends the count (once; later calls do nothing).
    pub fn release(&self) {
        if !self.released.swap(true, Ordering::AcqRel) {
            self.busy.finished();
        }
    }
}

impl Drop for Underway {
    fn drop(&mut self) {
        self.release();
    }
}

impl std::fmt::Debug for Underway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let released = self.released.load(Ordering::Relaxed);
        f.debug_struct("Underway")
            .field("released", &released)
            .finish()
    }
}

/// Handle to the audit log; cheap to clone. Appends go through the writer thread; reads
/// go to the store ([`AuditLog::store`]).
#[derive(Clone)]
pub struct AuditLog {
    tx: mpsc::Sender<Msg>,
    running: Arc<AtomicBool>,
    counters: Arc<Counters>,
    settings: AuditSettings,
    store: Arc<dyn AuditBackend>,
    busy: Arc<Busy>,
}

impl AuditLog {
    /// Opens the log of data directory `dir` (its segments in `dir/audit/`, the pruning
    /// anchor in sled `db`), recovers what a crash left, moves in a trail still kept in
    /// sled's trees, and starts the writer. Prunes only when asked ([`AuditLog::prune`]);
    /// see [`AuditLog::open_server`].
    pub fn open(db: &sled::Db, dir: &Path, settings: &AuditSettings) -> Result<Self, AuditError> {
        Self::start(open_store(db, dir, settings)?, settings, false)
    }

    /// As [`AuditLog::open`], and the writer also prunes expired records at start-up and
    /// then every `prune_interval` (daily by default).
    pub fn open_server(
        db: &sled::Db,
        dir: &Path,
        settings: &AuditSettings,
    ) -> Result<Self, AuditError> {
        Self::start(open_store(db, dir, settings)?, settings, true)
    }

    /// Starts the writer on an opened (recovered) store; with `prune`, it prunes at
    /// start-up and then every `prune_interval`.
    pub fn start(
        store: Arc<dyn AuditBackend>,
        settings: &AuditSettings,
        prune: bool,
    ) -> Result<Self, AuditError> {
        // A shared store reads the head in each group's transaction instead.
        let (next_seq, prev, last_checkpoint) = match store.numbers_in_commit() {
            false => local_head(&*store)?,
            true => (0, String::new(), 0),
        };
        let (tx, rx) = mpsc::channel();
        let counters = Arc::new(Counters::default());
        let running = Arc::new(AtomicBool::new(true));
        let busy = Arc::new(Busy::default());
        let writer = Writer {
            store: store.clone(),
            next_seq,
            prev,
            last_checkpoint,
            failed: None,
            settings: settings.clone(),
            counters: counters.clone(),
            busy: busy.clone(),
        };
        let flag = running.clone();
        let thread = std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || {
                writer.run(rx, prune);
                flag.store(false, Ordering::Release);
            })
            .map_err(|e| AuditError::Store(format!("cannot start the audit writer: {e}")))?;
        let _ = busy.writer.set(thread.thread().clone());
        Ok(AuditLog {
            tx,
            running,
            counters,
            settings: settings.clone(),
            store,
            busy,
        })
    }

    /// The store, for reads (search, verify, show, export); writes go through the writer.
    pub fn store(&self) -> Arc<dyn AuditBackend> {
        self.store.clone()
    }

    /// True while the writer runs.
    pub fn is_open(&self) -> bool {
        self.running.load(Ordering::Acquire)
    }

    /// Appends a record and returns its sequence number once it is on disk.
    pub async fn append(&self, record: AuditRecord) -> Result<u64, AuditError> {
        let (reply, rx) = oneshot::channel();
        self.send(Msg::Append(Box::new(record), reply))?;
        let (result, record) = rx.await.map_err(|_| AuditError::WriterGone)?;
        drop(record);
        result
    }

    /// Counts a piece of work that will append a record soon (a query from the moment it
    /// arrives, a connection during its handshake) until the guard is released or dropped:
    /// below full load the writer holds a waiting group open for such work, up to the
    /// group window.
    pub fn underway(&self) -> Underway {
        self.busy.count.fetch_add(1, Ordering::SeqCst);
        Underway {
            busy: self.busy.clone(),
            released: AtomicBool::new(false),
        }
    }

    /// As [`AuditLog::append`], releasing `underway` once the record is in the writer's
    /// queue (after it, not before: a writer holding its group wakes with the record there).
    pub async fn append_underway(
        &self,
        record: AuditRecord,
        underway: &Underway,
    ) -> Result<u64, AuditError> {
        let (reply, rx) = oneshot::channel();
        let sent = self.send(Msg::Append(Box::new(record), reply));
        underway.release();
        sent?;
        let (result, record) = rx.await.map_err(|_| AuditError::WriterGone)?;
        drop(record);
        result
    }

    /// Removes (or with `dry_run` counts) the records older than `cutoff`, leaving a
    /// signed anchor; durable when it returns.
    pub async fn prune(
        &self,
        cutoff: jiff::Timestamp,
        dry_run: bool,
    ) -> Result<PruneReport, AuditError> {
        let (reply, rx) = oneshot::channel();
        self.send(Msg::Prune {
            cutoff,
            dry_run,
            reply,
        })?;
        rx.await.map_err(|_| AuditError::WriterGone)?
    }

    /// Signs a checkpoint now if records were appended since the last one.
    pub async fn checkpoint(&self) -> Result<Option<Checkpoint>, AuditError> {
        let (reply, rx) = oneshot::channel();
        self.send(Msg::Checkpoint(reply))?;
        rx.await.map_err(|_| AuditError::WriterGone)?
    }

    /// Stops the writer after a final checkpoint and a clean close of the store (for sled,
    /// a flush that leaves the journal empty); later appends fail (`WriterGone`).
    pub async fn close(&self) {
        let (reply, rx) = oneshot::channel();
        if self.send(Msg::Close(reply)).is_ok() {
            let _ = rx.await;
        }
    }

    fn send(&self, m: Msg) -> Result<(), AuditError> {
        self.tx.send(m).map_err(|_| AuditError::WriterGone)
    }

    /// Records appended and group commits made by this writer since it started.
    pub fn stats(&self) -> LogStats {
        let c = &self.counters;
        LogStats {
            records: c.records.load(Ordering::Relaxed),
            flushes: c.flushes.load(Ordering::Relaxed),
            flush_seconds: c.flush_micros.load(Ordering::Relaxed) as f64 / 1e6,
            flush_buckets: std::array::from_fn(|i| c.flush_buckets[i].load(Ordering::Relaxed)),
        }
    }

    pub fn settings(&self) -> &AuditSettings {
        &self.settings
    }
}

/// The store the settings name: the embedded segment store of data directory `dir`
/// (anchor in `db`), moving in a trail still kept in sled's trees, or PostgreSQL.
fn open_store(
    db: &sled::Db,
    dir: &Path,
    settings: &AuditSettings,
) -> Result<Arc<dyn AuditBackend>, AuditError> {
    Ok(match &settings.backend {
        Backend::Embedded => {
            let store = SegmentStore::open(db, dir)?;
            super::migrate::from_sled(&store, db, dir)?;
            Arc::new(store)
        }
        Backend::Postgres(pg) => Arc::new(PgStore::open(pg)?),
    })
}

/// The next number, the head's digest and the newest checkpoint's (or the anchor's)
/// number, for a writer that numbers in-process.
fn local_head(store: &dyn AuditBackend) -> Result<(u64, String, u64), AuditError> {
    let anchor = store.anchor()?;
    let (next_seq, prev) = match (store.last()?, &anchor) {
        (Some((seq, bytes)), _) => (seq + 1, digest_hex(&bytes)),
        // Everything was pruned: continue after the anchor.
        (None, Some(a)) => (a.through_seq + 1, a.last_sha256.clone()),
        (None, None) => (1, String::new()),
    };
    // The anchor vouches for the pruned head; no checkpoint is needed for it.
    let last_checkpoint = store
        .last_checkpoint()?
        .map_or(0, |(seq, _)| seq)
        .max(anchor.map_or(0, |a| a.through_seq));
    Ok((next_seq, prev, last_checkpoint))
}

/// Numbers records from `seq` and chains them from `prev`; their stored bytes and the
/// last one's digest.
/// Room reserved for one serialised record (most are 0.8–1.2 kB), so that serialising
/// does not grow the buffer step by step.
const RECORD_BYTES: usize = 1536;

fn chain<'r>(
    records: impl Iterator<Item = &'r mut AuditRecord>,
    mut seq: u64,
    mut prev: String,
) -> (Vec<Vec<u8>>, String) {
    let mut stored = Vec::new();
    for record in records {
        record.seq = seq;
        record.prev_sha256 = prev;
        let mut bytes = Vec::with_capacity(RECORD_BYTES);
        record.write_json(&mut bytes);
        // Every test that appends a record holds the hand-written JSON to serde_json's.
        debug_assert_eq!(
            bytes,
            serde_json::to_vec(&*record).expect("an AuditRecord always serialises"),
            "the stored bytes differ from serde_json's"
        );
        prev = digest_hex(&bytes);
        stored.push(bytes);
        seq += 1;
    }
    (stored, prev)
}

struct Writer {
    store: Arc<dyn AuditBackend>,
    next_seq: u64,
    prev: String,
    last_checkpoint: u64,
    /// Set by the first failed write: every later append is refused.
    failed: Option<AuditError>,
    settings: AuditSettings,
    counters: Arc<Counters>,
    busy: Arc<Busy>,
}

impl Writer {
    fn run(mut self, rx: mpsc::Receiver<Msg>, prune: bool) {
        let mut batch: Vec<(Box<AuditRecord>, Reply)> = Vec::with_capacity(MAX_BATCH);
        let mut next_checkpoint = Instant::now() + self.settings.checkpoint_interval;
        // The server prunes once at start-up, then every `prune_interval`.
        let mut next_prune = prune.then(Instant::now);
        // When the store wants its next background turn.
        let mut next_maintain: Option<Instant> = None;
        // The last group's size and when its commit started (the group window).
        let mut last_group = 0usize;
        let mut last_start = Instant::now();
        loop {
            let mut deadline = next_checkpoint;
            if let Some(p) = next_prune {
                deadline = deadline.min(p);
            }
            if let Some(m) = next_maintain {
                deadline = deadline.min(m);
            }
            let first = match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(m) => Some(m),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            // Let more records join the group before its sync: the sync's cost is per
            // group (two device requests). Under full load (the last group was large) the
            // window after the last commit started is waited out: the answers queue for
            // the CPU then, not for the window. Below it, the group is held only for work
            // under way (a query being answered, a connection in its handshake), up to the
            // hold, so a lone caller is never held, and connections that each send one
            // query share syncs.
            if first.is_some() {
                if last_group >= GROUP_WINDOW_AFTER {
                    let until = last_start + self.settings.group_window;
                    std::thread::sleep(until.saturating_duration_since(Instant::now()));
                } else {
                    self.hold(last_start + self.settings.group_hold);
                }
            }
            let mut next = first;
            while let Some(m) = next {
                match m {
                    Msg::Append(record, reply) => batch.push((record, reply)),
                    control => {
                        self.commit_and_reply(&mut batch);
                        if self.control(control) {
                            return;
                        }
                    }
                }
                next = if batch.len() < MAX_BATCH {
                    rx.try_recv().ok()
                } else {
                    None
                };
            }
            last_group = batch.len();
            last_start = Instant::now();
            self.commit_and_reply(&mut batch);
            if Instant::now() >= next_checkpoint {
                next_checkpoint = Instant::now() + self.settings.checkpoint_interval;
                if let Err(e) = self.checkpoint_now() {
                    tracing::error!(error = %e, "audit checkpoint failed");
                }
            }
            if let Some(p) = next_prune
                && Instant::now() >= p
            {
                next_prune = Some(Instant::now() + self.settings.prune_interval);
                let cutoff = retention::cutoff(jiff::Timestamp::now(), self.settings.retention);
                match self.prune(cutoff, false) {
                    Ok(r) if r.removed > 0 => {
                        tracing::info!(removed = r.removed, cutoff = %r.cutoff, "audit records pruned")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "audit pruning failed"),
                }
            }
            if self.failed.is_none() {
                match self.store.maintain() {
                    Ok(after) => next_maintain = after.map(|d| Instant::now() + d),
                    Err(e) => {
                        self.fail(e);
                        next_maintain = None;
                    }
                }
            }
        }
        self.finish();
    }

    /// Waits until no work is under way ([`Busy`]) or `until`, whichever comes first.
    fn hold(&self, until: Instant) {
        let busy = &*self.busy;
        busy.holding.store(true, Ordering::SeqCst);
        while busy.count.load(Ordering::SeqCst) > 0 {
            let now = Instant::now();
            if now >= until {
                break;
            }
            // Woken early by the last piece of work to finish (or spuriously: the loop
            // looks again).
            std::thread::park_timeout(until - now);
        }
        busy.holding.store(false, Ordering::SeqCst);
    }

    /// Handles a control message; true when the writer is to stop.
    fn control(&mut self, m: Msg) -> bool {
        match m {
            Msg::Append(..) => unreachable!("appends are batched by run()"),
            Msg::Close(reply) => {
                self.finish();
                let _ = reply.send(());
                true
            }
            Msg::Checkpoint(reply) => {
                let _ = reply.send(self.checkpoint_now());
                false
            }
            Msg::Prune {
                cutoff,
                dry_run,
                reply,
            } => {
                let _ = reply.send(self.prune(cutoff, dry_run));
                false
            }
        }
    }

    fn commit_and_reply(&mut self, batch: &mut Vec<(Box<AuditRecord>, Reply)>) {
        if batch.is_empty() {
            return;
        }
        let result = self.commit(batch);
        for (i, (record, reply)) in batch.drain(..).enumerate() {
            let _ = reply.send((result.clone().map(|first| first + i as u64), record));
        }
    }

    /// The last checkpoint and a clean close of the store, made when the writer stops: a
    /// clean stop leaves nothing for crash recovery.
    fn finish(&mut self) {
        if let Err(e) = self.checkpoint_now() {
            tracing::error!(error = %e, "final audit checkpoint failed");
        }
        if self.failed.is_none()
            && let Err(e) = self.store.close()
        {
            tracing::error!(error = %e, "final audit flush failed");
        }
    }

    fn fail(&mut self, e: AuditError) -> AuditError {
        tracing::error!(error = %e, "the audit store failed; refusing every later append");
        self.failed = Some(e.clone());
        e
    }

    /// Numbers and chains the batch and makes it durable in the store, with a checkpoint
    /// when one is due; returns the first sequence number used.
    fn commit(&mut self, batch: &mut [(Box<AuditRecord>, Reply)]) -> Result<u64, AuditError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.store.numbers_in_commit() {
            return self.commit_shared(batch);
        }
        let first = self.next_seq;
        let (stored, prev) = chain(
            batch.iter_mut().map(|(r, _)| &mut **r),
            first,
            self.prev.clone(),
        );
        let seq = first + batch.len() as u64;
        let head = seq - 1;
        let checkpoint = (head - self.last_checkpoint >= self.settings.checkpoint_every)
            .then(|| self.signed(head, &prev));
        let numbered: Vec<Numbered<'_>> = batch
            .iter()
            .zip(&stored)
            .map(|((record, _), bytes)| Numbered {
                seq: record.seq,
                bytes,
                record,
            })
            .collect();
        let group = Group {
            records: &numbered,
            checkpoint: checkpoint.as_ref().map(|(_, b)| (head, b.as_slice())),
        };
        if let Err(e) = self.append(&group) {
            return Err(self.fail(e));
        }
        if checkpoint.is_some() {
            self.last_checkpoint = head;
        }
        self.counters
            .records
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.next_seq = seq;
        self.prev = prev;
        Ok(first)
    }

    /// A shared store's group: numbered, chained and checkpointed inside its transaction
    /// from the head it reads there. A failure fails this group only.
    fn commit_shared(
        &mut self,
        batch: &mut [(Box<AuditRecord>, Reply)],
    ) -> Result<u64, AuditError> {
        let mut records: Vec<&mut AuditRecord> = batch.iter_mut().map(|(r, _)| &mut **r).collect();
        let every = self.settings.checkpoint_every;
        self.timed(|| {
            self.store
                .append_unnumbered(&mut records, &mut |head, records| {
                    let (bytes, prev) = chain(
                        records.iter_mut().map(|r| &mut **r),
                        head.seq + 1,
                        head.sha256.clone(),
                    );
                    let last = head.seq + records.len() as u64;
                    let checkpoint = (last - head.checkpoint >= every)
                        .then(|| (last, self.signed(last, &prev).1));
                    Sealed { bytes, checkpoint }
                })
        })?;
        self.counters
            .records
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        Ok(batch.first().map_or(0, |(r, _)| r.seq))
    }

    /// A shared store's checkpoint of the head it reads in the transaction, if it has none.
    fn checkpoint_shared(&self) -> Result<Option<Checkpoint>, AuditError> {
        let mut made = None;
        self.timed(|| {
            self.store.append_unnumbered(&mut [], &mut |head, _| {
                let due = head.seq > head.checkpoint && !head.sha256.is_empty();
                let checkpoint = due.then(|| {
                    let (cp, bytes) = self.signed(head.seq, &head.sha256);
                    made = Some(cp);
                    (head.seq, bytes)
                });
                Sealed {
                    bytes: Vec::new(),
                    checkpoint,
                }
            })
        })?;
        Ok(made)
    }

    /// Hands a group to the store and counts how long it took to be durable.
    fn append(&self, group: &Group<'_>) -> Result<(), AuditError> {
        self.timed(|| self.store.append(group))
    }

    /// Runs a durable append and counts how long it took.
    fn timed(&self, append: impl FnOnce() -> Result<(), AuditError>) -> Result<(), AuditError> {
        let started = Instant::now();
        append()?;
        let took = started.elapsed();
        self.counters.flushes.fetch_add(1, Ordering::Relaxed);
        self.counters
            .flush_micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
        for (bound, n) in FLUSH_BUCKETS.iter().zip(&self.counters.flush_buckets) {
            if took.as_secs_f64() <= *bound {
                n.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    }

    /// A checkpoint of record `seq` whose stored bytes hash to `head`, with its bytes.
    fn signed(&self, seq: u64, head: &str) -> (Checkpoint, Vec<u8>) {
        let cp = Checkpoint::new(&self.settings.signer, seq, head.to_string());
        let bytes = serde_json::to_vec(&cp).expect("a checkpoint always serialises");
        (cp, bytes)
    }

    /// A checkpoint of the current head, if it has none yet; durable when it returns.
    fn checkpoint_now(&mut self) -> Result<Option<Checkpoint>, AuditError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.store.numbers_in_commit() {
            return self.checkpoint_shared();
        }
        let head = self.next_seq - 1;
        if head == self.last_checkpoint || self.prev.is_empty() {
            return Ok(None);
        }
        let (cp, bytes) = self.signed(head, &self.prev);
        self.append(&Group {
            records: &[],
            checkpoint: Some((head, &bytes)),
        })?;
        self.last_checkpoint = head;
        Ok(Some(cp))
    }

    fn prune(&mut self, cutoff: jiff::Timestamp, dry_run: bool) -> Result<PruneReport, AuditError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        retention::prune(&*self.store, &self.settings.signer, cutoff, dry_run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::journal::{Frames, Kind};
    use crate::audit::sled_store::SledStore;
    use crate::audit::{Filter, search, verify};
    use sha2::{Digest, Sha256};

    fn record(n: u32) -> AuditRecord {
        AuditRecord {
            seq: 0,
            time: "2026-01-01T00:00:00Z".into(),
            request_id: format!("r{n}"),
            organisation: Some("demo".into()),
            cert_sha256: "00".into(),
            cert_subject: "CN=x".into(),
            interface: "direct".into(),
            xroad_client: None,
            xroad_user_id: None,
            operation: "TeeHenkilonTunnusKysely".into(),
            kayttajatunnus: Some("demo".into()),
            loppukayttaja: Some("tester".into()),
            product: Some("PERUSSANOMA 3".into()),
            search_key: Some(("Henkilotunnus".into(), format!("s{n}"))),
            disclosed: Vec::new(),
            return_code: "0000".into(),
            groups: vec![],
            non_disclosure_applied: false,
            refused_because: None,
            fault_injected: None,
            duration_us: 1,
            prev_sha256: String::new(),
            response_sha256: String::new(),
            filters: None,
        }
    }

    fn settings() -> AuditSettings {
        AuditSettings::builtin().unwrap()
    }

    async fn reopen(path: &std::path::Path) -> sled::Db {
        for _ in 0..100 {
            if let Ok(db) = sled::open(path) {
                return db;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("the store stayed locked");
    }

    #[tokio::test]
    async fn a_lone_caller_is_never_held_by_the_group_window() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        // A window and a hold far longer than the whole test may take: were a group of
        // one held for either, the appends below would take a minute.
        let mut s = settings();
        s.group_window = std::time::Duration::from_secs(60);
        s.group_hold = std::time::Duration::from_secs(60);
        let log = AuditLog::open(&db, dir.path(), &s).unwrap();
        let started = Instant::now();
        for n in 0..20 {
            log.append(record(n)).await.unwrap();
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(log.stats().flushes, 20, "one sync per lone append");
        log.close().await;
    }

    /// A log whose group hold outlasts any test: a group it holds is committed only when
    /// the work it waits for is done.
    fn holding_log(dir: &std::path::Path) -> AuditLog {
        let db = sled::open(dir).unwrap();
        let mut s = settings();
        s.group_hold = std::time::Duration::from_secs(60);
        AuditLog::open(&db, dir, &s).unwrap()
    }

    #[tokio::test]
    async fn a_group_waits_for_work_under_way_and_is_synced_when_it_is_done() {
        let dir = tempfile::tempdir().unwrap();
        let log = holding_log(dir.path());
        let (first, second) = (log.underway(), log.underway());
        let started = Instant::now();
        let a = tokio::spawn({
            let log = log.clone();
            async move { log.append_underway(record(1), &first).await.unwrap() }
        });
        // `second` is still under way: the writer holds the group open for it.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(
            !a.is_finished(),
            "the record was synced while work was under way"
        );
        assert_eq!(log.stats().flushes, 0);
        assert_eq!(log.append_underway(record(2), &second).await.unwrap(), 2);
        assert_eq!(a.await.unwrap(), 1);
        // Both in one group, synced as soon as nothing was under way, not after the window.
        assert_eq!(log.stats().flushes, 1);
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        log.close().await;
    }

    #[tokio::test]
    async fn work_that_ends_without_a_record_lets_the_group_go() {
        let dir = tempfile::tempdir().unwrap();
        let log = holding_log(dir.path());
        let handshake = log.underway();
        let a = tokio::spawn({
            let log = log.clone();
            async move { log.append(record(1)).await.unwrap() }
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(
            !a.is_finished(),
            "the record was synced while a handshake was under way"
        );
        // The connection never sent a query: dropping its count releases the group.
        drop(handshake);
        assert_eq!(a.await.unwrap(), 1);
        assert_eq!(log.stats().flushes, 1);
        // Released twice (by hand, then dropped) counts once: a later lone caller is not held.
        let query = log.underway();
        query.release();
        drop(query);
        let started = Instant::now();
        log.append(record(2)).await.unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        log.close().await;
    }

    #[tokio::test]
    async fn concurrent_appends_are_numbered_chained_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = sled::open(dir.path()).unwrap();
            let log = AuditLog::open(&db, dir.path(), &settings()).unwrap();
            let tasks: Vec<_> = (0..50)
                .map(|n| {
                    let log = log.clone();
                    tokio::spawn(async move { log.append(record(n)).await.unwrap() })
                })
                .collect();
            let mut seqs = Vec::new();
            for t in tasks {
                seqs.push(t.await.unwrap());
            }
            seqs.sort_unstable();
            assert_eq!(seqs, (1..=50).collect::<Vec<_>>());
            // Fifty waiting callers, far fewer flushes (group commit).
            let stats = log.stats();
            assert_eq!(stats.records, 50);
            assert!(stats.flushes < 50, "{stats:?}");
            // No close: the next open recovers the active segment from its frames.
        }
        // The writer task lets go of the database once every handle is dropped.
        let db = reopen(dir.path()).await;
        let log = AuditLog::open(&db, dir.path(), &settings()).unwrap();
        let all = read_all(&log).unwrap();
        assert_eq!(all.len(), 50);
        assert_eq!(all[0].prev_sha256, "");
        for pair in all.windows(2) {
            let bytes = serde_json::to_vec(&pair[0]).unwrap();
            assert_eq!(pair[1].prev_sha256, hex::encode(Sha256::digest(&bytes)));
        }
        // Appending after a reopen continues the numbering and the chain.
        assert_eq!(log.append(record(99)).await.unwrap(), 51);
    }

    #[tokio::test]
    async fn a_trail_in_sled_and_its_journal_moves_into_segments_verbatim() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = settings();
        s.checkpoint_every = 2;
        let (tail, tail_file) = {
            // Today's store: sled's trees behind the journal, written by the same writer.
            let db = sled::open(dir.path()).unwrap();
            let old = Arc::new(SledStore::open(&db, dir.path()).unwrap());
            let log = AuditLog::start(old.clone(), &s, false).unwrap();
            for n in 0..5 {
                log.append(record(n)).await.unwrap();
            }
            log.close().await;
            // Two more records, chained, that a crash left in the journal alone (the
            // second torn), as a crash between the journal's sync and sled's flush does.
            let last = old.last().unwrap().unwrap();
            let mut prev = digest_hex(&last.1);
            let mut frames = Frames::new(90);
            for (seq, n) in [(6u64, 5u32), (7, 6)] {
                let mut r = record(n);
                r.seq = seq;
                r.prev_sha256 = prev;
                let bytes = serde_json::to_vec(&r).unwrap();
                prev = digest_hex(&bytes);
                frames.push(Kind::Record, seq, &bytes);
            }
            let torn = frames.bytes.len() - 5;
            (
                frames.bytes[..torn].to_vec(),
                dir.path().join("audit-journal-00000000000000000090"),
            )
        };
        std::fs::write(&tail_file, tail).unwrap();
        let db = reopen(dir.path()).await;
        let log = AuditLog::open(&db, dir.path(), &s).unwrap();
        let all = read_all(&log).unwrap();
        assert_eq!(
            all.iter().map(|r| r.seq).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5, 6]
        );
        // Verbatim: the chain and the signed checkpoints still verify.
        let report = verify::verify(&*log.store(), &s.signer.public_key_hex()).unwrap();
        assert!(report.ok(), "{report}");
        assert!(report.checkpoints >= 2, "{report}");
        // The indexes hold the moved records; the old trees and journal are gone.
        let f = Filter {
            subject: Some("s3".into()),
            ..Filter::default()
        };
        assert_eq!(search::search(&*log.store(), &f).unwrap().len(), 1);
        assert!(
            !db.tree_names()
                .iter()
                .any(|t| t.as_ref() == b"audit.records")
        );
        assert!(crate::audit::journal::files(dir.path()).unwrap().is_empty());
        // The chain continues.
        assert_eq!(log.append(record(9)).await.unwrap(), 7);
        log.close().await;
        drop(log);
        // Opening again moves nothing twice.
        let log = AuditLog::open(&db, dir.path(), &s).unwrap();
        assert_eq!(read_all(&log).unwrap().len(), 7);
    }

    #[tokio::test]
    async fn one_sync_for_each_lone_append_and_a_closed_log_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let log = AuditLog::open(&db, dir.path(), &settings()).unwrap();
        log.append(record(1)).await.unwrap();
        log.append(record(2)).await.unwrap();
        assert_eq!(
            log.stats().flushes,
            2,
            "one segment sync for each lone append"
        );
        // Reads see a record as soon as its append returned.
        assert_eq!(log.store().get(2).unwrap().unwrap().request_id, "r2");
        log.close().await;
        assert!(log.append(record(3)).await.is_err());
    }
}
