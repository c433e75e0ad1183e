//! Collecting one unit's denials from everything the system wrote about it: the journal's
//! lines whose trusted fields name the unit, the kernel's seccomp lines about its processes
//! (from the journal and from the kernel ring buffer, which is the only place they reach in
//! a container), and its own log files. Streamed: memory stays flat on any journal.

use std::collections::HashSet;

use super::{Denial, LogLine, UnitProcesses, recognise};
use crate::error::Result;
use crate::systemd::journal;

/// The part of a kernel audit line both the journal and dmesg carry (dmesg adds a time).
fn kernel_key(message: &str) -> &str {
    message.find("audit:").map_or(message, |i| &message[i..])
}

/// Calls `found` for every denial of the unit `procs` describes since `since`, adding to
/// `procs` the SIGSYS deaths systemd recorded in the journal (a journalctl
/// time; `since_usec` the same in microseconds when known, which also cuts the kernel ring
/// buffer), then for each denial in `log_lines` (the unit's own log files).
pub fn for_unit(
    procs: &UnitProcesses,
    since: Option<&str>,
    since_usec: Option<u64>,
    log_lines: Vec<LogLine>,
    mut found: impl FnMut(Denial),
) -> Result<()> {
    let unit = procs.unit.clone();
    let mut procs = procs.clone();
    let mut kernel_seen: HashSet<String> = HashSet::new();
    // Seccomp kills the journal holds before systemd's record of the death that makes them
    // the unit's: looked at again once the whole journal is read.
    let mut pending: Vec<LogLine> = Vec::new();
    let journal = journal::stream(Some(&unit), since, false, |line| {
        if line.is_kernel() && !procs.owns(&line) {
            if line.message.contains(" sig=31 ") && pending.len() < 4096 {
                pending.push(line);
            }
            return true;
        }
        if let Some(line) = procs.claim(line) {
            if let (Some(at), Some(command)) = (line.timestamp, &line.sigsys_command) {
                procs.killed_by_sigsys(at, command);
            }
            if line.is_kernel() {
                kernel_seen.insert(kernel_key(&line.message).to_string());
            }
            if let Some(d) = recognise(&line) {
                found(d);
            }
        }
        true
    });
    for line in pending
        .into_iter()
        .chain(journal::kernel_audit_lines(since_usec))
    {
        let Some(line) = procs.claim(line) else {
            continue;
        };
        if !kernel_seen.insert(kernel_key(&line.message).to_string()) {
            continue;
        }
        if let Some(d) = recognise(&line) {
            found(d);
        }
    }
    for line in log_lines {
        let line = LogLine {
            unit: Some(procs.unit.clone()),
            ..line
        };
        if let Some(d) = recognise(&line) {
            found(d);
        }
    }
    // The log files and the kernel's lines are reported even when the journal cannot be
    // read; the error still ends the command, so that a missing journal never reads as
    // "no denials".
    journal
}

/// The unit a live process belongs to, from its control group (`None` once it has exited,
/// or when it is in no unit).
pub fn unit_of_pid(pid: u32) -> Option<String> {
    let data = crate::files::read_prefix(
        std::path::Path::new(&format!("/proc/{pid}/cgroup")),
        64 << 10,
    )
    .ok()?;
    let text = String::from_utf8_lossy(&data);
    // "0::/system.slice/nginx.service" (unified) or "1:name=systemd:/system.slice/..." .
    let path = text
        .lines()
        .find(|l| l.starts_with("0::"))
        .or_else(|| text.lines().find(|l| l.contains(":name=systemd:")))?
        .rsplit(':')
        .next()?
        .to_string();
    path.split('/')
        .rev()
        .find(|c| crate::unit::name::is_valid(c) && !c.ends_with(".slice"))
        .map(str::to_string)
}
