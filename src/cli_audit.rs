//! The `audit` subcommands other than `list`: `search`, `show`, `export`, `subject-report`,
//! `verify` and `prune`. Each reads the configuration, then asks the running server's admin
//! API (when `--server` is given, or when a server holds the store) or opens the store
//! itself ([`crate::admin_client`]), and prints for people (Finnish local time) or tools
//! (`--json`, `export`). `verify` exits non-zero when the trail does not verify.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use crate::admin_client::{Backend, Local, Remote, RemoteOptions};
use crate::audit::Filter;
use crate::audit::format::{self, ExportFormat};
use crate::store_args::StoreArgs;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Print every record as a JSON line.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Find records by organisation, user, end user, subject, operation, code or time.
    Search(Box<SearchArgs>),
    /// Show one record by its number.
    Show(Box<ShowArgs>),
    /// Export matching records as JSON lines or CSV.
    Export(Box<ExportArgs>),
    /// Who queried this person's data, which data, when.
    SubjectReport(Box<SubjectReportArgs>),
    /// Recompute the chain and check the signed checkpoints; names the first bad record.
    Verify(Box<AccessArgs>),
    /// Remove records older than the retention period (the server does this daily).
    Prune(Box<PruneArgs>),
}

/// Where the trail is: the store (`--config`, `--data`) or a running server's admin API.
#[derive(Debug, Args)]
pub struct AccessArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The running server's base URL; given, the admin API is used even if the store is
    /// free. Otherwise the store is opened, or, when a server holds it, the admin API at
    /// https://127.0.0.1:8443 is asked.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// The auditor's client certificate (PEM).
    #[arg(long, value_name = "FILE", default_value = "certs/clients/auditor.pem")]
    pub cert: PathBuf,
    /// The auditor's private key (PEM).
    #[arg(
        long,
        value_name = "FILE",
        default_value = "certs/clients/auditor-key.pem"
    )]
    pub key: PathBuf,
    /// The CA that issued the server's certificate.
    #[arg(long, value_name = "FILE", default_value = "certs/ca.pem")]
    pub ca: PathBuf,
}

const DEFAULT_SERVER: &str = "https://127.0.0.1:8443";

impl AccessArgs {
    async fn backend(&self) -> anyhow::Result<Backend> {
        let remote = |server: &str| -> anyhow::Result<Backend> {
            Ok(Backend::Remote(Remote::new(&RemoteOptions {
                server: server.to_string(),
                cert: self.cert.clone(),
                key: self.key.clone(),
                ca: self.ca.clone(),
            })?))
        };
        if let Some(server) = &self.server {
            return remote(server);
        }
        let settings = self.store.settings()?;
        match Local::open(&settings)? {
            Some(local) => Ok(Backend::Local(Box::new(local))),
            None => {
                eprintln!(
                    "the store {} is held by a running server; asking its admin API at {DEFAULT_SERVER}",
                    settings.data_dir.display()
                );
                remote(DEFAULT_SERVER)
            }
        }
    }
}

/// The search filters shared by `search`, `export` and `subject-report`.
#[derive(Debug, Args)]
pub struct FilterArgs {
    #[arg(long)]
    pub organisation: Option<String>,
    #[arg(long)]
    pub kayttajatunnus: Option<String>,
    #[arg(long)]
    pub loppukayttaja: Option<String>,
    /// The subject's identifier as asked (e.g. an identity code).
    #[arg(long)]
    pub subject: Option<String>,
    /// e.g. TeeHenkilonTunnusKysely, audit.search.
    #[arg(long)]
    pub operation: Option<String>,
    /// e.g. 0000, -1500, fault.
    #[arg(long)]
    pub return_code: Option<String>,
    /// From this time (inclusive): RFC 3339 (2026-01-31T12:00:00Z) or a date (UTC midnight).
    #[arg(long)]
    pub from: Option<String>,
    /// Before this time (exclusive).
    #[arg(long)]
    pub to: Option<String>,
    /// At most this many records, oldest first (`search` default: 1000; `export`: all).
    #[arg(long)]
    pub limit: Option<usize>,
}

impl FilterArgs {
    fn filter(&self) -> anyhow::Result<Filter> {
        let filter = Filter {
            organisation: self.organisation.clone(),
            kayttajatunnus: self.kayttajatunnus.clone(),
            loppukayttaja: self.loppukayttaja.clone(),
            subject: self.subject.clone(),
            operation: self.operation.clone(),
            return_code: self.return_code.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            limit: self.limit,
        };
        Ok(filter.checked()?)
    }
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Print JSON lines instead of readable blocks.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub access: AccessArgs,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The record's number.
    pub id: u64,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub access: AccessArgs,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// jsonl or csv.
    #[arg(long, default_value = "jsonl")]
    pub format: ExportFormat,
    #[command(flatten)]
    pub filters: FilterArgs,
    #[command(flatten)]
    pub access: AccessArgs,
}

#[derive(Debug, Args)]
pub struct SubjectReportArgs {
    /// The person's identifier (e.g. identity code).
    pub hetu: String,
    #[arg(long)]
    pub json: bool,
    /// From this time (inclusive).
    #[arg(long)]
    pub from: Option<String>,
    /// Before this time (exclusive).
    #[arg(long)]
    pub to: Option<String>,
    #[command(flatten)]
    pub access: AccessArgs,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Count what would be removed; remove nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// `audit list`: every record as a JSON line, from the store (the server must be stopped;
/// `audit export` asks a running one). The read is recorded before anything is printed.
pub fn list(store: StoreArgs) -> anyhow::Result<()> {
    let settings = store.settings()?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let Some(local) = Local::open(&settings)? else {
            bail!(
                "the store {} is held by a running server (sled admits one process): stop it, or use `audit export --server URL`",
                settings.data_dir.display()
            );
        };
        let records = local.list().await;
        local.close().await;
        print(&format::jsonl(&records?))
    })
}

/// Runs an `audit` subcommand.
pub fn run(command: AuditCommand) -> anyhow::Result<()> {
    if let AuditCommand::List { store } = command {
        return list(store);
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        match command {
            AuditCommand::List { .. } => unreachable!("handled before the runtime starts"),
            AuditCommand::Search(a) => {
                let filter = a.filters.filter()?;
                let backend = a.access.backend().await?;
                let records = backend.search(&filter).await;
                backend.close().await;
                let records = records?;
                if a.json {
                    print(&format::jsonl(&records))
                } else {
                    let mut out = String::new();
                    for r in &records {
                        out.push_str(&format::human(r));
                    }
                    out.push_str(&format!("{} records\n", records.len()));
                    print(&out)
                }
            }
            AuditCommand::Show(a) => {
                let backend = a.access.backend().await?;
                let found = backend.show(a.id).await;
                backend.close().await;
                match found? {
                    None => bail!("no record {} (never written, or pruned)", a.id),
                    Some(r) if a.json => print(&format::jsonl(&[r])),
                    Some(r) => print(&format::human(&r)),
                }
            }
            AuditCommand::Export(a) => {
                let filter = a.filters.filter()?;
                let backend = a.access.backend().await?;
                let text = backend.export(&filter, a.format).await;
                backend.close().await;
                print(&text?)
            }
            AuditCommand::SubjectReport(a) => {
                let mut pairs = vec![("subject", a.hetu.clone())];
                pairs.extend(a.from.clone().map(|v| ("from", v)));
                pairs.extend(a.to.clone().map(|v| ("to", v)));
                let filter = Filter::from_pairs(pairs)?;
                let backend = a.access.backend().await?;
                let records = backend.subject_report(&filter).await;
                backend.close().await;
                let records = records?;
                if a.json {
                    print(&format::jsonl(&records))
                } else {
                    print(&format::subject_report(&a.hetu, &records))
                }
            }
            AuditCommand::Verify(a) => {
                let backend = a.backend().await?;
                let source = backend.describe();
                let report = backend.verify().await;
                backend.close().await;
                let report = report?;
                if !report.ok() {
                    bail!("audit verify ({source}): {report}");
                }
                print(&format!("audit verify ({source}): {report}\n"))
            }
            AuditCommand::Prune(a) => {
                let settings = a.store.settings()?;
                let Some(local) = Local::open(&settings)? else {
                    bail!(
                        "the store {} is held by a running server, which prunes by itself every {:?}; stop it to prune by hand",
                        settings.data_dir.display(),
                        settings.audit.prune_interval
                    );
                };
                let report = local.prune(a.dry_run).await;
                local.close().await;
                let r = report?;
                let what = if r.dry_run { "would remove" } else { "removed" };
                let through = r
                    .through_seq
                    .map(|s| format!(" (records up to #{s})"))
                    .unwrap_or_default();
                print(&format!(
                    "{what} {} records older than {}{through}\n",
                    r.removed, r.cutoff
                ))
            }
        }
    })
}

fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .context("writing to stdout")?;
    out.flush().context("writing to stdout")
}
