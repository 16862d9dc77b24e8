//! Who may ask what: organisations and the client certificates that identify them, their
//! service users (argon2id password hashes), the products and operations each user may use,
//! the permit flags (non-disclosure, deceased, identification searches, extraction) and the
//! quotas; plus the runtime state that enforces them (lockouts, quota usage, last use).
//! Decides; does not parse requests, render answers or write audit records.

pub mod enduser;
pub mod idle;
pub mod lockout;
pub mod password;
pub mod quota;
pub mod report;

use std::sync::Arc;

use jiff::Timestamp;

use crate::tls::PeerIdentity;

pub use lockout::LockoutPolicy;
pub use password::PasswordCheck;
pub use quota::Quota;

/// How a client certificate is recognised as an organisation's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertMatcher {
    /// SHA-256 of the DER leaf certificate.
    Sha256([u8; 32]),
    /// The subject's organisation attribute (O=), as issued by the trusted CA.
    SubjectOrganisation(String),
}

impl CertMatcher {
    fn matches(&self, peer: &PeerIdentity) -> bool {
        match self {
            CertMatcher::Sha256(f) => &peer.fingerprint == f,
            CertMatcher::SubjectOrganisation(o) => peer.organisations.iter().any(|x| x == o),
        }
    }
}

/// What a data permit grants beyond its products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Permit {
    /// May see the address and location data of persons under non-disclosure (turvakielto).
    pub non_disclosure: bool,
    /// May see deceased persons' data (otherwise 0007).
    pub deceased: bool,
    /// May run identification searches (non-unique criteria).
    pub identification: bool,
    /// May run extraction queries.
    pub extraction: bool,
    /// May see the residents' identity codes of dwellings in building answers.
    pub residents: bool,
    /// The most persons one extraction query may return.
    pub extraction_max: u32,
}

/// A service user of an organisation.
#[derive(Debug, Clone)]
pub struct ServiceUser {
    pub kayttajatunnus: String,
    pub password: PasswordCheck,
    /// Products this user may use (normalised); `None`: the organisation's.
    pub products: Option<Vec<String>>,
    /// Operations this user may use (direct-interface names); `None`: the organisation's.
    pub operations: Option<Vec<String>>,
    /// An administrator's reactivation of an idle user.
    pub reactivated: Option<Timestamp>,
}

/// An organisation holding a data permit.
#[derive(Debug, Clone)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub business_id: Option<String>,
    pub certificates: Vec<CertMatcher>,
    /// Permitted products, normalised (upper case).
    pub products: Vec<String>,
    /// Permitted operations (direct-interface names).
    pub operations: Vec<String>,
    pub permit: Permit,
    pub quota: Quota,
    pub users: Vec<ServiceUser>,
}

impl Organisation {
    pub fn user(&self, kayttajatunnus: &str) -> Option<&ServiceUser> {
        self.users
            .iter()
            .find(|u| u.kayttajatunnus == kayttajatunnus)
    }

    /// The user if the password is theirs. Unknown user ids cost an argon2 verification
    /// too, so timing does not reveal which exist.
    pub fn authenticate(&self, kayttajatunnus: &str, salasana: &str) -> Option<&ServiceUser> {
        match self.user(kayttajatunnus) {
            Some(u) => u.password.verify(salasana).then_some(u),
            None => {
                password::verify_dummy(salasana);
                None
            }
        }
    }

    /// True when the organisation's permit names the product (given normalised), for
    /// requests that carry no service user (the schema of a product).
    pub fn has_product(&self, product: &str) -> bool {
        self.products.iter().any(|p| p == product)
    }

    /// True when this user's permit names the product (given normalised).
    pub fn may_use_product(&self, user: &ServiceUser, product: &str) -> bool {
        let allowed = user.products.as_ref().unwrap_or(&self.products);
        allowed.iter().any(|p| p == product)
    }

    /// True when this user may use the operation (direct-interface name).
    pub fn may_run(&self, user: &ServiceUser, operation: &str) -> bool {
        let allowed = user.operations.as_ref().unwrap_or(&self.operations);
        allowed.iter().any(|o| o == operation)
    }
}

/// All organisations of the configuration.
#[derive(Debug, Clone, Default)]
pub struct Access {
    organisations: Vec<Arc<Organisation>>,
    pub lockout: LockoutPolicy,
    /// Unused users are deactivated after this long.
    pub idle_after: jiff::Span,
}

impl Access {
    pub fn new(organisations: Vec<Organisation>) -> Self {
        Access {
            organisations: organisations.into_iter().map(Arc::new).collect(),
            lockout: LockoutPolicy::default(),
            idle_after: idle::default_idle_after(),
        }
    }

    /// The organisation a client certificate belongs to.
    pub fn identify(&self, peer: &PeerIdentity) -> Option<Arc<Organisation>> {
        self.organisations
            .iter()
            .find(|o| o.certificates.iter().any(|m| m.matches(peer)))
            .cloned()
    }

    pub fn organisations(&self) -> &[Arc<Organisation>] {
        &self.organisations
    }
}

/// The enforcement state that outlives configuration reloads.
pub struct AccessState {
    pub lockouts: lockout::Lockouts,
    pub quotas: quota::Quotas,
    pub last_use: idle::LastUse,
}

impl AccessState {
    pub fn open(db: &sled::Db) -> sled::Result<Self> {
        Ok(AccessState {
            lockouts: Default::default(),
            quotas: Default::default(),
            last_use: idle::LastUse::open(db)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, pw: &str) -> ServiceUser {
        ServiceUser {
            kayttajatunnus: name.into(),
            password: PasswordCheck::from_phc(&password::hash(pw).unwrap()).unwrap(),
            products: None,
            operations: None,
            reactivated: None,
        }
    }

    fn org() -> Organisation {
        Organisation {
            id: "o".into(),
            name: "O".into(),
            business_id: None,
            certificates: vec![CertMatcher::SubjectOrganisation("o".into())],
            products: vec!["PERUSSANOMA 3".into()],
            operations: vec!["TeeHenkilonTunnusKysely".into()],
            permit: Permit::default(),
            quota: Quota::default(),
            users: vec![user("a", "pw-a"), user("b", "pw-b")],
        }
    }

    #[test]
    fn credentials_must_pair_up() {
        let o = org();
        assert!(o.authenticate("a", "pw-a").is_some());
        assert!(o.authenticate("b", "pw-b").is_some());
        assert!(o.authenticate("a", "pw-b").is_none());
        assert!(o.authenticate("c", "pw-a").is_none());
        assert!(o.authenticate("a", "").is_none());
    }

    #[test]
    fn users_may_narrow_the_organisations_rights() {
        let mut o = org();
        o.products.push("HUOLTAJA-HUOLLETTAVAT".into());
        o.users[1].products = Some(vec!["HUOLTAJA-HUOLLETTAVAT".into()]);
        let (a, b) = (&o.users[0], &o.users[1]);
        assert!(o.may_use_product(a, "PERUSSANOMA 3"));
        assert!(!o.may_use_product(b, "PERUSSANOMA 3"));
        assert!(o.may_use_product(b, "HUOLTAJA-HUOLLETTAVAT"));
        assert!(o.may_run(a, "TeeHenkilonTunnusKysely"));
        assert!(!o.may_run(a, "TeeHenkilonTunnistusKysely"));
    }

    #[test]
    fn certificates_map_by_attribute_or_fingerprint() {
        let mut peer = PeerIdentity {
            fingerprint: [7; 32],
            subject: "CN=x, O=o".into(),
            organisations: vec!["o".into()],
        };
        let access = Access::new(vec![org()]);
        assert_eq!(access.identify(&peer).unwrap().id, "o");
        peer.organisations = vec!["p".into()];
        assert!(access.identify(&peer).is_none());
        let mut by_fp = org();
        by_fp.certificates = vec![CertMatcher::Sha256([7; 32])];
        assert!(Access::new(vec![by_fp]).identify(&peer).is_some());
    }
}
