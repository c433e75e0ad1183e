//! The badness rule of each check kind (spec §5). A rule returns the badness and, for checks
//! that word their own result, the description.

use std::borrow::Cow;

use super::info::SecurityInfo;
use crate::settings::{NAMESPACES, ProtectHome, ProtectSystem};
use crate::tables::{CheckDef, SystemdTables};

/// `None` badness = the check does not apply (n/a).
pub struct RuleResult {
    pub badness: Option<u64>,
    pub description: Option<Cow<'static, str>>,
}

fn fixed(b: u64) -> RuleResult {
    RuleResult {
        badness: Some(b),
        description: None,
    }
}

fn own(b: u64, d: impl Into<Cow<'static, str>>) -> RuleResult {
    RuleResult {
        badness: Some(b),
        description: Some(d.into()),
    }
}

const NA: RuleResult = RuleResult {
    badness: None,
    description: None,
};

fn is_root(u: &Option<String>) -> bool {
    matches!(u.as_deref(), Some("0" | "root"))
}

/// §5.2: root, or no user without DynamicUser.
fn privileged(i: &SecurityInfo) -> bool {
    if is_root(&i.user) {
        return true;
    }
    if i.dynamic_user {
        return false;
    }
    i.user.as_deref().is_none_or(str::is_empty)
}

fn bool_field(i: &SecurityInfo, field: &str) -> bool {
    match field {
        "private_devices" => i.private_devices,
        "private_mounts" => i.private_mounts,
        "private_network" => i.private_network,
        "private_tmp" => i.private_tmp,
        "private_users" => i.private_users,
        "protect_control_groups" => i.protect_control_groups,
        "protect_kernel_modules" => i.protect_kernel_modules,
        "protect_kernel_tunables" => i.protect_kernel_tunables,
        "protect_kernel_logs" => i.protect_kernel_logs,
        "protect_clock" => i.protect_clock,
        "protect_hostname" => i.protect_hostname,
        "lock_personality" => i.lock_personality,
        "memory_deny_write_execute" => i.memory_deny_write_execute,
        "no_new_privileges" => i.no_new_privileges,
        "restrict_realtime" => i.restrict_realtime,
        "restrict_suid_sgid" => i.restrict_suid_sgid,
        "delegate" => i.delegate,
        "restrict_address_family_inet" => i.af_inet,
        "restrict_address_family_unix" => i.af_unix,
        "restrict_address_family_netlink" => i.af_netlink,
        "restrict_address_family_packet" => i.af_packet,
        "restrict_address_family_other" => i.af_other,
        other => panic!("checks.json names an unknown field {other}"),
    }
}

pub fn evaluate(def: &CheckDef, i: &SecurityInfo, t: &SystemdTables) -> RuleResult {
    match def.rule.as_str() {
        "bool" => {
            let field = def.field.as_deref().unwrap_or_default();
            let v = bool_field(i, field);
            // Delegate= is the one inverted bool: delegation is the exposure.
            let bad = if field == "delegate" { v } else { !v };
            fixed(u64::from(bad))
        }
        "user" => match i.user.as_deref() {
            Some("nobody") => own(
                9,
                "Service runs under as 'nobody' user, which should not be used for services",
            ),
            Some(u) if i.dynamic_user && u != "0" && u != "root" => {
                own(0, "Service runs under a transient non-root user identity")
            }
            Some(u) if !matches!(u, "0" | "root" | "") => {
                own(0, "Service runs under a static non-root user identity")
            }
            _ => fixed(10),
        },
        "supplementary_groups" => {
            if privileged(i) {
                NA
            } else {
                fixed(u64::from(i.supplementary_groups))
            }
        }
        "remove_ipc" => {
            if privileged(i) {
                NA
            } else {
                fixed(u64::from(!i.remove_ipc))
            }
        }
        "protect_home" => match i.protect_home {
            ProtectHome::Yes => own(0, "Service has no access to home directories"),
            ProtectHome::Tmpfs => own(1, "Service has access to fake empty home directories"),
            ProtectHome::ReadOnly => own(5, "Service has read-only access to home directories"),
            ProtectHome::No => own(10, "Service has full access to home directories"),
        },
        "protect_system" => match i.protect_system {
            ProtectSystem::Strict => own(
                0,
                "Service has strict read-only access to the OS file hierarchy",
            ),
            ProtectSystem::Full => own(
                3,
                "Service has very limited write access to the OS file hierarchy",
            ),
            ProtectSystem::Yes => own(
                5,
                "Service has limited write access to the OS file hierarchy",
            ),
            ProtectSystem::No => own(10, "Service has full access to the OS file hierarchy"),
        },
        "root_directory" => {
            let empty_or_root = |p: &Option<String>| {
                p.as_deref()
                    .is_none_or(|s| s.is_empty() || s.chars().all(|c| c == '/'))
            };
            fixed(u64::from(
                empty_or_root(&i.root_directory) && empty_or_root(&i.root_image),
            ))
        }
        "capability_bounding_set" => fixed(u64::from(
            i.capability_bounding_set & def.capability_mask != 0,
        )),
        "umask" => {
            let (b, what) = if i.umask & 0o002 == 0 {
                (10, "world-writable")
            } else if i.umask & 0o004 == 0 {
                (5, "world-readable")
            } else if i.umask & 0o020 == 0 {
                (2, "group-writable")
            } else if i.umask & 0o040 == 0 {
                (1, "group-readable")
            } else {
                return own(
                    0,
                    "Files created by service are accessible only by service's own user by default",
                );
            };
            own(b, format!("Files created by service are {what} by default"))
        }
        "keyring_mode" => fixed(u64::from(i.keyring_mode != "private")),
        "protect_proc" => fixed(match i.protect_proc.as_str() {
            "noaccess" => 1,
            "invisible" | "ptraceable" => 0,
            _ => 3,
        }),
        "proc_subset" => fixed(u64::from(i.proc_subset != "pid")),
        "notify_access" => fixed(u64::from(i.notify_access == "all")),
        "restrict_namespaces" => {
            let name = def.namespace.as_deref().unwrap_or_default();
            let flag = NAMESPACES
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(0, |(_, f)| *f);
            fixed(u64::from(i.restrict_namespaces & flag != 0))
        }
        "system_call_architectures" => {
            if i.syscall_architectures.is_empty() {
                own(10, "Service may execute system calls with all ABIs")
            } else if i.syscall_architectures.len() == 1
                && i.syscall_architectures.contains("native")
            {
                own(0, "Service may execute system calls only with native ABI")
            } else {
                own(8, "Service may execute system calls with multiple ABIs")
            }
        }
        "system_call_filter" => syscall_filter(def, i, t),
        "ip_address_allow" => {
            if i.ip_custom {
                own(
                    0,
                    "Service defines custom ingress/egress IP filters with BPF programs",
                )
            } else if !i.ip_deny_all {
                own(10, "Service does not define an IP address allow list")
            } else if i.ip_allow_other {
                own(
                    5,
                    "Service defines IP address allow list with non-localhost entries",
                )
            } else if i.ip_allow_localhost {
                own(
                    2,
                    "Service defines IP address allow list with only localhost entries",
                )
            } else {
                own(0, "Service blocks all IP address ranges")
            }
        }
        "device_allow" => {
            if matches!(i.device_policy.as_str(), "strict" | "closed") {
                if i.device_allow.is_empty() {
                    own(0, "Service has a minimal device ACL")
                } else {
                    own(
                        5,
                        format!(
                            "Service has a device ACL with some special devices: {}",
                            i.device_allow.join(" ")
                        ),
                    )
                }
            } else {
                own(10, "Service has no device ACL")
            }
        }
        "ambient_capabilities" => fixed(u64::from(i.ambient_capabilities != 0)),
        other => panic!("checks.json names an unknown rule {other}"),
    }
}

/// §5.7: the first member of the group that the filter lets through.
fn syscall_filter(def: &CheckDef, i: &SecurityInfo, t: &SystemdTables) -> RuleResult {
    let group = def.syscall_group.as_deref().unwrap_or_default();
    if !i.syscall_filter_allow_list && i.syscall_filter.is_empty() {
        return own(10, "Service does not filter system calls");
    }
    let members = t.group_syscalls(group);
    let in_set = |name: &str| {
        t.syscall_number(name)
            .and_then(|nr| t.syscall_name(nr).filter(|n| *n == name).map(|_| nr))
            .is_some_and(|nr| i.syscall_filter.contains(&nr))
    };
    let offender = members
        .iter()
        .filter(|m| t.syscall_number(m).is_some_and(|nr| nr >= 0))
        .find(|m| in_set(m) == i.syscall_filter_allow_list);
    match (i.syscall_filter_allow_list, offender) {
        (true, Some(o)) => own(
            9,
            format!(
                "System call allow list defined for service, and {group} is included (e.g. {o} is allowed)"
            ),
        ),
        (true, None) => own(
            0,
            format!("System call allow list defined for service, and {group} is not included"),
        ),
        (false, Some(o)) => own(
            10,
            format!(
                "System call deny list defined for service, and {group} is not included (e.g. {o} is allowed)"
            ),
        ),
        (false, None) => own(
            0,
            format!("System call deny list defined for service, and {group} is included"),
        ),
    }
}
