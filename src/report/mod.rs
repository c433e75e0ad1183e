//! Printing assessments: systemd's text table, the overview list and the JSON contract.

pub mod ci;
pub mod json;
pub mod systemd_json;
pub mod text;

/// Which glyphs systemd would print here: UTF-8 marks and arrows, and emoji faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Glyphs {
    /// ✓ ✗ → rather than + - ->.
    pub utf8: bool,
    /// 😨 rather than :-{ after the overall exposure.
    pub emoji: bool,
}

impl Glyphs {
    /// What systemd 252 decides from the environment: `is_locale_utf8()` for the marks, and
    /// its `emoji_enabled()` for the faces, which is `$SYSTEMD_EMOJI` when set to a boolean,
    /// else a UTF-8 locale on a terminal that is not `dumb` or `linux` (by `$TERM`; no
    /// `$TERM` counts as dumb).
    pub fn from_env() -> Glyphs {
        let var = |k: &str| std::env::var_os(k).map(|v| v.to_string_lossy().into_owned());
        Glyphs::decide(var)
    }

    fn decide(var: impl Fn(&str) -> Option<String>) -> Glyphs {
        let utf8 = locale_is_utf8_in(&var);
        let emoji = var("SYSTEMD_EMOJI")
            .and_then(|v| crate::settings::values::parse_bool(&v))
            .unwrap_or_else(|| {
                utf8 && !matches!(var("TERM").as_deref(), None | Some("dumb" | "linux"))
            });
        Glyphs { utf8, emoji }
    }
}

/// Whether systemd would print UTF-8 glyphs here: its `is_locale_utf8()`, which says yes
/// when `$SYSTEMD_UTF8` says so, when the locale cannot be set up (a locale that is not
/// installed), or when its codeset is UTF-8; and no for the C/POSIX locale when any of
/// `LC_ALL`, `LC_CTYPE` or `LANG` is set, even to the empty string (with none of them set, the
/// answer is yes again).
fn locale_is_utf8_in(var: &impl Fn(&str) -> Option<String>) -> bool {
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
    use super::{Glyphs, locale_is_utf8_in};

    fn env<'a>(vars: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    fn utf8(vars: &[(&str, &str)]) -> bool {
        locale_is_utf8_in(&env(vars))
    }

    fn emoji(vars: &[(&str, &str)]) -> bool {
        Glyphs::decide(env(vars)).emoji
    }

    #[test]
    fn emoji_like_systemd_252() {
        assert!(emoji(&[("LANG", "C.UTF-8"), ("TERM", "xterm")]));
        assert!(!emoji(&[("LANG", "C.UTF-8")]));
        assert!(!emoji(&[("LANG", "C.UTF-8"), ("TERM", "dumb")]));
        assert!(!emoji(&[("LANG", "C.UTF-8"), ("TERM", "linux")]));
        assert!(!emoji(&[("LANG", "C"), ("TERM", "xterm")]));
        assert!(emoji(&[("LANG", "C"), ("SYSTEMD_EMOJI", "1")]));
        assert!(!emoji(&[("LANG", "C.UTF-8"), ("SYSTEMD_EMOJI", "no")]));
        assert!(emoji(&[
            ("LANG", "C.UTF-8"),
            ("TERM", "dumb"),
            ("SYSTEMD_EMOJI", "yes")
        ]));
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
