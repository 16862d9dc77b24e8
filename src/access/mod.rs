//! Who may ask what: organisations, the client certificates that identify them, their
//! service users (`Kayttajatunnus`/`Salasana`) and the products their permit names.
//! Decides; does not parse requests, touch the store or write audit records.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::tls::PeerIdentity;

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

/// A service user of an organisation.
#[derive(Clone)]
pub struct ServiceUser {
    pub kayttajatunnus: String,
    password_digest: [u8; 32],
}

impl std::fmt::Debug for ServiceUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceUser")
            .field("kayttajatunnus", &self.kayttajatunnus)
            .finish_non_exhaustive()
    }
}

impl ServiceUser {
    pub fn new(kayttajatunnus: String, password: &str) -> Self {
        ServiceUser {
            kayttajatunnus,
            password_digest: Sha256::digest(password.as_bytes()).into(),
        }
    }

    /// Compares the password in constant time (over digests of equal length).
    fn password_is(&self, password: &str) -> bool {
        let given: [u8; 32] = Sha256::digest(password.as_bytes()).into();
        given
            .iter()
            .zip(self.password_digest.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

/// An organisation holding a data permit.
#[derive(Debug, Clone)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub certificates: Vec<CertMatcher>,
    /// Permitted products, normalised (upper case).
    pub products: Vec<String>,
    pub users: Vec<ServiceUser>,
}

impl Organisation {
    /// True when the credentials belong to one of this organisation's users.
    pub fn authenticate(&self, kayttajatunnus: &str, salasana: &str) -> bool {
        // Check every user, so the time taken does not reveal which user ids exist.
        self.users.iter().fold(false, |ok, u| {
            let pw = u.password_is(salasana);
            ok | (u.kayttajatunnus == kayttajatunnus && pw)
        })
    }

    /// True when the permit names this product (given in normalised form).
    pub fn may_use_product(&self, product: &str) -> bool {
        self.products.iter().any(|p| p == product)
    }
}

/// All organisations of the configuration.
#[derive(Debug, Clone, Default)]
pub struct Access {
    organisations: Vec<Arc<Organisation>>,
}

impl Access {
    pub fn new(organisations: Vec<Organisation>) -> Self {
        Access {
            organisations: organisations.into_iter().map(Arc::new).collect(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Organisation {
        Organisation {
            id: "o".into(),
            name: "O".into(),
            certificates: vec![CertMatcher::SubjectOrganisation("o".into())],
            products: vec!["PERUSSANOMA 3".into()],
            users: vec![
                ServiceUser::new("a".into(), "pw-a"),
                ServiceUser::new("b".into(), "pw-b"),
            ],
        }
    }

    #[test]
    fn credentials_must_pair_up() {
        let o = org();
        assert!(o.authenticate("a", "pw-a"));
        assert!(o.authenticate("b", "pw-b"));
        assert!(!o.authenticate("a", "pw-b"));
        assert!(!o.authenticate("c", "pw-a"));
        assert!(!o.authenticate("a", ""));
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
