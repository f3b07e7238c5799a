//! The npm tools `cargo xtask test` needs, and the browser they drive.
//!
//! - `xtask/tools/node/package.json` and its lock file pin Playwright's
//!   driver, Redocly's CLI and the Swagger UI release the docs page vendors;
//!   [`tools`] installs them with `npm ci` into the ignored
//!   `target/tools/node`, again whenever the lock file changes.
//! - A package with its own lock file, such as the TypeScript client, gets
//!   its `node_modules` the same way with [`install`].
//! - [`chromium`] finds a Chromium or Chrome to drive, installing Debian's
//!   `chromium` with apt when there is none and the run may (as root).
//!
//! Install scripts never run (`--ignore-scripts`): none of these packages
//! needs one, and one of them (`@scarf/scarf`, through swagger-ui-dist) only
//! reports the install over the network.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::util::project_root;

/// The pinned tools' manifest and lock file, relative to the project root.
const MANIFEST_DIR: &str = "xtask/tools/node";
/// The oldest Node.js every pinned tool supports (Redocly's CLI's floor on 20).
const MIN_NODE: (u32, u32) = (20, 19);

/// An installed set of npm packages.
pub(crate) struct Packages {
    root: PathBuf,
}

impl Packages {
    /// The directory holding `package.json` and `node_modules`.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// An installed package's directory, such as `swagger-ui-dist`.
    pub(crate) fn package(&self, name: &str) -> PathBuf {
        self.root.join("node_modules").join(name)
    }

    /// An executable a package installed, such as `redocly`.
    pub(crate) fn bin(&self, name: &str) -> PathBuf {
        self.root.join("node_modules/.bin").join(name)
    }
}

/// The pinned tools, installed into `target/tools/node` first if needed.
pub(crate) fn tools() -> anyhow::Result<Packages> {
    let root = project_root().join("target/tools/node");
    std::fs::create_dir_all(&root).with_context(|| format!("cannot create {}", root.display()))?;
    for file in ["package.json", "package-lock.json"] {
        let source = project_root().join(MANIFEST_DIR).join(file);
        let copy = root.join(file);
        let contents = std::fs::read(&source).with_context(|| format!("cannot read {}", source.display()))?;
        if std::fs::read(&copy).ok().as_ref() != Some(&contents) {
            std::fs::write(&copy, contents).with_context(|| format!("cannot write {}", copy.display()))?;
        }
    }
    install(&root)
}

/// `dir`'s packages as its lock file pins them: `npm ci` unless the lock
/// file is the one last installed there.
pub(crate) fn install(dir: &Path) -> anyhow::Result<Packages> {
    let lock_path = dir.join("package-lock.json");
    let lock = std::fs::read_to_string(&lock_path).with_context(|| format!("cannot read {}", lock_path.display()))?;
    let stamp = dir.join("node_modules/.installed-lock");
    let packages = Packages {
        root: dir.to_path_buf(),
    };
    if std::fs::read_to_string(&stamp).is_ok_and(|installed| installed == lock) {
        return Ok(packages);
    }
    check_node()?;
    eprintln!("$ npm ci (in {})", dir.display());
    let status = Command::new("npm")
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .status()
        .context("cannot run npm: install Node.js 20.19 or newer with npm (Debian: `apt-get install nodejs npm`)")?;
    if !status.success() {
        bail!("`npm ci` failed in {} ({status})", dir.display());
    }
    std::fs::write(&stamp, lock).with_context(|| format!("cannot write {}", stamp.display()))?;
    Ok(packages)
}

/// Fails with what to install unless `node` is at least [`MIN_NODE`].
fn check_node() -> anyhow::Result<()> {
    let wanted = format!(
        "the npm tools need Node.js {}.{} or newer as `node` on PATH, with npm (Debian: `apt-get install nodejs npm`)",
        MIN_NODE.0, MIN_NODE.1
    );
    let output = match Command::new("node").arg("--version").output() {
        Ok(output) if output.status.success() => output,
        _ => bail!("{wanted}; none was found"),
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let mut parts = text
        .trim()
        .trim_start_matches('v')
        .split('.')
        .map(|part| part.parse::<u32>().unwrap_or(0));
    let version = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if version < MIN_NODE {
        bail!("{wanted}; `node` is {}", text.trim());
    }
    Ok(())
}

/// The browser Playwright drives: `$CHROMIUM` if set, else the first of
/// Debian's `chromium`, `chromium-browser` and Google Chrome on `PATH`;
/// with none, Debian's `chromium` is installed with apt when running as
/// root (as CI does), else the message says what to install.
pub(crate) fn chromium() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Ok(PathBuf::from(path));
    }
    if let Some(found) = find_browser() {
        return Ok(found);
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0");
    if !root {
        bail!(
            "the docs page's browser test needs Chromium: install Debian's package (`sudo apt-get install chromium`), \
             or set CHROMIUM to a Chromium or Chrome executable"
        );
    }
    eprintln!("Chromium is not installed: installing Debian's `chromium` with apt (once)");
    for args in [
        &["update", "--quiet"][..],
        &["install", "--yes", "--quiet", "--no-install-recommends", "chromium"][..],
    ] {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .context("cannot run apt-get to install chromium: install it by hand, or set CHROMIUM")?;
        if !status.success() {
            bail!(
                "`apt-get {}` failed ({status}): install chromium by hand, or set CHROMIUM",
                args.join(" ")
            );
        }
    }
    find_browser().context("apt-get installed chromium, but no `chromium` is on PATH")
}

/// The first Chromium or Chrome executable on `PATH`.
fn find_browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}
