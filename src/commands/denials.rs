//! `unitguard denials [UNIT] [--since T] [--follow] [--json]`.

use std::path::Path;

use crate::cli::DenialsArgs;
use crate::denials::{self, Denial, LogLine, logfiles};
use crate::error::Result;
use crate::harden::inspect;
use crate::pipeline;
use crate::systemd::journal;
use crate::tables::SystemdTables;
use crate::unit::{Loader, SearchPath};
use crate::{EXIT_FAILED, EXIT_OK};

fn print(d: &Denial, json: bool) {
    if json {
        println!("{}", serde_json::to_string(d).unwrap_or_default());
    } else {
        let unit = d.unit.as_deref().unwrap_or("-");
        println!(
            "{unit}: {}= — {}\n    fix:  {}\n    line: {}",
            d.directive, d.explanation, d.fix, d.line
        );
    }
}

/// The lines of the unit's own log files (see [`logfiles`]): the last MiB of each. Their lines
/// carry no timestamp in one format, so `--since` cannot apply to them: they are left out
/// then, and stderr says so.
fn own_log_lines(unit: &str, since: bool) -> Vec<LogLine> {
    let Ok(policy) = super::policy_for(None, None) else {
        return Vec::new();
    };
    let tables = SystemdTables::default_tables();
    let loader = Loader::new(SearchPath::for_arguments(&[], None, Path::new("/")));
    let Ok(name) = crate::unit::name_for_argument(Path::new(unit)) else {
        return Vec::new();
    };
    // A unit that does not load has no log directories to read; the journal still counts.
    let Ok(scored) = pipeline::score_name(&loader, &name, &policy, tables) else {
        return Vec::new();
    };
    let facts = inspect::inspect(&scored, None);
    let files = logfiles::log_files(&logfiles::log_dirs_of(&scored, &facts));
    if since {
        if !files.is_empty() {
            eprintln!(
                "unitguard: --since: not reading {} log file(s) of {name} (their lines have no common timestamp)",
                files.len()
            );
        }
        return Vec::new();
    }
    files
        .iter()
        .flat_map(|p| logfiles::lines_from(p, 0))
        .map(|l| LogLine {
            unit: Some(name.clone()),
            ..l
        })
        .collect()
}

pub fn run(args: &DenialsArgs) -> Result<i32> {
    let unit = args.unit.as_deref();
    if args.follow {
        journal::follow(unit, |l| {
            if let Some(d) = denials::recognise(&l) {
                print(&d, args.json);
            }
            true
        })?;
        return Ok(EXIT_OK);
    }
    let mut lines = journal::read(unit, args.since.as_deref(), None)?;
    if let Some(unit) = unit {
        lines.extend(own_log_lines(unit, args.since.is_some()));
    }
    let found: Vec<Denial> = lines.iter().filter_map(denials::recognise).collect();
    for d in &found {
        print(d, args.json);
    }
    if !args.json {
        eprintln!("{} denial(s)", found.len());
    }
    Ok(if found.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}
