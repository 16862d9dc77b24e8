//! The segment files of the audit trail (`segment_store.rs`): their names, how they are
//! made (full of zeros, synced, then renamed into place), and the frame format the records
//! and checkpoints are written in. Knows nothing of indexes or of the trail's rules.
//!
//! A segment `audit/audit-segment-NNNNNNNNNNNNNNNNNNNN` is made as `….new`, written full of
//! zeros and synced, then renamed (and the directory synced) before the first frame in it
//! is acknowledged; frames are then written in place, so a group's `fdatasync` writes data
//! blocks only. A segment is never reused. Its frames:
//!
//! ```text
//! length u32 LE | kind u8 | seq u64 LE | head check (8) | payload (length bytes) | payload check (8)
//! head check    = SHA-256("h", segment number, kind, seq, length)[..8]
//! payload check = SHA-256("p", segment number, seq, payload)[..8]
//! ```
//!
//! Kind 1 is a record's stored bytes (what the chain hashes), kind 2 a signed checkpoint;
//! the bit 0x80 marks the last frame of a group (one `fdatasync`). Reading walks the heads;
//! it stops at the first head that fails its check (zeros, or a torn write). A group is
//! written only after the previous group's sync returned, so every group but the last one
//! read was acknowledged: a payload that fails its check there is damage, and is kept (and
//! `audit verify` names it); the last group is the one a crash may have torn, and it is
//! dropped whole unless every frame of it is intact.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sha2::{Digest, Sha256};

/// The subdirectory of the data directory that holds the segments and their indexes.
pub const DIR: &str = "audit";
const PREFIX: &str = "audit-segment-";
/// The first segment's size; each next one is twice its predecessor, up to [`MAX_BYTES`].
pub const FIRST_BYTES: u64 = 1 << 20;
/// A full segment's size (about 60 000 records of ~1 KB).
pub const MAX_BYTES: u64 = 64 << 20;
pub const HEAD: usize = 4 + 1 + 8 + 8;
pub const TAIL: usize = 8;
/// A frame longer than this is read as damage, not as a record.
const MAX_PAYLOAD: u32 = 16 << 20;
const LAST_OF_GROUP: u8 = 0x80;

/// What a frame holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Record = 1,
    Checkpoint = 2,
}

pub fn path(dir: &Path, number: u64) -> PathBuf {
    dir.join(format!("{PREFIX}{number:020}"))
}

pub fn index_path(dir: &Path, number: u64) -> PathBuf {
    dir.join(format!("{PREFIX}{number:020}.idx"))
}

fn new_path(dir: &Path, number: u64) -> PathBuf {
    dir.join(format!("{PREFIX}{number:020}.new"))
}

/// The size of segment `number` (1, 2, 4 … MiB, then [`MAX_BYTES`]).
pub fn size_of(number: u64) -> u64 {
    let shift = number.saturating_sub(1).min(6);
    (FIRST_BYTES << shift).min(MAX_BYTES)
}

/// What the directory holds: segment numbers (in order) and which have an index file.
/// Only reads: safe beside the writer (nothing it lists is renamed or removed but by
/// pruning, and a file pruned between the listing and its opening is simply gone).
pub fn list(dir: &Path) -> io::Result<Vec<(u64, bool)>> {
    scan(dir, false)
}

/// Removes the leftovers of an unfinished step (`.new`, `.idx.tmp`): only when the store
/// opens, before its writer runs.
pub fn tidy(dir: &Path) -> io::Result<()> {
    scan(dir, true).map(|_| ())
}

fn scan(dir: &Path, tidy: bool) -> io::Result<Vec<(u64, bool)>> {
    let mut segments = Vec::new();
    let mut indexed = std::collections::BTreeSet::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|s| s.strip_prefix(PREFIX)) else {
            continue;
        };
        let (number, suffix) = rest.split_at(rest.find('.').unwrap_or(rest.len()));
        let Ok(number) = number.parse::<u64>() else {
            continue;
        };
        match suffix {
            "" => segments.push(number),
            ".idx" => {
                indexed.insert(number);
            }
            _ if tidy => match fs::remove_file(entry.path()) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            },
            _ => {}
        }
    }
    segments.sort_unstable();
    Ok(segments
        .into_iter()
        .map(|n| (n, indexed.contains(&n)))
        .collect())
}

/// How [`prepare`] writes a segment's zeros.
#[derive(Debug, Clone)]
pub enum Pace {
    /// As fast as the disk takes it: the segment is needed now (the first one, or one
    /// the writer overtook).
    Now,
    /// In [`PACED_CHUNK`] pieces, each synced, with [`PACED_PAUSE`] between them: a
    /// segment made ahead while the writer syncs groups. Written at once, 64 MiB sit in
    /// the disk's write cache, and the cache flush of every group synced meanwhile waits
    /// behind them (tens of milliseconds on the answer path); paced, a group's flush waits
    /// behind one piece at most. Once the flag is set (the writer needs the segment and
    /// waits for it), the rest is written at full speed.
    Ahead(Arc<AtomicBool>),
}

impl Pace {
    /// Paced, until someone asks for hurry.
    pub fn ahead() -> (Pace, Arc<AtomicBool>) {
        let hurry = Arc::new(AtomicBool::new(false));
        (Pace::Ahead(hurry.clone()), hurry)
    }

    fn pausing(&self) -> bool {
        match self {
            Pace::Now => false,
            Pace::Ahead(hurry) => !hurry.load(Ordering::Relaxed),
        }
    }
}

/// One piece of a paced write.
pub const PACED_CHUNK: usize = 256 << 10;
/// The pause after each synced piece of a paced write (a full segment: 256 pieces, about
/// a second, while filling half a segment takes seconds at full load).
pub const PACED_PAUSE: std::time::Duration = std::time::Duration::from_millis(2);

/// Writes `piece` at `f`'s position; paced, syncs it and pauses.
fn write_piece(f: &mut File, piece: &[u8], pace: &Pace) -> io::Result<()> {
    f.write_all(piece)?;
    if pace.pausing() {
        f.sync_data()?;
        std::thread::sleep(PACED_PAUSE);
    }
    Ok(())
}

/// Writes segment `number`'s file full of zeros (`bytes` long) under its temporary name
/// and syncs it; [`activate`] gives it its name.
pub fn prepare(dir: &Path, number: u64, bytes: u64, pace: &Pace) -> io::Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(new_path(dir, number))?;
    let chunk = match pace {
        Pace::Now => 1 << 20,
        Pace::Ahead(_) => PACED_CHUNK,
    };
    let zeros = vec![0u8; chunk];
    let mut left = bytes.next_multiple_of(1 << 20);
    while left > 0 {
        write_piece(&mut f, &zeros, pace)?;
        left -= zeros.len() as u64;
    }
    f.sync_all()
}

/// Renames a prepared segment into place, durably; returns it opened for reading and
/// writing, with its size.
pub fn activate(dir: &Path, number: u64) -> io::Result<(File, u64)> {
    fs::rename(new_path(dir, number), path(dir, number))?;
    sync_dir(dir)?;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path(dir, number))?;
    let len = file.metadata()?.len();
    Ok((file, len))
}

pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

// Each check's fixed fields are put together first and hashed with one update (SHA-256
// of the same bytes as five or four updates of them: the hasher's buffering per update
// was most of what a frame cost outside the compression itself).

fn head_check(file: u64, kind: u8, seq: u64, len: u32) -> [u8; 8] {
    let mut head = [0u8; 22];
    head[0] = b'h';
    head[1..9].copy_from_slice(&file.to_le_bytes());
    head[9] = kind;
    head[10..18].copy_from_slice(&seq.to_le_bytes());
    head[18..].copy_from_slice(&len.to_le_bytes());
    Sha256::digest(head)[..8].try_into().expect("8 bytes")
}

fn payload_check(file: u64, seq: u64, payload: &[u8]) -> [u8; 8] {
    let mut prefix = [0u8; 17];
    prefix[0] = b'p';
    prefix[1..9].copy_from_slice(&file.to_le_bytes());
    prefix[9..].copy_from_slice(&seq.to_le_bytes());
    let mut h = Sha256::new();
    h.update(prefix);
    h.update(payload);
    h.finalize()[..8].try_into().expect("8 bytes")
}

/// One group's frames for segment `file`, built by the writer and written with one sync.
pub struct Frames {
    file: u64,
    pub bytes: Vec<u8>,
    last_kind_at: Option<usize>,
}

impl Frames {
    pub fn new(file: u64) -> Self {
        Self::with_capacity(file, 0, 0)
    }

    /// As [`Frames::new`], with room for `frames` frames of `payload_bytes` payload in
    /// all (the writer sizes a group's buffer once).
    pub fn with_capacity(file: u64, frames: usize, payload_bytes: usize) -> Self {
        Frames {
            file,
            bytes: Vec::with_capacity(payload_bytes + frames * (HEAD + TAIL)),
            last_kind_at: None,
        }
    }

    /// Adds a frame; returns where its payload starts in `bytes`.
    pub fn push(&mut self, kind: Kind, seq: u64, payload: &[u8]) -> usize {
        self.end_group_here(false);
        let len = u32::try_from(payload.len()).expect("an audit frame under 4 GiB");
        self.bytes.extend_from_slice(&len.to_le_bytes());
        self.last_kind_at = Some(self.bytes.len());
        self.bytes.push(kind as u8);
        self.bytes.extend_from_slice(&seq.to_le_bytes());
        self.bytes
            .extend_from_slice(&head_check(self.file, kind as u8, seq, len));
        let at = self.bytes.len();
        self.bytes.extend_from_slice(payload);
        self.bytes
            .extend_from_slice(&payload_check(self.file, seq, payload));
        at
    }

    /// Sets or clears the end-of-group mark on the last frame (its head check covers it).
    fn end_group_here(&mut self, end: bool) {
        let Some(at) = self.last_kind_at else { return };
        let kind = self.bytes[at] & !LAST_OF_GROUP | if end { LAST_OF_GROUP } else { 0 };
        if kind == self.bytes[at] {
            return;
        }
        self.bytes[at] = kind;
        let seq = u64::from_le_bytes(self.bytes[at + 1..at + 9].try_into().expect("8 bytes"));
        let len = u32::from_le_bytes(self.bytes[at - 4..at].try_into().expect("4 bytes"));
        let check = head_check(self.file, kind, seq, len);
        self.bytes[at + 9..at + 17].copy_from_slice(&check);
    }

    /// The frames, their last one marked as the end of the group.
    pub fn finish(mut self) -> Vec<u8> {
        self.end_group_here(true);
        self.bytes
    }
}

/// One frame read back: where its payload lies in the segment, and whether it passed its
/// check (a damaged payload in an acknowledged group is kept, for verify to name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    pub kind: Kind,
    pub seq: u64,
    pub offset: u32,
    pub len: u32,
    pub intact: bool,
}

/// The frames of segment `file`'s contents, and where the kept ones end.
pub struct Read {
    pub frames: Vec<Found>,
    pub end: u64,
    /// One past the last byte that is not zero (a torn group's leftovers end there).
    pub dirty_to: u64,
}

/// Reads the frames of segment `file` (see the module's rules for a torn last group).
pub fn read(file: u64, bytes: &[u8]) -> Read {
    let mut frames = Vec::new();
    let mut group = Vec::new();
    let mut end = 0usize;
    let mut pos = 0usize;
    let mut last_group_start = 0usize;
    while bytes.len() - pos >= HEAD + TAIL {
        let h = &bytes[pos..];
        let len = u32::from_le_bytes(h[..4].try_into().expect("4 bytes"));
        let raw_kind = h[4];
        let seq = u64::from_le_bytes(h[5..13].try_into().expect("8 bytes"));
        if h[13..21] != head_check(file, raw_kind, seq, len) || len > MAX_PAYLOAD {
            break;
        }
        let kind = match raw_kind & !LAST_OF_GROUP {
            1 => Kind::Record,
            2 => Kind::Checkpoint,
            _ => break,
        };
        let total = HEAD + len as usize + TAIL;
        if h.len() < total {
            break;
        }
        let payload = &h[HEAD..HEAD + len as usize];
        let intact = h[HEAD + len as usize..total] == payload_check(file, seq, payload);
        group.push(Found {
            kind,
            seq,
            offset: (pos + HEAD) as u32,
            len,
            intact,
        });
        pos += total;
        if raw_kind & LAST_OF_GROUP != 0 {
            last_group_start = frames.len();
            frames.append(&mut group);
            end = pos;
        }
    }
    // The last whole group is the one a crash may have torn: kept only if all of it is.
    if frames[last_group_start..].iter().any(|f| !f.intact) {
        end = frames[last_group_start].offset as usize - HEAD;
        frames.truncate(last_group_start);
    }
    let dirty_to = bytes.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    Read {
        frames,
        end: end as u64,
        dirty_to: dirty_to.max(end) as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(file: u64, seqs: &[u64]) -> Vec<u8> {
        let mut f = Frames::new(file);
        for &s in seqs {
            f.push(Kind::Record, s, format!("{{\"seq\":{s}}}").as_bytes());
        }
        f.finish()
    }

    /// The checks as the format defines them, update by update (the reference the
    /// buffered ones are held to).
    #[test]
    fn the_checks_hash_the_fields_the_format_names() {
        for (file, kind, seq, len) in [
            (1, 1, 1, 0),
            (90, 0x82, u64::MAX, u32::MAX),
            (7, 1, 123_456, 1017),
        ] {
            let mut h = Sha256::new();
            h.update(b"h");
            h.update(u64::to_le_bytes(file));
            h.update([kind]);
            h.update(u64::to_le_bytes(seq));
            h.update(u32::to_le_bytes(len));
            assert_eq!(head_check(file, kind, seq, len), h.finalize()[..8]);
            for payload in [&b""[..], b"{}", &[7u8; 1017]] {
                let mut h = Sha256::new();
                h.update(b"p");
                h.update(u64::to_le_bytes(file));
                h.update(u64::to_le_bytes(seq));
                h.update(payload);
                assert_eq!(payload_check(file, seq, payload), h.finalize()[..8]);
            }
        }
        // And a frame as the format defines it (segment 3, record 42, the last of its
        // group; the checks computed apart from this code).
        let mut f = Frames::new(3);
        f.push(Kind::Record, 42, b"{\"seq\":42}");
        assert_eq!(
            hex::encode(f.finish()),
            "0a00000081\
             2a00000000000000\
             5e0b289f0929a605\
             7b22736571223a34327d\
             728d2dd202fe0aa9"
        );
    }

    #[test]
    fn groups_read_back_and_a_torn_last_group_is_dropped_whole() {
        let mut bytes = group(3, &[1, 2]);
        let first = bytes.len();
        bytes.extend(group(3, &[3, 4, 5]));
        let r = read(3, &bytes);
        assert_eq!(
            r.frames.iter().map(|f| f.seq).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
        assert_eq!(r.end as usize, bytes.len());
        // The same bytes in another segment are not frames.
        assert!(read(4, &bytes).frames.is_empty());
        // Every cut inside the second group keeps exactly the first.
        for cut in first..bytes.len() {
            let r = read(3, &bytes[..cut]);
            assert_eq!(r.frames.len(), 2, "cut at {cut}");
            assert_eq!(r.end as usize, first);
        }
        // A flipped byte in the last group's payloads drops that group (a torn write).
        let mut torn = bytes.clone();
        torn[bytes.len() - 12] ^= 1;
        assert_eq!(read(3, &torn).frames.len(), 2);
        // The same damage in an earlier, acknowledged group is kept and marked.
        let mut damaged = bytes.clone();
        damaged[HEAD + 3] ^= 1;
        let r = read(3, &damaged);
        assert_eq!(r.frames.len(), 5);
        assert!(!r.frames[0].intact && r.frames[1].intact);
        // Zeros after the frames end them; leftovers past the end are found.
        let mut padded = bytes.clone();
        padded.extend_from_slice(&[0; 64]);
        padded.extend_from_slice(&[7; 3]);
        let r = read(3, &padded);
        assert_eq!(r.frames.len(), 5);
        assert_eq!(r.dirty_to as usize, padded.len());
    }

    #[test]
    fn a_paced_segment_is_the_same_file_as_one_made_at_once() {
        let dir = tempfile::tempdir().unwrap();
        // Three and a half mebibytes: rounded up to whole mebibytes either way.
        let bytes = (7 << 20) / 2;
        prepare(dir.path(), 1, bytes, &Pace::Now).unwrap();
        prepare(dir.path(), 2, bytes, &Pace::ahead().0).unwrap();
        // Told to hurry, a paced preparation stops pausing (and syncing each piece), and
        // makes the same file.
        let (pace, hurry) = Pace::ahead();
        assert!(pace.pausing());
        hurry.store(true, Ordering::Relaxed);
        assert!(!pace.pausing() && !Pace::Now.pausing());
        prepare(dir.path(), 3, bytes, &pace).unwrap();
        for number in [1, 2, 3] {
            let (mut file, len) = activate(dir.path(), number).unwrap();
            assert_eq!(len, 4 << 20, "segment {number}");
            let mut content = Vec::new();
            std::io::Read::read_to_end(&mut file, &mut content).unwrap();
            assert!(content.iter().all(|&b| b == 0), "segment {number}");
            assert!(!new_path(dir.path(), number).exists());
        }
    }

    #[test]
    fn sizes_double_up_to_the_full_segment() {
        assert_eq!(size_of(1), 1 << 20);
        assert_eq!(size_of(2), 2 << 20);
        assert_eq!(size_of(7), 64 << 20);
        assert_eq!(size_of(500), 64 << 20);
    }
}
