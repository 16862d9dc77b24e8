//! Configuration: the TOML file as written ([`RawConfig`]) and the checked [`Settings`]
//! the server runs on. Validation names the file, the line and the field; paths are
//! resolved against the config file's folder. The built-in default embeds the committed
//! test PKI and fixtures, so `serve` runs with no files at all. Each section is checked
//! beside its raw TOML type, one file for each thing configured: [`server`] (with TLS,
//! fixtures and X-Road), [`organisations`] (and access), [`products`], [`audit`],
//! [`faults`]; [`source`] is what they share.

pub mod audit;
pub mod console;
pub mod faults;
pub mod organisations;
pub mod products;
pub mod server;
pub mod source;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::access::Access;
use crate::audit::{AuditSettings, Auditor};
use crate::products::Products;
pub use audit::{RawAudit, RawAuditor};
pub use console::{ConsoleSettings, RawConsole};
pub use organisations::{
    DEFAULT_EXTRACTION_MAX, RawAccess, RawEndUserCertificates, RawOrganisation, RawPermit,
    RawQuota, RawUser,
};
pub use server::{
    DEFAULT_FAULT_IN_BODY_CODES, FixtureSource, Limits, RawFixtures, RawServer, RawTls, RawXRoad,
    TlsMaterial, XRoadSettings,
};
use source::Source;
pub use source::{ConfigError, RawCertMatcher};

/// The default configuration, compiled in.
pub const DEFAULT_CONFIG: &str = include_str!("../../config/default.toml");

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
            .unwrap_or_else(|| crate::clock::helsinki_now().date())
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
        let src = Source { text, file, base };
        let invalid = |message: String| src.invalid(message);
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| invalid(e.to_string().trim_end().to_string()))?;
        let resolve = |p: &Path| src.resolve(p);

        let (listen, monitor_listen, data_dir, limits) = server::listen(&raw.server, &src)?;
        let tls = server::tls(&raw.tls, &src)?;
        let fixtures = server::fixtures(&raw.fixtures, &src);
        let (products, building_products) =
            products::products(&raw.product, &raw.building_product, &src)?;
        let (organisations, xroad_clients) =
            organisations::organisations(&raw.organisation, &products, &building_products, &src)?;
        let fault_in_body_codes = server::fault_in_body_codes(raw.xroad, &src)?;
        let access = organisations::access(organisations, &raw.access, &src)?;
        let faults = faults::faults(&raw.fault, &raw.faults, &src)?;

        let audit = audit::audit_settings(&raw.audit, file, &resolve)?;
        let auditors = audit::auditors(&raw.auditor, text, file)?;
        let console = console::console_settings(&raw.console, file)?;

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

#[cfg(test)]
mod tests {
    use super::organisations::is_business_id;
    use super::*;

    #[test]
    fn builtin_default_is_valid() {
        let s = Settings::builtin().unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8443");
        assert_eq!(s.data_dir, PathBuf::from("./data"));
        assert_eq!(s.access.organisations()[0].id, "demo");
    }

    #[test]
    fn workers_default_to_the_cores_but_one_and_must_be_positive() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let s = Settings::builtin().unwrap();
        assert_eq!(s.limits.workers, cores.saturating_sub(1).max(1));
        let s = Settings::from_toml("[server]\nworkers = 3\n", "c.toml", None).unwrap();
        assert_eq!(s.limits.workers, 3);
        let err = Settings::from_toml("[server]\nworkers = 0\n", "c.toml", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.workers must be positive"), "{err}");
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
