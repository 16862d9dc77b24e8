//! The auditors' side of the audit trail (issue 7): the admin API under `/admin/audit/`
//! (search, show, export, subject report, verify; 403 for others; every read itself a
//! record) and the `audit` commands of the real binary, against a running server and
//! against a stopped store.

use crate::audit::*;
use crate::util::*;
use vtj_emulator::audit::{AuditLog, AuditRecord, AuditSettings};

async fn get(client: &Client, path: &str) -> Reply {
    client.request("GET", path, &[], "").await.unwrap()
}

fn lines(reply: &Reply) -> Vec<AuditRecord> {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

crate::both_stores!(auditors_search_show_export_and_report_and_every_read_is_recorded);

async fn auditors_search_show_export_and_report_and_every_read_is_recorded(
    store: crate::pg::Store,
) {
    let server = TestServer::start_on(store).await;
    let demo = server.client();
    for (user, hetu) in [
        ("alice", "020501A999T"),
        ("bob", "010180-9026"),
        ("alice", "010180-9026"),
    ] {
        demo.soso(OP, &query_as(user, "demo", hetu)).await;
    }
    demo.soso(OP, &query_as("carol", "wrong", "020501A999T"))
        .await;

    // Not an auditor: 403, and no data.
    let r = get(&demo, "/admin/audit/records").await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(!r.body.contains("alice"));
    // An auditor's certificate gets nothing from the SOAP interface.
    let auditor = Client::new(server.addr, Some("auditor"));
    let r = auditor
        .soso(OP, &query_as("sneaky", "demo", "020501A999T"))
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(!r.body.contains("Henkilo>"), "{}", r.body);

    let by_subject = lines(&get(&auditor, "/admin/audit/records?subject=010180-9026").await);
    let users: Vec<_> = by_subject
        .iter()
        .map(|r| r.loppukayttaja.clone().unwrap())
        .collect();
    assert_eq!(users, ["bob", "alice"]);
    let alice = lines(&get(&auditor, "/admin/audit/records?loppukayttaja=alice").await);
    assert_eq!(alice.len(), 2);
    let refused = lines(
        &get(
            &auditor,
            "/admin/audit/records?organisation=demo&kayttajatunnus=demo&return_code=-1500",
        )
        .await,
    );
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].loppukayttaja.as_deref(), Some("carol"));
    let later = lines(&get(&auditor, "/admin/audit/records?from=2999-01-01").await);
    assert!(later.is_empty());
    let today = lines(
        &get(
            &auditor,
            &format!(
                "/admin/audit/records?operation={OP}&from={}",
                jiff::Timestamp::now()
                    .checked_sub(jiff::SignedDuration::from_secs(3600))
                    .unwrap()
            ),
        )
        .await,
    );
    assert_eq!(
        today.len(),
        5,
        "four demo queries and the auditor's SOAP attempt"
    );
    let bad = get(&auditor, "/admin/audit/records?password=x").await;
    assert_eq!(bad.status, 400, "{}", bad.body);

    let one = get(&auditor, "/admin/audit/records/2").await;
    let r: AuditRecord = serde_json::from_str(&one.body).unwrap();
    assert_eq!((r.seq, r.loppukayttaja.as_deref()), (2, Some("bob")));
    assert_eq!(get(&auditor, "/admin/audit/records/999").await.status, 404);

    let csv = get(
        &auditor,
        "/admin/audit/export?format=csv&subject=010180-9026",
    )
    .await;
    assert!(
        csv.content_type.starts_with("text/csv"),
        "{}",
        csv.content_type
    );
    let rows: Vec<_> = csv.body.lines().collect();
    assert!(
        rows[0].starts_with("seq,time_utc,time_helsinki,"),
        "{}",
        rows[0]
    );
    assert_eq!(rows.len(), 3, "{}", csv.body);
    assert!(rows[1].contains("bob"), "{}", rows[1]);
    // The certificate subject holds commas, so its cell is quoted.
    assert!(
        rows[1].contains(",\"") && rows[1].contains("O=demo"),
        "{}",
        rows[1]
    );

    let report = lines(&get(&auditor, "/admin/audit/subject-report?subject=020501A999T").await);
    assert!(
        report
            .iter()
            .any(|r| r.loppukayttaja.as_deref() == Some("alice"))
    );
    let v = get(&auditor, "/admin/audit/verify").await;
    assert!(v.body.contains("\"mismatch\":null"), "{}", v.body);

    // The log of the log: each read above is a record in the same chain, searchable.
    let reads = lines(&get(&auditor, "/admin/audit/records?kayttajatunnus=auditor").await);
    let ops: Vec<_> = reads.iter().map(|r| r.operation.as_str()).collect();
    assert!(ops.contains(&"audit.search"), "{ops:?}");
    assert!(ops.contains(&"audit.show"));
    assert!(ops.contains(&"audit.export"));
    assert!(ops.contains(&"audit.subject-report"));
    assert!(ops.contains(&"audit.verify"));
    let subject_search = reads
        .iter()
        .find(|r| r.filters.as_deref() == Some("{\"subject\":\"010180-9026\"}"))
        .expect("the subject search and its filter are recorded");
    assert_eq!(subject_search.interface, "admin");
    assert!(subject_search.cert_subject.contains("auditors"));
    let refusals = lines(&get(&auditor, "/admin/audit/records?operation=audit.refused").await);
    assert_eq!(refusals.len(), 1, "the demo certificate's attempt");
    assert_eq!(refusals[0].organisation.as_deref(), Some("demo"));
    server.stop().await;
}

#[tokio::test]
async fn the_cli_asks_a_running_server_and_notices_when_the_store_is_held() {
    let server = TestServer::start().await;
    server
        .client()
        .soso(OP, &query_as("dora", "demo", "020501A999T"))
        .await;
    let url = format!("https://127.0.0.1:{}", server.addr.port());
    let out = exe()
        .args(["audit", "subject-report", "020501A999T", "--server", &url])
        .output_async()
        .await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("Queries about 020501A999T: 1"), "{stdout}");
    assert!(stdout.contains("end user dora"), "{stdout}");
    let out = exe()
        .args(["audit", "verify", "--server", &url])
        .output_async()
        .await;
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("OK"), "{stdout}");
    // With the demo certificate the API refuses.
    let out = exe()
        .args(["audit", "search", "--server", &url, "--cert"])
        .arg(repo().join("certs/clients/demo.pem"))
        .arg("--key")
        .arg(repo().join("certs/clients/demo-key.pem"))
        .output_async()
        .await;
    assert!(!out.status.success());
    assert!(text(&out).1.contains("403"), "{}", text(&out).1);
    // The store is held by this process's server: the CLI says so.
    let out = exe()
        .args(["audit", "search", "--data"])
        .arg(&server.app.settings().data_dir)
        .output_async()
        .await;
    assert!(
        text(&out).1.contains("held by a running server"),
        "{}",
        text(&out).1
    );
    server.stop().await;
}

#[tokio::test]
async fn the_cli_reads_a_stopped_store_verifies_and_prunes_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let db = sled::open(&data).unwrap();
        let log = AuditLog::open(&db, &data, &AuditSettings::builtin().unwrap()).unwrap();
        log.append(record("2001-01-01T00:00:00Z", "ancient", "010180-9026"))
            .await
            .unwrap();
        for n in 0..4 {
            log.append(record(
                &jiff::Timestamp::now().to_string(),
                &format!("e{n}"),
                "020501A999T",
            ))
            .await
            .unwrap();
        }
        log.close().await;
    }
    let _ = open_db(&data).await;
    let run = |args: &[&str]| {
        let out = exe().args(args).arg("--data").arg(&data).output().unwrap();
        let (o, e) = text(&out);
        (out.status.success(), o, e)
    };
    let (ok, out, err) = run(&["audit", "verify"]);
    assert!(ok, "{err}");
    assert!(out.contains("OK: 5 records"), "{out}");
    let (ok, out, err) = run(&["audit", "search", "--loppukayttaja", "e2", "--json"]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    let (ok, out, _) = run(&["audit", "show", "2"]);
    assert!(ok && out.contains("end user e0"), "{out}");
    let (ok, out, _) = run(&[
        "audit",
        "export",
        "--format",
        "csv",
        "--subject",
        "020501A999T",
    ]);
    assert!(ok);
    assert_eq!(out.lines().count(), 5, "{out}");
    let (ok, out, err) = run(&["audit", "prune", "--dry-run"]);
    assert!(ok, "{err}");
    assert!(out.contains("would remove 1 records"), "{out}");
    let (ok, out, _) = run(&["audit", "prune"]);
    assert!(ok && out.contains("removed 1 records"), "{out}");
    let (ok, out, err) = run(&["audit", "verify"]);
    assert!(ok, "{err}");
    assert!(out.contains("pruned behind a signed anchor"), "{out}");
    // The local reads are in the chain as well, `audit list` included.
    let (ok, out, err) = run(&["audit", "list"]);
    assert!(ok, "{err}");
    assert!(out.contains("\"operation\":\"audit.search\""), "{out}");
    let (ok, out, _) = run(&["audit", "search", "--interface-is-not-a-filter"]);
    assert!(!ok, "{out}");
    let (ok, out, _) = run(&["audit", "search", "--kayttajatunnus", &whoami(), "--json"]);
    assert!(ok);
    let reads: Vec<AuditRecord> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ops: Vec<_> = reads.iter().map(|r| r.operation.as_str()).collect();
    for op in [
        "audit.verify",
        "audit.search",
        "audit.show",
        "audit.export",
        "audit.prune",
        "audit.list",
    ] {
        assert!(ops.contains(&op), "{op} missing from {ops:?}");
    }
    assert!(reads.iter().all(|r| r.interface == "cli"));

    // An edited record makes verify fail, naming it (the store reads the edit when it
    // opens again, and keeps what follows it).
    tamper(&data, 3, |s| s.replace("\"e1\"", "\"x1\""));
    let (ok, _, err) = run(&["audit", "verify"]);
    assert!(!ok);
    assert!(err.contains("record 3"), "{err}");
}
