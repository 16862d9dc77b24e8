//! TLS: the rustls server configuration (TLS 1.2 and 1.3 only, a verified client
//! certificate required, one crypto provider passed explicitly) and the client's
//! [`PeerIdentity`], computed once when a handshake ends. Also builds client
//! configurations for the project's own tools and tests. PEM is read with
//! `rustls_pki_types::pem::PemObject` (rustls-pemfile is archived, RUSTSEC-2025-0134).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{what}: no PEM certificate found")]
    NoCertificate { what: &'static str },
    #[error("{what}: {message}")]
    Pem { what: &'static str, message: String },
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("client verifier: {0}")]
    Verifier(String),
    #[error("invalid server name {0:?}")]
    ServerName(String),
}

/// The one crypto provider of the process: ring (rcgen uses it too).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

const VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

fn certs(pem: &str, what: &'static str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            what,
            message: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate { what });
    }
    Ok(certs)
}

fn key(pem: &str, what: &'static str) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| TlsError::Pem {
        what,
        message: e.to_string(),
    })
}

/// Parses PEM CRLs.
pub fn crls(pems: &[String]) -> Result<Vec<CertificateRevocationListDer<'static>>, TlsError> {
    let mut out = Vec::new();
    for pem in pems {
        let found = CertificateRevocationListDer::pem_slice_iter(pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsError::Pem {
                what: "CRL",
                message: e.to_string(),
            })?;
        if found.is_empty() {
            return Err(TlsError::Pem {
                what: "CRL",
                message: "no PEM CRL found".into(),
            });
        }
        out.extend(found);
    }
    Ok(out)
}

/// The trust anchors of a PEM CA bundle.
pub fn roots(ca_pem: &str) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for c in certs(ca_pem, "CA certificate")? {
        roots.add(c)?;
    }
    Ok(roots)
}

/// The server configuration: client certificates signed by `ca_pem` are mandatory, and
/// those the CRLs list are refused.
pub fn server_config(
    ca_pem: &str,
    cert_pem: &str,
    key_pem: &str,
    crl_pems: &[String],
) -> Result<ServerConfig, TlsError> {
    build_server_config(ca_pem, cert_pem, key_pem, crl_pems, false)
}

/// The web console's server configuration: the same server certificate, a client
/// certificate of the CA asked for and verified when the browser offers one, never required.
pub fn console_server_config(
    ca_pem: &str,
    cert_pem: &str,
    key_pem: &str,
    crl_pems: &[String],
) -> Result<ServerConfig, TlsError> {
    build_server_config(ca_pem, cert_pem, key_pem, crl_pems, true)
}

fn build_server_config(
    ca_pem: &str,
    cert_pem: &str,
    key_pem: &str,
    crl_pems: &[String],
    certificate_optional: bool,
) -> Result<ServerConfig, TlsError> {
    let provider = provider();
    let mut verifier =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots(ca_pem)?), provider.clone())
            .with_crls(crls(crl_pems)?);
    if certificate_optional {
        verifier = verifier.allow_unauthenticated();
    }
    let verifier = verifier
        .build()
        .map_err(|e| TlsError::Verifier(e.to_string()))?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(VERSIONS)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            certs(cert_pem, "server certificate")?,
            key(key_pem, "server key")?,
        )?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A client configuration trusting `ca_pem`, presenting the given certificate if any.
pub fn client_config(
    ca_pem: &str,
    identity: Option<(&str, &str)>,
) -> Result<ClientConfig, TlsError> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(VERSIONS)?
        .with_root_certificates(roots(ca_pem)?);
    let mut config = match identity {
        Some((cert_pem, key_pem)) => builder.with_client_auth_cert(
            certs(cert_pem, "client certificate")?,
            key(key_pem, "client key")?,
        )?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Parses a server name for a client connection.
pub fn server_name(name: &str) -> Result<ServerName<'static>, TlsError> {
    ServerName::try_from(name.to_string()).map_err(|_| TlsError::ServerName(name.to_string()))
}

/// How many client identities [`PeerIdentity::remembered`] keeps.
pub const REMEMBERED_PEERS: usize = 4096;

/// Who is on the other end of a connection, from their verified leaf certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerIdentity {
    /// SHA-256 of the DER leaf certificate.
    pub fingerprint: [u8; 32],
    /// The subject, rendered for logs and audit records (never used to authorise).
    pub subject: String,
    /// The subject's organisation (O=) attributes, used to map to an organisation.
    pub organisations: Vec<String>,
}

impl PeerIdentity {
    /// Computes the identity from the leaf certificate a handshake verified.
    pub fn from_leaf(der: &[u8]) -> Self {
        let fingerprint: [u8; 32] = Sha256::digest(der).into();
        let (subject, organisations) = match x509_parser::parse_x509_certificate(der) {
            Ok((_, cert)) => {
                let subject = cert.subject();
                let orgs = subject
                    .iter_organization()
                    .filter_map(|a| a.as_str().ok().map(str::to_string))
                    .collect();
                (subject.to_string(), orgs)
            }
            // The verifier accepted it, so this cannot happen; keep the fingerprint anyway.
            Err(_) => (String::new(), Vec::new()),
        };
        PeerIdentity {
            fingerprint,
            subject,
            organisations,
        }
    }

    /// As [`PeerIdentity::from_leaf`], remembering identities by the certificate's SHA-256
    /// so a client that opens a connection per request has its certificate parsed once
    /// (at most [`REMEMBERED_PEERS`] are kept; the table starts again when full).
    pub fn remembered(der: &[u8]) -> Arc<Self> {
        static SEEN: OnceLock<Mutex<HashMap<[u8; 32], Arc<PeerIdentity>>>> = OnceLock::new();
        let fingerprint: [u8; 32] = Sha256::digest(der).into();
        let seen = SEEN.get_or_init(Mutex::default);
        let known = seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&fingerprint)
            .cloned();
        if let Some(peer) = known {
            return peer;
        }
        let peer = Arc::new(Self::from_leaf(der));
        let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() >= REMEMBERED_PEERS {
            seen.clear();
        }
        seen.insert(fingerprint, peer.clone());
        peer
    }

    pub fn fingerprint_hex(&self) -> String {
        // `encode_to_slice` writes the digits in a plain loop; `hex::encode` collects chars
        // one by one (a tenth of a query's hex work, per query).
        let mut digits = [0u8; 64];
        hex::encode_to_slice(self.fingerprint, &mut digits).expect("64 digits for 32 bytes");
        String::from_utf8(digits.to_vec()).expect("hex digits are ASCII")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(file: &str) -> CertificateDer<'static> {
        let pem = std::fs::read_to_string(format!("certs/clients/{file}")).unwrap();
        certs(&pem, "client certificate").unwrap().remove(0)
    }

    #[test]
    fn a_remembered_identity_is_the_one_parsed_and_is_parsed_once() {
        let (demo, other) = (leaf("demo.pem"), leaf("other.pem"));
        let first = PeerIdentity::remembered(demo.as_ref());
        assert_eq!(*first, PeerIdentity::from_leaf(demo.as_ref()));
        assert!(!first.organisations.is_empty());
        assert!(Arc::ptr_eq(
            &first,
            &PeerIdentity::remembered(demo.as_ref())
        ));
        let second = PeerIdentity::remembered(other.as_ref());
        assert_eq!(*second, PeerIdentity::from_leaf(other.as_ref()));
        assert_ne!(first.fingerprint, second.fingerprint);
        assert_eq!(first.fingerprint_hex(), hex::encode(first.fingerprint));
        assert_eq!(second.fingerprint_hex().len(), 64);
    }
}
