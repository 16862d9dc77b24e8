//! One segment of the audit trail (`segment_store.rs`): its file, read by anyone at any
//! offset, and its index — in memory while it is active ([`MemIndex`]), from its index
//! file once sealed ([`DiskIndex`]); how a segment's index is rebuilt from its frames when
//! the store opens (crash recovery: a torn last group dropped and cleared), and how a sealed
//! segment's index file is written and then used instead of the memory. Knows nothing of
//! the other segments or of the writer's turn.

use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use super::backend::parse;
use super::error::AuditError;
use super::segment_file::{self as file, Kind};
use super::segment_index::{self as index, DiskIndex, MemIndex};

pub fn io(what: &str, e: std::io::Error) -> AuditError {
    AuditError::Store(format!("{what}: {e}"))
}

/// A segment: its file (read by anyone at any offset) and its index.
pub struct Segment {
    pub number: u64,
    /// The first record's number, or (while it holds none) the number its first will
    /// have: segments are in order of it, so the one holding a number is found by halving.
    pub first: AtomicU64,
    pub file: std::fs::File,
    pub index: RwLock<Index>,
}

pub enum Index {
    Mem(MemIndex),
    Disk(Arc<DiskIndex>),
}

impl Segment {
    pub fn new(number: u64, file: std::fs::File, index: Index, hint: u64) -> Segment {
        let seg = Segment {
            number,
            first: AtomicU64::new(hint),
            file,
            index: RwLock::new(index),
        };
        seg.settle_first();
        seg
    }

    /// Sets `first` from the index once it holds a record.
    pub fn settle_first(&self) {
        if let Some((first, _)) = self.span() {
            self.first.store(first, Ordering::Release);
        }
    }

    pub fn index(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.index.read().unwrap_or_else(|p| p.into_inner())
    }

    /// First and last record numbers held.
    pub fn span(&self) -> Option<(u64, u64)> {
        match &*self.index() {
            Index::Mem(m) => m.last().map(|l| (m.first, l)),
            Index::Disk(d) => d.last().map(|l| (d.first(), l)),
        }
    }

    pub fn slot(&self, seq: u64) -> Result<Option<(u32, u32)>, AuditError> {
        match &*self.index() {
            Index::Mem(m) => Ok(m.slot(seq)),
            Index::Disk(d) => d.slot(seq).map_err(index::io_error),
        }
    }

    pub fn read(&self, offset: u32, len: u32) -> Result<Vec<u8>, AuditError> {
        let mut buf = vec![0u8; len as usize];
        self.file
            .read_exact_at(&mut buf, offset as u64)
            .map_err(|e| io("audit segment", e))?;
        Ok(buf)
    }

    pub fn checkpoints(&self) -> Vec<(u64, u32, u32)> {
        match &*self.index() {
            Index::Mem(m) => m.checkpoints.clone(),
            Index::Disk(d) => d.checkpoints().to_vec(),
        }
    }

    /// Slots of the records numbered `from..=to` held here, in order.
    pub fn slots(&self, from: u64, to: u64) -> Result<Vec<(u64, u32, u32)>, AuditError> {
        match &*self.index() {
            Index::Mem(m) => Ok((from..=to)
                .filter_map(|s| m.slot(s).map(|(o, l)| (s, o, l)))
                .collect()),
            Index::Disk(d) => d.slots(from, to).map_err(index::io_error),
        }
    }
}

/// Opens segment `number`: its index file if it has one (else, unless it is the last,
/// reads its frames and writes one); the last one without an index is the active one,
/// whose index [`recover`] rebuilds.
pub fn open_segment(
    dir: &Path,
    number: u64,
    indexed: bool,
    last: bool,
    hint: u64,
) -> Result<Segment, AuditError> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(file::path(dir, number))
        .map_err(|e| io("cannot open an audit segment", e))?;
    if indexed {
        match DiskIndex::open(&file::index_path(dir, number), number) {
            Ok(d) => return Ok(Segment::new(number, f, Index::Disk(Arc::new(d)), hint)),
            Err(e) => tracing::warn!(error = %e, "rebuilding an audit segment's index"),
        }
    }
    let seg = Segment::new(number, f, Index::Mem(MemIndex::default()), hint);
    if !last {
        recover(dir, &seg)?;
        seal(dir, &seg).map_err(|e| io("cannot write an audit segment's index", e))?;
    }
    Ok(seg)
}

/// Reads a segment's frames into its in-memory index, and clears what a torn group left
/// after them; returns where the next frame goes and the file's size.
pub fn recover(dir: &Path, seg: &Segment) -> Result<(u64, u64), AuditError> {
    let bytes = std::fs::read(file::path(dir, seg.number))
        .map_err(|e| io("cannot read an audit segment", e))?;
    let read = file::read(seg.number, &bytes);
    let mut mem = MemIndex::default();
    for f in &read.frames {
        match f.kind {
            Kind::Record => {
                let payload = &bytes[f.offset as usize..(f.offset + f.len) as usize];
                let record = parse(f.seq, payload).ok();
                mem.add(f.seq, f.offset, f.len, record.as_ref());
            }
            Kind::Checkpoint => mem.checkpoints.push((f.seq, f.offset, f.len)),
        }
    }
    if read.dirty_to > read.end {
        // A torn group's leftovers: zeros again, so nothing of it is ever read later.
        let zeros = vec![0u8; (read.dirty_to - read.end) as usize];
        seg.file
            .write_all_at(&zeros, read.end)
            .and_then(|_| seg.file.sync_data())
            .map_err(|e| io("cannot clear a torn audit group", e))?;
        tracing::warn!(
            segment = seg.number,
            "an unacknowledged audit group torn by a crash was dropped"
        );
    }
    *seg.index.write().unwrap_or_else(|p| p.into_inner()) = Index::Mem(mem);
    seg.settle_first();
    Ok((read.end, bytes.len() as u64))
}

/// Writes a sealed segment's index file, then reads through it instead of the memory.
pub fn seal(dir: &Path, seg: &Segment) -> std::io::Result<()> {
    let path = file::index_path(dir, seg.number);
    {
        let guard = seg.index();
        let Index::Mem(mem) = &*guard else {
            return Ok(());
        };
        DiskIndex::write(&path, seg.number, mem)?;
    }
    file::sync_dir(dir)?;
    let disk = DiskIndex::open(&path, seg.number)?;
    *seg.index.write().unwrap_or_else(|p| p.into_inner()) = Index::Disk(Arc::new(disk));
    Ok(())
}
