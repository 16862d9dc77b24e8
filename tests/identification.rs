//! The identification searches through the SOAP interfaces, with the bundled fixtures and
//! tests/data/identification.toml: one match answers the person, none 0001, several 0005
//! with hakuperustePaluukoodi 3, a missing criterion 0005 with its text; the permit flag
//! gates them (0019, audited).

use vtj_emulator::audit::read_all;
use vtj_emulator::config::{FixtureSource, Settings};
use vtj_emulator::xml::Element;

use crate::util::*;

const OP: &str = "TeeHenkilonTunnistusKysely";

/// A server whose demo organisation may (or may not) run identification searches.
pub async fn server(identification: bool) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let text = vtj_emulator::config::DEFAULT_CONFIG.replace(
        "identification = false",
        &format!("identification = {identification}"),
    );
    let mut settings = Settings::from_toml(&text, "i.toml", None).unwrap();
    settings.data_dir = dir.path().join("data");
    settings.fixtures = FixtureSource::Files(vec![
        repo().join("fixtures/persons.toml"),
        repo().join("tests/data/identification.toml"),
    ]);
    TestServer::start_with(settings, dir).await
}

/// `HakuXml` of a person search, escaped for the request.
pub fn haku(root: &str, inner: &str) -> String {
    format!(r#"<{root} xmlns="http://xml.vrk.fi/schema/vtjkysely">{inner}</{root}>"#)
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn person_haku(surname: &str, first: &str, birth: &str, kunta: Option<&str>) -> String {
    let mut inner = format!(
        "<Sukunimi>{surname}</Sukunimi><Etunimet>{first}</Etunimet><Syntymaaika>{birth}</Syntymaaika>"
    );
    if let Some(k) = kunta {
        inner.push_str(&format!("<Kuntanumero>{k}</Kuntanumero>"));
    }
    haku("HenkilonTunnistusHaku", &inner)
}

async fn ask(server: &TestServer, haku: &str) -> Element {
    let body = soso_request(OP, &demo_params("PERUSSANOMA 3", &[("HakuXml", haku)]));
    vastaus(&server.client().soso(OP, &body).await, OP)
}

fn hetu_of(doc: &Element) -> Option<String> {
    let h = doc.child(VTJ_NS, "Henkilo")?;
    Some(h.child(VTJ_NS, "Henkilotunnus")?.text.clone())
}

/// (element, hakuperustePaluukoodi, value) of each echoed criterion.
fn echoed(doc: &Element) -> Vec<(String, String, String)> {
    doc.child(VTJ_NS, "Hakuperusteet")
        .unwrap()
        .children
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                c.attr(None, "hakuperustePaluukoodi")
                    .unwrap_or("")
                    .to_string(),
                c.text.clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_person_is_identified_by_name_and_birth_date() {
    let s = server(true).await;
    // One match: the product's document for that person, criteria echoed as found.
    let doc = ask(&s, &person_haku("JÄPPINEN", "albert", "20010502", None)).await;
    assert_eq!(return_code(&doc).0, "0000");
    assert_eq!(hetu_of(&doc).as_deref(), Some("020501A999T"));
    assert_eq!(
        echoed(&doc),
        [
            ("Sukunimi".into(), "1".into(), "JÄPPINEN".into()),
            ("Etunimet".into(), "1".into(), "albert".into()),
            ("Syntymaaika".into(), "1".into(), "20010502".into()),
        ]
    );
    // Swedish letters and hyphenated names: case and spacing around hyphens do not matter,
    // but å is not a.
    let doc = ask(
        &s,
        &person_haku("åström - LINDQVIST", "ANNA-liisa", "19910707", None),
    )
    .await;
    assert_eq!(hetu_of(&doc).as_deref(), Some("070791-983B"));
    let doc = ask(
        &s,
        &person_haku("Astrom-Lindqvist", "Anna-Liisa", "19910707", None),
    )
    .await;
    assert_eq!(return_code(&doc).0, "0001");
    assert!(doc.child(VTJ_NS, "Henkilo").is_none());
    assert!(echoed(&doc).iter().all(|(_, code, _)| code == "0"));
    // First names from the first one, in order.
    let doc = ask(&s, &person_haku("Jäppinen", "Kristian", "20010502", None)).await;
    assert_eq!(return_code(&doc).0, "0001");
    // Wrong birth date: none.
    let doc = ask(&s, &person_haku("Jäppinen", "Albert", "20010503", None)).await;
    assert_eq!(return_code(&doc).0, "0001");
    s.stop().await;
}

#[tokio::test]
async fn several_matches_give_0005_and_the_municipality_or_names_narrow_them() {
    let s = server(true).await;
    let doc = ask(&s, &person_haku("Virtanen", "Matti", "19850315", None)).await;
    assert_eq!(
        return_code(&doc),
        (
            "0005".into(),
            "Löytyi useampi kuin 1. / Hittades flera än 1.".into()
        )
    );
    assert!(doc.child(VTJ_NS, "Henkilo").is_none());
    let crit = echoed(&doc);
    assert_eq!(crit.len(), 3);
    assert!(crit.iter().all(|(_, code, _)| code == "3"), "{crit:?}");
    let doc = ask(
        &s,
        &person_haku("Virtanen", "Matti", "19850315", Some("837")),
    )
    .await;
    assert_eq!(hetu_of(&doc).as_deref(), Some("150385-9622"));
    assert_eq!(
        echoed(&doc)[3],
        ("Kuntanumero".into(), "1".into(), "837".into())
    );
    let doc = ask(
        &s,
        &person_haku("virtanen", "matti juhani", "19850315", None),
    )
    .await;
    assert_eq!(hetu_of(&doc).as_deref(), Some("150385-951P"));
    let doc = ask(
        &s,
        &person_haku("Virtanen", "Matti", "19850315", Some("905")),
    )
    .await;
    assert_eq!(return_code(&doc).0, "0001");
    s.stop().await;
}

#[tokio::test]
async fn missing_criteria_give_0005_with_the_catalogue_text() {
    let s = server(true).await;
    let doc = ask(
        &s,
        &haku(
            "HenkilonTunnistusHaku",
            "<Sukunimi>Jäppinen</Sukunimi><Syntymaaika>20010502</Syntymaaika>",
        ),
    )
    .await;
    assert_eq!(
        return_code(&doc),
        (
            "0005".into(),
            "Etunimet on pakollinen annettava / Fornamn ar obligatoriskt".into()
        )
    );
    assert!(doc.child(VTJ_NS, "Henkilo").is_none());
    let body = soso_request(OP, &demo_params("PERUSSANOMA 3", &[]));
    let doc = vastaus(&s.client().soso(OP, &body).await, OP);
    assert_eq!(return_code(&doc).0, "0005");
    s.stop().await;
}

/// The person an identification search disclosed is a subject of its audit record: the
/// subject report of that person lists the search. Searches that disclosed nobody do not
/// name anybody.
#[tokio::test]
async fn a_disclosed_person_finds_the_identification_in_the_audit_trail() {
    let s = server(true).await;
    let found = ask(&s, &person_haku("JÄPPINEN", "albert", "20010502", None)).await;
    assert_eq!(return_code(&found).0, "0000");
    let none = ask(&s, &person_haku("Jäppinen", "Eemeli", "20010502", None)).await;
    assert_eq!(return_code(&none).0, "0001");
    let records = read_all(&s.app.audit).unwrap();
    let searches: Vec<_> = records.iter().filter(|r| r.operation == OP).collect();
    assert_eq!(searches.len(), 2);
    assert_eq!(searches[0].disclosed, ["020501A999T"]);
    assert!(searches[1].disclosed.is_empty());
    let trees = s.app.audit.store();
    let filter = vtj_emulator::audit::Filter {
        subject: Some("020501A999T".into()),
        ..Default::default()
    };
    let about = vtj_emulator::audit::search::search(&*trees, &filter).unwrap();
    assert_eq!(about, [searches[0].clone()]);
    let report = vtj_emulator::audit::format::subject_report("020501A999T", &about);
    assert!(report.contains("TeeHenkilonTunnistusKysely"), "{report}");
    s.stop().await;
}

/// An index entry the store cannot read answers -1800 with no person data, audited, and the
/// server goes on answering.
#[tokio::test]
async fn an_unreadable_index_entry_answers_1800_and_discloses_nothing() {
    let s = server(true).await;
    let birth = jiff::civil::date(2001, 5, 2);
    let key = vtj_emulator::registry::name_index::key("jäppinen", birth, "albert");
    s.app
        .registry
        .raw_insert("names", &key, b"\x00\x05alb")
        .unwrap()
        .expect("Albert is filed under this key");
    let doc = ask(&s, &person_haku("Jäppinen", "Albert", "20010502", None)).await;
    assert_eq!(return_code(&doc).0, "-1800");
    assert!(doc.child(VTJ_NS, "Henkilo").is_none());
    let rec = read_all(&s.app.audit).unwrap().pop().unwrap();
    assert_eq!(
        (rec.operation.as_str(), rec.return_code.as_str()),
        (OP, "-1800")
    );
    assert!(rec.groups.is_empty() && rec.disclosed.is_empty());
    // Other keys still answer.
    let doc = ask(&s, &person_haku("Jäppinen", "Eemeli", "20010502", None)).await;
    assert_eq!(return_code(&doc).0, "0001");
    s.stop().await;
}

#[tokio::test]
async fn without_the_permit_flag_the_search_is_refused_and_audited() {
    let s = server(false).await;
    let doc = ask(&s, &person_haku("Jäppinen", "Albert", "20010502", None)).await;
    assert_eq!(return_code(&doc).0, "0019");
    assert!(doc.child(VTJ_NS, "Henkilo").is_none());
    let rec = read_all(&s.app.audit).unwrap().pop().unwrap();
    assert_eq!(rec.operation, OP);
    assert_eq!(rec.return_code, "0019");
    assert!(rec.refused_because.unwrap().contains("permit"));
    s.stop().await;
}

#[tokio::test]
async fn identification_over_xroad_answers_the_person_and_is_audited() {
    let s = server(true).await;
    let op = "HenkilonTunnistusKysely";
    let haku = person_haku("Jäppinen", "Albert Kristian", "20010502", Some("905"));
    let body = xroad_request(
        op,
        &xroad_headers(op, "m"),
        &demo_params("PERUSSANOMA 3", &[("HakuXml", &haku)]),
    );
    let reply = s.client().xroad(&body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let env = reply.xml();
    let doc = env.children[1]
        .child(VTJ_WS_NS, &format!("{op}Response"))
        .and_then(|r| r.child(VTJ_WS_NS, "response"))
        .and_then(|r| r.child(VTJ_NS, "VTJHenkiloVastaussanoma"))
        .unwrap_or_else(|| panic!("{}", reply.body))
        .clone();
    assert_eq!(return_code(&doc).0, "0000");
    assert_eq!(hetu_of(&doc).as_deref(), Some("020501A999T"));
    let rec = read_all(&s.app.audit).unwrap().pop().unwrap();
    assert_eq!(rec.operation, "TeeHenkilonTunnistusKysely");
    assert_eq!(rec.return_code, "0000");
    assert!(!rec.groups.is_empty());
    s.stop().await;
}

/// The VTJ document's own text, cut from the SOAP reply.
fn raw_document(body: &str) -> String {
    let root = "VTJHenkiloVastaussanoma";
    let start = body.find(&format!("<{root}")).expect("document");
    let end = body.find(&format!("</{root}>")).expect("document end") + root.len() + 3;
    body[start..end].to_string()
}

#[tokio::test]
async fn identification_and_extraction_answers_follow_the_products_schema() {
    use vtj_emulator::products::schema;
    let dir = tempfile::tempdir().unwrap();
    let text = vtj_emulator::config::DEFAULT_CONFIG
        .replace("identification = false", "identification = true")
        .replace("extraction = false", "extraction = true");
    let mut settings = Settings::from_toml(&text, "i.toml", None).unwrap();
    settings.data_dir = dir.path().join("data");
    let product = settings.products.get("PERUSSANOMA 3").unwrap();
    let s = TestServer::start_with(settings, tempfile::tempdir().unwrap()).await;
    std::fs::write(dir.path().join(schema::CATALOGUE_FILE), schema::CATALOGUE).unwrap();
    let xsd = dir.path().join(schema::file_name(&product));
    std::fs::write(&xsd, schema::product_schema(&product)).unwrap();
    let extraction = haku(
        "HenkilonPoimintaHaku",
        "<Kuntanumero>905</Kuntanumero><SyntymaaikaAlku>20150101</SyntymaaikaAlku><Enimmaismaara>10</Enimmaismaara>",
    );
    let cases = [
        (
            OP,
            person_haku("Jäppinen", "Albert", "20010502", Some("905")),
        ),
        (OP, person_haku("Jäppinen", "Albert", "20010503", None)),
        ("TeeHenkilonPoimintaKysely", extraction),
    ];
    let mut files = Vec::new();
    for (i, (op, h)) in cases.iter().enumerate() {
        let body = soso_request(op, &demo_params("PERUSSANOMA 3", &[("HakuXml", h)]));
        let reply = s.client().soso(op, &body).await;
        let path = dir.path().join(format!("doc{i}.xml"));
        std::fs::write(&path, raw_document(&reply.body)).unwrap();
        files.push(path);
    }
    xmllint(&xsd, &files).unwrap_or_else(|e| panic!("{e}"));
    // The extraction answer carried several persons.
    let doc = std::fs::read_to_string(&files[2]).unwrap();
    assert!(doc.matches("<Henkilo>").count() >= 2, "{doc}");
    s.stop().await;
}
