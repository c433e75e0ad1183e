//! One line of strace output (`strace -f -yy`, the format of strace 6.x), split into its
//! parts: the pid, the call's name, its arguments as text (split at top-level commas) and
//! its return value. Arguments stay text; [`super::args`] reads typed values out of them.
//! A line this grammar does not know is an [`Line::Unknown`], never a panic.

use winnow::ascii::{digit1, space0, space1};
use winnow::combinator::{alt, delimited, opt, preceded};
use winnow::error::ContextError;
use winnow::prelude::*;
use winnow::token::{rest, take_while};

/// A parsed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line<'a> {
    /// A complete call.
    Call { pid: u32, call: Call<'a> },
    /// The first half of a call another process interrupted: `NAME(ARGS <unfinished ...>`.
    Unfinished {
        pid: u32,
        name: &'a str,
        head: &'a str,
    },
    /// The second half: `<... NAME resumed>REST`.
    Resumed {
        pid: u32,
        name: &'a str,
        tail: &'a str,
    },
    /// `+++ exited with 0 +++`, `+++ killed by SIGKILL +++`, `--- SIGCHLD {...} ---`: process
    /// events that carry no evidence.
    Event { pid: u32 },
    /// Anything else (counted and reported, never interpreted).
    Unknown,
}

/// A complete system call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call<'a> {
    pub name: &'a str,
    /// The arguments as strace printed them, split at top-level commas, trimmed.
    pub args: Vec<&'a str>,
    pub ret: Ret<'a>,
}

/// What a call returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ret<'a> {
    /// The number (`None` for `?`, the return of exit calls and unfinished exits).
    pub value: Option<i64>,
    /// The fd decoration of a returned descriptor: `/etc/hosts` of `3</etc/hosts>`.
    pub decoration: Option<&'a str>,
    /// The errno name of a failure: `ENOENT` of `-1 ENOENT (No such file or directory)`.
    pub errno: Option<&'a str>,
}

impl Call<'_> {
    pub fn ok(&self) -> bool {
        self.ret.errno.is_none() && self.ret.value.is_some_and(|v| v >= 0)
    }

    pub fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).copied()
    }
}

fn pid(input: &mut &str) -> ModalResult<u32> {
    // `strace -f -o FILE` prefixes each line with the pid; `[pid N]` is its terminal form.
    alt((delimited(("[pid", space1), digit1, "]"), digit1))
        .parse_to()
        .parse_next(input)
}

fn pid_prefix(input: &mut &str) -> ModalResult<u32> {
    let p = pid(input)?;
    space1.parse_next(input)?;
    Ok(p)
}

fn equals_ret<'a>(input: &mut &'a str) -> ModalResult<Ret<'a>> {
    (space0, "=", space1).void().parse_next(input)?;
    ret(input)
}

fn name<'a>(input: &mut &'a str) -> ModalResult<&'a str> {
    take_while(1.., |c: char| c.is_ascii_alphanumeric() || c == '_').parse_next(input)
}

/// Parses one line (without its newline).
pub fn parse(line: &str) -> Line<'_> {
    let mut input = line.trim_end();
    let Ok(pid) = pid_prefix.parse_next(&mut input) else {
        return Line::Unknown;
    };
    if input.starts_with("+++ ") || input.starts_with("--- ") {
        return Line::Event { pid };
    }
    if let Some(rest) = input.strip_prefix("<... ") {
        let mut r = rest;
        return match (name, " resumed>").map(|(n, _)| n).parse_next(&mut r) {
            Ok(name) => Line::Resumed { pid, name, tail: r },
            Err(_) => Line::Unknown,
        };
    }
    if let Some(head) = input.strip_suffix(" <unfinished ...>") {
        let mut h = head;
        return match (name, "(").map(|(n, _)| n).parse_next(&mut h) {
            Ok(name) => Line::Unfinished { pid, name, head },
            Err(_) => Line::Unknown,
        };
    }
    match call(input) {
        Some(call) => Line::Call { pid, call },
        None => Line::Unknown,
    }
}

/// Parses `NAME(ARGS) = RET` (a complete call, or an unfinished head joined to its tail).
pub fn call(text: &str) -> Option<Call<'_>> {
    let mut input = text;
    let name = (name, "(").map(|(n, _)| n).parse_next(&mut input).ok()?;
    let (args, after) = split_args(input)?;
    let mut after = after;
    let ret = equals_ret.parse_next(&mut after).ok()?;
    Some(Call { name, args, ret })
}

/// The return part: `?`, a number with an optional fd decoration, then an optional errno
/// and an optional parenthesised note.
fn ret<'a>(input: &mut &'a str) -> ModalResult<Ret<'a>> {
    if input.starts_with('?') {
        let errno = opt(preceded(
            ("?", space1),
            take_while(1.., |c: char| c.is_ascii_uppercase() || c.is_ascii_digit()),
        ))
        .parse_next(input)?;
        let _: &str = rest.parse_next(input)?;
        return Ok(Ret {
            value: None,
            decoration: None,
            errno,
        });
    }
    let number: &str = take_while(1.., |c: char| c.is_ascii_hexdigit() || c == '-' || c == 'x')
        .parse_next(input)?;
    let value = parse_int(number);
    let decoration = opt(decoration)
        .parse_next(input)?
        .map(super::args::strip_device);
    let errno = opt(preceded(
        space1,
        take_while(2.., |c: char| {
            c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'
        }),
    ))
    .parse_next(input)?;
    let _: &str = rest.parse_next(input)?;
    Ok(Ret {
        value,
        decoration,
        errno: errno.filter(|e| e.starts_with('E')),
    })
}

/// `<...>` after a descriptor: a path, or `TYPE:[...]` for sockets, pipes and the like
/// (which may hold `->` and so a `>` of their own).
fn decoration<'a>(input: &mut &'a str) -> ModalResult<&'a str> {
    let s = *input;
    if !s.starts_with('<') {
        return Err(winnow::error::ErrMode::Backtrack(ContextError::new()));
    }
    let body = &s[1..];
    // `TYPE:[...]>`: up to the `]>` that closes the bracket. A path may carry a nested
    // decoration of its own (`/dev/null<char 1:3>`): `<` and `>` are counted.
    let end = if let Some(open) = body.find(":[").filter(|&i| {
        body[..i]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }) {
        body[open..].find("]>").map(|e| open + e + 1)
    } else {
        let mut depth = 1usize;
        body.char_indices().find_map(|(i, c)| {
            match c {
                '<' => depth += 1,
                '>' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(i)
        })
    };
    match end {
        Some(e) => {
            *input = &body[e + 1..];
            Ok(&body[..e])
        }
        None => Err(winnow::error::ErrMode::Backtrack(ContextError::new())),
    }
}

/// Parses strace's integer forms: decimal, `0x` hex, `0` octal.
pub fn parse_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s),
    };
    let v = if let Some(h) = digits.strip_prefix("0x") {
        i64::from_str_radix(h, 16)
            .ok()
            .or_else(|| u64::from_str_radix(h, 16).ok().map(|u| u as i64))?
    } else if digits.len() > 1 && digits.starts_with('0') {
        i64::from_str_radix(&digits[1..], 8).ok()?
    } else {
        digits.parse::<i64>().ok()?
    };
    Some(if neg { -v } else { v })
}

/// Splits the text after `NAME(` into its top-level arguments and the text after the closing
/// parenthesis. Strings (with escapes), brackets of every kind and fd decorations are kept
/// whole. `None` if the parenthesis never closes.
pub fn split_args(text: &str) -> Option<(Vec<&str>, &str)> {
    split_until(text, b')')
}

/// Like [`split_args`], for a list closed by `close` (`}` for a structure's members).
pub fn split_until(text: &str, close: u8) -> Option<(Vec<&str>, &str)> {
    let mut args = Vec::new();
    let (inner, after) = balanced(text, close)?;
    let mut start = 0;
    let mut depth = 0usize;
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_string(bytes, i),
            b'<' if i > 0 && is_fd_end(bytes[i - 1]) => i = skip_decoration(inner, i),
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => {
                args.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let last = inner[start..].trim();
    if !last.is_empty() || !args.is_empty() {
        args.push(last);
    }
    Some((args, after))
}

/// The part of `text` before the `close` that ends the current nesting level, and the part
/// after it.
fn balanced(text: &str, close: u8) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_string(bytes, i),
            b'<' if i > 0 && is_fd_end(bytes[i - 1]) => i = skip_decoration(text, i),
            b'(' | b'[' | b'{' => depth += 1,
            c if c == close && depth == 0 => return Some((&text[..i], &text[i + 1..])),
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// A `<` that follows a digit or `AT_FDCWD` opens an fd decoration.
fn is_fd_end(prev: u8) -> bool {
    prev.is_ascii_digit() || prev == b'D'
}

/// Index of the closing quote of the string opening at `i` (or the last byte).
fn skip_string(bytes: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'"' => return j,
            _ => j += 1,
        }
    }
    bytes.len().saturating_sub(1)
}

/// Index of the `>` that closes the decoration opening at `i` (or `i` itself when it is not
/// one, e.g. the `<` of a comparison).
fn skip_decoration(text: &str, i: usize) -> usize {
    let mut input = &text[i..];
    match decoration(&mut input) {
        Ok(_) => text.len() - input.len() - 1,
        Err(_) => i,
    }
}
