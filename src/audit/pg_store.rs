//! The second [`AuditBackend`]: the trail in a PostgreSQL database that several emulator
//! processes share (`[audit] backend = "postgres"`). Each group is one transaction that
//! locks the one-row head table, has the writer number and chain the records from the head
//! it read there ([`AuditBackend::append_unnumbered`]), inserts them (and a checkpoint if
//! due) into month partitions by the commit time it assigned under that lock, moves the
//! head and commits: so nodes interleave whole groups in one chain, never a gap or a fork.
//! Retention drops whole months behind the signed anchor. Owns the SQL; the layout and its
//! migrations are `pg_schema.rs`'s.
//!
//! The driver is tokio-postgres with a deadpool pool, on a small tokio runtime the store
//! owns (`pg_conn.rs`): the trait is synchronous, so reads are spawned onto that runtime
//! and waited for over a channel, and the writer drives its transaction with
//! `Handle::block_on` on its own plain thread (its numbering callback borrows the
//! writer's state).

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tokio_postgres::types::ToSql;

use super::backend::{
    AuditBackend, Field, Group, Head, Lookup, Seal, VisitBytes, VisitSeq, digest_hex,
};
use super::checkpoint::Anchor;
use super::error::AuditError;
use super::index::{micros_of, subjects};
use super::pg_conn::{CALL_TIMEOUT, PgConn, connection_lost, db, pool_error};
use super::pg_schema::{self, Month};
use super::record::AuditRecord;
use super::settings::PgSettings;

/// How long the store waits for the database at start-up.
const OPEN_PATIENCE: Duration = Duration::from_secs(15);

/// The audit trail in PostgreSQL.
pub struct PgStore {
    conn: PgConn,
    /// Months known to have their partitions.
    months: Mutex<BTreeSet<Month>>,
}

/// A transaction holding the head row's lock, which every writer takes first.
async fn locked(
    client: &mut deadpool_postgres::Client,
) -> Result<deadpool_postgres::Transaction<'_>, AuditError> {
    let tx = client.transaction().await.map_err(|e| db("begin", &e))?;
    tx.execute("SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE", &[])
        .await
        .map_err(|e| db("head lock", &e))?;
    Ok(tx)
}

fn timestamp(t: SystemTime) -> jiff::Timestamp {
    jiff::Timestamp::try_from(t).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

impl PgStore {
    /// Connects, creates or migrates the schema and the current and next month's
    /// partitions. Waits a little for a database that is starting.
    pub fn open(settings: &PgSettings) -> Result<Self, AuditError> {
        let store = PgStore {
            conn: PgConn::open(settings)?,
            months: Mutex::new(BTreeSet::new()),
        };
        let started = std::time::Instant::now();
        loop {
            match store.prepare() {
                Ok(()) => return Ok(store),
                Err(e) if started.elapsed() < OPEN_PATIENCE => {
                    tracing::warn!(error = %e, "waiting for the audit database");
                    std::thread::sleep(Duration::from_millis(500));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Migrates the schema and makes this and next month's partitions.
    fn prepare(&self) -> Result<(), AuditError> {
        let pool = self.conn.writer.clone();
        let from = self.conn.run(async move {
            let mut client = pool.get().await.map_err(|e| pool_error(&e))?;
            pg_schema::migrate(&mut client)
                .await
                .map_err(|e| db("schema migration", &e))
        })?;
        if from < pg_schema::VERSION {
            tracing::info!(
                from,
                to = pg_schema::VERSION,
                "audit database schema migrated"
            );
        }
        self.ensure_months()
    }

    /// Creates this and next month's partitions if this process has not seen them.
    fn ensure_months(&self) -> Result<(), AuditError> {
        let now = pg_schema::month_of(jiff::Timestamp::now());
        let wanted: Vec<Month> = {
            let known = self.months.lock().expect("not poisoned");
            [now, now + 1]
                .into_iter()
                .filter(|m| !known.contains(m))
                .collect()
        };
        if wanted.is_empty() {
            return Ok(());
        }
        let pool = self.conn.writer.clone();
        let months = wanted.clone();
        self.conn.run(async move {
            let mut client = pool.get().await.map_err(|e| pool_error(&e))?;
            let tx = locked(&mut client).await?;
            for m in months {
                pg_schema::create_partitions(&tx, m)
                    .await
                    .map_err(|e| db("partition", &e))?;
            }
            tx.commit().await.map_err(|e| db("commit", &e))
        })?;
        self.months.lock().expect("not poisoned").extend(wanted);
        Ok(())
    }

    /// One group's transaction (see [`AuditBackend::append_unnumbered`]); a connection
    /// found closed before the commit is replaced once.
    async fn commit_group(
        &self,
        records: &mut [&mut AuditRecord],
        seal: &mut Seal<'_>,
    ) -> Result<(), AuditError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut client = self.conn.writer.get().await.map_err(|e| pool_error(&e))?;
            match self.transact(&mut client, records, seal).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(e)) => return Err(e),
                Err(e) if attempt < 2 && connection_lost(&e) => {
                    let _ = deadpool_postgres::Object::take(client);
                }
                Err(e) => {
                    if connection_lost(&e) {
                        let _ = deadpool_postgres::Object::take(client);
                    }
                    return Err(db("append", &e));
                }
            }
        }
    }

    /// Everything up to the commit; `Ok(Err)` is the resolved outcome of a commit that
    /// failed, `Err` a failure before the commit (nothing stored).
    async fn transact(
        &self,
        client: &mut deadpool_postgres::Client,
        records: &mut [&mut AuditRecord],
        seal: &mut Seal<'_>,
    ) -> Result<Result<(), AuditError>, tokio_postgres::Error> {
        let tx = client.transaction().await?;
        let row = tx
            .query_one(
                "SELECT last_seq, last_sha256, last_checkpoint,
                        greatest(clock_timestamp(), last_committed)
                   FROM audit_head WHERE id = 1 FOR UPDATE",
                &[],
            )
            .await?;
        let head = Head {
            seq: row.get::<_, i64>(0) as u64,
            sha256: row.get(1),
            checkpoint: row.get::<_, i64>(2) as u64,
        };
        let committed: SystemTime = row.get(3);
        let month = pg_schema::month_of(timestamp(committed));
        if !self.months.lock().expect("not poisoned").contains(&month) {
            pg_schema::create_partitions(&tx, month).await?;
            self.months.lock().expect("not poisoned").insert(month);
        }
        let sealed = seal(&head, records);
        let (mut last_seq, mut last_sha) = (head.seq as i64, head.sha256.clone());
        if let (Some(r), Some(b)) = (records.last(), sealed.bytes.last()) {
            (last_seq, last_sha) = (r.seq as i64, digest_hex(b));
        }
        let last_checkpoint = sealed
            .checkpoint
            .as_ref()
            .map_or(head.checkpoint, |(seq, _)| *seq) as i64;

        let seqs: Vec<i64> = records.iter().map(|r| r.seq as i64).collect();
        let times: Vec<i64> = records.iter().map(|r| micros_of(&r.time)).collect();
        let text = |f: fn(&AuditRecord) -> Option<&str>| -> Vec<Option<&str>> {
            records.iter().map(|r| f(r)).collect()
        };
        let organisations = text(|r| r.organisation.as_deref());
        let users = text(|r| r.kayttajatunnus.as_deref());
        let end_users = text(|r| r.loppukayttaja.as_deref());
        let operations = text(|r| Some(r.operation.as_str()));
        let codes = text(|r| Some(r.return_code.as_str()));
        let bodies: Vec<&[u8]> = sealed.bytes.iter().map(Vec::as_slice).collect();
        let (mut subject, mut subject_seq): (Vec<&str>, Vec<i64>) = (Vec::new(), Vec::new());
        for r in records.iter() {
            for s in subjects(r) {
                subject.push(s);
                subject_seq.push(r.seq as i64);
            }
        }
        let insert_records = async {
            if seqs.is_empty() {
                return Ok(0);
            }
            let stmt = tx
                .prepare_cached(
                    "INSERT INTO audit_records (seq, committed, time_us, organisation,
                            kayttajatunnus, loppukayttaja, operation, return_code, body)
                     SELECT s, $2, t, o, k, l, op, rc, b
                       FROM unnest($1::int8[], $3::int8[], $4::text[], $5::text[],
                                   $6::text[], $7::text[], $8::text[], $9::bytea[])
                            AS u(s, t, o, k, l, op, rc, b)",
                )
                .await?;
            tx.execute(
                &stmt,
                &[
                    &seqs,
                    &committed,
                    &times,
                    &organisations,
                    &users,
                    &end_users,
                    &operations,
                    &codes,
                    &bodies,
                ],
            )
            .await
        };
        let insert_subjects = async {
            if subject.is_empty() {
                return Ok(0);
            }
            let stmt = tx
                .prepare_cached(
                    "INSERT INTO audit_subjects (subject, seq, committed)
                     SELECT s, q, $3 FROM unnest($1::text[], $2::int8[]) AS u(s, q)",
                )
                .await?;
            tx.execute(&stmt, &[&subject, &subject_seq, &committed])
                .await
        };
        let insert_checkpoint = async {
            let Some((seq, bytes)) = &sealed.checkpoint else {
                return Ok(0);
            };
            tx.execute(
                "INSERT INTO audit_checkpoints (seq, body) VALUES ($1, $2)",
                &[&(*seq as i64), bytes],
            )
            .await
        };
        let head_params: [&(dyn ToSql + Sync); 4] =
            [&last_seq, &last_sha, &last_checkpoint, &committed];
        let move_head = tx.execute(
            "UPDATE audit_head SET last_seq = $1, last_sha256 = $2, last_checkpoint = $3,
                    last_committed = $4 WHERE id = 1",
            &head_params,
        );
        tokio::try_join!(
            insert_records,
            insert_subjects,
            insert_checkpoint,
            move_head
        )?;
        match tx.commit().await {
            Ok(()) => Ok(Ok(())),
            Err(e) => {
                let probe = match (records.last(), sealed.bytes.last(), &sealed.checkpoint) {
                    (Some(r), Some(b), _) => Some(("audit_records", r.seq, b.clone())),
                    (_, _, Some((seq, b))) => Some(("audit_checkpoints", *seq, b.clone())),
                    _ => None,
                };
                Ok(self.resolve(&e, probe).await)
            }
        }
    }

    /// After a commit whose answer was lost: reads again (new connections) whether the
    /// group's last record (or its checkpoint) is stored with these bytes. Stored: the
    /// group committed. Absent or another node's: it did not, and the next group numbers
    /// from the head as it is. Unknowable (the database stays away): reported as failed,
    /// so the answers wait for nothing they cannot prove was recorded.
    async fn resolve(
        &self,
        e: &tokio_postgres::Error,
        probe: Option<(&'static str, u64, Vec<u8>)>,
    ) -> Result<(), AuditError> {
        let failed = db("commit", e);
        let Some((table, seq, bytes)) = probe else {
            return Err(failed);
        };
        let sql = if table == "audit_records" {
            "SELECT body FROM audit_records WHERE seq = $1"
        } else {
            "SELECT body FROM audit_checkpoints WHERE seq = $1"
        };
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let Ok(client) = self.conn.readers.get().await else {
                continue;
            };
            match client.query_opt(sql, &[&(seq as i64)]).await {
                Ok(Some(row)) if row.get::<_, &[u8]>(0) == bytes.as_slice() => {
                    tracing::warn!(seq, "the audit commit's answer was lost; it had committed");
                    return Ok(());
                }
                Ok(_) => return Err(failed),
                Err(_) => {
                    let _ = deadpool_postgres::Object::take(client);
                }
            }
        }
        Err(AuditError::Store(format!(
            "{failed} (whether it committed is unknown; the answers are refused)"
        )))
    }
}

/// The statement that pages through the numbers of the records whose `column` is `$1`,
/// after `$2`, at most `$3` (each such column has an index with seq).
macro_rules! records_where {
    ($column:literal) => {
        concat!(
            "SELECT seq FROM audit_records WHERE ",
            $column,
            " = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        )
    };
}

impl AuditBackend for PgStore {
    fn append(&self, _group: &Group<'_>) -> Result<(), AuditError> {
        Err(AuditError::Store(
            "the PostgreSQL store numbers records in its transaction (append_unnumbered)".into(),
        ))
    }

    fn numbers_in_commit(&self) -> bool {
        true
    }

    fn append_unnumbered(
        &self,
        records: &mut [&mut AuditRecord],
        seal: &mut Seal<'_>,
    ) -> Result<(), AuditError> {
        let handle = self.conn.handle.clone();
        handle.block_on(async {
            match tokio::time::timeout(CALL_TIMEOUT, self.commit_group(records, seal)).await {
                Ok(r) => r,
                Err(_) => Err(AuditError::Store(format!(
                    "PostgreSQL: the append took more than {} s",
                    CALL_TIMEOUT.as_secs()
                ))),
            }
        })
    }

    fn get_bytes(&self, seq: u64) -> Result<Option<Vec<u8>>, AuditError> {
        let rows = self.conn.rows(
            "SELECT body FROM audit_records WHERE seq = $1",
            vec![Box::new(seq as i64)],
        )?;
        Ok(rows.first().map(|r| r.get::<_, Vec<u8>>(0)))
    }

    fn last(&self) -> Result<Option<(u64, Vec<u8>)>, AuditError> {
        let rows = self.conn.rows(
            "SELECT seq, body FROM audit_records ORDER BY seq DESC LIMIT 1",
            vec![],
        )?;
        Ok(rows
            .first()
            .map(|r| (r.get::<_, i64>(0) as u64, r.get::<_, Vec<u8>>(1))))
    }

    fn scan(&self, from: u64, visit: &mut VisitBytes<'_>) -> Result<(), AuditError> {
        self.conn.page_bytes(
            "SELECT seq, body FROM audit_records WHERE seq >= $1 ORDER BY seq LIMIT $2",
            from,
            visit,
        )
    }

    fn lookup(&self, by: Lookup<'_>, visit: &mut VisitSeq<'_>) -> Result<(), AuditError> {
        let (sql, key) = match by {
            Lookup::Subject(s) => (
                "SELECT seq FROM audit_subjects WHERE subject = $1 AND seq > $2
                  ORDER BY seq LIMIT $3",
                s,
            ),
            Lookup::EndUser(u) => (records_where!("loppukayttaja"), u),
            Lookup::Time { from, to } => return self.conn.lookup_time(from, to, visit),
        };
        self.conn.seq_pages(sql, key, visit)
    }

    fn lookup_field(
        &self,
        field: Field,
        value: &str,
        visit: &mut VisitSeq<'_>,
    ) -> Result<bool, AuditError> {
        let sql = match field {
            Field::Organisation => records_where!("organisation"),
            Field::ServiceUser => records_where!("kayttajatunnus"),
            Field::Operation => records_where!("operation"),
            Field::ReturnCode => records_where!("return_code"),
        };
        self.conn.seq_pages(sql, value, visit)?;
        Ok(true)
    }

    fn checkpoints(&self, visit: &mut VisitBytes<'_>) -> Result<(), AuditError> {
        self.conn.page_bytes(
            "SELECT seq, body FROM audit_checkpoints WHERE seq >= $1 ORDER BY seq LIMIT $2",
            0,
            visit,
        )
    }

    fn last_checkpoint(&self) -> Result<Option<(u64, Vec<u8>)>, AuditError> {
        let rows = self.conn.rows(
            "SELECT seq, body FROM audit_checkpoints ORDER BY seq DESC LIMIT 1",
            vec![],
        )?;
        Ok(rows
            .first()
            .map(|r| (r.get::<_, i64>(0) as u64, r.get::<_, Vec<u8>>(1))))
    }

    fn anchor(&self) -> Result<Option<Anchor>, AuditError> {
        let rows = self
            .conn
            .rows("SELECT body FROM audit_anchor WHERE id = 1", vec![])?;
        rows.first()
            .map(|r| {
                serde_json::from_slice(r.get::<_, &[u8]>(0)).map_err(|e| {
                    AuditError::Store(format!("the pruning anchor is unreadable: {e}"))
                })
            })
            .transpose()
    }

    fn prune_limit(&self, cutoff: i64) -> Result<Option<u64>, AuditError> {
        let pool = self.conn.readers.clone();
        let through = self.conn.run(async move {
            let client = pool.get().await.map_err(|e| pool_error(&e))?;
            let months = pg_schema::months(&client)
                .await
                .map_err(|e| db("partitions", &e))?;
            let mut through = 0i64;
            for m in months
                .into_iter()
                .filter(|m| pg_schema::start_micros(m + 1) <= cutoff)
            {
                let sql = format!(
                    "SELECT max(seq) FROM {}",
                    pg_schema::partition("audit_records", m)
                );
                let row = client
                    .query_one(&sql, &[])
                    .await
                    .map_err(|e| db("read", &e))?;
                through = through.max(row.get::<_, Option<i64>>(0).unwrap_or(0));
            }
            Ok(through)
        })?;
        Ok(Some(through as u64))
    }

    fn prune(&self, anchor: &Anchor) -> Result<u64, AuditError> {
        let body = serde_json::to_vec(anchor).expect("an anchor always serialises");
        let through = anchor.through_seq as i64;
        let pool = self.conn.writer.clone();
        let now = jiff::Timestamp::now().as_microsecond();
        self.conn.run(async move {
            let mut client = pool.get().await.map_err(|e| pool_error(&e))?;
            // The head lock orders this against every writer and the other nodes' pruning.
            let tx = locked(&mut client).await?;
            let before: i64 = tx
                .query_opt("SELECT through_seq FROM audit_anchor WHERE id = 1", &[])
                .await
                .map_err(|e| db("read", &e))?
                .map_or(0, |r| r.get(0));
            if through <= before {
                return Ok(0);
            }
            tx.execute(
                "INSERT INTO audit_anchor (id, through_seq, body) VALUES (1, $1, $2)
                 ON CONFLICT (id) DO UPDATE SET through_seq = $1, body = $2",
                &[&through, &body],
            )
            .await
            .map_err(|e| db("anchor", &e))?;
            tx.execute("DELETE FROM audit_checkpoints WHERE seq <= $1", &[&through])
                .await
                .map_err(|e| db("prune", &e))?;
            let months = pg_schema::months(&tx)
                .await
                .map_err(|e| db("partitions", &e))?;
            for m in months
                .into_iter()
                .filter(|m| pg_schema::start_micros(m + 1) <= now)
            {
                let name = pg_schema::partition("audit_records", m);
                let row = tx
                    .query_one(&format!("SELECT max(seq) FROM {name}"), &[])
                    .await
                    .map_err(|e| db("read", &e))?;
                if row
                    .get::<_, Option<i64>>(0)
                    .is_some_and(|max| max > through)
                {
                    break;
                }
                for table in pg_schema::PARTITIONED {
                    tx.batch_execute(&format!(
                        "DROP TABLE IF EXISTS {}",
                        pg_schema::partition(table, m)
                    ))
                    .await
                    .map_err(|e| db("prune", &e))?;
                }
            }
            tx.commit().await.map_err(|e| db("commit", &e))?;
            Ok((through - before) as u64)
        })
    }

    fn maintain(&self) -> Result<Option<Duration>, AuditError> {
        // Never an error: a database that is away must not stop the writer for good.
        if let Err(e) = self.ensure_months() {
            tracing::warn!(error = %e, "audit partitions for next month not created yet");
            return Ok(Some(Duration::from_secs(60)));
        }
        Ok(Some(Duration::from_secs(3600)))
    }

    fn close(&self) -> Result<(), AuditError> {
        Ok(())
    }

    fn unready(&self) -> Option<String> {
        let pool = self.conn.readers.clone();
        self.conn
            .run_within(Duration::from_secs(2), async move {
                let client = pool.get().await.map_err(|e| pool_error(&e))?;
                match client.simple_query("SELECT 1").await {
                    Ok(_) => Ok(()),
                    Err(e) => {
                        let _ = deadpool_postgres::Object::take(client);
                        Err(db("ping", &e))
                    }
                }
            })
            .err()
            .map(|e| format!("the audit database does not answer: {e}"))
    }
}
