//! The model a request schema is read into: elements with their sequence of children,
//! occurrence bounds and simple types with their restrictions, and why a WSDL's schema
//! cannot be read. The reader (`read.rs`) builds it and the check (`check.rs`) walks it;
//! this file knows neither.

use regex_automata::meta::Regex;

use crate::xml;

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
