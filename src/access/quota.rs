//! Bulk-use limits per organisation: a rate (token bucket of `per_second` with a burst of
//! the same size) and a daily count that restarts at midnight Finnish time. Queries over
//! either are refused, so the interface cannot be used to copy or refresh a whole register.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// An organisation's limits; `None` means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Quota {
    pub per_second: Option<u32>,
    pub per_day: Option<u32>,
}

/// Which limit refused a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverQuota {
    Rate,
    Daily,
}

impl OverQuota {
    pub fn reason(self) -> &'static str {
        match self {
            OverQuota::Rate => "rate quota exceeded",
            OverQuota::Daily => "daily quota exceeded",
        }
    }
}

#[derive(Debug)]
struct Usage {
    tokens: f64,
    refilled: Instant,
    day: jiff::civil::Date,
    today: u32,
}

/// Usage by organisation id.
#[derive(Debug, Default)]
pub struct Quotas {
    usage: Mutex<HashMap<String, Usage>>,
}

impl Quotas {
    /// Counts one query against the organisation's limits, or refuses it (not counted).
    pub fn admit(
        &self,
        org: &str,
        quota: Quota,
        now: Instant,
        today: jiff::civil::Date,
    ) -> Result<(), OverQuota> {
        if quota.per_second.is_none() && quota.per_day.is_none() {
            return Ok(());
        }
        let mut map = self.usage.lock().expect("not poisoned");
        let u = map.entry(org.to_string()).or_insert_with(|| Usage {
            tokens: quota.per_second.unwrap_or(0) as f64,
            refilled: now,
            day: today,
            today: 0,
        });
        if u.day != today {
            u.day = today;
            u.today = 0;
        }
        if let Some(rate) = quota.per_second {
            let elapsed = now.saturating_duration_since(u.refilled).as_secs_f64();
            u.tokens = (u.tokens + elapsed * rate as f64).min(rate as f64);
            u.refilled = now;
            if u.tokens < 1.0 {
                return Err(OverQuota::Rate);
            }
        }
        if let Some(daily) = quota.per_day
            && u.today >= daily
        {
            return Err(OverQuota::Daily);
        }
        if quota.per_second.is_some() {
            u.tokens -= 1.0;
        }
        u.today += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn day(d: i8) -> jiff::civil::Date {
        jiff::civil::date(2026, 11, d)
    }

    #[test]
    fn the_rate_refills_over_time() {
        let q = Quotas::default();
        let quota = Quota {
            per_second: Some(2),
            per_day: None,
        };
        let t0 = Instant::now();
        assert!(q.admit("o", quota, t0, day(1)).is_ok());
        assert!(q.admit("o", quota, t0, day(1)).is_ok());
        assert_eq!(q.admit("o", quota, t0, day(1)), Err(OverQuota::Rate));
        assert!(q.admit("other", quota, t0, day(1)).is_ok());
        assert!(
            q.admit("o", quota, t0 + Duration::from_millis(600), day(1))
                .is_ok()
        );
    }

    #[test]
    fn the_daily_count_restarts_on_a_new_day() {
        let q = Quotas::default();
        let quota = Quota {
            per_second: None,
            per_day: Some(2),
        };
        let t0 = Instant::now();
        assert!(q.admit("o", quota, t0, day(1)).is_ok());
        assert!(q.admit("o", quota, t0, day(1)).is_ok());
        assert_eq!(q.admit("o", quota, t0, day(1)), Err(OverQuota::Daily));
        assert!(q.admit("o", quota, t0, day(2)).is_ok());
    }

    #[test]
    fn no_limits_admit_everything() {
        let q = Quotas::default();
        for _ in 0..1000 {
            assert!(
                q.admit("o", Quota::default(), Instant::now(), day(1))
                    .is_ok()
            );
        }
    }
}
