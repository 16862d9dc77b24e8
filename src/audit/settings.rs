//! The audit trail's checked settings: the checkpoint signing key, how often checkpoints
//! are made, how long records are kept and how often the server prunes, and the auditors
//! (identified by client certificate) who may read the trail. Built by `config/audit.rs` from the
//! `[audit]` and `[[auditor]]` sections; knows nothing of TOML.

use std::time::Duration;

use crate::access::{CertMatcher, PasswordCheck};
use crate::tls::PeerIdentity;

use super::checkpoint::{Signer, SignerError};

/// How the audit trail runs.
#[derive(Clone)]
pub struct AuditSettings {
    /// Signs checkpoints and the pruned prefix's anchor.
    pub signer: Signer,
    /// Where the key came from (for messages).
    pub key_origin: String,
    /// A checkpoint after this many records …
    pub checkpoint_every: u64,
    /// … or after this long with unsigned records, whichever comes first.
    pub checkpoint_interval: Duration,
    /// Records older than this calendar span are pruned.
    pub retention: jiff::Span,
    /// How often the server prunes.
    pub prune_interval: Duration,
    /// Under load (the last group held at least [`GROUP_WINDOW_AFTER`] records) the
    /// writer starts a group commit no sooner than this after the last one started, so
    /// that one sync serves more records. Zero syncs as soon as a record waits.
    pub group_window: Duration,
    /// Below that load, a group is held only while work that will append a record is
    /// under way (queries being answered, connections in their handshake:
    /// [`crate::audit::log::Underway`]), and at most this long after the last commit
    /// started. Zero never holds.
    pub group_hold: Duration,
    /// Where the trail is kept.
    pub backend: Backend,
}

/// Where the trail is kept: the embedded store beside the registry (the default), or a
/// PostgreSQL database several emulator processes share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    Embedded,
    Postgres(PgSettings),
}

/// How to reach the PostgreSQL database. The password is kept apart from the URL (which
/// carries none) and never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct PgSettings {
    /// `postgres://user@host:port/database` (no password).
    pub url: String,
    pub password: Option<String>,
    /// Connections for readers (search, verify, the admin API and the console); the
    /// writer has one of its own.
    pub pool_size: usize,
}

impl std::fmt::Debug for PgSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSettings")
            .field("url", &self.url)
            .field("password", &self.password.as_ref().map(|_| "(hidden)"))
            .field("pool_size", &self.pool_size)
            .finish()
    }
}

impl std::fmt::Debug for AuditSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditSettings")
            .field("key_origin", &self.key_origin)
            .field("public_key", &self.signer.public_key_hex())
            .field("checkpoint_every", &self.checkpoint_every)
            .field("checkpoint_interval", &self.checkpoint_interval)
            .field("retention", &self.retention)
            .field("prune_interval", &self.prune_interval)
            .field("group_window", &self.group_window)
            .field("group_hold", &self.group_hold)
            .field("backend", &self.backend)
            .finish()
    }
}

/// The group window's default (BENCHMARKS.md, "Group commit under load" and "A shorter
/// group window for one worker").
pub const DEFAULT_GROUP_WINDOW: Duration = Duration::from_micros(300);
/// The longest a small group is held for work under way, by default (BENCHMARKS.md,
/// "Holding a group for work under way" and "A longer hold for new connections").
pub const DEFAULT_GROUP_HOLD: Duration = Duration::from_millis(3);
/// The longest group window (and group hold) the configuration accepts: every answer may
/// wait up to this long for its record's sync.
pub const MAX_GROUP_WINDOW: Duration = Duration::from_millis(10);
/// The group size from which the writer waits out the window; below it, a group waits
/// only for work under way, so a lone caller is synced at once.
pub const GROUP_WINDOW_AFTER: usize = 4;

/// The committed test signing key (certs/), used when the config names none.
pub const BUILTIN_SIGNING_KEY: &str = include_str!("../../certs/audit-signing-key.pem");

impl AuditSettings {
    /// Defaults: the committed test key, a checkpoint every 1000 records or 60 seconds,
    /// five years' retention, pruning once a day, a group window of 300 µs and a hold of
    /// 3 ms.
    pub fn builtin() -> Result<Self, SignerError> {
        Ok(AuditSettings {
            signer: Signer::from_pem(BUILTIN_SIGNING_KEY)?,
            key_origin: "the committed test key (certs/audit-signing-key.pem)".into(),
            checkpoint_every: 1000,
            checkpoint_interval: Duration::from_secs(60),
            retention: jiff::Span::new().years(5),
            prune_interval: Duration::from_secs(24 * 60 * 60),
            group_window: DEFAULT_GROUP_WINDOW,
            group_hold: DEFAULT_GROUP_HOLD,
            backend: Backend::Embedded,
        })
    }
}

/// Parses a retention period such as `5 years`, `5y`, `P5Y` or `18 months`.
pub fn parse_retention(text: &str) -> Result<jiff::Span, String> {
    let span: jiff::Span = text
        .trim()
        .parse()
        .map_err(|e| format!("retention {text:?} is not a period such as \"5 years\": {e}"))?;
    if span.is_negative() || span.is_zero() {
        return Err(format!("retention {text:?} must be positive"));
    }
    Ok(span)
}

/// Someone who may read the audit trail through the admin API (by certificate) and the
/// web console (by certificate or password).
#[derive(Debug, Clone)]
pub struct Auditor {
    pub id: String,
    pub certificates: Vec<CertMatcher>,
    /// The console sign-in password, if one is configured.
    pub password: Option<PasswordCheck>,
}

impl Auditor {
    /// True when the peer's certificate is one of this auditor's.
    pub fn recognises(&self, peer: &PeerIdentity) -> bool {
        self.certificates.iter().any(|c| match c {
            CertMatcher::Sha256(f) => &peer.fingerprint == f,
            CertMatcher::SubjectOrganisation(o) => peer.organisations.iter().any(|x| x == o),
        })
    }
}

/// The auditor a peer is, if any.
pub fn identify<'a>(auditors: &'a [Auditor], peer: &PeerIdentity) -> Option<&'a Auditor> {
    auditors.iter().find(|a| a.recognises(peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_periods_parse_in_calendar_units() {
        assert_eq!(
            parse_retention("5 years").unwrap().fieldwise(),
            jiff::Span::new().years(5).fieldwise()
        );
        assert_eq!(
            parse_retention("P18M").unwrap().fieldwise(),
            jiff::Span::new().months(18).fieldwise()
        );
        assert!(parse_retention("soon").is_err());
        assert!(parse_retention("0 days").is_err());
    }
}
