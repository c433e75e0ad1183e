//! The capability and system call rules still used when nothing was
//! observed (`harden` from a daemon profile and the need rules alone): the catalogue's strict
//! values minus what the needs rule out (the catalogue's `blocked_by`), minus what the unit
//! already sets at least as strictly. The filesystem, kernel, process, network and device rules are already one
//! for both cases (their group files); these groups are to follow.

use std::collections::BTreeSet;

use super::{Ctx, Plan};
use crate::harden::needs::NeedKind;

/// ProtectClock=yes implies DeviceAllow=char-rtc r: on a unit whose device ACL is already
/// minimal (DevicePolicy=closed/strict or PrivateDevices=yes, no DeviceAllow=) that widens
/// the ACL, which systemd-analyze scores as worse. Such units keep the clock out of reach
/// through the capability bounding set instead.
fn clock_widens_devices(ctx: &Ctx) -> bool {
    !ctx.exec().protect_clock
        && ctx.scored.settings.cgroup.as_ref().is_some_and(|c| {
            matches!(c.device_policy.as_str(), "closed" | "strict") && c.device_allow.is_empty()
        })
}

/// The capabilities a service keeps.
fn kept_capabilities(ctx: &Ctx) -> Option<BTreeSet<String>> {
    let n = ctx.needs;
    // A bounding set the unit lists itself (CapabilityBoundingSet=CAP_NET_ADMIN ...) is what
    // its author knows the service needs: keep it as it is. Only `~` removals are narrowed.
    let listed = crate::harden::inspect::raw_values(ctx.scored, "CapabilityBoundingSet");
    if listed.iter().any(|v| !v.starts_with('~')) {
        return None;
    }
    let mut keep: BTreeSet<String> = BTreeSet::new();
    match &ctx.facts.profile {
        Some(pr) => {
            if pr.capabilities.iter().any(|c| c == "ALL") {
                return None;
            }
            keep.extend(pr.capabilities.iter().map(|c| c.to_ascii_uppercase()));
            // CAP_CHOWN only for the directories it creates on its first start (they exist
            // afterwards): strict drops it; `apply` catches a host where they are missing.
            if ctx.strict()
                && pr
                    .tags
                    .contains(&crate::harden::knowledge::Tag::ChownFirstStart)
            {
                keep.remove("CAP_CHOWN");
            }
        }
        None if ctx.is_root() => {
            if !ctx.strict() {
                return Some(baseline_dropped_caps(ctx));
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
    if !ctx.facts.low_ports.is_empty() {
        keep.insert("CAP_NET_BIND_SERVICE".into());
    }
    if n.has(NeedKind::Clock) {
        keep.insert("CAP_SYS_TIME".into());
    }
    if n.family("AF_NETLINK") {
        keep.insert("CAP_NET_ADMIN".into());
    }
    if n.family("AF_PACKET") {
        keep.insert("CAP_NET_RAW".into());
    }
    if n.has(NeedKind::SetuidPrograms) && ctx.is_root() {
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
    if n.has(NeedKind::Containers) || n.has(NeedKind::Devices) || n.has(NeedKind::EarlyBoot) {
        return if ctx.strict() {
            None
        } else {
            Some(baseline_dropped_caps(ctx))
        };
    }
    // Ambient capabilities the unit grants must stay in the bounding set.
    for (name, bit) in ctx.tables.capability_names() {
        if ctx.exec().ambient_capabilities & (1u64 << bit) != 0 {
            keep.insert(name.to_ascii_uppercase());
        }
    }
    Some(keep)
}

/// For baseline: keep everything except capabilities almost no daemon uses. Returned as
/// the set to KEEP relative to all capabilities.
fn baseline_dropped_caps(ctx: &Ctx) -> BTreeSet<String> {
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
    let n = ctx.needs;
    let clock = n.has(NeedKind::Clock);
    let devices = n.has(NeedKind::Devices) || n.has(NeedKind::EarlyBoot);
    let logs = n.has(NeedKind::KernelLogs);
    let containers = n.has(NeedKind::Containers);
    ctx.tables
        .capability_names()
        .map(|(c, _)| c.to_ascii_uppercase())
        .filter(|c| !DROP.contains(&c.as_str()))
        // Without ProtectClock= (see clock_widens_devices), the clock capability goes here.
        .filter(|c| clock || !clock_widens_devices(ctx) || c != "CAP_SYS_TIME")
        .chain(clock.then(|| "CAP_WAKE_ALARM".to_string()))
        .chain(devices.then(|| "CAP_MKNOD".to_string()))
        .chain(devices.then(|| "CAP_SYS_RAWIO".to_string()))
        .chain(logs.then(|| "CAP_SYSLOG".to_string()))
        .chain(
            n.has(NeedKind::KernelModules)
                .then(|| "CAP_SYS_MODULE".to_string()),
        )
        .chain(
            (n.has(NeedKind::OtherProcesses) || containers).then(|| "CAP_SYS_PTRACE".to_string()),
        )
        .chain((logs || n.has(NeedKind::SetuidPrograms)).then(|| "CAP_AUDIT_CONTROL".to_string()))
        .chain(logs.then(|| "CAP_AUDIT_READ".to_string()))
        .chain(containers.then(|| "CAP_MAC_ADMIN".to_string()))
        .chain(containers.then(|| "CAP_BPF".to_string()))
        .collect()
}

/// The bounding set kept and the system call filter.
pub fn capabilities_syscalls(ctx: &Ctx, p: &mut Plan) {
    let f = ctx.facts;
    let n = ctx.needs;
    let e = ctx.exec().clone();
    let setuid_exec = n.has(NeedKind::SetuidPrograms);

    // Capabilities.
    let kept = kept_capabilities(ctx);
    // Whether the service can still chown() files it does not own after this drop-in.
    let chown_bit = ctx.tables.capability("CAP_CHOWN").unwrap_or(0);
    let chown_kept = e.capability_bounding_set & (1u64 << chown_bit) != 0
        && kept.as_ref().is_none_or(|k| k.contains("CAP_CHOWN"));
    if let Some(keep) = kept {
        let current = e.capability_bounding_set;
        let drop = super::capabilities::dropped(ctx, &keep);
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
                })
                .unwrap_or_default();
            if keep.is_empty() && current == crate::settings::CAP_ALL {
                p.push("CapabilityBoundingSet", "", "needs no capabilities");
            } else if current == crate::settings::CAP_ALL {
                let k: Vec<&str> = keep.iter().map(String::as_str).collect();
                p.push("CapabilityBoundingSet", k.join(" "), why);
            } else {
                p.push("CapabilityBoundingSet", format!("~{}", drop.join(" ")), why);
            }
        }
    }

    // System calls.
    if e.syscall_architectures.is_empty() {
        p.push("SystemCallArchitectures", "native", "");
    }
    if ctx.blocked("SystemCallFilter").is_none() {
        let filter = &e.syscall_filter;
        let none = filter.map.is_none()
            || (!filter.allow_list && filter.map.as_ref().is_some_and(|m| m.is_empty()));
        let allow_mode = none || filter.allow_list;
        let drops = f.profile.as_ref().is_some_and(|pr| pr.drops_privileges);
        let keep_resources = f.profile.as_ref().is_some_and(|pr| pr.keep_resources) || setuid_exec;
        if none {
            p.push("SystemCallFilter", "@system-service", "");
        }
        let mut deny = vec!["@cpu-emulation", "@debug", "@mount", "@obsolete"];
        // @privileged holds setuid() and chown(): deny it only where those can be given
        // back with a plain line (allow lists), or where the service needs none of them.
        let privileged_ok = !setuid_exec
            && !n.has(NeedKind::Clock)
            && !n.has(NeedKind::KernelModules)
            && !n.has(NeedKind::Devices)
            && (allow_mode || !drops);
        if privileged_ok {
            deny.push("@privileged");
        }
        if !keep_resources {
            deny.push("@resources");
        }
        if allow_mode || ctx.strict() {
            p.push("SystemCallFilter", format!("~{}", deny.join(" ")), "");
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
                super::syscalls::give_back(ctx, p, back, none);
            }
        }
        super::syscalls::error_number(ctx, p);
    }
}
