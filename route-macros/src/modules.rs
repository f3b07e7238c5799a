//! `modules!()`: a `mod` item for every file and folder beside the module
//! that invokes it, so a new endpoint (or consumer, or job) is one new file
//! and no list to edit.
//!
//! The folder is read when the crate compiles, from the invoking file's own
//! checkout: `src/routes.rs` (or `src/routes/mod.rs`) declares what is in
//! `src/routes/`. Nothing is generated into `OUT_DIR`, so checkouts that
//! share one target directory never see each other's files. A build script
//! that says `cargo::rerun-if-changed=src/routes` makes Cargo recompile the
//! crate when a file is added or removed.

use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::Ident;

/// Entry point of `modules!()`, invoked from the file `caller` (as rustc
/// names it, relative to its working directory or absolute).
pub(crate) fn expand_modules(input: TokenStream, caller: Option<PathBuf>) -> syn::Result<TokenStream> {
    if !input.is_empty() {
        return Err(syn::Error::new_spanned(
            input,
            "`modules!()` takes no arguments: it declares the files of the folder named after the invoking module",
        ));
    }
    let Some(caller) = caller else {
        return Err(syn::Error::new(
            Span::call_site(),
            "`modules!()` must be invoked from a source file on disk",
        ));
    };
    let dir = module_dir(&caller);
    let names = discover(&dir).map_err(|message| syn::Error::new(Span::call_site(), message))?;
    let items = names.iter().map(|name| {
        let ident = Ident::new(name, Span::call_site());
        quote!(mod #ident;)
    });
    Ok(quote!(#(#items)*))
}

/// The folder rustc reads a module's `mod x;` files from: `a/b/` for
/// `a/b.rs`, `a/b/` for `a/b/mod.rs` (and for `lib.rs` or `main.rs`, their folder).
fn module_dir(file: &Path) -> PathBuf {
    let parent = file.parent().unwrap_or_else(|| Path::new(""));
    match file.file_stem().and_then(|stem| stem.to_str()) {
        Some("mod" | "lib" | "main") | None => parent.to_path_buf(),
        Some(stem) => parent.join(stem),
    }
}

/// The module names in `dir`, sorted: each `name.rs` and each `name/` with a
/// `mod.rs`; none when the folder does not exist.
fn discover(dir: &Path) -> Result<Vec<String>, String> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(dir).map_err(|err| format!("cannot read {}: {err}", dir.display()))?;
    let mut names: Vec<String> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| format!("cannot read {}: {err}", dir.display()))?;
        let path = entry.path();
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if file_name.starts_with('.') {
            continue;
        }
        let name = if path.is_dir() {
            if !path.join("mod.rs").is_file() {
                return Err(format!(
                    "{} is a folder without a mod.rs: add one declaring its files",
                    path.display()
                ));
            }
            file_name
        } else if let Some(stem) = file_name.strip_suffix(".rs") {
            stem.to_owned()
        } else {
            continue;
        };
        if !route_grammar::module_name::is_valid(&name) {
            return Err(format!(
                "{}: `{name}` cannot name a Rust module; use lower_snake_case such as `get_goal.rs`",
                path.display()
            ));
        }
        if names.contains(&name) {
            return Err(format!(
                "both `{name}.rs` and `{name}/` exist in {}: keep one",
                dir.display()
            ));
        }
        names.push(name);
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_file_declares_the_folder_named_after_it() {
        assert_eq!(
            module_dir(Path::new("api-handler/src/routes.rs")),
            Path::new("api-handler/src/routes")
        );
        assert_eq!(module_dir(Path::new("src/routes/mod.rs")), Path::new("src/routes"));
        assert_eq!(module_dir(Path::new("/x/src/lib.rs")), Path::new("/x/src"));
    }

    #[test]
    fn names_are_checked_and_sorted() {
        let dir = std::env::temp_dir().join(format!("route-macros-modules-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("nested")).unwrap();
        for file in ["b.rs", "a.rs", "notes.txt", ".hidden.rs", "nested/mod.rs"] {
            std::fs::write(dir.join(file), "").unwrap();
        }
        assert_eq!(discover(&dir).unwrap(), ["a", "b", "nested"]);
        std::fs::write(dir.join("Bad-Name.rs"), "").unwrap();
        assert!(
            discover(&dir)
                .unwrap_err()
                .contains("`Bad-Name` cannot name a Rust module")
        );
        std::fs::remove_file(dir.join("Bad-Name.rs")).unwrap();
        std::fs::write(dir.join("nested.rs"), "").unwrap();
        assert!(discover(&dir).unwrap_err().contains("both `nested.rs` and `nested/`"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
