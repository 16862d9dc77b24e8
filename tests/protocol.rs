//! Protocol fidelity of the direct interface: SOAP 1.2 answered in 1.2, faults of the
//! request's version (HTTP 400/415 where HTTP itself is wrong), and the shapes different
//! clients send (all or only the used elements, any prefixes, default namespaces, SOAPAction
//! forms, ISO-8859-1, whitespace and comments).

use crate::util::*;
use vtj_emulator::audit::read_all;

const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
const OP: &str = "TeeHenkilonTunnusKysely";

fn person(hetu: &str) -> Vec<(&str, &str)> {
    demo_params("PERUSSANOMA 3", &[("Henkilotunnus", hetu)])
}

#[tokio::test]
async fn soap12_requests_are_answered_in_soap12() {
    let server = TestServer::start().await;
    let reply = server
        .client()
        .soso12(OP, &soso12_request(OP, &person("020501A999T")))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply.content_type.starts_with("application/soap+xml"),
        "{}",
        reply.content_type
    );
    assert_eq!(reply.xml().ns.as_deref(), Some(SOAP12_NS));
    let doc = vastaus(&reply, OP);
    assert_eq!(return_code(&doc).0, "0000");
    let henkilo = doc.child(VTJ_NS, "Henkilo").unwrap();
    assert_eq!(henkilo.children[0].text, "020501A999T");
    server.stop().await;
}

/// Posts `body` as SOAP 1.1 or 1.2 with no action (the body element decides).
async fn post(client: &Client, v12: bool, body: &str) -> Reply {
    let ct = if v12 {
        "application/soap+xml; charset=utf-8"
    } else {
        "text/xml; charset=utf-8"
    };
    client
        .request(
            "POST",
            "/sosowebsite/soso.asmx",
            &[("content-type", ct)],
            body,
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn faults_come_in_the_requests_soap_version_and_say_what_is_wrong() {
    let server = TestServer::start().await;
    let client = server.client();
    for v12 in [false, true] {
        let (ns, sender) = if v12 {
            (SOAP12_NS, "soap:Sender")
        } else {
            (SOAP11_NS, "soap:Client")
        };
        let good = soso_request(OP, &person("020501A999T")).replace(SOAP11_NS, ns);
        let cases: Vec<(String, &str)> = vec![
            ("<soap:Envelope".into(), "not well-formed"),
            (format!("<!DOCTYPE x [<!ENTITY e \"e\">]>{good}"), "DOCTYPE"),
            (
                good.replace(OP, "TeeJotainMuuta"),
                "unknown operation TeeJotainMuuta",
            ),
            (
                format!(r#"<soap:Envelope xmlns:soap="{ns}"><soap:Header/></soap:Envelope>"#),
                "no Body",
            ),
            (
                format!(r#"<soap:Envelope xmlns:soap="{ns}"><soap:Body/></soap:Envelope>"#),
                "Body is empty",
            ),
        ];
        for (body, says) in cases {
            let r = post(&client, v12, &body).await;
            assert_eq!(r.status, 500, "{says}: {}", r.body);
            let env = r.xml();
            assert_eq!(env.ns.as_deref(), Some(ns), "{says}");
            assert!(r.body.contains(sender), "{says}: {}", r.body);
            let reason = fault_reason(&r);
            assert!(reason.contains(says), "expected {says:?} in {reason:?}");
        }
        // No body at all is an HTTP error, still answered with a fault of the version.
        let r = post(&client, v12, "").await;
        assert_eq!(r.status, 400);
        assert_eq!(r.xml().ns.as_deref(), Some(ns));
        assert!(fault_reason(&r).contains("no body"), "{}", r.body);
    }
    // A content type that is no SOAP version: 415 with a SOAP 1.1 fault naming it.
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
    assert!(fault_reason(&r).contains("application/json"), "{}", r.body);
    // A 1.1 envelope sent as 1.2 is a VersionMismatch fault.
    let r = post(&client, true, &soso_request(OP, &person("020501A999T"))).await;
    assert_eq!(r.status, 500);
    assert!(r.body.contains("VersionMismatch"), "{}", r.body);
    server.stop().await;
}

#[tokio::test]
async fn every_client_shape_gets_the_same_answer() {
    let server = TestServer::start().await;
    let client = server.client();
    let all13 = format!(
        r#"<soap:Envelope xmlns:soap="{SOAP11_NS}"><soap:Body><TeeHenkilonTunnusKysely xmlns="http://tempuri.org/">
        <SoSoNimi>PERUSSANOMA 3</SoSoNimi><Kayttajatunnus>demo</Kayttajatunnus><Salasana>demo</Salasana>
        <Loppukayttaja>koski</Loppukayttaja><Laskutustiedot></Laskutustiedot><Henkilotunnus>020501A999T</Henkilotunnus>
        <SahkoinenAsiointitunnus></SahkoinenAsiointitunnus><VarmenteenMyontaja></VarmenteenMyontaja>
        <X509Certificate></X509Certificate><VarmenteenVoimassaolotarkistus></VarmenteenVoimassaolotarkistus>
        <VarmenteenSulkulistatarkistus></VarmenteenSulkulistatarkistus><Tunnistusportaali></Tunnistusportaali>
        <Vara1/></TeeHenkilonTunnusKysely></soap:Body></soap:Envelope>"#
    );
    let only_used = soso_request(OP, &person("020501A999T"));
    let prefixed = format!(
        r#"<?xml version="1.0"?><S:Envelope xmlns:S="{SOAP11_NS}" xmlns:ns2="http://tempuri.org/"><S:Header/><S:Body><ns2:TeeHenkilonTunnusKysely><ns2:SoSoNimi>Perussanoma 3</ns2:SoSoNimi><ns2:Kayttajatunnus>demo</ns2:Kayttajatunnus><ns2:Salasana>demo</ns2:Salasana><ns2:Loppukayttaja>oph</ns2:Loppukayttaja><ns2:Henkilotunnus>020501A999T</ns2:Henkilotunnus></ns2:TeeHenkilonTunnusKysely></S:Body></S:Envelope>"#
    );
    let default_ns = format!(
        r#"<Envelope xmlns="{SOAP11_NS}"><Body><TeeHenkilonTunnusKysely xmlns="http://tempuri.org/"><SoSoNimi>Perussanoma 3</SoSoNimi><Kayttajatunnus>demo</Kayttajatunnus><Salasana>demo</Salasana><Loppukayttaja>x</Loppukayttaja><Henkilotunnus>020501A999T</Henkilotunnus></TeeHenkilonTunnusKysely></Body></Envelope>"#
    );
    let commented = format!(
        "<!-- before -->\n<?xml-stylesheet type=\"text/xsl\" href=\"x.xsl\"?>\n<soap:Envelope xmlns:soap=\"{SOAP11_NS}\">\n  <!-- c1 -->\n  <soap:Body>\n    <!-- c2 -->\n    <TeeHenkilonTunnusKysely xmlns=\"http://tempuri.org/\">\n      <SoSoNimi> Perussanoma 3 </SoSoNimi><!-- c3 -->\n      <Kayttajatunnus>demo</Kayttajatunnus>\n      <Salasana>demo</Salasana>\n      <Loppukayttaja>\n        x\n      </Loppukayttaja>\n      <Henkilotunnus><!-- c4 -->020501A999T<!-- c5 --></Henkilotunnus>\n    </TeeHenkilonTunnusKysely>\n  </soap:Body>\n</soap:Envelope>\n<!-- after -->\n"
    );
    for (name, body) in [
        ("all 13 elements", all13),
        ("only used elements", only_used.clone()),
        ("prefixes", prefixed),
        ("default namespaces", default_ns),
        ("whitespace and comments", commented),
    ] {
        let r = client.soso(OP, &body).await;
        let doc = vastaus(&r, OP);
        assert_eq!(return_code(&doc).0, "0000", "{name}: {}", r.body);
        assert!(doc.child(VTJ_NS, "Henkilo").is_some(), "{name}");
    }
    // SOAPAction quoted, unquoted, empty, absent: the body element decides when empty.
    for action in [
        Some("\"http://tempuri.org/TeeHenkilonTunnusKysely\""),
        Some("http://tempuri.org/TeeHenkilonTunnusKysely"),
        Some("\"\""),
        Some(""),
        None,
    ] {
        let mut headers = vec![("content-type", "text/xml; charset=utf-8")];
        if let Some(a) = action {
            headers.push(("soapaction", a));
        }
        let r = client
            .request("POST", "/sosowebsite/soso.asmx", &headers, &only_used)
            .await
            .unwrap();
        assert_eq!(return_code(&vastaus(&r, OP)).0, "0000", "{action:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn iso_8859_1_and_utf8_requests_are_decoded() {
    let server = TestServer::start().await;
    let client = server.client();
    let body = soso_request(
        OP,
        &demo_params("PERUSSANOMA 3", &[("Henkilotunnus", "020501A999T")]),
    )
    .replace("test-user-1", "käyttäjä-Åsa")
    .replace(r#"encoding="utf-8""#, r#"encoding="ISO-8859-1""#);
    let latin1: Vec<u8> = body.chars().map(|c| c as u32 as u8).collect();
    assert!(latin1.len() < body.len(), "the request really is Latin-1");
    let r = client
        .request_bytes(
            "POST",
            "/sosowebsite/soso.asmx",
            &[("content-type", "text/xml; charset=ISO-8859-1")],
            latin1,
        )
        .await
        .unwrap();
    assert_eq!(return_code(&vastaus(&r, OP)).0, "0000", "{}", r.body);
    let utf8 = body.replace(r#"encoding="ISO-8859-1""#, r#"encoding="UTF-8""#);
    let r = client.soso(OP, &utf8).await;
    assert_eq!(return_code(&vastaus(&r, OP)).0, "0000", "{}", r.body);
    let records = read_all(&server.app.audit).unwrap();
    let users: Vec<_> = records
        .iter()
        .map(|r| r.loppukayttaja.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(users, ["käyttäjä-Åsa", "käyttäjä-Åsa"]);
    server.stop().await;
}
