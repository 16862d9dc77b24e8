//! Wire-level XML: a strict reader that turns request bytes into a small owned element
//! tree, and an escaping writer for responses. Owns the rules every request obeys (no
//! DOCTYPE, only the five predefined entities, UTF-8 or ISO-8859-1, a size-bounded depth);
//! knows nothing of SOAP or VTJ.

use std::borrow::Cow;
use std::sync::Arc;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

/// Deepest element nesting a request may have; VTJ requests are five levels deep.
const MAX_DEPTH: usize = 64;

/// Why a request document could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum XmlError {
    #[error("the request is not well-formed XML: {0}")]
    Malformed(String),
    #[error("a DOCTYPE declaration is not allowed in a request")]
    Doctype,
    #[error(
        "the entity reference &{0}; is not allowed (only &lt; &gt; &amp; &apos; &quot; and character references)"
    )]
    Entity(String),
    #[error("the XML declaration names the unsupported encoding {0:?} (use UTF-8 or ISO-8859-1)")]
    Encoding(String),
    #[error("the request is not valid UTF-8 text")]
    NotUtf8,
    #[error("the namespace prefix {0:?} is not declared")]
    UnknownPrefix(String),
    #[error("elements are nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("the request holds no root element")]
    Empty,
}

/// An element with its namespace resolved. Text is the concatenation of the element's
/// own character data (entities resolved); mixed content is not needed by any request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// Shared by the elements of one document in the same namespace.
    pub ns: Option<Arc<str>>,
    pub name: String,
    /// Attributes as (namespace, local name, value); `xmlns` declarations are left out.
    pub attrs: Vec<(Option<String>, String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    /// True when this element has the given namespace and local name.
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns.as_deref() == Some(ns) && self.name == name
    }

    /// The first child element with this namespace and local name.
    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    /// An attribute by namespace (None = unqualified) and local name.
    pub fn attr(&self, ns: Option<&str>, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, l, _)| n.as_deref() == ns && l == name)
            .map(|(_, _, v)| v.as_str())
    }
}

/// Decodes request bytes into text: UTF-8 (with or without BOM) or ISO-8859-1 when the XML
/// declaration says so. Other declared encodings are refused by name.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, XmlError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match declared_encoding(bytes) {
        None => {}
        Some(enc) => {
            let lower = enc.to_ascii_lowercase();
            match lower.as_str() {
                "utf-8" | "utf8" => {}
                "iso-8859-1" | "latin1" | "latin-1" | "iso8859-1" => {
                    return Ok(Cow::Owned(bytes.iter().map(|&b| b as char).collect()));
                }
                _ => return Err(XmlError::Encoding(enc)),
            }
        }
    }
    std::str::from_utf8(bytes)
        .map(Cow::Borrowed)
        .map_err(|_| XmlError::NotUtf8)
}

/// The `encoding` pseudo-attribute of a leading `<?xml …?>` declaration, if any.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = bytes.strip_prefix(b"<?xml")?;
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?;
    let rest = rest.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[1..];
    Some(rest[..rest.find(quote)?].to_string())
}

/// Parses a whole document into its root element.
pub fn parse(text: &str) -> Result<Element, XmlError> {
    let mut reader = NsReader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut names = Namespaces::default();
    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| XmlError::Malformed(e.to_string()))?;
        let ns = match event {
            Event::Start(_) | Event::Empty(_) => names.resolved(ns)?,
            _ => None,
        };
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                return Err(XmlError::Malformed(format!(
                    "content after the root element: <{}>",
                    start.name().as_ref()
                )));
            }
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
                stack.push(element(&reader, &mut names, ns, &start)?);
            }
            Event::Empty(start) => {
                let el = element(&reader, &mut names, ns, &start)?;
                close(&mut stack, &mut root, el);
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| XmlError::Malformed("unexpected end tag".into()))?;
                close(&mut stack, &mut root, el);
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content())?,
            Event::CData(c) => {
                let s: &str = c.as_ref();
                push_text(&mut stack, s)?;
            }
            Event::GeneralRef(r) => {
                let ch = match r.resolve_char_ref() {
                    Ok(Some(ch)) => ch.to_string(),
                    Ok(None) => {
                        let name = r.as_ref().to_string();
                        predefined_entity(&name)
                            .ok_or(XmlError::Entity(name))?
                            .to_string()
                    }
                    Err(e) => return Err(XmlError::Malformed(e.to_string())),
                };
                push_text(&mut stack, &ch)?;
            }
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(XmlError::Malformed(
            "the document ends inside an element".into(),
        ));
    }
    root.ok_or(XmlError::Empty)
}

fn predefined_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        _ => return None,
    })
}

/// The namespace names of one document, each allocated once: a request's elements are in
/// two or three namespaces, so each further element shares one.
#[derive(Default)]
struct Namespaces(Vec<Arc<str>>);

impl Namespaces {
    fn resolved(&mut self, ns: ResolveResult<'_>) -> Result<Option<Arc<str>>, XmlError> {
        match ns {
            ResolveResult::Bound(ns) => {
                let ns = ns.into_inner();
                if let Some(known) = self.0.iter().find(|n| n.as_ref() == ns) {
                    return Ok(Some(known.clone()));
                }
                let name: Arc<str> = Arc::from(ns);
                self.0.push(name.clone());
                Ok(Some(name))
            }
            ResolveResult::Unbound => Ok(None),
            ResolveResult::Unknown(p) => Err(XmlError::UnknownPrefix(p)),
        }
    }
}

fn element(
    reader: &NsReader<&[u8]>,
    names: &mut Namespaces,
    ns: Option<Arc<str>>,
    start: &BytesStart<'_>,
) -> Result<Element, XmlError> {
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| XmlError::Malformed(e.to_string()))?;
        let key = attr.key;
        if key.as_namespace_binding().is_some() {
            continue;
        }
        let (ans, local) = reader.resolver().resolve_attribute(key);
        let ans = names.resolved(ans)?.map(|n| n.to_string());
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| XmlError::Malformed(e.to_string()))?;
        attrs.push((ans, local.as_ref().to_string(), value.into_owned()));
    }
    Ok(Element {
        ns,
        name: start.local_name().as_ref().to_string(),
        attrs,
        children: Vec::new(),
        text: String::new(),
    })
}

fn close(stack: &mut [Element], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None => *root = Some(el),
    }
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(el) => {
            el.text.push_str(text);
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(XmlError::Malformed("text outside the root element".into())),
    }
}

/// Appends `text` to `out` with the XML special characters escaped (for text and
/// double-quoted attribute values alike).
pub fn escape_into(out: &mut String, text: &str) {
    // Runs of ordinary bytes are copied whole; the five escaped characters are ASCII, so a
    // byte match never splits a multi-byte character.
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, b) in bytes.iter().enumerate() {
        let entity = match b {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            b'"' => "&quot;",
            b'\r' => "&#13;",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        out.push_str(entity);
        start = i + 1;
    }
    out.push_str(&text[start..]);
}

/// Appends `n` in decimal, zero-padded to at least `width` digits, without the formatting
/// machinery (dates, stamps and apartment numbers are written several times an answer).
pub fn push_decimal(out: &mut String, n: u32, width: usize) {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for _ in digits.len() - at..width {
        out.push('0');
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// A minimal streaming writer for response documents. Elements are written in order; the
/// caller is responsible for nesting (each `open` has its `close`).
#[derive(Debug, Default)]
pub struct XmlOut {
    buf: String,
}

impl XmlOut {
    pub fn new() -> Self {
        Self::with_capacity(4096)
    }

    pub fn with_capacity(cap: usize) -> Self {
        XmlOut {
            buf: String::with_capacity(cap),
        }
    }

    /// Continues writing at the end of `buf` (a document rendered in place inside the
    /// envelope already written there); [`XmlOut::into_string`] gives the buffer back.
    pub fn appending(buf: String) -> Self {
        XmlOut { buf }
    }

    /// Writes verbatim markup (the caller guarantees it is well-formed).
    pub fn raw(&mut self, markup: &str) -> &mut Self {
        self.buf.push_str(markup);
        self
    }

    /// `<name attr="v"…>`
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.buf.push('>');
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        self.end_tag(name);
        self
    }

    fn end_tag(&mut self, name: &str) {
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push('>');
    }

    /// `<name attr…>text</name>`, or `<name attr…/>` when the text is empty.
    pub fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.start_tag(name, attrs);
        if text.is_empty() {
            self.buf.push_str("/>");
        } else {
            self.buf.push('>');
            escape_into(&mut self.buf, text);
            self.end_tag(name);
        }
        self
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.buf.push('<');
        self.buf.push_str(name);
        for (k, v) in attrs {
            self.attr(k, v);
        }
    }

    /// Escaped character data.
    pub fn text(&mut self, text: &str) -> &mut Self {
        escape_into(&mut self.buf, text);
        self
    }

    /// ` name="value"` (value escaped), after an unclosed start tag written with `raw`.
    pub fn attr(&mut self, name: &str, value: &str) -> &mut Self {
        self.buf.push(' ');
        self.buf.push_str(name);
        self.buf.push_str("=\"");
        escape_into(&mut self.buf, value);
        self.buf.push('"');
        self
    }

    pub fn as_str(&self) -> &str {
        &self.buf
    }

    pub fn into_string(self) -> String {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_written_as_format_pads_them() {
        for n in [0, 1, 9, 10, 23, 99, 100, 999, 1000, 2026, 65535, u32::MAX] {
            for width in 0..6 {
                let mut out = String::from("x");
                push_decimal(&mut out, n, width);
                assert_eq!(out, format!("x{n:0width$}"));
            }
        }
    }

    #[test]
    fn resolves_namespaces_prefixes_and_defaults_alike() {
        let a = parse(r#"<a:x xmlns:a="urn:t"><a:y>1</a:y></a:x>"#).unwrap();
        let b = parse(r#"<x xmlns="urn:t"><y>1</y></x>"#).unwrap();
        assert_eq!(a, b);
        assert!(a.is("urn:t", "x"));
        assert_eq!(a.child("urn:t", "y").unwrap().text, "1");
    }

    #[test]
    fn resolves_predefined_and_character_references() {
        let el = parse("<x>a&amp;b&lt;&#228;&#xE4;</x>").unwrap();
        assert_eq!(el.text, "a&b<ää");
    }

    #[test]
    fn refuses_doctype_and_custom_entities() {
        let doc = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>"#;
        assert_eq!(parse(doc), Err(XmlError::Doctype));
        assert_eq!(parse("<x>&e;</x>"), Err(XmlError::Entity("e".into())));
    }

    #[test]
    fn refuses_malformed_and_unknown_prefixes() {
        assert!(matches!(parse("<x><y></x>"), Err(XmlError::Malformed(_))));
        assert!(matches!(parse("<x>"), Err(XmlError::Malformed(_))));
        assert_eq!(parse("<p:x/>"), Err(XmlError::UnknownPrefix("p".into())));
        assert_eq!(parse("  "), Err(XmlError::Empty));
        assert!(matches!(parse("<x/><y/>"), Err(XmlError::Malformed(_))));
    }

    #[test]
    fn refuses_deep_nesting() {
        let doc = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(&doc), Err(XmlError::TooDeep));
    }

    #[test]
    fn decodes_latin1_when_declared() {
        let bytes = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><x>J\xe4ppinen</x>";
        let text = decode(bytes).unwrap();
        assert_eq!(parse(&text).unwrap().text, "Jäppinen");
        assert_eq!(
            decode(b"<?xml version='1.0' encoding='UTF-16'?><x/>"),
            Err(XmlError::Encoding("UTF-16".into()))
        );
        assert_eq!(decode(b"<x>\xff</x>"), Err(XmlError::NotUtf8));
    }

    #[test]
    fn escaping_keeps_multibyte_text_whole() {
        let mut out = String::new();
        escape_into(&mut out, "Äiti & \"Pöö\" <x>\r\nå");
        assert_eq!(out, "Äiti &amp; &quot;Pöö&quot; &lt;x&gt;&#13;\nå");
        out.clear();
        escape_into(&mut out, "");
        escape_into(&mut out, "ääkköset ilman merkkejä");
        assert_eq!(out, "ääkköset ilman merkkejä");
    }

    #[test]
    fn writer_escapes_text_and_attributes() {
        let mut out = XmlOut::new();
        out.open("a", &[("k", "\"<")])
            .leaf("b", &[], "x & y")
            .leaf("c", &[], "")
            .close("a");
        assert_eq!(
            out.as_str(),
            r#"<a k="&quot;&lt;"><b>x &amp; y</b><c/></a>"#
        );
    }
}
