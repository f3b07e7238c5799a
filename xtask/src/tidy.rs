//! Checks on the source tree itself, run by `cargo test -p xtask`: no import
//! cycle between modules, a doc line opening every file, and a framework
//! that never names the app.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::util::project_root;

/// The crates whose sources are checked, with their source folder.
const CRATES: [&str; 4] = [
    "route-framework/src",
    "api-handler/src",
    "route-macros/src",
    "xtask/src",
];

/// One source file: its module path in the crate and its text.
struct SourceFile {
    path: PathBuf,
    module: Vec<String>,
    text: String,
}

/// Every `.rs` file under `dir` with its module path (`a/b.rs` and
/// `a/b/mod.rs` are `a::b`; `lib.rs`/`main.rs` are the root).
fn sources(dir: &Path) -> Vec<SourceFile> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let relative = path.strip_prefix(dir).unwrap_or(&path).with_extension("");
                let mut module: Vec<String> = relative
                    .iter()
                    .map(|part| part.to_string_lossy().into_owned())
                    .collect();
                if matches!(module.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                    module.pop();
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                files.push(SourceFile { path, module, text });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// The code of `text` without comments and string contents (roughly: enough
/// that paths in docs and messages are not read as imports).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(index) => &line[..index],
            None => line,
        })
        .map(|line| {
            let mut out = String::new();
            let mut in_string = false;
            for c in line.chars() {
                if c == '"' {
                    in_string = !in_string;
                } else if !in_string {
                    out.push(c);
                }
            }
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module paths a file refers to through `crate::`, `super::` and `self::`,
/// resolved against the crate's modules.
fn references(file: &SourceFile, modules: &BTreeSet<Vec<String>>) -> BTreeSet<Vec<String>> {
    let code = code(&file.text);
    let mut found = BTreeSet::new();
    let bytes: Vec<char> = code.chars().collect();
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut index = 0;
    while index < bytes.len() {
        // A path starts at an identifier boundary.
        if index > 0 && (is_ident(bytes[index - 1]) || bytes[index - 1] == ':') {
            index += 1;
            continue;
        }
        let rest: String = bytes[index..bytes.len().min(index + 200)].iter().collect();
        let mut segments: Vec<&str> = Vec::new();
        for segment in rest.split("::") {
            let ident: &str = &segment[..segment.find(|c: char| !is_ident(c)).unwrap_or(segment.len())];
            if ident.is_empty() {
                break;
            }
            segments.push(ident);
            if ident.len() != segment.len() {
                break;
            }
        }
        index += 1;
        let Some(first) = segments.first() else { continue };
        let mut base: Vec<String> = match *first {
            "crate" => Vec::new(),
            "self" => file.module.clone(),
            "super" => file.module.clone(),
            _ => continue,
        };
        let mut tail = &segments[1..];
        if *first == "super" {
            base.pop();
        }
        while let Some(("super", next)) = tail.split_first().map(|(head, next)| (*head, next)) {
            base.pop();
            tail = next;
        }
        let mut target = base.clone();
        let mut resolved = base;
        for segment in tail {
            target.push((*segment).to_owned());
            if modules.contains(&target) {
                resolved = target.clone();
            } else {
                break;
            }
        }
        found.insert(resolved);
    }
    found
}

/// Whether `a` is `b` or contains it.
fn is_ancestor(a: &[String], b: &[String]) -> bool {
    b.starts_with(a)
}

/// Import cycles between modules of the crate in `dir`, each as a path of
/// modules. A module and its ancestors (a `mod.rs` re-exporting its children,
/// children using their parent's items) form one unit and never count.
fn import_cycles(dir: &Path) -> Vec<String> {
    let files = sources(dir);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|file| file.module.clone()).collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for file in &files {
        let targets = references(file, &modules)
            .into_iter()
            .filter(|target| !is_ancestor(target, &file.module) && !is_ancestor(&file.module, target))
            .collect();
        edges.insert(file.module.clone(), targets);
    }
    let mut cycles = Vec::new();
    for start in edges.keys() {
        // Depth-first search for a path back to `start` through modules after it,
        // so each cycle is reported once, from its smallest module.
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((node, path)) = stack.pop() {
            for next in edges.get(&node).into_iter().flatten() {
                if next == start {
                    let names: Vec<String> = path
                        .iter()
                        .chain([start])
                        .map(|m| format!("crate::{}", m.join("::")))
                        .collect();
                    cycles.push(names.join(" → "));
                } else if next > start && seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    cycles
}

#[test]
fn no_crate_has_an_import_cycle() {
    let mut problems = Vec::new();
    for krate in CRATES {
        for cycle in import_cycles(&project_root().join(krate)) {
            problems.push(format!("{krate}: {cycle}"));
        }
    }
    assert!(
        problems.is_empty(),
        "import cycles (move the shared item down a layer, or merge the modules):\n  {}",
        problems.join("\n  ")
    );
}

/// Route files say what they hold in their handler's doc comment (the
/// registry tests require it), so a new endpoint stays the one-file example.
const ROUTES: &str = "api-handler/src/routes";

#[test]
fn every_source_file_opens_with_a_doc_line() {
    let mut missing = Vec::new();
    for krate in CRATES {
        for file in sources(&project_root().join(krate)) {
            if file.path.starts_with(project_root().join(ROUTES)) {
                continue;
            }
            if !file.text.trim_start().starts_with("//!") {
                missing.push(file.path.display().to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "start these files with a `//!` line saying what they hold:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn the_framework_never_names_the_app() {
    for file in sources(&project_root().join("route-framework")) {
        assert!(
            !code(&file.text).contains("api_handler"),
            "{} names the app: the framework must not depend on it",
            file.path.display()
        );
    }
}

#[test]
fn only_the_embedded_adapters_speak_sql() {
    let embedded = project_root().join("api-handler/src/store/embedded");
    for dir in ["api-handler/src", "api-handler/tests"] {
        for file in sources(&project_root().join(dir)) {
            if file.path.starts_with(&embedded) {
                continue;
            }
            assert!(
                !code(&file.text).contains("rusqlite"),
                "{} uses SQLite: storage goes through the ports, so the same code runs on every backend",
                file.path.display()
            );
        }
    }
}

#[test]
fn a_cycle_between_sibling_modules_is_found() {
    let dir = std::env::temp_dir().join(format!("tidy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("extract")).unwrap_or_default();
    let files = [
        ("lib.rs", "//! Root.\nmod a;\nmod b;\nmod extract;\n"),
        ("a.rs", "//! A.\nuse crate::b::Thing;\n"),
        ("b.rs", "//! B.\nuse super::a::Other; // a cycle\n"),
        ("extract/mod.rs", "//! Parent.\npub use self::json::Json;\nmod json;\n"),
        ("extract/json.rs", "//! Child.\nuse super::FromRequest;\n"),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap_or_default();
    }
    let cycles = import_cycles(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(cycles, ["crate::a → crate::b → crate::a"]);
}
