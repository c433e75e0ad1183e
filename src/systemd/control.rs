//! Changing units on the running host through the manager's D-Bus API (the same connection
//! the live audit uses): reload, start, restart, reset-failed, and the runtime state that
//! tells whether a unit is healthy and which processes are its own.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use zbus::zvariant::{OwnedValue, Value};

use super::bus::{self, Manager};
use crate::error::{Error, Result};

/// How long a start, stop or restart job may take before unitguard stops waiting for it
/// (systemd's own default start timeout is 90 s).
const JOB_TIMEOUT: Duration = Duration::from_secs(120);

/// The parts of a unit's runtime state that tell whether it is healthy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitState {
    pub active_state: String,
    pub sub_state: String,
    pub main_pid: u32,
    pub n_restarts: u32,
    pub result: String,
    pub exec_main_status: i32,
    /// The unit's control group, e.g. `/system.slice/nginx.service`.
    pub control_group: String,
    /// The last process of each Exec*= command line (its `pid=`), the main and control
    /// process: pids systemd itself started for the unit.
    pub exec_pids: Vec<u32>,
    /// The user the unit's processes start as (`UID`), when systemd knows it.
    pub uid: Option<u32>,
    /// Processes systemd started for the unit that the seccomp filter killed (SIGSYS): when
    /// they ended (µs since the epoch) and the program they ran.
    pub sigsys: Vec<(u64, String)>,
    /// The programs of each kind of Exec*= line (`ExecStartPre` → its paths).
    pub exec_paths: Vec<(String, String)>,
}

impl UnitState {
    pub fn is_active(&self) -> bool {
        self.active_state == "active"
    }

    /// Active, reloading or on its way up: a unit that was running when unitguard came.
    pub fn is_running(&self) -> bool {
        matches!(
            self.active_state.as_str(),
            "active" | "reloading" | "activating"
        )
    }
}

/// The running manager, for the commands that change units.
pub struct Control {
    manager: Manager,
}

fn bus_error(e: bus::BusError) -> Error {
    Error::Other(e.to_string())
}

impl Control {
    /// Connects to the manager on the system bus; a clear error when none answers.
    pub fn connect() -> Result<Control> {
        Manager::connect()
            .map(|manager| Control { manager })
            .map_err(|e| {
                Error::Usage(format!(
                    "this needs a running systemd manager ({e}); use `harden --write` for offline trees"
                ))
            })
    }

    pub fn manager(&self) -> &Manager {
        &self.manager
    }

    /// `systemctl daemon-reload`.
    pub fn reload(&self) -> Result<()> {
        self.manager.reload().map_err(bus_error)
    }

    /// Restarts the unit and waits for the job to finish (its result is read from the state).
    pub fn restart(&self, unit: &str) -> Result<()> {
        self.manager
            .run_job("RestartUnit", unit, JOB_TIMEOUT)
            .map_err(bus_error)
    }

    /// `systemctl reload UNIT`, waiting for the job.
    pub fn reload_unit(&self, unit: &str) -> Result<()> {
        self.manager
            .run_job("ReloadUnit", unit, JOB_TIMEOUT)
            .map_err(bus_error)
    }

    pub fn start(&self, unit: &str) -> Result<()> {
        self.manager
            .run_job("StartUnit", unit, JOB_TIMEOUT)
            .map_err(bus_error)
    }

    pub fn stop(&self, unit: &str) -> Result<()> {
        self.manager
            .run_job("StopUnit", unit, JOB_TIMEOUT)
            .map_err(bus_error)
    }

    /// Clears a failed state and the start rate limit, so that a restart after a crash loop
    /// ("Start request repeated too quickly") is not refused.
    pub fn reset_failed(&self, unit: &str) -> Result<()> {
        self.manager.reset_failed(unit).map_err(bus_error)
    }

    /// Puts the unit back in the state `before` says it was in: running (restarted, so the
    /// files now in place apply) or stopped (a failed state cleared).
    pub fn return_to(&self, unit: &str, before: &UnitState) -> Result<()> {
        self.reset_failed(unit)?;
        if before.is_running() {
            self.restart(unit)
        } else {
            let now = self.state(unit)?;
            if now.is_running() {
                self.stop(unit)?;
            }
            self.reset_failed(unit)
        }
    }

    pub fn state(&self, unit: &str) -> Result<UnitState> {
        let props = self.manager.raw_properties(unit).map_err(bus_error)?;
        Ok(state_from(&props))
    }

    /// Waits until the unit is active and stays active (same main PID, no restarts) for
    /// `settle`, or returns the state that shows it is not. Every state read is handed to
    /// `observe`, so that what the unit's processes did can be told apart later from what
    /// others did, even for a process that has died since.
    pub fn wait_healthy(
        &self,
        unit: &str,
        timeout: Duration,
        settle: Duration,
        observe: &mut dyn FnMut(&UnitState),
    ) -> Result<std::result::Result<UnitState, UnitState>> {
        let start = Instant::now();
        let mut stable_since: Option<(Instant, UnitState)> = None;
        loop {
            let s = self.state(unit)?;
            observe(&s);
            #[allow(clippy::collapsible_match)] // the guard must not fall through to a reset
            match (&stable_since, s.is_active()) {
                (_, false)
                    if matches!(s.active_state.as_str(), "failed" | "inactive")
                        && start.elapsed() > Duration::from_millis(300) =>
                {
                    return Ok(Err(s));
                }
                // Still the same process: healthy once it has lasted `settle`.
                (Some((since, first)), true)
                    if first.main_pid == s.main_pid && first.n_restarts == s.n_restarts =>
                {
                    if since.elapsed() >= settle {
                        return Ok(Ok(s));
                    }
                }
                // Active with another process (or for the first time): start counting.
                (_, true) => stable_since = Some((Instant::now(), s.clone())),
                _ => {}
            }
            if start.elapsed() > timeout {
                return Ok(Err(s));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The unit's processes now: those systemd started for it and every process in its control
/// group (and the groups below it).
pub fn unit_pids(s: &UnitState) -> BTreeSet<u32> {
    let mut pids: BTreeSet<u32> = s.exec_pids.iter().copied().filter(|&p| p > 0).collect();
    if !s.control_group.is_empty() {
        pids.extend(cgroup_pids(&s.control_group));
    }
    pids
}

/// Where the unit's control group is in the cgroup file system: unified, or systemd's named
/// hierarchy of a hybrid or legacy layout.
fn cgroup_dirs(cg: &str) -> Vec<std::path::PathBuf> {
    [
        "/sys/fs/cgroup",
        "/sys/fs/cgroup/unified",
        "/sys/fs/cgroup/systemd",
    ]
    .iter()
    .map(|base| std::path::PathBuf::from(format!("{base}{cg}")))
    .filter(|d| d.join("cgroup.procs").is_file())
    .collect()
}

fn cgroup_pids(cg: &str) -> BTreeSet<u32> {
    let mut pids = BTreeSet::new();
    let mut dirs = cgroup_dirs(cg);
    while let Some(d) = dirs.pop() {
        if let Ok(data) = crate::files::read_prefix(&d.join("cgroup.procs"), 1 << 20) {
            pids.extend(
                String::from_utf8_lossy(&data)
                    .lines()
                    .filter_map(|l| l.trim().parse::<u32>().ok()),
            );
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
    pids
}

const EXEC_PROPERTIES: &[&str] = &[
    "ExecStartPre",
    "ExecStart",
    "ExecStartPost",
    "ExecReload",
    "ExecStop",
    "ExecStopPost",
    "ExecCondition",
];

fn state_from(props: &HashMap<String, OwnedValue>) -> UnitState {
    let text = |k: &str| {
        props
            .get(k)
            .and_then(|v| bus::as_str(v).map(str::to_string))
            .unwrap_or_default()
    };
    let num = |k: &str| props.get(k).and_then(|v| bus::as_u32(v)).unwrap_or(0);
    let mut exec_pids: Vec<u32> = vec![num("ExecMainPID"), num("MainPID"), num("ControlPID")];
    let mut sigsys = Vec::new();
    let mut exec_paths = Vec::new();
    for k in EXEC_PROPERTIES {
        if let Some(v) = props.get(*k) {
            for run in exec_runs(v) {
                exec_paths.push((k.to_string(), run.path.clone()));
                exec_pids.push(run.pid);
                if run.code == CLD_KILLED && run.status == SIGSYS {
                    sigsys.push((run.exit_usec, run.path));
                }
            }
        }
    }
    exec_pids.retain(|&p| p > 0);
    exec_pids.sort_unstable();
    exec_pids.dedup();
    let uid = props
        .get("UID")
        .and_then(|v| bus::as_u32(v))
        .filter(|&u| u != u32::MAX);
    UnitState {
        active_state: text("ActiveState"),
        sub_state: text("SubState"),
        main_pid: num("MainPID"),
        n_restarts: num("NRestarts"),
        result: text("Result"),
        exec_main_status: props
            .get("ExecMainStatus")
            .and_then(|v| as_i32(v))
            .unwrap_or(0),
        control_group: text("ControlGroup"),
        exec_pids,
        uid,
        sigsys,
        exec_paths,
    }
}

/// siginfo's si_code for a child killed by a signal, and the signal seccomp kills with.
const CLD_KILLED: i32 = 2;
const SIGSYS: i32 = 31;

/// The last run of one Exec*= command line.
struct ExecRun {
    path: String,
    exit_usec: u64,
    pid: u32,
    code: i32,
    status: i32,
}

/// The runs in an `a(sasbttttuii)` Exec*= property: (path, argv, ignore, start, start_mono,
/// exit, exit_mono, pid, code, status).
fn exec_runs(v: &Value) -> Vec<ExecRun> {
    let Value::Array(a) = bus::inner(v) else {
        return Vec::new();
    };
    a.inner()
        .iter()
        .filter_map(|cmd| match bus::fields(cmd)? {
            [path, _, _, _, _, exit, _, pid, code, status] => Some(ExecRun {
                path: bus::as_str(path)?.to_string(),
                exit_usec: bus::as_u64(exit)?,
                pid: bus::as_u32(pid)?,
                code: as_i32(code)?,
                status: as_i32(status)?,
            }),
            _ => None,
        })
        .collect()
}

fn as_i32(v: &Value) -> Option<i32> {
    match bus::inner(v) {
        Value::I32(x) => Some(*x),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopped_unit_is_not_running() {
        let s = |a: &str| UnitState {
            active_state: a.into(),
            ..Default::default()
        };
        assert!(s("active").is_running());
        assert!(s("activating").is_running());
        assert!(!s("inactive").is_running());
        assert!(!s("failed").is_running());
    }
}
