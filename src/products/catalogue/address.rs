//! Address and location groups: permanent and temporary, domestic and foreign addresses
//! in both shapes (combined `…Lahiosoite` strings, structured `…Osoite` parts), postal
//! addresses, the dwelling and the home municipality. All are withheld under turvakielto.

use crate::registry::codes;
use crate::registry::model::{DomesticAddress, ForeignAddress, Person};
use crate::xml::push_decimal;

use super::super::template::{Node, Record, date, group, leaf, many};
use super::{Alt, GroupDef};

const PARAS: Node = leaf("ParasOsoiteTieto", "vtj:ParasOsoiteTietoTyyppi");
const ALKU: Node = leaf("AsuminenAlkupvm", "vtj:PaivamaaraTyyppi");
const LOPPU: Node = leaf("AsuminenLoppupvm", "vtj:PaivamaaraTyyppi");

const DOMESTIC_LAHIOSOITE: [Node; 7] = [
    leaf("LahiosoiteS", "vtj:KotimainenLahiosoiteTyyppi"),
    leaf("LahiosoiteR", "vtj:KotimainenLahiosoiteTyyppi"),
    leaf("Postinumero", "vtj:PostinumeroTyyppi"),
    leaf("PostitoimipaikkaS", "vtj:PostitoimipaikkaTyyppi"),
    leaf("PostitoimipaikkaR", "vtj:PostitoimipaikkaTyyppi"),
    ALKU,
    LOPPU,
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
    ALKU,
    LOPPU,
];

/// The structured domestic address without `ParasOsoiteTieto` (a guardian's in OPHREK).
pub(super) const DOMESTIC_OSOITE: [Node; 11] = [
    leaf("KatuS", "vtj:KatuNimiTyyppi"),
    leaf("KatuR", "vtj:KatuNimiTyyppi"),
    leaf("Katunumero", "vtj:KatunumeroTyyppi"),
    leaf("Porraskirjain", "vtj:PorraskirjainTyyppi"),
    leaf("Huoneistonumero", "vtj:HuoneistonumeroTyyppi"),
    leaf("Jakokirjain", "vtj:JakokirjainTyyppi"),
    leaf("Postinumero", "vtj:PostinumeroTyyppi"),
    leaf("PostitoimipaikkaS", "vtj:PostitoimipaikkaTyyppi"),
    leaf("PostitoimipaikkaR", "vtj:PostitoimipaikkaTyyppi"),
    ALKU,
    LOPPU,
];

/// The structured foreign address without `ParasOsoiteTieto`.
pub(super) const FOREIGN_OSOITE: [Node; 8] = [
    leaf("UlkomainenLahiosoite", "vtj:UlkomainenLahiosoiteTyyppi"),
    leaf("UlkomainenPaikkakunta", "vtj:UlkomainenPaikkakuntaTyyppi"),
    leaf("Valtiokoodi3", "vtj:Valtiokoodi3Tyyppi"),
    leaf("ValtioS", "vtj:ValtioNimiTyyppi"),
    leaf("ValtioR", "vtj:ValtioNimiTyyppi"),
    leaf("ValtioSelvakielinen", "vtj:ValtioNimi30Tyyppi"),
    ALKU,
    LOPPU,
];

const D: [Node; 11] = DOMESTIC_OSOITE;
const F: [Node; 8] = FOREIGN_OSOITE;
const DOMESTIC_OSOITE_PARAS: [Node; 12] = [
    PARAS, D[0], D[1], D[2], D[3], D[4], D[5], D[6], D[7], D[8], D[9], D[10],
];
const FOREIGN_OSOITE_PARAS: [Node; 9] = [PARAS, F[0], F[1], F[2], F[3], F[4], F[5], F[6], F[7]];

const KOTIMAINEN_POSTI: [Node; 7] = [
    leaf("PostiosoiteS", "vtj:PostiosoiteTyyppi"),
    leaf("PostiosoiteR", "vtj:PostiosoiteTyyppi"),
    leaf("Postinumero", "vtj:PostinumeroTyyppi"),
    leaf("PostitoimipaikkaS", "vtj:PostitoimipaikkaTyyppi"),
    leaf("PostitoimipaikkaR", "vtj:PostitoimipaikkaTyyppi"),
    leaf("PostiosoiteAlkupvm", "vtj:PaivamaaraTyyppi"),
    leaf("PostiosoiteLoppupvm", "vtj:PaivamaaraTyyppi"),
];
const KP: [Node; 7] = KOTIMAINEN_POSTI;

const ULKOMAINEN_POSTI: [Node; 8] = [
    leaf("UlkomainenLahiosoite", "vtj:UlkomainenLahiosoiteTyyppi"),
    leaf("UlkomainenPaikkakunta", "vtj:UlkomainenPaikkakuntaTyyppi"),
    leaf("Valtiokoodi3", "vtj:Valtiokoodi3Tyyppi"),
    leaf("ValtioS", "vtj:ValtioNimiTyyppi"),
    leaf("ValtioR", "vtj:ValtioNimiTyyppi"),
    leaf("ValtioSelvakielinen", "vtj:ValtioNimi30Tyyppi"),
    leaf("PostiosoiteAlkupvm", "vtj:PaivamaaraTyyppi"),
    leaf("PostiosoiteLoppupvm", "vtj:PaivamaaraTyyppi"),
];
const UP: [Node; 8] = ULKOMAINEN_POSTI;

/// Which of the person's addresses is the best one to write to (`ParasOsoiteTieto`):
/// the first postal address, else the first foreign postal address, else the permanent
/// domestic address, else the permanent foreign one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Best {
    Postal,
    ForeignPostal,
    Permanent,
    PermanentForeign,
    None,
}

fn best(p: &Person) -> Best {
    if !p.postal_addresses.is_empty() {
        Best::Postal
    } else if !p.foreign_postal_addresses.is_empty() {
        Best::ForeignPostal
    } else if p.permanent_address.is_some() {
        Best::Permanent
    } else if p.permanent_foreign_address.is_some() {
        Best::PermanentForeign
    } else {
        Best::None
    }
}

fn flag(b: bool) -> &'static str {
    if b { "1" } else { "" }
}

/// An apartment number as `Huoneistonumero` has it: three digits (`023`).
fn apartment(n: u16) -> String {
    let mut text = String::with_capacity(3);
    push_decimal(&mut text, n.into(), 3);
    text
}

/// A domestic address with both the combined strings and the structured parts.
pub(super) fn domestic(a: &DomesticAddress, best: bool) -> Record<'_> {
    Record::with_capacity(14)
        .with("ParasOsoiteTieto", flag(best))
        .with("LahiosoiteS", a.line_fi())
        .with("LahiosoiteR", a.line_sv())
        .with("KatuS", &a.street_fi)
        .with("KatuR", a.street_sv.as_ref())
        .with("Katunumero", a.number.as_ref())
        .with("Porraskirjain", a.stair.as_ref())
        .with("Huoneistonumero", a.apartment.map(apartment))
        .with("Jakokirjain", a.division.as_ref())
        .with("Postinumero", &a.postal_code)
        .with("PostitoimipaikkaS", &a.post_office_fi)
        .with("PostitoimipaikkaR", a.post_office_sv.as_ref())
        .with("AsuminenAlkupvm", date(a.start))
        .with("AsuminenLoppupvm", date(a.end))
}

/// A foreign address in both shapes.
pub(super) fn foreign(a: &ForeignAddress, best: bool) -> Record<'_> {
    let (fi, sv) = codes::country(&a.country);
    Record::with_capacity(10)
        .with("ParasOsoiteTieto", flag(best))
        .with("UlkomainenLahiosoite", &a.street)
        .with("UlkomainenPaikkakuntaJaValtioS", &a.locality_fi)
        .with("UlkomainenPaikkakuntaJaValtioR", a.locality_sv.as_ref())
        .with("UlkomainenPaikkakunta", &a.locality_fi)
        .with("Valtiokoodi3", &a.country)
        .with("ValtioS", fi)
        .with("ValtioR", sv)
        .with("AsuminenAlkupvm", date(a.start))
        .with("AsuminenLoppupvm", date(a.end))
}

pub(super) static GROUPS: &[GroupDef] = &[
    GroupDef {
        id: "VakinainenKotimainenLahiosoite",
        node: group("VakinainenKotimainenLahiosoite", &DOMESTIC_LAHIOSOITE),
        alt: Alt::Osoite(group("VakinainenKotimainenOsoite", &DOMESTIC_OSOITE_PARAS)),
        extract: |p, _| {
            let b = best(p) == Best::Permanent;
            p.permanent_address
                .iter()
                .map(|a| domestic(a, b))
                .collect::<Vec<_>>()
                .into()
        },
        location: true,
        about: "permanent domestic address",
    },
    GroupDef {
        id: "VakinainenAsuinpaikka",
        node: group(
            "VakinainenAsuinpaikka",
            &[leaf("Asuinpaikantunnus", "vtj:AsuinpaikkatunnusTyyppi")],
        ),
        alt: Alt::None,
        extract: |p, _| {
            let id = p
                .permanent_address
                .as_ref()
                .and_then(|a| a.dwelling.as_ref());
            Record::new()
                .with("Asuinpaikantunnus", id.map(|d| d.text()))
                .into()
        },
        location: true,
        about: "the permanent dwelling's identifier (Asuinpaikantunnus)",
    },
    GroupDef {
        id: "VakinainenUlkomainenLahiosoite",
        node: group("VakinainenUlkomainenLahiosoite", &FOREIGN_LAHIOSOITE),
        alt: Alt::Osoite(group("VakinainenUlkomainenOsoite", &FOREIGN_OSOITE_PARAS)),
        extract: |p, _| {
            let b = best(p) == Best::PermanentForeign;
            p.permanent_foreign_address
                .iter()
                .map(|a| foreign(a, b))
                .collect::<Vec<_>>()
                .into()
        },
        location: true,
        about: "permanent foreign address",
    },
    GroupDef {
        id: "TilapainenKotimainenLahiosoite",
        node: many("TilapainenKotimainenLahiosoite", &DOMESTIC_LAHIOSOITE),
        alt: Alt::Osoite(many("TilapainenKotimainenOsoite", &DOMESTIC_OSOITE_PARAS)),
        extract: |p, _| {
            p.temporary_addresses
                .iter()
                .map(|a| domestic(a, false))
                .collect::<Vec<_>>()
                .into()
        },
        location: true,
        about: "temporary domestic addresses",
    },
    GroupDef {
        id: "TilapainenUlkomainenLahiosoite",
        node: many("TilapainenUlkomainenLahiosoite", &FOREIGN_LAHIOSOITE),
        alt: Alt::Osoite(many("TilapainenUlkomainenOsoite", &FOREIGN_OSOITE_PARAS)),
        extract: |p, _| {
            p.temporary_foreign_addresses
                .iter()
                .map(|a| foreign(a, false))
                .collect::<Vec<_>>()
                .into()
        },
        location: true,
        about: "temporary foreign addresses",
    },
    GroupDef {
        id: "KotimainenPostiosoite",
        node: many("KotimainenPostiosoite", &KOTIMAINEN_POSTI),
        alt: Alt::Osoite(many(
            "KotimainenPostiosoite",
            &[PARAS, KP[0], KP[1], KP[2], KP[3], KP[4], KP[5], KP[6]],
        )),
        extract: |p, _| {
            let b = best(p) == Best::Postal;
            p.postal_addresses
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    Record::new()
                        .with("ParasOsoiteTieto", flag(b && i == 0))
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
        about: "domestic postal addresses",
    },
    GroupDef {
        id: "UlkomainenPostiosoite",
        node: many("UlkomainenPostiosoite", &ULKOMAINEN_POSTI),
        alt: Alt::Osoite(many(
            "UlkomainenPostiosoite",
            &[
                PARAS, UP[0], UP[1], UP[2], UP[3], UP[4], UP[5], UP[6], UP[7],
            ],
        )),
        extract: |p, _| {
            let b = best(p) == Best::ForeignPostal;
            p.foreign_postal_addresses
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let (fi, sv) = codes::country(&a.country);
                    Record::new()
                        .with("ParasOsoiteTieto", flag(b && i == 0))
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
        about: "foreign postal addresses",
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
        alt: Alt::None,
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
        about: "home municipality and since when",
    },
];
