//! Certificates: the handshake refuses every kind of bad client (and counts it by reason),
//! and the end-user certificate checks a query can ask for answer the catalogue's codes.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::util::*;

/// Tries one request with the given certificate files (relative to the repository).
async fn attempt(server: &TestServer, cert_key: Option<(&str, &str)>) -> Result<Reply, String> {
    let id = cert_key.map(|(c, k)| (read(c), read(k)));
    let config = vtj_emulator::tls::client_config(
        &read("certs/ca.pem"),
        id.as_ref().map(|(c, k)| (c.as_str(), k.as_str())),
    )
    .unwrap();
    let tcp = TcpStream::connect(server.addr)
        .await
        .map_err(|e| e.to_string())?;
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(vtj_emulator::tls::server_name("localhost").unwrap(), tcp)
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tls.write_all(b"GET /sosowebsite/soso.asmx?wsdl HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 256];
    match tls.read(&mut buf).await {
        Ok(0) => Err("closed".into()),
        Ok(n) => Ok(Reply {
            status: 0,
            content_type: String::new(),
            body: String::from_utf8_lossy(&buf[..n]).into_owned(),
        }),
        Err(e) => Err(e.to_string()),
    }
}

/// A TLS 1.1 ClientHello (legacy version 3.2, no supported_versions extension). A real
/// TLS 1.1 client sends no signature_algorithms (TLS 1.2 introduced it); `with_sigalgs`
/// adds one so the hello reaches the server's version check.
fn tls11_client_hello(with_sigalgs: bool) -> Vec<u8> {
    let mut body = vec![0x03, 0x02]; // client_version TLS 1.1
    body.extend_from_slice(&[0x42; 32]); // random
    body.push(0); // session id
    body.extend_from_slice(&[0x00, 0x04, 0xc0, 0x13, 0x00, 0x2f]); // two TLS 1.0-era suites
    body.extend_from_slice(&[0x01, 0x00]); // compression: null
    if with_sigalgs {
        // extensions (10 bytes): signature_algorithms = ecdsa_secp256r1_sha256, rsa_pss_sha256
        body.extend_from_slice(&[
            0x00, 0x0a, 0x00, 0x0d, 0x00, 0x06, 0x00, 0x04, 0x04, 0x03, 0x08, 0x04,
        ]);
    }
    let mut hs = vec![0x01, 0x00, (body.len() >> 8) as u8, body.len() as u8];
    hs.extend_from_slice(&body);
    let mut record = vec![0x16, 0x03, 0x01, (hs.len() >> 8) as u8, hs.len() as u8];
    record.extend_from_slice(&hs);
    record
}

async fn wait_for_count(server: &TestServer, reason: &str, n: u64) {
    for _ in 0..100 {
        if server
            .app
            .metrics
            .handshake_failures()
            .get(reason)
            .copied()
            .unwrap_or(0)
            >= n
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "no refused handshake counted as {reason}: {:?}",
        server.app.metrics.handshake_failures()
    );
}

#[tokio::test]
async fn every_bad_client_is_refused_at_the_handshake_and_counted() {
    let server = TestServer::start().await;
    let cases: [(&str, Option<(&str, &str)>); 5] = [
        ("no_certificate", None),
        (
            "unknown_ca",
            Some((
                "certs/untrusted/client.pem",
                "certs/untrusted/client-key.pem",
            )),
        ),
        (
            "expired",
            Some(("certs/clients/expired.pem", "certs/clients/expired-key.pem")),
        ),
        (
            "revoked",
            Some(("certs/clients/revoked.pem", "certs/clients/revoked-key.pem")),
        ),
        (
            "wrong_key_usage",
            Some((
                "certs/clients/no-client-auth.pem",
                "certs/clients/no-client-auth-key.pem",
            )),
        ),
    ];
    for (reason, id) in cases {
        let r = attempt(&server, id).await;
        assert!(r.is_err(), "{reason}: the server answered {r:?}");
        wait_for_count(&server, reason, 1).await;
    }
    // TLS 1.1: refused with a fatal alert, nothing served, counted as protocol_version.
    // A realistic 1.1 hello fails on its missing signature_algorithms (handshake_failure);
    // one that carries them reaches the version check (protocol_version).
    for (with_sigalgs, alert) in [(false, 40u8), (true, 70u8)] {
        let mut tcp = TcpStream::connect(server.addr).await.unwrap();
        tcp.write_all(&tls11_client_hello(with_sigalgs))
            .await
            .unwrap();
        let mut buf = vec![0u8; 64];
        let n = tokio::time::timeout(Duration::from_secs(10), tcp.read(&mut buf))
            .await
            .expect("no answer to a TLS 1.1 hello")
            .unwrap();
        assert_eq!(
            &buf[..n],
            &[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, alert],
            "fatal alert {alert}"
        );
    }
    wait_for_count(&server, "protocol_version", 2).await;

    // The valid demo certificate still works, and is not counted.
    let before: u64 = server.app.metrics.handshake_failures().values().sum();
    let ok = attempt(
        &server,
        Some(("certs/clients/demo.pem", "certs/clients/demo-key.pem")),
    )
    .await;
    assert!(ok.unwrap().body.starts_with("HTTP/1.1 200"));
    assert_eq!(
        server
            .app
            .metrics
            .handshake_failures()
            .values()
            .sum::<u64>(),
        before
    );
    server.stop().await;
}

/// A person query with certificate parameters, each in its WSDL place.
fn query_with_certificate(flags: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("SoSoNimi", "PERUSSANOMA 3"),
        ("Kayttajatunnus", "demo"),
        ("Salasana", "demo"),
        ("Loppukayttaja", "cert-test"),
        ("Henkilotunnus", "020501A999T"),
    ];
    for name in [
        "X509Certificate",
        "VarmenteenVoimassaolotarkistus",
        "VarmenteenSulkulistatarkistus",
    ] {
        params.extend(flags.iter().filter(|(k, _)| *k == name));
    }
    soso_request("TeeHenkilonTunnusKysely", &params)
}

#[tokio::test]
async fn end_user_certificate_checks_answer_the_catalogue_codes() {
    let server = TestServer::start().await;
    let client = server.client();
    let demo = read("certs/clients/demo.pem");
    let expired = read("certs/clients/expired.pem");
    let revoked = read("certs/clients/revoked.pem");
    let untrusted = read("certs/untrusted/client.pem");
    let v = ("VarmenteenVoimassaolotarkistus", "1");
    let c = ("VarmenteenSulkulistatarkistus", "1");
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("0009", vec![v]),
        ("0008", vec![c]),
        ("0012", vec![v, ("X509Certificate", &expired)]),
        ("0013", vec![c, ("X509Certificate", &revoked)]),
        ("0000", vec![v, ("X509Certificate", &revoked)]), // validity only: still valid
        (
            "0014",
            vec![v, ("X509Certificate", "bm90IGEgY2VydGlmaWNhdGU=")],
        ),
        ("0015", vec![v, c, ("X509Certificate", &untrusted)]),
        ("0000", vec![v, c, ("X509Certificate", &demo)]),
        (
            "0000",
            vec![
                ("VarmenteenVoimassaolotarkistus", "0"),
                ("X509Certificate", "junk"),
            ],
        ),
    ];
    for (expected, flags) in cases {
        let r = client
            .soso("TeeHenkilonTunnusKysely", &query_with_certificate(&flags))
            .await;
        let doc = vastaus(&r, "TeeHenkilonTunnusKysely");
        let code = doc
            .child(VTJ_NS, "Paluukoodi")
            .unwrap()
            .attr(None, "koodi")
            .unwrap();
        let names: Vec<_> = flags
            .iter()
            .map(|(k, v)| (k, &v[..v.len().min(12)]))
            .collect();
        assert_eq!(code, expected, "{names:?}");
        assert_eq!(
            doc.child(VTJ_NS, "Henkilo").is_some(),
            expected == "0000",
            "{names:?}"
        );
    }
    server.stop().await;
}
