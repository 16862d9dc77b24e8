//! How records are written out for people and tools: JSON lines, CSV (one row per record,
//! a header row first), a readable block per record and the subject report ("who queried
//! this person's data, which data, when"). Human output shows Finnish local time
//! (Europe/Helsinki) beside UTC. Formats only; never reads the store.

use std::fmt::Write as _;

use jiff::tz::TimeZone;

use super::record::AuditRecord;

/// The format of `audit export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

impl std::str::FromStr for ExportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "jsonl" => Ok(ExportFormat::Jsonl),
            "csv" => Ok(ExportFormat::Csv),
            other => Err(format!("format {other:?}: use jsonl or csv")),
        }
    }
}

impl ExportFormat {
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "application/x-ndjson; charset=utf-8",
            ExportFormat::Csv => "text/csv; charset=utf-8",
        }
    }
}

pub fn export(records: &[AuditRecord], format: ExportFormat) -> String {
    match format {
        ExportFormat::Jsonl => jsonl(records),
        ExportFormat::Csv => csv(records),
    }
}

pub fn jsonl(records: &[AuditRecord]) -> String {
    let mut out = String::new();
    for r in records {
        out.push_str(&serde_json::to_string(r).expect("a record always serialises"));
        out.push('\n');
    }
    out
}

const CSV_HEADER: &[&str] = &[
    "seq",
    "time_utc",
    "time_helsinki",
    "request_id",
    "organisation",
    "cert_sha256",
    "cert_subject",
    "interface",
    "xroad_client",
    "xroad_user_id",
    "operation",
    "kayttajatunnus",
    "loppukayttaja",
    "product",
    "search_key_type",
    "search_key",
    "return_code",
    "groups",
    "non_disclosure_applied",
    "response_sha256",
    "duration_us",
    "prev_sha256",
    "filters",
    "disclosed",
];

pub fn csv(records: &[AuditRecord]) -> String {
    let mut out = CSV_HEADER.join(",");
    out.push_str("\r\n");
    for r in records {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let (key_type, key) = r.search_key.clone().unwrap_or_default();
        let row = [
            r.seq.to_string(),
            r.time.clone(),
            helsinki(&r.time),
            r.request_id.clone(),
            o(&r.organisation),
            r.cert_sha256.clone(),
            r.cert_subject.clone(),
            r.interface.clone(),
            o(&r.xroad_client),
            o(&r.xroad_user_id),
            r.operation.clone(),
            o(&r.kayttajatunnus),
            o(&r.loppukayttaja),
            o(&r.product),
            key_type,
            key,
            r.return_code.clone(),
            r.groups.join(";"),
            r.non_disclosure_applied.to_string(),
            r.response_sha256.clone(),
            r.duration_us.to_string(),
            r.prev_sha256.clone(),
            o(&r.filters),
            r.disclosed.join(";"),
        ];
        let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// An RFC 3339 UTC time in Finnish local time, `2026-06-01 15:00:00 EEST`.
pub fn helsinki(time: &str) -> String {
    let tz = TimeZone::get("Europe/Helsinki").unwrap_or(TimeZone::UTC);
    match time.parse::<jiff::Timestamp>() {
        Ok(t) => t.to_zoned(tz).strftime("%Y-%m-%d %H:%M:%S %Z").to_string(),
        Err(_) => time.to_string(),
    }
}

/// A readable block for one record.
pub fn human(r: &AuditRecord) -> String {
    let o = |v: &Option<String>| v.as_deref().unwrap_or("-").to_string();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "#{}  {} ({} UTC)  {}  {}",
        r.seq,
        helsinki(&r.time),
        r.time,
        r.operation,
        r.return_code
    );
    let _ = writeln!(
        s,
        "    organisation {}  user {}  end user {}  interface {}",
        o(&r.organisation),
        o(&r.kayttajatunnus),
        o(&r.loppukayttaja),
        r.interface
    );
    if r.xroad_client.is_some() || r.xroad_user_id.is_some() {
        let _ = writeln!(
            s,
            "    X-Road client {}  userId {}",
            o(&r.xroad_client),
            o(&r.xroad_user_id)
        );
    }
    let subject = r
        .search_key
        .as_ref()
        .map(|(k, v)| format!("{k} {v}"))
        .unwrap_or_else(|| "-".into());
    let _ = writeln!(s, "    product {}  subject {}", o(&r.product), subject);
    if !r.disclosed.is_empty() {
        let _ = writeln!(s, "    disclosed {}", r.disclosed.join(" "));
    }
    let _ = writeln!(
        s,
        "    groups {}  non-disclosure applied: {}",
        if r.groups.is_empty() {
            "-".to_string()
        } else {
            r.groups.join(", ")
        },
        if r.non_disclosure_applied {
            "yes"
        } else {
            "no"
        }
    );
    if let Some(f) = &r.filters {
        let _ = writeln!(s, "    filters {f}");
    }
    let _ = writeln!(
        s,
        "    certificate {} (SHA-256 {})",
        r.cert_subject, r.cert_sha256
    );
    let _ = writeln!(
        s,
        "    request {}  {} µs  response SHA-256 {}",
        r.request_id,
        r.duration_us,
        if r.response_sha256.is_empty() {
            "-"
        } else {
            &r.response_sha256
        }
    );
    s
}

/// Who queried the subject's data, which data, when: one line per query.
pub fn subject_report(subject: &str, records: &[AuditRecord]) -> String {
    let mut s = format!("Queries about {subject}: {}\n", records.len());
    for r in records {
        let o = |v: &Option<String>| v.as_deref().unwrap_or("-").to_string();
        let _ = writeln!(
            s,
            "{}  #{}  organisation {}  user {}  end user {}  {} {}  → {}  data: {}{}",
            helsinki(&r.time),
            r.seq,
            o(&r.organisation),
            o(&r.kayttajatunnus),
            o(&r.loppukayttaja),
            r.operation,
            o(&r.product),
            r.return_code,
            if r.groups.is_empty() {
                "none".to_string()
            } else {
                r.groups.join(", ")
            },
            if r.non_disclosure_applied {
                " (non-disclosure applied)"
            } else {
                ""
            }
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helsinki_time_follows_summer_time() {
        assert_eq!(helsinki("2026-01-15T10:00:00Z"), "2026-01-15 12:00:00 EET");
        assert_eq!(helsinki("2026-07-15T10:00:00Z"), "2026-07-15 13:00:00 EEST");
    }

    #[test]
    fn csv_cells_are_quoted_when_needed() {
        assert_eq!(csv_cell("CN=a, O=b"), "\"CN=a, O=b\"");
        assert_eq!(csv_cell("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_cell("plain"), "plain");
    }
}
