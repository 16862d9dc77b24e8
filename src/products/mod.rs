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

mod product;

use std::collections::HashMap;
use std::sync::Arc;

pub use catalogue::{GroupDef, Options, Related, Residents};
pub use product::{Criterion, Group, Product, ProductError, normalise, normalised};

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
        self.by_name.get(normalised(name).as_ref()).cloned()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::products::template::Node;

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
