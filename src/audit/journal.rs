//! The audit trail's write-ahead journal: what makes an appended record durable before its
//! answer leaves. The writer (`log.rs`) inserts each group of records into sled without
//! flushing sled, appends the same bytes to the current journal file and makes them durable
//! with one `fdatasync` for the whole group. Sled is flushed in the background about once
//! a second; when that flush has finished, the journal files written before it began are
//! deleted. Opening the log replays whatever journal files are left (after a crash) into
//! sled, so the trail in sled holds every record that was ever acknowledged.
//!
//! The files live in the store's directory, beside sled's own files, named
//! `audit-journal-NNNNNNNNNNNNNNNNNNNN` (a number that grows with each file). A file is a
//! sequence of frames:
//!
//! ```text
//! length u32 LE | kind u8 | seq u64 LE | payload (length bytes) | check: SHA-256(kind, seq, payload)[..8]
//! ```
//!
//! Kind 1 is an audit record's JSON (exactly the bytes sled stores and the chain hashes),
//! kind 2 a signed checkpoint's. Reading stops at the first frame that is incomplete or
//! fails its check: only the last group can be torn, and that group was never acknowledged
//! (its `fdatasync` did not return).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

const PREFIX: &str = "audit-journal-";
const HEADER: usize = 4 + 1 + 8;
const CHECK: usize = 8;
/// A frame longer than this is read as damage, not as a record (records are ~1 KB).
const MAX_PAYLOAD: u32 = 16 << 20;

/// What a frame holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Record = 1,
    Checkpoint = 2,
}

/// One frame read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    pub seq: u64,
    pub payload: Vec<u8>,
}

fn check(kind: u8, seq: u64, payload: &[u8]) -> [u8; CHECK] {
    let mut h = Sha256::new();
    h.update([kind]);
    h.update(seq.to_le_bytes());
    h.update(payload);
    let mut out = [0; CHECK];
    out.copy_from_slice(&h.finalize()[..CHECK]);
    out
}

/// Appends one frame to `buf`.
pub fn frame(buf: &mut Vec<u8>, kind: Kind, seq: u64, payload: &[u8]) {
    let len = u32::try_from(payload.len()).expect("an audit frame under 4 GiB");
    buf.extend_from_slice(&len.to_le_bytes());
    buf.push(kind as u8);
    buf.extend_from_slice(&seq.to_le_bytes());
    buf.extend_from_slice(payload);
    buf.extend_from_slice(&check(kind as u8, seq, payload));
}

/// The whole frames at the start of `bytes`, up to the first torn or damaged one.
pub fn frames(bytes: &[u8]) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while rest.len() >= HEADER + CHECK {
        let len = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes"));
        let kind = match rest[4] {
            1 => Kind::Record,
            2 => Kind::Checkpoint,
            _ => break,
        };
        if len > MAX_PAYLOAD || rest.len() < HEADER + len as usize + CHECK {
            break;
        }
        let seq = u64::from_le_bytes(rest[5..HEADER].try_into().expect("8 bytes"));
        let payload = &rest[HEADER..HEADER + len as usize];
        let stored = &rest[HEADER + len as usize..HEADER + len as usize + CHECK];
        if stored != check(kind as u8, seq, payload) {
            break;
        }
        out.push(Entry {
            kind,
            seq,
            payload: payload.to_vec(),
        });
        rest = &rest[HEADER + len as usize + CHECK..];
    }
    out
}

/// The journal files in `dir`, oldest first, with their numbers.
fn files(dir: &Path) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if let Some(n) = name
            .to_str()
            .and_then(|s| s.strip_prefix(PREFIX))
            .and_then(|s| s.parse::<u64>().ok())
        {
            found.push((n, entry.path()));
        }
    }
    found.sort();
    Ok(found)
}

fn name(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("{PREFIX}{n:020}"))
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// What a journal left behind: its frames in order, and the files that held them (to be
/// deleted once the frames are safely in sled).
pub struct Leftover {
    pub entries: Vec<Entry>,
    pub files: Vec<PathBuf>,
    next: u64,
}

/// Reads the journal files left in `dir` (a crash leaves frames; a clean stop, one empty
/// file).
pub fn leftover(dir: &Path) -> io::Result<Leftover> {
    let found = files(dir)?;
    let mut entries = Vec::new();
    for (_, path) in &found {
        let mut bytes = Vec::new();
        File::open(path)?.read_to_end(&mut bytes)?;
        entries.extend(frames(&bytes));
    }
    Ok(Leftover {
        entries,
        next: found.last().map_or(1, |(n, _)| n + 1),
        files: found.into_iter().map(|(_, p)| p).collect(),
    })
}

impl Leftover {
    /// Deletes the replayed files (call only after sled has been flushed) and opens the
    /// journal's next file.
    pub fn finish(self, dir: &Path) -> io::Result<Journal> {
        for f in &self.files {
            fs::remove_file(f)?;
        }
        Journal::create(dir, self.next)
    }
}

/// The file the writer appends to now.
pub struct Journal {
    dir: PathBuf,
    number: u64,
    file: File,
    written: u64,
}

impl Journal {
    fn create(dir: &Path, number: u64) -> io::Result<Journal> {
        let file = OpenOptions::new()
            .create_new(true)
            .append(true)
            .open(name(dir, number))?;
        // The new name must survive a crash before anything in it is acknowledged.
        sync_dir(dir)?;
        Ok(Journal {
            dir: dir.to_path_buf(),
            number,
            file,
            written: 0,
        })
    }

    /// Appends `frames` and makes them durable (one `fdatasync`).
    pub fn append_durably(&mut self, frames: &[u8]) -> io::Result<()> {
        self.file.write_all(frames)?;
        self.file.sync_data()?;
        self.written += frames.len() as u64;
        Ok(())
    }

    /// Bytes in the current file.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Starts a new file; returns the paths of every older one, which may be deleted once
    /// sled has been flushed after this call.
    pub fn rotate(&mut self) -> io::Result<Vec<PathBuf>> {
        let next = Journal::create(&self.dir, self.number + 1)?;
        let old = std::mem::replace(self, next);
        drop(old.file);
        Ok(files(&self.dir)?
            .into_iter()
            .filter(|(n, _)| *n < self.number)
            .map(|(_, p)| p)
            .collect())
    }

    /// Deletes every file, the current one included, and starts afresh (after a sled flush
    /// that covers everything written; the writer is the only author).
    pub fn clear(&mut self) -> io::Result<()> {
        for p in self.rotate()? {
            fs::remove_file(p)?;
        }
        Ok(())
    }
}

/// Deletes journal files that a finished sled flush made redundant.
pub fn remove(paths: &[PathBuf]) -> io::Result<()> {
    for p in paths {
        match fs::remove_file(p) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_read_back_and_a_torn_or_damaged_tail_is_dropped() {
        let mut buf = Vec::new();
        frame(&mut buf, Kind::Record, 7, b"{\"seq\":7}");
        frame(&mut buf, Kind::Checkpoint, 7, b"{\"cp\":7}");
        let whole = frames(&buf);
        assert_eq!(whole.len(), 2);
        assert_eq!(whole[0].kind, Kind::Record);
        assert_eq!(whole[1].payload, b"{\"cp\":7}");
        // Every cut inside the second frame keeps exactly the first.
        let first_len = HEADER + 9 + CHECK;
        for cut in first_len..buf.len() {
            assert_eq!(frames(&buf[..cut]).len(), 1, "cut at {cut}");
        }
        // A flipped byte anywhere in the second frame drops it.
        for i in first_len..buf.len() {
            let mut bad = buf.clone();
            bad[i] ^= 0x01;
            assert_eq!(frames(&bad).len(), 1, "byte {i}");
        }
    }

    #[test]
    fn rotation_and_leftovers_keep_every_frame_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = leftover(dir.path()).unwrap().finish(dir.path()).unwrap();
        let mut buf = Vec::new();
        frame(&mut buf, Kind::Record, 1, b"one");
        j.append_durably(&buf).unwrap();
        let old = j.rotate().unwrap();
        assert_eq!(old.len(), 1);
        buf.clear();
        frame(&mut buf, Kind::Record, 2, b"two");
        j.append_durably(&buf).unwrap();
        // A crash now leaves both files.
        let left = leftover(dir.path()).unwrap();
        let seqs: Vec<u64> = left.entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2]);
        // After the flush, the old file goes and the current one stays.
        remove(&old).unwrap();
        let left = leftover(dir.path()).unwrap();
        assert_eq!(left.entries.len(), 1);
        j.clear().unwrap();
        assert!(leftover(dir.path()).unwrap().entries.is_empty());
    }
}
