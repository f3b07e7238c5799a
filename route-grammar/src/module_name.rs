//! Module names: what `modules!()` declares a file or folder as, and so what
//! a route's, consumer's or job's file may be called.

/// Rust's keywords (strict and reserved), which cannot name a module.
pub const KEYWORDS: [&str; 51] = [
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self", "Self",
    "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
    "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// Whether `name` can name a module: lower-case letters, digits and `_`,
/// not starting with a digit, and not a keyword.
///
/// ```
/// use route_grammar::module_name::is_valid;
///
/// assert!(is_valid("get_goal"));
/// assert!(!is_valid("Get-Goal") && !is_valid("2fa") && !is_valid("type"));
/// ```
pub fn is_valid(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    first_ok && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') && !KEYWORDS.contains(&name)
}
