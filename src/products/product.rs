//! One product: its checked definition ([`Product`]: name, groups in response order,
//! shape options, the criteria it echoes) and why a definition is refused. Knows the
//! catalogue it picks groups from; nothing of the built-in, configured or imported
//! products, which are made with it.

use std::borrow::Cow;
use std::sync::Arc;

use super::catalogue::{self, GroupDef, Options};
use super::template::{Compiled, Node};

/// A search criterion a product echoes in `Hakuperusteet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Criterion {
    Henkilotunnus,
    SahkoinenAsiointitunnus,
    /// The identification search's criteria (`TeeHenkilonTunnistusKysely`): echoed by
    /// every product that answers it, never part of a product's own list ([`Self::ALL`]).
    Sukunimi,
    Etunimet,
    Syntymaaika,
    Kuntanumero,
    /// The extraction's criteria (`TeeHenkilonPoimintaKysely`).
    SyntymaaikaAlku,
    SyntymaaikaLoppu,
    Enimmaismaara,
}

impl Criterion {
    pub const ALL: [Criterion; 2] = [Criterion::Henkilotunnus, Criterion::SahkoinenAsiointitunnus];

    pub fn element(self) -> &'static str {
        match self {
            Criterion::Henkilotunnus => "Henkilotunnus",
            Criterion::SahkoinenAsiointitunnus => "SahkoinenAsiointitunnus",
            Criterion::Sukunimi => "Sukunimi",
            Criterion::Etunimet => "Etunimet",
            Criterion::Syntymaaika => "Syntymaaika",
            Criterion::Kuntanumero => "Kuntanumero",
            Criterion::SyntymaaikaAlku => "SyntymaaikaAlku",
            Criterion::SyntymaaikaLoppu => "SyntymaaikaLoppu",
            Criterion::Enimmaismaara => "Enimmaismaara",
        }
    }

    pub fn from_element(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.element() == name)
    }
}

/// One group of a product, in the shape the product's options give it.
#[derive(Debug, Clone)]
pub struct Group {
    pub def: &'static GroupDef,
    pub node: &'static Node,
    /// The shape with its markup written out, for rendering.
    pub compiled: Arc<Compiled>,
}

/// Why a product definition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProductError {
    #[error("the product name must have 1 to 50 characters, not {0:?}")]
    BadName(String),
    #[error("group {0:?} is not in the catalogue (`vtj-emulator products groups` lists them)")]
    UnknownGroup(String),
    #[error("group {0:?} is the structured address form, written only with address = \"osoite\"")]
    NeedsOsoite(String),
    #[error("group {group:?} writes element {element}, which an earlier group already writes")]
    DuplicateElement { group: String, element: String },
    #[error("the product names no groups")]
    NoGroups,
}

/// A product: the response profile agreed in a data permit.
#[derive(Debug)]
pub struct Product {
    /// The `sanomatunnus`: the product name in upper case.
    pub name: String,
    /// The groups, in response order.
    pub groups: Vec<Group>,
    pub criteria: Vec<Criterion>,
    pub options: Options,
    /// `built-in`, or the config file and line that defined it.
    pub origin: String,
    /// What the groups read beyond the person's own record, worked out once.
    reads: catalogue::Reads,
}

impl Product {
    /// Checks a definition: every group known, each element written once.
    pub fn new(
        name: &str,
        group_ids: &[&str],
        options: Options,
        criteria: &[Criterion],
        origin: &str,
    ) -> Result<Product, ProductError> {
        let name = normalise(name);
        if name.is_empty() || name.chars().count() > 50 {
            return Err(ProductError::BadName(name));
        }
        if group_ids.is_empty() {
            return Err(ProductError::NoGroups);
        }
        let mut groups: Vec<Group> = Vec::with_capacity(group_ids.len());
        for id in group_ids {
            groups.push(resolve(id, &options)?);
            let element = groups.last().map(|g| g.node.name()).unwrap_or_default();
            if groups[..groups.len() - 1]
                .iter()
                .any(|g| g.node.name() == element)
            {
                return Err(ProductError::DuplicateElement {
                    group: id.to_string(),
                    element: element.to_string(),
                });
            }
        }
        Ok(Product {
            name,
            reads: catalogue::Reads::of(groups.iter().map(|g| g.def)),
            groups,
            criteria: criteria.to_vec(),
            options,
            origin: origin.to_string(),
        })
    }

    /// What the product's groups read beyond the person's own record.
    pub fn reads(&self) -> catalogue::Reads {
        self.reads
    }

    /// The group ids, in response order.
    pub fn group_ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.groups.iter().map(|g| g.def.id)
    }
}

/// The group a product names, in the product's shape.
fn resolve(id: &str, options: &Options) -> Result<Group, ProductError> {
    let def = match catalogue::group_def(id) {
        Some(d) => d,
        None => match catalogue::by_osoite_name(id) {
            Some(d) if options.structured_address => d,
            Some(_) => return Err(ProductError::NeedsOsoite(id.to_string())),
            None => return Err(ProductError::UnknownGroup(id.to_string())),
        },
    };
    let node = def.node_for(options);
    Ok(Group {
        def,
        node,
        compiled: Arc::new(Compiled::new(node)),
    })
}

/// The canonical form of a product name: trimmed and upper case (`sanomatunnus`).
pub fn normalise(name: &str) -> String {
    normalised(name).into_owned()
}

/// [`normalise`], borrowing a name that is already canonical: printable ASCII without
/// lower case letters or a space at either end, as products are named and requested.
pub fn normalised(name: &str) -> Cow<'_, str> {
    let bytes = name.as_bytes();
    let canonical = bytes
        .iter()
        .all(|&b| matches!(b, b' '..=b'~') && !b.is_ascii_lowercase())
        && bytes.first() != Some(&b' ')
        && bytes.last() != Some(&b' ');
    if canonical {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(name.trim().to_uppercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The borrowed fast path gives what trimming and upper-casing give.
    #[test]
    fn normalised_is_trimmed_upper_case() {
        for name in [
            "PERUSSANOMA 3",
            "perussanoma 3",
            " PERUSSANOMA 3",
            "PERUSSANOMA 3 ",
            "\tPERUSSANOMA 3\n",
            "PERUSSANOMA\u{0b}3",
            "HUOLTAJA-HUOLLETTAVAT",
            "ÄÄNI",
            "äxä",
            "straße",
            "\u{a0}X\u{a0}",
            "\u{85}X",
            "",
            " ",
            "A~{}|_^`@[]\\",
            "\u{7f}X",
        ] {
            let n = normalised(name);
            assert_eq!(n, name.trim().to_uppercase(), "{name:?}");
            assert_eq!(normalise(name), name.trim().to_uppercase(), "{name:?}");
            if matches!(n, Cow::Borrowed(_)) {
                assert!(name.is_ascii(), "{name:?}");
            }
        }
    }
}
