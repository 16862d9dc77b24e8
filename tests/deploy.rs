//! The deployment examples in docs/deploy stay true: the production-like configuration
//! passes `config check` (with the test PKI standing in for its certificates), and the
//! systemd unit's command line is one the binary accepts, naming that configuration.

use std::process::Command;

use clap::Parser;
use vtj_emulator::cli::{Cli, Command as Cmd};

use crate::util::*;

#[test]
fn the_production_like_config_passes_config_check() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("tls")).unwrap();
    std::fs::create_dir_all(root.join("fixtures")).unwrap();
    for (from, to) in [
        ("certs/ca.pem", "tls/clients-ca.pem"),
        ("certs/server.pem", "tls/server.pem"),
        ("certs/server-key.pem", "tls/server-key.pem"),
        ("certs/ca.crl", "tls/clients-ca.crl"),
        ("fixtures/persons.toml", "fixtures/persons.toml"),
        ("docs/deploy/vtj-emulator.toml", "config.toml"),
    ] {
        std::fs::write(root.join(to), read(from)).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_vtj-emulator"))
        .args(["config", "check"])
        .arg(root.join("config.toml"))
        .arg("--data")
        .arg(root.join("data"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("organisation city-of-example"), "{text}");
    assert!(
        text.contains("user S0000001") && text.contains("user S0000002"),
        "{text}"
    );
    assert!(text.contains("quota: 50/s, 20000/day"), "{text}");
}

#[test]
fn the_systemd_unit_starts_the_server_on_that_config() {
    let unit = read("docs/deploy/vtj-emulator.service");
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("an ExecStart line");
    let mut args: Vec<&str> = exec.split_whitespace().collect();
    assert_eq!(args[0], "/usr/local/bin/vtj-emulator");
    args[0] = "vtj-emulator";
    let cli = Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("{exec}: {e}"));
    let Cmd::Serve { store, .. } = cli.command else {
        panic!("ExecStart does not run `serve`: {exec}");
    };
    assert_eq!(
        store.config.unwrap().to_str(),
        Some("/etc/vtj-emulator/config.toml")
    );
    let config = read("docs/deploy/vtj-emulator.toml");
    let data = store.data.unwrap();
    assert!(
        config.contains(&format!("data_dir = \"{}\"", data.display())),
        "unit and config disagree on the data directory"
    );
    assert!(unit.contains("KillSignal=SIGTERM"));
}
