//! Unit names: validity, types, templates and instances, prefixes, escaping (systemd's unit-name.c).

/// The unit types systemd knows, by suffix.
pub const UNIT_TYPES: &[&str] = &[
    "service",
    "socket",
    "target",
    "device",
    "mount",
    "automount",
    "swap",
    "timer",
    "path",
    "slice",
    "scope",
];

/// Longest unit name systemd accepts (UNIT_NAME_MAX - 1).
const UNIT_NAME_MAX: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Plain,
    Instance,
    Template,
}

fn valid_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_' | '.' | '\\')
}

/// Classifies a unit name, or `None` if systemd would reject it.
pub fn classify(name: &str) -> Option<NameKind> {
    if name.is_empty() || name.len() >= UNIT_NAME_MAX {
        return None;
    }
    let dot = name.rfind('.')?;
    if dot == 0 || !UNIT_TYPES.contains(&&name[dot + 1..]) {
        return None;
    }
    let stem = &name[..dot];
    let mut at = None;
    for (i, c) in stem.char_indices() {
        if c == '@' && at.is_none() {
            at = Some(i);
        }
        if !(valid_char(c) || c == '@') {
            return None;
        }
    }
    match at {
        None => Some(NameKind::Plain),
        Some(0) => None,
        Some(i) if i + 1 == stem.len() => Some(NameKind::Template),
        Some(_) => Some(NameKind::Instance),
    }
}

pub fn is_valid(name: &str) -> bool {
    classify(name).is_some()
}

/// The type suffix ("service"), for a valid name.
pub fn unit_type(name: &str) -> &str {
    name.rsplit_once('.').map_or("", |(_, t)| t)
}

/// The part before `@` (or before the type suffix).
pub fn prefix(name: &str) -> &str {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    stem.split_once('@').map_or(stem, |(p, _)| p)
}

/// The instance of `foo@bar.service` ("bar"); `None` for plain names, `Some("")` for templates.
pub fn instance(name: &str) -> Option<&str> {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    stem.split_once('@').map(|(_, i)| i)
}

/// `foo@bar.service` → `foo@.service`.
pub fn template_of(name: &str) -> Option<String> {
    instance(name)?;
    Some(format!("{}@.{}", prefix(name), unit_type(name)))
}

/// `foo@.service` + `i` → `foo@i.service`.
pub fn with_instance(name: &str, instance: &str) -> String {
    format!("{}@{}.{}", prefix(name), instance, unit_type(name))
}

/// The unit name without its type suffix (`%N`).
pub fn without_suffix(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

/// Reverses systemd's unit-name escaping (unit_name_unescape()): `-` → `/`, `\xNN` → byte.
/// Any other backslash, or `\x` without two hex digits, is an error.
pub fn unescape(s: &str) -> Result<String, InvalidEscape> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'-' => out.push(b'/'),
            b'\\' => {
                let hex = |c: Option<&u8>| c.and_then(|&c| (c as char).to_digit(16));
                match (b.get(i + 1), hex(b.get(i + 2)), hex(b.get(i + 3))) {
                    (Some(b'x'), Some(hi), Some(lo)) => out.push((hi * 16 + lo) as u8),
                    _ => return Err(InvalidEscape),
                }
                i += 3;
            }
            c => out.push(c),
        }
        i += 1;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// A unit name part that does not unescape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidEscape;

/// The unescaped path form of a prefix or instance (`%f`, unit_name_path_unescape()): `-` is
/// `/`; otherwise the unescaped string must not start or end with `/`, and `/` + it must be a
/// normalized path.
pub fn unescape_path(s: &str) -> Result<String, InvalidEscape> {
    if s.is_empty() {
        return Err(InvalidEscape);
    }
    if s == "-" {
        return Ok("/".into());
    }
    let u = unescape(s)?;
    if u.starts_with('/') || u.ends_with('/') {
        return Err(InvalidEscape);
    }
    let p = format!("/{u}");
    let normalized = !p.contains("//")
        && !p.split('/').any(|c| c == "." || c == "..")
        && p.len() < 4096
        && p.split('/').all(|c| c.len() <= 255);
    if normalized {
        Ok(p)
    } else {
        Err(InvalidEscape)
    }
}

/// Strict user-name check systemd uses for names it makes up itself (DynamicUser= default).
pub fn is_strict_user_name(u: &str) -> bool {
    let mut chars = u.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if u.parse::<u32>().is_ok() {
        return false;
    }
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && u.len() <= 31
}

/// systemd's parse_uid(): strict decimal, no sign, no leading zero, not 65535 or 4294967295.
pub fn parse_uid(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    let v: u32 = s.parse().ok()?;
    (v != 0xFFFF && v != u32::MAX).then_some(v)
}

/// The relaxed user/group-name check systemd applies to `User=`, `Group=` and
/// `SupplementaryGroups=` (numeric IDs allowed).
pub fn is_relaxed_user_name(u: &str) -> bool {
    if u.is_empty() {
        return false;
    }
    if parse_uid(u).is_some() {
        return true;
    }
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    !(u.starts_with(' ')
        || u.ends_with(' ')
        || u.chars().any(|c| c.is_control())
        || u.contains([':', '/'])
        || all_digits(u)
        || (u.starts_with('-') && all_digits(&u[1..]))
        || u == "."
        || u == "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_names_like_systemd() {
        assert_eq!(classify("foo.service"), Some(NameKind::Plain));
        assert_eq!(classify("foo@.service"), Some(NameKind::Template));
        assert_eq!(classify("foo@bar.service"), Some(NameKind::Instance));
        assert_eq!(classify("@bar.service"), None);
        assert_eq!(classify("foo.conf"), None);
        assert_eq!(classify(".service"), None);
        assert_eq!(classify("a b.service"), None);
    }

    #[test]
    fn unescapes_like_systemd() {
        assert_eq!(unescape("a-b\\x2dc"), Ok("a/b-c".into()));
        assert_eq!(unescape("a\\x2"), Err(InvalidEscape));
        assert_eq!(unescape("a\\y20"), Err(InvalidEscape));
        assert_eq!(unescape_path("-"), Ok("/".into()));
        assert_eq!(unescape_path("a-b"), Ok("/a/b".into()));
        assert_eq!(unescape_path("-a-b-"), Err(InvalidEscape));
        assert_eq!(unescape_path("a--b"), Err(InvalidEscape));
        assert_eq!(unescape_path("a-.-b"), Err(InvalidEscape));
    }

    #[test]
    fn uid_and_user_names() {
        assert_eq!(parse_uid("0"), Some(0));
        assert_eq!(parse_uid("00"), None);
        assert_eq!(parse_uid("65535"), None);
        assert!(is_relaxed_user_name("1000"));
        assert!(!is_relaxed_user_name("00"));
        assert!(!is_relaxed_user_name("-1"));
        assert!(is_relaxed_user_name("foo bar"));
        assert!(!is_relaxed_user_name("a:b"));
    }
}
