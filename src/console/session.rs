//! Console sessions: who signed in (an auditor, or an organisation's user or certificate),
//! a random session token in a `Secure; HttpOnly; SameSite=Strict` cookie, a CSRF token per
//! session that every form carries, and expiry after a configured idle time (and at most
//! [`MAX_AGE`] after sign-in). Sessions live in memory: a restart signs everyone out.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ring::rand::{SecureRandom, SystemRandom};

/// The session cookie's name.
pub const COOKIE: &str = "vtj_console";
/// The sign-in form's CSRF cookie (double submit: the form carries the same value).
pub const LOGIN_COOKIE: &str = "vtj_console_login";
/// No session outlives this, however busy.
pub const MAX_AGE: Duration = Duration::from_secs(12 * 60 * 60);

/// What a signed-in user may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// An `[[auditor]]`: the whole trail.
    Auditor { id: String },
    /// An organisation's service user (`user`), or its client certificate (`None`): that
    /// organisation's records and the catalogue of its products.
    Organisation { id: String, user: Option<String> },
}

impl Role {
    /// The organisation whose records alone this role may read (`None`: every record).
    pub fn organisation(&self) -> Option<&str> {
        match self {
            Role::Auditor { .. } => None,
            Role::Organisation { id, .. } => Some(id),
        }
    }

    /// The user id a read's audit record names.
    pub fn user(&self) -> Option<&str> {
        match self {
            Role::Auditor { id } => Some(id),
            Role::Organisation { user, .. } => user.as_deref(),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Role::Auditor { id } => format!("auditor {id}"),
            Role::Organisation { id, user: Some(u) } => format!("{u} of organisation {id}"),
            Role::Organisation { id, user: None } => format!("organisation {id} (certificate)"),
        }
    }
}

/// One signed-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    pub role: Role,
    pub csrf: String,
    /// The client certificate signed in with (SHA-256 hex, subject), if any.
    pub certificate: Option<(String, String)>,
    started: Instant,
    last_seen: Instant,
}

/// What a session cookie leads to.
#[derive(Debug, Clone)]
pub enum Found {
    Live(Session),
    /// It was a session once; it has expired (or the server restarted).
    Expired,
}

#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Starts a session; returns its token (the cookie value) and the session.
    pub fn create(&self, role: Role, certificate: Option<(String, String)>) -> (String, Session) {
        let now = Instant::now();
        let session = Session {
            role,
            csrf: token(),
            certificate,
            started: now,
            last_seen: now,
        };
        let id = token();
        let mut map = self.map.lock().expect("not poisoned");
        // Forget long-dead sessions now and then, so the map stays small.
        map.retain(|_, s| now.duration_since(s.started) < MAX_AGE);
        map.insert(id.clone(), session.clone());
        (id, session)
    }

    /// The live session of a token, its idle clock restarted; an expired one is removed.
    pub fn get(&self, id: &str, idle: Duration) -> Found {
        let now = Instant::now();
        let mut map = self.map.lock().expect("not poisoned");
        match map.get_mut(id) {
            Some(s)
                if now.duration_since(s.last_seen) < idle
                    && now.duration_since(s.started) < MAX_AGE =>
            {
                s.last_seen = now;
                Found::Live(s.clone())
            }
            Some(_) => {
                map.remove(id);
                Found::Expired
            }
            None => Found::Expired,
        }
    }

    pub fn remove(&self, id: &str) {
        self.map.lock().expect("not poisoned").remove(id);
    }
}

/// 32 random bytes, hex.
pub fn token() -> String {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system random source works");
    hex::encode(bytes)
}

/// Equality that takes the same time wherever the strings differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: Option<&'a str>, name: &str) -> Option<&'a str> {
    header?.split(';').find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// A `Set-Cookie` value for the console: `Secure; HttpOnly; SameSite=Strict`, path `/`;
/// `None` for `value` clears the cookie.
pub fn set_cookie(name: &str, value: Option<&str>) -> String {
    match value {
        Some(v) => format!("{name}={v}; Path=/; Secure; HttpOnly; SameSite=Strict"),
        None => format!("{name}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_expire_when_idle_and_tokens_are_random() {
        let sessions = Sessions::default();
        let role = Role::Auditor { id: "a".into() };
        let (id, s) = sessions.create(role.clone(), None);
        assert_eq!(id.len(), 64);
        assert_ne!(id, s.csrf);
        assert!(
            matches!(sessions.get(&id, Duration::from_secs(60)), Found::Live(x) if x.role == role)
        );
        std::thread::sleep(Duration::from_millis(20));
        assert!(matches!(
            sessions.get(&id, Duration::from_millis(10)),
            Found::Expired
        ));
        // Gone for good once expired.
        assert!(matches!(
            sessions.get(&id, Duration::from_secs(60)),
            Found::Expired
        ));
        assert!(matches!(
            sessions.get("nonsense", Duration::from_secs(60)),
            Found::Expired
        ));
    }

    #[test]
    fn cookies_are_found_by_name_and_set_strictly() {
        let h = Some("a=1; vtj_console=abc; b=2");
        assert_eq!(cookie(h, COOKIE), Some("abc"));
        assert_eq!(cookie(h, "c"), None);
        let c = set_cookie(COOKIE, Some("x"));
        assert!(c.contains("Secure") && c.contains("HttpOnly") && c.contains("SameSite=Strict"));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
