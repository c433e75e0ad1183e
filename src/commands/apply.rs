//! `unitguard apply UNIT` and `unitguard rollback UNIT`.

use std::time::Duration;

use crate::apply::{self, ApplyOptions, Outcome};
use crate::assess;
use crate::cli::{ApplyArgs, RollbackArgs};
use crate::error::{Error, Result};
use crate::harden::{self, Options};
use crate::tables::SystemdTables;
use crate::{EXIT_FAILED, EXIT_OK};

fn running_systemd_version() -> u32 {
    std::process::Command::new("systemctl")
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(252)
}

pub fn run(args: &ApplyArgs) -> Result<i32> {
    if !crate::systemd::control::manager_running() && !args.dry_run {
        return Err(Error::Usage(
            "apply needs a running systemd (use `harden --write` for offline trees)".into(),
        ));
    }
    let policy = super::policy_for(None, None)?;
    let Some(scored) = super::score_one(std::path::Path::new(&args.unit), None, &policy) else {
        return Ok(EXIT_FAILED);
    };
    let opts = Options {
        level: args.profile,
        allow_ip: &args.allow_ip,
        systemd_version: running_systemd_version(),
        root: None,
    };
    let tables = SystemdTables::default_tables();
    let mut h = harden::harden(&scored, &opts, &policy, tables)?;
    if let Some(file) = &args.dropin {
        // The user's own drop-in: the same journal, checks and rollback; the daemon
        // profile still gives the smoke check and the log files to read.
        let text = std::fs::read_to_string(file).map_err(|e| Error::io(file, e))?;
        h.after = harden::predict(&scored, &text, &policy, tables).map_err(|e| {
            Error::Usage(format!(
                "{}: the drop-in does not load: {e}",
                file.display()
            ))
        })?;
        h.text = text;
        h.lines.clear();
    }
    let score = |a: &assess::Assessment| {
        format!(
            "{} {}",
            assess::format_tenths(a.exposure),
            assess::label(a.exposure)
        )
    };
    if args.dry_run {
        print!("{}", h.text);
        return Ok(EXIT_OK);
    }
    let smoke = args
        .smoke
        .clone()
        .or_else(|| h.facts.profile.as_ref().and_then(|p| p.smoke.clone()));
    eprintln!(
        "{}: applying {} ({} -> {} predicted){}",
        h.unit,
        h.path.display(),
        score(&h.before),
        score(&h.after),
        smoke
            .as_deref()
            .map_or(String::new(), |s| format!(", smoke check: {s}"))
    );
    let outcome = apply::apply(
        &h,
        &ApplyOptions {
            smoke,
            timeout: Duration::from_secs(args.timeout),
            settle: Duration::from_secs(args.settle),
        },
    )?;
    match outcome {
        Outcome::Applied { state, denials } => {
            // Re-score the running unit over D-Bus, as `systemd-analyze security` does
            // online; from the files now in place when no bus answers.
            let live = crate::systemd::bus::Manager::connect().ok().and_then(|m| {
                let tables = crate::systemd::tables_for(&m);
                crate::systemd::score_arguments(
                    &m,
                    &[std::path::PathBuf::from(&h.unit)],
                    &policy,
                    tables,
                )
                .pop()
                .and_then(Result::ok)
            });
            let after = match live {
                Some(l) => format!("{} (live)", score(&l.assessment)),
                None => super::score_one(std::path::Path::new(&h.unit), None, &policy).map_or_else(
                    || score(&h.after),
                    |s| format!("{} (offline)", score(&s.assessment)),
                ),
            };
            println!(
                "{}: applied; {} (pid {}), exposure {} -> {after}",
                h.unit,
                state.active_state,
                state.main_pid,
                score(&h.before)
            );
            for d in &denials {
                println!("  note: {} [{}]", d.line, d.directive);
            }
            Ok(EXIT_OK)
        }
        Outcome::RolledBack {
            reason,
            denials,
            suspects,
            recovered,
        } => {
            println!("{}: rolled back: {reason}", h.unit);
            if let Some(d) = apply::blame(&denials) {
                println!("  cause: {}= — {}", d.directive, d.explanation);
                println!("  fix:   {}", d.fix);
                println!("  seen:  {} ({})", d.line, d.source);
            } else if let Some((d, rest)) = suspects.split_first() {
                println!(
                    "  cause: {}= (suspected: nothing was logged) — {}",
                    d.directive, d.explanation
                );
                println!("  fix:   {}", d.fix);
                println!("  in the drop-in: {}", d.line);
                if !rest.is_empty() {
                    println!(
                        "  also silent when they break something: {}",
                        rest.iter()
                            .map(|d| format!("{}=", d.directive))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
            } else {
                println!(
                    "  cause: not named by the journal or the service's logs; the smoke check or the unit state failed"
                );
            }
            if recovered {
                println!("  {} is running again with its previous settings", h.unit);
            } else {
                println!(
                    "  WARNING: {} did not come back healthy after the rollback; check `systemctl status {}`",
                    h.unit, h.unit
                );
            }
            Ok(EXIT_FAILED)
        }
    }
}

pub fn rollback(args: &RollbackArgs) -> Result<i32> {
    match apply::rollback(&args.unit)? {
        apply::RolledBack::Repaired { step } => println!(
            "{}: repaired an apply interrupted after step '{step}': the drop-in it replaced is back; reloaded and restarted",
            args.unit
        ),
        apply::RolledBack::Restored(b) => println!(
            "{}: restored the drop-in kept at {}; reloaded and restarted",
            args.unit,
            b.display()
        ),
        apply::RolledBack::Removed => println!(
            "{}: unitguard's drop-in removed; reloaded and restarted",
            args.unit
        ),
    }
    Ok(EXIT_OK)
}
