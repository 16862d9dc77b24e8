//! What the load harness measured and how it is shown: a connection's tally (HDR latency
//! histogram, answers, errors, return codes), tallies added up per target and in total,
//! and the report as text or JSON. Knows nothing of TLS, requests or targets' addresses.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Latencies above this are clamped into the histogram's top bucket.
pub const MAX_LATENCY_US: u64 = 60_000_000;

/// Error descriptions kept per tally (distinct ones).
const MAX_SAMPLES: usize = 5;

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub min: f64,
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

/// What one connection task (or a sum of them) measured.
pub struct Tally {
    pub hist: Histogram<u64>,
    pub ok: u64,
    pub errors: u64,
    pub bytes: u64,
    pub samples: Vec<String>,
    pub codes: BTreeMap<String, u64>,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            hist: Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("valid histogram bounds"),
            ok: 0,
            errors: 0,
            bytes: 0,
            samples: Vec::new(),
            codes: BTreeMap::new(),
        }
    }
}

impl Tally {
    /// An HTTP 200 answer of `bytes` with VTJ return code `code`, after `latency_us`.
    pub fn answer(&mut self, bytes: u64, code: Option<String>, latency_us: u64) {
        self.ok += 1;
        self.bytes += bytes;
        *self
            .codes
            .entry(code.unwrap_or_else(|| "none".into()))
            .or_default() += 1;
        let _ = self.hist.record(latency_us.clamp(1, MAX_LATENCY_US));
    }

    /// A failed request.
    pub fn error(&mut self, e: String) {
        self.errors += 1;
        self.sample(e);
    }

    fn sample(&mut self, e: String) {
        if self.samples.len() < MAX_SAMPLES && !self.samples.contains(&e) {
            self.samples.push(e);
        }
    }

    /// Adds `other` to this tally.
    pub fn add(&mut self, other: &Tally) {
        let _ = self.hist.add(&other.hist);
        self.ok += other.ok;
        self.errors += other.errors;
        self.bytes += other.bytes;
        for (code, n) in &other.codes {
            *self.codes.entry(code.clone()).or_default() += n;
        }
        for s in &other.samples {
            self.sample(s.clone());
        }
    }

    /// The histogram's percentiles (zeros when nothing was answered).
    pub fn latency(&self) -> Latency {
        let h = &self.hist;
        if h.is_empty() {
            return Latency {
                min: 0.0,
                mean: 0.0,
                p50: 0.0,
                p90: 0.0,
                p99: 0.0,
                p999: 0.0,
                max: 0.0,
            };
        }
        let ms = |us: u64| us as f64 / 1000.0;
        Latency {
            min: ms(h.min()),
            mean: h.mean() / 1000.0,
            p50: ms(h.value_at_quantile(0.5)),
            p90: ms(h.value_at_quantile(0.9)),
            p99: ms(h.value_at_quantile(0.99)),
            p999: ms(h.value_at_quantile(0.999)),
            max: ms(h.max()),
        }
    }

    /// Successful answers per second over `elapsed_s`.
    pub fn throughput(&self, elapsed_s: f64) -> f64 {
        self.ok as f64 / elapsed_s.max(1e-9)
    }
}

/// One target's share of a run.
#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    pub target: String,
    /// Connections sent to this target.
    pub connections: usize,
    pub requests: u64,
    pub ok: u64,
    pub errors: u64,
    pub error_samples: Vec<String>,
    /// This target's successful answers per second over the whole run.
    pub throughput_rps: f64,
    pub return_codes: BTreeMap<String, u64>,
    pub latency_ms: Latency,
}

impl TargetReport {
    pub fn of(target: String, connections: usize, t: &Tally, elapsed_s: f64) -> TargetReport {
        TargetReport {
            target,
            connections,
            requests: t.ok + t.errors,
            ok: t.ok,
            errors: t.errors,
            error_samples: t.samples.clone(),
            throughput_rps: t.throughput(elapsed_s),
            return_codes: t.codes.clone(),
            latency_ms: t.latency(),
        }
    }
}

/// The outcome of a run: the totals over every target, then each target's share.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The targets' URLs, `, `-separated.
    pub target: String,
    pub connections: usize,
    /// `keep-alive` or `new-connection`.
    pub mode: &'static str,
    /// The fixed rate asked for (open loop), or null for full speed.
    pub rate: Option<f64>,
    /// `TeeHenkilonTunnusKysely` or `TeeHenkilonTunnistusKysely`.
    pub operation: &'static str,
    pub persons: usize,
    pub products: Vec<String>,
    /// Seconds spent opening the kept-alive connections before the clock started (0 with
    /// `--new-connection`, where every request opens its own).
    pub opened_in_s: f64,
    /// Wall-clock seconds from the first request to the last answer.
    pub elapsed_s: f64,
    /// Requests sent (answered or failed).
    pub requests: u64,
    /// Answers with HTTP 200.
    pub ok: u64,
    /// Transport failures and answers other than HTTP 200.
    pub errors: u64,
    /// Up to five distinct error descriptions.
    pub error_samples: Vec<String>,
    /// Successful answers per second.
    pub throughput_rps: f64,
    /// Response body bytes received.
    pub bytes_received: u64,
    /// How many HTTP 200 answers carried each VTJ return code (`Paluukoodi koodi`; `none`
    /// for an answer without one, such as a SOAP fault).
    pub return_codes: BTreeMap<String, u64>,
    /// Latency of successful requests (from the intended send time in open loop).
    pub latency_ms: Latency,
    /// Each target's share, in the order the targets were given.
    pub per_target: Vec<TargetReport>,
}

fn codes_text(codes: &BTreeMap<String, u64>) -> String {
    let codes: Vec<String> = codes.iter().map(|(c, n)| format!("{c} × {n}")).collect();
    codes.join(", ")
}

impl Report {
    pub fn text(&self) -> String {
        let l = &self.latency_ms;
        let rate = match self.rate {
            Some(r) => format!("fixed rate {r}/s (open loop)"),
            None => "full speed (closed loop)".to_string(),
        };
        let mut s = format!(
            "target      {}\nload        {} connection(s), {}, {}\nqueries     {} of {} person(s) × {}\n\
             requests    {} in {:.2} s: {} ok, {} errors\nthroughput  {:.1} requests/s ({:.1} KiB/s received)\n\
             latency ms  min {:.3}  mean {:.3}  p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}\n",
            self.target,
            self.connections,
            self.mode,
            rate,
            self.operation,
            self.persons,
            self.products.join(", "),
            self.requests,
            self.elapsed_s,
            self.ok,
            self.errors,
            self.throughput_rps,
            self.bytes_received as f64 / 1024.0 / self.elapsed_s.max(1e-9),
            l.min,
            l.mean,
            l.p50,
            l.p90,
            l.p99,
            l.p999,
            l.max
        );
        if self.opened_in_s > 0.0 {
            s.push_str(&format!(
                "setup       connections opened in {:.3} s before the clock started\n",
                self.opened_in_s
            ));
        }
        if !self.return_codes.is_empty() {
            s.push_str(&format!("codes       {}\n", codes_text(&self.return_codes)));
        }
        for e in &self.error_samples {
            s.push_str(&format!("error       {e}\n"));
        }
        if self.per_target.len() > 1 {
            for (i, t) in self.per_target.iter().enumerate() {
                s.push_str(&format!(
                    "target {}    {}: {} connection(s), {} ok, {} errors, {:.1} requests/s, p50 {:.3}  p99 {:.3} ms; codes {}\n",
                    i + 1,
                    t.target,
                    t.connections,
                    t.ok,
                    t.errors,
                    t.throughput_rps,
                    t.latency_ms.p50,
                    t.latency_ms.p99,
                    codes_text(&t.return_codes)
                ));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(answers: &[(u64, &str)], errors: &[&str]) -> Tally {
        let mut t = Tally::default();
        for (us, code) in answers {
            t.answer(100, Some(code.to_string()), *us);
        }
        for e in errors {
            t.error(e.to_string());
        }
        t
    }

    /// Tallies add up: the totals are the sum of the targets' shares, code by code.
    #[test]
    fn per_target_tallies_add_up_to_the_totals() {
        let a = tally(&[(1000, "0000"), (3000, "0000")], &["connect: refused"]);
        let b = tally(
            &[(2000, "0000"), (5000, "0001")],
            &["connect: refused", "HTTP 500"],
        );
        let mut all = Tally::default();
        all.add(&a);
        all.add(&b);
        assert_eq!((all.ok, all.errors, all.bytes), (4, 3, 400));
        let codes: Vec<(&str, u64)> = all.codes.iter().map(|(c, n)| (c.as_str(), *n)).collect();
        assert_eq!(codes, vec![("0000", 3), ("0001", 1)]);
        assert_eq!(all.samples, vec!["connect: refused", "HTTP 500"]);
        let l = all.latency();
        assert!(
            (l.min - 1.0).abs() < 0.01 && (l.max - 5.0).abs() < 0.01,
            "{l:?}"
        );
        let r = TargetReport::of("t".into(), 2, &b, 2.0);
        assert_eq!((r.requests, r.ok, r.errors), (4, 2, 2));
        assert!((r.throughput_rps - 1.0).abs() < 1e-9);
        assert!(Tally::default().latency().p99 == 0.0);
    }
}
