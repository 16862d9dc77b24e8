//! Hand-written fixtures: TOML files of persons (format in `fixtures/README.md`), checked
//! as a whole before anything is stored, so a bad file loads nothing. Relations are made to
//! hold both ways here (a guardian lists the dependant and the dependant the guardian).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde::Deserialize;

use crate::ids::Hetu;
use crate::registry::codes;
use crate::registry::model::{GuardianLink, Person};
use crate::registry::store::{Registry, RegistryError};

/// The fixtures compiled into the binary: the built-in default population.
pub const BUILTIN: &[(&str, &str)] = &[(
    "fixtures/persons.toml",
    include_str!("../../fixtures/persons.toml"),
)];

#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] RegistryError),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureFile {
    #[serde(default)]
    person: Vec<Person>,
}

/// A checked set of fixture persons, relations completed, ready to store.
#[derive(Debug, Clone, Default)]
pub struct Fixtures {
    pub persons: Vec<Person>,
}

impl Fixtures {
    /// Parses and checks fixture sources given as (file name, text) pairs.
    pub fn parse(sources: &[(&str, &str)]) -> Result<Self, FixtureError> {
        let mut persons: BTreeMap<Hetu, (String, Person)> = BTreeMap::new();
        let mut passive: HashSet<Hetu> = HashSet::new();
        for (file, text) in sources {
            let parsed: FixtureFile = toml::from_str(text).map_err(|e| FixtureError::Invalid {
                file: file.to_string(),
                message: e.to_string().trim_end().to_string(),
            })?;
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
        Ok(Fixtures {
            persons: persons.into_values().map(|(_, p)| p).collect(),
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

    /// Stores every person (fixtures win over whatever is stored under the same code).
    pub fn import(&self, registry: &Registry) -> Result<usize, FixtureError> {
        for p in &self.persons {
            registry.put(p)?;
        }
        Ok(self.persons.len())
    }
}

fn invalid(file: &str, p: &Person, message: String) -> FixtureError {
    FixtureError::Invalid {
        file: file.to_string(),
        message: format!("person {}: {message}", p.hetu),
    }
}

fn check_person(file: &str, p: &Person) -> Result<(), FixtureError> {
    let bad = |m: String| Err(invalid(file, p, m));
    if p.last_name.trim().is_empty() || p.first_names.trim().is_empty() {
        return bad("last_name and first_names must not be empty".into());
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
}
