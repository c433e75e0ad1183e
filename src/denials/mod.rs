//! Sandbox denials: journal and kernel-audit lines recognised by the signatures of
//! `data/denials.toml`, each mapped to the directive that caused it and the catalogue's
//! one-notch-looser value.

pub mod forward;
pub mod gather;
pub mod logfiles;
pub mod siem;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::catalogue::Catalogue;
use crate::tables::SystemdTables;

#[derive(Debug, Deserialize)]
struct SignatureDef {
    id: String,
    pattern: String,
    directive: String,
    explain: String,
    #[serde(default)]
    fix: Option<String>,
}

#[derive(Debug, Deserialize)]
struct SignaturesFile {
    signature: Vec<SignatureDef>,
}

struct Signature {
    def: SignatureDef,
    re: Regex,
}

fn signatures() -> &'static [Signature] {
    static S: OnceLock<Vec<Signature>> = OnceLock::new();
    S.get_or_init(|| {
        let file: SignaturesFile = toml::from_str(include_str!("../../data/denials.toml"))
            .expect("data/denials.toml is valid");
        file.signature
            .into_iter()
            .map(|def| Signature {
                re: Regex::new(&def.pattern)
                    .unwrap_or_else(|e| panic!("data/denials.toml {}: {e}", def.id)),
                def,
            })
            .collect()
    })
}

/// One recognised denial.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Denial {
    /// Microseconds since the epoch, when known.
    pub timestamp: Option<u64>,
    pub unit: Option<String>,
    /// "journal", "kernel" or a log file path.
    pub source: String,
    pub signature: String,
    pub directive: String,
    pub explanation: String,
    /// What to change: the catalogue's looser value or the signature's precise fix.
    pub fix: String,
    pub line: String,
    /// The process the line is about, when the journal or the kernel said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comm: Option<String>,
}

/// A log line with where it came from.
#[derive(Debug, Clone, Default)]
pub struct LogLine {
    pub timestamp: Option<u64>,
    /// The unit the line is about, from trusted fields only (see [`crate::systemd::journal`]).
    pub unit: Option<String>,
    pub source: String,
    pub message: String,
    /// The process that logged it (journal) or that the kernel acted on (kernel lines).
    pub pid: Option<u32>,
    pub uid: Option<u32>,
    pub comm: Option<String>,
    /// On systemd's own record of a unit's process killed by SIGSYS (from PID 1, with
    /// EXIT_CODE=killed and EXIT_STATUS=31): the kind of Exec line it ran (COMMAND=, e.g.
    /// `ExecStartPre`).
    pub sigsys_command: Option<String>,
}

impl LogLine {
    pub fn is_kernel(&self) -> bool {
        self.source == "kernel"
    }
}

/// What was seen of a unit's processes, for telling which kernel lines are its own. A
/// process name proves nothing (any program can call itself `nginx`); what counts is what
/// systemd and the kernel recorded.
#[derive(Debug, Clone, Default)]
pub struct UnitProcesses {
    pub unit: String,
    /// The unit's processes: its control group's members and the processes systemd started.
    pub pids: BTreeSet<u32>,
    /// The user the unit runs as, when systemd knows it (`User=`, `DynamicUser=`).
    pub uid: Option<u32>,
    /// The unit's processes that seccomp killed, as systemd recorded their end: when (µs
    /// since the epoch) and the program they ran.
    pub sigsys: BTreeSet<(u64, String)>,
    /// Whether this process sees the pids the kernel logs: in a container the kernel's audit
    /// lines carry the host's pids, which mean nothing here.
    pub kernel_pids: bool,
    /// The programs of the unit's Exec lines, by kind (`ExecStart`, `ExecStartPre`, ...).
    pub exec_paths: BTreeSet<(String, String)>,
}

/// How far apart the kernel's audit time of a seccomp kill and systemd's record of the
/// process's end may be (systemd reaps the child a moment after the kernel kills it).
const KILL_WINDOW_USEC: u64 = 2_000_000;

impl UnitProcesses {
    pub fn new(unit: &str) -> UnitProcesses {
        UnitProcesses {
            unit: unit.to_string(),
            kernel_pids: in_initial_pid_namespace(),
            ..Default::default()
        }
    }

    /// Adds what one reading of the unit's state shows.
    pub fn observe(&mut self, s: &crate::systemd::control::UnitState) {
        self.pids.extend(crate::systemd::control::unit_pids(s));
        self.uid = s.uid.or(self.uid);
        self.sigsys.extend(s.sigsys.iter().cloned());
        self.exec_paths.extend(s.exec_paths.iter().cloned());
    }

    /// Records systemd's journal line about a process of the unit that seccomp killed at
    /// `at`, running an Exec line of kind `command`: any program of that kind may be it.
    pub fn killed_by_sigsys(&mut self, at: u64, command: &str) {
        let programs: Vec<String> = self
            .exec_paths
            .iter()
            .filter(|(kind, _)| kind == command)
            .map(|(_, p)| p.clone())
            .collect();
        for p in programs {
            self.sigsys.insert((at, p));
        }
    }

    /// Whether a kernel line is about one of these processes: its pid is one of them (and its
    /// uid the unit's, when known), where the kernel's pids can be compared; or it reports a
    /// seccomp kill (sig=31) of the very program systemd saw the unit lose to SIGSYS at that
    /// moment.
    pub fn owns(&self, line: &LogLine) -> bool {
        let by_pid = self.kernel_pids
            && line.pid.is_some_and(|p| self.pids.contains(&p))
            && match (self.uid, line.uid) {
                (Some(want), Some(got)) => want == got,
                _ => true,
            };
        by_pid || self.killed_at(line)
    }

    fn killed_at(&self, line: &LogLine) -> bool {
        if !line.message.contains(" sig=31 ") {
            return false;
        }
        let (Some(at), Some(exe)) = (
            line.timestamp,
            crate::systemd::journal::quoted_field(&line.message, "exe"),
        ) else {
            return false;
        };
        self.sigsys.iter().any(|(ended, program)| {
            ended.abs_diff(at) <= KILL_WINDOW_USEC && same_program(program, exe)
        })
    }

    /// `line` for this unit: journal lines whose trusted unit is this one, and kernel lines
    /// about its processes (tagged with the unit); `None` for every other line.
    pub fn claim(&self, mut line: LogLine) -> Option<LogLine> {
        if line.is_kernel() {
            if !self.owns(&line) {
                return None;
            }
            line.unit = Some(self.unit.clone());
            return Some(line);
        }
        (line.unit.as_deref() == Some(self.unit.as_str())).then_some(line)
    }
}

/// Whether the program systemd ran (`/usr/bin/python3`) is the executable the kernel names
/// (`/usr/bin/python3.11`, after the symlink).
fn same_program(program: &str, exe: &str) -> bool {
    program == exe || std::fs::canonicalize(program).is_ok_and(|p| p == std::path::Path::new(exe))
}

/// Whether this process is in the initial pid namespace (whose inode number is fixed:
/// PROC_PID_INIT_INO), where the kernel's pids are ours.
pub fn in_initial_pid_namespace() -> bool {
    const PROC_PID_INIT_INO: &str = "pid:[4026531836]";
    std::fs::read_link("/proc/self/ns/pid").is_ok_and(|l| l.as_os_str() == PROC_PID_INIT_INO)
}

/// `s` with control characters (and DEL) escaped as `\xNN`, so that a log line cannot move
/// the cursor, clear the screen or forge a line of its own on the terminal.
pub fn escape_control(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control()) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn fill(template: &str, caps: &regex::Captures, extra: &[(&str, String)]) -> String {
    let mut s = template.to_string();
    for name in ["path", "syscall", "nr", "comm", "call", "cap", "family"] {
        if let Some(m) = caps.name(name) {
            s = s.replace(&format!("{{{name}}}"), m.as_str());
        }
    }
    for (k, v) in extra {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// Recognises one line, or `None` if it is not a sandbox denial.
pub fn recognise(line: &LogLine) -> Option<Denial> {
    let tables = SystemdTables::host();
    for sig in signatures() {
        let Some(caps) = sig.re.captures(&line.message) else {
            continue;
        };
        let mut extra: Vec<(&str, String)> = Vec::new();
        if let Some(nr) = caps.name("nr").and_then(|m| m.as_str().parse::<i32>().ok()) {
            let name = tables.syscall_name(nr).unwrap_or("?").to_string();
            let group = tables
                .groups
                .iter()
                .filter(|g| !matches!(g.name.as_str(), "@known" | "@system-service" | "@default"))
                .find(|g| {
                    let mut m = Vec::new();
                    tables.expand_group(&g.name, &mut m);
                    m.contains(&name)
                })
                .map_or_else(|| "-".to_string(), |g| g.name.clone());
            extra.push(("syscall", name));
            extra.push(("group", group));
        }
        let path = caps.name("path").map(|m| m.as_str().to_string());
        extra.push((
            "at_path",
            path.as_ref().map_or(String::new(), |p| format!(" ({p})")),
        ));
        let dir = path
            .as_deref()
            .and_then(|p| std::path::Path::new(p).parent())
            .map_or_else(
                || "<the directory it writes>".to_string(),
                |d| d.display().to_string(),
            );
        extra.push(("dir", dir));
        let looser = Catalogue::get()
            .directive(&sig.def.directive)
            .map(|d| {
                if d.kind == "bool" && d.looser == "no" {
                    format!("remove {}= (or set it to no)", d.name)
                } else if d.looser.contains(' ') {
                    d.looser.clone()
                } else {
                    format!("{}={}", d.name, d.looser)
                }
            })
            .unwrap_or_default();
        let fix = sig
            .def
            .fix
            .as_deref()
            .map_or(looser, |f| fill(f, &caps, &extra));
        return Some(Denial {
            timestamp: line.timestamp,
            unit: line.unit.clone(),
            source: line.source.clone(),
            signature: sig.def.id.clone(),
            directive: sig.def.directive.clone(),
            explanation: fill(&sig.def.explain, &caps, &extra),
            fix,
            line: line.message.clone(),
            pid: line.pid,
            uid: line.uid,
            comm: line.comm.clone(),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(m: &str) -> LogLine {
        LogLine {
            message: m.into(),
            source: "journal".into(),
            ..Default::default()
        }
    }

    /// Lines seen in the real test-bed (shared/reference/real-systemd-testbed.md).
    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("plain"), "plain");
        assert_eq!(
            escape_control("a\x1b[2Jb\nc\u{9b}"),
            "a\\x1b[2Jb\\x0ac\\x9b"
        );
    }

    #[test]
    fn kernel_lines_count_for_a_unit_only_by_its_pids() {
        let procs = UnitProcesses {
            unit: "nginx.service".into(),
            pids: [10, 11].into_iter().collect(),
            uid: Some(33),
            kernel_pids: true,
            ..Default::default()
        };
        let kernel = |pid, uid| LogLine {
            source: "kernel".into(),
            pid: Some(pid),
            uid: Some(uid),
            comm: Some("nginx".into()),
            message: "audit: type=1326 comm=\"nginx\"".into(),
            ..Default::default()
        };
        assert_eq!(
            procs.claim(kernel(10, 33)).unwrap().unit.as_deref(),
            Some("nginx.service")
        );
        // Same name, another process: not nginx's.
        assert!(procs.claim(kernel(99, 33)).is_none());
        assert!(procs.claim(kernel(10, 1000)).is_none());
        let journal = |unit: Option<&str>| LogLine {
            source: "journal".into(),
            unit: unit.map(str::to_string),
            ..Default::default()
        };
        assert!(procs.claim(journal(Some("nginx.service"))).is_some());
        assert!(procs.claim(journal(Some("session-1.scope"))).is_none());
        assert!(procs.claim(journal(None)).is_none());
        // In a container the kernel's pids are the host's: no match by pid at all, only by a
        // kill systemd recorded for the unit, of the same program, at the same moment.
        let mut in_container = UnitProcesses {
            kernel_pids: false,
            ..procs.clone()
        };
        let killed = |at: u64, exe: &str| LogLine {
            timestamp: Some(at),
            message: format!(
                "audit: type=1326 audit(1.2:3): uid=33 pid=10 comm=\"nginx\" exe=\"{exe}\" sig=31 arch=c000003e syscall=50"
            ),
            ..kernel(10, 33)
        };
        assert!(
            in_container
                .claim(killed(5_000_000, "/usr/sbin/nginx"))
                .is_none()
        );
        in_container
            .sigsys
            .insert((5_400_000, "/usr/sbin/nginx".into()));
        assert!(
            in_container
                .claim(killed(5_000_000, "/usr/sbin/nginx"))
                .is_some()
        );
        assert!(
            in_container
                .claim(killed(9_000_000, "/usr/sbin/nginx"))
                .is_none()
        );
        assert!(
            in_container
                .claim(killed(5_000_000, "/usr/bin/python3.11"))
                .is_none()
        );
    }

    #[test]
    fn recognises_real_breakages() {
        let d = recognise(&line("nginx.service: Failed to set up mount namespacing: /run/systemd/unit-root/srv/does-not-exist: No such file or directory")).unwrap();
        assert_eq!(
            (d.directive.as_str(), d.signature.as_str()),
            ("ReadWritePaths", "namespace-missing-path")
        );
        assert!(d.fix.contains("-/srv/does-not-exist"), "{}", d.fix);
        let d = recognise(&line(r#"audit: type=1326 audit(1.2:3): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=1 comm="nginx" exe="/usr/sbin/nginx" sig=31 arch=c000003e syscall=50 compat=0 ip=0x0 code=0x0"#)).unwrap();
        assert_eq!(d.directive, "SystemCallFilter");
        assert!(d.explanation.contains("listen"), "{}", d.explanation);
        let d = recognise(&line(r#"2026/11/22 [emerg] 469#469: open() "/var/log/nginx/error.log" failed (30: Read-only file system)"#)).unwrap();
        assert_eq!(d.directive, "ProtectSystem");
        assert!(d.fix.contains("ReadWritePaths=/var/log/nginx"), "{}", d.fix);
        let d = recognise(&line("nginx: [emerg] socket() 0.0.0.0:80 failed (97: Address family not supported by protocol)")).unwrap();
        assert_eq!(d.directive, "RestrictAddressFamilies");
        let d = recognise(&line(
            "[emerg] 690#690: setgid(33) failed (1: Operation not permitted)",
        ))
        .unwrap();
        assert_eq!(d.directive, "CapabilityBoundingSet");
        let d = recognise(&line(
            r#"stat() "/var/www/html/" failed (13: Permission denied)"#,
        ))
        .unwrap();
        assert_eq!(d.directive, "InaccessiblePaths");
        assert!(
            recognise(&line(
                "Started nginx.service - A high performance web server."
            ))
            .is_none()
        );
        // More lines from the test-bed (tests/testbed_apply.rs).
        let d = recognise(&line("[2026-11-24 02:09:49,286] ERROR in app: cannot write state in /var/lib/pyapp: [Errno 30] Read-only file system: '/var/lib/pyapp/.lock'")).unwrap();
        assert_eq!(d.directive, "ProtectSystem");
        assert!(
            d.fix.contains("ReadWritePaths=/var/lib/pyapp "),
            "{}",
            d.fix
        );
        let d = recognise(&line(
            "failed to drop supplementary groups: Operation not permitted",
        ))
        .unwrap();
        assert_eq!(
            (d.directive.as_str(), d.signature.as_str()),
            ("CapabilityBoundingSet", "user-switch-failed")
        );
        assert_eq!(
            recognise(&line("Error: Could not change user id"))
                .unwrap()
                .signature,
            "user-switch-failed"
        );
        let d = recognise(&line(
            "WARNING:  error during JITing: Operation not permitted",
        ))
        .unwrap();
        assert_eq!(d.directive, "MemoryDenyWriteExecute");
        let d = recognise(&line("nginx: [emerg] socket() 0.0.0.0:80 failed (97: Address family not supported by protocol)")).unwrap();
        assert!(d.fix.contains("AF_INET "), "{}", d.fix);
        let d = recognise(&line(
            "nginx: [emerg] socket() [::]:80 failed (97: Address family not supported by protocol)",
        ))
        .unwrap();
        assert!(d.fix.contains("AF_INET6"), "{}", d.fix);
    }
}
