//! Checks on the source tree itself, run by `cargo test -p xtask`: no import
//! cycle between modules, a doc line opening every file, and a framework
//! that never names the app.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use syn::buffer::{Cursor, TokenBuffer};
use syn::visit::Visit;

use crate::util::project_root;

/// The crates whose sources are checked, with their source folder.
const CRATES: [&str; 7] = [
    "route-grammar/src",
    "route-framework/src",
    "api-handler/src",
    "route-macros/src",
    "xtask/src",
    "examples/minimal/src",
    "examples/minimal/xtask/src",
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
                let module = module_path(path.strip_prefix(dir).unwrap_or(&path));
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                files.push(SourceFile { path, module, text });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// The module path of the file at `relative` in its source folder.
fn module_path(relative: &Path) -> Vec<String> {
    let mut module: Vec<String> = relative
        .with_extension("")
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if matches!(module.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        module.pop();
    }
    module
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

/// The modules one file refers to, each with the first path that names it
/// (as written, for the report).
type References = BTreeMap<Vec<String>, String>;

/// The module paths `file` refers to through `crate::`, `super::` and
/// `self::`, resolved against the crate's `modules`: in its `use` items
/// (nested groups, renames and globs), in inline `mod` blocks and function
/// bodies, in every other path (types, calls, patterns) and in macro
/// arguments; never in comments or strings. A file that does not parse is
/// an `Err` naming it.
fn references(file: &SourceFile, modules: &BTreeSet<Vec<String>>) -> Result<References, String> {
    let syntax = syn::parse_file(&file.text).map_err(|err| format!("{} does not parse: {err}", file.path.display()))?;
    let mut paths = Paths {
        modules,
        scope: file.module.clone(),
        found: BTreeMap::new(),
    };
    paths.visit_file(&syntax);
    Ok(paths.found)
}

/// Walks one file's syntax collecting the crate modules its paths name.
struct Paths<'m> {
    modules: &'m BTreeSet<Vec<String>>,
    /// The module the walk is in: the file's, then an inline `mod` in it.
    scope: Vec<String>,
    found: References,
}

impl Paths<'_> {
    /// Records the module a path starting `crate`, `self` or `super` names:
    /// the longest module of the crate it leads into (`crate::a::b::Item` is
    /// `a::b` when `a/b.rs` exists). Other paths (an extern crate, `std`, a
    /// name in scope) are not this crate's modules by path and are skipped.
    fn reference(&mut self, segments: &[String]) {
        let Some((first, mut tail)) = segments.split_first() else {
            return;
        };
        let mut full = match first.as_str() {
            "crate" => Vec::new(),
            "self" => self.scope.clone(),
            "super" => {
                let mut parent = self.scope.clone();
                parent.pop();
                parent
            }
            _ => return,
        };
        while let Some((next, rest)) = tail.split_first()
            && next == "super"
        {
            full.pop();
            tail = rest;
        }
        full.extend(tail.iter().cloned());
        // The longest prefix that is a module (an inline `mod` is part of
        // its file's module); the crate root when none is.
        let module = (0..=full.len())
            .rev()
            .map(|len| &full[..len])
            .find(|prefix| self.modules.contains(*prefix))
            .unwrap_or_default()
            .to_vec();
        self.found.entry(module).or_insert_with(|| segments.join("::"));
    }

    /// Records every path a `use` tree imports; `prefix` is the path down to
    /// `tree` (`super::{a, b::{c, d}}` imports `super::a`, `super::b::c` and
    /// `super::b::d`; `self` in a group is the group's own path).
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.use_tree(prefix, &path.tree);
                prefix.pop();
            }
            syn::UseTree::Name(syn::UseName { ident }) | syn::UseTree::Rename(syn::UseRename { ident, .. }) => {
                if ident == "self" && !prefix.is_empty() {
                    self.reference(prefix);
                } else {
                    prefix.push(ident.to_string());
                    self.reference(prefix);
                    prefix.pop();
                }
            }
            syn::UseTree::Glob(_) => self.reference(prefix),
            syn::UseTree::Group(group) => {
                for item in &group.items {
                    self.use_tree(prefix, item);
                }
            }
        }
    }

    /// Records the paths in a macro's arguments, which syn leaves as tokens:
    /// every `crate`/`self`/`super` followed by `::` (`$crate::` too) that is
    /// not itself the tail of a longer path.
    fn macro_tokens(&mut self, mut cursor: Cursor<'_>) {
        let mut after_colons = false;
        while !cursor.eof() {
            if let Some((inside, _, _, next)) = cursor.any_group() {
                self.macro_tokens(inside);
                (cursor, after_colons) = (next, false);
            } else if let Some(next) = colons(cursor) {
                (cursor, after_colons) = (next, true);
            } else if let Some((ident, mut next)) = cursor.ident() {
                if !after_colons && matches!(ident.to_string().as_str(), "crate" | "self" | "super") {
                    let mut segments = vec![ident.to_string()];
                    while let Some((ident, after)) = colons(next).and_then(|after| after.ident()) {
                        segments.push(ident.to_string());
                        next = after;
                    }
                    if segments.len() > 1 {
                        self.reference(&segments);
                    }
                }
                (cursor, after_colons) = (next, false);
            } else if let Some((_, next)) = cursor.token_tree() {
                (cursor, after_colons) = (next, false);
            } else {
                break;
            }
        }
    }
}

/// The cursor after a `::` at `cursor`, if there is one.
fn colons(cursor: Cursor<'_>) -> Option<Cursor<'_>> {
    let (first, next) = cursor.punct()?;
    let (second, next) = next.punct()?;
    (first.as_char() == ':' && second.as_char() == ':').then_some(next)
}

impl<'ast> Visit<'ast> for Paths<'_> {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.scope.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.scope.pop();
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        // `use ::name` is always an extern crate.
        if item.leading_colon.is_none() {
            self.use_tree(&mut Vec::new(), &item.tree);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        // One segment is `self` the value, or a module's own name in scope.
        if path.leading_colon.is_none() && path.segments.len() > 1 {
            let segments: Vec<String> = path.segments.iter().map(|segment| segment.ident.to_string()).collect();
            self.reference(&segments);
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_vis_restricted(&mut self, _: &'ast syn::VisRestricted) {
        // `pub(in crate::a)` says who may see an item, not what it uses.
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        syn::visit::visit_macro(self, mac);
        let tokens = TokenBuffer::new2(mac.tokens.clone());
        self.macro_tokens(tokens.begin());
    }
}

/// Whether `a` is `b` or contains it.
fn is_ancestor(a: &[String], b: &[String]) -> bool {
    b.starts_with(a)
}

/// `crate::a::b`, or `crate` for the root.
fn module_name(module: &[String]) -> String {
    std::iter::once("crate")
        .chain(module.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("::")
}

/// Each module's arrows: the modules it imports from, each with the file the
/// arrow starts in and the path that draws it.
type Arrows<'f> = BTreeMap<Vec<String>, BTreeMap<Vec<String>, (&'f Path, String)>>;

/// Import cycles between the modules of one crate's `files`, each as the
/// modules around it, then the file and path behind each arrow. A module and
/// its ancestors (a `mod.rs` re-exporting its children, children using their
/// parent's items) form one unit and never count. Files that do not parse
/// are reported as well.
fn import_cycles(files: &[SourceFile]) -> Vec<String> {
    let modules: BTreeSet<Vec<String>> = files.iter().map(|file| file.module.clone()).collect();
    let mut problems = Vec::new();
    let mut edges: Arrows<'_> = BTreeMap::new();
    for file in files {
        let targets = match references(file, &modules) {
            Ok(targets) => targets,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let from = edges.entry(file.module.clone()).or_default();
        for (target, written) in targets {
            if !is_ancestor(&target, &file.module) && !is_ancestor(&file.module, &target) {
                from.entry(target).or_insert((file.path.as_path(), written));
            }
        }
    }
    for start in edges.keys() {
        // The shortest way back to `start` through modules after it, so each
        // cycle is reported once, from its smallest module.
        let mut came_from: BTreeMap<&Vec<String>, &Vec<String>> = BTreeMap::new();
        let mut queue = VecDeque::from([start]);
        let mut last = None;
        while let Some(node) = queue.pop_front() {
            let nexts = edges.get(node).into_iter().flat_map(BTreeMap::keys);
            if nexts.clone().any(|next| next == start) {
                last = Some(node);
                break;
            }
            for next in nexts {
                if next > start && !came_from.contains_key(next) {
                    came_from.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
        let Some(mut node) = last else { continue };
        let mut path = vec![start, node];
        while let Some(previous) = came_from.get(node) {
            path.push(previous);
            node = previous;
        }
        path.reverse();
        let names: Vec<String> = path.iter().map(|module| module_name(module)).collect();
        let mut report = names.join(" → ");
        for pair in path.windows(2) {
            if let [from, to] = pair
                && let Some((file, written)) = edges.get(*from).and_then(|targets| targets.get(*to))
            {
                let file = file.strip_prefix(project_root()).unwrap_or(file);
                report.push_str(&format!("\n      {} uses `{written}`", file.display()));
            }
        }
        problems.push(report);
    }
    problems
}

#[test]
fn no_crate_has_an_import_cycle() {
    let mut problems = Vec::new();
    for krate in CRATES {
        for cycle in import_cycles(&sources(&project_root().join(krate))) {
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

/// An in-memory crate: `(file in its source folder, text)` pairs, read as
/// [`sources`] reads a folder.
fn fixture(files: &[(&str, &str)]) -> Vec<SourceFile> {
    files
        .iter()
        .map(|(name, text)| SourceFile {
            path: PathBuf::from(name),
            module: module_path(Path::new(name)),
            text: (*text).to_owned(),
        })
        .collect()
}

#[test]
fn a_cycle_through_a_use_group_is_found() {
    // The Lambda adapter as it was: `use super::{Answer, v2}` one way, a
    // plain path the other.
    let files = fixture(&[
        ("lib.rs", "//! Root.\nmod lambda;\n"),
        (
            "lambda/mod.rs",
            "//! Shapes.\nmod http_event;\nmod v2;\npub struct Answer;\n",
        ),
        ("lambda/http_event.rs", "//! Events.\nuse super::{Answer, v2};\n"),
        ("lambda/v2.rs", "//! 2.0.\nuse super::http_event::{body, ip};\n"),
    ]);
    assert_eq!(
        import_cycles(&files),
        [
            "crate::lambda::http_event → crate::lambda::v2 → crate::lambda::http_event\n      \
          lambda/http_event.rs uses `super::v2`\n      \
          lambda/v2.rs uses `super::http_event::body`"
        ]
    );
    // Groups on both sides, nested.
    let files = fixture(&[
        ("lib.rs", "//! Root.\nmod a;\nmod b;\nmod c;\n"),
        ("a.rs", "//! A.\nuse super::{b, c};\n"),
        ("b.rs", "//! B.\nuse super::{c::{self, Leaf}, a::{Thing as Other}};\n"),
        ("c.rs", "//! C.\npub struct Leaf;\n"),
    ]);
    assert_eq!(
        import_cycles(&files),
        ["crate::a → crate::b → crate::a\n      a.rs uses `super::b`\n      b.rs uses `super::a::Thing`"]
    );
}

#[test]
fn a_one_way_graph_passes() {
    // The Lambda adapter as it is: shape detection → one module per event
    // format → the shared wire helpers.
    let files = fixture(&[
        ("lib.rs", "//! Root.\nmod lambda;\nmod error;\n"),
        ("error.rs", "//! Errors.\npub struct ApiError;\n"),
        (
            "lambda/mod.rs",
            "//! Shapes.\nmod answer;\nmod http_event;\nmod v2;\nmod wire;\n\
             pub use self::answer::Answer;\nuse self::http_event::{self, HttpShape};\n\
             fn f() { let _ = v2::read(\"\"); }\n",
        ),
        (
            "lambda/answer.rs",
            "//! Answers.\nuse super::v2;\npub struct Answer(v2::Response);\n",
        ),
        (
            "lambda/http_event.rs",
            "//! Events.\nuse super::answer::Answer;\nuse super::{v2, wire::{body, ip, uri}};\n",
        ),
        (
            "lambda/v2.rs",
            "//! 2.0.\nuse super::wire::*;\nuse crate::error::ApiError;\n",
        ),
        ("lambda/wire.rs", "//! Wire.\nuse crate::error::ApiError;\n"),
    ]);
    assert_eq!(import_cycles(&files), Vec::<String>::new());
}

#[test]
fn a_cycle_between_sibling_modules_is_found_but_not_one_with_a_parent() {
    let files = fixture(&[
        ("lib.rs", "//! Root.\nmod a;\nmod b;\nmod extract;\n"),
        ("a.rs", "//! A.\nuse crate::b::Thing;\n"),
        ("b.rs", "//! B.\nuse super::a::Other; // a cycle\n"),
        ("extract/mod.rs", "//! Parent.\npub use self::json::Json;\nmod json;\n"),
        ("extract/json.rs", "//! Child.\nuse super::FromRequest;\n"),
    ]);
    let cycles = import_cycles(&files);
    assert_eq!(
        cycles,
        ["crate::a → crate::b → crate::a\n      a.rs uses `crate::b::Thing`\n      b.rs uses `super::a::Other`"]
    );
}

#[test]
fn every_kind_of_path_is_resolved_to_its_module() {
    let modules: BTreeSet<Vec<String>> = [
        "", "a", "a::x", "b", "b::y", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m",
    ]
    .iter()
    .map(|name| {
        name.split("::")
            .filter(|part| !part.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .collect();
    let text = r#"//! X.
use super::super::{b::{self, y::{Thing, Other as Renamed}}, c as renamed};
use crate::d::*;
use self::inner::Z;
use std::collections::HashMap;
use ::k::Item;

mod inner {
    use super::super::super::e::E;
}

fn body() {
    use crate::f::F;
    let _ = crate::g::make::<crate::m::T>();
    tracing::info!(value = ?super::super::h::NAME, "{}", "crate::j::k");
}

/// Not a reference: [`crate::i`] in a doc, `crate::j` in a string.
const S: &str = "crate::j::k";

pub(in crate::l) fn visible(self_: Self) {}
"#;
    let file = SourceFile {
        path: PathBuf::from("a/x.rs"),
        module: vec!["a".to_owned(), "x".to_owned()],
        text: text.to_owned(),
    };
    let found = references(&file, &modules).unwrap_or_else(|problem| panic!("{problem}"));
    let names: Vec<String> = found.keys().map(|module| module_name(module)).collect();
    assert_eq!(
        names,
        [
            "crate::a::x",
            "crate::b",
            "crate::b::y",
            "crate::c",
            "crate::d",
            "crate::e",
            "crate::f",
            "crate::g",
            "crate::h",
            "crate::m",
        ]
    );
    assert_eq!(
        found[&vec!["b".to_owned(), "y".to_owned()]],
        "super::super::b::y::Thing"
    );
    assert_eq!(found[&vec!["e".to_owned()]], "super::super::super::e::E");
}

#[test]
fn a_file_that_does_not_parse_is_reported() {
    let files = fixture(&[("lib.rs", "//! Root.\nmod a;\n"), ("a.rs", "//! A.\nfn (\n")]);
    let problems = import_cycles(&files);
    assert!(
        matches!(&problems[..], [problem] if problem.starts_with("a.rs does not parse")),
        "{problems:?}"
    );
}
