//! Fault injection as an integrator uses it: configured rules and the reserved test codes
//! make answers slow, wrong, failed or lost on purpose; every injected fault is audited and
//! counted. And graceful shutdown: a query in flight when SIGTERM arrives is answered and
//! recorded before the process exits.

use std::time::{Duration, Instant};

use vtj_emulator::audit::read_all;
use vtj_emulator::config::Settings;

use crate::util::*;

async fn server(extra: &str) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{}\n{extra}", vtj_emulator::config::DEFAULT_CONFIG);
    let mut settings = Settings::from_toml(&text, "faults.toml", None).unwrap();
    settings.data_dir = dir.path().join("data");
    TestServer::start_with(settings, dir).await
}

fn code(r: &Reply) -> String {
    let doc = vastaus(r, "TeeHenkilonTunnusKysely");
    doc.child(VTJ_NS, "Paluukoodi")
        .unwrap()
        .attr(None, "koodi")
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn configured_rules_match_their_queries_only() {
    let s = server(
        "[[fault]]\nhetu = \"020501A999T\"\norganisation = \"demo\"\nreturn_code = \"0019\"\n\n\
         [[fault]]\nhetu = \"010180-9026\"\nproduct = \"perussanoma 3\"\nlatency_ms = 300\n",
    )
    .await;
    let c = s.client();
    let r = c
        .soso(
            "TeeHenkilonTunnusKysely",
            &person_query("PERUSSANOMA 3", "020501A999T"),
        )
        .await;
    assert_eq!(code(&r), "0019");
    assert!(!r.body.contains("Jäppinen"));
    let t = Instant::now();
    let r = c
        .soso(
            "TeeHenkilonTunnusKysely",
            &person_query("PERUSSANOMA 3", "010180-9026"),
        )
        .await;
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "latency rule not applied"
    );
    assert_eq!(
        code(&r),
        "0000",
        "latency only: the answer is the normal one"
    );
    let r = c
        .soso(
            "TeeHenkilonTunnusKysely",
            &person_query("PERUSSANOMA 3", "030370-946X"),
        )
        .await;
    assert_eq!(code(&r), "0000");
    let records = read_all(&s.app.audit).unwrap();
    assert!(
        records[0]
            .fault_injected
            .as_deref()
            .unwrap()
            .starts_with("return_code (faults.toml, line")
    );
    assert!(
        records[1]
            .fault_injected
            .as_deref()
            .unwrap()
            .starts_with("latency")
    );
    assert_eq!(records[2].fault_injected, None);
    let counted = s.app.metrics.faults_injected();
    assert_eq!((counted["return_code"], counted["latency"]), (1, 1));
    s.stop().await;
}

#[tokio::test]
async fn reserved_test_codes_behave_as_documented() {
    let s = server("[faults]\ntimeout_secs = 3\n").await;
    let c = s.client();
    let headers = [
        ("content-type", "text/xml"),
        ("soapaction", "http://tempuri.org/TeeHenkilonTunnusKysely"),
    ];
    let post = |hetu: &str| person_query("PERUSSANOMA 3", hetu);

    let r = c
        .request(
            "POST",
            "/sosowebsite/soso.asmx",
            &headers,
            &post("010100-991D"),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 503);
    let r = c
        .request(
            "POST",
            "/sosowebsite/soso.asmx",
            &headers,
            &post("010100-992E"),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 500);
    assert!(
        r.body.contains("<faultcode>soap:Server</faultcode>") && r.body.contains("010100-992E"),
        "{}",
        r.body
    );
    let dropped = c
        .request(
            "POST",
            "/sosowebsite/soso.asmx",
            &headers,
            &post("010100-993F"),
        )
        .await;
    assert!(
        dropped.is_err(),
        "the connection should close without an answer: {dropped:?}"
    );
    let r = c
        .request(
            "POST",
            "/sosowebsite/soso.asmx",
            &headers,
            &post("010100-994H"),
        )
        .await
        .unwrap();
    assert_eq!(code(&r), "-1800");
    let t = Instant::now();
    let r = c
        .request(
            "POST",
            "/sosowebsite/soso.asmx",
            &headers,
            &post("010100-995J"),
        )
        .await
        .unwrap();
    assert!(t.elapsed() >= Duration::from_secs(2));
    assert_eq!(code(&r), "0001", "slow, then the normal answer");
    // "Always times out": a client with a 1 s timeout never gets the answer.
    let waited = tokio::time::timeout(
        Duration::from_secs(1),
        c.request(
            "POST",
            "/sosowebsite/soso.asmx",
            &headers,
            &post("010100-990C"),
        ),
    )
    .await;
    assert!(waited.is_err(), "the timeout code answered within a second");

    let records = read_all(&s.app.audit).unwrap();
    let kinds: Vec<_> = records
        .iter()
        .map(|r| {
            (
                r.return_code.as_str(),
                r.fault_injected
                    .as_deref()
                    .unwrap_or("")
                    .split(' ')
                    .next()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds[..5],
        [
            ("http 503", "http_503"),
            ("fault", "soap_fault"),
            ("dropped", "drop_connection"),
            ("-1800", "return_code"),
            ("0001", "latency")
        ]
    );
    s.stop().await;
}

#[test]
fn fault_rules_that_cannot_be_are_refused_with_the_line() {
    let text = format!(
        "{}\n\n[[fault]]\nhetu = \"020501A999T\"\nreturn_code = \"0019\"\ndrop_connection = true\n",
        vtj_emulator::config::DEFAULT_CONFIG
    );
    let line = text.lines().position(|l| l == "[[fault]]").unwrap() + 1;
    let err = Settings::from_toml(&text, "f.toml", None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("f.toml: line {line}: fault:")) && err.contains("at most one"),
        "{err}"
    );
}

/// SIGTERM while a query is in flight: the query is answered and recorded, the process
/// exits 0 and a new query is refused (the listener is closed).
#[tokio::test]
async fn graceful_shutdown_finishes_the_query_in_flight() {
    use std::ffi::OsStr;
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let exe = env!("CARGO_BIN_EXE_vtj-emulator");
    let (mut child, addr) = serve_binary(
        [
            OsStr::new("--monitor-listen"),
            OsStr::new("off"),
            OsStr::new("--data"),
            data.as_os_str(),
        ],
        Stdio::null(),
    );
    // The reserved code 010100-995J answers after two seconds.
    let in_flight = tokio::spawn(async move {
        Client::new(addr, Some("demo"))
            .soso(
                "TeeHenkilonTunnusKysely",
                &person_query("PERUSSANOMA 3", "010100-995J"),
            )
            .await
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let reply = in_flight.await.unwrap();
    assert_eq!(
        code(&reply),
        "0001",
        "the query in flight was answered in full"
    );
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    let out = Command::new(exe)
        .args(["audit", "list", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("010100-995J"));
}
