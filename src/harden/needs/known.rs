//! The capability and system call needs of a service nobody watched (`harden` from its
//! daemon profile and the need rules alone), beyond its profile's own lists
//! ([`super::from_facts`]). Without a trace no one knows which privileged operation a code
//! path takes, so these are what services of its kind commonly need: the usual privileged
//! operations of root daemons, at baseline all but the rarely used capabilities, and what a
//! need rule implies (setting the clock keeps CAP_SYS_TIME, ...). With a trace the evidence
//! says it exactly and none of this is added.

use super::{Need, NeedKind, Needs};
use crate::harden::inspect::Facts;
use crate::harden::knowledge::Tag;
use crate::tables::SystemdTables;

/// What decides the known needs besides the facts.
pub struct Known<'a> {
    pub facts: &'a Facts,
    /// `--profile strict`: the tightest fit, not the set that rarely breaks anything.
    pub strict: bool,
    pub runs_as_root: bool,
    pub tables: &'a SystemdTables,
    /// ProtectClock=yes would widen the unit's closed device list (it implies
    /// DeviceAllow=char-rtc r, scored worse): the bounding set keeps the clock out instead.
    pub clock_widens_devices: bool,
}

/// What root daemons commonly need (the strict set of an unknown root daemon).
const ROOT_DAEMON: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_SETUID",
    "CAP_SETGID",
    "CAP_KILL",
    "CAP_NET_BIND_SERVICE",
];

/// What the setuid programs a root service runs (cron jobs, logins) need of its bounding set.
const SETUID_PROGRAMS: &[&str] = &[
    "CAP_SETUID",
    "CAP_SETGID",
    "CAP_SETPCAP",
    "CAP_AUDIT_WRITE",
    "CAP_DAC_OVERRIDE",
    "CAP_CHOWN",
    "CAP_FOWNER",
    "CAP_KILL",
];

/// Capabilities almost no daemon uses: baseline keeps all others.
const RARELY_USED: &[&str] = &[
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_BOOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_MAC_ADMIN",
    "CAP_MAC_OVERRIDE",
    "CAP_LINUX_IMMUTABLE",
    "CAP_AUDIT_CONTROL",
    "CAP_AUDIT_READ",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_SYS_TTY_CONFIG",
    "CAP_LEASE",
    "CAP_MKNOD",
    "CAP_SYSLOG",
    "CAP_BPF",
    "CAP_PERFMON",
    "CAP_CHECKPOINT_RESTORE",
];

/// Adds the known capability and system call needs to `n` (the needs of its profile and
/// need rules, without a trace).
pub fn add(n: &mut Needs, k: &Known) {
    capabilities(n, k);
    syscalls(n, k);
}

fn cap(n: &mut Needs, c: &str, why: &str) {
    n.add(Need::Capability(c.to_string()), why);
}

fn capabilities(n: &mut Needs, k: &Known) {
    let f = k.facts;
    match &f.profile {
        // A profile that keeps every capability (openssh) already says so: Capability("ALL").
        Some(p) if p.capabilities.iter().any(|c| c == "ALL") => return,
        // CAP_CHOWN only for the directories it creates on its first start (they exist
        // afterwards): strict does without; `apply` catches a host where they are missing.
        Some(p) if k.strict && p.tags.contains(&Tag::ChownFirstStart) => {
            n.items
                .retain(|s| s.need != Need::Capability("CAP_CHOWN".into()));
        }
        Some(_) => {}
        None if k.runs_as_root && k.strict => {
            for c in ROOT_DAEMON {
                cap(n, c, "root daemons commonly need it");
            }
        }
        None if k.runs_as_root => baseline(n, k),
        None => {}
    }
    if let Some(port) = f.low_ports.iter().next() {
        cap(
            n,
            "CAP_NET_BIND_SERVICE",
            &format!("listens on port {port}"),
        );
    }
    if n.has(NeedKind::Clock) {
        cap(n, "CAP_SYS_TIME", "sets the clock");
    }
    if n.family("AF_NETLINK") {
        cap(n, "CAP_NET_ADMIN", "configures the network (netlink)");
    }
    if n.family("AF_PACKET") {
        cap(n, "CAP_NET_RAW", "uses raw packet sockets");
    }
    if n.has(NeedKind::SetuidPrograms) && k.runs_as_root {
        for c in SETUID_PROGRAMS {
            cap(n, c, "the setuid programs it runs need it");
        }
    }
    // What hardware access, containers or early boot take cannot be foreseen: strict keeps
    // them all, baseline all but the rarely used.
    if n.has(NeedKind::Containers) || n.has(NeedKind::Devices) || n.has(NeedKind::EarlyBoot) {
        if k.strict {
            cap(
                n,
                "ALL",
                "hardware, containers or early boot: not foreseeable",
            );
        } else {
            baseline(n, k);
        }
    }
}

/// Baseline for a daemon it knows nothing of: every capability but the rarely used, and of
/// those what a need asks for.
fn baseline(n: &mut Needs, k: &Known) {
    let why = "baseline keeps all but rarely used capabilities";
    let clock = n.has(NeedKind::Clock);
    let devices = n.has(NeedKind::Devices) || n.has(NeedKind::EarlyBoot);
    let logs = n.has(NeedKind::KernelLogs);
    let containers = n.has(NeedKind::Containers);
    let all: Vec<String> = k
        .tables
        .capability_names()
        .map(|(c, _)| c.to_ascii_uppercase())
        .filter(|c| !RARELY_USED.contains(&c.as_str()))
        .filter(|c| clock || !k.clock_widens_devices || c != "CAP_SYS_TIME")
        .collect();
    for c in &all {
        cap(n, c, why);
    }
    let extras = [
        (clock, "CAP_WAKE_ALARM"),
        (devices, "CAP_MKNOD"),
        (devices, "CAP_SYS_RAWIO"),
        (logs, "CAP_SYSLOG"),
        (n.has(NeedKind::KernelModules), "CAP_SYS_MODULE"),
        (
            n.has(NeedKind::OtherProcesses) || containers,
            "CAP_SYS_PTRACE",
        ),
        (logs || n.has(NeedKind::SetuidPrograms), "CAP_AUDIT_CONTROL"),
        (logs, "CAP_AUDIT_READ"),
        (containers, "CAP_MAC_ADMIN"),
        (containers, "CAP_BPF"),
    ];
    for (needed, c) in extras {
        if needed {
            cap(n, c, "a need rule asks for it");
        }
    }
}

/// The system call groups kept whole, and who switches user itself.
fn syscalls(n: &mut Needs, k: &Known) {
    // @privileged holds setuid(), chown(), settimeofday(), init_module() and mknod(): what
    // setuid programs, clocks, modules and devices take.
    let privileged = [
        (NeedKind::SetuidPrograms, "runs setuid programs"),
        (NeedKind::Clock, "sets the clock"),
        (NeedKind::KernelModules, "loads kernel modules"),
        (NeedKind::Devices, "uses devices"),
    ]
    .into_iter()
    .find(|(kind, _)| n.has(*kind));
    if let Some((_, why)) = privileged {
        n.add(Need::Syscall("@privileged".into()), why);
    }
    // The setuid programs set their own limits (setrlimit and the like).
    if n.has(NeedKind::SetuidPrograms) {
        n.add(
            Need::Syscall("@resources".into()),
            "the setuid programs it runs set their limits",
        );
    }
    if let Some(p) = k.facts.profile.as_ref().filter(|p| p.drops_privileges) {
        n.add(
            Need::SwitchesUser(p.name.clone()),
            format!("profile {}", p.name),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::{Known, add};
    use crate::harden::inspect::Facts;
    use crate::harden::knowledge::Knowledge;
    use crate::harden::needs::{Need, NeedKind, from_facts};
    use crate::tables::SystemdTables;

    fn known(facts: &Facts, strict: bool, root: bool) -> crate::harden::needs::Needs {
        let mut n = from_facts(facts, false);
        let k = Known {
            facts,
            strict,
            runs_as_root: root,
            tables: SystemdTables::for_version(252).unwrap(),
            clock_widens_devices: false,
        };
        add(&mut n, &k);
        n
    }

    #[test]
    fn an_unknown_root_daemon_keeps_the_usual_set_at_strict_and_all_but_the_rare_at_baseline() {
        let f = Facts::default();
        let strict = known(&f, true, true).capabilities();
        assert!(strict.contains("CAP_SETUID") && !strict.contains("CAP_SYS_ADMIN"));
        let baseline = known(&f, false, true).capabilities();
        assert!(baseline.contains("CAP_SYS_ADMIN") && !baseline.contains("CAP_SYS_MODULE"));
        // Not root, no profile: nothing is known to need a capability.
        assert!(known(&f, true, false).capabilities().is_empty());
    }

    #[test]
    fn a_profile_that_switches_user_says_so_and_its_first_start_chown_is_dropped_at_strict() {
        let nginx = Knowledge::get().profile_for("nginx.service", None).cloned();
        let f = Facts {
            profile: nginx,
            ..Default::default()
        };
        let n = known(&f, true, true);
        assert!(n.has(NeedKind::SwitchesUser));
        assert!(!n.capabilities().contains("CAP_CHOWN"));
        assert!(known(&f, false, true).capabilities().contains("CAP_CHOWN"));
    }

    #[test]
    fn setuid_programs_keep_privileged_and_resources_whole() {
        let mut f = Facts::default();
        f.tags.insert(crate::harden::knowledge::Tag::SetuidExec);
        let n = known(&f, true, true);
        let calls: Vec<_> = n.of_kind(NeedKind::Syscalls).map(|s| &s.need).collect();
        assert!(calls.contains(&&Need::Syscall("@privileged".into())));
        assert!(calls.contains(&&Need::Syscall("@resources".into())));
        assert!(n.capabilities().contains("CAP_AUDIT_WRITE"));
    }
}
