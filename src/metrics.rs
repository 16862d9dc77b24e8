//! In-process counters the operator cares about: refused TLS handshakes by reason, locked
//! service users and quota refusals. Counting only; exposing them (Prometheus text at
//! `/metrics`) is the admin listener's job.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a TLS handshake was refused.
pub fn handshake_reason(e: &std::io::Error) -> &'static str {
    use rustls::{CertificateError, Error, PeerIncompatible};
    let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<Error>()) else {
        return "io";
    };
    match tls {
        Error::NoCertificatesPresented => "no_certificate",
        Error::InvalidCertificate(c) => match c {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => "expired",
            CertificateError::Revoked => "revoked",
            CertificateError::UnknownIssuer | CertificateError::BadSignature => "unknown_ca",
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                "wrong_key_usage"
            }
            _ => "invalid_certificate",
        },
        // A hello without signature_algorithms comes from a client that cannot do TLS 1.2
        // (TLS 1.0/1.1 define no such extension); rustls checks it before the version.
        Error::PeerIncompatible(
            PeerIncompatible::SignatureAlgorithmsExtensionRequired
            | PeerIncompatible::SupportedVersionsExtensionRequired
            | PeerIncompatible::Tls12NotOffered
            | PeerIncompatible::Tls12NotOfferedOrEnabled
            | PeerIncompatible::Tls13RequiredForQuic,
        ) => "protocol_version",
        Error::PeerIncompatible(_) => "incompatible",
        _ => "other",
    }
}

#[derive(Debug, Default)]
pub struct Metrics {
    handshake_failures: Mutex<BTreeMap<&'static str, u64>>,
    lockouts: AtomicU64,
    quota_refusals: AtomicU64,
}

impl Metrics {
    pub fn handshake_failed(&self, reason: &'static str) {
        *self
            .handshake_failures
            .lock()
            .expect("not poisoned")
            .entry(reason)
            .or_default() += 1;
    }

    /// Refused handshakes so far, by reason.
    pub fn handshake_failures(&self) -> BTreeMap<&'static str, u64> {
        self.handshake_failures
            .lock()
            .expect("not poisoned")
            .clone()
    }

    pub fn user_locked(&self) {
        self.lockouts.fetch_add(1, Ordering::Relaxed);
    }

    pub fn lockouts(&self) -> u64 {
        self.lockouts.load(Ordering::Relaxed)
    }

    pub fn quota_refused(&self) {
        self.quota_refusals.fetch_add(1, Ordering::Relaxed);
    }

    pub fn quota_refusals(&self) -> u64 {
        self.quota_refusals.load(Ordering::Relaxed)
    }
}
