//! The audit trail in PostgreSQL (issue 21), on a real throwaway cluster (`pg.rs`): two
//! emulator processes under load write one chain, a SIGKILLed node loses no answered
//! record, a database that goes away gives `-1800` with no data and a 503 `/readyz` until
//! it is back, when service resumes by itself; retention drops whole month partitions
//! behind a signed anchor; the password never reaches the output.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use crate::audit::{OutputAsync, exe};
use crate::audit_crash::{assert_logged_once, load, query};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::pg::{self, PASSWORD, PgCluster};
use crate::util::*;
use vtj_emulator::audit::backend::all_records;
use vtj_emulator::audit::verify::verify;
use vtj_emulator::audit::{AuditLog, Filter, search};
use vtj_emulator::config::Settings;

const OP: &str = "TeeHenkilonTunnusKysely";

/// A node's configuration: the built-in one with the trail in database `db`, checkpoints
/// every 50 records and no console (two nodes share the host).
fn node_config(cluster: &PgCluster, db: &str, dir: &Path) -> PathBuf {
    let text = vtj_emulator::config::DEFAULT_CONFIG
        .replace("[audit]\n", &cluster.audit_toml(db))
        .replace("checkpoint_every = 1000", "checkpoint_every = 50")
        .replace("[console]\n", "[console]\nenabled = false\n");
    let path = dir.join("node.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Starts a node with its own data directory; its standard error goes to `log`.
fn node(config: &Path, data: &Path, log: &Path) -> (Child, SocketAddr) {
    let err = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    serve_binary_env(
        [
            "--config".as_ref(),
            config.as_os_str(),
            "--data".as_ref(),
            data.as_os_str(),
            "--monitor-listen".as_ref(),
            "off".as_ref(),
        ],
        Stdio::from(err),
        "debug",
        &[("VTJ_AUDIT_PG_PASSWORD", PASSWORD)],
    )
}

async fn wait_for(answered: &Mutex<Vec<String>>, at_least: usize) {
    for _ in 0..3000 {
        if answered.lock().unwrap().len() >= at_least {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("fewer than {at_least} answers");
}

/// Runs `vtj-emulator ARGS…` with the database password in its environment.
async fn cli(args: Vec<String>) -> (bool, String, String) {
    let out = exe()
        .env("VTJ_AUDIT_PG_PASSWORD", PASSWORD)
        .args(&args)
        .output_async()
        .await;
    let (stdout, stderr) = crate::audit::text(&out);
    (out.status.success(), stdout, stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_write_one_chain_and_a_sigkilled_node_loses_no_answered_record() {
    let cluster = pg::shared();
    let db = cluster.database();
    let dir = tempfile::tempdir().unwrap();
    let config = node_config(cluster, &db, dir.path());
    let log = dir.path().join("nodes.log");
    let (mut a, a_addr) = node(&config, &dir.path().join("a"), &log);
    let (mut b, b_addr) = node(&config, &dir.path().join("b"), &log);

    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let from_a = Arc::new(Mutex::new(Vec::new()));
    let from_b = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = load(a_addr, "a", 4, from_a.clone(), stop.clone(), false);
    tasks.extend(load(b_addr, "b", 4, from_b.clone(), stop.clone(), false));
    wait_for(&from_a, 80).await;
    wait_for(&from_b, 80).await;
    // SIGKILL node a mid-load; b goes on.
    a.kill().unwrap();
    a.wait().unwrap();
    let b_before = from_b.lock().unwrap().len();
    wait_for(&from_b, b_before + 80).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }

    // a again, on the same database; an auditor reads through each node.
    let (mut a, a_addr) = node(&config, &dir.path().join("a"), &log);
    for (addr, user) in [(a_addr, "a-0-0"), (b_addr, "b-0-0")] {
        let auditor = Client::new(addr, Some("auditor"));
        let r = auditor
            .request(
                "GET",
                &format!("/admin/audit/records?loppukayttaja={user}"),
                &[],
                "",
            )
            .await
            .unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body.lines().count(), 1, "{}", r.body);
    }

    let (ok, out, err) = cli(vec![
        "audit".into(),
        "export".into(),
        "--format".into(),
        "jsonl".into(),
        "--server".into(),
        format!("https://{b_addr}"),
    ])
    .await;
    assert!(ok, "{err}");
    let mut seqs = Vec::new();
    let mut reads = Vec::new();
    for line in out.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        seqs.push(r["seq"].as_u64().unwrap());
        if r["operation"] == "audit.search" {
            reads.push(r["filters"].as_str().unwrap_or("").to_string());
        }
    }
    // One chain: every number once, none missing.
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    let answered: Vec<String> = [&from_a, &from_b]
        .iter()
        .flat_map(|v| v.lock().unwrap().clone())
        .collect();
    assert!(
        answered.iter().any(|u| u.starts_with("a-"))
            && answered.iter().any(|u| u.starts_with("b-"))
    );
    assert_logged_once(&out, &answered);
    // The nodes' groups interleave in the one chain.
    let nodes: Vec<char> = out
        .lines()
        .filter_map(|l| {
            let r: serde_json::Value = serde_json::from_str(l).unwrap();
            r["loppukayttaja"].as_str()?.chars().next()
        })
        .filter(|c| *c == 'a' || *c == 'b')
        .collect();
    let switches = nodes.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(
        switches >= 2,
        "the nodes' records do not interleave: {switches} switches"
    );
    // The log of the log covers reads through either node.
    for user in ["a-0-0", "b-0-0"] {
        assert!(reads.iter().any(|f| f.contains(user)), "{reads:?}");
    }
    for addr in [a_addr, b_addr] {
        let (ok, out, err) = cli(vec![
            "audit".into(),
            "verify".into(),
            "--server".into(),
            format!("https://{addr}"),
        ])
        .await;
        assert!(ok, "{err}");
        assert!(out.contains("OK") && !out.contains(" 0 signed"), "{out}");
    }
    // The stopped trail verifies from the database alone too.
    for child in [&mut a, &mut b] {
        terminate(child);
    }
    let (ok, out, err) = cli(vec![
        "audit".into(),
        "verify".into(),
        "--config".into(),
        config.display().to_string(),
        "--data".into(),
        dir.path().join("a").display().to_string(),
    ])
    .await;
    assert!(ok, "{err}");
    assert!(out.contains("OK"), "{out}");
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("DEBUG"), "the nodes logged at debug");
    assert!(
        !logged.contains(PASSWORD) && !out.contains(PASSWORD) && !err.contains(PASSWORD),
        "the database password reached the output"
    );
}

fn code(reply: &Reply) -> String {
    let doc = vastaus(reply, OP);
    doc.child(VTJ_NS, "Paluukoodi")
        .and_then(|c| c.attr(None, "koodi"))
        .unwrap_or("")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_goes_away_gives_1800_and_503_until_it_is_back() {
    let cluster = tokio::task::spawn_blocking(PgCluster::start).await.unwrap();
    let cluster = Arc::new(cluster);
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::builtin().unwrap();
    settings.data_dir = dir.path().join("data");
    settings.audit.backend = cluster.backend();
    let server = TestServer::start_with(settings, dir).await;
    let monitor = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let monitor_addr = monitor.local_addr().unwrap();
    tokio::spawn(vtj_emulator::monitor::run(
        monitor,
        server.app.clone(),
        std::future::pending(),
    ));
    let client = server.client();

    let reply = client.soso(OP, &query("before")).await;
    assert_eq!(code(&reply), "0000", "{}", reply.body);
    assert_eq!(crate::monitoring::get(monitor_addr, "/readyz").await.0, 200);

    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.stop_server())
        .await
        .unwrap();
    for _ in 0..2 {
        let reply = client.soso(OP, &query("while-down")).await;
        assert_eq!(code(&reply), "-1800", "{}", reply.body);
        assert!(
            reply.body.contains("WebServicen sisäinen virhe"),
            "{}",
            reply.body
        );
        assert!(!reply.body.contains("<Henkilo"), "{}", reply.body);
        assert!(!reply.body.contains("020501A999T"), "{}", reply.body);
    }
    let (status, body) = crate::monitoring::get(monitor_addr, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("audit database"), "{body}");
    crate::audit::auditors_get_503(server.addr).await;

    // Back again: service resumes without a restart.
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.start_server())
        .await
        .unwrap();
    let reply = client.soso(OP, &query("after")).await;
    assert_eq!(code(&reply), "0000", "{}", reply.body);
    assert_eq!(crate::monitoring::get(monitor_addr, "/readyz").await.0, 200);

    let store = server.app.audit.store();
    let records = tokio::task::spawn_blocking(move || all_records(&*store))
        .await
        .unwrap()
        .unwrap();
    let users: Vec<_> = records
        .iter()
        .filter(|r| r.operation == OP)
        .map(|r| r.loppukayttaja.clone().unwrap_or_default())
        .collect();
    assert_eq!(users, ["before", "after"], "nothing unaudited was answered");
    let report = verified(server.app.audit.store()).await;
    assert!(report.ok(), "{report}");
    server.stop().await;
}

/// A fresh database of the shared cluster, a directory and sled database for
/// `AuditLog::open`, and audit settings naming the database.
fn fresh() -> (
    &'static PgCluster,
    String,
    tempfile::TempDir,
    sled::Db,
    vtj_emulator::audit::AuditSettings,
) {
    let cluster = pg::shared();
    let db = cluster.database();
    let dir = tempfile::tempdir().unwrap();
    let sled_db = sled::open(dir.path()).unwrap();
    let mut settings = vtj_emulator::audit::AuditSettings::builtin().unwrap();
    settings.backend = cluster.backend_for(&db);
    (cluster, db, dir, sled_db, settings)
}

/// `audit verify` of a store, off the runtime's threads.
async fn verified(
    store: std::sync::Arc<dyn vtj_emulator::audit::AuditBackend>,
) -> vtj_emulator::audit::verify::VerifyReport {
    tokio::task::spawn_blocking(move || verify(&*store, &crate::audit::public_key()))
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_drops_whole_month_partitions_behind_a_signed_anchor() {
    let (cluster, db, dir, sled_db, mut settings) = fresh();
    settings.checkpoint_every = 2;
    // Two processes opening the same fresh database at once migrate it once.
    let opened: Vec<_> = (0..2)
        .map(|_| {
            let s = settings.clone();
            std::thread::spawn(move || {
                vtj_emulator::audit::pg_store::PgStore::open(&match s.backend {
                    vtj_emulator::audit::settings::Backend::Postgres(p) => p,
                    _ => unreachable!(),
                })
                .map(|_| ())
            })
        })
        .collect();
    for t in opened {
        t.join().unwrap().unwrap();
    }
    assert_eq!(
        cluster.psql(&db, "SELECT count(*) FROM schema_version"),
        vtj_emulator::audit::pg_schema::VERSION.to_string()
    );

    let log = AuditLog::open(&sled_db, dir.path(), &settings).unwrap();
    let now = jiff::Timestamp::now();
    let six_years_ago = now
        .to_zoned(jiff::tz::TimeZone::UTC)
        .checked_sub(jiff::Span::new().years(6))
        .unwrap();
    for n in 0..5 {
        let r = crate::audit::record(
            &six_years_ago.timestamp().to_string(),
            &format!("old{n}"),
            "010180-9026",
        );
        log.append(r).await.unwrap();
    }
    for n in 0..2 {
        let r = crate::audit::record(&now.to_string(), &format!("young{n}"), "020501A999T");
        log.append(r).await.unwrap();
    }
    // Records 1–5 as if committed six years ago: into that month's partitions.
    let (y, m) = (six_years_ago.year(), six_years_ago.month());
    let next = six_years_ago
        .date()
        .first_of_month()
        .checked_add(jiff::Span::new().months(1))
        .unwrap();
    let old = format!("{y:04}{m:02}");
    for table in ["audit_records", "audit_subjects"] {
        cluster.psql(
            &db,
            &format!(
                "CREATE TABLE {table}_{old} PARTITION OF {table} FOR VALUES FROM ('{y:04}-{m:02}-01 00:00:00+00') TO ('{next} 00:00:00+00');
                 UPDATE {table} SET committed = '{y:04}-{m:02}-15 00:00:00+00' WHERE seq <= 5"
            ),
        );
    }
    // An old record committed this month stays until its month's partition expires.
    log.append(crate::audit::record(
        &six_years_ago.timestamp().to_string(),
        "late",
        "x",
    ))
    .await
    .unwrap();

    let cutoff = vtj_emulator::audit::retention::cutoff(now, settings.retention);
    let dry = log.prune(cutoff, true).await.unwrap();
    assert_eq!((dry.removed, dry.through_seq), (5, Some(5)));
    let done = log.prune(cutoff, false).await.unwrap();
    assert_eq!(done.removed, 5);
    assert_eq!(
        cluster.psql(
            &db,
            &format!("SELECT to_regclass('audit_records_{old}') IS NULL")
        ),
        "t",
        "the month's partition is dropped"
    );
    let store = log.store();
    let (kept, report, hits) = tokio::task::spawn_blocking(move || {
        let f = Filter {
            subject: Some("010180-9026".into()),
            ..Filter::default()
        };
        (
            all_records(&*store).unwrap(),
            verify(&*store, &crate::audit::public_key()).unwrap(),
            search::search(&*store, &f).unwrap().len(),
        )
    })
    .await
    .unwrap();
    assert_eq!(kept.iter().map(|r| r.seq).collect::<Vec<_>>(), [6, 7, 8]);
    assert!(report.ok(), "{report}");
    assert_eq!(report.pruned_through, Some(5));
    assert_eq!(hits, 0, "the subject rows went with their partition");
    assert_eq!(log.prune(cutoff, false).await.unwrap().removed, 0);
    // The chain continues from the head in the database, across a reopen.
    log.close().await;
    drop(log);
    let log = AuditLog::open(&sled_db, dir.path(), &settings).unwrap();
    assert_eq!(
        log.append(crate::audit::record(&now.to_string(), "next", "y"))
            .await
            .unwrap(),
        9
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_crash_under_load_leaves_one_chain_with_every_answer_once() {
    let cluster = Arc::new(tokio::task::spawn_blocking(PgCluster::start).await.unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::builtin().unwrap();
    settings.data_dir = dir.path().join("data");
    settings.audit.backend = cluster.backend();
    settings.audit.checkpoint_every = 25;
    let server = TestServer::start_with(settings, dir).await;
    let answered = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let tasks = load(server.addr, "c", 6, answered.clone(), stop.clone(), true);
    wait_for(&answered, 60).await;
    // Killed mid-commit, as a power cut would: commits in flight have unknown outcomes.
    for _ in 0..2 {
        let c = cluster.clone();
        tokio::task::spawn_blocking(move || {
            c.crash_server();
            std::thread::sleep(Duration::from_millis(300));
            c.start_server();
        })
        .await
        .unwrap();
        let before = answered.lock().unwrap().len();
        wait_for(&answered, before + 60).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    let store = server.app.audit.store();
    let (records, report) = tokio::task::spawn_blocking(move || {
        (
            all_records(&*store).unwrap(),
            verify(&*store, &crate::audit::public_key()).unwrap(),
        )
    })
    .await
    .unwrap();
    assert!(report.ok(), "{report}");
    let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "a gap");
    let export: String = records
        .iter()
        .map(|r| serde_json::to_string(r).unwrap() + "\n")
        .collect();
    assert_logged_once(&export, &answered.lock().unwrap());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_names_a_record_edited_or_removed_in_the_database() {
    let (cluster, db, dir, sled_db, settings) = fresh();
    let log = AuditLog::open(&sled_db, dir.path(), &settings).unwrap();
    let now = jiff::Timestamp::now().to_string();
    for n in 0..6 {
        let r = crate::audit::record(&now, &format!("u{n}"), "020501A999T");
        log.append(r).await.unwrap();
    }
    log.checkpoint().await.unwrap().unwrap();
    let check = |expect: Option<u64>| {
        let store = log.store();
        async move {
            let report = verified(store).await;
            assert_eq!(report.mismatch.as_ref().map(|m| m.seq), expect, "{report}");
        }
    };
    check(None).await;
    let edit = |seq: u64, from: &str, to: &str| {
        format!(
            "UPDATE audit_records SET body = convert_to(replace(convert_from(body, 'UTF8'), '{from}', '{to}'), 'UTF8') WHERE seq = {seq}"
        )
    };
    // An SQL user edits record 3: the chain breaks exactly there.
    cluster.psql(&db, &edit(3, "\"u2\"", "\"someone-else\""));
    check(Some(3)).await;
    cluster.psql(&db, &edit(3, "\"someone-else\"", "\"u2\""));
    check(None).await;
    // The newest record has no successor: the signed checkpoint covers it.
    cluster.psql(&db, &edit(6, "\"0000\"", "\"0001\""));
    check(Some(6)).await;
    cluster.psql(&db, &edit(6, "\"0001\"", "\"0000\""));
    // A removed record is named too.
    cluster.psql(&db, "DELETE FROM audit_records WHERE seq = 4");
    check(Some(4)).await;
}

crate::both_stores!(searches_by_organisation_user_operation_and_code_read_an_index);

/// Searches by organisation, service user, operation and return code read the store's
/// index of that field (cost per hit) and find exactly the records a scan would, on both
/// stores.
async fn searches_by_organisation_user_operation_and_code_read_an_index(store: pg::Store) {
    use vtj_emulator::audit::AuditRecord;
    use vtj_emulator::audit::backend::Field;
    let dir = tempfile::tempdir().unwrap();
    let sled_db = sled::open(dir.path()).unwrap();
    let mut settings = vtj_emulator::audit::AuditSettings::builtin().unwrap();
    if store == pg::Store::Postgres {
        let cluster = pg::shared();
        settings.backend = cluster.backend_for(&cluster.database());
    }
    let log = AuditLog::open(&sled_db, dir.path(), &settings).unwrap();
    let now = jiff::Timestamp::now().to_string();
    for n in 0..30u32 {
        let mut r = crate::audit::record(&now, &format!("u{n}"), "020501A999T");
        r.organisation = Some(format!("org{}", n % 3));
        r.kayttajatunnus = Some(format!("user{}", n % 5));
        if n % 2 == 1 {
            r.operation = "TeeHenkilonTunnistusKysely".into();
        }
        if n % 7 == 0 {
            r.return_code = "0001".into();
        }
        log.append(r).await.unwrap();
    }
    let trail = log.store();
    tokio::task::spawn_blocking(move || {
        let all = all_records(&*trail).unwrap();
        type Pick = fn(&AuditRecord) -> Option<&str>;
        let fields: [(Field, &str, Pick); 4] = [
            (Field::Organisation, "org1", |r| r.organisation.as_deref()),
            (Field::ServiceUser, "user3", |r| r.kayttajatunnus.as_deref()),
            (Field::Operation, "TeeHenkilonTunnistusKysely", |r| {
                Some(r.operation.as_str())
            }),
            (Field::ReturnCode, "0001", |r| Some(r.return_code.as_str())),
        ];
        for (field, value, pick) in fields {
            let expect: Vec<u64> = all
                .iter()
                .filter(|r| pick(r) == Some(value))
                .map(|r| r.seq)
                .collect();
            assert!(!expect.is_empty() && expect.len() < all.len());
            let mut found = Vec::new();
            let indexed = trail
                .lookup_field(field, value, &mut |seq| {
                    found.push(seq);
                    Ok(true)
                })
                .unwrap();
            assert!(indexed, "{store:?} keeps an index of {field:?}");
            assert_eq!(found, expect, "{field:?} = {value}");
            let mut none = 0;
            trail
                .lookup_field(field, "nobody-has-this", &mut |_| {
                    none += 1;
                    Ok(true)
                })
                .unwrap();
            assert_eq!(none, 0);
        }
        let filter = Filter {
            organisation: Some("org2".into()),
            return_code: Some("0001".into()),
            ..Filter::default()
        };
        let hits: Vec<u64> = search::search(&*trail, &filter)
            .unwrap()
            .iter()
            .map(|r| r.seq)
            .collect();
        let expect: Vec<u64> = all
            .iter()
            .filter(|r| r.organisation.as_deref() == Some("org2") && r.return_code == "0001")
            .map(|r| r.seq)
            .collect();
        assert_eq!(hits, expect);
        assert!(!hits.is_empty());
    })
    .await
    .unwrap();
    log.close().await;
}
