//! Password-guessing protection: consecutive wrong passwords for one service user lock it
//! for a cooling period; while locked every attempt is refused (the caller answers -1500 as
//! for any wrong pair). A lock lifts by itself when the period ends; a success resets the
//! count. In memory only: a restart forgives, which errs on the side of availability.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Lockout policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Wrong passwords in a row that lock the user.
    pub max_failures: u32,
    /// How long a lock lasts.
    pub cooling: Duration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            cooling: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Default)]
struct Entry {
    failures: u32,
    locked_until: Option<Instant>,
}

/// Failure counts and locks by organisation id, then Kayttajatunnus (looked up by the
/// request's strings, without building a key: every query checks its user).
#[derive(Debug, Default)]
pub struct Lockouts {
    entries: Mutex<HashMap<String, HashMap<String, Entry>>>,
}

/// What a failure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Counted(u32),
    /// This failure locked the user.
    Locked,
}

impl Lockouts {
    /// True while the user is locked.
    pub fn is_locked(&self, org: &str, user: &str, now: Instant) -> bool {
        let mut map = self.entries.lock().expect("not poisoned");
        let Some(users) = map.get_mut(org) else {
            return false;
        };
        match users.get(user).and_then(|e| e.locked_until) {
            Some(t) if now < t => true,
            Some(_) => {
                users.remove(user);
                if users.is_empty() {
                    map.remove(org);
                }
                false
            }
            None => false,
        }
    }

    pub fn record_failure(
        &self,
        policy: LockoutPolicy,
        org: &str,
        user: &str,
        now: Instant,
    ) -> Failure {
        let mut map = self.entries.lock().expect("not poisoned");
        let e = map
            .entry(org.to_string())
            .or_default()
            .entry(user.to_string())
            .or_default();
        e.failures += 1;
        if e.failures >= policy.max_failures {
            e.failures = 0;
            e.locked_until = Some(now + policy.cooling);
            Failure::Locked
        } else {
            Failure::Counted(e.failures)
        }
    }

    pub fn record_success(&self, org: &str, user: &str) {
        let mut map = self.entries.lock().expect("not poisoned");
        if let Some(users) = map.get_mut(org)
            && users.remove(user).is_some()
            && users.is_empty()
        {
            map.remove(org);
        }
    }

    /// Users locked now, for `config check` and metrics.
    pub fn locked_count(&self, now: Instant) -> usize {
        self.entries
            .lock()
            .expect("not poisoned")
            .values()
            .flat_map(HashMap::values)
            .filter(|e| e.locked_until.is_some_and(|t| now < t))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_repeated_failures_and_unlocks_by_itself() {
        let policy = LockoutPolicy {
            max_failures: 3,
            cooling: Duration::from_secs(60),
        };
        let l = Lockouts::default();
        let t0 = Instant::now();
        assert_eq!(l.record_failure(policy, "o", "u", t0), Failure::Counted(1));
        assert_eq!(l.record_failure(policy, "o", "u", t0), Failure::Counted(2));
        assert!(!l.is_locked("o", "u", t0));
        assert_eq!(l.record_failure(policy, "o", "u", t0), Failure::Locked);
        assert!(l.is_locked("o", "u", t0 + Duration::from_secs(59)));
        assert!(!l.is_locked("o", "other", t0));
        assert!(!l.is_locked("p", "u", t0));
        assert_eq!(l.locked_count(t0), 1);
        assert!(!l.is_locked("o", "u", t0 + Duration::from_secs(60)));
        assert_eq!(l.locked_count(t0 + Duration::from_secs(61)), 0);
    }

    #[test]
    fn a_success_resets_the_count() {
        let policy = LockoutPolicy {
            max_failures: 2,
            cooling: Duration::from_secs(60),
        };
        let l = Lockouts::default();
        let t0 = Instant::now();
        l.record_failure(policy, "o", "u", t0);
        l.record_success("o", "u");
        assert_eq!(l.record_failure(policy, "o", "u", t0), Failure::Counted(1));
    }
}
