//! Value parsers shared by many settings, with systemd's exact acceptance rules.

/// systemd's parse_boolean().
pub fn parse_bool(v: &str) -> Option<bool> {
    const YES: &[&str] = &["1", "yes", "y", "true", "t", "on"];
    const NO: &[&str] = &["0", "no", "n", "false", "f", "off"];
    if YES.iter().any(|y| y.eq_ignore_ascii_case(v)) {
        Some(true)
    } else if NO.iter().any(|n| n.eq_ignore_ascii_case(v)) {
        Some(false)
    } else {
        None
    }
}

/// Flags of systemd's extract_first_word() that unit settings use.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extract {
    pub unquote: bool,
    pub relax: bool,
}

pub const PLAIN: Extract = Extract {
    unquote: false,
    relax: false,
};
pub const UNQUOTE: Extract = Extract {
    unquote: true,
    relax: false,
};
pub const UNQUOTE_RELAX: Extract = Extract {
    unquote: true,
    relax: true,
};

fn is_sep(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Splits `s` into words like systemd's extract_first_word() loop. `Err(words_so_far)` when
/// systemd would report "Invalid syntax" (an unbalanced quote or trailing backslash without
/// `relax`): the words before the bad one are returned so callers can keep them when
/// systemd does.
pub fn words(s: &str, flags: Extract) -> Result<Vec<String>, Vec<String>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|&c| is_sep(c)) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Ok(out);
        }
        let mut word = String::new();
        let mut quote: Option<char> = None;
        loop {
            let Some(c) = chars.next() else {
                if quote.is_some() && !flags.relax {
                    return Err(out);
                }
                break;
            };
            if c == '\\' {
                match chars.next() {
                    Some(n) => word.push(n),
                    None => {
                        if flags.relax {
                            break;
                        }
                        return Err(out);
                    }
                }
                continue;
            }
            match quote {
                Some(q) => {
                    if c == q {
                        quote = None;
                        if !flags.unquote {
                            word.push(c);
                        }
                    } else {
                        word.push(c);
                    }
                }
                None => {
                    if flags.unquote && (c == '\'' || c == '"') {
                        quote = Some(c);
                    } else if is_sep(c) {
                        break;
                    } else {
                        word.push(c);
                    }
                }
            }
        }
        out.push(word);
    }
}

/// C's strtol() with base 0 after systemd's mangle_base(): `0x` hex, `0o`/`0b`, leading-0
/// octal, optional sign. The whole string must be consumed.
pub fn parse_c_long(s: &str) -> Option<i64> {
    let t = s.trim_start_matches(is_sep);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let lower = t.to_ascii_lowercase();
    let (radix, digits) = if let Some(r) = lower.strip_prefix("0x") {
        (16, r.to_string())
    } else if let Some(r) = lower.strip_prefix("0o") {
        (8, r.to_string())
    } else if let Some(r) = lower.strip_prefix("0b") {
        (2, r.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower)
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let v = i64::from_str_radix(&digits, radix).ok()?;
    Some(if neg { -v } else { v })
}

/// systemd's parse_mode(): octal, no sign, at most 07777.
pub fn parse_mode(s: &str) -> Option<u32> {
    let t = s.trim_start_matches(is_sep);
    if t.is_empty() || t.starts_with(['+', '-']) {
        return None;
    }
    let v = u32::from_str_radix(t, 8).ok()?;
    (v <= 0o7777).then_some(v)
}

/// systemd's path_simplify(): collapse slashes, drop `.` components and trailing slashes.
pub fn simplify_path(p: &str) -> String {
    let absolute = p.starts_with('/');
    let parts: Vec<&str> = p
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

/// systemd's path_simplify_and_warn() with PATH_CHECK_ABSOLUTE: the simplified path, or
/// `None` if it is relative, too long or contains `..`.
pub fn absolute_path(p: &str) -> Option<String> {
    if !p.starts_with('/') {
        return None;
    }
    let s = simplify_path(p);
    if s.len() >= 4096 || s.split('/').any(|c| c.len() > 255 || c == "..") {
        return None;
    }
    Some(s)
}

/// systemd's path_is_normalized(): a valid path without `.`/`..` components or `//`.
pub fn path_is_normalized(p: &str) -> bool {
    let valid = !p.is_empty() && p.len() < 4096 && p.split('/').all(|c| c.len() <= 255);
    valid
        && !p.split('/').any(|c| c == "..")
        && !(p == "." || p.starts_with("./") || p.ends_with("/.") || p.contains("/./"))
        && !p.contains("//")
}

/// Whether systemd's unbase64mem() accepts `s`: whitespace anywhere is skipped, the rest
/// comes in complete groups of four, `=` padding only at the end of the last group, with
/// the unused bits zero.
pub fn is_base64(s: &str) -> bool {
    let digit = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let chars: Vec<u8> = s.bytes().filter(|&b| !is_sep(b as char)).collect();
    if chars.len() % 4 != 0 {
        return false;
    }
    let groups = chars.len() / 4;
    for (g, group) in chars.chunks(4).enumerate() {
        let last = g + 1 == groups;
        let v: Vec<Option<u8>> = group
            .iter()
            .map(|&c| {
                if c == b'=' {
                    None
                } else {
                    digit(c).map(Some).unwrap_or(Some(255))
                }
            })
            .collect();
        if v.iter().flatten().any(|&d| d == 255) {
            return false;
        }
        match (v[0], v[1], v[2], v[3]) {
            (Some(_), Some(_), Some(_), Some(_)) => {}
            (Some(_), Some(b), None, None) if last => {
                if b & 15 != 0 {
                    return false;
                }
            }
            (Some(_), Some(_), Some(c), None) if last => {
                if c & 3 != 0 {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_follow_extract_first_word() {
        assert_eq!(words("a  b\tc", PLAIN).unwrap(), ["a", "b", "c"]);
        assert_eq!(words("\"a b\" c", UNQUOTE).unwrap(), ["a b", "c"]);
        assert_eq!(words("\"a b\" c", PLAIN).unwrap(), ["\"a", "b\"", "c"]);
        assert!(words("\"a b", UNQUOTE).is_err());
        assert_eq!(words("\"a b", UNQUOTE_RELAX).unwrap(), ["a b"]);
        assert_eq!(words("a\\ b", PLAIN).unwrap(), ["a b"]);
    }

    #[test]
    fn numbers_like_c() {
        assert_eq!(parse_c_long("0x10"), Some(16));
        assert_eq!(parse_c_long("010"), Some(8));
        assert_eq!(parse_c_long("+5"), Some(5));
        assert_eq!(parse_c_long("5x"), None);
        assert_eq!(parse_mode("0027"), Some(0o27));
        assert_eq!(parse_mode("8"), None);
    }
}
