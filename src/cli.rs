//! The command line: `serve` runs the emulator, `audit list` prints the audit log, `certs`
//! regenerates the committed test PKI. Commands that touch the store or the configuration
//! share `--config FILE` and `--data DIR`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::app::App;
use crate::config::Settings;

#[derive(Debug, Parser)]
#[command(
    name = "vtj-emulator",
    version,
    about = "An emulator of the VTJ query interface (VTJ-kyselyrajapinta)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the emulator (HTTPS with mutual TLS).
    Serve {
        #[command(flatten)]
        store: StoreArgs,
        /// Address to listen on (overrides the config).
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Read the audit log (with the server stopped: sled admits one process).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Regenerate the test PKI (test use only; overwrites the files).
    Certs {
        /// Folder to write into.
        #[arg(long, default_value = "certs")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Print every record as a JSON line.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Find records by organisation, user, end user, subject, operation, code or time.
    Search(Box<crate::cli_audit::SearchArgs>),
    /// Show one record by its number.
    Show(Box<crate::cli_audit::ShowArgs>),
    /// Export matching records as JSON lines or CSV.
    Export(Box<crate::cli_audit::ExportArgs>),
    /// Who queried this person's data, which data, when.
    SubjectReport(Box<crate::cli_audit::SubjectReportArgs>),
    /// Recompute the chain and check the signed checkpoints; names the first bad record.
    Verify(Box<crate::cli_audit::AccessArgs>),
    /// Remove records older than the retention period (the server does this daily).
    Prune(Box<crate::cli_audit::PruneArgs>),
}

/// Options shared by every command that reads the configuration or the store.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Configuration file (TOML); without it, the built-in defaults.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory of the sled store (default `./data`, or the config's `data_dir`).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

impl StoreArgs {
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let mut s = match &self.config {
            Some(path) => Settings::load(path)?,
            None => Settings::builtin()?,
        };
        if let Some(d) = &self.data {
            s.data_dir = d.clone();
        }
        Ok(s)
    }
}

pub fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { store, listen } => {
            let mut settings = store.settings()?;
            if let Some(l) = listen {
                settings.listen = l;
            }
            serve(settings)
        }
        Command::Audit {
            command: AuditCommand::List { store },
        } => crate::cli_audit::list(store),
        Command::Audit { command } => crate::cli_audit::run(command),
        Command::Certs { out } => {
            let written = crate::pki::generate_test_pki(&out, &Default::default())?;
            for p in written {
                println!("wrote {}", p.display());
            }
            let key = crate::pki::generate_audit_signing_key(&out)?;
            println!("wrote {}", key.display());
            Ok(())
        }
    }
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let addr = listener.local_addr()?;
        let tls_origin = settings.tls.origin.clone();
        let source = settings.source.clone();
        let data = settings.data_dir.display().to_string();
        let app = App::open(settings)?;
        println!("vtj-emulator listening on https://{addr}{}", crate::server::SOSO_PATH);
        println!("  configuration: {source}; store: {data}; server certificate: {tls_origin}");
        println!("  clients need a certificate from the configured CA, e.g. certs/clients/demo.pem + certs/clients/demo-key.pem");
        println!("  WSDL: https://{addr}{}?wsdl", crate::server::SOSO_PATH);
        crate::server::run(listener, app.clone(), shutdown_signal()).await?;
        app.audit.close().await;
        println!("vtj-emulator stopped");
        Ok(())
    })
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
