//! `bench/RESULTS.md`: a header naming the machine, then sections, each
//! under its `## ` title with the date and commit it was measured at. A
//! run replaces its own sections and keeps the others (`cargo xtask bench`
//! its tables, `cargo xtask soak --record` its backend's soak).

use std::fmt::Write as _;
use std::process::Command;

/// The results file, from the project root.
pub(crate) const RESULTS: &str = "bench/RESULTS.md";

/// `Measured DATE, commit HASH.`, for a section's first line.
pub(crate) fn stamp() -> String {
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default();
    format!(
        "Measured {}, commit {commit}.",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    )
}

/// `previous` (the file as it was, perhaps empty) with the section titled
/// `title` set to `text` (which starts with its `## ` line), added at the
/// end when there was none; the header (written when there is none) and
/// the other sections unchanged.
pub(crate) fn with_section(previous: &str, title: &str, text: &str) -> String {
    let mut sections: Vec<(String, String)> = previous
        .split("\n## ")
        .skip(1)
        .filter_map(|section| {
            let (title, body) = section.split_once('\n')?;
            Some((title.to_owned(), format!("## {title}\n{}", body.trim_end())))
        })
        .collect();
    let text = text.trim_end().to_owned();
    match sections.iter_mut().find(|(existing, _)| existing == title) {
        Some(section) => section.1 = text,
        None => sections.push((title.to_owned(), text)),
    }
    // The header names the machine of the sections measured with it: kept.
    let mut out = match previous.split_once("\n## ") {
        Some((header, _)) if !header.trim().is_empty() => format!("{}\n", header.trim_end()),
        _ => header(),
    };
    for (_, text) in sections {
        let _ = write!(out, "\n{text}\n");
    }
    out
}

/// This machine: its CPU and how many cores.
pub(crate) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|name| name.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    format!("{cpu} ({cores} cores)")
}

/// The file's header: the machine the figures come from.
fn header() -> String {
    format!(
        "# Benchmark results\n\n`cargo xtask bench` on {}; `cargo xtask bench SECTION`\n\
         (lambda, load, criterion, build) measures one part again and replaces its section;\n\
         `cargo xtask soak --backend B --minutes N --record` replaces its backend's soak section.\n",
        machine()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_is_replaced_in_place_and_the_others_kept() {
        let before = format!(
            "{}\n## Build\n\nold build\n\n## Soak\n\nold soak\n\n## Load\n\nload\n",
            header()
        );
        let after = with_section(&before, "Soak", "## Soak\n\nnew soak\n");
        assert_eq!(
            after,
            format!(
                "{}\n## Build\n\nold build\n\n## Soak\n\nnew soak\n\n## Load\n\nload\n",
                header()
            )
        );
    }

    #[test]
    fn a_new_section_goes_last_and_an_empty_file_gets_the_header() {
        let appended = with_section("# B\n\n## Build\n\nb\n", "Soak (aws)", "## Soak (aws)\n\ns");
        assert_eq!(
            appended, "# B\n\n## Build\n\nb\n\n## Soak (aws)\n\ns\n",
            "its header kept"
        );
        assert_eq!(
            with_section("", "Soak", "## Soak\n\ns"),
            format!("{}\n## Soak\n\ns\n", header())
        );
    }

    #[test]
    fn the_stamp_names_the_commit() {
        assert!(stamp().starts_with("Measured "), "{}", stamp());
        assert!(stamp().contains(", commit "), "{}", stamp());
    }
}
