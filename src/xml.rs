//! Wire-level XML: a strict reader that turns request bytes into a small owned element
//! tree, and an escaping writer for responses. Owns the rules every request obeys (no
//! DOCTYPE, only the five predefined entities, UTF-8 or ISO-8859-1, a size-bounded depth);
//! knows nothing of SOAP or VTJ.
//!
//! The reader is quick_xml's plain `Reader`, which tokenizes and matches end tags; this
//! module resolves namespaces itself, by the rules (and with the messages) of quick_xml's
//! `NamespaceResolver`, which it replaced to cut the cost of a request's parse: a small
//! stack of the declarations in scope, each namespace name allocated once per document and
//! shared by its elements, and no work for an element without attributes beyond splitting
//! its prefix. The tests hold it to the former `NsReader`-based parse, kept there.

use std::borrow::Cow;
use std::sync::Arc;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{NamespaceError, PrefixDeclaration};
use quick_xml::reader::Reader;

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
        // The names differ more often than the namespaces, and mostly in length.
        self.name == name && self.ns.as_deref() == Some(ns)
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
    // The bytes are validated once, and the declaration read from the text: a declaration
    // must be UTF-8 (ASCII) to declare anything, so its valid beginning is enough to read it.
    let (text, utf8) = match std::str::from_utf8(bytes) {
        Ok(text) => (text, true),
        Err(e) => (
            std::str::from_utf8(&bytes[..e.valid_up_to()]).map_err(|_| XmlError::NotUtf8)?,
            false,
        ),
    };
    if let Some(enc) = declared_encoding(text) {
        let named = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(enc));
        if !named(&["utf-8", "utf8"]) {
            if named(&["iso-8859-1", "latin1", "latin-1", "iso8859-1"]) {
                return Ok(Cow::Owned(bytes.iter().map(|&b| b as char).collect()));
            }
            return Err(XmlError::Encoding(enc.to_string()));
        }
    }
    match utf8 {
        true => Ok(Cow::Borrowed(text)),
        false => Err(XmlError::NotUtf8),
    }
}

/// The `encoding` pseudo-attribute of a leading `<?xml …?>` declaration, if any: the value
/// after the first `encoding`, `=` and a quote in the declaration, up to the same quote.
fn declared_encoding(text: &str) -> Option<&str> {
    let head = text.strip_prefix("<?xml")?;
    // The declaration ends at the first `?>`: the first `>` that follows a `?`.
    let bytes = head.as_bytes();
    let mut from = 0;
    let end = loop {
        let gt = from + bytes[from..].iter().position(|&b| b == b'>')?;
        if gt > 0 && bytes[gt - 1] == b'?' {
            break gt - 1;
        }
        from = gt + 1;
    };
    let decl = &head[..end];
    const KEY: &[u8] = b"encoding";
    let at = decl.as_bytes().windows(KEY.len()).position(|w| w == KEY)?;
    let rest = decl[at + KEY.len()..].trim_start().strip_prefix('=')?;
    let rest = rest.trim_start();
    let quote = *rest
        .as_bytes()
        .first()
        .filter(|&&c| c == b'"' || c == b'\'')?;
    let rest = &rest[1..];
    Some(&rest[..rest.bytes().position(|b| b == quote)?])
}

/// Parses a whole document into its root element.
///
/// quick_xml's plain [`Reader`] tokenizes (and checks that end tags match); namespaces are
/// resolved here with a small stack of declarations, so that an element without attributes
/// costs no namespace work beyond finding its prefix. The elements being read are held by
/// the recursion of [`Doc::content`], one level per element (at most [`MAX_DEPTH`]); their
/// finished children wait in one list until the parent's end tag, so that each parent gets
/// one allocation of the right size for them.
pub fn parse(text: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut doc = Doc {
        reader,
        text,
        scopes: Scopes::default(),
        done: Vec::with_capacity(8),
    };
    let mut root: Option<Element> = None;
    loop {
        let event = doc.reader.read_event().map_err(malformed)?;
        match event {
            Event::Start(start) => {
                let mark = doc.scopes.mark();
                let named = doc.scopes.enter(text, &start)?;
                if root.is_some() {
                    return Err(after_root(&start));
                }
                let mut el = element(&mut doc.scopes, named, &start)?;
                doc.content(&mut el, 1)?;
                doc.scopes.leave(mark);
                root = Some(el);
            }
            Event::Empty(start) => {
                let mark = doc.scopes.mark();
                let named = doc.scopes.enter(text, &start)?;
                if root.is_some() {
                    return Err(after_root(&start));
                }
                let el = element(&mut doc.scopes, named, &start)?;
                doc.scopes.leave(mark);
                root = Some(el);
            }
            Event::End(_) => return Err(XmlError::Malformed("unexpected end tag".into())),
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                let mut utf8 = [0; 4];
                if !char_data(&event, &mut utf8)?.trim().is_empty() {
                    return Err(XmlError::Malformed("text outside the root element".into()));
                }
            }
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    root.ok_or(XmlError::Empty)
}

/// A document being read.
struct Doc<'a> {
    reader: Reader<&'a [u8]>,
    text: &'a str,
    scopes: Scopes<'a>,
    /// The finished children of the elements being read, each element's after those of
    /// the elements that enclose it.
    done: Vec<Element>,
}

impl Doc<'_> {
    /// Reads the content of `el`, `depth` levels deep (the root is 1), up to its end tag.
    fn content(&mut self, el: &mut Element, depth: usize) -> Result<(), XmlError> {
        let first = self.done.len();
        loop {
            let event = self.reader.read_event().map_err(malformed)?;
            match event {
                Event::Start(start) => {
                    let mark = self.scopes.mark();
                    let named = self.scopes.enter(self.text, &start)?;
                    if depth >= MAX_DEPTH {
                        return Err(XmlError::TooDeep);
                    }
                    let mut child = element(&mut self.scopes, named, &start)?;
                    self.content(&mut child, depth + 1)?;
                    self.scopes.leave(mark);
                    self.done.push(child);
                }
                Event::Empty(start) => {
                    let mark = self.scopes.mark();
                    let named = self.scopes.enter(self.text, &start)?;
                    let child = element(&mut self.scopes, named, &start)?;
                    self.scopes.leave(mark);
                    self.done.push(child);
                }
                Event::End(_) => {
                    if self.done.len() > first {
                        // One copy of the children into a list of their number.
                        el.children = self.done.split_off(first);
                    }
                    return Ok(());
                }
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                    let mut utf8 = [0; 4];
                    let data = char_data(&event, &mut utf8)?;
                    if el.text.is_empty() {
                        // One allocation of the right size for the usual single piece.
                        el.text = data.into_owned();
                    } else {
                        el.text.push_str(&data);
                    }
                }
                Event::DocType(_) => return Err(XmlError::Doctype),
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => {
                    return Err(XmlError::Malformed(
                        "the document ends inside an element".into(),
                    ));
                }
            }
        }
    }
}

/// The character data of a text (end-of-line normalised), CDATA (verbatim) or reference
/// (resolved) event; `utf8` holds a character reference's character.
fn char_data<'e>(event: &'e Event<'_>, utf8: &'e mut [u8; 4]) -> Result<Cow<'e, str>, XmlError> {
    Ok(match event {
        Event::Text(t) => {
            // A short text is searched for a carriage return more cheaply by hand.
            let raw: &str = t;
            if raw.len() <= 32 && !raw.bytes().any(|b| b == b'\r') {
                Cow::Borrowed(raw)
            } else {
                t.xml10_content()
            }
        }
        Event::CData(c) => Cow::Borrowed(c),
        Event::GeneralRef(r) => match r.resolve_char_ref() {
            Ok(Some(ch)) => Cow::Borrowed(ch.encode_utf8(utf8)),
            Ok(None) => {
                let name: &str = r;
                Cow::Borrowed(predefined_entity(name).ok_or_else(|| XmlError::Entity(name.into()))?)
            }
            Err(e) => return Err(malformed(e)),
        },
        _ => Cow::Borrowed(""),
    })
}

fn malformed(e: impl std::fmt::Display) -> XmlError {
    XmlError::Malformed(e.to_string())
}

fn after_root(start: &BytesStart<'_>) -> XmlError {
    XmlError::Malformed(format!(
        "content after the root element: <{}>",
        start.name().as_ref()
    ))
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

/// The namespace names bound to the reserved prefixes `xml` and `xmlns`.
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// How many declarations may be in scope at once (quick_xml's `NamespaceResolver` default,
/// which the reader enforced before this module resolved namespaces itself).
const MAX_BINDINGS: usize = quick_xml::name::DEFAULT_MAX_NAMESPACE_BINDINGS;

/// The namespace declarations in scope, as the rules of quick_xml's `NamespaceResolver`
/// (which this replaces) have them: innermost last; the prefix `""` is the default
/// namespace (`xmlns="…"`, and also `xmlns:="…"`); a name of `None` undeclares
/// (`xmlns[:p]=""`). The reserved `xml` and `xmlns` prefixes cannot be declared, so they are
/// looked up after the stack.
#[derive(Default)]
struct Scopes<'a> {
    bindings: SmallStack<(Cow<'a, str>, Option<Arc<str>>), 4>,
    /// The namespace names of the document, each allocated once: a request's elements are
    /// in two or three namespaces, so each further element shares one.
    names: SmallStack<Arc<str>, 4>,
}

/// A stack whose first `N` items are kept inline: a request declares two or three
/// namespaces, and needs no allocation to hold them.
struct SmallStack<T, const N: usize> {
    inline: [Option<T>; N],
    /// How many of `inline` are used; `spill` holds the items after the first `N`.
    used: usize,
    spill: Vec<T>,
}

impl<T, const N: usize> Default for SmallStack<T, N> {
    fn default() -> Self {
        SmallStack {
            inline: [const { None }; N],
            used: 0,
            spill: Vec::new(),
        }
    }
}

impl<T, const N: usize> SmallStack<T, N> {
    fn len(&self) -> usize {
        self.used + self.spill.len()
    }

    fn push(&mut self, item: T) {
        match self.inline.get_mut(self.used) {
            Some(slot) => {
                *slot = Some(item);
                self.used += 1;
            }
            None => self.spill.push(item),
        }
    }

    fn truncate(&mut self, len: usize) {
        if len >= N {
            self.spill.truncate(len - N);
        } else {
            self.spill.clear();
            for slot in &mut self.inline[len..self.used] {
                *slot = None;
            }
            self.used = len;
        }
    }

    /// Bottom first.
    fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.inline[..self.used].iter().flatten().chain(&self.spill)
    }
}

impl<'a> Scopes<'a> {
    fn mark(&self) -> usize {
        self.bindings.len()
    }

    /// Ends the scope of the declarations made since `mark`.
    fn leave(&mut self, mark: usize) {
        if mark < self.bindings.len() {
            self.bindings.truncate(mark);
        }
    }

    /// Adds the declarations of a start tag, then resolves its name. Gives its namespace,
    /// its local name, and whether its attributes need reading: it has some other than
    /// declarations, or they are malformed or repeated (which reading them reports, after
    /// any error of the name).
    fn enter<'s>(
        &mut self,
        text: &'a str,
        start: &'s BytesStart<'_>,
    ) -> Result<(Option<Arc<str>>, &'s str, bool), XmlError> {
        let mut read = false;
        if !start.attributes_raw().is_empty() {
            // The declarations up to the first malformed attribute, a repeated one included,
            // as quick_xml's NamespaceResolver takes them. The keys of the first few are kept
            // to tell a repeated one without the allocation of quick_xml's own check.
            let mut keys = [""; 4];
            let mut seen = 0;
            for attr in start.attributes().with_checks(false) {
                let Ok(attr) = attr else {
                    read = true;
                    break;
                };
                let Some(decl) = attr.key.as_namespace_binding() else {
                    read = true;
                    continue;
                };
                let key = attr.key.into_inner();
                if seen == keys.len() || keys[..seen].contains(&key) {
                    read = true;
                } else {
                    keys[seen] = key;
                    seen += 1;
                }
                self.declare(text, decl, &attr.value)?;
            }
        }
        let (prefix, local) = split_name(start.name().into_inner());
        let ns = match prefix {
            Some(p) => self.prefixed(p)?,
            None => self.default_namespace(),
        };
        Ok((ns, local, read))
    }

    /// Adds one declaration, refused where quick_xml's NamespaceResolver refuses it (with its
    /// messages).
    fn declare(
        &mut self,
        text: &'a str,
        decl: PrefixDeclaration<'_>,
        value: &str,
    ) -> Result<(), XmlError> {
        let refuse = |e: NamespaceError| malformed(quick_xml::Error::Namespace(e));
        let prefix = match decl {
            PrefixDeclaration::Default => Cow::Borrowed(""),
            PrefixDeclaration::Named("xml") if value == XML_NS => return Ok(()),
            PrefixDeclaration::Named("xml") => {
                return Err(refuse(NamespaceError::InvalidXmlPrefixBind(value.into())));
            }
            PrefixDeclaration::Named("xmlns") => {
                return Err(refuse(NamespaceError::InvalidXmlnsPrefixBind(value.into())));
            }
            PrefixDeclaration::Named(p) if value == XML_NS => {
                return Err(refuse(NamespaceError::InvalidPrefixForXml(p.into())));
            }
            PrefixDeclaration::Named(p) if value == XMLNS_NS => {
                return Err(refuse(NamespaceError::InvalidPrefixForXmlns(p.into())));
            }
            PrefixDeclaration::Named(p) => match in_input(text, p) {
                Some(p) => Cow::Borrowed(p),
                None => Cow::Owned(p.to_string()),
            },
        };
        if self.bindings.len() >= MAX_BINDINGS {
            return Err(refuse(NamespaceError::TooManyBindings(MAX_BINDINGS)));
        }
        let name = (!value.is_empty()).then(|| self.intern(value));
        self.bindings.push((prefix, name));
        Ok(())
    }

    fn default_namespace(&self) -> Option<Arc<str>> {
        let (_, name) = self.bindings.iter().rev().find(|(p, _)| p.is_empty())?;
        name.clone()
    }

    /// The namespace of a prefixed name, element or attribute alike.
    fn prefixed(&mut self, prefix: &str) -> Result<Option<Arc<str>>, XmlError> {
        // The empty prefix of a name such as `:x` is never declared.
        let found = match prefix {
            "" => None,
            p => self.bindings.iter().rev().find(|(b, _)| b == p),
        };
        match found {
            Some((_, Some(name))) => Ok(Some(name.clone())),
            Some((_, None)) => Err(XmlError::UnknownPrefix(prefix.into())),
            None => match prefix {
                "xml" => Ok(Some(self.intern(XML_NS))),
                "xmlns" => Ok(Some(self.intern(XMLNS_NS))),
                _ => Err(XmlError::UnknownPrefix(prefix.into())),
            },
        }
    }

    fn intern(&mut self, name: &str) -> Arc<str> {
        if let Some(known) = self.names.iter().find(|n| n.as_ref() == name) {
            return known.clone();
        }
        let name: Arc<str> = Arc::from(name);
        self.names.push(name.clone());
        name
    }
}

/// A qualified name's prefix (before the first `:`, if any) and local name.
fn split_name(name: &str) -> (Option<&str>, &str) {
    match name.bytes().position(|b| b == b':') {
        Some(at) => (Some(&name[..at]), &name[at + 1..]),
        None => (None, name),
    }
}

/// `part`, a slice of `text`, borrowed from `text` itself: an event of the reader borrows
/// from the input only for as long as the event lives, a declaration's prefix must outlive
/// it. `None` if `part` does not lie in `text`.
fn in_input<'a>(text: &'a str, part: &str) -> Option<&'a str> {
    let at = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    text.get(at..at.checked_add(part.len())?)
}

/// A new element, its attributes read if [`Scopes::enter`] said they need it.
fn element(
    scopes: &mut Scopes<'_>,
    (ns, name, read): (Option<Arc<str>>, &str, bool),
    start: &BytesStart<'_>,
) -> Result<Element, XmlError> {
    let mut attrs = Vec::new();
    if read {
        for attr in start.attributes() {
            let attr = attr.map_err(malformed)?;
            let key = attr.key;
            if key.as_namespace_binding().is_some() {
                continue;
            }
            // Unprefixed attributes are in no namespace, whatever the default.
            let (prefix, local) = split_name(key.into_inner());
            let ans = match prefix {
                Some(p) => scopes.prefixed(p)?.map(|n| n.to_string()),
                None => None,
            };
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(malformed)?;
            attrs.push((ans, local.to_string(), value.into_owned()));
        }
    }
    Ok(Element {
        ns,
        name: name.to_string(),
        attrs,
        children: Vec::new(),
        text: String::new(),
    })
}

/// Appends `text` to `out` with the XML special characters escaped (for text and
/// double-quoted attribute values alike).
pub fn escape_into(out: &mut String, text: &str) {
    // Runs of ordinary bytes are copied whole; the five escaped characters are ASCII, so a
    // byte match never splits a multi-byte character. Most texts escape nothing: their
    // words are checked eight bytes at a time and the text copied at once.
    let bytes = text.as_bytes();
    let clean = clean_prefix(bytes);
    if clean == bytes.len() {
        out.push_str(text);
        return;
    }
    let mut start = 0;
    for (i, b) in bytes.iter().enumerate().skip(clean) {
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

/// The length of a prefix of `bytes` without a byte [`escape_into`] escapes (whole words
/// of eight bytes, or all of `bytes` when the last eight are clean too; shorter texts: 0).
fn clean_prefix(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    // Whether a byte of `w` is below `n` (n at most 128), and whether one is zero: exact as
    // tests of the whole word (the bit twiddling hacks' `hasless` and `haszero`).
    let has_less = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH != 0;
    let has_zero = |w: u64| has_less(w, 1);
    // The escaped bytes are all below `?` (0x3F): most words have none below it at all.
    let clean = |chunk: &[u8]| {
        let w = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        !has_less(w, b'?')
            || ![b'<', b'>', b'&', b'"', b'\r']
                .iter()
                .any(|&c| has_zero(w ^ (ONES * u64::from(c))))
    };
    if bytes.len() < 8 {
        return 0;
    }
    let mut n = 0;
    for chunk in bytes.chunks_exact(8) {
        if !clean(chunk) {
            return n;
        }
        n += 8;
    }
    if n == bytes.len() || clean(&bytes[bytes.len() - 8..]) {
        bytes.len()
    } else {
        n
    }
}

/// Appends `n` in decimal, zero-padded to at least `width` digits, without the formatting
/// machinery (dates, stamps and apartment numbers are written several times an answer).
pub fn push_decimal(out: &mut String, n: u32, width: usize) {
    let digit = |d: u32| char::from(b'0' + (d % 10) as u8);
    // Calendar fields and flags: one or two digits, pushed as they are.
    if n < 100 && width <= 2 {
        if n >= 10 || width == 2 {
            out.push(digit(n / 10));
        }
        out.push(digit(n));
        return;
    }
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
    use proptest::prelude::*;

    /// The reader as it was before this module resolved namespaces itself (quick_xml's
    /// `NsReader`), kept verbatim: the differential tests below hold [`parse`] and
    /// [`decode`] to its results.
    mod reference {
        use std::borrow::Cow;
        use std::sync::Arc;

        use quick_xml::XmlVersion;
        use quick_xml::events::{BytesStart, Event};
        use quick_xml::name::ResolveResult;
        use quick_xml::reader::NsReader;

        use super::super::{Element, MAX_DEPTH, XmlError, predefined_entity};

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
    }

    #[test]
    fn decimals_are_written_as_format_pads_them() {
        for n in [
            0,
            1,
            5,
            9,
            10,
            11,
            23,
            42,
            99,
            100,
            101,
            999,
            1000,
            2026,
            65535,
            u32::MAX,
        ] {
            for width in 0..14 {
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

    /// The escaping as it was written first, byte by byte: the reference of the fast path.
    fn escaped_bytewise(text: &str) -> String {
        let mut out = String::new();
        for c in text.chars() {
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '"' => out.push_str("&quot;"),
                '\r' => out.push_str("&#13;"),
                c => out.push(c),
            }
        }
        out
    }

    /// Each escaped character (and its neighbours in the ASCII table) at every position of
    /// texts of 0 to 40 bytes, among ASCII and multi-byte characters, escapes as the
    /// byte-by-byte walk escapes it.
    #[test]
    fn word_checks_miss_no_escaped_byte() {
        let fillers = ["a", "Ä", "0", " ", "ö€", "?", "\u{7f}", "\u{ff}"];
        let specials = [
            '<', '>', '&', '"', '\r', ';', '=', '\'', '\n', '\0', '%', '@',
        ];
        for filler in fillers {
            for len in 0..40 {
                let base: String = filler.repeat(len);
                let mut out = String::from("x");
                escape_into(&mut out, &base);
                assert_eq!(out, format!("x{}", escaped_bytewise(&base)));
                for (at, _) in base.char_indices().chain([(base.len(), ' ')]) {
                    for special in specials {
                        let mut text = base.clone();
                        text.insert(at, special);
                        let mut out = String::new();
                        escape_into(&mut out, &text);
                        assert_eq!(out, escaped_bytewise(&text), "{text:?}");
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn escaping_matches_the_bytewise_walk(text in "[ -~ÄäÖöÅå€\r\n\t]{0,64}") {
            let mut out = String::new();
            escape_into(&mut out, &text);
            proptest::prop_assert_eq!(out, escaped_bytewise(&text));
        }
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

    /// `parse` gives exactly what the reference gives: the same tree, or the same error with
    /// the same message; and elements in one namespace share its name.
    fn same_as_reference(text: &str) {
        let new = parse(text);
        assert_eq!(new, reference::parse(text), "parsing {text:?}");
        if let Ok(root) = &new {
            let mut names: Vec<&Arc<str>> = Vec::new();
            shares_names(root, &mut names);
        }
    }

    fn shares_names<'e>(el: &'e Element, names: &mut Vec<&'e Arc<str>>) {
        if let Some(ns) = &el.ns {
            match names.iter().find(|n| n[..] == ns[..]) {
                Some(known) => assert!(Arc::ptr_eq(known, ns), "{ns} allocated twice"),
                None => names.push(ns),
            }
        }
        for child in &el.children {
            shares_names(child, names);
        }
    }

    /// `decode` gives what the reference gives, borrowed where it borrowed.
    fn decodes_as_reference(bytes: &[u8]) {
        let shape = |r: Result<Cow<'_, str>, XmlError>| {
            r.map(|text| (matches!(text, Cow::Borrowed(_)), text.into_owned()))
        };
        assert_eq!(
            shape(decode(bytes)),
            shape(reference::decode(bytes)),
            "decoding {:?}",
            String::from_utf8_lossy(bytes)
        );
    }

    /// The documents `parse` was given in a run of the whole test suite (requests through
    /// both interfaces, faulty ones included, HakuXml criteria, answers the tests read,
    /// schemas): those of up to 2,600 bytes, one of each shape, collected once into
    /// `tests/data/xml-corpus.json` (a JSON array of strings); and the repository's own XML
    /// files, read where they are.
    fn corpus() -> Vec<String> {
        let repo = env!("CARGO_MANIFEST_DIR");
        let text = std::fs::read_to_string(format!("{repo}/tests/data/xml-corpus.json")).unwrap();
        let mut docs: Vec<String> = serde_json::from_str(&text).unwrap();
        for dir in ["tests/golden", "tests/expected", "tests/data", "wsdl"] {
            let mut files: Vec<_> = std::fs::read_dir(format!("{repo}/{dir}"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| {
                    p.extension()
                        .is_some_and(|e| e == "xml" || e == "xsd" || e == "wsdl")
                })
                .collect();
            files.sort();
            for file in files {
                docs.push(std::fs::read_to_string(file).unwrap());
            }
        }
        docs
    }

    /// Requests the load generator builds, odd characters in their fields included, and the
    /// criteria documents of identification requests.
    fn requests() -> Vec<String> {
        use crate::loadtest;
        let mut docs = vec![
            loadtest::person_query("PERUSSANOMA 3", "demo", "demo", "bench", "090702A9996"),
            loadtest::person_query("P & <Q>", "dëmo", "\"'", "x\r\ny", "020501A999T"),
        ];
        for criteria in [
            "Äkäslompolo;Matti Juhani;19800101",
            "O'Neil & <Co>;Åsa;20000229;091",
        ] {
            let envelope =
                loadtest::identification_query("PERUSSANOMA 3", "demo", "demo", "bench", criteria)
                    .unwrap();
            // The criteria document travels escaped in the envelope, and is read on its own.
            let haku = reference::parse(&envelope).unwrap().children[0].children[0]
                .children
                .iter()
                .find(|c| c.name == "HakuXml")
                .unwrap()
                .text
                .clone();
            docs.push(envelope);
            docs.push(haku);
        }
        docs
    }

    /// Hand-written cases for each rule the reader keeps.
    const TRICKY: &[&str] = &[
        // Namespaces: redeclared in a child, the default undeclared, prefixes undeclared.
        r#"<a:x xmlns:a="urn:1"><a:y xmlns:a="urn:2"><a:z/></a:y><a:w/></a:x>"#,
        r#"<x xmlns="urn:d"><y xmlns=""><z/></y><w/><v xmlns="urn:d"/></x>"#,
        r#"<x xmlns:p="urn:p"><y xmlns:p=""><p:z/></y></x>"#,
        r#"<x xmlns:p="urn:p"><y xmlns:p=""/><p:z/></x>"#,
        r#"<a><b xmlns="urn:s"/><c xmlns="urn:s"/><d xmlns:s="urn:s"><s:e/></d></a>"#,
        r#"<p:x xmlns:p="urn:p"/>"#,
        r#"<p:x/>"#,
        r#"<x><p:y/></x>"#,
        r#"<x xmlns:p="urn:p"/><p:y/>"#,
        r#"<x xmlns:p="urn:p"></x><p:y/>"#,
        r#"<:x/>"#,
        r#"<x :a="1"/>"#,
        r#"<:x xmlns="urn:d"/>"#,
        r#"<x xmlns="urn:d" :a="1"/>"#,
        r#"<x xmlns:="urn:e"><y/></x>"#,
        r#"<x xmlns:="urn:e" xmlns=""><y/></x>"#,
        r#"<a:b:c xmlns:a="urn:a"/>"#,
        r#"<x xmlns:a="urn:a&amp;b"><a:y/></x>"#,
        r#"<x xmlns="urn:&#65;"/>"#,
        // Attributes: prefixed, declared after use, unprefixed ones in no namespace.
        r#"<x xmlns:p="urn:p" p:a="1" b="2"/>"#,
        r#"<x p:a="1" xmlns:p="urn:p"/>"#,
        r#"<x xmlns="urn:d" a="1"><y b="2"/></x>"#,
        r#"<x q:a="1"/>"#,
        r#"<x xmlns:p="urn:p"><y xmlns:p="" p:a="1"/></x>"#,
        r#"<x xml:lang="fi" xml:space='preserve'/>"#,
        r#"<xml:x/>"#,
        r#"<xmlns:x/>"#,
        r#"<x xmlnsfoo="1" xmlns:xml="http://www.w3.org/XML/1998/namespace"/>"#,
        r#"<x xmlns:xml="urn:other"/>"#,
        r#"<x xmlns:xmlns="urn:other"/>"#,
        r#"<x xmlns:p="http://www.w3.org/XML/1998/namespace"/>"#,
        r#"<x xmlns:p="http://www.w3.org/2000/xmlns/"/>"#,
        r#"<x xmlns="http://www.w3.org/2000/xmlns/"/>"#,
        // Repeated attributes and declarations.
        r#"<x a="1" a="2"/>"#,
        r#"<x xmlns:a="urn:1" xmlns:a="urn:2"><a:y/></x>"#,
        r#"<x xmlns="urn:1" xmlns="urn:2"/>"#,
        r#"<x xmlns="urn:1" xmlns:="urn:2"/>"#,
        r#"<x xmlns:a="1" xmlns:b="2" xmlns:c="3" xmlns:d="4" xmlns:e="5"/>"#,
        r#"<x xmlns:a="1" xmlns:b="2" xmlns:c="3" xmlns:d="4" xmlns:a="5"/>"#,
        r#"<x xmlns:a="1" xmlns:b="2" xmlns:c="3" xmlns:d="4" xmlns:e="5" xmlns:e="6"/>"#,
        r#"<x a="1" a="2" xmlns:xml="urn:bad"/>"#,
        r#"<p:x a="1" a="2"/>"#,
        r#"<x xmlns:p="urn:p" p:a="1" p:a="2"/>"#,
        r#"<x xmlns:p="urn:p" xmlns:q="urn:p" p:a="1" q:a="2"/>"#,
        // Malformed attributes, before and after declarations.
        r#"<x a=1/>"#,
        r#"<x a="1"b="2"/>"#,
        r#"<x a/>"#,
        r#"<x xmlns:p="urn:p" a/><p:y/>"#,
        r#"<p:x a xmlns:p="urn:p"/>"#,
        r#"<p:x xmlns:p="urn:p" a/>"#,
        r#"<x a="&e;"/>"#,
        r#"<x a="&#xZZ;"/>"#,
        r#"<x q:a="1" b="&e;"/>"#,
        r#"<x b="&e;" q:a="1"/>"#,
        // Text: entities, character references, CDATA, line ends, whitespace.
        "<x a=\"&lt;&#65;&#x42;&amp;&quot;\t\r\n\">&lt;&gt;&amp;&apos;&quot;&#228;&#xE4;&#x1F600;</x>",
        "<x>&e;</x>",
        "<x>&#0;</x>",
        "<x>&#xD800;</x>",
        "<x>&#;</x>",
        "<x>&#xZZ;</x>",
        "<x>a & b</x>",
        "<x>a &amp b</x>",
        "<x><![CDATA[a<b>&c;\r\n]]>d&amp;<![CDATA[]]></x>",
        "<x>a\r\nb\rc\n</x>",
        "<x>a long text, well over thirty-two bytes, with a\r\nline end</x>",
        "<x>a long text, well over thirty-two bytes, without a line end</x>",
        "<x>  \n\t </x>",
        "<x>1<y/>2<!-- c -->3<?pi x?>4</x>",
        "<x>Äiti ja 😀</x>",
        // Around the root: comments, instructions, declarations, text.
        "<?xml version=\"1.0\"?>\n<!-- c --><?pi?>\n<x/>\n<!-- after --><?pi?>\n",
        "\u{20}\t\r\n<x/>\r\n",
        "text<x/>",
        "<x/>text",
        "<x/>&#32;",
        "<x/>&amp;",
        "&#65;<x/>",
        "<x/><![CDATA[ ]]>",
        "<x/><![CDATA[y]]>",
        "<x/><y/>",
        "<x/><y>",
        "<x></x><y></y>",
        "<x/><p:y/>",
        "<!DOCTYPE x><x/>",
        "<x><!DOCTYPE x></x>",
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e \"boom\">]><x>&e;</x>",
        // Structure.
        "",
        "   ",
        "<!-- only -->",
        "<?xml version=\"1.0\"?>",
        "<x>",
        "<x><y>",
        "<x><y></x>",
        "</x>",
        "<x></y>",
        "<x",
        "<x/",
        "<x>text",
        "<x><!-- c --",
        "<x><![CDATA[",
        "<x></x >",
        "< x/>",
        "<x>a</x>b",
        "<x:y xmlns:x='u'></x:y >",
        "<x:y xmlns:x='u'></y>",
        "<x:y xmlns:x='u' xmlns:z='u'></z:y>",
    ];

    #[test]
    fn parses_the_corpus_as_the_reference_did() {
        let corpus = corpus();
        assert!(corpus.len() >= 50, "{}", corpus.len());
        for doc in corpus.iter().chain(&requests()) {
            same_as_reference(doc);
            decodes_as_reference(doc.as_bytes());
        }
        let person = &requests()[0];
        assert!(parse(person).is_ok());
    }

    #[test]
    fn parses_tricky_documents_as_the_reference_did() {
        for doc in TRICKY {
            same_as_reference(doc);
        }
    }

    #[test]
    fn nests_as_deep_as_the_reference_did() {
        for depth in [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1] {
            let doc = "<a>".repeat(depth) + &"</a>".repeat(depth);
            same_as_reference(&doc);
            // An empty element one level deeper than the limit, and declarations at each level.
            let doc = "<a>".repeat(depth) + "<b/>" + &"</a>".repeat(depth);
            same_as_reference(&doc);
            let doc = (0..depth)
                .map(|i| format!("<p{i}:a xmlns:p{i}='urn:{i}' xmlns='urn:d{}'>", i % 3))
                .collect::<String>()
                + "<x/>"
                + &(0..depth)
                    .rev()
                    .map(|i| format!("</p{i}:a>"))
                    .collect::<String>();
            same_as_reference(&doc);
        }
        assert_eq!(
            parse(&("<a>".repeat(MAX_DEPTH) + &"</a>".repeat(MAX_DEPTH))).map(|_| ()),
            Ok(())
        );
    }

    #[test]
    fn limits_declarations_in_scope_as_the_reference_did() {
        let decls = |n: usize, from: usize| {
            (from..from + n)
                .map(|i| format!(" xmlns:p{i}='urn:{i}'"))
                .collect::<String>()
        };
        for n in [127, 128, 129] {
            same_as_reference(&format!("<x{}/>", decls(n, 0)));
            // Spread over two levels, and released at the end of the inner one.
            same_as_reference(&format!(
                "<x{}><y{}/><z{}/></x>",
                decls(100, 0),
                decls(n - 100, 100),
                decls(n - 100, 200)
            ));
        }
        let err = parse(&format!("<x{}/>", decls(129, 0))).unwrap_err();
        assert!(matches!(err, XmlError::Malformed(_)), "{err:?}");
    }

    #[test]
    fn decodes_as_the_reference_did() {
        let docs: &[&[u8]] = &[
            b"<x/>",
            b"\xEF\xBB\xBF<x/>",
            b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?><x>\xc3\xa4</x>",
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><x>J\xe4ppinen</x>",
            b"<?xml version='1.0' encoding='latin1'?><x>\xe4</x>",
            b"<?xml version='1.0' encoding='Latin-1'?><x>plain</x>",
            b"<?xml version='1.0' encoding = 'iso8859-1' ?><x>\xe4</x>",
            b"<?xml version='1.0' encoding='UTF-16'?><x/>",
            b"<?xml version='1.0' encoding='utf8'?><x/>",
            b"<?xml version='1.0' encoding='utf-8'?><x>\xff</x>",
            b"<?xml version='1.0' encoding=\"latin1'?><x>\xe4</x>",
            b"<?xml version='1.0' encoding=latin1?><x>\xe4</x>",
            b"<?xml version='1.0' encoding='latin1'><x>\xe4</x>",
            b"<?xml version='1.0' encoding='l\xe4tin1'?><x/>",
            b"<?xml version='1.0' encoding='l\xc3\xa4tin1'?><x/>",
            b"<?xml version='1.0' encoding\xc2\xa0='latin1'?><x>\xe4</x>",
            b"<?xml encoding='latin1' version='1.0' ?><x>\xe4</x>",
            b"<?xml version='1.0'?><x encoding='latin1'>\xe4</x>",
            b"<?xml-stylesheet encoding='latin1'?><x>\xe4</x>",
            b"<?xml version='1.0' a='>' encoding='latin1'?><x>\xe4</x>",
            b"<?xml version='1.0' a='?' encoding='latin1' ?><x>\xe4</x>",
            b"<?xml version='1.0' encoding='latin1'",
            b"<?xml",
            b"<?xm",
            b"\xe4<?xml version='1.0' encoding='latin1'?>",
            b"<x>\xff</x>",
            b"<x>\xc3</x>",
            b"",
        ];
        for doc in docs {
            decodes_as_reference(doc);
        }
        let latin1 = decode(docs[3]).unwrap();
        same_as_reference(&latin1);
        assert_eq!(parse(&latin1).unwrap().text, "Jäppinen");
    }

    /// Small documents: names with and without prefixes, declarations placed anywhere (the
    /// root usually declaring both prefixes), attributes, and text with the characters that
    /// need care.
    fn document() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            Just("a"),
            Just("b"),
            Just("p:a"),
            Just("p:b"),
            Just("q:a"),
            Just("xml:a"),
        ];
        let decls = (
            prop_oneof![
                4 => Just(""),
                1 => Just(" xmlns='urn:d'"),
                1 => Just(" xmlns='urn:e'"),
                1 => Just(" xmlns=''"),
            ],
            prop_oneof![
                4 => Just(""),
                1 => Just(" xmlns:p='urn:d'"),
                1 => Just(" xmlns:p='urn:p'"),
                1 => Just(" xmlns:p=''"),
            ],
            prop_oneof![4 => Just(""), 1 => Just(" xmlns:q='urn:q'")],
        )
            .prop_map(|(d, p, q)| format!("{d}{p}{q}"));
        let attrs = proptest::sample::subsequence(
            vec![
                " a='1'",
                " b=\"&lt;&#x41;\r\n\"",
                " p:a='x'",
                " q:b='y'",
                " xml:lang='fi'",
            ],
            0..3,
        )
        .prop_map(|a| a.concat());
        let text = prop_oneof![
            3 => Just(""),
            1 => Just("t"),
            1 => Just(" \n "),
            1 => Just("a&amp;b&lt;&#228;"),
            1 => Just("x\r\ny\r"),
            1 => Just("<![CDATA[<&>\r\n]]>"),
            1 => Just("<!-- c -->"),
            1 => Just("Äiti 😀"),
        ];
        let leaf = (name.clone(), decls.clone(), attrs.clone(), text.clone()).prop_map(
            |(name, decls, attrs, text)| format!("<{name}{decls}{attrs}>{text}</{name}>"),
        );
        let tree = leaf.prop_recursive(4, 24, 4, move |inner| {
            (
                name.clone(),
                decls.clone(),
                attrs.clone(),
                proptest::collection::vec((inner, text.clone()), 0..4),
            )
                .prop_map(|(name, decls, attrs, children)| {
                    let content: String = children.into_iter().map(|(c, t)| c + t).collect();
                    format!("<{name}{decls}{attrs}>{content}</{name}>")
                })
        });
        let root = prop_oneof![
            4 => Just(" xmlns:p='urn:p' xmlns:q='urn:q'"),
            1 => Just(" xmlns:p='urn:p'"),
            1 => Just(""),
        ];
        (root, tree).prop_map(|(decls, tree)| format!("<r{decls}>{tree}</r>"))
    }

    proptest! {
        #[test]
        fn parses_generated_documents_as_the_reference_did(doc in document()) {
            same_as_reference(&doc);
        }

        /// Corpus documents and tricky ones with a few bytes of markup inserted or removed.
        #[test]
        fn parses_damaged_documents_as_the_reference_did(
            pick in any::<proptest::sample::Index>(),
            edits in proptest::collection::vec(
                (any::<proptest::sample::Index>(), proptest::option::of(proptest::sample::select(
                    vec!["<", ">", "/", "&", ";", ":", "=", "\"", "'", " ", "x", "xmlns", "p:", "<!--", "]]>", "\r"],
                ))),
                1..4,
            ),
        ) {
            let docs: Vec<String> = TRICKY.iter().map(|d| d.to_string()).chain(requests()).collect();
            let mut doc = docs[pick.index(docs.len())].clone();
            for (at, insert) in edits {
                let boundaries: Vec<usize> = (0..=doc.len()).filter(|&i| doc.is_char_boundary(i)).collect();
                let at = boundaries[at.index(boundaries.len())];
                match insert {
                    Some(s) => doc.insert_str(at, s),
                    None => {
                        if let Some(c) = doc[at..].chars().next() {
                            doc.replace_range(at..at + c.len_utf8(), "");
                        }
                    }
                }
            }
            same_as_reference(&doc);
        }
    }
}
