//! Audit-trail benchmark (issues 7, 15): appends N records through the real writer (group
//! commit, a durable flush before each acknowledgement, indexes, signed checkpoints) from
//! many concurrent appenders, then measures searches by subject, by end user, by time
//! range, by organisation, service user, operation and return code, and the bytes on disk
//! per record. The process's CPU (utime + stime from `/proc/self/stat`) is counted over
//! the append.
//!
//! `AUDIT_BENCH_STORE=sled` runs the same on the sled store with its journal (the store
//! before issue 15, still compiled to move older trails into segments), for a before/after
//! in one build.
//!
//! ```sh
//! cargo bench --bench audit                                   # 200 000 records
//! AUDIT_BENCH_STORE=sled cargo bench --bench audit            # the same on sled + journal
//! AUDIT_BENCH_RECORDS=10000000 AUDIT_BENCH_DIR=/work/scratch-audit cargo bench --bench audit
//! benches/audit_pg.sh 1000000     # the PostgreSQL store (AUDIT_BENCH_PG_URL), issue 21
//! ```
//!
//! A plain binary (harness = false): it prints its figures; nothing is asserted.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use vtj_emulator::audit::settings::{Backend, PgSettings};
use vtj_emulator::audit::{AuditBackend, AuditLog, AuditRecord, AuditSettings, Filter, search};

const APPENDERS: u64 = 256;
const SUBJECTS: u64 = 100_000;
const END_USERS: u64 = 10_000;
/// Simulated time between consecutive records.
const STEP_SECS: i64 = 3;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn subject(n: u64) -> String {
    format!("{:06}A9{:03}X", n % 1_000_000, n % 1000)
}

fn record(i: u64, start: jiff::Timestamp) -> AuditRecord {
    let time = start
        .checked_add(jiff::SignedDuration::from_secs(i as i64 * STEP_SECS))
        .unwrap();
    let s = i.wrapping_mul(2654435761) % SUBJECTS;
    AuditRecord {
        seq: 0,
        time: time.to_string(),
        request_id: format!("{:016x}-{i:x}", time.as_nanosecond() as u64),
        organisation: Some(format!("org{}", i % 20)),
        cert_sha256: format!("{:064x}", i % 20),
        cert_subject: format!("CN=system-{}, O=org{}, C=FI", i % 20, i % 20),
        interface: "direct".into(),
        xroad_client: None,
        xroad_user_id: None,
        operation: "TeeHenkilonTunnusKysely".into(),
        kayttajatunnus: Some(format!("user{}", i % 50)),
        loppukayttaja: Some(format!("enduser{}", i % END_USERS)),
        product: Some("PERUSSANOMA 3".into()),
        search_key: Some(("Henkilotunnus".into(), subject(s))),
        disclosed: Vec::new(),
        return_code: "0000".into(),
        groups: [
            "Henkilonnimi",
            "VakinainenKotimainenLahiosoite",
            "Kotikunta",
            "Aidinkieli",
            "Kansalaisuus",
            "Kuolintiedot",
        ]
        .iter()
        .map(|g| g.to_string())
        .collect(),
        non_disclosure_applied: false,
        refused_because: None,
        fault_injected: None,
        duration_us: 800 + i % 400,
        prev_sha256: String::new(),
        response_sha256: format!("{:064x}", i.wrapping_mul(0x9e3779b97f4a7c15)),
        filters: None,
    }
}

/// Runs `count` searches, the k-th with `filter(k)`, and prints their median and p99 time
/// and the mean number of records an answer held.
fn searches(store: &dyn AuditBackend, label: &str, count: u64, filter: impl Fn(u64) -> Filter) {
    let mut lat = Vec::new();
    let mut found = 0usize;
    for k in 0..count {
        let f = filter(k);
        let t = Instant::now();
        found += search::search(store, &f).unwrap().len();
        lat.push(t.elapsed());
    }
    let (m, p99) = median(lat);
    println!(
        "{label}: median {m:?}, p99 {p99:?} ({:.1} records per answer)",
        found as f64 / count as f64
    );
}

/// utime + stime of this process, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}

fn median(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    let p99 = v[(v.len() * 99 / 100).min(v.len() - 1)];
    (v[v.len() / 2], p99)
}

fn dir_size(path: &std::path::Path) -> u64 {
    let mut total = 0;
    if let Ok(entries) = std::fs::read_dir(path) {
        for e in entries.flatten() {
            let m = e.metadata().unwrap();
            total += if m.is_dir() {
                dir_size(&e.path())
            } else {
                m.len()
            };
        }
    }
    total
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is read from the command line.
    let n = env("AUDIT_BENCH_RECORDS", 200_000);
    let keep = std::env::var("AUDIT_BENCH_DIR").ok();
    let tmp = tempfile::tempdir().unwrap();
    let path = keep
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("data"));
    let _ = std::fs::remove_dir_all(&path);
    println!(
        "audit bench: {n} records, {APPENDERS} concurrent appenders, store {}",
        path.display()
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = sled::Config::new()
        .path(&path)
        .cache_capacity(256 * 1024 * 1024)
        .open()
        .unwrap();
    let mut settings = AuditSettings::builtin().unwrap();
    // The PostgreSQL store instead (issue 21), password in AUDIT_BENCH_PG_PASSWORD.
    if let Ok(url) = std::env::var("AUDIT_BENCH_PG_URL") {
        settings.backend = Backend::Postgres(PgSettings {
            url,
            password: std::env::var("AUDIT_BENCH_PG_PASSWORD").ok(),
            pool_size: 8,
        });
        println!("store: PostgreSQL ({:?})", settings.backend);
    }
    let start_time: jiff::Timestamp = "2021-01-01T00:00:00Z".parse().unwrap();

    // --- append ---
    let sled_store = std::env::var("AUDIT_BENCH_STORE").is_ok_and(|s| s == "sled");
    let log = rt.block_on(async {
        if sled_store {
            let store = vtj_emulator::audit::SledStore::open(&db, &path).unwrap();
            AuditLog::start(Arc::new(store), &settings, false).unwrap()
        } else {
            AuditLog::open(&db, &path, &settings).unwrap()
        }
    });
    println!(
        "store: {}",
        if sled_store {
            "sled + journal"
        } else {
            "segments"
        }
    );
    let next = Arc::new(AtomicU64::new(0));
    let cpu_before = cpu_seconds();
    let began = Instant::now();
    let mut last_report = Instant::now();
    rt.block_on(async {
        let tasks: Vec<_> = (0..APPENDERS)
            .map(|_| {
                let log = log.clone();
                let next = next.clone();
                tokio::spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            break;
                        }
                        log.append(record(i, start_time)).await.unwrap();
                    }
                })
            })
            .collect();
        let progress = async {
            loop {
                tokio::time::sleep(Duration::from_secs(30)).await;
                let s = log.stats();
                if last_report.elapsed() >= Duration::from_secs(30) {
                    eprintln!(
                        "  {} records, {:.0}/s so far",
                        s.records,
                        s.records as f64 / began.elapsed().as_secs_f64()
                    );
                    last_report = Instant::now();
                }
            }
        };
        tokio::select! {
            _ = futures_join(tasks) => {}
            _ = progress => {}
        }
    });
    let took = began.elapsed();
    let cpu = cpu_seconds() - cpu_before;
    let stats = log.stats();
    println!(
        "append: {} records in {:.1} s = {:.0} records/s durable; {} flushes ({:.1} records per flush)",
        stats.records,
        took.as_secs_f64(),
        stats.records as f64 / took.as_secs_f64(),
        stats.flushes,
        stats.records as f64 / stats.flushes.max(1) as f64
    );
    println!(
        "process CPU: {:.1} s = {:.1} µs per record; mean group commit {:.2} ms",
        cpu,
        cpu * 1e6 / stats.records.max(1) as f64,
        stats.flush_seconds * 1e3 / stats.flushes.max(1) as f64
    );
    rt.block_on(log.close());

    // --- search ---
    let store = log.store();
    let trees = &*store;
    searches(trees, "search by subject", 200, |k| Filter {
        subject: Some(subject((k * 7919) % SUBJECTS)),
        ..Filter::default()
    });
    searches(
        trees,
        "search by subject, none held (the per-segment probe alone)",
        200,
        |k| Filter {
            subject: Some(format!("nobody-{k}")),
            ..Filter::default()
        },
    );
    searches(trees, "search by end user (first 100)", 50, |k| Filter {
        loppukayttaja: Some(format!("enduser{}", (k * 131) % END_USERS)),
        limit: Some(100),
        ..Filter::default()
    });
    let span_secs = n as i64 * STEP_SECS;
    searches(trees, "search by time range (10 minutes)", 100, |k| {
        let from = start_time
            .checked_add(jiff::SignedDuration::from_secs(
                (k as i64 * 104_729) % span_secs.max(1),
            ))
            .unwrap();
        let to = from
            .checked_add(jiff::SignedDuration::from_secs(600))
            .unwrap();
        Filter {
            from: Some(from.to_string()),
            to: Some(to.to_string()),
            ..Filter::default()
        }
    });

    // Organisation, service user, operation and return code: each its own index now.
    searches(trees, "search by organisation (first 100)", 20, |k| {
        Filter {
            organisation: Some(format!("org{}", k % 20)),
            limit: Some(100),
            ..Filter::default()
        }
    });
    searches(trees, "search by service user (first 100)", 20, |k| {
        Filter {
            kayttajatunnus: Some(format!("user{}", k % 50)),
            limit: Some(100),
            ..Filter::default()
        }
    });
    searches(trees, "search by operation (first 100)", 20, |_| Filter {
        operation: Some("TeeHenkilonTunnusKysely".into()),
        limit: Some(100),
        ..Filter::default()
    });
    searches(trees, "search by return code (first 100)", 20, |_| Filter {
        return_code: Some("0000".into()),
        limit: Some(100),
        ..Filter::default()
    });
    searches(trees, "search by return code, none held", 20, |_| Filter {
        return_code: Some("0001".into()),
        ..Filter::default()
    });
    searches(
        trees,
        "search by organisation and end user (first 100)",
        20,
        |k| Filter {
            organisation: Some(format!("org{}", k % 20)),
            loppukayttaja: Some(format!("enduser{}", (k * 20) % END_USERS)),
            limit: Some(100),
            ..Filter::default()
        },
    );
    // A reopen: what opening the store costs (index files' fences and filters, the active
    // segment's frames read back). Not for sled: opening it here would move it into segments.
    if sled_store {
        db.flush().unwrap();
        println!(
            "disk: {} bytes for {} records = {:.0} bytes per record",
            dir_size(&path),
            n,
            dir_size(&path) as f64 / n as f64
        );
        return;
    }
    drop(store);
    drop(log);
    let t = Instant::now();
    let log = rt.block_on(async { AuditLog::open(&db, &path, &settings).unwrap() });
    println!("reopen: {:?}", t.elapsed());
    let store = log.store();
    searches(&*store, "search by subject, after the reopen", 200, |k| {
        Filter {
            subject: Some(subject((k * 7919 + 13) % SUBJECTS)),
            ..Filter::default()
        }
    });
    rt.block_on(log.close());

    // --- disk ---
    db.flush().unwrap();
    let on_disk = dir_size(&path);
    println!(
        "disk: {} bytes for {} records = {:.0} bytes per record ({} segments, sled size_on_disk {})",
        on_disk,
        n,
        on_disk as f64 / n as f64,
        std::fs::read_dir(path.join("audit"))
            .map(|d| d
                .flatten()
                .filter(|e| e.path().extension().is_none())
                .count())
            .unwrap_or(0),
        db.size_on_disk().unwrap_or(0)
    );
}

async fn futures_join(tasks: Vec<tokio::task::JoinHandle<()>>) {
    for t in tasks {
        t.await.unwrap();
    }
}
