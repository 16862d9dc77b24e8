//! The running emulator's shared state: checked settings, the open sled database with its
//! registry and audit log, and the WSDL documents. Opening it imports the fixtures.

use std::sync::Arc;

use crate::access::AccessState;
use crate::access::enduser::EndUserChecker;
use crate::audit::{AuditError, AuditLog};
use crate::config::{FixtureSource, Settings};
use crate::metrics::Metrics;
use crate::registry::fixtures::{FixtureError, Fixtures};
use crate::registry::store::{Registry, RegistryError};

pub const SOSO_WSDL: &str = include_str!("../wsdl/SoSo.wsdl");
pub const XROAD_WSDL: &str = include_str!("../wsdl/SoSoAdapterService60.wsdl");
/// Where a WSDL's `soap:address` holds the base URL the server fills in.
pub const BASE_URL_MARKER: &str = "VTJ_EMULATOR_BASE_URL";

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
    pub settings: Settings,
    pub db: sled::Db,
    /// Lockouts, quota usage and last-use times: state that outlives config reloads.
    pub access: AccessState,
    /// Checks end users' certificates sent in queries.
    pub end_user_certs: EndUserChecker,
    pub metrics: Metrics,
    pub registry: Registry,
    pub audit: AuditLog,
}

impl App {
    /// Opens (creating on first start) the store and imports the fixtures. Needs a tokio
    /// runtime for the audit writer.
    pub fn open(settings: Settings) -> Result<Arc<Self>, OpenError> {
        crate::soap::schema::load()?;
        let db = open_db(&settings)?;
        let registry = Registry::open(&db)?;
        let fixtures = match &settings.fixtures {
            FixtureSource::Builtin => Fixtures::builtin()?,
            FixtureSource::Files(files) => Fixtures::load(files)?,
        };
        let n = fixtures.import(&registry)?;
        tracing::info!(persons = n, total = registry.len(), "fixtures imported");
        let audit = AuditLog::open(&db)?;
        let access = AccessState::open(&db).map_err(|error| OpenError::Store {
            path: settings.data_dir.display().to_string(),
            error,
        })?;
        let end_user_certs = end_user_checker(&settings)?;
        // Every configured user's idle period runs from the first time a server sees it.
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
        Ok(Arc::new(App {
            settings,
            db,
            access,
            end_user_certs,
            metrics: Metrics::default(),
            registry,
            audit,
        }))
    }
}

/// The end-user certificate checker of the settings' CA and CRLs.
fn end_user_checker(settings: &Settings) -> Result<EndUserChecker, OpenError> {
    let tls = &settings.tls;
    EndUserChecker::new(
        crate::tls::roots(&tls.ca_pem)?,
        crate::tls::crls(&tls.crl_pems)?,
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
