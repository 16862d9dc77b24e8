//! Reading a WSDL's request schema into [`Particle`]s: global elements, their inline or
//! named complex types (one `xs:sequence` each) and simple types with their facets. What
//! the reader does not understand is an error, never silently skipped.

use std::collections::HashMap;

use regex_automata::meta::Regex;

use crate::xml::{self, Element};

use super::{Base, Content, Particle, SchemaError, SimpleType};

const XS_NS: &str = "http://www.w3.org/2001/XMLSchema";
const WSDL_NS: &str = "http://schemas.xmlsoap.org/wsdl/";

/// The target namespace and the global request elements (responses left out) of a WSDL.
pub(super) fn request_elements(
    text: &str,
) -> Result<(String, HashMap<String, Particle>), SchemaError> {
    let root = xml::parse(text)?;
    let types = root.child(WSDL_NS, "types").ok_or(SchemaError::NoSchema)?;
    let main = types
        .children
        .iter()
        .find(|c| c.is(XS_NS, "schema"))
        .ok_or(SchemaError::NoSchema)?;
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
    Ok((target_ns, elements))
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
