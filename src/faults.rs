//! Fault injection for client testing: configured `[[fault]]` rules and the reserved test
//! identity codes make chosen queries slow, answer a chosen `Paluukoodi`, fail with a SOAP
//! fault or HTTP 503, or lose their connection. A rule matches by identity code (or SATU),
//! organisation, product and operation (all that are given must match) with an optional
//! probability. Decides only; the operations carry the effect out and audit it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Deserialize;

use crate::codes::ReturnCode;

/// What an injected fault does after its latency (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Answer normally (latency only).
    None,
    /// Answer a document carrying only this return code.
    Answer(ReturnCode),
    /// Answer a SOAP Server fault with this text.
    SoapFault(String),
    /// Answer HTTP 503 Service Unavailable.
    Unavailable,
    /// Close the connection without an answer.
    Drop,
}

impl Effect {
    /// The effect's name in audit records and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            Effect::None => "latency",
            Effect::Answer(_) => "return_code",
            Effect::SoapFault(_) => "soap_fault",
            Effect::Unavailable => "http_503",
            Effect::Drop => "drop_connection",
        }
    }
}

/// One rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Where it was defined (`config line N` or `reserved test code`), for the audit record.
    pub origin: String,
    pub hetu: Option<String>,
    pub organisation: Option<String>,
    /// Normalised (upper case).
    pub product: Option<String>,
    pub operation: Option<String>,
    pub probability: f64,
    /// Fixed latency, or a range to draw from.
    pub latency: Option<(Duration, Duration)>,
    pub effect: Effect,
}

/// What a query is matched on.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    pub key: Option<&'a str>,
    pub organisation: Option<&'a str>,
    pub product: Option<&'a str>,
    pub operation: &'a str,
}

impl Rule {
    fn matches(&self, q: &Query<'_>) -> bool {
        let eq = |want: &Option<String>, got: Option<&str>| {
            want.as_deref().is_none_or(|w| got == Some(w))
        };
        eq(&self.hetu, q.key)
            && eq(&self.organisation, q.organisation)
            && eq(&self.product, q.product)
            && eq(&self.operation, Some(q.operation))
    }
}

/// The reserved test identity codes (individual numbers 990–995 of 1 January 1900) and
/// their fixed behaviour, documented in docs/fault-injection.md.
pub fn reserved(timeout: Duration) -> Vec<Rule> {
    let rule = |hetu: &str, latency: Option<Duration>, effect: Effect| Rule {
        origin: format!("reserved test code {hetu}"),
        hetu: Some(hetu.into()),
        organisation: None,
        product: None,
        operation: None,
        probability: 1.0,
        latency: latency.map(|d| (d, d)),
        effect,
    };
    vec![
        rule("010100-990C", Some(timeout), Effect::None),
        rule("010100-991D", None, Effect::Unavailable),
        rule(
            "010100-992E",
            None,
            Effect::SoapFault("injected fault (reserved test code 010100-992E)".into()),
        ),
        rule("010100-993F", None, Effect::Drop),
        rule("010100-994H", None, Effect::Answer(ReturnCode::Internal)),
        rule("010100-995J", Some(Duration::from_secs(2)), Effect::None),
    ]
}

/// The rules in force, first match wins.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Vec<Rule>,
    rng: AtomicU64,
}

impl Clone for Faults {
    fn clone(&self) -> Self {
        Faults::new(self.rules.clone())
    }
}

impl Faults {
    pub fn new(rules: Vec<Rule>) -> Self {
        let seed = jiff::Timestamp::now().as_nanosecond() as u64 | 1;
        Faults {
            rules,
            rng: AtomicU64::new(seed),
        }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The first rule that matches (and whose probability draw succeeds), with the latency
    /// drawn for it.
    pub fn find(&self, q: &Query<'_>) -> Option<(&Rule, Option<Duration>)> {
        let rule = self
            .rules
            .iter()
            .find(|r| r.matches(q) && (r.probability >= 1.0 || self.unit() < r.probability))?;
        let latency = rule.latency.map(|(lo, hi)| {
            if hi <= lo {
                lo
            } else {
                lo + (hi - lo).mul_f64(self.unit())
            }
        });
        Some((rule, latency))
    }

    /// A uniform draw in [0, 1) (xorshift64*: test timing needs no cryptography).
    fn unit(&self) -> f64 {
        let mut x = self.rng.load(Ordering::Relaxed);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng.store(x, Ordering::Relaxed);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `[[fault]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    pub hetu: Option<String>,
    pub organisation: Option<String>,
    pub product: Option<String>,
    pub operation: Option<String>,
    pub probability: Option<f64>,
    pub latency_ms: Option<u64>,
    pub latency_max_ms: Option<u64>,
    pub return_code: Option<String>,
    pub soap_fault: Option<String>,
    pub http_status: Option<u16>,
    pub drop_connection: Option<bool>,
}

/// `[faults]`: the reserved test codes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFaultSettings {
    /// The reserved test identity codes behave as documented (default true).
    #[serde(default = "yes")]
    pub reserved_codes: bool,
    /// How long the "always times out" test code waits before answering (default 300 s).
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

impl Default for RawFaultSettings {
    fn default() -> Self {
        RawFaultSettings {
            reserved_codes: true,
            timeout_secs: default_timeout(),
        }
    }
}

fn yes() -> bool {
    true
}

fn default_timeout() -> u64 {
    300
}

impl RawFault {
    /// Checks one rule; the error names the offending value.
    pub fn check(&self, origin: String) -> Result<Rule, String> {
        let outcomes = [
            self.return_code.is_some(),
            self.soap_fault.is_some(),
            self.http_status.is_some(),
            self.drop_connection == Some(true),
        ];
        if outcomes.iter().filter(|x| **x).count() > 1 {
            return Err(
                "give at most one of return_code, soap_fault, http_status, drop_connection".into(),
            );
        }
        let effect = if let Some(c) = &self.return_code {
            Effect::Answer(
                ReturnCode::from_code(c)
                    .ok_or(format!("return_code {c:?} is not a VTJ return code"))?,
            )
        } else if let Some(t) = &self.soap_fault {
            Effect::SoapFault(t.clone())
        } else if let Some(s) = self.http_status {
            if s != 503 {
                return Err(format!("http_status {s}: only 503 is supported"));
            }
            Effect::Unavailable
        } else if self.drop_connection == Some(true) {
            Effect::Drop
        } else {
            Effect::None
        };
        let latency = match (self.latency_ms, self.latency_max_ms) {
            (None, None) => None,
            (Some(lo), None) => Some((lo, lo)),
            (lo, Some(hi)) => {
                let lo = lo.unwrap_or(0);
                if hi < lo {
                    return Err(format!("latency_max_ms {hi} is below latency_ms {lo}"));
                }
                Some((lo, hi))
            }
        }
        .map(|(lo, hi)| (Duration::from_millis(lo), Duration::from_millis(hi)));
        if effect == Effect::None && latency.is_none() {
            return Err("the rule does nothing: give a latency or an outcome".into());
        }
        let probability = self.probability.unwrap_or(1.0);
        if !(probability > 0.0 && probability <= 1.0) {
            return Err(format!("probability {probability} is not in (0, 1]"));
        }
        if let Some(op) = &self.operation
            && crate::operation::Operation::from_name(op).is_none()
        {
            return Err(format!("operation {op:?} does not exist"));
        }
        Ok(Rule {
            origin,
            hetu: self.hetu.clone(),
            organisation: self.organisation.clone(),
            product: self.product.as_deref().map(crate::products::normalise),
            operation: self.operation.clone(),
            probability,
            latency,
            effect,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q<'a>(key: &'a str, org: &'a str) -> Query<'a> {
        Query {
            key: Some(key),
            organisation: Some(org),
            product: Some("PERUSSANOMA 3"),
            operation: "TeeHenkilonTunnusKysely",
        }
    }

    #[test]
    fn every_given_criterion_must_match_and_the_first_rule_wins() {
        let raw = |org: Option<&str>, code: &str| RawFault {
            hetu: Some("020501A999T".into()),
            organisation: org.map(str::to_string),
            product: None,
            operation: None,
            probability: None,
            latency_ms: None,
            latency_max_ms: None,
            return_code: Some(code.into()),
            soap_fault: None,
            http_status: None,
            drop_connection: None,
        };
        let faults = Faults::new(vec![
            raw(Some("other"), "0019").check("a".into()).unwrap(),
            raw(None, "0007").check("b".into()).unwrap(),
        ]);
        assert_eq!(
            faults.find(&q("020501A999T", "demo")).unwrap().0.origin,
            "b"
        );
        assert_eq!(
            faults.find(&q("020501A999T", "other")).unwrap().0.origin,
            "a"
        );
        assert!(faults.find(&q("010180-9026", "demo")).is_none());
    }

    #[test]
    fn latency_ranges_and_probabilities_are_drawn() {
        let mut rule = reserved(Duration::from_secs(1)).remove(0);
        rule.latency = Some((Duration::from_millis(10), Duration::from_millis(20)));
        rule.probability = 0.5;
        let faults = Faults::new(vec![rule]);
        let mut hits = 0;
        for _ in 0..1000 {
            if let Some((_, Some(d))) = faults.find(&q("010100-990C", "x")) {
                assert!((10..=20).contains(&d.as_millis()));
                hits += 1;
            }
        }
        assert!((350..650).contains(&hits), "{hits} of 1000 at p = 0.5");
    }

    #[test]
    fn rules_that_cannot_be_are_refused() {
        let mut raw: RawFault =
            toml::from_str("return_code = \"0019\"\nsoap_fault = \"x\"").unwrap();
        assert!(raw.check("x".into()).unwrap_err().contains("at most one"));
        raw.soap_fault = None;
        raw.return_code = Some("1234".into());
        assert!(raw.check("x".into()).unwrap_err().contains("\"1234\""));
        let raw: RawFault = toml::from_str("hetu = \"x\"").unwrap();
        assert!(raw.check("x".into()).unwrap_err().contains("does nothing"));
        let raw: RawFault = toml::from_str("http_status = 500").unwrap();
        assert!(raw.check("x".into()).is_err());
        let raw: RawFault = toml::from_str("latency_ms = 5\nprobability = 0").unwrap();
        assert!(raw.check("x".into()).unwrap_err().contains("probability"));
    }

    #[test]
    fn reserved_codes_are_valid_test_identity_codes() {
        for r in reserved(Duration::from_secs(1)) {
            let h: crate::ids::Hetu = r.hetu.as_deref().unwrap().parse().unwrap();
            assert!(h.is_temporary());
        }
    }
}
