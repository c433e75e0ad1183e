//! `unitguard audit` in live mode: the running manager's services, scored as
//! `systemd-analyze security` (without `--offline`) scores them. Same output, JSON, sorting and
//! `--threshold` rules as the offline path; only the source of the units differs.

use super::output::{Output, Piece, json_element, listing_order};
use crate::cli::AuditArgs;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::report::{Glyphs, json, text};
use crate::systemd::{self, LiveOutcome, Manager};

pub fn run(args: &AuditArgs, manager: &Manager, ctx: &Context) -> Result<i32> {
    let listing = args.units.is_empty();
    let mut outcomes: Vec<LiveOutcome> = if listing {
        systemd::score_loaded_services(manager, ctx).map_err(|e| Error::Other(e.to_string()))?
    } else {
        systemd::score_arguments(manager, &args.units, ctx)
    };
    if listing {
        fn key(o: &LiveOutcome) -> Result<&crate::assess::Assessment, &str> {
            o.as_ref().map(|s| &s.assessment).map_err(|e| e.unit())
        }
        outcomes.sort_by(|a, b| listing_order(key(a), key(b)));
    }
    let glyphs = Glyphs::from_env();
    let mut output = Output::new(args.json);
    for o in &outcomes {
        output.push(match o {
            Err(e) => Piece {
                stdout: if args.json {
                    json_element(&json::UnitJson::Failed {
                        unit: e.unit(),
                        error: e.to_string(),
                        detail: None,
                    })
                } else {
                    String::new()
                },
                stderr: format!("{e}\n"),
                failed: true,
            },
            Ok(s) => Piece {
                stdout: if args.json {
                    json_element(&json::scored(&s.assessment))
                } else if listing {
                    String::new()
                } else {
                    text::detailed(&s.assessment, glyphs)
                },
                stderr: String::new(),
                failed: args.threshold.is_some_and(|t| s.assessment.exposure > t),
            },
        });
    }
    if listing && !args.json {
        let scored: Vec<_> = outcomes
            .iter()
            .filter_map(|o| o.as_ref().ok())
            .map(|s| &s.assessment)
            .collect();
        output.push(Piece {
            stdout: text::overview(&scored),
            ..Piece::default()
        });
    }
    output.finish()
}
