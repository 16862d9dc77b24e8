//! Every operation of the direct interface reaches its handler and gets a correct answer
//! or a correct error; requests are validated against the WSDL's request schema before
//! any lookup, and each return code the emulator can meet is produced by its situation.

use crate::util::*;
use vtj_emulator::audit::read_all;
use vtj_emulator::xml::Element;

const OP: &str = "TeeHenkilonTunnusKysely";

type Params = Vec<(&'static str, &'static str)>;

/// The document inside `<Op>Response/<Op>Result`.
/// The VTJ document of a reply: `VTJHenkiloVastaussanoma`, or the building and property
/// documents of their lookups.
fn answer(reply: &Reply, op: &str) -> Element {
    if op.starts_with("TeeRakennu") || op.starts_with("TeeKiinteisto") {
        assert_eq!(reply.status, 200, "{}", reply.body);
        let env = reply.xml();
        let result = env.children[0]
            .child("http://tempuri.org/", &format!("{op}Response"))
            .and_then(|r| r.child("http://tempuri.org/", &format!("{op}Result")))
            .unwrap_or_else(|| panic!("{}", reply.body));
        return result.children[0].clone();
    }
    vastaus(reply, op)
}

#[tokio::test]
async fn person_query_by_satu_finds_the_person() {
    let server = TestServer::start().await;
    let client = server.client();
    let body = soso_request(
        OP,
        &demo_params(
            "PERUSSANOMA 3",
            &[
                ("Henkilotunnus", ""),
                ("SahkoinenAsiointitunnus", "100000420"),
            ],
        ),
    );
    let doc = answer(&client.soso(OP, &body).await, OP);
    assert_eq!(return_code(&doc).0, "0000");
    let henkilo = doc.child(VTJ_NS, "Henkilo").expect("Henkilo");
    let hetu = henkilo.child(VTJ_NS, "Henkilotunnus").unwrap();
    assert_eq!(hetu.text, "030370-946X");
    let sukunimi = henkilo.child(VTJ_NS, "NykyinenSukunimi").unwrap();
    assert_eq!(sukunimi.children[0].text, "Vaihdettu");
    // An unknown SATU with a valid check character: 0001.
    let body = soso_request(
        OP,
        &demo_params("PERUSSANOMA 3", &[("SahkoinenAsiointitunnus", "100000431")]),
    );
    let doc = answer(&client.soso(OP, &body).await, OP);
    assert_eq!(return_code(&doc).0, "0001");
    let records = read_all(&server.app.audit).unwrap();
    assert_eq!(
        records[0].search_key,
        Some(("SahkoinenAsiointitunnus".into(), "100000420".into()))
    );
    // The person the SATU led to is a subject of the record; nobody was found by the other.
    assert_eq!(records[0].disclosed, ["030370-946X"]);
    assert!(records[1].disclosed.is_empty());
    let trees = server.app.audit.store();
    let by_person = vtj_emulator::audit::search::search(
        &*trees,
        &vtj_emulator::audit::Filter {
            subject: Some("030370-946X".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(by_person, records[..1]);
    server.stop().await;
}

#[tokio::test]
async fn building_property_identification_and_extraction_reach_their_handlers() {
    let server = TestServer::start().await;
    let client = server.client();
    let haku = |root: &str, inner: &str| {
        format!(r#"<{root} xmlns="http://xml.vrk.fi/schema/vtjkysely">{inner}</{root}>"#)
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let person = haku(
        "HenkilonTunnistusHaku",
        "<Sukunimi>Jäppinen</Sukunimi><Etunimet>Albert Kristian</Etunimet><Syntymaaika>20010502</Syntymaaika>",
    );
    let extraction = haku("HenkilonPoimintaHaku", "<Kuntanumero>905</Kuntanumero>");
    let building = haku(
        "RakennuksenTunnistusHaku",
        "<Katuosoite>Kauppa Puistikko 6</Katuosoite><Kuntanumero>905</Kuntanumero>",
    );
    let property = haku(
        "KiinteistonTunnistusHaku",
        "<KiinteistoyksikonNimi>Vaasa</KiinteistoyksikonNimi><Kuntanumero>905</Kuntanumero>",
    );
    let cases: [(&str, (&str, &str)); 6] = [
        ("TeeHenkilonTunnistusKysely", ("HakuXml", &person)),
        ("TeeHenkilonPoimintaKysely", ("HakuXml", &extraction)),
        ("TeeRakennusTunnusKysely", ("Rakennustunnus", "100012345N")),
        ("TeeRakennuksenTunnistusKysely", ("HakuXml", &building)),
        (
            "TeeKiinteistoTunnusKysely",
            ("Kiinteistotunnus", "91-402-3-14"),
        ),
        ("TeeKiinteistonTunnistusKysely", ("HakuXml", &property)),
    ];
    for (op, key) in cases {
        // The demo permit grants no identification searches or extraction (0019); the
        // identifier lookups are authorised, but no product of the permit serves them
        // yet (-1900).
        let expected = if op.contains("Tunnistus") || op.contains("Poiminta") {
            "0019"
        } else {
            "-1900"
        };
        let r = client
            .soso(op, &soso_request(op, &demo_params("PERUSSANOMA 3", &[key])))
            .await;
        let doc = answer(&r, op);
        assert_eq!(return_code(&doc).0, expected, "{op}: {}", r.body);
        assert!(doc.child(VTJ_NS, "Henkilo").is_none());
        // The shared checks run first: wrong password, missing end user.
        let mut p = demo_params("PERUSSANOMA 3", &[key]);
        p[2].1 = "wrong";
        let doc = answer(&client.soso(op, &soso_request(op, &p)).await, op);
        assert_eq!(return_code(&doc).0, "-1500", "{op}");
        let mut p = demo_params("PERUSSANOMA 3", &[key]);
        p.remove(3);
        let doc = answer(&client.soso(op, &soso_request(op, &p)).await, op);
        assert_eq!(return_code(&doc).0, "-1904", "{op}");
    }
    // HakuXml that is no XML document: -1903; a document of the wrong form: -1805 saying
    // what is wrong. Both before the credentials are looked at.
    let op = "TeeHenkilonTunnistusKysely";
    let mut p = demo_params(
        "PERUSSANOMA 3",
        &[("HakuXml", "&lt;Haku&gt;&lt;Sukunimi&gt;")],
    );
    p[2].1 = "wrong";
    let doc = answer(&client.soso(op, &soso_request(op, &p)).await, op);
    assert_eq!(return_code(&doc).0, "-1903");
    let p = demo_params("PERUSSANOMA 3", &[("HakuXml", &building)]);
    let (code, text) = return_code(&answer(&client.soso(op, &soso_request(op, &p)).await, op));
    assert_eq!(code, "-1805");
    assert!(text.contains("HakuXml"), "{text}");

    let records = read_all(&server.app.audit).unwrap();
    let ops: Vec<&str> = records.iter().map(|r| r.operation.as_str()).collect();
    assert_eq!(ops.len(), 6 * 3 + 2);
    assert_eq!(ops[0], "TeeHenkilonTunnistusKysely");
    let (key, value) = records[0].search_key.clone().unwrap();
    assert_eq!(key, "HakuXml");
    assert!(value.contains("Jäppinen"), "{value}");
    assert_eq!(
        records[6].search_key,
        Some(("Rakennustunnus".into(), "100012345N".into()))
    );
    assert_eq!(records[6].return_code, "-1900");
    server.stop().await;
}

#[tokio::test]
async fn values_breaking_the_schema_get_return_codes_naming_the_element() {
    let server = TestServer::start().await;
    let client = server.client();
    let ask = |params: Vec<(&str, &str)>| soso_request(OP, &params);
    let fifty = "a".repeat(50);
    let fifty_one = "a".repeat(51);

    let mut p = demo_params("PERUSSANOMA 3", &[("Henkilotunnus", "020501A999T")]);
    p[3].1 = &fifty;
    let doc = answer(&client.soso(OP, &ask(p.clone())).await, OP);
    assert_eq!(return_code(&doc).0, "0000", "50 characters are allowed");
    p[3].1 = &fifty_one;
    let doc = answer(&client.soso(OP, &ask(p.clone())).await, OP);
    let (code, text) = return_code(&doc);
    assert_eq!(code, "-1805");
    assert!(text.contains("Loppukayttaja"), "{text}");
    assert!(doc.child(VTJ_NS, "Henkilo").is_none());

    // Characters the register cannot hold (beyond ISO-8859-1): -1902.
    p[3].1 = "käyttäjä €";
    let doc = answer(&client.soso(OP, &ask(p.clone())).await, OP);
    let (code, text) = return_code(&doc);
    assert_eq!(code, "-1902");
    assert!(text.contains("Loppukayttaja"), "{text}");

    // A SATU that breaks SahkoinenAsiointitunnusTyyppi: -1805 naming it.
    let p = demo_params("PERUSSANOMA 3", &[("SahkoinenAsiointitunnus", "12345")]);
    let (code, text) = return_code(&answer(&client.soso(OP, &ask(p)).await, OP));
    assert_eq!(code, "-1805");
    assert!(text.contains("SahkoinenAsiointitunnus"), "{text}");

    // Validation runs before the credentials are looked at.
    let mut p = demo_params("PERUSSANOMA 3", &[("Henkilotunnus", "hello")]);
    p[2].1 = "wrong";
    assert_eq!(
        return_code(&answer(&client.soso(OP, &ask(p)).await, OP)).0,
        "-1805"
    );

    let records = read_all(&server.app.audit).unwrap();
    let codes: Vec<&str> = records.iter().map(|r| r.return_code.as_str()).collect();
    assert_eq!(codes, ["0000", "-1805", "-1902", "-1805", "-1805"]);
    server.stop().await;
}

#[tokio::test]
async fn messages_of_the_wrong_shape_are_faults_naming_the_element() {
    let server = TestServer::start().await;
    let client = server.client();
    let good = demo_params("PERUSSANOMA 3", &[("Henkilotunnus", "020501A999T")]);
    let unknown = soso_request(OP, &[good.as_slice(), &[("Hetu", "x")]].concat());
    let misplaced = soso_request(
        OP,
        &[&[("Henkilotunnus", "020501A999T")], good.as_slice()].concat(),
    );
    let twice = soso_request(
        OP,
        &[good.as_slice(), &[("Vara1", "a"), ("Vara1", "b")]].concat(),
    );
    let nested = soso_request(OP, &[good.as_slice(), &[("Vara1", "<x/>")]].concat());
    let skeema_laji = soso_request(
        "HaeTuotteenSkeema",
        &[("SoSoNimi", "PERUSSANOMA 3"), ("laji", "kaksi")],
    );
    let skeema_missing = soso_request("HaeTuotteenSkeema", &[("SoSoNimi", "PERUSSANOMA 3")]);
    for (body, op, says) in [
        (unknown, OP, "unexpected element {http://tempuri.org/}Hetu"),
        (misplaced, OP, "SoSoNimi is out of order"),
        (twice, OP, "Vara1 occurs more than 1"),
        (nested, OP, "Vara1 must hold text"),
        (
            skeema_laji,
            "HaeTuotteenSkeema",
            "laji: \"kaksi\" is not a valid xs:short",
        ),
        (
            skeema_missing,
            "HaeTuotteenSkeema",
            "required element laji is missing",
        ),
    ] {
        let r = client.soso(op, &body).await;
        assert_eq!(r.status, 500, "{says}");
        let reason = fault_reason(&r);
        assert!(reason.contains(says), "expected {says:?} in {reason:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn return_codes_of_the_shared_checks_and_the_search() {
    let server = TestServer::start().await;
    let client = server.client();
    let hetu = ("Henkilotunnus", "020501A999T");
    let with = |f: &dyn Fn(&mut Params)| {
        let mut p = demo_params("PERUSSANOMA 3", &[hetu]);
        f(&mut p);
        soso_request(OP, &p)
    };
    let cases: Vec<(String, &str)> = vec![
        (with(&|_| {}), "0000"),
        (with(&|p| p[4].1 = "010101-999X"), "0001"),
        (with(&|p| p[4].1 = "150575-913H"), "0002"),
        (with(&|p| p[2].1 = ""), "0003"),
        (with(&|p| p[1].1 = ""), "0004"),
        (with(&|p| p[4].1 = ""), "0005"),
        (with(&|p| p[4].1 = "020501A999X"), "0006"),
        (with(&|p| p[2].1 = "nope"), "-1500"),
        (with(&|p| p[4].1 = "hello"), "-1805"),
        (with(&|p| p[0].1 = "NO SUCH PRODUCT"), "-1900"),
        (with(&|p| p[3].1 = "a\u{2603}"), "-1902"),
        (with(&|p| p[3].1 = ""), "-1904"),
    ];
    for (body, code) in cases {
        let doc = answer(&client.soso(OP, &body).await, OP);
        assert_eq!(return_code(&doc).0, code, "{body}");
    }
    server.stop().await;
}
