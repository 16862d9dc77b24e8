//! Idle service users: the last successful use of each `Kayttajatunnus` is kept in the
//! store (so it survives restarts), and a user unused for the configured period (default
//! four months, calendar months in Finnish time) is deactivated until an administrator
//! reactivates it in the config (`reactivated = "YYYY-MM-DD"`).

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use jiff::{Span, SpanFieldwise, Timestamp, ToSpan};

const TREE: &str = "access.last_use";

/// Whether a user may still be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleStatus {
    /// Active; deactivates at this time unless used before.
    Active { deactivates_at: Timestamp },
    /// Deactivated since this time.
    Deactivated { since: Timestamp },
}

/// The default idle period.
pub fn default_idle_after() -> Span {
    4.months()
}

/// Decides the status from the last use (or first sighting) and a reactivation time.
pub fn status(
    last_use: Timestamp,
    reactivated: Option<Timestamp>,
    idle_after: Span,
    now: Timestamp,
) -> IdleStatus {
    let since = reactivated.map_or(last_use, |r| r.max(last_use));
    let ends = deadline(since, idle_after);
    if now >= ends {
        IdleStatus::Deactivated { since: ends }
    } else {
        IdleStatus::Active {
            deactivates_at: ends,
        }
    }
}

/// When a user last used at `since` deactivates: `idle_after` later in Finnish time. The
/// last deadline worked out on this thread is kept: every query asks, and the last use
/// moves at most once an hour (the arithmetic in the time zone is the costly part).
fn deadline(since: Timestamp, idle_after: Span) -> Timestamp {
    thread_local! {
        static LAST: Cell<Option<(Timestamp, SpanFieldwise, Timestamp)>> =
            const { Cell::new(None) };
    }
    let period = idle_after.fieldwise();
    if let Some((s, p, ends)) = LAST.get()
        && s == since
        && p == period
    {
        return ends;
    }
    let ends = zoned_deadline(since, idle_after);
    LAST.set(Some((since, period, ends)));
    ends
}

/// [`deadline`] worked out.
fn zoned_deadline(since: Timestamp, idle_after: Span) -> Timestamp {
    since
        .to_zoned(crate::clock::helsinki().clone())
        .checked_add(idle_after)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MAX)
}

/// Last-use times in the store, with the values read or written by this process kept in
/// memory in front of it (every query reads its user's; the store is this process's own),
/// by organisation id, then user id, so that a query finds its user's without building a key.
#[derive(Clone)]
pub struct LastUse {
    tree: sled::Tree,
    seen: Arc<RwLock<HashMap<String, HashMap<String, Timestamp>>>>,
}

fn key(org: &str, user: &str) -> Vec<u8> {
    let mut k = org.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(user.as_bytes());
    k
}

impl LastUse {
    pub fn open(db: &sled::Db) -> sled::Result<Self> {
        Ok(LastUse {
            tree: db.open_tree(TREE)?,
            seen: Arc::default(),
        })
    }

    /// The last use, or when the user was first seen (recorded now if never).
    pub fn get_or_start(&self, org: &str, user: &str, now: Timestamp) -> sled::Result<Timestamp> {
        if let Some(t) = self.remembered(org, user) {
            return Ok(t);
        }
        let k = key(org, user);
        if let Some(v) = self.tree.get(&k)?
            && let Some(t) = decode(&v)
        {
            self.remember(org, user, t);
            return Ok(t);
        }
        self.tree.insert(k.as_slice(), encode(now))?;
        self.remember(org, user, now);
        Ok(now)
    }

    /// The recorded last use (or first sighting), without recording anything.
    pub fn get(&self, org: &str, user: &str) -> sled::Result<Option<Timestamp>> {
        if let Some(t) = self.remembered(org, user) {
            return Ok(Some(t));
        }
        Ok(self.tree.get(key(org, user))?.and_then(|v| decode(&v)))
    }

    pub fn touch(&self, org: &str, user: &str, now: Timestamp) -> sled::Result<()> {
        self.tree.insert(key(org, user), encode(now))?;
        self.remember(org, user, now);
        Ok(())
    }

    fn remembered(&self, org: &str, user: &str) -> Option<Timestamp> {
        let seen = self.seen.read().unwrap_or_else(|p| p.into_inner());
        seen.get(org).and_then(|users| users.get(user)).copied()
    }

    fn remember(&self, org: &str, user: &str, t: Timestamp) {
        let mut seen = self.seen.write().unwrap_or_else(|p| p.into_inner());
        let users = match seen.get_mut(org) {
            Some(users) => users,
            None => seen.entry(org.to_string()).or_default(),
        };
        users.insert(user.to_string(), t);
    }
}

fn encode(t: Timestamp) -> Vec<u8> {
    t.as_second().to_be_bytes().to_vec()
}

fn decode(v: &[u8]) -> Option<Timestamp> {
    let b: [u8; 8] = v.try_into().ok()?;
    Timestamp::from_second(i64::from_be_bytes(b)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn four_calendar_months_then_deactivated() {
        let last = ts("2026-01-31T10:00:00Z");
        let idle = default_idle_after();
        assert!(matches!(
            status(last, None, idle, ts("2026-05-30T10:00:00Z")),
            IdleStatus::Active { .. }
        ));
        assert!(matches!(
            status(last, None, idle, ts("2026-06-01T10:00:00Z")),
            IdleStatus::Deactivated { .. }
        ));
        // Reactivation in the config counts as a fresh start.
        assert!(matches!(
            status(
                last,
                Some(ts("2026-05-31T00:00:00Z")),
                idle,
                ts("2026-06-01T10:00:00Z")
            ),
            IdleStatus::Active { .. }
        ));
    }

    /// The remembered deadline is the one worked out, whatever was asked before it.
    #[test]
    fn remembered_deadlines_are_the_worked_out_ones() {
        let (a, b) = (ts("2026-01-31T10:00:00Z"), ts("2026-03-29T00:30:00Z"));
        let periods = [
            default_idle_after(),
            4.months(),
            120.days(),
            2.hours(),
            1.year(),
        ];
        for _ in 0..2 {
            for since in [a, a, b, a, b, b] {
                for period in periods {
                    assert_eq!(
                        deadline(since, period),
                        zoned_deadline(since, period),
                        "{since} {period}"
                    );
                }
            }
        }
        assert_eq!(zoned_deadline(a, 4.months()), ts("2026-05-31T09:00:00Z"));
        assert_eq!(deadline(Timestamp::MAX, 1.day()), Timestamp::MAX);
    }

    #[test]
    fn last_use_survives_reopening_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let t = ts("2026-03-01T00:00:00Z");
        {
            let db = sled::open(dir.path()).unwrap();
            let lu = LastUse::open(&db).unwrap();
            assert_eq!(lu.get_or_start("o", "u", t).unwrap(), t);
            lu.touch("o", "u", ts("2026-03-02T00:00:00Z")).unwrap();
            db.flush().unwrap();
        }
        // sled lets go of the lock a moment after the drop: reopen waits for it.
        let db = crate::registry::store::reopen(&sled::Config::new().path(dir.path())).unwrap();
        let lu = LastUse::open(&db).unwrap();
        assert_eq!(
            lu.get_or_start("o", "u", t).unwrap(),
            ts("2026-03-02T00:00:00Z")
        );
    }
}
