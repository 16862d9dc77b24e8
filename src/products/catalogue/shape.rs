//! The shapes of the catalogue: a data group's definition ([`GroupDef`]) with its
//! alternative shape, the product options that choose between shapes, and the related
//! persons and residents a group's values are taken from. The groups themselves, written
//! with these, are the sibling modules; nothing here knows any one group.

use std::collections::HashMap;

use crate::ids::Hetu;
use crate::products::template::{Node, Value};
use crate::registry::model::Person;

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
