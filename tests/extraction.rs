//! Extraction (`TeeHenkilonPoimintaKysely`) through the SOAP interface with the bundled
//! fixtures: persons of a municipality in a birth-date range, bounded by `Enimmaismaara`
//! and the permit's `extraction_max`, living persons only, gated by the permit flag.

use vtj_emulator::audit::read_all;
use vtj_emulator::config::Settings;
use vtj_emulator::xml::Element;

use crate::util::*;

const OP: &str = "TeeHenkilonPoimintaKysely";

async fn server(extraction: bool) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let text = vtj_emulator::config::DEFAULT_CONFIG
        .replace("extraction = false", &format!("extraction = {extraction}"))
        .replace("# extraction_max = 100", "extraction_max = 3");
    let mut settings = Settings::from_toml(&text, "e.toml", None).unwrap();
    settings.data_dir = dir.path().join("data");
    TestServer::start_with(settings, dir).await
}

async fn extract(s: &TestServer, inner: &str) -> Element {
    let haku = format!(
        r#"<HenkilonPoimintaHaku xmlns="http://xml.vrk.fi/schema/vtjkysely">{inner}</HenkilonPoimintaHaku>"#
    )
    .replace('<', "&lt;")
    .replace('>', "&gt;");
    let body = soso_request(OP, &demo_params("PERUSSANOMA 3", &[("HakuXml", &haku)]));
    vastaus(&s.client().soso(OP, &body).await, OP)
}

fn hetus(doc: &Element) -> Vec<String> {
    doc.children
        .iter()
        .filter(|c| c.name == "Henkilo")
        .map(|h| h.child(VTJ_NS, "Henkilotunnus").unwrap().text.clone())
        .collect()
}

#[tokio::test]
async fn extraction_answers_the_persons_of_a_municipality_within_its_bounds() {
    let s = server(true).await;
    let range = "<Kuntanumero>905</Kuntanumero><SyntymaaikaAlku>20150101</SyntymaaikaAlku><SyntymaaikaLoppu>20221231</SyntymaaikaLoppu>";
    let doc = extract(&s, range).await;
    assert_eq!(return_code(&doc).0, "0000");
    assert_eq!(hetus(&doc), ["150615B942S", "311222D9245"]);
    let rec = read_all(&s.app.audit).unwrap().pop().unwrap();
    assert_eq!(rec.return_code, "0000");
    assert!(!rec.groups.is_empty());
    // Every extracted person is a subject of the record: a subject report lists it.
    assert_eq!(rec.disclosed, ["150615B942S", "311222D9245"]);
    let trees = s.app.audit.store();
    for hetu in &rec.disclosed {
        let filter = vtj_emulator::audit::Filter {
            subject: Some(hetu.clone()),
            ..Default::default()
        };
        let found = vtj_emulator::audit::search::search(&*trees, &filter).unwrap();
        assert_eq!(found, std::slice::from_ref(&rec), "{hetu}");
    }

    // More matches than the permit's cap (3): nothing is disclosed.
    let doc = extract(
        &s,
        "<Kuntanumero>905</Kuntanumero><SyntymaaikaAlku>20120101</SyntymaaikaAlku>",
    )
    .await;
    let (code, text) = return_code(&doc);
    assert_eq!(code, "0005");
    assert!(text.contains('3'), "{text}");
    assert!(hetus(&doc).is_empty());
    // Enimmaismaara bounds below the cap.
    let doc = extract(&s, &format!("{range}<Enimmaismaara>1</Enimmaismaara>")).await;
    assert_eq!(return_code(&doc).0, "0005");
    assert!(hetus(&doc).is_empty());
    // Deceased persons are not extracted: 837 has a living and a deceased person.
    let doc = extract(&s, "<Kuntanumero>837</Kuntanumero>").await;
    assert_eq!(hetus(&doc), ["101295V962N"]);
    let doc = extract(&s, "<Kuntanumero>999</Kuntanumero>").await;
    assert_eq!(return_code(&doc).0, "0001");
    s.stop().await;
}

#[tokio::test]
async fn extraction_needs_its_permit_flag() {
    let s = server(false).await;
    let doc = extract(&s, "<Kuntanumero>905</Kuntanumero>").await;
    assert_eq!(return_code(&doc).0, "0019");
    assert!(hetus(&doc).is_empty());
    let rec = read_all(&s.app.audit).unwrap().pop().unwrap();
    assert_eq!(rec.operation, OP);
    assert_eq!(rec.return_code, "0019");
    s.stop().await;
}
