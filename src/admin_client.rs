//! The `audit` commands' way to the trail. While a server runs it holds the store (sled
//! admits one process), so the commands ask its admin API over mutual TLS with an auditor
//! certificate ([`Remote`]); when no server holds the store they open it themselves
//! ([`Local`]) and record each read in the chain just as the server would (interface
//! `cli`, the operating-system user as `Kayttajatunnus`). Knows HTTP and the store's API;
//! formats nothing (that is `audit::format`).

use std::net::ToSocketAddrs;
use std::sync::Arc;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::admin::encode;
use crate::audit::format::ExportFormat;
use crate::audit::retention::{self, PruneReport};
use crate::audit::verify::{self, VerifyReport};
use crate::audit::{AuditBackend, AuditError, AuditLog, AuditRecord, Filter, search};
use crate::config::Settings;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("audit store: {0}")]
    Audit(#[from] AuditError),
    #[error("cannot open the store in {path}: {message}")]
    Open { path: String, message: String },
    #[error("{0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("server URL {0:?}: use https://HOST:PORT")]
    Url(String),
    #[error("cannot reach the admin API at {url}: {message}")]
    Connect { url: String, message: String },
    #[error("the admin API answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the admin API's answer is unreadable: {0}")]
    Decode(String),
}

/// Where the running server's admin API is and which certificate to show it.
#[derive(Debug, Clone)]
pub struct RemoteOptions {
    pub server: String,
    pub cert: std::path::PathBuf,
    pub key: std::path::PathBuf,
    pub ca: std::path::PathBuf,
}

/// The admin API of a running server.
pub struct Remote {
    url: String,
    addr: std::net::SocketAddr,
    host: String,
    config: Arc<rustls::ClientConfig>,
}

impl Remote {
    pub fn new(o: &RemoteOptions) -> Result<Self, ClientError> {
        let read = |p: &std::path::Path| {
            std::fs::read_to_string(p).map_err(|source| ClientError::Read {
                path: p.display().to_string(),
                source,
            })
        };
        let (ca, cert, key) = (read(&o.ca)?, read(&o.cert)?, read(&o.key)?);
        let config = crate::tls::client_config(&ca, Some((&cert, &key)))?;
        let authority = o
            .server
            .strip_prefix("https://")
            .map(|r| r.split('/').next().unwrap_or(""))
            .filter(|a| !a.is_empty())
            .ok_or_else(|| ClientError::Url(o.server.clone()))?;
        let addr = authority
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| ClientError::Url(o.server.clone()))?;
        let host = match authority.rsplit_once(':') {
            Some((h, _)) => h.trim_matches(['[', ']']).to_string(),
            None => authority.to_string(),
        };
        Ok(Remote {
            url: format!("https://{authority}"),
            addr,
            host,
            config: Arc::new(config),
        })
    }

    async fn get(&self, path_and_query: &str) -> Result<String, ClientError> {
        let connect = |m: String| ClientError::Connect {
            url: self.url.clone(),
            message: m,
        };
        let tcp = TcpStream::connect(self.addr)
            .await
            .map_err(|e| connect(e.to_string()))?;
        let name = crate::tls::server_name(&self.host)?;
        let tls = TlsConnector::from(self.config.clone())
            .connect(name, tcp)
            .await
            .map_err(|e| connect(format!("TLS: {e}")))?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
                .await
                .map_err(|e| connect(e.to_string()))?;
        tokio::spawn(conn);
        let req = hyper::Request::get(path_and_query)
            .header("host", self.addr.to_string())
            .body(Empty::<Bytes>::new())
            .map_err(|e| connect(e.to_string()))?;
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| connect(e.to_string()))?;
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| connect(e.to_string()))?
            .to_bytes();
        let body = String::from_utf8_lossy(&body).into_owned();
        if status != 200 {
            return Err(ClientError::Status {
                status,
                body: body.trim_end().to_string(),
            });
        }
        Ok(body)
    }
}

/// The store opened by this process, with a writer to record the reads.
pub struct Local {
    store: Arc<dyn AuditBackend>,
    log: AuditLog,
    public_key: String,
}

impl Local {
    /// Opens the store of `settings`; `Ok(None)` when another process (a running server)
    /// holds its lock.
    pub fn open(settings: &Settings) -> Result<Option<Self>, ClientError> {
        let db = match sled::open(&settings.data_dir) {
            Ok(db) => db,
            Err(e) if crate::registry::store::is_locked(&e) => return Ok(None),
            Err(e) => {
                return Err(ClientError::Open {
                    path: settings.data_dir.display().to_string(),
                    message: e.to_string(),
                });
            }
        };
        let log = AuditLog::open(&db, &settings.data_dir, &settings.audit)?;
        Ok(Some(Local {
            store: log.store(),
            log,
            public_key: settings.audit.signer.public_key_hex(),
        }))
    }

    /// Records a read (or a prune) by the local user; nothing is shown if this fails.
    async fn record(
        &self,
        operation: &str,
        filters: String,
        outcome: &str,
    ) -> Result<(), ClientError> {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".into());
        let record = AuditRecord {
            seq: 0,
            time: jiff::Timestamp::now().to_string(),
            request_id: format!("cli-{}", std::process::id()),
            organisation: None,
            cert_sha256: String::new(),
            cert_subject: String::new(),
            interface: "cli".into(),
            xroad_client: None,
            xroad_user_id: None,
            operation: operation.into(),
            kayttajatunnus: Some(user),
            loppukayttaja: None,
            product: None,
            search_key: None,
            disclosed: Vec::new(),
            return_code: outcome.into(),
            groups: Vec::new(),
            non_disclosure_applied: false,
            refused_because: None,
            fault_injected: None,
            duration_us: 0,
            prev_sha256: String::new(),
            response_sha256: String::new(),
            filters: Some(filters),
        };
        self.log.append(record).await?;
        Ok(())
    }

    /// Every record (for `audit list`), recorded as an `audit.list` read.
    pub async fn list(&self) -> Result<Vec<AuditRecord>, ClientError> {
        let store = self.store.clone();
        let records =
            tokio::task::spawn_blocking(move || crate::audit::backend::all_records(&*store))
                .await
                .map_err(|e| AuditError::Store(e.to_string()))??;
        self.record("audit.list", "{}".into(), "200").await?;
        Ok(records)
    }

    /// Removes (or counts, `dry_run`) records older than the retention period.
    pub async fn prune(&self, dry_run: bool) -> Result<PruneReport, ClientError> {
        let cutoff = retention::cutoff(jiff::Timestamp::now(), self.log.settings().retention);
        let report = self.log.prune(cutoff, dry_run).await?;
        self.record(
            "audit.prune",
            serde_json::to_string(&report).expect("a report always serialises"),
            "200",
        )
        .await?;
        Ok(report)
    }

    /// Stops the writer after its final checkpoint.
    pub async fn close(self) {
        self.log.close().await;
    }
}

/// Either way to the trail.
pub enum Backend {
    Remote(Remote),
    /// Boxed: the store and its settings are far larger than the remote handle.
    Local(Box<Local>),
}

impl Backend {
    pub fn describe(&self) -> String {
        match self {
            Backend::Remote(r) => format!("the admin API at {}", r.url),
            Backend::Local(_) => "the store (no server holds it)".into(),
        }
    }

    pub async fn search(&self, filter: &Filter) -> Result<Vec<AuditRecord>, ClientError> {
        self.records("records", "audit.search", filter).await
    }

    pub async fn subject_report(&self, filter: &Filter) -> Result<Vec<AuditRecord>, ClientError> {
        self.records("subject-report", "audit.subject-report", filter)
            .await
    }

    async fn records(
        &self,
        endpoint: &str,
        operation: &str,
        filter: &Filter,
    ) -> Result<Vec<AuditRecord>, ClientError> {
        match self {
            Backend::Remote(r) => {
                let body = r
                    .get(&format!("/admin/audit/{endpoint}{}", query(filter, None)))
                    .await?;
                body.lines()
                    .filter(|l| !l.is_empty())
                    .map(|l| {
                        serde_json::from_str(l).map_err(|e| ClientError::Decode(e.to_string()))
                    })
                    .collect()
            }
            Backend::Local(l) => {
                let store = l.store.clone();
                let f = if operation == "audit.search" {
                    filter.with_default_limit()
                } else {
                    filter.clone()
                };
                let records = tokio::task::spawn_blocking(move || search::search(&*store, &f))
                    .await
                    .map_err(|e| AuditError::Store(e.to_string()))??;
                l.record(operation, filter_json(filter), "200").await?;
                Ok(records)
            }
        }
    }

    pub async fn show(&self, seq: u64) -> Result<Option<AuditRecord>, ClientError> {
        match self {
            Backend::Remote(r) => match r.get(&format!("/admin/audit/records/{seq}")).await {
                Ok(body) => serde_json::from_str(&body)
                    .map(Some)
                    .map_err(|e| ClientError::Decode(e.to_string())),
                Err(ClientError::Status { status: 404, .. }) => Ok(None),
                Err(e) => Err(e),
            },
            Backend::Local(l) => {
                let found = l.store.get(seq)?;
                let outcome = if found.is_some() { "200" } else { "404" };
                l.record("audit.show", format!("{{\"seq\":{seq}}}"), outcome)
                    .await?;
                Ok(found)
            }
        }
    }

    pub async fn export(
        &self,
        filter: &Filter,
        format: ExportFormat,
    ) -> Result<String, ClientError> {
        match self {
            Backend::Remote(r) => {
                r.get(&format!(
                    "/admin/audit/export{}",
                    query(filter, Some(format))
                ))
                .await
            }
            Backend::Local(l) => {
                let store = l.store.clone();
                let f = filter.clone();
                let records = tokio::task::spawn_blocking(move || search::search(&*store, &f))
                    .await
                    .map_err(|e| AuditError::Store(e.to_string()))??;
                l.record("audit.export", filter_json(filter), "200").await?;
                Ok(crate::audit::format::export(&records, format))
            }
        }
    }

    pub async fn verify(&self) -> Result<VerifyReport, ClientError> {
        match self {
            Backend::Remote(r) => {
                let body = r.get("/admin/audit/verify").await?;
                serde_json::from_str(&body).map_err(|e| ClientError::Decode(e.to_string()))
            }
            Backend::Local(l) => {
                // Verify what is on disk before this command adds its own record.
                let store = l.store.clone();
                let key = l.public_key.clone();
                let report = tokio::task::spawn_blocking(move || verify::verify(&*store, &key))
                    .await
                    .map_err(|e| AuditError::Store(e.to_string()))??;
                l.record("audit.verify", "{}".into(), "200").await?;
                Ok(report)
            }
        }
    }

    pub async fn close(self) {
        if let Backend::Local(l) = self {
            l.close().await;
        }
    }
}

fn filter_json(filter: &Filter) -> String {
    serde_json::to_string(filter).expect("a filter always serialises")
}

fn query(filter: &Filter, format: Option<ExportFormat>) -> String {
    let mut parts: Vec<String> = filter
        .pairs()
        .into_iter()
        .map(|(k, v)| format!("{k}={}", encode(&v)))
        .collect();
    if let Some(f) = format {
        parts.push(format!(
            "format={}",
            match f {
                ExportFormat::Jsonl => "jsonl",
                ExportFormat::Csv => "csv",
            }
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}
