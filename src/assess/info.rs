//! The flat record the checks read (systemd's SecurityInfo), from a unit's settings (§4).

use std::collections::BTreeSet;

use crate::settings::{
    IpPrefix, NAMESPACE_FLAGS_INITIAL, PrivateMounts, ProtectHome, ProtectSystem, Settings,
};
use crate::tables::VersionRules;

#[derive(Debug, Clone)]
pub struct SecurityInfo {
    pub unit_type: String,
    pub default_dependencies: bool,
    pub user: Option<String>,
    pub dynamic_user: bool,
    pub supplementary_groups: bool,
    pub private_devices: bool,
    pub private_mounts: bool,
    pub private_network: bool,
    pub private_tmp: bool,
    pub private_users: bool,
    pub protect_control_groups: bool,
    pub protect_kernel_modules: bool,
    pub protect_kernel_tunables: bool,
    pub protect_kernel_logs: bool,
    pub protect_clock: bool,
    pub protect_hostname: bool,
    pub lock_personality: bool,
    pub memory_deny_write_execute: bool,
    pub no_new_privileges: bool,
    pub remove_ipc: bool,
    pub restrict_realtime: bool,
    pub restrict_suid_sgid: bool,
    pub protect_system: ProtectSystem,
    pub protect_home: ProtectHome,
    pub root_directory: Option<String>,
    pub root_image: Option<String>,
    pub capability_bounding_set: u64,
    pub ambient_capabilities: u64,
    pub umask: u32,
    pub keyring_mode: String,
    pub protect_proc: String,
    pub proc_subset: String,
    pub notify_access: String,
    pub delegate: bool,
    pub restrict_namespaces: u64,
    pub af_inet: bool,
    pub af_unix: bool,
    pub af_netlink: bool,
    pub af_packet: bool,
    pub af_other: bool,
    pub syscall_architectures: BTreeSet<String>,
    pub syscall_filter_allow_list: bool,
    pub syscall_filter: BTreeSet<i32>,
    pub device_policy: String,
    pub device_allow: Vec<String>,
    pub ip_deny_all: bool,
    pub ip_allow_localhost: bool,
    pub ip_allow_other: bool,
    pub ip_custom: bool,
}

const AF_UNIX: u32 = 1;
const AF_INET: u32 = 2;
const AF_INET6: u32 = 10;
const AF_NETLINK: u32 = 16;
const AF_PACKET: u32 = 17;

impl SecurityInfo {
    /// systemd's SecurityInfo of a unit's settings, read as this version reads them.
    pub fn from_settings(s: &Settings, rules: &VersionRules) -> Self {
        let mut i = SecurityInfo {
            unit_type: s.unit_type.clone(),
            default_dependencies: s.default_dependencies,
            user: None,
            dynamic_user: false,
            supplementary_groups: false,
            private_devices: false,
            private_mounts: false,
            private_network: false,
            private_tmp: false,
            private_users: false,
            protect_control_groups: false,
            protect_kernel_modules: false,
            protect_kernel_tunables: false,
            protect_kernel_logs: false,
            protect_clock: false,
            protect_hostname: false,
            lock_personality: false,
            memory_deny_write_execute: false,
            no_new_privileges: false,
            remove_ipc: false,
            restrict_realtime: false,
            restrict_suid_sgid: false,
            protect_system: ProtectSystem::No,
            protect_home: ProtectHome::No,
            root_directory: None,
            root_image: None,
            capability_bounding_set: u64::MAX,
            ambient_capabilities: 0,
            umask: 0o002,
            keyring_mode: "shared".into(),
            protect_proc: "default".into(),
            proc_subset: "all".into(),
            notify_access: "none".into(),
            delegate: false,
            restrict_namespaces: NAMESPACE_FLAGS_INITIAL,
            af_inet: false,
            af_unix: false,
            af_netlink: false,
            af_packet: false,
            af_other: false,
            syscall_architectures: BTreeSet::new(),
            syscall_filter_allow_list: false,
            syscall_filter: BTreeSet::new(),
            device_policy: "auto".into(),
            device_allow: Vec::new(),
            ip_deny_all: false,
            ip_allow_localhost: false,
            ip_allow_other: false,
            ip_custom: false,
        };
        if let Some(e) = &s.exec {
            i.user = e.user.clone();
            i.dynamic_user = e.dynamic_user;
            i.supplementary_groups = !e.supplementary_groups.is_empty();
            i.private_devices = e.private_devices;
            // 254's tri-state lands in a bool offline: unset (-1) reads as true.
            i.private_mounts = match e.private_mounts {
                PrivateMounts::Yes => true,
                PrivateMounts::No => false,
                PrivateMounts::Unset => rules.private_mounts_tristate,
            };
            i.private_network = e.private_network;
            i.private_tmp = e.private_tmp.is_set();
            i.private_users = e.private_users.is_set();
            i.protect_control_groups = e.protect_control_groups.is_set();
            i.protect_kernel_modules = e.protect_kernel_modules;
            i.protect_kernel_tunables = e.protect_kernel_tunables;
            i.protect_kernel_logs = e.protect_kernel_logs;
            i.protect_clock = e.protect_clock;
            i.protect_hostname = e.protect_hostname.is_set();
            i.lock_personality = e.lock_personality;
            i.memory_deny_write_execute = e.memory_deny_write_execute;
            i.no_new_privileges = e.no_new_privileges;
            i.remove_ipc = e.remove_ipc;
            i.restrict_realtime = e.restrict_realtime;
            i.restrict_suid_sgid = e.restrict_suid_sgid;
            i.protect_system = e.protect_system;
            i.protect_home = e.protect_home;
            i.root_directory = e.root_directory.clone();
            i.root_image = e.root_image.clone();
            i.capability_bounding_set = e.capability_bounding_set;
            i.ambient_capabilities = e.ambient_capabilities;
            i.umask = e.umask;
            i.keyring_mode = e.keyring_mode.clone();
            i.protect_proc = e.protect_proc.clone();
            i.proc_subset = e.proc_subset.clone();
            i.restrict_namespaces = e.restrict_namespaces;
            let allow = e.address_families_allow_list;
            i.af_inet = allow;
            i.af_unix = allow;
            i.af_netlink = allow;
            i.af_packet = allow;
            i.af_other = allow;
            for &af in e.address_families.iter().flatten() {
                let flag = match af {
                    0 => continue,
                    AF_INET | AF_INET6 => &mut i.af_inet,
                    AF_UNIX => &mut i.af_unix,
                    AF_NETLINK => &mut i.af_netlink,
                    AF_PACKET => &mut i.af_packet,
                    _ => &mut i.af_other,
                };
                *flag = !allow;
            }
            i.syscall_architectures = e.syscall_architectures.clone();
            i.syscall_filter_allow_list = e.syscall_filter.allow_list;
            i.syscall_filter = e.syscall_filter.scored_numbers();
        }
        if let Some(svc) = &s.service {
            i.notify_access = svc.notify_access.clone();
        }
        if let Some(c) = &s.cgroup {
            i.delegate = c.delegate;
            i.device_policy = c.device_policy.clone();
            i.device_allow = c.device_allow.clone();
            let has_v4_any = c
                .ip_address_deny
                .iter()
                .any(|p| p.addr.is_ipv4() && p.prefix_len == 0);
            let has_v6_any = c
                .ip_address_deny
                .iter()
                .any(|p| p.addr.is_ipv6() && p.prefix_len == 0);
            i.ip_deny_all = has_v4_any && has_v6_any;
            for p in &c.ip_address_allow {
                if is_localhost_entry(p) {
                    i.ip_allow_localhost = true;
                } else {
                    i.ip_allow_other = true;
                }
            }
            i.ip_custom =
                !c.ip_ingress_filter_paths.is_empty() || !c.ip_egress_filter_paths.is_empty();
        }
        i
    }
}

/// Offline mode: an IPv4 entry in 127/8 or exactly ::1, whatever its prefix length.
fn is_localhost_entry(p: &IpPrefix) -> bool {
    match p.addr {
        std::net::IpAddr::V4(a) => a.octets()[0] == 127,
        std::net::IpAddr::V6(a) => a == std::net::Ipv6Addr::LOCALHOST,
    }
}
