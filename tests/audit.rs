//! The audit trail as users of it see it (issue 7): complete records without passwords,
//! tamper evidence that names the edited record, group commit and failing closed, pruning
//! behind a signed anchor, the auditors' API and its own audit records, and the `audit`
//! commands of the real binary.

use std::path::Path;
use std::process::{Command, Output};

use crate::pg::Store;
use crate::util::*;
use vtj_emulator::audit::backend::all_records;
use vtj_emulator::audit::verify::verify;
use vtj_emulator::audit::{
    AuditLog, AuditRecord, AuditSettings, Filter, digest_hex, read_all, search,
};
use vtj_emulator::config::Settings;

pub(crate) const OP: &str = "TeeHenkilonTunnusKysely";

pub(crate) fn query_as(end_user: &str, password: &str, hetu: &str) -> String {
    soso_request(
        OP,
        &[
            ("SoSoNimi", "PERUSSANOMA 3"),
            ("Kayttajatunnus", "demo"),
            ("Salasana", password),
            ("Loppukayttaja", end_user),
            ("Henkilotunnus", hetu),
        ],
    )
}

pub(crate) fn public_key() -> String {
    AuditSettings::builtin().unwrap().signer.public_key_hex()
}

/// A record as the ops layer would write it, at the given time.
pub(crate) fn record(time: &str, end_user: &str, hetu: &str) -> AuditRecord {
    AuditRecord {
        seq: 0,
        time: time.into(),
        request_id: format!("t-{end_user}"),
        organisation: Some("demo".into()),
        cert_sha256: "00".repeat(32),
        cert_subject: "CN=demo-system, O=demo".into(),
        interface: "direct".into(),
        xroad_client: None,
        xroad_user_id: None,
        operation: OP.into(),
        kayttajatunnus: Some("demo".into()),
        loppukayttaja: Some(end_user.into()),
        product: Some("PERUSSANOMA 3".into()),
        search_key: Some(("Henkilotunnus".into(), hetu.into())),
        disclosed: Vec::new(),
        return_code: "0000".into(),
        groups: vec!["Henkilonnimi".into()],
        non_disclosure_applied: false,
        refused_because: None,
        fault_injected: None,
        duration_us: 10,
        prev_sha256: String::new(),
        response_sha256: String::new(),
        filters: None,
    }
}

pub(crate) async fn open_db(path: &Path) -> sled::Db {
    for _ in 0..250 {
        if let Ok(db) = sled::open(path) {
            return db;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the store stayed locked");
}

/// The segment files of the trail in data directory `data` (`data/audit/`), with their
/// bytes.
pub(crate) fn segment_files(data: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(data.join("audit"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none())
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    out.sort();
    out
}

/// Where record `seq`'s stored bytes lie in the segment files: the file, the payload's
/// offset and its length (read from the frame's head, the 21 bytes before it).
pub(crate) fn stored_at(data: &Path, seq: u64) -> (std::path::PathBuf, usize, usize) {
    let needle = format!("{{\"seq\":{seq},");
    for (path, bytes) in segment_files(data) {
        if let Some(at) = bytes
            .windows(needle.len())
            .position(|w| w == needle.as_bytes())
        {
            let len = u32::from_le_bytes(bytes[at - 21..at - 17].try_into().unwrap());
            return (path, at, len as usize);
        }
    }
    panic!("record {seq} is in no segment");
}

/// Edits record `seq`'s stored bytes in place, as someone with access to the files could
/// (the edit keeps their length); returns the original bytes.
pub(crate) fn tamper(data: &Path, seq: u64, edit: impl Fn(&str) -> String) -> Vec<u8> {
    use std::os::unix::fs::FileExt;
    let (path, at, len) = stored_at(data, seq);
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    let mut original = vec![0u8; len];
    f.read_exact_at(&mut original, at as u64).unwrap();
    let edited = edit(std::str::from_utf8(&original).unwrap());
    assert_eq!(edited.len(), len, "an edit in place keeps the length");
    assert_ne!(edited.as_bytes(), original);
    f.write_all_at(edited.as_bytes(), at as u64).unwrap();
    original
}

/// Puts back what [`tamper`] replaced.
pub(crate) fn untamper(data: &Path, seq: u64, original: &[u8]) {
    tamper(data, seq, |_| String::from_utf8(original.to_vec()).unwrap());
}

/// An auditor's search gets 503 and no data (the trail cannot record the read).
pub(crate) async fn auditors_get_503(addr: std::net::SocketAddr) {
    let auditor = Client::new(addr, Some("auditor"));
    let r = auditor
        .request("GET", "/admin/audit/records", &[], "")
        .await
        .unwrap();
    assert_eq!(r.status, 503, "{}", r.body);
}

pub(crate) fn exe() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vtj-emulator"));
    c.current_dir(repo());
    c
}

/// Runs a command without blocking the runtime that serves it.
pub(crate) trait OutputAsync {
    async fn output_async(&mut self) -> Output;
}

impl OutputAsync for Command {
    async fn output_async(&mut self) -> Output {
        let mut cmd = std::mem::replace(self, Command::new("true"));
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    }
}

/// The user the `audit` commands record for local reads.
pub(crate) fn whoami() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

pub(crate) fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

crate::both_stores!(
    records_hold_every_field_and_the_response_digest_but_never_the_password,
    concurrent_queries_share_flushes,
);

async fn records_hold_every_field_and_the_response_digest_but_never_the_password(store: Store) {
    let server = TestServer::start_on(store).await;
    let client = server.client();
    let ok = client
        .soso(OP, &query_as("end-user-ä", "demo", "020501A999T"))
        .await;
    let secret = "Sal4sana-that-must-not-leak";
    let refused = client
        .soso(OP, &query_as("end-user-ö", secret, "010180-9026"))
        .await;
    let trail = server.app.audit.store();
    let mut raw: Vec<Vec<u8>> = Vec::new();
    trail
        .scan(0, &mut |_, bytes| {
            raw.push(bytes.to_vec());
            Ok(true)
        })
        .unwrap();
    assert_eq!(raw.len(), 2);
    // Nor any byte anywhere in the data directory (the embedded store's segment files).
    fn every_file(dir: &Path, out: &mut Vec<Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                every_file(&p, out);
            } else {
                out.push(std::fs::read(&p).unwrap());
            }
        }
    }
    every_file(&server.app.settings().data_dir, &mut raw);
    if store == Store::Embedded {
        assert!(!segment_files(&server.app.settings().data_dir).is_empty());
    }
    for bytes in &raw {
        let s = String::from_utf8_lossy(bytes);
        assert!(!s.contains(secret), "password stored");
        assert!(!s.contains("Salasana"), "password field stored");
    }
    let records = all_records(&*trail).unwrap();
    let r = &records[0];
    assert!(r.time.parse::<jiff::Timestamp>().is_ok(), "{}", r.time);
    assert!(r.time.ends_with('Z'), "UTC: {}", r.time);
    assert!(!r.request_id.is_empty());
    assert_eq!(r.organisation.as_deref(), Some("demo"));
    assert_eq!(r.cert_sha256.len(), 64);
    assert!(r.cert_subject.contains("O=demo"));
    assert_eq!(r.interface, "direct");
    assert_eq!(r.loppukayttaja.as_deref(), Some("end-user-ä"));
    assert_eq!(r.operation, OP);
    assert_eq!(r.return_code, "0000");
    assert!(!r.groups.is_empty());
    assert_eq!(r.response_sha256, digest_hex(ok.body.as_bytes()));
    assert_eq!(records[1].return_code, "-1500");
    assert_eq!(
        records[1].search_key,
        Some(("Henkilotunnus".into(), "010180-9026".into()))
    );
    assert_eq!(
        records[1].response_sha256,
        digest_hex(refused.body.as_bytes())
    );
    // Human output shows Finnish local time beside UTC.
    let human = vtj_emulator::audit::format::human(r);
    assert!(human.contains(" EET") || human.contains(" EEST"), "{human}");
    server.stop().await;
}

#[tokio::test]
async fn verify_names_the_edited_record_and_signed_checkpoints_catch_the_last_one() {
    // The data directory outlives the server: the files are edited after it stopped too.
    let keep = tempfile::tempdir().unwrap();
    let mut settings = Settings::builtin().unwrap();
    settings.data_dir = keep.path().join("data");
    let server = TestServer::start_with(settings, tempfile::tempdir().unwrap()).await;
    let client = server.client();
    for n in 0..6 {
        client
            .soso(OP, &query_as(&format!("u{n}"), "demo", "020501A999T"))
            .await;
    }
    // The store's own files, to tamper with; verify reads through the log's store.
    let data = server.app.settings().data_dir.clone();
    let store = server.app.audit.store();
    let key = public_key();
    let report = verify(&*store, &key).unwrap();
    assert!(report.ok(), "{report}");
    assert_eq!(report.records, 6);

    // Edit record 3 in the store: the chain breaks exactly there.
    let original = tamper(&data, 3, |s| s.replace("\"u2\"", "\"u9\""));
    let report = verify(&*store, &key).unwrap();
    assert_eq!(report.mismatch.as_ref().map(|m| m.seq), Some(3), "{report}");
    untamper(&data, 3, &original);
    assert!(verify(&*store, &key).unwrap().ok());

    // The newest record has no successor: a signed checkpoint covers it.
    let cp = server.app.audit.checkpoint().await.unwrap().unwrap();
    assert_eq!(cp.seq, 6);
    let last = tamper(&data, 6, |s| s.replace("\"0000\"", "\"0001\""));
    let report = verify(&*store, &key).unwrap();
    assert_eq!(report.mismatch.as_ref().map(|m| m.seq), Some(6), "{report}");
    assert!(report.to_string().contains("checkpoint"), "{report}");
    untamper(&data, 6, &last);
    let report = verify(&*store, &"11".repeat(32)).unwrap();
    assert!(!report.ok());

    // Removing a record (its frame cut out of the file, the store stopped) is named too;
    // so is an edit the store finds when it opens again.
    drop(store);
    server.stop().await;
    let (path, at, len) = stored_at(&data, 4);
    let mut bytes = std::fs::read(&path).unwrap();
    let frame = at - 21..at + len + 8;
    let cut = frame.len();
    bytes.drain(frame);
    bytes.extend(std::iter::repeat_n(0u8, cut));
    std::fs::write(&path, bytes).unwrap();
    let db = open_db(&data).await;
    let settings = AuditSettings::builtin().unwrap();
    let log = AuditLog::open(&db, &data, &settings).unwrap();
    let report = verify(&*log.store(), &key).unwrap();
    assert_eq!(report.mismatch.as_ref().map(|m| m.seq), Some(4), "{report}");
    log.close().await;
    drop(log);
    tamper(&data, 2, |s| s.replace("\"u1\"", "\"u8\""));
    let log = AuditLog::open(&db, &data, &settings).unwrap();
    let report = verify(&*log.store(), &key).unwrap();
    assert_eq!(report.mismatch.as_ref().map(|m| m.seq), Some(2), "{report}");
}

async fn concurrent_queries_share_flushes(store: Store) {
    let server = TestServer::start_on(store).await;
    let before = server.app.audit.stats();
    let tasks: Vec<_> = (0..64)
        .map(|n| {
            let client = server.client();
            tokio::spawn(async move {
                client
                    .soso(OP, &query_as(&format!("c{n}"), "demo", "020501A999T"))
                    .await
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().status, 200);
    }
    let after = server.app.audit.stats();
    let records = after.records - before.records;
    let flushes = after.flushes - before.flushes;
    assert_eq!(records, 64);
    assert!(
        flushes < records,
        "{flushes} flushes for {records} records: no group commit"
    );
    server.stop().await;
}

#[tokio::test]
async fn when_the_audit_store_fails_queries_get_1800_and_no_data() {
    let server = TestServer::start().await;
    let client = server.client();
    let reply = client
        .soso(OP, &query_as("before", "demo", "020501A999T"))
        .await;
    assert!(reply.body.contains("Henkilo"), "{}", reply.body);
    // The writer stops for good, as it does after a failed write or flush.
    server.app.audit.close().await;
    let reply = client
        .soso(OP, &query_as("after", "demo", "020501A999T"))
        .await;
    let doc = vastaus(&reply, OP);
    let code = doc.child(VTJ_NS, "Paluukoodi").unwrap();
    assert_eq!(code.attr(None, "koodi"), Some("-1800"), "{}", reply.body);
    assert!(doc.child(VTJ_NS, "Henkilo").is_none(), "{}", reply.body);
    assert!(!reply.body.contains("020501A999T"), "{}", reply.body);
    // Nor does an auditor get anything.
    auditors_get_503(server.addr).await;
    let records = read_all(&server.app.audit).unwrap();
    assert_eq!(records.len(), 1, "only the query before the failure");
    server.stop().await;
}

#[tokio::test]
async fn pruning_removes_the_expired_prefix_behind_a_signed_anchor() {
    let dir = tempfile::tempdir().unwrap();
    let db = sled::open(dir.path()).unwrap();
    let mut settings = AuditSettings::builtin().unwrap();
    settings.checkpoint_every = 2;
    let log = AuditLog::open(&db, dir.path(), &settings).unwrap();
    let now = jiff::Timestamp::now();
    let years_ago = |y: i64, d: i64| {
        now.to_zoned(jiff::tz::TimeZone::UTC)
            .checked_sub(jiff::Span::new().years(y).days(d))
            .unwrap()
            .timestamp()
            .to_string()
    };
    for n in 0..5 {
        log.append(record(
            &years_ago(5, 10 - n),
            &format!("old{n}"),
            "010180-9026",
        ))
        .await
        .unwrap();
    }
    // Five years less a day: kept.
    log.append(record(&years_ago(4, 364), "young0", "020501A999T"))
        .await
        .unwrap();
    log.append(record(&now.to_string(), "young1", "020501A999T"))
        .await
        .unwrap();
    let meta = db.open_tree("audit.meta").unwrap();
    let store = log.store();
    let cutoff = vtj_emulator::audit::retention::cutoff(now, settings.retention);

    let dry = log.prune(cutoff, true).await.unwrap();
    assert_eq!((dry.removed, dry.through_seq), (5, Some(5)));
    assert_eq!(
        read_all(&log).unwrap().len(),
        7,
        "a dry run removes nothing"
    );

    let done = log.prune(cutoff, false).await.unwrap();
    assert_eq!(done.removed, 5);
    let kept = read_all(&log).unwrap();
    assert_eq!(
        kept.iter().map(|r| r.seq).collect::<Vec<_>>(),
        [6, 7],
        "{kept:#?}"
    );
    let report = verify(&*store, &public_key()).unwrap();
    assert!(report.ok(), "{report}");
    assert_eq!(report.pruned_through, Some(5));
    // The indexes forgot the pruned records.
    let f = Filter {
        subject: Some("010180-9026".into()),
        ..Filter::default()
    };
    assert!(search::search(&*store, &f).unwrap().is_empty());
    // Pruning again costs nothing and changes nothing.
    assert_eq!(log.prune(cutoff, false).await.unwrap().removed, 0);

    // A forged anchor fails verification.
    let anchor = meta.get(b"anchor").unwrap().unwrap();
    let forged = String::from_utf8(anchor.to_vec())
        .unwrap()
        .replace("\"through_seq\":5", "\"through_seq\":4");
    meta.insert(b"anchor", forged.as_bytes()).unwrap();
    assert!(!verify(&*store, &public_key()).unwrap().ok());
    meta.insert(b"anchor", anchor).unwrap();

    // Everything expired: the chain continues after the anchor, across a reopen.
    let all = log
        .prune(
            jiff::Timestamp::now()
                .checked_add(jiff::SignedDuration::from_secs(60))
                .unwrap(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(all.removed, 2);
    log.close().await;
    drop((log, store, meta, db));
    let db = open_db(dir.path()).await;
    let log = AuditLog::open(&db, dir.path(), &settings).unwrap();
    assert_eq!(
        log.append(record(&now.to_string(), "next", "x"))
            .await
            .unwrap(),
        8
    );
    let report = verify(&*log.store(), &public_key()).unwrap();
    assert!(report.ok(), "{report}");
    assert_eq!(report.records, 1);
}

#[tokio::test]
async fn the_server_prunes_expired_records_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let db = sled::open(&data).unwrap();
        let log = AuditLog::open(&db, &data, &AuditSettings::builtin().unwrap()).unwrap();
        log.append(record("2001-01-01T00:00:00Z", "ancient", "010180-9026"))
            .await
            .unwrap();
        log.append(record(
            &jiff::Timestamp::now().to_string(),
            "fresh",
            "010180-9026",
        ))
        .await
        .unwrap();
        log.close().await;
    }
    let mut settings = Settings::builtin().unwrap();
    settings.data_dir = data;
    let _ = open_db(&settings.data_dir).await; // wait until the writer let go
    let server = TestServer::start_with(settings, tempfile::tempdir().unwrap()).await;
    let mut left = Vec::new();
    for _ in 0..250 {
        left = read_all(&server.app.audit).unwrap();
        if left.len() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(left.len(), 1, "{left:#?}");
    assert_eq!(left[0].loppukayttaja.as_deref(), Some("fresh"));
    server.stop().await;
}
