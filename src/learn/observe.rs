//! From traced calls to evidence: what each call says about files, sockets, privileges and
//! the kernel features the service uses. Credentials are followed per process (user
//! switches, forks), so a capability is only counted where a privileged process needed it.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::os::unix::fs::MetadataExt;

use super::evidence::{Evidence, FileUse, MAX_DENIALS, MAX_ENTRIES, SocketUse};
use super::knowledge::LearnData;
use super::strace::args::{self, SockAddr};
use super::strace::line::parse_int;
use super::strace::{Call, Seen};

/// The credentials a traced process runs with, as far as they matter here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cred {
    /// The effective uid (`None`: a non-root user whose number is not known, DynamicUser=).
    pub euid: Option<u32>,
    /// Holds capabilities: root, or a user with ambient capabilities.
    pub privileged: bool,
}

impl Cred {
    pub const ROOT: Cred = Cred {
        euid: Some(0),
        privileged: true,
    };

    pub fn user(uid: Option<u32>, ambient: bool) -> Cred {
        Cred {
            euid: uid,
            privileged: uid == Some(0) || ambient,
        }
    }
}

/// What root may do to a file without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Want {
    Read,
    Write,
    Exec,
    /// Create or remove an entry: write and search on the directory.
    Entry,
}

impl Want {
    /// The capability root needs for this access when the file's mode does not grant it.
    fn capability(self) -> &'static str {
        match self {
            Want::Read => "CAP_DAC_READ_SEARCH",
            _ => "CAP_DAC_OVERRIDE",
        }
    }
}

#[derive(Debug)]
pub struct Observer {
    ev: Evidence,
    initial: Cred,
    procs: HashMap<u32, Cred>,
    /// Processes that held root's powers at some point: fanotify reports an open after the
    /// fact, so an open by one of them may have been made before it switched user.
    was_root: std::collections::HashSet<u32>,
    /// Pids with a fork-family call still running: a pid seen for the first time inherits
    /// from the most recent of them.
    forking: Vec<u32>,
    /// Every pid seen (to tell /proc/<own pid> from another process's).
    traced: HashSet<u32>,
    /// Privileged accesses, checked against the files' modes when the trace ends.
    dac: BTreeSet<(String, Want)>,
    /// Opens by a process that was root once and not at the end (fanotify cannot tell when).
    dac_uncertain: BTreeSet<(String, Want)>,
    /// Files whose metadata a privileged process changed (CAP_FOWNER if not its own).
    fowner: BTreeSet<String>,
    /// Hard limits seen per (pid, resource).
    rlimits: HashMap<(u32, String), u64>,
    /// Whether this machine is where the trace runs: files and processes may be looked up
    /// (setuid bits, modes, owners, the user of a signalled process).
    host: bool,
}

const FORKS: &[&str] = &["clone", "clone3", "fork", "vfork"];

impl Observer {
    pub fn new(initial: Cred) -> Observer {
        Observer {
            ev: Evidence::new(None),
            initial,
            procs: HashMap::new(),
            was_root: Default::default(),
            forking: Vec::new(),
            traced: HashSet::new(),
            dac: BTreeSet::new(),
            dac_uncertain: BTreeSet::new(),
            fowner: BTreeSet::new(),
            rlimits: HashMap::new(),
            host: true,
        }
    }

    /// An observer of a trace recorded elsewhere: nothing is looked up on this machine.
    pub fn offline(initial: Cred) -> Observer {
        Observer {
            host: false,
            ..Observer::new(initial)
        }
    }

    pub fn seen(&mut self, s: Seen) {
        match s {
            Seen::Started(pid, name) => {
                self.cred(pid);
                if FORKS.contains(&name) {
                    self.forking.push(pid);
                }
            }
            Seen::Call(pid, call) => self.call(pid, call),
        }
    }

    fn cred(&mut self, pid: u32) -> Cred {
        if let Some(c) = self.procs.get(&pid) {
            return *c;
        }
        let c = self
            .forking
            .last()
            .and_then(|p| self.procs.get(p))
            .copied()
            .unwrap_or(self.initial);
        self.set_cred(pid, c);
        self.traced.insert(pid);
        c
    }

    fn set_cred(&mut self, pid: u32, c: Cred) {
        if c.privileged && c.euid == Some(0) {
            self.was_root.insert(pid);
        }
        self.procs.insert(pid, c);
    }

    fn count(&mut self, name: &str) {
        match self.ev.syscalls.get_mut(name) {
            Some(n) => *n += 1,
            None => {
                self.ev.syscalls.insert(name.to_string(), 1);
            }
        }
    }

    fn capability(&mut self, cred: Cred, cap: &str, why: String) {
        if !cred.privileged {
            return;
        }
        let e = self.ev.capabilities.entry(cap.to_string()).or_default();
        if e.len() < 5 {
            e.insert(why);
        }
    }

    fn small(set: &mut BTreeSet<String>, v: String, cap: usize) {
        if set.len() < cap {
            set.insert(v);
        }
    }

    /// A path as the process saw it: relative paths joined to the directory descriptor's
    /// decoration, `.`/`..` folded, `/proc/<pid>` of a traced process as `/proc/self`.
    fn path(&self, dirfd: Option<&str>, arg: &str) -> Option<String> {
        let p = args::string(arg)?;
        if p.is_empty() {
            return None;
        }
        let joined = if p.starts_with('/') {
            p
        } else {
            let base = dirfd
                .and_then(args::fd)
                .and_then(|(_, d)| d)
                .filter(|d| d.starts_with('/'))?;
            format!("{base}/{p}")
        };
        Some(self.normalise(&joined))
    }

    fn normalise(&self, p: &str) -> String {
        let mut parts: Vec<&str> = Vec::new();
        for c in p.split('/') {
            match c {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                c => parts.push(c),
            }
        }
        if parts.first() == Some(&"proc") {
            if let Some(n) = parts.get(1).and_then(|n| n.parse::<u32>().ok()) {
                parts[1] = if self.traced.contains(&n) {
                    "self"
                } else {
                    "PID"
                };
                if parts.get(2) == Some(&"task") && parts.len() > 3 {
                    parts[3] = "TID";
                }
            }
        }
        format!("/{}", parts.join("/"))
    }

    /// The path of a descriptor argument's decoration.
    fn fd_path(&self, arg: &str) -> Option<String> {
        let (_, deco) = args::fd(arg)?;
        let d = deco?;
        d.starts_with('/').then(|| self.normalise(d))
    }

    fn file(&mut self, path: &str, f: impl FnOnce(&mut FileUse)) {
        if let Some(u) = self.ev.files.get_mut(path) {
            f(u);
        } else if self.ev.files.len() < MAX_ENTRIES {
            let mut u = FileUse::default();
            f(&mut u);
            self.ev.files.insert(path.to_string(), u);
        } else {
            self.ev.truncated += 1;
        }
        if super::knowledge::under(path, "/dev") && path != "/dev" {
            Self::small(&mut self.ev.devices, path.to_string(), MAX_ENTRIES);
        }
    }

    fn dac(&mut self, cred: Cred, path: &str, want: Want) {
        if cred.euid == Some(0) && self.dac.len() < MAX_ENTRIES {
            self.dac.insert((path.to_string(), want));
        }
    }

    fn denial(&mut self, call: &Call, target: &str) {
        if let Some(e @ ("EPERM" | "EACCES" | "EROFS")) = call.ret.errno {
            Self::small(
                &mut self.ev.denials,
                format!("{} {target}: {e}", call.name),
                MAX_DENIALS,
            );
        }
    }

    fn socket(&mut self, s: SocketUse) {
        if self.ev.sockets.len() < MAX_ENTRIES {
            self.ev.sockets.insert(s);
        } else if !self.ev.sockets.contains(&s) {
            self.ev.truncated += 1;
        }
    }

    pub fn call(&mut self, pid: u32, call: &Call) {
        let cred = self.cred(pid);
        self.count(call.name);
        let a = |i: usize| call.arg(i).unwrap_or("");
        let ok = call.ok();
        if ok {
            if let Some(cap) = LearnData::get().capability_for(call.name) {
                let why = format!("{}({})", call.name, brief(a(0)));
                self.capability(cred, cap, why);
            }
        }
        match call.name {
            "open" => self.open(cred, call, None, a(0), a(1)),
            "openat" => self.open(cred, call, Some(a(0)), a(1), a(2)),
            "openat2" => {
                let flags = args::fields(a(2))
                    .into_iter()
                    .find(|(k, _)| *k == "flags")
                    .map_or("", |(_, v)| v);
                self.open(cred, call, Some(a(0)), a(1), flags);
            }
            "creat" => self.open(cred, call, None, a(0), "O_WRONLY|O_CREAT|O_TRUNC"),
            "execve" | "execveat" => {
                let (dirfd, p) = if call.name == "execve" {
                    (None, a(0))
                } else {
                    (Some(a(0)), a(1))
                };
                if let Some(path) = self.path(dirfd, p) {
                    if ok {
                        self.file(&path, |u| u.exec = true);
                        self.dac(cred, &path, Want::Exec);
                        if self.host && is_setuid(&path) {
                            Self::small(&mut self.ev.setuid_execs, path.clone(), MAX_ENTRIES);
                        }
                        Self::small(&mut self.ev.execs, path, MAX_ENTRIES);
                    } else {
                        self.denial(call, &path);
                    }
                }
            }
            "mkdir" | "mkdirat" | "mknod" | "mknodat" => {
                let at = call.name.ends_with("at");
                let (dirfd, p, mode) = if at {
                    (Some(a(0)), a(1), a(2))
                } else {
                    (None, a(0), a(1))
                };
                if let Some(path) = self.path(dirfd, p) {
                    if ok {
                        let dir = call.name.starts_with("mkdir");
                        self.file(&path, |u| {
                            u.create = true;
                            u.dir |= dir;
                        });
                        self.dac(cred, &parent(&path), Want::Entry);
                        if !dir && (mode.contains("S_IFCHR") || mode.contains("S_IFBLK")) {
                            self.capability(cred, "CAP_MKNOD", format!("mknod {path}"));
                            Self::small(&mut self.ev.devices, path, MAX_ENTRIES);
                        }
                    } else {
                        self.denial(call, &path);
                    }
                }
            }
            "unlink" | "rmdir" | "unlinkat" => {
                let (dirfd, p) = if call.name == "unlinkat" {
                    (Some(a(0)), a(1))
                } else {
                    (None, a(0))
                };
                self.entry_change(cred, call, dirfd, p, |u| u.remove = true);
            }
            "rename" | "renameat" | "renameat2" | "link" | "linkat" => {
                let (from, to) = if call.name.ends_with("at") || call.name == "renameat2" {
                    ((Some(a(0)), a(1)), (Some(a(2)), a(3)))
                } else {
                    ((None, a(0)), (None, a(1)))
                };
                let moves = call.name.starts_with("rename");
                self.entry_change(cred, call, from.0, from.1, |u| {
                    if moves {
                        u.remove = true;
                    } else {
                        u.read = true;
                    }
                });
                self.entry_change(cred, call, to.0, to.1, |u| u.create = true);
            }
            "symlink" => self.entry_change(cred, call, None, a(1), |u| u.create = true),
            "symlinkat" => self.entry_change(cred, call, Some(a(1)), a(2), |u| u.create = true),
            "chmod" | "truncate" | "utimes" | "utime" | "setxattr" | "lsetxattr"
            | "removexattr" | "lremovexattr" => {
                self.meta(cred, call, None, a(0));
            }
            "fchmodat" | "utimensat" | "futimesat" => {
                if a(1) == "NULL" {
                    if let Some(p) = self.fd_path(a(0)) {
                        self.meta_path(cred, call, p);
                    }
                } else {
                    self.meta(cred, call, Some(a(0)), a(1));
                }
            }
            "fchmod" | "ftruncate" | "fsetxattr" | "fremovexattr" => {
                if let Some(p) = self.fd_path(a(0)) {
                    self.meta_path(cred, call, p);
                }
            }
            "chown" | "lchown" | "chown32" | "lchown32" => {
                let p = self.path(None, a(0));
                self.chown(cred, call, p, a(1), a(2));
            }
            "fchownat" => {
                let p = if args::string(a(1)).is_some_and(|s| s.is_empty()) {
                    self.fd_path(a(0))
                } else {
                    self.path(Some(a(0)), a(1))
                };
                self.chown(cred, call, p, a(2), a(3));
            }
            "fchown" | "fchown32" => {
                let p = self.fd_path(a(0));
                self.chown(cred, call, p, a(1), a(2));
            }
            "chdir" | "chroot" => {
                if let Some(p) = self.path(None, a(0)) {
                    if ok {
                        self.file(&p, |u| {
                            u.read = true;
                            u.dir = true;
                        });
                        if call.name == "chroot" {
                            Self::small(&mut self.ev.mounts, format!("chroot {p}"), 100);
                        }
                    } else {
                        self.denial(call, &p);
                    }
                }
            }
            "access" | "readlink" | "statfs" | "stat" | "lstat" => {
                if let Some(p) = self.path(None, a(0)) {
                    self.file(&p, |u| u.lookup = true);
                }
            }
            "faccessat" | "faccessat2" | "readlinkat" => {
                if let Some(p) = self.path(Some(a(0)), a(1)) {
                    self.file(&p, |u| u.lookup = true);
                }
            }
            "inotify_add_watch" => {
                if let Some(p) = self.path(None, a(1)) {
                    if ok {
                        self.file(&p, |u| u.read = true);
                    }
                }
            }
            "mmap" | "mmap2" => {
                let prot = a(2);
                if ok && args::has_flag(prot, "PROT_EXEC") {
                    if args::has_flag(prot, "PROT_WRITE") {
                        self.wx(call);
                    }
                    if let Some(p) = self.fd_path(a(4)) {
                        self.file(&p, |u| u.exec = true);
                    }
                }
            }
            "mprotect" | "pkey_mprotect" if args::has_flag(a(2), "PROT_EXEC") => {
                self.wx(call);
            }
            "shmat" => {
                if a(2).contains("SHM_EXEC") {
                    self.wx(call);
                }
                self.ev.sysv_ipc = true;
            }
            "shmget" | "semget" | "msgget" => self.ev.sysv_ipc = true,
            "socket" | "socketpair" => self.socket_call(cred, call),
            "bind" | "connect" => self.address_call(cred, call),
            "accept" | "accept4" if ok => {
                let peer = args::sockaddr(a(1));
                let local = call
                    .ret
                    .decoration
                    .and_then(args::socket_decoration)
                    .and_then(|d| local_port(d.body));
                if let Some((laddr, lport)) = local.clone() {
                    let family = peer.as_ref().map_or("AF_INET", SockAddr::family);
                    self.socket(SocketUse {
                        op: "listen".into(),
                        family: family.to_string(),
                        kind: self.fd_kind(a(0)),
                        protocol: None,
                        address: Some(laddr),
                        port: Some(lport),
                    });
                }
                let local = local.map(|(_, p)| p);
                if let Some(SockAddr::Inet { family, addr, .. }) = peer {
                    let kind = self.fd_kind(a(0));
                    self.socket(SocketUse {
                        op: "accept".into(),
                        family,
                        kind,
                        protocol: None,
                        address: Some(addr),
                        port: local,
                    });
                }
            }
            "sendto" if ok => {
                if let Some(addr) = args::sockaddr(a(4)) {
                    self.peer(cred, call, "sendto", a(0), addr);
                }
            }
            "sendmsg" if ok => {
                let name = args::fields(a(1))
                    .into_iter()
                    .find(|(k, _)| *k == "msg_name")
                    .and_then(|(_, v)| args::sockaddr(v));
                if let Some(addr) = name {
                    self.peer(cred, call, "sendto", a(0), addr);
                }
            }
            "setuid" | "setuid32" => self.switch_uid(pid, cred, call, Some(a(0))),
            "setreuid" | "setreuid32" => self.switch_uid(pid, cred, call, Some(a(1))),
            "setresuid" | "setresuid32" => self.switch_uid(pid, cred, call, Some(a(1))),
            "setgid" | "setgid32" | "setregid" | "setresgid" | "setregid32" | "setresgid32"
                if ok =>
            {
                let gid = a(if call.name.starts_with("setgid") {
                    0
                } else {
                    1
                });
                self.capability(cred, "CAP_SETGID", format!("{}({gid})", call.name));
                Self::small(&mut self.ev.user_switches, format!("gid -> {gid}"), 100);
            }
            "setgroups" | "setgroups32" if ok => {
                self.capability(cred, "CAP_SETGID", "setgroups".into());
                Self::small(&mut self.ev.user_switches, "setgroups".into(), 100);
            }
            "capset" if ok => {
                Self::small(&mut self.ev.user_switches, "capset".into(), 100);
            }
            "prctl" if ok && a(0) == "PR_CAPBSET_DROP" => {
                self.capability(
                    cred,
                    "CAP_SETPCAP",
                    format!("prctl(PR_CAPBSET_DROP, {})", a(1)),
                );
            }
            "kill" | "tkill" | "tgkill" => self.kill(cred, call),
            "clone" | "clone3" | "fork" | "vfork" => {
                if let Some(i) = self.forking.iter().rposition(|p| *p == pid) {
                    self.forking.remove(i);
                }
                if let Some(child) = call.ret.value.filter(|v| *v > 0) {
                    let child = child as u32;
                    self.set_cred(child, cred);
                    self.traced.insert(child);
                }
                let flags = if call.name == "clone3" {
                    args::fields(a(0))
                        .into_iter()
                        .find(|(k, _)| *k == "flags")
                        .map_or(String::new(), |(_, v)| v.to_string())
                } else {
                    call.args
                        .iter()
                        .find_map(|x| x.strip_prefix("flags="))
                        .unwrap_or("")
                        .to_string()
                };
                if ok {
                    self.namespaces(cred, call.name, &flags);
                }
            }
            "unshare" if ok => {
                self.namespaces(cred, "unshare", a(0));
            }
            "setns" if ok => {
                let what = a(1).to_string();
                self.namespaces(cred, "setns", &what);
                if what == "0" {
                    Self::small(&mut self.ev.namespaces, "joined".into(), 16);
                }
            }
            "sched_setscheduler" | "sched_setattr" => {
                let text = call.args.join(", ");
                if ok
                    && ["SCHED_FIFO", "SCHED_RR", "SCHED_DEADLINE"]
                        .iter()
                        .any(|p| text.contains(p))
                {
                    Self::small(&mut self.ev.realtime, format!("{}({text})", call.name), 10);
                    self.capability(cred, "CAP_SYS_NICE", format!("{}: realtime", call.name));
                }
            }
            "setpriority" if ok && parse_int(a(2)).is_some_and(|n| n < 0) => {
                self.capability(cred, "CAP_SYS_NICE", format!("setpriority({})", a(2)));
            }
            "personality" => {
                let v = a(0);
                if ok && !matches!(v, "0xffffffff" | "PER_LINUX" | "0") {
                    Self::small(&mut self.ev.personality, v.to_string(), 10);
                }
            }
            "settimeofday" | "clock_settime" | "stime" if ok => {
                Self::small(&mut self.ev.clock, call.name.to_string(), 10);
            }
            "adjtimex" | "clock_adjtime" => {
                let st = a(if call.name == "adjtimex" { 0 } else { 1 });
                let modes = args::fields(st)
                    .into_iter()
                    .find(|(k, _)| *k == "modes")
                    .map_or("0", |(_, v)| v);
                if ok && modes != "0" {
                    Self::small(
                        &mut self.ev.clock,
                        format!("{}(modes={modes})", call.name),
                        10,
                    );
                    self.capability(
                        cred,
                        "CAP_SYS_TIME",
                        format!("{}(modes={modes})", call.name),
                    );
                }
            }
            "sethostname" | "setdomainname" if ok => {
                Self::small(&mut self.ev.hostname, call.name.to_string(), 10);
            }
            "keyctl" | "add_key" | "request_key" => self.ev.keyring = true,
            "mount" | "umount2" | "umount" | "pivot_root" => {
                let target = a(if call.name == "mount" { 1 } else { 0 });
                let t = args::string(target).unwrap_or_else(|| target.to_string());
                Self::small(&mut self.ev.mounts, format!("{} {t}", call.name), 100);
            }
            "prlimit64" | "setrlimit" => self.rlimit(pid, cred, call),
            _ => {}
        }
    }

    fn open(&mut self, cred: Cred, call: &Call, dirfd: Option<&str>, p: &str, flags: &str) {
        let Some(asked) = self.path(dirfd, p) else {
            return;
        };
        // The descriptor's decoration is the file actually opened (symlinks resolved).
        let path = call
            .ret
            .decoration
            .filter(|d| d.starts_with('/'))
            .map(|d| self.normalise(d))
            .unwrap_or(asked.clone());
        let write = args::has_flag(flags, "O_WRONLY") || args::has_flag(flags, "O_RDWR");
        // Nothing is ever created in /proc or /sys: O_CREAT there is a shell's `>` on a file
        // that exists (`echo -1000 > /proc/self/oom_score_adj`), not an entry made in a
        // directory root may not write.
        let create = args::has_flag(flags, "O_CREAT")
            && !crate::learn::knowledge::under(&path, "/proc")
            && !crate::learn::knowledge::under(&path, "/sys");
        let dir = args::has_flag(flags, "O_DIRECTORY");
        let only_path = args::has_flag(flags, "O_PATH");
        if !call.ok() {
            self.denial(call, &asked);
            // A failed attempt is still a look-up: hiding the path changes nothing it had.
            self.file(&asked, |u| u.lookup = true);
            return;
        }
        self.file(&path, |u| {
            if only_path {
                u.lookup = true;
            } else {
                u.read |= !write || args::has_flag(flags, "O_RDWR");
                u.write |= write || args::has_flag(flags, "O_TRUNC");
                u.create |= create;
            }
            u.dir |= dir;
        });
        if !only_path {
            if write {
                self.dac(cred, &path, Want::Write);
            } else {
                self.dac(cred, &path, Want::Read);
            }
            if create {
                self.dac(cred, &parent(&path), Want::Entry);
            }
        }
    }

    fn entry_change(
        &mut self,
        cred: Cred,
        call: &Call,
        dirfd: Option<&str>,
        p: &str,
        f: impl FnOnce(&mut FileUse),
    ) {
        let Some(path) = self.path(dirfd, p) else {
            return;
        };
        if call.ok() {
            self.file(&path, f);
            self.dac(cred, &parent(&path), Want::Entry);
        } else {
            self.denial(call, &path);
        }
    }

    fn meta(&mut self, cred: Cred, call: &Call, dirfd: Option<&str>, p: &str) {
        if let Some(path) = self.path(dirfd, p) {
            self.meta_path(cred, call, path);
        }
    }

    fn meta_path(&mut self, cred: Cred, call: &Call, path: String) {
        if call.ok() {
            let truncates = call.name.contains("truncate");
            self.file(&path, |u| {
                u.meta |= !truncates;
                u.write |= truncates;
            });
            if cred.privileged && !truncates && self.fowner.len() < MAX_ENTRIES {
                self.fowner.insert(path);
            } else if truncates {
                self.dac(cred, &path, Want::Write);
            }
        } else {
            self.denial(call, &path);
        }
    }

    fn chown(&mut self, cred: Cred, call: &Call, path: Option<String>, uid: &str, gid: &str) {
        let Some(path) = path else { return };
        if !call.ok() {
            self.denial(call, &path);
            return;
        }
        self.file(&path, |u| u.meta = true);
        let other = |v: &str| parse_int(v).is_some_and(|n| n != -1 && n != 0);
        if other(uid) || other(gid) {
            self.capability(cred, "CAP_CHOWN", format!("chown {path} to {uid}:{gid}"));
        }
    }

    fn wx(&mut self, call: &Call) {
        if call.ok() {
            let what = format!("{}({})", call.name, call.arg(2).unwrap_or(""));
            Self::small(&mut self.ev.wx_mappings, what, 10);
        } else {
            self.denial(call, call.arg(2).unwrap_or(""));
        }
    }

    fn fd_kind(&self, arg: &str) -> String {
        args::fd(arg)
            .and_then(|(_, d)| d)
            .and_then(args::socket_decoration)
            .map_or(String::new(), |d| kind_of_proto(d.proto).to_string())
    }

    fn socket_call(&mut self, cred: Cred, call: &Call) {
        let family = call.arg(0).unwrap_or("").to_string();
        let ty = call.arg(1).unwrap_or("");
        let kind = args::flags(ty)
            .find_map(|f| f.strip_prefix("SOCK_"))
            .filter(|k| !matches!(*k, "CLOEXEC" | "NONBLOCK"))
            .map_or(String::new(), str::to_ascii_lowercase);
        if !call.ok() {
            self.denial(call, &family);
            return;
        }
        self.ev.families.insert(family.clone());
        let protocol = (family == "AF_NETLINK")
            .then(|| {
                call.arg(2)
                    .map(|p| p.trim_start_matches("NETLINK_").to_string())
            })
            .flatten();
        if family == "AF_PACKET" || (kind == "raw" && family != "AF_NETLINK") {
            self.capability(cred, "CAP_NET_RAW", format!("socket({family}, {ty})"));
        }
        self.socket(SocketUse {
            op: call.name.to_string(),
            family,
            kind,
            protocol,
            address: None,
            port: None,
        });
    }

    fn address_call(&mut self, cred: Cred, call: &Call) {
        let Some(addr) = call.arg(1).and_then(args::sockaddr) else {
            return;
        };
        let ok = call.ok() || call.ret.errno == Some("EINPROGRESS");
        let fd = call.arg(0).unwrap_or("");
        if let SockAddr::Unix { path } = &addr {
            if path.starts_with('/') {
                let p = self.normalise(path);
                if ok {
                    let bind = call.name == "bind";
                    self.file(&p, |u| {
                        if bind {
                            u.create = true;
                        } else {
                            u.connect = true;
                        }
                    });
                    if bind {
                        self.dac(cred, &parent(&p), Want::Entry);
                    }
                } else {
                    self.denial(call, &p);
                    self.file(&p, |u| u.lookup = true);
                }
            }
        }
        if !ok {
            self.denial(call, &describe(&addr));
            return;
        }
        let op = call.name;
        if op == "bind" {
            if let SockAddr::Inet { port, family, .. } = &addr {
                if (1..1024).contains(port) {
                    let proto = if self.fd_kind(fd) == "dgram" {
                        "udp"
                    } else {
                        "tcp"
                    };
                    self.capability(
                        cred,
                        "CAP_NET_BIND_SERVICE",
                        format!("binds {proto}/{port} ({family})"),
                    );
                }
            }
        }
        self.peer(cred, call, op, fd, addr);
    }

    fn peer(&mut self, cred: Cred, call: &Call, op: &str, fd: &str, addr: SockAddr) {
        let deco = args::fd(fd).and_then(|(_, d)| d);
        let protocol = deco
            .and_then(args::socket_decoration)
            .filter(|d| d.proto == "NETLINK")
            .and_then(|d| d.body.split_once(':'))
            .map(|(p, _)| p)
            .filter(|p| p.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            .map(str::to_string);
        if protocol.as_deref() == Some("AUDIT") && op == "sendto" {
            self.capability(
                cred,
                "CAP_AUDIT_WRITE",
                "sends to the audit netlink socket".into(),
            );
        }
        let kind = self.fd_kind(fd);
        let _ = call;
        let (address, port) = match &addr {
            SockAddr::Inet { addr, port, .. } => (Some(addr.clone()), Some(*port)),
            SockAddr::Unix { path } if !path.is_empty() => (Some(path.clone()), None),
            _ => (None, None),
        };
        self.socket(SocketUse {
            op: op.to_string(),
            family: addr.family().to_string(),
            kind,
            protocol,
            address,
            port,
        });
    }

    fn switch_uid(&mut self, pid: u32, cred: Cred, call: &Call, uid: Option<&str>) {
        if !call.ok() {
            self.denial(call, uid.unwrap_or(""));
            return;
        }
        let Some(n) = uid.and_then(parse_int).filter(|n| *n >= 0) else {
            return;
        };
        let n = n as u32;
        if cred.euid != Some(n) {
            self.capability(cred, "CAP_SETUID", format!("{}({n})", call.name));
            let from = cred.euid.map_or("?".to_string(), |u| u.to_string());
            Self::small(
                &mut self.ev.user_switches,
                format!("uid {from} -> {n}"),
                100,
            );
        }
        let next = Cred {
            euid: Some(n),
            privileged: n == 0,
        };
        self.set_cred(pid, next);
    }

    fn kill(&mut self, cred: Cred, call: &Call) {
        let target = call.arg(0).and_then(parse_int).unwrap_or(0);
        if target <= 0 || !call.ok() {
            return;
        }
        let t = target as u32;
        match self.procs.get(&t) {
            Some(other) if other.euid != cred.euid => {
                let why = format!("signals its process {t} running as another user");
                self.capability(cred, "CAP_KILL", why);
            }
            Some(_) => {}
            None if self.host && same_user(cred, t) => {}
            None => {
                let sig = call.arg(1).unwrap_or("");
                Self::small(
                    &mut self.ev.kill_other,
                    format!("{}({t}, {sig})", call.name),
                    20,
                );
                self.capability(
                    cred,
                    "CAP_KILL",
                    format!("signals process {t} it did not start"),
                );
            }
        }
    }

    fn namespaces(&mut self, cred: Cred, how: &str, flags: &str) {
        for f in args::flags(flags) {
            let ns = match f {
                "CLONE_NEWNS" => "mnt",
                "CLONE_NEWUTS" => "uts",
                "CLONE_NEWIPC" => "ipc",
                "CLONE_NEWNET" => "net",
                "CLONE_NEWPID" => "pid",
                "CLONE_NEWUSER" => "user",
                "CLONE_NEWCGROUP" => "cgroup",
                "CLONE_NEWTIME" => "time",
                _ => continue,
            };
            Self::small(&mut self.ev.namespaces, ns.to_string(), 16);
            if ns != "user" {
                self.capability(cred, "CAP_SYS_ADMIN", format!("{how}: new {ns} namespace"));
            }
        }
    }

    fn rlimit(&mut self, pid: u32, cred: Cred, call: &Call) {
        let (resource, new, old) = if call.name == "setrlimit" {
            (call.arg(0), call.arg(1), None)
        } else {
            (call.arg(1), call.arg(2), call.arg(3))
        };
        let resource = resource.unwrap_or("").to_string();
        let key = (pid, resource.clone());
        if let Some(max) = old.and_then(rlimit_max) {
            self.rlimits.insert(key.clone(), max);
        }
        let Some(new_max) = new.and_then(rlimit_max) else {
            return;
        };
        if !call.ok() {
            self.denial(call, &resource);
            return;
        }
        // The hard limit before: as seen in this process, else (not seen) this program's own
        // as a stand-in for the host's default.
        let before = self
            .rlimits
            .get(&key)
            .copied()
            .or_else(|| own_hard_limit(&resource));
        let raises = before.is_none_or(|known| new_max > known);
        if raises {
            let shown = if new_max == u64::MAX {
                "infinity".to_string()
            } else {
                new_max.to_string()
            };
            self.capability(
                cred,
                "CAP_SYS_RESOURCE",
                format!("raises the hard {resource} to {shown}"),
            );
        }
        self.rlimits.insert(key, new_max);
    }

    /// Adds the opens fanotify saw (src/learn/fanotify.rs) by the processes of this trace:
    /// the same file uses and DAC checks a traced successful open gives. Per file, not per
    /// process: a file is written when anyone closed it after writing (often not the
    /// process that opened it: a daemon's log is closed by the last of its workers), and
    /// the permission check is the opener's (root's, when root opened it).
    pub fn opened(&mut self, watched: &super::fanotify::Watched) {
        // Per file: what was done, and who opened it. `None`: a process that was root once
        // and another user by the end, which fanotify (reporting after the fact) cannot tell
        // apart: root (dnsmasq's pid file, before it drops to its user) or that user
        // (lighttpd's log). Its DAC needs are uncertain.
        let mut files: std::collections::BTreeMap<&str, (super::fanotify::Opened, Option<Cred>)> =
            std::collections::BTreeMap::new();
        for ((pid, path), o) in &watched.opens {
            if !self.traced.contains(pid) {
                continue;
            }
            let now = self.procs.get(pid).copied().unwrap_or(self.initial);
            let opener = (!self.was_root.contains(pid) || now.euid == Some(0)).then_some(now);
            let e = files.entry(path.as_str()).or_insert((*o, opener));
            e.0.opened |= o.opened;
            e.0.write |= o.write;
            e.0.exec |= o.exec;
            e.0.dir |= o.dir;
            e.0.created |= o.created;
            if o.opened && now.euid == Some(0) {
                e.1 = opener;
            }
        }
        for (path, (o, opener)) in files {
            let path = self.normalise(path);
            let create = o.created
                && !super::knowledge::under(&path, "/proc")
                && !super::knowledge::under(&path, "/sys");
            self.file(&path, |u| {
                u.read |= o.opened && !o.write;
                u.write |= o.write;
                u.create |= create;
                u.exec |= o.exec;
                u.dir |= o.dir;
            });
            let want = if o.write { Want::Write } else { Want::Read };
            let mut wants = vec![(path.clone(), want)];
            if create {
                wants.push((parent(&path), Want::Entry));
            }
            for (p, w) in wants {
                match opener {
                    Some(cred) => self.dac(cred, &p, w),
                    None => {
                        self.dac_uncertain.insert((p, w));
                    }
                }
            }
        }
    }

    /// Ends the run: checks the privileged accesses against the files' modes on this host
    /// (DAC and ownership), says which sandbox settings would get in each file's way, and
    /// returns the evidence.
    pub fn finish(mut self) -> Evidence {
        if !self.host {
            self.dac.clear();
            self.dac_uncertain.clear();
            self.fowner.clear();
        }
        for (path, want) in std::mem::take(&mut self.dac) {
            if let Some(reason) = needs_dac(&path, want) {
                self.capability(Cred::ROOT, want.capability(), reason);
            }
        }
        for (path, want) in std::mem::take(&mut self.dac_uncertain) {
            if let Some(reason) = needs_dac(&path, want) {
                let cap = want.capability();
                let e = self
                    .ev
                    .uncertain_capabilities
                    .entry(cap.to_string())
                    .or_default();
                if e.len() < 5 {
                    e.insert(format!("{reason}, if it did so as root"));
                }
            }
        }
        for path in std::mem::take(&mut self.fowner) {
            if let Ok(m) = std::fs::symlink_metadata(&path) {
                if m.uid() != 0 {
                    let why = format!("changes {path} owned by uid {}", m.uid());
                    self.capability(Cred::ROOT, "CAP_FOWNER", why);
                }
            }
        }
        let data = LearnData::get();
        for (path, u) in self.ev.files.iter_mut() {
            if u.uses() || u.lookup {
                u.blocked_by = data.blocked_by(path, u.writes());
            }
        }
        self.ev
    }
}

fn brief(s: &str) -> String {
    let s = args::string(s).unwrap_or_else(|| s.to_string());
    s.chars().take(60).collect()
}

fn parent(path: &str) -> String {
    match path.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(i) => path[..i].to_string(),
    }
}

fn kind_of_proto(proto: &str) -> &'static str {
    match proto {
        "TCP" | "TCPv6" | "UNIX-STREAM" | "MPTCP" => "stream",
        "UDP" | "UDPv6" | "UNIX" | "UDPLITE" | "UDPLITEv6" | "PING" | "PINGv6" => "dgram",
        "UNIX-SEQPACKET" => "seqpacket",
        "RAW" | "RAWv6" | "NETLINK" => "raw",
        _ => "",
    }
}

/// The local address and port of a connected socket's decoration
/// `127.0.0.1:81->127.0.0.1:33708` (`[::1]:8080->[::1]:5555` for IPv6).
fn local_port(body: &str) -> Option<(String, u16)> {
    let local = body.split("->").next()?;
    let (addr, port) = local.rsplit_once(':')?;
    let addr = addr.trim_start_matches('[').trim_end_matches(']');
    Some((addr.to_string(), port.parse().ok()?))
}

fn describe(a: &SockAddr) -> String {
    match a {
        SockAddr::Inet { addr, port, .. } => format!("{addr}:{port}"),
        SockAddr::Unix { path } => path.clone(),
        other => other.family().to_string(),
    }
}

/// The hard limit of `{rlim_cur=1024, rlim_max=64*1024}` (`None` for NULL or a pointer).
fn rlimit_max(arg: &str) -> Option<u64> {
    let v = args::fields(arg)
        .into_iter()
        .find(|(k, _)| *k == "rlim_max")?
        .1;
    if v.starts_with("RLIM") {
        return Some(u64::MAX);
    }
    v.split('*')
        .map(|x| parse_int(x.trim()).map(|n| n as u64))
        .try_fold(1u64, |acc, x| x.map(|x| acc.saturating_mul(x)))
}

fn is_setuid(path: &str) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.mode() & 0o6000 != 0)
}

/// Why root without CAP_DAC_* could not do `want` to `path` (None: the modes allow it, or
/// the file is gone).
fn needs_dac(path: &str, want: Want) -> Option<String> {
    let allowed = |m: &std::fs::Metadata, bits: u32| -> bool {
        let mode = m.mode();
        let shift = if m.uid() == 0 {
            6
        } else if m.gid() == 0 {
            3
        } else {
            0
        };
        (mode >> shift) & bits == bits
    };
    // Every directory on the way must be searchable.
    let mut dir = String::new();
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    for p in parts.iter().take(parts.len().saturating_sub(1)) {
        dir.push('/');
        dir.push_str(p);
        let m = std::fs::metadata(&dir).ok()?;
        if !allowed(&m, 0o1) {
            return Some(format!(
                "searches {dir} (uid {}, mode {:04o})",
                m.uid(),
                m.mode() & 0o7777
            ));
        }
    }
    let m = std::fs::metadata(path).ok()?;
    let (bits, verb) = match want {
        Want::Read => (if m.is_dir() { 0o5 } else { 0o4 }, "reads"),
        Want::Write => (0o2, "writes"),
        Want::Exec => (0o1, "runs"),
        Want::Entry => (0o3, "creates or removes entries in"),
    };
    (!allowed(&m, bits)).then(|| {
        format!(
            "{verb} {path} (uid {}, mode {:04o})",
            m.uid(),
            m.mode() & 0o7777
        )
    })
}

/// This process's hard limit of a resource named like `RLIMIT_NOFILE`.
fn own_hard_limit(name: &str) -> Option<u64> {
    use rustix::process::Resource as R;
    let r = match name {
        "RLIMIT_CPU" => R::Cpu,
        "RLIMIT_FSIZE" => R::Fsize,
        "RLIMIT_DATA" => R::Data,
        "RLIMIT_STACK" => R::Stack,
        "RLIMIT_CORE" => R::Core,
        "RLIMIT_RSS" => R::Rss,
        "RLIMIT_NPROC" => R::Nproc,
        "RLIMIT_NOFILE" => R::Nofile,
        "RLIMIT_MEMLOCK" => R::Memlock,
        "RLIMIT_AS" => R::As,
        "RLIMIT_LOCKS" => R::Locks,
        "RLIMIT_SIGPENDING" => R::Sigpending,
        "RLIMIT_MSGQUEUE" => R::Msgqueue,
        "RLIMIT_NICE" => R::Nice,
        "RLIMIT_RTPRIO" => R::Rtprio,
        "RLIMIT_RTTIME" => R::Rttime,
        _ => return None,
    };
    Some(rustix::process::getrlimit(r).maximum.unwrap_or(u64::MAX))
}

/// Whether process `pid` (not traced here: another Exec line's, or a process found through a
/// PID file) runs as the sender's user, read from /proc while the trace is being read: a
/// signal to it needs no CAP_KILL. Unknown (gone, another pid namespace) counts as no.
fn same_user(cred: Cred, pid: u32) -> bool {
    let Some(euid) = cred.euid else { return false };
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .is_some_and(|ids| {
            let ids: Vec<u32> = ids
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            // The kernel's rule: the sender's uid matches the target's real or saved uid.
            ids.len() >= 3 && (ids[0] == euid || ids[2] == euid)
        })
}
