//! The population commands as a user runs them: `population generate` twice with one seed
//! gives the same content, `population stats` counts what is stored, `population sample`
//! lists stored codes spread over the store, and a server started
//! on the generated store answers for a generated person as well as for a fixture person.

use std::process::Command;

use vtj_emulator::config::Settings;
use vtj_emulator::registry::Registry;

use crate::util::{TestServer, VTJ_NS, person_query, vastaus};

fn cli(args: &[&str]) -> String {
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
}

fn digest(out: &str) -> &str {
    out.lines()
        .find_map(|l| l.strip_prefix("content digest (seed 7): "))
        .unwrap_or_else(|| panic!("no digest in {out}"))
}

fn count(stats: &str, name: &str) -> u64 {
    stats
        .lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {name:?} in {stats}"))
}

#[tokio::test]
async fn generate_is_deterministic_stats_count_and_the_server_answers() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let (a_str, b_str) = (a.to_str().unwrap(), b.to_str().unwrap());
    let gen_args = ["population", "generate", "--persons", "1500", "--seed", "7"];
    let out_a = cli(&[&gen_args[..], &["--data", a_str]].concat());
    let out_b = cli(&[&gen_args[..], &["--data", b_str]].concat());
    assert_eq!(digest(&out_a), digest(&out_b));
    // A second population never mixes into the first.
    let again = Command::new(env!("CARGO_BIN_EXE_vtj-emulator"))
        .args([&gen_args[..], &["--data", b_str]].concat())
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds a generated population")
    );

    // A sample for `loadtest --hetu-file`: stored codes, spread over the store, repeatable,
    // and the same from the second run's store, whose counts agree too.
    let sample = cli(&["population", "sample", "--count", "200", "--data", a_str]);
    assert_eq!(
        sample,
        cli(&["population", "sample", "--count", "200", "--data", b_str])
    );
    assert_eq!(
        cli(&["population", "stats", "--data", a_str]),
        cli(&["population", "stats", "--data", b_str])
    );
    let codes: Vec<&str> = sample.lines().collect();
    assert_eq!(codes.len(), 200);
    let distinct: std::collections::BTreeSet<&str> = codes.iter().copied().collect();
    assert!(
        distinct.len() > 150,
        "spread, not one code again: {}",
        distinct.len()
    );
    let births: std::collections::BTreeSet<&str> = codes.iter().map(|c| &c[4..6]).collect();
    assert!(births.len() > 40, "birth years from all over: {births:?}");
    // The same persons' identification criteria, for `loadtest --criteria-file`.
    let criteria = cli(&[
        "population",
        "sample",
        "--count",
        "200",
        "--criteria",
        "--data",
        a_str,
    ]);
    let lines: Vec<&str> = criteria.lines().collect();
    assert_eq!(lines.len(), 200);
    for (line, code) in lines.iter().zip(&codes) {
        let fields: Vec<&str> = line.split(';').collect();
        assert_eq!(fields.len(), 3, "{line}");
        let (surname, first, birth) = (fields[0], fields[1], fields[2]);
        assert!(
            !first.is_empty() && surname == surname.to_uppercase(),
            "{line}"
        );
        let hetu: vtj_emulator::ids::Hetu = code.parse().unwrap();
        assert_eq!(birth, hetu.birth_date().strftime("%Y%m%d").to_string());
    }

    let stats = cli(&["population", "stats", "--data", a_str]);
    let fixtures = vtj_emulator::registry::fixtures::Fixtures::builtin().unwrap();
    assert_eq!(
        count(&stats, "persons"),
        1500 + fixtures.persons.len() as u64
    );
    for name in [
        "buildings",
        "dwellings",
        "properties",
        "minors with guardians",
    ] {
        assert!(count(&stats, name) > 0, "{name}: {stats}");
    }
    assert!(
        count(&stats, "deceased") >= 1,
        "the fixtures' deceased person"
    );
    assert!(count(&stats, "under non-disclosure") >= 1);

    // A generated person, found through the store the server opens.
    let generated = {
        let reg = Registry::open_dir(&a, vtj_emulator::registry::store::CACHE_BYTES).unwrap();
        let mut key = reg.hetu_at_or_after("0").unwrap();
        while let Some(h) = key.clone() {
            let p = reg.get(&h).unwrap().unwrap();
            if p.permanent_address.is_some() && p.non_disclosure.is_none() {
                break;
            }
            key = reg.hetu_at_or_after(&format!("{h}!")).unwrap();
        }
        key.expect("a generated person with an address")
    };
    let mut settings = Settings::builtin().unwrap();
    settings.data_dir = a.clone();
    let server = TestServer::start_with(settings, dir).await;
    for hetu in [generated.as_str(), "311211A9527"] {
        let reply = server
            .client()
            .soso(
                "TeeHenkilonTunnusKysely",
                &person_query("Perussanoma 3", hetu),
            )
            .await;
        let doc = vastaus(&reply, "TeeHenkilonTunnusKysely");
        let code = doc.child(VTJ_NS, "Paluukoodi").unwrap();
        assert_eq!(
            code.attr(None, "koodi"),
            Some("0000"),
            "{hetu}: {}",
            reply.body
        );
        let person = doc.child(VTJ_NS, "Henkilo").unwrap();
        let id = person.child(VTJ_NS, "Henkilotunnus").unwrap();
        assert_eq!(id.text.trim(), hetu);
    }
    server.stop().await;
}

/// A generation stopped by Ctrl-C (SIGINT) leaves a store that the server and the
/// population commands refuse, saying what to do.
#[test]
fn an_interrupted_generation_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("c");
    let data_str = data.to_str().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vtj-emulator"))
        .args([
            "population",
            "generate",
            "--persons",
            "5000000",
            "--data",
            data_str,
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Interrupted once it has begun writing.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !data.join("registry.generating").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the generation never began"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(!child.wait().unwrap().success());
    for args in [
        &["population", "stats", "--data", data_str][..],
        &[
            "serve",
            "--data",
            data_str,
            "--listen",
            "127.0.0.1:0",
            "--monitor-listen",
            "off",
        ],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_vtj-emulator"))
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?} accepted the store");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("was interrupted"), "{args:?}: {err}");
        assert!(err.contains("population generate again"), "{args:?}: {err}");
    }
}
