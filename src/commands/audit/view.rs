//! What one unit adds to audit's output, in the format asked for: systemd's table or JSON
//! rows, unitguard's document element, or a CI verdict. Offline and live runs render alike.

use std::fmt::Write;
use std::path::PathBuf;

use super::ci;
use super::output::{Piece, json_element};
use crate::assess::Assessment;
use crate::cli::AuditOutput;
use crate::report::{Glyphs, json, systemd_json, text};

/// One unit's result, from either source.
pub enum UnitResult<'a> {
    Scored {
        assessment: &'a Assessment,
        /// The fragment the unit was loaded from.
        file: Option<PathBuf>,
        /// What systemd warns about while loading it.
        warnings: &'a [String],
        /// unitguard's own warnings (drop-ins it could not read), shown in listings too.
        notes: String,
    },
    Failed {
        unit: &'a str,
        /// systemd's own message.
        message: String,
        /// unitguard's explanation (file and line), if any.
        detail: Option<String>,
        /// The argument's file, when it named one.
        file: Option<PathBuf>,
    },
}

/// How units are shown in this run.
pub struct View {
    pub format: AuditOutput,
    /// Exposure (0..=100) above which a unit fails.
    pub threshold: Option<u64>,
    pub glyphs: Glyphs,
    pub legend: bool,
    pub color: bool,
}

impl View {
    pub fn over(&self, a: &Assessment) -> bool {
        self.threshold.is_some_and(|t| a.exposure > t)
    }

    /// A unit given as an argument: its table (or JSON, or verdict), or its load error.
    pub fn detailed(&self, r: &UnitResult) -> Piece {
        match r {
            UnitResult::Scored {
                assessment: a,
                file,
                warnings,
                notes,
            } => {
                let mut stderr = String::new();
                for w in *warnings {
                    let _ = writeln!(stderr, "{w}");
                }
                stderr.push_str(notes);
                let stdout = match self.format {
                    AuditOutput::Text => {
                        text::detailed_with(a, self.glyphs, self.legend, self.color)
                    }
                    AuditOutput::Document => json_element(&json::scored(a)),
                    AuditOutput::SystemdJson { pretty } => systemd_json::rows(a, pretty),
                    AuditOutput::Ci(_) => String::new(),
                };
                Piece {
                    stdout,
                    stderr,
                    failed: self.over(a),
                    verdict: self.ci_verdict(r, file),
                    row: Some((a.unit.clone(), a.exposure)),
                }
            }
            UnitResult::Failed {
                unit,
                message,
                detail,
                file,
            } => Piece {
                stdout: match self.format {
                    AuditOutput::Document => json_element(&json::UnitJson::Failed {
                        unit,
                        error: message.clone(),
                        detail: detail.clone(),
                    }),
                    _ => String::new(),
                },
                stderr: match detail {
                    Some(d) => format!("{message} ({d})\n"),
                    None => format!("{message}\n"),
                },
                failed: true,
                verdict: self.ci_verdict(r, file),
                row: None,
            },
        }
    }

    /// A unit of the listing (no arguments): nothing of its own in text, its element or
    /// verdict otherwise.
    pub fn listed(&self, r: &UnitResult) -> Piece {
        let mut p = self.detailed(r);
        // A listing shows no loading warnings, only unitguard's own notes.
        if let UnitResult::Scored { notes, .. } = r {
            p.stderr = notes.clone();
        }
        if matches!(
            self.format,
            AuditOutput::Text | AuditOutput::SystemdJson { .. }
        ) {
            p.stdout.clear();
        }
        p
    }

    fn ci_verdict(
        &self,
        r: &UnitResult,
        file: &Option<PathBuf>,
    ) -> Option<crate::report::ci::UnitVerdict> {
        matches!(self.format, AuditOutput::Ci(_))
            .then(|| ci::verdict(r, file.clone(), self.threshold))
    }
}
