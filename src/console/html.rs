//! The console's HTML: escaping of every value that reaches a page, the page layout with its
//! navigation, and small builders for tables, forms and messages. Pages are plain strings
//! built here; nothing else in the console writes markup by hand without [`esc`].

use std::fmt::Write as _;

use super::session::{Role, Session};

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page: head, navigation for the signed-in role, a message if any, the body.
pub fn page(
    title: &str,
    session: Option<&Session>,
    message: Option<&Message>,
    body: &str,
) -> String {
    let mut nav = String::new();
    if let Some(s) = session {
        nav.push_str("<nav><a href=\"/trail\">Audit trail</a>");
        if matches!(s.role, Role::Auditor { .. }) {
            nav.push_str("<a href=\"/trail/verify\">Chain</a>");
        }
        nav.push_str(
            "<a href=\"/catalogue\">Test persons</a><a href=\"/catalogue/products\">Products</a><a href=\"/live\">Live</a>",
        );
        let _ = write!(
            nav,
            "<span class=\"who\" id=\"who\">{}</span><form method=\"post\" action=\"/logout\" class=\"inline\">{}<button type=\"submit\" id=\"sign-out\">Sign out</button></form></nav>",
            esc(&s.role.describe()),
            csrf_field(&s.csrf)
        );
    }
    let message = message.map(Message::html).unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} · vtj-emulator console</title><link rel=\"stylesheet\" href=\"/static/console.css\"><script src=\"/static/console.js\" defer></script></head><body><header><span class=\"brand\">vtj-emulator console</span>{nav}</header><main>{message}<h1>{}</h1>\n{body}</main></body></html>\n",
        esc(title),
        esc(title)
    )
}

/// A notice shown above a page's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub kind: MessageKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Error,
    Info,
}

impl Message {
    pub fn error(text: impl Into<String>) -> Self {
        Message {
            kind: MessageKind::Error,
            text: text.into(),
        }
    }

    pub fn info(text: impl Into<String>) -> Self {
        Message {
            kind: MessageKind::Info,
            text: text.into(),
        }
    }

    fn html(&self) -> String {
        let class = match self.kind {
            MessageKind::Error => "error",
            MessageKind::Info => "info",
        };
        format!(
            "<p class=\"message {class}\" id=\"message\" role=\"alert\">{}</p>",
            esc(&self.text)
        )
    }
}

/// The hidden CSRF field every form carries.
pub fn csrf_field(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(token)
    )
}

/// A labelled text input holding `value`.
pub fn input(name: &str, label: &str, value: &str, hint: &str) -> String {
    format!(
        "<label>{}<input type=\"text\" name=\"{name}\" id=\"f-{name}\" value=\"{}\" placeholder=\"{}\"></label>",
        esc(label),
        esc(value),
        esc(hint)
    )
}

/// A labelled select of `options` (value, text) with `selected` chosen.
pub fn select(name: &str, label: &str, options: &[(String, String)], selected: &str) -> String {
    let mut out = format!(
        "<label>{}<select name=\"{name}\" id=\"f-{name}\">",
        esc(label)
    );
    for (value, text) in options {
        let sel = if value == selected { " selected" } else { "" };
        let _ = write!(
            out,
            "<option value=\"{}\"{sel}>{}</option>",
            esc(value),
            esc(text)
        );
    }
    out.push_str("</select></label>");
    out
}

/// A table: header cells (escaped) and rows of cells that are already HTML.
pub fn table(id: &str, head: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("<table id=\"{id}\"><thead><tr>");
    for h in head {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// A definition list of (term, HTML description).
pub fn fields(rows: &[(&str, String)]) -> String {
    let mut out = String::from("<dl class=\"fields\">");
    for (k, v) in rows {
        let _ = write!(out, "<dt>{}</dt><dd>{v}</dd>", esc(k));
    }
    out.push_str("</dl>");
    out
}

/// A query string from (name, value) pairs, percent-encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::admin::encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_values_is_escaped_everywhere() {
        let evil = "<script>alert(\"x\")</script>&'";
        assert_eq!(
            esc(evil),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"
        );
        let html = input("subject", "Subject", evil, "");
        assert!(!html.contains("<script>"), "{html}");
        let page = page("t<b>", None, Some(&Message::error(evil)), "");
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(page.contains("t&lt;b&gt;"));
    }
}
