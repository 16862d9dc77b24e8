//! Configuration: the TOML file as written ([`RawConfig`]) and the checked [`Settings`]
//! the server runs on. Validation names the file, the line and the field; paths are
//! resolved against the config file's folder. The built-in default embeds the committed
//! test PKI and fixtures, so `serve` runs with no files at all.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::access::{Access, CertMatcher, Organisation, ServiceUser};
use crate::audit::{AuditSettings, Auditor};
use crate::products::{Products, normalise};

/// The default configuration, compiled in.
pub const DEFAULT_CONFIG: &str = include_str!("../config/default.toml");
const BUILTIN_CA: &str = include_str!("../certs/ca.pem");
const BUILTIN_CERT: &str = include_str!("../certs/server.pem");
const BUILTIN_KEY: &str = include_str!("../certs/server-key.pem");

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

// ---- the file as written ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub server: RawServer,
    pub tls: Option<RawTls>,
    pub fixtures: Option<RawFixtures>,
    #[serde(default)]
    pub organisation: Vec<toml::Spanned<RawOrganisation>>,
    #[serde(default)]
    pub audit: RawAudit,
    #[serde(default)]
    pub auditor: Vec<toml::Spanned<RawAuditor>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub max_body_bytes: Option<usize>,
    pub handshake_timeout_secs: Option<u64>,
    pub header_read_timeout_secs: Option<u64>,
    pub body_timeout_secs: Option<u64>,
    pub max_connections: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTls {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFixtures {
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOrganisation {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub certificates: Vec<RawCertMatcher>,
    #[serde(default)]
    pub products: Vec<String>,
    #[serde(default)]
    pub user: Vec<RawUser>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCertMatcher {
    pub sha256: Option<String>,
    pub subject_organisation: Option<String>,
}

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
}

/// `[[auditor]]`: who may read the audit trail through the admin API.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAuditor {
    pub id: String,
    #[serde(default)]
    pub certificates: Vec<RawCertMatcher>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUser {
    pub kayttajatunnus: String,
    pub password: String,
}

// ---- the checked settings ----

/// PEM text of the server's TLS material.
#[derive(Clone)]
pub struct TlsMaterial {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
    /// Where it came from, for the start-up message.
    pub origin: String,
}

impl std::fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsMaterial")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub enum FixtureSource {
    Builtin,
    Files(Vec<PathBuf>),
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub handshake_timeout: Duration,
    pub header_read_timeout: Duration,
    pub body_timeout: Duration,
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            handshake_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_connections: 1024,
        }
    }
}

/// Everything the server needs, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub limits: Limits,
    pub tls: TlsMaterial,
    pub fixtures: FixtureSource,
    pub access: Access,
    pub products: Products,
    /// The config file, or `built-in default`.
    pub source: String,
    pub audit: AuditSettings,
    pub auditors: Vec<Auditor>,
}

impl Settings {
    /// The built-in default configuration.
    pub fn builtin() -> Result<Self, ConfigError> {
        Self::from_toml(DEFAULT_CONFIG, "built-in default", None)
    }

    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            file: file.clone(),
            path: path.to_path_buf(),
            source,
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::from_toml(&text, &file, Some(&base))
    }

    /// Checks config text; `base` is the folder relative paths start from (`None` for the
    /// built-in default, whose TLS material and fixtures are embedded).
    pub fn from_toml(text: &str, file: &str, base: Option<&Path>) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            file: file.to_string(),
            message,
        };
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| invalid(e.to_string().trim_end().to_string()))?;
        let at = |span: std::ops::Range<usize>| line_of(text, span.start);
        let resolve = |p: &Path| match base {
            Some(b) if p.is_relative() => b.join(p),
            _ => p.to_path_buf(),
        };

        let listen = raw.server.listen.as_deref().unwrap_or("127.0.0.1:8443");
        let listen: SocketAddr = listen
            .parse()
            .map_err(|e| invalid(format!("server.listen {listen:?}: {e}")))?;
        let data_dir = raw
            .server
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("./data"));
        let defaults = Limits::default();
        let secs = |v: Option<u64>, d: Duration| v.map(Duration::from_secs).unwrap_or(d);
        let limits = Limits {
            max_body_bytes: raw.server.max_body_bytes.unwrap_or(defaults.max_body_bytes),
            handshake_timeout: secs(
                raw.server.handshake_timeout_secs,
                defaults.handshake_timeout,
            ),
            header_read_timeout: secs(
                raw.server.header_read_timeout_secs,
                defaults.header_read_timeout,
            ),
            body_timeout: secs(raw.server.body_timeout_secs, defaults.body_timeout),
            max_connections: raw
                .server
                .max_connections
                .unwrap_or(defaults.max_connections),
        };
        if limits.max_body_bytes == 0 || limits.max_connections == 0 {
            return Err(invalid(
                "server.max_body_bytes and server.max_connections must be positive".into(),
            ));
        }

        let tls = match &raw.tls {
            None => TlsMaterial {
                ca_pem: BUILTIN_CA.into(),
                cert_pem: BUILTIN_CERT.into(),
                key_pem: BUILTIN_KEY.into(),
                origin: "the committed test PKI (certs/)".into(),
            },
            Some(t) => {
                let read = |p: &Path| {
                    let path = resolve(p);
                    std::fs::read_to_string(&path).map_err(|source| ConfigError::Io {
                        file: file.to_string(),
                        path,
                        source,
                    })
                };
                TlsMaterial {
                    ca_pem: read(&t.ca)?,
                    cert_pem: read(&t.cert)?,
                    key_pem: read(&t.key)?,
                    origin: resolve(&t.cert).display().to_string(),
                }
            }
        };

        let fixtures = match &raw.fixtures {
            None => FixtureSource::Builtin,
            Some(f) => FixtureSource::Files(f.files.iter().map(|p| resolve(p)).collect()),
        };

        let products = Products::builtin();
        let mut organisations: Vec<Organisation> = Vec::new();
        for spanned in &raw.organisation {
            let line = at(spanned.span());
            let o = spanned.get_ref();
            let bad = |m: String| invalid(format!("line {line}: organisation {:?}: {m}", o.id));
            if o.id.trim().is_empty() {
                return Err(invalid(format!(
                    "line {line}: organisation id must not be empty"
                )));
            }
            if organisations.iter().any(|x| x.id == o.id) {
                return Err(bad("the id is used twice".into()));
            }
            let mut certificates = Vec::new();
            for c in &o.certificates {
                certificates.push(match (&c.sha256, &c.subject_organisation) {
                    (Some(fp), None) => CertMatcher::Sha256(parse_fingerprint(fp).map_err(&bad)?),
                    (None, Some(org)) => CertMatcher::SubjectOrganisation(org.clone()),
                    _ => {
                        return Err(bad(
                            "each certificate names exactly one of sha256, subject_organisation"
                                .into(),
                        ));
                    }
                });
            }
            let mut permitted = Vec::new();
            for p in &o.products {
                let Some(product) = products.get(p) else {
                    return Err(bad(format!("product {p:?} does not exist")));
                };
                permitted.push(normalise(&product.name));
            }
            let mut users: Vec<ServiceUser> = Vec::new();
            for u in &o.user {
                if u.kayttajatunnus.trim().is_empty() || u.password.is_empty() {
                    return Err(bad("a user needs a kayttajatunnus and a password".into()));
                }
                if users.iter().any(|x| x.kayttajatunnus == u.kayttajatunnus) {
                    return Err(bad(format!("user {:?} is defined twice", u.kayttajatunnus)));
                }
                users.push(ServiceUser::new(u.kayttajatunnus.clone(), &u.password));
            }
            organisations.push(Organisation {
                id: o.id.clone(),
                name: o.name.clone(),
                certificates,
                products: permitted,
                users,
            });
        }

        let audit = audit_settings(&raw.audit, file, &resolve)?;
        let auditors = auditors(&raw.auditor, text, file)?;

        Ok(Settings {
            listen,
            data_dir,
            limits,
            tls,
            fixtures,
            access: Access::new(organisations),
            products,
            source: file.to_string(),
            audit,
            auditors,
        })
    }
}

/// Checks `[audit]`.
fn audit_settings(
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
    if a.checkpoint_every == 0 || a.checkpoint_interval.is_zero() || a.prune_interval.is_zero() {
        return Err(invalid(
            "audit.checkpoint_every, audit.checkpoint_interval_secs and audit.prune_interval_secs must be positive".into(),
        ));
    }
    Ok(a)
}

/// Checks the `[[auditor]]` entries.
fn auditors(
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
        if a.certificates.is_empty() {
            return Err(bad("an auditor needs at least one certificate".into()));
        }
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
        });
    }
    Ok(out)
}

fn parse_fingerprint(s: &str) -> Result<[u8; 32], String> {
    let clean: String = s.chars().filter(|c| *c != ':').collect();
    let bytes = hex::decode(&clean).map_err(|e| format!("sha256 {s:?} is not hex: {e}"))?;
    bytes
        .try_into()
        .map_err(|_| format!("sha256 {s:?} is not 32 bytes"))
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_default_is_valid() {
        let s = Settings::builtin().unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8443");
        assert_eq!(s.data_dir, PathBuf::from("./data"));
        assert_eq!(s.access.organisations()[0].id, "demo");
    }

    #[test]
    fn audit_and_auditor_sections_are_checked() {
        let s = Settings::builtin().unwrap();
        assert_eq!(s.auditors.len(), 1);
        assert_eq!(s.audit.checkpoint_every, 1000);
        let text = "[audit]\nretention = \"18 months\"\ncheckpoint_every = 5\n\n[[auditor]]\nid = \"a\"\ncertificates = [{ sha256 = \"00\" }]\n";
        let err = Settings::from_toml(text, "c.toml", None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 5") && err.contains("auditor \"a\""),
            "{err}"
        );
        let err = Settings::from_toml("[audit]\nretention = \"forever\"\n", "c.toml", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("retention"), "{err}");
        let err = Settings::from_toml(
            "[audit]\nsigning_key = \"/nonexistent.pem\"\n",
            "c.toml",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("nonexistent.pem"), "{err}");
    }

    #[test]
    fn errors_name_file_line_and_value() {
        let text = "[server]\nlisten = \"127.0.0.1:1\"\n\n[[organisation]]\nid = \"x\"\nname = \"X\"\nproducts = [\"NOPE\"]\n";
        let err = Settings::from_toml(text, "my.toml", None)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("my.toml: line 4"), "{err}");
        assert!(err.contains("\"NOPE\""), "{err}");

        let err = Settings::from_toml("[server]\nlisten = 5\n", "my.toml", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");

        let err = Settings::from_toml("[server]\nlisten = \"nowhere\"\n", "c.toml", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.listen"), "{err}");
    }
}
