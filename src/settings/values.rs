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

/// Flags of systemd's extract_first_word(), for the callers that need the exact semantics
/// (the position after the word, C escapes, custom separators).
#[derive(Debug, Clone, Copy, Default)]
pub struct ExtractFlags {
    /// `None`: whitespace.
    pub separators: Option<&'static str>,
    pub unquote: bool,
    pub relax: bool,
    pub cunescape: bool,
    pub unescape_relax: bool,
    pub dont_coalesce: bool,
    /// Backslashes are ordinary characters.
    pub retain_escape: bool,
    /// With `cunescape`: `\` before a separator or a backslash yields that character.
    pub unescape_separators: bool,
}

/// extract_first_word() failed with EINVAL: an unbalanced quote, a bad escape or a trailing
/// backslash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadWord;

/// One step of extract_first_word(): `Ok(None)` when there is no word left, else the word and
/// the rest (`None` for systemd's NULL pointer: the input ended inside the word).
pub fn extract_first_word(
    p: &str,
    f: ExtractFlags,
) -> Result<Option<(String, Option<&str>)>, BadWord> {
    let seps = f.separators.unwrap_or(" \t\n\r");
    let is_sep = |c: u8| seps.as_bytes().contains(&c);
    let b = p.as_bytes();
    let mut i = 0;
    let mut out: Vec<u8> = Vec::new();
    // Leading separators.
    loop {
        match b.get(i) {
            None if f.dont_coalesce => return Ok(Some((String::new(), None))),
            None => return Ok(None),
            Some(&c) if is_sep(c) => {
                if f.dont_coalesce {
                    return Ok(Some((String::new(), Some(&p[i + 1..]))));
                }
                i += 1;
            }
            Some(_) => break,
        }
    }
    let mut quote: Option<u8> = None;
    fn finish(out: Vec<u8>, rest: Option<&str>) -> Result<Option<(String, Option<&str>)>, BadWord> {
        Ok(Some((String::from_utf8_lossy(&out).into_owned(), rest)))
    }
    loop {
        let Some(&c) = b.get(i) else {
            if quote.is_some() && !f.relax {
                return Err(BadWord);
            }
            return finish(out, None);
        };
        if c == b'\\' && !f.retain_escape {
            i += 1;
            let Some(&n) = b.get(i) else {
                if f.unescape_relax && (quote.is_none() || f.relax) {
                    out.push(b'\\');
                    return finish(out, None);
                }
                if f.relax {
                    return finish(out, None);
                }
                return Err(BadWord);
            };
            if f.cunescape || f.unescape_separators {
                let decoded = if f.cunescape {
                    cunescape_one(&b[i..])
                } else {
                    None
                };
                match decoded {
                    Some((bytes, used)) => {
                        out.extend_from_slice(&bytes);
                        i += used;
                    }
                    None if f.unescape_separators && (is_sep(n) || n == b'\\') => {
                        out.push(n);
                        i += 1;
                    }
                    None if f.unescape_relax => {
                        out.push(b'\\');
                        out.push(n);
                        i += 1;
                    }
                    None => return Err(BadWord),
                }
            } else {
                out.push(n);
                i += 1;
            }
            continue;
        }
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                } else {
                    out.push(c);
                }
                i += 1;
            }
            None => {
                if f.unquote && (c == b'\'' || c == b'"') {
                    quote = Some(c);
                    i += 1;
                } else if is_sep(c) {
                    if f.dont_coalesce {
                        return finish(out, Some(&p[i + 1..]));
                    }
                    while b.get(i).is_some_and(|&c| is_sep(c)) {
                        i += 1;
                    }
                    if i == b.len() {
                        return finish(out, None);
                    }
                    return finish(out, Some(&p[i..]));
                } else {
                    out.push(c);
                    i += 1;
                }
            }
        }
    }
}

/// extract_first_word_and_warn(): on EINVAL, retried keeping unknown escapes verbatim.
pub fn extract_first_word_and_warn(
    p: &str,
    f: ExtractFlags,
) -> Result<Option<(String, Option<&str>)>, BadWord> {
    match extract_first_word(p, f) {
        Err(BadWord) if !f.unescape_relax => extract_first_word(
            p,
            ExtractFlags {
                unescape_relax: true,
                ..f
            },
        ),
        r => r,
    }
}

/// cunescape_one() for the bytes after a backslash: the decoded bytes and how many input
/// bytes they used. NUL is refused.
fn cunescape_one(b: &[u8]) -> Option<(Vec<u8>, usize)> {
    let hex = |i: usize| b.get(i).and_then(|&c| (c as char).to_digit(16));
    let simple = |c: u8| Some((vec![c], 1));
    match *b.first()? {
        b'a' => simple(7),
        b'b' => simple(8),
        b'f' => simple(12),
        b'n' => simple(b'\n'),
        b'r' => simple(b'\r'),
        b't' => simple(b'\t'),
        b'v' => simple(11),
        b'\\' => simple(b'\\'),
        b'"' => simple(b'"'),
        b'\'' => simple(b'\''),
        b's' => simple(b' '),
        b'x' => {
            let v = hex(1)? * 16 + hex(2)?;
            (v != 0).then(|| (vec![v as u8], 3))
        }
        b'u' | b'U' => {
            let n = if b[0] == b'u' { 4 } else { 8 };
            let mut v: u32 = 0;
            for k in 1..=n {
                v = v * 16 + hex(k)?;
            }
            let ch = char::from_u32(v).filter(|&c| c != '\0')?;
            Some((ch.to_string().into_bytes(), n + 1))
        }
        b'0'..=b'7' => {
            let oct = |i: usize| b.get(i).and_then(|&c| (c as char).to_digit(8));
            let v = oct(0)? * 64 + oct(1)? * 8 + oct(2)?;
            (v != 0 && v <= 255).then(|| (vec![v as u8], 3))
        }
        _ => None,
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
    let dot_components = p == "." || p.starts_with("./") || p.ends_with("/.") || p.contains("/./");
    valid && !p.split('/').any(|c| c == "..") && !dot_components && !p.contains("//")
}

/// Whether systemd's unbase64mem() accepts `s` (see [`base64_error`], without the URL-safe
/// alphabet).
pub fn is_base64(s: &str) -> bool {
    base64_error(s, false).is_none()
}

/// Why systemd's unbase64mem() refuses `s`, as its errno text, or `None` if it accepts it:
/// whitespace anywhere is skipped, the rest comes in complete groups of four ("Broken pipe"
/// otherwise), `=` padding only at the end of the last group, with the unused bits zero.
/// `url_safe` (257) also takes `-` and `_` for `+` and `/`.
pub fn base64_error(s: &str, url_safe: bool) -> Option<&'static str> {
    let digit = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        b'-' if url_safe => Some(62),
        b'_' if url_safe => Some(63),
        _ => None,
    };
    let chars: Vec<u8> = s.bytes().filter(|&b| !is_sep(b as char)).collect();
    if chars.iter().any(|&c| c != b'=' && digit(c).is_none()) {
        return Some("Invalid argument");
    }
    if chars.len() % 4 != 0 {
        return Some("Broken pipe");
    }
    if is_base64_groups(&chars, digit) {
        None
    } else {
        Some("Invalid argument")
    }
}

fn is_base64_groups(chars: &[u8], digit: impl Fn(u8) -> Option<u8>) -> bool {
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
    fn extract_first_word_like_systemd() {
        let f = ExtractFlags {
            unquote: true,
            cunescape: true,
            ..Default::default()
        };
        assert_eq!(
            extract_first_word("  a\\x41 \"b c\"  d", f),
            Ok(Some(("aA".into(), Some("\"b c\"  d"))))
        );
        assert_eq!(
            extract_first_word("\"b c\"  d", f),
            Ok(Some(("b c".into(), Some("d"))))
        );
        assert_eq!(extract_first_word("d", f), Ok(Some(("d".into(), None))));
        assert_eq!(extract_first_word("  ", f), Ok(None));
        assert_eq!(extract_first_word("\"a", f), Err(BadWord));
        assert_eq!(extract_first_word("\\q", f), Err(BadWord));
        assert_eq!(
            extract_first_word_and_warn("\\q x", f),
            Ok(Some(("\\q".into(), Some("x"))))
        );
        let colon = ExtractFlags {
            separators: Some(":"),
            dont_coalesce: true,
            ..Default::default()
        };
        assert_eq!(
            extract_first_word("a:b", colon),
            Ok(Some(("a".into(), Some("b"))))
        );
        assert_eq!(
            extract_first_word(":b", colon),
            Ok(Some(("".into(), Some("b"))))
        );
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
