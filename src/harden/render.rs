//! The drop-in text: grouped like the catalogue, each directive preceded by its comment
//! (systemd has no end-of-line comments: `Key=value # x` would make "# x" part of the value).

use std::fmt::Write;

use super::Line;
use super::{Level, Options};
use crate::assess::{self, Assessment};
use crate::catalogue::Catalogue;

/// The heading of the unit's own command lines that the drop-in repeats with `+` (a root
/// helper given the capability the daemon goes without): commands, not sandbox settings, so
/// they are not in the catalogue. They come after the catalogue's groups.
const COMMANDS: &str = "Commands run with full privileges";

/// The same heading when the lines include `!` ones: run as root (not as `User=`), still in
/// the sandbox.
const COMMANDS_AS_ROOT: &str = "Commands run as root (+ without the sandbox, ! in it)";

pub fn body(lines: &[Line]) -> String {
    let cat = Catalogue::get();
    let commands_rank = crate::catalogue::GROUPS.len();
    let mut sorted: Vec<(usize, usize, &Line)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let rank = match cat.directive(&l.directive) {
                Some(d) if Catalogue::group_rank(&d.group) < commands_rank => {
                    Catalogue::group_rank(&d.group)
                }
                None if l.directive.starts_with("Exec") => commands_rank,
                _ => commands_rank + 1,
            };
            (rank, i, l)
        })
        .collect();
    sorted.sort_by_key(|(g, i, _)| (*g, *i));
    let mut out = String::from("[Service]\n");
    let mut current = usize::MAX;
    let mut last_directive = "";
    for (g, _, l) in sorted {
        if g != current {
            current = g;
            let title = match crate::catalogue::GROUPS.get(g) {
                Some((_, t)) => t,
                None if g == commands_rank => {
                    if lines
                        .iter()
                        .any(|l| l.directive.starts_with("Exec") && l.value.starts_with('!'))
                    {
                        COMMANDS_AS_ROOT
                    } else {
                        COMMANDS
                    }
                }
                None => "Other",
            };
            let _ = writeln!(out, "\n# --- {title}");
        }
        let d = cat.directive(&l.directive);
        if l.directive != last_directive {
            if let Some(d) = d {
                let _ = writeln!(out, "# {}", d.comment_text());
            }
        }
        if let Some(why) = &l.why {
            let _ = writeln!(out, "#   ({why})");
        }
        let _ = writeln!(out, "{}={}", l.directive, l.value);
        last_directive = &l.directive;
    }
    out
}

pub fn document(
    unit: &str,
    opts: &Options,
    systemd_version: u32,
    before: &Assessment,
    after: &Assessment,
    body: &str,
) -> String {
    let level = match (opts.level, opts.evidence) {
        (Level::Baseline, None) => "baseline".to_string(),
        (Level::Strict, None) => "strict".to_string(),
        (l, Some(ev)) => format!(
            "{}, fitted to {} learned run(s)",
            if l == Level::Strict {
                "strict"
            } else {
                "baseline"
            },
            ev.runs.len()
        ),
    };
    let score = |a: &assess::Assessment| assess::format_exposure(a.exposure);
    format!(
        "# {path}\n# Hardening for {unit}, written by unitguard {ver} (profile {level}, systemd {sd}).\n# Predicted exposure (systemd-analyze security): {b} -> {a}\n# Remove this file and run `systemctl daemon-reload` to undo.\n{body}",
        path = super::dropin_path(unit).display(),
        ver = env!("CARGO_PKG_VERSION"),
        sd = systemd_version,
        b = score(before),
        a = score(after),
    )
}
