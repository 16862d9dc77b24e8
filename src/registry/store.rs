//! The registry on disk: persons in a sled tree keyed by their active identity code, with
//! index trees from passive identity codes and SATUs to the active code. Values are JSON.
//! Nothing here is loaded whole into memory; every lookup is a point read.

use crate::ids::{Hetu, Satu};
use crate::registry::model::Person;

const PERSONS: &str = "registry.persons";
const PASSIVE: &str = "registry.passive_hetu";
const SATU: &str = "registry.satu";

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
}

impl Registry {
    pub fn open(db: &sled::Db) -> Result<Self, RegistryError> {
        Ok(Registry {
            persons: db.open_tree(PERSONS)?,
            passive: db.open_tree(PASSIVE)?,
            satu: db.open_tree(SATU)?,
        })
    }

    /// Stores a person (replacing any earlier record under the same code) with its indexes.
    pub fn put(&self, person: &Person) -> Result<(), RegistryError> {
        let bytes = serde_json::to_vec(person).expect("a Person always serialises");
        let key = person.hetu.as_str().as_bytes();
        self.persons.insert(key, bytes)?;
        for old in &person.passive_hetus {
            self.passive.insert(old.as_str().as_bytes(), key)?;
        }
        if let Some(satu) = &person.satu {
            self.satu.insert(satu.as_str().as_bytes(), key)?;
        }
        Ok(())
    }

    /// The person whose active code this is.
    pub fn get(&self, hetu: &Hetu) -> Result<Option<Person>, RegistryError> {
        self.get_raw(hetu.as_str().as_bytes())
    }

    fn get_raw(&self, key: &[u8]) -> Result<Option<Person>, RegistryError> {
        match self.persons.get(key)? {
            None => Ok(None),
            Some(v) => {
                serde_json::from_slice(&v)
                    .map(Some)
                    .map_err(|source| RegistryError::Corrupt {
                        key: String::from_utf8_lossy(key).into_owned(),
                        source,
                    })
            }
        }
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

    /// Number of persons stored.
    pub fn len(&self) -> usize {
        self.persons.len()
    }

    pub fn is_empty(&self) -> bool {
        self.persons.is_empty()
    }
}
