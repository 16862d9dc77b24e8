//! The auditors' HTTPS API under `/admin/audit/`, on the same mutual-TLS listener as the
//! SOAP interface. Only a certificate of a configured `[[auditor]]` gets an answer (others:
//! 403); every request, answered or refused, is itself an audit record (`audit.search`,
//! `audit.show`, …, with its filters) appended before the answer leaves, so the log of the
//! log is in the same chain. Routes:
//!
//! - `GET /admin/audit/records?FILTERS` — matching records, JSON lines
//! - `GET /admin/audit/records/SEQ` — one record, JSON
//! - `GET /admin/audit/export?format=jsonl|csv&FILTERS`
//! - `GET /admin/audit/subject-report?subject=ID&FILTERS` — JSON lines
//! - `GET /admin/audit/verify` — the verification report, JSON
//!
//! FILTERS: `organisation kayttajatunnus loppukayttaja subject operation return_code from
//! to limit`. Reads the store through the audit log's `AuditBackend`; knows nothing of SOAP.

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::CONTENT_TYPE;
use hyper::{Method, Request, Response, StatusCode};

use crate::app::App;
use crate::audit::format::{self, ExportFormat};
use crate::audit::{AuditBackend, AuditRecord, Filter, search, settings, verify};
use crate::ops::Caller;

pub const ADMIN_PREFIX: &str = "/admin/";
const AUDIT_PREFIX: &str = "/admin/audit/";

type Body = Full<Bytes>;

/// What one admin request produced, before it is recorded.
struct Outcome {
    status: StatusCode,
    content_type: &'static str,
    body: String,
    operation: &'static str,
    filters: Option<String>,
}

impl Outcome {
    fn text(status: StatusCode, operation: &'static str, text: String) -> Self {
        Outcome {
            status,
            content_type: "text/plain; charset=utf-8",
            body: format!("{text}\n"),
            operation,
            filters: None,
        }
    }
}

/// Answers a request under `/admin/`.
pub async fn handle(app: &App, caller: Caller, req: Request<Incoming>) -> Response<Body> {
    let auditor = settings::identify(&app.settings().auditors, &caller.peer).cloned();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let outcome = match &auditor {
        None => Outcome::text(
            StatusCode::FORBIDDEN,
            "audit.refused",
            format!(
                "the client certificate (subject {}, SHA-256 {}) is not an auditor's",
                caller.peer.subject,
                caller.peer.fingerprint_hex()
            ),
        ),
        Some(_) if req.method() != Method::GET => Outcome::text(
            StatusCode::METHOD_NOT_ALLOWED,
            "audit.refused",
            "the audit API is read-only: use GET".into(),
        ),
        Some(_) => {
            let store = app.audit.store();
            let key = app.settings().audit.signer.public_key_hex();
            tokio::task::spawn_blocking(move || answer(&*store, &key, &path, &query))
                .await
                .unwrap_or_else(|e| {
                    Outcome::text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "audit.error",
                        e.to_string(),
                    )
                })
        }
    };
    let record = record(&caller, auditor.as_ref().map(|a| a.id.as_str()), &outcome);
    match app.audit.append(record).await {
        Ok(_) => response(outcome.status, outcome.content_type, outcome.body),
        Err(e) => {
            tracing::error!(request_id = %caller.request_id, error = %e, "audit append failed: refusing the admin request");
            response(
                StatusCode::SERVICE_UNAVAILABLE,
                "text/plain; charset=utf-8",
                "the audit store failed; nothing is answered that is not recorded\n".into(),
            )
        }
    }
}

fn answer(store: &dyn AuditBackend, public_key: &str, path: &str, query: &str) -> Outcome {
    let Some(rest) = path.strip_prefix(AUDIT_PREFIX) else {
        return Outcome::text(
            StatusCode::NOT_FOUND,
            "audit.unknown",
            "no such endpoint".into(),
        );
    };
    let mut pairs = query_pairs(query);
    let format = match take(&mut pairs, "format") {
        Some(f) => match f.parse::<ExportFormat>() {
            Ok(f) => Some(f),
            Err(e) => return Outcome::text(StatusCode::BAD_REQUEST, "audit.export", e),
        },
        None => None,
    };
    let (operation, seq) = match rest {
        "records" => ("audit.search", None),
        "export" => ("audit.export", None),
        "subject-report" => ("audit.subject-report", None),
        "verify" => ("audit.verify", None),
        r => match r
            .strip_prefix("records/")
            .and_then(|s| s.parse::<u64>().ok())
        {
            Some(seq) => ("audit.show", Some(seq)),
            None => {
                return Outcome::text(
                    StatusCode::NOT_FOUND,
                    "audit.unknown",
                    "no such endpoint".into(),
                );
            }
        },
    };
    let filter = match Filter::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.clone()))) {
        Ok(f) => f,
        Err(e) => return Outcome::text(StatusCode::BAD_REQUEST, operation, e.to_string()),
    };
    let mut out = run(store, public_key, operation, seq, &filter, format);
    out.operation = operation;
    out.filters = Some(match seq {
        Some(seq) => format!("{{\"seq\":{seq}}}"),
        None => serde_json::to_string(&filter).expect("a filter always serialises"),
    });
    out
}

fn run(
    store: &dyn AuditBackend,
    public_key: &str,
    operation: &'static str,
    seq: Option<u64>,
    filter: &Filter,
    format: Option<ExportFormat>,
) -> Outcome {
    let failed = |e: crate::audit::AuditError| {
        Outcome::text(StatusCode::INTERNAL_SERVER_ERROR, operation, e.to_string())
    };
    let ok = |content_type, body| Outcome {
        status: StatusCode::OK,
        content_type,
        body,
        operation,
        filters: None,
    };
    match operation {
        "audit.show" => match store.get(seq.unwrap_or(0)) {
            Ok(Some(r)) => ok(
                "application/json",
                serde_json::to_string(&r).expect("a record always serialises") + "\n",
            ),
            Ok(None) => Outcome::text(
                StatusCode::NOT_FOUND,
                operation,
                format!("no record {} (never written, or pruned)", seq.unwrap_or(0)),
            ),
            Err(e) => failed(e),
        },
        "audit.verify" => match verify::verify(store, public_key) {
            Ok(r) => ok(
                "application/json",
                serde_json::to_string(&r).expect("a report always serialises") + "\n",
            ),
            Err(e) => failed(e),
        },
        "audit.subject-report" if filter.subject.is_none() => Outcome::text(
            StatusCode::BAD_REQUEST,
            operation,
            "subject-report needs subject=IDENTIFIER".into(),
        ),
        _ => match search::search(
            store,
            &if operation == "audit.search" {
                filter.with_default_limit()
            } else {
                filter.clone()
            },
        ) {
            Ok(records) => {
                let format = format.unwrap_or(ExportFormat::Jsonl);
                ok(format.content_type(), format::export(&records, format))
            }
            Err(e) => failed(e),
        },
    }
}

/// Who read the trail, as the read's audit record names them (admin API or console).
pub struct Reader<'a> {
    pub request_id: &'a str,
    /// The reader's organisation (an organisation's user, or a certificate it claims).
    pub organisation: Option<&'a str>,
    /// The client certificate, if the reader presented one (empty strings otherwise).
    pub cert_sha256: String,
    pub cert_subject: String,
    /// `admin` or `console`.
    pub interface: &'static str,
    /// The auditor's id or the service user's `Kayttajatunnus`.
    pub user: Option<&'a str>,
    pub received: std::time::Instant,
}

/// The audit record of one read of the trail: `operation` (`audit.search`, …), the HTTP
/// status answered, the digest of the body sent and the filters used (JSON).
pub fn read_record(
    reader: &Reader<'_>,
    operation: &str,
    status: u16,
    body: &[u8],
    filters: Option<String>,
) -> AuditRecord {
    AuditRecord {
        seq: 0,
        time: jiff::Timestamp::now().to_string(),
        request_id: reader.request_id.to_string(),
        organisation: reader.organisation.map(str::to_string),
        cert_sha256: reader.cert_sha256.clone(),
        cert_subject: reader.cert_subject.clone(),
        interface: reader.interface.into(),
        xroad_client: None,
        xroad_user_id: None,
        operation: operation.into(),
        kayttajatunnus: reader.user.map(str::to_string),
        loppukayttaja: None,
        product: None,
        // The subject an auditor looked for stays in `filters`: subject searches and
        // reports list the queries of the population data, not auditors' reads.
        search_key: None,
        disclosed: Vec::new(),
        return_code: status.to_string(),
        groups: Vec::new(),
        non_disclosure_applied: false,
        refused_because: None,
        fault_injected: None,
        duration_us: reader.received.elapsed().as_micros() as u64,
        prev_sha256: String::new(),
        response_sha256: crate::audit::digest_hex(body),
        filters,
    }
}

/// The audit record of one admin request.
fn record(caller: &Caller, auditor: Option<&str>, o: &Outcome) -> AuditRecord {
    let reader = Reader {
        request_id: &caller.request_id,
        organisation: caller.organisation.as_ref().map(|x| x.id.as_str()),
        cert_sha256: caller.peer.fingerprint_hex(),
        cert_subject: caller.peer.subject.clone(),
        interface: "admin",
        user: auditor,
        received: caller.received,
    };
    read_record(
        &reader,
        o.operation,
        o.status.as_u16(),
        o.body.as_bytes(),
        o.filters.clone(),
    )
}

fn take(pairs: &mut Vec<(String, String)>, name: &str) -> Option<String> {
    let i = pairs.iter().position(|(k, _)| k == name)?;
    Some(pairs.remove(i).1)
}

/// `a=b&c=d` with percent-decoding (and `+` as a space, as forms send it).
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes everything but unreserved characters (for building query strings).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn response(status: StatusCode, content_type: &str, body: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, content_type)
        .body(Full::new(Bytes::from(body)))
        .expect("static headers are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_round_trip_through_percent_encoding() {
        let hetu = "010181+900C";
        let q = format!("subject={}&organisation={}", encode(hetu), encode("a b&c"));
        assert_eq!(
            query_pairs(&q),
            [
                ("subject".to_string(), hetu.to_string()),
                ("organisation".to_string(), "a b&c".to_string())
            ]
        );
        assert_eq!(
            query_pairs("a=%zz&b=%4"),
            [("a".into(), "%zz".into()), ("b".into(), "%4".into())]
        );
    }
}
