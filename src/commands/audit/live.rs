//! `unitguard audit` in live mode: the running manager's services, scored and printed as
//! `systemd-analyze security` (without `--offline`) does: a listing is systemd's overview
//! table in name order; several units are each followed by an empty line, then the overview
//! of those that were scored.

use std::path::Path;

use super::output::{Output, listing_order};
use super::view::{UnitResult, View};
use crate::cli::{AuditArgs, AuditOutput};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::report::{systemd_json, text};
use crate::systemd::{self, LiveOutcome, Manager};

pub fn run(
    args: &AuditArgs,
    view: &View,
    manager: &Manager,
    ctx: &Context,
    base: &Path,
) -> Result<i32> {
    let listing = args.units.is_empty();
    let mut outcomes: Vec<LiveOutcome> = if listing {
        systemd::score_loaded_services(manager, ctx).map_err(|e| Error::Other(e.to_string()))?
    } else {
        systemd::score_arguments(manager, &args.units, ctx)
    };
    let systemd_shape = matches!(
        view.format,
        AuditOutput::Text | AuditOutput::SystemdJson { .. }
    );
    if listing && !systemd_shape {
        fn key(o: &LiveOutcome) -> Result<&crate::assess::Assessment, &str> {
            o.as_ref().map(|s| &s.assessment).map_err(|e| e.unit())
        }
        outcomes.sort_by(|a, b| listing_order(key(a), key(b)));
    }
    let mut output = Output::new(view.format);
    let several = args.units.len() > 1;
    if several && systemd_shape {
        output.separate_units();
    }
    let mut rows: Vec<(String, u64)> = Vec::new();
    for o in &outcomes {
        let r = match o {
            Ok(s) => UnitResult::Scored {
                assessment: &s.assessment,
                file: s.fragment_path.as_ref().map(Into::into),
                warnings: &[],
                notes: String::new(),
            },
            Err(e) => UnitResult::Failed {
                unit: e.unit(),
                message: e.to_string(),
                detail: None,
                file: None,
            },
        };
        let piece = if listing {
            view.listed(&r)
        } else {
            view.detailed(&r)
        };
        rows.extend(piece.row.clone());
        output.push(piece);
    }
    if listing || several {
        match view.format {
            AuditOutput::Text => {
                output.push_text(&text::systemd_overview(
                    &rows,
                    view.glyphs,
                    view.legend,
                    view.color,
                ));
            }
            AuditOutput::SystemdJson { pretty } => {
                output.push_text(&systemd_json::overview(&rows, view.glyphs.emoji, pretty));
            }
            AuditOutput::Document | AuditOutput::Ci(_) => {}
        }
    }
    output.finish(matches!(view.format, AuditOutput::Ci(_)).then(|| super::ci::report(base)))
}
