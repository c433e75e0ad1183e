//! `unitguard audit`: exposure scores, as `systemd-analyze security --offline=true` prints them.

mod live;
mod output;

use std::fmt::Write;

use crate::cli::AuditArgs;
use crate::error::Result;
use crate::pipeline::{self, Outcome};
use crate::report::{Glyphs, json, text};
use output::{Output, Piece, json_element, listing_order};

pub fn run(args: &AuditArgs) -> Result<i32> {
    let policy = args.security_policy.as_deref();
    if !args.offline {
        // Live mode (D-Bus) when a manager answers, no --root and no unit file paths.
        match crate::systemd::choose_source(args.load.root.as_deref(), &args.units) {
            crate::systemd::Source::Live(manager) => {
                let ctx = super::context(&args.load, policy, Some(manager.version()))?;
                return live::run(args, &manager, &ctx);
            }
            crate::systemd::Source::Offline(why) => eprintln!(
                "unitguard: {why}; reading unit files offline, as systemd-analyze security --offline=true does"
            ),
        }
    }
    let ctx = super::context(&args.load, policy, None)?;
    let mut output = Output::new(args.json);
    if args.units.is_empty() {
        let outcomes = pipeline::score_all_services(&ctx);
        listing(&mut output, outcomes, args);
    } else {
        // Rendered on the worker threads, written in argument order as chunks finish.
        let glyphs = Glyphs::from_env();
        pipeline::for_each_argument(
            &args.units,
            &ctx,
            |o| detailed(&o, args, glyphs),
            |piece| output.push(piece),
        );
    }
    output.finish()
}

/// One unit given as an argument: its table (or JSON element), its load error or the
/// warnings systemd prints while loading it.
fn detailed(o: &Outcome, args: &AuditArgs, glyphs: Glyphs) -> Piece {
    match o {
        Ok(s) => {
            let mut stderr = String::new();
            for w in &s.settings.warnings {
                let _ = writeln!(stderr, "{w}");
            }
            stderr.push_str(&unreadable_dropins(s));
            let a = &s.assessment;
            Piece {
                stdout: if args.json {
                    json_element(&json::scored(a))
                } else {
                    text::detailed(a, glyphs)
                },
                stderr,
                failed: args.threshold.is_some_and(|t| a.exposure > t),
            }
        }
        Err(e) => failure(e, args.json),
    }
}

/// A warning per drop-in that could not be read (other than one that is not there: a
/// dangling link, which systemd passes over silently).
fn unreadable_dropins(s: &pipeline::Scored) -> String {
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

/// A unit that failed to load: systemd's message (and our detail) on stderr, and its JSON
/// element.
fn failure(e: &pipeline::UnitError, json: bool) -> Piece {
    Piece {
        stdout: if json {
            json_element(&json::failed(e))
        } else {
            String::new()
        },
        stderr: match e.detail() {
            Some(d) => format!("{e} ({d})\n"),
            None => format!("{e}\n"),
        },
        failed: true,
    }
}

/// Every service of the search path, most exposed first (load failures before them).
fn listing(output: &mut Output, mut outcomes: Vec<Outcome>, args: &AuditArgs) {
    fn key(o: &Outcome) -> Result<&crate::assess::Assessment, &str> {
        o.as_ref().map(|s| &s.assessment).map_err(|e| e.unit())
    }
    outcomes.sort_by(|a, b| listing_order(key(a), key(b)));
    let over = |a: &crate::assess::Assessment| args.threshold.is_some_and(|t| a.exposure > t);
    for o in &outcomes {
        output.push(match o {
            Err(e) => failure(e, args.json),
            Ok(s) => Piece {
                stdout: if args.json {
                    json_element(&json::scored(&s.assessment))
                } else {
                    String::new()
                },
                stderr: unreadable_dropins(s),
                failed: over(&s.assessment),
            },
        });
    }
    if !args.json {
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
}
