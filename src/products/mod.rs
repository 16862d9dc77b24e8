//! Products (`SoSoNimi`): named, ordered selections of catalogue groups with the shape
//! options that differ between real products and the `Hakuperusteet` criteria they echo;
//! the built-in products and those an administrator defines in the configuration (or
//! imports from DVV's per-product schema, [`import`]); each product's generated response
//! schema; and the renderer of the `VTJHenkiloVastaussanoma`
//! document. A response contains the product's groups and nothing else. The building
//! products and their documents are [`estate`] and [`estate_render`].

pub mod builtin;
pub mod catalogue;
pub mod define;
pub mod describe;
pub mod estate;
pub mod estate_render;
pub mod import;
pub mod render;
pub mod schema;
pub mod template;

use std::collections::HashMap;
use std::sync::Arc;

pub use catalogue::{GroupDef, Options, Related, Residents};
use template::Node;

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
#[derive(Debug, Clone, Copy)]
pub struct Group {
    pub def: &'static GroupDef,
    pub node: &'static Node,
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
            groups,
            criteria: criteria.to_vec(),
            options,
            origin: origin.to_string(),
        })
    }

    /// The group ids, in response order.
    /// What the product's groups read beyond the person's own record.
    pub fn reads(&self) -> catalogue::Reads {
        catalogue::Reads::of(self.groups.iter().map(|g| g.def))
    }

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
    Ok(Group {
        def,
        node: def.node_for(options),
    })
}

/// The products the server knows, looked up case-insensitively.
#[derive(Debug, Clone, Default)]
pub struct Products {
    by_name: HashMap<String, Arc<Product>>,
}

impl Products {
    /// The built-in products.
    pub fn builtin() -> Self {
        let mut p = Products::default();
        for product in builtin::products() {
            p.insert(product);
        }
        p
    }

    pub fn insert(&mut self, product: Product) {
        self.by_name
            .insert(normalise(&product.name), Arc::new(product));
    }

    /// The product a `SoSoNimi` names, if any.
    pub fn get(&self, name: &str) -> Option<Arc<Product>> {
        self.by_name.get(&normalise(name)).cloned()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.values().map(|p| p.name.as_str())
    }

    /// Every product, by name.
    pub fn all(&self) -> Vec<Arc<Product>> {
        let mut v: Vec<_> = self.by_name.values().cloned().collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }
}

/// The canonical form of a product name: trimmed and upper case (`sanomatunnus`).
pub fn normalise(name: &str) -> String {
    name.trim().to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_case_insensitively() {
        let p = Products::builtin();
        let a = p.get("Perussanoma 3").unwrap();
        assert_eq!(a.name, "PERUSSANOMA 3");
        assert!(p.get(" perussanoma 3 ").is_some());
        assert!(p.get("PERUSSANOMA 99").is_none());
    }

    #[test]
    fn definitions_are_checked() {
        let o = Options::default();
        let c = [Criterion::Henkilotunnus];
        let err = |ids: &[&str], o: Options| Product::new("X", ids, o, &c, "t").unwrap_err();
        assert_eq!(
            err(&["Henkilotunnus", "Nope"], o),
            ProductError::UnknownGroup("Nope".into())
        );
        assert!(matches!(
            err(&["Huoltaja", "Huoltaja/OPHREK"], o),
            ProductError::DuplicateElement { .. }
        ));
        assert_eq!(
            err(&["VakinainenKotimainenOsoite"], o),
            ProductError::NeedsOsoite("VakinainenKotimainenOsoite".into())
        );
        assert_eq!(err(&[], o), ProductError::NoGroups);
        let structured = Options {
            structured_address: true,
            ..o
        };
        let p = Product::new("x", &["VakinainenKotimainenOsoite"], structured, &c, "t").unwrap();
        assert_eq!(p.name, "X");
        assert_eq!(p.groups[0].node.name(), "VakinainenKotimainenOsoite");
    }

    #[test]
    fn options_choose_the_shape() {
        let o = Options {
            structured_address: true,
            flat_relations: true,
            kuollut: false,
        };
        let p = Product::new(
            "X",
            &["VakinainenKotimainenLahiosoite", "Huoltaja", "Kuolintiedot"],
            o,
            &[],
            "t",
        )
        .unwrap();
        let names: Vec<_> = p.groups.iter().map(|g| g.node.name()).collect();
        assert_eq!(
            names,
            ["VakinainenKotimainenOsoite", "Huoltaja", "Kuolintiedot"]
        );
        let Node::Group { children, .. } = p.groups[1].node else {
            panic!()
        };
        assert_eq!(children[1].name(), "Sukunimi");
        let Node::Group { children, .. } = p.groups[2].node else {
            panic!()
        };
        assert_eq!(children.len(), 1);
    }
}
