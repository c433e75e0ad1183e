//! systemd's unit-file syntax (conf-parser): lines, comments, continuations, sections and
//! `Key=Value` assignments. Produces assignments with their file and line; it does not know
//! what any key means.

use std::path::{Path, PathBuf};

/// systemd refuses lines (after joining continuations) longer than this (LONG_LINE_MAX).
pub const LONG_LINE_MAX: usize = 1024 * 1024;

/// One `Key=Value` line, as systemd hands it to a setting's parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub section: String,
    pub key: String,
    pub value: String,
    pub line: usize,
}

/// Something systemd warns about while reading a file; the file is still used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub line: usize,
    pub message: String,
}

/// A parsed file: the assignments in order, what systemd would have warned about, and the
/// error that made systemd stop reading it, if any. systemd applies the assignments it read
/// before such an error (which matters for drop-ins, whose errors are otherwise ignored).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedFile {
    pub path: PathBuf,
    pub assignments: Vec<Assignment>,
    pub diagnostics: Vec<Diagnostic>,
    pub error: Option<SyntaxError>,
}

/// A reason systemd gives up on a file; the unit then fails to load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyntaxError {
    #[error("{path}:{line}: line too long (more than 1 MiB)", path = .path.display())]
    LineTooLong { path: PathBuf, line: usize },
    #[error("{path}:{line}: invalid section header '{header}'", path = .path.display())]
    InvalidSection {
        path: PathBuf,
        line: usize,
        header: String,
    },
    #[error("{path}:{line}: line is not valid UTF-8", path = .path.display())]
    NotUtf8 { path: PathBuf, line: usize },
}

impl SyntaxError {
    /// The errno text systemd prints for this failure ("... failed to load properly: X").
    pub fn errno_text(&self) -> &'static str {
        match self {
            SyntaxError::LineTooLong { .. } => "No buffer space available",
            SyntaxError::InvalidSection { .. } => "Bad message",
            SyntaxError::NotUtf8 { .. } => "Invalid argument",
        }
    }
}

/// Splits raw bytes into lines the way systemd's read_line() does: a line ends at a run of
/// `\n`, `\r` and NUL in which no kind repeats and nothing follows a NUL, so `\r\n`, `\n\r`
/// and `\r\0` are one line end each, while `\n\n` is two. Returns byte slices without the
/// terminator.
pub(crate) fn split_lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = data;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let Some(i) = rest.iter().position(|&b| matches!(b, b'\n' | b'\r' | 0)) else {
            let line = rest;
            rest = &[];
            return Some(line);
        };
        let line = &rest[..i];
        let mut seen = 0u8;
        let mut end = i;
        while let Some(&c) = rest.get(end) {
            let kind = match c {
                b'\n' => 1,
                b'\r' => 2,
                0 => 4,
                _ => break,
            };
            if seen & (kind | 4) != 0 {
                break;
            }
            seen |= kind;
            end += 1;
        }
        rest = &rest[end..];
        Some(line)
    })
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Parses a unit file or drop-in. `data` is the whole file content; `sections` are the
/// sections this unit type reads (lines in any other section are skipped unread, as systemd does).
pub fn parse(path: &Path, data: &[u8], sections: &[&str]) -> ParsedFile {
    let mut out = ParsedFile {
        path: path.to_path_buf(),
        ..Default::default()
    };
    if let Err(e) = parse_into(path, data, sections, &mut out) {
        out.error = Some(e);
    }
    out
}

fn parse_into(
    path: &Path,
    data: &[u8],
    sections: &[&str],
    out: &mut ParsedFile,
) -> Result<(), SyntaxError> {
    let mut section: Option<String> = None;
    let mut section_ignored = false;
    let mut continuation: Option<Vec<u8>> = None;
    let mut line_no = 0usize;
    let mut bom_seen = false;

    for raw in split_lines(data) {
        line_no += 1;
        // read_line() gives up as soon as a line holds LONG_LINE_MAX bytes.
        if raw.len() >= LONG_LINE_MAX {
            return Err(SyntaxError::LineTooLong {
                path: path.to_path_buf(),
                line: line_no,
            });
        }
        // A comment line is skipped even in the middle of a continuation.
        let first = raw.iter().find(|&&c| !is_ws(c));
        if matches!(first, Some(b'#' | b';')) {
            continue;
        }
        // A UTF-8 BOM is dropped from the first line that starts with one, whichever line
        // that is (config_parse()'s bom_seen).
        let mut l = raw;
        if !bom_seen {
            if let Some(rest) = l.strip_prefix(b"\xEF\xBB\xBF".as_slice()) {
                l = rest;
                bom_seen = true;
            }
        }
        let mut joined = match continuation.take() {
            Some(mut c) => {
                if c.len() + l.len() > LONG_LINE_MAX {
                    return Err(SyntaxError::LineTooLong {
                        path: path.to_path_buf(),
                        line: line_no,
                    });
                }
                c.extend_from_slice(l);
                c
            }
            None => l.to_vec(),
        };
        if ends_with_unescaped_backslash(&joined) {
            let n = joined.len();
            joined[n - 1] = b' ';
            continuation = Some(joined);
            continue;
        }
        let mut state = LineState {
            path,
            sections,
            section: &mut section,
            section_ignored: &mut section_ignored,
            out,
        };
        state.parse_line(line_no, &joined)?;
    }
    if let Some(joined) = continuation {
        let mut state = LineState {
            path,
            sections,
            section: &mut section,
            section_ignored: &mut section_ignored,
            out,
        };
        state.parse_line(line_no, &joined)?;
    }
    Ok(())
}

fn ends_with_unescaped_backslash(b: &[u8]) -> bool {
    let mut escaped = false;
    for &c in b {
        if escaped {
            escaped = false;
        } else if c == b'\\' {
            escaped = true;
        }
    }
    escaped
}

struct LineState<'a> {
    path: &'a Path,
    sections: &'a [&'a str],
    section: &'a mut Option<String>,
    section_ignored: &'a mut bool,
    out: &'a mut ParsedFile,
}

impl LineState<'_> {
    fn warn(&mut self, line: usize, message: String) {
        self.out.diagnostics.push(Diagnostic { line, message });
    }

    fn parse_line(&mut self, line: usize, raw: &[u8]) -> Result<(), SyntaxError> {
        let Ok(raw) = std::str::from_utf8(raw) else {
            return Err(SyntaxError::NotUtf8 {
                path: self.path.to_path_buf(),
                line,
            });
        };
        let l = raw.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
        if l.is_empty() || l.starts_with(['#', ';']) {
            return Ok(());
        }
        if let Some(header) = l.strip_prefix('[') {
            let invalid = || SyntaxError::InvalidSection {
                path: self.path.to_path_buf(),
                line,
                header: l.to_string(),
            };
            let Some(name) = header.strip_suffix(']') else {
                return Err(invalid());
            };
            // string_is_safe(): no control characters, quotes or backslashes.
            if name
                .chars()
                .any(|c| c < ' ' || matches!(c, '"' | '\'' | '\\' | '\x7f'))
            {
                return Err(invalid());
            }
            if self.sections.contains(&name) {
                *self.section = Some(name.to_string());
                *self.section_ignored = false;
            } else {
                if !name.starts_with("X-") {
                    self.warn(line, format!("Unknown section '{name}'. Ignoring."));
                }
                *self.section = None;
                *self.section_ignored = true;
            }
            return Ok(());
        }
        let Some(section) = self.section.clone() else {
            if !*self.section_ignored {
                self.warn(line, "Assignment outside of section. Ignoring.".into());
            }
            return Ok(());
        };
        let Some((key, value)) = l.split_once('=') else {
            self.warn(line, "Missing '=', ignoring line.".into());
            return Ok(());
        };
        let ws = |c| matches!(c, ' ' | '\t' | '\n' | '\r');
        self.out.assignments.push(Assignment {
            section,
            key: key.trim_matches(ws).to_string(),
            value: value.trim_matches(ws).to_string(),
            line,
        });
        Ok(())
    }
}
