//! The PostgreSQL schema of the audit trail and its monthly partitions: the migrations in
//! order (each applied once, recorded in `schema_version`, under an advisory lock so two
//! nodes starting at once do not race), and the names and bounds of the month partitions
//! of `audit_records` and `audit_subjects` (by commit time, UTC). Owns the table layout;
//! the store (`pg_store.rs`) owns the statements that read and write it.

use deadpool_postgres::GenericClient;

/// The advisory lock every migration runs under ("vtjaudit" in ASCII).
const MIGRATION_LOCK: i64 = 0x7674_6a61_7564_6974;

/// The migrations, in order: migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the chain's head, the records and their subjects by commit month, checkpoints,
    // the pruning anchor, and a JSON view for auditors' SQL tools.
    "CREATE TABLE audit_head (
        id int PRIMARY KEY CHECK (id = 1),
        last_seq bigint NOT NULL,
        last_sha256 text NOT NULL,
        last_checkpoint bigint NOT NULL,
        last_committed timestamptz NOT NULL
    );
    INSERT INTO audit_head VALUES (1, 0, '', 0, '-infinity');
    CREATE TABLE audit_records (
        seq bigint NOT NULL,
        committed timestamptz NOT NULL,
        time_us bigint NOT NULL,
        organisation text,
        kayttajatunnus text,
        loppukayttaja text,
        operation text NOT NULL,
        return_code text NOT NULL,
        body bytea NOT NULL,
        PRIMARY KEY (seq, committed)
    ) PARTITION BY RANGE (committed);
    CREATE INDEX audit_records_enduser ON audit_records (loppukayttaja, seq);
    CREATE INDEX audit_records_organisation ON audit_records (organisation, seq);
    CREATE INDEX audit_records_operation ON audit_records (operation, seq);
    CREATE INDEX audit_records_return_code ON audit_records (return_code, seq);
    CREATE INDEX audit_records_time ON audit_records (time_us, seq);
    CREATE TABLE audit_subjects (
        subject text NOT NULL,
        seq bigint NOT NULL,
        committed timestamptz NOT NULL
    ) PARTITION BY RANGE (committed);
    CREATE INDEX audit_subjects_subject ON audit_subjects (subject, seq);
    CREATE TABLE audit_checkpoints (seq bigint PRIMARY KEY, body bytea NOT NULL);
    CREATE TABLE audit_anchor (
        id int PRIMARY KEY CHECK (id = 1),
        through_seq bigint NOT NULL,
        body bytea NOT NULL
    );
    CREATE VIEW audit_records_json AS
        SELECT seq, committed, convert_from(body, 'UTF8')::jsonb AS record FROM audit_records;",
    // 2: searches by service user read an index, as those by organisation, operation and
    // return code do.
    "CREATE INDEX audit_records_kayttajatunnus ON audit_records (kayttajatunnus, seq);",
];

/// The schema version this build writes.
pub const VERSION: i32 = MIGRATIONS.len() as i32;

/// Brings the schema up to [`VERSION`]: idempotent, and safe when several nodes start at
/// once (one transaction under an advisory lock). A schema newer than this build is left
/// as it is. Returns the version found.
pub async fn migrate(client: &mut tokio_postgres::Client) -> Result<i32, tokio_postgres::Error> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version int PRIMARY KEY,
            applied timestamptz NOT NULL DEFAULT now()
        )",
    )
    .await?;
    let current: i32 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
        .await?
        .get(0);
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        tx.batch_execute(sql).await?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES ($1)",
            &[&(i as i32 + 1)],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(current)
}

/// A month as a number: `year * 12 + month - 1` (UTC).
pub type Month = i32;

pub fn month_of(t: jiff::Timestamp) -> Month {
    let d = t.to_zoned(jiff::tz::TimeZone::UTC).date();
    i32::from(d.year()) * 12 + i32::from(d.month()) - 1
}

/// The first moment of a month, as PostgreSQL reads it.
fn start_of(m: Month) -> String {
    format!(
        "{:04}-{:02}-01 00:00:00+00",
        m.div_euclid(12),
        m.rem_euclid(12) + 1
    )
}

/// The first moment of a month, as microseconds since 1970.
pub fn start_micros(m: Month) -> i64 {
    let date = jiff::civil::date(m.div_euclid(12) as i16, (m.rem_euclid(12) + 1) as i8, 1);
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_microsecond())
        .unwrap_or(i64::MAX)
}

/// The partition of `table` for month `m`, e.g. `audit_records_202612`.
pub fn partition(table: &str, m: Month) -> String {
    format!("{table}_{:04}{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
}

/// The month of a partition name made by [`partition`].
pub fn month_of_partition(table: &str, name: &str) -> Option<Month> {
    let digits = name.strip_prefix(table)?.strip_prefix('_')?;
    if digits.len() != 6 {
        return None;
    }
    let year: i32 = digits[..4].parse().ok()?;
    let month: i32 = digits[4..].parse().ok()?;
    (1..=12).contains(&month).then_some(year * 12 + month - 1)
}

/// The tables partitioned by month.
pub const PARTITIONED: [&str; 2] = ["audit_records", "audit_subjects"];

/// Creates month `m`'s partitions if missing. The caller holds the head row's lock, which
/// every writer takes first, so no two nodes create one at once.
pub async fn create_partitions(
    client: &impl GenericClient,
    m: Month,
) -> Result<(), tokio_postgres::Error> {
    for table in PARTITIONED {
        client
            .batch_execute(&format!(
                "CREATE TABLE IF NOT EXISTS {} PARTITION OF {table} FOR VALUES FROM ('{}') TO ('{}')",
                partition(table, m),
                start_of(m),
                start_of(m + 1)
            ))
            .await?;
    }
    Ok(())
}

/// The months that have a records partition, oldest first.
pub async fn months(client: &impl GenericClient) -> Result<Vec<Month>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT c.relname FROM pg_inherits i
               JOIN pg_class c ON c.oid = i.inhrelid
               JOIN pg_class p ON p.oid = i.inhparent
              WHERE p.relname = 'audit_records' AND p.relnamespace = current_schema()::regnamespace",
            &[],
        )
        .await?;
    let mut out: Vec<Month> = rows
        .iter()
        .filter_map(|r| month_of_partition("audit_records", r.get(0)))
        .collect();
    out.sort_unstable();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_names_and_bounds_round_trip() {
        let m = month_of("2026-12-31T23:59:59Z".parse().unwrap());
        assert_eq!(partition("audit_records", m), "audit_records_202612");
        assert_eq!(
            month_of_partition("audit_records", "audit_records_202612"),
            Some(m)
        );
        assert_eq!(
            month_of_partition("audit_records", "audit_subjects_202612"),
            None
        );
        assert_eq!(start_of(m + 1), "2027-01-01 00:00:00+00");
        assert_eq!(
            start_micros(m + 1),
            "2027-01-01T00:00:00Z"
                .parse::<jiff::Timestamp>()
                .unwrap()
                .as_microsecond()
        );
    }
}
