//! The audit record: who (organisation, certificate, service user, end user) asked what
//! (operation, product, search key) and what they got (return code, data groups). Never
//! holds a password.

use serde::{Deserialize, Serialize};

/// One query as the audit trail keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Position in the log, assigned when appended (0 before).
    #[serde(default)]
    pub seq: u64,
    /// UTC time the query was received, RFC 3339.
    pub time: String,
    pub request_id: String,
    /// The organisation the client certificate maps to, if any.
    pub organisation: Option<String>,
    pub cert_sha256: String,
    pub cert_subject: String,
    /// `direct` (SoSo) or `xroad`.
    pub interface: String,
    #[serde(default)]
    pub xroad_client: Option<String>,
    #[serde(default)]
    pub xroad_user_id: Option<String>,
    pub operation: String,
    pub kayttajatunnus: Option<String>,
    pub loppukayttaja: Option<String>,
    pub product: Option<String>,
    /// The search criterion's element name and value (e.g. `Henkilotunnus`, the code).
    pub search_key: Option<(String, String)>,
    /// Identifiers of whom (or what) the answer carried data about, where the search key
    /// does not name them: the identity code of the person an identification search found,
    /// of the persons an extraction listed, of the person an electronic service identifier
    /// or a passive identity code led to; the building or property an identification by
    /// address or name found. Indexed as subjects with the search key, so a subject report
    /// lists these answers too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disclosed: Vec<String>,
    /// The `Paluukoodi` returned, or `fault` for a SOAP fault.
    pub return_code: String,
    /// Data groups that carried person data in the answer.
    pub groups: Vec<String>,
    /// Non-disclosure (turvakielto) withheld location data from this answer.
    pub non_disclosure_applied: bool,
    /// The injected fault that shaped this answer (kind and rule), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault_injected: Option<String>,
    /// Why the query was refused before any search (lock, idle user, permit, quota …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused_because: Option<String>,
    /// Microseconds from request received to response ready.
    pub duration_us: u64,
    /// SHA-256 (hex) of the previous record's stored bytes; empty for the first record.
    #[serde(default)]
    pub prev_sha256: String,
    /// SHA-256 (hex) of the response body sent (empty when none was built).
    #[serde(default)]
    pub response_sha256: String,
    /// For an auditor's read (`audit.*` operations): the filters it used, as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<String>,
}
