//! Generator for the committed **test-only** PKI under `certs/`.
//!
//! This module owns the creation of the self-signed "vtj-emulator Test CA", the
//! `localhost` server certificate, the client certificates used by the mutual-TLS
//! tests (one valid client per organisation plus deliberately broken ones: an
//! expired certificate, one without the `clientAuth` EKU, and one issued by an
//! untrusted CA). The private keys are written in plain text next to the
//! certificates and are committed to git, so this PKI **must never be used for
//! production**. Nothing calls this module at server start or test time; the
//! committed files are regenerated only by hand with
//! `cargo test -- --ignored regenerate_committed_test_pki`.

use std::collections::HashSet;
use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CertifiedIssuer,
    DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair,
    KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, RevocationReason, RevokedCertParams, SanType,
    SerialNumber,
};

/// Subject common name of the trusted test CA.
pub const CA_COMMON_NAME: &str = "vtj-emulator Test CA";
/// Subject organisation of the trusted test CA.
pub const CA_ORGANISATION: &str = "vtj-emulator test PKI";
/// Subject common name of the CA that the emulator must *not* trust.
pub const UNTRUSTED_CA_COMMON_NAME: &str = "vtj-emulator Untrusted Test CA";

/// Errors raised while generating the test PKI.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// Key generation or certificate signing failed.
    #[error("certificate generation failed: {0}")]
    Rcgen(#[from] rcgen::Error),
    /// A file or folder could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or folder being written.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A [`ClientSpec`] cannot be generated (bad file stem, duplicate, empty validity).
    #[error("invalid client spec {name:?}: {reason}")]
    InvalidClient {
        /// The offending [`ClientSpec::name`].
        name: String,
        /// Why it was rejected.
        reason: &'static str,
    },
}

/// A validity window `[not_before, not_after]` (second precision, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidityPeriod {
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
}

impl ValidityPeriod {
    /// From midnight UTC of `from` (year, month, day) to midnight UTC of `until`.
    ///
    /// # Panics
    /// If a date is not a valid calendar date.
    pub fn utc_dates(from: (i16, i8, i8), until: (i16, i8, i8)) -> Self {
        Self {
            not_before: utc_midnight(from),
            not_after: utc_midnight(until),
        }
    }
}

/// One client certificate, written to `clients/<name>.pem` and `clients/<name>-key.pem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSpec {
    /// File stem, e.g. `"demo"`; only ASCII letters, digits, `-`, `_` and `.` (not leading).
    pub name: String,
    /// Subject `O=`, the organisation the emulator authorises.
    pub organisation: String,
    /// Subject `CN=`.
    pub common_name: String,
    /// Validity; `None` uses [`PkiOptions::validity`].
    pub validity: Option<ValidityPeriod>,
    /// `true`: EKU `clientAuth`. `false`: EKU `serverAuth` only (a negative-test certificate).
    pub client_auth: bool,
    /// Listed as revoked in the CA's CRL (`ca.crl`).
    pub revoked: bool,
}

impl ClientSpec {
    /// A valid client certificate (`clientAuth`, default validity).
    pub fn new(
        name: impl Into<String>,
        organisation: impl Into<String>,
        common_name: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            organisation: organisation.into(),
            common_name: common_name.into(),
            validity: None,
            client_auth: true,
            revoked: false,
        }
    }
}

/// What [`generate_test_pki`] generates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiOptions {
    /// Validity of the CAs, the server certificate and clients without their own validity.
    pub validity: ValidityPeriod,
    /// Client certificates signed by the trusted CA.
    pub clients: Vec<ClientSpec>,
    /// The client certificate signed by the untrusted CA (`untrusted/client.pem`);
    /// its `name` is ignored.
    pub untrusted_client: ClientSpec,
}

impl Default for PkiOptions {
    /// 2026-01-01 .. 2046-01-01 and the clients `demo`, `other`, `auditor`, `expired`
    /// (2020-01-01 .. 2021-01-01) and `no-client-auth`. The broken certificates and the
    /// untrusted client carry the `demo` identity, so each negative test differs from
    /// `demo` in exactly one respect.
    fn default() -> Self {
        let demo = ClientSpec::new("demo", "demo", "demo-system");
        Self {
            validity: ValidityPeriod::utc_dates((2026, 1, 1), (2046, 1, 1)),
            clients: vec![
                demo.clone(),
                ClientSpec::new("other", "other", "other-system"),
                ClientSpec::new("auditor", "vtj-emulator auditors", "auditor"),
                ClientSpec {
                    name: "expired".into(),
                    validity: Some(ValidityPeriod::utc_dates((2020, 1, 1), (2021, 1, 1))),
                    ..demo.clone()
                },
                ClientSpec {
                    name: "no-client-auth".into(),
                    client_auth: false,
                    ..demo.clone()
                },
                ClientSpec {
                    name: "revoked".into(),
                    revoked: true,
                    ..demo.clone()
                },
            ],
            untrusted_client: ClientSpec {
                name: "client".into(),
                ..demo
            },
        }
    }
}

/// Generates the test PKI into `dir`, creating folders and overwriting existing files:
///
/// * `ca.pem`, `ca-key.pem`: the trusted self-signed test CA;
/// * `server.pem`, `server-key.pem`: `CN=localhost`, SAN `localhost`, `127.0.0.1`, `::1`;
/// * `clients/<name>.pem`, `clients/<name>-key.pem` for each of [`PkiOptions::clients`];
/// * `untrusted/ca.pem`, `untrusted/client.pem`, `untrusted/client-key.pem`: a client
///   issued by a second CA that is not trusted (its key is not kept);
/// * `README.md`: a warning that all of this is test-only.
///
/// All keys are ECDSA P-256, PKCS#8 PEM. Returns the written paths in writing order.
pub fn generate_test_pki(dir: &Path, opts: &PkiOptions) -> Result<Vec<PathBuf>, PkiError> {
    validate(opts)?;
    let mut out = Writer::default();

    let ca = new_ca(CA_COMMON_NAME, CA_ORGANISATION, opts.validity)?;
    out.write(&dir.join("ca.pem"), &ca.pem())?;
    out.write(&dir.join("ca-key.pem"), &ca.key().serialize_pem())?;

    let (server_pem, server_key) = server_cert(&ca, opts.validity)?;
    out.write(&dir.join("server.pem"), &server_pem)?;
    out.write(&dir.join("server-key.pem"), &server_key)?;

    let clients = dir.join("clients");
    for spec in &opts.clients {
        let (pem, key) = client_cert(&ca, spec, opts.validity)?;
        out.write(&clients.join(format!("{}.pem", spec.name)), &pem)?;
        out.write(&clients.join(format!("{}-key.pem", spec.name)), &key)?;
    }
    out.write(&dir.join("ca.crl"), &crl(&ca, opts)?)?;

    let untrusted = dir.join("untrusted");
    let rogue_ca = new_ca(
        UNTRUSTED_CA_COMMON_NAME,
        "vtj-emulator untrusted test PKI",
        opts.validity,
    )?;
    let (pem, key) = client_cert(&rogue_ca, &opts.untrusted_client, opts.validity)?;
    out.write(&untrusted.join("ca.pem"), &rogue_ca.pem())?;
    out.write(&untrusted.join("client.pem"), &pem)?;
    out.write(&untrusted.join("client-key.pem"), &key)?;

    out.write(&dir.join("README.md"), &readme(opts))?;
    Ok(out.written)
}

/// Generates the audit trail's **test** checkpoint-signing key `audit-signing-key.pem`
/// (Ed25519, PKCS#8 PEM) in `dir`, overwriting it. Returns the path written.
pub fn generate_audit_signing_key(dir: &Path) -> Result<PathBuf, PkiError> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ED25519)?;
    let mut out = Writer::default();
    let path = dir.join("audit-signing-key.pem");
    out.write(&path, &key.serialize_pem())?;
    Ok(path)
}

#[derive(Default)]
struct Writer {
    written: Vec<PathBuf>,
}

impl Writer {
    fn write(&mut self, path: &Path, contents: &str) -> Result<(), PkiError> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|source| PkiError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        fs::write(path, contents).map_err(|source| PkiError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        self.written.push(path.to_path_buf());
        Ok(())
    }
}

fn validate(opts: &PkiOptions) -> Result<(), PkiError> {
    let invalid = |spec: &ClientSpec, reason| PkiError::InvalidClient {
        name: spec.name.clone(),
        reason,
    };
    let mut seen = HashSet::new();
    for spec in &opts.clients {
        let name_ok = !spec.name.is_empty()
            && !spec.name.starts_with('.')
            && spec
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !name_ok {
            return Err(invalid(spec, "name must be a plain file stem"));
        }
        if !seen.insert(spec.name.as_str()) {
            return Err(invalid(spec, "duplicate name"));
        }
    }
    for spec in opts.clients.iter().chain([&opts.untrusted_client]) {
        let v = spec.validity.unwrap_or(opts.validity);
        if v.not_before >= v.not_after {
            return Err(invalid(spec, "not_before must precede not_after"));
        }
    }
    if opts.validity.not_before >= opts.validity.not_after {
        return Err(PkiError::InvalidClient {
            name: "<PkiOptions::validity>".into(),
            reason: "not_before must precede not_after",
        });
    }
    Ok(())
}

fn new_ca(
    common_name: &str,
    organisation: &str,
    validity: ValidityPeriod,
) -> Result<CertifiedIssuer<'static, KeyPair>, PkiError> {
    let mut params = CertificateParams::default();
    params.distinguished_name = dn(common_name, organisation);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    set_validity(&mut params, validity);
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    Ok(CertifiedIssuer::self_signed(params, key)?)
}

fn leaf_params(
    common_name: &str,
    organisation: &str,
    validity: ValidityPeriod,
) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = dn(common_name, organisation);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.use_authority_key_identifier_extension = true;
    set_validity(&mut params, validity);
    params
}

/// Returns (certificate PEM, PKCS#8 key PEM).
fn sign_leaf(
    params: &CertificateParams,
    issuer: &Issuer<'_, KeyPair>,
) -> Result<(String, String), PkiError> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let cert = params.signed_by(&key, issuer)?;
    Ok((cert.pem(), key.serialize_pem()))
}

fn server_cert(
    ca: &Issuer<'_, KeyPair>,
    validity: ValidityPeriod,
) -> Result<(String, String), PkiError> {
    let mut params = leaf_params("localhost", CA_ORGANISATION, validity);
    params.subject_alt_names = vec![
        SanType::DnsName("localhost".try_into()?),
        SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    sign_leaf(&params, ca)
}

fn client_cert(
    ca: &Issuer<'_, KeyPair>,
    spec: &ClientSpec,
    default_validity: ValidityPeriod,
) -> Result<(String, String), PkiError> {
    let validity = spec.validity.unwrap_or(default_validity);
    let mut params = leaf_params(&spec.common_name, &spec.organisation, validity);
    if spec.revoked {
        params.serial_number = Some(revoked_serial(&spec.name));
    }
    params.extended_key_usages = vec![if spec.client_auth {
        ExtendedKeyUsagePurpose::ClientAuth
    } else {
        ExtendedKeyUsagePurpose::ServerAuth
    }];
    sign_leaf(&params, ca)
}

/// The serial number of a client certificate that the CRL names: fixed per name, so the
/// CRL and the certificate agree.
fn revoked_serial(name: &str) -> SerialNumber {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("vtj-emulator revoked {name}").as_bytes());
    // 16 bytes with the top bit clear: a positive serial well under 20 octets.
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[0] &= 0x7f;
    SerialNumber::from_slice(&bytes)
}

/// The CA's CRL (PEM), listing every client marked `revoked`.
fn crl(ca: &Issuer<'_, KeyPair>, opts: &PkiOptions) -> Result<String, PkiError> {
    let mut params = leaf_params("crl", CA_ORGANISATION, opts.validity);
    set_validity(&mut params, opts.validity);
    let revoked_certs = opts
        .clients
        .iter()
        .filter(|c| c.revoked)
        .map(|c| RevokedCertParams {
            serial_number: revoked_serial(&c.name),
            revocation_time: params.not_before,
            reason_code: Some(RevocationReason::KeyCompromise),
            invalidity_date: None,
        })
        .collect();
    let crl = CertificateRevocationListParams {
        this_update: params.not_before,
        next_update: params.not_after,
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs,
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(ca)?;
    Ok(crl.pem()?)
}

fn dn(common_name: &str, organisation: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "FI");
    dn.push(DnType::OrganizationName, organisation);
    dn.push(DnType::CommonName, common_name);
    dn
}

/// Converts via the Unix epoch (`rcgen` exposes `time::OffsetDateTime` only through
/// [`rcgen::date_time_ymd`], so no direct `time` dependency is needed). Sub-second
/// precision is dropped: X.509 times have second precision.
fn set_validity(params: &mut CertificateParams, validity: ValidityPeriod) {
    let epoch = rcgen::date_time_ymd(1970, 1, 1);
    let at = |ts: Timestamp| {
        let secs = ts.as_second();
        let magnitude = Duration::from_secs(secs.unsigned_abs());
        if secs >= 0 {
            epoch + magnitude
        } else {
            epoch - magnitude
        }
    };
    params.not_before = at(validity.not_before);
    params.not_after = at(validity.not_after);
}

fn utc_midnight((year, month, day): (i16, i8, i8)) -> Timestamp {
    jiff::civil::date(year, month, day)
        .to_zoned(TimeZone::UTC)
        .expect("midnight UTC of a valid date is a valid timestamp")
        .timestamp()
}

fn readme(opts: &PkiOptions) -> String {
    let mut clients = String::new();
    for c in &opts.clients {
        let validity = c.validity.unwrap_or(opts.validity);
        let eku = match (c.client_auth, c.revoked) {
            (true, false) => "clientAuth",
            (true, true) => "clientAuth; revoked in `ca.crl`",
            (false, _) => "serverAuth only",
        };
        clients.push_str(&format!(
            "| `clients/{}.pem` | CN={}, O={} | {} | {} .. {} |\n",
            c.name, c.common_name, c.organisation, eku, validity.not_before, validity.not_after,
        ));
    }
    let u = &opts.untrusted_client;
    format!(
        "# TEST-ONLY PKI — never use in production\n\n\
         Every private key in this folder is public (committed to git). These files exist \
         only for local runs and the mutual-TLS tests of vtj-emulator.\n\n\
         Generated by `src/pki.rs`; regenerate with\n\
         `cargo test -- --ignored regenerate_committed_test_pki` (keys change every time).\n\
         All keys are ECDSA P-256, PKCS#8 PEM.\n\n\
         | File | Subject | EKU | Validity |\n|---|---|---|---|\n\
         | `ca.pem` | CN={CA_COMMON_NAME}, O={CA_ORGANISATION}, C=FI | CA | {nb} .. {na} |\n\
         | `server.pem` | CN=localhost; SAN localhost, 127.0.0.1, ::1 | serverAuth | {nb} .. {na} |\n\
         | `ca.crl` | the CA's certificate revocation list | | {nb} .. {na} |\n\
         {clients}\
         | `untrusted/client.pem` | CN={ucn}, O={uo}; issued by `untrusted/ca.pem` \
         ({UNTRUSTED_CA_COMMON_NAME}), which must not be trusted | clientAuth | {nb} .. {na} |\n",
        nb = opts.validity.not_before,
        na = opts.validity.not_after,
        ucn = u.common_name,
        uo = u.organisation,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::certificate::X509Certificate;
    use x509_parser::extensions::{GeneralName, ParsedExtension};
    use x509_parser::pem::Pem;

    /// Generates the default PKI into a fresh temporary folder.
    fn generated() -> (tempfile::TempDir, Vec<PathBuf>) {
        let dir = tempfile::tempdir().unwrap();
        let written = generate_test_pki(dir.path(), &PkiOptions::default()).unwrap();
        (dir, written)
    }

    fn read_pem(path: &Path) -> Pem {
        let bytes = fs::read(path).unwrap();
        let (rest, pem) = x509_parser::pem::parse_x509_pem(&bytes).unwrap();
        assert!(
            rest.iter().all(u8::is_ascii_whitespace),
            "one PEM block in {path:?}"
        );
        pem
    }

    fn parse(pem: &Pem) -> X509Certificate<'_> {
        assert_eq!(pem.label, "CERTIFICATE");
        pem.parse_x509().unwrap()
    }

    fn attr<'a>(
        values: impl Iterator<Item = &'a x509_parser::x509::AttributeTypeAndValue<'a>>,
    ) -> Vec<String> {
        values.map(|v| v.as_str().unwrap().to_owned()).collect()
    }

    fn eku(cert: &X509Certificate<'_>) -> (bool, bool) {
        let eku = cert
            .extended_key_usage()
            .unwrap()
            .expect("EKU present")
            .value;
        (eku.server_auth, eku.client_auth)
    }

    fn subject_key_id<'a>(cert: &'a X509Certificate<'a>) -> &'a [u8] {
        cert.extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(id) => Some(id.0),
                _ => None,
            })
            .expect("SKI present")
    }

    fn authority_key_id<'a>(cert: &'a X509Certificate<'a>) -> &'a [u8] {
        cert.extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                ParsedExtension::AuthorityKeyIdentifier(aki) => aki.key_identifier.as_ref(),
                _ => None,
            })
            .expect("AKI present")
            .0
    }

    /// x509-parser's `verify_signature` needs its `verify` feature, which the crate
    /// does not enable; so check the issuer name and the AKI/SKI link instead.
    /// (`openssl verify` checks the real signatures of the committed files.)
    fn assert_issued_by(cert: &X509Certificate<'_>, ca: &X509Certificate<'_>) {
        assert_eq!(cert.issuer().as_raw(), ca.subject().as_raw());
        assert_eq!(authority_key_id(cert), subject_key_id(ca));
    }

    fn year_of(t: x509_parser::time::ASN1Time) -> i16 {
        Timestamp::from_second(t.timestamp())
            .unwrap()
            .to_zoned(TimeZone::UTC)
            .year()
    }

    #[test]
    fn writes_every_file_and_only_pkcs8_p256_keys() {
        let (dir, written) = generated();
        let root = dir.path();
        let mut expected: Vec<PathBuf> = ["ca.pem", "ca-key.pem", "server.pem", "server-key.pem"]
            .iter()
            .map(|f| root.join(f))
            .collect();
        for name in [
            "demo",
            "other",
            "auditor",
            "expired",
            "no-client-auth",
            "revoked",
        ] {
            expected.push(root.join(format!("clients/{name}.pem")));
            expected.push(root.join(format!("clients/{name}-key.pem")));
        }
        expected.push(root.join("ca.crl"));
        for f in [
            "untrusted/ca.pem",
            "untrusted/client.pem",
            "untrusted/client-key.pem",
            "README.md",
        ] {
            expected.push(root.join(f));
        }
        assert_eq!(written, expected);

        for path in written
            .iter()
            .filter(|p| p.to_string_lossy().ends_with("-key.pem"))
        {
            let text = fs::read_to_string(path).unwrap();
            assert!(
                text.starts_with("-----BEGIN PRIVATE KEY-----"),
                "PKCS#8: {path:?}"
            );
            let key = KeyPair::from_pem(&text).unwrap();
            assert_eq!(key.algorithm(), &PKCS_ECDSA_P256_SHA256);
            // The key belongs to the certificate next to it.
            let cert_path = path.to_string_lossy().replace("-key.pem", ".pem");
            let pem = read_pem(Path::new(&cert_path));
            let cert = parse(&pem);
            assert_eq!(
                cert.public_key().subject_public_key.data.as_ref(),
                rcgen::PublicKeyData::der_bytes(&key)
            );
        }
    }

    #[test]
    fn ca_is_a_self_signed_cert_signing_ca() {
        let (dir, _) = generated();
        let pem = read_pem(&dir.path().join("ca.pem"));
        let ca = parse(&pem);
        assert_eq!(attr(ca.subject().iter_common_name()), [CA_COMMON_NAME]);
        assert_eq!(attr(ca.subject().iter_organization()), [CA_ORGANISATION]);
        assert_eq!(attr(ca.subject().iter_country()), ["FI"]);
        assert_eq!(ca.issuer().as_raw(), ca.subject().as_raw());
        let bc = ca.basic_constraints().unwrap().expect("basicConstraints");
        assert!(bc.critical && bc.value.ca);
        let ku = ca.key_usage().unwrap().expect("keyUsage").value;
        assert!(ku.key_cert_sign() && ku.crl_sign() && !ku.digital_signature());
        assert_eq!(year_of(ca.validity().not_before), 2026);
        assert_eq!(year_of(ca.validity().not_after), 2046);
    }

    #[test]
    fn server_cert_has_localhost_sans_server_auth_and_is_issued_by_ca() {
        let (dir, _) = generated();
        let (ca_pem, pem) = (
            read_pem(&dir.path().join("ca.pem")),
            read_pem(&dir.path().join("server.pem")),
        );
        let (ca, server) = (parse(&ca_pem), parse(&pem));
        assert_eq!(attr(server.subject().iter_common_name()), ["localhost"]);
        let san = server
            .subject_alternative_name()
            .unwrap()
            .expect("SAN")
            .value;
        let names: Vec<String> = san
            .general_names
            .iter()
            .map(|n| match n {
                GeneralName::DNSName(d) => format!("DNS:{d}"),
                GeneralName::IPAddress(ip) => match ip.len() {
                    4 => format!("IP:{}", IpAddr::from(<[u8; 4]>::try_from(*ip).unwrap())),
                    _ => format!("IP:{}", IpAddr::from(<[u8; 16]>::try_from(*ip).unwrap())),
                },
                other => panic!("unexpected SAN {other:?}"),
            })
            .collect();
        assert_eq!(names, ["DNS:localhost", "IP:127.0.0.1", "IP:::1"]);
        assert_eq!(eku(&server), (true, false));
        assert!(
            !server
                .basic_constraints()
                .unwrap()
                .expect("CA:FALSE")
                .value
                .ca
        );
        assert_issued_by(&server, &ca);
        assert_eq!(server.validity().not_after, ca.validity().not_after);
    }

    #[test]
    fn demo_client_is_organisation_demo_with_client_auth() {
        let (dir, _) = generated();
        let ca_pem = read_pem(&dir.path().join("ca.pem"));
        let ca = parse(&ca_pem);
        let pem = read_pem(&dir.path().join("clients/demo.pem"));
        let demo = parse(&pem);
        assert_eq!(attr(demo.subject().iter_organization()), ["demo"]);
        assert_eq!(attr(demo.subject().iter_common_name()), ["demo-system"]);
        assert_eq!(attr(demo.subject().iter_country()), ["FI"]);
        assert_eq!(eku(&demo), (false, true));
        assert!(demo.validity().is_valid());
        assert_issued_by(&demo, &ca);

        for (name, org) in [("other", "other"), ("auditor", "vtj-emulator auditors")] {
            let pem = read_pem(&dir.path().join(format!("clients/{name}.pem")));
            let cert = parse(&pem);
            assert_eq!(attr(cert.subject().iter_organization()), [org]);
            assert_eq!(eku(&cert), (false, true));
            assert_issued_by(&cert, &ca);
        }
    }

    #[test]
    fn negative_test_certificates_are_broken_in_exactly_one_way() {
        let (dir, _) = generated();
        let ca_pem = read_pem(&dir.path().join("ca.pem"));
        let ca = parse(&ca_pem);

        let pem = read_pem(&dir.path().join("clients/expired.pem"));
        let expired = parse(&pem);
        let now = Timestamp::now().as_second();
        assert!(expired.validity().not_after.timestamp() < now);
        assert_eq!(year_of(expired.validity().not_before), 2020);
        assert_eq!(year_of(expired.validity().not_after), 2021);
        assert_eq!(eku(&expired), (false, true));
        assert_issued_by(&expired, &ca);

        let pem = read_pem(&dir.path().join("clients/no-client-auth.pem"));
        let no_client_auth = parse(&pem);
        assert_eq!(eku(&no_client_auth), (true, false));
        assert!(no_client_auth.validity().is_valid());
        assert_issued_by(&no_client_auth, &ca);

        let rogue_pem = read_pem(&dir.path().join("untrusted/ca.pem"));
        let rogue_ca = parse(&rogue_pem);
        let pem = read_pem(&dir.path().join("untrusted/client.pem"));
        let untrusted = parse(&pem);
        assert_ne!(untrusted.issuer().as_raw(), ca.subject().as_raw());
        assert_ne!(authority_key_id(&untrusted), subject_key_id(&ca));
        assert_issued_by(&untrusted, &rogue_ca);
        assert_eq!(attr(untrusted.subject().iter_organization()), ["demo"]);
        assert_eq!(eku(&untrusted), (false, true));
        assert!(untrusted.validity().is_valid());
    }

    #[test]
    fn regenerating_overwrites_with_fresh_keys() {
        let (dir, first) = generated();
        let before = fs::read(dir.path().join("ca-key.pem")).unwrap();
        let second = generate_test_pki(dir.path(), &PkiOptions::default()).unwrap();
        assert_eq!(first, second);
        assert_ne!(fs::read(dir.path().join("ca-key.pem")).unwrap(), before);
        // The new server certificate chains to the new CA.
        let ca_pem = read_pem(&dir.path().join("ca.pem"));
        let pem = read_pem(&dir.path().join("server.pem"));
        assert_issued_by(&parse(&pem), &parse(&ca_pem));
    }

    #[test]
    fn rejects_unsafe_duplicate_or_empty_client_specs() {
        let dir = tempfile::tempdir().unwrap();
        let with = |clients: Vec<ClientSpec>| PkiOptions {
            clients,
            ..PkiOptions::default()
        };
        for bad in ["", "../evil", "a/b", ".hidden", "sp ace"] {
            let err = generate_test_pki(dir.path(), &with(vec![ClientSpec::new(bad, "o", "cn")]));
            assert!(
                matches!(err, Err(PkiError::InvalidClient { .. })),
                "{bad:?}"
            );
        }
        let dup = ClientSpec::new("x", "o", "cn");
        let err = generate_test_pki(dir.path(), &with(vec![dup.clone(), dup]));
        assert!(matches!(
            err,
            Err(PkiError::InvalidClient {
                reason: "duplicate name",
                ..
            })
        ));
        let backwards = ClientSpec {
            validity: Some(ValidityPeriod::utc_dates((2030, 1, 1), (2029, 1, 1))),
            ..ClientSpec::new("x", "o", "cn")
        };
        assert!(generate_test_pki(dir.path(), &with(vec![backwards])).is_err());
        // Nothing was written by the rejected calls.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn io_errors_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, "not a folder").unwrap();
        match generate_test_pki(&blocker.join("certs"), &PkiOptions::default()) {
            Err(PkiError::Io { path, .. }) => assert_eq!(path, blocker.join("certs")),
            other => panic!("expected Io error, got {other:?}"),
        }
    }

    /// Regenerates the committed test PKI in `certs/`. Run by hand only:
    /// `cargo test -- --ignored regenerate_committed_test_pki`
    #[test]
    #[ignore = "rewrites the committed certs/ folder"]
    fn regenerate_committed_test_pki() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("certs");
        for path in generate_test_pki(&dir, &PkiOptions::default()).unwrap() {
            println!("wrote {}", path.display());
        }
    }
}
