//! The append path. Callers send records to one writer thread; it takes every record
//! waiting, numbers and chains them, inserts them with their index entries into sled (not
//! flushed), appends the same bytes to the write-ahead journal and makes the whole group
//! durable with one `fdatasync` (group commit), and only then acknowledges each caller.
//! Sled itself is flushed by a second thread about once a second, after which the journal
//! files it covers are recycled ([`super::journal`]); opening the log replays any journal
//! left by a crash. A failed write fails every record of the batch and every later one
//! (the log refuses to guess what reached the disk), so callers can refuse to answer what
//! was not recorded. The writer also signs checkpoints (every N records or T seconds) and
//! runs pruning, so the chain has one author.
//!
//! The writer is a plain thread, not a tokio task: its `fdatasync` blocks, and a thread of
//! its own keeps the runtime's workers free and costs one wake-up per group.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

pub use super::error::AuditError;

use super::checkpoint::Checkpoint;
use super::journal::{self, Frames, Journal, Kind};
use super::record::AuditRecord;
use super::retention::{self, PruneReport};
use super::settings::AuditSettings;
use super::store::{Trees, digest_hex, parse, seq_of, store};

pub use super::store::read_all;

/// Most records one group commit takes.
const MAX_BATCH: usize = 512;
/// How often sled is flushed in the background (and the journal behind it deleted) …
const SLED_FLUSH_EVERY: Duration = Duration::from_secs(1);

fn io(what: &str, e: std::io::Error) -> AuditError {
    AuditError::Store(format!("{what}: {e}"))
}

type Reply = oneshot::Sender<Result<u64, AuditError>>;

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
/// how long their journal syncs took.
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
    /// Group commits (one journal `fdatasync` each).
    pub flushes: u64,
    /// Total time spent making groups durable, in seconds.
    pub flush_seconds: f64,
    /// Flushes that took at most each [`FLUSH_BUCKETS`] bound (cumulative).
    pub flush_buckets: [u64; FLUSH_BUCKETS.len()],
}

/// Handle to the audit log; cheap to clone. Appends go through the writer thread.
#[derive(Clone)]
pub struct AuditLog {
    tx: mpsc::Sender<Msg>,
    running: Arc<AtomicBool>,
    counters: Arc<Counters>,
    settings: AuditSettings,
}

impl AuditLog {
    /// Opens the log in `db`, whose files are in `dir` (the journal lives there too),
    /// replays what a crash left in the journal, and starts the writer. Prunes only when
    /// asked ([`AuditLog::prune`]); see [`AuditLog::open_server`].
    pub fn open(db: &sled::Db, dir: &Path, settings: &AuditSettings) -> Result<Self, AuditError> {
        Self::start(db, dir, settings, false)
    }

    /// As [`AuditLog::open`], and the writer also prunes expired records at start-up and
    /// then every `prune_interval` (daily by default).
    pub fn open_server(
        db: &sled::Db,
        dir: &Path,
        settings: &AuditSettings,
    ) -> Result<Self, AuditError> {
        Self::start(db, dir, settings, true)
    }

    fn start(
        db: &sled::Db,
        dir: &Path,
        settings: &AuditSettings,
        prune: bool,
    ) -> Result<Self, AuditError> {
        let trees = Trees::open(db)?;
        let anchor = super::checkpoint::read_anchor(&trees.meta).map_err(AuditError::Store)?;
        let journal = replay(
            db,
            &trees,
            dir,
            anchor.as_ref().map_or(0, |a| a.through_seq),
        )?;
        let (next_seq, prev) = match (trees.records.last().map_err(store)?, &anchor) {
            (Some((k, v)), _) => (seq_of(&k) + 1, digest_hex(&v)),
            // Everything was pruned: continue after the anchor.
            (None, Some(a)) => (a.through_seq + 1, a.last_sha256.clone()),
            (None, None) => (1, String::new()),
        };
        // The anchor vouches for the pruned head; no checkpoint is needed for it.
        let last_checkpoint = match trees.checkpoints.last().map_err(store)? {
            Some((k, _)) => seq_of(&k),
            None => 0,
        }
        .max(anchor.map_or(0, |a| a.through_seq));
        let (tx, rx) = mpsc::channel();
        let counters = Arc::new(Counters::default());
        let running = Arc::new(AtomicBool::new(true));
        let writer = Writer {
            db: db.clone(),
            trees,
            journal,
            flusher: Flusher::default(),
            next_seq,
            prev,
            last_checkpoint,
            failed: None,
            settings: settings.clone(),
            counters: counters.clone(),
        };
        let flag = running.clone();
        std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || {
                writer.run(rx, prune);
                flag.store(false, Ordering::Release);
            })
            .map_err(|e| io("cannot start the audit writer", e))?;
        Ok(AuditLog {
            tx,
            running,
            counters,
            settings: settings.clone(),
        })
    }

    /// True while the writer runs.
    pub fn is_open(&self) -> bool {
        self.running.load(Ordering::Acquire)
    }

    /// Appends a record and returns its sequence number once it is on disk.
    pub async fn append(&self, record: AuditRecord) -> Result<u64, AuditError> {
        let (reply, rx) = oneshot::channel();
        self.send(Msg::Append(Box::new(record), reply))?;
        rx.await.map_err(|_| AuditError::WriterGone)?
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

    /// Stops the writer after a final checkpoint and a flush of sled (which leaves the
    /// journal empty); later appends fail (`WriterGone`).
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

struct Writer {
    db: sled::Db,
    trees: Trees,
    journal: Journal,
    flusher: Flusher,
    next_seq: u64,
    prev: String,
    last_checkpoint: u64,
    /// Set by the first failed write: every later append is refused.
    failed: Option<AuditError>,
    settings: AuditSettings,
    counters: Arc<Counters>,
}

impl Writer {
    fn run(mut self, rx: mpsc::Receiver<Msg>, prune: bool) {
        let mut batch: Vec<(Box<AuditRecord>, Reply)> = Vec::with_capacity(MAX_BATCH);
        let mut next_checkpoint = Instant::now() + self.settings.checkpoint_interval;
        // The server prunes once at start-up, then every `prune_interval`.
        let mut next_prune = prune.then(Instant::now);
        loop {
            let mut deadline = next_checkpoint;
            if let Some(p) = next_prune {
                deadline = deadline.min(p);
            }
            if self.journal.written() > 0 {
                deadline = deadline.min(Instant::now() + SLED_FLUSH_EVERY / 4);
            }
            let first = match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(m) => Some(m),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            };
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
            self.commit_and_reply(&mut batch);
            if Instant::now() >= next_checkpoint {
                next_checkpoint = Instant::now() + self.settings.checkpoint_interval;
                if let Err(e) = self.checkpoint_now(false) {
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
            self.maybe_flush_sled();
        }
        self.finish();
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
                let _ = reply.send(self.checkpoint_now(true));
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
        for (i, (_, reply)) in batch.drain(..).enumerate() {
            let _ = reply.send(result.clone().map(|first| first + i as u64));
        }
    }

    /// The last checkpoint and a flush of sled, made when the writer stops: a clean stop
    /// leaves the journal empty.
    fn finish(&mut self) {
        if let Err(e) = self.checkpoint_now(true) {
            tracing::error!(error = %e, "final audit checkpoint failed");
        }
        if self.failed.is_none()
            && let Err(e) = self.flush_sled()
        {
            tracing::error!(error = %e, "final audit flush failed");
        }
    }

    fn fail(&mut self, e: AuditError) -> AuditError {
        tracing::error!(error = %e, "the audit store failed; refusing every later append");
        self.failed = Some(e.clone());
        e
    }

    /// Writes the batch into sled and the journal and syncs the journal; returns the first
    /// sequence number used.
    fn commit(&mut self, batch: &mut [(Box<AuditRecord>, Reply)]) -> Result<u64, AuditError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if let Some(e) = self.flusher.failure() {
            return Err(self.fail(AuditError::Store(format!("background flush: {e}"))));
        }
        let first = self.next_seq;
        let (mut seq, mut prev) = (self.next_seq, self.prev.clone());
        let mut records = Vec::with_capacity(batch.len());
        for (record, _) in batch.iter_mut() {
            record.seq = seq;
            record.prev_sha256 = prev;
            let bytes = serde_json::to_vec(&**record).expect("an AuditRecord always serialises");
            prev = digest_hex(&bytes);
            let written = self
                .trees
                .records
                .insert(seq.to_be_bytes(), bytes.as_slice())
                .and_then(|_| self.trees.indexes.insert(record));
            if let Err(e) = written {
                return Err(self.fail(store(e)));
            }
            records.push((seq, bytes));
            seq += 1;
        }
        let mut checkpoint = None;
        if seq - 1 - self.last_checkpoint >= self.settings.checkpoint_every {
            match self.write_checkpoint(seq - 1, &prev) {
                Ok((_, bytes)) => checkpoint = Some((seq - 1, bytes)),
                Err(e) => return Err(self.fail(e)),
            }
        }
        let framed = |j: &Journal| {
            let mut f = j.frames();
            for (seq, bytes) in &records {
                f.push(Kind::Record, *seq, bytes);
            }
            if let Some((seq, bytes)) = &checkpoint {
                f.push(Kind::Checkpoint, *seq, bytes);
            }
            f
        };
        if let Err(e) = self.sync_journal(framed) {
            return Err(self.fail(e));
        }
        self.counters
            .records
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.next_seq = seq;
        self.prev = prev;
        Ok(first)
    }

    /// Appends frames to the journal with one `fdatasync`, in a new file if the current
    /// one is full. `framed` makes the frames for a file (a frame's check names its file).
    fn sync_journal(&mut self, framed: impl Fn(&Journal) -> Frames) -> Result<(), AuditError> {
        let started = Instant::now();
        let mut frames = framed(&self.journal);
        if !self.journal.fits(frames.bytes.len()) {
            self.journal
                .rotate(frames.bytes.len() as u64)
                .map_err(|e| io("cannot start a new audit journal file", e))?;
            frames = framed(&self.journal);
        }
        self.journal
            .append_durably(&frames)
            .map_err(|e| io("audit journal", e))?;
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

    /// Starts a background flush of sled when one is due, on a fresh journal file.
    fn maybe_flush_sled(&mut self) {
        if self.failed.is_some() || !self.flusher.due(&self.journal) {
            return;
        }
        match self.journal.rotate(0).and_then(|_| self.journal.older()) {
            Ok(covered) => self.flusher.start(&self.db, covered),
            Err(e) => {
                self.fail(io("cannot start a new audit journal file", e));
            }
        }
    }

    /// Flushes sled now and recycles the whole journal (it is all in sled then).
    fn flush_sled(&mut self) -> Result<(), AuditError> {
        self.flusher.wait();
        self.db.flush().map_err(store)?;
        self.journal
            .clear()
            .map_err(|e| io("cannot clear the audit journal", e))
    }

    /// Stores a checkpoint in sled; returns it and its bytes (for the journal).
    fn write_checkpoint(
        &mut self,
        seq: u64,
        head: &str,
    ) -> Result<(Checkpoint, Vec<u8>), AuditError> {
        let cp = Checkpoint::new(&self.settings.signer, seq, head.to_string());
        let bytes = serde_json::to_vec(&cp).expect("a checkpoint always serialises");
        self.trees
            .checkpoints
            .insert(seq.to_be_bytes(), bytes.as_slice())
            .map_err(store)?;
        self.last_checkpoint = seq;
        Ok((cp, bytes))
    }

    /// A checkpoint of the current head, if it has none yet; durable when it returns
    /// (through the journal, or with `flush` through sled itself).
    fn checkpoint_now(&mut self, flush: bool) -> Result<Option<Checkpoint>, AuditError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let head = self.next_seq - 1;
        if head == self.last_checkpoint || self.prev.is_empty() {
            return Ok(None);
        }
        let prev = self.prev.clone();
        let (cp, bytes) = self.write_checkpoint(head, &prev)?;
        self.sync_journal(|j| {
            let mut f = j.frames();
            f.push(Kind::Checkpoint, head, &bytes);
            f
        })?;
        if flush {
            self.flush_sled()?;
        }
        Ok(Some(cp))
    }

    fn prune(&mut self, cutoff: jiff::Timestamp, dry_run: bool) -> Result<PruneReport, AuditError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        // Most prunes (the one at start-up among them) find nothing expired: they answer
        // from a dry run, without a synchronous flush of sled that appends would wait for.
        let counted = retention::prune(&self.trees, &self.settings.signer, cutoff, true)?;
        if dry_run || counted.removed == 0 {
            return Ok(PruneReport { dry_run, ..counted });
        }
        // Nothing pruned may come back from the journal: empty it first.
        self.flush_sled()?;
        let report = retention::prune(&self.trees, &self.settings.signer, cutoff, false)?;
        if !dry_run && report.removed > 0 {
            self.db.flush().map_err(store)?;
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
            search_key: None,
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
        }
        // The writer task lets go of the database once every handle is dropped.
        let db = reopen(dir.path()).await;
        let all = read_all(&db).unwrap();
        assert_eq!(all.len(), 50);
        assert_eq!(all[0].prev_sha256, "");
        for pair in all.windows(2) {
            let bytes = serde_json::to_vec(&pair[0]).unwrap();
            assert_eq!(pair[1].prev_sha256, hex::encode(Sha256::digest(&bytes)));
        }
        // Appending after a reopen continues the numbering and the chain.
        let log = AuditLog::open(&db, dir.path(), &settings()).unwrap();
        assert_eq!(log.append(record(99)).await.unwrap(), 51);
    }
    #[tokio::test]
    async fn records_only_in_the_journal_are_replayed_into_sled_on_open() {
        // Real chained bytes, from a log that ran to the end.
        let first = tempfile::tempdir().unwrap();
        let bytes: Vec<(u64, Vec<u8>)> = {
            let db = sled::open(first.path()).unwrap();
            let log = AuditLog::open(&db, first.path(), &settings()).unwrap();
            for n in 0..3 {
                log.append(record(n)).await.unwrap();
            }
            log.close().await;
            let tree = db.open_tree(super::super::store::RECORDS).unwrap();
            tree.iter()
                .map(|kv| kv.unwrap())
                .map(|(k, v)| (seq_of(&k), v.to_vec()))
                .collect()
        };
        assert_eq!(bytes.len(), 3);
        // A crash after the journal sync but before sled's flush: the records are in the
        // journal alone, and the last group is torn.
        let dir = tempfile::tempdir().unwrap();
        let mut frames = Frames::new(7);
        for (seq, b) in &bytes {
            frames.push(Kind::Record, *seq, b);
        }
        frames.bytes.extend_from_within(..20);
        std::fs::write(
            dir.path().join("audit-journal-00000000000000000007"),
            &frames.bytes,
        )
        .unwrap();
        let db = sled::open(dir.path()).unwrap();
        let log = AuditLog::open(&db, dir.path(), &settings()).unwrap();
        let all = read_all(&db).unwrap();
        assert_eq!(all.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(all[2].request_id, "r2");
        // The chain continues after the replayed records, and the replayed file is gone.
        assert_eq!(log.append(record(9)).await.unwrap(), 4);
        assert!(
            !dir.path()
                .join("audit-journal-00000000000000000007")
                .exists()
        );
        let all = read_all(&db).unwrap();
        let last = serde_json::to_vec(&all[2]).unwrap();
        assert_eq!(all[3].prev_sha256, digest_hex(&last));
    }

    #[tokio::test]
    async fn a_clean_close_leaves_an_empty_journal_and_syncs_once_per_group() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let log = AuditLog::open(&db, dir.path(), &settings()).unwrap();
        log.append(record(1)).await.unwrap();
        log.append(record(2)).await.unwrap();
        assert_eq!(
            log.stats().flushes,
            2,
            "one journal sync for each lone append"
        );
        let left = || journal::leftover(dir.path()).unwrap().entries.len();
        assert!(
            left() >= 1,
            "the records are in the journal until sled is flushed"
        );
        log.close().await;
        assert!(log.append(record(3)).await.is_err());
        assert_eq!(
            left(),
            0,
            "a clean close leaves sled flushed and the journal empty"
        );
    }
}
