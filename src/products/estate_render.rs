//! Writes the building and property documents (`VTJRakennusVastaussanoma`,
//! `VTJKiinteistoVastaussanoma`), the emulator's design in the house style of
//! `VTJHenkiloVastaussanoma`: the same root attributes, `Asiakasinfo`, `Paluukoodi` and
//! `Hakuperusteet`, then `Rakennus` or `Kiinteisto` when the code carries data. Which
//! dwellings and residents are shown is the caller's decision (the product and permit);
//! this file only writes what it is given. Schema: schemas/vtj-rakennustiedot.xsd;
//! description: docs/buildings.md.

use jiff::Zoned;

use crate::codes::{CriterionCode, ReturnCode};
use crate::ids::Hetu;
use crate::registry::estate::{Building, Dwelling, Property};
use crate::xml::XmlOut;

use super::render::VTJKYSELY_NS;

pub const BUILDING_ROOT: &str = "VTJRakennusVastaussanoma";
pub const PROPERTY_ROOT: &str = "VTJKiinteistoVastaussanoma";

/// A dwelling as the product shows it: residents' codes only when `residents` is `Some`.
pub struct DwellingView {
    pub dwelling: Dwelling,
    pub residents: Option<Vec<Hetu>>,
}

/// A building with the dwellings the product shows (none for the basic product).
pub struct BuildingView {
    pub building: Building,
    pub dwellings: Vec<DwellingView>,
}

/// What the document carries beyond the code.
pub enum Subject {
    Building(BuildingView),
    Property(Property, Vec<BuildingView>),
}

/// One document.
pub struct EstateAnswer<'a> {
    pub root: &'static str,
    pub product_name: &'a str,
    pub code: ReturnCode,
    pub code_text: Option<&'a str>,
    /// (element, value as sent, outcome).
    pub criteria: &'a [(&'static str, String, CriterionCode)],
    pub subject: Option<Subject>,
    pub now: &'a Zoned,
}

pub fn render(a: &EstateAnswer<'_>) -> String {
    let mut out = XmlOut::with_capacity(4096);
    let stamp = a.now.strftime("%Y%m%d%H%M%S").to_string();
    let info = a.now.strftime("%d.%m.%Y %H:%M").to_string();
    out.open(
        a.root,
        &[
            ("xmlns", VTJKYSELY_NS),
            ("sanomatunnus", a.product_name),
            ("tietojenPoimintaaika", &stamp),
            ("versio", "1.0"),
        ],
    );
    out.open("Asiakasinfo", &[])
        .leaf("InfoS", &[], &info)
        .leaf("InfoR", &[], &info)
        .leaf("InfoE", &[], &info)
        .close("Asiakasinfo");
    out.leaf(
        "Paluukoodi",
        &[("koodi", a.code.code())],
        a.code_text.unwrap_or(a.code.text()),
    );
    out.open("Hakuperusteet", &[]);
    for (element, value, code) in a.criteria {
        let (s, r, e) = code.texts();
        out.leaf(
            element,
            &[
                ("hakuperustePaluukoodi", code.code()),
                ("hakuperusteTekstiE", e),
                ("hakuperusteTekstiR", r),
                ("hakuperusteTekstiS", s),
            ],
            value,
        );
    }
    out.close("Hakuperusteet");
    match a.subject.as_ref().filter(|_| a.code.carries_data()) {
        Some(Subject::Building(b)) => building(&mut out, b),
        Some(Subject::Property(p, buildings)) => {
            out.open("Kiinteisto", &[]);
            out.leaf("Kiinteistotunnus", &[], &p.id.to_string());
            if let Some(n) = &p.name {
                out.leaf("KiinteistoyksikonNimi", &[], n);
            }
            out.leaf("Kuntanumero", &[], &p.municipality);
            for b in buildings {
                building(&mut out, b);
            }
            out.close("Kiinteisto");
        }
        None => {}
    }
    out.close(a.root);
    out.into_string()
}

fn building(out: &mut XmlOut, v: &BuildingView) {
    let b = &v.building;
    out.open("Rakennus", &[]);
    out.leaf("Rakennustunnus", &[], b.prt.as_str());
    if let Some(old) = &b.old_id {
        out.leaf("VanhaRakennustunnus", &[], old);
    }
    out.leaf("Kiinteistotunnus", &[], &b.property.to_string());
    out.leaf("Kuntanumero", &[], &b.municipality);
    let a = &b.address;
    out.open("Osoite", &[]);
    out.leaf("KatunimiS", &[], &a.street_fi);
    if let Some(sv) = &a.street_sv {
        out.leaf("KatunimiR", &[], sv);
    }
    out.leaf("Katunumero", &[], &a.number);
    out.leaf("Postinumero", &[], &a.postal_code);
    out.leaf("PostitoimipaikkaS", &[], &a.post_office_fi);
    if let Some(sv) = &a.post_office_sv {
        out.leaf("PostitoimipaikkaR", &[], sv);
    }
    out.close("Osoite");
    out.leaf("Kayttotarkoitus", &[], &b.use_code);
    out.leaf("Rakennusluokka", &[], &b.class_code);
    if let Some(d) = b.completed {
        out.leaf("Valmistumispaiva", &[], &d.strftime("%Y%m%d").to_string());
    }
    for d in &v.dwellings {
        dwelling(out, d);
    }
    out.close("Rakennus");
}

fn dwelling(out: &mut XmlOut, v: &DwellingView) {
    let d = &v.dwelling;
    out.open("Huoneisto", &[]);
    out.leaf("Huoneistotunnus", &[], d.id.to_string().trim_end());
    if let Some(s) = d.stair() {
        out.leaf("Porras", &[], &s.to_string());
    }
    if let Some(n) = d.number() {
        out.leaf("Huoneistonumero", &[], &n.to_string());
    }
    if let Some(j) = d.division() {
        out.leaf("Jakokirjain", &[], &j.to_string());
    }
    out.leaf("HuonelkmKeittiotyyppi", &[], &d.rooms_and_kitchen());
    out.leaf("Pintaala", &[], &d.floor_area.to_string());
    out.leaf("AsukasLkm", &[], &d.residents.len().to_string());
    if let Some(hetus) = &v.residents {
        for h in hetus {
            out.open("Asukas", &[]);
            out.leaf("Henkilotunnus", &[], h.as_str());
            out.close("Asukas");
        }
    }
    out.close("Huoneisto");
}
