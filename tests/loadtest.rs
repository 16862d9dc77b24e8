//! The load harness (`vtj-emulator loadtest`) against an in-process server: it sends the
//! requests it is asked for, over mutual TLS, and its JSON report counts them. Behaviour
//! only: no performance is asserted (one test holds what a latency includes, against a
//! relay that delays every connection by seconds).

use crate::util::{TestServer, repo};

/// The default configuration with the organisation's quotas lifted, as a load test needs.
pub fn unlimited_settings(dir: &tempfile::TempDir) -> vtj_emulator::config::Settings {
    settings_of(&unlimited_text(), dir)
}

fn unlimited_text() -> String {
    let text = crate::util::read("config/default.toml");
    assert!(text.contains("per_second = 200") && text.contains("per_day = 100000"));
    text.replace("per_second = 200", "per_second = 0")
        .replace("per_day = 100000", "per_day = 0")
}

fn settings_of(text: &str, dir: &tempfile::TempDir) -> vtj_emulator::config::Settings {
    let mut s = vtj_emulator::config::Settings::from_toml(text, "unlimited", None).unwrap();
    s.data_dir = dir.path().join("data");
    s
}

async fn loadtest(args: Vec<String>) -> (std::process::ExitStatus, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_vtj-emulator"))
            .current_dir(repo())
            .arg("loadtest")
            .args(args)
            .output()
            .unwrap();
        (
            out.status,
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

fn args(server: &TestServer, extra: &[&str]) -> Vec<String> {
    let mut a = vec![
        "--target".to_string(),
        format!("https://127.0.0.1:{}", server.addr.port()),
        "--json".to_string(),
        "--quiet".to_string(),
    ];
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loadtest_sends_the_requests_asked_for_and_reports_percentiles() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(unlimited_settings(&dir), dir).await;
    let (status, out, err) = loadtest(args(
        &server,
        &[
            "--requests",
            "50",
            "--connections",
            "2",
            "--product",
            "PERUSSANOMA 3",
        ],
    ))
    .await;
    assert!(status.success(), "{err}\n{out}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(r["requests"], 50, "{out}");
    assert_eq!(r["ok"], 50, "{out}");
    assert_eq!(r["errors"], 0, "{out}");
    assert_eq!(r["mode"], "keep-alive");
    assert_eq!(
        r["persons"], 27,
        "the fixture persons are the default subjects"
    );
    let l = &r["latency_ms"];
    for p in ["p50", "p90", "p99", "p999", "max"] {
        assert!(l[p].as_f64().unwrap() > 0.0, "{p} missing in {out}");
    }
    assert!(l["p50"].as_f64() <= l["p99"].as_f64() && l["p99"].as_f64() <= l["max"].as_f64());
    assert!(r["bytes_received"].as_u64().unwrap() > 50 * 500, "{out}");
    // Every request reached the audit trail: the server did its whole work.
    let records = server.app.audit.stats().records;
    assert!(records >= 50, "{records} audit records");
    server.stop().await;
}

/// `--criteria-file`: identification searches, whose answers the report counts by VTJ
/// return code; the organisation's permit decides whether they run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loadtest_runs_identification_searches_and_counts_return_codes() {
    let criteria = tempfile::NamedTempFile::new().unwrap();
    // A fixture person (upper-cased surname, first of the first names) and nobody.
    std::fs::write(
        criteria.path(),
        "# surname;first names;birth date\nJÄPPINEN;Albert;20010502\nEIKUKAAN;Ei;19991231\n",
    )
    .unwrap();
    let path = criteria.path().to_str().unwrap();
    let run = [
        "--requests",
        "20",
        "--connections",
        "2",
        "--criteria-file",
        path,
    ];

    let text = unlimited_text();
    assert!(text.contains("identification = false"));
    let allowed = text.replace("identification = false", "identification = true");
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(settings_of(&allowed, &dir), dir).await;
    let (status, out, err) = loadtest(args(&server, &run)).await;
    assert!(status.success(), "{err}\n{out}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["operation"], "TeeHenkilonTunnistusKysely", "{out}");
    assert_eq!(r["persons"], 2, "{out}");
    assert_eq!(r["ok"], 20, "{out}");
    assert_eq!(
        r["return_codes"],
        serde_json::json!({"0000": 10, "0001": 10})
    );
    let records = vtj_emulator::audit::read_all(&server.app.audit).unwrap();
    let searches = records
        .iter()
        .filter(|r| r.operation == "TeeHenkilonTunnistusKysely")
        .count();
    assert_eq!(searches, 20);
    server.stop().await;

    // Without the permit flag every search is refused with 0019: counted, not hidden.
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(unlimited_settings(&dir), dir).await;
    let (status, out, err) = loadtest(args(&server, &run)).await;
    assert!(status.success(), "{err}\n{out}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["return_codes"], serde_json::json!({"0019": 20}), "{out}");
    // Identity-code queries report their codes too.
    let (_, out, _) = loadtest(args(&server, &["--requests", "3"])).await;
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["operation"], "TeeHenkilonTunnusKysely", "{out}");
    assert_eq!(r["return_codes"]["0000"], 3, "{out}");
    server.stop().await;

    // A line that is not criteria is refused before anything is sent.
    std::fs::write(criteria.path(), "JÄPPINEN;Albert\n").unwrap();
    let (status, _, err) = loadtest(vec![
        "--criteria-file".into(),
        path.into(),
        "--requests".into(),
        "1".into(),
    ])
    .await;
    assert!(!status.success());
    assert!(
        err.contains("expected SURNAME;FIRST NAMES;YYYYMMDD"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loadtest_opens_a_connection_per_request_at_a_fixed_rate() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(unlimited_settings(&dir), dir).await;
    let (status, out, err) = loadtest(args(
        &server,
        &[
            "--requests",
            "12",
            "--connections",
            "2",
            "--new-connection",
            "--rate",
            "100",
        ],
    ))
    .await;
    assert!(status.success(), "{err}\n{out}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["requests"], 12, "{out}");
    assert_eq!(r["errors"], 0, "{out}");
    assert_eq!(r["mode"], "new-connection");
    assert_eq!(r["rate"], 100.0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loadtest_counts_http_errors_and_exits_with_failure() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(unlimited_settings(&dir), dir).await;
    let target = format!("https://127.0.0.1:{}/no/such/path", server.addr.port());
    let (status, out, err) = loadtest(vec![
        "--target".into(),
        target,
        "--json".into(),
        "--quiet".into(),
        "--requests".into(),
        "3".into(),
        "--connections".into(),
        "1".into(),
    ])
    .await;
    assert!(!status.success(), "{out}");
    assert!(err.contains("3 of 3 requests failed"), "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["requests"], 3, "{out}");
    assert_eq!(r["ok"], 0, "{out}");
    assert_eq!(r["errors"], 3, "{out}");
    assert!(
        r["error_samples"][0]
            .as_str()
            .unwrap()
            .starts_with("HTTP 4"),
        "{out}"
    );
    server.stop().await;
}

#[tokio::test]
async fn loadtest_refuses_a_remote_target() {
    let (status, _, err) = loadtest(vec![
        "--target".into(),
        "https://192.0.2.1:8443".into(),
        "--requests".into(),
        "1".into(),
    ])
    .await;
    assert!(!status.success());
    assert!(err.contains("not a loopback address"), "{err}");
}

/// Two real emulator processes (the embedded audit store, a data directory each) behind one
/// harness run with two `--target`s: the connections are spread over both, the report
/// gives each its share, and each node's own audit trail holds exactly the answers the
/// report counts for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loadtest_spreads_its_connections_over_two_nodes() {
    use std::ffi::OsStr;
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let text = unlimited_text();
    assert!(text.contains("\n[console]\n"));
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        text.replace("\n[console]\n", "\n[console]\nenabled = false\n"),
    )
    .unwrap();
    let mut nodes = Vec::new();
    for n in 1..=2 {
        let data = dir.path().join(format!("node{n}"));
        let (child, addr) = crate::util::serve_binary(
            [
                OsStr::new("--config"),
                config.as_os_str(),
                OsStr::new("--data"),
                data.as_os_str(),
                OsStr::new("--monitor-listen"),
                OsStr::new("off"),
            ],
            Stdio::null(),
        );
        nodes.push((child, addr, data));
    }
    let target = |addr: &std::net::SocketAddr| format!("https://127.0.0.1:{}", addr.port());
    let (status, out, err) = loadtest(vec![
        "--target".into(),
        target(&nodes[0].1),
        "--target".into(),
        target(&nodes[1].1),
        "--requests".into(),
        "60".into(),
        "--connections".into(),
        "4".into(),
        "--end-user".into(),
        "two-nodes".into(),
        "--json".into(),
        "--quiet".into(),
    ])
    .await;
    assert!(status.success(), "{err}\n{out}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(
        (r["requests"].as_u64(), r["ok"].as_u64()),
        (Some(60), Some(60)),
        "{out}"
    );
    let shares = r["per_target"].as_array().unwrap();
    assert_eq!(shares.len(), 2, "{out}");
    let mut answered = 0;
    for ((child, addr, data), share) in nodes.iter_mut().zip(shares) {
        assert!(
            share["target"]
                .as_str()
                .unwrap()
                .contains(&format!(":{}/", addr.port())),
            "{out}"
        );
        assert_eq!(share["connections"], 2, "{out}");
        assert_eq!(share["errors"], 0, "{out}");
        let ok = share["ok"].as_u64().unwrap();
        assert!(ok > 0, "node {addr} got no load: {out}");
        assert_eq!(share["return_codes"]["0000"].as_u64(), Some(ok), "{out}");
        assert!(share["latency_ms"]["p99"].as_f64().unwrap() > 0.0, "{out}");
        answered += ok;

        // The node's own trail (read once it has stopped: sled admits one process).
        crate::util::terminate(child);
        let list = Command::new(env!("CARGO_BIN_EXE_vtj-emulator"))
            .current_dir(repo())
            .args([
                OsStr::new("audit"),
                OsStr::new("list"),
                OsStr::new("--data"),
                data.as_os_str(),
            ])
            .output()
            .unwrap();
        assert!(
            list.status.success(),
            "{}",
            String::from_utf8_lossy(&list.stderr)
        );
        let logged = String::from_utf8_lossy(&list.stdout)
            .lines()
            .filter(|l| l.contains("\"loppukayttaja\":\"two-nodes\""))
            .count() as u64;
        assert_eq!(logged, ok, "node {addr}: the trail and the report disagree");
    }
    assert_eq!(answered, 60);
}

/// A TCP relay to `to` that holds every new connection for `delay` before relaying it: a
/// server whose TLS handshake takes that long.
async fn slow_to_connect(to: std::net::SocketAddr, delay: std::time::Duration) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                if let Ok(mut server) = tokio::net::TcpStream::connect(to).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    port
}

/// Kept-alive connections are opened before the clock starts: a server slow to accept a
/// connection shows in the report's setup time, not in any request's latency (at a fixed
/// rate, the first requests would otherwise wait behind every handshake). With a new
/// connection per request, each latency holds its connection's setup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loadtest_opens_kept_alive_connections_before_the_clock_starts() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(unlimited_settings(&dir), dir).await;
    let delay = std::time::Duration::from_secs(2);
    let port = slow_to_connect(server.addr, delay).await;
    let run = |extra: &'static [&'static str]| {
        let mut a = vec![
            "--target".to_string(),
            format!("https://127.0.0.1:{port}"),
            "--json".to_string(),
            "--quiet".to_string(),
            "--connections".to_string(),
            "3".to_string(),
            "--rate".to_string(),
            "50".to_string(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        loadtest(a)
    };
    let (status, out, err) = run(&["--requests", "9"]).await;
    assert!(status.success(), "{err}\n{out}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (r["ok"].as_u64(), r["errors"].as_u64()),
        (Some(9), Some(0)),
        "{out}"
    );
    assert!(r["opened_in_s"].as_f64().unwrap() >= 2.0, "{out}");
    let max = r["latency_ms"]["max"].as_f64().unwrap();
    assert!(max < 2000.0, "a latency held the connection's setup: {out}");

    let (status, out, err) = run(&["--requests", "3", "--new-connection"]).await;
    assert!(status.success(), "{err}\n{out}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["ok"], 3, "{out}");
    assert_eq!(r["opened_in_s"], 0.0, "{out}");
    let min = r["latency_ms"]["min"].as_f64().unwrap();
    assert!(
        min >= 2000.0,
        "each new connection's setup is in its latency: {out}"
    );
    server.stop().await;
}
