//! A console request as the page handlers see it ([`Req`]: path, query, form, cookies,
//! the peer) and what they answer ([`Reply`], [`problem`]). Knows HTML pages and sessions;
//! nothing of the server that reads and writes them.

use std::sync::Arc;
use std::time::Instant;

use hyper::{Method, StatusCode};

use crate::tls::PeerIdentity;

use super::html::{self, Message};
use super::session::{self, Session};

/// One request as the console's pages see it.
pub struct Req {
    pub method: Method,
    pub path: String,
    /// The query string's pairs, percent-decoded.
    pub query: Vec<(String, String)>,
    /// A posted form's pairs.
    pub form: Vec<(String, String)>,
    pub(super) cookies: Option<String>,
    pub peer: Option<Arc<PeerIdentity>>,
    pub request_id: String,
    pub received: Instant,
}

impl Req {
    /// The value of a query-string parameter ("" when absent).
    pub fn param(&self, name: &str) -> &str {
        param(&self.query, name)
    }

    pub fn field(&self, name: &str) -> &str {
        param(&self.form, name)
    }

    pub(super) fn cookie(&self, name: &str) -> Option<&str> {
        session::cookie(self.cookies.as_deref(), name)
    }
}

pub(super) fn param<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// What a page handler answers.
pub struct Reply {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: String,
    pub(super) cookies: Vec<String>,
    pub(super) location: Option<String>,
}

impl Reply {
    pub fn html(status: StatusCode, body: String) -> Self {
        Reply {
            status,
            content_type: "text/html; charset=utf-8",
            body,
            cookies: Vec::new(),
            location: None,
        }
    }

    pub fn typed(content_type: &'static str, body: String) -> Self {
        Reply {
            content_type,
            ..Reply::html(StatusCode::OK, body)
        }
    }

    pub fn redirect(to: &str) -> Self {
        Reply {
            location: Some(to.to_string()),
            ..Reply::html(StatusCode::SEE_OTHER, String::new())
        }
    }

    /// A page of the signed-in console.
    pub fn page(title: &str, s: &Session, body: &str) -> Self {
        Reply::html(StatusCode::OK, html::page(title, Some(s), None, body))
    }

    pub(super) fn cookie(mut self, set_cookie: String) -> Self {
        self.cookies.push(set_cookie);
        self
    }
}

/// A page that says what went wrong (never a stack trace).
pub fn problem(status: StatusCode, session: Option<&Session>, title: &str, text: &str) -> Reply {
    Reply::html(
        status,
        html::page(title, session, Some(&Message::error(text)), ""),
    )
}
