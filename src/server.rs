//! The network edge: accepts TCP connections (bounded in number), completes the mutual-TLS
//! handshake under a timeout, computes the peer's identity once per connection, serves
//! HTTP/1.1 with hyper (header-read timeout, body size limit and timeout) and routes
//! requests. Shuts down gracefully when the given future completes.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;

use crate::app::{App, BASE_URL_MARKER, SOSO_WSDL, XROAD_WSDL};
use crate::ops::{self, Caller};
use crate::soap::envelope;
use crate::soap::{Fault, SoapVersion};
use crate::tls::{PeerIdentity, TlsError};

pub const SOSO_PATH: &str = "/sosowebsite/soso.asmx";
pub const XROAD_PATH: &str = "/SoSoAdapterWebSite/SoSoAdapterService60.svc";
/// [`XROAD_PATH`] as routing compares it (lower case, as every path).
const XROAD_PATH_LC: &str = "/sosoadapterwebsite/sosoadapterservice60.svc";
/// How long in-flight requests may take to finish after shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// How often the server logs a summary of what it served.
const SUMMARY_EVERY: Duration = Duration::from_secs(60);

type Body = Full<Bytes>;

/// Serves until `shutdown` completes, then lets in-flight requests finish (bounded).
pub async fn run(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), TlsError> {
    let limits = app.settings().limits;
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let counter = Arc::new(AtomicU64::new(0));
    let summary = tokio::spawn(summarise(app.clone(), counter.clone()));
    tokio::pin!(shutdown);
    while let Some((permit, stream, remote)) =
        next_connection(&listener, &slots, &mut shutdown, "soap").await
    {
        // The TLS configuration in force now: a reload applies to new connections.
        let acceptor = TlsAcceptor::from(app.live().tls.clone());
        let app = app.clone();
        let counter = counter.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let _permit = permit;
            // A connection in its handshake will most likely send a query: the audit
            // writer may hold a group open for it (audit::log::Underway).
            let handshake = app.audit.underway();
            let accepted =
                tokio::time::timeout(limits.handshake_timeout, acceptor.accept(stream)).await;
            drop(handshake);
            let tls = match accepted {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    let reason = crate::metrics::handshake_reason(&e);
                    app.metrics.handshake_failed(reason);
                    tracing::info!(%remote, reason, error = %e, "TLS handshake refused");
                    return;
                }
                Err(_) => {
                    app.metrics.handshake_failed("timeout");
                    tracing::info!(%remote, "TLS handshake timed out");
                    return;
                }
            };
            let Some(leaf) = tls.get_ref().1.peer_certificates().and_then(|c| c.first()) else {
                return; // the verifier requires a certificate; nothing to serve without one
            };
            let peer = PeerIdentity::remembered(leaf.as_ref());
            let organisation = app.settings().access.identify(&peer);
            tracing::debug!(%remote, subject = %peer.subject, organisation = ?organisation.as_ref().map(|o| &o.id), "connection");
            let service = service_fn(move |req| {
                let caller = Caller {
                    peer: peer.clone(),
                    organisation: organisation.clone(),
                    request_id: request_id(&counter),
                    received: Instant::now(),
                    underway: Arc::new(app.audit.underway()),
                };
                let app = app.clone();
                async move {
                    let response = route(&app, caller, req).await;
                    // An injected "dropped connection": hyper closes it on a service error.
                    if response.extensions().get::<DropConnection>().is_some() {
                        return Err(DropConnection);
                    }
                    Ok(response)
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .serve_connection(TokioIo::new(tls), service);
            if let Err(e) = watcher.watch(conn).await {
                tracing::debug!(%remote, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    summary.abort();
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("in-flight connections did not finish within {SHUTDOWN_GRACE:?}");
    }
    // A final checkpoint and a flush of sled: a clean stop leaves the audit journal empty.
    app.audit.close().await;
    if let Err(e) = app.db.flush_async().await {
        tracing::error!(error = %e, "final flush failed");
    }
    Ok(())
}

/// Waits for a free connection slot, then for a connection, until `shutdown` completes
/// (`None`): the accept step of the SOAP listener and the console's. An accept error is
/// logged with the listener's name and retried after 50 ms. The stream has Nagle off: small
/// TLS records (session tickets, then the answer) must not wait for a delayed ACK, which
/// costs 40 ms on a new connection.
pub async fn next_connection(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
    shutdown: &mut (impl Future<Output = ()> + Unpin),
    name: &str,
) -> Option<(OwnedSemaphorePermit, TcpStream, SocketAddr)> {
    let permit = tokio::select! {
        _ = &mut *shutdown => return None,
        p = slots.clone().acquire_owned() => p.expect("the semaphore is never closed"),
    };
    loop {
        tokio::select! {
            _ = &mut *shutdown => return None,
            r = listener.accept() => match r {
                Ok((stream, remote)) => {
                    let _ = stream.set_nodelay(true);
                    return Some((permit, stream, remote));
                }
                Err(e) => {
                    tracing::warn!(listener = name, error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
}

/// Every [`SUMMARY_EVERY`] with traffic, one info line: requests received and audit
/// records written in that time (each query's own line is at debug level; its audit
/// record is the per-query record).
async fn summarise(app: Arc<App>, requests: Arc<AtomicU64>) {
    let mut ticks = tokio::time::interval(SUMMARY_EVERY);
    ticks.tick().await;
    let (mut seen, mut before) = (0, app.audit.stats());
    loop {
        ticks.tick().await;
        let (now, stats) = (requests.load(Ordering::Relaxed), app.audit.stats());
        let records = stats.records - before.records;
        if now > seen {
            let syncs = stats.flushes - before.flushes;
            tracing::info!(
                requests = now - seen,
                audit_records = records,
                audit_syncs = syncs,
                seconds = SUMMARY_EVERY.as_secs(),
                "served"
            );
        }
        (seen, before) = (now, stats);
    }
}

fn request_id(counter: &AtomicU64) -> String {
    let n = counter.fetch_add(1, Ordering::Relaxed);
    let t = jiff::Timestamp::now().as_nanosecond() as u64;
    format!("{t:016x}-{n:x}")
}

async fn route(app: &App, caller: Caller, req: Request<Incoming>) -> Response<Body> {
    // IIS, which serves the real interface, matches paths case-insensitively.
    let path = req.uri().path().to_ascii_lowercase();
    let query = req.uri().query().unwrap_or("").to_ascii_lowercase();
    match (req.method(), path.as_str()) {
        (&Method::GET, SOSO_PATH) if query == "wsdl" => wsdl(app, &req, SOSO_WSDL),
        (&Method::POST, SOSO_PATH) => soap_direct(app, caller, req).await,
        (&Method::GET, p) if p.starts_with(ops::hae_tuotteen_skeema::SCHEMAS_PATH) => {
            let file = &p[ops::hae_tuotteen_skeema::SCHEMAS_PATH.len()..];
            let org = caller.organisation.as_deref();
            match ops::hae_tuotteen_skeema::schema_file(org, &app.settings().products, file) {
                Ok(xsd) => response(StatusCode::OK, "text/xml; charset=utf-8", xsd),
                Err((status, reason)) => plain(
                    StatusCode::from_u16(status).unwrap_or(StatusCode::NOT_FOUND),
                    &reason,
                ),
            }
        }
        (&Method::GET, XROAD_PATH_LC) if query == "wsdl" => wsdl(app, &req, XROAD_WSDL),
        (&Method::POST, XROAD_PATH_LC) => soap_xroad(app, caller, req).await,
        (_, SOSO_PATH | XROAD_PATH_LC) => plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "use POST for SOAP requests or GET ?wsdl",
        ),
        (_, p) if p.starts_with(crate::admin::ADMIN_PREFIX) => {
            crate::admin::handle(app, caller, req).await
        }
        _ => plain(StatusCode::NOT_FOUND, "no such endpoint"),
    }
}

fn wsdl(app: &App, req: &Request<Incoming>, template: &str) -> Response<Body> {
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| app.settings().listen.to_string());
    let body = template.replace(BASE_URL_MARKER, &format!("https://{host}"));
    response(StatusCode::OK, "text/xml; charset=utf-8", body)
}

async fn soap_direct(app: &App, caller: Caller, req: Request<Incoming>) -> Response<Body> {
    let (framing, bytes) = match soap_request(app, req, false).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let answer = ops::handle_direct(app, &caller, &framing, &bytes).await;
    soap_response(answer)
}

async fn soap_xroad(app: &App, caller: Caller, req: Request<Incoming>) -> Response<Body> {
    let (framing, bytes) = match soap_request(app, req, true).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let answer = ops::xroad::handle(app, &caller, &framing, &bytes).await;
    soap_response(answer)
}

/// Marks a response whose connection is to be closed without sending it.
#[derive(Debug, Clone, Copy)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DropConnection {}

fn soap_response(answer: ops::SoapAnswer) -> Response<Body> {
    if answer.drop_connection {
        let mut r = plain(StatusCode::INTERNAL_SERVER_ERROR, "dropped");
        r.extensions_mut().insert(DropConnection);
        return r;
    }
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        return plain(status, answer.body.trim_end());
    }
    response(status, answer.version.content_type(), answer.body)
}

/// Reads the SOAP framing and the body; an HTTP-level problem is answered here (415 for
/// a content type that is no SOAP version the endpoint speaks, 400 for an empty body,
/// 413, 408) with a SOAP fault of the request's version where one is known.
async fn soap_request(
    app: &App,
    req: Request<Incoming>,
    soap11_only: bool,
) -> Result<(envelope::Framing, Bytes), Response<Body>> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let framing = match envelope::framing(header(CONTENT_TYPE.as_str()), header("soapaction")) {
        Ok(f) if soap11_only && f.version == SoapVersion::V12 => {
            return Err(http_fault(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                SoapVersion::V11,
                "the X-Road interface speaks SOAP 1.1 only: send text/xml".into(),
            ));
        }
        Ok(f) => f,
        Err(e) => {
            return Err(http_fault(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                SoapVersion::V11,
                e.to_string(),
            ));
        }
    };
    let limits = app.settings().limits;
    let declared = header(CONTENT_LENGTH.as_str()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limits.max_body_bytes) {
        return Err(too_large(limits.max_body_bytes));
    }
    let body = Limited::new(req.into_body(), limits.max_body_bytes);
    let bytes = match tokio::time::timeout(limits.body_timeout, body.collect()).await {
        Err(_) => {
            return Err(plain(
                StatusCode::REQUEST_TIMEOUT,
                "the request body did not arrive in time",
            ));
        }
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            return Err(too_large(limits.max_body_bytes));
        }
        Ok(Err(e)) => {
            return Err(plain(
                StatusCode::BAD_REQUEST,
                &format!("reading the request body failed: {e}"),
            ));
        }
        Ok(Ok(c)) => c.to_bytes(),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(http_fault(
            StatusCode::BAD_REQUEST,
            framing.version,
            "the request has no body: POST a SOAP envelope".into(),
        ));
    }
    Ok((framing, bytes))
}

fn http_fault(status: StatusCode, version: SoapVersion, reason: String) -> Response<Body> {
    let fault = Fault::client(version, reason);
    response(status, version.content_type(), fault.to_xml())
}

fn too_large(limit: usize) -> Response<Body> {
    plain(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("the request body is larger than {limit} bytes"),
    )
}

fn plain(status: StatusCode, text: &str) -> Response<Body> {
    response(status, "text/plain; charset=utf-8", format!("{text}\n"))
}

fn response(status: StatusCode, content_type: &str, body: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, content_type)
        .body(Full::new(Bytes::from(body)))
        .expect("static headers are valid")
}
