//! `cargo xtask routes`: the registry as a table for humans.

use route_framework::registry::{Auth, Route};

/// One line per route: method, path, auth, handler, file:line; columns aligned.
pub(crate) fn render(routes: &[&'static Route]) -> String {
    let rows: Vec<[String; 5]> = routes
        .iter()
        .map(|route| {
            let auth = match route.auth {
                Auth::Public => "public".to_owned(),
                Auth::Required { scopes: [] } => "user".to_owned(),
                Auth::Required { scopes } => format!("user [{}]", scopes.join(" ")),
            };
            [
                route.method.to_string(),
                route.path.to_owned(),
                auth,
                format!("{}::{}", route.module_path, route.handler_name),
                format!("{}:{}", route.file, route.line),
            ]
        })
        .collect();
    let header = ["METHOD", "PATH", "AUTH", "HANDLER", "SOURCE"].map(str::to_owned);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.len());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row.iter().zip(widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out.push_str(&format!("{} route(s)\n", rows.len()));
    out
}
