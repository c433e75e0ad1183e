//! Writing audit results as they come: systemd's tables or one JSON array on a buffered
//! stdout, load errors and warnings on stderr, and the exit status they add up to.

use std::cmp::Ordering;
use std::io::{self, BufWriter, Stdout, Write};

use crate::assess::Assessment;
use crate::error::{Error, Result};
use crate::report::json::UnitJson;
use crate::{EXIT_FAILED, EXIT_OK};

/// What one unit adds to the output.
#[derive(Debug, Default)]
pub struct Piece {
    /// Its table, or its JSON array element (see [`json_element`]).
    pub stdout: String,
    pub stderr: String,
    /// It failed to load, or scored above `--threshold`.
    pub failed: bool,
}

/// The audit's output, written a piece at a time.
pub struct Output {
    json: bool,
    out: BufWriter<Stdout>,
    elements: usize,
    failed: bool,
    /// The first write error; a closed pipe ends the output quietly.
    error: Option<io::Error>,
}

impl Output {
    pub fn new(json: bool) -> Output {
        Output {
            json,
            out: BufWriter::with_capacity(1 << 16, io::stdout()),
            elements: 0,
            failed: false,
            error: None,
        }
    }

    pub fn push(&mut self, piece: Piece) {
        self.failed |= piece.failed;
        if !piece.stderr.is_empty() {
            // Whatever stdout holds goes first, so a terminal shows both in order.
            let _ = self.out.flush();
            let _ = io::stderr().lock().write_all(piece.stderr.as_bytes());
        }
        if piece.stdout.is_empty() || self.error.is_some() {
            return;
        }
        let written = if self.json {
            let sep = if self.elements == 0 { "[\n" } else { ",\n" };
            self.elements += 1;
            self.out
                .write_all(sep.as_bytes())
                .and_then(|_| self.out.write_all(piece.stdout.as_bytes()))
        } else {
            self.out.write_all(piece.stdout.as_bytes())
        };
        if let Err(e) = written {
            self.error = Some(e);
        }
    }

    /// Closes the JSON array and flushes; the exit status of the run.
    pub fn finish(mut self) -> Result<i32> {
        if self.error.is_none() && self.json {
            let end = if self.elements == 0 { "[]\n" } else { "\n]\n" };
            if let Err(e) = self.out.write_all(end.as_bytes()) {
                self.error = Some(e);
            }
        }
        if self.error.is_none() {
            if let Err(e) = self.out.flush() {
                self.error = Some(e);
            }
        }
        match self.error {
            Some(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Error::io("<stdout>", e)),
            _ => Ok(if self.failed { EXIT_FAILED } else { EXIT_OK }),
        }
    }
}

/// The order of the listing (no units given): units that failed to load first, by name, then
/// the most exposed first, equal exposures by name. Each side is an assessment or the name of
/// a unit that failed.
pub fn listing_order(a: Result<&Assessment, &str>, b: Result<&Assessment, &str>) -> Ordering {
    match (a, b) {
        (Ok(x), Ok(y)) => y
            .exposure
            .cmp(&x.exposure)
            .then_with(|| x.unit.cmp(&y.unit)),
        (Err(_), Ok(_)) => Ordering::Less,
        (Ok(_), Err(_)) => Ordering::Greater,
        (Err(x), Err(y)) => x.cmp(y),
    }
}

/// One element of the JSON array, pretty-printed and indented as it sits in the array
/// (`serde_json::to_writer_pretty` of the whole array prints the same bytes).
pub fn json_element(item: &UnitJson) -> String {
    use serde::Serialize;
    use serde_json::ser::{Formatter, PrettyFormatter, Serializer};
    let mut out = Vec::with_capacity(16 * 1024);
    out.extend_from_slice(b"  ");
    // A formatter that has opened the array: the element comes out one level in.
    let mut formatter = PrettyFormatter::new();
    formatter
        .begin_array(&mut io::sink())
        .expect("writing to a sink");
    let mut ser = Serializer::with_formatter(&mut out, formatter);
    item.serialize(&mut ser)
        .expect("a UnitJson always serializes");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

#[cfg(test)]
mod tests {
    use super::json_element;
    use crate::report::json::UnitJson;

    #[test]
    fn elements_join_into_what_serde_prints_for_the_array() {
        let items = vec![
            UnitJson::Failed {
                unit: "a.service",
                error: "Unit a.service not found.".into(),
                detail: Some("line\nbreak \"quoted\"".into()),
            },
            UnitJson::Scored {
                unit: "b.service",
                exposure: 9.6,
                label: "UNSAFE",
                systemd_version: 257,
                checks: Vec::new(),
            },
        ];
        let whole = serde_json::to_string_pretty(&items).unwrap();
        let joined: Vec<String> = items.iter().map(json_element).collect();
        assert_eq!(format!("[\n{}\n]", joined.join(",\n")), whole);
    }
}
