//! Import of DVV's per-product response schemas (the XSD a permit holder receives, which
//! imports the catalogue `VTJHenkilotiedotKatalogi.xsd`): reads the schema with quick-xml,
//! matches each `Henkilo` child against the catalogue's group shapes, detects the shape
//! options (flat or nested relations, `Kuollut` or not, `Lahiosoite` or structured
//! `Osoite`) and the `Hakuperusteet` criteria, and gives a product definition, printable as
//! the `[[product]]` TOML of the configuration. An element the catalogue does not know, or
//! a shape the emulator cannot produce, is refused naming the element's path; nothing is
//! guessed.

use std::fmt::Write as _;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{QName, ResolveResult};
use quick_xml::reader::NsReader;

use super::catalogue::{self, Alt, GroupDef};
use super::render::{HENKILOTIEDOT_NS, VTJKYSELY_NS};
use super::template::{Node, group, leaf};
use super::{Criterion, Options, Product};

const XS_NS: &str = "http://www.w3.org/2001/XMLSchema";
const ROOT: &str = "VTJHenkiloVastaussanoma";
/// The root's attributes the emulator always writes.
const ROOT_ATTRS: [&str; 3] = ["tietojenPoimintaaika", "sanomatunnus", "versio"];
/// The criteria's attributes the emulator always writes.
const CRITERION_ATTRS: [&str; 4] = [
    "hakuperustePaluukoodi",
    "hakuperusteTekstiS",
    "hakuperusteTekstiR",
    "hakuperusteTekstiE",
];

/// `Asiakasinfo` and `Paluukoodi` as every emulator document writes them.
const ASIAKASINFO: Node = group(
    "Asiakasinfo",
    &[
        leaf("InfoS", "vtj:AsiakasinfoTyyppi"),
        leaf("InfoR", "vtj:AsiakasinfoTyyppi"),
        leaf("InfoE", "vtj:AsiakasinfoTyyppi"),
    ],
);
const PALUUKOODI: Node = Node::Leaf {
    name: "Paluukoodi",
    ty: "vtj:PaluukoodiTekstiTyyppi",
    attrs: &[("koodi", "vtj:PaluukoodiTyyppi")],
};

/// Why a schema cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the schema is not well-formed XML: {0}")]
    Malformed(String),
    #[error("{path}: {message}")]
    At { path: String, message: String },
}

fn at(path: &str, message: impl Into<String>) -> ImportError {
    ImportError::At {
        path: path.to_string(),
        message: message.into(),
    }
}

/// A product definition read from a schema: what a `[[product]]` table would say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Group ids in the schema's order (a structured address by its `…Osoite` name).
    pub groups: Vec<&'static str>,
    pub options: Options,
    pub criteria: Vec<Criterion>,
    /// For each option, the element path that decided it (`None`: no group of the schema
    /// depends on it, so either value answers the same).
    pub decided_by: Decided,
}

/// The element that decided each shape option.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decided {
    pub address: Option<String>,
    pub relations: Option<String>,
    pub kuollut: Option<String>,
}

impl Imported {
    /// The checked product (`name` as the `[[product]]` would give it).
    pub fn product(&self, name: &str, origin: &str) -> Result<Product, super::ProductError> {
        Product::new(name, &self.groups, self.options, &self.criteria, origin)
    }

    /// The `[[product]]` table for the configuration.
    pub fn toml(&self, name: &str, source: &str, replaces_builtin: bool) -> String {
        let q = |s: &str| toml::Value::String(s.to_string()).to_string();
        let o = &self.options;
        let why = |d: &Option<String>| match d {
            Some(path) => format!("  # as {path} shows"),
            None => "  # no group of this schema depends on it".to_string(),
        };
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# Imported from {} by `vtj-emulator products import-xsd`: {} groups in the schema's order.",
            q(source),
            self.groups.len()
        );
        s.push_str("[[product]]\n");
        let _ = writeln!(s, "name = {}", q(name));
        if replaces_builtin {
            s.push_str(
                "replaces_builtin = true  # the permit's schema wins over the built-in product\n",
            );
        }
        s.push_str("groups = [\n");
        for g in &self.groups {
            let _ = writeln!(s, "    {},", q(g));
        }
        s.push_str("]\n");
        let address = if o.structured_address {
            "osoite"
        } else {
            "lahiosoite"
        };
        let relations = if o.flat_relations { "flat" } else { "nested" };
        let _ = writeln!(
            s,
            "address = {}{}",
            q(address),
            why(&self.decided_by.address)
        );
        let _ = writeln!(
            s,
            "relations = {}{}",
            q(relations),
            why(&self.decided_by.relations)
        );
        let _ = writeln!(
            s,
            "kuollut = {}{}",
            o.kuollut,
            why(&self.decided_by.kuollut)
        );
        let criteria: Vec<String> = self.criteria.iter().map(|c| q(c.element())).collect();
        let _ = writeln!(s, "criteria = [{}]", criteria.join(", "));
        s
    }
}

/// Why a schema file cannot be imported: unreadable, or refused (with the file's name).
#[derive(Debug, thiserror::Error)]
pub enum ImportFileError {
    #[error("{file}: cannot be read: {error}")]
    Io { file: String, error: std::io::Error },
    #[error("{file}: {error}")]
    Refused { file: String, error: ImportError },
    #[error("{file}: product {name:?}: {error}")]
    Product {
        file: String,
        name: String,
        error: super::ProductError,
    },
}

/// Reads a schema file (UTF-8 or ISO-8859-1, as DVV's are).
pub fn read_file(path: &std::path::Path) -> Result<Imported, ImportFileError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|error| ImportFileError::Io {
        file: file.clone(),
        error,
    })?;
    let refused = |error| ImportFileError::Refused {
        file: file.clone(),
        error,
    };
    let text =
        crate::xml::decode(&bytes).map_err(|e| refused(ImportError::Malformed(e.to_string())))?;
    import(&text).map_err(refused)
}

/// `products import-xsd`: the `[[product]]` TOML for a schema file, named `name` or after
/// the file.
pub fn import_file(path: &std::path::Path, name: Option<&str>) -> Result<String, ImportFileError> {
    let imported = read_file(path)?;
    let name = match name {
        Some(n) => n.to_string(),
        None => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let origin = path.display().to_string();
    imported
        .product(&name, &origin)
        .map_err(|error| ImportFileError::Product {
            file: origin.clone(),
            name: name.clone(),
            error,
        })?;
    let source = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or(origin);
    let builtin = super::Products::builtin().get(&name).is_some();
    Ok(imported.toml(&name, &source, builtin))
}

/// Reads a per-product response schema (its text, already decoded).
pub fn import(text: &str) -> Result<Imported, ImportError> {
    let schema = read_tree(text)?;
    if !schema.is_xs("schema") {
        return Err(at(
            &schema.name,
            "the document is not an XML Schema (xs:schema)",
        ));
    }
    let target = schema.attr("targetNamespace").unwrap_or_default();
    if target != VTJKYSELY_NS {
        return Err(at(
            "xs:schema",
            format!("targetNamespace is {target:?}, not {VTJKYSELY_NS:?}"),
        ));
    }
    let root = schema
        .children
        .iter()
        .find(|c| c.is_xs("element") && c.attr("name") == Some(ROOT))
        .ok_or_else(|| at("xs:schema", format!("no top-level element {ROOT}")))?;
    let root = decl(root, "")?;
    let Body::Group { children, attrs } = &root.body else {
        return Err(at(ROOT, "has no element content"));
    };
    check_root_attributes(attrs)?;
    let names: Vec<&str> = children.iter().map(|c| c.name.as_str()).collect();
    let expected = ["Asiakasinfo", "Paluukoodi", "Hakuperusteet", "Henkilo"];
    if names != expected {
        return Err(at(
            ROOT,
            format!(
                "holds {} where the emulator writes {}",
                names.join(", "),
                expected.join(", ")
            ),
        ));
    }
    let path = |c: &Decl| format!("{ROOT}/{}", c.name);
    matches(&children[0], &ASIAKASINFO, &path(&children[0]))?;
    matches(&children[1], &PALUUKOODI, &path(&children[1]))?;
    let criteria = criteria(&children[2], &path(&children[2]))?;
    let henkilo = &children[3];
    let Body::Group {
        children: groups,
        attrs,
    } = &henkilo.body
    else {
        return Err(at(&path(henkilo), "has no element content"));
    };
    if let Some((a, ..)) = attrs.first() {
        return Err(at(
            &path(henkilo),
            format!("attribute {a} is not one the emulator writes"),
        ));
    }
    let mut chosen = Vec::with_capacity(groups.len());
    let mut decided = Decided::default();
    let mut options = Options::default();
    for g in groups {
        let p = format!("{}/{}", path(henkilo), g.name);
        let (def, shape, option) = resolve(g, &p)?;
        if let Some(option) = option {
            apply(option, &p, &mut options, &mut decided)?;
        }
        chosen.push((def, shape));
    }
    let ids: Vec<&'static str> = chosen
        .iter()
        .map(|(def, shape)| {
            if matches!(&def.alt, Alt::Osoite(n) if std::ptr::eq(n, *shape)) {
                shape.name()
            } else {
                def.id
            }
        })
        .collect();
    let imported = Imported {
        groups: ids,
        options,
        criteria,
        decided_by: decided,
    };
    // The product the definition gives must write exactly the shapes matched.
    let product = imported
        .product("import", "import")
        .map_err(|e| at(&path(henkilo), e.to_string()))?;
    for (g, (_, shape)) in product.groups.iter().zip(&chosen) {
        if !std::ptr::eq(g.node, *shape) {
            return Err(at(
                &format!("{}/{}", path(henkilo), shape.name()),
                "the options chosen for the other groups give this group another shape",
            ));
        }
    }
    Ok(imported)
}

/// A shape option a group's shape requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    Address(bool),
    Relations(bool),
    Kuollut(bool),
}

impl Opt {
    fn describe(self) -> &'static str {
        match self {
            Opt::Address(true) => "address = \"osoite\"",
            Opt::Address(false) => "address = \"lahiosoite\"",
            Opt::Relations(true) => "relations = \"flat\"",
            Opt::Relations(false) => "relations = \"nested\"",
            Opt::Kuollut(true) => "kuollut = true",
            Opt::Kuollut(false) => "kuollut = false",
        }
    }
}

fn apply(
    opt: Opt,
    path: &str,
    options: &mut Options,
    decided: &mut Decided,
) -> Result<(), ImportError> {
    let (slot, field, value) = match opt {
        Opt::Address(v) => (&mut decided.address, &mut options.structured_address, v),
        Opt::Relations(v) => (&mut decided.relations, &mut options.flat_relations, v),
        Opt::Kuollut(v) => (&mut decided.kuollut, &mut options.kuollut, v),
    };
    match slot {
        Some(earlier) if *field != value => Err(at(
            path,
            format!(
                "needs {}, but {earlier} needs the other value: a product writes all such groups one way",
                opt.describe()
            ),
        )),
        Some(_) => Ok(()),
        None => {
            *slot = Some(path.to_string());
            *field = value;
            Ok(())
        }
    }
}

/// Every shape of the catalogue that writes element `name`, with the option it requires.
fn shapes(name: &str) -> Vec<(&'static GroupDef, &'static Node, Option<Opt>)> {
    let mut v = Vec::new();
    for def in catalogue::all() {
        let (alt, alt_opt, default_opt) = match &def.alt {
            Alt::None => (None, None, None),
            Alt::Osoite(n) => (Some(n), Some(Opt::Address(true)), Some(Opt::Address(false))),
            Alt::Flat(n) => (
                Some(n),
                Some(Opt::Relations(true)),
                Some(Opt::Relations(false)),
            ),
            Alt::WithoutKuollut(n) => {
                (Some(n), Some(Opt::Kuollut(false)), Some(Opt::Kuollut(true)))
            }
        };
        if def.node.name() == name {
            v.push((def, &def.node, default_opt));
        }
        if let Some(n) = alt.filter(|n| n.name() == name) {
            v.push((def, n, alt_opt));
        }
    }
    v
}

/// The catalogue group and shape a `Henkilo` child is.
fn resolve(
    d: &Decl,
    path: &str,
) -> Result<(&'static GroupDef, &'static Node, Option<Opt>), ImportError> {
    let candidates = shapes(&d.name);
    if candidates.is_empty() {
        return Err(at(
            path,
            format!(
                "element {} is not in the catalogue (`vtj-emulator products groups` lists the groups)",
                d.name
            ),
        ));
    }
    // The candidate that matched furthest names the place where the schema parts from it.
    let mut nearest: Option<(usize, ImportError)> = None;
    let mut found = Vec::new();
    for c in &candidates {
        let mut progress = 0;
        match matches_counting(d, c.1, path, &mut progress) {
            Ok(()) => found.push(*c),
            Err(e) => {
                if nearest.as_ref().is_none_or(|(n, _)| progress > *n) {
                    nearest = Some((progress, e));
                }
            }
        }
    }
    let shape_list = || {
        let names: Vec<String> = candidates
            .iter()
            .map(|(def, _, opt)| match opt {
                Some(o) => format!("{} ({})", def.id, o.describe()),
                None => def.id.to_string(),
            })
            .collect();
        names.join(", ")
    };
    match (found.as_slice(), nearest) {
        ([one], _) => Ok(*one),
        ([], Some((_, ImportError::At { path, message }))) => Err(at(
            &path,
            format!(
                "{message}; the emulator cannot produce this shape of {} (its shapes: {})",
                d.name,
                shape_list()
            ),
        )),
        ([], _) => Err(at(
            path,
            format!("matches none of the shapes {}", shape_list()),
        )),
        (many, _) => {
            let ids: Vec<&str> = many.iter().map(|c| c.0.id).collect();
            Err(at(
                path,
                format!("matches several catalogue shapes ({})", ids.join(", ")),
            ))
        }
    }
}

/// `Hakuperusteet`: the criteria in the schema's order.
fn criteria(d: &Decl, path: &str) -> Result<Vec<Criterion>, ImportError> {
    let Body::Group { children, attrs } = &d.body else {
        return Err(at(path, "has no element content"));
    };
    if let Some((a, ..)) = attrs.first() {
        return Err(at(
            path,
            format!("attribute {a} is not one the emulator writes"),
        ));
    }
    let mut out = Vec::new();
    for c in children {
        let p = format!("{path}/{}", c.name);
        let criterion = Criterion::from_element(&c.name).ok_or_else(|| {
            at(
                &p,
                format!(
                    "criterion {} is not one a product echoes (Henkilotunnus, SahkoinenAsiointitunnus)",
                    c.name
                ),
            )
        })?;
        let Body::Leaf { attrs, .. } = &c.body else {
            return Err(at(&p, "has element content where the emulator writes text"));
        };
        let mut names: Vec<&str> = attrs.iter().map(|(a, ..)| a.as_str()).collect();
        names.sort_unstable();
        let mut want = CRITERION_ATTRS;
        want.sort_unstable();
        if names != want {
            return Err(at(
                &p,
                format!(
                    "has attributes {} where the emulator writes {}",
                    names.join(", "),
                    CRITERION_ATTRS.join(", ")
                ),
            ));
        }
        if c.min > 1 || c.max != Max::One {
            return Err(at(&p, "the emulator echoes each criterion once"));
        }
        out.push(criterion);
    }
    Ok(out)
}

fn check_root_attributes(attrs: &[(String, QNameOwned, bool)]) -> Result<(), ImportError> {
    for a in ROOT_ATTRS {
        if !attrs.iter().any(|(n, ..)| n == a) {
            return Err(at(
                ROOT,
                format!("declares no attribute {a}, which the emulator writes"),
            ));
        }
    }
    if let Some((n, ..)) = attrs
        .iter()
        .find(|(n, _, required)| *required && !ROOT_ATTRS.contains(&n.as_str()))
    {
        return Err(at(
            ROOT,
            format!("requires attribute {n}, which the emulator does not write"),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Matching a declaration against a catalogue template.

/// Checks that the emulator's `node` writes what declaration `d` accepts, element by
/// element; the error names the first element where they part.
fn matches(d: &Decl, n: &Node, path: &str) -> Result<(), ImportError> {
    matches_counting(d, n, path, &mut 0)
}

/// [`matches`], counting in `progress` the elements found in their place before the first
/// difference (the shape with the most is the one the schema meant).
fn matches_counting(
    d: &Decl,
    n: &Node,
    path: &str,
    progress: &mut usize,
) -> Result<(), ImportError> {
    if d.min > 1 {
        return Err(at(
            path,
            format!("minOccurs {} (the emulator writes one)", d.min),
        ));
    }
    match (n, &d.body) {
        (
            Node::Leaf { ty, attrs, .. },
            Body::Leaf {
                ty: dty,
                attrs: dattrs,
            },
        ) => {
            if d.max != Max::One {
                return Err(at(path, "repeats where the emulator writes one element"));
            }
            if !dty.is_catalogue(ty) {
                return Err(at(
                    path,
                    format!("is of type {dty}, where the catalogue group writes {ty}"),
                ));
            }
            for (name, aty) in *attrs {
                match dattrs.iter().find(|(a, ..)| a == name) {
                    None => {
                        return Err(at(
                            path,
                            format!("declares no attribute {name}, which the emulator writes"),
                        ));
                    }
                    Some((_, t, _)) if !t.is_catalogue(aty) => {
                        return Err(at(
                            path,
                            format!(
                                "attribute {name} is of type {t}, where the catalogue has {aty}"
                            ),
                        ));
                    }
                    Some(_) => {}
                }
            }
            if let Some((a, ..)) = dattrs
                .iter()
                .find(|(a, ..)| !attrs.iter().any(|(n, _)| n == a))
            {
                return Err(at(
                    path,
                    format!("attribute {a} is not one the emulator writes here"),
                ));
            }
            Ok(())
        }
        (
            Node::Group {
                repeat, children, ..
            },
            Body::Group {
                children: dchildren,
                attrs,
            },
        ) => {
            match (repeat, d.max) {
                (true, Max::One) => {
                    return Err(at(
                        path,
                        "allows one element where the emulator writes a list",
                    ));
                }
                (false, Max::Many) => {
                    return Err(at(path, "repeats where the emulator writes one element"));
                }
                _ => {}
            }
            if let Some((a, ..)) = attrs.first() {
                return Err(at(
                    path,
                    format!("attribute {a} is not one the emulator writes"),
                ));
            }
            for (i, c) in children.iter().enumerate() {
                let Some(dc) = dchildren.get(i) else {
                    return Err(at(
                        &format!("{path}/{}", c.name()),
                        "is missing from the schema, and the emulator writes it here",
                    ));
                };
                let p = format!("{path}/{}", dc.name);
                if dc.name != c.name() {
                    return Err(at(
                        &p,
                        format!("stands where the emulator writes {}", c.name()),
                    ));
                }
                *progress += 1;
                matches_counting(dc, c, &p, progress)?;
            }
            if let Some(extra) = dchildren.get(children.len()) {
                return Err(at(
                    &format!("{path}/{}", extra.name),
                    "is not an element the emulator writes here",
                ));
            }
            Ok(())
        }
        (Node::Leaf { .. }, Body::Group { .. }) => Err(at(
            path,
            "has element content where the emulator writes text",
        )),
        (Node::Group { .. }, Body::Leaf { .. }) => Err(at(
            path,
            "is text where the emulator writes element content",
        )),
    }
}

// ---------------------------------------------------------------------------------------
// The schema's element declarations.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Max {
    One,
    Many,
}

/// A resolved type name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct QNameOwned {
    ns: Option<String>,
    local: String,
}

impl QNameOwned {
    /// True when this names the catalogue type `vtj:Local`.
    fn is_catalogue(&self, ty: &str) -> bool {
        self.ns.as_deref() == Some(HENKILOTIEDOT_NS) && ty.strip_prefix("vtj:") == Some(&self.local)
    }
}

impl std::fmt::Display for QNameOwned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.ns.as_deref() {
            Some(HENKILOTIEDOT_NS) => write!(f, "vtj:{}", self.local),
            Some(XS_NS) => write!(f, "xs:{}", self.local),
            Some(ns) => write!(f, "{{{ns}}}{}", self.local),
            None => f.write_str(&self.local),
        }
    }
}

/// An element declaration.
#[derive(Debug)]
struct Decl {
    name: String,
    min: u32,
    max: Max,
    body: Body,
}

#[derive(Debug)]
enum Body {
    /// Text of a type, with attributes (name, type, required).
    Leaf {
        ty: QNameOwned,
        attrs: Vec<(String, QNameOwned, bool)>,
    },
    /// A sequence of elements, with attributes.
    Group {
        children: Vec<Decl>,
        attrs: Vec<(String, QNameOwned, bool)>,
    },
}

/// An `xs:element` as a declaration; `parent` is the path above it.
fn decl(e: &XsNode, parent: &str) -> Result<Decl, ImportError> {
    let name = e.attr("name").unwrap_or_default().to_string();
    let path = if parent.is_empty() {
        name.clone()
    } else {
        format!("{parent}/{name}")
    };
    if let Some(r) = e.attr("ref") {
        return Err(at(
            parent,
            format!("xs:element ref=\"{r}\" is not supported (declare the element in place)"),
        ));
    }
    if name.is_empty() {
        return Err(at(parent, "an xs:element without a name"));
    }
    // Constraints on the values or the element's identity the emulator knows nothing of.
    for a in ["fixed", "substitutionGroup", "abstract"] {
        if e.attr(a).is_some() {
            return Err(at(&path, format!("{a}= is not supported")));
        }
    }
    let min = match e.attr("minOccurs") {
        None => 1,
        Some(v) => v
            .parse()
            .map_err(|_| at(&path, format!("minOccurs {v:?} is not a number")))?,
    };
    let max = match e.attr("maxOccurs") {
        None | Some("1") => Max::One,
        Some("0") => {
            return Err(at(
                &path,
                "maxOccurs 0 declares an element that never occurs",
            ));
        }
        Some(v) if v == "unbounded" || v.parse::<u32>().is_ok() => Max::Many,
        Some(v) => return Err(at(&path, format!("maxOccurs {v:?} is not a number"))),
    };
    let content: Vec<&XsNode> = e
        .children
        .iter()
        .filter(|c| !c.is_xs("annotation"))
        .collect();
    let body = match (&e.type_name, content.as_slice()) {
        (Some(ty), []) => {
            if ty.ns.as_deref() != Some(HENKILOTIEDOT_NS) && ty.ns.as_deref() != Some(XS_NS) {
                return Err(at(
                    &path,
                    format!("type {ty} is neither a catalogue nor an XML Schema type"),
                ));
            }
            Body::Leaf {
                ty: ty.clone(),
                attrs: Vec::new(),
            }
        }
        (None, [ct]) if ct.is_xs("complexType") => complex(ct, &path)?,
        (None, [other]) => {
            return Err(at(
                &path,
                format!(
                    "xs:{} is not supported here (only catalogue types and xs:complexType)",
                    other.name
                ),
            ));
        }
        (None, []) => return Err(at(&path, "has no type")),
        _ => return Err(at(&path, "has both a type and inline content")),
    };
    Ok(Decl {
        name,
        min,
        max,
        body,
    })
}

/// An anonymous `xs:complexType`: a sequence of elements or simple content, with attributes.
fn complex(ct: &XsNode, path: &str) -> Result<Body, ImportError> {
    if ct.attr("mixed") == Some("true") {
        return Err(at(path, "mixed content is not supported"));
    }
    let mut children = Vec::new();
    let mut attrs = Vec::new();
    let mut leaf_type = None;
    for c in ct.children.iter().filter(|c| !c.is_xs("annotation")) {
        match c.name.as_str() {
            "sequence" if c.ns_is_xs => {
                if c.attr("minOccurs").is_some_and(|v| v != "1")
                    || c.attr("maxOccurs").is_some_and(|v| v != "1")
                {
                    return Err(at(
                        path,
                        "an xs:sequence with occurrence bounds is not supported",
                    ));
                }
                for item in c.children.iter().filter(|c| !c.is_xs("annotation")) {
                    if !item.is_xs("element") {
                        return Err(at(
                            path,
                            format!("xs:{} inside xs:sequence is not supported", item.name),
                        ));
                    }
                    children.push(decl(item, path)?);
                }
            }
            "simpleContent" if c.ns_is_xs => {
                let ext = c
                    .children
                    .iter()
                    .find(|x| x.is_xs("extension"))
                    .ok_or_else(|| {
                        at(
                            path,
                            "xs:simpleContent without xs:extension is not supported",
                        )
                    })?;
                let base = ext
                    .type_name
                    .clone()
                    .ok_or_else(|| at(path, "xs:extension without a base"))?;
                leaf_type = Some(base);
                for a in ext.children.iter().filter(|c| !c.is_xs("annotation")) {
                    attrs.push(attribute(a, path)?);
                }
            }
            "attribute" if c.ns_is_xs => attrs.push(attribute(c, path)?),
            other => {
                return Err(at(
                    path,
                    format!(
                        "xs:{other} is not supported (only xs:sequence, xs:simpleContent and xs:attribute)"
                    ),
                ));
            }
        }
    }
    Ok(match leaf_type {
        Some(ty) if children.is_empty() => Body::Leaf { ty, attrs },
        Some(_) => return Err(at(path, "both simple content and elements")),
        None => Body::Group { children, attrs },
    })
}

fn attribute(a: &XsNode, path: &str) -> Result<(String, QNameOwned, bool), ImportError> {
    if !a.is_xs("attribute") {
        return Err(at(
            path,
            format!("xs:{} is not supported among attributes", a.name),
        ));
    }
    let name = a.attr("name").ok_or_else(|| {
        at(
            path,
            "an xs:attribute without a name (ref is not supported)",
        )
    })?;
    let ty = a
        .type_name
        .clone()
        .ok_or_else(|| at(path, format!("attribute {name} has no type")))?;
    if a.attr("fixed").is_some() {
        return Err(at(
            path,
            format!("attribute {name}: fixed= is not supported"),
        ));
    }
    Ok((name.to_string(), ty, a.attr("use") == Some("required")))
}

// ---------------------------------------------------------------------------------------
// Reading the schema document.

/// An element of the schema document. Type names (`type`, `base`) are resolved against
/// the namespace declarations in scope where they appear.
#[derive(Debug)]
struct XsNode {
    ns_is_xs: bool,
    name: String,
    attrs: Vec<(String, String)>,
    type_name: Option<QNameOwned>,
    children: Vec<XsNode>,
}

impl XsNode {
    fn is_xs(&self, name: &str) -> bool {
        self.ns_is_xs && self.name == name
    }
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn malformed(e: impl std::fmt::Display) -> ImportError {
    ImportError::Malformed(e.to_string())
}

fn read_tree(text: &str) -> Result<XsNode, ImportError> {
    let mut reader = NsReader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<XsNode> = Vec::new();
    let mut root = None;
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(malformed)?;
        let ns_is_xs = matches!(&ns, ResolveResult::Bound(n) if n.into_inner() == XS_NS);
        match event {
            Event::Start(s) => {
                if stack.len() >= 128 {
                    return Err(malformed("elements nested deeper than 128 levels"));
                }
                stack.push(node(&reader, ns_is_xs, &s)?);
            }
            Event::Empty(s) => {
                let n = node(&reader, ns_is_xs, &s)?;
                push(&mut stack, &mut root, n);
            }
            Event::End(_) => {
                let n = stack.pop().ok_or_else(|| malformed("unexpected end tag"))?;
                push(&mut stack, &mut root, n);
            }
            Event::DocType(_) => return Err(malformed("a DOCTYPE declaration is not allowed")),
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(malformed("the document ends inside an element"));
    }
    root.ok_or_else(|| malformed("no root element"))
}

fn push(stack: &mut [XsNode], root: &mut Option<XsNode>, n: XsNode) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(n),
        None => *root = Some(n),
    }
}

fn node(
    reader: &NsReader<&[u8]>,
    ns_is_xs: bool,
    s: &BytesStart<'_>,
) -> Result<XsNode, ImportError> {
    let mut attrs = Vec::new();
    let mut type_name = None;
    for a in s.attributes() {
        let a = a.map_err(malformed)?;
        if a.key.as_namespace_binding().is_some() {
            continue;
        }
        let key = a.key.as_ref().to_string();
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(malformed)?
            .into_owned();
        if ns_is_xs && (key == "type" || key == "base") {
            let (ns, local) = reader.resolver().resolve(QName(value.as_str()), true);
            let ns = match ns {
                ResolveResult::Bound(n) => Some(n.into_inner().to_string()),
                ResolveResult::Unbound => None,
                ResolveResult::Unknown(p) => {
                    return Err(malformed(format!(
                        "the prefix {p:?} of type {value:?} is not declared"
                    )));
                }
            };
            type_name = Some(QNameOwned {
                ns,
                local: local.as_ref().to_string(),
            });
        }
        attrs.push((key, value));
    }
    Ok(XsNode {
        ns_is_xs,
        name: s.local_name().as_ref().to_string(),
        attrs,
        type_name,
        children: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Products, schema};
    use super::*;

    /// The product's generated schema in DVV's form: its own criteria only, typed and
    /// required, and one optional `Henkilo`.
    fn dvv_form(p: &Product) -> String {
        let xsd = schema::product_schema(p);
        let from = xsd.find(r#"<xs:element name="Hakuperusteet">"#).unwrap();
        let to = xsd.find(r#"<xs:element name="Henkilo""#).unwrap();
        let mut criteria = String::new();
        for c in &p.criteria {
            let ty = match c {
                Criterion::SahkoinenAsiointitunnus => "SahkoinenAsiointitunnusTyyppi",
                _ => "HenkilotunnusTyyppi",
            };
            let _ = write!(
                criteria,
                r#"<xs:element name="{}"><xs:complexType><xs:simpleContent><xs:extension base="vtj:{ty}">"#,
                c.element()
            );
            for a in CRITERION_ATTRS {
                let _ = write!(
                    criteria,
                    r#"<xs:attribute name="{a}" type="vtj:HakuperustePaluuTekstiTyyppi" use="required"/>"#
                );
            }
            criteria.push_str("</xs:extension></xs:simpleContent></xs:complexType></xs:element>");
        }
        format!(
            r#"{}<xs:element name="Hakuperusteet"><xs:complexType><xs:sequence>{criteria}</xs:sequence></xs:complexType></xs:element>{}"#,
            &xsd[..from],
            &xsd[to..]
        )
        .replace(
            r#"<xs:element name="Henkilo" minOccurs="0" maxOccurs="unbounded">"#,
            r#"<xs:element name="Henkilo" minOccurs="0">"#,
        )
    }

    #[test]
    fn every_builtin_product_imports_back_from_its_schema() {
        for p in Products::builtin().all() {
            let imported = import(&dvv_form(&p)).unwrap_or_else(|e| panic!("{}: {e}", p.name));
            let back = imported.product(&p.name, "t").unwrap();
            assert_eq!(back.criteria, p.criteria, "{}", p.name);
            assert_eq!(back.groups.len(), p.groups.len(), "{}", p.name);
            for (a, b) in back.groups.iter().zip(&p.groups) {
                assert!(std::ptr::eq(a.node, b.node), "{}: {}", p.name, b.def.id);
            }
        }
    }

    fn same(a: &Node, b: &Node) -> bool {
        match (a, b) {
            (
                Node::Leaf { name, ty, attrs },
                Node::Leaf {
                    name: n2,
                    ty: t2,
                    attrs: a2,
                },
            ) => name == n2 && ty == t2 && attrs == a2,
            (
                Node::Group {
                    name,
                    repeat,
                    children,
                },
                Node::Group {
                    name: n2,
                    repeat: r2,
                    children: c2,
                },
            ) => {
                name == n2
                    && repeat == r2
                    && children.len() == c2.len()
                    && children.iter().zip(*c2).all(|(x, y)| same(x, y))
            }
            _ => false,
        }
    }

    /// A schema element matches at most one catalogue shape, so an import never has to
    /// choose between groups.
    #[test]
    fn no_two_catalogue_shapes_are_alike() {
        for def in catalogue::all() {
            let all = shapes(def.element());
            for (i, a) in all.iter().enumerate() {
                for b in &all[i + 1..] {
                    assert!(
                        !same(a.1, b.1),
                        "{} and {} write the same shape",
                        a.0.id,
                        b.0.id
                    );
                }
            }
        }
    }

    const HEAD: &str = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:v="http://xml.vrk.fi/schema/vtj/henkilotiedot/1" targetNamespace="http://xml.vrk.fi/schema/vtjkysely">"#;

    #[test]
    fn refusals_name_the_construct() {
        let err = |body: &str| {
            import(&format!("{HEAD}{body}</xs:schema>"))
                .unwrap_err()
                .to_string()
        };
        assert!(err("").contains("no top-level element VTJHenkiloVastaussanoma"));
        let e = err(
            r#"<xs:element name="VTJHenkiloVastaussanoma"><xs:complexType><xs:choice/></xs:complexType></xs:element>"#,
        );
        assert!(
            e.starts_with("VTJHenkiloVastaussanoma: xs:choice is not supported"),
            "{e}"
        );
        let e = err(r#"<xs:element name="VTJHenkiloVastaussanoma" type="u:X"/>"#);
        assert!(e.contains("prefix \"u\""), "{e}");
        let e = import("<a><b></a>").unwrap_err();
        assert!(matches!(e, ImportError::Malformed(_)), "{e}");
        let e = import(
            r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x"/>"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("targetNamespace is \"urn:x\""), "{e}");
    }

    #[test]
    fn type_names_resolve_through_any_prefix() {
        // The catalogue bound to prefix `v` here: types still compare by namespace.
        let p = Products::builtin().get("ASUKASLKM2").unwrap();
        let xsd = dvv_form(&p)
            .replace("xmlns:vtj=", "xmlns:v=")
            .replace("\"vtj:", "\"v:");
        let imported = import(&xsd).unwrap();
        assert_eq!(
            imported.groups,
            [
                "Henkilotunnus",
                "AsukasLkm",
                "AsukkaatAlle18v",
                "AsukasAlle18v"
            ]
        );
    }
}
