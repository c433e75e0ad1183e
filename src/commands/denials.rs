//! `unitguard denials [UNIT] [--since T] [--follow] [--json]`.

use crate::cli::DenialsArgs;
use crate::denials::{self, Denial, LogLine, UnitProcesses, escape_control, gather, logfiles};
use crate::error::{Error, Result};
use crate::harden::inspect;
use crate::pipeline;
use crate::systemd::control::Control;
use crate::systemd::journal;
use crate::unit::target::{self, Target};
use crate::{EXIT_FAILED, EXIT_OK};

fn print(d: &Denial, json: bool) {
    if json {
        println!("{}", crate::report::json::denial_line(d));
    } else {
        let unit = d.unit.as_deref().unwrap_or("-");
        println!(
            "{}: {}= — {}\n    fix:  {}\n    line: {}",
            escape_control(unit),
            d.directive,
            escape_control(&d.explanation),
            escape_control(&d.fix),
            escape_control(&d.line)
        );
    }
}

/// The lines of the unit's own log files (see [`logfiles`]): the last MiB of each. Their lines
/// carry no timestamp in one format, so `--since` cannot apply to them: they are left out
/// then, and stderr says so.
fn own_log_lines(target: &Target, since: bool) -> Vec<LogLine> {
    let Ok(ctx) = super::host_context() else {
        return Vec::new();
    };
    // A unit that does not score has no log directories to read; the journal still counts.
    let Ok(scored) = pipeline::score_loaded(target.unit.clone(), &ctx) else {
        return Vec::new();
    };
    let facts = inspect::inspect(&scored, None);
    let files = logfiles::log_files(&logfiles::log_dirs_of(&scored, &facts));
    if since {
        if !files.is_empty() {
            eprintln!(
                "unitguard: --since: not reading {} log file(s) of {} (their lines have no common timestamp)",
                files.len(),
                target.id()
            );
        }
        return Vec::new();
    }
    files
        .iter()
        .flat_map(|p| logfiles::lines_from(p, 0))
        .collect()
}

/// The unit's processes now, from the manager; without one, kernel lines cannot be matched
/// to the unit and are left out (stderr says so).
fn processes(ctl: Option<&Control>, unit: &str) -> UnitProcesses {
    let mut procs = UnitProcesses::new(unit);
    if let Some(state) = ctl.and_then(|c| c.state(unit).ok()) {
        procs.observe(&state);
    }
    procs
}

fn for_unit(arg: &str, args: &DenialsArgs) -> Result<Vec<Denial>> {
    let ctx = super::host_context()?;
    let target = target::resolve(arg, &ctx).map_err(|e| super::load_error(&e))?;
    let unit = target.require_instance("denials")?.to_string();
    let ctl = Control::connect().ok();
    if ctl.is_none() {
        eprintln!(
            "unitguard: no systemd manager answers: kernel lines cannot be matched to {unit}'s processes and are left out"
        );
    }
    let mut found = Vec::new();
    if args.follow {
        let mut procs = processes(ctl.as_ref(), &unit);
        journal::stream(Some(&unit), args.since.as_deref(), true, |line| {
            if line.is_kernel() {
                // The unit's processes change while we follow: ask again.
                procs = processes(ctl.as_ref(), &unit);
            }
            if let Some(d) = procs.claim(line).as_ref().and_then(denials::recognise) {
                print(&d, args.json);
            }
            true
        })?;
        return Ok(found);
    }
    let procs = processes(ctl.as_ref(), &unit);
    let since_usec = args.since.as_deref().and_then(journal::parse_at_seconds);
    gather::for_unit(
        &procs,
        args.since.as_deref(),
        since_usec,
        own_log_lines(&target, args.since.is_some()),
        |d| {
            print(&d, args.json);
            found.push(d);
        },
    )?;
    Ok(found)
}

/// Every unit's denials: journal lines under their trusted unit, kernel lines under the unit
/// their process is in (while it lives).
fn all(args: &DenialsArgs) -> Result<Vec<Denial>> {
    let attribute = |mut line: LogLine| {
        if line.is_kernel() && line.unit.is_none() {
            line.unit = line.pid.and_then(gather::unit_of_pid);
        }
        line
    };
    let mut found = Vec::new();
    let mut kernel_seen = std::collections::HashSet::new();
    journal::stream(None, args.since.as_deref(), args.follow, |line| {
        let line = attribute(line);
        if line.is_kernel() {
            kernel_seen.insert(line.message.clone());
        }
        if let Some(d) = denials::recognise(&line) {
            print(&d, args.json);
            if !args.follow {
                found.push(d);
            }
        }
        true
    })?;
    if !args.follow {
        let since_usec = args.since.as_deref().and_then(journal::parse_at_seconds);
        for line in journal::kernel_audit_lines(since_usec) {
            if kernel_seen
                .iter()
                .any(|k| line.message.ends_with(k.as_str()))
            {
                continue;
            }
            if let Some(d) = denials::recognise(&attribute(line)) {
                print(&d, args.json);
                found.push(d);
            }
        }
    }
    Ok(found)
}

pub fn run(args: &DenialsArgs) -> Result<i32> {
    if args.install {
        denials::forward::install(args.load.root.as_deref())?;
        return Ok(EXIT_OK);
    }
    if args.journal || args.ndjson.is_some() {
        return denials::forward::run(args);
    }
    let found = match &args.unit {
        Some(arg) => for_unit(arg, args)?,
        None => all(args)?,
    };
    if args.follow {
        return Err(Error::Other("the journal stream ended".into()));
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
