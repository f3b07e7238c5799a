//! `cargo xtask docs-page`: the local server's API docs page, checked in a
//! real headless browser, and its vendored Swagger UI checked against the
//! upstream release.
//!
//! The server serves `GET /docs`, an HTML page rendering its live OpenAPI
//! document (`GET /openapi.json`) with a vendored Swagger UI under `/docs/…`,
//! behind a Content-Security-Policy that allows the page's own origin only.
//! This check:
//!
//! 1. installs the pinned npm tools ([`node::tools`]: Playwright's driver and
//!    the `swagger-ui-dist` release the lock file pins, integrity-checked by
//!    npm) and compares the files vendored under
//!    `route-framework/assets/swagger-ui/` byte for byte with that release's
//!    (every vendored file but its README and `SHA256SUMS` must be one of
//!    the release's, [`REQUIRED`] among them), so the vendored copy is
//!    provably the upstream one;
//! 2. builds the debug server and starts it on the embedded backend with a
//!    fresh work directory, `target/docs-page/` (its data and `server.log`),
//!    and checks that its live `/openapi.json` is the committed
//!    `docs/openapi.json` the browser check takes its summaries from;
//! 3. runs `xtask/tools/node/docs-page.mjs` (copied next to
//!    `target/tools/node/node_modules`, where Node resolves `playwright-core`
//!    from) with Node, driving the Chromium [`node::chromium`] finds: it
//!    aborts and fails any request to another origin, fails on any failed
//!    request, status of 400 or more, console error, uncaught exception or
//!    CSP violation, on a `/docs` without a `content-security-policy` header
//!    and on any operation whose summary the page does not show, saves a
//!    full-page screenshot to `target/docs-page/docs.png`, then opens the
//!    first operation of each HTTP method, under the same checks.
//!
//! Every wait is bounded: the script's steps and its watchdog, and
//! [`RUN_TIMEOUT`] here over the whole script. The server is stopped however
//! the check ends.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::local_server::{self, Server, request};
use crate::util::project_root;
use crate::{node, openapi, tools};

/// The browser script, relative to the project root.
const SCRIPT: &str = "xtask/tools/node/docs-page.mjs";
/// The vendored Swagger UI, relative to the project root.
const VENDORED: &str = "route-framework/assets/swagger-ui";
/// The vendored files that must be there, each equal to the release's.
const REQUIRED: [&str; 4] = ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE"];
/// The vendored directory's own files, not the release's (its README
/// describes the vendored copy, `SHA256SUMS` its files' digests).
const OWN_FILES: [&str; 2] = ["README.md", "SHA256SUMS"];
/// The longest the browser script may run (its own watchdog stops it at
/// 150 s; this also covers Node's and Chromium's start).
const RUN_TIMEOUT: Duration = Duration::from_secs(180);

/// The whole check: vendored files, then the page in the browser.
pub(crate) fn check() -> anyhow::Result<()> {
    let packages = node::tools()?;
    vendored_is_upstream(&packages.package("swagger-ui-dist"))?;
    let chromium = node::chromium()?;
    local_server::build()?;

    let work = tools::fresh_dir(project_root().join("target/docs-page"))?;
    let log = work.join("server.log");
    let screenshot = work.join("docs.png");

    let server = Server::start(&work, &[])?;
    let document = project_root().join(openapi::DOCUMENT_FILE);
    live_document_is_committed(&server, &document).with_context(|| format!("the server's log is {}", log.display()))?;

    let script = packages.root().join("docs-page.mjs");
    let source = project_root().join(SCRIPT);
    std::fs::copy(&source, &script)
        .with_context(|| format!("cannot copy {} to {}", source.display(), script.display()))?;
    let base = format!("http://{}", server.addr);
    eprintln!(
        "$ node {} {base} {} {}",
        script.display(),
        document.display(),
        screenshot.display()
    );
    let mut child = Command::new("node")
        .arg(&script)
        .arg(&base)
        .arg(&document)
        .arg(&screenshot)
        .env("CHROMIUM", &chromium)
        .env("NO_COLOR", "1")
        .current_dir(packages.root())
        .spawn()
        .context("cannot run node")?;
    let deadline = Instant::now() + RUN_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().context("cannot wait for the browser script")? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "the docs page's browser check did not finish within {RUN_TIMEOUT:?}; the server's log is {}",
                log.display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    drop(server);
    if !status.success() {
        let screenshot = if screenshot.is_file() {
            format!(", the page's screenshot {}", screenshot.display())
        } else {
            String::new()
        };
        bail!(
            "the docs page failed its browser check ({status}; the failures are listed above); \
             the server's log is {}{screenshot}",
            log.display()
        );
    }
    eprintln!("the docs page passed; its screenshot is {}", screenshot.display());
    Ok(())
}

/// Fails unless every file vendored under [`VENDORED`] but [`OWN_FILES`] is
/// byte for byte the file of that name in the release at `upstream`, and
/// [`REQUIRED`] are all there.
fn vendored_is_upstream(upstream: &Path) -> anyhow::Result<()> {
    let vendored = project_root().join(VENDORED);
    let version = package_version(upstream)?;
    let mut problems = Vec::new();
    for name in REQUIRED {
        if !vendored.join(name).is_file() {
            problems.push(format!("{name} is not vendored"));
        }
    }
    let entries = std::fs::read_dir(&vendored).with_context(|| format!("cannot list {}", vendored.display()))?;
    let mut checked = 0;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", vendored.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if OWN_FILES.contains(&name.as_str()) {
            continue;
        }
        let release_file = upstream.join(&name);
        if !release_file.is_file() {
            problems.push(format!("{name} is not a file of swagger-ui-dist {version}"));
            continue;
        }
        let ours = read(&entry.path())?;
        let theirs = read(&release_file)?;
        if ours != theirs {
            problems.push(format!(
                "{name} differs from swagger-ui-dist {version}'s ({} bytes here, {} there)",
                ours.len(),
                theirs.len()
            ));
        }
        checked += 1;
    }
    if !problems.is_empty() {
        bail!(
            "the vendored Swagger UI ({}) is not the release the lock file pins ({}):\n  {}",
            vendored.display(),
            upstream.display(),
            problems.join("\n  ")
        );
    }
    eprintln!("vendored Swagger UI: {checked} files equal to swagger-ui-dist {version}'s");
    Ok(())
}

/// The `version` of the npm package installed at `dir`.
fn package_version(dir: &Path) -> anyhow::Result<String> {
    let manifest = dir.join("package.json");
    let value: serde_json::Value =
        serde_json::from_slice(&read(&manifest)?).with_context(|| format!("{} is not JSON", manifest.display()))?;
    value["version"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("{} has no version", manifest.display()))
}

/// Fails unless the server's `GET /openapi.json` is the committed `document`
/// (the browser check reads the summaries it expects from the latter).
fn live_document_is_committed(server: &Server, document: &Path) -> anyhow::Result<()> {
    let committed: serde_json::Value =
        serde_json::from_slice(&read(document)?).with_context(|| format!("{} is not JSON", document.display()))?;
    let (status, live) = request(server.addr, "GET", "/openapi.json", None)
        .with_context(|| format!("cannot GET http://{}/openapi.json", server.addr))?;
    if status != 200 {
        bail!("GET /openapi.json answered {status}, not 200");
    }
    if live != committed {
        bail!(
            "the server's /openapi.json is not {} (`cargo xtask gen-routes` rewrites it)",
            document.display()
        );
    }
    Ok(())
}

/// The bytes of the file at `path`.
fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}
