//! `cargo xtask openapi`: the registry as an OpenAPI 3.1 document.
//!
//! The document is committed as `docs/openapi.json` (written by `gen-routes`
//! with the Terraform routes, and checked fresh the same way), so a change to
//! what clients see shows in review, and `--breaking BASE` can compare it with
//! the document a git ref committed.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::util::{self, project_root};
use crate::{node, tools};

/// Where the committed document lives, relative to the project root.
pub(crate) const DOCUMENT_FILE: &str = "docs/openapi.json";

/// The document of every registered route, as committed: pretty JSON with a
/// final newline.
pub(crate) fn render() -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(&api_handler::openapi::document())? + "\n")
}

/// Prints the document of every registered route.
pub(crate) fn print() -> anyhow::Result<()> {
    print!("{}", render()?);
    Ok(())
}

/// Writes (or with `check`, verifies) `docs/openapi.json`.
pub(crate) fn generate(check: bool) -> anyhow::Result<()> {
    util::ensure_file_contents("gen-routes", Path::new(DOCUMENT_FILE), &render()?, check)
}

/// `cargo xtask openapi --breaking BASE`: fails if `docs/openapi.json`
/// breaks a client built against the document committed at the git ref
/// `BASE` (a removed route, response field or enum value, a new required
/// field or parameter, a narrowed type or tighter limit, another success
/// status), naming each break's route and field. Additions pass.
pub(crate) fn breaking(base: &str) -> anyhow::Result<()> {
    let work = scratch_dir("breaking")?;
    let old = git_show(base, DOCUMENT_FILE)?;
    let Some(old) = old else {
        eprintln!("{base} has no {DOCUMENT_FILE}: nothing to compare with");
        return Ok(());
    };
    let base_path = work.join("base.json");
    write(&base_path, &old)?;
    let tools = node::tools()?;
    let current = project_root().join(DOCUMENT_FILE);
    let report = diff(&tools, &base_path, &current)?;
    print!("{}", report.text);
    if !report.passed {
        bail!(
            "{DOCUMENT_FILE} breaks clients built against {base}'s (each `major` change above names its route and \
             field): make the change additive, or, if the break is deliberate, publish it as a new version as \
             docs/clients.md says"
        );
    }
    eprintln!("{DOCUMENT_FILE}: no breaking change against {base}");
    Ok(())
}

/// What `redocly diff` said about two documents.
struct Report {
    /// Whether it found no change of major impact.
    passed: bool,
    /// Its report, one change per entry under each route.
    text: String,
}

/// `redocly diff --fail-on major` of `base` against `revision`.
fn diff(tools: &node::Packages, base: &Path, revision: &Path) -> anyhow::Result<Report> {
    let output = Command::new(tools.bin("redocly"))
        .args(["diff", "--fail-on", "major", "--lint-config", "off"])
        .arg(base)
        .arg(revision)
        // No usage report to Redocly, no update check: nothing leaves the machine.
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .env("NO_COLOR", "1")
        .current_dir(project_root())
        .output()
        .context("cannot run redocly (target/tools/node)")?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let errors = String::from_utf8_lossy(&output.stderr);
    // Exit 1 with a summary line is a diff that failed; anything else
    // (a document it cannot read, a crash) is the tool failing.
    let summarized = text.contains("major,") || errors.contains("major,");
    if !output.status.success() && !summarized {
        bail!(
            "redocly diff could not compare the documents ({}):\n{text}{errors}",
            output.status
        );
    }
    Ok(Report {
        passed: output.status.success(),
        text: format!("{text}{}", stylish_lines(&errors)),
    })
}

/// The report lines of `stderr`, without Redocly's boxed banners.
fn stylish_lines(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|line| !line.contains('║') && !line.contains('╔') && !line.contains('╚') && !line.trim().is_empty())
        .map(|line| format!("{line}\n"))
        .collect()
}

/// The file at `path` in the git ref `base`, or `None` if it has none.
fn git_show(base: &str, path: &str) -> anyhow::Result<Option<String>> {
    let resolved = Command::new("git")
        .args(["rev-parse", "--verify", "--quiet"])
        .arg(format!("{base}^{{commit}}"))
        .current_dir(project_root())
        .output()
        .context("cannot run git")?;
    if !resolved.status.success() {
        bail!("`{base}` is not a commit of this repository (a shallow clone may need `git fetch` of it first)");
    }
    let output = Command::new("git")
        .arg("show")
        .arg(format!("{base}:{path}"))
        .current_dir(project_root())
        .output()
        .context("cannot run git")?;
    if !output.status.success() {
        return Ok(None);
    }
    Ok(Some(
        String::from_utf8(output.stdout).context("the document is not UTF-8")?,
    ))
}

/// A fresh `target/openapi/NAME` directory.
fn scratch_dir(name: &str) -> anyhow::Result<PathBuf> {
    tools::fresh_dir(project_root().join("target/openapi").join(name))
}

/// Writes `contents` to `path`.
fn write(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}

/// One change made on purpose to the committed document, and what the
/// breaking-change check must say of it.
struct Case {
    /// What the change is.
    name: &'static str,
    /// Makes it.
    change: fn(&mut Value) -> Option<()>,
    /// Whether it breaks clients.
    breaks: bool,
    /// What the report must name: the route and the field.
    named: &'static [&'static str],
}

/// Every kind of break the check must catch, and an addition it must let
/// through, each made to the committed document.
const CASES: &[Case] = &[
    Case {
        name: "a removed route",
        change: |doc| {
            doc.pointer_mut("/paths/~1stats")?
                .as_object_mut()?
                .remove("get")
                .map(drop)
        },
        breaks: true,
        named: &["GET /stats", "removed"],
    },
    Case {
        name: "a removed response field",
        change: |doc| {
            let goal = doc.pointer_mut("/components/schemas/Goal")?;
            goal["properties"].as_object_mut()?.remove("progressTotal")?;
            goal["required"].as_array_mut()?.retain(|name| name != "progressTotal");
            Some(())
        },
        breaks: true,
        named: &["GET /goals", "progressTotal"],
    },
    Case {
        name: "a removed enum value",
        change: |doc| {
            let values = doc.pointer_mut("/components/schemas/GoalStatus/enum")?.as_array_mut()?;
            values.retain(|value| value != "archived");
            Some(())
        },
        breaks: true,
        named: &["GET /goals", "archived"],
    },
    Case {
        name: "a new required request field",
        change: |doc| {
            let new_goal = doc.pointer_mut("/components/schemas/NewGoal")?;
            new_goal["properties"]
                .as_object_mut()?
                .insert("colour".into(), json!({ "type": "string" }));
            new_goal["required"].as_array_mut()?.push(json!("colour"));
            Some(())
        },
        breaks: true,
        named: &["POST /goals", "colour"],
    },
    Case {
        name: "a new required parameter",
        change: |doc| {
            let parameters = doc.pointer_mut("/paths/~1goals/get/parameters")?.as_array_mut()?;
            parameters.push(json!({ "name": "tz", "in": "query", "required": true, "schema": { "type": "string" } }));
            Some(())
        },
        breaks: true,
        named: &["GET /goals", "tz"],
    },
    Case {
        name: "a narrowed type",
        change: |doc| {
            *doc.pointer_mut("/components/schemas/NewGoal/properties/description/type")? = json!("string");
            Some(())
        },
        breaks: true,
        named: &["POST /goals", "description"],
    },
    Case {
        name: "a tighter limit",
        change: |doc| {
            *doc.pointer_mut("/components/schemas/NewGoal/properties/title/maxLength")? = json!(100);
            Some(())
        },
        breaks: true,
        named: &["POST /goals", "title", "maxLength"],
    },
    Case {
        name: "another success status",
        change: |doc| {
            let responses = doc.pointer_mut("/paths/~1goals/post/responses")?.as_object_mut()?;
            let created = responses.remove("201")?;
            responses.insert("200".into(), created);
            Some(())
        },
        breaks: true,
        named: &["POST /goals", "201"],
    },
    Case {
        name: "additions: an optional request field and parameter, a response field, a route, a looser limit",
        change: |doc| {
            let optional = json!({ "type": "string" });
            doc.pointer_mut("/components/schemas/NewGoal/properties")?
                .as_object_mut()?
                .insert("colour".into(), optional.clone());
            doc.pointer_mut("/components/schemas/Goal/properties")?
                .as_object_mut()?
                .insert("colour".into(), optional.clone());
            doc.pointer_mut("/paths/~1goals/get/parameters")?
                .as_array_mut()?
                .push(json!({ "name": "tz", "in": "query", "required": false, "schema": optional }));
            *doc.pointer_mut("/components/schemas/NewGoal/properties/title/maxLength")? = json!(300);
            let health = doc.pointer("/paths/~1health")?.clone();
            doc["paths"].as_object_mut()?.insert("/health/deep".into(), health);
            Some(())
        },
        breaks: false,
        named: &[],
    },
];

/// The breaking-change check catches every kind of break in [`CASES`],
/// naming its route and field, and lets the addition through: an upgrade
/// of the tool that stops catching one fails here, not in review.
pub(crate) fn the_check_catches_every_kind_of_break() -> anyhow::Result<()> {
    let work = scratch_dir("cases")?;
    let document_path = project_root().join(DOCUMENT_FILE);
    let text =
        std::fs::read_to_string(&document_path).with_context(|| format!("cannot read {}", document_path.display()))?;
    let document: Value = serde_json::from_str(&text).with_context(|| format!("{DOCUMENT_FILE} is not JSON"))?;
    let tools = node::tools()?;
    let mut wrong = Vec::new();
    for (index, case) in CASES.iter().enumerate() {
        let mut changed = document.clone();
        if (case.change)(&mut changed).is_none() {
            bail!(
                "the case `{}` cannot be made: {DOCUMENT_FILE} no longer has what it changes (xtask/src/openapi.rs)",
                case.name
            );
        }
        let path = work.join(format!("case-{index}.json"));
        write(&path, &serde_json::to_string_pretty(&changed)?)?;
        let report = diff(&tools, &document_path, &path)?;
        let missing: Vec<&str> = case
            .named
            .iter()
            .copied()
            .filter(|needle| !report.text.contains(needle))
            .collect();
        let verdict = if report.passed == case.breaks {
            format!("{}: it {}", case.name, if case.breaks { "passed" } else { "failed" })
        } else if !missing.is_empty() {
            format!("{}: the report does not name {missing:?}", case.name)
        } else {
            eprintln!("ok: {} {}", case.name, if case.breaks { "fails" } else { "passes" });
            continue;
        };
        wrong.push(format!("{verdict}\n{}", report.text));
    }
    if !wrong.is_empty() {
        bail!(
            "`redocly diff` (xtask/tools/node) no longer judges these changes as it should:\n\n{}",
            wrong.join("\n")
        );
    }
    Ok(())
}
