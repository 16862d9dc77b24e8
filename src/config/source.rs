//! What every part of the configuration check shares: the error, the text being checked
//! with its file name and the folder relative paths start from, and the small readers of
//! line numbers and certificate fingerprints. The floor of `config/`: it imports none of
//! its siblings.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{file}: cannot read {path}: {source}")]
    Io {
        file: String,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A certificate as organisations and auditors name it: by SHA-256 fingerprint or by
/// subject organisation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCertMatcher {
    pub sha256: Option<String>,
    pub subject_organisation: Option<String>,
}

/// The config text being checked, the name it is reported by, and the folder relative
/// paths start from (`None` for the built-in default, whose files are embedded).
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub text: &'a str,
    pub file: &'a str,
    pub base: Option<&'a Path>,
}

impl Source<'_> {
    /// A check that failed, named by the file.
    pub fn invalid(&self, message: String) -> ConfigError {
        ConfigError::Invalid {
            file: self.file.to_string(),
            message,
        }
    }

    /// The line a TOML span starts on.
    pub fn line(&self, span: std::ops::Range<usize>) -> usize {
        line_of(self.text, span.start)
    }

    /// A configured path, relative ones against the config file's folder.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        match self.base {
            Some(b) if p.is_relative() => b.join(p),
            _ => p.to_path_buf(),
        }
    }
}

pub fn parse_fingerprint(s: &str) -> Result<[u8; 32], String> {
    let clean: String = s.chars().filter(|c| *c != ':').collect();
    let bytes = hex::decode(&clean).map_err(|e| format!("sha256 {s:?} is not hex: {e}"))?;
    bytes
        .try_into()
        .map_err(|_| format!("sha256 {s:?} is not 32 bytes"))
}

pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
