//! The layout is the architecture: no import cycles between the top-level modules of any crate in
//! the workspace, and the kiosk's layers point one way (screens use the shell and the feed, never
//! the reverse; nothing but `app` and `main` reaches into `tooling`).
//!
//! The check reads the sources: every `crate::module` path in a top-level module's files (outside
//! their `#[cfg(test)]` unit tests) is an edge.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Module name → the other top-level modules its files name with `crate::`.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || name == "main" {
            continue;
        }
        let mut files = Vec::new();
        if path.is_dir() {
            rust_files(&path, &mut files);
        } else {
            files.push(path.clone());
        }
        let mut uses = BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            // Unit tests (at the end of a file) may use anything; the layers are about the code.
            let text = text.split("\n#[cfg(test)]").next().unwrap_or_default();
            for (at, _) in text.match_indices("crate::") {
                let rest = &text[at + "crate::".len()..];
                let target: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                // `venue_crate::` is another crate, not this one's `crate::`.
                let before = text[..at].chars().last();
                if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    continue;
                }
                if !target.is_empty() && target != name {
                    uses.insert(target);
                }
            }
        }
        graph.insert(name, uses);
    }
    graph
}

/// A cycle, as the list of modules on it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn crate_src(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name).join("src")
}

#[test]
fn no_crate_has_an_import_cycle_between_its_top_level_modules() {
    for name in ["venue-contract", "venue-rules", "venue-server", "venue-kiosk"] {
        let graph = module_graph(&crate_src(name));
        assert!(graph.len() > 1, "{name}: no modules found under {}", crate_src(name).display());
        if let Some(cycle) = find_cycle(&graph) {
            panic!("{name}: import cycle {}", cycle.join(" → "));
        }
    }
}

#[test]
fn kiosk_layers_point_one_way() {
    let graph = module_graph(&crate_src("venue-kiosk"));
    let allowed: &[(&str, &[&str])] = &[
        ("frame", &[]),
        ("config", &[]),
        ("feed", &["config", "frame"]),
        ("shell", &["config", "feed", "frame"]),
        ("screens", &["config", "feed", "frame", "shell"]),
        ("health", &["config", "feed", "frame", "screens", "shell"]),
        ("tooling", &["config", "feed", "frame", "health", "screens", "shell"]),
        ("cli", &["config", "tooling"]),
        ("app", &["cli", "config", "feed", "frame", "health", "screens", "shell", "tooling"]),
    ];
    assert_eq!(
        graph.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        allowed.iter().map(|(m, _)| *m).collect::<BTreeSet<_>>(),
        "a top-level module was added or removed: say here what it may use"
    );
    for (module, may_use) in allowed {
        for used in &graph[*module] {
            assert!(may_use.contains(&used.as_str()), "`{module}` must not use `crate::{used}`");
        }
    }
}

#[test]
fn the_checker_sees_a_cycle() {
    // The check must be able to fail: a → b → a is reported.
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_string(), BTreeSet::from(["b".to_string()])),
        ("b".to_string(), BTreeSet::from(["a".to_string()])),
        ("c".to_string(), BTreeSet::new()),
    ]
    .into();
    assert_eq!(find_cycle(&graph), Some(vec!["a".into(), "b".into(), "a".into()]));
}
