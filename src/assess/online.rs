//! Live (online) mode: the SecurityInfo `systemd-analyze security UNIT` builds from the running
//! manager's D-Bus properties (systemd 252's `acquire_security_info()`), spec §11.
//!
//! [`UnitProperties`] is the bus map as plain values, filled by `crate::systemd::bus`. This module
//! turns it into a [`SecurityInfo`] exactly as systemd's `property_read_*()` readers do, then
//! applies the online adjustments in one place: [`online_adjustments`]. Everything else (the
//! checks, the formula, the row order) is the shared scorer of [`super::assess_info`].

use std::collections::BTreeSet;

use super::info::SecurityInfo;
use crate::settings::{NAMESPACE_FLAGS_INITIAL, ProtectHome, ProtectSystem};
use crate::tables::SystemdTables;

const AF_INET: i32 = 2;
const AF_INET6: i32 = 10;

/// One `(iayu)` entry of IPAddressAllow= / IPAddressDeny=: family, address bytes, prefix length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusIpEntry {
    pub family: i32,
    pub address: Vec<u8>,
    pub prefix_len: u32,
}

/// The properties systemd 252's analyze-security reads over D-Bus (its `security_map`), as
/// plain values. A property the unit's object does not have keeps the value below, which is
/// what systemd's SecurityInfo starts with (`analyze_security_one()`): booleans false, strings
/// unset (an empty string reads as unset too), DefaultDependencies true, the bounding set and
/// RestrictNamespaces all bits, UMask 0002.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitProperties {
    pub id: Option<String>,
    /// The service's `Type` (simple, oneshot, ...), not the unit type.
    pub service_type: Option<String>,
    pub load_state: Option<String>,
    pub fragment_path: Option<String>,
    pub default_dependencies: bool,
    pub ambient_capabilities: u64,
    pub capability_bounding_set: u64,
    pub user: Option<String>,
    pub supplementary_groups: Vec<String>,
    pub dynamic_user: bool,
    pub ip_address_allow: Vec<BusIpEntry>,
    pub ip_address_deny: Vec<BusIpEntry>,
    pub ip_ingress_filter_path: Vec<String>,
    pub ip_egress_filter_path: Vec<String>,
    pub keyring_mode: Option<String>,
    pub protect_proc: Option<String>,
    pub proc_subset: Option<String>,
    pub lock_personality: bool,
    pub memory_deny_write_execute: bool,
    pub no_new_privileges: bool,
    pub notify_access: Option<String>,
    pub protect_hostname: bool,
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
    pub protect_home: Option<String>,
    pub protect_system: Option<String>,
    pub remove_ipc: bool,
    /// `(allow_list, names)`: RestrictAddressFamilies= as `(bas)`.
    pub restrict_address_families: Option<(bool, Vec<String>)>,
    pub restrict_namespaces: u64,
    pub restrict_realtime: bool,
    pub restrict_suid_sgid: bool,
    pub root_directory: Option<String>,
    pub root_image: Option<String>,
    pub delegate: bool,
    pub device_policy: Option<String>,
    /// `(path, "rwm" flags)`, in the manager's order (newest first).
    pub device_allow: Vec<(String, String)>,
    pub system_call_architectures: Vec<String>,
    /// `(allow_list, names)`: names may carry `:ERRNO` / `:kill` (deny lists only).
    pub system_call_filter: Option<(bool, Vec<String>)>,
    pub umask: u32,
}

impl Default for UnitProperties {
    fn default() -> Self {
        UnitProperties {
            id: None,
            service_type: None,
            load_state: None,
            fragment_path: None,
            default_dependencies: true,
            ambient_capabilities: 0,
            capability_bounding_set: u64::MAX,
            user: None,
            supplementary_groups: Vec::new(),
            dynamic_user: false,
            ip_address_allow: Vec::new(),
            ip_address_deny: Vec::new(),
            ip_ingress_filter_path: Vec::new(),
            ip_egress_filter_path: Vec::new(),
            keyring_mode: None,
            protect_proc: None,
            proc_subset: None,
            lock_personality: false,
            memory_deny_write_execute: false,
            no_new_privileges: false,
            notify_access: None,
            protect_hostname: false,
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
            protect_home: None,
            protect_system: None,
            remove_ipc: false,
            restrict_address_families: None,
            restrict_namespaces: NAMESPACE_FLAGS_INITIAL,
            restrict_realtime: false,
            restrict_suid_sgid: false,
            root_directory: None,
            root_image: None,
            delegate: false,
            device_policy: None,
            device_allow: Vec::new(),
            system_call_architectures: Vec::new(),
            system_call_filter: None,
            umask: 0o002,
        }
    }
}

/// Why systemd-analyze refuses to assess a unit it asked the manager about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAssessable {
    #[error("Unit {0} not found, cannot analyze.")]
    NotFound(String),
    #[error("Unit {0} is masked, cannot analyze.")]
    Masked(String),
    #[error("Unit {0} not loaded properly, cannot analyze.")]
    NotLoaded(String),
}

impl UnitProperties {
    /// systemd's load-state check (`acquire_security_info()`); `name` is the name asked for.
    pub fn check_loaded(&self, name: &str) -> Result<(), NotAssessable> {
        match self.load_state.as_deref() {
            Some("loaded") => Ok(()),
            Some("not-found") => Err(NotAssessable::NotFound(name.to_string())),
            Some("masked") => Err(NotAssessable::Masked(name.to_string())),
            _ => Err(NotAssessable::NotLoaded(name.to_string())),
        }
    }

    /// The listing (no arguments) leaves out units that are not loaded and oneshot services:
    /// systemd's ANALYZE_SECURITY_ONLY_LOADED | ANALYZE_SECURITY_ONLY_LONG_RUNNING.
    pub fn is_listed(&self) -> bool {
        self.load_state.as_deref() == Some("loaded")
            && self.service_type.as_deref() != Some("oneshot")
    }
}

impl SecurityInfo {
    /// What systemd-analyze's online readers make of the properties, with the online
    /// adjustments applied.
    pub fn from_unit_properties(p: &UnitProperties, t: &SystemdTables) -> Self {
        let unit_type =
            p.id.as_deref()
                .and_then(|id| id.rsplit_once('.'))
                .map_or("service", |(_, ty)| ty)
                .to_string();
        let (family_allow_list, families) = p
            .restrict_address_families
            .clone()
            .unwrap_or((false, Vec::new()));
        let (filter_allow_list, filter) =
            p.system_call_filter.clone().unwrap_or((false, Vec::new()));
        let mut i = SecurityInfo {
            unit_type,
            default_dependencies: p.default_dependencies,
            user: p.user.clone(),
            dynamic_user: p.dynamic_user,
            supplementary_groups: !p.supplementary_groups.is_empty(),
            private_devices: p.private_devices,
            private_mounts: p.private_mounts,
            private_network: p.private_network,
            private_tmp: p.private_tmp,
            private_users: p.private_users,
            protect_control_groups: p.protect_control_groups,
            protect_kernel_modules: p.protect_kernel_modules,
            protect_kernel_tunables: p.protect_kernel_tunables,
            protect_kernel_logs: p.protect_kernel_logs,
            protect_clock: p.protect_clock,
            protect_hostname: p.protect_hostname,
            lock_personality: p.lock_personality,
            memory_deny_write_execute: p.memory_deny_write_execute,
            no_new_privileges: p.no_new_privileges,
            remove_ipc: p.remove_ipc,
            restrict_realtime: p.restrict_realtime,
            restrict_suid_sgid: p.restrict_suid_sgid,
            // Unset reads like "no" for both checks: neither "yes", "full"/"strict" nor
            // "read-only"/"tmpfs" matches, so the badness is 10.
            protect_system: p
                .protect_system
                .as_deref()
                .and_then(ProtectSystem::from_name)
                .unwrap_or_default(),
            protect_home: p
                .protect_home
                .as_deref()
                .and_then(ProtectHome::from_name)
                .unwrap_or_default(),
            root_directory: p.root_directory.clone(),
            root_image: p.root_image.clone(),
            capability_bounding_set: p.capability_bounding_set,
            ambient_capabilities: p.ambient_capabilities,
            umask: p.umask,
            // Unset compares unequal to every value the checks look for, like these.
            keyring_mode: p.keyring_mode.clone().unwrap_or_else(|| "shared".into()),
            protect_proc: p.protect_proc.clone().unwrap_or_else(|| "default".into()),
            proc_subset: p.proc_subset.clone().unwrap_or_else(|| "all".into()),
            notify_access: p.notify_access.clone().unwrap_or_else(|| "none".into()),
            delegate: p.delegate,
            restrict_namespaces: p.restrict_namespaces,
            af_inet: family_allow_list,
            af_unix: family_allow_list,
            af_netlink: family_allow_list,
            af_packet: family_allow_list,
            af_other: family_allow_list,
            syscall_architectures: p.system_call_architectures.iter().cloned().collect(),
            syscall_filter_allow_list: filter_allow_list,
            syscall_filter: syscall_numbers(&filter, t),
            device_policy: p.device_policy.clone().unwrap_or_else(|| "auto".into()),
            device_allow: p
                .device_allow
                .iter()
                .map(|(path, flags)| format!("{path}:{flags}"))
                .collect(),
            ip_deny_all: deny_all(&p.ip_address_deny),
            ip_allow_localhost: false,
            ip_allow_other: false,
            ip_custom: !p.ip_ingress_filter_path.is_empty() || !p.ip_egress_filter_path.is_empty(),
        };
        for name in &families {
            let flag = match name.as_str() {
                "AF_INET" | "AF_INET6" => &mut i.af_inet,
                "AF_UNIX" => &mut i.af_unix,
                "AF_NETLINK" => &mut i.af_netlink,
                "AF_PACKET" => &mut i.af_packet,
                _ => &mut i.af_other,
            };
            *flag = !family_allow_list;
        }
        for e in &p.ip_address_allow {
            if is_online_localhost(e) {
                i.ip_allow_localhost = true;
            } else {
                i.ip_allow_other = true;
            }
        }
        online_adjustments(&mut i, t);
        i
    }
}

/// The settings systemd-analyze derives itself in online mode (spec §11), after reading the
/// properties. This is the one place where online scoring departs from the offline record:
/// * PrivateMounts= counts as set when PrivateDevices, PrivateTmp, ProtectControlGroups,
///   ProtectKernelTunables or ProtectKernelModules is set, ProtectHome= or ProtectSystem= is not
///   `no`, or RootImage= is set (offline mode reads PrivateMounts= as written);
/// * the capability drops of §3.2 are applied again (the manager has already applied them, so
///   this only matters for consistency with systemd's code).
pub fn online_adjustments(i: &mut SecurityInfo, t: &SystemdTables) {
    if i.private_devices
        || i.private_tmp
        || i.protect_control_groups
        || i.protect_kernel_tunables
        || i.protect_kernel_modules
        || i.protect_home != ProtectHome::No
        || i.protect_system != ProtectSystem::No
        || i.root_image.is_some()
    {
        i.private_mounts = true;
    }
    let cap = |name: &str| t.capability(name).map_or(0, |c| 1u64 << c);
    if i.protect_kernel_modules {
        i.capability_bounding_set &= !cap("cap_sys_module");
    }
    if i.protect_kernel_logs {
        i.capability_bounding_set &= !cap("cap_syslog");
    }
    if i.protect_clock {
        i.capability_bounding_set &= !(cap("cap_sys_time") | cap("cap_wake_alarm"));
    }
    if i.private_devices {
        i.capability_bounding_set &= !(cap("cap_mknod") | cap("cap_sys_rawio"));
    }
}

/// Online, an allow entry is localhost only as exactly `127.x.x.x/8` or `::1/128`; offline
/// ignores the prefix length.
fn is_online_localhost(e: &BusIpEntry) -> bool {
    match (e.family, e.address.as_slice(), e.prefix_len) {
        (AF_INET, [127, _, _, _], 8) => true,
        (AF_INET6, a, 128) if a.len() == 16 => a[..15].iter().all(|&b| b == 0) && a[15] == 1,
        _ => false,
    }
}

/// An IPv4 and an IPv6 deny entry with prefix length 0.
fn deny_all(entries: &[BusIpEntry]) -> bool {
    let any = |family: i32, len: usize| {
        entries
            .iter()
            .any(|e| e.family == family && e.address.len() == len && e.prefix_len == 0)
    };
    any(AF_INET, 4) && any(AF_INET6, 16)
}

/// The filter's syscall names as numbers. A name with an action (`mount:EPERM`, deny lists
/// only: the manager leaves such entries out of allow lists) counts by its name.
fn syscall_numbers(names: &[String], t: &SystemdTables) -> BTreeSet<i32> {
    names
        .iter()
        .map(|n| n.split_once(':').map_or(n.as_str(), |(name, _)| name))
        .filter_map(|n| t.syscall_number(n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assess::{Policy, assess_info};

    fn tables() -> &'static SystemdTables {
        SystemdTables::for_version(252).unwrap()
    }

    fn ip(family: i32, address: &[u8], prefix_len: u32) -> BusIpEntry {
        BusIpEntry {
            family,
            address: address.to_vec(),
            prefix_len,
        }
    }

    #[test]
    fn private_mounts_is_implied_online() {
        let mut p = UnitProperties {
            id: Some("a.service".into()),
            load_state: Some("loaded".into()),
            ..UnitProperties::default()
        };
        assert!(!SecurityInfo::from_unit_properties(&p, tables()).private_mounts);
        p.protect_system = Some("full".into());
        assert!(SecurityInfo::from_unit_properties(&p, tables()).private_mounts);
        p.protect_system = Some("no".into());
        p.root_image = Some("/x.raw".into());
        assert!(SecurityInfo::from_unit_properties(&p, tables()).private_mounts);
    }

    #[test]
    fn localhost_needs_exact_prefix_online() {
        assert!(is_online_localhost(&ip(AF_INET, &[127, 0, 0, 0], 8)));
        assert!(!is_online_localhost(&ip(AF_INET, &[127, 0, 0, 1], 32)));
        let mut one = [0u8; 16];
        one[15] = 1;
        assert!(is_online_localhost(&ip(AF_INET6, &one, 128)));
        assert!(!is_online_localhost(&ip(AF_INET6, &one, 64)));
    }

    #[test]
    fn deny_list_entries_with_an_action_count_by_name() {
        let p = UnitProperties {
            system_call_filter: Some((false, vec!["mount:EPERM".into(), "umount2".into()])),
            ..UnitProperties::default()
        };
        let i = SecurityInfo::from_unit_properties(&p, tables());
        assert!(
            i.syscall_filter
                .contains(&tables().syscall_number("mount").unwrap())
        );
        assert!(
            i.syscall_filter
                .contains(&tables().syscall_number("umount2").unwrap())
        );
    }

    #[test]
    fn plain_service_scores_like_systemd() {
        // A loaded service with nothing set: root, no sandboxing (spec §6 worked example).
        let p = UnitProperties {
            id: Some("plain.service".into()),
            load_state: Some("loaded".into()),
            keyring_mode: Some("private".into()),
            notify_access: Some("none".into()),
            protect_home: Some("no".into()),
            protect_system: Some("no".into()),
            protect_proc: Some("default".into()),
            proc_subset: Some("all".into()),
            device_policy: Some("auto".into()),
            umask: 0o022,
            ..UnitProperties::default()
        };
        let info = SecurityInfo::from_unit_properties(&p, tables());
        let a = assess_info("plain.service", &info, &Policy::default(), tables());
        assert_eq!(a.exposure, 96);
    }
}
