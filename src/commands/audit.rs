//! `unitguard audit`: exposure scores, as `systemd-analyze security --offline=true` prints them.

mod live;
mod output;

use std::fmt::Write;

use crate::cli::AuditArgs;
use crate::error::Result;
use crate::pipeline::{self, Outcome};
use crate::report::{Glyphs, json, text};
use crate::tables::SystemdTables;
use output::{Output, Piece, json_element};

pub fn run(args: &AuditArgs) -> Result<i32> {
    let tables = SystemdTables::default_tables();
    let root = args.load.root.as_deref();
    let policy = super::policy_for(args.security_policy.as_deref(), root)?;
    if !args.offline {
        // Live mode (D-Bus) when a manager answers, no --root and no unit file paths.
        match crate::systemd::choose_source(root, &args.units) {
            crate::systemd::Source::Live(manager) => return live::run(args, &manager, &policy),
            crate::systemd::Source::Offline(why) => eprintln!(
                "unitguard: {why}; reading unit files offline, as systemd-analyze security --offline=true does"
            ),
        }
    }
    let mut output = Output::new(args.json);
    if args.units.is_empty() {
        let outcomes = pipeline::score_all_services(root, &policy, tables);
        listing(&mut output, outcomes, args);
    } else {
        // Rendered on the worker threads, written in argument order as chunks finish.
        let glyphs = Glyphs::from_env();
        pipeline::for_each_argument(
            &args.units,
            root,
            &policy,
            tables,
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
        Err(e) => Piece {
            stdout: if args.json {
                json_element(&json::failed(e))
            } else {
                String::new()
            },
            stderr: error_line(e),
            failed: true,
        },
    }
}

fn error_line(e: &pipeline::UnitError) -> String {
    match e.detail() {
        Some(d) => format!("{e} ({d})\n"),
        None => format!("{e}\n"),
    }
}

/// Every service of the search path, most exposed first (load failures before them).
fn listing(output: &mut Output, mut outcomes: Vec<Outcome>, args: &AuditArgs) {
    outcomes.sort_by(|a, b| match (a, b) {
        (Ok(x), Ok(y)) => y
            .assessment
            .exposure
            .cmp(&x.assessment.exposure)
            .then_with(|| x.assessment.unit.cmp(&y.assessment.unit)),
        (Err(_), Ok(_)) => std::cmp::Ordering::Less,
        (Ok(_), Err(_)) => std::cmp::Ordering::Greater,
        (Err(x), Err(y)) => x.unit().cmp(y.unit()),
    });
    let over = |a: &crate::assess::Assessment| args.threshold.is_some_and(|t| a.exposure > t);
    for o in &outcomes {
        output.push(match o {
            Err(e) => Piece {
                stdout: if args.json {
                    json_element(&json::failed(e))
                } else {
                    String::new()
                },
                stderr: error_line(e),
                failed: true,
            },
            Ok(s) => Piece {
                stdout: if args.json {
                    json_element(&json::scored(&s.assessment))
                } else {
                    String::new()
                },
                stderr: String::new(),
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
