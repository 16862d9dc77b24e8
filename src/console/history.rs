//! The live view's memory: the metrics' counters sampled every [`INTERVAL`], the last
//! [`KEEP`] samples kept. Knows the counters' snapshot; nothing of pages or sessions.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use crate::metrics::Snapshot;

/// How often the counters are sampled.
pub const INTERVAL: Duration = Duration::from_secs(2);
/// Samples kept: ten minutes.
pub const KEEP: usize = 300;

/// The recent samples (time in Unix milliseconds, counters).
#[derive(Default)]
pub struct History {
    pub(super) samples: Mutex<VecDeque<(i64, Snapshot)>>,
}

impl History {
    pub fn push(&self, at_ms: i64, s: Snapshot) {
        let mut v = self.samples.lock().expect("not poisoned");
        v.push_back((at_ms, s));
        while v.len() > KEEP {
            v.pop_front();
        }
    }
}
