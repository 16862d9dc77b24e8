//! The load harness (`vtj-emulator loadtest`): person queries (by identity code, or
//! identification searches by name and birth date) over mutual TLS against a
//! running emulator (or any server answering the direct interface), on N connections with
//! keep-alive or a new TLS connection per request, at full speed (closed loop) or at a
//! fixed rate (open loop, latency measured from each request's intended send time, less
//! at most one tick of the harness's own timer, so a stalled server is not hidden by
//! coordinated omission). Kept-alive connections are opened before the clock starts
//! ([`open_connections`]), so a latency never holds a handshake; with a new connection per
//! request, every latency does. Given several targets (`--target` repeated: the nodes behind a
//! load balancer, say) it spreads its connections over them round-robin
//! ([`target::spread`]). It reports throughput and latency percentiles from an HDR
//! histogram, and the VTJ return codes of the answers, in total and per target, as text or
//! JSON ([`report`]).
//!
//! It is a client only: it never touches the store, the configuration or the server's
//! state. It always stops by itself (a request count or a duration bounds every run) and
//! refuses any non-loopback target unless `--allow-remote` is given.

pub mod report;
pub mod target;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use report::Tally;
pub use report::{Latency, Report, TargetReport};
pub use target::{Target, TargetError};

/// The bundled fixture persons: their identity codes are the default query subjects.
const FIXTURE_PERSONS: &str = include_str!("../../fixtures/persons.toml");

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Target(#[from] TargetError),
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
    /// Repeatable: the connections are spread over the targets round-robin, and the report
    /// gives each target's share beside the totals.
    #[arg(long = "target", value_name = "URL", default_values_t = vec!["https://127.0.0.1:8443".to_string()])]
    pub targets: Vec<String>,
    /// The CA that signed the server's certificate.
    #[arg(long, default_value = "certs/ca.pem")]
    pub ca: PathBuf,
    /// The client certificate (PEM).
    #[arg(long, default_value = "certs/clients/demo.pem")]
    pub cert: PathBuf,
    /// The client certificate's key (PEM).
    #[arg(long, default_value = "certs/clients/demo-key.pem")]
    pub key: PathBuf,
    /// Name checked against the server certificate (default: each target's host).
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
    /// Permit targets that are not loopback addresses.
    #[arg(long)]
    pub allow_remote: bool,
}

/// A checked plan: everything the run needs, read and resolved.
pub struct Plan {
    /// The servers; connection `k` goes to `targets[target::target_of(k, targets.len())]`.
    pub targets: Vec<Target>,
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
        let mut targets = Vec::with_capacity(a.targets.len());
        for url in &a.targets {
            let server_name = a.server_name.as_deref();
            targets.push(Target::resolve(url, server_name, a.allow_remote).await?);
        }
        if targets.is_empty() {
            return Err(LoadError::Invalid("no target to load".into()));
        }
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
        if a.connections < targets.len() {
            return Err(LoadError::Invalid(format!(
                "--connections must be at least the number of targets ({}), so that each gets load",
                targets.len()
            )));
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
            targets,
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

async fn connect(plan: &Plan, target: &Target) -> Result<Sender, String> {
    let tcp = TcpStream::connect(target.addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let tls = TlsConnector::from(plan.tls.clone())
        .connect(target.server_name.clone(), tcp)
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

/// Sends one request to `target` on `sender`; the answer's length and VTJ return code.
async fn send(
    plan: &Plan,
    target: &Target,
    sender: &mut Sender,
    body: Bytes,
) -> Result<(u64, Option<String>), String> {
    sender
        .ready()
        .await
        .map_err(|e| format!("connection: {e}"))?;
    let req = hyper::Request::builder()
        .method("POST")
        .uri(target.path.as_str())
        .header("host", target.host_header.as_str())
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

/// The resolution of tokio's timer: how late an open-loop request may be sent before the
/// lateness counts as latency.
const TIMER_TICK: Duration = Duration::from_millis(1);

struct Shared {
    next: AtomicU64,
    done: AtomicU64,
    start: Instant,
    deadline: Option<Instant>,
}

/// How long opening a kept-alive connection before the clock starts may take; one that
/// takes longer is opened again at its first request (and fails there, counted).
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens every kept-alive connection (concurrently) before the run's clock starts, so that
/// no request's latency holds a TLS handshake: in an open-loop run, all connections
/// handshaking at once in its first milliseconds would queue the first requests behind
/// them, a burst no steady client sends. A connection that cannot be opened is `None`; its
/// worker opens it at its first request, where a failure is counted. With
/// `--new-connection` nothing is opened ahead: every request's handshake is the load.
async fn open_connections(plan: &Arc<Plan>) -> Vec<Option<Sender>> {
    if plan.new_connection {
        return (0..plan.connections).map(|_| None).collect();
    }
    let n = plan.targets.len();
    let opening: Vec<_> = (0..plan.connections)
        .map(|c| {
            let plan = plan.clone();
            tokio::spawn(async move {
                let to = &plan.targets[target::target_of(c, n)];
                tokio::time::timeout(OPEN_TIMEOUT, connect(&plan, to))
                    .await
                    .ok()
                    .and_then(Result::ok)
            })
        })
        .collect();
    let mut opened = Vec::with_capacity(opening.len());
    for task in opening {
        opened.push(task.await.ok().flatten());
    }
    opened
}

/// One connection's loop, sending to `plan.targets[target]` on `kept` (opened ahead by
/// [`open_connections`]) while it stays open.
async fn worker(
    plan: Arc<Plan>,
    shared: Arc<Shared>,
    target: usize,
    mut kept: Option<Sender>,
) -> Tally {
    let to = &plan.targets[target];
    let mut t = Tally::default();
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
                _ => connect(&plan, to).await?,
            };
            let answer = send(&plan, to, &mut sender, body).await?;
            if !plan.new_connection {
                kept = Some(sender);
            }
            Ok::<_, String>(answer)
        }
        .await;
        let elapsed = intended.elapsed().as_micros() as u64;
        match result {
            Ok((n, code)) => t.answer(n, code, elapsed),
            Err(e) => t.error(e),
        }
        shared.done.fetch_add(1, Ordering::Relaxed);
    }
    t
}

/// Runs the plan to its end and reports.
pub async fn run(plan: Plan) -> Report {
    let plan = Arc::new(plan);
    let opening = Instant::now();
    let opened = open_connections(&plan).await;
    let opened_in = opening.elapsed().as_secs_f64();
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
    let n = plan.targets.len();
    let tasks: Vec<_> = opened
        .into_iter()
        .enumerate()
        .map(|(c, kept)| {
            let target = target::target_of(c, n);
            let task = tokio::spawn(worker(plan.clone(), shared.clone(), target, kept));
            (target, task)
        })
        .collect();
    let mut per_target: Vec<Tally> = (0..n).map(|_| Tally::default()).collect();
    for (target, task) in tasks {
        match task.await {
            Ok(t) => per_target[target].add(&t),
            Err(e) => per_target[target].error(format!("worker failed: {e}")),
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    if let Some(t) = ticker {
        t.abort();
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut all = Tally::default();
    for (t, to) in per_target.iter().zip(&plan.targets) {
        let mut named = Tally::default();
        named.add(t);
        if n > 1 {
            // Which target an error came from, in the totals' samples.
            named.samples = t
                .samples
                .iter()
                .map(|e| format!("{}: {e}", to.url))
                .collect();
        }
        all.add(&named);
    }
    let connections = target::spread(plan.connections, n);
    let urls: Vec<&str> = plan.targets.iter().map(|t| t.url.as_str()).collect();
    Report {
        target: urls.join(", "),
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
        opened_in_s: if plan.new_connection { 0.0 } else { opened_in },
        elapsed_s: elapsed,
        requests: all.ok + all.errors,
        ok: all.ok,
        errors: all.errors,
        error_samples: all.samples.clone(),
        throughput_rps: all.throughput(elapsed),
        bytes_received: all.bytes,
        return_codes: all.codes.clone(),
        latency_ms: all.latency(),
        per_target: per_target
            .iter()
            .zip(&plan.targets)
            .zip(connections)
            .map(|((t, to), c)| TargetReport::of(to.url.clone(), c, t, elapsed))
            .collect(),
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

    fn args(targets: &[&str], connections: usize) -> LoadtestArgs {
        LoadtestArgs {
            targets: targets.iter().map(|t| t.to_string()).collect(),
            ca: "certs/ca.pem".into(),
            cert: "certs/clients/demo.pem".into(),
            key: "certs/clients/demo-key.pem".into(),
            server_name: None,
            connections,
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
        }
    }

    /// Every target is checked: one remote target among loopback ones is refused.
    #[tokio::test]
    async fn a_remote_target_is_refused_without_allow_remote() {
        let args = args(&["https://127.0.0.1:8443", "https://192.0.2.1:8443"], 2);
        match Plan::from_args(&args).await {
            Err(LoadError::Target(TargetError::NotLoopback(_))) => {}
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("a remote target was accepted"),
        }
    }

    /// Fewer connections than targets would leave a target without load: refused.
    #[tokio::test]
    async fn each_target_gets_at_least_one_connection() {
        let two = ["https://127.0.0.1:8443", "https://127.0.0.1:8444"];
        match Plan::from_args(&args(&two, 1)).await {
            Err(LoadError::Invalid(m)) => assert!(m.contains("number of targets (2)"), "{m}"),
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("one connection for two targets was accepted"),
        }
        let plan = Plan::from_args(&args(&two, 3)).await.unwrap();
        let urls: Vec<&str> = plan.targets.iter().map(|t| t.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://127.0.0.1:8443/sosowebsite/soso.asmx",
                "https://127.0.0.1:8444/sosowebsite/soso.asmx"
            ]
        );
    }
}
