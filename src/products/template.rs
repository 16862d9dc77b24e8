//! The shape language of response groups: a static template tree (element names and their
//! catalogue types) and the values extracted from a person for it. Rendering walks the
//! template, so every element the template names is written (empty when there is no value)
//! and nothing the template does not name ever is.

use std::borrow::Cow;

use jiff::civil::Date;

use crate::xml::{XmlOut, push_decimal};

/// A node of a group template.
#[derive(Debug, Clone, Copy)]
pub enum Node {
    /// A text element of a catalogue simple type, with optional attributes (name, type).
    Leaf {
        name: &'static str,
        ty: &'static str,
        attrs: &'static [(&'static str, &'static str)],
    },
    /// An element with element children; `repeat` groups may occur many times.
    Group {
        name: &'static str,
        repeat: bool,
        children: &'static [Node],
    },
}

impl Node {
    pub fn name(&self) -> &'static str {
        match self {
            Node::Leaf { name, .. } | Node::Group { name, .. } => name,
        }
    }
}

/// `Leaf` without attributes.
pub const fn leaf(name: &'static str, ty: &'static str) -> Node {
    Node::Leaf {
        name,
        ty,
        attrs: &[],
    }
}

/// A non-repeating group.
pub const fn group(name: &'static str, children: &'static [Node]) -> Node {
    Node::Group {
        name,
        repeat: false,
        children,
    }
}

/// A repeating group.
pub const fn many(name: &'static str, children: &'static [Node]) -> Node {
    Node::Group {
        name,
        repeat: true,
        children,
    }
}

/// Values for a template node.
#[derive(Debug, Clone, Default)]
pub enum Value<'a> {
    #[default]
    Empty,
    Text(Cow<'a, str>),
    /// A date, written `yyyyMMdd` ([`date`]): no string to allocate for it.
    Date(Date),
    /// Text with attribute values (by attribute name).
    Attributed(Cow<'a, str>, Vec<(&'static str, Cow<'a, str>)>),
    /// Instances of a group; an empty list renders one empty instance.
    Records(Vec<Record<'a>>),
    /// One instance of a group (most groups have one: no list to allocate).
    One(Record<'a>),
}

impl<'a> Value<'a> {
    /// True when any text or attribute value below is non-empty.
    pub fn has_data(&self) -> bool {
        match self {
            Value::Empty => false,
            Value::Text(t) => !t.is_empty(),
            Value::Date(_) => true,
            Value::Attributed(t, a) => !t.is_empty() || a.iter().any(|(_, v)| !v.is_empty()),
            Value::Records(_) | Value::One(_) => self
                .records()
                .iter()
                .any(|rec| rec.0.iter().any(|(_, v)| v.has_data())),
        }
    }

    /// The group instances this value holds (none for text).
    fn records(&self) -> &[Record<'a>] {
        match self {
            Value::Records(r) => r,
            Value::One(r) => std::slice::from_ref(r),
            _ => &[],
        }
    }
}

/// The values of one group instance, by child element name.
#[derive(Debug, Clone, Default)]
pub struct Record<'a>(pub Vec<(&'static str, Value<'a>)>);

impl<'a> Record<'a> {
    /// An empty record, with room for the children most groups have (one allocation).
    pub fn new() -> Self {
        Record::with_capacity(8)
    }

    /// An empty record with room for `n` children (a record with more than eight).
    pub fn with_capacity(n: usize) -> Self {
        Record(Vec::with_capacity(n))
    }

    /// Adds a child value (builder style).
    pub fn with(mut self, name: &'static str, value: impl Into<Value<'a>>) -> Self {
        self.0.push((name, value.into()));
        self
    }

    fn get(&self, name: &str) -> Option<&Value<'a>> {
        // The names are the catalogue's literals, most often the very same string as the
        // template's: the same address and length are the same name, without a comparison.
        let same = |n: &str| std::ptr::eq(n, name) || n == name;
        self.0.iter().find(|(n, _)| same(n)).map(|(_, v)| v)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(s: &'a str) -> Self {
        Value::Text(Cow::Borrowed(s))
    }
}

impl From<String> for Value<'_> {
    fn from(s: String) -> Self {
        Value::Text(Cow::Owned(s))
    }
}

impl<'a> From<&'a String> for Value<'a> {
    fn from(s: &'a String) -> Self {
        Value::Text(Cow::Borrowed(s.as_str()))
    }
}

impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(Value::Empty)
    }
}

impl<'a> From<Record<'a>> for Value<'a> {
    fn from(r: Record<'a>) -> Self {
        Value::One(r)
    }
}

impl<'a> From<Vec<Record<'a>>> for Value<'a> {
    fn from(r: Vec<Record<'a>>) -> Self {
        Value::Records(r)
    }
}

/// A date in the catalogue's `PaivamaaraTyyppi` form, `yyyyMMdd`.
pub fn date(d: Option<Date>) -> Value<'static> {
    d.map_or(Value::Empty, Value::Date)
}

/// `d` as `yyyyMMdd`, in `buf` when the year has four digits (every date of the registry),
/// else in `spill`.
fn date_text<'b>(d: Date, buf: &'b mut [u8; 8], spill: &'b mut String) -> &'b str {
    let (month, day) = (
        u32::from(d.month().unsigned_abs()),
        u32::from(d.day().unsigned_abs()),
    );
    match u32::try_from(d.year()) {
        Ok(y) if y <= 9999 => {
            for (i, (n, width)) in [(y, 4), (month, 2), (day, 2)].into_iter().enumerate() {
                let at = [0, 4, 6][i];
                let mut n = n;
                for slot in buf[at..at + width].iter_mut().rev() {
                    *slot = b'0' + (n % 10) as u8;
                    n /= 10;
                }
            }
            std::str::from_utf8(buf).expect("ASCII digits")
        }
        _ => {
            spill.push_str(&format!("{:04}", d.year()));
            push_decimal(spill, month, 2);
            push_decimal(spill, day, 2);
            spill
        }
    }
}

/// Writes `node` with `value`. Missing values render as empty elements; a group without
/// records renders once with every child empty, as the real service does. This walk is the
/// reference: answers are written by [`Compiled::write`], which takes its empty renderings
/// from here and is tested to write the same bytes.
pub fn render(node: &Node, value: &Value<'_>, out: &mut XmlOut) {
    match node {
        Node::Leaf { name, attrs, .. } => {
            let (mut digits, mut spill) = ([0u8; 8], String::new());
            let (text, given): (&str, &[(&'static str, Cow<'_, str>)]) = match value {
                Value::Text(t) => (t, &[]),
                Value::Date(d) => (date_text(*d, &mut digits, &mut spill), &[]),
                Value::Attributed(t, a) => (t, a),
                Value::Empty | Value::Records(_) | Value::One(_) => ("", &[]),
            };
            let attr_values: Vec<(&str, &str)> = attrs
                .iter()
                .map(|(a, _)| {
                    let v = given.iter().find(|(n, _)| n == a).map(|(_, v)| v.as_ref());
                    (*a, v.unwrap_or(""))
                })
                .collect();
            out.leaf(name, &attr_values, text);
        }
        Node::Group {
            name,
            repeat,
            children,
        } => {
            let empty = [Record::new()];
            let records: &[Record<'_>] = match value.records() {
                [] => &empty,
                r if *repeat => r,
                r => &r[..1],
            };
            for record in records {
                out.open(name, &[]);
                for child in *children {
                    let v = record.get(child.name()).unwrap_or(&Value::Empty);
                    render(child, v, out);
                }
                out.close(name);
            }
        }
    }
}

/// A template node with its markup written out once, when a product is made: the open and
/// close tags and the whole empty rendering, so that rendering copies whole strings, and a
/// missing value (often a whole group) is one copy. It writes what [`render`] writes; the
/// empty rendering is [`render`]'s own.
#[derive(Debug)]
pub struct Compiled {
    node: &'static Node,
    /// `<Name>`; `<Name` for a leaf with attributes (they follow).
    open: Box<str>,
    /// `</Name>`
    close: Box<str>,
    /// The node rendered with no value.
    empty: Box<str>,
    children: Box<[Compiled]>,
}

impl Compiled {
    pub fn new(node: &'static Node) -> Compiled {
        let name = node.name();
        let mut empty = XmlOut::with_capacity(64);
        render(node, &Value::Empty, &mut empty);
        let (open, children) = match node {
            Node::Leaf { attrs, .. } if !attrs.is_empty() => (format!("<{name}"), Box::default()),
            Node::Leaf { .. } => (format!("<{name}>"), Box::default()),
            Node::Group { children, .. } => (
                format!("<{name}>"),
                children.iter().map(Compiled::new).collect(),
            ),
        };
        Compiled {
            node,
            open: open.into(),
            close: format!("</{name}>").into(),
            empty: empty.into_string().into(),
            children,
        }
    }

    pub fn node(&self) -> &'static Node {
        self.node
    }

    /// Writes the node with `value`, as [`render`] does.
    pub fn write(&self, value: &Value<'_>, out: &mut XmlOut) {
        match self.node {
            Node::Leaf { attrs, .. } => {
                let (mut digits, mut spill) = ([0u8; 8], String::new());
                let (text, given): (&str, &[(&'static str, Cow<'_, str>)]) = match value {
                    Value::Text(t) => (t, &[]),
                    Value::Date(d) => (date_text(*d, &mut digits, &mut spill), &[]),
                    Value::Attributed(t, a) => (t, a),
                    Value::Empty | Value::Records(_) | Value::One(_) => ("", &[]),
                };
                let attributed = || {
                    let given = |a: &&str| given.iter().any(|(n, v)| n == a && !v.is_empty());
                    attrs.iter().any(|(a, _)| given(a))
                };
                if text.is_empty() && !attributed() {
                    out.raw(&self.empty);
                    return;
                }
                out.raw(&self.open);
                if !attrs.is_empty() {
                    for (a, _) in *attrs {
                        let v = given.iter().find(|(n, _)| n == a).map(|(_, v)| v.as_ref());
                        out.attr(a, v.unwrap_or(""));
                    }
                    if text.is_empty() {
                        out.raw("/>");
                        return;
                    }
                    out.raw(">");
                }
                // A date's digits (and sign) need no escaping.
                match value {
                    Value::Date(_) => out.raw(text),
                    _ => out.text(text),
                }
                .raw(&self.close);
            }
            Node::Group { repeat, .. } => {
                let records: &[Record<'_>] = match value.records() {
                    [] => {
                        out.raw(&self.empty);
                        return;
                    }
                    r if *repeat => r,
                    r => &r[..1],
                };
                for record in records {
                    out.raw(&self.open);
                    for child in &self.children {
                        match record.get(child.node.name()) {
                            Some(v) => child.write(v, out),
                            None => {
                                out.raw(&child.empty);
                            }
                        }
                    }
                    out.raw(&self.close);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Node = many(
        "G",
        &[
            leaf("A", "x"),
            group("N", &[leaf("B", "x")]),
            Node::Leaf {
                name: "C",
                ty: "x",
                attrs: &[("k", "x")],
            },
        ],
    );

    fn rendered(v: &Value<'_>) -> String {
        let mut out = XmlOut::new();
        render(&T, v, &mut out);
        out.into_string()
    }

    #[test]
    fn has_data_looks_through_records() {
        assert!(!Value::Records(vec![]).has_data());
        assert!(!Value::from(Record::new().with("A", Value::Empty).with("B", "")).has_data());
        let nested = Record::new().with("N", Record::new().with("B", "b"));
        assert!(Value::from(nested).has_data());
    }

    #[test]
    fn empty_value_renders_one_empty_instance_with_all_children() {
        assert_eq!(
            rendered(&Value::Empty),
            r#"<G><A/><N><B/></N><C k=""/></G>"#
        );
    }

    #[test]
    fn dates_are_written_as_yyyymmdd() {
        static DATE: Node = leaf("D", "vtj:PaivamaaraTyyppi");
        let compiled = Compiled::new(&DATE);
        for text in [
            "2026-01-02",
            "0999-12-31",
            "0001-07-08",
            "9999-12-31",
            "0000-03-04",
            "-000044-03-15",
        ] {
            let d: Date = text.parse().unwrap();
            let value = date(Some(d));
            assert!(value.has_data());
            // As written before dates had a value of their own: a year outside 0..=9999
            // (none in the registry) keeps its sign.
            let digits = format!("{:04}{:02}{:02}", d.year(), d.month(), d.day());
            if d.year() >= 0 {
                assert_eq!(digits, d.strftime("%Y%m%d").to_string());
            }
            let expected = format!("<D>{digits}</D>");
            let mut out = XmlOut::new();
            compiled.write(&value, &mut out);
            assert_eq!(out.into_string(), expected, "{text}");
            let mut out = XmlOut::new();
            render(&DATE, &value, &mut out);
            assert_eq!(out.into_string(), expected, "{text}");
        }
        assert!(matches!(date(None), Value::Empty));
    }

    /// The compiled node writes byte for byte what the tree walk writes, for empty,
    /// partly filled, attributed and repeated values.
    #[test]
    fn compiled_writes_what_render_writes() {
        static NODE: Node = T;
        let compiled = Compiled::new(&NODE);
        let values = [
            Value::Empty,
            Value::Records(vec![]),
            Value::from(Record::new().with("A", "a<&>\"b")),
            Value::from(
                Record::new().with("C", Value::Attributed("".into(), vec![("k", "".into())])),
            ),
            Value::from(
                Record::new().with("A", Value::Attributed("".into(), vec![("k", "v".into())])),
            ),
            Value::from(
                Record::new().with("C", Value::Attributed("".into(), vec![("k", "v".into())])),
            ),
            Value::from(
                Record::new().with("C", Value::Attributed("t".into(), vec![("z", "no".into())])),
            ),
            Value::Records(vec![
                Record::new().with("N", Record::new().with("B", "b")),
                Record::new().with("A", "").with("Secret", "never"),
            ]),
        ];
        for v in &values {
            let mut out = XmlOut::new();
            compiled.write(v, &mut out);
            assert_eq!(out.into_string(), rendered(v), "{v:?}");
        }
        static SINGLE: Node = group("S", &[leaf("A", "x")]);
        let single = &SINGLE;
        let two = Value::Records(vec![
            Record::new().with("A", "1"),
            Record::new().with("A", "2"),
        ]);
        let mut out = XmlOut::new();
        Compiled::new(single).write(&two, &mut out);
        let mut walked = XmlOut::new();
        render(single, &two, &mut walked);
        assert_eq!(out.into_string(), walked.into_string());
    }

    #[test]
    fn records_render_in_template_order_and_unknown_names_are_dropped() {
        let r1 = Record::new()
            .with("C", Value::Attributed("c".into(), vec![("k", "1".into())]))
            .with("A", "a")
            .with("Secret", "never");
        let r2 = Record::new().with("N", Record::new().with("B", "b"));
        let out = rendered(&Value::Records(vec![r1, r2]));
        assert_eq!(
            out,
            r#"<G><A>a</A><N><B/></N><C k="1">c</C></G><G><A/><N><B>b</B></N><C k=""/></G>"#
        );
        assert!(!out.contains("never"));
    }
}
