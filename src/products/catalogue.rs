//! The catalogue of `Henkilo` data groups: for each, the element template with catalogue
//! types and the function that takes its values from a person. Products pick groups from
//! here by id; this is the one place a group's shape is written down.

use std::collections::HashMap;

use crate::ids::Hetu;
use crate::registry::codes;
use crate::registry::model::{DomesticAddress, ForeignAddress, Person, PersonGuardian};

use super::template::{Node, Record, Value, date, group, leaf, many};

/// Persons a rendered person refers to (guardians, dependants, attorneys), fetched ahead.
#[derive(Debug, Default)]
pub struct Related(pub HashMap<Hetu, Person>);

impl Related {
    pub fn get(&self, h: &Hetu) -> Option<&Person> {
        self.0.get(h)
    }
}

/// Takes a group's values from a person.
pub type Extract = for<'a> fn(&'a Person, &'a Related) -> Value<'a>;

/// One data group of the catalogue.
pub struct GroupDef {
    /// The id products use; the element name unless a product shape needs a variant.
    pub id: &'static str,
    pub node: Node,
    pub extract: Extract,
    /// Address or location data, withheld under non-disclosure (turvakielto).
    pub location: bool,
}

impl std::fmt::Debug for GroupDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

const SUKUNIMI: Node = group("NykyinenSukunimi", &[leaf("Sukunimi", "vtj:Nimi100Tyyppi")]);
const ETUNIMET: Node = group("NykyisetEtunimet", &[leaf("Etunimet", "vtj:Nimi100Tyyppi")]);
const REL_HETU: Node = leaf("Henkilotunnus", "vtj:HenkilotunnusTyyppi");
const REL_SYNTYMAAIKA: Node = leaf("Syntymaaika", "vtj:PaivamaaraTyyppi");

const DOMESTIC_LAHIOSOITE: [Node; 7] = [
    leaf("LahiosoiteS", "vtj:KotimainenLahiosoiteTyyppi"),
    leaf("LahiosoiteR", "vtj:KotimainenLahiosoiteTyyppi"),
    leaf("Postinumero", "vtj:PostinumeroTyyppi"),
    leaf("PostitoimipaikkaS", "vtj:PostitoimipaikkaTyyppi"),
    leaf("PostitoimipaikkaR", "vtj:PostitoimipaikkaTyyppi"),
    leaf("AsuminenAlkupvm", "vtj:PaivamaaraTyyppi"),
    leaf("AsuminenLoppupvm", "vtj:PaivamaaraTyyppi"),
];

const FOREIGN_LAHIOSOITE: [Node; 7] = [
    leaf("UlkomainenLahiosoite", "vtj:UlkomainenLahiosoiteTyyppi"),
    leaf(
        "UlkomainenPaikkakuntaJaValtioS",
        "vtj:UlkomainenPaikkakuntaJaValtioTyyppi",
    ),
    leaf(
        "UlkomainenPaikkakuntaJaValtioR",
        "vtj:UlkomainenPaikkakuntaJaValtioTyyppi",
    ),
    leaf(
        "UlkomainenPaikkakuntaJaValtioSelvakielinen",
        "vtj:UlkomainenPaikkakuntaJaValtioTyyppi",
    ),
    leaf("Valtiokoodi3", "vtj:Valtiokoodi3Tyyppi"),
    leaf("AsuminenAlkupvm", "vtj:PaivamaaraTyyppi"),
    leaf("AsuminenLoppupvm", "vtj:PaivamaaraTyyppi"),
];

const RELATION_NESTED: [Node; 4] = [REL_HETU, REL_SYNTYMAAIKA, SUKUNIMI, ETUNIMET];

/// Every group the emulator can render, in no particular order.
pub static GROUPS: &[GroupDef] = &[
    GroupDef {
        id: "Henkilotunnus",
        node: Node::Leaf {
            name: "Henkilotunnus",
            ty: "vtj:HenkilotunnusTyyppi",
            attrs: &[("voimassaolokoodi", "vtj:VoimassaolokoodiTyyppi")],
        },
        extract: |p, _| {
            Value::Attributed(
                p.hetu.as_str().into(),
                vec![("voimassaolokoodi", "1".into())],
            )
        },
        location: false,
    },
    GroupDef {
        id: "NykyinenSukunimi",
        node: SUKUNIMI,
        extract: |p, _| Record::new().with("Sukunimi", &p.last_name).into(),
        location: false,
    },
    GroupDef {
        id: "NykyisetEtunimet",
        node: ETUNIMET,
        extract: |p, _| Record::new().with("Etunimet", &p.first_names).into(),
        location: false,
    },
    GroupDef {
        id: "NykyinenKutsumanimi",
        node: group(
            "NykyinenKutsumanimi",
            &[leaf("Kutsumanimi", "vtj:Nimi100Tyyppi")],
        ),
        extract: |p, _| {
            Record::new()
                .with("Kutsumanimi", p.call_name.as_ref())
                .into()
        },
        location: false,
    },
    GroupDef {
        id: "EntinenNimi",
        node: many(
            "EntinenNimi",
            &[
                leaf("Nimi", "vtj:Nimi100Tyyppi"),
                leaf("Nimilajikoodi", "vtj:EntinenNimiLajikoodiTyyppi"),
                leaf("Alkupvm", "vtj:PaivamaaraTyyppi"),
                leaf("Loppupvm", "vtj:PaivamaaraTyyppi"),
                leaf("Info8S", "vtj:Teksti100Tyyppi"),
                leaf("Info8R", "vtj:Teksti100Tyyppi"),
            ],
        ),
        extract: |p, _| {
            p.former_names
                .iter()
                .map(|n| {
                    Record::new()
                        .with("Nimi", &n.name)
                        .with("Nimilajikoodi", &n.kind)
                        .with("Alkupvm", date(n.start))
                        .with("Loppupvm", date(n.end))
                })
                .collect::<Vec<_>>()
                .into()
        },
        location: false,
    },
    GroupDef {
        id: "VakinainenKotimainenLahiosoite",
        node: group("VakinainenKotimainenLahiosoite", &DOMESTIC_LAHIOSOITE),
        extract: |p, _| {
            p.permanent_address
                .iter()
                .map(lahiosoite)
                .collect::<Vec<_>>()
                .into()
        },
        location: true,
    },
    GroupDef {
        id: "VakinainenAsuinpaikka",
        node: group(
            "VakinainenAsuinpaikka",
            &[leaf("Asuinpaikantunnus", "vtj:AsuinpaikkatunnusTyyppi")],
        ),
        extract: |p, _| {
            let id = p
                .permanent_address
                .as_ref()
                .and_then(|a| a.dwelling.as_ref());
            Record::new()
                .with("Asuinpaikantunnus", id.map(|d| d.to_string()))
                .into()
        },
        location: true,
    },
    GroupDef {
        id: "VakinainenUlkomainenLahiosoite",
        node: group("VakinainenUlkomainenLahiosoite", &FOREIGN_LAHIOSOITE),
        extract: |p, _| {
            p.permanent_foreign_address
                .iter()
                .map(ulkomainen_lahiosoite)
                .collect::<Vec<_>>()
                .into()
        },
        location: true,
    },
    GroupDef {
        id: "TilapainenKotimainenLahiosoite",
        node: many("TilapainenKotimainenLahiosoite", &DOMESTIC_LAHIOSOITE),
        extract: |p, _| {
            p.temporary_addresses
                .iter()
                .map(lahiosoite)
                .collect::<Vec<_>>()
                .into()
        },
        location: true,
    },
    GroupDef {
        id: "TilapainenUlkomainenLahiosoite",
        node: many("TilapainenUlkomainenLahiosoite", &FOREIGN_LAHIOSOITE),
        extract: |p, _| {
            p.temporary_foreign_addresses
                .iter()
                .map(ulkomainen_lahiosoite)
                .collect::<Vec<_>>()
                .into()
        },
        location: true,
    },
    GroupDef {
        id: "KotimainenPostiosoite",
        node: many(
            "KotimainenPostiosoite",
            &[
                leaf("PostiosoiteS", "vtj:PostiosoiteTyyppi"),
                leaf("PostiosoiteR", "vtj:PostiosoiteTyyppi"),
                leaf("Postinumero", "vtj:PostinumeroTyyppi"),
                leaf("PostitoimipaikkaS", "vtj:PostitoimipaikkaTyyppi"),
                leaf("PostitoimipaikkaR", "vtj:PostitoimipaikkaTyyppi"),
                leaf("PostiosoiteAlkupvm", "vtj:PaivamaaraTyyppi"),
                leaf("PostiosoiteLoppupvm", "vtj:PaivamaaraTyyppi"),
            ],
        ),
        extract: |p, _| {
            p.postal_addresses
                .iter()
                .map(|a| {
                    Record::new()
                        .with("PostiosoiteS", &a.address_fi)
                        .with("PostiosoiteR", a.address_sv.as_ref())
                        .with("Postinumero", &a.postal_code)
                        .with("PostitoimipaikkaS", &a.post_office_fi)
                        .with("PostitoimipaikkaR", a.post_office_sv.as_ref())
                        .with("PostiosoiteAlkupvm", date(a.start))
                        .with("PostiosoiteLoppupvm", date(a.end))
                })
                .collect::<Vec<_>>()
                .into()
        },
        location: true,
    },
    GroupDef {
        id: "UlkomainenPostiosoite",
        node: many(
            "UlkomainenPostiosoite",
            &[
                leaf("UlkomainenLahiosoite", "vtj:UlkomainenLahiosoiteTyyppi"),
                leaf("UlkomainenPaikkakunta", "vtj:UlkomainenPaikkakuntaTyyppi"),
                leaf("Valtiokoodi3", "vtj:Valtiokoodi3Tyyppi"),
                leaf("ValtioS", "vtj:ValtioNimiTyyppi"),
                leaf("ValtioR", "vtj:ValtioNimiTyyppi"),
                leaf("ValtioSelvakielinen", "vtj:ValtioNimiTyyppi"),
                leaf("PostiosoiteAlkupvm", "vtj:PaivamaaraTyyppi"),
                leaf("PostiosoiteLoppupvm", "vtj:PaivamaaraTyyppi"),
            ],
        ),
        extract: |p, _| {
            p.foreign_postal_addresses
                .iter()
                .map(|a| {
                    let (fi, sv) = codes::country(&a.country);
                    Record::new()
                        .with("UlkomainenLahiosoite", &a.street)
                        .with("UlkomainenPaikkakunta", &a.locality)
                        .with("Valtiokoodi3", &a.country)
                        .with("ValtioS", fi)
                        .with("ValtioR", sv)
                        .with("PostiosoiteAlkupvm", date(a.start))
                        .with("PostiosoiteLoppupvm", date(a.end))
                })
                .collect::<Vec<_>>()
                .into()
        },
        location: true,
    },
    GroupDef {
        id: "Kotikunta",
        node: group(
            "Kotikunta",
            &[
                leaf("Kuntanumero", "vtj:KuntanumeroTyyppi"),
                leaf("KuntaS", "vtj:KuntaNimiTyyppi"),
                leaf("KuntaR", "vtj:KuntaNimiTyyppi"),
                leaf("KuntasuhdeAlkupvm", "vtj:PaivamaaraTyyppi"),
            ],
        ),
        extract: |p, _| {
            p.home_municipality
                .iter()
                .map(|m| {
                    let (fi, sv) = codes::municipality(&m.code);
                    Record::new()
                        .with("Kuntanumero", &m.code)
                        .with("KuntaS", fi)
                        .with("KuntaR", sv)
                        .with("KuntasuhdeAlkupvm", date(m.since))
                })
                .collect::<Vec<_>>()
                .into()
        },
        location: true,
    },
    GroupDef {
        id: "Kuolintiedot",
        node: group(
            "Kuolintiedot",
            &[
                leaf("Kuollut", "vtj:KuollutTyyppi"),
                leaf("Kuolinpvm", "vtj:PaivamaaraTyyppi"),
            ],
        ),
        extract: |p, _| {
            Record::new()
                .with("Kuollut", p.death_date.map(|_| "1"))
                .with("Kuolinpvm", date(p.death_date))
                .into()
        },
        location: false,
    },
    GroupDef {
        id: "Kuolleeksijulistamistiedot",
        node: group(
            "Kuolleeksijulistamistiedot",
            &[leaf("Kuolleeksijulistamispvm", "vtj:PaivamaaraTyyppi")],
        ),
        extract: |p, _| {
            Record::new()
                .with("Kuolleeksijulistamispvm", date(p.declared_dead_date))
                .into()
        },
        location: false,
    },
    GroupDef {
        id: "Aidinkieli",
        node: group(
            "Aidinkieli",
            &[
                leaf("Kielikoodi", "vtj:KielikoodiTyyppi"),
                leaf("KieliS", "vtj:KieliNimiTyyppi"),
                leaf("KieliR", "vtj:KieliNimiTyyppi"),
                leaf("KieliSelvakielinen", "vtj:KieliNimiTyyppi"),
            ],
        ),
        extract: |p, _| {
            p.mother_tongue
                .iter()
                .map(|l| {
                    let (fi, sv) = codes::language(l);
                    Record::new()
                        .with("Kielikoodi", l)
                        .with("KieliS", fi)
                        .with("KieliR", sv)
                })
                .collect::<Vec<_>>()
                .into()
        },
        location: false,
    },
    GroupDef {
        id: "Turvakielto",
        node: group(
            "Turvakielto",
            &[
                leaf("TurvakieltoTieto", "vtj:KieltoTietoTyyppi"),
                leaf("TurvakieltoPaattymispvm", "vtj:PaivamaaraTyyppi"),
            ],
        ),
        extract: |p, _| {
            p.non_disclosure
                .iter()
                .map(|n| {
                    Record::new()
                        .with("TurvakieltoTieto", "1")
                        .with("TurvakieltoPaattymispvm", date(n.until))
                })
                .collect::<Vec<_>>()
                .into()
        },
        location: false,
    },
    GroupDef {
        id: "Sukupuoli",
        node: group(
            "Sukupuoli",
            &[
                leaf("Sukupuolikoodi", "vtj:SukupuolikoodiTyyppi"),
                leaf("SukupuoliS", "vtj:SukupuoliTekstiTyyppi"),
                leaf("SukupuoliR", "vtj:SukupuoliTekstiTyyppi"),
            ],
        ),
        extract: |p, _| {
            let (code, fi, sv) = match p.sex_code() {
                1 => ("1", "Mies", "Man"),
                _ => ("2", "Nainen", "Kvinna"),
            };
            Record::new()
                .with("Sukupuolikoodi", code)
                .with("SukupuoliS", fi)
                .with("SukupuoliR", sv)
                .into()
        },
        location: false,
    },
    GroupDef {
        id: "Kansalaisuus",
        node: many(
            "Kansalaisuus",
            &[
                leaf("Kansalaisuuskoodi3", "vtj:Valtiokoodi3Tyyppi"),
                leaf("KansalaisuusS", "vtj:ValtioNimiTyyppi"),
                leaf("KansalaisuusR", "vtj:ValtioNimiTyyppi"),
                leaf("KansalaisuusSelvakielinen", "vtj:ValtioNimiTyyppi"),
                leaf("Saamispvm", "vtj:PaivamaaraTyyppi"),
            ],
        ),
        extract: |p, _| {
            p.citizenships
                .iter()
                .map(|c| {
                    let (fi, sv) = codes::country(&c.country);
                    Record::new()
                        .with("Kansalaisuuskoodi3", &c.country)
                        .with("KansalaisuusS", fi)
                        .with("KansalaisuusR", sv)
                        .with("Saamispvm", date(c.since))
                })
                .collect::<Vec<_>>()
                .into()
        },
        location: false,
    },
    GroupDef {
        id: "Edunvalvonta",
        node: group(
            "Edunvalvonta",
            &[
                leaf("Alkupvm", "vtj:PaivamaaraTyyppi"),
                leaf("Paattymispvm", "vtj:PaivamaaraTyyppi"),
                leaf("Rajoituskoodi", "vtj:RajoituskoodiTyyppi"),
                leaf("RajoitustekstiS", "vtj:Teksti100Tyyppi"),
                leaf("RajoitustekstiR", "vtj:Teksti100Tyyppi"),
                leaf("Tehtavienjakokoodi", "vtj:TehtavienjakokoodiTyyppi"),
                leaf("TehtavienjakoS", "vtj:Teksti100Tyyppi"),
                leaf("TehtavienjakoR", "vtj:Teksti100Tyyppi"),
                many(
                    "HenkiloEdunvalvoja",
                    &[
                        REL_HETU,
                        REL_SYNTYMAAIKA,
                        SUKUNIMI,
                        ETUNIMET,
                        leaf("TehtavaAlkupvm", "vtj:PaivamaaraTyyppi"),
                        leaf("TehtavaLoppupvm", "vtj:PaivamaaraTyyppi"),
                    ],
                ),
                // Element order as the real service sends it (Loppupvm before Alkupvm).
                many(
                    "YritysJaYhteisoEdunvalvoja",
                    &[
                        leaf("Ytunnus", "vtj:YtunnusTyyppi"),
                        leaf("Nimi", "vtj:YritysNimi80Tyyppi"),
                        leaf("TehtavaLoppupvm", "vtj:PaivamaaraTyyppi"),
                        leaf("TehtavaAlkupvm", "vtj:PaivamaaraTyyppi"),
                    ],
                ),
                many(
                    "OikeusaputoimistoEdunvalvoja",
                    &[
                        leaf("Viranomaisnumero", "vtj:ViranomaiskoodiTyyppi"),
                        leaf("ViranomainenS", "vtj:ViranomainenNimiTyyppi"),
                        leaf("ViranomainenR", "vtj:ViranomainenNimiTyyppi"),
                        leaf("TehtavaAlkupvm", "vtj:PaivamaaraTyyppi"),
                        leaf("TehtavaLoppupvm", "vtj:PaivamaaraTyyppi"),
                    ],
                ),
            ],
        ),
        extract: |p, rel| {
            let Some(g) = &p.guardianship else {
                return Value::Empty;
            };
            let (rs, rr) = restriction_text(g.restriction.as_deref());
            let (ds, dr) = division_text(g.division.as_deref());
            Record::new()
                .with("Alkupvm", date(g.start))
                .with("Paattymispvm", date(g.end))
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
                                .with("ViranomainenS", &o.name_fi)
                                .with("ViranomainenR", o.name_sv.as_ref())
                                .with("TehtavaAlkupvm", date(o.start))
                                .with("TehtavaLoppupvm", date(o.end))
                        })
                        .collect::<Vec<_>>(),
                )
                .into()
        },
        location: false,
    },
    GroupDef {
        id: "Edunvalvontavaltuutus",
        node: many(
            "Edunvalvontavaltuutus",
            &[
                leaf("Alkupvm", "vtj:PaivamaaraTyyppi"),
                leaf("Paattymispvm", "vtj:PaivamaaraTyyppi"),
                leaf("Tehtavienjakokoodi", "vtj:TehtavienjakokoodiTyyppi"),
                leaf("TehtavienjakoS", "vtj:Teksti100Tyyppi"),
                leaf("TehtavienjakoR", "vtj:Teksti100Tyyppi"),
                many(
                    "HenkiloEdunvalvontavaltuutettu",
                    &[
                        REL_HETU,
                        REL_SYNTYMAAIKA,
                        SUKUNIMI,
                        ETUNIMET,
                        leaf("ValtuutusAlkupvm", "vtj:PaivamaaraTyyppi"),
                        leaf("ValtuutusLoppupvm", "vtj:PaivamaaraTyyppi"),
                    ],
                ),
            ],
        ),
        extract: |p, rel| {
            p.powers_of_attorney
                .iter()
                .map(|a| {
                    let (ds, dr) = division_text(a.division.as_deref());
                    Record::new()
                        .with("Alkupvm", date(a.start))
                        .with("Paattymispvm", date(a.end))
                        .with("Tehtavienjakokoodi", a.division.as_ref())
                        .with("TehtavienjakoS", ds)
                        .with("TehtavienjakoR", dr)
                        .with(
                            "HenkiloEdunvalvontavaltuutettu",
                            a.attorneys
                                .iter()
                                .map(|x| {
                                    person_link(x, rel, "ValtuutusAlkupvm", "ValtuutusLoppupvm")
                                })
                                .collect::<Vec<_>>(),
                        )
                })
                .collect::<Vec<_>>()
                .into()
        },
        location: false,
    },
    GroupDef {
        id: "Huoltaja",
        node: many("Huoltaja", &RELATION_NESTED),
        extract: |p, rel| {
            p.guardians
                .iter()
                .map(|g| relation(&g.hetu, rel))
                .collect::<Vec<_>>()
                .into()
        },
        location: false,
    },
    GroupDef {
        id: "Huollettava",
        node: many("Huollettava", &RELATION_NESTED),
        extract: |p, rel| {
            p.dependants
                .iter()
                .map(|h| relation(h, rel))
                .collect::<Vec<_>>()
                .into()
        },
        location: false,
    },
    GroupDef {
        id: "Lapsi",
        node: many("Lapsi", &RELATION_NESTED),
        extract: |p, rel| {
            p.children
                .iter()
                .map(|h| relation(h, rel))
                .collect::<Vec<_>>()
                .into()
        },
        location: false,
    },
];

/// Looks a group up by id.
pub fn group_def(id: &str) -> Option<&'static GroupDef> {
    GROUPS.iter().find(|g| g.id == id)
}

fn lahiosoite(a: &DomesticAddress) -> Record<'_> {
    Record::new()
        .with("LahiosoiteS", a.line_fi())
        .with("LahiosoiteR", a.line_sv())
        .with("Postinumero", &a.postal_code)
        .with("PostitoimipaikkaS", &a.post_office_fi)
        .with("PostitoimipaikkaR", a.post_office_sv.as_ref())
        .with("AsuminenAlkupvm", date(a.start))
        .with("AsuminenLoppupvm", date(a.end))
}

fn ulkomainen_lahiosoite(a: &ForeignAddress) -> Record<'_> {
    Record::new()
        .with("UlkomainenLahiosoite", &a.street)
        .with("UlkomainenPaikkakuntaJaValtioS", &a.locality_fi)
        .with("UlkomainenPaikkakuntaJaValtioR", a.locality_sv.as_ref())
        .with("Valtiokoodi3", &a.country)
        .with("AsuminenAlkupvm", date(a.start))
        .with("AsuminenLoppupvm", date(a.end))
}

/// The nested name groups of a related person (empty when the person is unknown).
fn relation<'a>(h: &'a Hetu, rel: &'a Related) -> Record<'a> {
    let p = rel.get(h);
    Record::new()
        .with("Henkilotunnus", h.as_str())
        .with(
            "NykyinenSukunimi",
            Record::new().with("Sukunimi", p.map(|p| p.last_name.as_str())),
        )
        .with(
            "NykyisetEtunimet",
            Record::new().with("Etunimet", p.map(|p| p.first_names.as_str())),
        )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_ids_are_unique() {
        let mut ids: Vec<_> = GROUPS.iter().map(|g| g.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
