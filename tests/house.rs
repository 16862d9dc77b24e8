//! The import graph of `src/` has no cycle between files: every module imports only what
//! stands below it. The check reads each `src/**/*.rs` as text (no compiler, no extra
//! tool), so it runs with `cargo test` everywhere. The rules:
//!
//! - A file is a node; its module path comes from where it lies (`lib.rs` is the crate,
//!   `a/mod.rs` and `a.rs` are `a`, `a/b.rs` is `a::b`). `main.rs` is the binary, a crate
//!   of its own that imports the library by name, so it is left out.
//! - An edge A -> B is a path in A that names something B defines: a `use` line (every
//!   leaf of a `use` tree) or a path written in the code, that starts with `crate::`,
//!   `super::`, `self::` or a child module of A's module. Comments, doc links and string
//!   literals are not read; `super` inside an inline `mod tests { … }` is the file itself,
//!   and an edge from a file to itself is dropped.
//! - A path is resolved to the file of its longest module prefix. When that file
//!   re-exports the next name (`pub use`, `pub(crate) use`, with or without `as`), the
//!   path is followed on to where the re-export points, so an import through a re-export
//!   counts as an import of the defining file, and a re-export cannot hide a loop; the
//!   re-export line itself is an edge from the re-exporting file to that file (unless it
//!   points below the file's own module: see the next rule).
//! - A `mod x;` declaration is not an import, nor is a parent's `pub use child::X` (its
//!   facade): whoever takes `X` through the parent is given the edge to the child that
//!   defines it, so a sibling taking a sibling's item through the parent depends on that
//!   sibling, and only a real loop between the children is a cycle.
//! - A module folder's own file (`a/mod.rs`, or `a.rs` beside `a/`) is a file like any
//!   other: a child taking a definition from it (`super::X`) is an edge up to it, and its
//!   calls into its children are edges down, so a parent that both defines what its
//!   children share and calls them is a loop. Shared definitions live in a child of their
//!   own (`ops/check.rs`, `products/product.rs`), which the parent re-exports.
//! - Code inside an inline `#[cfg(test)] mod … { … }` is left out: a unit test may reach
//!   across floors (a store's test may fill it from the fixtures) without the library
//!   itself doing so.
//!
//! The checker's own tests feed it small trees held in memory, with and without loops.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One import: the file it leads to and the line that makes it, for the failure message.
#[derive(Debug, Clone)]
struct Edge {
    to: String,
    line: usize,
    path: String,
}

/// A `use` leaf as written: its path, its line, and the name it binds (`None` for a glob
/// or `as _`).
#[derive(Debug, Clone)]
struct UseLeaf {
    path: Vec<String>,
    line: usize,
    name: Option<String>,
}

#[derive(Debug, Default)]
struct FileScan {
    /// Absolute paths used, with their lines (use leaves and paths in the code).
    paths: Vec<(Vec<String>, usize)>,
    /// Re-exports: the name bound at the file's top level and the absolute path it names.
    reexports: BTreeMap<String, Vec<String>>,
}

/// The files of a tree by their path under `src/`, with `/` separators.
struct Tree {
    files: BTreeMap<String, String>,
    /// Module path -> file.
    modules: BTreeMap<Vec<String>, String>,
}

impl Tree {
    fn new(files: BTreeMap<String, String>) -> Self {
        let modules = files
            .keys()
            .filter_map(|f| module_of(f).map(|m| (m, f.clone())))
            .collect();
        Tree { files, modules }
    }

    fn read(dir: &Path) -> Self {
        fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
            for entry in std::fs::read_dir(dir).expect("a readable source folder") {
                let path = entry.expect("a folder entry").path();
                if path.is_dir() {
                    walk(root, &path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let rel = path.strip_prefix(root).expect("under the root");
                    let rel = rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join("/");
                    let text = std::fs::read_to_string(&path).expect("a readable source file");
                    out.insert(rel, text);
                }
            }
        }
        let mut files = BTreeMap::new();
        walk(dir, dir, &mut files);
        Tree::new(files)
    }

    /// The import edges of every file.
    fn graph(&self) -> BTreeMap<String, Vec<Edge>> {
        let scans: BTreeMap<&str, FileScan> = self
            .files
            .iter()
            .filter_map(|(f, text)| module_of(f).map(|m| (f.as_str(), self.scan(&m, text))))
            .collect();
        let mut graph = BTreeMap::new();
        for (file, scan) in &scans {
            let mut edges: Vec<Edge> = Vec::new();
            for (path, line) in &scan.paths {
                if let Some(to) = self.resolve(path, &scans, 0)
                    && to != *file
                    && !edges.iter().any(|e| e.to == to)
                {
                    edges.push(Edge {
                        to,
                        line: *line,
                        path: path.join("::"),
                    });
                }
            }
            graph.insert(file.to_string(), edges);
        }
        graph
    }

    /// The file that defines what `path` names, following re-exports.
    fn resolve(
        &self,
        path: &[String],
        scans: &BTreeMap<&str, FileScan>,
        depth: usize,
    ) -> Option<String> {
        let (len, file) = (0..=path.len())
            .rev()
            .find_map(|n| self.modules.get(&path[..n]).map(|f| (n, f)))?;
        if depth < 16
            && let Some(next) = path.get(len)
            && let Some(target) = scans.get(file.as_str()).and_then(|s| s.reexports.get(next))
        {
            let mut onward = target.clone();
            onward.extend_from_slice(&path[len + 1..]);
            if let Some(f) = self.resolve(&onward, scans, depth + 1) {
                return Some(f);
            }
        }
        Some(file.clone())
    }

    /// Whether `name` is a module directly below `module` with a file of its own.
    fn is_child(&self, module: &[String], name: &str) -> bool {
        let mut m = module.to_vec();
        m.push(name.to_string());
        self.modules.contains_key(&m)
    }

    fn scan(&self, module: &[String], text: &str) -> FileScan {
        let tokens = tokens(text);
        let mut scan = FileScan::default();
        // Inline modules open: (name, brace depth inside it, whether it is test code).
        let mut inline: Vec<(String, usize, bool)> = Vec::new();
        let mut depth = 0usize;
        let mut i = 0;
        while i < tokens.len() {
            let (t, line) = (&tokens[i].0, tokens[i].1);
            let here: Vec<String> = module
                .iter()
                .cloned()
                .chain(inline.iter().map(|(n, _, _)| n.clone()))
                .collect();
            let testing = inline.iter().any(|(_, _, t)| *t);
            match t.as_str() {
                "{" => depth += 1,
                "}" => {
                    if inline.last().is_some_and(|(_, d, _)| *d == depth) {
                        inline.pop();
                    }
                    depth = depth.saturating_sub(1);
                }
                "mod" if tokens.get(i + 2).is_some_and(|t| t.0 == "{") => {
                    let test = i >= 7
                        && tokens[i - 7..i]
                            .iter()
                            .map(|t| t.0.as_str())
                            .eq(["#", "[", "cfg", "(", "test", ")", "]"]);
                    inline.push((tokens[i + 1].0.clone(), depth + 1, test));
                    depth += 1;
                    i += 3;
                    continue;
                }
                "use" => {
                    let public = is_public(&tokens[..i]);
                    let mut leaves = Vec::new();
                    let end = use_tree(&tokens, i + 1, Vec::new(), &mut leaves);
                    for leaf in leaves {
                        let Some(abs) = self.absolute(&here, &leaf.path) else {
                            continue;
                        };
                        let facade = public && abs.len() > module.len() && abs.starts_with(module);
                        if public
                            && inline.is_empty()
                            && let Some(name) = &leaf.name
                        {
                            scan.reexports.insert(name.clone(), abs.clone());
                        }
                        if !facade && !testing {
                            scan.paths.push((abs, leaf.line));
                        }
                    }
                    i = end;
                    continue;
                }
                _ if is_ident(t) && (i == 0 || tokens[i - 1].0 != "::") => {
                    let starts =
                        matches!(t.as_str(), "crate" | "super" | "self") || self.is_child(&here, t);
                    if starts && tokens.get(i + 1).is_some_and(|n| n.0 == "::") {
                        let mut path = vec![t.clone()];
                        let mut j = i + 1;
                        while tokens.get(j).is_some_and(|n| n.0 == "::")
                            && tokens.get(j + 1).is_some_and(|n| is_ident(&n.0))
                        {
                            path.push(tokens[j + 1].0.clone());
                            j += 2;
                        }
                        if let Some(abs) = self.absolute(&here, &path)
                            && !testing
                        {
                            scan.paths.push((abs, line));
                        }
                        i = j;
                        continue;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        scan
    }

    /// A path written in module `here` as a path from the crate root; `None` for a path
    /// into another crate.
    fn absolute(&self, here: &[String], path: &[String]) -> Option<Vec<String>> {
        let mut base: Vec<String> = here.to_vec();
        let mut rest = path;
        match rest.first().map(String::as_str) {
            Some("crate") => {
                base.clear();
                rest = &rest[1..];
            }
            Some("self") => rest = &rest[1..],
            Some("super") => {
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop()?;
                    rest = &rest[1..];
                }
            }
            Some(first) if self.is_child(here, first) => {}
            _ => return None,
        }
        base.extend(rest.iter().filter(|s| *s != "self").cloned());
        Some(base)
    }
}

/// The module path of a file under `src/`; `None` for the binary's `main.rs`.
fn module_of(file: &str) -> Option<Vec<String>> {
    if file == "main.rs" {
        return None;
    }
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_string)
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    Some(parts)
}

fn is_ident(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// Whether the tokens before a `use` make it a re-export (`pub`, `pub(crate)`, …).
fn is_public(before: &[(String, usize)]) -> bool {
    match before.last().map(|t| t.0.as_str()) {
        Some("pub") => true,
        Some(")") => {
            let open = before.iter().rposition(|t| t.0 == "(");
            open.is_some_and(|o| o > 0 && before[o - 1].0 == "pub")
        }
        _ => false,
    }
}

/// Reads a `use` tree from `i` (after `use`, or after a `{`/`,` inside one), collecting its
/// leaves under `prefix`; returns the index after the tree (`;`, `,` or `}` not consumed
/// except the final `;`).
fn use_tree(
    tokens: &[(String, usize)],
    mut i: usize,
    mut prefix: Vec<String>,
    leaves: &mut Vec<UseLeaf>,
) -> usize {
    let line = tokens.get(i).map_or(0, |t| t.1);
    loop {
        let Some((t, _)) = tokens.get(i) else {
            return i;
        };
        match t.as_str() {
            "::" => i += 1,
            "*" => {
                leaves.push(UseLeaf {
                    path: prefix.clone(),
                    line,
                    name: None,
                });
                return finish(tokens, i + 1);
            }
            "{" => {
                i += 1;
                loop {
                    match tokens.get(i).map(|t| t.0.as_str()) {
                        None => return i,
                        Some("}") => return finish(tokens, i + 1),
                        Some(",") => i += 1,
                        Some(_) => i = use_tree(tokens, i, prefix.clone(), leaves),
                    }
                }
            }
            ";" | "," | "}" => {
                let name = match prefix.last().map(String::as_str) {
                    Some("self") => prefix.iter().rev().nth(1).cloned(),
                    other => other.map(str::to_string),
                };
                leaves.push(UseLeaf {
                    path: prefix,
                    line,
                    name,
                });
                return if t == ";" { i + 1 } else { i };
            }
            "as" => {
                let alias = tokens.get(i + 1).map(|t| t.0.clone());
                leaves.push(UseLeaf {
                    path: prefix,
                    line,
                    name: alias.filter(|a| a != "_"),
                });
                return finish(tokens, i + 2);
            }
            _ if is_ident(t) => {
                prefix.push(t.clone());
                i += 1;
            }
            _ => return i + 1,
        }
    }
}

/// After a leaf: consume a final `;`, leave a `,` or `}` to the enclosing list.
fn finish(tokens: &[(String, usize)], i: usize) -> usize {
    match tokens.get(i).map(|t| t.0.as_str()) {
        Some(";") => i + 1,
        _ => i,
    }
}

/// The file's tokens with their lines: identifiers, `::` and single punctuation; comments,
/// string, byte-string, raw-string and char literals are skipped, lifetimes kept apart.
fn tokens(text: &str) -> Vec<(String, usize)> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut nest = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    nest += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    nest -= 1;
                    i += 2;
                    if nest == 0 {
                        break;
                    }
                } else {
                    line += usize::from(c[i] == '\n');
                    i += 1;
                }
            }
        } else if (ch == 'r' || (ch == 'b' && at(i + 1) == 'r'))
            && matches!(at(i + 1 + usize::from(ch == 'b')), '"' | '#')
            && {
                let mut j = i + 1 + usize::from(ch == 'b');
                while at(j) == '#' {
                    j += 1;
                }
                at(j) == '"'
            }
        {
            let mut j = i + 1 + usize::from(ch == 'b');
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (1..=hashes).all(|k| at(j + k) == '#') {
                    j += 1 + hashes;
                    break;
                }
                line += usize::from(c[j] == '\n');
                j += 1;
            }
            i = j;
        } else if ch == '"' || (ch == 'b' && at(i + 1) == '"') {
            let mut j = i + 1 + usize::from(ch == 'b');
            while j < c.len() && c[j] != '"' {
                if c[j] == '\\' {
                    j += 1;
                }
                line += usize::from(at(j) == '\n');
                j += 1;
            }
            i = j + 1;
        } else if ch == '\'' {
            if at(i + 1) == '\\' {
                let mut j = i + 3;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                // A lifetime or label: skip the quote, the name follows as an identifier.
                i += 1;
            }
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((c[start..i].iter().collect(), line));
        } else if ch == ':' && at(i + 1) == ':' {
            out.push(("::".to_string(), line));
            i += 2;
        } else {
            out.push((ch.to_string(), line));
            i += 1;
        }
    }
    out
}

/// Every cycle of the graph, one per strongly connected set of more than one file, each
/// as the files in order around it.
fn cycles(graph: &BTreeMap<String, Vec<Edge>>) -> Vec<Vec<String>> {
    let reach = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(f) = todo.pop() {
            for e in graph.get(&f).into_iter().flatten() {
                if seen.insert(e.to.clone()) {
                    todo.push(e.to.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&str, BTreeSet<String>> =
        graph.keys().map(|f| (f.as_str(), reach(f))).collect();
    let mut done = BTreeSet::new();
    let mut found = Vec::new();
    for start in graph.keys() {
        if done.contains(start) || !reachable[start.as_str()].contains(start) {
            continue;
        }
        let set: BTreeSet<&String> = graph
            .keys()
            .filter(|f| {
                reachable[start.as_str()].contains(*f) && reachable[f.as_str()].contains(start)
            })
            .collect();
        done.extend(set.iter().map(|f| (*f).clone()));
        // The shortest way back to `start` inside its set, by breadth-first search.
        let mut back: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start.clone()]);
        'search: while let Some(f) = queue.pop_front() {
            for e in &graph[&f] {
                if e.to == *start {
                    let mut ring = vec![f.clone()];
                    while let Some(p) = back.get(ring.last().expect("not empty")) {
                        ring.push(p.clone());
                    }
                    ring.reverse();
                    found.push(ring);
                    break 'search;
                }
                if set.contains(&e.to) && !back.contains_key(&e.to) && e.to != *start {
                    back.insert(e.to.clone(), f.clone());
                    queue.push_back(e.to.clone());
                }
            }
        }
    }
    found
}

/// The cycles, each with the import that makes every step, ready for a failure message.
fn describe(graph: &BTreeMap<String, Vec<Edge>>, found: &[Vec<String>]) -> String {
    let mut out = String::new();
    for ring in found {
        out.push_str(&format!("cycle: {} -> {}\n", ring.join(" -> "), ring[0]));
        for (k, from) in ring.iter().enumerate() {
            let to = &ring[(k + 1) % ring.len()];
            let e = graph[from].iter().find(|e| e.to == *to).expect("an edge");
            out.push_str(&format!(
                "  src/{from}:{} takes {} (from src/{to})\n",
                e.line, e.path
            ));
        }
    }
    out
}

#[test]
fn the_source_tree_has_no_import_cycle() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let tree = Tree::read(&src);
    let graph = tree.graph();
    // The check reads the real tree: a parse that found nothing would pass vacuously.
    let edges: usize = graph.values().map(Vec::len).sum();
    assert!(
        graph.len() > 50 && edges > 150,
        "{} files, {edges} edges",
        graph.len()
    );
    let edge = |from: &str, to: &str| graph[from].iter().any(|e| e.to == to);
    assert!(edge("app.rs", "monitor.rs") && edge("audit/log.rs", "audit/error.rs"));
    let found = cycles(&graph);
    assert!(
        found.is_empty(),
        "import cycles between files of src/:\n{}",
        describe(&graph, &found)
    );
}

/// The floors of `lib.rs`'s crate map: module -> floor, from `//! Floor N` headings and
/// the `//! - [`module`]` lines under them.
fn crate_map(lib: &str) -> BTreeMap<String, usize> {
    let mut floor = 0;
    let mut map = BTreeMap::new();
    for line in lib.lines() {
        if let Some(rest) = line.strip_prefix("//! Floor ") {
            let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
            floor = n.parse().expect("a floor number");
        } else if let Some(rest) = line.strip_prefix("//! - [`")
            && floor > 0
        {
            let name = rest.split('`').next().expect("a module name");
            assert!(
                map.insert(name.to_string(), floor).is_none(),
                "{name} listed twice"
            );
        }
    }
    map
}

/// Every file edge as an edge between the crate's top modules, with a file edge that
/// makes it.
fn module_edges(graph: &BTreeMap<String, Vec<Edge>>) -> BTreeMap<(String, String), String> {
    let top = |f: &str| {
        f.split('/')
            .next()
            .unwrap_or(f)
            .trim_end_matches(".rs")
            .to_string()
    };
    let mut out = BTreeMap::new();
    for (from, edges) in graph {
        for e in edges {
            let (a, b) = (top(from), top(&e.to));
            if a != b && a != "lib" {
                out.entry((a, b))
                    .or_insert_with(|| format!("src/{from}:{} takes {}", e.line, e.path));
            }
        }
    }
    out
}

#[test]
fn the_crate_map_lists_every_module_on_a_floor_above_what_it_imports() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs");
    let map = crate_map(&lib);
    let declared: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';').to_string())
        .collect();
    let listed: BTreeSet<String> = map.keys().cloned().collect();
    assert_eq!(
        listed, declared,
        "the crate map lists exactly the modules of lib.rs"
    );
    let graph = Tree::read(&src).graph();
    let wrong: Vec<String> = module_edges(&graph)
        .into_iter()
        .filter(|((a, b), _)| map[a] <= map[b])
        .map(|((a, b), why)| format!("{a} (floor {}) -> {b} (floor {}): {why}", map[&a], map[&b]))
        .collect();
    assert!(
        wrong.is_empty(),
        "imports that do not go down a floor:\n{}",
        wrong.join("\n")
    );
    // A floor above the ground stands on something: each module there imports from the
    // floor right below, or the map could list it lower.
    for (m, f) in &map {
        let below = module_edges(&graph)
            .keys()
            .any(|(a, b)| a == m && map[b] == f - 1);
        assert!(*f == 1 || below, "{m} could stand lower than floor {f}");
    }
}

#[test]
fn a_crate_map_that_puts_a_module_too_low_is_refused() {
    let lib =
        "//! Floor 1:\n//! - [`a`]: a.\n//! - [`b`]: b.\n//!\n//! Floor 2:\n//! - [`c`]: c.\n";
    let map = crate_map(lib);
    assert_eq!(map["a"], 1);
    assert_eq!(map["c"], 2);
    let files = [
        ("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
        ("a.rs", "use crate::b::X;\n"),
        ("b.rs", "pub struct X;\n"),
        ("c.rs", "use crate::a::Y;\n"),
    ];
    let edges = module_edges(&tree(&files).graph());
    let wrong: Vec<_> = edges.keys().filter(|(a, b)| map[a] <= map[b]).collect();
    assert_eq!(wrong, [&("a".to_string(), "b".to_string())]);
}

fn tree(files: &[(&str, &str)]) -> Tree {
    Tree::new(
        files
            .iter()
            .map(|(f, t)| (f.to_string(), t.to_string()))
            .collect(),
    )
}

fn rings(files: &[(&str, &str)]) -> Vec<Vec<String>> {
    cycles(&tree(files).graph())
}

#[test]
fn a_loop_of_use_lines_and_code_paths_is_found_and_named() {
    let files = [
        ("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
        ("a.rs", "use crate::b::Thing;\n"),
        ("b.rs", "pub struct Thing;\nfn f() { crate::c::g() }\n"),
        ("c.rs", "pub fn g() {}\nfn h() { let _ = crate::a::X; }\n"),
    ];
    let t = tree(&files);
    let graph = t.graph();
    let found = cycles(&graph);
    assert_eq!(
        found,
        vec![vec!["a.rs".to_string(), "b.rs".into(), "c.rs".into()]]
    );
    let text = describe(&graph, &found);
    assert!(
        text.contains("cycle: a.rs -> b.rs -> c.rs -> a.rs"),
        "{text}"
    );
    assert!(text.contains("src/c.rs:2 takes a::X"), "{text}");
}

#[test]
fn a_reexport_does_not_hide_a_loop() {
    // a takes X through p's re-export; X is defined in p/inner.rs, which takes a back.
    let files = [
        ("lib.rs", "pub mod a;\npub mod p;\n"),
        ("a.rs", "use crate::p::X;\npub struct Y;\n"),
        ("p/mod.rs", "pub mod inner;\npub use inner::X;\n"),
        ("p/inner.rs", "use crate::a::Y;\npub struct X;\n"),
    ];
    let found = rings(&files);
    assert_eq!(found, vec![vec!["a.rs".to_string(), "p/inner.rs".into()]]);
    // Nor does a re-export under another name, or one in a grouped use tree.
    let files = [
        ("lib.rs", "pub mod a;\npub mod p;\n"),
        (
            "a.rs",
            "use crate::p::{Z as _, other::{self}};\npub struct Y;\n",
        ),
        (
            "p/mod.rs",
            "pub mod inner;\npub mod other;\npub(crate) use self::inner::X as Z;\n",
        ),
        (
            "p/inner.rs",
            "pub struct X;\nfn f() { super::super::a::Y; }\n",
        ),
        ("p/other.rs", ""),
    ];
    assert_eq!(
        rings(&files),
        vec![vec!["a.rs".to_string(), "p/inner.rs".into()]]
    );
}

#[test]
fn a_parents_reexports_and_mod_lines_are_no_loop_by_themselves() {
    let mut files = vec![
        ("lib.rs", "pub mod p;\n"),
        (
            "p/mod.rs",
            "pub mod x;\npub mod y;\npub use x::X;\npub use y::Y;\n",
        ),
        ("p/x.rs", "pub struct X;\n"),
        (
            "p/y.rs",
            "use crate::p::X;\npub struct Y;\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
        ),
    ];
    assert!(rings(&files).is_empty());
    // …but two children taking each other's items through the parent are a loop.
    files[2] = ("p/x.rs", "use super::Y;\npub struct X;\n");
    assert_eq!(
        rings(&files),
        vec![vec!["p/x.rs".to_string(), "p/y.rs".into()]]
    );
}

#[test]
fn comments_strings_and_other_crates_are_not_imports() {
    let files = [
        ("lib.rs", "pub mod a;\npub mod b;\n"),
        (
            "a.rs",
            "//! See [`crate::b`].\nuse std::fmt;\nuse serde::Deserialize;\n/* crate::b::X */\nconst S: &str = \"crate::b::X\";\nconst R: &str = r#\"crate::b::\"X\"#;\nconst C: char = '{';\nfn f<'a>(x: &'a str) {}\n",
        ),
        ("b.rs", "use crate::a::S;\n"),
    ];
    let t = tree(&files);
    let graph = t.graph();
    assert!(graph["a.rs"].is_empty(), "{:?}", graph["a.rs"]);
    assert_eq!(graph["b.rs"].len(), 1);
    assert!(cycles(&graph).is_empty());
}

#[test]
fn a_child_module_named_bare_in_its_parent_is_an_import() {
    let files = [
        ("lib.rs", "pub mod p;\n"),
        (
            "p/mod.rs",
            "mod store;\nuse store::Trees;\nfn f() { journal::open(); }\nmod journal;\n",
        ),
        (
            "p/store.rs",
            "pub struct Trees;\nfn g() { crate::p::journal::open(); }\n",
        ),
        (
            "p/journal.rs",
            "pub fn open() {}\nfn h(_: super::store::Trees) {}\n",
        ),
    ];
    let graph = tree(&files).graph();
    let to: Vec<&str> = graph["p/mod.rs"].iter().map(|e| e.to.as_str()).collect();
    assert_eq!(to, ["p/store.rs", "p/journal.rs"]);
    assert_eq!(
        cycles(&graph),
        vec![vec!["p/journal.rs".to_string(), "p/store.rs".into()]]
    );
}

#[test]
fn a_parent_that_defines_what_its_children_take_and_calls_them_is_a_loop() {
    let mut files = vec![
        ("lib.rs", "pub mod p;\n"),
        (
            "p/mod.rs",
            "mod a;\nmod b;\npub struct Shared;\nfn run() { a::go(); b::go(); }\n",
        ),
        ("p/a.rs", "use super::Shared;\npub fn go() {}\n"),
        ("p/b.rs", "pub fn go() { super::a::go(); }\n"),
    ];
    // The child's `super::Shared` is an edge up to its parent, which calls it back.
    let graph = tree(&files).graph();
    assert!(graph["p/a.rs"].iter().any(|e| e.to == "p/mod.rs"));
    assert_eq!(
        rings(&files),
        vec![vec!["p/a.rs".to_string(), "p/mod.rs".into()]]
    );
    // The shared definition in a child of its own, re-exported by the parent: no loop.
    files[1] = (
        "p/mod.rs",
        "mod a;\nmod b;\nmod shared;\npub use shared::Shared;\nfn run() { a::go(); b::go(); }\n",
    );
    files.push(("p/shared.rs", "pub struct Shared;\n"));
    let graph = tree(&files).graph();
    assert!(graph["p/a.rs"].iter().any(|e| e.to == "p/shared.rs"));
    assert!(cycles(&graph).is_empty());
    // Sibling to sibling both ways is a loop.
    files[3] = ("p/b.rs", "pub fn go() { super::a::go(); }\n");
    files[2] = (
        "p/a.rs",
        "use super::Shared;\npub fn go() { super::b::go(); }\n",
    );
    assert_eq!(
        rings(&files),
        vec![vec!["p/a.rs".to_string(), "p/b.rs".into()]]
    );
    // Test code is left out: a unit test may use what stands above its file.
    files[2] = (
        "p/a.rs",
        "pub fn go() {}\n#[cfg(test)]\nmod tests {\n    use super::super::b::go;\n}\n",
    );
    assert!(rings(&files).is_empty());
}
