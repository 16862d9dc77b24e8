//! Connection limits as a client meets them: a silent connection is dropped after the
//! handshake timeout, a request whose header never ends is dropped after the header-read
//! timeout, and a body that stalls gets 408. Timeouts are set short here; the assertions
//! are about what happens, with generous bounds, not about speed.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use vtj_emulator::config::Settings;

use crate::util::*;

const BOUND: Duration = Duration::from_secs(10);

async fn server_with_short_timeouts() -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::builtin().unwrap();
    settings.data_dir = dir.path().join("data");
    settings.limits.handshake_timeout = Duration::from_millis(500);
    settings.limits.header_read_timeout = Duration::from_millis(500);
    settings.limits.body_timeout = Duration::from_millis(500);
    TestServer::start_with(settings, dir).await
}

async fn tls(server: &TestServer) -> tokio_rustls::client::TlsStream<TcpStream> {
    let (cert, key) = client_identity("demo");
    let config =
        vtj_emulator::tls::client_config(&read("certs/ca.pem"), Some((&cert, &key))).unwrap();
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    TlsConnector::from(Arc::new(config))
        .connect(vtj_emulator::tls::server_name("localhost").unwrap(), tcp)
        .await
        .unwrap()
}

/// Reads until the peer closes (or errors); returns what arrived.
async fn read_until_closed<R: AsyncReadExt + Unpin>(r: &mut R) -> String {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_handshake_timeout() {
    let server = server_with_short_timeouts().await;
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    let got = tokio::time::timeout(BOUND, read_until_closed(&mut tcp))
        .await
        .expect("the server kept a silent connection open");
    assert!(got.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn an_unfinished_request_header_is_dropped() {
    let server = server_with_short_timeouts().await;
    let mut s = tls(&server).await;
    s.write_all(b"POST /sosowebsite/soso.asmx HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let got = tokio::time::timeout(BOUND, read_until_closed(&mut s))
        .await
        .expect("the server waited for the header forever");
    assert!(got.is_empty() || got.starts_with("HTTP/1.1 408"), "{got}");
    server.stop().await;
}

#[tokio::test]
async fn a_stalled_body_gets_408() {
    let server = server_with_short_timeouts().await;
    let mut s = tls(&server).await;
    s.write_all(
        b"POST /sosowebsite/soso.asmx HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/xml\r\nContent-Length: 1000\r\n\r\n<soap:Env",
    )
    .await
    .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(BOUND, s.read(&mut buf))
        .await
        .expect("no answer to a stalled body")
        .unwrap();
    let got = String::from_utf8_lossy(&buf[..n]);
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
    server.stop().await;
}
