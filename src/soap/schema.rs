//! The request schema of the project's WSDLs, read at start with [`crate::xml`]: for each
//! request element, its children in sequence order with occurrence bounds, base type and
//! the restrictions (length, pattern) of their simple types; and the check of a request
//! element against it. Owns nothing of SOAP framing, credentials or VTJ data: callers
//! decide what a [`Violation`] answers.
//!
//! The reader understands the subset of XML Schema the project's WSDLs use: global
//! `xs:element`s with an inline or named `xs:complexType` holding one `xs:sequence` of
//! local elements; simple types `xs:string`, `xs:short`, `xs:int` or a named
//! `xs:simpleType` restricting one of them by `minLength`, `maxLength`, `length` and
//! `pattern`. The element tree drops namespace declarations, so type references are
//! resolved by local name within the WSDL (`xs:`/`xsd:` prefixes name the built-ins).
//! Anything else in a request schema is a start-up error, so a WSDL edit cannot silently
//! turn validation off.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex_automata::meta::Regex;

use crate::xml::{self, Element};

const XS_NS: &str = "http://www.w3.org/2001/XMLSchema";
const WSDL_NS: &str = "http://schemas.xmlsoap.org/wsdl/";

/// Why a WSDL's request schema cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("the WSDL is not readable XML: {0}")]
    Xml(#[from] xml::XmlError),
    #[error("the WSDL has no wsdl:types/xs:schema")]
    NoSchema,
    #[error("schema construct not supported in a request type: {0}")]
    Unsupported(String),
    #[error("type {0:?} is not defined in the WSDL")]
    UnknownType(String),
    #[error("the pattern of type {0:?} does not compile: {1}")]
    Pattern(String, String),
}

/// The built-in type a simple value derives from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    String,
    Short,
    Int,
}

/// A simple type: its base and restrictions.
#[derive(Debug, Clone)]
pub struct SimpleType {
    pub name: String,
    pub base: Base,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    /// The XSD pattern as written, and its compiled (anchored) form.
    pub pattern: Option<(String, Regex)>,
}

/// What an element holds.
#[derive(Debug, Clone)]
pub enum Content {
    Simple(SimpleType),
    /// A sequence of child elements.
    Sequence(Vec<Particle>),
}

/// One element of a sequence (or a global element).
#[derive(Debug, Clone)]
pub struct Particle {
    pub ns: String,
    pub name: String,
    pub min_occurs: u32,
    /// `None` for `unbounded`.
    pub max_occurs: Option<u32>,
    pub content: Content,
}

impl Particle {
    /// The child particles of a sequence element (empty for simple content).
    pub fn children(&self) -> &[Particle] {
        match &self.content {
            Content::Sequence(p) => p,
            Content::Simple(_) => &[],
        }
    }

    pub fn child(&self, name: &str) -> Option<&Particle> {
        self.children().iter().find(|p| p.name == name)
    }
}

/// The global request elements of one WSDL, by local name.
#[derive(Debug, Clone)]
pub struct RequestSchema {
    pub target_ns: String,
    elements: HashMap<String, Particle>,
}

/// How a request element breaks its schema. Every variant names the element.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error("unexpected element {{{ns}}}{name} in {parent}")]
    Unexpected {
        parent: String,
        ns: String,
        name: String,
    },
    #[error("element {name} is out of order in {parent}: it must come before {after}")]
    Order {
        parent: String,
        name: String,
        after: String,
    },
    #[error("element {name} occurs more than {max} time(s) in {parent}")]
    TooMany {
        parent: String,
        name: String,
        max: u32,
    },
    #[error("required element {name} is missing from {parent}")]
    Missing { parent: String, name: String },
    #[error("element {name} must hold text, not elements")]
    NotText { name: String },
    #[error("element {name}: {value:?} is not a valid {base}")]
    Type {
        name: String,
        value: String,
        base: &'static str,
    },
    #[error("element {name} is longer than {max} characters")]
    TooLong { name: String, max: usize },
    #[error("element {name} is shorter than {min} characters")]
    TooShort { name: String, min: usize },
    #[error("element {name} does not match the pattern of {type_name}")]
    Pattern { name: String, type_name: String },
    #[error("element {name} holds characters the service does not accept")]
    Characters { name: String },
}

impl Violation {
    /// The element the violation is about.
    pub fn element(&self) -> &str {
        match self {
            Violation::Unexpected { name, .. }
            | Violation::Order { name, .. }
            | Violation::TooMany { name, .. }
            | Violation::Missing { name, .. }
            | Violation::NotText { name }
            | Violation::Type { name, .. }
            | Violation::TooLong { name, .. }
            | Violation::TooShort { name, .. }
            | Violation::Pattern { name, .. }
            | Violation::Characters { name } => name,
        }
    }

    /// True for violations of a value (length, pattern, characters), as opposed to the
    /// shape of the message (elements, order, occurrence, type).
    pub fn is_value(&self) -> bool {
        matches!(
            self,
            Violation::TooLong { .. }
                | Violation::TooShort { .. }
                | Violation::Pattern { .. }
                | Violation::Characters { .. }
        )
    }
}

/// The parameter values of a valid request element: (name, trimmed text) in the order
/// sent. Empty elements have empty text.
pub type Values = Vec<(String, String)>;

impl RequestSchema {
    /// Reads the request schema of a WSDL document.
    pub fn from_wsdl(text: &str) -> Result<Self, SchemaError> {
        let root = xml::parse(text)?;
        let types = root.child(WSDL_NS, "types").ok_or(SchemaError::NoSchema)?;
        let schemas: Vec<&Element> = types
            .children
            .iter()
            .filter(|c| c.is(XS_NS, "schema"))
            .collect();
        let main = schemas.first().ok_or(SchemaError::NoSchema)?;
        let target_ns = main.attr(None, "targetNamespace").unwrap_or("").to_string();
        let defs = Defs {
            simple: named(main, "simpleType"),
            complex: named(main, "complexType"),
            ns: &target_ns,
        };
        let mut elements = HashMap::new();
        for el in main.children.iter().filter(|c| c.is(XS_NS, "element")) {
            let name = el.attr(None, "name").unwrap_or("");
            if name.ends_with("Response") {
                continue; // responses are written by the service, not validated
            }
            elements.insert(name.to_string(), defs.particle(el, 1)?);
        }
        Ok(RequestSchema {
            target_ns,
            elements,
        })
    }

    /// A global request element by local name.
    pub fn element(&self, name: &str) -> Option<&Particle> {
        self.elements.get(name)
    }
}

struct Defs<'a> {
    simple: HashMap<&'a str, &'a Element>,
    complex: HashMap<&'a str, &'a Element>,
    ns: &'a str,
}

fn named<'a>(schema: &'a Element, kind: &str) -> HashMap<&'a str, &'a Element> {
    schema
        .children
        .iter()
        .filter(|c| c.is(XS_NS, kind))
        .filter_map(|c| c.attr(None, "name").map(|n| (n, c)))
        .collect()
}

fn local(qname: &str) -> (&str, &str) {
    qname.split_once(':').unwrap_or(("", qname))
}

impl Defs<'_> {
    fn particle(&self, el: &Element, depth: usize) -> Result<Particle, SchemaError> {
        if depth > 8 {
            return Err(SchemaError::Unsupported("types nested too deeply".into()));
        }
        let name = el
            .attr(None, "name")
            .ok_or_else(|| SchemaError::Unsupported("xs:element without a name".into()))?;
        let occurs = |a: &str| el.attr(None, a).map(str::trim);
        let min_occurs = occurs("minOccurs")
            .map_or(Ok(1), str::parse)
            .map_err(|_| SchemaError::Unsupported(format!("minOccurs of {name}")))?;
        let max_occurs = match occurs("maxOccurs") {
            None => Some(1),
            Some("unbounded") => None,
            Some(n) => Some(
                n.parse()
                    .map_err(|_| SchemaError::Unsupported(format!("maxOccurs of {name}")))?,
            ),
        };
        let content = if let Some(t) = el.attr(None, "type") {
            self.content_of_type(t, depth)?
        } else if let Some(ct) = el.child(XS_NS, "complexType") {
            self.sequence(ct, depth)?
        } else if let Some(st) = el.child(XS_NS, "simpleType") {
            Content::Simple(self.simple_type(name, st)?)
        } else {
            return Err(SchemaError::Unsupported(format!(
                "element {name} without a type"
            )));
        };
        Ok(Particle {
            ns: self.ns.to_string(),
            name: name.to_string(),
            min_occurs,
            max_occurs,
            content,
        })
    }

    fn content_of_type(&self, qname: &str, depth: usize) -> Result<Content, SchemaError> {
        let (prefix, name) = local(qname);
        if matches!(prefix, "xs" | "xsd") {
            return Ok(Content::Simple(SimpleType {
                name: qname.to_string(),
                base: builtin(qname)?,
                min_length: None,
                max_length: None,
                pattern: None,
            }));
        }
        if let Some(st) = self.simple.get(name) {
            return Ok(Content::Simple(self.simple_type(name, st)?));
        }
        if let Some(ct) = self.complex.get(name) {
            return self.sequence(ct, depth);
        }
        Err(SchemaError::UnknownType(qname.to_string()))
    }

    fn sequence(&self, complex: &Element, depth: usize) -> Result<Content, SchemaError> {
        let seq = complex
            .child(XS_NS, "sequence")
            .ok_or_else(|| SchemaError::Unsupported("complexType without xs:sequence".into()))?;
        let mut particles = Vec::new();
        for c in &seq.children {
            if !c.is(XS_NS, "element") {
                return Err(SchemaError::Unsupported(format!(
                    "xs:{} in a request",
                    c.name
                )));
            }
            particles.push(self.particle(c, depth + 1)?);
        }
        Ok(Content::Sequence(particles))
    }

    fn simple_type(&self, name: &str, st: &Element) -> Result<SimpleType, SchemaError> {
        let r = st.child(XS_NS, "restriction").ok_or_else(|| {
            SchemaError::Unsupported(format!("simpleType {name} without xs:restriction"))
        })?;
        let base = builtin(r.attr(None, "base").unwrap_or(""))?;
        let mut t = SimpleType {
            name: name.to_string(),
            base,
            min_length: None,
            max_length: None,
            pattern: None,
        };
        for facet in &r.children {
            let value = facet.attr(None, "value").unwrap_or("");
            let number = || {
                value
                    .parse::<usize>()
                    .map_err(|_| SchemaError::Unsupported(format!("{} of {name}", facet.name)))
            };
            match facet.name.as_str() {
                "minLength" => t.min_length = Some(number()?),
                "maxLength" => t.max_length = Some(number()?),
                "length" => {
                    t.min_length = Some(number()?);
                    t.max_length = t.min_length;
                }
                "pattern" => {
                    // XSD patterns match the whole value.
                    let re = Regex::new(&format!("^(?:{value})$"))
                        .map_err(|e| SchemaError::Pattern(name.to_string(), e.to_string()))?;
                    t.pattern = Some((value.to_string(), re));
                }
                "annotation" => {}
                other => return Err(SchemaError::Unsupported(format!("facet {other} of {name}"))),
            }
        }
        Ok(t)
    }
}

fn builtin(qname: &str) -> Result<Base, SchemaError> {
    match local(qname).1 {
        "string" => Ok(Base::String),
        "short" => Ok(Base::Short),
        "int" => Ok(Base::Int),
        _ => Err(SchemaError::Unsupported(format!("built-in type {qname}"))),
    }
}

/// Checks a request element's children against a sequence particle and returns their
/// values. Shape violations are reported before value violations, whichever comes first
/// in the document.
pub fn validate(model: &Particle, el: &Element) -> Result<Values, Violation> {
    let parent = model.name.clone();
    let particles = model.children();
    let mut counts = vec![0u32; particles.len()];
    let mut cursor = 0usize;
    let mut values = Vec::with_capacity(el.children.len());
    let mut value_error: Option<Violation> = None;
    for child in &el.children {
        let found = particles
            .iter()
            .position(|p| child.is(&p.ns, &p.name))
            .ok_or_else(|| Violation::Unexpected {
                parent: parent.clone(),
                ns: child.ns.clone().unwrap_or_default(),
                name: child.name.clone(),
            })?;
        if found < cursor {
            return Err(Violation::Order {
                parent,
                name: child.name.clone(),
                after: particles[cursor].name.clone(),
            });
        }
        cursor = found;
        counts[found] += 1;
        let p = &particles[found];
        if p.max_occurs.is_some_and(|m| counts[found] > m) {
            return Err(Violation::TooMany {
                parent,
                name: p.name.clone(),
                max: p.max_occurs.unwrap_or(1),
            });
        }
        let Content::Simple(t) = &p.content else {
            // Nested sequences (the X-Road `request`) are validated by their caller.
            values.push((p.name.clone(), String::new()));
            continue;
        };
        if !child.children.is_empty() {
            return Err(Violation::NotText {
                name: p.name.clone(),
            });
        }
        let text = child.text.trim();
        check_type(&p.name, t, text)?;
        if value_error.is_none() {
            value_error = check_value(&p.name, t, text).err();
        }
        values.push((p.name.clone(), text.to_string()));
    }
    if let Some(missing) = particles
        .iter()
        .zip(&counts)
        .find(|(p, n)| **n < p.min_occurs)
    {
        return Err(Violation::Missing {
            parent,
            name: missing.0.name.clone(),
        });
    }
    match value_error {
        Some(v) => Err(v),
        None => Ok(values),
    }
}

fn check_type(name: &str, t: &SimpleType, text: &str) -> Result<(), Violation> {
    let ok = match t.base {
        Base::String => true,
        Base::Short => text.parse::<i16>().is_ok(),
        Base::Int => text.parse::<i32>().is_ok(),
    };
    if ok {
        return Ok(());
    }
    Err(Violation::Type {
        name: name.to_string(),
        value: text.chars().take(40).collect(),
        base: match t.base {
            Base::String => "xs:string",
            Base::Short => "xs:short",
            Base::Int => "xs:int",
        },
    })
}

fn check_value(name: &str, t: &SimpleType, text: &str) -> Result<(), Violation> {
    // The register holds ISO-8859-1 text: control characters and characters beyond
    // Latin-1 cannot be a parameter of any query.
    if text
        .chars()
        .any(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || c as u32 > 0xFF)
    {
        return Err(Violation::Characters {
            name: name.to_string(),
        });
    }
    let len = text.chars().count();
    if let Some(max) = t.max_length.filter(|m| len > *m) {
        return Err(Violation::TooLong {
            name: name.to_string(),
            max,
        });
    }
    // An empty element stands for an absent one (clients send unused parameters empty).
    if let Some(min) = t.min_length.filter(|m| len < *m && len > 0) {
        return Err(Violation::TooShort {
            name: name.to_string(),
            min,
        });
    }
    if let Some((_, re)) = &t.pattern
        && !re.is_match(text)
    {
        return Err(Violation::Pattern {
            name: name.to_string(),
            type_name: t.name.clone(),
        });
    }
    Ok(())
}

static DIRECT: OnceLock<RequestSchema> = OnceLock::new();
static XROAD: OnceLock<RequestSchema> = OnceLock::new();

/// The request schema of the direct interface (`wsdl/SoSo.wsdl`).
pub fn direct() -> &'static RequestSchema {
    DIRECT.get_or_init(|| {
        RequestSchema::from_wsdl(crate::app::SOSO_WSDL)
            .expect("wsdl/SoSo.wsdl is checked by the unit tests")
    })
}

/// The request schema of the X-Road interface (`wsdl/SoSoAdapterService60.wsdl`).
pub fn xroad() -> &'static RequestSchema {
    XROAD.get_or_init(|| {
        RequestSchema::from_wsdl(crate::app::XROAD_WSDL)
            .expect("wsdl/SoSoAdapterService60.wsdl is checked by the unit tests")
    })
}

/// Loads both schemas, reporting a broken WSDL as an error instead of a later panic.
pub fn load() -> Result<(), SchemaError> {
    if DIRECT.get().is_none() {
        let _ = DIRECT.set(RequestSchema::from_wsdl(crate::app::SOSO_WSDL)?);
    }
    if XROAD.get().is_none() {
        let _ = XROAD.set(RequestSchema::from_wsdl(crate::app::XROAD_WSDL)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &str = "http://tempuri.org/";

    fn req(inner: &str) -> Element {
        xml::parse(&format!(
            r#"<TeeHenkilonTunnusKysely xmlns="{T}">{inner}</TeeHenkilonTunnusKysely>"#
        ))
        .unwrap()
    }

    #[test]
    fn both_wsdls_load_with_their_operations() {
        load().unwrap();
        let d = direct();
        assert_eq!(d.target_ns, T);
        let p = d.element("TeeHenkilonTunnusKysely").unwrap();
        assert_eq!(p.children().len(), 13);
        assert_eq!(p.children()[3].name, "Loppukayttaja");
        let skeema = d.element("HaeTuotteenSkeema").unwrap();
        assert_eq!(skeema.child("laji").unwrap().min_occurs, 1);
        let x = xroad();
        let op = x.element("HenkilonTunnusKysely").unwrap();
        assert_eq!(op.child("request").unwrap().children().len(), 13);
        assert_eq!(x.element("HenkilonPoimintaKysely").iter().count(), 1);
        assert!(d.element("TeeHenkilonTunnusKyselyResponse").is_none());
    }

    #[test]
    fn values_are_checked_against_the_restrictions() {
        let m = direct().element("TeeHenkilonTunnusKysely").unwrap();
        let ok = validate(
            m,
            &req("<SoSoNimi>x</SoSoNimi><Henkilotunnus>020501A999T</Henkilotunnus><Vara1/>"),
        )
        .unwrap();
        assert_eq!(ok.len(), 3);
        let long = "a".repeat(51);
        let err = validate(m, &req(&format!("<Loppukayttaja>{long}</Loppukayttaja>"))).unwrap_err();
        assert_eq!(
            err,
            Violation::TooLong {
                name: "Loppukayttaja".into(),
                max: 50
            }
        );
        let err = validate(m, &req("<Henkilotunnus>hello</Henkilotunnus>")).unwrap_err();
        assert_eq!(err.element(), "Henkilotunnus");
        assert!(err.is_value());
        let err = validate(
            m,
            &req("<SahkoinenAsiointitunnus>1234</SahkoinenAsiointitunnus>"),
        )
        .unwrap_err();
        assert_eq!(err.element(), "SahkoinenAsiointitunnus");
        let err = validate(m, &req("<Loppukayttaja>a&#x1;b</Loppukayttaja>")).unwrap_err();
        assert!(matches!(err, Violation::Characters { .. }), "{err}");
    }

    #[test]
    fn shape_is_checked_before_values() {
        let m = direct().element("TeeHenkilonTunnusKysely").unwrap();
        let err = validate(
            m,
            &req("<Henkilotunnus>x</Henkilotunnus><SoSoNimi>x</SoSoNimi>"),
        )
        .unwrap_err();
        assert!(matches!(err, Violation::Order { .. }), "{err}");
        let err = validate(m, &req("<SoSoNimi>a</SoSoNimi><SoSoNimi>b</SoSoNimi>")).unwrap_err();
        assert!(matches!(err, Violation::TooMany { .. }), "{err}");
        let err = validate(m, &req("<Hetu>x</Hetu>")).unwrap_err();
        assert!(err.to_string().contains("Hetu"), "{err}");
        let err = validate(m, &req("<SoSoNimi><b/></SoSoNimi>")).unwrap_err();
        assert!(matches!(err, Violation::NotText { .. }), "{err}");
        let s = direct().element("HaeTuotteenSkeema").unwrap();
        let el = xml::parse(&format!(
            r#"<HaeTuotteenSkeema xmlns="{T}"><SoSoNimi>x</SoSoNimi></HaeTuotteenSkeema>"#
        ))
        .unwrap();
        assert!(matches!(
            validate(s, &el).unwrap_err(),
            Violation::Missing { .. }
        ));
        let el = xml::parse(&format!(
            r#"<HaeTuotteenSkeema xmlns="{T}"><laji>99999</laji></HaeTuotteenSkeema>"#
        ))
        .unwrap();
        assert!(matches!(
            validate(s, &el).unwrap_err(),
            Violation::Type { .. }
        ));
    }

    #[test]
    fn unsupported_constructs_are_start_up_errors() {
        let wsdl = format!(
            r#"<d:definitions xmlns:d="{WSDL_NS}"><d:types><xs:schema xmlns:xs="{XS_NS}" targetNamespace="urn:t">
            <xs:element name="Op"><xs:complexType><xs:choice/></xs:complexType></xs:element></xs:schema></d:types></d:definitions>"#
        );
        assert!(RequestSchema::from_wsdl(&wsdl).is_err());
        let wsdl = wsdl.replace(
            "<xs:choice/>",
            r#"<xs:sequence><xs:element name="a" type="tns:Nope"/></xs:sequence>"#,
        );
        assert!(matches!(
            RequestSchema::from_wsdl(&wsdl),
            Err(SchemaError::UnknownType(_))
        ));
    }
}
