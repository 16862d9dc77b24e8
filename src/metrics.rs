//! In-process metrics the operator cares about: queries by operation, product, organisation
//! and return code with latency histograms, refused TLS handshakes by reason, locked
//! service users and quota refusals, and their Prometheus text form. Counting and
//! rendering only; serving them is [`crate::monitor`]'s job.

use std::collections::{BTreeMap, HashMap};
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

/// Upper bounds (seconds) of the latency histogram buckets.
pub const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                self.counts[i] += 1;
            }
        }
        self.count += 1;
        self.sum += seconds;
    }
}

/// (operation, product, organisation, return code)
type QueryKey = (String, String, String, String);

/// The query counters, found on every query by the four labels' bytes (each after its
/// length) without building the key's strings; read, rarely, in the labels' order.
#[derive(Debug, Default)]
struct QueryCounts {
    slots: HashMap<Box<[u8]>, usize>,
    keys: Vec<QueryKey>,
    counts: Vec<u64>,
}

impl QueryCounts {
    fn add(&mut self, labels: [&str; 4]) {
        thread_local! {
            static ENCODED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        ENCODED.with_borrow_mut(|encoded| {
            encoded.clear();
            for l in labels {
                encoded.extend_from_slice(&(l.len() as u64).to_le_bytes());
                encoded.extend_from_slice(l.as_bytes());
            }
            match self.slots.get(encoded.as_slice()) {
                Some(&i) => self.counts[i] += 1,
                None => {
                    self.slots
                        .insert(encoded.as_slice().into(), self.keys.len());
                    let [op, product, org, code] = labels.map(str::to_string);
                    self.keys.push((op, product, org, code));
                    self.counts.push(1);
                }
            }
        });
    }

    /// The counters in the labels' order.
    fn sorted(&self) -> BTreeMap<&QueryKey, u64> {
        self.keys.iter().zip(self.counts.iter().copied()).collect()
    }
}

#[derive(Debug, Default)]
pub struct Metrics {
    handshake_failures: Mutex<BTreeMap<&'static str, u64>>,
    lockouts: AtomicU64,
    quota_refusals: AtomicU64,
    faults: Mutex<BTreeMap<&'static str, u64>>,
    reloads: Mutex<BTreeMap<&'static str, u64>>,
    queries: Mutex<QueryCounts>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    /// The same latencies by organisation (the console's live view reads them).
    org_latency: Mutex<BTreeMap<String, Histogram>>,
}

/// The query counters at one moment, by organisation: what the console's live view
/// differences over time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// (organisation, return code) → queries so far.
    pub queries: BTreeMap<(String, String), u64>,
    /// organisation → cumulative bucket counts (as [`BUCKETS`]) and the total count.
    pub latency: BTreeMap<String, ([u64; BUCKETS.len()], u64)>,
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

    /// Counts a configuration reload: `applied` or `refused`.
    pub fn config_reload(&self, result: &'static str) {
        *self
            .reloads
            .lock()
            .expect("not poisoned")
            .entry(result)
            .or_default() += 1;
    }

    pub fn config_reloads(&self) -> BTreeMap<&'static str, u64> {
        self.reloads.lock().expect("not poisoned").clone()
    }

    /// Counts one injected fault by kind.
    pub fn fault_injected(&self, kind: &'static str) {
        *self
            .faults
            .lock()
            .expect("not poisoned")
            .entry(kind)
            .or_default() += 1;
    }

    pub fn faults_injected(&self) -> BTreeMap<&'static str, u64> {
        self.faults.lock().expect("not poisoned").clone()
    }

    /// Counts one answered query and its latency.
    pub fn query(
        &self,
        operation: &str,
        product: &str,
        organisation: &str,
        code: &str,
        seconds: f64,
    ) {
        self.queries
            .lock()
            .expect("not poisoned")
            .add([operation, product, organisation, code]);
        observe(&self.latency, operation, seconds);
        observe(&self.org_latency, organisation, seconds);
    }

    /// The query counters now, by organisation and return code.
    pub fn snapshot(&self) -> Snapshot {
        let mut s = Snapshot::default();
        for ((_, _, org, code), n) in self.queries.lock().expect("not poisoned").sorted() {
            *s.queries.entry((org.clone(), code.clone())).or_default() += n;
        }
        for (org, h) in self.org_latency.lock().expect("not poisoned").iter() {
            s.latency.insert(org.clone(), (h.counts, h.count));
        }
        s
    }

    /// Queries counted with this return code, over every other label.
    pub fn queries_with_code(&self, code: &str) -> u64 {
        self.queries
            .lock()
            .expect("not poisoned")
            .sorted()
            .into_iter()
            .filter(|((_, _, _, c), _)| c == code)
            .map(|(_, n)| n)
            .sum()
    }

    /// The Prometheus text exposition (version 0.0.4); `gauges` are added as given.
    pub fn render(&self, gauges: &[(&str, &str, f64)]) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP vtj_queries_total Queries answered, by operation, product, organisation and return code."
        );
        let _ = writeln!(out, "# TYPE vtj_queries_total counter");
        for ((op, product, org, code), n) in self.queries.lock().expect("not poisoned").sorted() {
            let _ = writeln!(
                out,
                "vtj_queries_total{{operation=\"{}\",product=\"{}\",organisation=\"{}\",code=\"{}\"}} {n}",
                label(op),
                label(product),
                label(org),
                label(code)
            );
        }
        let _ = writeln!(
            out,
            "# HELP vtj_query_duration_seconds Time from request received to answer ready."
        );
        let _ = writeln!(out, "# TYPE vtj_query_duration_seconds histogram");
        for (op, h) in self.latency.lock().expect("not poisoned").iter() {
            histogram(
                &mut out,
                "vtj_query_duration_seconds",
                &format!("operation=\"{}\"", label(op)),
                h,
            );
        }
        let _ = writeln!(
            out,
            "# HELP vtj_organisation_query_duration_seconds Time from request received to answer ready, by organisation."
        );
        let _ = writeln!(
            out,
            "# TYPE vtj_organisation_query_duration_seconds histogram"
        );
        for (org, h) in self.org_latency.lock().expect("not poisoned").iter() {
            histogram(
                &mut out,
                "vtj_organisation_query_duration_seconds",
                &format!("organisation=\"{}\"", label(org)),
                h,
            );
        }
        let _ = writeln!(
            out,
            "# HELP vtj_tls_handshake_failures_total Refused TLS handshakes, by reason."
        );
        let _ = writeln!(out, "# TYPE vtj_tls_handshake_failures_total counter");
        for (reason, n) in self.handshake_failures() {
            let _ = writeln!(
                out,
                "vtj_tls_handshake_failures_total{{reason=\"{reason}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP vtj_user_lockouts_total Service users locked after repeated wrong passwords."
        );
        let _ = writeln!(out, "# TYPE vtj_user_lockouts_total counter");
        let _ = writeln!(out, "vtj_user_lockouts_total {}", self.lockouts());
        let _ = writeln!(
            out,
            "# HELP vtj_quota_refusals_total Queries refused for an organisation's quota."
        );
        let _ = writeln!(out, "# TYPE vtj_quota_refusals_total counter");
        let _ = writeln!(out, "vtj_quota_refusals_total {}", self.quota_refusals());
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} gauge");
            let _ = writeln!(out, "{name} {value}");
        }
        out
    }
}

/// Writes one histogram's bucket, sum and count lines under `labels`.
fn histogram(out: &mut String, name: &str, labels: &str, h: &Histogram) {
    use std::fmt::Write as _;
    for (b, n) in BUCKETS.iter().zip(h.counts) {
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{b}\"}} {n}");
    }
    let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", h.count);
    let _ = writeln!(out, "{name}_sum{{{labels}}} {}", h.sum);
    let _ = writeln!(out, "{name}_count{{{labels}}} {}", h.count);
}

/// Escapes a label value (backslash, quote, newline).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Observes `seconds` in the histogram of `label`, allocating the label only the first time.
fn observe(histograms: &Mutex<BTreeMap<String, Histogram>>, label: &str, seconds: f64) {
    let mut histograms = histograms.lock().expect("not poisoned");
    match histograms.get_mut(label) {
        Some(h) => h.observe(seconds),
        None => histograms
            .entry(label.to_string())
            .or_default()
            .observe(seconds),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histograms_and_escaped_labels() {
        let m = Metrics::default();
        m.query(
            "TeeHenkilonTunnusKysely",
            "PERUSSANOMA 3",
            "de\"mo",
            "0000",
            0.003,
        );
        m.query(
            "TeeHenkilonTunnusKysely",
            "PERUSSANOMA 3",
            "de\"mo",
            "0000",
            2.0,
        );
        m.handshake_failed("expired");
        let text = m.render(&[("vtj_registry_persons", "Persons stored.", 3.0)]);
        assert!(text.contains(r#"vtj_queries_total{operation="TeeHenkilonTunnusKysely",product="PERUSSANOMA 3",organisation="de\"mo",code="0000"} 2"#), "{text}");
        assert!(text.contains(r#"vtj_query_duration_seconds_bucket{operation="TeeHenkilonTunnusKysely",le="0.005"} 1"#), "{text}");
        assert!(text.contains(r#"vtj_query_duration_seconds_bucket{operation="TeeHenkilonTunnusKysely",le="+Inf"} 2"#), "{text}");
        assert!(text.contains(r#"vtj_tls_handshake_failures_total{reason="expired"} 1"#));
        assert!(text.contains("vtj_registry_persons 3"));
        assert!(text.contains(r#"vtj_organisation_query_duration_seconds_bucket{organisation="de\"mo",le="0.005"} 1"#), "{text}");
        let snap = m.snapshot();
        assert_eq!(snap.queries[&("de\"mo".to_string(), "0000".to_string())], 2);
        assert_eq!(snap.latency["de\"mo"].1, 2);
        assert_eq!(m.queries_with_code("0000"), 2);
    }

    /// Each set of labels is a counter of its own, however the labels' texts run together,
    /// and the counters are listed in the labels' order whatever order they came in.
    #[test]
    fn query_counters_are_kept_apart_and_listed_in_order() {
        let m = Metrics::default();
        for (op, product) in [("b", "x"), ("ab", "c"), ("a", "bc"), ("ab", "c"), ("a", "")] {
            m.query(op, product, "org", "0000", 0.001);
        }
        let text = m.render(&[]);
        let counters: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("vtj_queries_total{"))
            .collect();
        let line = |op: &str, product: &str, n: u64| {
            format!(
                r#"vtj_queries_total{{operation="{op}",product="{product}",organisation="org",code="0000"}} {n}"#
            )
        };
        assert_eq!(
            counters,
            [
                line("a", "", 1),
                line("a", "bc", 1),
                line("ab", "c", 2),
                line("b", "x", 1)
            ]
        );
        assert_eq!(m.queries_with_code("0000"), 5);
    }
}
