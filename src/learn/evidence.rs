//! The evidence file: what a service (or command) was seen doing under the tracer. JSON,
//! versioned (`schema`), documented in `docs/evidence.md`; runs merge by union.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The schema version this build writes and reads. A file of another version is refused
/// with a message naming both.
pub const SCHEMA: u32 = 1;

/// At most this many distinct entries are kept per list (files, sockets, denials); what
/// goes beyond is counted in `truncated`, so a busy service cannot grow the file without end.
pub const MAX_ENTRIES: usize = 20_000;
pub const MAX_DENIALS: usize = 200;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Evidence {
    pub schema: u32,
    /// The unit it was recorded for (None for `learn -- CMD`).
    #[serde(default)]
    pub unit: Option<String>,
    /// One entry per traced run (a unit's learn run traces each Exec line of it).
    pub runs: Vec<Run>,
    /// Path -> how it was used. Paths are absolute and normalised; `/proc/<pid>` of a traced
    /// process is `/proc/self`, of any other process `/proc/PID`.
    pub files: BTreeMap<String, FileUse>,
    /// Sockets made, bound, connected, accepted and sent to.
    pub sockets: BTreeSet<SocketUse>,
    /// Address families of the sockets it created (what RestrictAddressFamilies= filters).
    pub families: BTreeSet<String>,
    /// Traced system call -> number of calls (successful or not).
    pub syscalls: BTreeMap<String, u64>,
    /// Capability -> the operations that needed it (a few examples each).
    pub capabilities: BTreeMap<String, BTreeSet<String>>,
    /// Capabilities an open may have needed, when the file was opened (seen by fanotify,
    /// after the fact) by a process that was root once and ran as another user later: as
    /// root it needed them, as that user not. `apply --learn` first tries without them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub uncertain_capabilities: BTreeMap<String, BTreeSet<String>>,
    /// Writable and executable memory (mmap with PROT_WRITE|PROT_EXEC, mprotect adding
    /// PROT_EXEC): what MemoryDenyWriteExecute= forbids. A few examples.
    pub wx_mappings: BTreeSet<String>,
    /// Programs executed (successful execve).
    pub execs: BTreeSet<String>,
    /// Executed programs that carry the setuid or setgid bit.
    pub setuid_execs: BTreeSet<String>,
    /// Namespaces created or joined: mnt, uts, ipc, net, pid, user, cgroup, time.
    pub namespaces: BTreeSet<String>,
    /// Realtime scheduling requested (SCHED_FIFO/RR/DEADLINE), with the call.
    pub realtime: BTreeSet<String>,
    /// personality() values set other than the default.
    pub personality: BTreeSet<String>,
    /// Clock changes (settimeofday, clock_settime, adjtimex with modes).
    pub clock: BTreeSet<String>,
    /// Host or domain name changes.
    pub hostname: BTreeSet<String>,
    /// Device nodes opened or created.
    pub devices: BTreeSet<String>,
    /// User and group switches: "uid 0 -> 33", "setgroups", "gid 0 -> 33".
    pub user_switches: BTreeSet<String>,
    /// Kernel keyring calls, System V IPC, signals to processes it did not start, mounts.
    pub keyring: bool,
    pub sysv_ipc: bool,
    pub kill_other: BTreeSet<String>,
    pub mounts: BTreeSet<String>,
    /// Calls that failed with EPERM, EACCES or EROFS: the service's own sandbox (or the
    /// host) said no. Each "call target: ERRNO".
    pub denials: BTreeSet<String>,
    /// Entries left out because a list was full.
    #[serde(default)]
    pub truncated: u64,
}

/// One traced program: a unit's Exec line or a plain command.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Run {
    /// `ExecStart`, `ExecStartPre[1]`, ... or `command`.
    pub what: String,
    pub command: Vec<String>,
    /// Unix time the run started, and how long it was watched.
    pub started: u64,
    pub duration_s: f64,
    /// The exercise command run meanwhile, and whether the unit was reloaded.
    #[serde(default)]
    pub exercise: Option<String>,
    #[serde(default)]
    pub reloaded: bool,
    /// `strace -V`'s first line.
    pub tracer: String,
    /// System calls not traced, for speed: all in @system-service and in none of the groups
    /// the planner may deny, so their absence from `syscalls` means nothing.
    pub untraced: Vec<String>,
    pub lines: u64,
    /// Lines the parser did not know, and the first few of them.
    pub unknown_lines: u64,
    #[serde(default)]
    pub unknown_samples: Vec<String>,
    /// The unit's line as written (prefixes and unexpanded variables kept), for a unit's
    /// Exec line; None for a plain command and in files written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    /// The capabilities this line's processes used (the reasons are in the evidence's
    /// `capabilities`). None where not recorded: then nothing is known per line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<BTreeSet<String>>,
    /// The traced system calls this line's processes made (the counts are in the evidence's
    /// `syscalls`). None where not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub syscalls: Option<BTreeSet<String>>,
    /// Whether this line's processes used /tmp, /var/tmp or /dev/shm, which are private to
    /// the sandbox (PrivateTmp=) and shared outside it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub uses_tmp: bool,
}

/// How a path was used.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileUse {
    #[serde(default, skip_serializing_if = "is_false")]
    pub read: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub write: bool,
    /// Created (O_CREAT, mkdir, bind of a unix socket, rename/link target): its directory
    /// must be writable.
    #[serde(default, skip_serializing_if = "is_false")]
    pub create: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub remove: bool,
    /// Executed, or mapped executable (a library).
    #[serde(default, skip_serializing_if = "is_false")]
    pub exec: bool,
    /// Metadata changed: chmod, chown, utimes, xattrs, truncate.
    #[serde(default, skip_serializing_if = "is_false")]
    pub meta: bool,
    /// A unix socket connected to.
    #[serde(default, skip_serializing_if = "is_false")]
    pub connect: bool,
    /// Only looked up (access(), readlink(), a failed open): hiding it changes little.
    #[serde(default, skip_serializing_if = "is_false")]
    pub lookup: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub dir: bool,
    /// Which sandbox settings would hide it or make it read-only, for this use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked_by: Vec<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl FileUse {
    pub fn merge(&mut self, o: &FileUse) {
        self.read |= o.read;
        self.write |= o.write;
        self.create |= o.create;
        self.remove |= o.remove;
        self.exec |= o.exec;
        self.meta |= o.meta;
        self.connect |= o.connect;
        self.lookup |= o.lookup;
        self.dir |= o.dir;
        for b in &o.blocked_by {
            if !self.blocked_by.contains(b) {
                self.blocked_by.push(b.clone());
            }
        }
    }

    /// Changes the file or its directory (what ReadWritePaths= must allow).
    pub fn writes(&self) -> bool {
        self.write || self.create || self.remove || self.meta
    }

    /// Uses its content or runs it (as opposed to a look-up).
    pub fn uses(&self) -> bool {
        self.read || self.writes() || self.exec || self.connect
    }
}

/// One socket operation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SocketUse {
    /// socket, bind, connect, accept, sendto.
    pub op: String,
    pub family: String,
    /// stream, dgram, raw, seqpacket (empty when not known).
    #[serde(default)]
    pub kind: String,
    /// The netlink protocol (ROUTE, AUDIT, ...) for AF_NETLINK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// The local address of a bind, the peer of connect/accept/sendto; a unix socket's path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
}

impl Evidence {
    pub fn new(unit: Option<String>) -> Self {
        Evidence {
            schema: SCHEMA,
            unit,
            ..Default::default()
        }
    }

    /// Adds everything `o` saw (a union; counts add up).
    pub fn merge(&mut self, o: &Evidence) {
        if self.unit.is_none() {
            self.unit.clone_from(&o.unit);
        }
        self.runs.extend(o.runs.iter().cloned());
        for (p, u) in &o.files {
            if let Some(mine) = self.files.get_mut(p) {
                mine.merge(u);
            } else if self.files.len() < MAX_ENTRIES {
                self.files.insert(p.clone(), u.clone());
            } else {
                self.truncated += 1;
            }
        }
        for s in &o.sockets {
            if self.sockets.len() < MAX_ENTRIES {
                self.sockets.insert(s.clone());
            } else if !self.sockets.contains(s) {
                self.truncated += 1;
            }
        }
        self.families.extend(o.families.iter().cloned());
        for (k, v) in &o.syscalls {
            *self.syscalls.entry(k.clone()).or_default() += v;
        }
        for (mine, theirs) in [
            (&mut self.capabilities, &o.capabilities),
            (&mut self.uncertain_capabilities, &o.uncertain_capabilities),
        ] {
            for (k, v) in theirs {
                let e = mine.entry(k.clone()).or_default();
                for r in v {
                    if e.len() < 5 {
                        e.insert(r.clone());
                    }
                }
            }
        }
        let small = |a: &mut BTreeSet<String>, b: &BTreeSet<String>, cap: usize| {
            for x in b {
                if a.len() < cap {
                    a.insert(x.clone());
                }
            }
        };
        small(&mut self.wx_mappings, &o.wx_mappings, 10);
        small(&mut self.execs, &o.execs, MAX_ENTRIES);
        small(&mut self.setuid_execs, &o.setuid_execs, MAX_ENTRIES);
        small(&mut self.namespaces, &o.namespaces, 16);
        small(&mut self.realtime, &o.realtime, 10);
        small(&mut self.personality, &o.personality, 10);
        small(&mut self.clock, &o.clock, 10);
        small(&mut self.hostname, &o.hostname, 10);
        small(&mut self.devices, &o.devices, MAX_ENTRIES);
        small(&mut self.user_switches, &o.user_switches, 100);
        small(&mut self.kill_other, &o.kill_other, 20);
        small(&mut self.mounts, &o.mounts, 100);
        small(&mut self.denials, &o.denials, MAX_DENIALS);
        self.keyring |= o.keyring;
        self.sysv_ipc |= o.sysv_ipc;
        self.truncated += o.truncated;
    }

    /// Reads an evidence file; a file of another schema version, or that is not evidence,
    /// is an error naming it.
    pub fn load(path: &Path) -> Result<Evidence> {
        let data = crate::files::read_regular(path, 256 << 20).map_err(|e| Error::io(path, e))?;
        let value: serde_json::Value = serde_json::from_slice(&data).map_err(|e| {
            Error::Usage(format!(
                "{}: not an evidence file (line {}: {e})",
                path.display(),
                e.line()
            ))
        })?;
        match value.get("schema").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(SCHEMA) => {}
            Some(v) => {
                return Err(Error::Usage(format!(
                    "{}: evidence schema {v}; this unitguard reads schema {SCHEMA}",
                    path.display()
                )));
            }
            None => {
                return Err(Error::Usage(format!(
                    "{}: not an evidence file (no \"schema\" number)",
                    path.display()
                )));
            }
        }
        serde_json::from_value(value)
            .map_err(|e| Error::Usage(format!("{}: bad evidence: {e}", path.display())))
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("evidence serialises");
        s.push('\n');
        s
    }

    /// Writes the file atomically (temp file, fsync, rename), 0644, owned by the caller.
    pub fn save(&self, path: &Path) -> Result<()> {
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|e| Error::io(path, e))?
                .join(path)
        };
        let dir = abs.parent().unwrap_or(Path::new("/"));
        let name = abs
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| Error::Usage(format!("{}: not a file name", path.display())))?;
        let root = crate::files::Root::host()?;
        root.dir(dir, Some(0o755))?.replace(
            name,
            self.to_json().as_bytes(),
            crate::files::FileMeta {
                mode: 0o644,
                uid: rustix::process::getuid().as_raw(),
                gid: rustix::process::getgid().as_raw(),
            },
        )?;
        Ok(())
    }
}
