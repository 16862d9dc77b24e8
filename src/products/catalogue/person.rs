//! The person's own groups: identifiers, names, sex, languages, citizenship, birth abroad,
//! death, non-disclosure, occupation and e-mail. Addresses and relations live beside this.

use crate::registry::codes;
use crate::registry::model::Person;

use super::super::template::{Node, Record, Value, date, group, leaf, many};
use super::{Alt, GroupDef};

pub(super) const SUKUNIMI: Node =
    group("NykyinenSukunimi", &[leaf("Sukunimi", "vtj:Nimi100Tyyppi")]);
pub(super) const ETUNIMET: Node =
    group("NykyisetEtunimet", &[leaf("Etunimet", "vtj:Nimi100Tyyppi")]);

const ENTINEN_NIMI: [Node; 4] = [
    leaf("Nimi", "vtj:Nimi100Tyyppi"),
    leaf("Nimilajikoodi", "vtj:EntinenNimiLajikoodiTyyppi"),
    leaf("Alkupvm", "vtj:PaivamaaraTyyppi"),
    leaf("Loppupvm", "vtj:PaivamaaraTyyppi"),
];

const VALTIO: [Node; 4] = [
    leaf("Valtiokoodi3", "vtj:Valtiokoodi3Tyyppi"),
    leaf("ValtioS", "vtj:ValtioNimiTyyppi"),
    leaf("ValtioR", "vtj:ValtioNimiTyyppi"),
    leaf("ValtioSelvakielinen", "vtj:ValtioNimi30Tyyppi"),
];

fn former_names(p: &Person) -> Value<'_> {
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
}

fn language(code: Option<&String>) -> Value<'_> {
    code.map(|l| {
        let (fi, sv) = codes::language(l);
        Record::new()
            .with("Kielikoodi", l)
            .with("KieliS", fi)
            .with("KieliR", sv)
    })
    .map(Value::from)
    .unwrap_or_default()
}

fn country(code: &str) -> Record<'_> {
    let (fi, sv) = codes::country(code);
    Record::new()
        .with("Valtiokoodi3", code)
        .with("ValtioS", fi)
        .with("ValtioR", sv)
}

fn turvakielto(p: &Person) -> Value<'_> {
    p.non_disclosure
        .iter()
        .map(|n| {
            Record::new()
                .with("TurvakieltoTieto", "1")
                .with("TurvakieltoPaattymispvm", date(n.until))
        })
        .collect::<Vec<_>>()
        .into()
}

pub(super) static GROUPS: &[GroupDef] = &[
    GroupDef {
        id: "Henkilotunnus",
        node: Node::Leaf {
            name: "Henkilotunnus",
            ty: "vtj:HenkilotunnusTyyppi",
            attrs: &[("voimassaolokoodi", "vtj:VoimassaolokoodiTyyppi")],
        },
        alt: Alt::None,
        extract: |p, _| {
            Value::Attributed(
                p.hetu.as_str().into(),
                vec![("voimassaolokoodi", "1".into())],
            )
        },
        location: false,
        about: "the active personal identity code and its validity",
    },
    GroupDef {
        id: "SahkoinenAsiointitunnus",
        node: Node::Leaf {
            name: "SahkoinenAsiointitunnus",
            ty: "vtj:SahkoinenAsiointitunnusTyyppi",
            attrs: &[("voimassaolokoodi", "vtj:VoimassaolokoodiTyyppi")],
        },
        alt: Alt::None,
        extract: |p, _| match &p.satu {
            Some(s) => Value::Attributed(s.as_str().into(), vec![("voimassaolokoodi", "1".into())]),
            None => Value::Empty,
        },
        location: false,
        about: "the electronic service identifier (SATU) and its validity",
    },
    GroupDef {
        id: "NykyinenSukunimi",
        node: SUKUNIMI,
        alt: Alt::None,
        extract: |p, _| Record::new().with("Sukunimi", &p.last_name).into(),
        location: false,
        about: "current last name",
    },
    GroupDef {
        id: "NykyisetEtunimet",
        node: ETUNIMET,
        alt: Alt::None,
        extract: |p, _| Record::new().with("Etunimet", &p.first_names).into(),
        location: false,
        about: "current first names",
    },
    GroupDef {
        id: "NykyinenKutsumanimi",
        node: group(
            "NykyinenKutsumanimi",
            &[leaf("Kutsumanimi", "vtj:Nimi100Tyyppi")],
        ),
        alt: Alt::None,
        extract: |p, _| {
            Record::new()
                .with("Kutsumanimi", p.call_name.as_ref())
                .into()
        },
        location: false,
        about: "current call name",
    },
    GroupDef {
        id: "EntinenNimi",
        node: many(
            "EntinenNimi",
            &[
                ENTINEN_NIMI[0],
                ENTINEN_NIMI[1],
                ENTINEN_NIMI[2],
                ENTINEN_NIMI[3],
                leaf("Info8S", "vtj:Teksti100Tyyppi"),
                leaf("Info8R", "vtj:Teksti100Tyyppi"),
            ],
        ),
        alt: Alt::None,
        extract: |p, _| former_names(p),
        location: false,
        about: "former names with kind and period, and notes (Info8S/R)",
    },
    GroupDef {
        id: "EntinenNimi/OPHREK",
        node: many("EntinenNimi", &ENTINEN_NIMI),
        alt: Alt::None,
        extract: |p, _| former_names(p),
        location: false,
        about: "former names with kind and period, without the notes (OPHREK's shape)",
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
        alt: Alt::None,
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
        about: "sex code with Finnish and Swedish text",
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
        alt: Alt::None,
        extract: |p, _| language(p.mother_tongue.as_ref()),
        location: false,
        about: "mother tongue (ISO 639-1) with names",
    },
    GroupDef {
        id: "AidinkieliTietokoodi",
        node: leaf("AidinkieliTietokoodi", "vtj:KieliTietokoodiTyyppi"),
        alt: Alt::None,
        extract: |p, _| {
            let code = match p.mother_tongue.as_deref() {
                Some("fi") => "1",
                Some("sv") => "2",
                Some(_) => "3",
                None => "",
            };
            code.into()
        },
        location: false,
        about: "mother tongue as a code: 1 Finnish, 2 Swedish, 3 other (PERUSLT1)",
    },
    GroupDef {
        id: "Asiointikieli",
        node: group(
            "Asiointikieli",
            &[
                leaf("Kielikoodi", "vtj:KielikoodiTyyppi"),
                leaf("KieliS", "vtj:KieliNimiTyyppi"),
                leaf("KieliR", "vtj:KieliNimiTyyppi"),
            ],
        ),
        alt: Alt::None,
        extract: |p, _| language(p.service_language.as_ref()),
        location: false,
        about: "language of service (fi or sv) with names",
    },
    GroupDef {
        id: "SuomenKansalaisuusTietokoodi",
        node: leaf(
            "SuomenKansalaisuusTietokoodi",
            "vtj:SuomenKansalaisuusTietokoodiTyyppi",
        ),
        alt: Alt::None,
        extract: |p, _| {
            if p.citizenships.is_empty() {
                Value::Empty
            } else if p.citizenships.iter().any(|c| c.country == "246") {
                "1".into()
            } else {
                "0".into()
            }
        },
        location: false,
        about: "1 when the person is a Finnish citizen, 0 when not",
    },
    GroupDef {
        id: "Kansalaisuus",
        node: many(
            "Kansalaisuus",
            &[
                leaf("Kansalaisuuskoodi3", "vtj:Valtiokoodi3Tyyppi"),
                leaf("KansalaisuusS", "vtj:ValtioNimiTyyppi"),
                leaf("KansalaisuusR", "vtj:ValtioNimiTyyppi"),
                leaf("KansalaisuusSelvakielinen", "vtj:ValtioNimi30Tyyppi"),
                leaf("Saamispvm", "vtj:PaivamaaraTyyppi"),
            ],
        ),
        alt: Alt::None,
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
        about: "citizenships (ISO 3166 numeric) with names and acquisition date",
    },
    GroupDef {
        id: "Syntymamaa",
        node: group("Syntymamaa", &VALTIO),
        alt: Alt::None,
        extract: |p, _| {
            p.birth_country
                .as_deref()
                .map(|c| Value::from(country(c)))
                .unwrap_or_default()
        },
        location: false,
        about: "country of birth",
    },
    GroupDef {
        id: "UlkomainenSyntymapaikka",
        node: group(
            "UlkomainenSyntymapaikka",
            &[
                leaf("Syntymapaikka", "vtj:UlkomainenSyntymapaikkaTyyppi"),
                VALTIO[0],
                VALTIO[1],
                VALTIO[2],
                VALTIO[3],
            ],
        ),
        alt: Alt::None,
        extract: |p, _| {
            p.foreign_birthplace
                .as_ref()
                .map(|b| Value::from(country(&b.country).with("Syntymapaikka", &b.place)))
                .unwrap_or_default()
        },
        location: false,
        about: "place and country of birth abroad",
    },
    GroupDef {
        id: "UlkomainenHenkilonumero",
        node: many(
            "UlkomainenHenkilonumero",
            &[
                leaf(
                    "UlkomainenHenkilonumero",
                    "vtj:UlkomainenHenkiloTunnusTyyppi",
                ),
                leaf("Voimassaolokoodi", "vtj:VoimassaolokoodiTyyppi"),
                VALTIO[0],
                VALTIO[1],
                VALTIO[2],
            ],
        ),
        alt: Alt::None,
        extract: |p, _| {
            p.foreign_ids
                .iter()
                .map(|f| {
                    country(&f.country)
                        .with("UlkomainenHenkilonumero", &f.number)
                        .with("Voimassaolokoodi", if f.active { "1" } else { "2" })
                })
                .collect::<Vec<_>>()
                .into()
        },
        location: false,
        about: "foreign personal identity numbers with validity and country",
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
        alt: Alt::WithoutKuollut(group(
            "Kuolintiedot",
            &[leaf("Kuolinpvm", "vtj:PaivamaaraTyyppi")],
        )),
        extract: |p, _| {
            Record::new()
                .with("Kuollut", p.death_date.map(|_| "1"))
                .with("Kuolinpvm", date(p.death_date))
                .into()
        },
        location: false,
        about: "death: the Kuollut flag (unless the product omits it) and the date",
    },
    GroupDef {
        id: "Kuolleeksijulistamistiedot",
        node: group(
            "Kuolleeksijulistamistiedot",
            &[leaf("Kuolleeksijulistamispvm", "vtj:PaivamaaraTyyppi")],
        ),
        alt: Alt::None,
        extract: |p, _| {
            Record::new()
                .with("Kuolleeksijulistamispvm", date(p.declared_dead_date))
                .into()
        },
        location: false,
        about: "date of a declaration of death",
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
        alt: Alt::None,
        extract: |p, _| turvakielto(p),
        location: false,
        about: "non-disclosure for personal safety and its end date",
    },
    GroupDef {
        id: "Turvakielto/PERUSJHHS",
        node: group(
            "Turvakielto",
            &[leaf("TurvakieltoTieto", "vtj:KieltoTietoTyyppi")],
        ),
        alt: Alt::None,
        extract: |p, _| turvakielto(p),
        location: false,
        about: "non-disclosure flag only (the PERUSJHHS shape)",
    },
    GroupDef {
        id: "Ammatti",
        node: group("Ammatti", &[leaf("AmmattiNimi", "vtj:AmmattiNimiTyyppi")]),
        alt: Alt::None,
        extract: |p, _| {
            Record::new()
                .with("AmmattiNimi", p.occupation.as_ref())
                .into()
        },
        location: false,
        about: "occupation",
    },
    GroupDef {
        id: "Sahkopostiosoite",
        node: leaf("Sahkopostiosoite", "vtj:SahkopostiosoiteTyyppi"),
        alt: Alt::None,
        extract: |p, _| p.email.as_ref().into(),
        location: true,
        about: "e-mail address",
    },
];
