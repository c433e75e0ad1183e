//! `apply` and `rollback`: write the drop-in, reload, restart, prove the service still
//! works (active and staying active, the smoke command, no sandbox denials in the journal
//! or its log files), re-score — and put everything back by itself when anything fails.

pub mod state;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::denials::{self, Denial, LogLine, logfiles};
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
        /// When nothing was logged: the drop-in's directives that break services without a
        /// log line, most likely first (see [`silent_suspects`]).
        suspects: Vec<Denial>,
        recovered: bool,
    },
}

/// What `rollback` did.
#[derive(Debug)]
pub enum RolledBack {
    /// An interrupted apply was repaired: the drop-in it replaced is back.
    Repaired { step: String },
    /// The backup of the drop-in unitguard replaced is back in place.
    Restored(PathBuf),
    /// unitguard's drop-in was removed.
    Removed,
}

fn step(s: &mut ApplyState, name: &str) -> Result<()> {
    s.step = name.to_string();
    state::save(s)?;
    fault_point(name);
    Ok(())
}

/// Repairs a run that was interrupted (its journal is still there): the drop-in and its
/// backup are put back as they were, then reload and restart. Returns the step it had reached.
pub fn repair(unit: &str) -> Result<Option<String>> {
    let Some(s) = state::load(unit)? else {
        return Ok(None);
    };
    eprintln!(
        "unitguard: {unit}: an earlier apply stopped at step '{}'; restoring the previous drop-in",
        s.step
    );
    state::restore_previous(&s)?;
    control::daemon_reload()?;
    control::reset_failed(unit)?;
    control::restart(unit)?;
    state::clear(unit)?;
    Ok(Some(s.step))
}

/// Sizes of the service's own log files, to read only what is written after the restart.
fn log_offsets(h: &Hardening) -> BTreeMap<PathBuf, u64> {
    let dirs = logfiles::log_dirs(&[], &h.facts);
    logfiles::log_files(&dirs)
        .into_iter()
        .map(|p| {
            let len = std::fs::metadata(&p).map_or(0, |m| m.len());
            (p, len)
        })
        .collect()
}

fn new_log_lines(before: &BTreeMap<PathBuf, u64>) -> Vec<LogLine> {
    before
        .iter()
        .flat_map(|(p, &offset)| logfiles::lines_from(p, offset))
        .collect()
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
    let previous = state::read_optional(&dropin)?;
    let previous_backup = state::read_optional(&harden::write::backup_path(&dropin))?;
    let mut s = ApplyState {
        unit: unit.to_string(),
        dropin: dropin.clone(),
        previous,
        previous_backup,
        backup_recorded: true,
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
    // The unit's journal lines, its own log files, and the kernel's seccomp audit lines of
    // its programs (journal::read keeps only those; the kernel log is the host's).
    let mut lines = journal::read(Some(unit), Some(&journal::since_arg(since)), Some(since))
        .unwrap_or_default();
    lines.extend(new_log_lines(&logs));
    let found: Vec<Denial> = lines
        .iter()
        .filter_map(denials::recognise)
        .map(|d| refine(d, &h.text))
        .collect();
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
            let suspects = if found.is_empty() {
                silent_suspects(&h.text, &reason)
            } else {
                Vec::new()
            };
            state::restore_previous(&s)?;
            control::daemon_reload()?;
            control::reset_failed(unit)?;
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
                suspects,
                recovered: back.is_ok() && smoke_ok,
            })
        }
    }
}

/// Removes unitguard's drop-in (restoring the backup `harden --write` kept, if any),
/// reloads and restarts.
pub fn rollback(unit: &str) -> Result<RolledBack> {
    if let Some(step) = repair(unit)? {
        return Ok(RolledBack::Repaired { step });
    }
    let dropin = harden::dropin_path(unit);
    let backup = harden::write::backup_path(&dropin);
    let restored = if backup.exists() {
        std::fs::rename(&backup, &dropin).map_err(|e| Error::io(&backup, e))?;
        RolledBack::Restored(backup)
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
        RolledBack::Removed
    };
    control::daemon_reload()?;
    control::reset_failed(unit)?;
    control::restart(unit)?;
    Ok(restored)
}

/// Directives that break a service without any log line, most likely first for `reason`
/// (what failed). Each is only a suspect: the journal and the logs had nothing to say.
const SILENT: &[(&str, &str, &str)] = &[
    (
        "IPAddressDeny",
        "the IP firewall drops packets without logging anything (also the incoming connections \
         to the service's own listening sockets): clients time out",
        "allow the peers with IPAddressAllow= (IPAddressAllow=localhost for local clients), or \
         remove IPAddressDeny=",
    ),
    (
        "IPAddressAllow",
        "an empty IPAddressAllow= removes the allowed peers: with IPAddressDeny= the firewall \
         drops their packets without logging anything",
        "list the peers the service talks to in IPAddressAllow=",
    ),
    (
        "PrivateNetwork",
        "the service has a loopback of its own: nobody can reach it and it reaches nobody",
        "remove PrivateNetwork= (or set it to no)",
    ),
    (
        "InaccessiblePaths",
        "a hidden path makes the service fail with EACCES/ENOENT, which many programs only \
         report to their clients (e.g. HTTP 403/404)",
        "remove the path the service needs from InaccessiblePaths=",
    ),
    (
        "TemporaryFileSystem",
        "an empty tmpfs hides what the service reads from that directory",
        "remove the directory from TemporaryFileSystem= or bind what it needs with BindReadOnlyPaths=",
    ),
    (
        "CapabilityBoundingSet",
        "a missing capability makes privileged calls fail with EPERM, often only logged in the \
         service's own files, if at all",
        "add the capability back to CapabilityBoundingSet=",
    ),
    (
        "SystemCallFilter",
        "with SystemCallErrorNumber= a denied call just fails with that errno, often unlogged",
        "allow the call again with a plain SystemCallFilter= line after the ~ lines",
    ),
    (
        "RestrictAddressFamilies",
        "sockets of a family that is not allowed fail with EAFNOSUPPORT",
        "add the family to RestrictAddressFamilies=",
    ),
    (
        "ProtectHome",
        "files under /home, /root and /run/user are hidden or read-only",
        "ProtectHome=read-only, or BindReadOnlyPaths= for what the service reads",
    ),
    (
        "ReadOnlyPaths",
        "writes under these paths fail with EROFS",
        "move what the service writes to ReadWritePaths=",
    ),
];

/// The drop-in's directives that fail silently ([`SILENT`]), as suspects for a failure that
/// left no log line. A failure that looks like a network timeout puts the network
/// directives first.
pub fn silent_suspects(dropin: &str, reason: &str) -> Vec<Denial> {
    let mut set: Vec<(String, String)> = Vec::new();
    for line in dropin.lines() {
        let line = line.trim();
        if line.starts_with(['#', ';', '[']) {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            set.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let timeout = ["timed out", "did not finish", "(28)", "Connection refused"]
        .iter()
        .any(|t| reason.contains(t));
    let network = |d: &str| matches!(d, "IPAddressDeny" | "IPAddressAllow" | "PrivateNetwork");
    let mut out: Vec<Denial> = SILENT
        .iter()
        .filter_map(|(directive, explain, fix)| {
            let values: Vec<&(String, String)> =
                set.iter().filter(|(k, _)| k == directive).collect();
            let relevant = match *directive {
                // Only an empty assignment (a reset) takes peers away.
                "IPAddressAllow" => values.iter().any(|(_, v)| v.is_empty()),
                "PrivateNetwork" | "ProtectHome" => values
                    .last()
                    .is_some_and(|(_, v)| !matches!(v.as_str(), "no" | "false" | "0" | "")),
                _ => values.iter().any(|(_, v)| !v.is_empty()),
            };
            relevant.then(|| Denial {
                timestamp: None,
                unit: None,
                source: "drop-in".into(),
                signature: "silent-suspect".into(),
                directive: directive.to_string(),
                explanation: explain.to_string(),
                fix: fix.to_string(),
                line: values
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            })
        })
        .collect();
    if timeout {
        out.sort_by_key(|d| !network(&d.directive));
    }
    out
}

/// A failed user switch (setuid()/setgroups() EPERM) has two possible causes: the bounding
/// set lost CAP_SETUID/CAP_SETGID, or the system call filter denies @setuid with an errno.
/// The drop-in being applied tells which one it touched.
fn refine(mut d: Denial, dropin: &str) -> Denial {
    if !matches!(d.signature.as_str(), "setuid-eperm" | "user-switch-failed") {
        return d;
    }
    let values = |key: &str| -> Vec<String> {
        dropin
            .lines()
            .filter_map(|l| l.trim().split_once('='))
            .filter(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim().to_string())
            .collect()
    };
    let caps = values("CapabilityBoundingSet");
    // The last reset and what follows it: does a positive list without the caps remain?
    let after_reset: Vec<&String> = caps
        .iter()
        .skip(caps.iter().rposition(|v| v.is_empty()).unwrap_or(0))
        .collect();
    let drops_setuid = after_reset.iter().any(|v| {
        if let Some(removed) = v.strip_prefix('~') {
            removed.contains("CAP_SETUID") || removed.contains("CAP_SETGID")
        } else {
            false
        }
    }) || (!after_reset.is_empty()
        && after_reset.iter().all(|v| !v.starts_with('~'))
        && !after_reset
            .iter()
            .any(|v| v.contains("CAP_SETUID") && v.contains("CAP_SETGID")));
    let filters = !values("SystemCallFilter").is_empty();
    if !drops_setuid && filters {
        d.directive = "SystemCallFilter".into();
        d.explanation = "the service changes user itself and the system call filter denies \
                         setuid()/setgroups() (@setuid, part of @privileged) with an errno"
            .into();
        d.fix = "add SystemCallFilter=@setuid after the ~ lines".into();
    }
    d
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

#[cfg(test)]
mod tests {
    use super::*;

    fn denial(signature: &str) -> Denial {
        Denial {
            timestamp: None,
            unit: None,
            source: "journal".into(),
            signature: signature.into(),
            directive: "CapabilityBoundingSet".into(),
            explanation: String::new(),
            fix: String::new(),
            line: String::new(),
        }
    }

    #[test]
    fn a_failed_user_switch_blames_what_the_dropin_changed() {
        let filter = "[Service]\nSystemCallFilter=@system-service\nSystemCallFilter=~@privileged\n";
        assert_eq!(
            refine(denial("user-switch-failed"), filter).directive,
            "SystemCallFilter"
        );
        let caps =
            "[Service]\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\nSystemCallFilter=~@mount\n";
        assert_eq!(
            refine(denial("setuid-eperm"), caps).directive,
            "CapabilityBoundingSet"
        );
        let kept = "[Service]\nCapabilityBoundingSet=CAP_SETUID CAP_SETGID\nSystemCallFilter=~@privileged\n";
        assert_eq!(
            refine(denial("setuid-eperm"), kept).directive,
            "SystemCallFilter"
        );
        let removed = "[Service]\nCapabilityBoundingSet=~CAP_SETUID\nSystemCallFilter=~@mount\n";
        assert_eq!(
            refine(denial("setuid-eperm"), removed).directive,
            "CapabilityBoundingSet"
        );
        assert_eq!(
            refine(denial("chown-eperm"), filter).directive,
            "CapabilityBoundingSet"
        );
    }

    #[test]
    fn silent_suspects_come_from_the_dropin() {
        let text = "# comment\n[Service]\nCapabilityBoundingSet=CAP_CHOWN\nIPAddressDeny=any\nIPAddressAllow=localhost\nPrivateNetwork=no\n";
        let s = silent_suspects(
            text,
            "curl: (28) Connection timed out after 10000 milliseconds",
        );
        let names: Vec<&str> = s.iter().map(|d| d.directive.as_str()).collect();
        assert_eq!(names, ["IPAddressDeny", "CapabilityBoundingSet"]);
        assert_eq!(s[0].line, "IPAddressDeny=any");
        let s = silent_suspects(text, "smoke command failed (exit status: 22)");
        let names: Vec<&str> = s.iter().map(|d| d.directive.as_str()).collect();
        assert_eq!(names, ["IPAddressDeny", "CapabilityBoundingSet"]);
        let s = silent_suspects(
            "[Service]\nInaccessiblePaths=/var/www\nIPAddressAllow=\n",
            "(28)",
        );
        let names: Vec<&str> = s.iter().map(|d| d.directive.as_str()).collect();
        assert_eq!(names, ["IPAddressAllow", "InaccessiblePaths"]);
        assert!(silent_suspects("[Service]\nProtectSystem=strict\n", "x").is_empty());
    }
}
