//! The canned-response server (hidden `vtj-emulator canned-server`): the stack's ceiling for
//! `benches/compare.sh`. It accepts TLS with exactly the emulator's settings (the same
//! [`crate::tls::server_config`]: provider, protocol versions, mandatory client certificate
//! checked against the CA and CRLs) and the same hyper HTTP/1.1 connection settings, reads
//! each request body, and answers every request with the same fixed body of a given size.
//! No parsing, no lookup, no audit.
//!
//! It is a measuring instrument only: it shares nothing with the emulator's state and
//! writes nothing to disk.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// The command's options.
#[derive(Debug, Clone, clap::Args)]
pub struct CannedArgs {
    /// Address to listen on (loopback unless --allow-remote).
    #[arg(long, default_value = "127.0.0.1:8444")]
    pub listen: SocketAddr,
    /// Size of the canned response body in bytes (that of the emulator's answer).
    #[arg(long, default_value_t = 3000)]
    pub body_size: usize,
    /// Configuration whose TLS material to use (default: the built-in one).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Permit a non-loopback listening address.
    #[arg(long)]
    pub allow_remote: bool,
}

/// A well-formed SOAP envelope padded to exactly `size` bytes (or the bare envelope when
/// `size` is smaller than it).
pub fn canned_body(size: usize) -> Bytes {
    let head = r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><!--"#;
    let tail = "--></soap:Body></soap:Envelope>";
    let pad = size.saturating_sub(head.len() + tail.len());
    let mut s = String::with_capacity(size);
    s.push_str(head);
    s.extend(std::iter::repeat_n('x', pad));
    s.push_str(tail);
    Bytes::from(s)
}

pub fn main(args: &CannedArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.allow_remote || args.listen.ip().is_loopback(),
        "{} is not a loopback address (use --allow-remote)",
        args.listen
    );
    let settings = match &args.config {
        Some(p) => crate::config::Settings::load(p)?,
        None => crate::config::Settings::builtin()?,
    };
    let t = &settings.tls;
    let tls = Arc::new(crate::tls::server_config(
        &t.ca_pem,
        &t.cert_pem,
        &t.key_pem,
        &t.crl_pems,
    )?);
    let limits = settings.limits;
    let body = canned_body(args.body_size);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let listener = TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        {
            use std::io::Write as _;
            let mut out = std::io::stdout();
            let _ = writeln!(
                out,
                "canned server listening on https://{addr}/ ({} byte body)",
                body.len()
            );
            let _ = out.flush();
        }
        let acceptor = TlsAcceptor::from(tls);
        let stop = stop_signal();
        tokio::pin!(stop);
        loop {
            let (stream, _) = tokio::select! {
                _ = &mut stop => break,
                r = listener.accept() => match r {
                    Ok(x) => x,
                    Err(_) => continue,
                },
            };
            let _ = stream.set_nodelay(true); // as the emulator's server does
            let acceptor = acceptor.clone();
            let body = body.clone();
            tokio::spawn(async move {
                let Ok(Ok(tls)) =
                    tokio::time::timeout(limits.handshake_timeout, acceptor.accept(stream)).await
                else {
                    return;
                };
                if tls.get_ref().1.peer_certificates().is_none() {
                    return;
                }
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let body = body.clone();
                    async move {
                        let _ = req.into_body().collect().await;
                        let resp = hyper::Response::builder()
                            .header("content-type", "text/xml; charset=utf-8")
                            .body(Full::new(body))
                            .expect("a valid response");
                        Ok::<_, Infallible>(resp)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(limits.header_read_timeout)
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
        Ok(())
    })
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {},
                _ = term.recv() => {},
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canned_body_has_the_size_asked_for_and_is_xml() {
        let b = canned_body(2500);
        assert_eq!(b.len(), 2500);
        let text = std::str::from_utf8(&b).unwrap();
        assert!(crate::xml::parse(text).is_ok());
    }
}
