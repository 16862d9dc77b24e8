//! Searching the trail: a [`Filter`] (organisation, `Kayttajatunnus`, `Loppukayttaja`,
//! subject identifier, operation, return code, time range) and the plan that answers it.
//! A subject or end-user filter reads its index, a time range the time index (through
//! [`AuditBackend::lookup`]), then a service user, organisation, operation or return code
//! the backend's index of that field if it keeps one ([`AuditBackend::lookup_field`]), and
//! only otherwise are all records scanned; every candidate is then checked against the
//! whole filter. Reads only.

use serde::{Deserialize, Serialize};

use super::backend::{AuditBackend, Field, Lookup, parse};
use super::error::AuditError;
use super::index::micros_of;
use super::record::AuditRecord;

/// What an auditor asks for; every given field must match (exactly).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kayttajatunnus: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loppukayttaja: Option<String>,
    /// The subject's identifier as asked (identity code, electronic id, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_code: Option<String>,
    /// From this time on (inclusive; RFC 3339, or a date meaning its UTC midnight).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Before this time (exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// At most this many records (oldest first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

/// How many records a search (not an export or a subject report) returns when the filter
/// sets no `limit`.
pub const DEFAULT_SEARCH_LIMIT: usize = 1000;

pub const FILTER_FIELDS: &[&str] = &[
    "organisation",
    "kayttajatunnus",
    "loppukayttaja",
    "subject",
    "operation",
    "return_code",
    "from",
    "to",
    "limit",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FilterError(pub String);

/// Reads a time bound: an RFC 3339 instant, or a date (its midnight UTC).
pub fn parse_time(field: &str, text: &str) -> Result<i64, FilterError> {
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Ok(t.as_microsecond());
    }
    if let Ok(d) = text.parse::<jiff::civil::Date>()
        && let Ok(z) = d.to_zoned(jiff::tz::TimeZone::UTC)
    {
        return Ok(z.timestamp().as_microsecond());
    }
    Err(FilterError(format!(
        "{field} {text:?} is neither an RFC 3339 time (2026-01-31T12:00:00Z) nor a date (2026-01-31)"
    )))
}

impl Filter {
    /// Builds a filter from `name=value` pairs (a query string or CLI options).
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, String)>,
    ) -> Result<Self, FilterError> {
        let mut f = Filter::default();
        for (name, value) in pairs {
            if value.is_empty() {
                continue;
            }
            let slot = match name {
                "organisation" => &mut f.organisation,
                "kayttajatunnus" => &mut f.kayttajatunnus,
                "loppukayttaja" => &mut f.loppukayttaja,
                "subject" => &mut f.subject,
                "operation" => &mut f.operation,
                "return_code" => &mut f.return_code,
                "from" => &mut f.from,
                "to" => &mut f.to,
                "limit" => {
                    f.limit =
                        Some(value.parse().map_err(|_| {
                            FilterError(format!("limit {value:?} is not a number"))
                        })?);
                    continue;
                }
                other => {
                    return Err(FilterError(format!(
                        "unknown filter {other:?} (known: {})",
                        FILTER_FIELDS.join(", ")
                    )));
                }
            };
            *slot = Some(value);
        }
        f.checked()
    }

    /// The filter with empty values taken as absent, once its time bounds are readable.
    pub fn checked(mut self) -> Result<Self, FilterError> {
        for v in [
            &mut self.organisation,
            &mut self.kayttajatunnus,
            &mut self.loppukayttaja,
            &mut self.subject,
            &mut self.operation,
            &mut self.return_code,
            &mut self.from,
            &mut self.to,
        ] {
            if v.as_deref() == Some("") {
                *v = None;
            }
        }
        self.bounds()?;
        Ok(self)
    }

    /// The filter with `limit` set to [`DEFAULT_SEARCH_LIMIT`] if it had none.
    pub fn with_default_limit(&self) -> Filter {
        let mut f = self.clone();
        f.limit.get_or_insert(DEFAULT_SEARCH_LIMIT);
        f
    }

    /// The filter as `name=value` pairs (for a query string).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let fields = [
            ("organisation", &self.organisation),
            ("kayttajatunnus", &self.kayttajatunnus),
            ("loppukayttaja", &self.loppukayttaja),
            ("subject", &self.subject),
            ("operation", &self.operation),
            ("return_code", &self.return_code),
            ("from", &self.from),
            ("to", &self.to),
        ];
        for (name, v) in fields {
            if let Some(v) = v {
                out.push((name, v.clone()));
            }
        }
        if let Some(l) = self.limit {
            out.push(("limit", l.to_string()));
        }
        out
    }

    fn bounds(&self) -> Result<(Option<i64>, Option<i64>), FilterError> {
        let from = self
            .from
            .as_deref()
            .map(|t| parse_time("from", t))
            .transpose()?;
        let to = self
            .to
            .as_deref()
            .map(|t| parse_time("to", t))
            .transpose()?;
        Ok((from, to))
    }

    /// True when the record satisfies every given field.
    pub fn matches(&self, r: &AuditRecord) -> bool {
        match self.bounds() {
            Ok((from, to)) => self.matches_within(r, from, to),
            Err(_) => false,
        }
    }

    fn matches_within(&self, r: &AuditRecord, from: Option<i64>, to: Option<i64>) -> bool {
        let eq = |want: &Option<String>, have: Option<&str>| {
            want.as_deref().is_none_or(|w| have == Some(w))
        };
        let t = micros_of(&r.time);
        eq(&self.organisation, r.organisation.as_deref())
            && eq(&self.kayttajatunnus, r.kayttajatunnus.as_deref())
            && eq(&self.loppukayttaja, r.loppukayttaja.as_deref())
            && self
                .subject
                .as_deref()
                .is_none_or(|s| super::index::subjects(r).contains(&s))
            && eq(&self.operation, Some(&r.operation))
            && eq(&self.return_code, Some(&r.return_code))
            && from.is_none_or(|f| t >= f)
            && to.is_none_or(|x| t < x)
    }
}

/// The records matching `filter`, oldest first (by number, or by time for a time range).
/// A subject or end-user filter reads that index, a time range the time index, then a
/// service user, organisation, operation or return code its index if the backend keeps
/// one; only a filter with none of them reads every record. Stops at the filter's `limit`.
pub fn search(store: &dyn AuditBackend, filter: &Filter) -> Result<Vec<AuditRecord>, AuditError> {
    let limit = filter.limit.unwrap_or(usize::MAX);
    let (from, to) = filter
        .bounds()
        .map_err(|e| AuditError::Store(e.to_string()))?;
    let mut out = Vec::new();
    let mut take = |r: AuditRecord| {
        if filter.matches_within(&r, from, to) {
            out.push(r);
        }
        out.len() < limit
    };
    let index = match (&filter.subject, &filter.loppukayttaja) {
        (Some(s), _) => Some(Lookup::Subject(s)),
        (None, Some(u)) => Some(Lookup::EndUser(u)),
        _ if from.is_some() || to.is_some() => Some(Lookup::Time {
            from: from.unwrap_or(i64::MIN),
            to: to.unwrap_or(i64::MAX),
        }),
        _ => None,
    };
    let mut hit = |seq| match store.get(seq)? {
        Some(r) => Ok(take(r)),
        None => Ok(true),
    };
    if let Some(by) = index {
        store.lookup(by, &mut hit)?;
        return Ok(out);
    }
    // Then the fields a backend may index, the most selective first.
    let fields = [
        (Field::ServiceUser, &filter.kayttajatunnus),
        (Field::Organisation, &filter.organisation),
        (Field::Operation, &filter.operation),
        (Field::ReturnCode, &filter.return_code),
    ];
    for (field, value) in fields {
        if let Some(v) = value
            && store.lookup_field(field, v, &mut hit)?
        {
            return Ok(out);
        }
    }
    store.scan(0, &mut |seq, bytes| Ok(take(parse(seq, bytes)?)))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_pairs_and_reject_unknown_names() {
        let f = Filter::from_pairs([
            ("subject", "020501A999T".to_string()),
            ("from", "2026-01-01".to_string()),
            ("limit", "5".to_string()),
        ])
        .unwrap();
        assert_eq!(
            Filter::from_pairs(f.pairs().iter().map(|(k, v)| (*k, v.clone()))).unwrap(),
            f
        );
        assert!(Filter::from_pairs([("password", "x".to_string())]).is_err());
        assert!(Filter::from_pairs([("from", "yesterday".to_string())]).is_err());
    }
}
