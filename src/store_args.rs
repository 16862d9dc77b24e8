//! The `--config FILE` and `--data DIR` options every command that reads the configuration
//! or the store shares, and the settings they select. Below the command line and each
//! subcommand module, so those own their argument types without importing one another.

use std::path::PathBuf;

use clap::Args;

use crate::config::Settings;

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
