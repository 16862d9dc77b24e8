//! Hand-written fixtures: TOML files of persons, buildings, dwellings and properties
//! (format in `fixtures/README.md`), checked as a whole before anything is stored, so a bad
//! file loads nothing. Relations are made to hold both ways here (a guardian lists the
//! dependant and the dependant the guardian; a property its buildings; a dwelling its
//! residents). The estate checks live in `registry::fixture_estate`.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use crate::ids::Hetu;
use crate::registry::codes;
use crate::registry::estate::{Building, Dwelling, Property};
pub use crate::registry::fixture_error::FixtureError;
use crate::registry::fixture_error::invalid;
use crate::registry::fixture_estate;
use crate::registry::model::{GuardianLink, Person};
use crate::registry::store::{Registry, RegistryError};

/// The longest name a fixture may give (the catalogue's `Nimi100Tyyppi`).
pub const MAX_NAME_CHARS: usize = 100;

/// The fixtures compiled into the binary: the built-in default population.
pub const BUILTIN: &[(&str, &str)] = &[(
    "fixtures/persons.toml",
    include_str!("../../fixtures/persons.toml"),
)];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    #[serde(default)]
    person: Vec<Person>,
    #[serde(default)]
    property: Vec<Property>,
    #[serde(default)]
    building: Vec<Building>,
    #[serde(default)]
    dwelling: Vec<Dwelling>,
}

/// A checked set of fixture records, relations completed, ready to store.
#[derive(Debug, Clone, Default)]
pub struct Fixtures {
    pub persons: Vec<Person>,
    pub properties: Vec<Property>,
    pub buildings: Vec<Building>,
    pub dwellings: Vec<Dwelling>,
}

impl Fixtures {
    /// Parses and checks fixture sources given as (file name, text) pairs.
    pub fn parse(sources: &[(&str, &str)]) -> Result<Self, FixtureError> {
        let mut persons: BTreeMap<Hetu, (String, Person)> = BTreeMap::new();
        let mut passive: HashSet<Hetu> = HashSet::new();
        let mut estate = fixture_estate::Estate::default();
        for (file, text) in sources {
            let parsed: FixtureFile = toml::from_str(text).map_err(|e| FixtureError::Invalid {
                file: file.to_string(),
                message: e.to_string().trim_end().to_string(),
            })?;
            estate.add(file, parsed.property, parsed.building, parsed.dwelling)?;
            for p in parsed.person {
                check_person(file, &p)?;
                for old in &p.passive_hetus {
                    if !passive.insert(old.clone()) {
                        return Err(invalid(
                            file,
                            &p,
                            format!("passive code {old} is listed twice"),
                        ));
                    }
                }
                if let Some((first, _)) = persons.get(&p.hetu) {
                    return Err(invalid(
                        file,
                        &p,
                        format!("the person is defined twice (first in {first})"),
                    ));
                }
                persons.insert(p.hetu.clone(), (file.to_string(), p));
            }
        }
        if let Some(h) = passive.iter().find(|h| persons.contains_key(*h)) {
            let (file, _) = &persons[h];
            return Err(FixtureError::Invalid {
                file: file.clone(),
                message: format!("{h} is both a person's active code and another's passive code"),
            });
        }
        complete_relations(&mut persons)?;
        let (properties, buildings, dwellings) = estate.complete(&persons)?;
        Ok(Fixtures {
            persons: persons.into_values().map(|(_, p)| p).collect(),
            properties,
            buildings,
            dwellings,
        })
    }

    /// Reads fixture files from disk and checks them together.
    pub fn load(paths: &[impl AsRef<Path>]) -> Result<Self, FixtureError> {
        let mut texts = Vec::new();
        for path in paths {
            let path = path.as_ref();
            let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Io {
                file: path.display().to_string(),
                source,
            })?;
            texts.push((path.display().to_string(), text));
        }
        let refs: Vec<(&str, &str)> = texts
            .iter()
            .map(|(f, t)| (f.as_str(), t.as_str()))
            .collect();
        Self::parse(&refs)
    }

    /// The built-in fixtures.
    pub fn builtin() -> Result<Self, FixtureError> {
        Self::parse(BUILTIN)
    }

    /// Stores every record (fixtures win over whatever is stored under the same key) in
    /// one write transaction; returns the number of persons.
    pub fn import(&self, registry: &Registry) -> Result<usize, FixtureError> {
        registry.write(|t| {
            for p in &self.properties {
                t.put_property(p)?;
            }
            for b in &self.buildings {
                t.put_building(b)?;
            }
            for d in &self.dwellings {
                t.put_dwelling(d)?;
            }
            for p in &self.persons {
                t.put(p)?;
            }
            Ok::<_, RegistryError>(())
        })?;
        Ok(self.persons.len())
    }
}

fn check_person(file: &str, p: &Person) -> Result<(), FixtureError> {
    let bad = |m: String| Err(invalid(file, p, m));
    if p.last_name.trim().is_empty() || p.first_names.trim().is_empty() {
        return bad("last_name and first_names must not be empty".into());
    }
    // The catalogue's Nimi100Tyyppi (which also bounds the identification index's fields).
    for (field, name) in [("last_name", &p.last_name), ("first_names", &p.first_names)]
        .into_iter()
        .chain(p.call_name.as_ref().map(|c| ("call_name", c)))
    {
        let n = name.chars().count();
        if n > MAX_NAME_CHARS {
            return bad(format!(
                "{field} has {n} characters; the register's names have at most {MAX_NAME_CHARS}"
            ));
        }
    }
    if let Some(s) = p.sex
        && !(1..=2).contains(&s)
    {
        return bad(format!("sex must be 1 or 2, not {s}"));
    }
    if let Some(m) = &p.home_municipality
        && !codes::is_municipality(&m.code)
    {
        return bad(format!(
            "home_municipality.code {:?} is not a known municipality number",
            m.code
        ));
    }
    for a in p.permanent_address.iter().chain(&p.temporary_addresses) {
        if a.postal_code.len() != 5 || !a.postal_code.bytes().all(|b| b.is_ascii_digit()) {
            return bad(format!(
                "postal_code {:?} is not five digits",
                a.postal_code
            ));
        }
    }
    if let (Some(d), b) = (p.death_date, p.birth_date())
        && d < b
    {
        return bad(format!("death_date {d} is before the birth date {b}"));
    }
    if let (Some(d), b) = (p.declared_dead_date, p.birth_date())
        && d < b
    {
        return bad(format!(
            "declared_dead_date {d} is before the birth date {b}"
        ));
    }
    if let Some(s) = &p.satu
        && s.number() >= fixture_estate::GENERATED_SATU_FROM
    {
        return bad(format!(
            "satu {s}: numbers from {} on are reserved for the generated population",
            fixture_estate::GENERATED_SATU_FROM
        ));
    }
    Ok(())
}

/// Checks every relation points at a defined person and adds each relation's other side.
fn complete_relations(persons: &mut BTreeMap<Hetu, (String, Person)>) -> Result<(), FixtureError> {
    let mut edges: Vec<(Hetu, GuardianLink)> = Vec::new(); // (dependant, guardian link)
    for (file, p) in persons.values() {
        let related = p
            .guardians
            .iter()
            .map(|g| (&g.hetu, "guardians"))
            .chain(p.dependants.iter().map(|h| (h, "dependants")))
            .chain(p.children.iter().map(|h| (h, "children")))
            .chain(
                p.guardianship
                    .iter()
                    .flat_map(|g| g.person_guardians.iter().map(|x| (&x.hetu, "guardianship"))),
            )
            .chain(
                p.powers_of_attorney
                    .iter()
                    .flat_map(|a| a.attorneys.iter().map(|x| (&x.hetu, "powers_of_attorney"))),
            );
        for (h, field) in related {
            if !persons.contains_key(h) {
                return Err(invalid(
                    file,
                    p,
                    format!("{field} names {h}, who is not defined in the fixtures"),
                ));
            }
            if h == &p.hetu {
                return Err(invalid(
                    file,
                    p,
                    format!("{field} names the person themself"),
                ));
            }
        }
        for g in &p.guardians {
            edges.push((p.hetu.clone(), g.clone()));
        }
        for d in &p.dependants {
            edges.push((
                d.clone(),
                GuardianLink {
                    hetu: p.hetu.clone(),
                    relation: "03".into(),
                    custody_code: None,
                    custody_code2: None,
                },
            ));
        }
    }
    for (dependant, link) in edges {
        let guardian = link.hetu.clone();
        let d = &mut persons.get_mut(&dependant).expect("checked above").1;
        if !d.guardians.iter().any(|g| g.hetu == guardian) {
            d.guardians.push(link);
        }
        let g = &mut persons.get_mut(&guardian).expect("checked above").1;
        if !g.dependants.contains(&dependant) {
            g.dependants.push(dependant);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_fixtures_load() {
        let f = Fixtures::builtin().unwrap();
        assert!(f.persons.iter().any(|p| p.hetu.as_str() == "020501A999T"));
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let err = Fixtures::parse(&[(
            "x.toml",
            "[[person]]\nhetu = \"020501A999X\"\nlast_name = \"A\"\nfirst_names = \"B\"\n",
        )])
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("x.toml: "), "{err}");
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("check"), "{err}");

        let err = Fixtures::parse(&[(
            "y.toml",
            "[[person]]\nhetu = \"020501A999T\"\nlast_name = \"A\"\nfirst_names = \"B\"\nbirth_date = \"2001-02-30\"\n",
        )])
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown field `birth_date`"), "{err}");

        // Names longer than the register's are refused, by field and length.
        let long = "Å".repeat(101);
        let err = Fixtures::parse(&[(
            "v.toml",
            &format!(
                "[[person]]\nhetu = \"020501A999T\"\nlast_name = \"A\"\nfirst_names = \"{long}\"\n"
            ),
        )])
        .unwrap_err()
        .to_string();
        assert!(err.contains("first_names has 101 characters"), "{err}");
        let ok = "Å".repeat(100);
        Fixtures::parse(&[(
            "v.toml",
            &format!(
                "[[person]]\nhetu = \"020501A999T\"\nlast_name = \"{ok}\"\nfirst_names = \"B\"\n"
            ),
        )])
        .unwrap();
    }

    #[test]
    fn relations_must_exist_and_complete_both_ways() {
        let base = "[[person]]\nhetu = \"020501A999T\"\nlast_name = \"A\"\nfirst_names = \"B\"\n";
        let err = Fixtures::parse(&[(
            "z.toml",
            &format!("{base}guardians = [{{ hetu = \"010101-999X\" }}]\n"),
        )])
        .unwrap_err()
        .to_string();
        assert!(err.contains("not defined"), "{err}");

        let text = format!(
            "{base}guardians = [{{ hetu = \"010170-999R\" }}]\n\n[[person]]\nhetu = \"010170-999R\"\nlast_name = \"C\"\nfirst_names = \"D\"\n"
        );
        let f = Fixtures::parse(&[("w.toml", &text)]).unwrap();
        let guardian = f
            .persons
            .iter()
            .find(|p| p.hetu.as_str() == "010170-999R")
            .unwrap();
        assert_eq!(guardian.dependants[0].as_str(), "020501A999T");
    }

    fn builtin_person<'a>(f: &'a Fixtures, hetu: &str) -> &'a Person {
        f.persons
            .iter()
            .find(|p| p.hetu.as_str() == hetu)
            .unwrap_or_else(|| panic!("{hetu} is not in the bundled fixtures"))
    }

    #[test]
    fn bundled_fixtures_cover_every_edge_case() {
        let f = Fixtures::builtin().unwrap();
        let any = |pred: &dyn Fn(&Person) -> bool| f.persons.iter().any(pred);
        assert!(any(&|p| p.non_disclosure.is_some()), "non-disclosure");
        assert!(any(&|p| p.death_date.is_some()), "deceased");
        assert!(any(&|p| p.declared_dead_date.is_some()), "declared dead");
        assert!(any(&|p| !p.passive_hetus.is_empty()), "passive code");
        assert!(any(&|p| p.permanent_foreign_address.is_some()), "abroad");
        assert!(
            any(&|p| !p.temporary_addresses.is_empty()),
            "temporary address"
        );
        assert!(
            any(&|p| !p.temporary_foreign_addresses.is_empty()),
            "temporary abroad"
        );
        assert!(any(&|p| !p.guardians.is_empty()) && any(&|p| !p.dependants.is_empty()));
        assert!(any(&|p| p.satu.is_some()), "SATU");
        assert!(any(&|p| !p.former_names.is_empty()), "former names");
        assert!(any(&|p| !p.foreign_ids.is_empty()), "foreign ids");
        assert!(
            any(&|p| !p.powers_of_attorney.is_empty()),
            "power of attorney"
        );
        let g = |pred: &dyn Fn(&crate::registry::model::Guardianship) -> bool| {
            f.persons
                .iter()
                .filter_map(|p| p.guardianship.as_ref())
                .any(pred)
        };
        assert!(g(&|g| !g.person_guardians.is_empty()), "person guardian");
        assert!(g(&|g| !g.company_guardians.is_empty()), "company guardian");
        assert!(g(&|g| !g.public_guardians.is_empty()), "public guardian");
        for sign in "YXWVUBCDEF".chars() {
            assert!(
                any(&|p| p.hetu.century_sign() == sign),
                "century sign {sign}"
            );
        }
        assert!(
            f.dwellings
                .iter()
                .filter(|d| d.building().as_str() == "9000000987" && !d.residents.is_empty())
                .count()
                >= 2,
            "a building with several dwellings and residents"
        );
    }

    #[test]
    fn bundled_relations_are_completed_both_ways() {
        let f = Fixtures::builtin().unwrap();
        // The father listed the five children; they listed their mother.
        let father = builtin_person(&f, "170984-977D");
        assert_eq!(father.dependants.len(), 5);
        let child = builtin_person(&f, "290224F906R");
        let guardians: Vec<&str> = child.guardians.iter().map(|g| g.hetu.as_str()).collect();
        assert!(guardians.contains(&"170984-977D") && guardians.contains(&"050786-9689"));
        let mother = builtin_person(&f, "050786-9689");
        assert!(
            mother
                .dependants
                .iter()
                .any(|h| h.as_str() == "290224F906R")
        );
        // ASUKASLKM2: four residents in 020501A999T's dwelling, 090702A9996 among them.
        let d = f
            .dwellings
            .iter()
            .find(|d| d.id.to_string() == "90000009871B023 ")
            .unwrap();
        assert_eq!(d.residents.len(), 4);
        assert!(d.residents.iter().any(|h| h.as_str() == "090702A9996"));
        let p = f
            .properties
            .iter()
            .find(|p| p.id.to_string() == "905-001-0012-0003")
            .unwrap();
        assert_eq!(p.buildings.len(), 1);
        // HUOLLETTAVA-HUOLTAJAT
        let minja = builtin_person(&f, "311211A9527");
        assert_eq!(minja.guardians.len(), 2);
        assert_eq!(minja.sex_code(), 2);
    }

    const PLACE: &str = "[[property]]\nid = \"905-001-0001-0001\"\nmunicipality = \"905\"\n\n[[building]]\nprt = \"9000000987\"\nproperty = \"905-001-0001-0001\"\nmunicipality = \"905\"\nuse_code = \"032\"\nclass_code = \"0320\"\naddress = { street_fi = \"K\", number = \"1\", postal_code = \"65100\", post_office_fi = \"VAASA\" }\n\n[[dwelling]]\nid = \"90000009871A001\"\nrooms = 2\nfloor_area = 50\n";

    #[test]
    fn estate_records_load_and_bad_ones_are_named() {
        let person = "\n[[person]]\nhetu = \"020501A999T\"\nlast_name = \"A\"\nfirst_names = \"B\"\npermanent_address = { street_fi = \"K\", postal_code = \"65100\", post_office_fi = \"VAASA\", dwelling = \"90000009871A001\" }\n";
        let f = Fixtures::parse(&[("e.toml", &format!("{PLACE}{person}"))]).unwrap();
        assert_eq!(f.dwellings[0].residents[0].as_str(), "020501A999T");
        assert_eq!(f.properties[0].buildings[0].as_str(), "9000000987");

        let cases = [
            // a dwelling whose building is not defined
            (
                PLACE.replace("90000009871A001", "90000130991A001"),
                "building 9000013099 is not defined",
            ),
            // a building whose property is not defined
            (
                PLACE.replace(
                    "property = \"905-001-0001-0001\"",
                    "property = \"905-001-0001-0002\"",
                ),
                "property 905-001-0001-0002 is not defined",
            ),
            // a bad PRT check character, reported with its line
            (
                PLACE.replace("prt = \"9000000987\"", "prt = \"9000000988\""),
                "line 6",
            ),
            // a date that does not exist
            (
                PLACE.replace(
                    "class_code = \"0320\"",
                    "class_code = \"0320\"\ncompleted = \"2023-02-29\"",
                ),
                "line 11",
            ),
            // an unknown kitchen type
            (
                PLACE.replace("rooms = 2", "rooms = 2\nkitchen = \"X\""),
                "kitchen",
            ),
            // a PRT of the generated range
            (
                PLACE
                    .replace("9000000987", "910000000P")
                    .replace("90000009871A001", "910000000P1A001"),
                "reserved",
            ),
        ];
        for (text, expected) in cases {
            let err = Fixtures::parse(&[("e.toml", &text)])
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("e.toml: "), "{err}");
            assert!(err.contains(expected), "{expected:?} not in {err}");
        }
        // a person living in a dwelling that is not defined: nothing loads
        let err = Fixtures::parse(&[("p.toml", person)])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("020501A999T") && err.contains("permanent_address.dwelling"),
            "{err}"
        );
    }
}
