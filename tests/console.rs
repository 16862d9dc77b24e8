//! The web console (issue 19) over real TLS: sign-in, strict cookies and CSRF, sessions that
//! expire, every trail read recorded as the admin API's are, an organisation's users kept to
//! their organisation's records whatever the URL or form says, escaped markup and clear
//! messages for bad input, the catalogue's cursor paging and product previews, the live
//! view's data. `console_browser.rs` drives the same pages in headless Chromium.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsConnector;
use vtj_emulator::audit::{AuditRecord, Filter, search};
use vtj_emulator::config::Settings;

use crate::util::*;

pub const OP: &str = "TeeHenkilonTunnusKysely";
/// A person of the fixtures under non-disclosure.
pub const NON_DISCLOSED: &str = "010180-9026";
pub const PERSON: &str = "020501A999T";
pub const EVIL: &str = "<script>alert('x')</script>";

/// The built-in configuration with a second organisation `other` (certificate O=other,
/// service user `other` / `other-pw`).
pub fn settings(dir: &tempfile::TempDir) -> Settings {
    let hash = vtj_emulator::access::password::hash("other-pw").unwrap();
    let text = format!(
        "{}\n[[organisation]]\nid = \"other\"\nname = \"Other (test)\"\ncertificates = [{{ subject_organisation = \"other\" }}]\nproducts = [\"PERUSSANOMA 3\"]\n[[organisation.user]]\nkayttajatunnus = \"other\"\npassword_hash = \"{hash}\"\n",
        vtj_emulator::config::DEFAULT_CONFIG
    );
    let mut s = Settings::from_toml(&text, "console test", None).unwrap();
    s.data_dir = dir.path().join("data");
    s
}

/// A server with its console on 127.0.0.1:0.
pub struct Consoled {
    pub server: TestServer,
    pub console: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Consoled {
    pub async fn start(adjust: impl FnOnce(&mut Settings)) -> Consoled {
        let dir = tempfile::tempdir().unwrap();
        let mut s = settings(&dir);
        adjust(&mut s);
        let server = TestServer::start_with(s, dir).await;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let console = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = server.app.clone();
        tokio::spawn(async move {
            vtj_emulator::console::run(listener, app, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Consoled {
            server,
            console,
            stop: Some(tx),
        }
    }

    /// A SOAP person query by `org`'s certificate (`demo` or `other`) as end user `user`.
    pub async fn query(&self, org: &str, password: &str, user: &str, hetu: &str) {
        let client = Client::new(self.server.addr, Some(org));
        let body = soso_request(
            OP,
            &[
                ("SoSoNimi", "PERUSSANOMA 3"),
                ("Kayttajatunnus", org),
                ("Salasana", password),
                ("Loppukayttaja", &vtj_emulator_escape(user)),
                ("Henkilotunnus", hetu),
            ],
        );
        let r = client.soso(OP, &body).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    pub fn browser(&self, identity: Option<&str>) -> Browser {
        Browser::new(self.console, identity)
    }

    /// Every audit record, oldest first.
    pub fn records(&self, filter: Filter) -> Vec<AuditRecord> {
        let store = self.server.app.audit.store();
        search::search(&*store, &filter).unwrap()
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        self.server.stop().await;
    }
}

fn vtj_emulator_escape(s: &str) -> String {
    let mut out = String::new();
    vtj_emulator::xml::escape_into(&mut out, s);
    out
}

/// One HTTP answer with its headers.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The target of the page's "next" link, if it has one.
    pub fn next(&self) -> Option<String> {
        self.body
            .split("<a href=\"")
            .find_map(|s| s.strip_suffix("\" id=\"next\">next →</a></p></main></body></html>\n"))
            .map(|link| link.replace("&amp;", "&"))
    }

    /// The value of the first `name="csrf"` field.
    pub fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a CSRF field")
            + 19;
        self.body[at..at + 64].to_string()
    }
}

/// A cookie-keeping HTTPS client of the console (a browser without a window).
pub struct Browser {
    addr: SocketAddr,
    config: Arc<rustls::ClientConfig>,
    pub cookies: HashMap<String, String>,
}

impl Browser {
    pub fn new(addr: SocketAddr, identity: Option<&str>) -> Browser {
        Browser {
            addr,
            config: client_tls(identity),
            cookies: HashMap::new(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.send("GET", path, "").await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", vtj_emulator::admin::encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send("POST", path, &body).await
    }

    /// Signs in with a password; returns the page the sign-in answered.
    pub async fn sign_in(&mut self, user: &str, password: &str) -> Page {
        let csrf = self.get("/login").await.csrf();
        self.post(
            "/login",
            &[("csrf", &csrf), ("user", user), ("password", password)],
        )
        .await
    }

    /// The CSRF token of the signed-in session (from any page's forms).
    pub async fn csrf(&mut self) -> String {
        self.get("/trail/subject").await.csrf()
    }

    async fn send(&mut self, method: &str, path: &str, body: &str) -> Page {
        let tcp = TcpStream::connect(self.addr).await.unwrap();
        let name = vtj_emulator::tls::server_name("localhost").unwrap();
        let tls = TlsConnector::from(self.config.clone())
            .connect(name, tcp)
            .await
            .unwrap();
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tls))
                .await
                .unwrap();
        tokio::spawn(conn);
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", format!("localhost:{}", self.addr.port()));
        if !cookie.is_empty() {
            req = req.header("cookie", cookie);
        }
        if method == "POST" {
            req = req.header("content-type", "application/x-www-form-urlencoded");
        }
        let resp = sender
            .send_request(req.body(Full::new(Bytes::from(body.to_string()))).unwrap())
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        for (k, v) in &headers {
            if k == "set-cookie" {
                let pair = v.split(';').next().unwrap();
                let (name, value) = pair.split_once('=').unwrap();
                if value.is_empty() {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.into(), value.into());
                }
            }
        }
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            headers,
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }
}

fn q(csrf: &str, pairs: &[(&str, &str)]) -> String {
    let mut all: Vec<(&str, &str)> = pairs.to_vec();
    all.push(("csrf", csrf));
    all.iter()
        .map(|(k, v)| format!("{k}={}", vtj_emulator::admin::encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test]
async fn sign_in_sets_strict_cookies_and_refuses_wrong_passwords_and_forged_forms() {
    let c = Consoled::start(|_| {}).await;
    let mut b = c.browser(None);
    // Not signed in: to the sign-in page.
    let p = b.get("/trail").await;
    assert_eq!((p.status, p.header("location")), (303, Some("/login")));

    let login = b.get("/login").await;
    let flags = login.header("set-cookie").unwrap();
    assert!(
        flags.contains("Secure; HttpOnly; SameSite=Strict"),
        "{flags}"
    );
    // A forged form (no matching token) signs nobody in, even with the right password.
    let p = b
        .post(
            "/login",
            &[
                ("csrf", &"0".repeat(64)),
                ("user", "auditor"),
                ("password", "auditor"),
            ],
        )
        .await;
    assert_eq!(p.status, 401);
    assert!(p.body.contains("CSRF token missing or wrong"), "{}", p.body);
    assert!(!b.cookies.contains_key("vtj_console"));

    let huge = "x".repeat(20_000);
    let p = b.post("/login", &[("user", &huge)]).await;
    assert_eq!(p.status, 413);
    assert!(
        p.body.contains("A console form is at most 16384 bytes."),
        "{}",
        p.body
    );

    let p = b.sign_in("auditor", "wrong").await;
    assert_eq!(p.status, 401);
    assert!(p.body.contains("Wrong user id or password."), "{}", p.body);
    let p = b.sign_in("nobody", "x").await;
    assert!(p.body.contains("Wrong user id or password."), "{}", p.body);

    let p = b.sign_in("auditor", "auditor").await;
    assert_eq!(
        (p.status, p.header("location")),
        (303, Some("/trail")),
        "{}",
        p.body
    );
    let session = p
        .headers
        .iter()
        .find(|(k, v)| k == "set-cookie" && v.starts_with("vtj_console="))
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(
        session.ends_with("; Path=/; Secure; HttpOnly; SameSite=Strict"),
        "{session}"
    );
    let p = b.get("/trail").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("auditor auditor"), "{}", p.body);
    assert!(
        p.header("content-security-policy")
            .unwrap()
            .contains("script-src 'self'")
    );

    // A form submitted without the session's token is refused.
    let p = b.get("/trail?subject=020501A999T").await;
    assert_eq!(p.status, 403);
    assert!(
        p.body.contains("CSRF token is missing or wrong"),
        "{}",
        p.body
    );
    let p = b
        .get(&format!("/trail?subject=x&csrf={}", "a".repeat(64)))
        .await;
    assert_eq!(p.status, 403);

    // A service user signs in with the SOAP credentials; sign-out needs the token too.
    let mut d = c.browser(None);
    assert_eq!(d.sign_in("demo", "demo").await.status, 303);
    let page = d.get("/trail").await;
    assert!(
        page.body.contains("demo of organisation demo"),
        "{}",
        page.body
    );
    let forged = d.post("/logout", &[("csrf", "nope")]).await;
    assert_eq!(forged.status, 403);
    assert_eq!(d.get("/trail").await.status, 200);
    let csrf = page.csrf();
    let out = d.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.header("location"), Some("/login"));
    assert_eq!(d.get("/trail").await.status, 303);
    c.stop().await;
}

#[tokio::test]
async fn sessions_expire_and_certificates_sign_in() {
    let c = Consoled::start(|s| {
        s.console.as_mut().unwrap().session_idle = Duration::from_millis(200);
    })
    .await;
    let mut b = c.browser(None);
    b.sign_in("auditor", "auditor").await;
    assert_eq!(b.get("/trail").await.status, 200);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let p = b.get("/trail").await;
    assert_eq!(
        (p.status, p.header("location")),
        (303, Some("/login?expired=1"))
    );
    let p = b.get("/login?expired=1").await;
    assert!(p.body.contains("Your session expired"), "{}", p.body);

    // The browser presents the auditor's certificate: a button signs it in.
    let mut a = c.browser(Some("auditor"));
    let login = a.get("/login").await;
    assert!(
        login
            .body
            .contains("Sign in as auditor auditor with your certificate"),
        "{}",
        login.body
    );
    let csrf = login.csrf();
    let p = a.post("/login/certificate", &[("csrf", &csrf)]).await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert!(a.get("/trail").await.body.contains("auditor auditor"));
    // The other organisation's certificate signs in as that organisation.
    let mut o = c.browser(Some("other"));
    let csrf = o.get("/login").await.csrf();
    assert_eq!(
        o.post("/login/certificate", &[("csrf", &csrf)])
            .await
            .status,
        303
    );
    assert!(
        o.get("/trail")
            .await
            .body
            .contains("organisation other (certificate)")
    );
    c.stop().await;
}

crate::both_stores!(
    every_console_read_is_recorded_as_the_admin_apis_are,
    an_organisations_user_cannot_read_another_organisations_records,
    the_trail_pages_fifty_records_at_a_time,
);

async fn every_console_read_is_recorded_as_the_admin_apis_are(store: crate::pg::Store) {
    let c = Consoled::start(|s| crate::pg::use_store(s, store)).await;
    c.query("demo", "demo", "alice", PERSON).await;
    let mut b = c.browser(None);
    b.sign_in("auditor", "auditor").await;
    let csrf = b.csrf().await;
    let before = c.records(Filter::default()).len();

    let p = b
        .get(&format!(
            "/trail?{}",
            q(&csrf, &[("loppukayttaja", "alice")])
        ))
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains("alice") && p.body.contains("record-link"),
        "{}",
        p.body
    );
    let p = b.get("/trail/records/1").await;
    assert!(
        p.body.contains("PERUSSANOMA 3") && p.body.contains("Chain position"),
        "{}",
        p.body
    );
    let p = b
        .get(&format!(
            "/trail/subject?{}",
            q(&csrf, &[("subject", PERSON)])
        ))
        .await;
    assert!(
        p.body.contains("Queries of the data of 020501A999T"),
        "{}",
        p.body
    );
    assert!(p.body.contains("alice"), "{}", p.body);
    let p = b.get("/trail/verify").await;
    assert!(p.body.contains("id=\"verify-state\">OK:"), "{}", p.body);

    let reads: Vec<_> = c
        .records(Filter::default())
        .into_iter()
        .skip(before)
        .filter(|r| r.interface == "console")
        .collect();
    let ops: Vec<_> = reads.iter().map(|r| r.operation.as_str()).collect();
    // `/trail/subject` with no subject (fetching the token) reads nothing.
    assert_eq!(
        ops,
        [
            "audit.search",
            "audit.show",
            "audit.subject-report",
            "audit.verify"
        ]
    );
    assert!(
        reads
            .iter()
            .all(|r| r.kayttajatunnus.as_deref() == Some("auditor"))
    );
    assert!(
        reads[0]
            .filters
            .as_deref()
            .unwrap()
            .contains("\"loppukayttaja\":\"alice\"")
    );
    assert_eq!(reads[1].filters.as_deref(), Some("{\"seq\":1}"));
    // The subject an auditor looked for is not a subject of the population's queries.
    let subject = c.records(Filter {
        subject: Some(PERSON.into()),
        ..Filter::default()
    });
    assert!(
        subject.iter().all(|r| r.interface == "direct"),
        "{subject:?}"
    );
    c.stop().await;
}

async fn an_organisations_user_cannot_read_another_organisations_records(store: crate::pg::Store) {
    let c = Consoled::start(|s| crate::pg::use_store(s, store)).await;
    c.query("demo", "demo", "demo-clerk", PERSON).await; // record 1: demo's
    c.query("other", "other-pw", "other-clerk", PERSON).await; // record 2: other's
    let mut o = c.browser(None);
    assert_eq!(o.sign_in("other", "other-pw").await.status, 303);
    let csrf = o.csrf().await;

    let p = o.get("/trail").await;
    assert!(
        p.body.contains("other-clerk") && !p.body.contains("demo-clerk"),
        "{}",
        p.body
    );
    // Changing the form's organisation field is refused, not obeyed.
    let p = o
        .get(&format!("/trail?{}", q(&csrf, &[("organisation", "demo")])))
        .await;
    assert_eq!(p.status, 403);
    assert!(
        p.body.contains("You may read only organisation other"),
        "{}",
        p.body
    );
    assert!(!p.body.contains("demo-clerk"));
    // Other filters stay inside the organisation.
    let p = o
        .get(&format!(
            "/trail?{}",
            q(&csrf, &[("loppukayttaja", "demo-clerk")])
        ))
        .await;
    assert!(p.body.contains("No records match"), "{}", p.body);
    // Changing the URL to demo's record is refused.
    let p = o.get("/trail/records/1").await;
    assert_eq!(p.status, 403);
    assert!(
        p.body.contains("Record 1 is not one of organisation other"),
        "{}",
        p.body
    );
    assert!(!p.body.contains("demo-clerk"));
    let p = o.get("/trail/records/2").await;
    assert_eq!(p.status, 200);
    assert!(p.body.contains("other-clerk"));
    // The subject report lists only the organisation's own queries of the person.
    let p = o
        .get(&format!(
            "/trail/subject?{}",
            q(&csrf, &[("subject", PERSON)])
        ))
        .await;
    assert!(
        p.body.contains("other-clerk") && !p.body.contains("demo-clerk"),
        "{}",
        p.body
    );
    assert!(p.body.contains("organisation other only"));
    // The chain's verification is for auditors.
    assert_eq!(o.get("/trail/verify").await.status, 403);
    // The refusals are in the log of the log.
    let refused: Vec<_> = c
        .records(Filter {
            organisation: Some("other".into()),
            return_code: Some("403".into()),
            ..Filter::default()
        })
        .into_iter()
        .map(|r| r.operation)
        .collect();
    assert_eq!(refused, ["audit.search", "audit.show", "audit.verify"]);
    c.stop().await;
}

#[tokio::test]
async fn markup_is_escaped_and_bad_input_gets_a_message_in_the_page() {
    let c = Consoled::start(|_| {}).await;
    c.query("demo", "demo", EVIL, PERSON).await;
    let mut b = c.browser(None);
    b.sign_in("auditor", "auditor").await;
    let csrf = b.csrf().await;
    let p = b.get("/trail").await;
    assert!(!p.body.contains("<script>alert"), "{}", p.body);
    assert!(
        p.body
            .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"),
        "{}",
        p.body
    );
    let p = b
        .get(&format!("/trail?{}", q(&csrf, &[("loppukayttaja", EVIL)])))
        .await;
    assert_eq!(p.status, 200);
    assert!(!p.body.contains("<script>alert"), "{}", p.body);
    assert!(p.body.contains("value=\"&lt;script&gt;"), "{}", p.body);
    let p = b
        .get(&format!(
            "/trail/subject?{}",
            q(&csrf, &[("subject", EVIL)])
        ))
        .await;
    assert!(!p.body.contains("<script>alert"), "{}", p.body);

    for (path, status, text) in [
        (
            format!("/trail?{}", q(&csrf, &[("from", "<b>yesterday")])),
            400,
            "from &quot;&lt;b&gt;yesterday&quot; is neither an RFC 3339 time",
        ),
        (
            format!("/trail?{}", q(&csrf, &[("page", "0")])),
            400,
            "is not a page number",
        ),
        (
            format!("/trail?{}", q(&csrf, &[("password", "x")])),
            400,
            "unknown filter &quot;password&quot;",
        ),
        (
            "/trail/records/abc".to_string(),
            400,
            "&quot;abc&quot; is not a record number",
        ),
        (
            "/trail/records/999999".to_string(),
            404,
            "There is no record 999999",
        ),
        (
            format!("/trail/subject?{}", q(&csrf, &[("subject", " ")])),
            400,
            "Give the subject",
        ),
        (
            format!("/catalogue?{}", q(&csrf, &[("case", "<i>")])),
            400,
            "There is no edge case",
        ),
        (
            format!("/catalogue?{}", q(&csrf, &[("century", "Q")])),
            400,
            "is not a century sign",
        ),
        (
            "/catalogue/persons/nonsense".to_string(),
            400,
            "is not a personal identity code",
        ),
        (
            "/no/such/page".to_string(),
            404,
            "There is no console page /no/such/page.",
        ),
        (format!("/live/data?minutes=99&csrf={csrf}"), 400, "minutes"),
    ] {
        let p = b.get(&path).await;
        assert_eq!(p.status, status, "{path}: {}", p.body);
        assert!(p.body.contains(text), "{path}: {}", p.body);
        assert!(
            !p.body.contains("panicked") && !p.body.contains("RUST_BACKTRACE"),
            "{path}"
        );
    }
    c.stop().await;
}

#[tokio::test]
async fn the_catalogue_pages_by_cursor_filters_edge_cases_and_previews_products() {
    use vtj_emulator::registry::generate::{Options, Reserved, generate};
    let c = Consoled::start(|_| {}).await;
    let registry = &c.server.app.registry;
    generate(
        registry,
        Options {
            persons: 400,
            seed: 7,
            threads: 1,
        },
        &Reserved::default(),
        &|_, _| {},
    )
    .unwrap();
    vtj_emulator::registry::fixtures::Fixtures::builtin()
        .unwrap()
        .import(registry)
        .unwrap();
    let stored: Vec<String> = registry
        .persons()
        .map(|p| p.unwrap().hetu.to_string())
        .collect();

    let mut b = c.browser(None);
    b.sign_in("demo", "demo").await;
    let csrf = b.csrf().await;
    // Every page, by following "next": each stored person once, in key order.
    let mut seen = Vec::new();
    let mut path = "/catalogue".to_string();
    loop {
        let p = b.get(&path).await;
        assert_eq!(p.status, 200, "{}", p.body);
        for part in p.body.split("class=\"person-link\">").skip(1) {
            seen.push(part[..part.find('<').unwrap()].to_string());
        }
        match p.next() {
            Some(next) => path = next,
            None => break,
        }
    }
    assert_eq!(seen, stored);

    // Edge cases: the fixture under non-disclosure is listed, and only such persons are.
    let p = b
        .get(&format!(
            "/catalogue?{}",
            q(&csrf, &[("case", "non-disclosure"), ("source", "fixture")])
        ))
        .await;
    assert!(p.body.contains(NON_DISCLOSED), "{}", p.body);
    let listed: Vec<_> = p
        .body
        .split("class=\"person-link\">")
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_string())
        .collect();
    for h in &listed {
        let person = registry.get(&h.parse().unwrap()).unwrap().unwrap();
        assert!(person.non_disclosure.is_some(), "{h}");
    }
    let p = b
        .get(&format!(
            "/catalogue?{}",
            q(&csrf, &[("century", "A"), ("source", "generated")])
        ))
        .await;
    for part in p.body.split("class=\"person-link\">").skip(1) {
        assert_eq!(part.as_bytes()[6], b'A', "{part}");
    }
    // Fixtures only: exactly the fixtures' codes, in key order.
    let fixtures: Vec<String> = {
        let mut f: Vec<String> = vtj_emulator::registry::fixtures::Fixtures::builtin()
            .unwrap()
            .persons
            .iter()
            .map(|p| p.hetu.to_string())
            .collect();
        f.sort();
        f
    };
    let p = b
        .get(&format!(
            "/catalogue?{}",
            q(&csrf, &[("source", "fixture")])
        ))
        .await;
    let listed: Vec<String> = p
        .body
        .split("class=\"person-link\">")
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_string())
        .collect();
    assert_eq!(listed, fixtures[..25], "{}", p.body);
    // By product: persons whose PERUSSANOMA 3 answer carries more than the name.
    let p = b
        .get(&format!(
            "/catalogue?{}",
            q(&csrf, &[("product", "PERUSSANOMA 3")])
        ))
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(
        p.body.matches("class=\"person-link\"").count(),
        25,
        "{}",
        p.body
    );
    // A product not permitted is a message, not a list.
    let p = b
        .get(&format!(
            "/catalogue?{}",
            q(&csrf, &[("product", "HUOLTAJA-HUOLLETTAVAT")])
        ))
        .await;
    assert_eq!(p.status, 400);
    assert!(
        p.body.contains("is not one of your organisation"),
        "{}",
        p.body
    );

    // A person: what the product answers (non-disclosure withholds the address from demo),
    // a SOAP request and a curl line, and the view is in the subject's audit trail.
    let p = b.get(&format!("/catalogue/persons/{NON_DISCLOSED}")).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("<h2>PERUSSANOMA 3</h2>"), "{}", p.body);
    assert!(
        p.body.contains("&lt;Paluukoodi koodi=&quot;0000&quot;"),
        "{}",
        p.body
    );
    assert!(
        p.body
            .contains("&lt;Henkilotunnus&gt;010180-9026&lt;/Henkilotunnus&gt;"),
        "{}",
        p.body
    );
    assert!(p.body.contains("curl --cacert certs/ca.pem"), "{}", p.body);
    assert!(
        p.body.contains(
            "&lt;SoSoNimi&gt;PERUSSANOMA 3&lt;/SoSoNimi&gt;&lt;Kayttajatunnus&gt;demo&lt;"
        ),
        "{}",
        p.body
    );
    let viewed = c.records(Filter {
        subject: Some(NON_DISCLOSED.into()),
        ..Filter::default()
    });
    assert_eq!(viewed.len(), 1);
    assert_eq!(viewed[0].operation, "console.catalogue.person");
    assert_eq!(viewed[0].kayttajatunnus.as_deref(), Some("demo"));

    // Products with their groups and schemas.
    let p = b.get("/catalogue/products").await;
    assert!(
        p.body.contains("<h2>PERUSSANOMA 3</h2>") && p.body.contains("NykyinenSukunimi"),
        "{}",
        p.body
    );
    let xsd = b.get("/catalogue/schemas/PERUSSANOMA%203.xsd").await;
    assert_eq!(xsd.status, 200);
    assert!(xsd.body.contains("<xs:schema"), "{}", xsd.body);
    assert_eq!(
        b.get("/catalogue/schemas/HUOLTAJA-HUOLLETTAVAT.xsd")
            .await
            .status,
        404
    );
    c.stop().await;
}

#[tokio::test]
async fn the_live_view_counts_each_organisations_queries_from_the_metrics() {
    let c = Consoled::start(|_| {}).await;
    let mut b = c.browser(None);
    b.sign_in("other", "other-pw").await;
    let mut a = c.browser(None);
    a.sign_in("auditor", "auditor").await;
    assert!(
        a.get("/live")
            .await
            .body
            .contains("data-live=\"/live/data\"")
    );
    c.query("demo", "demo", "x", PERSON).await;
    c.query("other", "other-pw", "y", PERSON).await;
    c.query("other", "wrong", "y", PERSON).await;
    // Wait for a sample after the queries (the sampler runs every two seconds).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let data = loop {
        let p = a.get("/live/data?minutes=1").await;
        let v: serde_json::Value = serde_json::from_str(&p.body).unwrap();
        let total: u64 = v["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["queries"].as_u64().unwrap())
            .sum();
        let codes = v["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["organisation"] == "other")
            .map(|o| o["codes"].as_object().unwrap().len())
            .sum::<usize>();
        if total >= 3 && codes == 2 || std::time::Instant::now() > deadline {
            break v;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let orgs: Vec<_> = data["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["organisation"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(orgs, ["demo", "other"], "{data}");
    let other = &data["organisations"][1];
    assert_eq!(other["codes"]["0000"], 1, "{data}");
    assert_eq!(other["codes"]["-1500"], 1, "{data}");
    assert!(other["p50_ms"].as_f64().unwrap() > 0.0, "{data}");
    // An organisation's user sees only its own organisation.
    let mine: serde_json::Value =
        serde_json::from_str(&b.get("/live/data?minutes=1").await.body).unwrap();
    let orgs: Vec<_> = mine["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["organisation"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(orgs, ["other"], "{mine}");
    c.stop().await;
}

async fn the_trail_pages_fifty_records_at_a_time(store: crate::pg::Store) {
    let c = Consoled::start(|s| crate::pg::use_store(s, store)).await;
    for i in 0..51 {
        c.query("demo", "demo", &format!("clerk-{i:02}"), PERSON)
            .await;
    }
    let mut b = c.browser(None);
    b.sign_in("auditor", "auditor").await;
    let csrf = b.csrf().await;
    let first = b
        .get(&format!("/trail?{}", q(&csrf, &[("operation", OP)])))
        .await;
    assert!(
        first
            .body
            .contains("Records 1–50 (oldest first), more follow."),
        "{}",
        first.body
    );
    assert!(first.body.contains("clerk-49") && !first.body.contains("clerk-50"));
    let next = first.next().expect("a next link");
    let second = b.get(&next).await;
    assert!(
        second.body.contains("Records 51–51 (oldest first)."),
        "{}",
        second.body
    );
    assert!(second.body.contains("clerk-50") && !second.body.contains("clerk-49"));
    assert!(second.body.contains("id=\"prev\""));
    assert!(!second.body.contains("id=\"next\""));
    let p = b
        .get(&format!("/trail?{}", q(&csrf, &[("page", "201")])))
        .await;
    assert_eq!(p.status, 400);
    assert!(
        p.body.contains("is not a page number from 1 to 200"),
        "{}",
        p.body
    );
    c.stop().await;
}
