//! The built-in products, reproducing the real ones as far as public responses and schemas
//! show them (spec §5). Each is an ordered list of catalogue group ids.

use super::{Criterion, Product, catalogue::group_def};

/// PERUSSANOMA 3, in the element order of the real captured response.
const PERUSSANOMA_3: &[&str] = &[
    "Henkilotunnus",
    "NykyinenSukunimi",
    "NykyisetEtunimet",
    "EntinenNimi",
    "VakinainenKotimainenLahiosoite",
    "VakinainenAsuinpaikka",
    "VakinainenUlkomainenLahiosoite",
    "TilapainenKotimainenLahiosoite",
    "TilapainenUlkomainenLahiosoite",
    "KotimainenPostiosoite",
    "UlkomainenPostiosoite",
    "Kotikunta",
    "Kuolintiedot",
    "Kuolleeksijulistamistiedot",
    "Aidinkieli",
    "Turvakielto",
    "Sukupuoli",
    "Kansalaisuus",
    "Edunvalvonta",
    "Edunvalvontavaltuutus",
];

fn product(name: &str, groups: &[&str], criteria: &[Criterion]) -> Product {
    Product {
        name: name.to_string(),
        groups: groups
            .iter()
            .map(|id| {
                group_def(id)
                    .unwrap_or_else(|| panic!("built-in product {name} names unknown group {id}"))
            })
            .collect(),
        criteria: criteria.to_vec(),
    }
}

/// Every built-in product.
pub fn products() -> Vec<Product> {
    vec![product(
        "PERUSSANOMA 3",
        PERUSSANOMA_3,
        &[Criterion::Henkilotunnus],
    )]
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_products_name_known_groups() {
        // product() panics on an unknown group id; building them all is the check.
        assert!(!super::products().is_empty());
    }
}
