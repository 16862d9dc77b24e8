//! The building, dwelling and property part of the fixture check: each record is checked
//! on its own (codes, ranges, the identifier ranges reserved for the generated population),
//! then against the others (a building's property, a dwelling's building, a resident's
//! dwelling must all be defined), and the relations are completed both ways (a property
//! lists its buildings, a dwelling its residents). Errors name the file, the record and the
//! field. Called only from [`super::fixtures`]; stores nothing.

use std::collections::BTreeMap;

use crate::ids::{DwellingId, Hetu, PropertyId, Prt};
use crate::registry::codes;
use crate::registry::estate::{Building, Dwelling, KITCHEN_TYPES, Property};
use crate::registry::fixture_error::{FixtureError, invalid};
use crate::registry::model::Person;
pub use crate::registry::reserved::{
    GENERATED_DISTRICT_FROM, GENERATED_PRT_FROM, GENERATED_SATU_FROM,
};

/// The estate records read so far, each with the file it came from.
#[derive(Debug, Default)]
pub struct Estate {
    properties: BTreeMap<PropertyId, (String, Property)>,
    buildings: BTreeMap<Prt, (String, Building)>,
    dwellings: BTreeMap<DwellingId, (String, Dwelling)>,
}

fn err(file: &str, record: String, message: String) -> FixtureError {
    FixtureError::Invalid {
        file: file.to_string(),
        message: format!("{record}: {message}"),
    }
}

fn digits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

impl Estate {
    /// Checks one file's records on their own and adds them.
    pub fn add(
        &mut self,
        file: &str,
        properties: Vec<Property>,
        buildings: Vec<Building>,
        dwellings: Vec<Dwelling>,
    ) -> Result<(), FixtureError> {
        for p in properties {
            let rec = format!("property {}", p.id);
            if !codes::is_municipality(&p.municipality) {
                return Err(err(
                    file,
                    rec,
                    format!(
                        "municipality {:?} is not a known municipality number",
                        p.municipality
                    ),
                ));
            }
            if p.id.district() >= GENERATED_DISTRICT_FROM {
                return Err(err(
                    file,
                    rec,
                    format!(
                        "id: village/district numbers from {GENERATED_DISTRICT_FROM} on are reserved for the generated population"
                    ),
                ));
            }
            if p.name.as_ref().is_some_and(|n| n.chars().count() > 50) {
                return Err(err(file, rec, "name is longer than 50 characters".into()));
            }
            if let Some((first, _)) = self.properties.get(&p.id) {
                return Err(err(file, rec, format!("defined twice (first in {first})")));
            }
            self.properties.insert(p.id.clone(), (file.to_string(), p));
        }
        for b in buildings {
            let rec = format!("building {}", b.prt);
            if b.prt.number() >= GENERATED_PRT_FROM {
                return Err(err(
                    file,
                    rec,
                    format!(
                        "prt: numbers from {GENERATED_PRT_FROM} on are reserved for the generated population"
                    ),
                ));
            }
            if !codes::is_municipality(&b.municipality) {
                return Err(err(
                    file,
                    rec,
                    format!(
                        "municipality {:?} is not a known municipality number",
                        b.municipality
                    ),
                ));
            }
            if !digits(&b.use_code, 1, 3) {
                return Err(err(
                    file,
                    rec,
                    format!("use_code {:?} is not 1–3 digits", b.use_code),
                ));
            }
            if !digits(&b.class_code, 1, 4) {
                return Err(err(
                    file,
                    rec,
                    format!("class_code {:?} is not 1–4 digits", b.class_code),
                ));
            }
            if !digits(&b.address.postal_code, 5, 5) {
                return Err(err(
                    file,
                    rec,
                    format!(
                        "address.postal_code {:?} is not five digits",
                        b.address.postal_code
                    ),
                ));
            }
            if b.old_id.as_ref().is_some_and(|o| o.chars().count() > 23) {
                return Err(err(file, rec, "old_id is longer than 23 characters".into()));
            }
            if let Some((first, _)) = self.buildings.get(&b.prt) {
                return Err(err(file, rec, format!("defined twice (first in {first})")));
            }
            self.buildings.insert(b.prt.clone(), (file.to_string(), b));
        }
        for d in dwellings {
            let rec = format!("dwelling {:?}", d.id.to_string());
            if !KITCHEN_TYPES.contains(&d.kitchen.as_str()) {
                return Err(err(
                    file,
                    rec,
                    format!("kitchen {:?} is not one of \"\", K, KK, KT", d.kitchen),
                ));
            }
            if d.rooms > 99 {
                return Err(err(file, rec, format!("rooms {} is more than 99", d.rooms)));
            }
            if d.floor_area > 99_999 {
                return Err(err(
                    file,
                    rec,
                    format!("floor_area {} has more than 5 digits", d.floor_area),
                ));
            }
            if let Some((first, _)) = self.dwellings.get(&d.id) {
                return Err(err(file, rec, format!("defined twice (first in {first})")));
            }
            self.dwellings.insert(d.id.clone(), (file.to_string(), d));
        }
        Ok(())
    }

    /// Checks the relations between all records and completes them both ways.
    #[allow(clippy::type_complexity)]
    pub fn complete(
        mut self,
        persons: &BTreeMap<Hetu, (String, Person)>,
    ) -> Result<(Vec<Property>, Vec<Building>, Vec<Dwelling>), FixtureError> {
        for (file, p) in self.properties.values() {
            for prt in &p.buildings {
                match self.buildings.get(prt) {
                    None => {
                        return Err(err(
                            file,
                            format!("property {}", p.id),
                            format!("buildings names {prt}, which is not defined in the fixtures"),
                        ));
                    }
                    Some((_, b)) if b.property != p.id => {
                        return Err(err(
                            file,
                            format!("property {}", p.id),
                            format!("buildings names {prt}, whose property is {}", b.property),
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
        for (file, b) in self.buildings.values() {
            let Some((_, p)) = self.properties.get_mut(&b.property) else {
                return Err(err(
                    file,
                    format!("building {}", b.prt),
                    format!("property {} is not defined in the fixtures", b.property),
                ));
            };
            if !p.buildings.contains(&b.prt) {
                p.buildings.push(b.prt.clone());
            }
        }
        for (file, d) in self.dwellings.values() {
            if !self.buildings.contains_key(d.id.prt()) {
                return Err(err(
                    file,
                    format!("dwelling {:?}", d.id.to_string()),
                    format!("its building {} is not defined in the fixtures", d.id.prt()),
                ));
            }
            for h in &d.residents {
                let lives_here = persons.get(h).is_some_and(|(_, p)| {
                    p.permanent_address
                        .as_ref()
                        .and_then(|a| a.dwelling.as_ref())
                        == Some(&d.id)
                });
                if !lives_here {
                    return Err(err(
                        file,
                        format!("dwelling {:?}", d.id.to_string()),
                        format!(
                            "residents names {h}, who is not a fixture person with this dwelling in permanent_address.dwelling"
                        ),
                    ));
                }
            }
        }
        for (file, p) in persons.values() {
            let Some(id) = p
                .permanent_address
                .as_ref()
                .and_then(|a| a.dwelling.as_ref())
            else {
                continue;
            };
            let Some((_, d)) = self.dwellings.get_mut(id) else {
                return Err(invalid(
                    file,
                    p,
                    format!(
                        "permanent_address.dwelling {:?} is not a dwelling defined in the fixtures",
                        id.to_string()
                    ),
                ));
            };
            if !d.residents.contains(&p.hetu) {
                d.residents.push(p.hetu.clone());
            }
        }
        Ok((
            self.properties.into_values().map(|(_, p)| p).collect(),
            self.buildings.into_values().map(|(_, b)| b).collect(),
            self.dwellings.into_values().map(|(_, d)| d).collect(),
        ))
    }
}
