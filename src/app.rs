//! The running emulator's shared state: checked settings, the open registry (its own redb
//! file) and sled database (audit log, access state), and the WSDL documents. Opening it
//! imports the fixtures.

use std::sync::{Arc, RwLock};

use crate::access::AccessState;
use crate::access::enduser::EndUserChecker;
use crate::audit::{AuditError, AuditLog};
use crate::config::{FixtureSource, Settings};
use crate::metrics::Metrics;
use crate::registry::fixtures::{FixtureError, Fixtures};
use crate::registry::store::{Registry, RegistryError};

pub use crate::wsdl::{BASE_URL_MARKER, SOSO_WSDL, XROAD_WSDL};

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the store in {path}: {error} (is another vtj-emulator using it?)")]
    Store { path: String, error: sled::Error },
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Fixtures(#[from] FixtureError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("a served WSDL's request schema: {0}")]
    Schema(#[from] crate::soap::schema::SchemaError),
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
}

/// Shared state of a running server.
pub struct App {
    /// The configuration in force and what is built from it; a reload swaps it whole.
    live: RwLock<Arc<Live>>,
    pub db: sled::Db,
    /// Lockouts, quota usage and last-use times: state that outlives config reloads.
    pub access: AccessState,
    pub metrics: Metrics,
    /// The registry's size for /metrics, counted in the background.
    pub registry_count: crate::monitor::RegistryCount,
    pub registry: Registry,
    pub audit: AuditLog,
}

impl crate::monitor::Monitored for App {
    fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    fn audit(&self) -> &AuditLog {
        &self.audit
    }

    fn registry(&self) -> &Registry {
        &self.registry
    }

    fn registry_count(&self) -> &crate::monitor::RegistryCount {
        &self.registry_count
    }
}

impl App {
    /// Opens (creating on first start) the store and imports the fixtures. Needs a tokio
    /// runtime for the audit writer.
    pub fn open(settings: Settings) -> Result<Arc<Self>, OpenError> {
        crate::soap::schema::load()?;
        let db = open_db(&settings)?;
        let registry = Registry::open_data_dir(
            &settings.data_dir,
            crate::registry::store::CACHE_BYTES,
            Some(&db),
        )?;
        let fixtures = match &settings.fixtures {
            FixtureSource::Builtin => Fixtures::builtin()?,
            FixtureSource::Files(files) => Fixtures::load(files)?,
        };
        let n = fixtures.import(&registry)?;
        // No count of the whole registry here: start-up must not scan the population.
        tracing::info!(persons = n, "fixtures imported");
        let audit = AuditLog::open_server(&db, &settings.data_dir, &settings.audit)?;
        let access = AccessState::open(&db).map_err(|error| OpenError::Store {
            path: settings.data_dir.display().to_string(),
            error,
        })?;
        let live = Live::build(settings)?;
        start_idle_clocks(&access, &live.settings)?;
        Ok(Arc::new(App {
            live: RwLock::new(Arc::new(live)),
            db,
            access,
            metrics: Metrics::default(),
            registry_count: Default::default(),
            registry,
            audit,
        }))
    }
}

impl App {
    /// The configuration in force (a snapshot: a reload does not change it under you).
    pub fn settings(&self) -> Arc<Settings> {
        self.live().settings.clone()
    }

    /// The configuration in force with what is built from it.
    pub fn live(&self) -> Arc<Live> {
        self.live.read().expect("not poisoned").clone()
    }

    /// Replaces the configuration. New settings that fail to build (TLS material) are
    /// refused and the old ones stay. What cannot change while running (listen address,
    /// data directory, fixtures, limits, monitoring address, the audit writer's settings)
    /// is kept from the running configuration; the returned notes say which differed.
    pub fn reload(&self, mut new: Settings) -> Result<Vec<String>, OpenError> {
        let old = self.settings();
        let mut notes = Vec::new();
        if new.listen != old.listen {
            notes.push(format!("server.listen {} needs a restart", new.listen));
        }
        if new.data_dir != old.data_dir {
            notes.push(format!(
                "server.data_dir {} needs a restart",
                new.data_dir.display()
            ));
        }
        if new.monitor_listen != old.monitor_listen {
            notes.push("server.monitor_listen needs a restart".into());
        }
        if new.console.as_ref().map(|c| c.listen) != old.console.as_ref().map(|c| c.listen) {
            notes.push("console.listen and console.enabled need a restart".into());
        }
        if format!("{:?}", new.fixtures) != format!("{:?}", old.fixtures) {
            notes.push("fixtures need a restart".into());
        }
        if new.limits.workers != old.limits.workers {
            notes.push(format!(
                "server.workers {} needs a restart",
                new.limits.workers
            ));
        }
        // The audit writer keeps the settings it started with (the auditors are read per
        // request and do change).
        let (a, b) = (&new.audit, &old.audit);
        for (name, differs) in [
            (
                "audit.signing_key",
                a.signer.public_key_hex() != b.signer.public_key_hex(),
            ),
            (
                "audit.checkpoint_every",
                a.checkpoint_every != b.checkpoint_every,
            ),
            (
                "audit.checkpoint_interval_secs",
                a.checkpoint_interval != b.checkpoint_interval,
            ),
            (
                "audit.retention",
                a.retention.to_string() != b.retention.to_string(),
            ),
            (
                "audit.prune_interval_secs",
                a.prune_interval != b.prune_interval,
            ),
            ("audit.group_window_us", a.group_window != b.group_window),
            ("audit.group_hold_us", a.group_hold != b.group_hold),
            ("audit.backend", a.backend != b.backend),
        ] {
            if differs {
                notes.push(format!("{name} needs a restart"));
            }
        }
        new.listen = old.listen;
        new.data_dir = old.data_dir.clone();
        new.monitor_listen = old.monitor_listen;
        new.monitor_required = old.monitor_required;
        if let (Some(n), Some(o)) = (&mut new.console, &old.console) {
            n.listen = o.listen;
            n.required = o.required;
        } else {
            new.console = old.console.clone();
        }
        new.fixtures = old.fixtures.clone();
        new.limits = old.limits;
        let live = Live::build(new)?;
        start_idle_clocks(&self.access, &live.settings)?;
        *self.live.write().expect("not poisoned") = Arc::new(live);
        Ok(notes)
    }
}

/// Re-reads the configuration (`None`: the built-in default) and applies it, or keeps the
/// running one when the new one is invalid; says which in the log and the metrics.
pub fn reload_from(app: &App, path: Option<&std::path::Path>) {
    let loaded = match path {
        Some(p) => Settings::load(p),
        None => Settings::builtin(),
    };
    let result = loaded
        .map_err(|e| e.to_string())
        .and_then(|s| app.reload(s).map_err(|e| e.to_string()));
    match result {
        Ok(notes) => {
            app.metrics.config_reload("applied");
            tracing::info!(?notes, "configuration reloaded");
        }
        Err(why) => {
            app.metrics.config_reload("refused");
            tracing::error!(%why, "configuration reload refused: the previous configuration stays in force");
        }
    }
}

/// What a configuration builds: kept together so a reload swaps all of it at once.
pub struct Live {
    pub settings: Arc<Settings>,
    /// The TLS server configuration new connections use.
    pub tls: Arc<rustls::ServerConfig>,
    /// Checks end users' certificates sent in queries.
    pub end_user_certs: EndUserChecker,
}

impl Live {
    fn build(settings: Settings) -> Result<Self, OpenError> {
        let t = &settings.tls;
        let tls = crate::tls::server_config(&t.ca_pem, &t.cert_pem, &t.key_pem, &t.crl_pems)?;
        Ok(Live {
            end_user_certs: end_user_checker(&settings)?,
            tls: Arc::new(tls),
            settings: Arc::new(settings),
        })
    }
}

/// Every configured user's idle period runs from the first time a server sees it.
fn start_idle_clocks(access: &AccessState, settings: &Settings) -> Result<(), OpenError> {
    let now = jiff::Timestamp::now();
    for o in settings.access.organisations() {
        for u in &o.users {
            access
                .last_use
                .get_or_start(&o.id, &u.kayttajatunnus, now)
                .map_err(|error| OpenError::Store {
                    path: settings.data_dir.display().to_string(),
                    error,
                })?;
        }
    }
    Ok(())
}

/// The end-user certificate checker of the settings' CA and CRLs.
fn end_user_checker(settings: &Settings) -> Result<EndUserChecker, OpenError> {
    let tls = &settings.tls;
    EndUserChecker::new(
        crate::tls::roots(&tls.ca_pem)?,
        crate::tls::crls(&tls.crl_pems)?,
        settings.end_user_certificates,
    )
    .map_err(|message| OpenError::Tls(crate::tls::TlsError::Verifier(message)))
}

/// Opens the sled database of the settings' data directory.
pub fn open_db(settings: &Settings) -> Result<sled::Db, OpenError> {
    sled::open(&settings.data_dir).map_err(|error| OpenError::Store {
        path: settings.data_dir.display().to_string(),
        error,
    })
}
