//! The command line: `serve` runs the emulator, `audit list` prints the audit log,
//! `population generate|stats` builds or counts the stored population, `certs`
//! regenerates the committed test PKI. Commands that touch the store or the configuration
//! share `--config FILE` and `--data DIR`.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::app::App;
pub use crate::cli_audit::AuditCommand;
pub use crate::cli_population::PopulationCommand;
use crate::config::Settings;
pub use crate::store_args::StoreArgs;

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
        /// Address of the plain-HTTP monitoring listener, or "off" (overrides the config).
        #[arg(long, value_name = "ADDR|off")]
        monitor_listen: Option<String>,
        /// Log format on standard error.
        #[arg(long, value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
    },
    /// Read the audit log (with the server stopped: sled admits one process).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Check configurations and prepare their values.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// The products: list them, show one, print its response schema, list the catalogue.
    Products {
        #[command(subcommand)]
        command: ProductsCommand,
    },
    /// Build or inspect the stored population (with the server stopped).
    Population {
        #[command(subcommand)]
        command: PopulationCommand,
    },
    /// Load-test a running server: person queries over mutual TLS, throughput and latency.
    Loadtest(Box<crate::loadtest::LoadtestArgs>),
    /// The canned-response server of `benches/compare.sh` (the stack's ceiling).
    #[command(hide = true)]
    CannedServer(Box<crate::canned::CannedArgs>),
    /// Regenerate the test PKI (test use only; overwrites the files).
    Certs {
        /// Folder to write into.
        #[arg(long, default_value = "certs")]
        out: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Hash a service user's password for `password_hash` (reads the password from
    /// standard input, so it stays out of the shell history).
    HashPassword,
    /// Validate a configuration and print who may see what. With a store (`--data`, when
    /// the server is not running) it also lists idle users deactivated or close to it.
    Check {
        /// The configuration file (default: the built-in one).
        file: Option<PathBuf>,
        /// Data directory whose last-use times to read.
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProductsCommand {
    /// Every product (built-in and the configuration's), one a line.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// A product's options, criteria and groups with their catalogue types.
    Show {
        /// The product name (any case), e.g. "PERUSSANOMA 3".
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// A product's generated response schema (XSD).
    Schema {
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// The catalogue's data groups, which `[[product]]` definitions may name.
    Groups,
    /// Read DVV's response schema of a product (the XSD of the data permit) and print the
    /// `[[product]]` definition for the configuration.
    ImportXsd {
        /// The product's response schema, e.g. "PERUSSANOMA 1.xsd".
        file: PathBuf,
        /// The product name (default: the file name without `.xsd`).
        #[arg(long)]
        name: Option<String>,
    },
}

pub fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            store,
            listen,
            monitor_listen,
            log_format,
        } => {
            let mut settings = store.settings()?;
            if let Some(l) = listen {
                settings.listen = l;
            }
            match monitor_listen.as_deref() {
                None => {}
                Some("off") => settings.monitor_listen = None,
                Some(m) => {
                    settings.monitor_listen = Some(
                        m.parse()
                            .with_context(|| format!("--monitor-listen {m:?}"))?,
                    );
                    settings.monitor_required = true;
                }
            }
            serve(settings, store.config.clone(), log_format)
        }
        Command::Audit {
            command: AuditCommand::List { store },
        } => crate::cli_audit::list(store),
        Command::Audit { command } => crate::cli_audit::run(command),
        Command::Config {
            command: ConfigCommand::HashPassword,
        } => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            let password = line.trim_end_matches(['\r', '\n']);
            anyhow::ensure!(!password.is_empty(), "no password on standard input");
            println!("{}", crate::access::password::hash(password)?);
            Ok(())
        }
        Command::Config {
            command: ConfigCommand::Check { file, data },
        } => {
            let settings = match &file {
                Some(f) => Settings::load(f)?,
                None => Settings::builtin()?,
            };
            println!("{}: valid", settings.source);
            let dir = data.unwrap_or_else(|| settings.data_dir.clone());
            let store = if dir.exists() {
                match sled::open(&dir) {
                    Ok(db) => Some(crate::access::idle::LastUse::open(&db)?),
                    Err(e) => {
                        println!(
                            "(store {} not readable: {e}; idle status not shown)",
                            dir.display()
                        );
                        None
                    }
                }
            } else {
                None
            };
            print!(
                "{}",
                crate::access::report::describe(
                    &settings.access,
                    store.as_ref(),
                    jiff::Timestamp::now()
                )
            );
            Ok(())
        }
        Command::Products { command } => {
            use crate::products::{describe, schema};
            let text = match command {
                ProductsCommand::List { store } => describe::list(&store.settings()?.products),
                ProductsCommand::Show { name, store } => {
                    let products = store.settings()?.products;
                    let p = products
                        .get(&name)
                        .with_context(|| format!("no product {name:?}"))?;
                    describe::show(&p)
                }
                ProductsCommand::Schema { name, store } => {
                    let products = store.settings()?.products;
                    let p = products
                        .get(&name)
                        .with_context(|| format!("no product {name:?}"))?;
                    schema::product_schema(&p)
                }
                ProductsCommand::Groups => describe::groups(),
                ProductsCommand::ImportXsd { file, name } => {
                    crate::products::import::import_file(&file, name.as_deref())?
                }
            };
            print!("{text}");
            Ok(())
        }
        Command::Population { command } => crate::cli_population::run(command),
        Command::Loadtest(args) => crate::loadtest::main(&args),
        Command::CannedServer(args) => crate::canned::main(&args),
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

/// Prints a line to standard output, ignoring a closed pipe: a server must not fail
/// because nobody reads its start-up messages.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

fn serve(settings: Settings, config: Option<PathBuf>, log_format: LogFormat) -> anyhow::Result<()> {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match log_format {
        LogFormat::Text => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(settings.limits.workers)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        let addr = listener.local_addr()?;
        let tls_origin = settings.tls.origin.clone();
        let source = settings.source.clone();
        let data = settings.data_dir.display().to_string();
        let app = App::open(settings)?;
        say!("vtj-emulator listening on https://{addr}{}", crate::server::SOSO_PATH);
        say!("  configuration: {source}; store: {data}; server certificate: {tls_origin}");
        say!("  clients need a certificate from the configured CA, e.g. certs/clients/demo.pem + certs/clients/demo-key.pem");
        say!("  WSDL: https://{addr}{}?wsdl", crate::server::SOSO_PATH);
        #[cfg(unix)]
        {
            let app = app.clone();
            let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    tracing::info!("SIGHUP: reloading the configuration");
                    crate::app::reload_from(&app, config.as_deref());
                }
            });
        }
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop_tx.send(true);
        });
        let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|s| *s).await;
        };
        if let Some(m) = app.settings().monitor_listen {
            match tokio::net::TcpListener::bind(m).await {
                Ok(monitor) => {
                    let at = monitor.local_addr()?;
                    say!("  monitoring: http://{at}/metrics, /healthz, /readyz");
                    tokio::spawn(crate::monitor::run(monitor, app.clone(), stopped(stop_rx.clone())));
                }
                Err(e) if !app.settings().monitor_required => {
                    tracing::warn!(address = %m, error = %e, "the default monitoring address is taken: running without /metrics (set server.monitor_listen)");
                }
                Err(e) => return Err(e).with_context(|| format!("cannot listen on {m} (monitor)")),
            }
        }
        if let Some(c) = app.settings().console.clone() {
            match tokio::net::TcpListener::bind(c.listen).await {
                Ok(console) => {
                    let at = console.local_addr()?;
                    say!("  console: https://{at}/ (auditors and organisations' users; docs/console.md)");
                    let (app, stop) = (app.clone(), stopped(stop_rx.clone()));
                    tokio::spawn(async move {
                        if let Err(e) = crate::console::run(console, app, stop).await {
                            tracing::error!(error = %e, "the console stopped");
                        }
                    });
                }
                Err(e) if !c.required => {
                    tracing::warn!(address = %c.listen, error = %e, "the default console address is taken: running without the console (set console.listen)");
                }
                Err(e) => return Err(e).with_context(|| format!("cannot listen on {} (console)", c.listen)),
            }
        }
        crate::server::run(listener, app.clone(), stopped(stop_rx)).await?;
        // Close the audit writer: the final checkpoint is signed before the process exits.
        app.audit.close().await;
        say!("vtj-emulator stopped");
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
