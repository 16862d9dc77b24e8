//! What an operator sees: `/metrics`, `/healthz`, `/readyz` on the monitoring listener, and
//! the logs (text or JSON) with a request id per query that stands in the audit record too,
//! and never a password or an identity code at info level.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::util::*;

pub(crate) async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).await.unwrap();
    let status = text[9..12].parse().unwrap();
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

#[tokio::test]
async fn metrics_health_and_readiness() {
    let server = TestServer::start().await;
    let monitor = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let maddr = monitor.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(vtj_emulator::monitor::run(
        monitor,
        server.app.clone(),
        async {
            let _ = rx.await;
        },
    ));

    let client = server.client();
    client
        .soso(
            "TeeHenkilonTunnusKysely",
            &person_query("PERUSSANOMA 3", "020501A999T"),
        )
        .await;
    let wrong = soso_request(
        "TeeHenkilonTunnusKysely",
        &[
            ("SoSoNimi", "PERUSSANOMA 3"),
            ("Kayttajatunnus", "demo"),
            ("Salasana", "nope"),
            ("Loppukayttaja", "m"),
            ("Henkilotunnus", "020501A999T"),
        ],
    );
    client.soso("TeeHenkilonTunnusKysely", &wrong).await;
    let _ = Client::new(server.addr, None)
        .request("GET", "/sosowebsite/soso.asmx?wsdl", &[], "")
        .await;

    assert_eq!(get(maddr, "/healthz").await.0, 200);
    assert_eq!(get(maddr, "/readyz").await, (200, "ready\n".to_string()));
    assert_eq!(get(maddr, "/nothing").await.0, 404);
    // The handshake refusal is counted by the server task; give it a moment.
    let mut text = String::new();
    for _ in 0..50 {
        let (status, body) = get(maddr, "/metrics").await;
        assert_eq!(status, 200);
        text = body;
        if text.contains("vtj_tls_handshake_failures_total{reason=\"no_certificate\"} 1")
            && text.contains("vtj_registry_persons")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let q = |code: &str| {
        format!(
            "vtj_queries_total{{operation=\"TeeHenkilonTunnusKysely\",product=\"PERUSSANOMA 3\",organisation=\"demo\",code=\"{code}\"}} 1"
        )
    };
    assert!(text.contains(&q("0000")), "{text}");
    assert!(text.contains(&q("-1500")), "{text}");
    assert!(
        text.contains("vtj_query_duration_seconds_count{operation=\"TeeHenkilonTunnusKysely\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("vtj_tls_handshake_failures_total{reason=\"no_certificate\"} 1"),
        "{text}"
    );
    let persons = server.app.registry.len();
    assert!(
        text.contains(&format!("vtj_registry_persons {persons}")),
        "{text}"
    );
    assert!(
        !text.contains("020501A999T"),
        "identity codes never in metrics"
    );
    let _ = tx.send(());
    task.await.unwrap();
    server.stop().await;
}

/// The binary with `--log-format json`: one JSON object per line; each query's line (at
/// debug level: the audit record is the per-query record) has the request id of its audit
/// record; no identity code and no password in the logs, even with the operations' debug
/// lines on.
#[tokio::test]
async fn json_logs_carry_request_ids_and_no_secrets() {
    use std::ffi::OsStr;
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let exe = env!("CARGO_BIN_EXE_vtj-emulator");
    let (mut child, addr) = serve_binary_with_log(
        [
            OsStr::new("--monitor-listen"),
            OsStr::new("off"),
            OsStr::new("--log-format"),
            OsStr::new("json"),
            OsStr::new("--data"),
            data.as_os_str(),
        ],
        Stdio::piped(),
        "info,vtj_emulator::ops=debug",
    );
    let client = Client::new(addr, Some("demo"));
    client
        .soso(
            "TeeHenkilonTunnusKysely",
            &person_query("PERUSSANOMA 3", "020501A999T"),
        )
        .await;
    let guess = soso_request(
        "TeeHenkilonTunnusKysely",
        &[
            ("SoSoNimi", "PERUSSANOMA 3"),
            ("Kayttajatunnus", "demo"),
            ("Salasana", "S3cretGuess"),
            ("Loppukayttaja", "m"),
            ("Henkilotunnus", "010180-9026"),
        ],
    );
    client.soso("TeeHenkilonTunnusKysely", &guess).await;
    let logs = terminate_with_logs(&mut child);

    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let queries: Vec<_> = lines.iter().filter(|l| l["message"] == "query").collect();
    assert_eq!(queries.len(), 2, "{logs}");
    assert!(queries.iter().all(|l| l["level"] == "DEBUG"), "{logs}");
    for secret in ["020501A999T", "010180-9026", "S3cretGuess"] {
        assert!(!logs.contains(secret), "{secret} in the logs: {logs}");
    }
    let out = Command::new(exe)
        .args(["audit", "list", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let records: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (log, record) in queries.iter().zip(&records) {
        assert_eq!(log["request_id"], record["request_id"]);
        assert_eq!(log["code"], record["return_code"]);
    }
}

/// `[server] workers` sets the threads that serve connections: `/metrics` shows them, and a
/// reload that changes the setting leaves them and says it needs a restart (as it says for
/// the audit writer's group window).
#[tokio::test]
async fn the_serving_threads_are_the_workers_setting() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    let original = vtj_emulator::config::DEFAULT_CONFIG;
    let three = original.replacen("[server]\n", "[server]\nworkers = 3\n", 1);
    assert_ne!(three, original);
    std::fs::write(&config, &three).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vtj-emulator"))
        .current_dir(repo())
        .env("RUST_LOG", "info")
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--monitor-listen",
            "127.0.0.1:0",
        ])
        .arg("--config")
        .arg(&config)
        .arg("--data")
        .arg(dir.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut address = |after: &str| -> std::net::SocketAddr {
        lines
            .by_ref()
            .map(|l| l.unwrap())
            .find_map(|l| {
                l.split(after)
                    .nth(1)
                    .and_then(|rest| rest.split('/').next())
                    .map(|a| a.parse().unwrap())
            })
            .unwrap_or_else(|| panic!("the start-up message names {after}"))
    };
    let addr = address("listening on https://");
    let monitor = address("monitoring: http://");
    std::thread::spawn(move || for _ in lines {});
    let workers = |text: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix("vtj_runtime_workers "))
            .map(str::to_string)
    };
    let (status, text) = get(monitor, "/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(workers(&text).as_deref(), Some("3"), "{text}");

    // The same reload narrows the permit, which shows when the reload has happened.
    let reloaded = three
        .replace("workers = 3", "workers = 1")
        .replace(
            "products = [\"PERUSSANOMA 3\"]",
            "products = [\"HUOLTAJA-HUOLLETTAVAT\"]",
        )
        .replacen("[audit]\n", "[audit]\ngroup_window_us = 500\n", 1);
    assert_eq!(reloaded.matches("HUOLTAJA-HUOLLETTAVAT").count(), 1);
    assert_eq!(reloaded.matches("group_window_us = 500").count(), 1);
    std::fs::write(&config, reloaded).unwrap();
    hup(child.id());
    let client = Client::new(addr, Some("demo"));
    let mut narrowed = false;
    for _ in 0..100 {
        let reply = client
            .soso(
                "TeeHenkilonTunnusKysely",
                &person_query("PERUSSANOMA 3", "020501A999T"),
            )
            .await;
        if reply.body.contains("koodi=\"-1900\"") {
            narrowed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(narrowed, "the reload did not take effect");
    assert_eq!(
        workers(&get(monitor, "/metrics").await.1).as_deref(),
        Some("3")
    );
    let logs = terminate_with_logs(&mut child);
    assert!(logs.contains("server.workers 1 needs a restart"), "{logs}");
    assert!(
        logs.contains("audit.group_window_us needs a restart"),
        "{logs}"
    );
    assert!(!logs.contains("audit.group_hold_us"), "{logs}");
}
