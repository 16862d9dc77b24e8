//! The catalogue of `Henkilo` data groups: for each, its element template with catalogue
//! types, the alternative shape some products use, and the function that takes its values
//! from a person. Products pick groups from here by id; this is the one place a group's
//! shape is written down. The groups themselves live in the submodules, by subject.

mod address;
mod person;
mod relations;
mod residents;
mod shape;

pub use shape::{Alt, Extract, GroupDef, Options, Related, Residents};

/// What a product's groups read beyond the person's own record: the related persons (for
/// their names and identity codes) and the residents of the person's dwelling. A query
/// fetches only what its product reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reads {
    pub relations: bool,
    pub residents: bool,
    /// Which of the person's relation lists name the related persons to fetch (only
    /// those whose names or addresses a group of the product shows).
    pub lists: RelationLists,
}

pub use relations::RelationLists;

impl Reads {
    pub fn of<'a>(defs: impl IntoIterator<Item = &'a GroupDef>) -> Reads {
        let is_in = |list: &[GroupDef], d: &GroupDef| list.iter().any(|g| std::ptr::eq(g, d));
        defs.into_iter().fold(Reads::default(), |r, d| {
            let relation = is_in(relations::GROUPS, d);
            Reads {
                relations: r.relations || relation,
                residents: r.residents || is_in(residents::GROUPS, d),
                lists: match relation {
                    true => r.lists.or(RelationLists::of(d)),
                    false => r.lists,
                },
            }
        })
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
    use crate::products::template::Node;

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
