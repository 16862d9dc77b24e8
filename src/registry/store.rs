//! The registry on disk: one redb file (`registry.redb` in the data directory) with a
//! table of persons keyed by their active identity code, index tables from passive identity
//! codes and SATUs to the active code; buildings keyed by VTJ-PRT, dwellings keyed by their
//! 16-character identifier (so a building's dwellings are one range read) and properties
//! keyed by their canonical identifier. Values are the records in the compact binary form of
//! [`encode`] (a version byte, then postcard).
//! Search indexes: persons by normalised surname, birth date and first name (the value
//! lists the persons of the key with their first names, home municipality and identity
//! code, [`crate::registry::name_index`]) and, keys only, by home municipality and birth
//! date; buildings by street address and old identifier, properties by name
//! ([`crate::registry::estate_index`]); every write through [`Tables`] keeps them in step.
//! A meta table holds the store's format ([`FORMAT`]), how many persons a finished
//! generation wrote and, while a generation runs, that it is unfinished: [`Registry::open`] refuses a generated population of another format with
//! "regenerate", a store whose generation was interrupted with what to do, and empties a
//! store of another format that holds fixtures only (the fixtures are imported again at
//! every start). A data directory whose sled store still holds a population of the format
//! before redb is refused alike ([`refuse_sled_population`]).
//! Nothing here is loaded whole into memory; every lookup is a point read or a range read
//! in one read transaction. Writes go through one write transaction ([`Registry::write`]);
//! this file must not decide what is stored, only how.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ids::{DwellingId, Hetu, PropertyId, Prt, Satu};
use crate::registry::estate::{Building, Dwelling, Property};
use crate::registry::estate_index;
use crate::registry::model::Person;
use crate::registry::name_index;
use crate::registry::sorted_runs::{Pair, Runs};

type Def = TableDefinition<'static, &'static [u8], &'static [u8]>;
type ReadTable = redb::ReadOnlyTable<&'static [u8], &'static [u8]>;

const PERSONS: Def = TableDefinition::new("persons");
const PASSIVE: Def = TableDefinition::new("passive_hetu");
const SATU: Def = TableDefinition::new("satu");
const BUILDINGS: Def = TableDefinition::new("buildings");
const DWELLINGS: Def = TableDefinition::new("dwellings");
const PROPERTIES: Def = TableDefinition::new("properties");
const NAMES: Def = TableDefinition::new("name_index");
const OLD_PRT: Def = TableDefinition::new("building_old_id");
const ADDRESSES: Def = TableDefinition::new("building_address_index");
const PROPERTY_NAMES: Def = TableDefinition::new("property_name_index");
const MUNICIPALITIES: Def = TableDefinition::new("municipality_index");
const META: Def = TableDefinition::new("meta");
const ALL: [Def; 12] = [
    PERSONS,
    PASSIVE,
    SATU,
    BUILDINGS,
    DWELLINGS,
    PROPERTIES,
    NAMES,
    OLD_PRT,
    ADDRESSES,
    PROPERTY_NAMES,
    MUNICIPALITIES,
    META,
];
/// The meta key of the store's format ([`FORMAT`], decimal text).
const FORMAT_KEY: &[u8] = b"format";
/// The meta key present while a generation has not finished.
const UNFINISHED_KEY: &[u8] = b"generation unfinished";
/// The meta key of a finished generation: the number of persons generated (decimal text).
const GENERATED_KEY: &[u8] = b"generated persons";

/// The layout of the store: tables, record encoding and index values. Format 4 is the redb
/// store with binary records and index entries without a copy of the record; formats 1–3
/// were the sled trees with JSON records (format 3 kept a copy of each record in the
/// identification index).
pub const FORMAT: u32 = 4;
/// The first byte of every stored record: the version of its encoding (postcard of the
/// model types as they are now).
const ENCODING: u8 = 1;
/// The registry's file in a data directory.
pub const FILE_NAME: &str = "registry.redb";
/// The file beside it while a generation runs (as the meta table's mark, but seen without
/// opening the store, which after a kill must first recover).
const UNFINISHED_FILE: &str = "registry.generating";
/// Memory a bulk load's sorted runs may hold before they are written out.
pub const LOAD_BUDGET_BYTES: usize = 192 * 1024 * 1024;
/// Page cache of an open registry (redb's cache; the operating system caches the file too).
pub const CACHE_BYTES: usize = 256 * 1024 * 1024;

const REGENERATE: &str = "regenerate the population into a new data directory (vtj-emulator population generate --persons N --data NEW_DIR)";

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("registry store: {0}")]
    Store(#[from] redb::Error),
    #[error("cannot open the registry {path}: {source} (is another vtj-emulator using it?)")]
    Open {
        path: String,
        source: redb::DatabaseError,
    },
    #[error("registry record for {} is unreadable: {source}", masked(.key))]
    Corrupt { key: String, source: DecodeError },
    #[error("registry index points at {}, which is not stored", masked(.0))]
    DanglingIndex(String),
    #[error(
        "the store's population was generated by another version of vtj-emulator (registry format {found}, this version reads format {expected}): {REGENERATE}"
    )]
    Format { found: String, expected: u32 },
    #[error(
        "an identification index entry is unreadable (not of registry format {FORMAT}): {REGENERATE}"
    )]
    UnreadableIndex,
    #[error(
        "the population generation into {0} was interrupted before it finished, so the store is incomplete and is not served: delete that directory (or choose another --data directory) and run vtj-emulator population generate again"
    )]
    Interrupted(String),
    #[error("the old sled store of {0}: {1}")]
    Sled(String, sled::Error),
}

/// Why a stored record could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("record encoding {found:?}, this version reads {ENCODING}")]
    Version { found: Option<u8> },
    #[error(transparent)]
    Postcard(#[from] postcard::Error),
}

macro_rules! store_errors {
    ($($t:ty),*) => {$(
        impl From<$t> for RegistryError {
            fn from(e: $t) -> Self {
                RegistryError::Store(e.into())
            }
        }
    )*};
}
store_errors!(
    redb::StorageError,
    redb::TableError,
    redb::TransactionError,
    redb::CommitError,
    redb::DatabaseError
);

/// A registry key as errors show it (they reach the server's log at error level): an
/// identity code keeps its birth date and century sign, not its individual number and check
/// character; other keys (buildings, dwellings, properties) are shown whole.
fn masked(key: &str) -> String {
    match key.parse::<Hetu>() {
        Ok(_) => format!("{}****", &key[..7]),
        Err(_) => key.to_string(),
    }
}

/// The result of looking a person up by an identifier.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// The identifier is the person's active one.
    Found(Person),
    /// The identifier is passive; the person (under their active code) is given.
    Passive(Person),
    NotFound,
}

/// The stored form of a record: [`ENCODING`], then the record in postcard.
pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = vec![ENCODING];
    postcard::to_io(value, &mut out).expect("registry records always serialise");
    out
}

fn decode<T: DeserializeOwned>(key: &[u8], bytes: &[u8]) -> Result<T, RegistryError> {
    let corrupt = |source| RegistryError::Corrupt {
        key: String::from_utf8_lossy(key).into_owned(),
        source,
    };
    match bytes.split_first() {
        Some((&ENCODING, rest)) => {
            postcard::from_bytes(rest).map_err(|e| corrupt(DecodeError::Postcard(e)))
        }
        other => Err(corrupt(DecodeError::Version {
            found: other.map(|(b, _)| *b),
        })),
    }
}

/// Opens the sled database of `config` again after its last handle was dropped (the audit
/// log's and the access state's store). sled lets go of the directory's lock from its
/// background threads, a moment after the drop: a lock still held is waited for (up to ten
/// seconds) rather than reported.
pub fn reopen(config: &sled::Config) -> sled::Result<sled::Db> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match config.open() {
            Err(e) if is_locked(&e) && std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// True when sled refused to open because another handle (or process) holds the store.
pub fn is_locked(e: &sled::Error) -> bool {
    match e {
        sled::Error::Io(io) => {
            io.kind() == std::io::ErrorKind::WouldBlock
                || io.to_string().contains("could not acquire lock")
        }
        _ => false,
    }
}

/// Refuses a data directory whose sled store holds a generated population of a format
/// before redb (the registry trees of formats 1–3), with "regenerate". Fixtures alone are
/// no reason: they are imported into the redb store at start.
pub fn refuse_sled_population(db: &sled::Db) -> Result<(), RegistryError> {
    let old = |e| RegistryError::Sled("registry".into(), e);
    // Formats 1–3 (frozen) numbered generated buildings from VTJ-PRT 910000000 on.
    const GENERATED_PRT_FROM: &[u8] = b"910000000";
    if !db
        .tree_names()
        .iter()
        .any(|n| n.as_ref() == b"registry.buildings")
    {
        return Ok(());
    }
    let buildings = db.open_tree("registry.buildings").map_err(old)?;
    if buildings
        .range(GENERATED_PRT_FROM..)
        .next()
        .transpose()
        .map_err(old)?
        .is_some()
    {
        let found = db
            .open_tree("registry.meta")
            .and_then(|m| m.get(b"format"))
            .map_err(old)?;
        return Err(RegistryError::Format {
            found: found.map_or("1".into(), |f| String::from_utf8_lossy(&f).into()),
            expected: FORMAT,
        });
    }
    Ok(())
}

/// Handle to the open registry. Cheap to clone.
#[derive(Clone)]
pub struct Registry {
    /// Tables opened for reading, shared by the reads between two writes (first, so that
    /// they are dropped before the database).
    opened: Arc<Opened>,
    db: Arc<redb::Database>,
    /// The data directory (none in memory), where an unfinished generation leaves
    /// [`UNFINISHED_FILE`].
    dir: Option<PathBuf>,
}

/// Tables opened for reading, kept until the next write: opening a read transaction and
/// a table costs several times a point read (BENCHMARKS.md, "Serving cost"), and between
/// two writes every read sees the same data. A table open for reading holds its snapshot
/// (redb cannot reuse the pages a later write frees while it lives), so a write drops
/// them all.
#[derive(Default)]
struct Opened {
    /// Write transactions committed so far.
    writes: AtomicU64,
    /// The tables opened since write number `.0`.
    tables: RwLock<(u64, OpenTables)>,
}

/// Tables open for reading, by name.
type OpenTables = Vec<(String, Arc<ReadTable>)>;

impl Opened {
    fn get(&self, name: &str, writes: u64) -> Option<Arc<ReadTable>> {
        let tables = self.tables.read().unwrap_or_else(|e| e.into_inner());
        if tables.0 != writes {
            return None;
        }
        tables
            .1
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
    }

    /// Keeps `table`, opened after `writes` writes, unless a write has been committed
    /// since (its snapshot would then be older than the store).
    fn keep(&self, name: &str, writes: u64, table: &Arc<ReadTable>) {
        let mut tables = self.tables.write().unwrap_or_else(|e| e.into_inner());
        if self.writes.load(Ordering::Acquire) != writes {
            return;
        }
        if tables.0 != writes {
            *tables = (writes, Vec::new());
        }
        if !tables.1.iter().any(|(n, _)| n == name) {
            tables.1.push((name.to_string(), table.clone()));
        }
    }

    /// After a commit: later reads open the tables again, on the new data.
    fn written(&self) {
        let mut tables = self.tables.write().unwrap_or_else(|e| e.into_inner());
        let writes = self.writes.fetch_add(1, Ordering::AcqRel) + 1;
        *tables = (writes, Vec::new());
    }
}

/// The registry's tables in one write transaction ([`Registry::write`]): every `put*`
/// keeps the indexes in step.
pub struct Tables<'t> {
    persons: redb::Table<'t, &'static [u8], &'static [u8]>,
    passive: redb::Table<'t, &'static [u8], &'static [u8]>,
    satu: redb::Table<'t, &'static [u8], &'static [u8]>,
    buildings: redb::Table<'t, &'static [u8], &'static [u8]>,
    dwellings: redb::Table<'t, &'static [u8], &'static [u8]>,
    properties: redb::Table<'t, &'static [u8], &'static [u8]>,
    /// Identification index: [`name_index::key`] → [`name_index::Entries`].
    names: redb::Table<'t, &'static [u8], &'static [u8]>,
    /// Old building identifier → VTJ-PRT.
    old_prt: redb::Table<'t, &'static [u8], &'static [u8]>,
    /// Building identification index: [`estate_index::address_keys`] → nothing.
    addresses: redb::Table<'t, &'static [u8], &'static [u8]>,
    /// Property identification index: [`estate_index::property_key`] → nothing.
    property_names: redb::Table<'t, &'static [u8], &'static [u8]>,
    /// Extraction index: [`name_index::municipality_key`] → nothing.
    municipalities: redb::Table<'t, &'static [u8], &'static [u8]>,
    meta: redb::Table<'t, &'static [u8], &'static [u8]>,
}

/// The path of the registry file of a data directory.
pub fn path_in(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

impl Registry {
    /// Opens (creating) the registry of a data directory, with a page cache of
    /// `cache_bytes`, and checks it ([`Registry::open`]).
    pub fn open_dir(dir: &Path, cache_bytes: usize) -> Result<Self, RegistryError> {
        if dir.join(UNFINISHED_FILE).exists() {
            return Err(RegistryError::Interrupted(dir.display().to_string()));
        }
        std::fs::create_dir_all(dir).map_err(|e| RegistryError::Store(e.into()))?;
        let path = path_in(dir);
        let db = redb::Database::builder()
            .set_cache_size(cache_bytes)
            .create(&path)
            .map_err(|source| RegistryError::Open {
                path: path.display().to_string(),
                source,
            })?;
        Self::open(db, Some(dir))
    }

    /// Opens the registry of a data directory as [`Registry::open_dir`] does; one that
    /// has none yet is first checked for a population in the old sled store of the
    /// directory ([`refuse_sled_population`]), through `sled_db` if the caller has it open.
    pub fn open_data_dir(
        dir: &Path,
        cache_bytes: usize,
        sled_db: Option<&sled::Db>,
    ) -> Result<Self, RegistryError> {
        if !path_in(dir).exists() {
            match sled_db {
                Some(db) => refuse_sled_population(db)?,
                None if dir.join("db").exists() && dir.join("conf").exists() => {
                    let db = sled::open(dir)
                        .map_err(|e| RegistryError::Sled(dir.display().to_string(), e))?;
                    refuse_sled_population(&db)?;
                }
                None => {}
            }
        }
        Self::open_dir(dir, cache_bytes)
    }

    /// A registry in memory (tests, benchmarks).
    pub fn temporary() -> Result<Self, RegistryError> {
        let db =
            redb::Database::builder().create_with_backend(redb::backends::InMemoryBackend::new())?;
        Self::open(db, None)
    }

    /// Creates the tables and checks the store's format (one read transaction when the
    /// store is of this format). A new store is marked with [`FORMAT`]. A store whose
    /// generation did not finish is refused ([`RegistryError::Interrupted`]); one of
    /// another format with a generated population too ([`RegistryError::Format`]); one of
    /// another format with fixtures only is emptied (the fixtures are imported again).
    fn open(db: redb::Database, dir: Option<&Path>) -> Result<Self, RegistryError> {
        let name = dir.map_or("memory".into(), |d| d.display().to_string());
        let registry = Registry {
            opened: Arc::default(),
            db: Arc::new(db),
            dir: dir.map(Path::to_path_buf),
        };
        let current = FORMAT.to_string();
        {
            let txn = registry.db.begin_read()?;
            if let Ok(meta) = txn.open_table(META) {
                if meta.get(UNFINISHED_KEY)?.is_some() {
                    return Err(RegistryError::Interrupted(name));
                }
                if meta
                    .get(FORMAT_KEY)?
                    .map(|v| v.value() == current.as_bytes())
                    == Some(true)
                {
                    return Ok(registry);
                }
            }
        }
        let mut txn = registry.db.begin_write()?;
        txn.set_quick_repair(true);
        {
            let mut t = Tables::open(&txn)?;
            let found = t.meta.get(FORMAT_KEY)?.map(|v| v.value().to_vec());
            if let Some(found) = found {
                if t.has_generated_population()? {
                    return Err(RegistryError::Format {
                        found: String::from_utf8_lossy(&found).into(),
                        expected: FORMAT,
                    });
                }
                drop(t);
                for def in ALL {
                    txn.delete_table(def)?;
                }
                t = Tables::open(&txn)?;
            }
            t.meta.insert(FORMAT_KEY, current.as_bytes())?;
        }
        txn.commit()?;
        Ok(registry)
    }

    /// Runs `f` on the tables in one write transaction and commits it (durably) if `f`
    /// succeeds; nothing of it is stored otherwise. Every commit saves redb's allocator
    /// state ("quick repair"), so opening the store after a process that did not close it
    /// (a server stopped by a signal, a kill) reads that state instead of walking the whole
    /// file to rebuild it (11–15 s on the 5.6 M-person store, BENCHMARKS.md).
    pub fn write<R, E: From<RegistryError>>(
        &self,
        f: impl FnOnce(&mut Tables<'_>) -> Result<R, E>,
    ) -> Result<R, E> {
        let mut txn = self.db.begin_write().map_err(RegistryError::from)?;
        txn.set_quick_repair(true);
        let r = {
            let mut t = Tables::open(&txn)?;
            f(&mut t)?
        };
        let committed = txn.commit().map_err(RegistryError::from);
        self.opened.written();
        committed?;
        Ok(r)
    }

    /// Marks the store as being generated (until [`Registry::finish_generation`]), so that
    /// an interrupted generation is refused rather than served.
    pub(crate) fn start_generation(&self) -> Result<(), RegistryError> {
        if let Some(dir) = &self.dir {
            std::fs::write(dir.join(UNFINISHED_FILE), b"")
                .map_err(|e| RegistryError::Store(e.into()))?;
        }
        self.write(|t| {
            t.meta.insert(UNFINISHED_KEY, &[][..])?;
            Ok::<_, RegistryError>(())
        })
    }

    /// Clears the mark of [`Registry::start_generation`] and records that `persons` were
    /// generated, durably.
    pub(crate) fn finish_generation(&self, persons: u64) -> Result<(), RegistryError> {
        self.write(|t| {
            t.meta.remove(UNFINISHED_KEY)?;
            t.meta
                .insert(GENERATED_KEY, persons.to_string().as_bytes())?;
            Ok::<_, RegistryError>(())
        })?;
        if let Some(dir) = &self.dir {
            std::fs::remove_file(dir.join(UNFINISHED_FILE))
                .map_err(|e| RegistryError::Store(e.into()))?;
        }
        Ok(())
    }

    fn read<R>(
        &self,
        def: Def,
        f: impl FnOnce(&redb::ReadOnlyTable<&'static [u8], &'static [u8]>) -> Result<R, RegistryError>,
    ) -> Result<R, RegistryError> {
        let name = redb::TableHandle::name(&def);
        let writes = self.opened.writes.load(Ordering::Acquire);
        if let Some(table) = self.opened.get(name, writes) {
            return f(&table);
        }
        let table = Arc::new(self.db.begin_read()?.open_table(def)?);
        self.opened.keep(name, writes, &table);
        f(&table)
    }

    fn point<T: DeserializeOwned>(&self, def: Def, key: &[u8]) -> Result<Option<T>, RegistryError> {
        self.read(def, |t| match t.get(key)? {
            None => Ok(None),
            Some(v) => decode(key, v.value()).map(Some),
        })
    }

    /// The sorted runs of a bulk load, in a new directory beside the store (in the system's
    /// temporary directory for a store in memory), with a memory budget of
    /// [`LOAD_BUDGET_BYTES`].
    pub fn loader(&self) -> Result<Loader, RegistryError> {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = match &self.dir {
            Some(d) => d.join(format!("{UNFINISHED_FILE}.runs")),
            None => {
                std::env::temp_dir().join(format!("vtj-emulator-runs-{}-{n}", std::process::id()))
            }
        };
        std::fs::create_dir_all(&dir).map_err(|e| RegistryError::Store(e.into()))?;
        let runs = |name| Runs::new(&dir, name);
        Ok(Loader {
            budget: LOAD_BUDGET_BYTES,
            persons: runs("persons"),
            names: runs("names"),
            municipalities: runs("municipalities"),
            passive: runs("passive"),
            old_prt: runs("old_prt"),
            addresses: runs("addresses"),
            property_names: runs("property_names"),
            properties: runs("properties"),
            dir,
        })
    }

    /// A writer for bulk loading.
    pub fn bulk(&self) -> BulkWriter {
        BulkWriter {
            registry: self.clone(),
            pending: Vec::new(),
        }
    }

    /// Stores `value` under `key` in the table of `which` ("persons" or "names") as it is,
    /// bypassing the encoding and the indexes, and gives the value it replaced (tests
    /// spoil records and index entries so).
    #[doc(hidden)]
    pub fn raw_insert(
        &self,
        which: &str,
        key: &[u8],
        value: &[u8],
    ) -> Result<Option<Vec<u8>>, RegistryError> {
        self.write(|t| {
            let table = if which == "names" {
                &mut t.names
            } else {
                &mut t.persons
            };
            Ok::<_, RegistryError>(table.insert(key, value)?.map(|v| v.value().to_vec()))
        })
    }

    /// The stored bytes under `key` in the table of `which` ("persons" or "names"), for
    /// the benchmarks' timing of a bare point read.
    #[doc(hidden)]
    pub fn raw_point_read(&self, which: &str, key: &[u8]) -> Result<usize, RegistryError> {
        let def = if which == "names" { NAMES } else { PERSONS };
        self.read(def, |t| Ok(t.get(key)?.map_or(0, |v| v.value().len())))
    }

    /// Stores a person (replacing any earlier record under the same code) with its indexes.
    pub fn put(&self, person: &Person) -> Result<(), RegistryError> {
        self.write(|t| t.put(person))
    }

    /// Stores a building (replacing any earlier record under the same PRT).
    pub fn put_building(&self, b: &Building) -> Result<(), RegistryError> {
        self.write(|t| t.put_building(b))
    }

    /// Stores a dwelling (replacing any earlier record under the same identifier).
    pub fn put_dwelling(&self, d: &Dwelling) -> Result<(), RegistryError> {
        self.write(|t| t.put_dwelling(d))
    }

    /// Stores a property (replacing any earlier record under the same identifier).
    pub fn put_property(&self, p: &Property) -> Result<(), RegistryError> {
        self.write(|t| t.put_property(p))
    }

    pub fn building(&self, prt: &Prt) -> Result<Option<Building>, RegistryError> {
        self.point(BUILDINGS, prt.as_str().as_bytes())
    }

    /// The buildings at a street address of a municipality (every number of the street
    /// when `number` is `None`): one range read of the address index.
    pub fn buildings_at(
        &self,
        municipality: &str,
        street: &str,
        number: Option<&str>,
    ) -> Result<Vec<Building>, RegistryError> {
        let prefix = estate_index::address_prefix(municipality, street, number);
        let mut prts: Vec<Vec<u8>> = Vec::new();
        self.read(ADDRESSES, |t| {
            for k in prefixed(t, &prefix)? {
                let k = k?;
                let prt = k[k.len() - 10..].to_vec();
                if !prts.contains(&prt) {
                    prts.push(prt);
                }
            }
            Ok(())
        })?;
        prts.iter()
            .map(|prt| {
                self.point(BUILDINGS, prt)?.ok_or_else(|| {
                    RegistryError::DanglingIndex(String::from_utf8_lossy(prt).into())
                })
            })
            .collect()
    }

    /// The properties of this name in a municipality: one range read of the name index.
    pub fn properties_named(
        &self,
        municipality: &str,
        name: &str,
    ) -> Result<Vec<Property>, RegistryError> {
        let prefix = estate_index::property_prefix(municipality, name);
        let ids = self.read(PROPERTY_NAMES, |t| {
            prefixed(t, &prefix)?
                .map(|k| Ok(k?[prefix.len()..].to_vec()))
                .collect::<Result<Vec<_>, RegistryError>>()
        })?;
        ids.iter()
            .map(|id| {
                self.point(PROPERTIES, id)?
                    .ok_or_else(|| RegistryError::DanglingIndex(String::from_utf8_lossy(id).into()))
            })
            .collect()
    }

    /// A building by its old building identifier (`KKK-SSS-RRRR-YYYY-T-nnn`).
    pub fn building_by_old_id(&self, old: &str) -> Result<Option<Building>, RegistryError> {
        let prt = self.read(OLD_PRT, |t| {
            Ok(t.get(old.as_bytes())?.map(|v| v.value().to_vec()))
        })?;
        match prt {
            None => Ok(None),
            Some(prt) => self.point(BUILDINGS, &prt),
        }
    }

    pub fn dwelling(&self, id: &DwellingId) -> Result<Option<Dwelling>, RegistryError> {
        self.point(DWELLINGS, id.to_string().as_bytes())
    }

    pub fn property(&self, id: &PropertyId) -> Result<Option<Property>, RegistryError> {
        self.point(PROPERTIES, id.to_string().as_bytes())
    }

    /// The dwellings of a building, in identifier order (one range read).
    pub fn dwellings_of(&self, prt: &Prt) -> Result<Vec<Dwelling>, RegistryError> {
        let prefix = prt.as_str().as_bytes();
        self.read(DWELLINGS, |t| {
            let mut out = Vec::new();
            for kv in t.range::<&[u8]>(prefix..)? {
                let (k, v) = kv?;
                if !k.value().starts_with(prefix) {
                    break;
                }
                out.push(decode(k.value(), v.value())?);
            }
            Ok(out)
        })
    }

    /// The residents of a dwelling, as stored persons (a dwelling that is not stored has
    /// none).
    pub fn residents_of(&self, id: &DwellingId) -> Result<Vec<Person>, RegistryError> {
        let Some(d) = self.dwelling(id)? else {
            return Ok(Vec::new());
        };
        d.residents
            .iter()
            .map(|h| {
                self.get(h)?
                    .ok_or_else(|| RegistryError::DanglingIndex(h.to_string()))
            })
            .collect()
    }

    /// The buildings on a property.
    pub fn buildings_of(&self, id: &PropertyId) -> Result<Vec<Building>, RegistryError> {
        let Some(p) = self.property(id)? else {
            return Ok(Vec::new());
        };
        p.buildings
            .iter()
            .map(|prt| {
                self.building(prt)?
                    .ok_or_else(|| RegistryError::DanglingIndex(prt.to_string()))
            })
            .collect()
    }

    /// Streams every stored person in key order (nothing is held beyond one record; the
    /// read transaction lives as long as the iterator).
    pub fn persons(&self) -> impl Iterator<Item = Result<Person, RegistryError>> + '_ {
        self.persons_after(None)
    }

    /// Streams the stored persons in key order from just after the key `after` (from the
    /// first when `None`), one record at a time.
    pub fn persons_after(
        &self,
        after: Option<&str>,
    ) -> impl Iterator<Item = Result<Person, RegistryError>> + '_ {
        use std::ops::Bound;
        let from = match after {
            Some(k) => Bound::Excluded(k.as_bytes()),
            None => Bound::Unbounded,
        };
        let range = self
            .db
            .begin_read()
            .map_err(RegistryError::from)
            .and_then(|txn| Ok(txn.open_table(PERSONS)?))
            .and_then(|t| Ok(t.range::<&[u8]>((from, Bound::Unbounded))?));
        let (range, first) = match range {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(Err(e))),
        };
        first
            .into_iter()
            .chain(range.into_iter().flatten().map(|kv| {
                let (k, v) = kv?;
                decode(k.value(), v.value())
            }))
    }

    /// Every key and stored value of every table, table by table (tests compare stores).
    #[doc(hidden)]
    pub fn dump(&self) -> Result<Vec<DumpRow>, RegistryError> {
        let txn = self.db.begin_read()?;
        let mut all = Vec::new();
        for def in ALL {
            let t = txn.open_table(def)?;
            for kv in t.range::<&[u8]>(..)? {
                let (k, v) = kv?;
                all.push((
                    redb::TableHandle::name(&def).to_string(),
                    k.value().to_vec(),
                    v.value().to_vec(),
                ));
            }
        }
        Ok(all)
    }

    /// The first stored active identity code at or after `key` in key order (for sampling
    /// codes, e.g. in benchmarks, without reading the records).
    pub fn hetu_at_or_after(&self, key: &str) -> Result<Option<Hetu>, RegistryError> {
        let found = self.read(PERSONS, |t| {
            Ok(match t.range::<&[u8]>(key.as_bytes()..)?.next() {
                None => None,
                Some(kv) => Some(String::from_utf8_lossy(kv?.0.value()).into_owned()),
            })
        })?;
        found
            .map(|s| s.parse().map_err(|_| RegistryError::DanglingIndex(s)))
            .transpose()
    }

    /// Whether a generated population is stored (or was begun: the meta table says so).
    pub fn has_generated_population(&self) -> Result<bool, RegistryError> {
        self.read(META, generated_in)
    }

    /// Whether an active or passive identity code is taken.
    pub fn hetu_taken(&self, hetu: &Hetu) -> Result<bool, RegistryError> {
        let k = hetu.as_str().as_bytes();
        let txn = self.db.begin_read()?;
        Ok(
            txn.open_table(PERSONS)?.get(k)?.is_some()
                || txn.open_table(PASSIVE)?.get(k)?.is_some(),
        )
    }

    /// Number of stored buildings, dwellings and properties (kept by the tables).
    pub fn estate_counts(&self) -> Result<(usize, usize, usize), RegistryError> {
        let txn = self.db.begin_read()?;
        let n = |def| -> Result<usize, RegistryError> { Ok(txn.open_table(def)?.len()? as usize) };
        Ok((n(BUILDINGS)?, n(DWELLINGS)?, n(PROPERTIES)?))
    }

    /// The person whose active code this is.
    pub fn get(&self, hetu: &Hetu) -> Result<Option<Person>, RegistryError> {
        self.point(PERSONS, hetu.as_str().as_bytes())
    }

    /// The person that an index table (passive codes, SATUs) leads to: one read
    /// transaction, two point reads.
    fn via_index(&self, index: Def, key: &[u8]) -> Result<Option<Person>, RegistryError> {
        let txn = self.db.begin_read()?;
        let Some(active) = txn.open_table(index)?.get(key)? else {
            return Ok(None);
        };
        let active = active.value();
        match txn.open_table(PERSONS)?.get(active)? {
            Some(v) => decode(active, v.value()).map(Some),
            None => Err(RegistryError::DanglingIndex(
                String::from_utf8_lossy(active).into(),
            )),
        }
    }

    /// Looks a person up by identity code, following a passive code to its active person.
    pub fn find_by_hetu(&self, hetu: &Hetu) -> Result<Lookup, RegistryError> {
        if let Some(p) = self.get(hetu)? {
            return Ok(Lookup::Found(p));
        }
        Ok(match self.via_index(PASSIVE, hetu.as_str().as_bytes())? {
            Some(p) => Lookup::Passive(p),
            None => Lookup::NotFound,
        })
    }

    /// Looks a person up by electronic service identifier.
    pub fn find_by_satu(&self, satu: &Satu) -> Result<Lookup, RegistryError> {
        Ok(match self.via_index(SATU, satu.as_str().as_bytes())? {
            Some(p) => Lookup::Found(p),
            None => Lookup::NotFound,
        })
    }

    /// The persons filed under this surname, birth date and first name of `first_names`
    /// (both names [`name_index::normalise`]d) whose index entry `keep` accepts: one point
    /// read of the identification index, then a point read of each kept person's record,
    /// in one read transaction.
    pub fn identify(
        &self,
        surname: &str,
        birth: jiff::civil::Date,
        first_names: &str,
        keep: impl Fn(&name_index::Entry) -> bool,
    ) -> Result<Vec<Person>, RegistryError> {
        let key = name_index::key(surname, birth, first_names);
        let txn = self.db.begin_read()?;
        let Some(value) = txn.open_table(NAMES)?.get(key.as_slice())? else {
            return Ok(Vec::new());
        };
        let value = value.value();
        if value.is_empty() {
            return Err(RegistryError::UnreadableIndex);
        }
        let persons = txn.open_table(PERSONS)?;
        let mut found = Vec::new();
        for e in name_index::entries(value) {
            let e = e.ok_or(RegistryError::UnreadableIndex)?;
            if keep(&e) {
                let k = e.hetu.as_bytes();
                let v = persons
                    .get(k)?
                    .ok_or_else(|| RegistryError::DanglingIndex(e.hetu.into()))?;
                found.push(decode(k, v.value())?);
            }
        }
        Ok(found)
    }

    /// Up to `limit` persons that `keep` accepts whose home municipality is
    /// `municipality`, born from `from` to `to` inclusive, in birth-date order: one range
    /// read of the extraction index, stopping at the `limit`th kept person.
    pub fn persons_of_municipality(
        &self,
        municipality: &str,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
        limit: usize,
        keep: impl Fn(&Person) -> bool,
    ) -> Result<Vec<Person>, RegistryError> {
        let start = name_index::municipality_from(municipality, from);
        let end = name_index::municipality_from(municipality, to.tomorrow().unwrap_or(to));
        let txn = self.db.begin_read()?;
        let persons = txn.open_table(PERSONS)?;
        let mut out = Vec::new();
        for k in txn
            .open_table(MUNICIPALITIES)?
            .range::<&[u8]>(start.as_slice()..end.as_slice())?
        {
            if out.len() >= limit {
                break;
            }
            let (k, _) = k?;
            let k = k.value();
            let hetu = &k[k.len() - 11..];
            let v = persons.get(hetu)?.ok_or_else(|| {
                RegistryError::DanglingIndex(String::from_utf8_lossy(hetu).into())
            })?;
            let p = decode(hetu, v.value())?;
            if keep(&p) {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// Number of persons stored (kept by the table: no scan).
    pub fn len(&self) -> usize {
        self.read(PERSONS, |t| Ok(t.len()? as usize)).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The keys of a table that start with `prefix`, in order.
fn prefixed<'p>(
    t: &redb::ReadOnlyTable<&'static [u8], &'static [u8]>,
    prefix: &'p [u8],
) -> Result<impl Iterator<Item = Result<Vec<u8>, RegistryError>> + 'p, RegistryError> {
    Ok(t.range::<&[u8]>(prefix..)?
        .map(|kv| Ok::<_, RegistryError>(kv?.0.value().to_vec()))
        .take_while(move |k| k.as_ref().map_or(true, |k| k.starts_with(prefix))))
}

/// Whether a meta table records a generation, finished or not.
fn generated_in(
    t: &impl ReadableTable<&'static [u8], &'static [u8]>,
) -> Result<bool, RegistryError> {
    Ok(t.get(GENERATED_KEY)?.is_some() || t.get(UNFINISHED_KEY)?.is_some())
}

impl<'t> Tables<'t> {
    fn open(txn: &'t redb::WriteTransaction) -> Result<Self, RegistryError> {
        Ok(Tables {
            persons: txn.open_table(PERSONS)?,
            passive: txn.open_table(PASSIVE)?,
            satu: txn.open_table(SATU)?,
            buildings: txn.open_table(BUILDINGS)?,
            dwellings: txn.open_table(DWELLINGS)?,
            properties: txn.open_table(PROPERTIES)?,
            names: txn.open_table(NAMES)?,
            old_prt: txn.open_table(OLD_PRT)?,
            addresses: txn.open_table(ADDRESSES)?,
            property_names: txn.open_table(PROPERTY_NAMES)?,
            municipalities: txn.open_table(MUNICIPALITIES)?,
            meta: txn.open_table(META)?,
        })
    }

    fn has_generated_population(&self) -> Result<bool, RegistryError> {
        generated_in(&self.meta)
    }

    /// Files (`Some(hetu)` kept) or takes out a person in the identification index.
    fn refile(&mut self, p: &Person, file: bool) -> Result<(), RegistryError> {
        let key = name_index::person_key(p);
        let old = self.names.get(key.as_slice())?.map(|v| v.value().to_vec());
        let mut entries = match &old {
            None => name_index::Entries::default(),
            Some(v) => name_index::Entries::read(v).ok_or(RegistryError::UnreadableIndex)?,
        };
        let first = name_index::normalise(&p.first_names);
        if file {
            entries.put(&first, p);
        } else {
            entries.remove(p.hetu.as_str());
        }
        match entries.value() {
            Some(v) => self.names.insert(key.as_slice(), v.as_slice())?,
            None => self.names.remove(key.as_slice())?,
        };
        Ok(())
    }

    /// Takes in a batch of generated records, with their stored forms: the tables whose
    /// keys a generation produces in key order (buildings, dwellings, SATUs) are written
    /// at once, the others are collected in `loader`'s sorted runs (written out when its
    /// memory budget is spent) for [`Tables::load_runs`]. A generated record's key is new.
    pub fn load_batch(&mut self, batch: Batch, loader: &mut Loader) -> Result<(), RegistryError> {
        for (record, bytes) in batch {
            match record {
                Record::Person(p) => {
                    let key = p.hetu.as_str().as_bytes().to_vec();
                    let first = name_index::normalise(&p.first_names);
                    let mut entries = name_index::Entries::default();
                    entries.put(&first, &p);
                    let filed = entries.value().expect("one entry");
                    loader.names.push(name_index::person_key(&p), filed);
                    if let Some(k) = name_index::municipality_key(&p) {
                        loader.municipalities.push(k, Vec::new());
                    }
                    for old in &p.passive_hetus {
                        loader
                            .passive
                            .push(old.as_str().as_bytes().to_vec(), key.clone());
                    }
                    if let Some(satu) = &p.satu {
                        self.satu.insert(satu.as_str().as_bytes(), key.as_slice())?;
                    }
                    loader.persons.push(key, bytes);
                }
                Record::Building(b) => {
                    for k in estate_index::address_keys(&b) {
                        loader.addresses.push(k, Vec::new());
                    }
                    if let Some(old) = &b.old_id {
                        loader
                            .old_prt
                            .push(old.as_bytes().to_vec(), b.prt.as_str().as_bytes().to_vec());
                    }
                    self.buildings
                        .insert(b.prt.as_str().as_bytes(), bytes.as_slice())?;
                }
                Record::Dwelling(d) => {
                    self.dwellings
                        .insert(d.id.to_string().as_bytes(), bytes.as_slice())?;
                }
                Record::Property(p) => {
                    if let Some(k) = estate_index::property_key(&p) {
                        loader.property_names.push(k, Vec::new());
                    }
                    loader.properties.push(p.id.to_string().into_bytes(), bytes);
                }
            }
        }
        if loader.bytes() > loader.budget {
            loader.spill()?;
        }
        Ok(())
    }

    /// Writes the collected runs into their tables in key order, calling `progress` with
    /// the pairs written and the pairs in all. The identification index's pairs of one
    /// key (namesakes) are joined into one value, in generation order.
    pub fn load_runs(
        &mut self,
        mut loader: Loader,
        progress: &dyn Fn(u64, u64),
    ) -> Result<(), RegistryError> {
        let io = |e: std::io::Error| RegistryError::Store(e.into());
        let total = loader.pairs();
        let mut done = 0u64;
        let Loader {
            dir,
            persons,
            names,
            municipalities,
            passive,
            old_prt,
            addresses,
            property_names,
            properties,
            ..
        } = loader;
        let runs = [
            (persons, &mut self.persons),
            (names, &mut self.names),
            (municipalities, &mut self.municipalities),
            (passive, &mut self.passive),
            (old_prt, &mut self.old_prt),
            (addresses, &mut self.addresses),
            (property_names, &mut self.property_names),
            (properties, &mut self.properties),
        ];
        for (runs, table) in runs {
            let mut pending: Option<Pair> = None;
            for pair in runs.merge().map_err(io)? {
                let (k, v) = pair.map_err(io)?;
                done += 1;
                if done.is_multiple_of(50_000) {
                    progress(done, total);
                }
                match &mut pending {
                    // Only the identification index files several values under one key.
                    Some((pk, pv)) if *pk == k => pv.extend_from_slice(&v),
                    _ => {
                        if let Some((pk, pv)) = pending.replace((k, v)) {
                            table.insert(pk.as_slice(), pv.as_slice())?;
                        }
                    }
                }
            }
            if let Some((pk, pv)) = pending {
                table.insert(pk.as_slice(), pv.as_slice())?;
            }
        }
        progress(done, total);
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }

    /// Stores a person (replacing any earlier record under the same code) with its indexes.
    pub fn put(&mut self, person: &Person) -> Result<(), RegistryError> {
        self.put_encoded(person, &encode(person))
    }

    fn put_encoded(&mut self, person: &Person, record: &[u8]) -> Result<(), RegistryError> {
        let key = person.hetu.as_str().as_bytes();
        let old = self
            .persons
            .insert(key, record)?
            .map(|v| v.value().to_vec());
        if let Some(old) = old {
            let old: Person = decode(key, &old)?;
            self.refile(&old, false)?;
            if let Some(k) = name_index::municipality_key(&old) {
                self.municipalities.remove(k.as_slice())?;
            }
        }
        self.refile(person, true)?;
        if let Some(k) = name_index::municipality_key(person) {
            self.municipalities.insert(k.as_slice(), &[][..])?;
        }
        for old in &person.passive_hetus {
            self.passive.insert(old.as_str().as_bytes(), key)?;
        }
        if let Some(satu) = &person.satu {
            self.satu.insert(satu.as_str().as_bytes(), key)?;
        }
        Ok(())
    }

    /// Stores a building (replacing any earlier record under the same PRT).
    pub fn put_building(&mut self, b: &Building) -> Result<(), RegistryError> {
        let key = b.prt.as_str().as_bytes();
        let old = self
            .buildings
            .insert(key, encode(b).as_slice())?
            .map(|v| v.value().to_vec());
        if let Some(old) = old {
            let old: Building = decode(key, &old)?;
            for k in estate_index::address_keys(&old) {
                self.addresses.remove(k.as_slice())?;
            }
        }
        for k in estate_index::address_keys(b) {
            self.addresses.insert(k.as_slice(), &[][..])?;
        }
        if let Some(old) = &b.old_id {
            self.old_prt.insert(old.as_bytes(), key)?;
        }
        Ok(())
    }

    /// Stores a dwelling (replacing any earlier record under the same identifier).
    pub fn put_dwelling(&mut self, d: &Dwelling) -> Result<(), RegistryError> {
        self.dwellings
            .insert(d.id.to_string().as_bytes(), encode(d).as_slice())?;
        Ok(())
    }

    /// Stores a property (replacing any earlier record under the same identifier).
    pub fn put_property(&mut self, p: &Property) -> Result<(), RegistryError> {
        let key = p.id.to_string();
        let old = self
            .properties
            .insert(key.as_bytes(), encode(p).as_slice())?
            .map(|v| v.value().to_vec());
        if let Some(old) = old {
            let old: Property = decode(key.as_bytes(), &old)?;
            if let Some(k) = estate_index::property_key(&old) {
                self.property_names.remove(k.as_slice())?;
            }
        }
        if let Some(k) = estate_index::property_key(p) {
            self.property_names.insert(k.as_slice(), &[][..])?;
        }
        Ok(())
    }
}

/// A row of [`Registry::dump`]: table name, key, stored value.
pub type DumpRow = (String, Vec<u8>, Vec<u8>);
/// Records with their stored forms, written in one transaction.
pub type Batch = Vec<(Record, Vec<u8>)>;

/// A record for the [`BulkWriter`], with its stored form ([`encode`]).
#[derive(Debug, Clone)]
pub enum Record {
    Person(Box<Person>),
    Building(Building),
    Dwelling(Dwelling),
    Property(Property),
}

impl Record {
    /// The record's key and stored form.
    pub fn encoded(self) -> (Record, Vec<u8>) {
        let bytes = match &self {
            Record::Person(p) => encode(p),
            Record::Building(b) => encode(b),
            Record::Dwelling(d) => encode(d),
            Record::Property(p) => encode(p),
        };
        (self, bytes)
    }
}

/// Collects records for bulk loading and stores them in one write transaction
/// ([`BulkWriter::finish`]), as a generation does ([`Tables::store_batch`]).
pub struct BulkWriter {
    registry: Registry,
    pending: Batch,
}

impl BulkWriter {
    pub fn person(&mut self, p: &Person) -> Result<(), RegistryError> {
        self.pending
            .push(Record::Person(Box::new(p.clone())).encoded());
        Ok(())
    }

    /// Stores what was collected, durably.
    pub fn finish(self) -> Result<(), RegistryError> {
        let mut loader = self.registry.loader()?;
        self.registry.write(|t| {
            t.load_batch(self.pending, &mut loader)?;
            t.load_runs(loader, &|_, _| {})
        })
    }
}

/// The sorted runs of a generation's tables whose keys come in random order
/// ([`Tables::load_batch`]), in a directory of their own beside the store.
pub struct Loader {
    dir: PathBuf,
    budget: usize,
    persons: Runs,
    names: Runs,
    municipalities: Runs,
    passive: Runs,
    old_prt: Runs,
    addresses: Runs,
    property_names: Runs,
    properties: Runs,
}

impl Loader {
    fn all(&mut self) -> [&mut Runs; 8] {
        [
            &mut self.persons,
            &mut self.names,
            &mut self.municipalities,
            &mut self.passive,
            &mut self.old_prt,
            &mut self.addresses,
            &mut self.property_names,
            &mut self.properties,
        ]
    }

    fn bytes(&mut self) -> usize {
        self.all().iter().map(|r| r.bytes()).sum()
    }

    /// Pairs collected in all.
    pub fn pairs(&mut self) -> u64 {
        self.all().iter().map(|r| r.pairs()).sum()
    }

    fn spill(&mut self) -> Result<(), RegistryError> {
        for r in self.all() {
            r.spill().map_err(|e| RegistryError::Store(e.into()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::fixtures::Fixtures;
    use crate::registry::generate::{self, Options, Reserved};

    /// Writes a format marker straight into the (closed) registry file of `dir`.
    fn set_format(dir: &Path, format: &[u8]) {
        let db = redb::Database::create(path_in(dir)).unwrap();
        let txn = db.begin_write().unwrap();
        txn.open_table(META)
            .unwrap()
            .insert(FORMAT_KEY, format)
            .unwrap();
        txn.commit().unwrap();
    }

    fn open(dir: &Path) -> Result<Registry, RegistryError> {
        Registry::open_dir(dir, CACHE_BYTES)
    }

    /// Errors reach the server's log: they never show a whole identity code.
    #[test]
    fn errors_mask_identity_codes() {
        let e = RegistryError::DanglingIndex("020501A999T".into());
        assert_eq!(
            e.to_string(),
            "registry index points at 020501A****, which is not stored"
        );
        let e = decode::<Person>(b"010180-9026", b"{").unwrap_err();
        assert!(matches!(e, RegistryError::Corrupt { .. }), "{e}");
        assert!(!e.to_string().contains("9026"), "{e}");
        let e = RegistryError::DanglingIndex("9000000987".into());
        assert!(e.to_string().contains("9000000987"), "{e}");
    }

    /// Every record type reads back as it was stored; a record of another encoding
    /// version (the JSON of formats 1–3 starts with `{`) or a cut one is refused.
    #[test]
    fn records_round_trip_and_other_encodings_are_refused() {
        let f = Fixtures::builtin().unwrap();
        for p in &f.persons {
            assert_eq!(&decode::<Person>(b"k", &encode(p)).unwrap(), p);
        }
        for b in &f.buildings {
            assert_eq!(&decode::<Building>(b"k", &encode(b)).unwrap(), b);
        }
        for d in &f.dwellings {
            assert_eq!(&decode::<Dwelling>(b"k", &encode(d)).unwrap(), d);
        }
        for p in &f.properties {
            assert_eq!(&decode::<Property>(b"k", &encode(p)).unwrap(), p);
        }
        let bytes = encode(&f.persons[0]);
        let json = serde_json::to_vec(&f.persons[0]).unwrap();
        for bad in [&json[..], &bytes[..bytes.len() - 1], &[][..]] {
            assert!(decode::<Person>(b"k", bad).is_err());
        }
    }

    #[test]
    fn a_new_store_is_marked_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        {
            let reg = Registry::open_dir(dir.path(), CACHE_BYTES).unwrap();
            Fixtures::builtin().unwrap().import(&reg).unwrap();
        }
        let reg = Registry::open_dir(dir.path(), CACHE_BYTES).unwrap();
        assert!(!reg.is_empty());
        let marker = reg.read(META, |t| Ok(t.get(FORMAT_KEY)?.map(|v| v.value().to_vec())));
        assert_eq!(marker.unwrap(), Some(FORMAT.to_string().into_bytes()));
    }

    #[test]
    fn a_generated_population_of_another_format_is_refused_with_regenerate() {
        let dir = tempfile::tempdir().unwrap();
        let options = Options {
            persons: 300,
            seed: 1,
            threads: 1,
        };
        let reg = open(dir.path()).unwrap();
        generate::generate(&reg, options, &Reserved::default(), &|_, _| {}).unwrap();
        drop(reg);
        for other in ["3", "5"] {
            set_format(dir.path(), other.as_bytes());
            let e = open(dir.path()).err().expect("refused");
            assert!(matches!(e, RegistryError::Format { .. }), "{e}");
            assert!(e.to_string().contains("regenerate the population"), "{e}");
            let says = format!("registry format {other}");
            assert!(e.to_string().contains(&says), "{e}");
        }
    }

    #[test]
    fn an_interrupted_generation_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let reg = open(dir.path()).unwrap();
        reg.start_generation().unwrap();
        drop(reg);
        let e = open(dir.path()).err().expect("refused");
        assert!(matches!(e, RegistryError::Interrupted(_)), "{e}");
        assert!(e.to_string().contains("population generate again"), "{e}");
        // The mark inside the store alone (the file beside it lost) refuses it too.
        std::fs::remove_file(dir.path().join(UNFINISHED_FILE)).unwrap();
        let e = open(dir.path()).err().expect("refused");
        assert!(matches!(e, RegistryError::Interrupted(_)), "{e}");
    }

    #[test]
    fn a_store_of_fixtures_only_of_another_format_is_emptied_for_the_import() {
        let dir = tempfile::tempdir().unwrap();
        Fixtures::builtin()
            .unwrap()
            .import(&open(dir.path()).unwrap())
            .unwrap();
        set_format(dir.path(), b"3");
        let reg = open(dir.path()).unwrap();
        assert!(reg.is_empty());
        Fixtures::builtin().unwrap().import(&reg).unwrap();
        let birth = jiff::civil::date(2001, 5, 2);
        let found = reg
            .identify("jäppinen", birth, "albert", |e| {
                name_index::normalised_first_names_match("albert", e.first_names)
            })
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].hetu.as_str(), "020501A999T");
    }

    #[test]
    fn a_sled_store_with_a_generated_population_is_refused_with_regenerate() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        refuse_sled_population(&db).unwrap();
        let buildings = db.open_tree("registry.buildings").unwrap();
        buildings.insert(b"1000000001", &b"{}"[..]).unwrap();
        refuse_sled_population(&db).unwrap();
        buildings.insert(b"9100000002", &b"{}"[..]).unwrap();
        db.open_tree("registry.meta")
            .unwrap()
            .insert(b"format", &b"3"[..])
            .unwrap();
        let e = refuse_sled_population(&db).unwrap_err();
        assert!(e.to_string().contains("registry format 3"), "{e}");
        assert!(e.to_string().contains("regenerate the population"), "{e}");
    }

    #[test]
    fn persons_stream_in_key_order_from_after_a_key() {
        let reg = Registry::temporary().unwrap();
        Fixtures::builtin().unwrap().import(&reg).unwrap();
        let all: Vec<String> = reg.persons().map(|p| p.unwrap().hetu.to_string()).collect();
        assert!(all.len() > 3 && all.windows(2).all(|w| w[0] < w[1]));
        let rest: Vec<String> = reg
            .persons_after(Some(&all[1]))
            .map(|p| p.unwrap().hetu.to_string())
            .collect();
        assert_eq!(rest, all[2..]);
    }

    /// Reads share tables opened after the last write; a write is seen by every read that
    /// starts after it returns, from this handle and its clones alike.
    #[test]
    fn a_read_after_a_write_sees_it() {
        let reg = Registry::temporary().unwrap();
        Fixtures::builtin().unwrap().import(&reg).unwrap();
        let clone = reg.clone();
        let hetu: Hetu = "020501A999T".parse().unwrap();
        let mut p = reg.get(&hetu).unwrap().unwrap();
        assert_eq!(clone.get(&hetu).unwrap().as_ref(), Some(&p));
        for name in ["Uusinimi", "Toinennimi"] {
            p.last_name = name.into();
            clone.put(&p).unwrap();
            assert_eq!(reg.get(&hetu).unwrap().unwrap().last_name, name);
            assert_eq!(clone.get(&hetu).unwrap().unwrap().last_name, name);
        }
        let other: Hetu = "010101A123N".parse().unwrap();
        assert!(reg.get(&other).unwrap().is_none());
        let mut q = p.clone();
        q.hetu = other.clone();
        q.passive_hetus.clear();
        q.satu = None;
        reg.put(&q).unwrap();
        assert_eq!(clone.get(&other).unwrap().unwrap().hetu, other);
    }

    /// Refiling and replacing keep the identification index in step with the persons table.
    #[test]
    fn the_index_follows_every_put() {
        let reg = Registry::temporary().unwrap();
        Fixtures::builtin().unwrap().import(&reg).unwrap();
        let hetu: Hetu = "020501A999T".parse().unwrap();
        let mut p = reg.get(&hetu).unwrap().unwrap();
        let birth = p.birth_date();
        let by = |reg: &Registry, surname: &str, first: &str| {
            reg.identify(surname, birth, first, |_| true).unwrap()
        };
        assert_eq!(by(&reg, "jäppinen", "albert"), [p.clone()]);
        // A new call name: same key, new record.
        p.call_name = Some("Berti".into());
        reg.put(&p).unwrap();
        assert_eq!(by(&reg, "jäppinen", "albert"), [p.clone()]);
        // A new surname: filed under the new key only.
        p.last_name = "Öhman-Ek".into();
        reg.put(&p).unwrap();
        assert!(by(&reg, "jäppinen", "albert").is_empty());
        assert_eq!(by(&reg, "öhman-ek", "albert"), [p.clone()]);
        // Every stored person is filed once, under its key.
        let mut filed = 0;
        for (table, k, v) in reg.dump().unwrap() {
            if table != "name_index" {
                continue;
            }
            for e in name_index::Entries::read(&v).unwrap().iter() {
                let person = reg.get(&e.hetu.parse().unwrap()).unwrap().unwrap();
                assert_eq!(name_index::person_key(&person), k);
                filed += 1;
            }
        }
        assert_eq!(filed, reg.len());
    }
}
