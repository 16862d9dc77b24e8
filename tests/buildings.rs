//! Building and property lookups (`TeeRakennusTunnusKysely`, `TeeKiinteistoTunnusKysely`)
//! with the building products and the bundled fixtures: the documents of docs/buildings.md,
//! the products' levels of detail and the `residents` permit flag.

use vtj_emulator::audit::read_all;
use vtj_emulator::config::Settings;
use vtj_emulator::xml::Element;

use crate::util::*;

const BUILDING: &str = "TeeRakennusTunnusKysely";
const PROPERTY: &str = "TeeKiinteistoTunnusKysely";

async fn server(residents: bool) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let text = vtj_emulator::config::DEFAULT_CONFIG
        .replace(
            "products = [\"PERUSSANOMA 3\"]",
            "products = [\"PERUSSANOMA 3\", \"RAKENNUS1\", \"rakennus2 huoneistot\", \"RAKENNUS3 ASUKKAAT\"]",
        )
        .replace("residents = false", &format!("residents = {residents}"));
    let mut settings = Settings::from_toml(&text, "b.toml", None).unwrap();
    settings.data_dir = dir.path().join("data");
    TestServer::start_with(settings, dir).await
}

/// The VTJ document of a reply (any root).
fn document(reply: &Reply, op: &str, root: &str) -> Element {
    assert_eq!(reply.status, 200, "{}", reply.body);
    let env = reply.xml();
    env.children[0]
        .child("http://tempuri.org/", &format!("{op}Response"))
        .and_then(|r| r.child("http://tempuri.org/", &format!("{op}Result")))
        .and_then(|r| r.child(VTJ_NS, root))
        .unwrap_or_else(|| panic!("no {root}: {}", reply.body))
        .clone()
}

async fn building(s: &TestServer, product: &str, key: (&str, &str)) -> Element {
    let body = soso_request(BUILDING, &demo_params(product, &[key]));
    document(
        &s.client().soso(BUILDING, &body).await,
        BUILDING,
        "VTJRakennusVastaussanoma",
    )
}

fn text(e: &Element, name: &str) -> String {
    e.child(VTJ_NS, name)
        .unwrap_or_else(|| panic!("no {name}"))
        .text
        .clone()
}

fn all<'a>(e: &'a Element, name: &str) -> Vec<&'a Element> {
    e.children.iter().filter(|c| c.name == name).collect()
}

#[tokio::test]
async fn a_building_is_answered_at_the_products_level_of_detail() {
    let s = server(true).await;
    let doc = building(&s, "RAKENNUS1", ("Rakennustunnus", "9000000987")).await;
    assert_eq!(return_code(&doc).0, "0000");
    assert_eq!(doc.attr(None, "sanomatunnus"), Some("RAKENNUS1"));
    let crit = doc.child(VTJ_NS, "Hakuperusteet").unwrap();
    let echo = crit.child(VTJ_NS, "Rakennustunnus").unwrap();
    assert_eq!(echo.attr(None, "hakuperustePaluukoodi"), Some("1"));
    let b = doc.child(VTJ_NS, "Rakennus").unwrap();
    assert_eq!(text(b, "Rakennustunnus"), "9000000987");
    assert_eq!(text(b, "Kiinteistotunnus"), "905-001-0012-0003");
    assert_eq!(
        text(b.child(VTJ_NS, "Osoite").unwrap(), "KatunimiS"),
        "Kauppa Puistikko"
    );
    assert_eq!(text(b, "Valmistumispaiva"), "19620101");
    assert!(
        all(b, "Huoneisto").is_empty(),
        "the basic product lists no dwellings"
    );

    let doc = building(&s, "RAKENNUS2 HUONEISTOT", ("Rakennustunnus", "9000000987")).await;
    let b = doc.child(VTJ_NS, "Rakennus").unwrap();
    let dwellings = all(b, "Huoneisto");
    assert_eq!(dwellings.len(), 3);
    assert_eq!(text(dwellings[0], "Huoneistotunnus"), "90000009871A001");
    assert_eq!(text(dwellings[0], "HuonelkmKeittiotyyppi"), "5H+K");
    assert_eq!(text(dwellings[0], "AsukasLkm"), "7");
    assert!(all(dwellings[0], "Asukas").is_empty());

    let doc = building(&s, "RAKENNUS3 ASUKKAAT", ("Rakennustunnus", "9000000987")).await;
    let b = doc.child(VTJ_NS, "Rakennus").unwrap();
    let first = all(b, "Huoneisto")[0];
    let residents: Vec<String> = all(first, "Asukas")
        .iter()
        .map(|a| text(a, "Henkilotunnus"))
        .collect();
    assert_eq!(residents.len(), 7);
    assert!(residents.contains(&"170984-977D".to_string()));

    // By the old building identifier, and one dwelling by its identifier.
    let doc = building(
        &s,
        "RAKENNUS1",
        ("Rakennustunnus", "905-001-0012-0003-A-001"),
    )
    .await;
    assert_eq!(
        text(doc.child(VTJ_NS, "Rakennus").unwrap(), "Rakennustunnus"),
        "9000000987"
    );
    let doc = building(&s, "RAKENNUS1", ("Huoneistotunnus", "90000009871B023")).await;
    let b = doc.child(VTJ_NS, "Rakennus").unwrap();
    let d = all(b, "Huoneisto");
    assert_eq!(d.len(), 1);
    assert_eq!(text(d[0], "Porras"), "B");
    assert_eq!(text(d[0], "Huoneistonumero"), "23");
    s.stop().await;
}

#[tokio::test]
async fn unknown_and_malformed_building_identifiers_have_their_codes() {
    let s = server(true).await;
    let doc = building(&s, "RAKENNUS1", ("Rakennustunnus", "100012345N")).await;
    assert_eq!(return_code(&doc).0, "0001");
    assert!(doc.child(VTJ_NS, "Rakennus").is_none());
    let doc = building(&s, "RAKENNUS1", ("Rakennustunnus", "9000000988")).await;
    assert_eq!(return_code(&doc).0, "0006");
    let body = soso_request(BUILDING, &demo_params("RAKENNUS1", &[]));
    let doc = document(
        &s.client().soso(BUILDING, &body).await,
        BUILDING,
        "VTJRakennusVastaussanoma",
    );
    assert_eq!(return_code(&doc).0, "0005");
    // A person product does not answer building queries.
    let doc = building(&s, "PERUSSANOMA 3", ("Rakennustunnus", "9000000987")).await;
    assert_eq!(return_code(&doc).0, "-1900");
    s.stop().await;
}

#[tokio::test]
async fn residents_codes_need_the_permit_flag() {
    let s = server(false).await;
    let doc = building(&s, "RAKENNUS3 ASUKKAAT", ("Rakennustunnus", "9000000987")).await;
    assert_eq!(return_code(&doc).0, "0019");
    assert!(doc.child(VTJ_NS, "Rakennus").is_none());
    let rec = read_all(&s.app.audit).unwrap().pop().unwrap();
    assert!(rec.refused_because.unwrap().contains("residents"));
    let doc = building(&s, "RAKENNUS2 HUONEISTOT", ("Rakennustunnus", "9000000987")).await;
    assert_eq!(return_code(&doc).0, "0000");
    s.stop().await;
}

#[tokio::test]
async fn a_property_is_answered_with_its_buildings() {
    let s = server(true).await;
    let body = soso_request(
        PROPERTY,
        &demo_params(
            "RAKENNUS2 HUONEISTOT",
            &[("Kiinteistotunnus", "905-1-12-3")],
        ),
    );
    let doc = document(
        &s.client().soso(PROPERTY, &body).await,
        PROPERTY,
        "VTJKiinteistoVastaussanoma",
    );
    assert_eq!(return_code(&doc).0, "0000", "{doc:?}");
    let k = doc.child(VTJ_NS, "Kiinteisto").unwrap();
    assert_eq!(text(k, "Kiinteistotunnus"), "905-001-0012-0003");
    assert_eq!(text(k, "KiinteistoyksikonNimi"), "Kauppapuistikko 6");
    let buildings = all(k, "Rakennus");
    assert_eq!(buildings.len(), 1);
    assert_eq!(all(buildings[0], "Huoneisto").len(), 3);
    let body = soso_request(
        PROPERTY,
        &demo_params("RAKENNUS1", &[("Kiinteistotunnus", "91-402-3-14")]),
    );
    let doc = document(
        &s.client().soso(PROPERTY, &body).await,
        PROPERTY,
        "VTJKiinteistoVastaussanoma",
    );
    assert_eq!(return_code(&doc).0, "0001");
    let rec = read_all(&s.app.audit).unwrap().pop().unwrap();
    assert_eq!(
        rec.search_key,
        Some(("Kiinteistotunnus".into(), "91-402-3-14".into()))
    );
    s.stop().await;
}

/// The VTJ document's own text, cut from the SOAP reply.
fn raw_document(body: &str, root: &str) -> String {
    let start = body.find(&format!("<{root}")).expect("document");
    let end = body.find(&format!("</{root}>")).expect("document end") + root.len() + 3;
    body[start..end].to_string()
}

#[tokio::test]
async fn building_and_property_documents_follow_their_schema() {
    let s = server(true).await;
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let cases = [
        (
            BUILDING,
            "RAKENNUS3 ASUKKAAT",
            ("Rakennustunnus", "9000000987"),
        ),
        (
            BUILDING,
            "RAKENNUS1",
            ("Huoneistotunnus", "90000130991H045"),
        ),
        (BUILDING, "RAKENNUS1", ("Rakennustunnus", "100012345N")),
        (
            PROPERTY,
            "RAKENNUS3 ASUKKAAT",
            ("Kiinteistotunnus", "905-001-0012-0003"),
        ),
        (
            PROPERTY,
            "RAKENNUS1",
            ("Kiinteistotunnus", "905-002-0040-0007"),
        ),
    ];
    for (i, (op, product, key)) in cases.into_iter().enumerate() {
        let root = if op == BUILDING {
            "VTJRakennusVastaussanoma"
        } else {
            "VTJKiinteistoVastaussanoma"
        };
        let body = soso_request(op, &demo_params(product, &[key]));
        let reply = s.client().soso(op, &body).await;
        let path = dir.path().join(format!("doc{i}.xml"));
        std::fs::write(&path, raw_document(&reply.body, root)).unwrap();
        files.push(path);
    }
    xmllint(&repo().join("schemas/vtj-rakennustiedot.xsd"), &files)
        .unwrap_or_else(|e| panic!("{e}"));
    s.stop().await;
}

/// A server whose demo organisation may run identification searches with building products.
async fn identifying_server() -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let text = vtj_emulator::config::DEFAULT_CONFIG
        .replace(
            "products = [\"PERUSSANOMA 3\"]",
            "products = [\"PERUSSANOMA 3\", \"RAKENNUS1\"]",
        )
        .replace("identification = false", "identification = true");
    let mut settings = Settings::from_toml(&text, "b.toml", None).unwrap();
    settings.data_dir = dir.path().join("data");
    settings.fixtures = vtj_emulator::config::FixtureSource::Files(vec![
        repo().join("fixtures/persons.toml"),
        repo().join("tests/data/estate.toml"),
    ]);
    TestServer::start_with(settings, dir).await
}

fn haku(root: &str, inner: &str) -> String {
    format!(r#"<{root} xmlns="http://xml.vrk.fi/schema/vtjkysely">{inner}</{root}>"#)
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[tokio::test]
async fn buildings_are_identified_by_street_address_and_municipality() {
    let s = identifying_server().await;
    let op = "TeeRakennuksenTunnistusKysely";
    let ask = |address: &'static str, kunta: &'static str| {
        let client = s.client();
        async move {
            let h = haku(
                "RakennuksenTunnistusHaku",
                &format!("<Katuosoite>{address}</Katuosoite><Kuntanumero>{kunta}</Kuntanumero>"),
            );
            let body = soso_request(op, &demo_params("RAKENNUS1", &[("HakuXml", &h)]));
            document(
                &client.soso(op, &body).await,
                op,
                "VTJRakennusVastaussanoma",
            )
        }
    };
    let doc = ask("kauppa  PUISTIKKO 6", "905").await;
    assert_eq!(return_code(&doc).0, "0000");
    assert_eq!(
        text(doc.child(VTJ_NS, "Rakennus").unwrap(), "Rakennustunnus"),
        "9000000987"
    );
    // The Swedish street name finds the same building.
    let doc = ask("Kurtensgatan 13", "905").await;
    assert_eq!(
        text(doc.child(VTJ_NS, "Rakennus").unwrap(), "Rakennustunnus"),
        "9000013099"
    );
    let doc = ask("Kauppa Puistikko 6", "091").await;
    assert_eq!(return_code(&doc).0, "0001");
    let doc = ask("Kauppa Puistikko 7", "905").await;
    assert_eq!(return_code(&doc).0, "0001");
    // A street without a number reads the whole street: two buildings, 0005 and code 3.
    let doc = ask("testikatu", "905").await;
    assert_eq!(
        return_code(&doc),
        (
            "0005".into(),
            "Löytyi useampi kuin 1. / Hittades flera än 1.".into()
        )
    );
    assert!(doc.child(VTJ_NS, "Rakennus").is_none());
    let crit = doc.child(VTJ_NS, "Hakuperusteet").unwrap();
    assert!(
        crit.children
            .iter()
            .all(|c| c.attr(None, "hakuperustePaluukoodi") == Some("3"))
    );
    let doc = ask("Testikatu 3", "905").await;
    assert_eq!(
        text(doc.child(VTJ_NS, "Rakennus").unwrap(), "Rakennustunnus"),
        "900000102B"
    );
    // The identified building is the record's subject; the ambiguous search named none.
    let records = read_all(&s.app.audit).unwrap();
    let disclosed: Vec<&[String]> = records.iter().map(|r| &r.disclosed[..]).collect();
    let want: [&[String]; 6] = [
        &["9000000987".into()],
        &["9000013099".into()],
        &[],
        &[],
        &[],
        &["900000102B".into()],
    ];
    assert_eq!(disclosed, want);
    s.stop().await;
}

#[tokio::test]
async fn properties_are_identified_by_name_and_municipality() {
    let s = identifying_server().await;
    let op = "TeeKiinteistonTunnistusKysely";
    let h = haku(
        "KiinteistonTunnistusHaku",
        "<KiinteistoyksikonNimi>KAUPPAPUISTIKKO 6</KiinteistoyksikonNimi><Kuntanumero>905</Kuntanumero>",
    );
    let body = soso_request(op, &demo_params("RAKENNUS1", &[("HakuXml", &h)]));
    let doc = document(
        &s.client().soso(op, &body).await,
        op,
        "VTJKiinteistoVastaussanoma",
    );
    assert_eq!(return_code(&doc).0, "0000");
    let k = doc.child(VTJ_NS, "Kiinteisto").unwrap();
    assert_eq!(text(k, "Kiinteistotunnus"), "905-001-0012-0003");
    assert_eq!(all(k, "Rakennus").len(), 1);
    let rec = read_all(&s.app.audit).unwrap().pop().unwrap();
    assert_eq!(rec.disclosed, ["905-001-0012-0003"]);
    let h = haku(
        "KiinteistonTunnistusHaku",
        "<KiinteistoyksikonNimi>koivula</KiinteistoyksikonNimi><Kuntanumero>905</Kuntanumero>",
    );
    let body = soso_request(op, &demo_params("RAKENNUS1", &[("HakuXml", &h)]));
    let doc = document(
        &s.client().soso(op, &body).await,
        op,
        "VTJKiinteistoVastaussanoma",
    );
    assert_eq!(return_code(&doc).0, "0005");
    assert!(doc.child(VTJ_NS, "Kiinteisto").is_none());
    let h = haku(
        "KiinteistonTunnistusHaku",
        "<KiinteistoyksikonNimi>Kauppapuistikko 6</KiinteistoyksikonNimi>",
    );
    let body = soso_request(op, &demo_params("RAKENNUS1", &[("HakuXml", &h)]));
    let doc = document(
        &s.client().soso(op, &body).await,
        op,
        "VTJKiinteistoVastaussanoma",
    );
    assert_eq!(
        return_code(&doc),
        (
            "0005".into(),
            "Pakollinen hakuehto puuttuu. / Obligatoriskt sokkriteriet fattas.".into()
        )
    );
    s.stop().await;
}

#[tokio::test]
async fn administrators_define_building_products_in_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let text = vtj_emulator::config::DEFAULT_CONFIG.replace(
        "products = [\"PERUSSANOMA 3\"]",
        "products = [\"PERUSSANOMA 3\", \"Kunnan rakennukset\"]",
    ) + "\n[[building_product]]\nname = \"Kunnan rakennukset\"\ndwellings = true\n";
    let mut settings = Settings::from_toml(&text, "b.toml", None).unwrap();
    settings.data_dir = dir.path().join("data");
    let s = TestServer::start_with(settings, dir).await;
    let doc = building(&s, "KUNNAN RAKENNUKSET", ("Rakennustunnus", "9000013099")).await;
    assert_eq!(return_code(&doc).0, "0000");
    assert_eq!(doc.attr(None, "sanomatunnus"), Some("KUNNAN RAKENNUKSET"));
    let b = doc.child(VTJ_NS, "Rakennus").unwrap();
    assert_eq!(all(b, "Huoneisto").len(), 1);
    s.stop().await;
    // A name that is a person product's is refused with the file's name.
    let clash = vtj_emulator::config::DEFAULT_CONFIG.to_string()
        + "\n[[building_product]]\nname = \"perussanoma 3\"\n";
    let err = Settings::from_toml(&clash, "b.toml", None).err().unwrap();
    assert!(err.to_string().contains("b.toml"), "{err}");
    assert!(err.to_string().contains("another product"), "{err}");
}
