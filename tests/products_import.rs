//! Products imported from per-product response schemas in DVV's style (issue 17): the
//! project's own test schemas (`tests/data/*.xsd`, written from the facts of the reference
//! material) are imported, and the emulator's answers validate against each very schema
//! (xmllint) for a person with every group filled and one with every group empty; the
//! command line prints a definition the configuration accepts and refuses what the
//! emulator cannot produce; `[[product]]` names a schema directly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use vtj_emulator::codes::ReturnCode;
use vtj_emulator::config::Settings;
use vtj_emulator::products::{Products, Related, import, schema};

use crate::products::{document, henkilo_groups, vastaussanoma, write_schema, xmllint};
use crate::products_person;
use crate::util::{self, TestServer};

/// The catalogue under the name DVV's schemas import it by.
const CATALOGUE_AS_DVV: &str = "VTJHenkilotiedotKatalogi.xsd";

/// The test schemas: file, product name, group elements in the schema's order.
const SCHEMAS: [(&str, &str); 3] = [
    ("perussanoma1.xsd", "PERUSSANOMA 1"),
    ("osoite-huoltajat.xsd", "OSOITE-HUOLTAJAT 1"),
    ("flat-huollettavat.xsd", "FLAT-HUOLLETTAVAT 1"),
];

/// Copies a test schema beside the catalogue it imports; returns its path.
fn schema_in(dir: &Path, file: &str) -> PathBuf {
    std::fs::write(dir.join(CATALOGUE_AS_DVV), schema::CATALOGUE).unwrap();
    let path = dir.join(file);
    std::fs::write(&path, util::read(&format!("tests/data/{file}"))).unwrap();
    path
}

/// The `xs:element` names directly under `Henkilo` in a test schema, in order.
fn declared_groups(xsd: &str) -> Vec<String> {
    let root = vtj_emulator::xml::parse(xsd).unwrap();
    let xs = "http://www.w3.org/2001/XMLSchema";
    let seq = |e: &vtj_emulator::xml::Element| -> Vec<vtj_emulator::xml::Element> {
        e.child(xs, "complexType")
            .and_then(|c| c.child(xs, "sequence"))
            .map(|s| s.children.clone())
            .unwrap_or_default()
    };
    let top = root.child(xs, "element").unwrap();
    let henkilo = seq(top)
        .into_iter()
        .find(|e| e.attr(None, "name") == Some("Henkilo"))
        .unwrap();
    seq(&henkilo)
        .iter()
        .map(|e| e.attr(None, "name").unwrap().to_string())
        .collect()
}

#[test]
fn answers_of_imported_products_validate_against_their_own_schema() {
    let dir = tempfile::tempdir().unwrap();
    let (full, related) = products_person::full();
    let empty = products_person::empty();
    let none = Related::default();
    for (file, name) in SCHEMAS {
        let xsd = schema_in(dir.path(), file);
        let imported = import::read_file(&xsd).unwrap_or_else(|e| panic!("{file}: {e}"));
        let product = imported.product(name, file).unwrap();
        let expected = declared_groups(&util::read(&format!("tests/data/{file}")));
        let mut docs = Vec::new();
        for (tag, person, rel) in [("full", &full, &related), ("empty", &empty, &none)] {
            let doc = document(&product, Some((person, rel)), ReturnCode::Ok);
            assert_eq!(henkilo_groups(&doc), expected, "{file} {tag}");
            let path = dir.path().join(format!("{file}-{tag}.xml"));
            std::fs::write(&path, doc).unwrap();
            docs.push(path);
        }
        xmllint(&xsd, &docs).unwrap_or_else(|e| panic!("{file}: {e}"));
        // And against the schema the emulator serves for the product.
        let served = write_schema(dir.path(), &product);
        xmllint(&served, &docs).unwrap_or_else(|e| panic!("{file} (served): {e}"));
    }
    // The check can fail: a PERUSSANOMA 3 answer is not a PERUSSANOMA 1 document.
    let xsd = schema_in(dir.path(), "perussanoma1.xsd");
    let p3 = Products::builtin().get("PERUSSANOMA 3").unwrap();
    let path = dir.path().join("p3.xml");
    std::fs::write(
        &path,
        document(&p3, Some((&full, &related)), ReturnCode::Ok),
    )
    .unwrap();
    let err = xmllint(&xsd, &[path]).unwrap_err();
    assert!(err.contains("EntinenNimi"), "{err}");
}

#[test]
fn options_are_detected_from_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let read = |file: &str| import::read_file(&schema_in(dir.path(), file)).unwrap();
    let p1 = read("perussanoma1.xsd");
    assert!(!p1.options.structured_address && p1.options.kuollut);
    assert!(p1.decided_by.relations.is_none(), "{:?}", p1.decided_by);
    let rich = read("osoite-huoltajat.xsd");
    assert!(rich.options.structured_address && !rich.options.flat_relations);
    assert!(rich.options.kuollut);
    assert_eq!(rich.criteria.len(), 2);
    assert!(rich.groups.contains(&"VakinainenKotimainenOsoite"));
    let flat = read("flat-huollettavat.xsd");
    assert!(flat.options.flat_relations && !flat.options.kuollut);
}

#[test]
fn the_perussanoma1_schema_imports_as_the_builtin_product() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = schema_in(dir.path(), "perussanoma1.xsd");
    let imported = import::read_file(&xsd).unwrap();
    let builtin = Products::builtin().get("PERUSSANOMA 1").unwrap();
    assert_eq!(
        imported.groups,
        builtin.group_ids().collect::<Vec<_>>(),
        "the built-in PERUSSANOMA 1 differs from the schema"
    );
    let product = imported.product("PERUSSANOMA 1", "test").unwrap();
    for (a, b) in product.groups.iter().zip(&builtin.groups) {
        assert!(
            std::ptr::eq(a.node, b.node),
            "{} differs in shape",
            a.def.id
        );
    }
    let (full, related) = products_person::full();
    let doc = dir.path().join("builtin.xml");
    std::fs::write(
        &doc,
        document(&builtin, Some((&full, &related)), ReturnCode::Ok),
    )
    .unwrap();
    xmllint(&xsd, &[doc]).unwrap();
}

fn emulator(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vtj-emulator"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn import_xsd_prints_a_definition_the_configuration_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::new();
    for (file, name) in [
        ("osoite-huoltajat.xsd", "Osoite-Huoltajat 1"),
        ("perussanoma1.xsd", "PERUSSANOMA 1"),
    ] {
        let xsd = schema_in(dir.path(), file);
        let out = emulator(&[
            "products",
            "import-xsd",
            xsd.to_str().unwrap(),
            "--name",
            name,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        config.push_str(&String::from_utf8(out.stdout).unwrap());
    }
    // A built-in name is replaced on purpose, and says so.
    assert!(config.contains("replaces_builtin = true"), "{config}");
    config.push_str(&util::demo_organisation(&[
        "OSOITE-HUOLTAJAT 1",
        "PERUSSANOMA 1",
    ]));
    let path = dir.path().join("admin.toml");
    std::fs::write(&path, &config).unwrap();
    let settings = Settings::load(&path).unwrap_or_else(|e| panic!("{e}\n{config}"));
    let p = settings.products.get("osoite-huoltajat 1").unwrap();
    assert_eq!(p.groups.len(), 21);
    assert!(p.options.structured_address);
    assert_eq!(p.groups[4].node.name(), "VakinainenKotimainenOsoite");
    let p1 = settings.products.get("PERUSSANOMA 1").unwrap();
    assert!(p1.origin.contains("admin.toml"), "{}", p1.origin);

    // The file name gives the default name.
    let xsd = schema_in(dir.path(), "flat-huollettavat.xsd");
    let out = emulator(&["products", "import-xsd", xsd.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("name = \"flat-huollettavat\""), "{text}");
    assert!(text.contains("relations = \"flat\""), "{text}");
}

/// Runs `import-xsd` over the PERUSSANOMA 1 test schema edited by `edit`; the one line of
/// its refusal.
fn refusal(dir: &Path, edit: impl Fn(&str) -> String) -> String {
    let text = edit(&util::read("tests/data/perussanoma1.xsd"));
    std::fs::write(dir.join(CATALOGUE_AS_DVV), schema::CATALOGUE).unwrap();
    let path = dir.join("edited.xsd");
    std::fs::write(&path, text).unwrap();
    let out = emulator(&["products", "import-xsd", path.to_str().unwrap()]);
    assert!(!out.status.success(), "accepted");
    assert!(out.stdout.is_empty(), "printed a definition anyway");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

#[test]
fn import_xsd_refuses_what_the_emulator_cannot_produce() {
    let dir = tempfile::tempdir().unwrap();
    let sukupuoli = r#"<xs:element name="Sukupuoli">"#;
    // An element the catalogue does not know.
    let err = refusal(dir.path(), |s| {
        s.replacen(
            sukupuoli,
            &format!(r#"<xs:element name="Hattu" type="vtj:Nimi100Tyyppi"/>{sukupuoli}"#),
            1,
        )
    });
    assert!(
        err.contains(
            "VTJHenkiloVastaussanoma/Henkilo/Hattu: element Hattu is not in the catalogue"
        ),
        "{err}"
    );
    // A known group in a shape no catalogue group has (Kuollut after Kuolinpvm).
    let kuollut = r#"<xs:element name="Kuollut" type="vtj:KuollutTyyppi"/>"#;
    let kuolinpvm = r#"<xs:element name="Kuolinpvm" type="vtj:PaivamaaraTyyppi"/>"#;
    let err = refusal(dir.path(), |s| {
        s.replace(
            &format!("{kuollut}\n\t\t\t\t\t\t\t\t\t\t{kuolinpvm}"),
            &format!("{kuolinpvm}{kuollut}"),
        )
    });
    assert!(
        err.contains("VTJHenkiloVastaussanoma/Henkilo/Kuolintiedot/Kuollut")
            && err.contains("cannot produce this shape of Kuolintiedot"),
        "{err}"
    );
    // A leaf of another type than the catalogue group writes.
    let err = refusal(dir.path(), |s| {
        s.replace(
            r#"<xs:element name="Kuntanumero" type="vtj:KuntanumeroTyyppi"/>"#,
            r#"<xs:element name="Kuntanumero" type="xs:string"/>"#,
        )
    });
    assert!(
        err.contains("Henkilo/Kotikunta/Kuntanumero: is of type xs:string"),
        "{err}"
    );
    // A group the emulator writes as a list, declared once.
    let err = refusal(dir.path(), |s| {
        s.replace(
            r#"<xs:element name="KotimainenPostiosoite" maxOccurs="unbounded">"#,
            r#"<xs:element name="KotimainenPostiosoite">"#,
        )
    });
    assert!(
        err.contains("Henkilo/KotimainenPostiosoite: allows one"),
        "{err}"
    );
    // Two groups that need opposite options: a product writes all addresses one way.
    let err = refusal(dir.path(), |s| {
        let structured = util::read("tests/data/osoite-huoltajat.xsd");
        let from = structured
            .find(r#"<xs:element name="TilapainenKotimainenOsoite""#)
            .unwrap();
        let to = structured[from..]
            .find(r#"<xs:element name="TilapainenUlkomainenOsoite""#)
            .unwrap();
        let osoite = &structured[from..from + to];
        s.replacen(sukupuoli, &format!("{osoite}{sukupuoli}"), 1)
    });
    assert!(
        err.contains("Henkilo/TilapainenKotimainenOsoite: needs address = \"osoite\"")
            && err.contains("Henkilo/VakinainenKotimainenLahiosoite"),
        "{err}"
    );
    // An unknown criterion.
    let err = refusal(dir.path(), |s| {
        s.replacen(
            r#"<xs:element name="Henkilotunnus">"#,
            r#"<xs:element name="Kengannumero">"#,
            1,
        )
    });
    assert!(
        err.contains("Hakuperusteet/Kengannumero: criterion Kengannumero"),
        "{err}"
    );
}

#[test]
fn config_products_may_name_their_schema() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("schemas");
    std::fs::create_dir(&sub).unwrap();
    schema_in(&sub, "osoite-huoltajat.xsd");
    let head =
        "[[product]]\nname = \"Osoite-Huoltajat 1\"\nschema = \"schemas/osoite-huoltajat.xsd\"\n";
    let load = |text: &str| {
        let path = dir.path().join("admin.toml");
        std::fs::write(&path, text).unwrap();
        Settings::load(&path)
    };
    let org = util::demo_organisation(&["OSOITE-HUOLTAJAT 1"]);
    let settings = load(&format!("{head}{org}")).unwrap();
    let p = settings.products.get("OSOITE-HUOLTAJAT 1").unwrap();
    assert!(
        p.origin.contains("schema schemas/osoite-huoltajat.xsd"),
        "{}",
        p.origin
    );
    assert!(p.options.structured_address);

    // Refusals name the file, the line, the product and the schema's element.
    let err = load(&format!("{head}groups = [\"Henkilotunnus\"]\n"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("admin.toml: line 3: product \"Osoite-Huoltajat 1\": groups cannot be given beside schema"),
        "{err}"
    );
    let bad = util::read("tests/data/osoite-huoltajat.xsd").replace(
        r#"<xs:element name="Sahkopostiosoite""#,
        r#"<xs:element name="Puhelinnumero""#,
    );
    std::fs::write(sub.join("osoite-huoltajat.xsd"), bad).unwrap();
    let err = load(head).unwrap_err().to_string();
    assert!(
        err.contains("admin.toml: line 3: product \"Osoite-Huoltajat 1\": schema ")
            && err.contains("Henkilo/Puhelinnumero: element Puhelinnumero is not in the catalogue"),
        "{err}"
    );
    let err = load("[[product]]\nname = \"X\"\nschema = \"nope.xsd\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("nope.xsd: cannot be read"), "{err}");
}

#[tokio::test]
async fn a_schema_product_is_answered_over_the_wire_valid_against_its_schema() {
    let dir = tempfile::tempdir().unwrap();
    let xsd = schema_in(dir.path(), "osoite-huoltajat.xsd");
    let config = format!(
        "[[product]]\nname = \"Osoite-Huoltajat 1\"\nschema = \"osoite-huoltajat.xsd\"\n{}",
        util::demo_organisation(&["OSOITE-HUOLTAJAT 1"])
    );
    let path = dir.path().join("admin.toml");
    std::fs::write(&path, config).unwrap();
    let mut settings = Settings::load(&path).unwrap();
    settings.data_dir = dir.path().join("data");
    let work = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(settings, work).await;
    let reply = server
        .client()
        .soso(
            "TeeHenkilonTunnusKysely",
            &util::person_query("osoite-huoltajat 1", "020501A999T"),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let doc = dir.path().join("answer.xml");
    std::fs::write(&doc, vastaussanoma(&reply.body)).unwrap();
    xmllint(&xsd, &[doc]).unwrap();
    assert!(reply.body.contains("<KatuS>"), "{}", reply.body);
    server.stop().await;
}
