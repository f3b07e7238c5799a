//! The registries as tables for humans: routes, consumers and jobs, each
//! with its handler's module, file and line (what `cargo xtask routes` prints).

use crate::registry::{Auth, Consumer, Job, Origin, Route};

/// The three tables, columns aligned, each with its count.
///
/// ```
/// let table = route_framework::route_table::render(&[], &[], &[]);
/// assert!(table.starts_with("METHOD  PATH  AUTH  HANDLER  SOURCE\n0 route(s)\n"));
/// ```
pub fn render(routes: &[&'static Route], consumers: &[&'static Consumer], jobs: &[&'static Job]) -> String {
    let routes: Vec<[String; 5]> = routes
        .iter()
        .map(|route| {
            let auth = match route.auth {
                Auth::Public => "public".to_owned(),
                Auth::Required { scopes: [] } => "user".to_owned(),
                Auth::Required { scopes } => format!("user [{}]", scopes.join(" ")),
            };
            let [handler, source] = origin(&Origin {
                handler_name: route.handler_name,
                module_path: route.module_path,
                file: route.file,
                line: route.line,
                summary: route.summary,
            });
            [route.method.to_string(), route.path.to_owned(), auth, handler, source]
        })
        .collect();
    let consumers: Vec<[String; 4]> = consumers
        .iter()
        .map(|consumer| {
            let [handler, source] = origin(&consumer.origin);
            [
                consumer.event_type.to_owned(),
                consumer.batch_size.to_string(),
                handler,
                source,
            ]
        })
        .collect();
    let jobs: Vec<[String; 4]> = jobs
        .iter()
        .map(|job| {
            let [handler, source] = origin(&job.origin);
            [job.name.to_owned(), job.schedule.to_owned(), handler, source]
        })
        .collect();
    let mut out = table(["METHOD", "PATH", "AUTH", "HANDLER", "SOURCE"], &routes, "route(s)");
    out.push('\n');
    out.push_str(&table(
        ["EVENT TYPE", "BATCH", "CONSUMER", "SOURCE"],
        &consumers,
        "consumer(s)",
    ));
    out.push('\n');
    out.push_str(&table(["JOB", "SCHEDULE (UTC)", "FUNCTION", "SOURCE"], &jobs, "job(s)"));
    out
}

/// `module::function` and `file:line`.
fn origin(origin: &Origin) -> [String; 2] {
    [
        format!("{}::{}", origin.module_path, origin.handler_name),
        format!("{}:{}", origin.file, origin.line),
    ]
}

/// A header, the rows with aligned columns, and `{count} {noun}`.
fn table<const N: usize>(header: [&str; N], rows: &[[String; N]], noun: &str) -> String {
    let header = header.map(str::to_owned);
    let mut widths = header.clone().map(|h| h.len());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows) {
        let line: Vec<String> = row.iter().zip(widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out.push_str(&format!("{} {noun}\n", rows.len()));
    out
}
