//! The deployment examples in docs/deploy stay true: the production-like configuration
//! passes `config check` (with the test PKI standing in for its certificates; its audit
//! database block is checked for shape and left out, as the embedded store's
//! configuration), the systemd unit's command line is one the binary accepts, naming that
//! configuration, and the configuration, the unit, HAProxy's configuration and the README
//! agree on ports, data directory and the database password's variable.

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
        ("certs/audit-signing-key.pem", "audit-signing-key.pem"),
    ] {
        std::fs::write(root.join(to), read(from)).unwrap();
    }
    let (embedded, _) = audit_database(&read("docs/deploy/vtj-emulator.toml"));
    std::fs::write(root.join("config.toml"), embedded).unwrap();
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

/// The configuration's audit-database block, the lines between its two marker comments:
/// the configuration without them (one node on the embedded store), and the block's keys.
fn audit_database(config: &str) -> (String, Vec<(String, String)>) {
    let (mut rest, mut keys, mut inside) = (String::new(), Vec::new(), false);
    for line in config.lines() {
        if line.starts_with("# --- the audit database") {
            inside = true;
        } else if line.starts_with("# --- end of the audit database") {
            inside = false;
        } else if !inside {
            rest.push_str(line);
            rest.push('\n');
        } else if let Some((k, v)) = line.split_once(" = ") {
            keys.push((k.to_string(), v.trim_matches('"').to_string()));
        }
    }
    assert!(!inside, "the audit database block is not closed");
    (rest, keys)
}

#[test]
fn the_two_node_config_names_the_audit_database_without_its_password() {
    let (_, keys) = audit_database(&read("docs/deploy/vtj-emulator.toml"));
    let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["backend", "url", "password_env", "pool_size"]);
    let value = |k: &str| keys.iter().find(|(n, _)| n == k).unwrap().1.clone();
    assert_eq!(value("backend"), "postgres");
    let url = value("url");
    let user = url
        .strip_prefix("postgres://")
        .and_then(|u| u.split_once('@'))
        .map(|(user, _)| user)
        .unwrap_or_else(|| panic!("{url}"));
    assert!(!user.contains(':'), "a password in the URL: {url}");
}

/// The four files agree: HAProxy sends queries and console to the ports the nodes listen
/// on and checks `/readyz` on the monitoring port; the unit writes where the data lives
/// and reads the password file the README describes, in the variable the config names.
#[test]
fn the_deploy_files_agree_on_ports_paths_and_the_password() {
    let config: toml::Value = toml::from_str(&read("docs/deploy/vtj-emulator.toml")).unwrap();
    let port = |table: &str, key: &str| {
        let addr = config[table][key].as_str().unwrap();
        addr.rsplit_once(':').unwrap().1.to_string()
    };
    let (soap, monitor, console) = (
        port("server", "listen"),
        port("server", "monitor_listen"),
        port("console", "listen"),
    );
    let haproxy = read("docs/deploy/haproxy.cfg");
    let mut backend = "";
    let mut servers = 0;
    for line in haproxy.lines().map(str::trim) {
        if let Some(b) = line.strip_prefix("backend ") {
            backend = b;
        } else if line.starts_with("server ") {
            let want = if backend == "vtj_console" {
                &console
            } else {
                &soap
            };
            assert!(line.ends_with(&format!(":{want}")), "{backend}: {line}");
            servers += 1;
        } else if line.starts_with("default-server ") {
            assert!(line.contains(&format!("check port {monitor} ")), "{line}");
        }
    }
    assert_eq!(servers, 6, "two nodes in each of three backends");
    for needed in [
        "mode tcp",
        "balance leastconn",
        "uri /readyz",
        "uri /healthz",
    ] {
        assert!(haproxy.contains(needed), "haproxy.cfg lacks {needed:?}");
    }

    let unit = read("docs/deploy/vtj-emulator.service");
    let data = config["server"]["data_dir"].as_str().unwrap();
    assert!(
        unit.contains(&format!("\nReadWritePaths={data}\n")),
        "{unit}"
    );
    for line in ["ProtectSystem=strict", "NoNewPrivileges=yes"] {
        assert!(
            unit.contains(&format!("\n{line}\n")),
            "the unit lacks {line}"
        );
    }
    let env_file = unit
        .lines()
        .find_map(|l| l.strip_prefix("EnvironmentFile=-"))
        .expect("an optional EnvironmentFile");
    let readme = read("docs/deploy/README.md");
    let (_, keys) = audit_database(&read("docs/deploy/vtj-emulator.toml"));
    let variable = &keys.iter().find(|(k, _)| k == "password_env").unwrap().1;
    assert!(
        readme.contains(env_file),
        "README.md does not describe {env_file}"
    );
    assert!(
        readme.contains(&format!("\n  {variable}=")),
        "README.md does not show {variable}= in {env_file}"
    );
}
