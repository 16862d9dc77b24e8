//! `[console]`: the web console's listener and sessions (`src/console/`, docs/console.md),
//! its raw TOML type beside its check.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;

use super::source::ConfigError;

/// `[console]` as written, or `console = false` (off) / `console = true` (the defaults).
#[derive(Debug, Default)]
pub struct RawConsole {
    /// `false` turns the console off (default: on).
    pub enabled: Option<bool>,
    /// Default `127.0.0.1:8444`.
    pub listen: Option<String>,
    /// A session ends after this many minutes without a request (default 30).
    pub session_minutes: Option<u64>,
}

/// The `[console]` table's keys, as serde reads them (unknown keys refused by name).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    enabled: Option<bool>,
    listen: Option<String>,
    session_minutes: Option<u64>,
}

impl<'de> Deserialize<'de> for RawConsole {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> serde::de::Visitor<'de> for Either {
            type Value = RawConsole;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a [console] table, or console = true / false")
            }
            fn visit_bool<E: serde::de::Error>(self, on: bool) -> Result<RawConsole, E> {
                Ok(RawConsole {
                    enabled: Some(on),
                    ..RawConsole::default()
                })
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, m: M) -> Result<RawConsole, M::Error> {
                let t = Table::deserialize(serde::de::value::MapAccessDeserializer::new(m))?;
                Ok(RawConsole {
                    enabled: t.enabled,
                    listen: t.listen,
                    session_minutes: t.session_minutes,
                })
            }
        }
        d.deserialize_any(Either)
    }
}

/// The console's checked settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSettings {
    pub listen: SocketAddr,
    /// True when `listen` was configured (a bind failure is then fatal; the default
    /// address only warns).
    pub required: bool,
    /// How long a session lives without a request.
    pub session_idle: Duration,
}

pub fn console_settings(
    raw: &RawConsole,
    file: &str,
) -> Result<Option<ConsoleSettings>, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        file: file.to_string(),
        message,
    };
    if raw.enabled == Some(false) {
        return Ok(None);
    }
    let text = raw.listen.as_deref().unwrap_or("127.0.0.1:8444");
    let listen = text
        .parse()
        .map_err(|e| invalid(format!("console.listen {text:?}: {e}")))?;
    let minutes = raw.session_minutes.unwrap_or(30);
    if minutes == 0 {
        return Err(invalid("console.session_minutes must be positive".into()));
    }
    Ok(Some(ConsoleSettings {
        listen,
        required: raw.listen.is_some(),
        session_idle: Duration::from_secs(minutes * 60),
    }))
}

#[cfg(test)]
mod tests {
    use super::super::Settings;
    use std::time::Duration;

    #[test]
    fn console_section_and_auditor_passwords_are_checked() {
        let s = Settings::builtin().unwrap();
        let c = s.console.unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8444");
        assert!(!c.required);
        assert_eq!(c.session_idle, Duration::from_secs(30 * 60));
        assert!(s.auditors[0].password.as_ref().unwrap().verify("auditor"));
        let off = Settings::from_toml("[console]\nenabled = false\n", "c.toml", None).unwrap();
        assert!(off.console.is_none());
        let off = Settings::from_toml("console = false\n", "c.toml", None).unwrap();
        assert!(off.console.is_none());
        let on = Settings::from_toml("console = true\n", "c.toml", None).unwrap();
        assert_eq!(on.console.unwrap().listen.to_string(), "127.0.0.1:8444");
        let err = Settings::from_toml("[console]\nlisen = \"x\"\n", "c.toml", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `lisen`"), "{err}");
        let set = Settings::from_toml(
            "[console]\nlisten = \"127.0.0.1:0\"\nsession_minutes = 5\n",
            "c.toml",
            None,
        )
        .unwrap();
        let c = set.console.unwrap();
        assert!(c.required);
        assert_eq!(c.session_idle, Duration::from_secs(300));
        for bad in [
            "[console]\nlisten = \"nowhere\"\n",
            "[console]\nsession_minutes = 0\n",
        ] {
            let err = Settings::from_toml(bad, "c.toml", None)
                .unwrap_err()
                .to_string();
            assert!(err.contains("console."), "{err}");
        }
        let plain = "[[auditor]]\nid = \"a\"\npassword = \"x\"\n";
        let err = Settings::from_toml(plain, "c.toml", None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("plaintext passwords are not accepted"),
            "{err}"
        );
        let only_password = "[[auditor]]\nid = \"a\"\npassword_hash = \"nonsense\"\n";
        let err = Settings::from_toml(only_password, "c.toml", None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("auditor \"a\"") && err.contains("PHC"),
            "{err}"
        );
    }
}
