//! `[audit]` and `[[auditor]]`: the trail's signing key, checkpoints and retention, and
//! who may read the trail through the admin API; each raw TOML type beside its check.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::source::{ConfigError, RawCertMatcher, line_of, parse_fingerprint};
use crate::access::{CertMatcher, PasswordCheck};
use crate::audit::settings::{Backend, PgSettings};
use crate::audit::{AuditSettings, Auditor};

/// `[audit]`: the trail's signing key, checkpoints and retention.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAudit {
    /// Ed25519 private key, PKCS#8 PEM (`openssl genpkey -algorithm ed25519`).
    pub signing_key: Option<PathBuf>,
    /// A calendar period, e.g. "5 years" (the default) or "P18M".
    pub retention: Option<String>,
    pub checkpoint_every: Option<u64>,
    pub checkpoint_interval_secs: Option<u64>,
    pub prune_interval_secs: Option<u64>,
    /// Under load, the least time between two group commits' starts, in microseconds
    /// (default 300; 0 syncs as soon as a record waits; at most 10000).
    pub group_window_us: Option<u64>,
    /// Below load, the longest a group is held for work under way, in microseconds
    /// (default 1000; 0 never holds; at most 10000).
    pub group_hold_us: Option<u64>,
    /// Where the trail is kept: "embedded" (the default) or "postgres".
    pub backend: Option<String>,
    /// For "postgres": `postgres://user@host:port/database`, without a password.
    pub url: Option<String>,
    /// The environment variable that holds the database password …
    pub password_env: Option<String>,
    /// … or the file that does (its first line).
    pub password_file: Option<PathBuf>,
    /// Reader connections (default 8).
    pub pool_size: Option<usize>,
}

/// `[[auditor]]`: who may read the audit trail through the admin API.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAuditor {
    pub id: String,
    #[serde(default)]
    pub certificates: Vec<RawCertMatcher>,
    /// argon2id PHC string: lets the auditor sign in to the web console with a password.
    pub password_hash: Option<String>,
    /// Refused: plaintext passwords are not accepted (the field exists to say so clearly).
    pub password: Option<String>,
}

/// Checks `[audit]`.
pub fn audit_settings(
    raw: &RawAudit,
    file: &str,
    resolve: &dyn Fn(&Path) -> PathBuf,
) -> Result<AuditSettings, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        file: file.to_string(),
        message,
    };
    let mut a = AuditSettings::builtin().map_err(|e| invalid(e.to_string()))?;
    if let Some(p) = &raw.signing_key {
        let path = resolve(p);
        let pem = std::fs::read_to_string(&path).map_err(|source| ConfigError::Io {
            file: file.to_string(),
            path: path.clone(),
            source,
        })?;
        a.signer = crate::audit::checkpoint::Signer::from_pem(&pem)
            .map_err(|e| invalid(format!("audit.signing_key {}: {e}", path.display())))?;
        a.key_origin = path.display().to_string();
    }
    if let Some(r) = &raw.retention {
        a.retention = crate::audit::settings::parse_retention(r)
            .map_err(|e| invalid(format!("audit.{e}")))?;
    }
    if let Some(n) = raw.checkpoint_every {
        a.checkpoint_every = n;
    }
    if let Some(n) = raw.checkpoint_interval_secs {
        a.checkpoint_interval = Duration::from_secs(n);
    }
    if let Some(n) = raw.prune_interval_secs {
        a.prune_interval = Duration::from_secs(n);
    }
    for (name, value, setting) in [
        ("group_window_us", raw.group_window_us, &mut a.group_window),
        ("group_hold_us", raw.group_hold_us, &mut a.group_hold),
    ] {
        let Some(us) = value else { continue };
        *setting = Duration::from_micros(us);
        if *setting > crate::audit::settings::MAX_GROUP_WINDOW {
            return Err(invalid(format!(
                "audit.{name} = {us} is longer than {} µs: every answer may wait that long",
                crate::audit::settings::MAX_GROUP_WINDOW.as_micros()
            )));
        }
    }
    if a.checkpoint_every == 0 || a.checkpoint_interval.is_zero() || a.prune_interval.is_zero() {
        return Err(invalid(
            "audit.checkpoint_every, audit.checkpoint_interval_secs and audit.prune_interval_secs must be positive".into(),
        ));
    }
    a.backend = backend(raw, file, resolve)?;
    Ok(a)
}

/// Checks `backend`, `url`, `password_env`, `password_file` and `pool_size`. The
/// password is read here and never appears in an error.
fn backend(
    raw: &RawAudit,
    file: &str,
    resolve: &dyn Fn(&Path) -> PathBuf,
) -> Result<Backend, ConfigError> {
    let invalid = |message: &str| ConfigError::Invalid {
        file: file.to_string(),
        message: message.to_string(),
    };
    match raw.backend.as_deref().unwrap_or("embedded") {
        "embedded" => {
            if raw.url.is_some() || raw.password_env.is_some() || raw.password_file.is_some() {
                return Err(invalid(
                    "audit.url, audit.password_env and audit.password_file need audit.backend = \"postgres\"",
                ));
            }
            Ok(Backend::Embedded)
        }
        "postgres" => {
            let url = raw.url.as_deref().ok_or_else(|| {
                invalid("audit.backend = \"postgres\" needs audit.url = \"postgres://user@host:port/database\"")
            })?;
            check_url(url).map_err(|m| invalid(&m))?;
            let password = match (&raw.password_env, &raw.password_file) {
                (Some(_), Some(_)) => {
                    return Err(invalid(
                        "audit: set one of password_env and password_file, not both",
                    ));
                }
                (Some(var), None) => Some(std::env::var(var).map_err(|_| {
                    invalid(&format!(
                        "audit.password_env: the environment variable {var} is not set"
                    ))
                })?),
                (None, Some(p)) => {
                    let path = resolve(p);
                    let text =
                        std::fs::read_to_string(&path).map_err(|source| ConfigError::Io {
                            file: file.to_string(),
                            path: path.clone(),
                            source,
                        })?;
                    Some(text.lines().next().unwrap_or("").to_string())
                }
                (None, None) => None,
            };
            let pool_size = raw.pool_size.unwrap_or(8);
            if pool_size == 0 {
                return Err(invalid("audit.pool_size must be positive"));
            }
            Ok(Backend::Postgres(PgSettings {
                url: url.to_string(),
                password,
                pool_size,
            }))
        }
        other => Err(invalid(&format!(
            "audit.backend {other:?}: expected \"embedded\" or \"postgres\""
        ))),
    }
}

/// A `postgres://` URL with no password in it (the error never repeats the URL, which
/// might hold one).
fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
        .ok_or("audit.url must start with postgres://")?;
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    if let Some((userinfo, _)) = authority.rsplit_once('@')
        && userinfo.contains(':')
    {
        return Err(
            "audit.url must not hold a password: set audit.password_env or audit.password_file"
                .into(),
        );
    }
    if url.contains("password=") {
        return Err(
            "audit.url must not hold a password: set audit.password_env or audit.password_file"
                .into(),
        );
    }
    url.parse::<tokio_postgres::Config>()
        .map(|_| ())
        .map_err(|e| format!("audit.url is not a PostgreSQL URL: {e}"))
}

/// Checks the `[[auditor]]` entries.
pub fn auditors(
    raw: &[toml::Spanned<RawAuditor>],
    text: &str,
    file: &str,
) -> Result<Vec<Auditor>, ConfigError> {
    let mut out: Vec<Auditor> = Vec::new();
    for spanned in raw {
        let line = line_of(text, spanned.span().start);
        let a = spanned.get_ref();
        let bad = |m: String| ConfigError::Invalid {
            file: file.to_string(),
            message: format!("line {line}: auditor {:?}: {m}", a.id),
        };
        if a.id.trim().is_empty() {
            return Err(bad("the id must not be empty".into()));
        }
        if out.iter().any(|x| x.id == a.id) {
            return Err(bad("the id is used twice".into()));
        }
        if a.password.is_some() {
            return Err(bad(
                "plaintext passwords are not accepted; hash the password with `vtj-emulator config hash-password` and set password_hash".into(),
            ));
        }
        if a.certificates.is_empty() && a.password_hash.is_none() {
            return Err(bad(
                "an auditor needs at least one certificate or a password_hash".into(),
            ));
        }
        let password = match &a.password_hash {
            Some(phc) => Some(PasswordCheck::from_phc(phc).map_err(|e| bad(e.to_string()))?),
            None => None,
        };
        let mut certificates = Vec::new();
        for c in &a.certificates {
            certificates.push(match (&c.sha256, &c.subject_organisation) {
                (Some(fp), None) => CertMatcher::Sha256(parse_fingerprint(fp).map_err(&bad)?),
                (None, Some(org)) => CertMatcher::SubjectOrganisation(org.clone()),
                _ => {
                    return Err(bad(
                        "each certificate names exactly one of sha256, subject_organisation".into(),
                    ));
                }
            });
        }
        out.push(Auditor {
            id: a.id.clone(),
            certificates,
            password,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(toml_text: &str) -> Result<Backend, String> {
        let raw: RawAudit = toml::from_str(toml_text).map_err(|e| e.to_string())?;
        audit_settings(&raw, "test.toml", &|p: &Path| p.to_path_buf())
            .map(|a| a.backend)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_group_window_and_hold_default_to_300_and_3000_microseconds_and_are_bounded() {
        let both = |text: &str| {
            let raw: RawAudit = toml::from_str(text).map_err(|e| e.to_string())?;
            audit_settings(&raw, "test.toml", &|p: &Path| p.to_path_buf())
                .map(|a| (a.group_window, a.group_hold))
                .map_err(|e| e.to_string())
        };
        let window = |text: &str| both(text).map(|(w, _)| w);
        assert_eq!(
            both(""),
            Ok((Duration::from_micros(300), Duration::from_millis(3)))
        );
        assert_eq!(
            both("group_hold_us = 0"),
            Ok((Duration::from_micros(300), Duration::ZERO))
        );
        let err = both("group_hold_us = 20000").unwrap_err();
        assert!(err.contains("audit.group_hold_us = 20000"), "{err}");
        assert_eq!(window("group_window_us = 0"), Ok(Duration::ZERO));
        assert_eq!(
            window("group_window_us = 2500"),
            Ok(Duration::from_micros(2500))
        );
        let err = window("group_window_us = 10001").unwrap_err();
        assert!(err.contains("audit.group_window_us = 10001"), "{err}");
        assert!(window("group_window_us = -1").is_err());
    }

    #[test]
    fn the_embedded_store_is_the_default_and_postgres_needs_a_url_without_a_password() {
        assert_eq!(check("").unwrap(), Backend::Embedded);
        let err = check("backend = \"postgres\"").unwrap_err();
        assert!(err.contains("audit.url"), "{err}");
        let err = check("backend = \"postgres\"\nurl = \"postgres://vtj:Hunter2-pw@db/vtj\"")
            .unwrap_err();
        assert!(err.contains("must not hold a password"), "{err}");
        assert!(!err.contains("Hunter2-pw"), "{err}");
        let err =
            check("backend = \"postgres\"\nurl = \"postgres://vtj@db/vtj?password=Hunter2-pw\"")
                .unwrap_err();
        assert!(!err.contains("Hunter2-pw"), "{err}");
        assert!(
            check("url = \"postgres://vtj@db/vtj\"").is_err(),
            "a url without the backend"
        );
        assert!(check("backend = \"mysql\"").is_err());
    }

    #[test]
    fn the_password_comes_from_a_file_and_is_never_printed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "Hunter2-pw\n").unwrap();
        let text = format!(
            "backend = \"postgres\"\nurl = \"postgres://vtj@127.0.0.1:5432/vtj\"\npassword_file = {:?}\npool_size = 3",
            file.display().to_string()
        );
        let Backend::Postgres(pg) = check(&text).unwrap() else {
            panic!("not postgres");
        };
        assert_eq!(pg.password.as_deref(), Some("Hunter2-pw"));
        assert_eq!(pg.pool_size, 3);
        assert!(!format!("{pg:?}").contains("Hunter2-pw"));
        let err = check(
            "backend = \"postgres\"\nurl = \"postgres://vtj@db/vtj\"\npassword_env = \"VTJ_TEST_SURELY_UNSET_7\"",
        )
        .unwrap_err();
        assert!(err.contains("VTJ_TEST_SURELY_UNSET_7"), "{err}");
    }
}
