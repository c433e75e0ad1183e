//! Chooses the hardening lines for one service: the catalogue's strict values, minus what
//! the service's needs rule out, minus what the unit already sets at least as strictly.
//! Every line only narrows: lists are narrowed with `~` removals or started from scratch
//! only when the unit has none, so the drop-in never loosens an existing setting.

use std::collections::BTreeSet;
use std::path::Path;

use super::inspect::Facts;
use crate::catalogue::Catalogue;
use crate::pipeline::Scored;
use crate::settings::{ExecSettings, NAMESPACES, PrivateTmp, ProtectControlGroups};
use crate::tables::SystemdTables;
use crate::unit::search::under_root;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    /// Settings that rarely break a daemon
    Baseline,
    /// The tightest settings that fit what unitguard can see of the service
    Strict,
}

/// One line of the drop-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub directive: String,
    pub value: String,
    /// Why this value (beyond the catalogue's comment), e.g. "keeps CAP_SETUID: nginx drops privileges itself".
    pub why: Option<String>,
}

pub struct Inputs<'a> {
    pub scored: &'a Scored,
    pub facts: &'a Facts,
    pub level: Level,
    pub allow_ip: &'a [String],
    pub systemd_version: u32,
    pub root: Option<&'a Path>,
    pub tables: &'a SystemdTables,
}

struct Planner<'a> {
    i: &'a Inputs<'a>,
    lines: Vec<Line>,
}

fn rank(order: &[&str], v: &str) -> usize {
    order.iter().position(|x| *x == v).unwrap_or(0)
}

impl Planner<'_> {
    fn exec(&self) -> &ExecSettings {
        self.i
            .scored
            .settings
            .exec
            .as_ref()
            .expect("harden needs a unit with an exec context")
    }

    fn known(&self, directive: &str) -> bool {
        Catalogue::get()
            .directive(directive)
            .is_none_or(|d| d.since <= self.i.systemd_version)
    }

    fn push(&mut self, directive: &str, value: impl Into<String>, why: Option<String>) {
        if self.known(directive) {
            self.lines.push(Line {
                directive: directive.to_string(),
                value: value.into(),
                why,
            });
        }
    }

    /// Whether the target systemd accepts `value` for a multi-valued setting (a value newer
    /// than `yes`, such as 257's `PrivateTmp=disconnected`).
    fn offers(&self, directive: &str, value: &str) -> bool {
        self.i
            .tables
            .rules
            .values(directive)
            .iter()
            .any(|w| w == value)
    }

    /// Another unit joins this one's namespaces (or it joins theirs): /tmp is shared then.
    fn shares_namespaces(&self) -> bool {
        self.i
            .scored
            .unit
            .files
            .iter()
            .flat_map(|f| &f.assignments)
            .any(|a| a.key == "JoinsNamespaceOf" && !a.value.is_empty())
    }

    fn bool_on(&mut self, directive: &str, current: bool, blocked_by: &[&str]) {
        if current || blocked_by.iter().any(|t| self.i.facts.has(t)) {
            return;
        }
        self.push(directive, "yes", None);
    }

    fn strict(&self) -> bool {
        self.i.level == Level::Strict
    }

    /// ProtectClock=yes implies DeviceAllow=char-rtc r: on a unit whose device ACL is already
    /// minimal (DevicePolicy=closed/strict or PrivateDevices=yes, no DeviceAllow=) that widens
    /// the ACL, which systemd-analyze scores as worse. Such units keep the clock out of reach
    /// through the capability bounding set instead.
    fn clock_widens_devices(&self) -> bool {
        !self.exec().protect_clock
            && self.i.scored.settings.cgroup.as_ref().is_some_and(|c| {
                matches!(c.device_policy.as_str(), "closed" | "strict") && c.device_allow.is_empty()
            })
    }

    fn is_root(&self) -> bool {
        let e = self.exec();
        !e.dynamic_user && matches!(e.user.as_deref(), None | Some("root" | "0" | ""))
    }
}

/// The capabilities a service keeps.
fn kept_capabilities(p: &Planner) -> Option<BTreeSet<String>> {
    let f = p.i.facts;
    if f.has("user-sessions") {
        return None; // logins get the full set: anything less breaks admin sessions
    }
    // A bounding set the unit lists itself (CapabilityBoundingSet=CAP_NET_ADMIN ...) is what
    // its author knows the service needs: keep it as it is. Only `~` removals are narrowed.
    let listed = super::inspect::raw_values(p.i.scored, "CapabilityBoundingSet");
    if listed.iter().any(|v| !v.starts_with('~')) {
        return None;
    }
    let mut keep: BTreeSet<String> = BTreeSet::new();
    match &f.profile {
        Some(pr) => {
            if pr.capabilities.iter().any(|c| c == "ALL") {
                return None;
            }
            keep.extend(pr.capabilities.iter().map(|c| c.to_ascii_uppercase()));
            // CAP_CHOWN only for the directories it creates on its first start (they exist
            // afterwards): strict drops it; `apply` catches a host where they are missing.
            if p.strict() && f.has("chown-first-start") {
                keep.remove("CAP_CHOWN");
            }
        }
        None if p.is_root() => {
            if !p.strict() {
                return Some(baseline_dropped_caps(p));
            }
            // Strict, unknown root daemon: what root daemons commonly need.
            for c in [
                "CAP_CHOWN",
                "CAP_DAC_OVERRIDE",
                "CAP_DAC_READ_SEARCH",
                "CAP_FOWNER",
                "CAP_SETUID",
                "CAP_SETGID",
                "CAP_KILL",
                "CAP_NET_BIND_SERVICE",
            ] {
                keep.insert(c.into());
            }
        }
        None => {}
    }
    if !f.low_ports.is_empty() {
        keep.insert("CAP_NET_BIND_SERVICE".into());
    }
    if f.has("clock") {
        keep.insert("CAP_SYS_TIME".into());
    }
    if f.has("netlink") {
        keep.insert("CAP_NET_ADMIN".into());
    }
    if f.has("packet") {
        keep.insert("CAP_NET_RAW".into());
    }
    if f.has("setuid-exec") && p.is_root() {
        for c in [
            "CAP_SETUID",
            "CAP_SETGID",
            "CAP_SETPCAP",
            "CAP_AUDIT_WRITE",
            "CAP_DAC_OVERRIDE",
            "CAP_CHOWN",
            "CAP_FOWNER",
            "CAP_KILL",
        ] {
            keep.insert(c.into());
        }
    }
    if f.has("containers") || f.has("devices") || f.has("early-boot") {
        return if p.strict() {
            None
        } else {
            Some(baseline_dropped_caps(p))
        };
    }
    // Ambient capabilities the unit grants must stay in the bounding set.
    let t = p.i.tables;
    for (name, bit) in t.capability_names() {
        if p.exec().ambient_capabilities & (1u64 << bit) != 0 {
            keep.insert(name.to_ascii_uppercase());
        }
    }
    Some(keep)
}

/// For baseline: keep everything except capabilities almost no daemon uses. Returned as
/// the set to KEEP relative to all capabilities.
fn baseline_dropped_caps(p: &Planner) -> BTreeSet<String> {
    const DROP: &[&str] = &[
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
    let f = p.i.facts;
    p.i.tables
        .capability_names()
        .map(|(n, _)| n.to_ascii_uppercase())
        .filter(|n| !DROP.contains(&n.as_str()))
        // Without ProtectClock= (see clock_widens_devices), the clock capability goes here.
        .filter(|n| f.has("clock") || !p.clock_widens_devices() || n != "CAP_SYS_TIME")
        .chain((f.has("clock")).then(|| "CAP_WAKE_ALARM".to_string()))
        .chain((f.has("devices") || f.has("early-boot")).then(|| "CAP_MKNOD".to_string()))
        .chain((f.has("devices") || f.has("early-boot")).then(|| "CAP_SYS_RAWIO".to_string()))
        .chain((f.has("kernel-logs")).then(|| "CAP_SYSLOG".to_string()))
        .chain((f.has("modules")).then(|| "CAP_SYS_MODULE".to_string()))
        .chain((f.has("processes") || f.has("containers")).then(|| "CAP_SYS_PTRACE".to_string()))
        .chain(
            (f.has("kernel-logs") || f.has("setuid-exec")).then(|| "CAP_AUDIT_CONTROL".to_string()),
        )
        .chain((f.has("kernel-logs")).then(|| "CAP_AUDIT_READ".to_string()))
        .chain((f.has("containers")).then(|| "CAP_MAC_ADMIN".to_string()))
        .chain((f.has("containers")).then(|| "CAP_BPF".to_string()))
        .collect()
}

/// Paths the service writes, from its profile, its PID file and the usual per-service
/// directories that exist on the host.
fn writable_paths(p: &Planner) -> Vec<String> {
    let f = p.i.facts;
    let mut paths: Vec<String> = Vec::new();
    let add = |paths: &mut Vec<String>, s: String| {
        if !paths.contains(&s) {
            paths.push(s);
        }
    };
    if let Some(pr) = &f.profile {
        for w in &pr.writable {
            add(&mut paths, w.clone());
        }
    }
    let unit = &p.i.scored.unit.id;
    let mut names: Vec<String> = vec![crate::unit::name::prefix(unit).to_string()];
    if let Some(b) = &f.binary_name {
        names.push(b.clone());
    }
    if let Some(u) = p.exec().user.clone() {
        names.push(u);
    }
    for n in names
        .iter()
        .filter(|n| !n.is_empty() && !n.contains('/') && *n != "root")
    {
        for base in ["/var/lib", "/var/log", "/var/cache", "/run"] {
            let path = format!("{base}/{n}");
            if under_root(p.i.root, Path::new(&path)).is_dir() {
                add(&mut paths, path);
            }
        }
    }
    if let Some(pid) = &f.pid_file {
        if let Some(dir) = Path::new(pid).parent() {
            let dir = dir.display().to_string();
            let dir = if dir == "/var/run" {
                "/run".to_string()
            } else {
                dir.replace("/var/run/", "/run/")
            };
            if dir != "/" {
                add(&mut paths, dir);
            }
        }
    }
    paths
}

pub fn plan(i: &Inputs) -> Vec<Line> {
    let mut p = Planner {
        i,
        lines: Vec::new(),
    };
    let f = i.facts;
    let e = p.exec().clone();
    let sessions = f.has("user-sessions");
    let early = f.has("early-boot");

    // Filesystem.
    if !sessions && !early {
        let strict_fs = p.strict() && !f.has("setuid-exec");
        let target = if strict_fs { "strict" } else { "full" };
        let order = ["no", "yes", "full", "strict"];
        if rank(&order, target) > rank(&order, e.protect_system.as_str()) {
            p.push("ProtectSystem", target, None);
            if target == "strict" {
                for path in writable_paths(&p) {
                    let host = under_root(i.root, Path::new(&path));
                    if !host.exists() {
                        continue; // a missing ReadWritePaths= entry fails with 226/NAMESPACE
                    }
                    p.push(
                        "ReadWritePaths",
                        path.clone(),
                        Some(format!("{path} is written by the service")),
                    );
                }
            }
        }
        let home = if p.strict() && !f.has("home") {
            "yes"
        } else {
            "read-only"
        };
        let order = ["no", "read-only", "tmpfs", "yes"];
        if rank(&order, home) > rank(&order, e.protect_home.as_str()) {
            p.push("ProtectHome", home, None);
        }
        // 257: a /tmp of its own not even joinable (strict only: it lives in memory).
        if p.strict()
            && p.offers("PrivateTmp", "disconnected")
            && !p.shares_namespaces()
            && e.private_tmp != PrivateTmp::Disconnected
        {
            p.push(
                "PrivateTmp",
                "disconnected",
                Some("no other unit shares its /tmp (no JoinsNamespaceOf=)".into()),
            );
        } else {
            p.bool_on("PrivateTmp", e.private_tmp.is_set(), &[]);
        }
        p.bool_on("PrivateMounts", e.private_mounts.is_yes(), &["containers"]);
        if p.strict() && (e.umask | 0o027) != e.umask && !f.has("setuid-exec") {
            p.push("UMask", format!("{:04o}", e.umask | 0o027), None);
        }
    }

    // Kernel.
    if !sessions {
        p.bool_on(
            "ProtectKernelTunables",
            e.protect_kernel_tunables,
            &["tunables", "containers"],
        );
        p.bool_on(
            "ProtectKernelModules",
            e.protect_kernel_modules,
            &["modules", "containers"],
        );
        p.bool_on("ProtectKernelLogs", e.protect_kernel_logs, &["kernel-logs"]);
        // 257: a cgroup namespace of its own, read-only, for a service that delegates nothing.
        let delegates =
            p.i.scored
                .settings
                .cgroup
                .as_ref()
                .is_some_and(|c| c.delegate);
        if p.offers("ProtectControlGroups", "strict")
            && !f.has("containers")
            && !delegates
            && e.protect_control_groups != ProtectControlGroups::Strict
        {
            p.push("ProtectControlGroups", "strict", None);
        } else {
            p.bool_on(
                "ProtectControlGroups",
                e.protect_control_groups.is_set(),
                &["containers"],
            );
        }
        if !p.clock_widens_devices() {
            p.bool_on("ProtectClock", e.protect_clock, &["clock"]);
        }
        p.bool_on(
            "ProtectHostname",
            e.protect_hostname.is_set(),
            &["hostname", "containers"],
        );
        if e.protect_proc == "default" && !f.has("processes") && !f.has("containers") {
            p.push("ProtectProc", "invisible", None);
        }
        if p.strict()
            && e.proc_subset == "all"
            && !f.has("processes")
            && !f.has("containers")
            && f.profile.as_ref().is_some_and(|pr| !pr.keep_resources)
        {
            p.push(
                "ProcSubset",
                "pid",
                Some("the service reads no system-wide /proc files".into()),
            );
        }
    }

    // Process.
    if !sessions {
        p.bool_on(
            "NoNewPrivileges",
            e.no_new_privileges,
            &["setuid-exec", "containers"],
        );
        p.bool_on(
            "RestrictSUIDSGID",
            e.restrict_suid_sgid,
            &["setuid-exec", "containers"],
        );
        p.bool_on("RestrictRealtime", e.restrict_realtime, &["containers"]);
        p.bool_on("LockPersonality", e.lock_personality, &["containers"]);
        if !e.memory_deny_write_execute && !f.has("jit") && !f.has("containers") {
            p.push("MemoryDenyWriteExecute", "yes", None);
        }
        if !p.is_root() {
            p.bool_on("RemoveIPC", e.remove_ipc, &[]);
        }
        if e.keyring_mode != "private"
            && p.i.scored.unit.unit_type() == "service"
            && !f.has("containers")
        {
            p.push("KeyringMode", "private", None);
        }
        if !f.has("containers") {
            let initial = e.restrict_namespaces == crate::settings::NAMESPACE_FLAGS_INITIAL;
            if initial {
                p.push("RestrictNamespaces", "yes", None);
            } else {
                let allowed: Vec<&str> = NAMESPACES
                    .iter()
                    .filter(|(n, fl)| *n != "time" && e.restrict_namespaces & fl != 0)
                    .map(|(n, _)| *n)
                    .collect();
                if !allowed.is_empty() && p.strict() {
                    p.push(
                        "RestrictNamespaces",
                        format!("~{}", allowed.join(" ")),
                        None,
                    );
                }
            }
        }
        if p.strict()
            && !p.is_root()
            && !e.private_users.is_set()
            && f.profile.is_some()
            && e.ambient_capabilities == 0
            && f.low_ports.is_empty()
            && !f.has("setuid-exec")
        {
            // 257 spells `yes` as `self`: only its own user and group are mapped.
            let value = if p.offers("PrivateUsers", "self") {
                "self"
            } else {
                "yes"
            };
            p.push(
                "PrivateUsers",
                value,
                Some("runs as its own user and needs no capabilities".into()),
            );
        }
    } else {
        p.bool_on("LockPersonality", e.lock_personality, &[]);
    }

    // Capabilities.
    let kept = kept_capabilities(&p);
    // Whether the service can still chown() files it does not own after this drop-in.
    let chown_bit = i.tables.capability("CAP_CHOWN").unwrap_or(0);
    let chown_kept = e.capability_bounding_set & (1u64 << chown_bit) != 0
        && kept.as_ref().is_none_or(|k| k.contains("CAP_CHOWN"));
    if let Some(keep) = kept {
        let current = e.capability_bounding_set;
        let t = i.tables;
        let mut drop: Vec<(u32, String)> = t
            .capability_names()
            .filter(|(n, bit)| {
                current & (1u64 << bit) != 0 && !keep.contains(&n.to_ascii_uppercase())
            })
            .map(|(n, bit)| (bit, n.to_ascii_uppercase()))
            .collect();
        drop.sort();
        if !drop.is_empty() {
            let why = f
                .profile
                .as_ref()
                .filter(|pr| pr.drops_privileges)
                .map(|pr| {
                    format!(
                        "keeps {}: {} switches user itself",
                        keep.iter().cloned().collect::<Vec<_>>().join(" "),
                        pr.name
                    )
                });
            if keep.is_empty() && current == crate::settings::CAP_ALL {
                p.push(
                    "CapabilityBoundingSet",
                    "",
                    Some("needs no capabilities".into()),
                );
            } else if current == crate::settings::CAP_ALL {
                let mut k: Vec<&String> = keep.iter().collect();
                k.sort();
                let value = k.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ");
                if value.is_empty() {
                    p.push("CapabilityBoundingSet", "", why);
                } else {
                    p.push("CapabilityBoundingSet", value, why);
                }
            } else {
                let names: Vec<String> = drop.into_iter().map(|(_, n)| n).collect();
                p.push(
                    "CapabilityBoundingSet",
                    format!("~{}", names.join(" ")),
                    why,
                );
            }
        }
    }

    // System calls.
    if !sessions {
        if e.syscall_architectures.is_empty() {
            p.push("SystemCallArchitectures", "native", None);
        }
        if !f.has("containers") && !early {
            let filter = &e.syscall_filter;
            let none = filter.map.is_none()
                || (!filter.allow_list && filter.map.as_ref().is_some_and(|m| m.is_empty()));
            let allow_mode = none || filter.allow_list;
            let drops = f.profile.as_ref().is_some_and(|pr| pr.drops_privileges);
            let setuid_exec = f.has("setuid-exec");
            let keep_resources =
                f.profile.as_ref().is_some_and(|pr| pr.keep_resources) || setuid_exec;
            if none {
                p.push("SystemCallFilter", "@system-service", None);
            }
            let mut deny = vec!["@cpu-emulation", "@debug", "@mount", "@obsolete"];
            // @privileged holds setuid() and chown(): deny it only where those can be given
            // back with a plain line (allow lists), or where the service needs none of them.
            let privileged_ok = !setuid_exec
                && !f.has("clock")
                && !f.has("modules")
                && !f.has("devices")
                && (allow_mode || !drops);
            if privileged_ok {
                deny.push("@privileged");
            }
            if !keep_resources {
                deny.push("@resources");
            }
            if allow_mode || p.strict() {
                p.push("SystemCallFilter", format!("~{}", deny.join(" ")), None);
                if allow_mode {
                    let mut back: Vec<(String, String)> = Vec::new();
                    if drops && privileged_ok {
                        let who = f
                            .profile
                            .as_ref()
                            .map_or("the service", |pr| pr.name.as_str())
                            .to_string();
                        // @chown only where CAP_CHOWN stays: without it the calls are useless.
                        back.push(if chown_kept {
                            (
                                "@setuid @chown".into(),
                                format!("{who} switches user and owns its files itself"),
                            )
                        } else {
                            ("@setuid".into(), format!("{who} switches user itself"))
                        });
                    }
                    if let Some(pr) = &f.profile {
                        for sc in &pr.syscalls {
                            let covered = back.iter().any(|(v, _)| v.split(' ').any(|x| x == sc));
                            let needed = sc != "@setuid" || privileged_ok;
                            if !covered && needed {
                                back.push((sc.clone(), format!("{} needs it", pr.name)));
                            }
                        }
                    }
                    // An allow list the unit already has is only narrowed: what goes back
                    // after the deny line is limited to the calls that list allowed.
                    for (v, why) in back {
                        if let Some(v) = filter.narrow_give_back(&v, none, i.tables) {
                            p.push("SystemCallFilter", v, Some(why));
                        }
                    }
                }
            }
            if super::inspect::raw_values(i.scored, "SystemCallErrorNumber").is_empty() {
                p.push(
                    "SystemCallErrorNumber",
                    "EPERM",
                    Some("denied calls fail with EPERM instead of killing the process".into()),
                );
            }
        }
    }

    // Network.
    if !sessions {
        let no_sockets = f.uses_sockets == Some(false)
            && !f.socket_activated
            && f.profile.is_none()
            && f.low_ports.is_empty();
        if no_sockets && !e.private_network && !f.has("netlink") && !f.has("containers") {
            p.push(
                "PrivateNetwork",
                "yes",
                Some("the binary opens no sockets".into()),
            );
        }
        if e.address_families.is_none()
            && !e.address_families_allow_list
            && !f.has("containers")
            && !f.has("packet")
        {
            let fams: Vec<String> = match &f.profile {
                Some(pr) => pr.families.clone(),
                None if p.strict() && !f.has("netlink") => {
                    vec!["AF_UNIX".into(), "AF_INET".into(), "AF_INET6".into()]
                }
                None => vec![
                    "AF_UNIX".into(),
                    "AF_INET".into(),
                    "AF_INET6".into(),
                    "AF_NETLINK".into(),
                ],
            };
            let mut fams = fams;
            if f.has("netlink") && !fams.iter().any(|x| x == "AF_NETLINK") {
                fams.push("AF_NETLINK".into());
            }
            p.push("RestrictAddressFamilies", fams.join(" "), None);
        }
        if !i.allow_ip.is_empty() {
            let c = p.i.scored.settings.cgroup.as_ref();
            let untouched =
                c.is_some_and(|c| c.ip_address_allow.is_empty() && c.ip_address_deny.is_empty());
            if untouched {
                p.push("IPAddressDeny", "any", None);
                let mut allow: Vec<String> = vec!["localhost".into()];
                allow.extend(i.allow_ip.iter().cloned());
                allow.dedup();
                p.push(
                    "IPAddressAllow",
                    allow.join(" "),
                    Some("localhost keeps the local resolver reachable".into()),
                );
            }
        }
    }

    // Devices.
    if !sessions && !early {
        p.bool_on(
            "PrivateDevices",
            e.private_devices,
            &["devices", "containers"],
        );
    }
    p.lines
}
