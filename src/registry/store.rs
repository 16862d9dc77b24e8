//! The registry on disk: persons in a sled tree keyed by their active identity code, with
//! index trees from passive identity codes and SATUs to the active code; buildings keyed by
//! VTJ-PRT, dwellings keyed by their 16-character identifier (so a building's dwellings are
//! one prefix scan) and properties keyed by their canonical identifier. Values are JSON.
//! Search indexes (keys only): persons by normalised surname and birth date and by home
//! municipality and birth date ([`crate::registry::name_index`]), buildings by street
//! address and old identifier, properties by name ([`crate::registry::estate_index`]);
//! every `put*` and the [`BulkWriter`] keep them in step.
//! Nothing here is loaded whole into memory; every lookup is a point read or a prefix scan.
//! Bulk loading goes through [`BulkWriter`] (batched writes); this file must not decide
//! what is stored, only how.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ids::{DwellingId, Hetu, PropertyId, Prt, Satu};
use crate::registry::estate::{Building, Dwelling, Property};
use crate::registry::estate_index;
use crate::registry::model::Person;
use crate::registry::name_index;

const PERSONS: &str = "registry.persons";
const PASSIVE: &str = "registry.passive_hetu";
const SATU: &str = "registry.satu";
const BUILDINGS: &str = "registry.buildings";
const DWELLINGS: &str = "registry.dwellings";
const PROPERTIES: &str = "registry.properties";
const NAMES: &str = "registry.name_index";
const OLD_PRT: &str = "registry.building_old_id";
const ADDRESSES: &str = "registry.building_address_index";
const PROPERTY_NAMES: &str = "registry.property_name_index";
const MUNICIPALITIES: &str = "registry.municipality_index";

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("registry store: {0}")]
    Store(#[from] sled::Error),
    #[error("registry record for {key} is unreadable: {source}")]
    Corrupt {
        key: String,
        source: serde_json::Error,
    },
    #[error("registry index points at {0}, which is not stored")]
    DanglingIndex(String),
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

/// Handle to the registry trees of an open sled database. Cheap to clone.
#[derive(Clone)]
pub struct Registry {
    persons: sled::Tree,
    passive: sled::Tree,
    satu: sled::Tree,
    buildings: sled::Tree,
    dwellings: sled::Tree,
    properties: sled::Tree,
    /// Identification index: [`name_index::key`] → nothing.
    names: sled::Tree,
    /// Old building identifier → VTJ-PRT.
    old_prt: sled::Tree,
    /// Building identification index: [`estate_index::address_keys`] → nothing.
    addresses: sled::Tree,
    /// Property identification index: [`estate_index::property_key`] → nothing.
    property_names: sled::Tree,
    /// Extraction index: [`name_index::municipality_key`] → nothing.
    municipalities: sled::Tree,
}

/// The stored form of a record.
pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("registry records always serialise")
}

fn decode<T: DeserializeOwned>(key: &[u8], bytes: &[u8]) -> Result<T, RegistryError> {
    serde_json::from_slice(bytes).map_err(|source| RegistryError::Corrupt {
        key: String::from_utf8_lossy(key).into_owned(),
        source,
    })
}

impl Registry {
    pub fn open(db: &sled::Db) -> Result<Self, RegistryError> {
        Ok(Registry {
            persons: db.open_tree(PERSONS)?,
            passive: db.open_tree(PASSIVE)?,
            satu: db.open_tree(SATU)?,
            buildings: db.open_tree(BUILDINGS)?,
            dwellings: db.open_tree(DWELLINGS)?,
            properties: db.open_tree(PROPERTIES)?,
            names: db.open_tree(NAMES)?,
            old_prt: db.open_tree(OLD_PRT)?,
            addresses: db.open_tree(ADDRESSES)?,
            property_names: db.open_tree(PROPERTY_NAMES)?,
            municipalities: db.open_tree(MUNICIPALITIES)?,
        })
    }

    /// Stores a person (replacing any earlier record under the same code) with its indexes.
    pub fn put(&self, person: &Person) -> Result<(), RegistryError> {
        let bytes = encode(person);
        let key = person.hetu.as_str().as_bytes();
        if let Some(old) = self.persons.insert(key, bytes)? {
            let old: Person = decode(key, &old)?;
            self.names.remove(name_index::key(&old))?;
            if let Some(k) = name_index::municipality_key(&old) {
                self.municipalities.remove(k)?;
            }
        }
        self.names.insert(name_index::key(person), &[])?;
        if let Some(k) = name_index::municipality_key(person) {
            self.municipalities.insert(k, &[])?;
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
    pub fn put_building(&self, b: &Building) -> Result<(), RegistryError> {
        if let Some(old) = self
            .buildings
            .insert(b.prt.as_str().as_bytes(), encode(b))?
        {
            let old: Building = decode(b.prt.as_str().as_bytes(), &old)?;
            for k in estate_index::address_keys(&old) {
                self.addresses.remove(k)?;
            }
        }
        for k in estate_index::address_keys(b) {
            self.addresses.insert(k, &[])?;
        }
        if let Some(old) = &b.old_id {
            self.old_prt
                .insert(old.as_bytes(), b.prt.as_str().as_bytes())?;
        }
        Ok(())
    }

    /// Stores a dwelling (replacing any earlier record under the same identifier).
    pub fn put_dwelling(&self, d: &Dwelling) -> Result<(), RegistryError> {
        self.dwellings
            .insert(d.id.to_string().as_bytes(), encode(d))?;
        Ok(())
    }

    /// Stores a property (replacing any earlier record under the same identifier).
    pub fn put_property(&self, p: &Property) -> Result<(), RegistryError> {
        let key = p.id.to_string();
        if let Some(old) = self.properties.insert(key.as_bytes(), encode(p))? {
            let old: Property = decode(key.as_bytes(), &old)?;
            if let Some(k) = estate_index::property_key(&old) {
                self.property_names.remove(k)?;
            }
        }
        if let Some(k) = estate_index::property_key(p) {
            self.property_names.insert(k, &[])?;
        }
        Ok(())
    }

    pub fn building(&self, prt: &Prt) -> Result<Option<Building>, RegistryError> {
        self.point(&self.buildings, prt.as_str().as_bytes())
    }

    /// The buildings at a street address of a municipality (every number of the street
    /// when `number` is `None`): one prefix read of the address index.
    pub fn buildings_at(
        &self,
        municipality: &str,
        street: &str,
        number: Option<&str>,
    ) -> Result<Vec<Building>, RegistryError> {
        let prefix = estate_index::address_prefix(municipality, street, number);
        let mut prts: Vec<Vec<u8>> = Vec::new();
        for k in self.addresses.scan_prefix(&prefix).keys() {
            let k = k?;
            let prt = k[k.len() - 10..].to_vec();
            if !prts.contains(&prt) {
                prts.push(prt);
            }
        }
        prts.iter()
            .map(|prt| {
                self.point(&self.buildings, prt)?.ok_or_else(|| {
                    RegistryError::DanglingIndex(String::from_utf8_lossy(prt).into())
                })
            })
            .collect()
    }

    /// The properties of this name in a municipality: one prefix read of the name index.
    pub fn properties_named(
        &self,
        municipality: &str,
        name: &str,
    ) -> Result<Vec<Property>, RegistryError> {
        let prefix = estate_index::property_prefix(municipality, name);
        self.property_names
            .scan_prefix(&prefix)
            .keys()
            .map(|k| {
                let k = k?;
                let id = &k[prefix.len()..];
                self.point(&self.properties, id)?
                    .ok_or_else(|| RegistryError::DanglingIndex(String::from_utf8_lossy(id).into()))
            })
            .collect()
    }

    /// A building by its old building identifier (`KKK-SSS-RRRR-YYYY-T-nnn`).
    pub fn building_by_old_id(&self, old: &str) -> Result<Option<Building>, RegistryError> {
        match self.old_prt.get(old.as_bytes())? {
            None => Ok(None),
            Some(prt) => self.point(&self.buildings, &prt),
        }
    }

    pub fn dwelling(&self, id: &DwellingId) -> Result<Option<Dwelling>, RegistryError> {
        self.point(&self.dwellings, id.to_string().as_bytes())
    }

    pub fn property(&self, id: &PropertyId) -> Result<Option<Property>, RegistryError> {
        self.point(&self.properties, id.to_string().as_bytes())
    }

    /// The dwellings of a building, in identifier order (one prefix scan).
    pub fn dwellings_of(&self, prt: &Prt) -> Result<Vec<Dwelling>, RegistryError> {
        self.dwellings
            .scan_prefix(prt.as_str().as_bytes())
            .map(|kv| {
                let (k, v) = kv?;
                decode(&k, &v)
            })
            .collect()
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

    fn point<T: DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        key: &[u8],
    ) -> Result<Option<T>, RegistryError> {
        match tree.get(key)? {
            None => Ok(None),
            Some(v) => decode(key, &v).map(Some),
        }
    }

    /// Streams every stored person in key order (nothing is held beyond one record).
    pub fn persons(&self) -> impl Iterator<Item = Result<Person, RegistryError>> + '_ {
        self.persons.iter().map(|kv| {
            let (k, v) = kv?;
            decode(&k, &v)
        })
    }

    /// The first stored active identity code at or after `key` in key order (for sampling
    /// codes, e.g. in benchmarks, without reading the records).
    pub fn hetu_at_or_after(&self, key: &str) -> Result<Option<Hetu>, RegistryError> {
        match self.persons.range(key.as_bytes()..).keys().next() {
            None => Ok(None),
            Some(k) => {
                let k = k?;
                let s = String::from_utf8_lossy(&k).into_owned();
                s.parse()
                    .map(Some)
                    .map_err(|_| RegistryError::DanglingIndex(s))
            }
        }
    }

    /// Whether a generated population is stored (a building in the generated PRT range).
    pub fn has_generated_population(&self) -> Result<bool, RegistryError> {
        let from = crate::registry::fixture_estate::GENERATED_PRT_FROM.to_string();
        Ok(self
            .buildings
            .range(from.as_bytes()..)
            .next()
            .transpose()?
            .is_some())
    }

    /// Whether an active or passive identity code is taken.
    pub fn hetu_taken(&self, hetu: &Hetu) -> Result<bool, RegistryError> {
        let k = hetu.as_str().as_bytes();
        Ok(self.persons.contains_key(k)? || self.passive.contains_key(k)?)
    }

    /// Number of stored buildings, dwellings and properties (each a scan of its tree).
    pub fn estate_counts(&self) -> (usize, usize, usize) {
        (
            self.buildings.len(),
            self.dwellings.len(),
            self.properties.len(),
        )
    }

    /// A writer that batches records for bulk loading.
    pub fn bulk(&self) -> BulkWriter<'_> {
        BulkWriter {
            registry: self,
            batches: Default::default(),
            pending: 0,
        }
    }

    /// The person whose active code this is.
    pub fn get(&self, hetu: &Hetu) -> Result<Option<Person>, RegistryError> {
        self.get_raw(hetu.as_str().as_bytes())
    }

    fn get_raw(&self, key: &[u8]) -> Result<Option<Person>, RegistryError> {
        self.point(&self.persons, key)
    }

    fn via_index(&self, index: &sled::Tree, key: &[u8]) -> Result<Option<Person>, RegistryError> {
        match index.get(key)? {
            None => Ok(None),
            Some(active) => self.get_raw(&active)?.map(Some).ok_or_else(|| {
                RegistryError::DanglingIndex(String::from_utf8_lossy(&active).into())
            }),
        }
    }

    /// Looks a person up by identity code, following a passive code to its active person.
    pub fn find_by_hetu(&self, hetu: &Hetu) -> Result<Lookup, RegistryError> {
        if let Some(p) = self.get(hetu)? {
            return Ok(Lookup::Found(p));
        }
        Ok(
            match self.via_index(&self.passive, hetu.as_str().as_bytes())? {
                Some(p) => Lookup::Passive(p),
                None => Lookup::NotFound,
            },
        )
    }

    /// Looks a person up by electronic service identifier.
    pub fn find_by_satu(&self, satu: &Satu) -> Result<Lookup, RegistryError> {
        Ok(
            match self.via_index(&self.satu, satu.as_str().as_bytes())? {
                Some(p) => Lookup::Found(p),
                None => Lookup::NotFound,
            },
        )
    }

    /// The persons filed under this surname and birth date (normalised, see
    /// [`name_index`]): one prefix read of the identification index.
    pub fn by_surname_and_birth(
        &self,
        surname: &str,
        birth: jiff::civil::Date,
    ) -> Result<Vec<Person>, RegistryError> {
        let prefix = name_index::prefix(surname, birth);
        self.names
            .scan_prefix(&prefix)
            .keys()
            .map(|k| {
                let k = k?;
                let hetu = &k[prefix.len()..];
                self.get_raw(hetu)?.ok_or_else(|| {
                    RegistryError::DanglingIndex(String::from_utf8_lossy(hetu).into())
                })
            })
            .collect()
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
        let mut out = Vec::new();
        for k in self.municipalities.range(start..end).keys() {
            if out.len() >= limit {
                break;
            }
            let k = k?;
            let hetu = &k[k.len() - 11..];
            let p = self.get_raw(hetu)?.ok_or_else(|| {
                RegistryError::DanglingIndex(String::from_utf8_lossy(hetu).into())
            })?;
            if keep(&p) {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// Number of persons stored.
    pub fn len(&self) -> usize {
        self.persons.len()
    }

    pub fn is_empty(&self) -> bool {
        self.persons.is_empty()
    }
}

/// Batched writes for bulk loading: records go into one [`sled::Batch`] per tree, applied
/// every [`BulkWriter::BATCH`] records and on [`BulkWriter::finish`].
pub struct BulkWriter<'a> {
    registry: &'a Registry,
    /// persons, passive, satu, buildings, dwellings, properties, names, old building ids,
    /// building addresses, property names, municipalities
    batches: [sled::Batch; 11],
    pending: usize,
}

impl BulkWriter<'_> {
    pub const BATCH: usize = 20_000;

    fn add(&mut self, tree: usize, key: &[u8], value: Vec<u8>) -> Result<(), RegistryError> {
        self.batches[tree].insert(key, value);
        self.pending += 1;
        if self.pending >= Self::BATCH {
            self.apply()?;
        }
        Ok(())
    }

    pub fn person(&mut self, p: &Person) -> Result<(), RegistryError> {
        let key = p.hetu.as_str().as_bytes();
        for old in &p.passive_hetus {
            self.add(1, old.as_str().as_bytes(), key.to_vec())?;
        }
        if let Some(satu) = &p.satu {
            self.add(2, satu.as_str().as_bytes(), key.to_vec())?;
        }
        self.add(6, &name_index::key(p), Vec::new())?;
        if let Some(k) = name_index::municipality_key(p) {
            self.add(10, &k, Vec::new())?;
        }
        self.add(0, key, encode(p))
    }

    pub fn building(&mut self, b: &Building) -> Result<(), RegistryError> {
        if let Some(old) = &b.old_id {
            self.add(7, old.as_bytes(), b.prt.as_str().as_bytes().to_vec())?;
        }
        for k in estate_index::address_keys(b) {
            self.add(8, &k, Vec::new())?;
        }
        self.add(3, b.prt.as_str().as_bytes(), encode(b))
    }

    pub fn dwelling(&mut self, d: &Dwelling) -> Result<(), RegistryError> {
        self.add(4, d.id.to_string().as_bytes(), encode(d))
    }

    pub fn property(&mut self, p: &Property) -> Result<(), RegistryError> {
        if let Some(k) = estate_index::property_key(p) {
            self.add(9, &k, Vec::new())?;
        }
        self.add(5, p.id.to_string().as_bytes(), encode(p))
    }

    fn apply(&mut self) -> Result<(), RegistryError> {
        let r = self.registry;
        let trees = [
            &r.persons,
            &r.passive,
            &r.satu,
            &r.buildings,
            &r.dwellings,
            &r.properties,
            &r.names,
            &r.old_prt,
            &r.addresses,
            &r.property_names,
            &r.municipalities,
        ];
        for (tree, batch) in trees.into_iter().zip(self.batches.iter_mut()) {
            tree.apply_batch(std::mem::take(batch))?;
        }
        // Written pages can leave memory only once they are on disk.
        r.persons.flush()?;
        self.pending = 0;
        Ok(())
    }

    /// Applies what is pending and flushes the store to disk.
    pub fn finish(mut self) -> Result<(), RegistryError> {
        self.apply()?;
        self.registry.persons.flush()?;
        Ok(())
    }
}
