//! Products (`SoSoNimi`): named, ordered selections of catalogue groups and the
//! `Hakuperusteet` criteria they echo, and the renderer of the `VTJHenkiloVastaussanoma`
//! document. A response contains the product's groups and nothing else.

pub mod builtin;
pub mod catalogue;
pub mod render;
pub mod template;

use std::collections::HashMap;
use std::sync::Arc;

pub use catalogue::{GroupDef, Related};

/// A search criterion a product echoes in `Hakuperusteet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Criterion {
    Henkilotunnus,
    SahkoinenAsiointitunnus,
}

impl Criterion {
    pub fn element(self) -> &'static str {
        match self {
            Criterion::Henkilotunnus => "Henkilotunnus",
            Criterion::SahkoinenAsiointitunnus => "SahkoinenAsiointitunnus",
        }
    }
}

/// A product: the response profile agreed in a data permit.
#[derive(Debug)]
pub struct Product {
    /// The `sanomatunnus`: the product name in upper case.
    pub name: String,
    pub groups: Vec<&'static GroupDef>,
    pub criteria: Vec<Criterion>,
}

impl Product {
    /// The group ids, in response order.
    pub fn group_ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.groups.iter().map(|g| g.id)
    }
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
}
