//! Building products: the products that answer `TeeRakennusTunnusKysely` and
//! `TeeKiinteistoTunnusKysely` (the emulator's design, docs/buildings.md). A building
//! product is a level of detail: the building alone, with its dwellings, or with its
//! dwellings' residents' identity codes (which needs the `residents` permit flag). The
//! built-in ones are fixed here; administrators add more with `[[building_product]]`.
//! Knows nothing of requests or the store.

use std::sync::{Arc, LazyLock};

use super::normalise;

/// A building product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstateProduct {
    /// The `sanomatunnus`, upper case.
    pub name: String,
    /// Lists the building's dwellings (`Huoneisto`).
    pub dwellings: bool,
    /// Lists each dwelling's residents' identity codes (implies dwellings; needs the
    /// permit flag `residents`).
    pub residents: bool,
}

/// The built-in building products.
pub fn builtin() -> &'static [Arc<EstateProduct>] {
    static ALL: LazyLock<Vec<Arc<EstateProduct>>> = LazyLock::new(|| {
        [
            ("RAKENNUS1", false, false),
            ("RAKENNUS2 HUONEISTOT", true, false),
            ("RAKENNUS3 ASUKKAAT", true, true),
        ]
        .into_iter()
        .map(|(name, dwellings, residents)| {
            Arc::new(EstateProduct {
                name: name.into(),
                dwellings,
                residents,
            })
        })
        .collect()
    });
    &ALL
}

/// The building product a `SoSoNimi` names (case-insensitively) among the built-in ones.
pub fn get(name: &str) -> Option<Arc<EstateProduct>> {
    let n = normalise(name);
    builtin().iter().find(|p| p.name == n).cloned()
}

/// `[[building_product]]` as written in the configuration.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBuildingProduct {
    pub name: String,
    #[serde(default)]
    pub dwellings: bool,
    #[serde(default)]
    pub residents: bool,
}

/// The building products the server knows: the built-in ones and the configured ones.
#[derive(Debug, Clone)]
pub struct EstateProducts {
    list: Vec<Arc<EstateProduct>>,
}

impl Default for EstateProducts {
    fn default() -> Self {
        EstateProducts {
            list: builtin().to_vec(),
        }
    }
}

impl EstateProducts {
    /// The built-in products and `raw`; a name must have 1 to 50 characters and be no
    /// other product's (person products' names are `taken`).
    pub fn with(
        raw: &[RawBuildingProduct],
        taken: impl Fn(&str) -> bool,
    ) -> Result<EstateProducts, String> {
        let mut all = EstateProducts::default();
        for r in raw {
            let name = normalise(&r.name);
            if name.is_empty() || name.chars().count() > 50 {
                return Err(format!(
                    "building product: the name must have 1 to 50 characters, not {:?}",
                    r.name
                ));
            }
            if taken(&name) || all.get(&name).is_some() {
                return Err(format!(
                    "building product {name:?}: another product has this name"
                ));
            }
            all.list.push(Arc::new(EstateProduct {
                name,
                dwellings: r.dwellings || r.residents,
                residents: r.residents,
            }));
        }
        Ok(all)
    }

    /// The building product a `SoSoNimi` names (case-insensitively), if any.
    pub fn get(&self, name: &str) -> Option<Arc<EstateProduct>> {
        let n = normalise(name);
        self.list.iter().find(|p| p.name == n).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn building_products_are_found_by_name_in_any_case() {
        let p = get(" rakennus2 huoneistot").unwrap();
        assert!(p.dwellings && !p.residents);
        assert!(get("RAKENNUS3 ASUKKAAT").unwrap().residents);
        assert!(get("PERUSSANOMA 3").is_none());
    }

    #[test]
    fn configured_building_products_join_the_built_in_ones() {
        let raw = |name: &str| RawBuildingProduct {
            name: name.into(),
            dwellings: false,
            residents: true,
        };
        let all = EstateProducts::with(&[raw("Oma rakennus")], |_| false).unwrap();
        let p = all.get("OMA RAKENNUS").unwrap();
        assert!(p.residents && p.dwellings);
        assert!(all.get("RAKENNUS1").is_some());
        assert!(EstateProducts::with(&[raw("rakennus1")], |_| false).is_err());
        assert!(EstateProducts::with(&[raw("X")], |n| n == "X").is_err());
        assert!(EstateProducts::with(&[raw(" ")], |_| false).is_err());
    }
}
