//! Real SOAP clients against the in-process server: Python zeep and Node soap (node-soap)
//! load the served WSDLs over mutual TLS (client certificate `certs/clients/demo.pem`),
//! call the person query on the direct interface and on the X-Road interface, parse the
//! answers and print what they read as JSON; these tests check the values.
//!
//! The clients are installed by `tests/interop/setup.sh` (idempotent, cached under
//! `target/interop`; scripts/test calls it before `cargo test`). Without network the first run
//! cannot install them: the tests then fail saying so, unless `VTJ_SKIP_INTEROP=1` is set.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use vtj_emulator::audit::read_all;

use crate::util::*;

/// The target directory this test binary was built into (…/target/debug/deps/tests-…).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// Runs tests/interop/setup.sh once per test process; the interop directory or why not.
fn toolchain() -> &'static Result<PathBuf, String> {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = target_dir().join("interop");
        let out = Command::new("bash")
            .arg(repo().join("tests/interop/setup.sh"))
            .env("VTJ_INTEROP_DIR", &dir)
            .output()
            .map_err(|e| format!("cannot run tests/interop/setup.sh: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "tests/interop/setup.sh failed: run scripts/test, which installs python3-venv and npm \
                 (network on the first run; VTJ_SKIP_INTEROP=1 skips these tests)\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(dir)
    })
}

/// Runs a client script against the server; its JSON output.
async fn run_client(server: &TestServer, program: &str, script: &str) -> Option<Value> {
    if std::env::var_os("VTJ_SKIP_INTEROP").is_some() {
        eprintln!("VTJ_SKIP_INTEROP is set: {script} not run");
        return None;
    }
    let base = format!("https://localhost:{}", server.addr.port());
    let script = script.to_string();
    let program = program.to_string();
    let output = tokio::task::spawn_blocking(move || {
        let dir = toolchain().as_ref().unwrap_or_else(|e| panic!("{e}"));
        let exe = match program.as_str() {
            "python" => dir.join("venv/bin/python"),
            other => PathBuf::from(other),
        };
        let root = repo();
        Command::new(exe)
            .arg(root.join("tests/interop").join(&script))
            .arg(&base)
            .arg(root.join("certs/ca.pem"))
            .arg(root.join("certs/clients/demo.pem"))
            .arg(root.join("certs/clients/demo-key.pem"))
            .arg("020501A999T")
            .env("NODE_PATH", dir.join("node_modules"))
            .output()
            .unwrap_or_else(|e| panic!("cannot run {script}: {e}"))
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "client failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Some(serde_json::from_slice(&output.stdout).expect("the client prints JSON"))
}

/// What every client must have read from the answers.
fn check_person(answer: &Value, interface: &str) {
    let a = &answer[interface];
    assert_eq!(a["koodi"], "0000", "{interface}: {answer}");
    assert_eq!(a["teksti"], "Haku onnistui", "{interface}");
    assert_eq!(a["henkilotunnus"], "020501A999T", "{interface}");
    assert_eq!(a["sukunimi"], "Jäppinen", "{interface}");
    assert_eq!(a["etunimet"], "Albert Kristian", "{interface}");
}

fn check_xroad(answer: &Value, end_user: &str) {
    check_person(answer, "xroad");
    let x = &answer["xroad"];
    assert_eq!(x["echo_loppukayttaja"], end_user);
    // The password is echoed empty (zeep reads an empty element as null).
    assert!(
        x["echo_salasana"].is_null() || x["echo_salasana"] == "",
        "{x}"
    );
    let hash = x["request_hash"].as_str().expect("requestHash header");
    assert_eq!(hash.len(), 88, "base64 of 64 bytes: {hash}");
}

fn check_audit(server: &TestServer, end_user: &str, queries: usize) {
    let records = read_all(&server.app.audit).unwrap();
    assert_eq!(records.len(), queries);
    assert!(records.iter().all(|r| r.return_code == "0000"));
    assert!(
        records
            .iter()
            .all(|r| r.loppukayttaja.as_deref() == Some(end_user))
    );
    let xroad = records.iter().find(|r| r.interface == "xroad").unwrap();
    assert_eq!(
        xroad.xroad_client.as_deref(),
        Some("FI-TEST/MUN/0101263-6/evaka-test")
    );
}

#[tokio::test]
async fn python_zeep_queries_both_interfaces() {
    let server = TestServer::start().await;
    if let Some(answer) = run_client(&server, "python", "zeep_client.py").await {
        check_person(&answer, "direct11");
        check_person(&answer, "direct12");
        check_xroad(&answer, "zeep-interop");
        check_audit(&server, "zeep-interop", 3);
    }
    server.stop().await;
}

#[tokio::test]
async fn node_soap_queries_both_interfaces() {
    let server = TestServer::start().await;
    if let Some(answer) = run_client(&server, "node", "soap_client.js").await {
        check_person(&answer, "direct11");
        check_xroad(&answer, "node-soap-interop");
        check_audit(&server, "node-soap-interop", 2);
    }
    server.stop().await;
}
