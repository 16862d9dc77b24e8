//! The X-Road interface (`/SoSoAdapterWebSite/SoSoAdapterService60.svc`): its WSDL, the
//! 4.0 headers echoed with `requestHash`, the request echo, the client-to-organisation
//! mapping, the configurable error forms, header faults and the audit record.

use base64::Engine as _;
use sha2::{Digest, Sha512};
use vtj_emulator::audit::read_all;
use vtj_emulator::config::Settings;
use vtj_emulator::xml::Element;

use crate::util::*;

const XROAD_NS: &str = "http://x-road.eu/xsd/xroad.xsd";
const ID_NS: &str = "http://x-road.eu/xsd/identifiers";
const OP: &str = "HenkilonTunnusKysely";

fn person(hetu: &str) -> Vec<(&str, &str)> {
    demo_params("PERUSSANOMA 3", &[("Henkilotunnus", hetu)])
}

/// (header, `<Op>Response`) of an X-Road reply.
fn parts(reply: &Reply, op: &str) -> (Element, Element) {
    assert_eq!(reply.status, 200, "{}", reply.body);
    let env = reply.xml();
    let header = env.children[0].clone();
    assert_eq!(header.name, "Header");
    let resp = env.children[1]
        .child(VTJ_WS_NS, &format!("{op}Response"))
        .unwrap_or_else(|| panic!("no {op}Response: {}", reply.body))
        .clone();
    (header, resp)
}

/// `response`'s fault-in-body (code, text), if that form was used.
fn fault_in_body(resp: &Element) -> Option<(String, String)> {
    let r = resp.child(VTJ_WS_NS, "response").unwrap();
    let code = r.child(VTJ_WS_NS, "faultCode")?;
    let text = r.child(VTJ_WS_NS, "faultString").unwrap();
    Some((code.text.clone(), text.text.clone()))
}

fn document(resp: &Element) -> Element {
    let r = resp.child(VTJ_WS_NS, "response").unwrap();
    // Person answers; building and property queries answer their own documents.
    [
        "VTJHenkiloVastaussanoma",
        "VTJRakennusVastaussanoma",
        "VTJKiinteistoVastaussanoma",
    ]
    .iter()
    .find_map(|root| r.child(VTJ_NS, root))
    .expect("a VTJ document")
    .clone()
}

#[tokio::test]
async fn person_query_over_xroad_echoes_headers_hash_and_request() {
    let server = TestServer::start().await;
    let body = xroad_request(OP, &xroad_headers(OP, "msg-1"), &person("020501A999T"));
    let reply = server.client().xroad(&body).await;
    assert!(reply.content_type.starts_with("text/xml"));
    let (header, resp) = parts(&reply, OP);

    let names: Vec<_> = header.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "client",
            "id",
            "issue",
            "protocolVersion",
            "service",
            "userId",
            "requestHash"
        ]
    );
    assert!(
        header
            .children
            .iter()
            .all(|c| c.ns.as_deref() == Some(XROAD_NS))
    );
    let client = header.child(XROAD_NS, "client").unwrap();
    assert_eq!(client.attr(Some(ID_NS), "objectType"), Some("SUBSYSTEM"));
    assert_eq!(client.child(ID_NS, "memberCode").unwrap().text, "0101263-6");
    assert_eq!(header.child(XROAD_NS, "id").unwrap().text, "msg-1");
    let hash = header.child(XROAD_NS, "requestHash").unwrap();
    assert_eq!(
        hash.attr(None, "algorithmId"),
        Some("http://www.w3.org/2001/xmlenc#sha512")
    );
    let expected =
        base64::engine::general_purpose::STANDARD.encode(Sha512::digest(body.as_bytes()));
    assert_eq!(hash.text, expected);

    // The request echo: the elements sent, in WSDL order, Salasana emptied.
    let echo = resp.child(VTJ_WS_NS, "request").unwrap();
    let sent: Vec<_> = echo
        .children
        .iter()
        .map(|c| (c.name.as_str(), c.text.as_str()))
        .collect();
    assert_eq!(
        sent,
        [
            ("SoSoNimi", "PERUSSANOMA 3"),
            ("Kayttajatunnus", "demo"),
            ("Salasana", ""),
            ("Loppukayttaja", "test-user-1"),
            ("Henkilotunnus", "020501A999T"),
        ]
    );
    assert!(!reply.body.contains("<Salasana>demo"));
    let doc = document(&resp);
    assert_eq!(return_code(&doc).0, "0000");
    assert!(doc.child(VTJ_NS, "Henkilo").is_some());

    let records = read_all(&server.app.audit).unwrap();
    let r = &records[0];
    assert_eq!(r.interface, "xroad");
    assert_eq!(
        r.response_sha256,
        vtj_emulator::audit::digest_hex(reply.body.as_bytes()),
        "the record holds the digest of the bytes the client received"
    );
    assert_eq!(r.operation, "TeeHenkilonTunnusKysely");
    assert_eq!(r.organisation.as_deref(), Some("demo"));
    assert_eq!(
        r.xroad_client.as_deref(),
        Some("FI-TEST/MUN/0101263-6/evaka-test")
    );
    assert_eq!(
        r.xroad_user_id.as_deref(),
        Some("00000000-0000-0000-0000-000000000000")
    );
    assert_eq!(r.return_code, "0000");
    server.stop().await;
}

#[tokio::test]
async fn errors_come_in_the_configured_form() {
    let server = TestServer::start().await;
    let client = server.client();
    let headers = xroad_headers(OP, "m");
    // Default (spec §4.6): 0001 and the negative codes as faultCode/faultString.
    let r = client
        .xroad(&xroad_request(OP, &headers, &person("010101-999X")))
        .await;
    let (_, resp) = parts(&r, OP);
    assert_eq!(
        fault_in_body(&resp),
        Some((
            "0001".into(),
            "Hakuperusteella ei löydy tietoja vtj:stä".into()
        ))
    );
    let mut p = person("020501A999T");
    p[2].1 = "wrong";
    let (_, resp) = parts(&client.xroad(&xroad_request(OP, &headers, &p)).await, OP);
    assert_eq!(fault_in_body(&resp).unwrap().0, "-1500");
    // Other codes stay in the document: 0002 (passive code), 0006.
    let (_, resp) = parts(
        &client
            .xroad(&xroad_request(OP, &headers, &person("150575-913H")))
            .await,
        OP,
    );
    assert!(fault_in_body(&resp).is_none());
    assert_eq!(return_code(&document(&resp)).0, "0002");
    server.stop().await;

    // Configured: no code in the body's fault form.
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::builtin().unwrap();
    settings.data_dir = dir.path().join("data");
    settings.xroad.fault_in_body_codes.clear();
    let server = TestServer::start_with(settings, dir).await;
    let r = server
        .client()
        .xroad(&xroad_request(OP, &headers, &person("010101-999X")))
        .await;
    let (_, resp) = parts(&r, OP);
    assert!(fault_in_body(&resp).is_none());
    assert_eq!(return_code(&document(&resp)).0, "0001");
    server.stop().await;
}

#[tokio::test]
async fn header_and_client_errors_are_faults_naming_the_header() {
    let server = TestServer::start().await;
    let client = server.client();
    let p = person("020501A999T");
    let good = xroad_headers(OP, "m");
    let cases = [
        (
            good.replace(
                "<xrd:userId>00000000-0000-0000-0000-000000000000</xrd:userId>",
                "",
            ),
            "userId is missing",
        ),
        (
            good.replace("<xrd:protocolVersion>4.0</xrd:protocolVersion>", ""),
            "protocolVersion is missing",
        ),
        (
            good.replace("<xrd:id>m</xrd:id>", ""),
            "header id is missing",
        ),
        (good.replace(">4.0<", ">3.1<"), "protocolVersion \"3.1\""),
        (
            xroad_headers("HaeTuotteenSkeema", "m"),
            "names HaeTuotteenSkeema",
        ),
        (
            good.replace("evaka-test", "someone-else"),
            "FI-TEST/MUN/0101263-6/someone-else is not registered",
        ),
    ];
    for (headers, says) in cases.clone() {
        let r = client.xroad(&xroad_request(OP, &headers, &p)).await;
        assert_eq!(r.status, 500, "{says}: {}", r.body);
        let reason = fault_reason(&r);
        assert!(reason.contains(says), "expected {says:?} in {reason:?}");
    }
    // An unknown element inside request names it; a direct-interface body is unknown here.
    let bad = xroad_request(OP, &good, &[p.as_slice(), &[("Hetu", "x")]].concat());
    assert!(fault_reason(&client.xroad(&bad).await).contains("Hetu"));
    let direct = xroad_request("TeeHenkilonTunnusKysely", &good, &p);
    assert!(fault_reason(&client.xroad(&direct).await).contains("unknown operation"));
    // Schema-invalid values get their return code (in the fault form by default).
    let mut long = p.clone();
    let fifty_one = "x".repeat(51);
    long[3].1 = &fifty_one;
    let (_, resp) = parts(&client.xroad(&xroad_request(OP, &good, &long)).await, OP);
    let (code, text) = fault_in_body(&resp).unwrap();
    assert_eq!(code, "-1805");
    assert!(text.contains("Loppukayttaja"), "{text}");
    // SOAP 1.2 is not spoken here.
    let r = client
        .request(
            "POST",
            XROAD_PATH,
            &[("content-type", "application/soap+xml")],
            &xroad_request(OP, &good, &p),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 415);
    // A security server whose certificate no organisation claims: 403, no data.
    let r = Client::new(server.addr, Some("other"))
        .xroad(&xroad_request(OP, &good, &p))
        .await;
    assert_eq!(r.status, 403);
    assert!(fault_reason(&r).contains("security server"), "{}", r.body);
    assert!(!r.body.contains("Jäppinen"));
    let records = read_all(&server.app.audit).unwrap();
    assert!(records.len() >= cases.len() + 4);
    assert!(records.iter().all(|r| r.interface == "xroad"));
    server.stop().await;
}

const HENKILO_HAKU: &str = "&lt;HenkilonTunnistusHaku xmlns=\"http://xml.vrk.fi/schema/vtjkysely\"&gt;&lt;Sukunimi&gt;Jäppinen&lt;/Sukunimi&gt;&lt;Etunimet&gt;Albert&lt;/Etunimet&gt;&lt;Syntymaaika&gt;20010502&lt;/Syntymaaika&gt;&lt;/HenkilonTunnistusHaku&gt;";
const POIMINTA_HAKU: &str = "&lt;HenkilonPoimintaHaku xmlns=\"http://xml.vrk.fi/schema/vtjkysely\"&gt;&lt;Kuntanumero&gt;905&lt;/Kuntanumero&gt;&lt;/HenkilonPoimintaHaku&gt;";
const RAKENNUS_HAKU: &str = "&lt;RakennuksenTunnistusHaku xmlns=\"http://xml.vrk.fi/schema/vtjkysely\"&gt;&lt;Katuosoite&gt;Kauppa Puistikko 6&lt;/Katuosoite&gt;&lt;Kuntanumero&gt;905&lt;/Kuntanumero&gt;&lt;/RakennuksenTunnistusHaku&gt;";
const KIINTEISTO_HAKU: &str = "&lt;KiinteistonTunnistusHaku xmlns=\"http://xml.vrk.fi/schema/vtjkysely\"&gt;&lt;KiinteistoyksikonNimi&gt;Vaasa&lt;/KiinteistoyksikonNimi&gt;&lt;Kuntanumero&gt;905&lt;/Kuntanumero&gt;&lt;/KiinteistonTunnistusHaku&gt;";

#[tokio::test]
async fn other_operations_reach_their_handlers_over_xroad() {
    let server = TestServer::start().await;
    let client = server.client();
    for (op, key) in [
        ("RakennuksenTunnusKysely", ("Rakennustunnus", "100012345N")),
        (
            "KiinteistonTunnusKysely",
            ("Kiinteistotunnus", "91-402-3-14"),
        ),
        ("HenkilonTunnistusKysely", ("HakuXml", HENKILO_HAKU)),
        ("HenkilonPoimintaKysely", ("HakuXml", POIMINTA_HAKU)),
        ("RakennuksenTunnistusKysely", ("HakuXml", RAKENNUS_HAKU)),
        ("KiinteistonTunnistusKysely", ("HakuXml", KIINTEISTO_HAKU)),
    ] {
        let body = xroad_request(
            op,
            &xroad_headers(op, "m"),
            &demo_params("PERUSSANOMA 3", &[key]),
        );
        let (_, resp) = parts(&client.xroad(&body).await, op);
        // The demo permit grants no identification searches or extraction: 0019, which is
        // answered in the document; the identifier lookups are -1900, a fault in the body.
        if op.contains("Tunnistus") || op.contains("Poiminta") {
            let doc = document(&resp);
            assert_eq!(return_code(&doc).0, "0019", "{op}");
        } else {
            assert_eq!(fault_in_body(&resp).unwrap().0, "-1900", "{op}");
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn the_xroad_wsdl_is_served_with_this_servers_address() {
    let server = TestServer::start().await;
    let r = server
        .client()
        .request("GET", &format!("{XROAD_PATH}?wsdl"), &[], "")
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    let port = server.addr.port();
    assert!(r.body.contains(&format!(
        "location=\"https://localhost:{port}/SoSoAdapterWebSite/SoSoAdapterService60.svc\""
    )));
    let wsdl = r.xml();
    assert_eq!(wsdl.attr(None, "name"), Some("SoSoAdapterService60"));
    // Paths match case-insensitively, as on the IIS servers of the real service.
    for path in [
        "/sosoadapterwebsite/sosoadapterservice60.svc?wsdl",
        "/SOSOADAPTERWEBSITE/SoSoAdapterService60.svc?WSDL",
        "/SoSoWebSite/SoSo.asmx?wsdl",
    ] {
        let r = server.client().request("GET", path, &[], "").await.unwrap();
        assert_eq!(r.status, 200, "{path}");
    }
    assert!(r.body.contains("name=\"HenkilonPoimintaKysely\""));
    server.stop().await;
}

#[test]
fn xroad_config_keys_are_checked() {
    let org = |clients: &str| {
        format!(
            "[[organisation]]\nid = \"a\"\nname = \"A\"\nxroad_clients = {clients}\n\n[[organisation]]\nid = \"b\"\nname = \"B\"\nxroad_clients = [\"FI/GOV/1/x\"]\n"
        )
    };
    let s = Settings::from_toml(&org("[\"FI-TEST/MUN/0101263-6\"]"), "c.toml", None).unwrap();
    assert_eq!(s.xroad.organisation_of("FI-TEST/MUN/0101263-6"), Some("a"));
    assert_eq!(s.xroad.organisation_of("FI/GOV/1/x"), Some("b"));
    assert!(s.xroad.fault_in_body_codes.contains(&"0001".to_string()));
    let err = Settings::from_toml(&org("[\"FI-TEST/MUN\"]"), "c.toml", None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 1") && err.contains("FI-TEST/MUN"),
        "{err}"
    );
    let err = Settings::from_toml(&org("[\"FI/GOV/1/x\"]"), "c.toml", None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("already organisation \"a\"'s"), "{err}");
    let codes = "[xroad]\nfault_in_body_codes = [\"0001\", \"x\"]\n";
    let err = Settings::from_toml(codes, "c.toml", None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("\"x\" is not a return code"), "{err}");
    let codes = "[xroad]\nfault_in_body_codes = [\"-1500\"]\n";
    let s = Settings::from_toml(codes, "c.toml", None).unwrap();
    assert_eq!(s.xroad.fault_in_body_codes, ["-1500"]);
}
