//! `[server]`, `[tls]`, `[fixtures]` and `[xroad]`: where the emulator listens and with
//! what limits, its TLS material (the committed test PKI by default), the fixture files,
//! and how the X-Road interface answers errors; each raw TOML type beside its check.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::source::{ConfigError, Source};

const BUILTIN_CA: &str = include_str!("../../certs/ca.pem");
const BUILTIN_CERT: &str = include_str!("../../certs/server.pem");
const BUILTIN_KEY: &str = include_str!("../../certs/server-key.pem");
const BUILTIN_CRL: &str = include_str!("../../certs/ca.crl");

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub listen: Option<String>,
    /// The plain-HTTP monitoring listener; "off" disables it.
    pub monitor_listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub max_body_bytes: Option<usize>,
    pub handshake_timeout_secs: Option<u64>,
    pub header_read_timeout_secs: Option<u64>,
    pub body_timeout_secs: Option<u64>,
    pub max_connections: Option<usize>,
    /// Threads that serve connections (read at start); default: the cores but one.
    pub workers: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// CRLs of the CA; client certificates they list are refused at the handshake.
    #[serde(default)]
    pub crls: Vec<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFixtures {
    pub files: Vec<PathBuf>,
}

/// `[xroad]`: how the X-Road interface answers errors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawXRoad {
    /// Return codes answered as `faultCode`/`faultString` inside `response` instead of a
    /// `Paluukoodi` in the document.
    pub fault_in_body_codes: Option<Vec<String>>,
}

/// PEM text of the server's TLS material.
#[derive(Clone)]
pub struct TlsMaterial {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
    pub crl_pems: Vec<String>,
    /// Where it came from, for the start-up message.
    pub origin: String,
}

impl std::fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsMaterial")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub enum FixtureSource {
    Builtin,
    Files(Vec<PathBuf>),
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub handshake_timeout: Duration,
    pub header_read_timeout: Duration,
    pub body_timeout: Duration,
    pub max_connections: usize,
    /// Threads of the runtime that serves connections (read at start, not on reload).
    pub workers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            handshake_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_connections: 1024,
            workers: default_workers(),
        }
    }
}

/// The cores but one (at least one): the audit writer has a thread of its own that works
/// on every group of records, and the load on a test machine often runs beside the
/// emulator. On two cores one worker costs about a tenth less CPU an answer than two, at
/// about the same throughput (BENCHMARKS.md, "One worker on two cores"); a machine that runs
/// nothing else may serve more with `workers` = its cores.
pub fn default_workers() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.saturating_sub(1).max(1)
}

/// The X-Road interface's settings, checked.
#[derive(Debug, Clone)]
pub struct XRoadSettings {
    /// (client identifier, organisation id).
    pub clients: Vec<(String, String)>,
    pub fault_in_body_codes: Vec<String>,
}

/// Spec §4.6 item 2: "not found" and the negative (authentication, product, validation,
/// failure) codes come as `faultCode`/`faultString` on X-Road.
pub const DEFAULT_FAULT_IN_BODY_CODES: &[&str] = &[
    "0001", "-1500", "-1505", "-1800", "-1805", "-1900", "-1901", "-1902", "-1903", "-1904",
    "-1905", "-1906",
];

impl XRoadSettings {
    /// The organisation id an X-Road client identifier maps to.
    pub fn organisation_of(&self, client_id: &str) -> Option<&str> {
        self.clients
            .iter()
            .find(|(c, _)| c == client_id)
            .map(|(_, o)| o.as_str())
    }
}

/// Checks `[server]`: the listen and monitoring addresses, the data folder, the limits.
pub fn listen(
    raw: &RawServer,
    src: &Source,
) -> Result<(SocketAddr, Option<SocketAddr>, PathBuf, Limits), ConfigError> {
    let invalid = |message: String| src.invalid(message);
    let listen = raw.listen.as_deref().unwrap_or("127.0.0.1:8443");
    let listen: SocketAddr = listen
        .parse()
        .map_err(|e| invalid(format!("server.listen {listen:?}: {e}")))?;
    let monitor_listen = match raw.monitor_listen.as_deref().unwrap_or("127.0.0.1:9090") {
        "off" => None,
        m => Some(
            m.parse::<SocketAddr>()
                .map_err(|e| invalid(format!("server.monitor_listen {m:?}: {e} (or \"off\")")))?,
        ),
    };
    let data_dir = raw
        .data_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("./data"));
    let defaults = Limits::default();
    let secs = |v: Option<u64>, d: Duration| v.map(Duration::from_secs).unwrap_or(d);
    let limits = Limits {
        max_body_bytes: raw.max_body_bytes.unwrap_or(defaults.max_body_bytes),
        handshake_timeout: secs(raw.handshake_timeout_secs, defaults.handshake_timeout),
        header_read_timeout: secs(raw.header_read_timeout_secs, defaults.header_read_timeout),
        body_timeout: secs(raw.body_timeout_secs, defaults.body_timeout),
        max_connections: raw.max_connections.unwrap_or(defaults.max_connections),
        workers: raw.workers.unwrap_or(defaults.workers),
    };
    if limits.max_body_bytes == 0 || limits.max_connections == 0 || limits.workers == 0 {
        return Err(invalid(
            "server.max_body_bytes, server.max_connections and server.workers must be positive"
                .into(),
        ));
    }

    Ok((listen, monitor_listen, data_dir, limits))
}

/// Checks `[tls]` and reads its files.
pub fn tls(raw: &Option<RawTls>, src: &Source) -> Result<TlsMaterial, ConfigError> {
    let file = src.file;
    let resolve = |p: &Path| src.resolve(p);
    let tls = match raw {
        None => TlsMaterial {
            ca_pem: BUILTIN_CA.into(),
            cert_pem: BUILTIN_CERT.into(),
            key_pem: BUILTIN_KEY.into(),
            crl_pems: vec![BUILTIN_CRL.into()],
            origin: "the committed test PKI (certs/)".into(),
        },
        Some(t) => {
            let read = |p: &Path| {
                let path = resolve(p);
                std::fs::read_to_string(&path).map_err(|source| ConfigError::Io {
                    file: file.to_string(),
                    path,
                    source,
                })
            };
            TlsMaterial {
                ca_pem: read(&t.ca)?,
                cert_pem: read(&t.cert)?,
                key_pem: read(&t.key)?,
                crl_pems: t.crls.iter().map(|p| read(p)).collect::<Result<_, _>>()?,
                origin: resolve(&t.cert).display().to_string(),
            }
        }
    };

    Ok(tls)
}

/// The fixture files of `[fixtures]`, or the built-in ones.
pub fn fixtures(raw: &Option<RawFixtures>, src: &Source) -> FixtureSource {
    let resolve = |p: &Path| src.resolve(p);
    match raw {
        None => FixtureSource::Builtin,
        Some(f) => FixtureSource::Files(f.files.iter().map(|p| resolve(p)).collect()),
    }
}

/// Checks `[xroad] fault_in_body_codes`.
pub fn fault_in_body_codes(
    raw: Option<RawXRoad>,
    src: &Source,
) -> Result<Vec<String>, ConfigError> {
    let invalid = |message: String| src.invalid(message);
    let fault_in_body_codes = match raw.and_then(|x| x.fault_in_body_codes) {
        None => DEFAULT_FAULT_IN_BODY_CODES
            .iter()
            .map(|c| c.to_string())
            .collect(),
        Some(codes) => {
            for c in &codes {
                let digits = c.strip_prefix('-').unwrap_or(c);
                if !(1..=5).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid(format!(
                        "xroad.fault_in_body_codes: {c:?} is not a return code"
                    )));
                }
            }
            codes
        }
    };

    Ok(fault_in_body_codes)
}
