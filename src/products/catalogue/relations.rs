//! Relations to other persons: guardians (with custody details), dependants, children,
//! custody taken by the authorities, guardianship (edunvalvonta) and continuing powers of
//! attorney. Names of related persons come from [`Related`]; a related person under
//! non-disclosure never has their address written.

use crate::ids::Hetu;
use crate::registry::model::{Guardianship, Person, PersonGuardian};

use super::super::template::{Node, Record, Value, date, group, leaf, many};
use super::address::{DOMESTIC_OSOITE, FOREIGN_OSOITE, domestic, foreign};
use super::person::{ETUNIMET, SUKUNIMI};
use super::{Alt, GroupDef, Related};

const HETU: Node = leaf("Henkilotunnus", "vtj:HenkilotunnusTyyppi");
const SYNTYMAAIKA: Node = leaf("Syntymaaika", "vtj:PaivamaaraTyyppi");
const FLAT_SUKUNIMI: Node = leaf("Sukunimi", "vtj:Nimi100Tyyppi");
const FLAT_ETUNIMET: Node = leaf("Etunimet", "vtj:Nimi100Tyyppi");
const NESTED: [Node; 4] = [HETU, SYNTYMAAIKA, SUKUNIMI, ETUNIMET];
const FLAT: [Node; 3] = [HETU, FLAT_SUKUNIMI, FLAT_ETUNIMET];

const ALKUPVM: Node = leaf("Alkupvm", "vtj:PaivamaaraTyyppi");
const PAATTYMISPVM: Node = leaf("Paattymispvm", "vtj:PaivamaaraTyyppi");
const RAJOITUSKOODI: Node = leaf("Rajoituskoodi", "vtj:RajoituskoodiTyyppi");
const RAJOITUS_S: Node = leaf("RajoitustekstiS", "vtj:Teksti100Tyyppi");
const RAJOITUS_R: Node = leaf("RajoitustekstiR", "vtj:Teksti100Tyyppi");
const JAKOKOODI: Node = leaf("Tehtavienjakokoodi", "vtj:TehtavienjakokoodiTyyppi");
const JAKO_S: Node = leaf("TehtavienjakoS", "vtj:Teksti100Tyyppi");
const JAKO_R: Node = leaf("TehtavienjakoR", "vtj:Teksti100Tyyppi");
const T_ALKU: Node = leaf("TehtavaAlkupvm", "vtj:PaivamaaraTyyppi");
const T_LOPPU: Node = leaf("TehtavaLoppupvm", "vtj:PaivamaaraTyyppi");
const YTUNNUS: Node = leaf("Ytunnus", "vtj:YtunnusTyyppi");
const YRITYS_NIMI: Node = leaf("Nimi", "vtj:YritysNimi80Tyyppi");
const VIRANOMAINEN_S: Node = leaf("ViranomainenS", "vtj:ViranomainenNimiTyyppi");
const VIRANOMAINEN_R: Node = leaf("ViranomainenR", "vtj:ViranomainenNimiTyyppi");

const HENKILO_EDUNVALVOJA: Node = many(
    "HenkiloEdunvalvoja",
    &[HETU, SYNTYMAAIKA, SUKUNIMI, ETUNIMET, T_ALKU, T_LOPPU],
);
// Element order as the real service sends it (Loppupvm before Alkupvm).
const YRITYS_EDUNVALVOJA: Node = many(
    "YritysJaYhteisoEdunvalvoja",
    &[YTUNNUS, YRITYS_NIMI, T_LOPPU, T_ALKU],
);
const OIKEUSAPU_EDUNVALVOJA: Node = many(
    "OikeusaputoimistoEdunvalvoja",
    &[
        leaf("Viranomaisnumero", "vtj:ViranomaiskoodiTyyppi"),
        VIRANOMAINEN_S,
        VIRANOMAINEN_R,
        T_ALKU,
        T_LOPPU,
    ],
);

const VALTUUTETTU: Node = many(
    "HenkiloEdunvalvontavaltuutettu",
    &[
        HETU,
        SYNTYMAAIKA,
        SUKUNIMI,
        ETUNIMET,
        leaf("ValtuutusAlkupvm", "vtj:PaivamaaraTyyppi"),
        leaf("ValtuutusLoppupvm", "vtj:PaivamaaraTyyppi"),
    ],
);

/// The relation lists of a person whose related persons' records a relations group shows
/// (their names, a guardian's address, a dependant's custody relation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelationLists {
    pub guardians: bool,
    pub dependants: bool,
    pub children: bool,
    pub guardianship: bool,
    pub powers_of_attorney: bool,
}

impl RelationLists {
    /// Every list: what a group not known here reads.
    pub const ALL: RelationLists = RelationLists {
        guardians: true,
        dependants: true,
        children: true,
        guardianship: true,
        powers_of_attorney: true,
    };

    /// The lists a relations group reads, by its element (all for one not known here).
    pub fn of(def: &GroupDef) -> RelationLists {
        let none = RelationLists::default();
        match def.element() {
            "HuoltajaLkm" | "Huostaanotto" => none,
            "Huoltaja" => RelationLists {
                guardians: true,
                ..none
            },
            "Huollettava" => RelationLists {
                dependants: true,
                ..none
            },
            "Lapsi" => RelationLists {
                children: true,
                ..none
            },
            "Edunvalvonta" => RelationLists {
                guardianship: true,
                ..none
            },
            "Edunvalvontavaltuutus" => RelationLists {
                powers_of_attorney: true,
                ..none
            },
            _ => RelationLists::ALL,
        }
    }

    pub fn or(self, o: RelationLists) -> RelationLists {
        RelationLists {
            guardians: self.guardians || o.guardians,
            dependants: self.dependants || o.dependants,
            children: self.children || o.children,
            guardianship: self.guardianship || o.guardianship,
            powers_of_attorney: self.powers_of_attorney || o.powers_of_attorney,
        }
    }
}

/// A related person: identity code, and names both nested and flat (empty when unknown).
fn relation<'a>(h: &'a Hetu, rel: &'a Related) -> Record<'a> {
    let p = rel.get(h);
    let last = p.map(|p| p.last_name.as_str());
    let first = p.map(|p| p.first_names.as_str());
    Record::new()
        .with("Henkilotunnus", h.as_str())
        .with("NykyinenSukunimi", Record::new().with("Sukunimi", last))
        .with("NykyisetEtunimet", Record::new().with("Etunimet", first))
        .with("Sukunimi", last)
        .with("Etunimet", first)
}

fn person_link<'a>(
    x: &'a PersonGuardian,
    rel: &'a Related,
    start: &'static str,
    end: &'static str,
) -> Record<'a> {
    relation(&x.hetu, rel)
        .with(start, date(x.start))
        .with(end, date(x.end))
}

fn guardians<'a>(p: &'a Person, rel: &'a Related) -> Value<'a> {
    p.guardians
        .iter()
        .map(|g| {
            let mut r = relation(&g.hetu, rel).with(
                "Huoltotiedot",
                Record::new()
                    .with("Henkilosuhdelajikoodi", g.relation.as_str())
                    .with("Huollonjakokoodi", g.custody_code.as_ref())
                    .with("Huollonjakokoodi2", g.custody_code2.as_ref()),
            );
            if let Some(gp) = rel.get(&g.hetu).filter(|gp| gp.non_disclosure.is_none()) {
                r = r
                    .with(
                        "VakinainenKotimainenOsoite",
                        gp.permanent_address
                            .iter()
                            .map(|a| domestic(a, false))
                            .collect::<Vec<_>>(),
                    )
                    .with(
                        "VakinainenUlkomainenOsoite",
                        gp.permanent_foreign_address
                            .iter()
                            .map(|a| foreign(a, false))
                            .collect::<Vec<_>>(),
                    );
            }
            r
        })
        .collect::<Vec<_>>()
        .into()
}

fn hetus<'a>(list: &'a [Hetu], rel: &'a Related) -> Value<'a> {
    list.iter()
        .map(|h| relation(h, rel))
        .collect::<Vec<_>>()
        .into()
}

/// The relation text of a guardian-relation code (`Henkilosuhdelajikoodi`).
fn relation_text(code: &str) -> &'static str {
    match code {
        "03" => "Vanhempi",
        "06" => "Muu huoltaja",
        "36" => "Vanhempi (tuomioistuimen päätös)",
        _ => "",
    }
}

fn guardianship<'a>(g: &'a Guardianship, rel: &'a Related) -> Record<'a> {
    let (rs, rr) = restriction_text(g.restriction.as_deref());
    let (ds, dr) = division_text(g.division.as_deref());
    Record::new()
        .with("Alkupvm", date(g.start))
        .with("Paattymispvm", date(g.end))
        .with("EdunvalvontaTieto", "1")
        .with("Rajoituskoodi", g.restriction.as_ref())
        .with("RajoitustekstiS", rs)
        .with("RajoitustekstiR", rr)
        .with("Tehtavienjakokoodi", g.division.as_ref())
        .with("TehtavienjakoS", ds)
        .with("TehtavienjakoR", dr)
        .with(
            "HenkiloEdunvalvoja",
            g.person_guardians
                .iter()
                .map(|x| person_link(x, rel, "TehtavaAlkupvm", "TehtavaLoppupvm"))
                .collect::<Vec<_>>(),
        )
        .with(
            "YritysJaYhteisoEdunvalvoja",
            g.company_guardians
                .iter()
                .map(|c| {
                    Record::new()
                        .with("Ytunnus", &c.business_id)
                        .with("Nimi", &c.name)
                        .with("TehtavaAlkupvm", date(c.start))
                        .with("TehtavaLoppupvm", date(c.end))
                })
                .collect::<Vec<_>>(),
        )
        .with(
            "OikeusaputoimistoEdunvalvoja",
            g.public_guardians
                .iter()
                .map(|o| {
                    Record::new()
                        .with("Viranomaisnumero", &o.authority_code)
                        .with("Viranomaiskoodi", format!("{:0>6}", o.authority_code))
                        .with("ViranomainenS", &o.name_fi)
                        .with("ViranomainenR", o.name_sv.as_ref())
                        .with("TehtavaAlkupvm", date(o.start))
                        .with("TehtavaLoppupvm", date(o.end))
                })
                .collect::<Vec<_>>(),
        )
}

fn edunvalvonta<'a>(p: &'a Person, rel: &'a Related) -> Value<'a> {
    p.guardianship
        .as_ref()
        .map(|g| Value::from(guardianship(g, rel)))
        .unwrap_or_default()
}

fn valtuutus<'a>(p: &'a Person, rel: &'a Related) -> Value<'a> {
    p.powers_of_attorney
        .iter()
        .map(|a| {
            let (ds, dr) = division_text(a.division.as_deref());
            Record::new()
                .with("Alkupvm", date(a.start))
                .with("Paattymispvm", date(a.end))
                .with("EdunvalvontavaltuutusTieto", "1")
                .with("Tehtavienjakokoodi", a.division.as_ref())
                .with("TehtavienjakoS", ds)
                .with("TehtavienjakoR", dr)
                .with(
                    "HenkiloEdunvalvontavaltuutettu",
                    a.attorneys
                        .iter()
                        .map(|x| person_link(x, rel, "ValtuutusAlkupvm", "ValtuutusLoppupvm"))
                        .collect::<Vec<_>>(),
                )
        })
        .collect::<Vec<_>>()
        .into()
}

fn restriction_text(code: Option<&str>) -> (&'static str, &'static str) {
    match code {
        Some("1") => (
            "Toimintakelpoisuutta rajoitettu",
            "Handlingsbehörigheten begränsad",
        ),
        Some("2") => ("Julistettu vajaavaltaiseksi", "Omyndigförklarad"),
        Some("3") => (
            "Toimintakelpoisuutta rajoitettu ja julistettu vajaavaltaiseksi",
            "Handlingsbehörigheten begränsad och omyndigförklarad",
        ),
        _ => ("", ""),
    }
}

fn division_text(code: Option<&str>) -> (&'static str, &'static str) {
    match code {
        Some("1") => ("Tehtävät jaettu", "Uppgifterna fördelade"),
        _ => ("", ""),
    }
}

pub(super) static GROUPS: &[GroupDef] = &[
    GroupDef {
        id: "HuoltajaLkm",
        node: leaf("HuoltajaLkm", "vtj:HuoltajaLkmTyyppi"),
        alt: Alt::None,
        extract: |p, _| p.guardians.len().min(9).to_string().into(),
        location: false,
        about: "the number of guardians",
    },
    GroupDef {
        id: "Huoltaja",
        node: many("Huoltaja", &NESTED),
        alt: Alt::Flat(many("Huoltaja", &FLAT)),
        extract: guardians,
        location: false,
        about: "guardians: identity code, birth date, names",
    },
    GroupDef {
        id: "Huoltaja/OPHREK",
        node: many(
            "Huoltaja",
            &[
                HETU,
                SYNTYMAAIKA,
                group(
                    "Huoltotiedot",
                    &[leaf(
                        "Henkilosuhdelajikoodi",
                        "vtj:HenkilosuhdelajikoodiTyyppi",
                    )],
                ),
                SUKUNIMI,
                ETUNIMET,
                group("VakinainenKotimainenOsoite", &DOMESTIC_OSOITE),
                group("VakinainenUlkomainenOsoite", &FOREIGN_OSOITE),
            ],
        ),
        alt: Alt::None,
        extract: guardians,
        location: false,
        about: "guardians with the relation code and the guardian's permanent address (OPHREK's shape)",
    },
    GroupDef {
        id: "Huoltaja/ROV",
        node: many(
            "Huoltaja",
            &[
                HETU,
                FLAT_SUKUNIMI,
                FLAT_ETUNIMET,
                group(
                    "Huoltotiedot",
                    &[
                        leaf("Huollonjakokoodi", "vtj:HuollonjakokoodiTyyppi"),
                        leaf("Huollonjakokoodi2", "vtj:HuollonjakokoodiTyyppi2"),
                    ],
                ),
            ],
        ),
        alt: Alt::None,
        extract: guardians,
        location: false,
        about: "guardians with flat names and custody division codes (ROV's shape)",
    },
    GroupDef {
        id: "Huollettava",
        node: many("Huollettava", &NESTED),
        alt: Alt::Flat(many("Huollettava", &FLAT)),
        extract: |p, rel| hetus(&p.dependants, rel),
        location: false,
        about: "dependants (persons in the person's custody)",
    },
    GroupDef {
        id: "Huollettava/PERUSLT1",
        node: many(
            "Huollettava",
            &[
                HETU,
                FLAT_SUKUNIMI,
                FLAT_ETUNIMET,
                leaf("Suhde", "vtj:HenkilosuhdelajikoodiTyyppi"),
                leaf("SuhdeTeksti", "vtj:HenkilosuhdelajiTyyppi"),
            ],
        ),
        alt: Alt::None,
        extract: |p, rel| {
            p.dependants
                .iter()
                .map(|h| {
                    let code = rel
                        .get(h)
                        .and_then(|d| d.guardians.iter().find(|g| g.hetu == p.hetu))
                        .map(|g| g.relation.as_str());
                    relation(h, rel)
                        .with("Suhde", code)
                        .with("SuhdeTeksti", code.map(relation_text))
                })
                .collect::<Vec<_>>()
                .into()
        },
        location: false,
        about: "dependants with flat names and the custody relation (PERUSLT1's shape)",
    },
    GroupDef {
        id: "Lapsi",
        node: many("Lapsi", &NESTED),
        alt: Alt::Flat(many("Lapsi", &FLAT)),
        extract: |p, rel| hetus(&p.children, rel),
        location: false,
        about: "children",
    },
    GroupDef {
        id: "Huostaanotto",
        node: group(
            "Huostaanotto",
            &[leaf("HuostaanottoTieto", "vtj:HuostaanottoTietoTyyppi")],
        ),
        alt: Alt::None,
        // The catalogue type has no empty value: 0 when custody was not taken.
        extract: |p, _| {
            Record::new()
                .with(
                    "HuostaanottoTieto",
                    if p.taken_into_care { "1" } else { "0" },
                )
                .into()
        },
        location: false,
        about: "whether the person has been taken into care (1) or not (0)",
    },
    GroupDef {
        id: "Edunvalvonta",
        node: group(
            "Edunvalvonta",
            &[
                ALKUPVM,
                PAATTYMISPVM,
                RAJOITUSKOODI,
                RAJOITUS_S,
                RAJOITUS_R,
                JAKOKOODI,
                JAKO_S,
                JAKO_R,
                HENKILO_EDUNVALVOJA,
                YRITYS_EDUNVALVOJA,
                OIKEUSAPU_EDUNVALVOJA,
            ],
        ),
        alt: Alt::None,
        extract: edunvalvonta,
        location: false,
        about: "guardianship: period, restriction, division of tasks and the guardians",
    },
    GroupDef {
        id: "Edunvalvonta/OPHREK",
        node: group(
            "Edunvalvonta",
            &[
                ALKUPVM,
                PAATTYMISPVM,
                JAKOKOODI,
                RAJOITUSKOODI,
                many(
                    "HenkiloEdunvalvoja",
                    &[T_ALKU, T_LOPPU, HETU, SYNTYMAAIKA, SUKUNIMI, ETUNIMET],
                ),
                many(
                    "YritysJaYhteisoEdunvalvoja",
                    &[T_ALKU, T_LOPPU, YTUNNUS, YRITYS_NIMI],
                ),
                many(
                    "OikeusaputoimistoEdunvalvoja",
                    &[
                        leaf("Viranomaiskoodi", "vtj:Viranomaiskoodi6Tyyppi"),
                        VIRANOMAINEN_S,
                        VIRANOMAINEN_R,
                        T_ALKU,
                        T_LOPPU,
                    ],
                ),
            ],
        ),
        alt: Alt::None,
        extract: edunvalvonta,
        location: false,
        about: "guardianship with codes only and six-digit office codes (OPHREK's shape)",
    },
    GroupDef {
        id: "Edunvalvonta/ROV",
        node: group(
            "Edunvalvonta",
            &[
                ALKUPVM,
                PAATTYMISPVM,
                leaf("EdunvalvontaTieto", "vtj:EdunvalvontaTietoTyyppi"),
                RAJOITUSKOODI,
                RAJOITUS_S,
                RAJOITUS_R,
                JAKOKOODI,
                JAKO_S,
                JAKO_R,
                HENKILO_EDUNVALVOJA,
                YRITYS_EDUNVALVOJA,
                OIKEUSAPU_EDUNVALVOJA,
            ],
        ),
        alt: Alt::None,
        extract: edunvalvonta,
        location: false,
        about: "guardianship with the EdunvalvontaTieto flag (ROV's shape)",
    },
    GroupDef {
        id: "Edunvalvontavaltuutus",
        node: many(
            "Edunvalvontavaltuutus",
            &[
                ALKUPVM,
                PAATTYMISPVM,
                JAKOKOODI,
                JAKO_S,
                JAKO_R,
                VALTUUTETTU,
            ],
        ),
        alt: Alt::None,
        extract: valtuutus,
        location: false,
        about: "continuing powers of attorney and the attorneys",
    },
    GroupDef {
        id: "Edunvalvontavaltuutus/OPHREK",
        node: many(
            "Edunvalvontavaltuutus",
            &[ALKUPVM, PAATTYMISPVM, JAKOKOODI, VALTUUTETTU],
        ),
        alt: Alt::None,
        extract: valtuutus,
        location: false,
        about: "continuing powers of attorney without the division texts (OPHREK's shape)",
    },
    GroupDef {
        id: "Edunvalvontavaltuutus/ROV",
        node: many(
            "Edunvalvontavaltuutus",
            &[
                ALKUPVM,
                PAATTYMISPVM,
                leaf(
                    "EdunvalvontavaltuutusTieto",
                    "vtj:EdunvalvontavaltuutusTietoTyyppi",
                ),
                JAKOKOODI,
                JAKO_S,
                JAKO_R,
                VALTUUTETTU,
            ],
        ),
        alt: Alt::None,
        extract: valtuutus,
        location: false,
        about: "continuing powers of attorney with the EdunvalvontavaltuutusTieto flag (ROV's shape)",
    },
];

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::registry::fixtures::Fixtures;
    use crate::xml::XmlOut;

    /// The related persons on `p`'s lists that `lists` selects, from `all`.
    fn fetched(p: &Person, lists: RelationLists, all: &HashMap<Hetu, Person>) -> Related {
        let mut hetus: Vec<&Hetu> = Vec::new();
        if lists.guardians {
            hetus.extend(p.guardians.iter().map(|g| &g.hetu));
        }
        if lists.dependants {
            hetus.extend(&p.dependants);
        }
        if lists.children {
            hetus.extend(&p.children);
        }
        if lists.guardianship {
            hetus.extend(
                p.guardianship
                    .iter()
                    .flat_map(|g| &g.person_guardians)
                    .map(|x| &x.hetu),
            );
        }
        if lists.powers_of_attorney {
            hetus.extend(
                p.powers_of_attorney
                    .iter()
                    .flat_map(|a| &a.attorneys)
                    .map(|x| &x.hetu),
            );
        }
        let persons = hetus
            .into_iter()
            .filter_map(|h| all.get(h).map(|r| (h.clone(), r.clone())))
            .collect();
        Related::new(persons)
    }

    #[test]
    fn each_relations_group_renders_the_same_from_only_the_lists_it_reads() {
        let fixtures = Fixtures::builtin().unwrap();
        let all: HashMap<Hetu, Person> = fixtures
            .persons
            .iter()
            .map(|p| (p.hetu.clone(), p.clone()))
            .collect();
        let render = |g: &GroupDef, p: &Person, rel: &Related| {
            let mut out = XmlOut::new();
            crate::products::template::render(&g.node, &(g.extract)(p, rel), &mut out);
            if let Alt::Flat(n) = &g.alt {
                crate::products::template::render(n, &(g.extract)(p, rel), &mut out);
            }
            out.into_string()
        };
        let mut shown = 0;
        for g in GROUPS {
            let lists = RelationLists::of(g);
            assert_ne!(
                lists,
                RelationLists::ALL,
                "{} has no lists of its own",
                g.id
            );
            for p in &fixtures.persons {
                let everyone = fetched(p, RelationLists::ALL, &all);
                let full = render(g, p, &everyone);
                assert_eq!(
                    full,
                    render(g, p, &fetched(p, lists, &all)),
                    "{} of {}",
                    g.id,
                    p.hetu
                );
                shown += usize::from(everyone.persons.keys().any(|h| full.contains(h.as_str())));
            }
        }
        assert!(
            shown > 10,
            "the fixtures show related persons in only {shown} renderings"
        );
    }
}
