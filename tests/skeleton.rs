//! The walking skeleton end to end: a real mutual-TLS client asks the in-process server for
//! fixture persons over the direct SOAP 1.1 interface, and every query leaves an audit record.

use crate::util::*;
use vtj_emulator::audit::read_all;

fn attr<'a>(e: &'a vtj_emulator::xml::Element, name: &str) -> &'a str {
    e.attr(None, name)
        .unwrap_or_else(|| panic!("no attribute {name} on {}", e.name))
}

fn paluukoodi(doc: &vtj_emulator::xml::Element) -> (String, String) {
    let p = doc.child(VTJ_NS, "Paluukoodi").expect("Paluukoodi");
    (attr(p, "koodi").to_string(), p.text.clone())
}

#[tokio::test]
async fn found_person_matches_the_real_perussanoma3_response() {
    let server = TestServer::start().await;
    let reply = server
        .client()
        .soso(
            "TeeHenkilonTunnusKysely",
            &person_query("Perussanoma 3", "020501A999T"),
        )
        .await;
    assert!(
        reply.content_type.starts_with("text/xml"),
        "{}",
        reply.content_type
    );
    let doc = vastaus(&reply, "TeeHenkilonTunnusKysely");

    assert_eq!(attr(&doc, "sanomatunnus"), "PERUSSANOMA 3");
    assert_eq!(attr(&doc, "versio"), "1.0");
    let stamp = attr(&doc, "tietojenPoimintaaika");
    assert!(
        stamp.len() == 14 && stamp.bytes().all(|b| b.is_ascii_digit()),
        "{stamp}"
    );
    let schema_location = doc
        .attr(
            Some("http://www.w3.org/2001/XMLSchema-instance"),
            "schemaLocation",
        )
        .unwrap();
    assert_eq!(
        schema_location,
        "http://xml.vrk.fi/schema/vtjkysely PERUSSANOMA 3.xsd"
    );

    let info = doc.child(VTJ_NS, "Asiakasinfo").unwrap();
    let names: Vec<_> = info.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["InfoS", "InfoR", "InfoE"]);
    let s = &info.children[0].text; // dd.MM.yyyy HH:mm, the minute of tietojenPoimintaaika
    assert_eq!(
        s,
        &format!(
            "{}.{}.{} {}:{}",
            &stamp[6..8],
            &stamp[4..6],
            &stamp[0..4],
            &stamp[8..10],
            &stamp[10..12]
        )
    );

    assert_eq!(paluukoodi(&doc), ("0000".into(), "Haku onnistui".into()));
    let crit = doc.child(VTJ_NS, "Hakuperusteet").unwrap();
    assert_eq!(crit.children.len(), 1);
    let h = &crit.children[0];
    assert_eq!(h.name, "Henkilotunnus");
    assert_eq!(h.text, "020501A999T");
    assert_eq!(attr(h, "hakuperustePaluukoodi"), "1");
    assert_eq!(attr(h, "hakuperusteTekstiS"), "Löytyi");
    assert_eq!(attr(h, "hakuperusteTekstiR"), "Hittades");
    assert_eq!(attr(h, "hakuperusteTekstiE"), "Found");

    let order: Vec<_> = doc.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        order,
        ["Asiakasinfo", "Paluukoodi", "Hakuperusteet", "Henkilo"]
    );
    let henkilo = doc.child(VTJ_NS, "Henkilo").unwrap();
    let expected = xml_file("tests/expected/perussanoma3-020501A999T-henkilo.xml");
    assert_same_xml(henkilo, &expected);
    server.stop().await;
}

#[tokio::test]
async fn unknown_and_malformed_identity_codes_get_codes_not_data() {
    let server = TestServer::start().await;
    let client = server.client();
    // A valid test code nobody in the fixtures has.
    let reply = client
        .soso(
            "TeeHenkilonTunnusKysely",
            &person_query("PERUSSANOMA 3", "010101-999X"),
        )
        .await;
    let doc = vastaus(&reply, "TeeHenkilonTunnusKysely");
    assert_eq!(paluukoodi(&doc).0, "0001");
    assert_eq!(
        paluukoodi(&doc).1,
        "Hakuperusteella ei löydy tietoja vtj:stä"
    );
    let h = &doc.child(VTJ_NS, "Hakuperusteet").unwrap().children[0];
    assert_eq!(attr(h, "hakuperustePaluukoodi"), "0");
    assert_eq!(h.text, "010101-999X");
    assert!(doc.child(VTJ_NS, "Henkilo").is_none());

    // A wrong check character passes the schema's pattern and names no one (0006); a
    // code that breaks the pattern of HenkilotunnusTyyppi is refused by the schema (-1805).
    for (bad, code) in [
        ("020501A999X", "0006"),
        ("300201A999T", "-1805"),
        ("hello", "-1805"),
        ("020501A999T020501A999T", "-1805"),
        ("&lt;x&gt;", "-1805"),
    ] {
        let reply = client
            .soso(
                "TeeHenkilonTunnusKysely",
                &person_query("PERUSSANOMA 3", bad),
            )
            .await;
        let doc = vastaus(&reply, "TeeHenkilonTunnusKysely");
        assert_eq!(paluukoodi(&doc).0, code, "for {bad}");
        assert!(doc.child(VTJ_NS, "Henkilo").is_none(), "for {bad}");
    }
    server.stop().await;
}

#[tokio::test]
async fn refusals_carry_their_return_code_and_no_person_data() {
    let server = TestServer::start().await;
    let client = server.client();
    let op = "TeeHenkilonTunnusKysely";
    let q = |params: &[(&str, &str)]| soso_request(op, params);
    let cases: Vec<(&str, String)> = vec![
        (
            "-1500",
            q(&[
                ("SoSoNimi", "PERUSSANOMA 3"),
                ("Kayttajatunnus", "demo"),
                ("Salasana", "wrong"),
                ("Loppukayttaja", "u"),
                ("Henkilotunnus", "020501A999T"),
            ]),
        ),
        (
            "-1500",
            q(&[
                ("SoSoNimi", "PERUSSANOMA 3"),
                ("Kayttajatunnus", "nobody"),
                ("Salasana", "demo"),
                ("Loppukayttaja", "u"),
                ("Henkilotunnus", "020501A999T"),
            ]),
        ),
        (
            "0004",
            q(&[
                ("SoSoNimi", "PERUSSANOMA 3"),
                ("Salasana", "demo"),
                ("Loppukayttaja", "u"),
                ("Henkilotunnus", "020501A999T"),
            ]),
        ),
        (
            "0003",
            q(&[
                ("SoSoNimi", "PERUSSANOMA 3"),
                ("Kayttajatunnus", "demo"),
                ("Salasana", ""),
                ("Loppukayttaja", "u"),
                ("Henkilotunnus", "020501A999T"),
            ]),
        ),
        (
            "-1904",
            q(&[
                ("SoSoNimi", "PERUSSANOMA 3"),
                ("Kayttajatunnus", "demo"),
                ("Salasana", "demo"),
                ("Henkilotunnus", "020501A999T"),
            ]),
        ),
        (
            "-1900",
            q(&[
                ("SoSoNimi", "NO SUCH PRODUCT"),
                ("Kayttajatunnus", "demo"),
                ("Salasana", "demo"),
                ("Loppukayttaja", "u"),
                ("Henkilotunnus", "020501A999T"),
            ]),
        ),
    ];
    for (code, body) in cases {
        let reply = client.soso(op, &body).await;
        let doc = vastaus(&reply, op);
        assert_eq!(paluukoodi(&doc).0, code, "{body}");
        assert!(doc.child(VTJ_NS, "Henkilo").is_none(), "{body}");
        assert!(
            !reply.body.contains("Jäppinen"),
            "person data leaked: {}",
            reply.body
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn clients_without_a_trusted_certificate_are_refused_at_the_handshake() {
    let server = TestServer::start().await;
    let body = person_query("PERUSSANOMA 3", "020501A999T");
    let headers = [
        ("content-type", "text/xml"),
        ("soapaction", "http://tempuri.org/TeeHenkilonTunnusKysely"),
    ];
    // Under TLS 1.3 the client's handshake ends before the server's verdict; the refusal
    // (CertificateRequired) arrives on the first read, so the request as a whole fails.
    let no_cert = Client::new(server.addr, None)
        .request("POST", "/sosowebsite/soso.asmx", &headers, &body)
        .await;
    assert!(
        no_cert.is_err(),
        "a client without a certificate got {no_cert:?}"
    );
    for name in ["expired", "no-client-auth"] {
        let r = Client::new(server.addr, Some(name))
            .request("POST", "/sosowebsite/soso.asmx", &headers, &body)
            .await;
        assert!(r.is_err(), "certificate {name} got {r:?}");
    }
    // Nothing reached the operations, so nothing was audited.
    assert!(read_all(&server.app.audit).unwrap().is_empty());

    // A certificate of the trusted CA that no organisation claims: refused, and audited.
    let r = Client::new(server.addr, Some("other"))
        .request("POST", "/sosowebsite/soso.asmx", &headers, &body)
        .await
        .unwrap();
    assert_eq!(r.status, 403);
    assert!(
        r.body.contains("not registered to any organisation"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("Jäppinen"));
    let records = read_all(&server.app.audit).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].organisation, None);
    assert_eq!(records[0].return_code, "fault");
    assert!(
        records[0].cert_subject.contains("O=other"),
        "{}",
        records[0].cert_subject
    );
    server.stop().await;
}

#[tokio::test]
async fn every_query_answered_or_refused_is_audited_before_the_answer() {
    let server = TestServer::start().await;
    let client = server.client();
    let op = "TeeHenkilonTunnusKysely";
    client
        .soso(op, &person_query("Perussanoma 3", "020501A999T"))
        .await;
    client
        .soso(op, &person_query("PERUSSANOMA 3", "010101-999X"))
        .await;
    let wrong = soso_request(
        op,
        &[
            ("SoSoNimi", "PERUSSANOMA 3"),
            ("Kayttajatunnus", "demo"),
            ("Salasana", "wrong"),
            ("Loppukayttaja", "auditor-test"),
            ("Henkilotunnus", "020501A999T"),
        ],
    );
    client.soso(op, &wrong).await;
    // The records are readable as soon as the answers arrived: appended before replying.
    let records = read_all(&server.app.audit).unwrap();
    assert_eq!(records.len(), 3, "{records:#?}");
    let demo_fp = {
        let (pem, _) = client_identity("demo");
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        let der = CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
        vtj_emulator::tls::PeerIdentity::from_leaf(der.as_ref()).fingerprint_hex()
    };
    for r in &records {
        assert_eq!(r.organisation.as_deref(), Some("demo"));
        assert_eq!(r.cert_sha256, demo_fp);
        assert!(r.cert_subject.contains("O=demo"), "{}", r.cert_subject);
        assert_eq!(r.operation, op);
        assert_eq!(r.kayttajatunnus.as_deref(), Some("demo"));
        assert_eq!(r.product.as_deref(), Some("PERUSSANOMA 3"));
        assert!(
            !serde_json::to_string(r)
                .unwrap()
                .contains("\"demo\",\"Salasana")
        );
    }
    assert_eq!(records[0].return_code, "0000");
    assert_eq!(
        records[0].search_key,
        Some(("Henkilotunnus".to_string(), "020501A999T".to_string()))
    );
    assert!(
        records[0]
            .groups
            .contains(&"VakinainenKotimainenLahiosoite".to_string())
    );
    assert!(
        !records[0].groups.contains(&"Edunvalvonta".to_string()),
        "empty groups carry no data"
    );
    assert_eq!(records[1].return_code, "0001");
    assert!(records[1].groups.is_empty());
    assert_eq!(records[2].return_code, "-1500");
    assert_eq!(records[2].loppukayttaja.as_deref(), Some("auditor-test"));
    assert!(records[2].groups.is_empty());
    assert_eq!(records.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3]);
    server.stop().await;
}

#[tokio::test]
async fn non_disclosure_withholds_location_and_passive_codes_lead_to_the_person() {
    let server = TestServer::start().await;
    let client = server.client();
    let op = "TeeHenkilonTunnusKysely";
    let reply = client
        .soso(op, &person_query("PERUSSANOMA 3", "010180-9026"))
        .await;
    let doc = vastaus(&reply, op);
    let henkilo = doc.child(VTJ_NS, "Henkilo").unwrap();
    let address = henkilo
        .child(VTJ_NS, "VakinainenKotimainenLahiosoite")
        .unwrap();
    assert!(
        address.children.iter().all(|c| c.text.is_empty()),
        "{}",
        reply.body
    );
    assert!(!reply.body.contains("Salainen"), "{}", reply.body);
    let kielto = henkilo.child(VTJ_NS, "Turvakielto").unwrap();
    assert_eq!(kielto.children[0].text, "1");
    assert_eq!(kielto.children[1].text, "20300601");
    assert_eq!(
        henkilo.child(VTJ_NS, "NykyinenSukunimi").unwrap().children[0].text,
        "Suojattu"
    );

    let reply = client
        .soso(op, &person_query("PERUSSANOMA 3", "150575-913H"))
        .await;
    let doc = vastaus(&reply, op);
    assert_eq!(paluukoodi(&doc).0, "0002");
    let h = &doc.child(VTJ_NS, "Hakuperusteet").unwrap().children[0];
    assert_eq!(attr(h, "hakuperustePaluukoodi"), "2");
    let henkilo = doc.child(VTJ_NS, "Henkilo").unwrap();
    assert_eq!(
        henkilo.child(VTJ_NS, "Henkilotunnus").unwrap().text,
        "030370-946X"
    );

    let records = read_all(&server.app.audit).unwrap();
    assert!(records[0].non_disclosure_applied);
    assert!(!records[1].non_disclosure_applied);
    server.stop().await;
}

#[tokio::test]
async fn soap_action_forms_wsdl_faults_and_limits() {
    let server = TestServer::start().await;
    let client = server.client();
    let body = person_query("PERUSSANOMA 3", "020501A999T");
    for action in [
        None,
        Some("http://tempuri.org/TeeHenkilonTunnusKysely"),
        Some("\"\""),
    ] {
        let mut headers = vec![("content-type", "text/xml; charset=utf-8")];
        if let Some(a) = action {
            headers.push(("soapaction", a));
        }
        let r = client
            .request("POST", "/sosowebsite/soso.asmx", &headers, &body)
            .await
            .unwrap();
        let doc = vastaus(&r, "TeeHenkilonTunnusKysely");
        assert_eq!(paluukoodi(&doc).0, "0000", "action {action:?}");
    }

    // A mismatching action, malformed XML and a DOCTYPE are SOAP faults that say why.
    let r = client.soso("HaeTuotteenSkeema", &body).await;
    assert_eq!(r.status, 500);
    assert!(r.body.contains("does not match"), "{}", r.body);
    let r = client
        .soso("TeeHenkilonTunnusKysely", "<soap:Envelope")
        .await;
    assert_eq!(r.status, 500);
    assert!(
        r.body.contains("<faultcode>soap:Client</faultcode>"),
        "{}",
        r.body
    );
    let doctype = format!("<!DOCTYPE x [<!ENTITY e \"e\">]>{body}");
    let r = client.soso("TeeHenkilonTunnusKysely", &doctype).await;
    assert!(r.body.contains("DOCTYPE"), "{}", r.body);

    // The WSDL names all eight operations and this server's address.
    let r = client
        .request("GET", "/sosowebsite/soso.asmx?wsdl", &[], "")
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    let wsdl = r.xml();
    let port = server.addr.port();
    assert!(
        r.body.contains(&format!(
            "location=\"https://localhost:{port}/sosowebsite/soso.asmx\""
        )),
        "{}",
        r.body
    );
    for op in vtj_emulator::ops::request::Operation::ALL {
        assert!(
            r.body.contains(&format!("name=\"{}\"", op.name())),
            "{} missing",
            op.name()
        );
    }
    assert_eq!(wsdl.name, "definitions");

    // Bodies over the limit are refused with 413; other media types with 415.
    let big = "x".repeat(1024 * 1024 + 1);
    let r = client
        .request(
            "POST",
            "/sosowebsite/soso.asmx",
            &[("content-type", "text/xml")],
            &big,
        )
        .await
        .unwrap();
    assert_eq!(r.status, 413);
    let r = client
        .request(
            "POST",
            "/sosowebsite/soso.asmx",
            &[("content-type", "application/json")],
            "{}",
        )
        .await
        .unwrap();
    assert_eq!(r.status, 415);
    server.stop().await;
}

/// The binary as a newcomer runs it: `serve` on a port, a query, SIGTERM, a clean exit,
/// and `audit list` printing the record as a JSON line.
#[tokio::test]
async fn binary_serves_stops_on_sigterm_and_lists_the_audit_log() {
    use std::ffi::OsStr;
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let exe = env!("CARGO_BIN_EXE_vtj-emulator");
    let (mut child, addr) = serve_binary([OsStr::new("--data"), data.as_os_str()], Stdio::null());
    let reply = Client::new(addr, Some("demo"))
        .soso(
            "TeeHenkilonTunnusKysely",
            &person_query("PERUSSANOMA 3", "020501A999T"),
        )
        .await;
    assert_eq!(reply.status, 200);

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");

    let out = Command::new(exe)
        .args(["audit", "list", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 1, "{text}");
    assert_eq!(records[0]["return_code"], "0000");
    assert_eq!(records[0]["organisation"], "demo");
}
