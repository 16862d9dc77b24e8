//! The console in a real browser (issue 19, item 6): Debian's Chromium driven headless over
//! WebDriver by Debian's chromedriver, one browser session for every flow: sign in, search,
//! open a record, open the subject report, see another organisation's record refused,
//! filter the catalogue, watch the live view. Screenshots go to `target/console-screenshots/`.
//! Needs the packages `chromium` and `chromium-driver` (`.ci/run` installs them);
//! `VTJ_SKIP_BROWSER=1` skips the test where they cannot be installed.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde_json::{Value, json};
use tokio::net::TcpStream;

use crate::console::{Consoled, EVIL, NON_DISCLOSED, PERSON};
use crate::util::repo;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// How long an element may take to appear.
const WAIT: Duration = Duration::from_secs(15);

/// chromedriver on a free loopback port; killed when dropped.
struct Driver {
    child: std::process::Child,
    port: u16,
}

impl Driver {
    async fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver { child, port };
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(v) = driver.call("GET", "/status", None).await
                && v["value"]["ready"] == true
            {
                return driver;
            }
            assert!(Instant::now() < deadline, "chromedriver did not get ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// One WebDriver command; the answer's JSON.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let tcp = TcpStream::connect(("127.0.0.1", self.port))
            .await
            .map_err(|e| e.to_string())?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
                .await
                .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", format!("127.0.0.1:{}", self.port))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(v)
        } else {
            Err(v["value"]["message"].as_str().unwrap_or("").to_string())
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session.
struct Session<'a> {
    driver: &'a Driver,
    id: String,
    base: String,
    shots: PathBuf,
    _profile: tempfile::TempDir,
}

impl<'a> Session<'a> {
    async fn open(driver: &'a Driver, base: String) -> Session<'a> {
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            // The test's own loopback console, whose certificate the test CA issued.
            "acceptInsecureCerts": true,
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        }}});
        let v = driver
            .call("POST", "/session", Some(caps))
            .await
            .expect("a browser session");
        let id = v["value"]["sessionId"].as_str().unwrap().to_string();
        let shots = repo().join("target/console-screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        Session {
            driver,
            id,
            base,
            shots,
            _profile: profile,
        }
    }

    async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.id);
        match self.driver.call(method, &path, body).await {
            Ok(v) => v["value"].clone(),
            Err(e) => panic!("WebDriver {method} {path}: {e}"),
        }
    }

    async fn go(&self, path: &str) {
        self.cmd(
            "POST",
            "/url",
            Some(json!({"url": format!("{}{path}", self.base)})),
        )
        .await;
    }

    /// The element `css` selects, waited for.
    async fn find(&self, css: &str) -> String {
        let path = format!("/session/{}/element", self.id);
        let deadline = Instant::now() + WAIT;
        loop {
            match self
                .driver
                .call(
                    "POST",
                    &path,
                    Some(json!({"using": "css selector", "value": css})),
                )
                .await
            {
                Ok(v) => {
                    return v["value"]
                        .as_object()
                        .and_then(|o| o.values().next())
                        .and_then(Value::as_str)
                        .unwrap()
                        .to_string();
                }
                Err(e) if Instant::now() > deadline => {
                    let page = self
                        .driver
                        .call("GET", &format!("/session/{}/source", self.id), None)
                        .await;
                    let page = page
                        .map(|v| v["value"].as_str().unwrap_or("").to_string())
                        .unwrap_or_default();
                    panic!("no element {css}: {e}\npage: {page}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Waits until the text of `css` contains `want`; returns the text.
    async fn text_with(&self, css: &str, want: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let e = self.find(css).await;
            let path = format!("/session/{}/element/{e}/text", self.id);
            if let Ok(v) = self.driver.call("GET", &path, None).await {
                let text = v["value"].as_str().unwrap_or("").to_string();
                if text.contains(want) {
                    return text;
                }
                assert!(
                    Instant::now() < deadline,
                    "{css} says {text:?}, not {want:?}"
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd("POST", &format!("/element/{e}/clear"), Some(json!({})))
            .await;
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({})))
            .await;
    }

    async fn script(&self, js: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": js, "args": []})),
        )
        .await
    }

    async fn screenshot(&self, name: &str) {
        use base64::Engine as _;
        let v = self.cmd("GET", "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    async fn save_pdf(&self, name: &str) {
        use base64::Engine as _;
        let v = self.cmd("POST", "/print", Some(json!({}))).await;
        let pdf = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap();
        assert!(pdf.starts_with(b"%PDF"), "not a PDF");
        std::fs::write(self.shots.join(format!("{name}.pdf")), pdf).unwrap();
    }

    async fn sign_in(&self, user: &str, password: &str) {
        self.go("/login").await;
        self.type_into("#f-user", user).await;
        self.type_into("#f-password", password).await;
        self.click("#sign-in").await;
        self.find("#who").await;
    }

    async fn sign_out(&self) {
        self.click("#sign-out").await;
        self.find("#login").await;
    }

    async fn close(self) {
        self.cmd("DELETE", "", None).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_works_in_a_real_browser() {
    if std::env::var_os("VTJ_SKIP_BROWSER").is_some() {
        eprintln!("VTJ_SKIP_BROWSER is set: the browser test is skipped");
        return;
    }
    assert!(
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
        "the browser test needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver), or VTJ_SKIP_BROWSER=1"
    );
    let c = Consoled::start(|_| {}).await;
    c.query("demo", "demo", "maija.meikalainen", PERSON).await;
    c.query("demo", "demo", EVIL, NON_DISCLOSED).await;
    c.query("other", "other-pw", "other-clerk", PERSON).await;
    let driver = Driver::start().await;
    let b = Session::open(&driver, format!("https://localhost:{}", c.console.port())).await;

    // Sign in as the auditor; search by subject.
    b.sign_in("auditor", "auditor").await;
    b.text_with("#who", "auditor auditor").await;
    b.type_into("#f-subject", PERSON).await;
    b.click("#search-submit").await;
    let results = b.text_with("#results", "maija.meikalainen").await;
    assert!(results.contains("other-clerk"), "{results}");
    b.screenshot("trail-search").await;

    // The <script> end user is text, never markup, in the browser too.
    b.go("/trail").await;
    b.text_with("#results", EVIL).await;
    let scripts = b
        .script("return document.querySelectorAll('main script, td script').length")
        .await;
    assert_eq!(scripts, 0);
    // … and in a search field: it comes back as the field's value and finds the record.
    b.type_into("#f-loppukayttaja", EVIL).await;
    b.click("#search-submit").await;
    b.text_with(".count", "Records 1–1").await;
    let echoed = b
        .script("return [document.getElementById('f-loppukayttaja').value, document.querySelectorAll('main script').length]")
        .await;
    assert_eq!(echoed, json!([EVIL, 0]));
    b.go("/trail").await;

    // A record in full, then its subject's report.
    b.click("#results .record-link").await;
    b.text_with("#record", "Chain position").await;
    b.text_with("#return-code", "0000").await;
    b.screenshot("trail-record").await;
    b.click("#subject-report-link").await;
    let report = b
        .text_with("#report", "Queries of the data of 020501A999T")
        .await;
    assert!(
        report.contains("maija.meikalainen") && report.contains("other-clerk"),
        "{report}"
    );
    b.screenshot("subject-report").await;
    // Printable: the browser's own print to PDF (the print style sheet drops navigation).
    b.save_pdf("subject-report").await;
    b.go("/trail/verify").await;
    b.text_with("#verify-state", "OK:").await;
    b.sign_out().await;

    // The other organisation's user is refused demo's record (record 1) by URL.
    b.sign_in("other", "other-pw").await;
    b.go("/trail/records/1").await;
    b.text_with(
        "#message",
        "Record 1 is not one of organisation other's records",
    )
    .await;
    b.screenshot("record-refused").await;
    b.sign_out().await;

    // An integrator filters the catalogue by edge case and opens a person.
    b.sign_in("demo", "demo").await;
    b.go("/catalogue").await;
    b.click("#f-case option[value=\"non-disclosure\"]").await;
    b.click("#filter-submit").await;
    b.text_with("#persons", NON_DISCLOSED).await;
    b.screenshot("catalogue").await;
    b.click("#persons .person-link").await;
    b.text_with("main", "PERUSSANOMA 3").await;
    b.screenshot("catalogue-person").await;

    // The live view draws the organisation's queries.
    b.go("/live").await;
    b.find("#live .live-org svg polyline").await;
    b.text_with("#live", "queries").await;
    b.screenshot("live").await;
    b.close().await;
    c.stop().await;
}
