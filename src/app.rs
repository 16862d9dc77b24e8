//! The running emulator's shared state: checked settings, the open sled database with its
//! registry and audit log, and the WSDL documents. Opening it imports the fixtures.

use std::sync::Arc;

use crate::audit::{AuditError, AuditLog};
use crate::config::{FixtureSource, Settings};
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
}

/// Shared state of a running server.
pub struct App {
    pub settings: Settings,
    pub db: sled::Db,
    pub registry: Registry,
    pub audit: AuditLog,
}

impl App {
    /// Opens (creating on first start) the store and imports the fixtures. Needs a tokio
    /// runtime for the audit writer.
    pub fn open(settings: Settings) -> Result<Arc<Self>, OpenError> {
        let db = open_db(&settings)?;
        let registry = Registry::open(&db)?;
        let fixtures = match &settings.fixtures {
            FixtureSource::Builtin => Fixtures::builtin()?,
            FixtureSource::Files(files) => Fixtures::load(files)?,
        };
        let n = fixtures.import(&registry)?;
        tracing::info!(persons = n, total = registry.len(), "fixtures imported");
        let audit = AuditLog::open_server(&db, &settings.audit)?;
        Ok(Arc::new(App {
            settings,
            db,
            registry,
            audit,
        }))
    }
}

/// Opens the sled database of the settings' data directory.
pub fn open_db(settings: &Settings) -> Result<sled::Db, OpenError> {
    sled::open(&settings.data_dir).map_err(|error| OpenError::Store {
        path: settings.data_dir.display().to_string(),
        error,
    })
}
