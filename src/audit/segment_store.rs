//! The audit trail's store ([`AuditBackend`]): append-only segment files are the log
//! itself (`segment_file.rs`), each with an index (`segment_index.rs`) — in memory for the
//! active segment, in a file of its own once the segment is sealed. `append` writes a
//! group's frames in place into the active segment with one `fdatasync`, then adds them to
//! the in-memory index, so reads see a record as soon as `append` returns. A full segment
//! is sealed: a thread writes its index file and the writer goes on in the next segment,
//! which a thread has prepared (zeros, synced) while the active one filled. The pruning
//! anchor is kept in sled (`audit.meta`), flushed before any segment it covers is deleted.
//! Opening the store rebuilds the active segment's index from its frames (crash recovery)
//! and writes any sealed segment's missing index (`segment.rs`); a trail still kept in
//! sled's `audit.*` trees is moved in by `migrate.rs`. Numbering, chaining and signing are
//! the writer's.

use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use super::backend::{AuditBackend, Group, Lookup, VisitBytes, VisitSeq, parse};
use super::checkpoint::{ANCHOR_KEY, Anchor, META, read_anchor};
use super::error::AuditError;
use super::record::AuditRecord;
use super::segment::{Index, Segment, io, open_segment, recover, seal};
use super::segment_file::{self as file, Frames, Kind};
use super::segment_index::{self as index, DiskIndex, MemIndex, Tag};
use super::store::store;

/// The audit trail in segment files under `<data>/audit/`.
pub struct SegmentStore {
    dir: PathBuf,
    db: sled::Db,
    meta: sled::Tree,
    /// Records numbered up to this were pruned (the anchor's number): reads skip them.
    pruned: AtomicU64,
    /// In order; the last is the active one.
    segments: RwLock<Vec<Arc<Segment>>>,
    side: Mutex<WriteSide>,
}

struct WriteSide {
    active: Arc<Segment>,
    written: u64,
    capacity: u64,
    /// The next segment, being prepared (zeros, synced) by a thread, paced until the flag
    /// asks it to hurry.
    next: Option<(JoinHandle<std::io::Result<()>>, Arc<AtomicBool>)>,
    /// Index files being written for sealed segments.
    sealing: Vec<JoinHandle<()>>,
}

impl SegmentStore {
    /// Opens the trail in `data/audit/` (creating it), with its anchor in sled `db`;
    /// recovers the active segment and indexes sealed segments that lack one. (A trail
    /// still kept in sled's trees is moved in by `migrate.rs`, when the log opens.)
    pub fn open(db: &sled::Db, data: &Path) -> Result<Self, AuditError> {
        let dir = data.join(file::DIR);
        std::fs::create_dir_all(&dir).map_err(|e| io("cannot make the audit directory", e))?;
        let meta = db.open_tree(META).map_err(store)?;
        let anchor = read_anchor(&meta).map_err(AuditError::Store)?;
        let listed = file::tidy(&dir)
            .and_then(|_| file::list(&dir))
            .map_err(|e| io("cannot list the audit segments", e))?;
        let mut segments = Vec::new();
        for (i, &(number, indexed)) in listed.iter().enumerate() {
            let last = i + 1 == listed.len();
            let hint = segments.last().map_or(1, |s: &Arc<Segment>| {
                s.span()
                    .map_or(s.first.load(Ordering::Acquire), |(_, l)| l + 1)
            });
            segments.push(Arc::new(open_segment(&dir, number, indexed, last, hint)?));
        }
        let (active, written, capacity) = match segments.last() {
            Some(s) if matches!(&*s.index(), Index::Mem(_)) => {
                let (written, capacity) = recover(&dir, s)?;
                (s.clone(), written, capacity)
            }
            _ => {
                let number = segments.last().map_or(1, |s| s.number + 1);
                file::prepare(&dir, number, file::size_of(number), &file::Pace::Now)
                    .map_err(|e| io("cannot make an audit segment", e))?;
                let (f, capacity) =
                    file::activate(&dir, number).map_err(|e| io("audit segment", e))?;
                let hint = segments
                    .last()
                    .and_then(|s| s.span())
                    .map_or(1, |(_, l)| l + 1);
                let s = Arc::new(Segment::new(
                    number,
                    f,
                    Index::Mem(MemIndex::default()),
                    hint,
                ));
                segments.push(s.clone());
                (s, 0, capacity)
            }
        };
        let store = SegmentStore {
            dir,
            db: db.clone(),
            meta,
            pruned: AtomicU64::new(anchor.map_or(0, |a| a.through_seq)),
            segments: RwLock::new(segments),
            side: Mutex::new(WriteSide {
                active,
                written,
                capacity,
                next: None,
                sealing: Vec::new(),
            }),
        };
        Ok(store)
    }

    fn side(&self) -> MutexGuard<'_, WriteSide> {
        self.side.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn snapshot(&self) -> Vec<Arc<Segment>> {
        self.segments
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn floor(&self) -> u64 {
        self.pruned.load(Ordering::Acquire) + 1
    }

    /// The segment that holds `seq`, if any.
    fn segment_of(&self, seq: u64) -> Option<Arc<Segment>> {
        let all = self.snapshot();
        let i = all.partition_point(|s| s.first.load(Ordering::Acquire) <= seq);
        let seg = all.get(i.checked_sub(1)?)?;
        seg.span()
            .is_some_and(|(a, b)| a <= seq && seq <= b)
            .then(|| seg.clone())
    }

    /// Seals the active segment and continues in the next one (prepared by a thread, or
    /// made now), at least `needed` bytes long.
    fn rotate(&self, side: &mut WriteSide, needed: u64) -> Result<(), AuditError> {
        let number = side.active.number + 1;
        let size = file::size_of(number);
        // The writer waits for the next segment now: what is left of it goes at full speed.
        let next = side.next.take().map(|(h, hurry)| {
            hurry.store(true, Ordering::Relaxed);
            h
        });
        match next {
            Some(h) if size >= needed => h
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the preparing thread panicked")))
                .map_err(|e| io("cannot prepare an audit segment", e))?,
            other => {
                if let Some(h) = other {
                    let _ = h.join();
                }
                file::prepare(&self.dir, number, size.max(needed), &file::Pace::Now)
                    .map_err(|e| io("cannot make an audit segment", e))?;
            }
        }
        let (f, capacity) =
            file::activate(&self.dir, number).map_err(|e| io("audit segment", e))?;
        let hint = self.last_seq() + 1;
        let next = Arc::new(Segment::new(
            number,
            f,
            Index::Mem(MemIndex::default()),
            hint,
        ));
        let sealed = std::mem::replace(&mut side.active, next.clone());
        self.segments
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(next);
        side.written = 0;
        side.capacity = capacity;
        let dir = self.dir.clone();
        let spawned = std::thread::Builder::new()
            .name("audit-seal".into())
            .spawn(move || {
                if let Err(e) = seal(&dir, &sealed) {
                    tracing::error!(error = %e, segment = sealed.number,
                        "cannot write an audit segment's index; it is rebuilt at the next start");
                }
            });
        match spawned {
            Ok(h) => side.sealing.push(h),
            Err(e) => tracing::error!(error = %e, "cannot start the audit sealing thread"),
        }
        Ok(())
    }

    /// Starts preparing the next segment once the active one is half full.
    fn prepare_ahead(&self, side: &mut WriteSide) {
        if side.next.is_some() || side.written < side.capacity / 2 {
            return;
        }
        let number = side.active.number + 1;
        let dir = self.dir.clone();
        let (pace, hurry) = file::Pace::ahead();
        match std::thread::Builder::new()
            .name("audit-prepare".into())
            .spawn(move || file::prepare(&dir, number, file::size_of(number), &pace))
        {
            Ok(h) => side.next = Some((h, hurry)),
            Err(e) => tracing::error!(error = %e, "cannot start the audit preparing thread"),
        }
    }

    /// Records numbered from `from` on, with their bytes, segment by segment.
    fn each_record(&self, from: u64, visit: &mut VisitBytes<'_>) -> Result<(), AuditError> {
        let from = from.max(self.floor());
        for seg in self.snapshot() {
            let Some((first, last)) = seg.span() else {
                continue;
            };
            if last < from {
                continue;
            }
            let slots = seg.slots(from.max(first), last)?;
            // Read runs of records with one read of up to 4 MiB each.
            let mut i = 0;
            while i < slots.len() {
                let start = slots[i].1 as u64;
                let mut j = i;
                while j + 1 < slots.len()
                    && (slots[j + 1].1 as u64 + slots[j + 1].2 as u64) - start <= 4 << 20
                {
                    j += 1;
                }
                let end = slots[j].1 as u64 + slots[j].2 as u64;
                let mut buf = vec![0u8; (end - start) as usize];
                seg.file
                    .read_exact_at(&mut buf, start)
                    .map_err(|e| io("audit segment", e))?;
                for &(seq, off, len) in &slots[i..=j] {
                    let a = (off as u64 - start) as usize;
                    if !visit(seq, &buf[a..a + len as usize])? {
                        return Ok(());
                    }
                }
                i = j + 1;
            }
        }
        Ok(())
    }

    /// Numbers of the records found by `key` (tag and value), in order.
    pub fn find(&self, tag: Tag, value: &str, visit: &mut VisitSeq<'_>) -> Result<(), AuditError> {
        let key = index::key(tag, value);
        let hash = index::key_hash(&key);
        let floor = self.floor();
        for seg in self.snapshot() {
            if seg.span().is_none_or(|(_, last)| last < floor) {
                continue;
            }
            let idx = match &*seg.index() {
                Index::Mem(m) => Err(m.find(&key)),
                Index::Disk(d) => Ok(d.clone()),
            };
            let go_on = match idx {
                Err(list) => {
                    let mut go_on = true;
                    for s in list.into_iter().filter(|&s| s >= floor) {
                        if !visit(s)? {
                            go_on = false;
                            break;
                        }
                    }
                    go_on
                }
                Ok(d) => d.find(&key, hash, &mut |s| {
                    if s < floor { Ok(true) } else { visit(s) }
                })?,
            };
            if !go_on {
                break;
            }
        }
        Ok(())
    }

    /// Numbers of the records from `from` to `to` (exclusive), by time then number: the
    /// segments' ranges merged, a segment joining once the merge reaches its first time.
    fn by_time(&self, from: i64, to: i64, visit: &mut VisitSeq<'_>) -> Result<(), AuditError> {
        type Cursor<'a> = Box<dyn Iterator<Item = Result<(i64, u64), AuditError>> + 'a>;
        let floor = self.floor();
        let mut segs: Vec<(i64, Index2)> = Vec::new();
        for seg in self.snapshot() {
            if seg.span().is_none_or(|(_, last)| last < floor) {
                continue;
            }
            let (lo, hi, idx) = match &*seg.index() {
                Index::Mem(m) if m.last().is_some() => {
                    (m.min_time, m.max_time, Index2::Mem(m.time_range(from, to)))
                }
                Index::Mem(_) => continue,
                Index::Disk(d) => {
                    let (lo, hi) = d.times();
                    (lo, hi, Index2::Disk(d.clone()))
                }
            };
            if hi < from || lo >= to {
                continue;
            }
            segs.push((lo.max(from), idx));
        }
        segs.sort_by_key(|s| s.0);
        let mut cursors: Vec<Cursor<'_>> = Vec::new();
        let mut heap = std::collections::BinaryHeap::new();
        let mut joined = 0;
        loop {
            while joined < segs.len()
                && heap
                    .peek()
                    .is_none_or(|std::cmp::Reverse((t, _, _))| segs[joined].0 <= *t)
            {
                let mut c: Cursor<'_> = match &segs[joined].1 {
                    Index2::Mem(v) => Box::new(v.iter().map(|&e| Ok(e))),
                    Index2::Disk(d) => Box::new(d.time_range(from, to)),
                };
                if let Some(e) = c.next() {
                    let (t, s) = e?;
                    heap.push(std::cmp::Reverse((t, s, cursors.len())));
                }
                cursors.push(c);
                joined += 1;
            }
            let Some(std::cmp::Reverse((_, seq, c))) = heap.pop() else {
                break;
            };
            if let Some(e) = cursors[c].next() {
                let (t, s) = e?;
                heap.push(std::cmp::Reverse((t, s, c)));
            }
            if seq >= floor && !visit(seq)? {
                break;
            }
        }
        Ok(())
    }

    /// Appends records and a checkpoint copied verbatim from an older store (migration)
    /// as one group; a record whose bytes do not decode is kept, found by no key.
    pub(super) fn append_copied(
        &self,
        records: &[(u64, Vec<u8>)],
        checkpoint: Option<(u64, &[u8])>,
    ) -> Result<(), AuditError> {
        let decoded: Vec<Option<AuditRecord>> =
            records.iter().map(|(s, b)| parse(*s, b).ok()).collect();
        let refs: Vec<(u64, &[u8], Option<&AuditRecord>)> = records
            .iter()
            .zip(&decoded)
            .map(|((s, b), r)| (*s, b.as_slice(), r.as_ref()))
            .collect();
        self.write(&refs, checkpoint)
    }

    /// The newest record number held (0 if none).
    pub(super) fn last_seq(&self) -> u64 {
        self.snapshot()
            .iter()
            .rev()
            .find_map(|s| s.span())
            .map_or(0, |(_, l)| l)
    }

    /// The directory of the segments.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// A segment's time range as the merge reads it.
enum Index2 {
    Mem(Vec<(i64, u64)>),
    Disk(Arc<DiskIndex>),
}

impl SegmentStore {
    /// Writes records (number, stored bytes, decoded if they decode) and a checkpoint
    /// as one group with one `fdatasync`, then indexes them.
    fn write(
        &self,
        records: &[(u64, &[u8], Option<&AuditRecord>)],
        checkpoint: Option<(u64, &[u8])>,
    ) -> Result<(), AuditError> {
        let mut guard = self.side();
        let side = &mut *guard;
        let payload: usize = records.iter().map(|(_, b, _)| b.len()).sum::<usize>()
            + checkpoint.map_or(0, |(_, b)| b.len());
        let frames = |number| {
            let mut f = Frames::with_capacity(number, records.len() + 1, payload);
            let at: Vec<usize> = records
                .iter()
                .map(|&(seq, b, _)| f.push(Kind::Record, seq, b))
                .collect();
            let cp = checkpoint.map(|(seq, b)| f.push(Kind::Checkpoint, seq, b));
            (f.finish(), at, cp)
        };
        let (mut bytes, mut at, mut cp) = frames(side.active.number);
        if side.written + bytes.len() as u64 > side.capacity {
            self.rotate(side, bytes.len() as u64)?;
            (bytes, at, cp) = frames(side.active.number);
        }
        let base = side.written;
        side.active
            .file
            .write_all_at(&bytes, base)
            .and_then(|_| side.active.file.sync_data())
            .map_err(|e| io("audit segment", e))?;
        side.written += bytes.len() as u64;
        {
            let mut idx = side.active.index.write().unwrap_or_else(|p| p.into_inner());
            let Index::Mem(mem) = &mut *idx else {
                unreachable!("the active segment's index is in memory")
            };
            for (&(seq, b, record), &a) in records.iter().zip(&at) {
                mem.add(seq, (base + a as u64) as u32, b.len() as u32, record);
            }
            if let (Some((seq, b)), Some(a)) = (checkpoint, cp.take()) {
                mem.checkpoints
                    .push((seq, (base + a as u64) as u32, b.len() as u32));
            }
        }
        if !records.is_empty() {
            side.active.settle_first();
        }
        self.prepare_ahead(side);
        Ok(())
    }
}

impl AuditBackend for SegmentStore {
    fn append(&self, group: &Group<'_>) -> Result<(), AuditError> {
        let records: Vec<(u64, &[u8], Option<&AuditRecord>)> = group
            .records
            .iter()
            .map(|n| (n.seq, n.bytes, Some(n.record)))
            .collect();
        self.write(&records, group.checkpoint)
    }

    fn get_bytes(&self, seq: u64) -> Result<Option<Vec<u8>>, AuditError> {
        if seq < self.floor() {
            return Ok(None);
        }
        let Some(seg) = self.segment_of(seq) else {
            return Ok(None);
        };
        match seg.slot(seq)? {
            Some((off, len)) => seg.read(off, len).map(Some),
            None => Ok(None),
        }
    }

    fn last(&self) -> Result<Option<(u64, Vec<u8>)>, AuditError> {
        let seq = self.last_seq();
        if seq < self.floor() {
            return Ok(None);
        }
        Ok(self.get_bytes(seq)?.map(|b| (seq, b)))
    }

    fn scan(&self, from: u64, visit: &mut VisitBytes<'_>) -> Result<(), AuditError> {
        self.each_record(from, visit)
    }

    fn lookup(&self, by: Lookup<'_>, visit: &mut VisitSeq<'_>) -> Result<(), AuditError> {
        match by {
            Lookup::Subject(s) => self.find(Tag::Subject, s, visit),
            Lookup::EndUser(u) => self.find(Tag::EndUser, u, visit),
            Lookup::Time { from, to } => self.by_time(from, to, visit),
        }
    }

    fn lookup_field(
        &self,
        field: super::backend::Field,
        value: &str,
        visit: &mut VisitSeq<'_>,
    ) -> Result<bool, AuditError> {
        use super::backend::Field as F;
        let tag = match field {
            F::Organisation => Tag::Organisation,
            F::ServiceUser => Tag::ServiceUser,
            F::Operation => Tag::Operation,
            F::ReturnCode => Tag::ReturnCode,
        };
        self.find(tag, value, visit)?;
        Ok(true)
    }

    fn checkpoints(&self, visit: &mut VisitBytes<'_>) -> Result<(), AuditError> {
        let floor = self.floor();
        for seg in self.snapshot() {
            for (seq, off, len) in seg.checkpoints() {
                if seq >= floor && !visit(seq, &seg.read(off, len)?)? {
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    fn last_checkpoint(&self) -> Result<Option<(u64, Vec<u8>)>, AuditError> {
        for seg in self.snapshot().iter().rev() {
            if let Some(&(seq, off, len)) = seg.checkpoints().last() {
                if seq < self.floor() {
                    return Ok(None);
                }
                return Ok(Some((seq, seg.read(off, len)?)));
            }
        }
        Ok(None)
    }

    fn anchor(&self) -> Result<Option<Anchor>, AuditError> {
        read_anchor(&self.meta).map_err(AuditError::Store)
    }

    fn prune(&self, anchor: &Anchor) -> Result<u64, AuditError> {
        let side = self.side();
        let through = anchor.through_seq;
        // The anchor first, durably: from then on reads skip what it covers.
        self.meta
            .insert(
                ANCHOR_KEY,
                serde_json::to_vec(anchor).expect("an anchor always serialises"),
            )
            .map_err(store)?;
        self.db.flush().map_err(store)?;
        let before = self.pruned.swap(through, Ordering::AcqRel);
        let removed = through.saturating_sub(before);
        // Then every sealed segment the anchor covers whole goes, with its index.
        let gone: Vec<Arc<Segment>> = {
            let mut all = self.segments.write().unwrap_or_else(|p| p.into_inner());
            let keep_from = all
                .iter()
                .position(|s| {
                    s.number == side.active.number || s.span().is_none_or(|(_, l)| l > through)
                })
                .unwrap_or(all.len());
            all.drain(..keep_from).collect()
        };
        for seg in &gone {
            for p in [
                file::index_path(&self.dir, seg.number),
                file::path(&self.dir, seg.number),
            ] {
                match std::fs::remove_file(&p) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        return Err(io("cannot remove a pruned audit segment", e));
                    }
                    _ => {}
                }
            }
        }
        if !gone.is_empty() {
            file::sync_dir(&self.dir).map_err(|e| io("audit directory", e))?;
        }
        Ok(removed)
    }

    fn maintain(&self) -> Result<Option<Duration>, AuditError> {
        let mut side = self.side();
        side.sealing.retain(|h| !h.is_finished());
        Ok((!side.sealing.is_empty()).then_some(Duration::from_millis(250)))
    }

    fn close(&self) -> Result<(), AuditError> {
        let mut side = self.side();
        for h in side.sealing.drain(..) {
            let _ = h.join();
        }
        if let Some((h, hurry)) = side.next.take() {
            hurry.store(true, Ordering::Relaxed);
            let _ = h.join();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::backend::Numbered;
    use crate::audit::checkpoint::Signer;
    use crate::audit::settings::BUILTIN_SIGNING_KEY;

    fn record(seq: u64, minute: i64) -> AuditRecord {
        serde_json::from_value(serde_json::json!({
            "seq": seq,
            "time": jiff::Timestamp::from_second(1_700_000_000 + minute * 60).unwrap().to_string(),
            "request_id": format!("r{seq}-{}", "x".repeat(300)), "cert_sha256": "",
            "cert_subject": "", "interface": "direct", "operation": "op",
            "organisation": format!("org{}", seq % 3),
            "loppukayttaja": format!("user{}", seq % 7),
            "search_key": ["Henkilotunnus", format!("s{}", seq % 50)],
            "return_code": "0000", "groups": [], "non_disclosure_applied": false,
            "duration_us": 1
        }))
        .unwrap()
    }

    /// Appends records `from..=to` in groups of `per`, each with a checkpoint-like frame.
    fn fill(store: &SegmentStore, from: u64, to: u64, per: u64) {
        let mut seq = from;
        while seq <= to {
            let recs: Vec<AuditRecord> = (seq..=(seq + per - 1).min(to))
                .map(|s| record(s, s as i64))
                .collect();
            let bytes: Vec<Vec<u8>> = recs
                .iter()
                .map(|r| serde_json::to_vec(r).unwrap())
                .collect();
            let numbered: Vec<Numbered<'_>> = recs
                .iter()
                .zip(&bytes)
                .map(|(r, b)| Numbered {
                    seq: r.seq,
                    bytes: b,
                    record: r,
                })
                .collect();
            let head = recs.last().unwrap().seq;
            let cp = format!("{{\"cp\":{head}}}");
            store
                .append(&Group {
                    records: &numbered,
                    checkpoint: Some((head, cp.as_bytes())),
                })
                .unwrap();
            seq = head + 1;
        }
    }

    fn seqs(store: &SegmentStore, by: Lookup<'_>) -> Vec<u64> {
        let mut out = Vec::new();
        store
            .lookup(by, &mut |s| {
                out.push(s);
                Ok(true)
            })
            .unwrap();
        out
    }

    fn all(store: &SegmentStore) -> Vec<u64> {
        let mut out = Vec::new();
        store
            .scan(0, &mut |s, b| {
                assert_eq!(parse(s, b).unwrap().seq, s);
                out.push(s);
                Ok(true)
            })
            .unwrap();
        out
    }

    #[test]
    fn records_span_sealed_segments_and_survive_reopen_with_and_without_index_files() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path().join("db")).unwrap();
        let n = 9000;
        let expect_s7: Vec<u64> = (1..=n).filter(|s| s % 50 == 7).collect();
        let expect_org: Vec<u64> = (1..=n).filter(|s| s % 3 == 1).collect();
        let window = (
            1_700_000_000_000_000 + 4000 * 60_000_000,
            1_700_000_000_000_000 + 4100 * 60_000_000,
        );
        {
            let store = SegmentStore::open(&db, dir.path()).unwrap();
            fill(&store, 1, n, 37);
            store.close().unwrap();
            let check = |store: &SegmentStore| {
                assert_eq!(all(store), (1..=n).collect::<Vec<_>>());
                assert_eq!(seqs(store, Lookup::Subject("s7")), expect_s7);
                let time = seqs(
                    store,
                    Lookup::Time {
                        from: window.0,
                        to: window.1,
                    },
                );
                assert_eq!(time, (4000..4100).collect::<Vec<_>>());
                let mut org = Vec::new();
                store
                    .lookup_field(
                        crate::audit::backend::Field::Organisation,
                        "org1",
                        &mut |s| {
                            org.push(s);
                            Ok(true)
                        },
                    )
                    .unwrap();
                assert_eq!(org, expect_org);
                assert_eq!(store.get(4321).unwrap().unwrap().seq, 4321);
                assert_eq!(store.last().unwrap().unwrap().0, n);
                assert_eq!(store.last_checkpoint().unwrap().unwrap().0, n);
                let mut cps = 0;
                store
                    .checkpoints(&mut |_, _| {
                        cps += 1;
                        Ok(true)
                    })
                    .unwrap();
                assert_eq!(cps, n.div_ceil(37));
            };
            check(&store);
            let listed = file::list(&store.dir).unwrap();
            assert!(listed.len() >= 3, "{listed:?}");
            assert!(listed[..listed.len() - 1].iter().all(|s| s.1), "{listed:?}");
            // A crash between sealing and the index file: the next open writes it.
            std::fs::remove_file(file::index_path(&store.dir, listed[0].0)).unwrap();
            drop(store);
            let store = SegmentStore::open(&db, dir.path()).unwrap();
            assert!(file::index_path(&store.dir, listed[0].0).exists());
            check(&store);
            // And the store goes on where it was.
            fill(&store, n + 1, n + 5, 5);
            assert_eq!(store.last().unwrap().unwrap().0, n + 5);
        }
    }

    #[test]
    fn a_torn_last_group_is_dropped_and_what_it_left_is_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path().join("db")).unwrap();
        let (number, end) = {
            let store = SegmentStore::open(&db, dir.path()).unwrap();
            fill(&store, 1, 3, 3);
            let side = store.side();
            (side.active.number, side.written)
        };
        // A group of two, torn: its second frame never reached the disk whole.
        let mut f = Frames::new(number);
        for s in [4, 5] {
            f.push(Kind::Record, s, &serde_json::to_vec(&record(s, 0)).unwrap());
        }
        let bytes = f.finish();
        let seg = std::fs::OpenOptions::new()
            .write(true)
            .open(file::path(&dir.path().join(file::DIR), number))
            .unwrap();
        seg.write_all_at(&bytes[..bytes.len() - 30], end).unwrap();
        let store = SegmentStore::open(&db, dir.path()).unwrap();
        assert_eq!(all(&store), [1, 2, 3]);
        // A shorter group goes where the torn one was; nothing of the torn one is read.
        fill(&store, 4, 4, 1);
        drop(store);
        let store = SegmentStore::open(&db, dir.path()).unwrap();
        assert_eq!(all(&store), [1, 2, 3, 4]);
    }

    #[test]
    fn pruning_removes_whole_segments_and_reads_skip_the_rest_it_covers() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path().join("db")).unwrap();
        let store = SegmentStore::open(&db, dir.path()).unwrap();
        fill(&store, 1, 6000, 50);
        store.close().unwrap();
        let before = file::list(&store.dir).unwrap();
        let signer = Signer::from_pem(BUILTIN_SIGNING_KEY).unwrap();
        let through = 2500;
        let anchor = Anchor::new(&signer, through, "00".into(), "t".into());
        assert_eq!(store.prune(&anchor).unwrap(), through);
        let after = file::list(&store.dir).unwrap();
        assert!(after.len() < before.len(), "{before:?} → {after:?}");
        assert_eq!(all(&store), (through + 1..=6000).collect::<Vec<_>>());
        assert!(store.get(through).unwrap().is_none());
        assert!(
            seqs(&store, Lookup::Subject("s7"))
                .iter()
                .all(|&s| s > through)
        );
        let mut first_cp = None;
        store
            .checkpoints(&mut |s, _| {
                first_cp = Some(s);
                Ok(false)
            })
            .unwrap();
        assert!(first_cp.unwrap() > through);
        // After a reopen too.
        drop(store);
        let store = SegmentStore::open(&db, dir.path()).unwrap();
        assert_eq!(all(&store).first(), Some(&(through + 1)));
    }

    #[test]
    fn reads_while_the_writer_seals_segments_never_fail() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path().join("db")).unwrap();
        let store = Arc::new(SegmentStore::open(&db, dir.path()).unwrap());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reader = {
            let (store, stop) = (store.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut rounds = 0u32;
                while !stop.load(Ordering::Relaxed) || rounds == 0 {
                    let got = all(&store);
                    assert!(got.windows(2).all(|w| w[1] == w[0] + 1));
                    seqs(&store, Lookup::Subject("s3"));
                    seqs(
                        &store,
                        Lookup::Time {
                            from: i64::MIN,
                            to: i64::MAX,
                        },
                    );
                    store.checkpoints(&mut |_, _| Ok(true)).unwrap();
                    file::list(&store.dir).unwrap();
                    rounds += 1;
                }
                rounds
            })
        };
        fill(&store, 1, 6000, 20);
        stop.store(true, Ordering::Relaxed);
        assert!(reader.join().unwrap() > 0);
        store.close().unwrap();
        assert!(file::list(&store.dir).unwrap().len() >= 3);
    }
}
