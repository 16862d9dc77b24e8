//! `[[organisation]]` with its users, permits and quotas, `[access]` (lockouts, idle
//! users) and `[end_user_certificates]`: who may ask for what; each raw TOML type beside
//! its check, which builds the [`Access`] the server enforces.

use std::time::Duration;

use serde::Deserialize;

use super::source::{ConfigError, RawCertMatcher, Source, parse_fingerprint};
use crate::access::{
    Access, CertMatcher, LockoutPolicy, Organisation, PasswordCheck, Permit, Quota, ServiceUser,
};
use crate::operation::Operation;
use crate::products::estate::EstateProducts;
use crate::products::{Products, normalise};

/// `[end_user_certificates]`: the checks a query's check flags ask for.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEndUserCertificates {
    /// A check flag without an `X509Certificate`: "report" (0009/0008, default) or "ignore".
    #[serde(default)]
    pub when_missing: crate::access::enduser::WhenMissing,
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

/// (X-Road client identifier, organisation id) pairs.
pub type XRoadClients = Vec<(String, String)>;

/// The organisations and their X-Road client identifiers, each checked against the
/// products that exist.
pub fn organisations(
    raw: &[toml::Spanned<RawOrganisation>],
    products: &Products,
    building_products: &EstateProducts,
    src: &Source,
) -> Result<(Vec<Organisation>, XRoadClients), ConfigError> {
    let invalid = |message: String| src.invalid(message);
    let at = |span: std::ops::Range<usize>| src.line(span);
    let mut organisations: Vec<Organisation> = Vec::new();
    let mut xroad_clients: Vec<(String, String)> = Vec::new();
    for spanned in raw {
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
                        "each certificate names exactly one of sha256, subject_organisation".into(),
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
            let password = PasswordCheck::from_phc(phc).map_err(|e| bad(format!("{who}: {e}")))?;
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
                    reactivation(dt).map_err(|m| bad(format!("{who}: reactivated {dt}: {m}")))?,
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

    Ok((organisations, xroad_clients))
}

/// The access rules over the organisations: `[access]`'s lockout and idle settings.
pub fn access(
    organisations: Vec<Organisation>,
    raw: &RawAccess,
    src: &Source,
) -> Result<Access, ConfigError> {
    let invalid = |message: String| src.invalid(message);
    let mut access = Access::new(organisations);
    let defaults = LockoutPolicy::default();
    access.lockout = LockoutPolicy {
        max_failures: raw.lockout_failures.unwrap_or(defaults.max_failures).max(1),
        cooling: raw
            .lockout_minutes
            .map(|m| Duration::from_secs(m * 60))
            .unwrap_or(defaults.cooling),
    };
    if let Some(idle) = &raw.idle_after {
        access.idle_after = idle.parse::<jiff::Span>().map_err(|e| {
            invalid(format!(
                "access.idle_after {idle:?}: {e} (write e.g. \"4 months\")"
            ))
        })?;
    }

    Ok(access)
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
pub(super) fn is_business_id(s: &str) -> bool {
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
