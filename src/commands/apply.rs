//! `unitguard apply UNIT` and `unitguard rollback UNIT`.

use std::time::Duration;

use crate::apply::{self, ApplyOptions, Outcome, Session};
use crate::assess;
use crate::cli::{ApplyArgs, RollbackArgs};
use crate::denials::escape_control;
use crate::error::{Error, Result};
use crate::files::{READ_CAP, read_regular};
use crate::harden::{self, Options};
use crate::unit::target;
use crate::{EXIT_FAILED, EXIT_OK};

pub fn run(args: &ApplyArgs) -> Result<i32> {
    let ctx = super::host_context()?;
    let target = target::resolve(&args.unit, &ctx).map_err(|e| super::load_error(&e))?;
    let unit = target.require_instance("apply")?.to_string();
    let Some(scored) = super::score_one(&target.argument, &ctx) else {
        return Ok(EXIT_FAILED);
    };
    // --learn: watch the service first (learn takes and releases the unit's lock itself).
    let evidence = if args.learn && !args.dry_run {
        Some(learn_first(&unit, args)?)
    } else {
        None
    };
    let session = if args.dry_run {
        None
    } else {
        Some(Session::open(&unit, "apply")?)
    };
    let opts = Options {
        level: if args.learn {
            crate::harden::Level::Strict
        } else {
            args.profile
        },
        allow_ip: &args.allow_ip,
        template: false,
        evidence: evidence.as_ref(),
        within_profile: false,
    };
    let mut h = harden::harden(&scored, &opts, &ctx)?;
    // With a trace, tighter drop-ins first, each kept only if it passes the checks: the
    // daemon started as the user it switches to, then the drop-in that also denies what the
    // trace saw but the profile's daemon runs without (or the trace is not sure of).
    let mut tries: Vec<Try> = Vec::new();
    if let Some(ev) = evidence.as_ref().filter(|_| args.dropin.is_none()) {
        let within = Options {
            within_profile: true,
            ..opts
        };
        if h.facts.profile.is_some() || !ev.uncertain_capabilities.is_empty() {
            let t = harden::harden(&scored, &within, &ctx)?;
            if !t.waived.is_empty() && t.after.exposure < h.after.exposure {
                let what = format!(
                    "the drop-in tighter than the trace, without {}",
                    t.waived.join(", ")
                );
                tries.push(Try {
                    h: t,
                    what,
                    reload: false,
                });
            }
        }
        if let Some(t) = harden::harden_as_user(&scored, &within, &ctx)? {
            let next = tries.first().map_or(&h, |t| &t.h);
            if t.after.exposure < next.after.exposure {
                let user = t
                    .lines
                    .iter()
                    .find(|l| l.directive == "User")
                    .map_or(String::new(), |l| l.value.clone());
                let reload = !harden::inspect::raw_values(&scored, "ExecReload").is_empty();
                tries.insert(
                    0,
                    Try {
                        h: t,
                        what: format!(
                            "the drop-in that starts it as {user}, the user it switches to"
                        ),
                        reload,
                    },
                );
            }
        }
    }
    if let Some(file) = &args.dropin {
        // The user's own drop-in: the same journal, checks and rollback; the daemon
        // profile still gives the smoke check and the log files to read.
        let data = read_regular(file, READ_CAP).map_err(|e| Error::io(file, e))?;
        let text = String::from_utf8(data)
            .map_err(|_| Error::Usage(format!("{}: not UTF-8 text", file.display())))?;
        h.after = harden::predict(&scored, &text, &ctx).map_err(|e| {
            Error::Usage(format!(
                "{}: the drop-in does not load: {e}",
                file.display()
            ))
        })?;
        h.text = text;
        h.lines.clear();
    }
    let score = |a: &assess::Assessment| assess::format_exposure(a.exposure);
    let Some(session) = session else {
        print!("{}", h.text);
        return Ok(EXIT_OK);
    };
    let smoke = args
        .smoke
        .clone()
        .or_else(|| args.exercise.clone())
        .or_else(|| h.facts.profile.as_ref().and_then(|p| p.smoke.clone()));
    let announce = |h: &harden::Hardening| {
        eprintln!(
            "{}: applying {} ({} -> {} predicted){}",
            h.unit,
            h.path.display(),
            score(&h.before),
            score(&h.after),
            smoke
                .as_deref()
                .map_or(String::new(), |s| format!(", smoke check: {s}"))
        )
    };
    // The unit as the manager runs it now: the number to compare the live after-score with.
    // (The offline prediction can differ: from 254 the offline analyser counts an unset
    // PrivateMounts= as set, the running manager reports it as no.)
    let live_score = |m: &crate::systemd::Manager| {
        crate::systemd::score_arguments(m, &[std::path::PathBuf::from(&h.unit)], &ctx)
            .pop()
            .and_then(Result::ok)
            .map(|l| format!("{} (live)", score(&l.assessment)))
    };
    let before = live_score(session.ctl.manager())
        .unwrap_or_else(|| format!("{} (offline)", score(&h.before)));
    let aopts = ApplyOptions {
        smoke: smoke.clone(),
        timeout: Duration::from_secs(args.timeout),
        settle: Duration::from_secs(args.settle),
        start: args.start,
        reload: false,
    };
    for t in &tries {
        eprintln!("{}: first {}", t.h.unit, t.what);
        announce(&t.h);
        let aopts = ApplyOptions {
            reload: t.reload,
            smoke: smoke.clone(),
            ..aopts
        };
        match apply::apply(&session, &t.h, &aopts)? {
            Outcome::RolledBack {
                reason,
                recovered: true,
                ..
            } => eprintln!(
                "{}: that drop-in failed ({reason}) and was rolled back; now the next one",
                t.h.unit
            ),
            outcome => return report(outcome, &t.h, &before, &live_score, &session, &ctx),
        }
    }
    announce(&h);
    let outcome = apply::apply(&session, &h, &aopts)?;
    report(outcome, &h, &before, &live_score, &session, &ctx)
}

/// A drop-in tighter than the plain fit, tried first.
struct Try {
    h: harden::Hardening,
    /// "the drop-in that starts it as postgres, ...", for the messages.
    what: String,
    /// Whether the checks also reload the unit.
    reload: bool,
}

/// Prints what `apply` did and returns the exit status.
fn report(
    outcome: Outcome,
    h: &harden::Hardening,
    before: &str,
    live_score: &dyn Fn(&crate::systemd::Manager) -> Option<String>,
    session: &Session,
    ctx: &crate::context::Context,
) -> Result<i32> {
    let score = |a: &assess::Assessment| assess::format_exposure(a.exposure);
    match outcome {
        Outcome::Installed { state } => {
            println!(
                "{}: {} (was not running): the drop-in is installed and the manager reloaded, but the unit was not started, so nothing was verified; `unitguard apply --start {}` starts and verifies it",
                h.unit, state.active_state, h.unit
            );
            Ok(EXIT_OK)
        }
        Outcome::Applied {
            state,
            denials,
            journal_error,
        } => {
            // Re-score the running unit over D-Bus, as `systemd-analyze security` does
            // online.
            let after = live_score(session.ctl.manager()).unwrap_or_else(|| {
                super::score_one(std::path::Path::new(&h.unit), ctx).map_or_else(
                    || score(&h.after),
                    |s| format!("{} (offline)", score(&s.assessment)),
                )
            });
            println!(
                "{}: applied; {} (pid {}), exposure {before} -> {after}",
                h.unit, state.active_state, state.main_pid,
            );
            for d in &denials {
                println!("  note: {} [{}]", escape_control(&d.line), d.directive);
            }
            if let Some(e) = journal_error {
                println!("  note: the journal could not be read for sandbox denials: {e}");
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
                println!(
                    "  seen:  {} ({})",
                    escape_control(&d.line),
                    escape_control(&d.source)
                );
            } else {
                // No denial names a directive: say so, never guess one.
                println!(
                    "  cause: unknown: no sandbox denial in the journal, the kernel's audit lines or the service's logs names a directive"
                );
                if !suspects.is_empty() {
                    println!(
                        "  directives of this drop-in that break services without logging anything: {}",
                        suspects
                            .iter()
                            .map(|d| format!("{}=", d.directive))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
                println!(
                    "  to find out: `unitguard apply {} --learn --exercise CMD` watches the service and fits the drop-in to what it does",
                    h.unit
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
    let ctx = super::host_context()?;
    let target = target::resolve(&args.unit, &ctx).map_err(|e| super::load_error(&e))?;
    let unit = target.require_instance("rollback")?;
    let session = Session::open(unit, "rollback")?;
    let restarted = |s: &Session| {
        if s.ctl.state(unit).is_ok_and(|st| st.is_running()) {
            "reloaded and restarted"
        } else {
            "reloaded (the unit is not running and was not started)"
        }
    };
    match apply::rollback(&session)? {
        apply::RolledBack::Repaired { step } => println!(
            "{unit}: repaired an apply interrupted after step '{step}': the drop-in it replaced is back; {}",
            restarted(&session)
        ),
        apply::RolledBack::Restored(b) => println!(
            "{unit}: restored the drop-in kept at {}; {}",
            b.display(),
            restarted(&session)
        ),
        apply::RolledBack::Removed => println!(
            "{unit}: unitguard's drop-in removed; {}",
            restarted(&session)
        ),
    }
    Ok(EXIT_OK)
}

/// `apply --learn`: the unit watched under the tracer with the exercise command, the
/// evidence added to its file; refused when the traced start or the exercise failed (the
/// service is back as it was either way).
fn learn_first(unit: &str, args: &ApplyArgs) -> Result<crate::learn::evidence::Evidence> {
    let largs = crate::cli::LearnArgs {
        unit: Some(unit.to_string()),
        command: Vec::new(),
        exercise: args.exercise.clone().or_else(|| args.smoke.clone()),
        duration: 3,
        evidence: args.evidence.clone(),
        replace: false,
        merge: Vec::new(),
        timeout: args.timeout.max(60),
    };
    let learned = crate::learn::unit::learn(unit, &largs)?;
    crate::commands::learn::summary(&learned.evidence);
    let path = largs
        .evidence
        .clone()
        .unwrap_or_else(|| crate::commands::learn::default_evidence(unit));
    let mut ev = crate::commands::learn::start(&path, false, Some(unit))?;
    ev.merge(&learned.evidence);
    ev.save(&path)?;
    eprintln!(
        "{unit}: evidence in {} ({} runs)",
        path.display(),
        ev.runs.len()
    );
    if !learned.started {
        return Err(Error::Other(format!(
            "{unit}: learning failed, nothing applied: {}",
            learned.problems.join("; ")
        )));
    }
    for p in &learned.problems {
        eprintln!("note: {p}");
    }
    Ok(ev)
}
