//! What a service needs, as one typed set, whatever told us: learn's evidence, a daemon
//! profile of `data/profiles.toml`, the need rules by binary, and without a trace what
//! services of its kind commonly need ([`known`]). The planner ([`super::plan`], with or
//! without evidence) reads only this set; which need rules out which directive is data
//! (`blocked_by` in `data/directives.toml`, [`NeedKind`]).

use std::collections::BTreeSet;

pub mod known;

use super::inspect::Facts;
use super::knowledge::Tag;
use crate::learn::evidence::Evidence;
use crate::learn::knowledge::under;

/// One thing the service needs. Each carries what it is about (a path, a capability, ...);
/// [`Need::kind`] is what the catalogue's `blocked_by` names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    /// Writes this path (a file, or entries of this directory).
    Writes(String),
    /// Reads or runs something under /home, /root or /run/user.
    HomeRead(String),
    /// Writes something under /home, /root or /run/user.
    HomeWrite(String),
    /// Runs or maps executable this file.
    Executes(String),
    Capability(String),
    /// Creates sockets of this address family.
    Family(String),
    /// Makes this system call (outside the always-allowed set).
    Syscall(String),
    /// Creates namespaces of this type (mnt, net, ...).
    Namespace(String),
    /// Uses this device node.
    Device {
        path: String,
        write: bool,
    },
    /// Binds this local address and port.
    Listens {
        proto: String,
        address: String,
        port: u16,
    },
    /// Talks to this IP address (a peer it connected or sent to, or a client it accepted).
    Peer(String),
    /// Shares /tmp with other programs (a socket there).
    SharedTmp(String),
    /// Creates files other users read through their mode (a log it does not chmod
    /// itself): the umask must leave them group-readable.
    SharedFiles(String),
    Mounts,
    KernelTunables(String),
    KernelModules,
    KernelLogs,
    ControlGroups,
    Clock,
    Hostname,
    /// Looks at other processes' /proc entries.
    OtherProcesses,
    /// Reads system-wide /proc files (ProcSubset=pid hides them).
    SystemProc(String),
    /// Runs setuid or setgid programs.
    SetuidPrograms(String),
    /// Makes files setuid or setgid.
    SetuidFiles,
    Realtime,
    Personality,
    WriteExecMemory,
    SysvIpc,
    /// Needs the host's network (inet sockets, abstract unix sockets, the audit socket).
    Network(String),
    /// Talks to hosts other than this one, or listens on more than loopback.
    RemotePeers(String),
    RunsAsRoot,
    Containers,
    EarlyBoot,
    UserSessions,
    /// Starts as root and switches to its own user itself (a daemon profile's
    /// `drops_privileges`; the name is the daemon's): it keeps CAP_SETUID and CAP_SETGID,
    /// and @setuid past a system call deny list.
    SwitchesUser(String),
}

/// What kind of need a [`Need`] is: the names the catalogue's `blocked_by` lists
/// (`data/directives.toml`, kebab-case), so an unknown name there fails to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NeedKind {
    Writes,
    HomeRead,
    HomeWrite,
    Executes,
    Capabilities,
    Families,
    Syscalls,
    Namespaces,
    Devices,
    Listens,
    Peers,
    SharedTmp,
    SharedFiles,
    Mounts,
    KernelTunables,
    KernelModules,
    KernelLogs,
    ControlGroups,
    Clock,
    Hostname,
    OtherProcesses,
    SystemProc,
    SetuidPrograms,
    SetuidFiles,
    Realtime,
    Personality,
    WriteExecMemory,
    SysvIpc,
    Network,
    RemotePeers,
    RunsAsRoot,
    Containers,
    EarlyBoot,
    UserSessions,
    SwitchesUser,
}

impl Need {
    pub fn kind(&self) -> NeedKind {
        match self {
            Need::Writes(_) => NeedKind::Writes,
            Need::HomeRead(_) => NeedKind::HomeRead,
            Need::HomeWrite(_) => NeedKind::HomeWrite,
            Need::Executes(_) => NeedKind::Executes,
            Need::Capability(_) => NeedKind::Capabilities,
            Need::Family(_) => NeedKind::Families,
            Need::Syscall(_) => NeedKind::Syscalls,
            Need::Namespace(_) => NeedKind::Namespaces,
            Need::Device { .. } => NeedKind::Devices,
            Need::Listens { .. } => NeedKind::Listens,
            Need::Peer(_) => NeedKind::Peers,
            Need::SharedTmp(_) => NeedKind::SharedTmp,
            Need::SharedFiles(_) => NeedKind::SharedFiles,
            Need::Mounts => NeedKind::Mounts,
            Need::KernelTunables(_) => NeedKind::KernelTunables,
            Need::KernelModules => NeedKind::KernelModules,
            Need::KernelLogs => NeedKind::KernelLogs,
            Need::ControlGroups => NeedKind::ControlGroups,
            Need::Clock => NeedKind::Clock,
            Need::Hostname => NeedKind::Hostname,
            Need::OtherProcesses => NeedKind::OtherProcesses,
            Need::SystemProc(_) => NeedKind::SystemProc,
            Need::SetuidPrograms(_) => NeedKind::SetuidPrograms,
            Need::SetuidFiles => NeedKind::SetuidFiles,
            Need::Realtime => NeedKind::Realtime,
            Need::Personality => NeedKind::Personality,
            Need::WriteExecMemory => NeedKind::WriteExecMemory,
            Need::SysvIpc => NeedKind::SysvIpc,
            Need::Network(_) => NeedKind::Network,
            Need::RemotePeers(_) => NeedKind::RemotePeers,
            Need::RunsAsRoot => NeedKind::RunsAsRoot,
            Need::Containers => NeedKind::Containers,
            Need::EarlyBoot => NeedKind::EarlyBoot,
            Need::UserSessions => NeedKind::UserSessions,
            Need::SwitchesUser(_) => NeedKind::SwitchesUser,
        }
    }
}

/// A need and where it came from ("evidence: writes /var/log/nginx/error.log",
/// "profile nginx", "need rule for chronyd").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Sourced {
    pub need: Need,
    pub why: String,
}

#[derive(Debug, Clone, Default)]
pub struct Needs {
    pub items: BTreeSet<Sourced>,
    /// Whether the needs come from watching the service (absence means "not seen") or only
    /// from what is known about it.
    pub observed: bool,
}

impl Needs {
    pub fn add(&mut self, need: Need, why: impl Into<String>) {
        self.items.insert(Sourced {
            need,
            why: why.into(),
        });
    }

    /// The first reason for a need of this kind, if any.
    pub fn why(&self, kind: NeedKind) -> Option<&str> {
        self.items
            .iter()
            .find(|s| s.need.kind() == kind)
            .map(|s| s.why.as_str())
    }

    pub fn has(&self, kind: NeedKind) -> bool {
        self.why(kind).is_some()
    }

    /// The first need among `kinds` (a directive's `blocked_by`) and its reason.
    pub fn blocking<'a>(&'a self, kinds: &[NeedKind]) -> Option<(&'a Need, &'a str)> {
        self.items
            .iter()
            .find(|s| kinds.contains(&s.need.kind()))
            .map(|s| (&s.need, s.why.as_str()))
    }

    pub fn of_kind(&self, kind: NeedKind) -> impl Iterator<Item = &Sourced> + '_ {
        self.items.iter().filter(move |s| s.need.kind() == kind)
    }

    /// Whether it creates sockets of this address family.
    pub fn family(&self, family: &str) -> bool {
        self.items
            .iter()
            .any(|s| matches!(&s.need, Need::Family(f) if f == family))
    }

    pub fn capabilities(&self) -> BTreeSet<String> {
        self.items
            .iter()
            .filter_map(|s| match &s.need {
                Need::Capability(c) => Some(c.clone()),
                _ => None,
            })
            .collect()
    }
}

fn is_loopback(addr: &str) -> bool {
    addr.parse::<std::net::IpAddr>()
        .is_ok_and(|a| a.is_loopback() || a.to_canonical().is_loopback())
        || addr == "localhost"
}

fn is_wildcard(addr: &str) -> bool {
    addr.parse::<std::net::IpAddr>()
        .is_ok_and(|a| a.is_unspecified())
}

/// The needs the evidence shows.
pub fn from_evidence(ev: &Evidence) -> Needs {
    let mut n = Needs {
        observed: true,
        ..Default::default()
    };
    for (path, u) in &ev.files {
        let p = path.as_str();
        let home = ["/home", "/root", "/run/user"].iter().any(|h| under(p, h));
        if home {
            if u.writes() {
                n.add(Need::HomeWrite(path.clone()), format!("writes {path}"));
            } else if u.read || u.exec || u.connect {
                n.add(Need::HomeRead(path.clone()), format!("reads {path}"));
            }
        }
        if u.writes() {
            let tunable =
                (under(p, "/proc/sys") || under(p, "/sys")) && !under(p, "/sys/fs/cgroup");
            if tunable {
                n.add(Need::KernelTunables(path.clone()), format!("writes {path}"));
            } else if under(p, "/sys/fs/cgroup") {
                n.add(Need::ControlGroups, format!("writes {path}"));
            } else if !under(p, "/dev") && !under(p, "/proc") {
                n.add(Need::Writes(path.clone()), describe_write(path, u));
            }
        }
        if u.exec {
            n.add(Need::Executes(path.clone()), format!("runs {path}"));
        }
        // A file it made and did not chmod/chown afterwards has the mode the umask left.
        if u.create
            && !u.meta
            && crate::learn::knowledge::LearnData::get()
                .shared_creations
                .iter()
                .any(|d| under(p, d))
        {
            n.add(Need::SharedFiles(path.clone()), format!("creates {path}"));
        }
        if u.connect && (under(p, "/tmp") || under(p, "/var/tmp")) {
            n.add(Need::SharedTmp(path.clone()), format!("connects to {path}"));
        }
        if u.uses() && (under(p, "/proc/kmsg") || under(p, "/dev/kmsg")) {
            n.add(Need::KernelLogs, format!("reads {path}"));
        }
        if u.uses() && under(p, "/proc/PID") {
            n.add(Need::OtherProcesses, format!("reads {path}"));
        }
        if (u.uses() || u.lookup)
            && under(p, "/proc")
            && !["/proc/self", "/proc/thread-self", "/proc/PID"]
                .iter()
                .any(|x| under(p, x))
            && p != "/proc"
            && !crate::learn::knowledge::LearnData::get()
                .optional_reads
                .iter()
                .any(|o| o == p)
        {
            n.add(Need::SystemProc(path.clone()), format!("reads {path}"));
        }
    }
    for d in &ev.devices {
        let Some(u) = ev.files.get(d) else { continue };
        if !u.uses()
            || !crate::learn::knowledge::LearnData::get()
                .blocked_by(d, false)
                .iter()
                .any(|b| b == "PrivateDevices=yes")
        {
            continue;
        }
        n.add(
            Need::Device {
                path: d.clone(),
                write: u.writes(),
            },
            format!("uses {d}"),
        );
    }
    for (cap, reasons) in &ev.capabilities {
        let why = reasons.iter().next().cloned().unwrap_or_default();
        n.add(Need::Capability(cap.clone()), why);
    }
    // Kept unless the caller tries without them (`waive_uncertain`).
    for (cap, reasons) in &ev.uncertain_capabilities {
        if !ev.capabilities.contains_key(cap) {
            let why = reasons.iter().next().cloned().unwrap_or_default();
            n.add(Need::Capability(cap.clone()), why);
        }
    }
    for f in &ev.families {
        n.add(Need::Family(f.clone()), format!("creates {f} sockets"));
    }
    for (call, count) in &ev.syscalls {
        n.add(
            Need::Syscall(call.clone()),
            format!("calls {call} ({count}x)"),
        );
    }
    for ns in &ev.namespaces {
        n.add(
            Need::Namespace(ns.clone()),
            format!("creates a {ns} namespace"),
        );
    }
    for p in &ev.setuid_execs {
        n.add(
            Need::SetuidPrograms(p.clone()),
            format!("runs the setuid program {p}"),
        );
    }
    if !ev.realtime.is_empty() {
        let e = ev.realtime.iter().next().cloned().unwrap_or_default();
        n.add(Need::Realtime, e);
    }
    if !ev.personality.is_empty() {
        let e = ev.personality.iter().next().cloned().unwrap_or_default();
        n.add(Need::Personality, format!("personality({e})"));
    }
    if !ev.wx_mappings.is_empty() {
        let e = ev.wx_mappings.iter().next().cloned().unwrap_or_default();
        n.add(
            Need::WriteExecMemory,
            format!("maps memory writable and executable: {e}"),
        );
    }
    if !ev.clock.is_empty() {
        n.add(
            Need::Clock,
            ev.clock.iter().next().cloned().unwrap_or_default(),
        );
    }
    if !ev.hostname.is_empty() {
        n.add(
            Need::Hostname,
            ev.hostname.iter().next().cloned().unwrap_or_default(),
        );
    }
    if ev.sysv_ipc {
        n.add(Need::SysvIpc, "uses System V IPC");
    }
    if !ev.mounts.iter().all(|m| m.starts_with("chroot")) {
        let e = ev.mounts.iter().find(|m| !m.starts_with("chroot")).cloned();
        n.add(Need::Mounts, e.unwrap_or_default());
    }
    if ev
        .syscalls
        .keys()
        .any(|c| matches!(c.as_str(), "init_module" | "finit_module" | "delete_module"))
        || ev
            .execs
            .iter()
            .any(|e| e.ends_with("/modprobe") || e.ends_with("/kmod"))
    {
        n.add(Need::KernelModules, "loads kernel modules");
    }
    if ev.syscalls.contains_key("syslog") {
        n.add(Need::KernelLogs, "calls syslog()");
    }
    for s in &ev.sockets {
        let inet = matches!(s.family.as_str(), "AF_INET" | "AF_INET6");
        match (s.op.as_str(), &s.address, s.port) {
            ("bind" | "listen", Some(a), Some(port)) if inet => {
                n.add(
                    Need::Listens {
                        proto: if s.kind == "dgram" { "udp" } else { "tcp" }.into(),
                        address: a.clone(),
                        port,
                    },
                    format!("binds {a} port {port}"),
                );
                if !is_loopback(a) {
                    let why = if is_wildcard(a) {
                        format!("listens on all addresses, port {port}")
                    } else {
                        format!("listens on {a} port {port}")
                    };
                    n.add(Need::RemotePeers(a.clone()), why);
                }
            }
            ("connect" | "sendto" | "accept", Some(a), _) if inet => {
                n.add(Need::Peer(a.clone()), format!("{} {a}", s.op));
                if !is_loopback(a) {
                    n.add(Need::RemotePeers(a.clone()), format!("{} {a}", s.op));
                }
            }
            ("connect" | "bind", Some(a), _) if s.family == "AF_UNIX" && a.starts_with('@') => {
                n.add(
                    Need::Network(a.clone()),
                    format!("uses the abstract unix socket {a} (per network namespace)"),
                );
            }
            _ => {}
        }
        if s.family == "AF_NETLINK" && s.protocol.as_deref() == Some("AUDIT") {
            n.add(
                Need::Network("audit".into()),
                "uses the audit netlink socket (only in the host's network namespace)",
            );
        }
        if inet {
            n.add(
                Need::Network(s.family.clone()),
                format!("uses {} sockets ({})", s.family, s.op),
            );
        }
    }
    n
}

fn describe_write(path: &str, u: &crate::learn::evidence::FileUse) -> String {
    let what = if u.create && u.dir {
        "creates the directory"
    } else if u.create {
        "creates"
    } else if u.remove {
        "removes"
    } else if u.meta && !u.write {
        "changes the owner or mode of"
    } else {
        "writes"
    };
    format!("{what} {path}")
}

/// The needs a daemon profile and the need rules by binary (the tags `inspect` found) say.
/// With `tags_only`, only the tags (code paths a short run may not reach: JIT, setuid
/// helpers, ...) and not the profile's capability, family and call lists, which evidence
/// knows exactly.
pub fn from_facts(f: &Facts, tags_only: bool) -> Needs {
    let mut n = Needs::default();
    let source = |tag: Tag| match &f.profile {
        Some(p) if p.tags.contains(&tag) => format!("profile {}", p.name),
        _ => format!("need rule: {}", tag.name()),
    };
    for &tag in &f.tags {
        let why = source(tag);
        let need = match tag {
            Tag::Devices => Need::Device {
                path: "(any)".into(),
                write: true,
            },
            Tag::Clock => Need::Clock,
            Tag::Hostname => Need::Hostname,
            Tag::Netlink => Need::Family("AF_NETLINK".into()),
            Tag::Packet => Need::Family("AF_PACKET".into()),
            Tag::Containers => Need::Containers,
            Tag::Tunables => Need::KernelTunables("(profile)".into()),
            Tag::Modules => Need::KernelModules,
            Tag::KernelLogs => Need::KernelLogs,
            Tag::SetuidExec => Need::SetuidPrograms("(profile)".into()),
            Tag::UserSessions => Need::UserSessions,
            Tag::Processes => Need::OtherProcesses,
            Tag::Jit => Need::WriteExecMemory,
            Tag::Home => Need::HomeRead("(profile)".into()),
            Tag::EarlyBoot => Need::EarlyBoot,
            Tag::ChownFirstStart => continue,
        };
        n.add(need, why);
    }
    if !tags_only {
        from_binary(f, &mut n);
    }
    if let Some(p) = f.profile.as_ref().filter(|_| !tags_only) {
        for c in &p.capabilities {
            n.add(
                Need::Capability(c.to_ascii_uppercase()),
                format!("profile {}", p.name),
            );
        }
        for fam in &p.families {
            n.add(Need::Family(fam.clone()), format!("profile {}", p.name));
        }
        for sc in &p.syscalls {
            n.add(Need::Syscall(sc.clone()), format!("profile {}", p.name));
        }
        for w in &p.writable {
            n.add(
                Need::Writes(w.clone()),
                format!("profile {} writes it", p.name),
            );
        }
        if p.keep_resources {
            n.add(
                Need::Syscall("@resources".into()),
                format!("profile {}", p.name),
            );
            // Tuning its resources, it reads the system-wide /proc files that describe them.
            n.add(
                Need::SystemProc("(profile)".into()),
                format!("profile {}: tunes its resources from /proc", p.name),
            );
        }
    }
    n
}

/// What the unit and its binary show without a trace: whether it can reach the network.
fn from_binary(f: &Facts, n: &mut Needs) {
    let network = if let Some(p) = &f.profile {
        Some(format!("profile {} serves over the network", p.name))
    } else if f.socket_activated {
        Some("socket-activated".to_string())
    } else if let Some(port) = f.low_ports.iter().next() {
        Some(format!(
            "listens on port {port} (its command line or configuration)"
        ))
    } else {
        match f.uses_sockets {
            Some(false) => None,
            Some(true) => Some("its binary calls socket functions".to_string()),
            None => Some("its binary could not be read".to_string()),
        }
    };
    if let Some(why) = network {
        n.add(Need::Network("(sockets)".into()), why);
    }
    if f.has(Tag::Netlink) {
        n.add(
            Need::Network("(netlink)".into()),
            "need rule: netlink (configures the host's network)",
        );
    }
}

/// Removes the needs the trace showed but the daemon profile's daemon is known to run
/// without (the profiles are what the test-bed runs these daemons under): capabilities the
/// profile does not keep, other processes' /proc entries without its `processes` tag, and
/// @resources calls when it does not keep them. A wrapper's privileged look that fails
/// harmlessly (pg_ctlcluster reading a 0700 cluster as root) or a call whose failure the
/// program tolerates (nginx's sched_setaffinity on Debian 13) is then denied. Returns what
/// was left out, for the drop-in's comment: it is only applied after a smoke check.
pub fn waive_by_profile(
    needs: &mut Needs,
    profile: &super::knowledge::DaemonProfile,
    tables: &crate::tables::SystemdTables,
) -> Vec<String> {
    let keeps_cap = |c: &str| {
        profile
            .capabilities
            .iter()
            .any(|k| k.eq_ignore_ascii_case(c))
    };
    let mut resources = Vec::new();
    tables.expand_group("@resources", &mut resources);
    let named = |call: &str| {
        profile.syscalls.iter().any(|s| {
            if s.starts_with('@') {
                let mut members = Vec::new();
                tables.expand_group(s, &mut members);
                members.iter().any(|m| m == call)
            } else {
                s == call
            }
        })
    };
    let waive = |n: &Need| match n {
        Need::Capability(c) => !keeps_cap(c),
        Need::OtherProcesses => !profile.tags.contains(&Tag::Processes),
        Need::Syscall(call) => {
            !profile.keep_resources && resources.iter().any(|r| r == call) && !named(call)
        }
        _ => false,
    };
    let mut waived = Vec::new();
    needs.items.retain(|s| {
        if waive(&s.need) {
            let what = match &s.need {
                Need::Capability(c) => c.clone(),
                Need::OtherProcesses => "other processes' /proc entries".to_string(),
                Need::Syscall(c) => c.clone(),
                _ => String::new(),
            };
            if !waived
                .iter()
                .any(|w: &String| w.starts_with(&format!("{what} (")))
            {
                waived.push(format!("{what} ({})", s.why));
            }
            false
        } else {
            true
        }
    });
    waived
}

/// Removes the capabilities the evidence is not sure were needed (an open fanotify saw by a
/// process that was root once: as root or as its later user?). Returns what was left out.
pub fn waive_uncertain(needs: &mut Needs, ev: &Evidence) -> Vec<String> {
    let mut waived = Vec::new();
    needs.items.retain(|s| match &s.need {
        Need::Capability(c)
            if ev.uncertain_capabilities.contains_key(c) && !ev.capabilities.contains_key(c) =>
        {
            if !waived
                .iter()
                .any(|w: &String| w.starts_with(&format!("{c} (")))
            {
                waived.push(format!("{c} ({})", s.why));
            }
            false
        }
        _ => true,
    });
    waived
}

/// Adds what `other` knows (a profile's knowledge to what was observed).
pub fn merge(into: &mut Needs, other: Needs) {
    into.items.extend(other.items);
}

#[cfg(test)]
mod tests {
    use super::{Need, NeedKind};

    #[test]
    fn uncertain_capabilities_are_kept_unless_waived_and_certain_ones_always() {
        let mut ev = crate::learn::evidence::Evidence::default();
        ev.uncertain_capabilities.insert(
            "CAP_DAC_OVERRIDE".into(),
            ["creates entries in /run/x (uid 999, mode 0755), if it did so as root".into()].into(),
        );
        let mut n = super::from_evidence(&ev);
        assert!(n.capabilities().contains("CAP_DAC_OVERRIDE"));
        let waived = super::waive_uncertain(&mut n, &ev);
        assert!(!n.capabilities().contains("CAP_DAC_OVERRIDE"));
        assert_eq!(waived.len(), 1, "{waived:?}");
        // Seen for sure in another run: no longer uncertain.
        ev.capabilities.insert(
            "CAP_DAC_OVERRIDE".into(),
            ["opens /etc/shadow".into()].into(),
        );
        let mut n = super::from_evidence(&ev);
        assert!(super::waive_uncertain(&mut n, &ev).is_empty());
        assert!(n.capabilities().contains("CAP_DAC_OVERRIDE"));
    }

    #[test]
    fn reads_the_c_library_does_without_leave_proc_closable() {
        let mut ev = crate::learn::evidence::Evidence::default();
        let read = crate::learn::evidence::FileUse {
            read: true,
            ..Default::default()
        };
        ev.files
            .insert("/proc/sys/kernel/ngroups_max".into(), read.clone());
        assert!(!super::from_evidence(&ev).has(NeedKind::SystemProc));
        ev.files.insert("/proc/meminfo".into(), read);
        assert!(super::from_evidence(&ev).has(NeedKind::SystemProc));
    }

    #[test]
    fn files_others_read_by_their_mode_keep_the_umask_group_readable() {
        use crate::learn::evidence::{Evidence, FileUse, SocketUse};
        let created = FileUse {
            write: true,
            create: true,
            ..Default::default()
        };
        // A pid file under /run is its own business: no need.
        let mut ev = Evidence::default();
        ev.files.insert("/run/x.pid".into(), created.clone());
        assert!(!super::from_evidence(&ev).has(NeedKind::SharedFiles));
        // A log it creates is read by the adm group through its mode.
        ev.files.insert("/var/log/x/x.log".into(), created.clone());
        assert!(super::from_evidence(&ev).has(NeedKind::SharedFiles));
        // ... unless it sets the mode itself afterwards.
        let chmodded = FileUse {
            meta: true,
            ..created.clone()
        };
        ev.files.insert("/var/log/x/x.log".into(), chmodded);
        assert!(!super::from_evidence(&ev).has(NeedKind::SharedFiles));
        // A unix socket's mode does not matter: connecting needs write permission, which
        // a group-readable umask (0027) already takes from the group.
        ev.files.remove("/var/log/x/x.log");
        ev.sockets.insert(SocketUse {
            op: "bind".into(),
            family: "AF_UNIX".into(),
            kind: "stream".into(),
            protocol: None,
            address: Some("/run/x/control.sock".into()),
            port: None,
        });
        ev.files.insert("/run/x/control.sock".into(), created);
        assert!(!super::from_evidence(&ev).has(NeedKind::SharedFiles));
    }

    #[test]
    fn the_profile_waives_only_what_its_daemon_runs_without() {
        let tables = crate::tables::SystemdTables::for_version(252).expect("252 tables");
        let profile: crate::harden::knowledge::DaemonProfile = toml::from_str(
            r#"
            name = "d"
            units = ["d.service"]
            binaries = ["d"]
            capabilities = ["CAP_SETUID"]
            families = []
            writable = []
            syscalls = ["@setuid"]
            "#,
        )
        .unwrap();
        let mut n = super::Needs::default();
        n.add(Need::Capability("CAP_SETUID".into()), "setuid(33)");
        n.add(Need::Capability("CAP_DAC_OVERRIDE".into()), "reads /x");
        n.add(Need::OtherProcesses, "reads /proc/PID/cmdline");
        n.add(Need::OtherProcesses, "reads /proc/PID/cgroup");
        n.add(Need::Syscall("sched_setaffinity".into()), "calls it");
        n.add(Need::Syscall("setgroups".into()), "calls it");
        let waived = super::waive_by_profile(&mut n, &profile, tables);
        assert_eq!(waived.len(), 3, "{waived:?}");
        assert_eq!(
            n.capabilities().into_iter().collect::<Vec<_>>(),
            ["CAP_SETUID"]
        );
        assert!(!n.has(NeedKind::OtherProcesses));
        let calls: Vec<_> = n
            .of_kind(NeedKind::Syscalls)
            .map(|s| s.need.clone())
            .collect();
        assert_eq!(calls, [Need::Syscall("setgroups".into())]);
    }

    #[test]
    fn without_a_trace_the_binary_and_the_profile_are_the_needs() {
        use crate::harden::inspect::Facts;
        use crate::harden::knowledge::Knowledge;
        // A binary that imports no socket calls, with no profile: nothing reaches the network.
        let mut f = Facts {
            uses_sockets: Some(false),
            ..Default::default()
        };
        assert!(!super::from_facts(&f, false).has(NeedKind::Network));
        // ... unless a need rule says it configures the host's network.
        f.tags.insert(crate::harden::knowledge::Tag::Netlink);
        let n = super::from_facts(&f, false);
        assert!(n.has(NeedKind::Network) && n.family("AF_NETLINK"));
        // Evidence knows the network exactly: the tags alone add no network need.
        assert!(!super::from_facts(&f, true).has(NeedKind::Network));
        // A binary that could not be read may use sockets.
        let unknown = Facts::default();
        assert!(super::from_facts(&unknown, false).has(NeedKind::Network));
        // A profile: its writable paths, capabilities and families are needs, and one that
        // tunes its resources reads system-wide /proc files.
        let pg = Knowledge::get()
            .profile_for("postgresql@.service", None)
            .cloned();
        let f = Facts {
            profile: pg,
            ..Default::default()
        };
        let n = super::from_facts(&f, false);
        assert!(
            n.items
                .iter()
                .any(|s| s.need == Need::Writes("/var/lib/postgresql".into()))
        );
        assert!(n.capabilities().contains("CAP_SETUID"));
        assert!(n.has(NeedKind::SystemProc) && n.has(NeedKind::Network) && n.family("AF_INET6"));
        let tags = super::from_facts(&f, true);
        assert!(
            !tags.has(NeedKind::Writes)
                && !tags.has(NeedKind::SystemProc)
                && !tags.has(NeedKind::Network)
        );
    }
}
