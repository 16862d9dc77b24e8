//! Products: every built-in product's response validates against its generated schema with
//! a real XSD validator (xmllint), for a person with every group filled and for one with
//! none; only the product's groups appear, in its order; administrator-defined products;
//! schemas served over HTTP, by `HaeTuotteenSkeema` and by the command line.

use std::path::{Path, PathBuf};
use std::process::Command;

use jiff::Zoned;
use vtj_emulator::codes::{CriterionCode, ReturnCode};
use vtj_emulator::config::Settings;
use vtj_emulator::products::render::{self, Answer, CriterionEcho, PersonView};
use vtj_emulator::products::{Product, Products, Related, schema};
use vtj_emulator::registry::model::Person;
use vtj_emulator::xml::{self, Element};

use crate::products_person;
pub use crate::util::xmllint;
use crate::util::{self, TestServer, VTJ_NS};

/// Writes the product's schema beside the catalogue it imports; returns its path.
pub fn write_schema(dir: &Path, p: &Product) -> PathBuf {
    std::fs::write(dir.join(schema::CATALOGUE_FILE), schema::CATALOGUE).unwrap();
    let path = dir.join(schema::file_name(p));
    std::fs::write(&path, schema::product_schema(p)).unwrap();
    path
}

/// The `VTJHenkiloVastaussanoma` element of a reply, cut out as it was written (the emulator
/// declares its namespaces on it).
pub fn vastaussanoma(envelope: &str) -> &str {
    const END: &str = "</VTJHenkiloVastaussanoma>";
    let start = envelope
        .find("<VTJHenkiloVastaussanoma")
        .expect("a VTJHenkiloVastaussanoma");
    let end = envelope.find(END).expect("its end tag") + END.len();
    &envelope[start..end]
}

fn echo(value: &str, code: CriterionCode, p: &Product) -> Vec<CriterionEcho> {
    p.criteria
        .iter()
        .enumerate()
        .map(|(i, c)| CriterionEcho {
            criterion: *c,
            value: if i == 0 { value.into() } else { String::new() },
            code: if i == 0 { code } else { CriterionCode::NotUsed },
        })
        .collect()
}

pub fn document(p: &Product, person: Option<(&Person, &Related)>, code: ReturnCode) -> String {
    let now = Zoned::now();
    let criteria = match person {
        Some((x, _)) => echo(x.hetu.as_str(), CriterionCode::Found, p),
        None => echo("not-a-hetu", CriterionCode::NotFound, p),
    };
    render::render(&Answer {
        product_name: &p.name,
        code,
        code_text: None,
        criteria: &criteria,
        person: person.map(|(person, related)| PersonView {
            person,
            product: p,
            related,
            withhold_location: false,
        }),
        now: &now,
    })
    .xml
}

/// The element names of `Henkilo`'s children with repeats collapsed.
pub fn henkilo_groups(doc: &str) -> Vec<String> {
    let root = xml::parse(doc).unwrap();
    let henkilo = root.child(VTJ_NS, "Henkilo").expect("Henkilo");
    let mut names: Vec<String> = henkilo.children.iter().map(|c| c.name.clone()).collect();
    names.dedup();
    names
}

fn element_count(e: &Element, name: &str) -> usize {
    e.children.iter().filter(|c| c.name == name).count()
}

#[test]
fn every_builtin_response_validates_against_its_generated_schema() {
    let dir = tempfile::tempdir().unwrap();
    let (full, related) = products_person::full();
    let empty = products_person::empty();
    let none = Related::default();
    let products = Products::builtin();
    assert_eq!(products.all().len(), 16);
    for p in products.all() {
        let xsd = write_schema(dir.path(), &p);
        let mut docs = Vec::new();
        for (tag, doc) in [
            (
                "full",
                document(&p, Some((&full, &related)), ReturnCode::Ok),
            ),
            ("empty", document(&p, Some((&empty, &none)), ReturnCode::Ok)),
            (
                "passive",
                document(&p, Some((&full, &none)), ReturnCode::Passivated),
            ),
            ("not-found", document(&p, None, ReturnCode::NotFoundByKey)),
            ("refused", document(&p, None, ReturnCode::BadCredentials)),
        ] {
            let path = dir.path().join(format!("{}-{tag}.xml", p.name));
            std::fs::write(&path, doc).unwrap();
            docs.push(path);
        }
        xmllint(&xsd, &docs).unwrap_or_else(|e| panic!("{}: {e}", p.name));
    }
}

#[test]
fn a_schema_refuses_a_group_its_product_does_not_name() {
    let dir = tempfile::tempdir().unwrap();
    let products = Products::builtin();
    let asukas = products.get("ASUKASLKM2").unwrap();
    let xsd = write_schema(dir.path(), &asukas);
    let (full, related) = products_person::full();
    let p3 = products.get("PERUSSANOMA 3").unwrap();
    // A PERUSSANOMA 3 document presented as ASUKASLKM2 must not validate.
    let doc = document(&p3, Some((&full, &related)), ReturnCode::Ok)
        .replace("PERUSSANOMA 3", "ASUKASLKM2");
    let path = dir.path().join("wrong.xml");
    std::fs::write(&path, doc).unwrap();
    let err = xmllint(&xsd, &[path]).unwrap_err();
    assert!(err.contains("NykyinenSukunimi"), "{err}");
}

#[test]
fn only_the_product_groups_appear_in_the_product_order() {
    let (full, related) = products_person::full();
    let empty = products_person::empty();
    for p in Products::builtin().all() {
        let expected: Vec<String> = p.groups.iter().map(|g| g.node.name().to_string()).collect();
        let doc = document(&p, Some((&full, &related)), ReturnCode::Ok);
        assert_eq!(henkilo_groups(&doc), expected, "{} (full)", p.name);
        let doc = document(&p, Some((&empty, &Related::default())), ReturnCode::Ok);
        assert_eq!(henkilo_groups(&doc), expected, "{} (empty)", p.name);
        // Without data every group, repeatable or not, is written exactly once.
        let root = xml::parse(&doc).unwrap();
        let henkilo = root.child(VTJ_NS, "Henkilo").unwrap();
        for name in &expected {
            assert_eq!(element_count(henkilo, name), 1, "{} {name}", p.name);
        }
    }
}

#[test]
fn empty_groups_have_every_child_and_repeatable_groups_repeat_with_data() {
    let products = Products::builtin();
    let ophrek = products.get("OPHREK").unwrap();
    let empty = products_person::empty();
    let doc = document(&ophrek, Some((&empty, &Related::default())), ReturnCode::Ok);
    let root = xml::parse(&doc).unwrap();
    let henkilo = root.child(VTJ_NS, "Henkilo").unwrap();
    let huoltaja = henkilo.child(VTJ_NS, "Huoltaja").unwrap();
    let names: Vec<_> = huoltaja.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Henkilotunnus",
            "Syntymaaika",
            "Huoltotiedot",
            "NykyinenSukunimi",
            "NykyisetEtunimet",
            "VakinainenKotimainenOsoite",
            "VakinainenUlkomainenOsoite"
        ]
    );
    assert!(huoltaja.children.iter().all(|c| c.text.is_empty()));

    let (full, related) = products_person::full();
    let doc = document(&ophrek, Some((&full, &related)), ReturnCode::Ok);
    let root = xml::parse(&doc).unwrap();
    let henkilo = root.child(VTJ_NS, "Henkilo").unwrap();
    assert_eq!(element_count(henkilo, "Huoltaja"), 2);
    assert_eq!(element_count(henkilo, "Kansalaisuus"), 2);
    let osoite = henkilo.child(VTJ_NS, "VakinainenKotimainenOsoite").unwrap();
    let text = |n: &str| osoite.child(VTJ_NS, n).unwrap().text.clone();
    assert_eq!(
        (text("KatuS"), text("Katunumero"), text("Huoneistonumero")),
        ("Kauppa Puistikko".into(), "6".into(), "023".into())
    );
    // Flat relation names in OPHREK's Huollettava, nested in its Huoltaja.
    let huollettava = henkilo.child(VTJ_NS, "Huollettava").unwrap();
    assert_eq!(
        huollettava.child(VTJ_NS, "Sukunimi").unwrap().text,
        "Täysinäinen"
    );
    // A guardian's own address is shown unless the guardian is under non-disclosure.
    let h = henkilo.child(VTJ_NS, "Huoltaja").unwrap();
    let katu = &h
        .child(VTJ_NS, "VakinainenKotimainenOsoite")
        .unwrap()
        .children[0];
    assert_eq!(katu.text, "Kurteninkatu");
}

#[test]
fn the_ophrek_sample_validates_against_the_generated_ophrek_schema() {
    let dir = tempfile::tempdir().unwrap();
    let products = Products::builtin();
    let xsd = write_schema(dir.path(), &products.get("OPHREK").unwrap());
    xmllint(&xsd, &[util::repo().join("tests/data/ophrek-sample.xml")]).unwrap();
    // And a sample with an element OPHREK does not have is refused.
    let bad = util::read("tests/data/ophrek-sample.xml")
        .replace("<Ammatti>", "<Lapsi><Henkilotunnus/></Lapsi><Ammatti>");
    let path = dir.path().join("bad.xml");
    std::fs::write(&path, bad).unwrap();
    assert!(xmllint(&xsd, &[path]).is_err());
}

const ADMIN_PRODUCT: &str = r#"
[[product]]
name = "Oma Testi"
groups = ["Henkilotunnus", "VakinainenKotimainenOsoite", "NykyinenSukunimi", "Kuolintiedot"]
address = "osoite"
kuollut = false
criteria = ["Henkilotunnus", "SahkoinenAsiointitunnus"]
"#;

/// The administrator-defined product and the demo organisation that may read it.
fn admin_config() -> String {
    format!(
        "{ADMIN_PRODUCT}{}",
        util::demo_organisation(&["OMA TESTI", "Perussanoma 3"])
    )
}

#[test]
fn config_product_errors_name_the_file_line_and_value() {
    let bad = admin_config().replace("\"NykyinenSukunimi\"", "\"NykyinenSukunimi\", \"Hattu\"");
    let err = Settings::from_toml(&bad, "admin.toml", None)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("admin.toml: line 4:"), "{err}");
    assert!(err.contains("\"Hattu\""), "{err}");
    let bad = admin_config().replace("address = \"osoite\"", "address = \"street\"");
    let err = Settings::from_toml(&bad, "admin.toml", None)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("admin.toml: line 5:") && err.contains("\"street\""),
        "{err}"
    );
    let bad = admin_config().replace("name = \"Oma Testi\"", "name = \"ophrek\"");
    let err = Settings::from_toml(&bad, "admin.toml", None)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("admin.toml: line 3:") && err.contains("\"ophrek\""),
        "{err}"
    );
}

#[tokio::test]
async fn admin_products_are_answered_and_every_schema_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::from_toml(&admin_config(), "admin.toml", None).unwrap();
    settings.data_dir = dir.path().join("data");
    let server = TestServer::start_with(settings, dir).await;
    let client = server.client();

    let reply = client
        .soso(
            "TeeHenkilonTunnusKysely",
            &util::person_query("oma testi", "020501A999T"),
        )
        .await;
    let doc = util::vastaus(&reply, "TeeHenkilonTunnusKysely");
    let henkilo = doc.child(VTJ_NS, "Henkilo").unwrap();
    let names: Vec<_> = henkilo.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Henkilotunnus",
            "VakinainenKotimainenOsoite",
            "NykyinenSukunimi",
            "Kuolintiedot"
        ]
    );
    let hp = doc.child(VTJ_NS, "Hakuperusteet").unwrap();
    assert_eq!(hp.children.len(), 2);

    // The schema the response names, served over HTTP, validates it.
    let get = |path: &'static str| client.request("GET", path, &[], "");
    let xsd = get("/schemas/OMA%20TESTI.xsd").await.unwrap();
    assert_eq!(xsd.status, 200, "{}", xsd.body);
    let catalogue = get("/schemas/vtj-henkilotiedot.xsd").await.unwrap();
    assert_eq!(catalogue.status, 200);
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("OMA TESTI.xsd"), &xsd.body).unwrap();
    std::fs::write(work.path().join("vtj-henkilotiedot.xsd"), &catalogue.body).unwrap();
    std::fs::write(work.path().join("answer.xml"), vastaussanoma(&reply.body)).unwrap();
    xmllint(
        &work.path().join("OMA TESTI.xsd"),
        &[work.path().join("answer.xml")],
    )
    .unwrap();

    // Products outside the permit have no schema for this organisation, and a certificate
    // no organisation claims gets none at all.
    assert_eq!(get("/schemas/OPHREK.xsd").await.unwrap().status, 404);
    assert_eq!(get("/schemas/NOPE.xsd").await.unwrap().status, 404);
    let stranger = util::Client::new(server.addr, Some("other"));
    let reply = stranger
        .request("GET", "/schemas/vtj-henkilotiedot.xsd", &[], "")
        .await
        .unwrap();
    assert_eq!(reply.status, 403, "{}", reply.body);

    // HaeTuotteenSkeema answers the schema element itself.
    let body = util::soso_request(
        "HaeTuotteenSkeema",
        &[("SoSoNimi", "Perussanoma 3"), ("laji", "1")],
    );
    let reply = client.soso("HaeTuotteenSkeema", &body).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let env = reply.xml();
    let result = env.children[0]
        .child("http://tempuri.org/", "HaeTuotteenSkeemaResponse")
        .and_then(|r| r.child("http://tempuri.org/", "HaeTuotteenSkeemaResult"))
        .unwrap();
    let xs = result
        .child("http://www.w3.org/2001/XMLSchema", "schema")
        .expect("xs:schema in the result");
    assert_eq!(xs.attr(None, "targetNamespace"), Some(VTJ_NS));
    for (name, laji) in [
        ("OPHREK", "1"),
        ("Perussanoma 3", "x"),
        ("Perussanoma 3", ""),
    ] {
        let body = util::soso_request("HaeTuotteenSkeema", &[("SoSoNimi", name), ("laji", laji)]);
        let reply = client.soso("HaeTuotteenSkeema", &body).await;
        assert_eq!(reply.status, 500, "{name} {laji}: {}", reply.body);
        assert!(reply.body.contains("Fault"), "{}", reply.body);
    }
    server.stop().await;
}

#[test]
fn the_command_line_lists_shows_and_prints_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("admin.toml");
    std::fs::write(&config, admin_config()).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_vtj-emulator"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let cfg = config.to_str().unwrap();
    let list = run(&["products", "list", "--config", cfg]);
    assert!(
        list.contains("OMA TESTI") && list.contains("admin.toml, line 3"),
        "{list}"
    );
    assert!(list.contains("ROV5") && list.contains("VANHEMPI -LAPSET JA HUOLLETTAVAT"));
    let show = run(&["products", "show", "perussanoma 3"]);
    assert!(show.contains("Hakuperusteet: Henkilotunnus"), "{show}");
    assert!(show.contains("HenkiloEdunvalvoja *"), "{show}");
    let xsd = run(&["products", "schema", "Oma Testi", "--config", cfg]);
    assert!(
        xsd.contains(r#"<xs:element name="VakinainenKotimainenOsoite">"#),
        "{xsd}"
    );
    let groups = run(&["products", "groups"]);
    assert!(groups.contains("Edunvalvonta/OPHREK"), "{groups}");
    let out = Command::new(env!("CARGO_BIN_EXE_vtj-emulator"))
        .args(["products", "show", "NOPE"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn non_disclosure_empties_address_contact_and_dwelling_groups() {
    let (full, related) = products_person::full();
    let products = Products::builtin();
    for name in ["OPHREK", "ASUKASLKM2", "PERUSSANOMA 3"] {
        let p = products.get(name).unwrap();
        let now = Zoned::now();
        let doc = render::render(&Answer {
            product_name: &p.name,
            code: ReturnCode::Ok,
            code_text: None,
            criteria: &[],
            person: Some(PersonView {
                person: &full,
                product: &p,
                related: &related,
                withhold_location: true,
            }),
            now: &now,
        });
        let root = xml::parse(&doc.xml).unwrap();
        let henkilo = root.child(VTJ_NS, "Henkilo").unwrap();
        for g in &p.groups {
            let e = henkilo.child(VTJ_NS, g.node.name()).unwrap();
            let has_text = |e: &Element| -> bool {
                fn any(e: &Element) -> bool {
                    !e.text.trim().is_empty() || e.children.iter().any(any)
                }
                any(e)
            };
            if g.def.location {
                assert!(
                    !has_text(e),
                    "{name}: {} written under non-disclosure",
                    g.def.id
                );
                assert!(!doc.groups.contains(&g.def.id));
            }
        }
        // The rest of the product is answered.
        assert!(doc.groups.contains(&"Henkilotunnus"));
    }
}
