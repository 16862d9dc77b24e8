//! The shape language of response groups: a static template tree (element names and their
//! catalogue types) and the values extracted from a person for it. Rendering walks the
//! template, so every element the template names is written (empty when there is no value)
//! and nothing the template does not name ever is.

use std::borrow::Cow;

use jiff::civil::Date;

use crate::xml::XmlOut;

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
    /// Text with attribute values (by attribute name).
    Attributed(Cow<'a, str>, Vec<(&'static str, Cow<'a, str>)>),
    /// Instances of a group; an empty list renders one empty instance.
    Records(Vec<Record<'a>>),
}

impl Value<'_> {
    /// True when any text or attribute value below is non-empty.
    pub fn has_data(&self) -> bool {
        match self {
            Value::Empty => false,
            Value::Text(t) => !t.is_empty(),
            Value::Attributed(t, a) => !t.is_empty() || a.iter().any(|(_, v)| !v.is_empty()),
            Value::Records(r) => r.iter().any(|rec| rec.0.iter().any(|(_, v)| v.has_data())),
        }
    }
}

/// The values of one group instance, by child element name.
#[derive(Debug, Clone, Default)]
pub struct Record<'a>(pub Vec<(&'static str, Value<'a>)>);

impl<'a> Record<'a> {
    pub fn new() -> Self {
        Record(Vec::new())
    }

    /// Adds a child value (builder style).
    pub fn with(mut self, name: &'static str, value: impl Into<Value<'a>>) -> Self {
        self.0.push((name, value.into()));
        self
    }

    fn get(&self, name: &str) -> Option<&Value<'a>> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
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
        Value::Records(vec![r])
    }
}

impl<'a> From<Vec<Record<'a>>> for Value<'a> {
    fn from(r: Vec<Record<'a>>) -> Self {
        Value::Records(r)
    }
}

/// A date in the catalogue's `PaivamaaraTyyppi` form, `yyyyMMdd`.
pub fn date(d: Option<Date>) -> Value<'static> {
    match d {
        Some(d) => Value::Text(Cow::Owned(format!(
            "{:04}{:02}{:02}",
            d.year(),
            d.month(),
            d.day()
        ))),
        None => Value::Empty,
    }
}

/// Writes `node` with `value`. Missing values render as empty elements; a group without
/// records renders once with every child empty, as the real service does.
pub fn render(node: &Node, value: &Value<'_>, out: &mut XmlOut) {
    match node {
        Node::Leaf { name, attrs, .. } => {
            let (text, given): (&str, &[(&'static str, Cow<'_, str>)]) = match value {
                Value::Text(t) => (t, &[]),
                Value::Attributed(t, a) => (t, a),
                Value::Empty | Value::Records(_) => ("", &[]),
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
            let records: &[Record<'_>] = match value {
                Value::Records(r) if !r.is_empty() => {
                    if *repeat {
                        r
                    } else {
                        &r[..1]
                    }
                }
                _ => &empty,
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
