//! Printing assessments: systemd's text table, the overview list and the JSON contract.

pub mod json;
pub mod text;

/// Whether systemd would print UTF-8 glyphs here: its `is_locale_utf8()`, which says yes
/// when `$SYSTEMD_UTF8` says so, when the locale cannot be set up (a locale that is not
/// installed), or when its codeset is UTF-8; and no for the C/POSIX locale when any of
/// `LC_ALL`, `LC_CTYPE` or `LANG` is set, even to the empty string (with none of them set, the
/// answer is yes again).
pub fn locale_is_utf8() -> bool {
    locale_is_utf8_in(|k| std::env::var_os(k).map(|v| v.to_string_lossy().into_owned()))
}

fn locale_is_utf8_in(var: impl Fn(&str) -> Option<String>) -> bool {
    if let Some(v) = var("SYSTEMD_UTF8") {
        if let Some(b) = crate::settings::values::parse_bool(&v) {
            return b;
        }
    }
    // The locale LC_CTYPE comes from: the first non-empty of these, else C.
    let name = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| var(k).filter(|v| !v.is_empty()));
    let Some(name) = name else {
        return ["LC_ALL", "LC_CTYPE", "LANG"]
            .iter()
            .all(|k| var(k).is_none());
    };
    if name == "C" || name == "POSIX" {
        return false;
    }
    let codeset = name
        .split_once('.')
        .map(|(_, c)| c.split('@').next().unwrap_or(c))
        .unwrap_or("");
    let normalized: String = codeset
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if normalized == "utf8" {
        return true;
    }
    // Another codeset: only an installed locale makes setlocale() succeed, and then the
    // answer is no; a locale that is not installed leaves systemd answering yes.
    !locale_installed(&name)
}

/// Whether glibc has `name` compiled (a directory under /usr/lib/locale; locales only in
/// locale-archive are not seen, and count as not installed).
fn locale_installed(name: &str) -> bool {
    !name.contains('/') && std::path::Path::new("/usr/lib/locale").join(name).is_dir()
}

#[cfg(test)]
mod tests {
    use super::locale_is_utf8_in;

    fn utf8(vars: &[(&str, &str)]) -> bool {
        locale_is_utf8_in(|k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn like_systemd_252() {
        // Each measured with systemd-analyze 252 on a machine with only C, C.utf8 and POSIX.
        assert!(utf8(&[]));
        assert!(!utf8(&[("LANG", "")]));
        assert!(!utf8(&[("LANG", "C")]));
        assert!(!utf8(&[("LANG", "POSIX")]));
        assert!(utf8(&[("LANG", "C.UTF-8")]));
        assert!(utf8(&[("LANG", "C.utf8")]));
        assert!(utf8(&[("LANG", "en_US.UTF-8")]));
        assert!(utf8(&[("LANG", "xx")]));
        assert!(utf8(&[("LANG", "de_DE.ISO-8859-1")]));
        assert!(!utf8(&[("LC_ALL", "C"), ("LANG", "C.UTF-8")]));
        assert!(utf8(&[("LC_ALL", ""), ("LANG", "C.UTF-8")]));
        assert!(!utf8(&[("SYSTEMD_UTF8", "0"), ("LANG", "C.UTF-8")]));
        assert!(utf8(&[("SYSTEMD_UTF8", "yes"), ("LANG", "C")]));
    }
}
