//! `cargo xtask new route|consumer|job`: a new endpoint, queue consumer or
//! scheduled job as one file in an app's `src/routes/`, `src/consumers/` or
//! `src/jobs/`, with a test of it in the app's `tests/`, then
//! `cargo xtask gen-routes` in the app's workspace.
//!
//! Inputs are checked with the rules the attributes apply at compile time
//! (the route-key grammar, the event-type rule, the schedule grammar of
//! `route-grammar`), and nothing is written over: a route key, event type or
//! job name the app has already, or a file that exists, is refused. The
//! generated code uses only the framework's public API
//! (`route_framework::prelude`), so it fits any app on the framework.

mod names;
mod self_test;
mod templates;

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail, ensure};

use self::names::{Method, RouteKey};
pub(crate) use self::self_test::check;
use crate::fmt::rustfmt_command;
use crate::util::{self, project_root};

/// The app `--app` names when it is left out, relative to the project root.
const DEFAULT_APP: &str = "api-handler";

/// `cargo xtask new …`'s own usage.
const USAGE: &str = "\
cargo xtask new route \"METHOD /path/{param}\" [--public] [--name NAME] [--app DIR]
cargo xtask new consumer EVENT_TYPE [--app DIR]
cargo xtask new job \"rate(1 hour)\" NAME [--app DIR]
cargo xtask new self-test";

/// What to scaffold.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    /// An endpoint: its key, whether it is public, its name.
    Route {
        /// The route key.
        key: RouteKey,
        /// Whether it needs no token.
        public: bool,
        /// The file's and the handler's name.
        name: String,
    },
    /// A queue consumer of one event type.
    Consumer {
        /// The event type it consumes.
        event_type: String,
        /// The file's and the function's name.
        name: String,
    },
    /// A scheduled job.
    Job {
        /// Its EventBridge schedule expression.
        schedule: String,
        /// Its name: the file's and the function's.
        name: String,
    },
}

impl Item {
    /// The file's name, without `.rs`: the handler's, consumer's or job's name.
    fn name(&self) -> &str {
        match self {
            Item::Route { name, .. } | Item::Consumer { name, .. } | Item::Job { name, .. } => name,
        }
    }

    /// The app's folder the file goes to: `routes`, `consumers` or `jobs`.
    fn folder(&self) -> &'static str {
        match self {
            Item::Route { .. } => "routes",
            Item::Consumer { .. } => "consumers",
            Item::Job { .. } => "jobs",
        }
    }
}

/// `cargo xtask new …` with the arguments after `new`.
pub(crate) fn run(args: &[&str]) -> anyhow::Result<()> {
    if args == ["self-test"] {
        return check();
    }
    let (item, app) = parse_args(args)?;
    let app = App::open(&app)?;
    let written = scaffold(&app, &item, &[])?;
    print_next_steps(&app, &item, &written);
    Ok(())
}

/// The item and the app folder (as given, or the default) named by `args`.
fn parse_args(args: &[&str]) -> anyhow::Result<(Item, PathBuf)> {
    let mut positional = Vec::new();
    let (mut public, mut name, mut app) = (false, None, None);
    let mut rest = args.iter();
    while let Some(&arg) = rest.next() {
        match arg {
            "--public" => public = true,
            "--name" => name = Some(*rest.next().context("`--name` needs a value")?),
            "--app" => app = Some(*rest.next().context("`--app` needs a value")?),
            flag if flag.starts_with("--") => bail!("unknown option `{flag}`\n\nusage:\n{USAGE}"),
            value => positional.push(value),
        }
    }
    let app = app.map_or_else(|| project_root().join(DEFAULT_APP), |dir| project_root().join(dir));
    let item = match positional.as_slice() {
        ["route", key] => {
            let key = RouteKey::parse(key).map_err(anyhow::Error::msg)?;
            ensure!(
                !matches!(key.method, Method::Head | Method::Options),
                "`new route` writes GET, POST, PUT, PATCH and DELETE routes; a GET route answers HEAD \
                 already, and a HEAD or OPTIONS route of its own is written by hand"
            );
            let name = match name {
                Some(name) => {
                    names::check_item_name(name).map_err(anyhow::Error::msg)?;
                    name.to_owned()
                }
                None => key.derived_name(),
            };
            Item::Route { key, public, name }
        }
        ["consumer", event_type] if !public && name.is_none() => {
            names::check_event_type(event_type).map_err(anyhow::Error::msg)?;
            Item::Consumer {
                event_type: (*event_type).to_owned(),
                name: names::consumer_name(event_type),
            }
        }
        ["job", schedule, name] if !public => {
            names::check_schedule(schedule).map_err(anyhow::Error::msg)?;
            names::check_item_name(name).map_err(anyhow::Error::msg)?;
            Item::Job {
                schedule: (*schedule).to_owned(),
                name: (*name).to_owned(),
            }
        }
        _ => bail!("unexpected arguments `{}`\n\nusage:\n{USAGE}", args.join(" ")),
    };
    Ok((item, app))
}

/// An app on the framework: where it is, its workspace, its library's name.
#[derive(Debug)]
struct App {
    /// The app's folder (its `Cargo.toml` is there).
    dir: PathBuf,
    /// The nearest folder at or above it whose `Cargo.toml` has `[workspace]`.
    workspace: PathBuf,
    /// The package's name.
    package: String,
    /// The library's crate name, as tests `use` it.
    library: String,
    /// The app's manifest, to check its dependencies.
    manifest: String,
}

impl App {
    /// The app in `dir`, which must have a library and `modules!()` folders.
    fn open(dir: &Path) -> anyhow::Result<App> {
        let manifest_path = dir.join("Cargo.toml");
        let manifest = std::fs::read_to_string(&manifest_path).with_context(|| {
            format!(
                "{} is not an app: cannot read {}",
                dir.display(),
                manifest_path.display()
            )
        })?;
        let package = manifest_value(&manifest, "package", "name")
            .with_context(|| format!("{} names no [package]", manifest_path.display()))?;
        let library = manifest_value(&manifest, "lib", "name").unwrap_or_else(|| package.replace('-', "_"));
        ensure!(
            dir.join("src").join("lib.rs").is_file(),
            "{} has no src/lib.rs: the generated tests reach the app's registry through its library",
            dir.display()
        );
        let workspace = dir
            .ancestors()
            .find(|folder| {
                std::fs::read_to_string(folder.join("Cargo.toml"))
                    .is_ok_and(|text| text.lines().any(|line| line.trim() == "[workspace]"))
            })
            .with_context(|| format!("no Cargo.toml with [workspace] at or above {}", dir.display()))?
            .to_path_buf();
        Ok(App {
            dir: dir.to_path_buf(),
            workspace,
            package,
            library,
            manifest,
        })
    }

    /// Fails naming the first of `crates` the manifest does not depend on.
    fn require(&self, crates: &[&str], why: &str) -> anyhow::Result<()> {
        for name in crates {
            let declared = self.manifest.lines().map(str::trim_start).any(|line| {
                line.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with([' ', '=', '.']))
            });
            ensure!(
                declared,
                "{} does not depend on `{name}`, which {why} uses: add it to its [dependencies]",
                self.dir.join("Cargo.toml").display()
            );
        }
        Ok(())
    }

    /// `path` relative to the app's folder, for messages.
    fn show(&self, path: &Path) -> String {
        let base = self.dir.parent().unwrap_or(&self.dir);
        path.strip_prefix(base).unwrap_or(path).display().to_string()
    }
}

/// `key = "value"` in the manifest's `[section]`.
fn manifest_value(manifest: &str, section: &str, key: &str) -> Option<String> {
    let header = format!("[{section}]");
    let mut inside = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == header;
        } else if inside
            && let Some(value) = line
                .strip_prefix(key)
                .map(str::trim_start)
                .and_then(|rest| rest.strip_prefix('='))
        {
            return Some(value.trim().trim_matches('"').to_owned());
        }
    }
    None
}

/// Checks `item` against the app, writes its two files, formats them and
/// runs the app's `cargo xtask gen-routes` (with `env` added); on a failure
/// after writing, removes what it wrote. Returns the written files.
fn scaffold(app: &App, item: &Item, env: &[(&str, &str)]) -> anyhow::Result<Vec<PathBuf>> {
    let src = app.dir.join("src");
    let folder = item.folder();
    let parent = [src.join(format!("{folder}.rs")), src.join(folder).join("mod.rs")]
        .into_iter()
        .find(|file| file.is_file())
        .with_context(|| format!("{} has no src/{folder}.rs declaring `modules!()`", app.dir.display()))?;
    let declared = std::fs::read_to_string(&parent).with_context(|| format!("cannot read {}", parent.display()))?;
    ensure!(
        declared.contains("modules!()"),
        "{} does not declare its folder with `route_framework::modules!()`",
        parent.display()
    );
    let common = ["route-framework", "serde_json", "tokio"];
    match item {
        Item::Route { .. } => app.require(&[&common[..], &["serde", "schemars", "garde"]].concat(), "a route")?,
        Item::Consumer { .. } => app.require(&[&common[..], &["serde", "garde", "tracing"]].concat(), "a consumer")?,
        Item::Job { .. } => app.require(&[&common[..], &["tracing"]].concat(), "a job")?,
    }
    refuse_duplicate(app, &src.join(folder), item)?;

    let name = item.name();
    let source = src.join(folder).join(format!("{name}.rs"));
    let test = app.dir.join("tests").join(format!("{name}.rs"));
    for path in [&source, &src.join(folder).join(name), &test] {
        ensure!(
            !path.exists(),
            "{} exists already: choose another name{}",
            app.show(path),
            if matches!(item, Item::Route { .. }) {
                " (--name NAME)"
            } else {
                ""
            }
        );
    }
    let (source_text, test_text) = match item {
        Item::Route { key, public, name } => (
            templates::route(key, name, *public),
            templates::route_test(key, *public, &app.library),
        ),
        Item::Consumer { event_type, name } => (
            templates::consumer(event_type, name),
            templates::consumer_test(event_type, &app.library),
        ),
        Item::Job { schedule, name } => (
            templates::job(schedule, name),
            templates::job_test(schedule, name, &app.library),
        ),
    };
    let mut written = Vec::new();
    let outcome = write_new(&source, &source_text, &mut written)
        .and_then(|()| write_new(&test, &test_text, &mut written))
        .and_then(|()| {
            for path in &written {
                println!("wrote {}", app.show(path));
            }
            rustfmt(&written);
            util::cargo_in(&app.workspace, &["xtask", "gen-routes"], env)
        });
    if let Err(err) = outcome {
        for path in &written {
            let _ = std::fs::remove_file(path);
        }
        let removed: Vec<String> = written.iter().map(|path| app.show(path)).collect();
        if removed.is_empty() {
            return Err(err);
        }
        return Err(err.context(format!("nothing kept: removed {}", removed.join(" and "))));
    }
    Ok(written)
}

/// Refuses a route key, event type or job name the app's folder has already.
fn refuse_duplicate(app: &App, folder: &Path, item: &Item) -> anyhow::Result<()> {
    let mut files = Vec::new();
    rust_files(folder, &mut files)?;
    for file in files {
        let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
        let found = match item {
            Item::Route { key, .. } => names::annotated(&text, "route").any(|found| found == key.to_string()),
            Item::Consumer { event_type, .. } => names::annotated(&text, "on_event").any(|found| found == *event_type),
            Item::Job { name, .. } => names::scheduled_jobs(&text).any(|found| found == *name),
        };
        if found {
            let what = match item {
                Item::Route { key, .. } => format!("the route `{key}`"),
                Item::Consumer { event_type, .. } => format!("a consumer of `{event_type}`"),
                Item::Job { name, .. } => format!("a job named `{name}`"),
            };
            bail!("{} has {what} already", app.show(&file));
        }
    }
    Ok(())
}

/// Every `.rs` file under `dir`, recursively (none when it does not exist).
fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry.with_context(|| format!("cannot read {}", dir.display()))?.path();
        if path.is_dir() {
            rust_files(&path, files)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    Ok(())
}

/// Creates `path` with `text`, refusing one that exists; records it in `written`.
fn write_new(path: &Path, text: &str, written: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    written.push(path.to_path_buf());
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Formats `files` with rustfmt under the app's own `rustfmt.toml`, if any;
/// the templates are formatted already, so a missing rustfmt only warns.
fn rustfmt(files: &[PathBuf]) {
    let rustfmt = rustfmt_command();
    match Command::new(&rustfmt).args(["--edition", "2024"]).args(files).status() {
        Ok(status) if status.success() => {}
        Ok(status) => eprintln!("warning: rustfmt failed ({status}); the files are as generated"),
        Err(err) => eprintln!(
            "warning: cannot run {}: {err}; the files are as generated",
            rustfmt.display()
        ),
    }
}

/// What was written, and what to do next.
fn print_next_steps(app: &App, item: &Item, written: &[PathBuf]) {
    let files: Vec<String> = written.iter().map(|path| app.show(path)).collect();
    let what = match item {
        Item::Route { key, public: true, .. } => format!("`{key}`, public"),
        Item::Route { key, .. } => format!("`{key}`, for authenticated callers"),
        Item::Consumer { event_type, .. } => format!("a consumer of `{event_type}`"),
        Item::Job { schedule, name } => format!("the job `{name}`, on `{schedule}`"),
    };
    let change = match item {
        Item::Route { .. } => "its types and the handler's body",
        Item::Consumer { .. } => "its payload type and what it does with an event",
        Item::Job { .. } => "what it does",
    };
    println!();
    let [source, test] = files.as_slice() else {
        return;
    };
    println!("{what}: {source}, tested by {test}; gen-routes has updated the generated Terraform");
    println!("next:");
    println!(
        "  1. make it yours: {change} in {}",
        files.first().map_or("", String::as_str)
    );
    println!(
        "  2. (cd {} && cargo test --package {} --test {})",
        app.workspace.display(),
        app.package,
        item.name()
    );
    println!("  3. commit both files with the regenerated terraform/*.gen.tf");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<&str> {
        line.split(' ').collect()
    }

    #[test]
    fn a_route_is_named_after_its_key_unless_named() {
        let (item, app) = parse_args(&["route", "POST /things/{thingId}"]).unwrap();
        assert_eq!(app, project_root().join("api-handler"));
        let Item::Route { key, public, name } = item else {
            panic!("not a route: {item:?}")
        };
        assert_eq!(
            (key.to_string(), public, name.as_str()),
            ("POST /things/{thingId}".to_owned(), false, "create_thing")
        );

        let (item, app) = parse_args(&[
            "route",
            "GET /things",
            "--public",
            "--name",
            "all_things",
            "--app",
            "/tmp/x",
        ])
        .unwrap();
        assert_eq!(app, Path::new("/tmp/x"));
        assert!(matches!(item, Item::Route { public: true, ref name, .. } if name == "all_things"));
    }

    #[test]
    fn consumers_and_jobs_are_parsed_and_checked() {
        let (item, _) = parse_args(&args("consumer thing.created --app examples/minimal")).unwrap();
        assert_eq!(
            item,
            Item::Consumer {
                event_type: "thing.created".to_owned(),
                name: "thing_created".to_owned()
            }
        );
        let (item, app) = parse_args(&["job", "rate(1 hour)", "tidy_things"]).unwrap();
        assert_eq!(item.name(), "tidy_things");
        assert_eq!(app, project_root().join("api-handler"));
        for bad in [
            &["consumer", "Thing.Created"][..],
            &["job", "rate(1 hours)", "tidy"],
            &["job", "rate(1 hour)", "Tidy"],
            &["job", "rate(1 hour)", "fn"],
            &["route", "GET things"],
            &["route", "HEAD /things"],
            &["route", "GET /things", "--name", "Things"],
            &["route", "GET /things", "--app"],
            &["route", "GET /things", "--force"],
            &["consumer", "a.b", "--public"],
            &["thing"],
        ] {
            assert!(parse_args(bad).is_err(), "{bad:?} was taken");
        }
    }

    #[test]
    fn the_apps_are_found_with_their_workspace_and_library() {
        let app = App::open(&project_root().join("api-handler")).unwrap();
        assert_eq!(
            (app.package.as_str(), app.library.as_str()),
            ("api-handler", "api_handler")
        );
        assert_eq!(app.workspace, project_root());
        app.require(&["route-framework", "serde_json", "tracing"], "a test")
            .unwrap();
        assert!(app.require(&["route"], "a test").is_err());

        let minimal = project_root().join("examples").join("minimal");
        let app = App::open(&minimal).unwrap();
        assert_eq!(
            (app.library.as_str(), app.workspace.as_path()),
            ("minimal", minimal.as_path())
        );
        assert!(App::open(&project_root().join("route-framework").join("src")).is_err());
    }

    #[test]
    fn manifest_values_are_read_from_their_section() {
        let manifest = "[package]\nname = \"my-app\"\n\n[lib]\nname=\"app\"\n[dependencies]\nname = \"no\"\n";
        assert_eq!(manifest_value(manifest, "package", "name").as_deref(), Some("my-app"));
        assert_eq!(manifest_value(manifest, "lib", "name").as_deref(), Some("app"));
        assert_eq!(manifest_value(manifest, "workspace", "name"), None);
    }

    #[test]
    fn a_key_event_type_or_job_the_app_has_is_refused() {
        let app = App::open(&project_root().join("examples").join("minimal")).unwrap();
        let minimal = app.dir.join("src");
        let key = RouteKey::parse("POST /notes").unwrap();
        let route = |key: RouteKey| Item::Route {
            key,
            public: true,
            name: "x".to_owned(),
        };
        assert!(refuse_duplicate(&app, &minimal.join("routes"), &route(key)).is_err());
        let other = RouteKey::parse("PUT /notes").unwrap();
        assert!(refuse_duplicate(&app, &minimal.join("routes"), &route(other)).is_ok());
        let consumer = Item::Consumer {
            event_type: "note.created".to_owned(),
            name: "x".to_owned(),
        };
        assert!(refuse_duplicate(&app, &minimal.join("consumers"), &consumer).is_err());
        let job = Item::Job {
            schedule: "rate(1 hour)".to_owned(),
            name: "count_notes".to_owned(),
        };
        assert!(refuse_duplicate(&app, &minimal.join("jobs"), &job).is_err());
    }
}
