//! The built-in products, reproducing the real ones as far as public responses and schemas
//! show them (spec §5): element order of captured real responses first, then public product
//! schemas; where neither shows a product, the choice is written down in docs/products.md.

use super::{Criterion, Options, Product};

const HETU: &[Criterion] = &[Criterion::Henkilotunnus];
const HETU_SATU: &[Criterion] = &[Criterion::Henkilotunnus, Criterion::SahkoinenAsiointitunnus];

const LAHIOSOITE: Options = Options {
    structured_address: false,
    flat_relations: false,
    kuollut: true,
};
const OLDER: Options = Options {
    kuollut: false,
    ..LAHIOSOITE
};
const ROV: Options = Options {
    flat_relations: true,
    ..LAHIOSOITE
};
const OPHREK: Options = Options {
    structured_address: true,
    flat_relations: true,
    kuollut: false,
};

/// The middle of the PERUSSANOMA products, shared by 1 and 3: the addresses in the order
/// of the real PERUSSANOMA 3 response (`VakinainenAsuinpaikka` before the foreign address),
/// home municipality, death and mother tongue.
const PERUSSANOMA_MIDDLE: [&str; 11] = [
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
];

/// The basic person of the HUOLTAJA products, in the order of the real
/// HUOLLETTAVA-HUOLTAJAT response (`VakinainenAsuinpaikka` after the foreign address).
const HUOLTAJA_BASIC: [&str; 16] = [
    "Henkilotunnus",
    "NykyinenSukunimi",
    "NykyisetEtunimet",
    "VakinainenKotimainenLahiosoite",
    "VakinainenUlkomainenLahiosoite",
    "VakinainenAsuinpaikka",
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
];

const OPHREK_GROUPS: &[&str] = &[
    "Henkilotunnus",
    "Sukupuoli",
    "Aidinkieli",
    "Kuolintiedot",
    "NykyinenSukunimi",
    "NykyisetEtunimet",
    "NykyinenKutsumanimi",
    "EntinenNimi/OPHREK",
    "VakinainenKotimainenOsoite",
    "VakinainenUlkomainenOsoite",
    "TilapainenKotimainenOsoite",
    "TilapainenUlkomainenOsoite",
    "KotimainenPostiosoite",
    "UlkomainenPostiosoite",
    "Kotikunta",
    "Turvakielto",
    "HuoltajaLkm",
    "Huoltaja/OPHREK",
    "Edunvalvontavaltuutus/OPHREK",
    "Edunvalvonta/OPHREK",
    "Ammatti",
    "Sahkopostiosoite",
    "UlkomainenHenkilonumero",
    "Kansalaisuus",
    "UlkomainenSyntymapaikka",
    "Huollettava",
];

/// PERUSJHHS3 in the order of the real response (VRK's e-identification test data).
/// PERUSJHHS2 is the same: the spec describes the two together (names with
/// `NykyinenKutsumanimi`, `Kuolintiedot` with `Kuollut`) and no public source tells them
/// apart.
const PERUSJHHS3: &[&str] = &[
    "Henkilotunnus",
    "NykyinenSukunimi",
    "NykyisetEtunimet",
    "NykyinenKutsumanimi",
    "VakinainenKotimainenLahiosoite",
    "VakinainenUlkomainenLahiosoite",
    "Kotikunta",
    "Kuolintiedot",
    "Kuolleeksijulistamistiedot",
    "Aidinkieli",
    "SuomenKansalaisuusTietokoodi",
    "Turvakielto/PERUSJHHS",
];

const PERUSLT1: &[&str] = &[
    "Henkilotunnus",
    "NykyinenSukunimi",
    "NykyisetEtunimet",
    "Kotikunta",
    "VakinainenKotimainenLahiosoite",
    "AidinkieliTietokoodi",
    "Huollettava/PERUSLT1",
    "Kuolintiedot",
];

const PERUSSANOMA_2: &[&str] = &[
    "Henkilotunnus",
    "NykyinenSukunimi",
    "NykyisetEtunimet",
    "VakinainenKotimainenLahiosoite",
    "VakinainenUlkomainenLahiosoite",
    "KotimainenPostiosoite",
    "UlkomainenPostiosoite",
    "Kotikunta",
    "Kuolintiedot",
    "Aidinkieli",
    "Turvakielto",
    "Sukupuoli",
];

const ASUKASLKM2: &[&str] = &[
    "Henkilotunnus",
    "AsukasLkm",
    "AsukkaatAlle18v",
    "AsukasAlle18v",
];

const ROV_PERSON: [&str; 4] = [
    "Henkilotunnus",
    "NykyinenSukunimi",
    "NykyisetEtunimet",
    "NykyinenKutsumanimi",
];
const ROV_TAIL: [&str; 2] = ["Kuolintiedot", "Turvakielto"];
const ROV_HUOLLETTAVAT: [&str; 2] = ["Huollettava", "Huostaanotto"];
const ROV_HUOLTAJAT: [&str; 2] = ["HuoltajaLkm", "Huoltaja/ROV"];
const ROV_EDUNVALVONTA: [&str; 2] = ["Edunvalvonta/ROV", "Edunvalvontavaltuutus/ROV"];

fn concat(parts: &[&[&'static str]]) -> Vec<&'static str> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

fn product(name: &str, groups: &[&str], options: Options, criteria: &[Criterion]) -> Product {
    Product::new(name, groups, options, criteria, "built-in")
        .unwrap_or_else(|e| panic!("built-in product {name}: {e}"))
}

/// Every built-in product.
pub fn products() -> Vec<Product> {
    let huoltaja = |last: &'static str| concat(&[&HUOLTAJA_BASIC, &[last]]);
    let vanhempi = concat(&[
        &HUOLTAJA_BASIC[..3],
        &["EntinenNimi"],
        &HUOLTAJA_BASIC[3..],
        &["Huollettava", "Lapsi"],
    ]);
    let rov = |middle: &[&[&'static str]]| {
        let mut parts: Vec<&[&'static str]> = vec![&ROV_PERSON];
        parts.extend_from_slice(middle);
        parts.push(&ROV_TAIL);
        concat(&parts)
    };
    const NAMES: [&str; 3] = ["Henkilotunnus", "NykyinenSukunimi", "NykyisetEtunimet"];
    // PERUSSANOMA 1 in the element order of DVV's published product schema (issue 17);
    // PERUSSANOMA 3 in that of the real captured response.
    let perussanoma_1 = concat(&[&NAMES, &PERUSSANOMA_MIDDLE, &["Sukupuoli"]]);
    let perussanoma_3 = concat(&[
        &NAMES,
        &["EntinenNimi"],
        &PERUSSANOMA_MIDDLE,
        &[
            "Turvakielto",
            "Sukupuoli",
            "Kansalaisuus",
            "Edunvalvonta",
            "Edunvalvontavaltuutus",
        ],
    ]);
    vec![
        product("PERUSSANOMA 1", &perussanoma_1, LAHIOSOITE, HETU),
        product("PERUSSANOMA 2", PERUSSANOMA_2, LAHIOSOITE, HETU),
        product("PERUSSANOMA 3", &perussanoma_3, LAHIOSOITE, HETU),
        product(
            "HUOLTAJA-HUOLLETTAVAT",
            &huoltaja("Huollettava"),
            LAHIOSOITE,
            HETU,
        ),
        product(
            "HUOLLETTAVA-HUOLTAJAT",
            &huoltaja("Huoltaja"),
            LAHIOSOITE,
            HETU,
        ),
        product(
            "VANHEMPI -LAPSET JA HUOLLETTAVAT",
            &vanhempi,
            LAHIOSOITE,
            HETU,
        ),
        product("ASUKASLKM2", ASUKASLKM2, LAHIOSOITE, HETU),
        product("OPHREK", OPHREK_GROUPS, OPHREK, HETU_SATU),
        product("PERUSLT1", PERUSLT1, OLDER, HETU),
        product("PERUSJHHS2", PERUSJHHS3, LAHIOSOITE, HETU_SATU),
        product("PERUSJHHS3", PERUSJHHS3, LAHIOSOITE, HETU_SATU),
        product("ROV1", &rov(&[]), ROV, HETU),
        product("ROV2", &rov(&[&ROV_HUOLLETTAVAT]), ROV, HETU),
        product("ROV3", &rov(&[&ROV_HUOLTAJAT]), ROV, HETU),
        product("ROV4", &rov(&[&ROV_EDUNVALVONTA]), ROV, HETU),
        product(
            "ROV5",
            &rov(&[&ROV_HUOLLETTAVAT, &ROV_HUOLTAJAT, &ROV_EDUNVALVONTA]),
            ROV,
            HETU,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_product_is_valid_and_named_once() {
        let all = products();
        let mut names: Vec<_> = all.iter().map(|p| p.name.clone()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len());
        assert_eq!(all.len(), 16);
    }

    #[test]
    fn products_read_relations_and_residents_only_when_their_groups_show_them() {
        let reads = |name: &str| {
            products()
                .into_iter()
                .find(|p| p.name == name)
                .unwrap()
                .reads()
        };
        let r = reads("PERUSSANOMA 1");
        assert!(!r.relations && !r.residents, "{r:?}");
        let r = reads("HUOLTAJA-HUOLLETTAVAT");
        assert!(r.relations && !r.residents, "{r:?}");
        let r = reads("ASUKASLKM2");
        assert!(r.residents && !r.relations, "{r:?}");
        // PERUSSANOMA 3 names guardians for guardianship and attorneys, not the family.
        let l = reads("PERUSSANOMA 3").lists;
        assert!(l.guardianship && l.powers_of_attorney, "{l:?}");
        assert!(!l.guardians && !l.dependants && !l.children, "{l:?}");
    }

    #[test]
    fn ophrek_follows_its_public_schema_order() {
        let p = products().into_iter().find(|p| p.name == "OPHREK").unwrap();
        let elements: Vec<_> = p.groups.iter().map(|g| g.node.name()).collect();
        assert_eq!(
            elements[..4],
            ["Henkilotunnus", "Sukupuoli", "Aidinkieli", "Kuolintiedot"]
        );
        assert_eq!(elements[8], "VakinainenKotimainenOsoite");
        assert_eq!(elements.last(), Some(&"Huollettava"));
    }
}
