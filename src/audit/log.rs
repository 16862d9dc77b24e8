//! The append path. Callers send records to one writer task; it takes every record
//! waiting, numbers and chains them, inserts them with their index entries, flushes sled
//! once for the whole batch (group commit) and only then acknowledges each caller. A failed
//! insert or flush fails every record of the batch and every later one (the log refuses to
//! guess what reached the disk), so callers can refuse to answer what was not recorded. The
//! writer also signs checkpoints (every N records or T seconds) and runs pruning, so the
//! chain has one author.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};

use super::checkpoint::Checkpoint;
use super::record::AuditRecord;
use super::retention::{self, PruneReport};
use super::settings::AuditSettings;
use super::store::{Trees, digest_hex, seq_of, store};

pub use super::store::read_all;

/// Most records one group commit takes.
const MAX_BATCH: usize = 512;

#[derive(Debug, Clone, thiserror::Error)]
pub enum AuditError {
    #[error("audit store: {0}")]
    Store(String),
    #[error("the audit writer has stopped")]
    WriterGone,
    #[error("audit record {seq} is unreadable: {message}")]
    Corrupt { seq: u64, message: String },
}

type Reply = oneshot::Sender<Result<u64, AuditError>>;

enum Control {
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

/// Counters of the writer: how many records it appended in how many flushes, and how long
/// the flushes took.
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
    pub flushes: u64,
    /// Total time spent flushing, in seconds.
    pub flush_seconds: f64,
    /// Flushes that took at most each [`FLUSH_BUCKETS`] bound (cumulative).
    pub flush_buckets: [u64; FLUSH_BUCKETS.len()],
}

/// Handle to the audit log; cheap to clone. Appends go through the writer task.
#[derive(Clone)]
pub struct AuditLog {
    tx: mpsc::Sender<(AuditRecord, Reply)>,
    ctl: mpsc::Sender<Control>,
    counters: Arc<Counters>,
    settings: AuditSettings,
}

impl AuditLog {
    /// Opens the log in `db` and starts its writer task (needs a tokio runtime). Prunes
    /// only when asked ([`AuditLog::prune`]); see [`AuditLog::open_server`].
    pub fn open(db: &sled::Db, settings: &AuditSettings) -> Result<Self, AuditError> {
        Self::start(db, settings, false)
    }

    /// As [`AuditLog::open`], and the writer also prunes expired records at start-up and
    /// then every `prune_interval` (daily by default).
    pub fn open_server(db: &sled::Db, settings: &AuditSettings) -> Result<Self, AuditError> {
        Self::start(db, settings, true)
    }

    fn start(db: &sled::Db, settings: &AuditSettings, prune: bool) -> Result<Self, AuditError> {
        let trees = Trees::open(db)?;
        let anchor = super::checkpoint::read_anchor(&trees.meta).map_err(AuditError::Store)?;
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
        let (tx, rx) = mpsc::channel(4096);
        let (ctl, ctl_rx) = mpsc::channel(16);
        let counters = Arc::new(Counters::default());
        let writer = Writer {
            db: db.clone(),
            trees,
            next_seq,
            prev,
            last_checkpoint,
            failed: None,
            settings: settings.clone(),
            counters: counters.clone(),
        };
        tokio::spawn(writer.run(rx, ctl_rx, prune));
        Ok(AuditLog {
            tx,
            ctl,
            counters,
            settings: settings.clone(),
        })
    }

    /// True while the writer task runs.
    pub fn is_open(&self) -> bool {
        !self.tx.is_closed()
    }

    /// Appends a record and returns its sequence number once it is on disk.
    pub async fn append(&self, record: AuditRecord) -> Result<u64, AuditError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send((record, reply))
            .await
            .map_err(|_| AuditError::WriterGone)?;
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
        self.control(Control::Prune {
            cutoff,
            dry_run,
            reply,
        })
        .await?;
        rx.await.map_err(|_| AuditError::WriterGone)?
    }

    /// Signs a checkpoint now if records were appended since the last one.
    pub async fn checkpoint(&self) -> Result<Option<Checkpoint>, AuditError> {
        let (reply, rx) = oneshot::channel();
        self.control(Control::Checkpoint(reply)).await?;
        rx.await.map_err(|_| AuditError::WriterGone)?
    }

    /// Stops the writer after a final checkpoint; later appends fail (`WriterGone`).
    pub async fn close(&self) {
        let (reply, rx) = oneshot::channel();
        if self.control(Control::Close(reply)).await.is_ok() {
            let _ = rx.await;
        }
    }

    async fn control(&self, c: Control) -> Result<(), AuditError> {
        self.ctl.send(c).await.map_err(|_| AuditError::WriterGone)
    }

    /// Records appended and flushes made by this writer since it started.
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

struct Writer {
    db: sled::Db,
    trees: Trees,
    next_seq: u64,
    prev: String,
    last_checkpoint: u64,
    /// Set by the first failed write: every later append is refused.
    failed: Option<AuditError>,
    settings: AuditSettings,
    counters: Arc<Counters>,
}

impl Writer {
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<(AuditRecord, Reply)>,
        mut ctl: mpsc::Receiver<Control>,
        prune: bool,
    ) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        let mut checkpoints = tokio::time::interval(self.settings.checkpoint_interval);
        checkpoints.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut prunes = tokio::time::interval(self.settings.prune_interval);
        prunes.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                Some(c) = ctl.recv() => match c {
                    Control::Close(reply) => {
                        self.finish().await;
                        let _ = reply.send(());
                        return;
                    }
                    Control::Checkpoint(reply) => {
                        let _ = reply.send(self.checkpoint_now().await);
                    }
                    Control::Prune { cutoff, dry_run, reply } => {
                        let _ = reply.send(self.prune(cutoff, dry_run).await);
                    }
                },
                n = rx.recv_many(&mut batch, MAX_BATCH) => {
                    if n == 0 {
                        break;
                    }
                    let result = self.commit(&mut batch).await;
                    for (i, (_, reply)) in batch.drain(..).enumerate() {
                        let _ = reply.send(result.clone().map(|first| first + i as u64));
                    }
                }
                _ = checkpoints.tick() => {
                    if let Err(e) = self.checkpoint_now().await {
                        tracing::error!(error = %e, "audit checkpoint failed");
                    }
                }
                _ = prunes.tick(), if prune => {
                    let cutoff = retention::cutoff(jiff::Timestamp::now(), self.settings.retention);
                    match self.prune(cutoff, false).await {
                        Ok(r) if r.removed > 0 => tracing::info!(removed = r.removed, cutoff = %r.cutoff, "audit records pruned"),
                        Ok(_) => {}
                        Err(e) => tracing::error!(error = %e, "audit pruning failed"),
                    }
                }
            }
        }
        self.finish().await;
    }

    /// The last checkpoint, made when the writer stops.
    async fn finish(&mut self) {
        if let Err(e) = self.checkpoint_now().await {
            tracing::error!(error = %e, "final audit checkpoint failed");
        }
    }

    fn fail(&mut self, e: AuditError) -> AuditError {
        tracing::error!(error = %e, "the audit store failed; refusing every later append");
        self.failed = Some(e.clone());
        e
    }

    /// Writes the batch and flushes; returns the first sequence number used.
    async fn commit(&mut self, batch: &mut [(AuditRecord, Reply)]) -> Result<u64, AuditError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let first = self.next_seq;
        let (mut seq, mut prev) = (self.next_seq, self.prev.clone());
        for (record, _) in batch.iter_mut() {
            record.seq = seq;
            record.prev_sha256 = prev;
            let bytes = serde_json::to_vec(record).expect("an AuditRecord always serialises");
            prev = digest_hex(&bytes);
            let written = self
                .trees
                .records
                .insert(seq.to_be_bytes(), bytes)
                .and_then(|_| self.trees.indexes.insert(record));
            if let Err(e) = written {
                return Err(self.fail(store(e)));
            }
            seq += 1;
        }
        if seq - 1 - self.last_checkpoint >= self.settings.checkpoint_every
            && let Err(e) = self.write_checkpoint(seq - 1, &prev)
        {
            return Err(self.fail(e));
        }
        if let Err(e) = self.flush().await {
            return Err(self.fail(e));
        }
        self.counters
            .records
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.next_seq = seq;
        self.prev = prev;
        Ok(first)
    }

    async fn flush(&self) -> Result<(), AuditError> {
        let started = std::time::Instant::now();
        self.db.flush_async().await.map_err(store)?;
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

    fn write_checkpoint(&mut self, seq: u64, head: &str) -> Result<Checkpoint, AuditError> {
        let cp = Checkpoint::new(&self.settings.signer, seq, head.to_string());
        let bytes = serde_json::to_vec(&cp).expect("a checkpoint always serialises");
        self.trees
            .checkpoints
            .insert(seq.to_be_bytes(), bytes)
            .map_err(store)?;
        self.last_checkpoint = seq;
        Ok(cp)
    }

    /// A checkpoint of the current head, if it has none yet; durable when it returns.
    async fn checkpoint_now(&mut self) -> Result<Option<Checkpoint>, AuditError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let head = self.next_seq - 1;
        if head == self.last_checkpoint || self.prev.is_empty() {
            return Ok(None);
        }
        let prev = self.prev.clone();
        let cp = self.write_checkpoint(head, &prev)?;
        self.flush().await?;
        Ok(Some(cp))
    }

    async fn prune(
        &mut self,
        cutoff: jiff::Timestamp,
        dry_run: bool,
    ) -> Result<PruneReport, AuditError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let report = retention::prune(&self.trees, &self.settings.signer, cutoff, dry_run)?;
        if !dry_run && report.removed > 0 {
            self.flush().await?;
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
            let log = AuditLog::open(&db, &settings()).unwrap();
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
        let log = AuditLog::open(&db, &settings()).unwrap();
        assert_eq!(log.append(record(99)).await.unwrap(), 51);
    }
}
