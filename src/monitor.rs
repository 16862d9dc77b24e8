//! The monitoring listener: plain HTTP, meant for localhost or an internal network, with
//! `GET /metrics` (Prometheus text), `GET /healthz` (the process answers) and `GET /readyz`
//! (ready only when the registry and the audit store are open). It serves no VTJ data and
//! needs no certificate, so it must never face the network clients use.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::CONTENT_TYPE;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use crate::audit::AuditLog;
use crate::metrics::Metrics;
use crate::registry::store::Registry;

/// What the monitor reports on, handed to it by the server that owns it (the running
/// application state implements it), so this listener stands below that state.
pub trait Monitored: Send + Sync + 'static {
    fn metrics(&self) -> &Metrics;
    fn audit(&self) -> &AuditLog;
    fn registry(&self) -> &Registry;
    fn registry_count(&self) -> &RegistryCount;
}

/// Serves until `shutdown` completes.
pub async fn run<S: Monitored>(
    listener: TcpListener,
    app: Arc<S>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            _ = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "monitor accept failed");
                    continue;
                }
            },
        };
        let app = app.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let app = app.clone();
                async move { Ok::<_, Infallible>(route(&app, &req)) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(std::time::Duration::from_secs(10))
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// How old a registry count may be before a scrape starts a new one.
const COUNT_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// The number of persons, counted in the background (a count scans the whole tree, which
/// at full population takes seconds): a scrape never waits for it, and the gauge appears
/// once the first count has finished.
#[derive(Default)]
pub struct RegistryCount {
    state: std::sync::Mutex<(Option<u64>, Option<std::time::Instant>, bool)>,
}

impl RegistryCount {
    /// The last count; starts a new one when it is missing or stale.
    pub fn get<S: Monitored>(&self, app: &Arc<S>) -> Option<u64> {
        let mut st = self.state.lock().expect("not poisoned");
        let stale = st.1.is_none_or(|t| t.elapsed() > COUNT_MAX_AGE);
        if stale && !st.2 {
            st.2 = true;
            let app = app.clone();
            tokio::task::spawn_blocking(move || {
                let n = app.registry().len() as u64;
                let mut st = app.registry_count().state.lock().expect("not poisoned");
                *st = (Some(n), Some(std::time::Instant::now()), false);
            });
        }
        st.0
    }
}

fn route<S: Monitored>(
    app: &Arc<S>,
    req: &Request<hyper::body::Incoming>,
) -> Response<Full<Bytes>> {
    match (req.method(), req.uri().path()) {
        (&Method::GET, "/metrics") => {
            let persons = app.registry_count().get(app);
            let mut gauges: Vec<(&str, &str, f64)> = persons
                .map(|n| {
                    (
                        "vtj_registry_persons",
                        "Persons in the registry (counted at most once a minute).",
                        n as f64,
                    )
                })
                .into_iter()
                .collect();
            // The runtime this listener runs on is the one that serves the queries.
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                gauges.push((
                    "vtj_runtime_workers",
                    "Threads that serve connections (server.workers).",
                    runtime.metrics().num_workers() as f64,
                ));
            }
            let mut body = app.metrics().render(&gauges);
            body.push_str(&audit_flushes(&app.audit().stats()));
            text(
                StatusCode::OK,
                "text/plain; version=0.0.4; charset=utf-8",
                body,
            )
        }
        (&Method::GET, "/healthz") => text(StatusCode::OK, "text/plain", "ok\n".into()),
        (&Method::GET, "/readyz") => match readiness(app.as_ref()) {
            Ok(()) => text(StatusCode::OK, "text/plain", "ready\n".into()),
            Err(why) => text(
                StatusCode::SERVICE_UNAVAILABLE,
                "text/plain",
                format!("not ready: {why}\n"),
            ),
        },
        _ => text(
            StatusCode::NOT_FOUND,
            "text/plain",
            "no such endpoint\n".into(),
        ),
    }
}

/// The audit writer's flushes as a Prometheus histogram, and its record count.
fn audit_flushes(stats: &crate::audit::log::LogStats) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP vtj_audit_flush_seconds Time to flush a batch of audit records to disk."
    );
    let _ = writeln!(out, "# TYPE vtj_audit_flush_seconds histogram");
    for (bound, n) in crate::audit::log::FLUSH_BUCKETS
        .iter()
        .zip(stats.flush_buckets)
    {
        let _ = writeln!(out, "vtj_audit_flush_seconds_bucket{{le=\"{bound}\"}} {n}");
    }
    let _ = writeln!(
        out,
        "vtj_audit_flush_seconds_bucket{{le=\"+Inf\"}} {}",
        stats.flushes
    );
    let _ = writeln!(out, "vtj_audit_flush_seconds_sum {}", stats.flush_seconds);
    let _ = writeln!(out, "vtj_audit_flush_seconds_count {}", stats.flushes);
    let _ = writeln!(
        out,
        "# HELP vtj_audit_records_total Audit records appended since start."
    );
    let _ = writeln!(out, "# TYPE vtj_audit_records_total counter");
    let _ = writeln!(out, "vtj_audit_records_total {}", stats.records);
    out
}

/// Ready when the audit writer runs and the registry answers.
pub fn readiness(app: &impl Monitored) -> Result<(), String> {
    if !app.audit().is_open() {
        return Err("the audit writer has stopped".into());
    }
    if let Some(why) = app.audit().store().unready() {
        return Err(why);
    }
    app.registry()
        .get(&"020501A999T".parse().expect("a valid code"))
        .map(|_| ())
        .map_err(|e| format!("the registry does not answer: {e}"))
}

fn text(status: StatusCode, content_type: &str, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, content_type)
        .body(Full::new(Bytes::from(body)))
        .expect("static headers are valid")
}
