//! Configuration: the TOML file as written ([`RawConfig`]) and the checked [`Settings`]
//! the server runs on. Validation names the file, the line and the field; paths are
//! resolved against the config file's folder. The built-in default embeds the committed
//! test PKI and fixtures, so `serve` runs with no files at all.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::access::{
    Access, CertMatcher, LockoutPolicy, Organisation, PasswordCheck, Permit, Quota, ServiceUser,
};
use crate::audit::{AuditSettings, Auditor};
use crate::ops::request::Operation;
use crate::products::{Products, normalise};

/// The default configuration, compiled in.
pub const DEFAULT_CONFIG: &str = include_str!("../config/default.toml");
const BUILTIN_CA: &str = include_str!("../certs/ca.pem");
const BUILTIN_CERT: &str = include_str!("../certs/server.pem");
const BUILTIN_KEY: &str = include_str!("../certs/server-key.pem");
const BUILTIN_CRL: &str = include_str!("../certs/ca.crl");

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
    pub access: RawAccess,
    #[serde(default)]
    pub organisation: Vec<toml::Spanned<RawOrganisation>>,
    pub xroad: Option<RawXRoad>,
    /// Administrator-defined products (see docs/products.md).
    #[serde(default)]
    pub product: Vec<toml::Spanned<crate::products::define::RawProduct>>,
    #[serde(default)]
    pub end_user_certificates: RawEndUserCertificates,
    #[serde(default)]
    pub registry: RawRegistry,
    /// Fault injection rules (docs/fault-injection.md).
    #[serde(default)]
    pub fault: Vec<toml::Spanned<crate::faults::RawFault>>,
    #[serde(default)]
    pub faults: crate::faults::RawFaultSettings,
    #[serde(default)]
    pub audit: RawAudit,
    #[serde(default)]
    pub auditor: Vec<toml::Spanned<RawAuditor>>,
    /// Administrator-defined building products (see docs/buildings.md).
    #[serde(default)]
    pub building_product: Vec<crate::products::estate::RawBuildingProduct>,
    /// The web console (docs/console.md).
    #[serde(default)]
    pub console: RawConsole,
}

/// `[registry]`: the register's own settings.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegistry {
    /// The date ages are computed against (a TOML date); default: the real date in Finland.
    pub today: Option<toml::value::Datetime>,
}

/// `[end_user_certificates]`: the checks a query's check flags ask for.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEndUserCertificates {
    /// A check flag without an `X509Certificate`: "report" (0009/0008, default) or "ignore".
    #[serde(default)]
    pub when_missing: crate::access::enduser::WhenMissing,
}

/// `[xroad]`: how the X-Road interface answers errors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawXRoad {
    /// Return codes answered as `faultCode`/`faultString` inside `response` instead of a
    /// `Paluukoodi` in the document.
    pub fault_in_body_codes: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccess {
    /// Wrong passwords in a row that lock a service user.
    pub lockout_failures: Option<u32>,
    /// How long a lock lasts.
    pub lockout_minutes: Option<u64>,
    /// Unused service users are deactivated after this long (e.g. "4 months").
    pub idle_after: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub listen: Option<String>,
    /// The plain-HTTP monitoring listener; "off" disables it.
    pub monitor_listen: Option<String>,
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
    /// CRLs of the CA; client certificates they list are refused at the handshake.
    #[serde(default)]
    pub crls: Vec<PathBuf>,
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
    pub business_id: Option<String>,
    #[serde(default)]
    pub certificates: Vec<RawCertMatcher>,
    #[serde(default)]
    pub products: Vec<String>,
    /// Direct-interface operation names; absent: all of them.
    pub operations: Option<Vec<String>>,
    #[serde(default)]
    pub permit: RawPermit,
    #[serde(default)]
    pub quota: RawQuota,
    #[serde(default)]
    pub user: Vec<RawUser>,
    /// X-Road client identifiers (`INSTANCE/CLASS/CODE[/SUBSYSTEM]`) of this organisation.
    #[serde(default)]
    pub xroad_clients: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPermit {
    #[serde(default)]
    pub non_disclosure: bool,
    #[serde(default)]
    pub deceased: bool,
    #[serde(default)]
    pub identification: bool,
    #[serde(default)]
    pub extraction: bool,
    #[serde(default)]
    pub residents: bool,
    /// The most persons one extraction answers (default [`DEFAULT_EXTRACTION_MAX`]).
    #[serde(default)]
    pub extraction_max: Option<u32>,
}

/// The extraction cap of a permit that sets none.
pub const DEFAULT_EXTRACTION_MAX: u32 = 100;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQuota {
    /// Queries per second (burst of the same size); 0 means unlimited.
    #[serde(default = "default_per_second")]
    pub per_second: u32,
    /// Queries per day (Finnish time); 0 means unlimited.
    #[serde(default = "default_per_day")]
    pub per_day: u32,
}

impl Default for RawQuota {
    fn default() -> Self {
        RawQuota {
            per_second: default_per_second(),
            per_day: default_per_day(),
        }
    }
}

/// Generous for a test environment, yet far from copying a register.
fn default_per_second() -> u32 {
    200
}

fn default_per_day() -> u32 {
    100_000
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
    /// argon2id PHC string: lets the auditor sign in to the web console with a password.
    pub password_hash: Option<String>,
    /// Refused: plaintext passwords are not accepted (the field exists to say so clearly).
    pub password: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUser {
    pub kayttajatunnus: String,
    /// argon2id PHC string (`vtj-emulator config hash-password`).
    pub password_hash: Option<String>,
    /// Refused: plaintext passwords are not accepted (the field exists to say so clearly).
    pub password: Option<String>,
    /// Narrows the organisation's products for this user.
    pub products: Option<Vec<String>>,
    /// Narrows the organisation's operations for this user.
    pub operations: Option<Vec<String>>,
    /// Reactivates an idle user from this date on (a TOML date: `reactivated = 2026-11-21`).
    pub reactivated: Option<toml::value::Datetime>,
}

// ---- the checked settings ----

/// PEM text of the server's TLS material.
#[derive(Clone)]
pub struct TlsMaterial {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
    pub crl_pems: Vec<String>,
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

/// The X-Road interface's settings, checked.
#[derive(Debug, Clone)]
pub struct XRoadSettings {
    /// (client identifier, organisation id).
    pub clients: Vec<(String, String)>,
    pub fault_in_body_codes: Vec<String>,
}

/// Spec §4.6 item 2: "not found" and the negative (authentication, product, validation,
/// failure) codes come as `faultCode`/`faultString` on X-Road.
pub const DEFAULT_FAULT_IN_BODY_CODES: &[&str] = &[
    "0001", "-1500", "-1505", "-1800", "-1805", "-1900", "-1901", "-1902", "-1903", "-1904",
    "-1905", "-1906",
];

impl XRoadSettings {
    /// The organisation id an X-Road client identifier maps to.
    pub fn organisation_of(&self, client_id: &str) -> Option<&str> {
        self.clients
            .iter()
            .find(|(c, _)| c == client_id)
            .map(|(_, o)| o.as_str())
    }
}

/// Everything the server needs, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    /// The monitoring listener (`/metrics`, `/healthz`, `/readyz`), if any.
    pub monitor_listen: Option<SocketAddr>,
    /// True when the monitoring address was configured (a bind failure is then fatal;
    /// the default address only warns).
    pub monitor_required: bool,
    pub data_dir: PathBuf,
    pub limits: Limits,
    pub tls: TlsMaterial,
    pub fixtures: FixtureSource,
    pub access: Access,
    pub products: Products,
    pub xroad: XRoadSettings,
    /// A fixed date of the register (ages are computed against it), if configured.
    pub registry_today: Option<jiff::civil::Date>,
    /// What a certificate-check flag without a certificate earns.
    pub end_user_certificates: crate::access::enduser::WhenMissing,
    /// Fault injection: the configured rules, then the reserved test codes.
    pub faults: crate::faults::Faults,
    /// The config file, or `built-in default`.
    pub source: String,
    pub audit: AuditSettings,
    pub auditors: Vec<Auditor>,
    /// Building products, built-in and configured (docs/buildings.md).
    pub building_products: crate::products::estate::EstateProducts,
    /// The web console's listener and sessions; `None` when `[console] enabled = false`.
    pub console: Option<ConsoleSettings>,
}

impl Settings {
    /// The date ages are computed against: `[registry] today`, or today in Finland.
    pub fn register_date(&self) -> jiff::civil::Date {
        self.registry_today
            .unwrap_or_else(|| crate::ops::helsinki_now().date())
    }

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
        let monitor_listen =
            match raw
                .server
                .monitor_listen
                .as_deref()
                .unwrap_or("127.0.0.1:9090")
            {
                "off" => None,
                m => Some(m.parse::<SocketAddr>().map_err(|e| {
                    invalid(format!("server.monitor_listen {m:?}: {e} (or \"off\")"))
                })?),
            };
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
                crl_pems: vec![BUILTIN_CRL.into()],
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
                    crl_pems: t.crls.iter().map(|p| read(p)).collect::<Result<_, _>>()?,
                    origin: resolve(&t.cert).display().to_string(),
                }
            }
        };

        let fixtures = match &raw.fixtures {
            None => FixtureSource::Builtin,
            Some(f) => FixtureSource::Files(f.files.iter().map(|p| resolve(p)).collect()),
        };

        let mut products = Products::builtin();
        crate::products::define::add_all(&raw.product, text, file, &mut products)
            .map_err(|e| invalid(e.to_string()))?;
        let building_products =
            crate::products::estate::EstateProducts::with(&raw.building_product, |n| {
                products.get(n).is_some()
            })
            .map_err(invalid)?;
        let mut organisations: Vec<Organisation> = Vec::new();
        let mut xroad_clients: Vec<(String, String)> = Vec::new();
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
                let name = products.get(p).map(|x| normalise(&x.name));
                let Some(name) = name.or_else(|| building_products.get(p).map(|x| x.name.clone()))
                else {
                    return Err(bad(format!("product {p:?} does not exist")));
                };
                permitted.push(name);
            }
            let known_ops = |list: &Vec<String>| -> Result<Vec<String>, ConfigError> {
                list.iter()
                    .map(|name| match Operation::from_name(name) {
                        Some(op) => Ok(op.name().to_string()),
                        None => Err(bad(format!("operation {name:?} does not exist"))),
                    })
                    .collect()
            };
            let operations = match &o.operations {
                Some(list) => known_ops(list)?,
                None => Operation::ALL
                    .iter()
                    .map(|op| op.name().to_string())
                    .collect(),
            };
            if let Some(b) = &o.business_id
                && !is_business_id(b)
            {
                return Err(bad(format!(
                    "business_id {b:?} is not a valid business id (1234567-8)"
                )));
            }
            let mut users: Vec<ServiceUser> = Vec::new();
            for u in &o.user {
                let who = format!("user {:?}", u.kayttajatunnus);
                if u.kayttajatunnus.trim().is_empty() {
                    return Err(bad("a user needs a kayttajatunnus".into()));
                }
                if u.password.is_some() {
                    return Err(bad(format!(
                        "{who}: plaintext passwords are not accepted; hash the password with `vtj-emulator config hash-password` and set password_hash"
                    )));
                }
                let Some(phc) = &u.password_hash else {
                    return Err(bad(format!("{who}: password_hash is missing")));
                };
                let password =
                    PasswordCheck::from_phc(phc).map_err(|e| bad(format!("{who}: {e}")))?;
                if users.iter().any(|x| x.kayttajatunnus == u.kayttajatunnus) {
                    return Err(bad(format!("{who} is defined twice")));
                }
                let products = match &u.products {
                    None => None,
                    Some(list) => {
                        let mut out = Vec::new();
                        for p in list {
                            let n = normalise(p);
                            if !permitted.contains(&n) {
                                return Err(bad(format!(
                                    "{who}: product {p:?} is not among the organisation's products"
                                )));
                            }
                            out.push(n);
                        }
                        Some(out)
                    }
                };
                let user_ops = match &u.operations {
                    None => None,
                    Some(list) => {
                        let list = known_ops(list)?;
                        if let Some(op) = list.iter().find(|op| !operations.contains(op)) {
                            return Err(bad(format!(
                                "{who}: operation {op:?} is not among the organisation's operations"
                            )));
                        }
                        Some(list)
                    }
                };
                let reactivated = match &u.reactivated {
                    None => None,
                    Some(dt) => Some(
                        reactivation(dt)
                            .map_err(|m| bad(format!("{who}: reactivated {dt}: {m}")))?,
                    ),
                };
                users.push(ServiceUser {
                    kayttajatunnus: u.kayttajatunnus.clone(),
                    password,
                    products,
                    operations: user_ops,
                    reactivated,
                });
            }
            for c in &o.xroad_clients {
                let parts: Vec<&str> = c.split('/').collect();
                if !(3..=4).contains(&parts.len()) || parts.iter().any(|p| p.trim().is_empty()) {
                    return Err(bad(format!(
                        "xroad_clients entry {c:?} is not INSTANCE/CLASS/CODE[/SUBSYSTEM]"
                    )));
                }
                if let Some((_, other)) = xroad_clients.iter().find(|(x, _)| x == c) {
                    return Err(bad(format!(
                        "X-Road client {c:?} is already organisation {other:?}'s"
                    )));
                }
                xroad_clients.push((c.clone(), o.id.clone()));
            }
            let nonzero = |n: u32| (n > 0).then_some(n);
            organisations.push(Organisation {
                id: o.id.clone(),
                name: o.name.clone(),
                business_id: o.business_id.clone(),
                certificates,
                products: permitted,
                operations,
                permit: Permit {
                    non_disclosure: o.permit.non_disclosure,
                    deceased: o.permit.deceased,
                    identification: o.permit.identification,
                    extraction: o.permit.extraction,
                    residents: o.permit.residents,
                    extraction_max: o.permit.extraction_max.unwrap_or(DEFAULT_EXTRACTION_MAX),
                },
                quota: Quota {
                    per_second: nonzero(o.quota.per_second),
                    per_day: nonzero(o.quota.per_day),
                },
                users,
            });
        }

        let fault_in_body_codes = match raw.xroad.and_then(|x| x.fault_in_body_codes) {
            None => DEFAULT_FAULT_IN_BODY_CODES
                .iter()
                .map(|c| c.to_string())
                .collect(),
            Some(codes) => {
                for c in &codes {
                    let digits = c.strip_prefix('-').unwrap_or(c);
                    if !(1..=5).contains(&digits.len())
                        || !digits.bytes().all(|b| b.is_ascii_digit())
                    {
                        return Err(invalid(format!(
                            "xroad.fault_in_body_codes: {c:?} is not a return code"
                        )));
                    }
                }
                codes
            }
        };

        let mut access = Access::new(organisations);
        let defaults = LockoutPolicy::default();
        access.lockout = LockoutPolicy {
            max_failures: raw
                .access
                .lockout_failures
                .unwrap_or(defaults.max_failures)
                .max(1),
            cooling: raw
                .access
                .lockout_minutes
                .map(|m| Duration::from_secs(m * 60))
                .unwrap_or(defaults.cooling),
        };
        if let Some(idle) = &raw.access.idle_after {
            access.idle_after = idle.parse::<jiff::Span>().map_err(|e| {
                invalid(format!(
                    "access.idle_after {idle:?}: {e} (write e.g. \"4 months\")"
                ))
            })?;
        }

        let mut rules = Vec::new();
        for spanned in &raw.fault {
            let line = at(spanned.span());
            let rule = spanned
                .get_ref()
                .check(format!("{file}, line {line}"))
                .map_err(|m| invalid(format!("line {line}: fault: {m}")))?;
            rules.push(rule);
        }
        if raw.faults.reserved_codes {
            rules.extend(crate::faults::reserved(Duration::from_secs(
                raw.faults.timeout_secs,
            )));
        }
        let faults = crate::faults::Faults::new(rules);

        let audit = audit_settings(&raw.audit, file, &resolve)?;
        let auditors = auditors(&raw.auditor, text, file)?;
        let console = console_settings(&raw.console, file)?;

        let registry_today = match &raw.registry.today {
            None => None,
            Some(dt) => {
                let d = dt.date.ok_or_else(|| {
                    invalid(format!(
                        "registry.today {dt}: write a date, e.g. 2019-06-20"
                    ))
                })?;
                Some(
                    jiff::civil::Date::new(d.year as i16, d.month as i8, d.day as i8)
                        .map_err(|e| invalid(format!("registry.today {dt}: {e}")))?,
                )
            }
        };

        Ok(Settings {
            listen,
            monitor_listen,
            monitor_required: raw.server.monitor_listen.is_some(),
            data_dir,
            limits,
            tls,
            fixtures,
            access,
            products,
            faults,
            end_user_certificates: raw.end_user_certificates.when_missing,
            registry_today,
            xroad: XRoadSettings {
                clients: xroad_clients,
                fault_in_body_codes,
            },
            source: file.to_string(),
            audit,
            auditors,
            building_products,
            console,
        })
    }
}

/// The start (Finnish time) of the date a TOML `reactivated` value names.
fn reactivation(dt: &toml::value::Datetime) -> Result<jiff::Timestamp, String> {
    let d = dt.date.ok_or("write a date, e.g. 2026-11-21")?;
    let date = jiff::civil::Date::new(d.year as i16, d.month as i8, d.day as i8)
        .map_err(|e| e.to_string())?;
    let tz = jiff::tz::TimeZone::get("Europe/Helsinki").unwrap_or(jiff::tz::TimeZone::UTC);
    date.to_zoned(tz)
        .map(|z| z.timestamp())
        .map_err(|e| e.to_string())
}

/// A Finnish business id `NNNNNNN-C` with its check digit (weights 7, 9, 10, 5, 8, 4, 2).
fn is_business_id(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 9 || b[7] != b'-' || !b[..7].iter().chain(&b[8..]).all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..7]
        .iter()
        .zip([7, 9, 10, 5, 8, 4, 2])
        .map(|(d, w)| (d - b'0') as u32 * w)
        .sum();
    let check = match sum % 11 {
        0 => 0,
        1 => return false,
        r => 11 - r,
    };
    (b[8] - b'0') as u32 == check
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

// ---- [console]: the web console's section (src/console/, docs/console.md) ----

/// `[console]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConsole {
    /// `false` turns the console off (default: on).
    pub enabled: Option<bool>,
    /// Default `127.0.0.1:8444`.
    pub listen: Option<String>,
    /// A session ends after this many minutes without a request (default 30).
    pub session_minutes: Option<u64>,
}

/// The console's checked settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSettings {
    pub listen: SocketAddr,
    /// True when `listen` was configured (a bind failure is then fatal; the default
    /// address only warns).
    pub required: bool,
    /// How long a session lives without a request.
    pub session_idle: Duration,
}

fn console_settings(raw: &RawConsole, file: &str) -> Result<Option<ConsoleSettings>, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        file: file.to_string(),
        message,
    };
    if raw.enabled == Some(false) {
        return Ok(None);
    }
    let text = raw.listen.as_deref().unwrap_or("127.0.0.1:8444");
    let listen = text
        .parse()
        .map_err(|e| invalid(format!("console.listen {text:?}: {e}")))?;
    let minutes = raw.session_minutes.unwrap_or(30);
    if minutes == 0 {
        return Err(invalid("console.session_minutes must be positive".into()));
    }
    Ok(Some(ConsoleSettings {
        listen,
        required: raw.listen.is_some(),
        session_idle: Duration::from_secs(minutes * 60),
    }))
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

    fn org_with_user(user: &str) -> String {
        format!(
            "[[organisation]]\nid = \"x\"\nname = \"X\"\nproducts = [\"PERUSSANOMA 3\"]\n\n[[organisation.user]]\nkayttajatunnus = \"u\"\n{user}"
        )
    }

    #[test]
    fn plaintext_passwords_and_bad_hashes_are_refused() {
        let err = Settings::from_toml(&org_with_user("password = \"demo\"\n"), "c.toml", None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("plaintext passwords are not accepted"),
            "{err}"
        );
        assert!(err.contains("hash-password"), "{err}");
        assert!(err.contains("line 1"), "{err}");
        let err = Settings::from_toml(&org_with_user("password_hash = \"demo\"\n"), "c.toml", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("argon2"), "{err}");
        let err = Settings::from_toml(&org_with_user(""), "c.toml", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("password_hash is missing"), "{err}");
    }

    #[test]
    fn rights_must_name_what_exists_and_what_the_organisation_has() {
        let h = crate::access::password::hash("pw").unwrap();
        let user = |extra: &str| org_with_user(&format!("password_hash = \"{h}\"\n{extra}"));
        let ok = Settings::from_toml(&user("reactivated = 2026-01-01\n"), "c.toml", None).unwrap();
        assert!(ok.access.organisations()[0].users[0].reactivated.is_some());
        let err = Settings::from_toml(&user("operations = [\"TeeNothing\"]\n"), "c.toml", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"TeeNothing\" does not exist"), "{err}");
        let err = Settings::from_toml(&user("products = [\"OPHREK\"]\n"), "c.toml", None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not among the organisation's products"),
            "{err}"
        );
        let bad_id = org_with_user(&format!("password_hash = \"{h}\"\n"))
            .replace("name = \"X\"", "name = \"X\"\nbusiness_id = \"1234567-8\"");
        let err = Settings::from_toml(&bad_id, "c.toml", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("business_id"), "{err}");
        assert!(is_business_id("0245437-2"), "DVV's own business id");
        let err = Settings::from_toml("[access]\nidle_after = \"soon\"\n", "c.toml", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("access.idle_after"), "{err}");
    }

    #[test]
    fn console_section_and_auditor_passwords_are_checked() {
        let s = Settings::builtin().unwrap();
        let c = s.console.unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8444");
        assert!(!c.required);
        assert_eq!(c.session_idle, Duration::from_secs(30 * 60));
        assert!(s.auditors[0].password.as_ref().unwrap().verify("auditor"));
        let off = Settings::from_toml("[console]\nenabled = false\n", "c.toml", None).unwrap();
        assert!(off.console.is_none());
        let set = Settings::from_toml(
            "[console]\nlisten = \"127.0.0.1:0\"\nsession_minutes = 5\n",
            "c.toml",
            None,
        )
        .unwrap();
        let c = set.console.unwrap();
        assert!(c.required);
        assert_eq!(c.session_idle, Duration::from_secs(300));
        for bad in [
            "[console]\nlisten = \"nowhere\"\n",
            "[console]\nsession_minutes = 0\n",
        ] {
            let err = Settings::from_toml(bad, "c.toml", None)
                .unwrap_err()
                .to_string();
            assert!(err.contains("console."), "{err}");
        }
        let plain = "[[auditor]]\nid = \"a\"\npassword = \"x\"\n";
        let err = Settings::from_toml(plain, "c.toml", None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("plaintext passwords are not accepted"),
            "{err}"
        );
        let only_password = "[[auditor]]\nid = \"a\"\npassword_hash = \"nonsense\"\n";
        let err = Settings::from_toml(only_password, "c.toml", None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("auditor \"a\"") && err.contains("PHC"),
            "{err}"
        );
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
