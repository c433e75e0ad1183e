//! Restarting units and reading their state on the running host, through `systemctl`
//! (the manager's own client; its exit codes and `show` output are a stable interface).

use std::process::Command;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// The parts of a unit's runtime state that tell whether it is healthy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitState {
    pub active_state: String,
    pub sub_state: String,
    pub main_pid: u32,
    pub n_restarts: u32,
    pub result: String,
    pub exec_main_status: i32,
}

impl UnitState {
    pub fn is_active(&self) -> bool {
        self.active_state == "active"
    }
}

fn systemctl(args: &[&str]) -> Result<std::process::Output> {
    Command::new("systemctl")
        .args(args)
        .output()
        .map_err(|e| Error::Other(format!("cannot run systemctl {}: {e}", args.join(" "))))
}

fn checked(args: &[&str]) -> Result<()> {
    let out = systemctl(args)?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::Other(format!(
            "systemctl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

pub fn daemon_reload() -> Result<()> {
    checked(&["daemon-reload"])
}

/// Restarts and waits for the start job to finish (its result is read from the state).
pub fn restart(unit: &str) -> Result<()> {
    let out = systemctl(&["restart", unit])?;
    // A failed start is reported by the state checks, with the journal's reasons.
    let _ = out;
    Ok(())
}

/// Clears a failed state and the start rate limit, so that a restart after a crash loop
/// ("Start request repeated too quickly") is not refused.
pub fn reset_failed(unit: &str) -> Result<()> {
    let _ = systemctl(&["reset-failed", unit])?;
    Ok(())
}

/// The command names (`comm`) and executables of the unit's processes, read from its
/// control group (empty when it has none or the cgroup file system is not readable).
pub fn processes(unit: &str) -> Vec<(String, String)> {
    let Ok(out) = systemctl(&["show", unit, "--property=ControlGroup", "--value"]) else {
        return Vec::new();
    };
    let cg = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if cg.is_empty() {
        return Vec::new();
    }
    let mut pids = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(format!("/sys/fs/cgroup{cg}"))];
    while let Some(d) = dirs.pop() {
        if let Ok(t) = std::fs::read_to_string(d.join("cgroup.procs")) {
            pids.extend(t.lines().filter_map(|l| l.trim().parse::<u32>().ok()));
        }
        if let Ok(entries) = std::fs::read_dir(&d) {
            dirs.extend(
                entries
                    .flatten()
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                    .map(|e| e.path()),
            );
        }
    }
    pids.into_iter()
        .map(|pid| {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .map(|c| c.trim_end().to_string())
                .unwrap_or_default();
            let exe = std::fs::read_link(format!("/proc/{pid}/exe"))
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            (comm, exe)
        })
        .collect()
}

/// Everything that names the unit's programs: the paths of its Exec*= commands and the
/// command names and executables of its running processes. Kernel audit lines (which carry
/// `comm=` and `exe=`, never the unit) are matched against these.
pub fn program_names(unit: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    if let Ok(out) = systemctl(&[
        "show",
        unit,
        "--property=ExecStartPre,ExecStart,ExecStartPost,ExecReload,ExecStop,ExecStopPost",
    ]) {
        for word in String::from_utf8_lossy(&out.stdout).split_whitespace() {
            if let Some(p) = word.strip_prefix("path=") {
                names.push(p.to_string());
            }
        }
    }
    for (comm, exe) in processes(unit) {
        names.push(comm);
        names.push(exe);
    }
    names.retain(|n| !n.is_empty());
    names.sort();
    names.dedup();
    names
}

pub fn state(unit: &str) -> Result<UnitState> {
    let out = systemctl(&[
        "show",
        unit,
        "--property=ActiveState,SubState,MainPID,NRestarts,Result,ExecMainStatus",
    ])?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut s = UnitState::default();
    for line in text.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        match k {
            "ActiveState" => s.active_state = v.into(),
            "SubState" => s.sub_state = v.into(),
            "MainPID" => s.main_pid = v.parse().unwrap_or(0),
            "NRestarts" => s.n_restarts = v.parse().unwrap_or(0),
            "Result" => s.result = v.into(),
            "ExecMainStatus" => s.exec_main_status = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    Ok(s)
}

/// Waits until the unit is active and stays active (same main PID, no restarts) for
/// `settle`, or returns the state that shows it is not.
pub fn wait_healthy(
    unit: &str,
    timeout: Duration,
    settle: Duration,
) -> Result<std::result::Result<UnitState, UnitState>> {
    let start = Instant::now();
    let mut stable_since: Option<(Instant, UnitState)> = None;
    loop {
        let s = state(unit)?;
        match (&stable_since, s.is_active()) {
            (_, false)
                if matches!(s.active_state.as_str(), "failed" | "inactive")
                    && start.elapsed() > Duration::from_millis(300) =>
            {
                return Ok(Err(s));
            }
            (Some((since, first)), true)
                if first.main_pid == s.main_pid && first.n_restarts == s.n_restarts =>
            {
                let settled = since.elapsed() >= settle;
                if settled {
                    return Ok(Ok(s));
                }
            }
            (_, true) => stable_since = Some((Instant::now(), s.clone())),
            _ => {}
        }
        if start.elapsed() > timeout {
            return Ok(Err(s));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Whether a systemd manager runs here (PID 1 is systemd and answers).
pub fn manager_running() -> bool {
    std::path::Path::new("/run/systemd/system").is_dir()
        && Command::new("systemctl")
            .args(["is-system-running"])
            .output()
            .is_ok_and(|o| !o.stdout.is_empty())
}
