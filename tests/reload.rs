//! SIGHUP reloads the configuration without dropping queries in flight; an invalid new
//! configuration is refused, the running one stays, and the log says why.

use std::ffi::OsStr;
use std::process::Stdio;
use std::time::Duration;

use crate::util::*;

fn code(r: &Reply) -> String {
    let doc = vastaus(r, "TeeHenkilonTunnusKysely");
    doc.child(VTJ_NS, "Paluukoodi")
        .unwrap()
        .attr(None, "koodi")
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn sighup_reloads_and_an_invalid_config_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    let original = vtj_emulator::config::DEFAULT_CONFIG;
    std::fs::write(&config, original).unwrap();
    let data = dir.path().join("data");
    let (mut child, addr) = serve_binary(
        [
            OsStr::new("--monitor-listen"),
            OsStr::new("off"),
            OsStr::new("--config"),
            config.as_os_str(),
            OsStr::new("--data"),
            data.as_os_str(),
        ],
        Stdio::piped(),
    );
    let client = Client::new(addr, Some("demo"));
    let ask = |product: &'static str| {
        let client = Client::new(addr, Some("demo"));
        async move {
            client
                .soso(
                    "TeeHenkilonTunnusKysely",
                    &person_query(product, "020501A999T"),
                )
                .await
        }
    };
    assert_eq!(code(&ask("PERUSSANOMA 3").await), "0000");

    // A slow query (reserved code, two seconds) is in flight across the reload.
    let in_flight = tokio::spawn(async move {
        client
            .soso(
                "TeeHenkilonTunnusKysely",
                &person_query("PERUSSANOMA 3", "010100-995J"),
            )
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let narrowed = original.replace(
        "products = [\"PERUSSANOMA 3\"]",
        "products = [\"HUOLTAJA-HUOLLETTAVAT\"]",
    );
    assert_ne!(narrowed, original);
    std::fs::write(&config, &narrowed).unwrap();
    hup(child.id());
    let mut reloaded = false;
    for _ in 0..50 {
        if code(&ask("PERUSSANOMA 3").await) == "-1900" {
            reloaded = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(reloaded, "the narrowed permit did not take effect");
    assert_eq!(code(&ask("HUOLTAJA-HUOLLETTAVAT").await), "0000");
    assert_eq!(
        code(&in_flight.await.unwrap()),
        "0001",
        "the query in flight was answered"
    );

    // An invalid configuration: refused, the previous one stays.
    std::fs::write(&config, narrowed.replace("password_hash = ", "password = ")).unwrap();
    hup(child.id());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(code(&ask("HUOLTAJA-HUOLLETTAVAT").await), "0000");
    assert_eq!(code(&ask("PERUSSANOMA 3").await), "-1900");

    let logs = terminate_with_logs(&mut child);
    assert!(logs.contains("configuration reloaded"), "{logs}");
    assert!(logs.contains("configuration reload refused"), "{logs}");
    assert!(
        logs.contains("plaintext passwords are not accepted"),
        "{logs}"
    );
}
