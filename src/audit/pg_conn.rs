//! The PostgreSQL store's connections: a small tokio runtime of its own with two
//! deadpool pools (readers, and the writer's one connection, so readers never hold up a
//! commit), and the bridge from the synchronous store interface to the async driver:
//! reads are spawned onto that runtime and waited for over a channel, which is safe from
//! any thread (a tokio worker of the server's runtime included). Pages through long
//! answers by number. Knows no table but what its callers' SQL names.

use std::future::Future;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

use super::backend::{VisitBytes, VisitSeq};
use super::error::AuditError;
use super::settings::PgSettings;

/// Rows one read fetches at a time (scans and index walks page by number).
pub const PAGE: i64 = 1000;
/// How long any one call to the database may take before it counts as failed.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// How long opening a connection may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// A parameter of a read, owned (reads run on the store's runtime).
pub type Param = Box<dyn ToSql + Sync + Send>;

/// The store's runtime and pools.
pub struct PgConn {
    runtime: Option<tokio::runtime::Runtime>,
    pub handle: tokio::runtime::Handle,
    pub readers: Pool,
    /// The writer's own connection.
    pub writer: Pool,
}

/// A driver error as the trail's error, with the server's message when it sent one.
pub fn db(what: &str, e: &tokio_postgres::Error) -> AuditError {
    let why = match e.as_db_error() {
        Some(d) => format!("{}: {}", d.severity(), d.message()),
        None => match std::error::Error::source(e) {
            Some(s) => format!("{e}: {s}"),
            None => e.to_string(),
        },
    };
    AuditError::Store(format!("PostgreSQL {what}: {why}"))
}

/// A pool's error (no connection to be had) as the trail's error.
pub fn pool_error(e: &deadpool_postgres::PoolError) -> AuditError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => db("connection", e),
        other => AuditError::Store(format!("PostgreSQL connection: {other}")),
    }
}

/// True for an error of the connection (the server went away), not of the statement.
pub fn connection_lost(e: &tokio_postgres::Error) -> bool {
    e.is_closed() || e.as_db_error().is_none()
}

impl PgConn {
    /// The runtime and the pools (connections open when first used).
    pub fn open(settings: &PgSettings) -> Result<Self, AuditError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("audit-pg")
            .enable_all()
            .build()
            .map_err(|e| AuditError::Store(format!("cannot start the PostgreSQL runtime: {e}")))?;
        let mut config: tokio_postgres::Config = settings
            .url
            .parse()
            .map_err(|e| AuditError::Store(format!("audit.url: {e}")))?;
        if let Some(p) = &settings.password {
            config.password(p);
        }
        config
            .application_name("vtj-emulator")
            .connect_timeout(CONNECT_TIMEOUT)
            .keepalives_idle(Duration::from_secs(30));
        let pool = |size: usize| {
            let manager = Manager::from_config(
                config.clone(),
                NoTls,
                ManagerConfig {
                    recycling_method: RecyclingMethod::Fast,
                },
            );
            Pool::builder(manager)
                .max_size(size)
                .runtime(deadpool_postgres::Runtime::Tokio1)
                .create_timeout(Some(CONNECT_TIMEOUT))
                .wait_timeout(Some(CALL_TIMEOUT))
                .build()
                .map_err(|e| AuditError::Store(format!("PostgreSQL pool: {e}")))
        };
        let (readers, writer) = {
            let _inside = runtime.enter();
            (pool(settings.pool_size)?, pool(1)?)
        };
        Ok(PgConn {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
            readers,
            writer,
        })
    }

    /// Runs `fut` on the store's runtime and waits for it from any thread (a tokio worker
    /// of another runtime included).
    pub fn run<T, F>(&self, fut: F) -> Result<T, AuditError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, AuditError>> + Send + 'static,
    {
        self.run_within(CALL_TIMEOUT, fut)
    }

    /// As [`PgStore::run`], failing after `limit`.
    pub fn run_within<T, F>(&self, limit: Duration, fut: F) -> Result<T, AuditError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, AuditError>> + Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = tx.send(tokio::time::timeout(limit, fut).await);
        });
        match rx.recv() {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => Err(AuditError::Store(format!(
                "PostgreSQL: no answer within {} s",
                limit.as_secs_f64()
            ))),
            Err(_) => Err(AuditError::Store(
                "the PostgreSQL runtime has stopped".into(),
            )),
        }
    }

    /// The rows of a read, from a reader connection; a connection the server dropped is
    /// replaced once.
    pub fn rows(&self, sql: &'static str, params: Vec<Param>) -> Result<Vec<Row>, AuditError> {
        let pool = self.readers.clone();
        self.run(async move {
            let refs: Vec<&(dyn ToSql + Sync)> =
                params.iter().map(|p| &**p as &(dyn ToSql + Sync)).collect();
            let mut attempt = 0;
            loop {
                attempt += 1;
                let client = pool.get().await.map_err(|e| pool_error(&e))?;
                let result = match client.prepare_cached(sql).await {
                    Ok(stmt) => client.query(&stmt, &refs).await,
                    Err(e) => Err(e),
                };
                match result {
                    Ok(rows) => return Ok(rows),
                    Err(e) if attempt < 2 && connection_lost(&e) => {
                        let _ = deadpool_postgres::Object::take(client);
                    }
                    Err(e) => return Err(db("read", &e)),
                }
            }
        })
    }

    /// Pages through `(seq, bytes)` rows of a query whose first parameter is the lowest
    /// number wanted and whose rows come in order of number.
    pub fn page_bytes(
        &self,
        sql: &'static str,
        from: u64,
        visit: &mut VisitBytes<'_>,
    ) -> Result<(), AuditError> {
        let mut from = from as i64;
        loop {
            let rows = self.rows(sql, vec![Box::new(from), Box::new(PAGE)])?;
            for row in &rows {
                let seq: i64 = row.get(0);
                if !visit(seq as u64, row.get::<_, &[u8]>(1))? {
                    return Ok(());
                }
                from = seq + 1;
            }
            if (rows.len() as i64) < PAGE {
                return Ok(());
            }
        }
    }

    /// Pages through the record numbers of a query `(key, after, limit)` whose rows come
    /// in order of number.
    pub fn seq_pages(
        &self,
        sql: &'static str,
        key: &str,
        visit: &mut VisitSeq<'_>,
    ) -> Result<(), AuditError> {
        let mut after = 0i64;
        loop {
            let rows = self.rows(
                sql,
                vec![Box::new(key.to_string()), Box::new(after), Box::new(PAGE)],
            )?;
            for row in &rows {
                after = row.get(0);
                if !visit(after as u64)? {
                    return Ok(());
                }
            }
            if (rows.len() as i64) < PAGE {
                return Ok(());
            }
        }
    }

    /// Record numbers by request time (`from` inclusive, `to` exclusive), by time then
    /// number.
    pub fn lookup_time(
        &self,
        from: i64,
        to: i64,
        visit: &mut VisitSeq<'_>,
    ) -> Result<(), AuditError> {
        let (mut t, mut after) = (from, -1i64);
        loop {
            let rows = self.rows(
                "SELECT time_us, seq FROM audit_records
                  WHERE (time_us, seq) > ($1, $2) AND time_us < $3
                  ORDER BY time_us, seq LIMIT $4",
                vec![Box::new(t), Box::new(after), Box::new(to), Box::new(PAGE)],
            )?;
            for row in &rows {
                (t, after) = (row.get(0), row.get(1));
                if !visit(after as u64)? {
                    return Ok(());
                }
            }
            if (rows.len() as i64) < PAGE {
                return Ok(());
            }
        }
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which tokio forbids inside another runtime.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}
