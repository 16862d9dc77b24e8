//! Building products: the products that answer `TeeRakennusTunnusKysely` and
//! `TeeKiinteistoTunnusKysely` (the emulator's design, docs/buildings.md). A building
//! product is a level of detail: the building alone, with its dwellings, or with its
//! dwellings' residents' identity codes (which needs the `residents` permit flag). The
//! built-in ones are fixed here; knows nothing of requests or the store.

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

/// The building product a `SoSoNimi` names (case-insensitively), if any.
pub fn get(name: &str) -> Option<Arc<EstateProduct>> {
    let n = normalise(name);
    builtin().iter().find(|p| p.name == n).cloned()
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
}
