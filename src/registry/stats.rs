//! Counts of the stored population by group, for `population stats`: one streaming pass
//! over the persons (one record in memory at a time) and a key count of the building,
//! dwelling and property trees; and a sample of stored identity codes spread over the
//! store, for `population sample`. Reads only; never changes the store.

use std::fmt;

use crate::ids::Hetu;
use crate::registry::generate::REFERENCE_DATE;
use crate::registry::model::Person;
use crate::registry::rng::Rng;
use crate::registry::store::{Registry, RegistryError};

/// The counts a user sees.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub persons: u64,
    pub deceased: u64,
    pub declared_dead: u64,
    pub non_disclosure: u64,
    pub minors_with_guardians: u64,
    pub abroad: u64,
    pub passive_codes: u64,
    pub with_satu: u64,
    pub under_guardianship: u64,
    pub buildings: u64,
    pub dwellings: u64,
    pub properties: u64,
}

/// `count` stored identity codes spread over the key space (identity codes begin with the
/// birth date, so a random `DDMMYY` prefix lands anywhere in the store), each the first
/// stored code at or after its prefix: a point read of keys, never a scan. Deterministic
/// for a seed and a store; empty for an empty store.
pub fn sample(registry: &Registry, count: usize, seed: u64) -> Result<Vec<Hetu>, RegistryError> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let prefix = format!(
            "{:02}{:02}{:02}",
            rng.range(1, 31),
            rng.range(1, 12),
            rng.below(100)
        );
        // Past the last key: wrap round to the first.
        let found = match registry.hetu_at_or_after(&prefix)? {
            Some(h) => h,
            None => match registry.hetu_at_or_after("")? {
                Some(h) => h,
                None => break,
            },
        };
        out.push(found);
    }
    Ok(out)
}

/// A person's identification criteria as `loadtest --criteria-file` reads them:
/// `SURNAME;FIRST NAMES;YYYYMMDD`, the surname in capitals (as callers often send it).
pub fn criteria(p: &Person) -> String {
    format!(
        "{};{};{}",
        p.last_name.to_uppercase(),
        p.first_names,
        p.birth_date().strftime("%Y%m%d")
    )
}

/// Counts everything stored. A minor is someone under 18 on the later of today and the
/// generator's reference date.
pub fn count(registry: &Registry) -> Result<Stats, RegistryError> {
    let today = jiff::Zoned::now().date().max(REFERENCE_DATE);
    let mut s = Stats::default();
    for p in registry.persons() {
        let p = p?;
        s.persons += 1;
        s.deceased += u64::from(p.death_date.is_some());
        s.declared_dead += u64::from(p.declared_dead_date.is_some());
        s.non_disclosure += u64::from(p.non_disclosure.is_some());
        s.abroad += u64::from(p.permanent_foreign_address.is_some());
        s.passive_codes += p.passive_hetus.len() as u64;
        s.with_satu += u64::from(p.satu.is_some());
        s.under_guardianship += u64::from(p.guardianship.is_some());
        let minor = p
            .birth_date()
            .checked_add(jiff::Span::new().years(18))
            .is_ok_and(|adult| adult > today);
        s.minors_with_guardians += u64::from(minor && !p.guardians.is_empty());
    }
    let (b, d, pr) = registry.estate_counts()?;
    (s.buildings, s.dwellings, s.properties) = (b as u64, d as u64, pr as u64);
    Ok(s)
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = [
            ("persons", self.persons),
            ("deceased", self.deceased),
            ("declared dead", self.declared_dead),
            ("under non-disclosure (turvakielto)", self.non_disclosure),
            ("minors with guardians", self.minors_with_guardians),
            ("permanent address abroad", self.abroad),
            ("passive identity codes", self.passive_codes),
            ("with SATU", self.with_satu),
            ("under guardianship (edunvalvonta)", self.under_guardianship),
            ("buildings", self.buildings),
            ("dwellings", self.dwellings),
            ("properties", self.properties),
        ];
        for (name, n) in rows {
            writeln!(f, "{name:<36} {n:>10}")?;
        }
        Ok(())
    }
}
