//! The end user's certificate a query may carry (`X509Certificate`) and the checks the
//! request asks for: validity (`VarmenteenVoimassaolotarkistus`) and revocation
//! (`VarmenteenSulkulistatarkistus`). The certificate must chain to the configured CA; the
//! revocation check uses the configured CRLs. Answers the catalogue's codes: 0009 / 0008
//! when a check is asked for but there is no certificate to check, 0012 expired, 0013
//! revoked, 0014 not a certificate, 0015 not from an accepted CA.

use std::sync::Arc;

use base64::Engine;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::ClientCertVerifier;
use rustls::{CertificateError, Error, RootCertStore};

use crate::codes::ReturnCode;

/// What a check flag with no certificate to check earns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WhenMissing {
    /// 0009 / 0008: the check was asked for but not performed (the catalogue's codes).
    #[default]
    Report,
    /// Answer as if no check was asked for (as a captured test-environment exchange shows).
    Ignore,
}

/// Checks end-user certificates against the configured CA and CRLs.
#[derive(Clone)]
pub struct EndUserChecker {
    validity: Arc<dyn ClientCertVerifier>,
    revocation: Arc<dyn ClientCertVerifier>,
    when_missing: WhenMissing,
}

impl std::fmt::Debug for EndUserChecker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EndUserChecker")
    }
}

impl EndUserChecker {
    pub fn new(
        roots: RootCertStore,
        crls: Vec<CertificateRevocationListDer<'static>>,
        when_missing: WhenMissing,
    ) -> Result<Self, String> {
        let roots = Arc::new(roots);
        let provider = crate::tls::provider();
        let validity = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
            .build()
            .map_err(|e| e.to_string())?;
        let revocation = WebPkiClientVerifier::builder_with_provider(roots, provider)
            .with_crls(crls)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(EndUserChecker {
            validity,
            revocation,
            when_missing,
        })
    }

    /// Runs the requested checks; `Err` is the return code to answer instead of data.
    pub fn check(
        &self,
        validity_requested: bool,
        revocation_requested: bool,
        certificate: Option<&str>,
    ) -> Result<(), ReturnCode> {
        if !validity_requested && !revocation_requested {
            return Ok(());
        }
        let Some(text) = certificate else {
            if self.when_missing == WhenMissing::Ignore {
                return Ok(());
            }
            return Err(if validity_requested {
                ReturnCode::ValidityCheckNotPerformed
            } else {
                ReturnCode::RevocationCheckNotPerformed
            });
        };
        let der = decode(text).ok_or(ReturnCode::NotACertificate)?;
        if x509_parser::parse_x509_certificate(&der).is_err() {
            return Err(ReturnCode::NotACertificate);
        }
        let cert = CertificateDer::from(der);
        let now = UnixTime::now();
        if validity_requested {
            verdict(
                self.validity
                    .verify_client_cert(&cert, &[], now)
                    .map(|_| ()),
            )?;
        }
        if revocation_requested {
            verdict(
                self.revocation
                    .verify_client_cert(&cert, &[], now)
                    .map(|_| ()),
            )?;
        }
        Ok(())
    }
}

fn verdict(r: Result<(), Error>) -> Result<(), ReturnCode> {
    match r {
        Ok(()) => Ok(()),
        Err(Error::InvalidCertificate(c)) => Err(match c {
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => ReturnCode::CertificateExpired,
            CertificateError::Revoked => ReturnCode::CertificateRevoked,
            CertificateError::BadEncoding => ReturnCode::NotACertificate,
            _ => ReturnCode::CertificateNotAccepted,
        }),
        Err(_) => Err(ReturnCode::CertificateNotAccepted),
    }
}

/// Base64 DER, with or without PEM armour and line breaks.
fn decode(text: &str) -> Option<Vec<u8>> {
    let body: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("-----"))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// Whether a check flag asks for the check: `1`, `YES`, `TRUE` (any case) ask; empty,
/// `0`, `NO`, `FALSE` do not; anything else is taken as asking (the safe reading).
pub fn requested(flag: Option<&str>) -> bool {
    match flag.map(|f| f.trim().to_ascii_uppercase()) {
        None => false,
        Some(f) => !matches!(f.as_str(), "" | "0" | "NO" | "FALSE"),
    }
}
