//! The load harness (`vtj-emulator loadtest`): person queries (by identity code, or
//! identification searches by name and birth date) over mutual TLS against a
//! running emulator (or any server answering the direct interface), on N connections with
//! keep-alive or a new TLS connection per request, at full speed (closed loop) or at a
//! fixed rate (open loop, latency measured from each request's intended send time, less
//! at most one tick of the harness's own timer, so a stalled server is not hidden by
//! coordinated omission). It reports throughput and latency
//! percentiles from an HDR histogram, and the VTJ return codes of the answers, as text or
//! JSON.
//!
//! It is a client only: it never touches the store, the configuration or the server's
//! state. It always stops by itself (a request count or a duration bounds every run) and
//! refuses non-loopback targets unless `--allow-remote` is given.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde::Serialize;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// The bundled fixture persons: their identity codes are the default query subjects.
const FIXTURE_PERSONS: &str = include_str!("../fixtures/persons.toml");

/// Latencies above this are clamped into the histogram's top bucket.
const MAX_LATENCY_US: u64 = 60_000_000;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("bad target {0:?}: expected https://HOST:PORT[/PATH]")]
    Target(String),
    #[error("cannot resolve {host}: {reason}")]
    Resolve { host: String, reason: String },
    #[error(
        "target {0} is not a loopback address; a load test against another machine needs --allow-remote"
    )]
    NotLoopback(SocketAddr),
    #[error("TLS: {0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("bad duration {0:?}: expected e.g. 10s, 500ms, 2m or a number of seconds")]
    Duration(String),
    #[error("{0}")]
    Invalid(String),
}

/// The command's options.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadtestArgs {
    /// The server's base URL (the direct interface's path is added unless one is given).
    #[arg(long, default_value = "https://127.0.0.1:8443")]
    pub target: String,
    /// The CA that signed the server's certificate.
    #[arg(long, default_value = "certs/ca.pem")]
    pub ca: PathBuf,
    /// The client certificate (PEM).
    #[arg(long, default_value = "certs/clients/demo.pem")]
    pub cert: PathBuf,
    /// The client certificate's key (PEM).
    #[arg(long, default_value = "certs/clients/demo-key.pem")]
    pub key: PathBuf,
    /// Name checked against the server certificate (default: the target's host).
    #[arg(long)]
    pub server_name: Option<String>,
    /// Concurrent connections (each carries one request at a time).
    #[arg(long, default_value_t = 4)]
    pub connections: usize,
    /// Open a new TLS connection (full mutual-TLS handshake) for every request.
    #[arg(long)]
    pub new_connection: bool,
    /// Fixed rate in requests per second (open loop); without it, full speed.
    #[arg(long)]
    pub rate: Option<f64>,
    /// How long to run, e.g. 10s, 500ms, 2m (default 10s unless --requests is given).
    #[arg(long)]
    pub duration: Option<String>,
    /// How many requests to send in all.
    #[arg(long)]
    pub requests: Option<u64>,
    /// Identity codes to query, one a line (default: the bundled fixture persons).
    #[arg(long, value_name = "FILE")]
    pub hetu_file: Option<PathBuf>,
    /// Identification searches instead (`TeeHenkilonTunnistusKysely`), one a line:
    /// `SURNAME;FIRST NAMES;YYYYMMDD[;MUNICIPALITY]`, as `population sample --criteria`
    /// prints them. The organisation's permit must grant identification searches.
    #[arg(long, value_name = "FILE", conflicts_with = "hetu_file")]
    pub criteria_file: Option<PathBuf>,
    /// Product to query (repeatable; requests cycle through them).
    #[arg(long = "product", default_values_t = vec!["PERUSSANOMA 3".to_string()])]
    pub products: Vec<String>,
    /// Service user (Kayttajatunnus).
    #[arg(long, default_value = "demo")]
    pub user: String,
    /// The service user's password (a test credential; never use a real one here).
    #[arg(long, default_value = "demo")]
    pub password: String,
    /// End user (Loppukayttaja) recorded in the audit trail.
    #[arg(long, default_value = "loadtest")]
    pub end_user: String,
    /// Print the report as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Permit a target that is not a loopback address.
    #[arg(long)]
    pub allow_remote: bool,
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub min: f64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

/// The outcome of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub target: String,
    pub connections: usize,
    /// `keep-alive` or `new-connection`.
    pub mode: &'static str,
    /// The fixed rate asked for (open loop), or null for full speed.
    pub rate: Option<f64>,
    /// `TeeHenkilonTunnusKysely` or `TeeHenkilonTunnistusKysely`.
    pub operation: &'static str,
    pub persons: usize,
    pub products: Vec<String>,
    /// Wall-clock seconds from the first request to the last answer.
    pub elapsed_s: f64,
    /// Requests sent (answered or failed).
    pub requests: u64,
    /// Answers with HTTP 200.
    pub ok: u64,
    /// Transport failures and answers other than HTTP 200.
    pub errors: u64,
    /// Up to five distinct error descriptions.
    pub error_samples: Vec<String>,
    /// Successful answers per second.
    pub throughput_rps: f64,
    /// Response body bytes received.
    pub bytes_received: u64,
    /// How many HTTP 200 answers carried each VTJ return code (`Paluukoodi koodi`; `none`
    /// for an answer without one, such as a SOAP fault).
    pub return_codes: BTreeMap<String, u64>,
    /// Latency of successful requests (from the intended send time in open loop).
    pub latency_ms: Latency,
}

impl Report {
    pub fn text(&self) -> String {
        let l = &self.latency_ms;
        let rate = match self.rate {
            Some(r) => format!("fixed rate {r}/s (open loop)"),
            None => "full speed (closed loop)".to_string(),
        };
        let mut s = format!(
            "target      {}\nload        {} connection(s), {}, {}\nqueries     {} of {} person(s) × {}\n\
             requests    {} in {:.2} s: {} ok, {} errors\nthroughput  {:.1} requests/s ({:.1} KiB/s received)\n\
             latency ms  min {:.3}  mean {:.3}  p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}\n",
            self.target,
            self.connections,
            self.mode,
            rate,
            self.operation,
            self.persons,
            self.products.join(", "),
            self.requests,
            self.elapsed_s,
            self.ok,
            self.errors,
            self.throughput_rps,
            self.bytes_received as f64 / 1024.0 / self.elapsed_s.max(1e-9),
            l.min,
            l.mean,
            l.p50,
            l.p90,
            l.p99,
            l.p999,
            l.max
        );
        if !self.return_codes.is_empty() {
            let codes: Vec<String> = self
                .return_codes
                .iter()
                .map(|(code, n)| format!("{code} × {n}"))
                .collect();
            s.push_str(&format!("codes       {}\n", codes.join(", ")));
        }
        for e in &self.error_samples {
            s.push_str(&format!("error       {e}\n"));
        }
        s
    }
}

/// A checked plan: everything the run needs, read and resolved.
pub struct Plan {
    pub target: String,
    pub addr: SocketAddr,
    pub path: String,
    pub host_header: String,
    pub server_name: rustls::pki_types::ServerName<'static>,
    pub tls: Arc<rustls::ClientConfig>,
    pub connections: usize,
    pub new_connection: bool,
    pub rate: Option<f64>,
    pub duration: Option<Duration>,
    pub requests: Option<u64>,
    pub operation: &'static str,
    /// The query subjects: identity codes, or the lines of identification criteria.
    pub subjects: Vec<String>,
    pub products: Vec<String>,
    /// One prepared request body per (subject, product) pair: index `i` uses
    /// `bodies[i % bodies.len()]`.
    pub bodies: Vec<Bytes>,
    pub progress: bool,
}

fn read(path: &PathBuf) -> Result<String, LoadError> {
    std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// Parses `10s`, `500ms`, `2m`, `1h` or a plain number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, LoadError> {
    let bad = || LoadError::Duration(s.to_string());
    let t = s.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (t, 1.0)
    };
    let v: f64 = num.trim().parse().map_err(|_| bad())?;
    if !v.is_finite() || v <= 0.0 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(v * scale))
}

/// The identity codes of the bundled fixture persons.
pub fn fixture_hetus() -> Vec<String> {
    let value: toml::Value = match toml::from_str(FIXTURE_PERSONS) {
        Ok(v) => v,
        Err(_) => return Vec::new(),
    };
    value
        .get("person")
        .and_then(|p| p.as_array())
        .map(|persons| {
            persons
                .iter()
                .filter_map(|p| p.get("hetu").and_then(|h| h.as_str()).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

const BY_HETU: &str = "TeeHenkilonTunnusKysely";
const BY_NAME: &str = "TeeHenkilonTunnistusKysely";

/// A direct-interface `TeeHenkilonTunnistusKysely` (SOAP 1.1) of one criteria line
/// (`SURNAME;FIRST NAMES;YYYYMMDD[;MUNICIPALITY]`), or why the line is not one.
pub fn identification_query(
    product: &str,
    user: &str,
    password: &str,
    end_user: &str,
    criteria: &str,
) -> Result<String, LoadError> {
    let fields: Vec<&str> = criteria.split(';').map(str::trim).collect();
    let (surname, first, birth, municipality) = match fields[..] {
        [s, f, b] => (s, f, b, None),
        [s, f, b, m] => (s, f, b, Some(m)),
        _ => {
            return Err(LoadError::Invalid(format!(
                "criteria line {criteria:?}: expected SURNAME;FIRST NAMES;YYYYMMDD[;MUNICIPALITY]"
            )));
        }
    };
    let mut haku = format!(
        r#"<HenkilonTunnistusHaku xmlns="http://xml.vrk.fi/schema/vtjkysely"><Sukunimi>{}</Sukunimi><Etunimet>{}</Etunimet><Syntymaaika>{}</Syntymaaika>"#,
        escape(surname),
        escape(first),
        escape(birth)
    );
    if let Some(m) = municipality {
        haku.push_str(&format!("<Kuntanumero>{}</Kuntanumero>", escape(m)));
    }
    haku.push_str("</HenkilonTunnistusHaku>");
    let caller = [product, user, password, end_user];
    Ok(direct_request(BY_NAME, caller, ("HakuXml", &haku)))
}

/// The VTJ return code of an answer body (`Paluukoodi koodi="…"`), if it has one.
pub fn return_code(body: &[u8]) -> Option<String> {
    const MARK: &[u8] = b"Paluukoodi koodi=\"";
    let at = body.windows(MARK.len()).position(|w| w == MARK)? + MARK.len();
    let code = body.get(at..)?.split(|b| *b == b'"').next()?;
    Some(String::from_utf8_lossy(code).into_owned())
}

/// A direct-interface `TeeHenkilonTunnusKysely` (SOAP 1.1).
pub fn person_query(
    product: &str,
    user: &str,
    password: &str,
    end_user: &str,
    hetu: &str,
) -> String {
    let caller = [product, user, password, end_user];
    direct_request(BY_HETU, caller, ("Henkilotunnus", hetu))
}

/// A direct-interface request (SOAP 1.1) of operation `op`: the product, service user,
/// password and end user of `caller`, then one criterion element (its text escaped here).
fn direct_request(op: &str, caller: [&str; 4], (criterion, value): (&str, &str)) -> String {
    let [product, user, password, end_user] = caller.map(escape);
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><{op} xmlns="http://tempuri.org/"><SoSoNimi>{product}</SoSoNimi><Kayttajatunnus>{user}</Kayttajatunnus><Salasana>{password}</Salasana><Loppukayttaja>{end_user}</Loppukayttaja><{criterion}>{}</{criterion}></{op}></soap:Body></soap:Envelope>"#,
        escape(value)
    )
}

impl Plan {
    /// Reads the files, resolves the target and prepares the request bodies.
    pub async fn from_args(a: &LoadtestArgs) -> Result<Plan, LoadError> {
        let rest = a
            .target
            .strip_prefix("https://")
            .ok_or_else(|| LoadError::Target(a.target.clone()))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let path = if path.is_empty() || path == "/" {
            crate::server::SOSO_PATH.to_string()
        } else {
            path.to_string()
        };
        let uri: hyper::http::uri::Authority = authority
            .parse()
            .map_err(|_| LoadError::Target(a.target.clone()))?;
        let host = uri.host().trim_start_matches('[').trim_end_matches(']');
        let port = uri.port_u16().unwrap_or(443);
        let addr = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| LoadError::Resolve {
                host: host.to_string(),
                reason: e.to_string(),
            })?
            .next()
            .ok_or_else(|| LoadError::Resolve {
                host: host.to_string(),
                reason: "no address".to_string(),
            })?;
        if !a.allow_remote && !addr.ip().is_loopback() {
            return Err(LoadError::NotLoopback(addr));
        }
        let server_name = crate::tls::server_name(a.server_name.as_deref().unwrap_or(host))?;
        let ca = read(&a.ca)?;
        let cert = read(&a.cert)?;
        let key = read(&a.key)?;
        let tls = crate::tls::client_config(&ca, Some((&cert, &key)))?;
        let lines = |f: &PathBuf| -> Result<Vec<String>, LoadError> {
            Ok(read(f)?
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string)
                .collect())
        };
        let (operation, subjects) = match (&a.criteria_file, &a.hetu_file) {
            (Some(f), _) => (BY_NAME, lines(f)?),
            (None, Some(f)) => (BY_HETU, lines(f)?),
            (None, None) => (BY_HETU, fixture_hetus()),
        };
        if subjects.is_empty() {
            return Err(LoadError::Invalid(match operation {
                BY_NAME => "no identification criteria to query".into(),
                _ => "no identity codes to query".into(),
            }));
        }
        if a.products.is_empty() {
            return Err(LoadError::Invalid("no product to query".into()));
        }
        if a.connections == 0 {
            return Err(LoadError::Invalid(
                "--connections must be at least 1".into(),
            ));
        }
        if let Some(r) = a.rate
            && !(r.is_finite() && r > 0.0)
        {
            return Err(LoadError::Invalid(
                "--rate must be a positive number".into(),
            ));
        }
        if a.requests == Some(0) {
            return Err(LoadError::Invalid("--requests must be at least 1".into()));
        }
        let duration = match (&a.duration, a.requests) {
            (Some(d), _) => Some(parse_duration(d)?),
            (None, Some(_)) => None,
            (None, None) => Some(Duration::from_secs(10)),
        };
        // Persons vary fastest; products change once per pass over the persons.
        let mut bodies = Vec::with_capacity(subjects.len() * a.products.len());
        for product in &a.products {
            for subject in &subjects {
                let (u, p, e) = (&a.user, &a.password, &a.end_user);
                let body = match operation {
                    BY_NAME => identification_query(product, u, p, e, subject)?,
                    _ => person_query(product, u, p, e, subject),
                };
                bodies.push(Bytes::from(body));
            }
        }
        Ok(Plan {
            target: format!("https://{authority}{path}"),
            addr,
            path,
            host_header: authority.to_string(),
            server_name,
            tls: Arc::new(tls),
            connections: a.connections,
            new_connection: a.new_connection,
            rate: a.rate,
            duration,
            requests: a.requests,
            operation,
            subjects,
            products: a.products.clone(),
            bodies,
            progress: !a.quiet,
        })
    }
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(plan: &Plan) -> Result<Sender, String> {
    let tcp = TcpStream::connect(plan.addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let tls = TlsConnector::from(plan.tls.clone())
        .connect(plan.server_name.clone(), tcp)
        .await
        .map_err(|e| format!("TLS handshake: {e}"))?;
    let (sender, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// Sends one request on `sender`; the body's length on HTTP 200.
/// Sends one request; the answer's length and VTJ return code.
async fn send(
    plan: &Plan,
    sender: &mut Sender,
    body: Bytes,
) -> Result<(u64, Option<String>), String> {
    sender
        .ready()
        .await
        .map_err(|e| format!("connection: {e}"))?;
    let req = hyper::Request::builder()
        .method("POST")
        .uri(plan.path.as_str())
        .header("host", plan.host_header.as_str())
        .header("content-type", "text/xml; charset=utf-8")
        .header(
            "soapaction",
            format!("\"http://tempuri.org/{}\"", plan.operation),
        )
        .body(Full::new(body))
        .map_err(|e| e.to_string())?;
    let resp = sender
        .send_request(req)
        .await
        .map_err(|e| format!("request: {e}"))?;
    let status = resp.status();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?
        .to_bytes();
    if status != hyper::StatusCode::OK {
        return Err(format!("HTTP {}", status.as_u16()));
    }
    Ok((bytes.len() as u64, return_code(&bytes)))
}

/// What one connection task measured.
struct Tally {
    hist: Histogram<u64>,
    ok: u64,
    errors: u64,
    bytes: u64,
    samples: Vec<String>,
    codes: BTreeMap<String, u64>,
}

impl Tally {
    fn new() -> Self {
        Tally {
            hist: histogram(),
            ok: 0,
            errors: 0,
            bytes: 0,
            samples: Vec::new(),
            codes: BTreeMap::new(),
        }
    }
}

/// The resolution of tokio's timer: how late an open-loop request may be sent before the
/// lateness counts as latency.
const TIMER_TICK: Duration = Duration::from_millis(1);

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("valid histogram bounds")
}

struct Shared {
    next: AtomicU64,
    done: AtomicU64,
    start: Instant,
    deadline: Option<Instant>,
}

async fn worker(plan: Arc<Plan>, shared: Arc<Shared>) -> Tally {
    let mut t = Tally::new();
    let mut kept: Option<Sender> = None;
    loop {
        let i = shared.next.fetch_add(1, Ordering::Relaxed);
        if plan.requests.is_some_and(|n| i >= n) {
            break;
        }
        // In open loop the request has an intended send time; latency starts there, so a
        // slow server cannot hide its queue (coordinated omission). tokio's timer fires on
        // millisecond ticks, so the harness forgives its own lateness up to one tick: the
        // latency starts when the request was sent, or one tick after it was due, whichever
        // is earlier.
        let intended = match plan.rate {
            Some(r) => {
                let at = shared.start + Duration::from_secs_f64(i as f64 / r);
                if shared.deadline.is_some_and(|d| at >= d) {
                    break;
                }
                tokio::time::sleep_until(at.into()).await;
                Instant::now().min(at + TIMER_TICK)
            }
            None => {
                let now = Instant::now();
                if shared.deadline.is_some_and(|d| now >= d) {
                    break;
                }
                now
            }
        };
        let body = plan.bodies[(i % plan.bodies.len() as u64) as usize].clone();
        let result = async {
            let mut sender = match kept.take() {
                Some(s) if !plan.new_connection && !s.is_closed() => s,
                _ => connect(&plan).await?,
            };
            let answer = send(&plan, &mut sender, body).await?;
            if !plan.new_connection {
                kept = Some(sender);
            }
            Ok::<_, String>(answer)
        }
        .await;
        let elapsed = intended.elapsed().as_micros() as u64;
        match result {
            Ok((n, code)) => {
                t.ok += 1;
                t.bytes += n;
                *t.codes
                    .entry(code.unwrap_or_else(|| "none".into()))
                    .or_default() += 1;
                let _ = t.hist.record(elapsed.clamp(1, MAX_LATENCY_US));
            }
            Err(e) => {
                t.errors += 1;
                if t.samples.len() < 5 && !t.samples.contains(&e) {
                    t.samples.push(e);
                }
            }
        }
        shared.done.fetch_add(1, Ordering::Relaxed);
    }
    t
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

/// Runs the plan to its end and reports.
pub async fn run(plan: Plan) -> Report {
    let plan = Arc::new(plan);
    let start = Instant::now();
    let shared = Arc::new(Shared {
        next: AtomicU64::new(0),
        done: AtomicU64::new(0),
        start,
        deadline: plan.duration.map(|d| start + d),
    });
    let bar = plan.progress.then(|| progress_bar(&plan));
    let ticker = bar.clone().map(|bar| {
        let shared = shared.clone();
        let plan = plan.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let done = shared.done.load(Ordering::Relaxed);
                match plan.requests {
                    Some(_) => bar.set_position(done),
                    None => bar.set_position(shared.start.elapsed().as_millis() as u64),
                }
                let secs = shared.start.elapsed().as_secs_f64().max(1e-9);
                bar.set_message(format!("{done} requests, {:.0}/s", done as f64 / secs));
            }
        })
    });
    let tasks: Vec<_> = (0..plan.connections)
        .map(|_| tokio::spawn(worker(plan.clone(), shared.clone())))
        .collect();
    let mut all = Tally::new();
    for task in tasks {
        match task.await {
            Ok(t) => {
                let _ = all.hist.add(&t.hist);
                all.ok += t.ok;
                all.errors += t.errors;
                all.bytes += t.bytes;
                for (code, n) in t.codes {
                    *all.codes.entry(code).or_default() += n;
                }
                for s in t.samples {
                    if all.samples.len() < 5 && !all.samples.contains(&s) {
                        all.samples.push(s);
                    }
                }
            }
            Err(e) => {
                all.errors += 1;
                all.samples.push(format!("worker failed: {e}"));
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    if let Some(t) = ticker {
        t.abort();
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let h = &all.hist;
    let empty = h.is_empty();
    let q = |p: f64| {
        if empty {
            0.0
        } else {
            ms(h.value_at_quantile(p))
        }
    };
    Report {
        target: plan.target.clone(),
        connections: plan.connections,
        mode: if plan.new_connection {
            "new-connection"
        } else {
            "keep-alive"
        },
        rate: plan.rate,
        operation: plan.operation,
        persons: plan.subjects.len(),
        products: plan.products.clone(),
        elapsed_s: elapsed,
        requests: all.ok + all.errors,
        ok: all.ok,
        errors: all.errors,
        error_samples: all.samples,
        throughput_rps: all.ok as f64 / elapsed.max(1e-9),
        bytes_received: all.bytes,
        return_codes: all.codes,
        latency_ms: Latency {
            min: if empty { 0.0 } else { ms(h.min()) },
            mean: if empty { 0.0 } else { h.mean() / 1000.0 },
            p50: q(0.5),
            p90: q(0.9),
            p99: q(0.99),
            p999: q(0.999),
            max: if empty { 0.0 } else { ms(h.max()) },
        },
    }
}

fn progress_bar(plan: &Plan) -> indicatif::ProgressBar {
    let len = match (plan.requests, plan.duration) {
        (Some(n), _) => n,
        (None, Some(d)) => d.as_millis() as u64,
        (None, None) => 0,
    };
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {percent:>3}% {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// The command: builds the plan, runs it on its own runtime, prints the report. Fails
/// (exit status 1) when any request failed, so a script notices.
pub fn main(args: &LoadtestArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(async {
        let plan = Plan::from_args(args).await?;
        Ok::<Report, LoadError>(run(plan).await)
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.text());
    }
    anyhow::ensure!(
        report.errors == 0,
        "{} of {} requests failed",
        report.errors,
        report.requests
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn the_fixture_persons_are_the_default_subjects() {
        let hetus = fixture_hetus();
        assert!(hetus.len() >= 20, "{hetus:?}");
        assert!(hetus.contains(&"020501A999T".to_string()));
    }

    /// The answer's return code is read from its `Paluukoodi`, whatever the prefix.
    #[test]
    fn return_codes_are_read_from_the_answer() {
        let body = br#"<a:Paluukoodi koodi="0001">Tietoja ei l&#246;ytynyt</a:Paluukoodi>"#;
        assert_eq!(return_code(body).as_deref(), Some("0001"));
        assert_eq!(return_code(b"<soap:Fault/>"), None);
    }

    /// An identification request carries the criteria, escaped twice (XML in a string).
    #[test]
    fn identification_requests_carry_the_criteria() {
        let q = identification_query("P", "u", "p", "e", "O'Brien & Co;Anna;20010502;091").unwrap();
        assert!(q.contains("<TeeHenkilonTunnistusKysely"), "{q}");
        assert!(
            q.contains("&lt;Sukunimi&gt;O'Brien &amp;amp; Co&lt;/Sukunimi&gt;"),
            "{q}"
        );
        assert!(
            q.contains("&lt;Kuntanumero&gt;091&lt;/Kuntanumero&gt;"),
            "{q}"
        );
        assert!(identification_query("P", "u", "p", "e", "Virtanen;Anna").is_err());
    }

    #[tokio::test]
    async fn a_remote_target_is_refused_without_allow_remote() {
        let args = LoadtestArgs {
            target: "https://192.0.2.1:8443".into(),
            ca: "certs/ca.pem".into(),
            cert: "certs/clients/demo.pem".into(),
            key: "certs/clients/demo-key.pem".into(),
            server_name: None,
            connections: 1,
            new_connection: false,
            rate: None,
            duration: None,
            requests: Some(1),
            hetu_file: None,
            criteria_file: None,
            products: vec!["PERUSSANOMA 3".into()],
            user: "demo".into(),
            password: "demo".into(),
            end_user: "x".into(),
            json: false,
            quiet: true,
            allow_remote: false,
        };
        match Plan::from_args(&args).await {
            Err(LoadError::NotLoopback(_)) => {}
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("a remote target was accepted"),
        }
    }
}
