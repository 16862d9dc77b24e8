//! The audit trail's write-ahead journal: what makes an appended record durable before its
//! answer leaves, in the sled store (`sled_store.rs`). Its `append` inserts each group of
//! records into sled without flushing sled, appends the same bytes to the current journal file and makes them durable
//! with one `fdatasync` for the whole group. Sled is flushed in the background about once
//! a second; when that flush has finished, the journal files written before it began are
//! recycled. Opening the log replays whatever journal files are left (after a crash) into
//! sled, so the trail in sled holds every record that was ever acknowledged.
//!
//! The files live in the store's directory, beside sled's own files, named
//! `audit-journal-NNNNNNNNNNNNNNNNNNNN` (a number that grows with each file). Each file is
//! written full of zeros once, when it is made, and then overwritten in place: a sync then
//! writes data blocks only, never file-system metadata, so it does not wait for a
//! file-system journal commit (and for every other process's writes that commit carries).
//! Files that a sled flush made redundant are renamed `audit-journal-spare-N` and reused.
//! A file is a sequence of frames, then whatever an earlier use left:
//!
//! ```text
//! length u32 LE | kind u8 | seq u64 LE | payload (length bytes) | check
//! check = SHA-256(file number, kind, seq, payload)[..8]
//! ```
//!
//! Kind 1 is an audit record's JSON (exactly the bytes sled stores and the chain hashes),
//! kind 2 a signed checkpoint's. Reading stops at the first frame that is incomplete or
//! fails its check: zeros, a frame left by the file's earlier use (its check was made with
//! another file number), or a torn last group — and that group was never acknowledged (its
//! `fdatasync` did not return).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

const PREFIX: &str = "audit-journal-";
const SPARE: &str = "audit-journal-spare-";
/// The size of a journal file: about a second of records at full load (~1 KB each). A
/// fuller second only rotates sooner.
const FILE_BYTES: u64 = 4 << 20;
/// Spare files kept for reuse; more are deleted.
const MAX_SPARES: usize = 4;
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

fn check(file: u64, kind: u8, seq: u64, payload: &[u8]) -> [u8; CHECK] {
    let mut h = Sha256::new();
    h.update(file.to_le_bytes());
    h.update([kind]);
    h.update(seq.to_le_bytes());
    h.update(payload);
    let mut out = [0; CHECK];
    out.copy_from_slice(&h.finalize()[..CHECK]);
    out
}

/// Frames for one journal file: filled by the writer, then appended with one sync.
pub struct Frames {
    file: u64,
    pub bytes: Vec<u8>,
}

impl Frames {
    /// Frames for the file numbered `file`.
    pub fn new(file: u64) -> Self {
        Frames {
            file,
            bytes: Vec::new(),
        }
    }

    /// Adds one frame.
    pub fn push(&mut self, kind: Kind, seq: u64, payload: &[u8]) {
        let len = u32::try_from(payload.len()).expect("an audit frame under 4 GiB");
        self.bytes.extend_from_slice(&len.to_le_bytes());
        self.bytes.push(kind as u8);
        self.bytes.extend_from_slice(&seq.to_le_bytes());
        self.bytes.extend_from_slice(payload);
        self.bytes
            .extend_from_slice(&check(self.file, kind as u8, seq, payload));
    }
}

/// The valid frames at the start of the contents of the file numbered `file`.
pub fn frames(file: u64, bytes: &[u8]) -> Vec<Entry> {
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
        if stored != check(file, kind as u8, seq, payload) {
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

/// The files in `dir` whose names are `prefix` and a number, in number order.
fn numbered(dir: &Path, prefix: &str) -> io::Result<Vec<(u64, PathBuf)>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if let Some(n) = name
            .to_str()
            .and_then(|s| s.strip_prefix(prefix))
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
/// recycled once the frames are safely in sled).
pub struct Leftover {
    pub entries: Vec<Entry>,
    pub files: Vec<PathBuf>,
    next: u64,
}

/// Reads the journal files left in `dir`: a crash leaves frames, a clean stop only the
/// current (emptied) file. Safe while a writer runs: a file listed and then recycled
/// before it could be opened (`NotFound`) was covered by a finished sled flush, so it is
/// left out rather than failing the read.
pub fn leftover(dir: &Path) -> io::Result<Leftover> {
    let found = numbered(dir, PREFIX)?;
    let next = found.last().map_or(1, |(n, _)| n + 1);
    let mut entries = Vec::new();
    let mut files = Vec::with_capacity(found.len());
    for (n, path) in found {
        let mut bytes = Vec::new();
        match File::open(&path).and_then(|mut f| f.read_to_end(&mut bytes)) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        }
        entries.extend(frames(n, &bytes));
        files.push(path);
    }
    Ok(Leftover {
        entries,
        files,
        next,
    })
}

impl Leftover {
    /// Recycles the replayed files (call only after sled has been flushed) and opens the
    /// journal's next file.
    pub fn finish(self, dir: &Path) -> io::Result<Journal> {
        recycle(&self.files)?;
        Journal::open(dir, self.next, 0)
    }
}

/// The file the writer appends to now.
pub struct Journal {
    dir: PathBuf,
    number: u64,
    file: File,
    written: u64,
    capacity: u64,
}

impl Journal {
    /// Opens file `number` for at least `needed` bytes: a spare renamed, or a new file
    /// filled with zeros.
    fn open(dir: &Path, number: u64, needed: u64) -> io::Result<Journal> {
        let path = name(dir, number);
        let spare = numbered(dir, SPARE)?
            .into_iter()
            .map(|(_, p)| p)
            .find(|p| fs::metadata(p).is_ok_and(|m| m.len() >= needed.max(FILE_BYTES)));
        match spare {
            Some(spare) => fs::rename(spare, &path)?,
            None => {
                let mut f = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)?;
                let zeros = vec![0u8; 1 << 20];
                let mut left = needed.max(FILE_BYTES).next_multiple_of(1 << 20);
                while left > 0 {
                    f.write_all(&zeros)?;
                    left -= zeros.len() as u64;
                }
                f.sync_all()?;
            }
        }
        // The name must survive a crash before anything in the file is acknowledged.
        sync_dir(dir)?;
        let file = OpenOptions::new().read(true).write(true).open(&path)?;
        let capacity = file.metadata()?.len();
        Ok(Journal {
            dir: dir.to_path_buf(),
            number,
            file,
            written: 0,
            capacity,
        })
    }

    /// Empty frames for the current file.
    pub fn frames(&self) -> Frames {
        Frames::new(self.number)
    }

    /// Writes `frames` (made for this file) after what the file holds and makes them
    /// durable with one `fdatasync`. The caller rotates first when they do not fit.
    pub fn append_durably(&mut self, frames: &Frames) -> io::Result<()> {
        debug_assert_eq!(frames.file, self.number);
        let end = self.written + frames.bytes.len() as u64;
        if end > self.capacity {
            return Err(io::Error::other("the audit journal file is full"));
        }
        self.file.write_all_at(&frames.bytes, self.written)?;
        self.file.sync_data()?;
        self.written = end;
        Ok(())
    }

    /// Whether `bytes` more fit in the current file.
    pub fn fits(&self, bytes: usize) -> bool {
        self.written + bytes as u64 <= self.capacity
    }

    /// Bytes in the current file.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Continues in the next file, of at least `needed` bytes. The older files stay until
    /// a sled flush has covered them ([`Journal::older`], [`recycle`]).
    pub fn rotate(&mut self, needed: u64) -> io::Result<()> {
        *self = Journal::open(&self.dir, self.number + 1, needed)?;
        Ok(())
    }

    /// Every file before the current one: what a sled flush started now covers.
    pub fn older(&self) -> io::Result<Vec<PathBuf>> {
        Ok(numbered(&self.dir, PREFIX)?
            .into_iter()
            .filter(|(n, _)| *n < self.number)
            .map(|(_, p)| p)
            .collect())
    }

    /// After a sled flush that covers everything written (the writer is the only author):
    /// continues in a new file and recycles every other one.
    pub fn clear(&mut self) -> io::Result<()> {
        self.rotate(0)?;
        recycle(&self.older()?)
    }
}

/// Every journal file in `dir` (numbered and spare).
pub fn files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = numbered(dir, PREFIX)?.into_iter().map(|(_, p)| p).collect();
    out.extend(numbered(dir, SPARE)?.into_iter().map(|(_, p)| p));
    Ok(out)
}

/// Removes every journal file (once the trail they served has moved elsewhere).
pub fn remove_all(dir: &Path) -> io::Result<()> {
    for p in files(dir)? {
        match fs::remove_file(&p) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// Renames files that a finished sled flush made redundant to spares (deleting those
/// beyond [`MAX_SPARES`]). A crash before the rename is durable only replays them again.
pub fn recycle(paths: &[PathBuf]) -> io::Result<()> {
    let Some(dir) = paths.first().and_then(|p| p.parent()) else {
        return Ok(());
    };
    let existing = numbered(dir, SPARE)?;
    let mut spares = existing.len();
    let mut next = existing.last().map_or(1, |(n, _)| n + 1);
    for p in paths {
        let done = if spares < MAX_SPARES {
            spares += 1;
            next += 1;
            fs::rename(p, dir.join(format!("{SPARE}{}", next - 1)))
        } else {
            fs::remove_file(p)
        };
        match done {
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
    fn frames_read_back_and_a_torn_damaged_or_stale_tail_is_dropped() {
        let mut f = Frames::new(3);
        f.push(Kind::Record, 7, b"{\"seq\":7}");
        f.push(Kind::Checkpoint, 7, b"{\"cp\":7}");
        let buf = f.bytes;
        let whole = frames(3, &buf);
        assert_eq!(whole.len(), 2);
        assert_eq!(whole[0].kind, Kind::Record);
        assert_eq!(whole[1].payload, b"{\"cp\":7}");
        // The same bytes in another file (an earlier use of a recycled one) are not frames.
        assert!(frames(4, &buf).is_empty());
        // Every cut inside the second frame keeps exactly the first.
        let first_len = HEADER + 9 + CHECK;
        for cut in first_len..buf.len() {
            assert_eq!(frames(3, &buf[..cut]).len(), 1, "cut at {cut}");
        }
        // A flipped byte anywhere in the second frame drops it.
        for i in first_len..buf.len() {
            let mut bad = buf.clone();
            bad[i] ^= 0x01;
            assert_eq!(frames(3, &bad).len(), 1, "byte {i}");
        }
        // Zeros after the frames end them.
        let mut padded = buf.clone();
        padded.extend_from_slice(&[0; 64]);
        assert_eq!(frames(3, &padded).len(), 2);
    }

    #[test]
    fn rotation_recycling_and_leftovers_keep_every_frame_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = leftover(dir.path()).unwrap().finish(dir.path()).unwrap();
        let mut f = j.frames();
        f.push(Kind::Record, 1, b"one");
        j.append_durably(&f).unwrap();
        j.rotate(0).unwrap();
        let old = j.older().unwrap();
        assert_eq!(old.len(), 1);
        let mut f = j.frames();
        f.push(Kind::Record, 2, b"two");
        j.append_durably(&f).unwrap();
        // A crash now leaves both files.
        let left = leftover(dir.path()).unwrap();
        let seqs: Vec<u64> = left.entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2]);
        // After the flush, the old file becomes a spare and the current one stays.
        recycle(&old).unwrap();
        let left = leftover(dir.path()).unwrap();
        assert_eq!(left.entries.len(), 1);
        // The spare is reused for the next file, and what it held is not read again.
        j.clear().unwrap();
        assert!(leftover(dir.path()).unwrap().entries.is_empty());
        let mut f = j.frames();
        f.push(Kind::Record, 3, b"three");
        j.append_durably(&f).unwrap();
        let left = leftover(dir.path()).unwrap();
        assert_eq!(left.entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [3]);
        assert!(numbered(dir.path(), SPARE).unwrap().len() <= MAX_SPARES);
        // A group larger than what is left is refused, not half written.
        assert!(!j.fits(FILE_BYTES as usize));
    }

    #[test]
    fn listing_the_journal_while_files_are_recycled_never_fails() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = leftover(dir.path()).unwrap().finish(dir.path()).unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reader = {
            let (dir, stop) = (dir.path().to_path_buf(), stop.clone());
            std::thread::spawn(move || {
                let mut reads = 0u32;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) || reads == 0 {
                    leftover(&dir).expect("listing the journal while the writer runs");
                    reads += 1;
                }
                reads
            })
        };
        // What the writer and its flush do: write, rotate, recycle the older files.
        for seq in 0..200 {
            let mut f = j.frames();
            f.push(Kind::Record, seq, b"record");
            j.append_durably(&f).unwrap();
            j.rotate(0).unwrap();
            recycle(&j.older().unwrap()).unwrap();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(reader.join().unwrap() > 0);
    }
}
