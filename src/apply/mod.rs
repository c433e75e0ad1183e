//! `apply` and `rollback`: write the drop-in, reload, restart, prove the service still
//! works (active and staying active, the smoke command, no sandbox denials in the journal
//! or its log files), re-score — and put everything back by itself when anything fails.

pub mod state;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::denials::{self, Denial, LogLine};
use crate::error::{Error, Result};
use crate::harden::{self, Hardening};
use crate::systemd::{control, journal};
use state::ApplyState;

/// Test hook: abort right after the named step, as if the process were killed there.
fn fault_point(step: &str) {
    if std::env::var("UNITGUARD_FAULT_AFTER").is_ok_and(|s| s == step) {
        eprintln!("unitguard: UNITGUARD_FAULT_AFTER={step}: aborting");
        std::process::abort();
    }
}

pub struct ApplyOptions {
    pub smoke: Option<String>,
    pub timeout: Duration,
    pub settle: Duration,
}

#[derive(Debug)]
pub enum Outcome {
    /// The service works with the new drop-in.
    Applied {
        state: control::UnitState,
        denials: Vec<Denial>,
    },
    /// It broke; the previous state is back. `reason` says what failed.
    RolledBack {
        reason: String,
        denials: Vec<Denial>,
        recovered: bool,
    },
}

fn step(s: &mut ApplyState, name: &str) -> Result<()> {
    s.step = name.to_string();
    state::save(s)?;
    fault_point(name);
    Ok(())
}

/// Repairs a run that was interrupted (its journal is still there). Returns true if one was.
pub fn repair(unit: &str) -> Result<bool> {
    let Some(s) = state::load(unit)? else {
        return Ok(false);
    };
    eprintln!(
        "unitguard: {unit}: an earlier apply stopped at step '{}'; restoring the previous drop-in",
        s.step
    );
    state::restore_previous(&s)?;
    control::daemon_reload()?;
    control::restart(unit)?;
    state::clear(unit)?;
    Ok(true)
}

/// Sizes of the service's own log files, to read only what is written after the restart.
fn log_offsets(h: &Hardening) -> BTreeMap<PathBuf, u64> {
    let mut m = BTreeMap::new();
    let dirs = h
        .facts
        .profile
        .iter()
        .flat_map(|p| p.writable.iter())
        .filter(|w| w.starts_with("/var/log/") && w.len() > "/var/log/".len());
    for d in dirs {
        if let Ok(entries) = std::fs::read_dir(d) {
            for e in entries.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "log") {
                    m.insert(p.clone(), e.metadata().map_or(0, |md| md.len()));
                }
            }
        }
    }
    m
}

fn new_log_lines(before: &BTreeMap<PathBuf, u64>) -> Vec<LogLine> {
    let mut out = Vec::new();
    for (p, &offset) in before {
        let Ok(data) = std::fs::read(p) else { continue };
        let start = (offset as usize).min(data.len());
        for line in String::from_utf8_lossy(&data[start..]).lines() {
            out.push(LogLine {
                timestamp: None,
                unit: None,
                source: p.display().to_string(),
                message: line.to_string(),
            });
        }
    }
    out
}

fn run_smoke(cmd: &str, timeout: Duration) -> std::result::Result<(), String> {
    let mut child = Command::new("sh")
        .args(["-c", cmd])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run smoke command: {e}"))?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                let out = child
                    .wait_with_output()
                    .map(|o| String::from_utf8_lossy(&o.stderr).trim().to_string())
                    .unwrap_or_default();
                return Err(format!(
                    "smoke command `{cmd}` failed ({status}){}",
                    if out.is_empty() {
                        String::new()
                    } else {
                        format!(": {out}")
                    }
                ));
            }
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "smoke command `{cmd}` did not finish within {}s",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("smoke command: {e}")),
        }
    }
}

/// Applies `h` to the running host.
pub fn apply(h: &Hardening, opts: &ApplyOptions) -> Result<Outcome> {
    let unit = h.unit.as_str();
    repair(unit)?;
    let dropin = h.path.clone();
    let previous = match std::fs::read_to_string(&dropin) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(&dropin, e)),
    };
    let mut s = ApplyState {
        unit: unit.to_string(),
        dropin: dropin.clone(),
        previous,
        step: "journal-written".into(),
    };
    step(&mut s, "journal-written")?;
    harden::write::write_atomic(&dropin, &h.text)?;
    step(&mut s, "dropin-written")?;
    let since = journal::now_usec();
    let logs = log_offsets(h);
    control::daemon_reload()?;
    step(&mut s, "reloaded")?;
    control::restart(unit)?;
    step(&mut s, "restarted")?;

    let mut failure: Option<String> = None;
    let health = control::wait_healthy(unit, opts.timeout, opts.settle)?;
    let state = match health {
        Ok(st) => Some(st),
        Err(st) => {
            failure = Some(format!(
                "{unit} is {} ({}, result {})",
                st.active_state, st.sub_state, st.result
            ));
            None
        }
    };
    if failure.is_none() {
        if let Some(cmd) = &opts.smoke {
            if let Err(e) = run_smoke(cmd, opts.timeout) {
                failure = Some(e);
            }
        }
    }
    step(&mut s, "checked")?;
    let mut lines = journal::read(Some(unit), Some(&journal::since_arg(since)), Some(since))
        .unwrap_or_default();
    lines.extend(new_log_lines(&logs));
    let found: Vec<Denial> = lines.iter().filter_map(denials::recognise).collect();
    if failure.is_none() && !found.is_empty() {
        failure = Some(format!(
            "{} sandbox denial(s) after the restart",
            found.len()
        ));
    }
    match failure {
        None => {
            state::clear(unit)?;
            Ok(Outcome::Applied {
                state: state.unwrap_or_default(),
                denials: found,
            })
        }
        Some(reason) => {
            state::restore_previous(&s)?;
            control::daemon_reload()?;
            control::restart(unit)?;
            let back = control::wait_healthy(unit, opts.timeout, opts.settle)?;
            let smoke_ok = opts
                .smoke
                .as_deref()
                .is_none_or(|c| run_smoke(c, opts.timeout).is_ok());
            state::clear(unit)?;
            Ok(Outcome::RolledBack {
                reason,
                denials: found,
                recovered: back.is_ok() && smoke_ok,
            })
        }
    }
}

/// Removes unitguard's drop-in (restoring the backup `harden --write` kept, if any),
/// reloads and restarts.
pub fn rollback(unit: &str) -> Result<Option<PathBuf>> {
    if repair(unit)? {
        return Ok(None);
    }
    let dropin = harden::dropin_path(unit);
    let backup = harden::write::backup_path(&dropin);
    let restored = if backup.exists() {
        std::fs::rename(&backup, &dropin).map_err(|e| Error::io(&backup, e))?;
        Some(backup)
    } else {
        match std::fs::remove_file(&dropin) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::Other(format!(
                    "{}: no unitguard drop-in to roll back",
                    dropin.display()
                )));
            }
            Err(e) => return Err(Error::io(&dropin, e)),
        }
        None
    };
    control::daemon_reload()?;
    control::restart(unit)?;
    Ok(restored)
}

/// The directive to blame: the first denial's, else none.
pub fn blame(denials: &[Denial]) -> Option<&Denial> {
    denials
        .iter()
        .find(|d| d.signature != "seccomp-killed")
        .or(denials.first())
}

pub fn is_unitguard_path(p: &Path) -> bool {
    p.file_name().is_some_and(|n| n == harden::DROPIN_NAME)
}
