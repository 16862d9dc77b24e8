//! Crash safety of the audit trail (issue 7): the real binary under load is killed with
//! SIGKILL, restarted on the same store, and every query whose answer a client received
//! must be in the log exactly once, with the chain still verifying.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::util::*;

const OP: &str = "TeeHenkilonTunnusKysely";

fn exe() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vtj-emulator"));
    c.current_dir(repo());
    c
}

/// Starts `serve` on a free port; returns the child and its address.
fn serve(data: &Path) -> (Child, SocketAddr) {
    serve_binary(
        [std::ffi::OsStr::new("--data"), data.as_os_str()],
        Stdio::null(),
    )
}

async fn cli(args: Vec<String>) -> (bool, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = exe().args(&args).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

/// A person query as end user `end_user`.
pub(crate) fn query(end_user: &str) -> String {
    soso_request(
        OP,
        &[
            ("SoSoNimi", "PERUSSANOMA 3"),
            ("Kayttajatunnus", "demo"),
            ("Salasana", "demo"),
            ("Loppukayttaja", end_user),
            ("Henkilotunnus", "020501A999T"),
        ],
    )
}

/// `clients` clients querying `addr` (end users `NAME-CLIENT-N`) until it goes away or
/// `stop` is set; each end user answered `0000` is added to `answered`, and any other
/// answer (but `-1800` when `internal_ok`) fails the test.
pub(crate) fn load(
    addr: SocketAddr,
    name: &'static str,
    clients: usize,
    answered: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    internal_ok: bool,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..clients)
        .map(|t| {
            let (answered, stop) = (answered.clone(), stop.clone());
            tokio::spawn(async move {
                let client = Client::new(addr, Some("demo"));
                let action = format!("\"http://tempuri.org/{OP}\"");
                for n in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let end_user = format!("{name}-{t}-{n}");
                    let reply = client
                        .request(
                            "POST",
                            "/sosowebsite/soso.asmx",
                            &[
                                ("content-type", "text/xml; charset=utf-8"),
                                ("soapaction", &action),
                            ],
                            &query(&end_user),
                        )
                        .await;
                    match reply {
                        Ok(r) if r.status == 200 && r.body.contains("koodi=\"0000\"") => {
                            answered.lock().unwrap().push(end_user)
                        }
                        Ok(r) if internal_ok && r.body.contains("koodi=\"-1800\"") => {
                            assert!(!r.body.contains("020501A999T"), "{}", r.body);
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        }
                        Ok(r) => panic!("unexpected answer from {name}: {}", r.body),
                        Err(_) => break, // the server is gone
                    }
                }
            })
        })
        .collect()
}

/// Every `answered` end user is in the JSON-lines `export` exactly once, and no end user
/// twice.
pub(crate) fn assert_logged_once(export: &str, answered: &[String]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for line in export.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(u) = r["loppukayttaja"].as_str() {
            *seen.entry(u.to_string()).or_default() += 1;
        }
    }
    for u in answered {
        assert_eq!(
            seen.get(u),
            Some(&1),
            "{u} answered but logged {:?} times",
            seen.get(u)
        );
    }
    assert!(seen.values().all(|&n| n == 1), "a query logged twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_sigkill_every_answered_query_is_logged_exactly_once_and_verify_passes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (mut child, addr) = serve(&data);

    let answered = Arc::new(Mutex::new(Vec::<String>::new()));
    let tasks = load(addr, "crash", 8, answered.clone(), Arc::default(), false);
    // Kill it mid-load, once a good number of answers have arrived.
    for _ in 0..3000 {
        if answered.lock().unwrap().len() >= 80 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    assert!(answered.len() >= 80, "only {} answers", answered.len());

    // Restart on the same store; ask its admin API as the auditor.
    let (mut child, addr) = serve(&data);
    let url = format!("https://{addr}");
    let (ok, out, err) = cli(vec![
        "audit".into(),
        "export".into(),
        "--format".into(),
        "jsonl".into(),
        "--server".into(),
        url.clone(),
    ])
    .await;
    assert!(ok, "{err}");
    assert_logged_once(&out, &answered);
    let (ok, out, err) = cli(vec![
        "audit".into(),
        "verify".into(),
        "--server".into(),
        url,
    ])
    .await;
    assert!(ok, "{err}");
    assert!(out.contains("OK"), "{out}");

    // A clean stop, then the stopped store verifies too (with a final checkpoint).
    terminate(&mut child);
    let (ok, out, err) = cli(vec![
        "audit".into(),
        "verify".into(),
        "--data".into(),
        data.display().to_string(),
    ])
    .await;
    assert!(ok, "{err}");
    assert!(
        out.contains("signed checkpoints") && !out.contains(" 0 signed"),
        "{out}"
    );
}
