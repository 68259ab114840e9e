//! The core's module rule, checked on its source: a child module may use what its parent
//! defines, and a parent may re-export its children, but no two sibling modules depend on each
//! other in a circle (`docs/architecture.md`).
//!
//! The test reads every `use` declaration of `crates/accounts-core/src` (test modules at the
//! end of a file excepted), resolves `crate::`, `super::` and `self::` paths to the module they
//! name, and lifts each dependency to the level where source and target are siblings. A cycle
//! among the siblings of any one parent fails the test, with the files that make it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type ModulePath = Vec<String>;

/// Every module of the crate, from its files: `lib.rs` is the root, `a.rs` and `a/mod.rs` are
/// `a`, `a/b.rs` is `a::b`.
fn modules(src: &Path) -> BTreeMap<ModulePath, PathBuf> {
    fn walk(dir: &Path, prefix: &[String], found: &mut BTreeMap<ModulePath, PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("read the source folder")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path
                .file_stem()
                .and_then(|n| n.to_str())
                .expect("a file name")
                .to_owned();
            if path.is_dir() {
                let mut inner = prefix.to_vec();
                inner.push(name);
                walk(&path, &inner, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let mut module = prefix.to_vec();
                if !matches!(name.as_str(), "lib" | "mod") {
                    module.push(name);
                }
                found.insert(module, path);
            }
        }
    }
    let mut found = BTreeMap::new();
    walk(src, &[], &mut found);
    found
}

/// The `use` declarations of `source` before its test module, without `use` and `;`.
fn use_trees(source: &str) -> Vec<String> {
    let code: String = source
        .lines()
        .take_while(|line| !line.trim_start().starts_with("#[cfg(test)]"))
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let mut trees = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = find_use(rest) {
        let after = &rest[at..];
        let end = after.find(';').expect("a use declaration ends with ;");
        trees.push(
            after["use".len()..end]
                .split_whitespace()
                .collect::<String>(),
        );
        rest = &after[end..];
    }
    trees
}

/// Where the next `use` keyword starts (at a line's start, after an optional `pub...`).
fn find_use(code: &str) -> Option<usize> {
    let mut offset = 0;
    for line in code.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let lead = line.len() - trimmed.len();
        let visibility = ["pub(crate) ", "pub(super) ", "pub "]
            .iter()
            .find(|v| trimmed.starts_with(**v))
            .map_or(0, |v| v.len());
        if trimmed[visibility..].starts_with("use ") {
            return Some(offset + lead + visibility);
        }
        offset += line.len();
    }
    None
}

/// The paths a use tree names: `a::{b, c::{d, e}}` is `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap_or(tree).to_owned()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').expect("a closing brace")];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(expand)
        .map(|p| {
            if p == "self" {
                prefix.trim_end_matches("::").to_owned()
            } else {
                format!("{prefix}{p}")
            }
        })
        .collect()
}

/// The module a path used from `from` names, or `None` for another crate's.
fn resolve(
    from: &ModulePath,
    path: &str,
    known: &BTreeMap<ModulePath, PathBuf>,
) -> Option<ModulePath> {
    let mut segments = path.split("::").filter(|s| !s.is_empty());
    let mut at: ModulePath = match segments.next()? {
        "crate" => Vec::new(),
        "self" => from.clone(),
        "super" => from[..from.len().saturating_sub(1)].to_vec(),
        _ => return None,
    };
    for segment in segments {
        if segment == "super" {
            at.pop();
        } else {
            at.push(segment.to_owned());
        }
    }
    // The longest prefix that is a module: the rest names items in it.
    while !known.contains_key(&at) {
        at.pop()?;
    }
    Some(at)
}

/// The dependency of `from` on `to` seen among siblings: their children of the nearest common
/// ancestor, when both have one (a child using an ancestor, or the reverse, is no sibling edge).
fn sibling_edge(from: &ModulePath, to: &ModulePath) -> Option<(ModulePath, String, String)> {
    let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
    let (a, b) = (from.get(common)?, to.get(common)?);
    Some((from[..common].to_vec(), a.clone(), b.clone()))
}

/// A cycle in `graph`, if any, as its nodes in order.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_two_sibling_modules_of_the_core_depend_on_each_other_in_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let known = modules(&src);
    assert!(known.len() > 20, "the core's modules were found: {known:?}");
    // Per parent: the sibling graph, and which file made each edge.
    let mut graphs: BTreeMap<ModulePath, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let mut witnesses: BTreeMap<(ModulePath, String, String), PathBuf> = BTreeMap::new();
    for (module, file) in &known {
        let source = std::fs::read_to_string(file).expect("read a source file");
        for tree in use_trees(&source) {
            for path in expand(&tree) {
                let Some(target) = resolve(module, &path, &known) else {
                    continue;
                };
                if let Some((parent, a, b)) = sibling_edge(module, &target) {
                    graphs
                        .entry(parent.clone())
                        .or_default()
                        .entry(a.clone())
                        .or_default()
                        .insert(b.clone());
                    witnesses.entry((parent, a, b)).or_insert(file.clone());
                }
            }
        }
    }
    let mut circles = Vec::new();
    for (parent, graph) in &graphs {
        if let Some(cycle) = find_cycle(graph) {
            let files: Vec<String> = cycle
                .windows(2)
                .map(|pair| {
                    let key = (parent.clone(), pair[0].clone(), pair[1].clone());
                    format!("{} -> {} ({})", pair[0], pair[1], witnesses[&key].display())
                })
                .collect();
            circles.push(format!(
                "under crate::{}: {}",
                parent.join("::"),
                files.join(", ")
            ));
        }
    }
    assert!(
        circles.is_empty(),
        "sibling modules depend on each other in a circle:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_reader_resolves_groups_super_and_self() {
    assert_eq!(
        expand("super::{a::X,b::{self,Y}}"),
        vec!["super::a::X", "super::b", "super::b::Y"]
    );
    let mut known = BTreeMap::new();
    for m in [
        vec![],
        vec!["m".to_owned()],
        vec!["m".to_owned(), "a".to_owned()],
    ] {
        known.insert(m, PathBuf::new());
    }
    let from = vec!["m".to_owned(), "b".to_owned()];
    assert_eq!(
        resolve(&from, "super::a::Thing", &known),
        Some(vec!["m".to_owned(), "a".to_owned()])
    );
    assert_eq!(resolve(&from, "std::fmt", &known), None);
    assert_eq!(
        sibling_edge(&from, &vec!["m".to_owned(), "a".to_owned()]),
        Some((vec!["m".to_owned()], "b".to_owned(), "a".to_owned()))
    );
    assert_eq!(
        sibling_edge(&from, &vec!["m".to_owned()]),
        None,
        "a child using its parent is allowed"
    );
    let mut graph = BTreeMap::new();
    graph.insert("a".to_owned(), BTreeSet::from(["b".to_owned()]));
    graph.insert("b".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert!(find_cycle(&graph).is_some(), "a two-module circle is found");
}
