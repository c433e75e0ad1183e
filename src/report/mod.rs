//! Printing assessments: systemd's text table, the overview list and the JSON contract.

pub mod json;
pub mod text;

/// Whether systemd would print UTF-8 glyphs here (its is_locale_utf8()).
pub fn locale_is_utf8() -> bool {
    if let Ok(v) = std::env::var("SYSTEMD_UTF8") {
        if let Some(b) = crate::settings::values::parse_bool(&v) {
            return b;
        }
    }
    let var = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    match var.as_deref() {
        None => true,
        Some("C" | "POSIX") => false,
        Some(_) => true,
    }
}
