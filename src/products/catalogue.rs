//! The catalogue of `Henkilo` data groups: for each, its element template with catalogue
//! types, the alternative shape some products use, and the function that takes its values
//! from a person. Products pick groups from here by id; this is the one place a group's
//! shape is written down. The groups themselves live in the submodules, by subject.

mod address;
mod person;
mod relations;
mod residents;

use std::collections::HashMap;

use crate::ids::Hetu;
use crate::registry::model::Person;

use super::template::{Node, Value};

/// Persons a rendered person refers to (guardians, dependants, attorneys), fetched ahead,
/// and the residents of the person's dwelling when the operation knows them.
#[derive(Debug, Default)]
pub struct Related {
    pub persons: HashMap<Hetu, Person>,
    /// Who lives in the person's permanent dwelling (`ASUKASLKM2`); `None` renders the
    /// resident groups empty.
    pub residents: Option<Residents>,
}

impl Related {
    /// Related persons without resident data.
    pub fn new(persons: HashMap<Hetu, Person>) -> Self {
        Related {
            persons,
            residents: None,
        }
    }

    pub fn get(&self, h: &Hetu) -> Option<&Person> {
        self.persons.get(h)
    }
}

/// The residents of one dwelling, as the resident-count groups show them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Residents {
    /// Everyone registered in the dwelling, the person included.
    pub count: u32,
    /// Identity codes of the residents under 18.
    pub minors: Vec<Hetu>,
}

/// Takes a group's values from a person.
pub type Extract = for<'a> fn(&'a Person, &'a Related) -> Value<'a>;

/// The shape a group takes in products whose options ask for it.
#[derive(Debug)]
pub enum Alt {
    /// The group has one shape.
    None,
    /// Written when the product's `address` option is `osoite` (structured addresses).
    Osoite(Node),
    /// Written when the product's `relations` option is `flat`.
    Flat(Node),
    /// Written when the product's `kuollut` option is false.
    WithoutKuollut(Node),
}

/// One data group of the catalogue.
pub struct GroupDef {
    /// The id products name. The element name of the default shape; a `/SUFFIX` marks a
    /// variant shape of the same element seen in one family of real products.
    pub id: &'static str,
    /// The default shape.
    pub node: Node,
    pub alt: Alt,
    pub extract: Extract,
    /// Address or location data, withheld under non-disclosure (turvakielto).
    pub location: bool,
    /// What the group holds, for `products show` and docs.
    pub about: &'static str,
}

impl std::fmt::Debug for GroupDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

/// What a product's groups read beyond the person's own record: the related persons (for
/// their names and identity codes) and the residents of the person's dwelling. A query
/// fetches only what its product reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reads {
    pub relations: bool,
    pub residents: bool,
}

impl Reads {
    pub fn of<'a>(defs: impl IntoIterator<Item = &'a GroupDef>) -> Reads {
        let is_in = |list: &[GroupDef], d: &GroupDef| list.iter().any(|g| std::ptr::eq(g, d));
        defs.into_iter().fold(Reads::default(), |r, d| Reads {
            relations: r.relations || is_in(relations::GROUPS, d),
            residents: r.residents || is_in(residents::GROUPS, d),
        })
    }
}

/// How a product writes the groups that have alternative shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Structured `…Osoite` addresses instead of combined `…Lahiosoite` strings.
    pub structured_address: bool,
    /// Flat `Sukunimi`/`Etunimet` in relation lists instead of the nested name groups.
    pub flat_relations: bool,
    /// Whether `Kuolintiedot` has the `Kuollut` flag.
    pub kuollut: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            structured_address: false,
            flat_relations: false,
            kuollut: true,
        }
    }
}

impl GroupDef {
    /// The shape this group takes under a product's options.
    pub fn node_for(&'static self, o: &Options) -> &'static Node {
        match &self.alt {
            Alt::Osoite(n) if o.structured_address => n,
            Alt::Flat(n) if o.flat_relations => n,
            Alt::WithoutKuollut(n) if !o.kuollut => n,
            _ => &self.node,
        }
    }

    /// The element name the group writes.
    pub fn element(&self) -> &'static str {
        self.node.name()
    }
}

/// Every group of the catalogue, by subject.
pub fn all() -> impl Iterator<Item = &'static GroupDef> {
    person::GROUPS
        .iter()
        .chain(address::GROUPS)
        .chain(relations::GROUPS)
        .chain(residents::GROUPS)
}

/// Looks a group up by id.
pub fn group_def(id: &str) -> Option<&'static GroupDef> {
    all().find(|g| g.id == id)
}

/// Looks a group up by the element name of its structured-address shape
/// (`VakinainenKotimainenOsoite` names the group `VakinainenKotimainenLahiosoite`).
pub fn by_osoite_name(name: &str) -> Option<&'static GroupDef> {
    all().find(|g| matches!(&g.alt, Alt::Osoite(n) if n.name() == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_ids_are_unique() {
        let mut ids: Vec<_> = all().map(|g| g.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }

    #[test]
    fn every_type_is_a_catalogue_type() {
        let xsd = include_str!("../../schemas/vtj-henkilotiedot.xsd");
        fn walk(n: &Node, xsd: &str) {
            match n {
                Node::Leaf { ty, attrs, .. } => {
                    for t in std::iter::once(ty).chain(attrs.iter().map(|(_, t)| t)) {
                        let local = t.strip_prefix("vtj:").expect("catalogue prefix");
                        assert!(
                            xsd.contains(&format!("simpleType name=\"{local}\"")),
                            "{t} is not in the catalogue schema"
                        );
                    }
                }
                Node::Group { children, .. } => children.iter().for_each(|c| walk(c, xsd)),
            }
        }
        for g in all() {
            walk(&g.node, xsd);
            if let Alt::Osoite(n) | Alt::Flat(n) | Alt::WithoutKuollut(n) = &g.alt {
                walk(n, xsd);
            }
        }
    }

    #[test]
    fn variant_ids_write_their_base_element() {
        for g in all() {
            let base = g.id.split('/').next().unwrap();
            assert_eq!(g.element(), base, "{}", g.id);
        }
    }
}
