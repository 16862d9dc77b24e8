//! An external sort of key/value pairs for bulk loading: pairs are collected in memory,
//! written out as sorted runs (files) when the caller's memory budget is spent, and read
//! back as one stream in key order by a k-way merge. Pairs of equal keys come out in the
//! order they were pushed (a stable sort within a run, earlier runs first between runs), so
//! the stream depends only on what was pushed, never on when runs were cut. A B-tree fed in
//! key order fills its pages once and never splits one in the middle, which a generated
//! population's random identity codes would otherwise do on every insert. Knows nothing of
//! the store or of records.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// A key and its value.
pub type Pair = (Vec<u8>, Vec<u8>);

/// What a pair costs in memory beyond its bytes (two vectors' headers and the slot).
const PAIR_OVERHEAD: usize = 3 * std::mem::size_of::<Vec<u8>>();
/// Read and write buffer of one run file.
const RUN_BUFFER: usize = 256 * 1024;

/// The pairs of one kind (one table), in memory and in runs under a directory.
pub struct Runs {
    dir: PathBuf,
    name: String,
    buffer: Vec<Pair>,
    bytes: usize,
    files: Vec<PathBuf>,
    pairs: u64,
}

impl Runs {
    /// Runs named `name.N` in `dir` (which must exist).
    pub fn new(dir: &Path, name: &str) -> Self {
        Runs {
            dir: dir.to_path_buf(),
            name: name.to_string(),
            buffer: Vec::new(),
            bytes: 0,
            files: Vec::new(),
            pairs: 0,
        }
    }

    pub fn push(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.bytes += key.len() + value.len() + PAIR_OVERHEAD;
        self.pairs += 1;
        self.buffer.push((key, value));
    }

    /// Memory the pairs not yet written out take.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Pairs pushed in all.
    pub fn pairs(&self) -> u64 {
        self.pairs
    }

    /// Writes the pairs in memory out as one sorted run.
    pub fn spill(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        self.buffer.sort_by(|a, b| a.0.cmp(&b.0));
        let path = self.dir.join(format!("{}.{}", self.name, self.files.len()));
        let mut w = BufWriter::with_capacity(RUN_BUFFER, File::create(&path)?);
        for (k, v) in self.buffer.drain(..) {
            for part in [&k, &v] {
                w.write_all(&(part.len() as u32).to_le_bytes())?;
                w.write_all(part)?;
            }
        }
        w.into_inner().map_err(|e| e.into_error())?.sync_data()?;
        self.buffer = Vec::new();
        self.bytes = 0;
        self.files.push(path);
        Ok(())
    }

    /// Every pair pushed, in key order (equal keys in push order). The pairs still in
    /// memory are sorted there and merged as the last run; the run files are deleted as
    /// the stream is dropped.
    pub fn merge(mut self) -> io::Result<Merge> {
        self.buffer.sort_by(|a, b| a.0.cmp(&b.0));
        let mut sources: Vec<Source> = Vec::new();
        for path in &self.files {
            sources.push(Source::File(BufReader::with_capacity(
                RUN_BUFFER,
                File::open(path)?,
            )));
        }
        sources.push(Source::Memory(std::mem::take(&mut self.buffer).into_iter()));
        let mut merge = Merge {
            heap: BinaryHeap::new(),
            sources,
            files: std::mem::take(&mut self.files),
        };
        for i in 0..merge.sources.len() {
            merge.refill(i)?;
        }
        Ok(merge)
    }
}

impl Drop for Runs {
    fn drop(&mut self) {
        for f in &self.files {
            let _ = std::fs::remove_file(f);
        }
    }
}

enum Source {
    File(BufReader<File>),
    Memory(std::vec::IntoIter<Pair>),
}

impl Source {
    fn next(&mut self) -> io::Result<Option<Pair>> {
        match self {
            Source::Memory(it) => Ok(it.next()),
            Source::File(r) => {
                let Some(k) = read_part(r, true)? else {
                    return Ok(None);
                };
                let v = read_part(r, false)?.expect("a value follows its key");
                Ok(Some((k, v)))
            }
        }
    }
}

/// One length-prefixed part; `None` at the end of the file (only where a key may start).
fn read_part(r: &mut BufReader<File>, at_key: bool) -> io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Err(e) if at_key && e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        other => other?,
    }
    let mut part = vec![0; u32::from_le_bytes(len) as usize];
    r.read_exact(&mut part)?;
    Ok(Some(part))
}

/// A source's next pair: key, the source's index, value.
type Head = (Vec<u8>, usize, Vec<u8>);

/// The merged stream of [`Runs::merge`].
pub struct Merge {
    /// The next key of each source that has one, with the source's index (so equal keys
    /// come from the earlier run first) and the value.
    heap: BinaryHeap<Reverse<Head>>,
    sources: Vec<Source>,
    files: Vec<PathBuf>,
}

impl Merge {
    fn refill(&mut self, i: usize) -> io::Result<()> {
        if let Some((k, v)) = self.sources[i].next()? {
            self.heap.push(Reverse((k, i, v)));
        }
        Ok(())
    }
}

impl Iterator for Merge {
    type Item = io::Result<Pair>;

    fn next(&mut self) -> Option<Self::Item> {
        let Reverse((k, i, v)) = self.heap.pop()?;
        Some(self.refill(i).map(|()| (k, v)))
    }
}

impl Drop for Merge {
    fn drop(&mut self) {
        for f in &self.files {
            let _ = std::fs::remove_file(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::rng::Rng;

    /// However the runs are cut, the stream is the pairs in key order, equal keys in push
    /// order, and no run file is left behind.
    #[test]
    fn runs_merge_into_key_order_whatever_the_cuts() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = Rng::new(7);
        let pairs: Vec<Pair> = (0..5_000u32)
            .map(|i| {
                let k = rng.below(700).to_string().into_bytes();
                (k, i.to_le_bytes().to_vec())
            })
            .collect();
        let mut want = pairs.clone();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        for cut in [0, 1, 999, 5_000] {
            let mut runs = Runs::new(dir.path(), &format!("t{cut}"));
            for (n, (k, v)) in pairs.iter().enumerate() {
                runs.push(k.clone(), v.clone());
                if cut > 0 && n % cut == cut - 1 {
                    runs.spill().unwrap();
                }
            }
            assert_eq!(runs.pairs(), 5_000);
            let got: Vec<Pair> = runs.merge().unwrap().map(Result::unwrap).collect();
            assert_eq!(got, want, "cut every {cut}");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
