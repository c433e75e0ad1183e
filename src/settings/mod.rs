//! The effective sandbox settings of a loaded unit: every assignment of the fragment and
//! drop-ins applied in order with systemd's parsing rules, then the settings systemd implies
//! (§3.2 of the spec). This is what the scorer reads.

mod apply;
mod calendar;
mod implied;
pub mod modes;
pub mod syscall_filter;
pub mod types;
pub mod values;

use std::collections::{BTreeMap, BTreeSet};

pub use apply::{build, build_unverified, verify};
pub use modes::{
    PrivateMounts, PrivateTmp, PrivateUsers, ProtectControlGroups, ProtectHome, ProtectHostname,
    ProtectSystem,
};
pub use syscall_filter::SyscallFilter;
pub use types::TypeSettings;

/// The multi-valued settings are typed ([`modes`]); the other enum-valued ones keep systemd's
/// strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecSettings {
    pub user: Option<String>,
    pub group: Option<String>,
    pub dynamic_user: bool,
    pub supplementary_groups: Vec<String>,
    pub private_devices: bool,
    pub private_mounts: PrivateMounts,
    pub private_network: bool,
    pub private_tmp: PrivateTmp,
    pub private_users: PrivateUsers,
    pub protect_control_groups: ProtectControlGroups,
    pub protect_kernel_modules: bool,
    pub protect_kernel_tunables: bool,
    pub protect_kernel_logs: bool,
    pub protect_clock: bool,
    pub protect_hostname: ProtectHostname,
    pub lock_personality: bool,
    pub memory_deny_write_execute: bool,
    pub no_new_privileges: bool,
    pub remove_ipc: bool,
    pub restrict_realtime: bool,
    pub restrict_suid_sgid: bool,
    pub protect_system: ProtectSystem,
    pub protect_home: ProtectHome,
    pub root_directory: Option<String>,
    /// WorkingDirectory=~ (or -~): the user's home.
    pub working_directory_home: bool,
    pub root_image: Option<String>,
    pub mount_images: bool,
    pub capability_bounding_set: u64,
    pub ambient_capabilities: u64,
    pub umask: u32,
    pub keyring_mode: String,
    pub protect_proc: String,
    pub proc_subset: String,
    /// Allowed namespace flags (all bits = no restriction).
    pub restrict_namespaces: u64,
    /// `None`: no list yet. `Some((allow_list, families))`.
    pub address_families: Option<BTreeSet<u32>>,
    pub address_families_allow_list: bool,
    pub syscall_architectures: BTreeSet<String>,
    pub syscall_filter: SyscallFilter,
    /// Whether any credential is loaded or set encrypted (computed after parsing).
    pub encrypted_credentials: bool,
    /// LoadCredential[Encrypted]= by credential name → encrypted.
    pub load_credentials: BTreeMap<String, bool>,
    /// SetCredential[Encrypted]= by credential name → encrypted.
    pub set_credentials: BTreeMap<String, bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupSettings {
    pub delegate: bool,
    /// "auto", "closed" or "strict".
    pub device_policy: String,
    /// `PATH:FLAGS`, newest first.
    pub device_allow: Vec<String>,
    pub ip_address_allow: Vec<IpPrefix>,
    pub ip_address_deny: Vec<IpPrefix>,
    pub ip_ingress_filter_paths: Vec<String>,
    pub ip_egress_filter_paths: Vec<String>,
}

/// An address prefix with its host bits masked off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpPrefix {
    pub addr: std::net::IpAddr,
    pub prefix_len: u8,
}

/// Service-only settings that decide whether systemd accepts the unit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceSettings {
    pub service_type: Option<String>,
    pub exec_start: usize,
    pub exec_stop: usize,
    pub remain_after_exit: bool,
    pub bus_name: Option<String>,
    pub restart: String,
    /// RestartForceStatus= is not empty.
    pub restart_force_status: bool,
    /// ExitType=: "main" or "cgroup".
    pub exit_type: String,
    pub notify_access: String,
}

/// Everything the scorer needs to know about a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub unit_type: String,
    pub default_dependencies: bool,
    pub success_action: bool,
    /// `None` for unit types without an exec context (targets, timers, paths, slices, ...).
    pub exec: Option<ExecSettings>,
    /// `None` for unit types without a cgroup context.
    pub cgroup: Option<CgroupSettings>,
    pub service: Option<ServiceSettings>,
    /// Socket, timer, path, mount, swap and automount settings that make the unit loadable,
    /// and PAMName=/KillMode=.
    pub types: TypeSettings,
    /// What systemd would have warned about, with file:line.
    pub warnings: Vec<String>,
}

/// All 64 capability bits (systemd's CAP_ALL).
pub const CAP_ALL: u64 = u64::MAX;
/// All namespace flags systemd knows.
pub const NAMESPACE_FLAGS_ALL: u64 = 0x10000000
    | 0x00020000
    | 0x08000000
    | 0x20000000
    | 0x02000000
    | 0x40000000
    | 0x04000000
    | 0x00000080;
/// The "never set" marker of RestrictNamespaces= (all bits of an unsigned long).
pub const NAMESPACE_FLAGS_INITIAL: u64 = u64::MAX;

/// Namespace names and their clone flags, as RestrictNamespaces= spells them.
pub const NAMESPACES: &[(&str, u64)] = &[
    ("cgroup", 0x02000000),
    ("ipc", 0x08000000),
    ("net", 0x40000000),
    ("mnt", 0x00020000),
    ("pid", 0x20000000),
    ("user", 0x10000000),
    ("uts", 0x04000000),
    ("time", 0x00000080),
];

impl ExecSettings {
    fn new(unit_type: &str) -> Self {
        let user_scope = crate::unit::scope::current() == crate::unit::scope::Scope::User;
        ExecSettings {
            user: None,
            group: None,
            dynamic_user: false,
            supplementary_groups: Vec::new(),
            private_devices: false,
            private_mounts: PrivateMounts::default(),
            private_network: false,
            private_tmp: PrivateTmp::default(),
            private_users: PrivateUsers::default(),
            protect_control_groups: ProtectControlGroups::default(),
            protect_kernel_modules: false,
            protect_kernel_tunables: false,
            protect_kernel_logs: false,
            protect_clock: false,
            protect_hostname: ProtectHostname::default(),
            lock_personality: false,
            memory_deny_write_execute: false,
            no_new_privileges: false,
            remove_ipc: false,
            restrict_realtime: false,
            restrict_suid_sgid: false,
            protect_system: ProtectSystem::No,
            protect_home: ProtectHome::No,
            root_directory: None,
            working_directory_home: false,
            root_image: None,
            mount_images: false,
            capability_bounding_set: CAP_ALL,
            ambient_capabilities: 0,
            umask: if user_scope {
                crate::unit::scope::process_umask()
            } else {
                0o022
            },
            // A user manager starts everything with KeyringMode=inherit.
            keyring_mode: if user_scope {
                "inherit"
            } else if unit_type == "service" {
                "private"
            } else {
                "shared"
            }
            .into(),
            protect_proc: "default".into(),
            proc_subset: "all".into(),
            restrict_namespaces: NAMESPACE_FLAGS_INITIAL,
            address_families: None,
            address_families_allow_list: false,
            syscall_architectures: BTreeSet::new(),
            syscall_filter: SyscallFilter::default(),
            encrypted_credentials: false,
            load_credentials: BTreeMap::new(),
            set_credentials: BTreeMap::new(),
        }
    }
}

impl CgroupSettings {
    fn new() -> Self {
        CgroupSettings {
            delegate: false,
            device_policy: "auto".into(),
            device_allow: Vec::new(),
            ip_address_allow: Vec::new(),
            ip_address_deny: Vec::new(),
            ip_ingress_filter_paths: Vec::new(),
            ip_egress_filter_paths: Vec::new(),
        }
    }
}

/// Which contexts a unit type has.
pub fn has_exec_context(unit_type: &str) -> bool {
    matches!(unit_type, "service" | "socket" | "mount" | "swap")
}

pub fn has_cgroup_context(unit_type: &str) -> bool {
    matches!(
        unit_type,
        "service" | "socket" | "mount" | "swap" | "slice" | "scope"
    )
}

/// The section that holds exec and cgroup settings for a unit type.
pub fn type_section(unit_type: &str) -> Option<&'static str> {
    Some(match unit_type {
        "service" => "Service",
        "socket" => "Socket",
        "mount" => "Mount",
        "swap" => "Swap",
        "slice" => "Slice",
        "scope" => "Scope",
        "timer" => "Timer",
        "path" => "Path",
        "automount" => "Automount",
        _ => return None,
    })
}
