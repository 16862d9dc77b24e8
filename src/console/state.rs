//! The console's own state beside the shared [`App`]: its sessions, the live view's
//! samples, its TLS configuration and the fixture persons' codes. The page handlers and the
//! server of [`super`] work on it; it knows none of them.

use std::collections::BTreeSet;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use crate::app::App;
use crate::config::Settings;

use super::history;
use super::session;

/// The console's own state beside the shared [`App`].
pub struct Console {
    pub app: Arc<App>,
    /// This console, for work handed to the blocking pool.
    pub(super) me: std::sync::Weak<Console>,
    pub(super) sessions: session::Sessions,
    pub(super) live: history::History,
    /// The TLS configuration and the settings it was built from (rebuilt after a reload).
    pub(super) tls: Mutex<(Arc<Settings>, Arc<rustls::ServerConfig>)>,
    /// The fixture persons' identity codes (the catalogue tells them from generated ones).
    pub(super) fixtures: BTreeSet<String>,
    pub(super) counter: AtomicU64,
}
