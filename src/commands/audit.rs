//! `unitguard audit`: exposure scores, as `systemd-analyze security` prints them, with its
//! options; offline on unit files (a root tree, a disk image, the user search path) or live.

mod ci;
mod image;
mod live;
mod output;
mod view;

use crate::cli::{AuditArgs, AuditOutput};
use crate::error::{Error, Result};
use crate::pipeline::{self, Outcome};
use crate::report::{Glyphs, systemd_json, text};
use crate::ui;
use crate::unit::scope::{self, Scope};
use output::{Output, listing_order};
use view::{UnitResult, View};

pub fn run(args: &AuditArgs) -> Result<i32> {
    if args.analyze.user {
        scope::set(Scope::User);
    }
    let image = args
        .analyze
        .image
        .as_deref()
        .map(image::mount)
        .transpose()?;
    let mut load = args.load.clone();
    if let Some(i) = &image {
        load.root = Some(i.root().to_path_buf());
    }
    let root = load.root.as_deref();
    let policy = args.security_policy.as_deref();
    let format = args.format();
    let view = View {
        format,
        threshold: args.threshold(),
        glyphs: Glyphs::from_env(),
        legend: !args.analyze.no_legend,
        color: format == AuditOutput::Text && ui::color(),
    };
    let base = crate::report::ci::base_dir(args.gate.base.base.as_deref());
    match args.analyze.offline {
        Some(true) => {}
        Some(false) => {
            if root.is_some() {
                return Err(Error::Usage(
                    "--root and --image read unit files: they need --offline=true, as in \
                     systemd-analyze"
                        .into(),
                ));
            }
            let manager = crate::systemd::connect_manager().map_err(|e| {
                Error::Other(format!("--offline=false needs a running manager: {e}"))
            })?;
            let ctx = super::context(&load, policy, Some(manager.version()))?;
            return live::run(args, &view, &manager, &ctx, &base);
        }
        None => match crate::systemd::choose_source(root, &args.units) {
            crate::systemd::Source::Live(manager) => {
                let ctx = super::context(&load, policy, Some(manager.version()))?;
                return live::run(args, &view, &manager, &ctx, &base);
            }
            crate::systemd::Source::Offline(why) => ui::note(&format!(
                "{why}; reading unit files offline, as systemd-analyze security --offline=true does"
            )),
        },
    }
    let ctx = super::context(&load, policy, None)?;
    let mut output = Output::new(format);
    if args.units.is_empty() {
        let outcomes = pipeline::score_all_services(&ctx);
        listing(&mut output, outcomes, &view);
    } else {
        // Rendered on the worker threads, written in argument order as chunks finish.
        let mut next = args.units.iter();
        pipeline::for_each_argument(
            &args.units,
            &ctx,
            |o| view.detailed(&result(&o)),
            |mut piece| {
                if let (Some(v), Some(arg)) = (piece.verdict.as_mut(), next.next()) {
                    argument_file(v, arg);
                }
                output.push(piece)
            },
        );
    }
    output.finish(matches!(format, AuditOutput::Ci(_)).then(|| ci::report(&base)))
}

/// A unit that failed to load is located at its argument, when that names a file.
fn argument_file(v: &mut crate::report::ci::UnitVerdict, arg: &std::path::Path) {
    let is_path = arg.as_os_str().as_encoded_bytes().contains(&b'/');
    if v.file.is_none() && is_path && arg.symlink_metadata().is_ok() {
        v.file = Some(arg.to_path_buf());
        for f in &mut v.findings {
            f.file = v.file.clone();
        }
    }
}

/// An offline outcome as the view takes it.
fn result(o: &Outcome) -> UnitResult<'_> {
    match o {
        Ok(s) => UnitResult::Scored {
            assessment: &s.assessment,
            file: Some(s.unit.fragment.clone()),
            warnings: &s.settings.warnings,
            notes: unreadable_dropins(s),
        },
        Err(e) => UnitResult::Failed {
            unit: e.unit(),
            message: e.to_string(),
            detail: e.detail(),
            file: match e {
                pipeline::UnitError::Load(crate::unit::LoadError::Masked { fragment, .. }) => {
                    Some(fragment.clone())
                }
                _ => None,
            },
        },
    }
}

/// A warning per drop-in that could not be read (other than one that is not there: a
/// dangling link, which systemd passes over silently).
fn unreadable_dropins(s: &pipeline::Scored) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for (path, why) in &s.unit.unreadable_dropins {
        if why != "No such file or directory" {
            let _ = writeln!(
                out,
                "unitguard: warning: {}: {why}; skipped, as systemd skips a drop-in it cannot read (the score leaves it out)",
                path.display()
            );
        }
    }
    out
}

/// Every service of the search path (unitguard's own listing; systemd-analyze prints nothing
/// offline without units): most exposed first, load failures before them.
fn listing(output: &mut Output, mut outcomes: Vec<Outcome>, view: &View) {
    fn key(o: &Outcome) -> Result<&crate::assess::Assessment, &str> {
        o.as_ref().map(|s| &s.assessment).map_err(|e| e.unit())
    }
    outcomes.sort_by(|a, b| listing_order(key(a), key(b)));
    let mut rows: Vec<(String, u64)> = Vec::new();
    for o in &outcomes {
        let piece = view.listed(&result(o));
        rows.extend(piece.row.clone());
        output.push(piece);
    }
    match view.format {
        AuditOutput::Text => {
            let scored: Vec<_> = outcomes
                .iter()
                .filter_map(|o| o.as_ref().ok())
                .map(|s| &s.assessment)
                .collect();
            output.push_text(&text::overview(&scored, view.legend));
        }
        AuditOutput::SystemdJson { pretty } => {
            // systemd's overview rows are in name order.
            rows.sort();
            output.push_text(&systemd_json::overview(&rows, view.glyphs.emoji, pretty));
        }
        AuditOutput::Document | AuditOutput::Ci(_) => {}
    }
}
