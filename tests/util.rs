//! Shared test helpers: an in-process server on 127.0.0.1:0 with a temporary store, a real
//! mutual-TLS HTTP client, SOAP request builders and an element-by-element XML comparison.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;
use vtj_emulator::app::App;
use vtj_emulator::config::Settings;
use vtj_emulator::xml::{self, Element};

/// The committed argon2id hash of the demo password `demo` (as in config/default.toml).
pub const DEMO_PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$prefpFGYa51/CXvNquUPMg$qeW/I1C9rHd17xtcwK0guot7fX/7Nom1AqDjxSUNlR4";

/// Starts the real binary as `serve --listen 127.0.0.1:0 ARGS…` (from the repository root)
/// and returns it with the address it listens on, read from its first line. Its stdout is
/// drained in the background so the server never blocks on a full pipe.
pub fn serve_binary<I, S>(args: I, stderr: std::process::Stdio) -> (std::process::Child, SocketAddr)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    serve_binary_with_log(args, stderr, "info")
}

/// As [`serve_binary`], with `RUST_LOG` set to `log`.
pub fn serve_binary_with_log<I, S>(
    args: I,
    stderr: std::process::Stdio,
    log: &str,
) -> (std::process::Child, SocketAddr)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    serve_binary_env(args, stderr, log, &[])
}

/// As [`serve_binary_with_log`], with more environment variables.
pub fn serve_binary_env<I, S>(
    args: I,
    stderr: std::process::Stdio,
    log: &str,
    env: &[(&str, &str)],
) -> (std::process::Child, SocketAddr)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_vtj-emulator"))
        .current_dir(repo())
        .env("RUST_LOG", log)
        .envs(env.iter().copied())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .split("https://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .parse()
        .unwrap();
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

/// Sends SIGHUP (reload the configuration) to a server process.
pub fn hup(pid: u32) {
    assert!(
        std::process::Command::new("kill")
            .args(["-HUP", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
}

/// Stops a server process with SIGTERM, checks it exits cleanly and returns what it
/// logged (its standard error, which must be piped).
pub fn terminate_with_logs(child: &mut std::process::Child) -> String {
    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr piped"), &mut logs)
        .unwrap();
    assert!(child.wait().unwrap().success(), "{logs}");
    logs
}

/// Stops a server process with SIGTERM and checks it exits cleanly.
pub fn terminate(child: &mut std::process::Child) {
    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    assert!(child.wait().unwrap().success());
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `xmllint --noout --schema XSD DOCS…`; Err with its output when a document is invalid.
/// A machine without xmllint fails the test with the one command that sets it up.
pub fn xmllint(xsd: &Path, docs: &[PathBuf]) -> Result<(), String> {
    let out = std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .args(docs)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run xmllint ({e}): run scripts/test, which installs libxml2-utils")
        });
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

pub fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A client identity from the committed test PKI: `certs/clients/<name>.pem` and key.
pub fn client_identity(name: &str) -> (String, String) {
    (
        read(&format!("certs/clients/{name}.pem")),
        read(&format!("certs/clients/{name}-key.pem")),
    )
}

/// A TLS client configuration trusting the test CA, presenting `certs/clients/<identity>`.
pub fn client_tls(identity: Option<&str>) -> Arc<rustls::ClientConfig> {
    let ca = read("certs/ca.pem");
    let id = identity.map(client_identity);
    let config =
        vtj_emulator::tls::client_config(&ca, id.as_ref().map(|(c, k)| (c.as_str(), k.as_str())))
            .unwrap();
    Arc::new(config)
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub app: Arc<App>,
    /// Holds the temporary data directory for the server's lifetime.
    _dir: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts the server on the built-in defaults with a fresh data directory.
    pub async fn start() -> TestServer {
        Self::start_on(crate::pg::Store::Embedded).await
    }

    /// As [`TestServer::start`], the audit trail in `store`.
    pub async fn start_on(store: crate::pg::Store) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::builtin().unwrap();
        settings.data_dir = dir.path().join("data");
        crate::pg::use_store(&mut settings, store);
        Self::start_with(settings, dir).await
    }

    pub async fn start_with(settings: Settings, dir: tempfile::TempDir) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // A server stopped a moment ago may still hold the store (its audit writer lets go
        // when its last handle drops): retry briefly, as a restart would.
        let mut tries = 0;
        let app = loop {
            match App::open(settings.clone()) {
                Ok(app) => break app,
                Err(vtj_emulator::app::OpenError::Store { .. }) if tries < 50 => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot open the app: {e}"),
            }
        };
        let (tx, rx) = oneshot::channel::<()>();
        let server_app = app.clone();
        let task = tokio::spawn(async move {
            vtj_emulator::server::run(listener, server_app, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        TestServer {
            addr,
            app,
            _dir: dir,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    pub fn client(&self) -> Client {
        Client::new(self.addr, Some("demo"))
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap();
        }
    }
}

/// The reply of one HTTP request.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    pub fn xml(&self) -> Element {
        xml::parse(&self.body).unwrap_or_else(|e| panic!("reply is not XML ({e}): {}", self.body))
    }
}

/// A mutual-TLS HTTP/1.1 client (rustls + hyper), one connection per request.
pub struct Client {
    addr: SocketAddr,
    config: Arc<rustls::ClientConfig>,
}

impl Client {
    /// `identity`: a client certificate name under certs/clients/, or None for no certificate.
    pub fn new(addr: SocketAddr, identity: Option<&str>) -> Client {
        Client {
            addr,
            config: client_tls(identity),
        }
    }

    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<Reply, String> {
        self.request_bytes(method, path, headers, body.as_bytes().to_vec())
            .await
    }

    /// As [`Client::request`], with a body of any bytes (e.g. ISO-8859-1 text).
    pub async fn request_bytes(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Reply, String> {
        let tcp = TcpStream::connect(self.addr)
            .await
            .map_err(|e| e.to_string())?;
        let name = vtj_emulator::tls::server_name("localhost").unwrap();
        let tls = TlsConnector::from(self.config.clone())
            .connect(name, tcp)
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
                .await
                .map_err(|e| format!("http handshake: {e}"))?;
        tokio::spawn(conn);
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", format!("localhost:{}", self.addr.port()));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(Bytes::from(body))).unwrap();
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| format!("request: {e}"))?;
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("body: {e}"))?;
        Ok(Reply {
            status,
            content_type,
            body: String::from_utf8(body.to_bytes().to_vec()).map_err(|e| e.to_string())?,
        })
    }

    /// POSTs a SOAP 1.1 request to the direct interface with the operation's SOAPAction.
    pub async fn soso(&self, op: &str, body: &str) -> Reply {
        let action = format!("\"http://tempuri.org/{op}\"");
        self.request(
            "POST",
            "/sosowebsite/soso.asmx",
            &[
                ("content-type", "text/xml; charset=utf-8"),
                ("soapaction", &action),
            ],
            body,
        )
        .await
        .unwrap()
    }
}

/// The demo organisation (certificate organisation `demo`, user `demo` with password
/// `demo`) permitted `products`, as configuration text.
pub fn demo_organisation(products: &[&str]) -> String {
    format!(
        r#"
[[organisation]]
id = "demo"
name = "Demo"
certificates = [{{ subject_organisation = "demo" }}]
products = {products:?}

[[organisation.user]]
kayttajatunnus = "demo"
password_hash = "{DEMO_PASSWORD_HASH}"
"#
    )
}

/// A SOAP 1.1 envelope around a direct-interface operation with the given parameters.
pub fn soso_request(op: &str, params: &[(&str, &str)]) -> String {
    let mut inner = String::new();
    for (k, v) in params {
        inner.push_str(&format!("<{k}>{v}</{k}>"));
    }
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><{op} xmlns="http://tempuri.org/">{inner}</{op}></soap:Body></soap:Envelope>"#
    )
}

/// A person query by identity code with the demo credentials.
pub fn person_query(product: &str, hetu: &str) -> String {
    soso_request(
        "TeeHenkilonTunnusKysely",
        &[
            ("SoSoNimi", product),
            ("Kayttajatunnus", "demo"),
            ("Salasana", "demo"),
            ("Loppukayttaja", "test-user-1"),
            ("Henkilotunnus", hetu),
        ],
    )
}

/// The `VTJHenkiloVastaussanoma` inside a direct-interface reply.
pub fn vastaus(reply: &Reply, op: &str) -> Element {
    assert_eq!(reply.status, 200, "{}", reply.body);
    let env = reply.xml();
    let body = &env.children[0];
    let resp = body
        .child("http://tempuri.org/", &format!("{op}Response"))
        .unwrap_or_else(|| panic!("no {op}Response in {}", reply.body));
    let result = resp
        .child("http://tempuri.org/", &format!("{op}Result"))
        .unwrap();
    result
        .child(
            "http://xml.vrk.fi/schema/vtjkysely",
            "VTJHenkiloVastaussanoma",
        )
        .unwrap()
        .clone()
}

pub const VTJ_NS: &str = "http://xml.vrk.fi/schema/vtjkysely";

/// Compares two elements: namespace, name, attributes (any order), the text of leaves
/// exactly, and children in order. Panics naming the first difference's path.
pub fn assert_same_xml(actual: &Element, expected: &Element) {
    compare(actual, expected, &mut Vec::new());
}

fn compare(a: &Element, e: &Element, path: &mut Vec<String>) {
    path.push(e.name.clone());
    let at = path.join("/");
    assert_eq!(
        (&a.ns, &a.name),
        (&e.ns, &e.name),
        "element differs at {at}"
    );
    let mut aa = a.attrs.clone();
    let mut ea = e.attrs.clone();
    aa.sort();
    ea.sort();
    assert_eq!(aa, ea, "attributes differ at {at}");
    if e.children.is_empty() {
        assert_eq!(a.text, e.text, "text differs at {at}");
    }
    let names = |x: &Element| {
        x.children
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(a), names(e), "children differ at {at}");
    for (ac, ec) in a.children.iter().zip(&e.children) {
        compare(ac, ec, path);
    }
    path.pop();
}

/// Parses a project file (relative to the repository) as XML.
pub fn xml_file(rel: impl AsRef<Path>) -> Element {
    let rel = rel.as_ref();
    xml::parse(&read(&rel.display().to_string())).unwrap()
}

pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const XROAD_PATH: &str = "/SoSoAdapterWebSite/SoSoAdapterService60.svc";
pub const VTJ_WS_NS: &str = "http://xml.vrk.fi/ws/vtj/vtjkysely/1";

impl Client {
    /// POSTs a SOAP 1.2 request to the direct interface with the action in the content type.
    pub async fn soso12(&self, op: &str, body: &str) -> Reply {
        let ct = format!("application/soap+xml; charset=utf-8; action=\"http://tempuri.org/{op}\"");
        self.request(
            "POST",
            "/sosowebsite/soso.asmx",
            &[("content-type", &ct)],
            body,
        )
        .await
        .unwrap()
    }

    /// POSTs a request to the X-Road interface (SOAP 1.1, empty SOAPAction).
    pub async fn xroad(&self, body: &str) -> Reply {
        self.request(
            "POST",
            XROAD_PATH,
            &[
                ("content-type", "text/xml; charset=utf-8"),
                ("soapaction", "\"\""),
            ],
            body,
        )
        .await
        .unwrap()
    }
}

/// The SOAP 1.2 form of [`soso_request`].
pub fn soso12_request(op: &str, params: &[(&str, &str)]) -> String {
    soso_request(op, params).replace("http://schemas.xmlsoap.org/soap/envelope/", SOAP12_NS)
}

/// The X-Road 4.0 headers of the demo client `FI-TEST/MUN/0101263-6/evaka-test`.
pub fn xroad_headers(service_code: &str, id: &str) -> String {
    format!(
        r#"<xrd:client id:objectType="SUBSYSTEM"><id:xRoadInstance>FI-TEST</id:xRoadInstance><id:memberClass>MUN</id:memberClass><id:memberCode>0101263-6</id:memberCode><id:subsystemCode>evaka-test</id:subsystemCode></xrd:client><xrd:service id:objectType="SERVICE"><id:xRoadInstance>FI-TEST</id:xRoadInstance><id:memberClass>GOV</id:memberClass><id:memberCode>0245437-2</id:memberCode><id:subsystemCode>VTJkysely</id:subsystemCode><id:serviceCode>{service_code}</id:serviceCode><id:serviceVersion>v1</id:serviceVersion></xrd:service><xrd:id>{id}</xrd:id><xrd:userId>00000000-0000-0000-0000-000000000000</xrd:userId><xrd:issue/><xrd:protocolVersion>4.0</xrd:protocolVersion>"#
    )
}

/// An X-Road request envelope: `headers` (see [`xroad_headers`]) and `<Op><request>`.
pub fn xroad_request(op: &str, headers: &str, params: &[(&str, &str)]) -> String {
    let mut inner = String::new();
    for (k, v) in params {
        inner.push_str(&format!("<vtj:{k}>{v}</vtj:{k}>"));
    }
    format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xrd="http://x-road.eu/xsd/xroad.xsd" xmlns:id="http://x-road.eu/xsd/identifiers" xmlns:vtj="{VTJ_WS_NS}"><soapenv:Header>{headers}</soapenv:Header><soapenv:Body><vtj:{op}><vtj:request>{inner}</vtj:request></vtj:{op}></soapenv:Body></soapenv:Envelope>"#
    )
}

/// The demo credentials and end user, then `rest`.
pub fn demo_params<'a>(product: &'a str, rest: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut p = vec![
        ("SoSoNimi", product),
        ("Kayttajatunnus", "demo"),
        ("Salasana", "demo"),
        ("Loppukayttaja", "test-user-1"),
    ];
    p.extend_from_slice(rest);
    p
}

/// The `koodi` and text of a document's `Paluukoodi`.
pub fn return_code(doc: &Element) -> (String, String) {
    let p = doc.child(VTJ_NS, "Paluukoodi").expect("Paluukoodi");
    (
        p.attr(None, "koodi").unwrap_or("").to_string(),
        p.text.clone(),
    )
}

/// The SOAP fault's reason of either version, with the HTTP status.
pub fn fault_reason(reply: &Reply) -> String {
    let env = reply.xml();
    let body = env.children.last().expect("Body");
    let fault = body.children.first().expect("Fault");
    assert_eq!(fault.name, "Fault", "not a fault: {}", reply.body);
    match fault.child(SOAP12_NS, "Reason") {
        Some(r) => r.children[0].text.clone(),
        None => fault
            .children
            .iter()
            .find(|c| c.name == "faultstring")
            .map(|c| c.text.clone())
            .unwrap_or_default(),
    }
}
