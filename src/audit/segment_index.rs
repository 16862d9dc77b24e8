//! The index of one segment (`segment_store.rs`): where each record lies, and the record
//! numbers by key (subject, end user, organisation, service user, operation, return code)
//! and by time. The active segment's index is in memory ([`MemIndex`], updated by the writer
//! after each sync); a sealed segment's is written once into a file of its own
//! ([`DiskIndex::write`]: sorted tables, fsynced, renamed into place) and read by binary
//! search, behind a Bloom filter of its keys and min/max times kept in memory, so a lookup
//! in a segment without the key costs a few hash probes. Knows nothing of frames or files
//! other than its own.
//!
//! The index file: the tables, then a postcard-encoded [`Meta`], its length (u64 LE) and
//! the magic `VTJAIX01`:
//!
//! ```text
//! slots    count × (offset u32, length u32)   by seq − first; offset u32::MAX: no record
//! times    count × (time i64, seq − first u32), sorted
//! key_offs (keys + 1) × u32 into the key bytes; post_offs (keys + 1) × u32 into postings
//! key bytes (sorted keys, tag byte + value), postings (seq − first u32, sorted per key)
//! ```

use std::collections::HashMap;
use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::index::{CRITERIA_DOCUMENT, micros_of, subjects};
use super::record::AuditRecord;

/// What a key names (its first byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Tag {
    Subject = b'S',
    EndUser = b'E',
    Organisation = b'O',
    ServiceUser = b'K',
    Operation = b'P',
    ReturnCode = b'R',
}

pub fn key(tag: Tag, value: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + value.len());
    k.push(tag as u8);
    k.extend_from_slice(value.as_bytes());
    k
}

/// The keys a record is found by, each once.
pub fn keys_of(r: &AuditRecord, mut each: impl FnMut(Tag, &str)) {
    if r.disclosed.is_empty() {
        // The one subject there can be ([`subjects`] without its list, which most records
        // would allocate for it alone).
        if let Some((kind, value)) = &r.search_key
            && kind != CRITERIA_DOCUMENT
            && !value.is_empty()
        {
            each(Tag::Subject, value);
        }
    } else {
        for s in subjects(r) {
            each(Tag::Subject, s);
        }
    }
    let fields = [
        (Tag::EndUser, r.loppukayttaja.as_deref()),
        (Tag::Organisation, r.organisation.as_deref()),
        (Tag::ServiceUser, r.kayttajatunnus.as_deref()),
        (Tag::Operation, Some(r.operation.as_str())),
        (Tag::ReturnCode, Some(r.return_code.as_str())),
    ];
    for (tag, v) in fields {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            each(tag, v);
        }
    }
}

const NO_RECORD: u32 = u32::MAX;

/// The memory index's hash of its keys: a folded multiply (the 128-bit product's halves
/// XORed) of each 16 bytes with secret seeds, as foldhash does; a few instructions a key
/// where std's SipHash took some two hundred (`benches/audit_writer.sh`). The seeds are
/// drawn from std's `RandomState` for each index, so a client cannot choose keys (search
/// keys, end users) that collide without knowing them: the keys are the clients' text.
#[derive(Clone)]
pub struct KeyHash {
    seeds: [u64; 3],
}

impl Default for KeyHash {
    fn default() -> Self {
        let random = std::collections::hash_map::RandomState::new();
        KeyHash {
            seeds: [0u8, 1, 2].map(|i| random.hash_one(i)),
        }
    }
}

impl BuildHasher for KeyHash {
    type Hasher = KeyHasher;

    fn build_hasher(&self) -> KeyHasher {
        KeyHasher {
            h: self.seeds[2],
            seeds: self.seeds,
        }
    }
}

pub struct KeyHasher {
    h: u64,
    seeds: [u64; 3],
}

/// The halves of the 128-bit product, XORed: every bit of either factor reaches every
/// bit of the result.
fn fold(a: u64, b: u64) -> u64 {
    let p = a as u128 * b as u128;
    p as u64 ^ (p >> 64) as u64
}

impl KeyHasher {
    fn mix(&mut self, a: u64, b: u64) {
        self.h = fold(a ^ self.seeds[0] ^ self.h, b ^ self.seeds[1]);
    }
}

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        let half =
            |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as u64;
        // Overlapping reads cover every byte; the length (which std's `Hash` for a slice
        // writes first, and which is mixed in here too) tells the overlaps apart.
        let (a, b) = match n {
            0 => (0, 0),
            1..4 => (
                bytes[0] as u64 | (bytes[n / 2] as u64) << 8 | (bytes[n - 1] as u64) << 16,
                0,
            ),
            4..8 => (half(0), half(n - 4)),
            8..=16 => (word(0), word(n - 8)),
            _ => {
                let mut chunks = bytes[..n - 1].chunks_exact(16);
                for c in &mut chunks {
                    let c: &[u8; 16] = c.try_into().expect("16 bytes");
                    let (a, b) = c.split_at(8);
                    self.mix(
                        u64::from_le_bytes(a.try_into().expect("8 bytes")),
                        u64::from_le_bytes(b.try_into().expect("8 bytes")),
                    );
                }
                (word(n - 16), word(n - 8))
            }
        };
        self.mix(a ^ (n as u64) << 56, b);
    }

    fn write_u64(&mut self, n: u64) {
        self.mix(n, 0);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.h
    }
}

/// The active segment's index, in memory.
#[derive(Default)]
pub struct MemIndex {
    /// The first record's number (meaningful once `slots` is not empty).
    pub first: u64,
    pub slots: Vec<(u32, u32)>,
    pub keys: HashMap<Box<[u8]>, Vec<u32>, KeyHash>,
    /// Sorted by time, then number.
    pub times: Vec<(i64, u32)>,
    /// (number, payload offset, length) of each checkpoint.
    pub checkpoints: Vec<(u64, u32, u32)>,
    pub min_time: i64,
    pub max_time: i64,
    /// Where each key is put together for its lookup (one buffer for every record).
    scratch: Vec<u8>,
}

impl MemIndex {
    /// Adds record `seq` at `offset`; `record` is `None` for stored bytes that do not
    /// decode (damage: kept by number, found by no key).
    pub fn add(&mut self, seq: u64, offset: u32, len: u32, record: Option<&AuditRecord>) {
        if self.slots.is_empty() {
            self.first = seq;
            self.min_time = i64::MAX;
            self.max_time = i64::MIN;
        }
        let Some(rel) = seq
            .checked_sub(self.first)
            .and_then(|r| u32::try_from(r).ok())
        else {
            return;
        };
        if (rel as usize) < self.slots.len() {
            return; // a number already held: not a record of this trail
        }
        self.slots.resize(rel as usize, (NO_RECORD, 0));
        self.slots.push((offset, len));
        let Some(r) = record else { return };
        // One buffer for every key: a key is allocated only when new.
        let mut k = std::mem::take(&mut self.scratch);
        keys_of(r, |tag, v| {
            k.clear();
            k.push(tag as u8);
            k.extend_from_slice(v.as_bytes());
            match self.keys.get_mut(k.as_slice()) {
                Some(list) => list.push(rel),
                None => {
                    self.keys.insert(k.as_slice().into(), vec![rel]);
                }
            }
        });
        self.scratch = k;
        let t = micros_of(&r.time);
        self.min_time = self.min_time.min(t);
        self.max_time = self.max_time.max(t);
        // Most records come in time order: they go at the end.
        if self.times.last().is_none_or(|&last| last <= (t, rel)) {
            self.times.push((t, rel));
        } else {
            let at = self.times.partition_point(|e| *e <= (t, rel));
            self.times.insert(at, (t, rel));
        }
    }

    pub fn last(&self) -> Option<u64> {
        (!self.slots.is_empty()).then(|| self.first + self.slots.len() as u64 - 1)
    }

    pub fn slot(&self, seq: u64) -> Option<(u32, u32)> {
        let rel = usize::try_from(seq.checked_sub(self.first)?).ok()?;
        self.slots.get(rel).copied().filter(|s| s.0 != NO_RECORD)
    }

    pub fn find(&self, key: &[u8]) -> Vec<u64> {
        self.keys
            .get(key)
            .map(|l| l.iter().map(|&r| self.first + r as u64).collect())
            .unwrap_or_default()
    }

    /// (time, number) of the records from `from` (inclusive) to `to` (exclusive).
    pub fn time_range(&self, from: i64, to: i64) -> Vec<(i64, u64)> {
        let a = self.times.partition_point(|e| e.0 < from);
        let b = self.times.partition_point(|e| e.0 < to);
        self.times[a..b.max(a)]
            .iter()
            .map(|&(t, r)| (t, self.first + r as u64))
            .collect()
    }
}

/// What a sealed segment's index keeps in memory, written at the end of its file.
#[derive(Serialize, Deserialize)]
struct Meta {
    number: u64,
    first: u64,
    count: u32,
    n_keys: u32,
    min_time: i64,
    max_time: i64,
    checkpoints: Vec<(u64, u32, u32)>,
    /// Offsets of: slots, times, key_offs, post_offs, key bytes, postings, end.
    sections: [u64; 7],
    bloom: Vec<u8>,
    /// Every [`FENCE`]-th key, with its position.
    key_fences: Vec<(Vec<u8>, u32)>,
    /// Every [`FENCE`]-th time.
    time_fences: Vec<i64>,
}

const MAGIC: &[u8; 8] = b"VTJAIX01";
/// Entries between two fences: a lookup reads one block of this many keys.
const FENCE: usize = 64;
const BLOOM_BITS_PER_KEY: usize = 10;
const BLOOM_HASHES: u64 = 7;

/// The two halves of a key's hash, for the Bloom filter's probes.
pub fn key_hash(key: &[u8]) -> (u64, u64) {
    let d = Sha256::digest(key);
    (
        u64::from_le_bytes(d[..8].try_into().expect("8 bytes")),
        u64::from_le_bytes(d[8..16].try_into().expect("8 bytes")) | 1,
    )
}

fn bloom_bits(bloom: &[u8], (h1, h2): (u64, u64)) -> impl Iterator<Item = usize> + '_ {
    let bits = bloom.len() as u64 * 8;
    (0..BLOOM_HASHES).map(move |i| (h1.wrapping_add(i.wrapping_mul(h2)) % bits) as usize)
}

/// A sealed segment's index: the file, and what lookups need in memory.
pub struct DiskIndex {
    file: File,
    meta: Meta,
}

fn put_u32s(out: &mut Vec<u8>, values: impl IntoIterator<Item = u32>) {
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

impl DiskIndex {
    /// Writes `mem` as segment `number`'s index file at `path`: under a temporary name,
    /// synced, then renamed (the caller syncs the directory).
    pub fn write(path: &Path, number: u64, mem: &MemIndex) -> io::Result<()> {
        let mut keys: Vec<(&[u8], &Vec<u32>)> = mem.keys.iter().map(|(k, v)| (&**k, v)).collect();
        keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut out = Vec::new();
        let mut sections = [0u64; 7];
        for &(off, len) in &mem.slots {
            put_u32s(&mut out, [off, len]);
        }
        sections[1] = out.len() as u64;
        for &(t, r) in &mem.times {
            out.extend_from_slice(&t.to_le_bytes());
            out.extend_from_slice(&r.to_le_bytes());
        }
        sections[2] = out.len() as u64;
        let mut at = 0u32;
        put_u32s(
            &mut out,
            std::iter::once(0).chain(keys.iter().map(|(k, _)| {
                at += k.len() as u32;
                at
            })),
        );
        sections[3] = out.len() as u64;
        let mut at = 0u32;
        put_u32s(
            &mut out,
            std::iter::once(0).chain(keys.iter().map(|(_, p)| {
                at += p.len() as u32;
                at
            })),
        );
        sections[4] = out.len() as u64;
        for (k, _) in &keys {
            out.extend_from_slice(k);
        }
        sections[5] = out.len() as u64;
        for (_, p) in &keys {
            put_u32s(&mut out, p.iter().copied());
        }
        sections[6] = out.len() as u64;
        let mut bloom = vec![0u8; (keys.len() * BLOOM_BITS_PER_KEY).div_ceil(8).max(8)];
        for (k, _) in &keys {
            let bits: Vec<usize> = bloom_bits(&bloom, key_hash(k)).collect();
            for b in bits {
                bloom[b / 8] |= 1 << (b % 8);
            }
        }
        let meta = Meta {
            number,
            first: mem.first,
            count: mem.slots.len() as u32,
            n_keys: keys.len() as u32,
            min_time: mem.min_time,
            max_time: mem.max_time,
            checkpoints: mem.checkpoints.clone(),
            sections,
            bloom,
            key_fences: keys
                .iter()
                .enumerate()
                .step_by(FENCE)
                .map(|(i, (k, _))| (k.to_vec(), i as u32))
                .collect(),
            time_fences: mem.times.iter().step_by(FENCE).map(|e| e.0).collect(),
        };
        let encoded = postcard::to_stdvec(&meta).map_err(io::Error::other)?;
        out.extend_from_slice(&encoded);
        out.extend_from_slice(&(encoded.len() as u64).to_le_bytes());
        out.extend_from_slice(MAGIC);
        let tmp = path.with_extension("idx.tmp");
        let mut f = File::create(&tmp)?;
        f.write_all(&out)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    }

    pub fn open(path: &Path, number: u64) -> io::Result<DiskIndex> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        let bad = |what: &str| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {what}", path.display()),
            )
        };
        if len < 16 {
            return Err(bad("too short for an index"));
        }
        let mut trailer = [0u8; 16];
        file.read_exact_at(&mut trailer, len - 16)?;
        if &trailer[8..] != MAGIC {
            return Err(bad("not an audit segment index"));
        }
        let meta_len = u64::from_le_bytes(trailer[..8].try_into().expect("8 bytes"));
        let start = (len - 16)
            .checked_sub(meta_len)
            .ok_or_else(|| bad("damaged"))?;
        let mut encoded = vec![0u8; meta_len as usize];
        file.read_exact_at(&mut encoded, start)?;
        let meta: Meta = postcard::from_bytes(&encoded).map_err(|_| bad("damaged"))?;
        if meta.number != number || meta.sections[6] != start {
            return Err(bad("belongs to another segment"));
        }
        Ok(DiskIndex { file, meta })
    }

    pub fn first(&self) -> u64 {
        self.meta.first
    }

    pub fn last(&self) -> Option<u64> {
        (self.meta.count > 0).then(|| self.meta.first + self.meta.count as u64 - 1)
    }

    pub fn times(&self) -> (i64, i64) {
        (self.meta.min_time, self.meta.max_time)
    }

    pub fn checkpoints(&self) -> &[(u64, u32, u32)] {
        &self.meta.checkpoints
    }

    fn read(&self, at: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut buf = vec![0u8; len];
        self.file.read_exact_at(&mut buf, at)?;
        Ok(buf)
    }

    /// Slots of records `from..=to` (numbers inside this segment).
    pub fn slots(&self, from: u64, to: u64) -> io::Result<Vec<(u64, u32, u32)>> {
        let (a, b) = (from - self.meta.first, to - self.meta.first + 1);
        let buf = self.read(a * 8, ((b - a) * 8) as usize)?;
        Ok(buf
            .chunks_exact(8)
            .zip(from..)
            .map(|(c, seq)| (seq, u32_at(c, 0), u32_at(c, 4)))
            .filter(|s| s.1 != NO_RECORD)
            .collect())
    }

    pub fn slot(&self, seq: u64) -> io::Result<Option<(u32, u32)>> {
        if seq < self.meta.first || self.last().is_none_or(|l| seq > l) {
            return Ok(None);
        }
        Ok(self.slots(seq, seq)?.first().map(|s| (s.1, s.2)))
    }

    /// Whether the Bloom filter admits the key (hash from [`key_hash`]).
    pub fn may_hold(&self, hash: (u64, u64)) -> bool {
        let bloom = &self.meta.bloom;
        bloom_bits(bloom, hash).all(|b| bloom[b / 8] & (1 << (b % 8)) != 0)
    }

    /// The postings of `key`: the range of entries in the postings table.
    fn postings_of(&self, key: &[u8]) -> io::Result<Option<(u64, u64)>> {
        let fences = &self.meta.key_fences;
        let f = fences.partition_point(|(k, _)| k.as_slice() <= key);
        if f == 0 {
            return Ok(None);
        }
        let lo = fences[f - 1].1 as u64;
        let hi = (lo + FENCE as u64).min(self.meta.n_keys as u64);
        let s = &self.meta.sections;
        let offs = self.read(s[2] + lo * 4, ((hi - lo + 1) * 4) as usize)?;
        let offs: Vec<u32> = offs.chunks_exact(4).map(|c| u32_at(c, 0)).collect();
        let base = offs[0] as u64;
        let blob = self.read(s[4] + base, (offs[offs.len() - 1] as u64 - base) as usize)?;
        let block: Vec<&[u8]> = offs
            .windows(2)
            .map(|w| &blob[(w[0] as u64 - base) as usize..(w[1] as u64 - base) as usize])
            .collect();
        let Ok(i) = block.binary_search(&key) else {
            return Ok(None);
        };
        let at = lo + i as u64;
        let p = self.read(s[3] + at * 4, 8)?;
        Ok(Some((u32_at(&p, 0) as u64, u32_at(&p, 4) as u64)))
    }

    /// The numbers of the records found by `key`, in order; `visit` returns false to stop.
    pub fn find(
        &self,
        key: &[u8],
        hash: (u64, u64),
        visit: &mut dyn FnMut(u64) -> Result<bool, super::error::AuditError>,
    ) -> Result<bool, super::error::AuditError> {
        if !self.may_hold(hash) {
            return Ok(true);
        }
        let Some((mut a, b)) = self.postings_of(key).map_err(io_error)? else {
            return Ok(true);
        };
        let s5 = self.meta.sections[5];
        while a < b {
            let n = (b - a).min(4096);
            let buf = self.read(s5 + a * 4, (n * 4) as usize).map_err(io_error)?;
            for c in buf.chunks_exact(4) {
                if !visit(self.meta.first + u32_at(c, 0) as u64)? {
                    return Ok(false);
                }
            }
            a += n;
        }
        Ok(true)
    }

    /// (time, number) of the records from `from` (inclusive) to `to` (exclusive), in
    /// order, read in chunks.
    pub fn time_range(&self, from: i64, to: i64) -> TimeCursor<'_> {
        let fences = &self.meta.time_fences;
        let f = fences.partition_point(|&t| t < from);
        TimeCursor {
            index: self,
            pos: (f.saturating_sub(1) * FENCE) as u64,
            from,
            to,
            buf: Vec::new(),
            done: false,
        }
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

pub fn io_error(e: io::Error) -> super::error::AuditError {
    super::error::AuditError::Store(format!("audit segment index: {e}"))
}

/// A time range of one sealed segment, read a chunk at a time.
pub struct TimeCursor<'a> {
    index: &'a DiskIndex,
    pos: u64,
    from: i64,
    to: i64,
    /// The chunk read last, reversed (the next entry at the end).
    buf: Vec<(i64, u64)>,
    done: bool,
}

impl Iterator for TimeCursor<'_> {
    type Item = Result<(i64, u64), super::error::AuditError>;

    fn next(&mut self) -> Option<Self::Item> {
        while self.buf.is_empty() && !self.done {
            let m = &self.index.meta;
            let n = (m.count as u64).saturating_sub(self.pos).min(1024);
            if n == 0 {
                self.done = true;
                break;
            }
            let at = m.sections[1] + self.pos * 12;
            let chunk = match self.index.read(at, (n * 12) as usize) {
                Ok(c) => c,
                Err(e) => {
                    self.done = true;
                    return Some(Err(io_error(e)));
                }
            };
            self.pos += n;
            for c in chunk.chunks_exact(12) {
                let t = i64::from_le_bytes(c[..8].try_into().expect("8 bytes"));
                if t >= self.to {
                    self.done = true;
                    break;
                }
                if t >= self.from {
                    self.buf.push((t, m.first + u32_at(c, 8) as u64));
                }
            }
            self.buf.reverse();
        }
        self.buf.pop().map(Ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: u64, subject: &str, time: &str) -> AuditRecord {
        serde_json::from_value(serde_json::json!({
            "time": time, "request_id": format!("r{n}"), "cert_sha256": "",
            "cert_subject": "", "interface": "direct", "operation": "op",
            "organisation": if n.is_multiple_of(2) { "even" } else { "odd" },
            "loppukayttaja": format!("user{}", n % 3),
            "search_key": ["Henkilotunnus", subject],
            "return_code": "0000", "groups": [], "non_disclosure_applied": false,
            "duration_us": 1
        }))
        .unwrap()
    }

    #[test]
    fn the_subject_keys_are_the_subjects() {
        for (kind, value, disclosed) in [
            ("Henkilotunnus", "020501A999T", vec![]),
            ("Henkilotunnus", "", vec![]),
            ("HakuXml", "<Haku/>", vec![]),
            ("HakuXml", "<Haku/>", vec!["020501A999T", "030370-946X"]),
            (
                "SahkoinenAsiointitunnus",
                "100000420",
                vec!["030370-946X", ""],
            ),
            ("Henkilotunnus", "020501A999T", vec!["020501A999T"]),
        ] {
            let mut r = record(1, "x", "2026-01-01T00:00:00Z");
            r.search_key = Some((kind.into(), value.into()));
            r.disclosed = disclosed.iter().map(|d| d.to_string()).collect();
            let mut keys = Vec::new();
            keys_of(&r, |tag, v| {
                if tag == Tag::Subject {
                    keys.push(v.to_string());
                }
            });
            assert_eq!(keys, subjects(&r), "{kind} {value} {disclosed:?}");
        }
        let mut r = record(1, "x", "2026-01-01T00:00:00Z");
        r.search_key = None;
        keys_of(&r, |tag, _| assert_ne!(tag, Tag::Subject));
    }

    #[test]
    fn every_byte_and_the_length_of_a_key_reach_its_hash() {
        let build = KeyHash::default();
        let hash = |k: &[u8]| build.hash_one(k);
        let mut seen = std::collections::HashSet::new();
        for len in 0..=40usize {
            let base: Vec<u8> = (0..len as u8).map(|i| b'a' + i % 26).collect();
            assert_eq!(hash(&base), hash(&base.clone()), "deterministic");
            assert!(seen.insert(hash(&base)), "length {len}");
            for at in 0..len {
                for bit in 0..8 {
                    let mut k = base.clone();
                    k[at] ^= 1 << bit;
                    assert!(seen.insert(hash(&k)), "length {len}, byte {at}, bit {bit}");
                }
            }
        }
        // Another index draws other seeds.
        assert_ne!(
            KeyHash::default().hash_one(b"S020501A999T"),
            hash(b"S020501A999T")
        );
    }

    #[test]
    fn a_sealed_index_finds_what_the_memory_index_found() {
        let mut mem = MemIndex::default();
        let base: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        for n in 0..1000u64 {
            // Times mostly in order, a few a little late.
            let t = base
                .checked_add(jiff::SignedDuration::from_secs(
                    (n * 10 - (n % 7) * 3) as i64,
                ))
                .unwrap();
            let r = record(n, &format!("s{}", n % 300), &t.to_string());
            mem.add(100 + n, n as u32 * 10, 10, Some(&r));
        }
        mem.checkpoints.push((1099, 99_999, 5));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.idx");
        DiskIndex::write(&path, 9, &mem).unwrap();
        assert!(
            DiskIndex::open(&path, 8).is_err(),
            "another segment's index"
        );
        let disk = DiskIndex::open(&path, 9).unwrap();
        assert_eq!((disk.first(), disk.last()), (100, Some(1099)));
        assert_eq!(disk.checkpoints(), [(1099, 99_999, 5)]);
        assert_eq!(disk.slot(150).unwrap(), Some((500, 10)));
        assert_eq!(disk.slot(99).unwrap(), None);
        for k in [
            key(Tag::Subject, "s7"),
            key(Tag::Subject, "s299"),
            key(Tag::EndUser, "user1"),
            key(Tag::Organisation, "even"),
            key(Tag::Operation, "op"),
            key(Tag::Subject, "nobody"),
        ] {
            let mut found = Vec::new();
            disk.find(&k, key_hash(&k), &mut |s| {
                found.push(s);
                Ok(true)
            })
            .unwrap();
            assert_eq!(found, mem.find(&k), "{k:?}");
        }
        for (a, b) in [(0, 3000), (2500, 2600), (-5, 10_000), (9990, 9991)] {
            let (from, to) = (
                base.as_microsecond() + a * 1_000_000,
                base.as_microsecond() + b * 1_000_000,
            );
            let disk: Vec<_> = disk.time_range(from, to).map(|e| e.unwrap()).collect();
            assert_eq!(disk, mem.time_range(from, to), "{a}..{b}");
        }
    }
}
