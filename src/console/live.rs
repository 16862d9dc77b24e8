//! The live view: queries per second, return codes and latency percentiles per
//! organisation over the last minutes, drawn from the same counters as `/metrics`
//! ([`crate::metrics::Metrics::snapshot`]). A background task samples the counters every
//! [`super::history::INTERVAL`] and keeps [`super::history::KEEP`] samples; the page polls `/live/data` (JSON) and redraws
//! its chart. An organisation's users see their organisation only.

use std::collections::BTreeMap;
use std::sync::Weak;

use hyper::StatusCode;
use serde::Serialize;

use crate::metrics::{BUCKETS, Snapshot};

use super::history::INTERVAL;
use super::html;
use super::page::{Reply, Req};
use super::session::Session;
use super::state::Console;

/// Samples `console`'s counters until the console is gone.
pub fn start_sampling(console: Weak<Console>) {
    tokio::spawn(async move {
        loop {
            match console.upgrade() {
                Some(c) => c.live.push(
                    jiff::Timestamp::now().as_millisecond(),
                    c.app.metrics.snapshot(),
                ),
                None => return,
            }
            tokio::time::sleep(INTERVAL).await;
        }
    });
}

/// One organisation over the window.
#[derive(Debug, Serialize, PartialEq)]
pub struct OrgView {
    pub organisation: String,
    /// Queries per second in each interval (oldest first), aligned with `Window::times`.
    pub qps: Vec<f64>,
    /// Queries by return code over the window.
    pub codes: BTreeMap<String, u64>,
    /// Latency percentiles over the window, milliseconds (`None` without queries).
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub queries: u64,
}

/// The JSON the page draws.
#[derive(Debug, Serialize, PartialEq)]
pub struct Window {
    /// End of each interval, Unix milliseconds.
    pub times: Vec<i64>,
    pub organisations: Vec<OrgView>,
}

/// The view of `samples` over the last `minutes`, for `only` one organisation or all.
pub fn window(samples: &[(i64, Snapshot)], minutes: i64, only: Option<&str>) -> Window {
    let Some(&(end, _)) = samples.last() else {
        return Window {
            times: Vec::new(),
            organisations: Vec::new(),
        };
    };
    let from = end - minutes * 60_000;
    let start = samples.iter().position(|(t, _)| *t >= from).unwrap_or(0);
    let picked = &samples[start..];
    let mut orgs: Vec<String> = picked
        .iter()
        .flat_map(|(_, s)| s.queries.keys().map(|(o, _)| o.clone()))
        .collect();
    orgs.sort();
    orgs.dedup();
    orgs.retain(|o| only.is_none_or(|x| x == o));
    let total = |s: &Snapshot, org: &str| -> u64 {
        s.queries
            .iter()
            .filter(|((o, _), _)| o == org)
            .map(|(_, n)| n)
            .sum()
    };
    let times = picked.iter().skip(1).map(|(t, _)| *t).collect();
    let organisations = orgs
        .into_iter()
        .map(|org| {
            let qps = picked
                .windows(2)
                .map(|w| {
                    let secs = (w[1].0 - w[0].0).max(1) as f64 / 1000.0;
                    total(&w[1].1, &org).saturating_sub(total(&w[0].1, &org)) as f64 / secs
                })
                .collect();
            let (first, last) = (&picked[0].1, &picked[picked.len() - 1].1);
            let mut codes = BTreeMap::new();
            for ((o, code), n) in &last.queries {
                if *o == org {
                    let before = first
                        .queries
                        .get(&(o.clone(), code.clone()))
                        .copied()
                        .unwrap_or(0);
                    if *n > before {
                        codes.insert(code.clone(), n - before);
                    }
                }
            }
            let zero = ([0u64; BUCKETS.len()], 0u64);
            let (b1, c1) = last.latency.get(&org).unwrap_or(&zero);
            let (b0, c0) = first.latency.get(&org).unwrap_or(&zero);
            let mut buckets = [0u64; BUCKETS.len()];
            for i in 0..BUCKETS.len() {
                buckets[i] = b1[i].saturating_sub(b0[i]);
            }
            let count = c1.saturating_sub(*c0);
            OrgView {
                qps,
                codes,
                p50_ms: percentile(&buckets, count, 0.50),
                p90_ms: percentile(&buckets, count, 0.90),
                p99_ms: percentile(&buckets, count, 0.99),
                queries: count,
                organisation: org,
            }
        })
        .collect();
    Window {
        times,
        organisations,
    }
}

/// The `q` quantile (milliseconds) of a histogram of cumulative bucket counts, linearly
/// interpolated within its bucket, as Prometheus' `histogram_quantile` does; past the last
/// bound the last bound is answered.
pub fn percentile(cumulative: &[u64; BUCKETS.len()], count: u64, q: f64) -> Option<f64> {
    if count == 0 {
        return None;
    }
    let rank = q * count as f64;
    let mut lower_bound = 0.0;
    let mut lower_count = 0u64;
    for (i, &c) in cumulative.iter().enumerate() {
        if c as f64 >= rank {
            let in_bucket = (c - lower_count).max(1) as f64;
            let frac = (rank - lower_count as f64) / in_bucket;
            return Some((lower_bound + (BUCKETS[i] - lower_bound) * frac) * 1000.0);
        }
        lower_bound = BUCKETS[i];
        lower_count = c;
    }
    Some(BUCKETS[BUCKETS.len() - 1] * 1000.0)
}

/// `GET /live`: the page; its script polls `/live/data`.
pub fn page(s: &Session) -> Reply {
    let scope = match s.role.organisation() {
        Some(o) => format!("organisation {}", html::esc(o)),
        None => "every organisation".into(),
    };
    let body = format!(
        "<p>Queries per second, return codes and latency percentiles of {scope}, from the counters behind <code>/metrics</code>, sampled every {} s. <label>Window <select id=\"live-minutes\"><option value=\"1\">1 min</option><option value=\"5\" selected>5 min</option><option value=\"10\">10 min</option></select></label></p><div id=\"live\" data-live=\"/live/data\"><p id=\"live-status\">Loading…</p></div>",
        INTERVAL.as_secs()
    );
    Reply::page("Live", s, &body)
}

/// `GET /live/data?minutes=N`: the window as JSON.
pub fn data(c: &Console, req: &Req, s: &Session) -> Reply {
    let minutes = match req.param("minutes") {
        "" => 5,
        m => match m.parse::<i64>() {
            Ok(n) if (1..=10).contains(&n) => n,
            _ => {
                return Reply {
                    status: StatusCode::BAD_REQUEST,
                    ..Reply::typed(
                        "application/json",
                        serde_json::json!({"error": format!("minutes {m:?} is not a number from 1 to 10")}).to_string(),
                    )
                };
            }
        },
    };
    let samples: Vec<_> = c
        .live
        .samples
        .lock()
        .expect("not poisoned")
        .iter()
        .cloned()
        .collect();
    let w = window(&samples, minutes, s.role.organisation());
    Reply::typed(
        "application/json",
        serde_json::to_string(&w).expect("a window serialises"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(org: &str, ok: u64, refused: u64, fast: u64, slow: u64) -> Snapshot {
        let mut s = Snapshot::default();
        s.queries.insert((org.into(), "0000".into()), ok);
        s.queries.insert((org.into(), "-1500".into()), refused);
        let mut b = [0u64; BUCKETS.len()];
        for (i, bound) in BUCKETS.iter().enumerate() {
            // `fast` queries took 0.4 ms, `slow` 40 ms.
            b[i] = if *bound >= 0.0005 { fast } else { 0 } + if *bound >= 0.05 { slow } else { 0 };
        }
        s.latency.insert(org.into(), (b, fast + slow));
        s
    }

    #[test]
    fn the_window_differences_counters_per_organisation() {
        let samples = vec![
            (0, snap("demo", 10, 1, 11, 0)),
            (2000, snap("demo", 30, 1, 31, 0)),
            (4000, snap("demo", 30, 3, 31, 2)),
        ];
        let w = window(&samples, 5, None);
        assert_eq!(w.times, [2000, 4000]);
        let d = &w.organisations[0];
        assert_eq!(d.qps, [10.0, 1.0]);
        assert_eq!(d.codes.get("0000"), Some(&20));
        assert_eq!(d.codes.get("-1500"), Some(&2));
        assert_eq!(d.queries, 22);
        assert!(d.p50_ms.unwrap() <= 0.5, "{:?}", d.p50_ms);
        assert!(d.p99_ms.unwrap() > 25.0, "{:?}", d.p99_ms);
        assert!(window(&samples, 5, Some("other")).organisations.is_empty());
        assert_eq!(percentile(&[0; BUCKETS.len()], 0, 0.5), None);
    }
}
