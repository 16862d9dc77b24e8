//! Permits as an organisation meets them: each flag and quota shown allowing and refusing,
//! password guessing locking a user, and idle users deactivated. The tests write their own
//! configuration and fixture files.

use std::sync::OnceLock;

use vtj_emulator::access::password;
use vtj_emulator::audit::read_all;
use vtj_emulator::config::Settings;
use vtj_emulator::xml::Element;

use crate::util::*;

/// The hash of "pw", computed once (argon2 is deliberately slow).
fn pw_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| password::hash("pw").unwrap())
}

const PERSONS: &str = r#"
[[person]]
hetu = "020501A999T"
last_name = "Elävä"
first_names = "Eino"
home_municipality = { code = "905", since = "2003-11-25" }

[[person]]
hetu = "010180-9026"
last_name = "Suojattu"
first_names = "Sanna"
non_disclosure = { until = "2030-06-01" }
home_municipality = { code = "091" }
[person.permanent_address]
street_fi = "Salainen katu"
number = "1"
postal_code = "00100"
post_office_fi = "HELSINKI"

[[person]]
hetu = "050548-951A"
last_name = "Edesmennyt"
first_names = "Erkki"
death_date = "2020-02-02"
"#;

/// Starts a server whose config has organisation `demo` (the demo certificate) with the
/// given extra TOML for its permit/quota and users, and the persons above.
async fn server(org_extra: &str, access: &str) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("persons.toml"), PERSONS).unwrap();
    let config = format!(
        r#"
{access}
[fixtures]
files = ["persons.toml"]

[[organisation]]
id = "demo"
name = "Demo"
certificates = [{{ subject_organisation = "demo" }}]
products = ["PERUSSANOMA 3"]
{org_extra}

[[organisation.user]]
kayttajatunnus = "u1"
password_hash = "{h}"

[[organisation.user]]
kayttajatunnus = "u2"
password_hash = "{h}"
"#,
        h = pw_hash()
    );
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    let mut settings = Settings::load(&dir.path().join("config.toml")).unwrap();
    settings.data_dir = dir.path().join("data");
    TestServer::start_with(settings, dir).await
}

fn query(user: &str, pw: &str, hetu: &str) -> String {
    soso_request(
        "TeeHenkilonTunnusKysely",
        &[
            ("SoSoNimi", "PERUSSANOMA 3"),
            ("Kayttajatunnus", user),
            ("Salasana", pw),
            ("Loppukayttaja", "permit-test"),
            ("Henkilotunnus", hetu),
        ],
    )
}

async fn ask(s: &TestServer, user: &str, pw: &str, hetu: &str) -> (Element, String) {
    let r = s
        .client()
        .soso("TeeHenkilonTunnusKysely", &query(user, pw, hetu))
        .await;
    (vastaus(&r, "TeeHenkilonTunnusKysely"), r.body)
}

fn code(doc: &Element) -> String {
    doc.child(VTJ_NS, "Paluukoodi")
        .unwrap()
        .attr(None, "koodi")
        .unwrap()
        .to_string()
}

fn last_refusal(s: &TestServer) -> Option<String> {
    read_all(&s.app.audit)
        .unwrap()
        .last()
        .unwrap()
        .refused_because
        .clone()
}

#[tokio::test]
async fn non_disclosure_right_shows_protected_addresses_only_when_granted() {
    for (granted, extra) in [
        (false, ""),
        (true, "[organisation.permit]\nnon_disclosure = true\n"),
    ] {
        let s = server(extra, "").await;
        let (doc, body) = ask(&s, "u1", "pw", "010180-9026").await;
        assert_eq!(code(&doc), "0000");
        assert_eq!(body.contains("Salainen katu 1"), granted, "{body}");
        let kielto = doc
            .child(VTJ_NS, "Henkilo")
            .unwrap()
            .child(VTJ_NS, "Turvakielto")
            .unwrap();
        assert_eq!(kielto.children[0].text, "1", "Turvakielto always says why");
        let rec = read_all(&s.app.audit).unwrap().pop().unwrap();
        assert_eq!(rec.non_disclosure_applied, !granted);
        s.stop().await;
    }
}

#[tokio::test]
async fn deceased_persons_data_only_with_the_right() {
    let s = server("", "").await;
    let (doc, body) = ask(&s, "u1", "pw", "050548-951A").await;
    assert_eq!(code(&doc), "0007");
    assert!(doc.child(VTJ_NS, "Henkilo").is_none());
    assert!(!body.contains("Edesmennyt"));
    s.stop().await;

    let s = server("[organisation.permit]\ndeceased = true\n", "").await;
    let (doc, _) = ask(&s, "u1", "pw", "050548-951A").await;
    assert_eq!(code(&doc), "0000");
    let kuolin = doc
        .child(VTJ_NS, "Henkilo")
        .unwrap()
        .child(VTJ_NS, "Kuolintiedot")
        .unwrap();
    assert_eq!(kuolin.children[1].text, "20200202");
    s.stop().await;
}

#[tokio::test]
async fn operations_and_products_per_user() {
    let extra = r#"operations = ["TeeHenkilonTunnusKysely", "HaeTuotteenSkeema"]"#;
    let s = server(extra, "").await;
    assert_eq!(code(&ask(&s, "u1", "pw", "020501A999T").await.0), "0000");
    s.stop().await;

    // An organisation whose permit lacks the person query.
    let s = server(r#"operations = ["HaeTuotteenSkeema"]"#, "").await;
    assert_eq!(code(&ask(&s, "u1", "pw", "020501A999T").await.0), "0019");
    assert!(last_refusal(&s).unwrap().contains("not in the permit"));
    s.stop().await;
}

#[tokio::test]
async fn rate_quota_refuses_bursts_and_admits_within() {
    let s = server("[organisation.quota]\nper_second = 3\nper_day = 0\n", "").await;
    let mut codes = Vec::new();
    for _ in 0..6 {
        codes.push(code(&ask(&s, "u1", "pw", "020501A999T").await.0));
    }
    assert_eq!(&codes[..3], ["0000", "0000", "0000"], "{codes:?}");
    assert!(
        codes[3..].iter().any(|c| c == "0005"),
        "a burst over 3/s must be refused: {codes:?}"
    );
    let refused = read_all(&s.app.audit)
        .unwrap()
        .into_iter()
        .filter(|r| r.refused_because.as_deref() == Some("rate quota exceeded"))
        .count();
    assert!(refused >= 1);
    s.stop().await;
}

#[tokio::test]
async fn daily_quota_refuses_after_the_count() {
    let s = server("[organisation.quota]\nper_second = 0\nper_day = 2\n", "").await;
    assert_eq!(code(&ask(&s, "u1", "pw", "020501A999T").await.0), "0000");
    assert_eq!(code(&ask(&s, "u2", "pw", "020501A999T").await.0), "0000");
    let (doc, body) = ask(&s, "u1", "pw", "020501A999T").await;
    assert_eq!(code(&doc), "0005");
    assert!(body.contains("enimmäismäärä"), "{body}");
    assert!(!body.contains("Elävä"));
    assert_eq!(last_refusal(&s).as_deref(), Some("daily quota exceeded"));
    assert_eq!(s.app.metrics.quota_refusals(), 1);
    s.stop().await;
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_user() {
    let s = server("", "[access]\nlockout_failures = 3\nlockout_minutes = 5\n").await;
    for _ in 0..2 {
        assert_eq!(
            code(&ask(&s, "u1", "guess", "020501A999T").await.0),
            "-1500"
        );
    }
    // Below the limit a right password still works and resets the count.
    assert_eq!(code(&ask(&s, "u1", "pw", "020501A999T").await.0), "0000");
    for _ in 0..3 {
        assert_eq!(
            code(&ask(&s, "u1", "guess", "020501A999T").await.0),
            "-1500"
        );
    }
    // Locked: even the right password is refused, with the same code.
    let (doc, body) = ask(&s, "u1", "pw", "020501A999T").await;
    assert_eq!(code(&doc), "-1500");
    assert!(!body.contains("Elävä"));
    assert_eq!(
        last_refusal(&s).as_deref(),
        Some("user locked after repeated wrong passwords")
    );
    // Another user of the organisation is not affected.
    assert_eq!(code(&ask(&s, "u2", "pw", "020501A999T").await.0), "0000");
    // The password is never in the audit record.
    let all = serde_json::to_string(&read_all(&s.app.audit).unwrap()).unwrap();
    assert!(!all.contains("guess"));
    s.stop().await;
}

#[tokio::test]
async fn idle_users_are_deactivated_and_reactivated_by_the_config() {
    // Record a last use five months ago in the store before the server opens it.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let db = sled::open(&data).unwrap();
        let lu = vtj_emulator::access::idle::LastUse::open(&db).unwrap();
        let old = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 150);
        lu.touch("demo", "u1", old).unwrap();
        db.flush().unwrap();
    }
    let today = jiff::Zoned::now().date();
    let reactivated_today = format!("reactivated = {today}\n");
    for (reactivate, expected) in [("", "-1500"), (reactivated_today.as_str(), "0000")] {
        let config = format!(
            "[fixtures]\nfiles = [\"persons.toml\"]\n[[organisation]]\nid = \"demo\"\nname = \"D\"\ncertificates = [{{ subject_organisation = \"demo\" }}]\nproducts = [\"PERUSSANOMA 3\"]\n[[organisation.user]]\nkayttajatunnus = \"u1\"\npassword_hash = \"{}\"\n{reactivate}",
            pw_hash()
        );
        std::fs::write(dir.path().join("persons.toml"), PERSONS).unwrap();
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        let mut settings = Settings::load(&dir.path().join("config.toml")).unwrap();
        settings.data_dir = data.clone();
        let keep = tempfile::tempdir().unwrap();
        let s = TestServer::start_with(settings, keep).await;
        let (doc, _) = ask(&s, "u1", "pw", "020501A999T").await;
        assert_eq!(code(&doc), expected, "reactivate: {reactivate:?}");
        if expected == "-1500" {
            assert!(
                last_refusal(&s).unwrap().starts_with("user deactivated"),
                "{:?}",
                last_refusal(&s)
            );
        }
        s.stop().await;
    }
}

#[test]
fn config_check_reports_rights_and_idle_users_and_refuses_plaintext() {
    use std::process::Command;
    let exe = env!("CARGO_BIN_EXE_vtj-emulator");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let db = sled::open(&data).unwrap();
        let lu = vtj_emulator::access::idle::LastUse::open(&db).unwrap();
        let old = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 150);
        lu.touch("demo", "u1", old).unwrap();
        lu.touch("demo", "u2", jiff::Timestamp::now()).unwrap();
        db.flush().unwrap();
    }
    let config = format!(
        "[[organisation]]\nid = \"demo\"\nname = \"D\"\nproducts = [\"PERUSSANOMA 3\"]\n[organisation.permit]\ndeceased = true\n[[organisation.user]]\nkayttajatunnus = \"u1\"\npassword_hash = \"{h}\"\n[[organisation.user]]\nkayttajatunnus = \"u2\"\npassword_hash = \"{h}\"\n",
        h = pw_hash()
    );
    let file = dir.path().join("c.toml");
    std::fs::write(&file, &config).unwrap();
    let out = Command::new(exe)
        .args(["config", "check"])
        .arg(&file)
        .arg("--data")
        .arg(&data)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("valid"), "{text}");
    assert!(text.contains("deceased persons yes"), "{text}");
    let u1 = text.split("user u1").nth(1).unwrap();
    assert!(u1.trim_start().starts_with("DEACTIVATED"), "{text}");
    let u2 = text.split("user u2").nth(1).unwrap();
    assert!(u2.trim_start().starts_with("active"), "{text}");

    std::fs::write(
        &file,
        config.replace(
            &format!("password_hash = \"{}\"", pw_hash()),
            "password = \"pw\"",
        ),
    )
    .unwrap();
    let out = Command::new(exe)
        .args(["config", "check"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("plaintext passwords are not accepted") && err.contains("c.toml: line"),
        "{err}"
    );
}

#[tokio::test]
async fn identification_and_extraction_need_their_permit_flags() {
    use vtj_emulator::ops::{
        authorise,
        request::{Operation, Params},
    };
    use vtj_emulator::soap::SoapVersion;
    let params = |op: Operation| {
        let xml = format!(
            r#"<{o} xmlns="http://tempuri.org/"><SoSoNimi>PERUSSANOMA 3</SoSoNimi><Kayttajatunnus>u1</Kayttajatunnus><Salasana>pw</Salasana><Loppukayttaja>t</Loppukayttaja><HakuXml>x</HakuXml></{o}>"#,
            o = op.name()
        );
        Params::read(
            op,
            &vtj_emulator::xml::parse(&xml).unwrap(),
            SoapVersion::V11,
        )
        .unwrap()
    };
    let searches = [
        (Operation::TeeHenkilonTunnistusKysely, "identification"),
        (Operation::TeeRakennuksenTunnistusKysely, "identification"),
        (Operation::TeeKiinteistonTunnistusKysely, "identification"),
        (Operation::TeeHenkilonPoimintaKysely, "extraction"),
    ];
    for granted in [false, true] {
        let flags =
            format!("[organisation.permit]\nidentification = {granted}\nextraction = {granted}\n");
        let s = server(&flags, "").await;
        let org = s.app.settings().access.organisations()[0].clone();
        for (op, flag) in searches {
            let r = authorise(&s.app, Some(&org), op, &params(op));
            match r {
                Ok(_) => assert!(granted, "{} allowed without {flag}", op.name()),
                Err(refusal) => {
                    assert!(!granted, "{} refused with {flag}: {refusal:?}", op.name());
                    assert_eq!(refusal.code.code(), "0019");
                }
            }
        }
        s.stop().await;
    }
}
