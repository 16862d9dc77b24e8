//! The fixture loader's error: what file and which record is wrong, or the store refusing
//! the import. Below both halves of the fixture check so each raises it without importing
//! the other.

use crate::registry::model::Person;
use crate::registry::store::RegistryError;

#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] RegistryError),
}

pub(crate) fn invalid(file: &str, p: &Person, message: String) -> FixtureError {
    FixtureError::Invalid {
        file: file.to_string(),
        message: format!("person {}: {message}", p.hetu),
    }
}
