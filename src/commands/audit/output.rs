//! Writing audit results as they come: systemd's tables or JSON rows, unitguard's JSON
//! document, or a CI report at the end; load errors and warnings on stderr; and the exit
//! status they add up to.

use std::cmp::Ordering;
use std::io::{self, BufWriter, Write};

use crate::assess::Assessment;
use crate::cli::AuditOutput;
use crate::error::{Error, Result};
use crate::report::ci::{Report, UnitVerdict};
use crate::report::json::{SCHEMA, UnitJson};
use crate::{EXIT_FAILED, EXIT_OK};

/// What one unit adds to the output.
#[derive(Debug, Default)]
pub struct Piece {
    /// Its table, JSON rows, or document element (see [`json_element`]).
    pub stdout: String,
    pub stderr: String,
    /// It failed to load, or scored above the threshold.
    pub failed: bool,
    /// Its CI verdict (CI formats only).
    pub verdict: Option<UnitVerdict>,
    /// Its name and exposure, for systemd's overview table.
    pub row: Option<(String, u64)>,
}

/// The audit's output, written a piece at a time.
pub struct Output {
    format: AuditOutput,
    out: BufWriter<crate::ui::Stdout>,
    elements: usize,
    failed: bool,
    /// After each unit, an empty line (systemd-analyze's live run of several units).
    separate: bool,
    verdicts: Vec<UnitVerdict>,
    /// The first write error; a closed pipe ends the output quietly.
    error: Option<io::Error>,
}

impl Output {
    pub fn new(format: AuditOutput) -> Output {
        Output {
            format,
            out: BufWriter::with_capacity(1 << 16, crate::ui::Stdout::open()),
            elements: 0,
            failed: false,
            separate: false,
            verdicts: Vec::new(),
            error: None,
        }
    }

    /// Prints an empty line after each unit from now on.
    pub fn separate_units(&mut self) {
        self.separate = true;
    }

    pub fn push(&mut self, piece: Piece) {
        self.failed |= piece.failed;
        if let Some(v) = piece.verdict {
            self.verdicts.push(v);
        }
        if !piece.stderr.is_empty() {
            // Whatever stdout holds goes first, so a terminal shows both in order.
            let _ = self.out.flush();
            let _ = io::stderr().lock().write_all(piece.stderr.as_bytes());
        }
        let mut text = piece.stdout;
        if self.separate {
            text.push('\n');
        }
        if text.is_empty() {
            return;
        }
        if self.format == AuditOutput::Document {
            let sep = if self.elements == 0 {
                "{\n  \"schema\": SCHEMA,\n  \"units\": [\n".replace("SCHEMA", &SCHEMA.to_string())
            } else {
                ",\n".to_string()
            };
            self.elements += 1;
            text.insert_str(0, &sep);
        }
        self.write(&text);
    }

    /// Text that belongs to no unit (an overview table).
    pub fn push_text(&mut self, text: &str) {
        self.write(text);
    }

    fn write(&mut self, text: &str) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.out.write_all(text.as_bytes()) {
            self.error = Some(e);
        }
    }

    /// Ends the output (closes the JSON document, writes the CI report) and flushes; the exit
    /// status of the run.
    pub fn finish(mut self, report: Option<Report>) -> Result<i32> {
        match self.format {
            AuditOutput::Document => {
                let end = if self.elements == 0 {
                    format!("{{\n  \"schema\": {SCHEMA},\n  \"units\": []\n}}\n")
                } else {
                    "\n  ]\n}\n".to_string()
                };
                self.write(&end);
            }
            AuditOutput::Ci(format) => {
                if let Some(mut r) = report {
                    r.units = std::mem::take(&mut self.verdicts);
                    let text = r.render(format);
                    self.write(&text);
                }
            }
            AuditOutput::Text | AuditOutput::SystemdJson { .. } => {}
        }
        if self.error.is_none() {
            if let Err(e) = self.out.flush() {
                self.error = Some(e);
            }
        }
        match self.out.into_inner() {
            Ok(stdout) => stdout.finish(),
            Err(e) => drop(e.into_inner()),
        }
        match self.error {
            Some(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Error::io("<stdout>", e)),
            _ => Ok(if self.failed { EXIT_FAILED } else { EXIT_OK }),
        }
    }
}

/// The order of unitguard's listing (no units given): units that failed to load first, by
/// name, then the most exposed first, equal exposures by name. Each side is an assessment or
/// the name of a unit that failed.
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

/// One element of the document's `units` array, pretty-printed and indented as it sits there
/// (`serde_json::to_writer_pretty` of the whole document prints the same bytes).
pub fn json_element(item: &UnitJson) -> String {
    use serde::Serialize;
    use serde_json::ser::{Formatter, PrettyFormatter, Serializer};
    let mut out = Vec::with_capacity(16 * 1024);
    out.extend_from_slice(b"    ");
    // A formatter that has opened the document and its array: the element comes out two
    // levels in.
    let mut formatter = PrettyFormatter::new();
    formatter
        .begin_object(&mut io::sink())
        .and_then(|_| formatter.begin_array(&mut io::sink()))
        .expect("writing to a sink");
    let mut ser = Serializer::with_formatter(&mut out, formatter);
    item.serialize(&mut ser)
        .expect("a UnitJson always serializes");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

#[cfg(test)]
mod tests {
    use super::json_element;
    use crate::report::json::{SCHEMA, UnitJson};

    #[test]
    fn elements_join_into_what_serde_prints_for_the_document() {
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
        #[derive(serde::Serialize)]
        struct Document<'a> {
            schema: u32,
            units: &'a [UnitJson<'a>],
        }
        let whole = serde_json::to_string_pretty(&Document {
            schema: SCHEMA,
            units: &items,
        })
        .unwrap();
        let joined: Vec<String> = items.iter().map(json_element).collect();
        assert_eq!(
            format!(
                "{{\n  \"schema\": {SCHEMA},\n  \"units\": [\n{}\n  ]\n}}",
                joined.join(",\n")
            ),
            whole
        );
    }
}
