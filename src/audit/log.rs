//! The append path. Callers send records to one writer task; it takes every record
//! waiting, numbers and chains them, inserts them, flushes sled once for the whole batch
//! (group commit) and only then acknowledges each caller. A failed insert or flush fails
//! every record of the batch, so callers can refuse to answer what was not recorded.

use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};

use super::record::AuditRecord;

const RECORDS: &str = "audit.records";
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

/// Handle to the audit log; cheap to clone. Appends go through the writer task.
#[derive(Clone)]
pub struct AuditLog {
    tx: mpsc::Sender<(AuditRecord, Reply)>,
}

impl AuditLog {
    /// Opens the log in `db` and starts its writer task (needs a tokio runtime).
    pub fn open(db: &sled::Db) -> Result<Self, AuditError> {
        let tree = db.open_tree(RECORDS).map_err(store)?;
        let (next_seq, prev) = match tree.last().map_err(store)? {
            Some((k, v)) => (seq_of(&k) + 1, hex::encode(Sha256::digest(&v))),
            None => (1, String::new()),
        };
        let (tx, rx) = mpsc::channel(4096);
        let writer = Writer {
            db: db.clone(),
            tree,
            next_seq,
            prev,
        };
        tokio::spawn(writer.run(rx));
        Ok(AuditLog { tx })
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
}

struct Writer {
    db: sled::Db,
    tree: sled::Tree,
    next_seq: u64,
    prev: String,
}

impl Writer {
    async fn run(mut self, mut rx: mpsc::Receiver<(AuditRecord, Reply)>) {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
            let result = self.commit(&mut batch).await;
            for (i, (_, reply)) in batch.drain(..).enumerate() {
                let _ = reply.send(result.clone().map(|first| first + i as u64));
            }
        }
    }

    /// Writes the batch and flushes; returns the first sequence number used.
    async fn commit(&mut self, batch: &mut [(AuditRecord, Reply)]) -> Result<u64, AuditError> {
        let first = self.next_seq;
        let (mut seq, mut prev) = (self.next_seq, self.prev.clone());
        for (record, _) in batch.iter_mut() {
            record.seq = seq;
            record.prev_sha256 = prev;
            let bytes = serde_json::to_vec(record).expect("an AuditRecord always serialises");
            prev = hex::encode(Sha256::digest(&bytes));
            self.tree.insert(seq.to_be_bytes(), bytes).map_err(store)?;
            seq += 1;
        }
        self.db.flush_async().await.map_err(store)?;
        self.next_seq = seq;
        self.prev = prev;
        Ok(first)
    }
}

fn store(e: sled::Error) -> AuditError {
    AuditError::Store(e.to_string())
}

fn seq_of(key: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&key[..8]);
    u64::from_be_bytes(b)
}

/// Every record in order (for `audit list`, with the server not running).
pub fn read_all(db: &sled::Db) -> Result<Vec<AuditRecord>, AuditError> {
    let tree = db.open_tree(RECORDS).map_err(store)?;
    tree.iter()
        .map(|kv| {
            let (k, v) = kv.map_err(store)?;
            serde_json::from_slice(&v).map_err(|e| AuditError::Corrupt {
                seq: seq_of(&k),
                message: e.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        }
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
            let log = AuditLog::open(&db).unwrap();
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
        let log = AuditLog::open(&db).unwrap();
        assert_eq!(log.append(record(99)).await.unwrap(), 51);
    }
}
