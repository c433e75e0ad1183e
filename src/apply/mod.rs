//! `apply` and `rollback`: write the drop-in, reload, restart, prove the service still
//! works (active and staying active, the smoke command, no sandbox denials in the journal
//! or its log files), re-score — and put everything back by itself when anything fails.
//! A stopped service stays stopped; one run at a time works on a unit (see [`state`]).

pub mod smoke;
pub mod state;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::denials::{self, Denial, LogLine, UnitProcesses, logfiles};
use crate::error::{Error, Result};
use crate::files::Root;
use crate::harden::write::{BACKUP_NAME, write_dropin};
use crate::harden::{DROPIN_NAME, Hardening, dropin_path};
use crate::systemd::{control, journal};
pub use state::Session;
use state::{ApplyState, Saved};

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
    /// Start the unit when it is not running (by default a stopped unit stays stopped).
    pub start: bool,
    /// Also reload the unit (it has ExecReload=) and run the smoke check again: for a drop-in
    /// that changes who its commands run as.
    pub reload: bool,
}

#[derive(Debug)]
pub enum Outcome {
    /// The service works with the new drop-in.
    Applied {
        state: control::UnitState,
        denials: Vec<Denial>,
        /// Why the journal could not be read for denials, if it could not.
        journal_error: Option<String>,
    },
    /// The unit was not running: the drop-in is in place and the manager reloaded, and the
    /// unit was left stopped (nothing could be verified).
    Installed { state: control::UnitState },
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

fn step(session: &Session, s: &mut ApplyState, name: &str) -> Result<()> {
    s.step = name.to_string();
    session.save(s)?;
    fault_point(name);
    Ok(())
}

/// Sizes of the service's own log files, to read only what is written after the restart.
fn log_offsets(h: &Hardening) -> BTreeMap<PathBuf, u64> {
    let dirs = logfiles::log_dirs(&[], &h.facts);
    logfiles::log_files(&dirs)
        .into_iter()
        .map(|p| {
            let len = logfiles::log_size(&p);
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

/// The denials of the unit since `since_usec`, from its processes seen during the run.
fn denials_since(
    h: &Hardening,
    procs: &UnitProcesses,
    since_usec: u64,
    logs: &BTreeMap<PathBuf, u64>,
) -> (Vec<Denial>, Option<String>) {
    let mut found = Vec::new();
    let read = denials::gather::for_unit(
        procs,
        Some(&journal::since_arg(since_usec)),
        Some(since_usec),
        new_log_lines(logs),
        |d| found.push(refine(d, &h.text)),
    );
    (found, read.err().map(|e| e.to_string()))
}

/// Applies `h` to the running host, holding `session` (the unit's lock) throughout.
pub fn apply(session: &Session, h: &Hardening, opts: &ApplyOptions) -> Result<Outcome> {
    let unit = session.unit.as_str();
    session.repair()?;
    let before = session.ctl.state(unit)?;
    let (previous, previous_backup) = session.current_files()?;
    let mut s = ApplyState {
        unit: unit.to_string(),
        dropin: dropin_path(unit),
        previous,
        previous_backup,
        was_running: before.is_running(),
        step: "journal-written".into(),
    };
    step(session, &mut s, "journal-written")?;
    write_dropin(&Root::host()?, unit, &h.text)?;
    step(session, &mut s, "dropin-written")?;
    let since = journal::now_usec();
    let logs = log_offsets(h);
    session.ctl.reload()?;
    step(session, &mut s, "reloaded")?;
    if !before.is_running() && !opts.start {
        session.clear()?;
        return Ok(Outcome::Installed {
            state: session.ctl.state(unit)?,
        });
    }
    session.ctl.reset_failed(unit)?;
    session.ctl.restart(unit)?;
    step(session, &mut s, "restarted")?;

    let mut procs = UnitProcesses::new(unit);
    let mut failure: Option<String> = None;
    let health = session
        .ctl
        .wait_healthy(unit, opts.timeout, opts.settle, &mut |s| procs.observe(s))?;
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
            if let Err(e) = smoke::run(cmd, opts.timeout) {
                failure = Some(e);
            }
        }
    }
    if failure.is_none() && opts.reload {
        failure = reload_check(session, unit, opts).err();
    }
    if let Ok(now) = session.ctl.state(unit) {
        procs.observe(&now);
    }
    step(session, &mut s, "checked")?;
    let (found, journal_error) = denials_since(h, &procs, since, &logs);
    if failure.is_none() && !found.is_empty() {
        failure = Some(format!(
            "{} sandbox denial(s) after the restart",
            found.len()
        ));
    }
    match failure {
        None => {
            session.clear()?;
            Ok(Outcome::Applied {
                state: state.unwrap_or_default(),
                denials: found,
                journal_error,
            })
        }
        Some(reason) => {
            let suspects = if found.is_empty() {
                silent_suspects(&h.text, &reason)
            } else {
                Vec::new()
            };
            session.restore_files(&s)?;
            session.ctl.reload()?;
            session.ctl.return_to(unit, &before)?;
            let recovered = if before.is_running() {
                let back =
                    session
                        .ctl
                        .wait_healthy(unit, opts.timeout, opts.settle, &mut |_| {})?;
                back.is_ok()
                    && opts
                        .smoke
                        .as_deref()
                        .is_none_or(|c| smoke::run(c, opts.timeout).is_ok())
            } else {
                !session.ctl.state(unit)?.is_running()
            };
            session.clear()?;
            Ok(Outcome::RolledBack {
                reason,
                denials: found,
                suspects,
                recovered,
            })
        }
    }
}

/// `systemctl reload UNIT`, then the unit must still be healthy and pass the smoke check.
fn reload_check(
    session: &Session,
    unit: &str,
    opts: &ApplyOptions,
) -> std::result::Result<(), String> {
    session
        .ctl
        .reload_unit(unit)
        .map_err(|e| format!("reload failed: {e}"))?;
    session
        .ctl
        .wait_healthy(unit, opts.timeout, Duration::from_secs(1), &mut |_| {})
        .map_err(|e| e.to_string())?
        .map_err(|st| {
            format!(
                "{unit} is {} after a reload ({}, result {})",
                st.active_state, st.sub_state, st.result
            )
        })?;
    match &opts.smoke {
        Some(cmd) => smoke::run(cmd, opts.timeout).map_err(|e| format!("after a reload: {e}")),
        None => Ok(()),
    }
}

/// Removes unitguard's drop-in (restoring the backup `harden --write` or `apply` kept, if
/// any) and reloads; the unit is restarted only if it is running.
pub fn rollback(session: &Session) -> Result<RolledBack> {
    if let Some(step) = session.repair()? {
        return Ok(RolledBack::Repaired { step });
    }
    let unit = session.unit.as_str();
    let (current, backup) = session.current_files()?;
    let dir = session.dropin_dir(false).ok();
    let restored = match (dir, current, backup) {
        (Some(dir), _, Some(Saved { text, meta })) => {
            dir.replace(DROPIN_NAME, text.as_bytes(), meta)?;
            dir.remove(BACKUP_NAME)?;
            RolledBack::Restored(dir.shown(BACKUP_NAME))
        }
        (Some(dir), Some(_), None) => {
            dir.remove(DROPIN_NAME)?;
            RolledBack::Removed
        }
        _ => {
            return Err(Error::Other(format!(
                "{}: no unitguard drop-in to roll back",
                dropin_path(unit).display()
            )));
        }
    };
    let before = session.ctl.state(unit)?;
    session.ctl.reload()?;
    session.ctl.return_to(unit, &before)?;
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
                pid: None,
                uid: None,
                comm: None,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn denial(signature: &str) -> Denial {
        Denial {
            pid: None,
            uid: None,
            comm: None,
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
