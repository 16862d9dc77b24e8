//! Plain-text descriptions of products and of the catalogue for the command line
//! (`vtj-emulator products …`): one line per product, a product's options, criteria and
//! group trees with catalogue types, and the list of catalogue groups.

use std::fmt::Write;

use super::catalogue::{self, Alt};
use super::template::Node;
use super::{Product, Products};

/// One line per product: name, number of groups, origin.
pub fn list(products: &Products) -> String {
    let mut s = String::new();
    for p in products.all() {
        let _ = writeln!(
            s,
            "{:<34} {:>2} groups  ({})",
            p.name,
            p.groups.len(),
            p.origin
        );
    }
    s
}

/// A product: options, criteria and each group's element tree.
pub fn show(p: &Product) -> String {
    let mut s = String::new();
    let o = &p.options;
    let _ = writeln!(s, "{} ({})", p.name, p.origin);
    let _ = writeln!(
        s,
        "options: address = {}, relations = {}, kuollut = {}",
        if o.structured_address {
            "osoite"
        } else {
            "lahiosoite"
        },
        if o.flat_relations { "flat" } else { "nested" },
        o.kuollut
    );
    let criteria: Vec<_> = p.criteria.iter().map(|c| c.element()).collect();
    let _ = writeln!(s, "Hakuperusteet: {}", criteria.join(", "));
    let _ = writeln!(s, "Henkilo:");
    for (i, g) in p.groups.iter().enumerate() {
        let _ = writeln!(s, "{:>3}. {}: {}", i + 1, g.def.id, g.def.about);
        tree(&mut s, g.node, 2);
    }
    s
}

fn tree(s: &mut String, n: &Node, depth: usize) {
    let pad = "    ".repeat(depth);
    match n {
        Node::Leaf { name, ty, attrs } => {
            let _ = write!(s, "{pad}{name} [{ty}]");
            for (a, t) in *attrs {
                let _ = write!(s, " @{a} [{t}]");
            }
            s.push('\n');
        }
        Node::Group {
            name,
            repeat,
            children,
        } => {
            let _ = writeln!(s, "{pad}{name}{}", if *repeat { " *" } else { "" });
            for c in *children {
                tree(s, c, depth + 1);
            }
        }
    }
}

/// The catalogue: each group id, what it holds and its alternative shape.
pub fn groups() -> String {
    let mut s = String::new();
    for g in catalogue::all() {
        let alt = match &g.alt {
            Alt::None => String::new(),
            Alt::Osoite(n) => format!(" (address = \"osoite\": {})", n.name()),
            Alt::Flat(_) => " (relations = \"flat\": flat names)".into(),
            Alt::WithoutKuollut(_) => " (kuollut = false: without Kuollut)".into(),
        };
        let _ = writeln!(s, "{:<32} {}{alt}", g.id, g.about);
    }
    s
}
