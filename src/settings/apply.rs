//! Applies a unit's assignments in order, with systemd's parser for each setting.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::values::{self, PLAIN, UNQUOTE, parse_bool};
use super::{
    CAP_ALL, CgroupSettings, ExecSettings, IpPrefix, NAMESPACE_FLAGS_INITIAL, NAMESPACES,
    PrivateMounts, ServiceSettings, Settings, TypeSettings, calendar, has_cgroup_context,
    has_exec_context, implied, modes, type_section, types,
};
use crate::tables::SystemdTables;
use crate::unit::name;
use crate::unit::specifier::{self, SpecifierContext};
use crate::unit::syntax::Assignment;
use crate::unit::{LoadError, LoadedUnit};

/// A setting systemd refuses outright: the unit gets the "bad-setting" load state (in the
/// fragment) or the rest of that drop-in is skipped. A few parsers fail with another error
/// (`errno`), which makes the unit fail to load with that error instead.
struct Fatal {
    msg: String,
    errno: Option<&'static str>,
}

impl Fatal {
    fn new(msg: String) -> Self {
        Fatal { msg, errno: None }
    }

    fn errno(errno: &'static str, msg: String) -> Self {
        Fatal {
            msg,
            errno: Some(errno),
        }
    }
}

type Step = Result<(), Fatal>;

const SYSCALL_ARCHS: &[&str] = &[
    "native",
    "x86",
    "x86-64",
    "x32",
    "arm",
    "arm64",
    "mips",
    "mips64",
    "mips64-n32",
    "mips-le",
    "mips64-le",
    "mips64-le-n32",
    "parisc",
    "parisc64",
    "ppc",
    "ppc64",
    "ppc64-le",
    "riscv64",
    "s390",
    "s390x",
];

const EXEC_COMMANDS: &[&str] = &[
    "ExecCondition",
    "ExecStartPre",
    "ExecStart",
    "ExecStartPost",
    "ExecReload",
    "ExecStop",
    "ExecStopPost",
];

/// Builds the effective settings of a loaded unit, or the load error systemd would report.
pub fn build(unit: &LoadedUnit, tables: &SystemdTables) -> Result<Settings, LoadError> {
    let s = build_unverified(unit, tables)?;
    verify(unit, &s, tables)?;
    Ok(s)
}

/// The unit's settings as systemd has them before the unit type's own checks ([`verify`]):
/// fragment and drop-ins applied, implied settings added. Fails for what breaks the fragment.
pub fn build_unverified(unit: &LoadedUnit, tables: &SystemdTables) -> Result<Settings, LoadError> {
    let unit_type = unit.unit_type().to_string();
    let mut b = Builder {
        tables,
        ctx: SpecifierContext {
            id: &unit.id,
            fragment: Some(&unit.fragment),
        },
        section: type_section(&unit_type),
        s: Settings {
            // The root slice, the system slice and the root mount run without default
            // dependencies (slice_load_root_slice() and friends).
            default_dependencies: !matches!(
                unit.id.as_str(),
                "-.slice" | "system.slice" | "-.mount"
            ),
            success_action: false,
            exec: has_exec_context(&unit_type).then(|| ExecSettings::new(&unit_type)),
            cgroup: has_cgroup_context(&unit_type).then(CgroupSettings::new),
            service: (unit_type == "service").then(|| ServiceSettings {
                restart: "no".into(),
                notify_access: "none".into(),
                exit_type: "main".into(),
                ..Default::default()
            }),
            unit_type: unit_type.clone(),
            types: TypeSettings::default(),
            warnings: Vec::new(),
        },
        where_: String::new(),
        line: 0,
    };
    for (i, file) in unit.files.iter().enumerate() {
        let is_fragment = i == 0 && !unit.fragment.as_os_str().is_empty();
        b.where_ = file.path.display().to_string();
        let mut stopped = false;
        for a in &file.assignments {
            b.line = a.line;
            if let Err(Fatal { msg, errno }) = b.assign(a) {
                let detail = format!("{}:{}: {msg}", file.path.display(), a.line);
                if is_fragment {
                    return Err(match errno {
                        None => LoadError::BadSetting {
                            id: unit.requested.clone(),
                            detail,
                            merged: false,
                        },
                        Some(errno) => LoadError::Failed {
                            id: unit.requested.clone(),
                            errno: errno.into(),
                            detail,
                        },
                    });
                }
                b.s.warnings.push(format!(
                    "{detail} (rest of this drop-in ignored, as systemd does)"
                ));
                stopped = true;
                break;
            }
        }
        if stopped {
            continue;
        }
        if let Some(err) = &file.error {
            if is_fragment {
                return Err(LoadError::Failed {
                    id: unit.requested.clone(),
                    errno: err.errno_text().to_string(),
                    detail: err.to_string(),
                });
            }
            b.s.warnings.push(format!(
                "{err} (rest of this drop-in ignored, as systemd does)"
            ));
        }
    }
    let mut s = b.s;
    implied::apply(&mut s, &unit.id, tables);
    Ok(s)
}

/// The unit type's own checks (service_verify(), socket_verify(), ...): the unit loads
/// with the "bad-setting" state when they fail.
pub fn verify(unit: &LoadedUnit, s: &Settings, tables: &SystemdTables) -> Result<(), LoadError> {
    if unit.id == "-.automount" && s.types.where_.is_none() {
        // Adding the automount's dependencies on its mount point fails for "/" before the
        // unit's own checks run.
        return Err(LoadError::Failed {
            id: unit.id.clone(),
            errno: "Cannot assign requested address".into(),
            detail: format!("{}: an automount unit for the root directory", unit.id),
        });
    }
    // Adding the unit's mount dependencies (socket_add_mount_dependencies(),
    // mount_add_extras()) comes first and refuses paths that do not normalize.
    let not_normalized = |p: &str| !values::path_is_normalized(&values::simplify_path(p));
    let socket_path = s
        .types
        .ports
        .iter()
        .filter(|p| p.socket)
        .filter_map(|p| p.node.as_deref())
        .find(|p| not_normalized(p));
    if let Some(p) = socket_path {
        return Err(LoadError::Denied {
            id: unit.id.clone(),
            detail: format!("{}: socket path {p} is not normalized (EPERM)", unit.id),
        });
    }
    if s.unit_type == "swap" && tables.rules.swap_what_checked_at_load {
        if let Some(what) = s.types.what.as_deref() {
            if !what.starts_with('/') {
                return Err(LoadError::Failed {
                    id: unit.id.clone(),
                    errno: "Invalid argument".into(),
                    detail: format!("{}: What={what} is not an absolute path", unit.id),
                });
            }
            if not_normalized(what) {
                return Err(LoadError::Denied {
                    id: unit.id.clone(),
                    detail: format!("{}: What={what} is not normalized (EPERM)", unit.id),
                });
            }
        }
    }
    if s.unit_type == "mount" {
        if let Some(what) = s.types.what.as_deref().filter(|w| w.starts_with('/')) {
            if not_normalized(what) {
                let device = what.starts_with("/dev/") || what.starts_with("/sys/");
                return Err(if device {
                    LoadError::Failed {
                        id: unit.id.clone(),
                        errno: "Invalid argument".into(),
                        detail: format!("{}: What={what} is not normalized", unit.id),
                    }
                } else {
                    LoadError::Denied {
                        id: unit.id.clone(),
                        detail: format!("{}: What={what} is not normalized (EPERM)", unit.id),
                    }
                });
            }
        }
    }
    check_contexts(s, tables)
        .and_then(|()| check_type(unit, s, tables))
        .map_err(|msg| LoadError::BadSetting {
            id: unit.id.clone(),
            detail: format!("{}: {msg}", unit.id),
            merged: true,
        })
}

/// unit_patch_contexts()'s refusals, before the unit type's own checks.
fn check_contexts(s: &Settings, tables: &SystemdTables) -> Result<(), String> {
    let Some(e) = &s.exec else { return Ok(()) };
    if tables.rules.dynamic_user_refuses_home_directory
        && e.dynamic_user
        && e.working_directory_home
    {
        return Err("WorkingDirectory=~ is not allowed under DynamicUser=yes. Refusing.".into());
    }
    Ok(())
}

fn check_type(unit: &LoadedUnit, s: &Settings, tables: &SystemdTables) -> Result<(), String> {
    let t = &s.types;
    let has_name = |n: &str| unit.id == n || unit.aliases.iter().any(|a| a == n);
    if let Some(svc) = &s.service {
        let ty = svc.service_type.clone().unwrap_or_else(|| {
            if svc.bus_name.is_some() {
                "dbus".into()
            } else if svc.exec_start > 0 {
                "simple".into()
            } else {
                "oneshot".into()
            }
        });
        if svc.exec_start == 0 && svc.exec_stop == 0 && !s.success_action {
            return Err(
                "Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.".into(),
            );
        }
        if ty != "oneshot" && svc.exec_start == 0 {
            return Err("Service has no ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.".into());
        }
        if !svc.remain_after_exit && svc.exec_start == 0 && !s.success_action {
            return Err("Service has no ExecStart= and no SuccessAction= settings and does not have RemainAfterExit=yes set. Refusing.".into());
        }
        if ty != "oneshot" && svc.exec_start > 1 {
            return Err("Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.".into());
        }
        if ty == "oneshot" && matches!(svc.restart.as_str(), "always" | "on-success") {
            return Err("Service has Restart= set to either always or on-success, which isn't allowed for Type=oneshot services. Refusing.".into());
        }
        if ty == "oneshot" && svc.restart_force_status {
            return Err("Service has RestartForceStatus= set, which isn't allowed for Type=oneshot services. Refusing.".into());
        }
        if ty == "oneshot" && svc.exit_type == "cgroup" {
            return Err("Service has ExitType=cgroup set, which isn't allowed for Type=oneshot services. Refusing.".into());
        }
        if ty == "dbus" && svc.bus_name.is_none() {
            return Err(
                "Service is of type D-Bus but no D-Bus service name has been specified. Refusing."
                    .into(),
            );
        }
        if t.pam_name.is_some() && !matches!(t.kill_mode.as_str(), "control-group" | "mixed") {
            return Err("Service has PAM enabled. Kill mode must be set to 'control-group' or 'mixed'. Refusing.".into());
        }
    }
    let pam_needs_cgroup = || {
        // 257 accepts KillMode=mixed here too, as it always did for services.
        let mixed_ok = tables.rules.pam_allows_mixed_kill_mode;
        if t.pam_name.is_some()
            && t.kill_mode != "control-group"
            && !(mixed_ok && t.kill_mode == "mixed")
        {
            Err(if mixed_ok {
                "Unit has PAM enabled. Kill mode must be set to 'control-group' or 'mixed'. Refusing."
            } else {
                "Unit has PAM enabled. Kill mode must be set to 'control-group'. Refusing."
            }
            .to_string())
        } else {
            Ok(())
        }
    };
    match s.unit_type.as_str() {
        "socket" => {
            if t.ports.is_empty() {
                return Err("Unit has no Listen setting (ListenStream=, ListenDatagram=, ListenFIFO=, ...). Refusing.".into());
            }
            let non_accept = t.ports.iter().any(|p| !p.socket || !p.can_accept);
            if t.accept && non_accept {
                return Err("Unit configured for accepting sockets, but sockets are non-accepting. Refusing.".into());
            }
            let always = tables.rules.max_connections_always_checked;
            if (t.accept || always) && t.max_connections == 0 {
                return Err("MaxConnection= setting too small. Refusing.".into());
            }
            if t.accept && t.service_set {
                return Err("Explicit service configuration for accepting socket units not supported. Refusing.".into());
            }
            pam_needs_cgroup()?;
            let nodes: BTreeSet<&str> = t.ports.iter().filter_map(|p| p.node.as_deref()).collect();
            let nodes_total = t.ports.iter().filter(|p| p.node.is_some()).count();
            if t.symlinks > 0 && !(nodes_total == 1 && nodes.len() == 1) {
                return Err("Unit has symlinks set but none or more than one node in the file system. Refusing.".into());
            }
            Ok(())
        }
        "timer" if t.timer_values == 0 && !t.on_clock_change && !t.on_timezone_change => {
            Err("Timer unit lacks value setting. Refusing.".into())
        }
        "path" if t.path_specs == 0 => Err("Path unit lacks path setting. Refusing.".into()),
        "mount" => {
            let where_ = t
                .where_
                .clone()
                .or_else(|| name::unescape_path(name::prefix(&unit.id)).ok())
                .unwrap_or_default();
            let expected = format!("{}.mount", types::escape_path(&where_));
            if !has_name(&expected) {
                return Err("Where= setting doesn't match unit name. Refusing.".into());
            }
            if types::mount_point_is_api_or_ignored(&where_) {
                return Err(format!(
                    "Cannot create mount unit for API file system {where_}. Refusing."
                ));
            }
            if t.what.is_none() && unit.id != "-.mount" {
                return Err("What= setting is missing. Refusing.".into());
            }
            pam_needs_cgroup()
        }
        "swap" => {
            let what = t
                .what
                .clone()
                .or_else(|| name::unescape_path(name::prefix(&unit.id)).ok())
                .unwrap_or_default();
            let expected = format!("{}.swap", types::escape_path(&values::simplify_path(&what)));
            if !has_name(&expected) {
                return Err("Value of What= and unit name do not match, not loading.".into());
            }
            pam_needs_cgroup()
        }
        "automount" => {
            let where_ = t
                .where_
                .clone()
                .or_else(|| name::unescape_path(name::prefix(&unit.id)).ok())
                .unwrap_or_default();
            if where_ == "/" {
                return Err(
                    "Cannot have an automount unit for the root directory. Refusing.".into(),
                );
            }
            let expected = format!("{}.automount", types::escape_path(&where_));
            if !has_name(&expected) {
                return Err("Where= setting doesn't match unit name. Refusing.".into());
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

struct Builder<'a> {
    tables: &'a SystemdTables,
    ctx: SpecifierContext<'a>,
    section: Option<&'static str>,
    s: Settings,
    where_: String,
    line: usize,
}

impl Builder<'_> {
    fn warn(&mut self, msg: String) {
        self.s
            .warnings
            .push(format!("{}:{}: {msg}", self.where_, self.line));
    }

    fn assign(&mut self, a: &Assignment) -> Step {
        if a.section == "Unit" {
            return self.assign_unit(a);
        }
        if Some(a.section.as_str()) != self.section {
            return Ok(());
        }
        let key = a.key.as_str();
        let v = a.value.as_str();
        if self.s.service.is_some() && self.assign_service(key, v)? {
            return Ok(());
        }
        if self.assign_type(key, v)? {
            return Ok(());
        }
        if self.s.exec.is_some() && self.assign_exec(key, v)? {
            return Ok(());
        }
        if self.s.cgroup.is_some() {
            self.assign_cgroup(key, v);
        }
        Ok(())
    }

    fn assign_unit(&mut self, a: &Assignment) -> Step {
        match a.key.as_str() {
            "DefaultDependencies" => match parse_bool(&a.value) {
                Some(b) => self.s.default_dependencies = b,
                None => self.warn(format!(
                    "Failed to parse boolean value, ignoring: {}",
                    a.value
                )),
            },
            "SuccessAction" => {
                const ACTIONS: &[&str] = &[
                    "none",
                    "reboot",
                    "reboot-force",
                    "reboot-immediate",
                    "poweroff",
                    "poweroff-force",
                    "poweroff-immediate",
                    "exit",
                    "exit-force",
                    "halt",
                    "halt-force",
                    "halt-immediate",
                    "kexec",
                    "kexec-force",
                ];
                if ACTIONS.contains(&a.value.as_str()) {
                    self.s.success_action = a.value != "none";
                } else {
                    self.warn(format!(
                        "Failed to parse SuccessAction=, ignoring: {}",
                        a.value
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Settings of sockets, timers, paths, mounts, swaps and automounts that decide whether
    /// the unit loads, plus PAMName= and KillMode=. Returns Ok(true) if the key was one.
    fn assign_type(&mut self, key: &str, v: &str) -> Result<bool, Fatal> {
        let ty = self.s.unit_type.clone();
        let exec_type = matches!(ty.as_str(), "service" | "socket" | "mount" | "swap");
        match (ty.as_str(), key) {
            (_, "PAMName") if exec_type => match self.expand(v) {
                Ok(k) => self.s.types.pam_name = (!k.is_empty()).then_some(k),
                Err(e) => self.warn(format!(
                    "Failed to resolve unit specifiers in {v}, ignoring: {e}"
                )),
            },
            (_, "KillMode") if exec_type || ty == "scope" => {
                if matches!(v, "control-group" | "process" | "mixed" | "none") {
                    self.s.types.kill_mode = v.into();
                } else {
                    self.warn(format!("Failed to parse kill mode, ignoring: {v}"));
                }
            }
            ("socket", "ListenStream" | "ListenDatagram" | "ListenSequentialPacket") => {
                if v.is_empty() {
                    self.s.types.ports.clear();
                    return Ok(true);
                }
                let Ok(mut k) = self.expand(v) else {
                    self.warn(format!(
                        "Failed to resolve unit specifiers in '{v}', ignoring"
                    ));
                    return Ok(true);
                };
                if let Some(rest) = k.strip_prefix("/var/run/") {
                    k = format!("/run/{rest}");
                }
                let Some(unix) = types::socket_address(&k) else {
                    self.warn(format!("Failed to parse address value in '{k}', ignoring"));
                    return Ok(true);
                };
                if key == "ListenSequentialPacket" && !unix {
                    self.warn(format!("Address family not supported, ignoring: {v}"));
                    return Ok(true);
                }
                let node = (unix && k.starts_with('/')).then(|| k.clone());
                self.s.types.ports.push(types::ListenPort {
                    socket: true,
                    can_accept: key != "ListenDatagram",
                    node,
                });
            }
            ("socket", "ListenNetlink") => {
                if v.is_empty() {
                    self.s.types.ports.clear();
                    return Ok(true);
                }
                let Ok(k) = self.expand(v) else {
                    self.warn(format!(
                        "Failed to resolve unit specifiers in '{v}', ignoring"
                    ));
                    return Ok(true);
                };
                if !types::netlink_address(&k) {
                    self.warn(format!("Failed to parse address value in '{k}', ignoring"));
                    return Ok(true);
                }
                self.s.types.ports.push(types::ListenPort {
                    socket: true,
                    can_accept: false,
                    node: None,
                });
            }
            (
                "socket",
                "ListenFIFO" | "ListenSpecial" | "ListenMessageQueue" | "ListenUSBFunction",
            ) => {
                if v.is_empty() {
                    self.s.types.ports.clear();
                    return Ok(true);
                }
                let Some(path) = self.absolute_path_setting(key, v) else {
                    return Ok(true);
                };
                let node = matches!(key, "ListenFIFO" | "ListenSpecial").then_some(path);
                self.s.types.ports.push(types::ListenPort {
                    socket: false,
                    can_accept: false,
                    node,
                });
            }
            ("socket", "SocketUser" | "SocketGroup") => {
                // As User=: a bad name is fatal.
                self.user_name(v)?;
            }
            ("socket", "Accept") => match parse_bool(v) {
                Some(b) => self.s.types.accept = b,
                None => self.warn(format!("Failed to parse boolean value, ignoring: {v}")),
            },
            ("socket", "MaxConnections") => {
                match v.parse::<u64>().ok().filter(|_| !v.starts_with('+')) {
                    Some(n) if n <= u64::from(u32::MAX) => self.s.types.max_connections = n,
                    _ => self.warn(format!(
                        "Failed to parse MaxConnections= value, ignoring: {v}"
                    )),
                }
            }
            ("socket", "Service") => {
                // Every problem here is only a warning (config_parse_socket_service()).
                let Ok(k) = self.expand(v) else {
                    self.warn(format!(
                        "Failed to resolve unit specifiers in {v}, ignoring"
                    ));
                    return Ok(true);
                };
                if !k.ends_with(".service") {
                    self.warn(format!("Unit must be of type service, ignoring: {v}"));
                } else if !name::is_valid(&k)
                    || name::classify(&k) == Some(name::NameKind::Template)
                {
                    self.warn(format!("Failed to load unit {v}, ignoring"));
                } else {
                    self.s.types.service_set = true;
                }
            }
            ("socket", "ExecStartPre" | "ExecStartPost" | "ExecStopPre" | "ExecStopPost") => {
                if !v.is_empty() {
                    self.parse_exec_line(v, |_| {})?;
                }
            }
            ("socket", "Symlinks") => {
                if v.is_empty() {
                    self.s.types.symlinks = 0;
                    return Ok(true);
                }
                let words = values::words(v, UNQUOTE).unwrap_or_else(|w| w);
                for w in words {
                    let Ok(k) = self.expand(&w) else {
                        self.warn(format!(
                            "Failed to resolve unit specifiers in {w}, ignoring"
                        ));
                        return Ok(true);
                    };
                    if !k.starts_with('/') {
                        self.warn(format!("Symlink path is not absolute, ignoring: {k}"));
                        return Ok(true);
                    }
                    self.s.types.symlinks += 1;
                }
            }
            (
                "timer",
                "OnActiveSec" | "OnBootSec" | "OnStartupSec" | "OnUnitActiveSec"
                | "OnUnitInactiveSec" | "OnCalendar",
            ) => {
                if v.is_empty() {
                    self.s.types.timer_values = 0;
                    return Ok(true);
                }
                let Ok(k) = self.expand(v) else {
                    self.warn(format!(
                        "Failed to resolve unit specifiers in {v}, ignoring"
                    ));
                    return Ok(true);
                };
                let ok = if key == "OnCalendar" {
                    calendar::is_valid(&k)
                } else {
                    types::parse_timespan(&k)
                };
                if ok {
                    self.s.types.timer_values += 1;
                } else {
                    self.warn(format!("Failed to parse timer value, ignoring: {k}"));
                }
            }
            ("timer", "OnClockChange" | "OnTimezoneChange") => match parse_bool(v) {
                Some(b) if key == "OnClockChange" => self.s.types.on_clock_change = b,
                Some(b) => self.s.types.on_timezone_change = b,
                None => self.warn(format!("Failed to parse boolean value, ignoring: {v}")),
            },
            (
                "path",
                "PathExists" | "PathExistsGlob" | "PathChanged" | "PathModified"
                | "DirectoryNotEmpty",
            ) => {
                if v.is_empty() {
                    self.s.types.path_specs = 0;
                    return Ok(true);
                }
                if self.absolute_path_setting(key, v).is_some() {
                    self.s.types.path_specs += 1;
                }
            }
            ("mount" | "automount", "Where") => {
                if v.is_empty() {
                    self.s.types.where_ = None;
                    return Ok(true);
                }
                if let Some(p) = self.absolute_path_setting(key, v) {
                    self.s.types.where_ = Some(p);
                }
            }
            ("mount", "What") => match self.expand(v) {
                Ok(k) => self.s.types.what = (!k.is_empty()).then_some(k),
                Err(e) => self.warn(format!(
                    "Failed to resolve unit specifiers in {v}, ignoring: {e}"
                )),
            },
            ("swap", "What") => {
                if v.is_empty() {
                    self.s.types.what = None;
                    return Ok(true);
                }
                if self.tables.rules.swap_what_checked_at_load {
                    // 257: taken as written; loading the unit refuses a bad path.
                    match self.expand(v) {
                        Ok(k) => self.s.types.what = Some(k),
                        Err(e) => self.warn(format!(
                            "Failed to resolve unit specifiers in {v}, ignoring: {e}"
                        )),
                    }
                    return Ok(true);
                }
                if let Some(p) = self.absolute_path_setting(key, v) {
                    self.s.types.what = Some(p);
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// unit_path_printf() + path_simplify_and_warn(PATH_CHECK_ABSOLUTE); `None` (with a
    /// warning) when systemd ignores the assignment.
    fn absolute_path_setting(&mut self, key: &str, v: &str) -> Option<String> {
        let Ok(k) = self.expand(v) else {
            self.warn(format!(
                "Failed to resolve unit specifiers in '{v}', ignoring"
            ));
            return None;
        };
        let p = values::absolute_path(&k);
        if p.is_none() {
            self.warn(format!(
                "{key}= path is not absolute or not normalized, ignoring: {k}"
            ));
        }
        p
    }

    fn expand(&self, v: &str) -> Result<String, specifier::BadSpecifier> {
        specifier::expand(v, &self.ctx)
    }

    /// Returns Ok(true) if the key was a service key.
    fn assign_service(&mut self, key: &str, v: &str) -> Result<bool, Fatal> {
        if EXEC_COMMANDS.contains(&key) {
            fn slot<'b>(b: &'b mut Builder, key: &str) -> Option<&'b mut usize> {
                let svc = b.s.service.as_mut()?;
                match key {
                    "ExecStart" => Some(&mut svc.exec_start),
                    "ExecStop" => Some(&mut svc.exec_stop),
                    _ => None,
                }
            }
            if v.is_empty() {
                if let Some(n) = slot(self, key) {
                    *n = 0;
                }
                return Ok(true);
            }
            self.parse_exec_line(v, |b| {
                if let Some(n) = slot(b, key) {
                    *n += 1;
                }
            })?;
            return Ok(true);
        }
        let enum_value = |allowed: &[&str]| allowed.contains(&v).then(|| v.to_string());
        match key {
            "Type" => match enum_value(&[
                "simple", "exec", "forking", "oneshot", "dbus", "notify", "idle",
            ]) {
                Some(t) => self.s.service.as_mut().unwrap().service_type = Some(t),
                None => self.warn(format!("Failed to parse service type, ignoring: {v}")),
            },
            "Restart" => match enum_value(&[
                "no",
                "on-success",
                "on-failure",
                "on-abnormal",
                "on-watchdog",
                "on-abort",
                "always",
            ]) {
                Some(r) => self.s.service.as_mut().unwrap().restart = r,
                None => self.warn(format!(
                    "Failed to parse service restart specifier, ignoring: {v}"
                )),
            },
            "RemainAfterExit" => match parse_bool(v) {
                Some(b) => self.s.service.as_mut().unwrap().remain_after_exit = b,
                None => self.warn(format!("Failed to parse boolean value, ignoring: {v}")),
            },
            "BusName" => {
                let k = match self.expand(v) {
                    Ok(k) => k,
                    Err(e) => {
                        self.warn(format!(
                            "Failed to resolve unit specifiers in {v}, ignoring: {e}"
                        ));
                        return Ok(true);
                    }
                };
                // An empty value is no reset: it is an invalid name, and ignored.
                if bus_name_is_valid(&k) {
                    self.s.service.as_mut().unwrap().bus_name = Some(k);
                } else {
                    self.warn(format!("Invalid bus name, ignoring: {k}"));
                }
            }
            "NotifyAccess" => match enum_value(&["none", "main", "exec", "all"]) {
                Some(n) => self.s.service.as_mut().unwrap().notify_access = n,
                None => self.warn(format!(
                    "Failed to parse notify access specifier, ignoring: {v}"
                )),
            },
            "PIDFile" => {
                // config_parse_pid_file(): relative paths go below /run; a path that does not
                // simplify cleanly fails the whole file with EINVAL.
                if v.is_empty() {
                    return Ok(true);
                }
                let Ok(k) = self.expand(v) else {
                    self.warn(format!(
                        "Failed to resolve unit specifiers in '{v}', ignoring"
                    ));
                    return Ok(true);
                };
                let abs = if k.starts_with('/') {
                    k.clone()
                } else {
                    format!("/run/{k}")
                };
                if values::absolute_path(&abs).is_none() {
                    return Err(Fatal::errno(
                        "Invalid argument",
                        format!("PIDFile= path is not normalized: {abs}"),
                    ));
                }
            }
            "ExitType" => match enum_value(&["main", "cgroup"]) {
                Some(t) => self.s.service.as_mut().unwrap().exit_type = t,
                None => self.warn(format!("Failed to parse service exit type, ignoring: {v}")),
            },
            "RestartForceStatus" => {
                let svc = self.s.service.as_mut().unwrap();
                if v.is_empty() {
                    svc.restart_force_status = false;
                } else if values::words(v, PLAIN)
                    .unwrap_or_else(|w| w)
                    .iter()
                    .any(|w| exit_status_or_signal(w))
                {
                    svc.restart_force_status = true;
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// config_parse_exec(): an empty value resets the list; otherwise commands separated by
    /// lone `;` words are appended one by one (so commands before a failing one stay). A bad
    /// command is fatal unless its executable carries the `-` prefix, in which case the rest
    /// of the line is ignored.
    fn parse_exec_line(&mut self, v: &str, mut add: impl FnMut(&mut Self)) -> Step {
        let flags = values::ExtractFlags {
            unquote: true,
            cunescape: true,
            ..Default::default()
        };
        let mut p: Option<&str> = Some(v);
        loop {
            let mut semicolon = false;
            let Some(rest) = p else { return Ok(()) };
            let Ok(Some((first, after))) = values::extract_first_word_and_warn(rest, flags) else {
                if values::extract_first_word_and_warn(rest, flags).is_err() {
                    self.warn(format!("Unbalanced quoting, ignoring: \"{v}\""));
                }
                return Ok(());
            };
            p = after;
            if first == ";" {
                continue;
            }
            // Prefixes: each of - @ : once; + or ! (or !!) but not both.
            let (mut ignore, mut argv0, mut no_env) = (false, false, false);
            let (mut privileged, mut no_setuid, mut ambient) = (false, false, false);
            let mut f = first.as_str();
            loop {
                match f.as_bytes().first() {
                    Some(b'-') if !ignore => ignore = true,
                    Some(b'@') if !argv0 => argv0 = true,
                    Some(b':') if !no_env => no_env = true,
                    Some(b'+') if !(privileged || no_setuid || ambient) => privileged = true,
                    Some(b'!') if !(privileged || no_setuid || ambient) => no_setuid = true,
                    Some(b'!') if no_setuid && !privileged && !ambient => {
                        no_setuid = false;
                        ambient = true;
                    }
                    _ => break,
                }
                f = &f[1..];
            }
            let fail = |this: &mut Self, msg: String| -> Step {
                if ignore {
                    this.warn(format!("{msg}, ignoring"));
                    Ok(())
                } else {
                    Err(Fatal::new(msg))
                }
            };
            let path = match self.expand(f) {
                Ok(p) => p,
                Err(e) => {
                    return fail(
                        self,
                        format!("Failed to resolve unit specifiers in '{f}': {e}"),
                    );
                }
            };
            if path.is_empty() {
                return fail(self, format!("Empty path in command line: '{v}'"));
            }
            if path
                .chars()
                .any(|c| (c as u32) < 0x20 || matches!(c, '"' | '\'' | '\\' | '\x7f'))
            {
                return fail(
                    self,
                    format!("Executable name contains special characters: {path}"),
                );
            }
            if path.ends_with('/') {
                return fail(
                    self,
                    format!("Executable path specifies a directory: {path}"),
                );
            }
            let filename_ok =
                !path.contains('/') && path != "." && path != ".." && path.len() <= 255;
            if !path.starts_with('/') && !filename_ok {
                return fail(
                    self,
                    format!("Neither a valid executable name nor an absolute path: {path}"),
                );
            }
            let mut argc = usize::from(!argv0);
            while let Some(rest) = p.filter(|r| !r.is_empty()) {
                let rb = rest.as_bytes();
                let ws_or_end = |i: usize| rb.get(i).is_none_or(|c| b" \t\n\r".contains(c));
                if rb[0] == b';' && ws_or_end(1) {
                    p = Some(rest[1..].trim_start_matches([' ', '\t', '\n', '\r']));
                    semicolon = true;
                    break;
                }
                if rb.starts_with(b"\\;") && ws_or_end(2) {
                    p = Some(rest[2..].trim_start_matches([' ', '\t', '\n', '\r']));
                    argc += 1;
                    continue;
                }
                match values::extract_first_word_and_warn(rest, flags) {
                    Ok(None) => {
                        p = None;
                        break;
                    }
                    Err(values::BadWord) => {
                        return fail(self, format!("Unbalanced quoting: \"{v}\""));
                    }
                    Ok(Some((word, after))) => {
                        if let Err(e) = self.expand(&word) {
                            return fail(
                                self,
                                format!("Failed to resolve unit specifiers in {word}: {e}"),
                            );
                        }
                        argc += 1;
                        p = after;
                    }
                }
            }
            if argc == 0 {
                return fail(
                    self,
                    format!("Empty executable name or zeroeth argument: {v}"),
                );
            }
            add(self);
            if !semicolon {
                return Ok(());
            }
        }
    }

    fn exec(&mut self) -> &mut ExecSettings {
        self.s.exec.as_mut().unwrap()
    }

    /// Returns Ok(true) if the key was an exec key.
    fn assign_exec(&mut self, key: &str, v: &str) -> Result<bool, Fatal> {
        if let Some(field) = self.bool_field(key) {
            match parse_bool(v) {
                Some(b) => *field = b,
                None => {
                    self.warn(format!("Failed to parse boolean value, ignoring: {v}"));
                }
            }
            return Ok(true);
        }
        match key {
            "User" | "Group" => {
                let value = self.user_name(v)?;
                if key == "User" {
                    self.exec().user = value;
                } else {
                    self.exec().group = value;
                }
            }
            "DynamicUser" => match parse_bool(v) {
                Some(b) => self.exec().dynamic_user = b,
                None => return Err(Fatal::new(format!("Failed to parse boolean value: {v}"))),
            },
            "SupplementaryGroups" => {
                if v.is_empty() {
                    self.exec().supplementary_groups.clear();
                    return Ok(true);
                }
                // Each word is added as soon as it is checked: the words before a bad one stay
                // (config_parse_user_group_strv_compat()). Quotes are not special here.
                let words = values::words(v, PLAIN).unwrap_or_else(|w| w);
                for w in words {
                    let k = self.expand(&w).map_err(|e| {
                        Fatal::new(format!("Failed to resolve unit specifiers in {w}: {e}"))
                    })?;
                    if !name::is_relaxed_user_name(&k) {
                        return Err(Fatal::new(format!(
                            "Invalid user/group name or numeric ID: {k}"
                        )));
                    }
                    self.exec().supplementary_groups.push(k);
                }
            }
            "PrivateTmp" => self.mode(key, v, |e, m| e.private_tmp = m),
            "PrivateUsers" => self.mode(key, v, |e, m| e.private_users = m),
            "ProtectControlGroups" => self.mode(key, v, |e, m| e.protect_control_groups = m),
            "ProtectHostname" => self.mode(key, v, |e, m| e.protect_hostname = m),
            "ProtectSystem" => self.mode(key, v, |e, m| e.protect_system = m),
            "ProtectHome" => self.mode(key, v, |e, m| e.protect_home = m),
            "PrivateMounts" => {
                let tristate = self.tables.rules.private_mounts_tristate;
                match parse_bool(v) {
                    Some(b) => self.exec().private_mounts = PrivateMounts::from_bool(b),
                    None if v.is_empty() && tristate => {
                        self.exec().private_mounts = PrivateMounts::Unset
                    }
                    None => self.warn(self.tables.rules.invalid_value(key, v)),
                }
            }
            "AppArmorProfile" | "SELinuxContext" | "SmackProcessLabel" => {
                // A "-" prefix makes a bad value a warning; otherwise it is fatal.
                let (ignore, rest) = match v.strip_prefix('-') {
                    Some(r) => (true, r),
                    None => (false, v),
                };
                if !v.is_empty() && self.expand(rest).is_err() {
                    let msg = format!("Failed to resolve unit specifiers in '{rest}'");
                    if !ignore {
                        return Err(Fatal::new(msg));
                    }
                    self.warn(format!("{msg}, ignoring"));
                }
            }
            "WorkingDirectory" => {
                // config_parse_working_directory(): "-" makes problems warnings, "~" is home.
                let (missing_ok, rest) = match v.strip_prefix('-') {
                    Some(r) => (true, r),
                    None => (false, v),
                };
                if v.is_empty() {
                    self.exec().working_directory_home = false;
                } else if rest == "~" {
                    self.exec().working_directory_home = true;
                } else {
                    let bad = match self.expand(rest) {
                        Err(e) => Some(format!(
                            "Failed to resolve unit specifiers in working directory path '{rest}': {e}"
                        )),
                        Ok(k) if values::absolute_path(&k).is_none() => Some(format!(
                            "WorkingDirectory= path is not absolute or not normalized: {k}"
                        )),
                        Ok(_) => None,
                    };
                    match bad {
                        Some(msg) if !missing_ok => return Err(Fatal::new(msg)),
                        Some(msg) => self.warn(format!("{msg}, ignoring")),
                        None => self.exec().working_directory_home = false,
                    }
                }
            }
            "RootVerity" => {
                let k = self.expand(v).map_err(|e| {
                    Fatal::new(format!("Failed to resolve unit specifiers in '{v}': {e}"))
                })?;
                if !k.is_empty() && values::absolute_path(&k).is_none() {
                    return Err(Fatal::new(format!(
                        "{key}= path is not absolute or not normalized: {k}"
                    )));
                }
            }
            "RootDirectory" | "RootImage" => {
                let k = self.expand(v).map_err(|e| {
                    Fatal::new(format!("Failed to resolve unit specifiers in '{v}': {e}"))
                })?;
                let value = if k.is_empty() {
                    None
                } else {
                    Some(values::absolute_path(&k).ok_or_else(|| {
                        Fatal::new(format!(
                            "{key}= path is not absolute or not normalized: {k}"
                        ))
                    })?)
                };
                if key == "RootDirectory" {
                    self.exec().root_directory = value;
                } else {
                    self.exec().root_image = value;
                }
            }
            "MountImages" => self.mount_images(v),
            "LoadCredential" | "LoadCredentialEncrypted" => {
                self.load_credential(v, key == "LoadCredentialEncrypted")
            }
            "SetCredential" | "SetCredentialEncrypted" => {
                self.set_credential(v, key == "SetCredentialEncrypted")
            }
            "CapabilityBoundingSet" | "AmbientCapabilities" => {
                let initial = if key == "CapabilityBoundingSet" {
                    CAP_ALL
                } else {
                    0
                };
                let (invert, rest) = strip_tilde(v);
                // capability_set_from_string(): EXTRACT_UNQUOTE, and a syntax error (an
                // unbalanced quote) silently ends the list; from 254 EXTRACT_RELAX too (an
                // unbalanced quote closes at the end).
                let flags = if self.tables.rules.capability_words_relaxed {
                    values::UNQUOTE_RELAX
                } else {
                    UNQUOTE
                };
                let words = values::words(rest, flags).unwrap_or_else(|w| w);
                let sum = words
                    .iter()
                    .filter_map(|w| self.tables.capability(w))
                    .fold(0u64, |acc, c| acc | (1u64 << c));
                let tables_field = if key == "CapabilityBoundingSet" {
                    &mut self.exec().capability_bounding_set
                } else {
                    &mut self.exec().ambient_capabilities
                };
                if sum == 0 || *tables_field == initial {
                    *tables_field = if invert { !sum } else { sum };
                } else if invert {
                    *tables_field &= !sum;
                } else {
                    *tables_field |= sum;
                }
            }
            "UMask" => match values::parse_mode(v) {
                Some(m) => self.exec().umask = m,
                None => self.warn(format!("Failed to parse mode value, ignoring: {v}")),
            },
            "KeyringMode" => self.set_enum(key, v, &["inherit", "private", "shared"], |e| {
                &mut e.keyring_mode
            }),
            "ProtectProc" => self.set_enum(
                key,
                v,
                &["default", "noaccess", "invisible", "ptraceable"],
                |e| &mut e.protect_proc,
            ),
            "ProcSubset" => self.set_enum(key, v, &["all", "pid"], |e| &mut e.proc_subset),
            "RestrictNamespaces" => self.restrict_namespaces(v),
            "RestrictAddressFamilies" => self.address_families(v),
            "SystemCallArchitectures" => {
                if v.is_empty() {
                    self.exec().syscall_architectures.clear();
                    return Ok(true);
                }
                let words = match values::words(v, UNQUOTE) {
                    Ok(w) => w,
                    Err(w) => {
                        self.warn(format!("Invalid syntax, ignoring: {v}"));
                        w
                    }
                };
                for w in words {
                    let newer = &self.tables.rules.extra_syscall_architectures;
                    if SYSCALL_ARCHS.contains(&w.as_str()) || newer.contains(&w) {
                        self.exec().syscall_architectures.insert(w);
                    } else {
                        self.warn(format!(
                            "Failed to parse system call architecture, ignoring: {w}"
                        ));
                    }
                }
            }
            "SystemCallFilter" => {
                let tables = self.tables;
                let warnings = self.exec().syscall_filter.apply(v, tables);
                for w in warnings {
                    self.warn(w);
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// A multi-valued setting: the words this version accepts, or its warning.
    fn mode<M: modes::Mode>(&mut self, key: &str, v: &str, set: impl FnOnce(&mut ExecSettings, M)) {
        match M::parse(v, self.tables.rules.values(key)) {
            Some(m) => set(self.exec(), m),
            None => self.warn(self.tables.rules.invalid_value(key, v)),
        }
    }

    fn bool_field(&mut self, key: &str) -> Option<&mut bool> {
        let e = self.s.exec.as_mut()?;
        Some(match key {
            "PrivateDevices" => &mut e.private_devices,
            "PrivateNetwork" => &mut e.private_network,
            "ProtectKernelModules" => &mut e.protect_kernel_modules,
            "ProtectKernelTunables" => &mut e.protect_kernel_tunables,
            "ProtectKernelLogs" => &mut e.protect_kernel_logs,
            "ProtectClock" => &mut e.protect_clock,
            "LockPersonality" => &mut e.lock_personality,
            "MemoryDenyWriteExecute" => &mut e.memory_deny_write_execute,
            "NoNewPrivileges" => &mut e.no_new_privileges,
            "RemoveIPC" => &mut e.remove_ipc,
            "RestrictRealtime" => &mut e.restrict_realtime,
            "RestrictSUIDSGID" => &mut e.restrict_suid_sgid,
            _ => return None,
        })
    }

    fn set_enum(
        &mut self,
        key: &str,
        v: &str,
        allowed: &[&str],
        field: impl Fn(&mut ExecSettings) -> &mut String,
    ) {
        if allowed.contains(&v) {
            *field(self.exec()) = v.to_string();
        } else {
            self.warn(format!("Failed to parse {key}= value, ignoring: {v}"));
        }
    }

    /// User= / Group=: specifiers expanded, the relaxed name check; failures are fatal.
    fn user_name(&mut self, v: &str) -> Result<Option<String>, Fatal> {
        if v.is_empty() {
            return Ok(None);
        }
        let k = self
            .expand(v)
            .map_err(|e| Fatal::new(format!("Failed to resolve unit specifiers in {v}: {e}")))?;
        if !name::is_relaxed_user_name(&k) {
            return Err(Fatal::new(format!(
                "Invalid user/group name or numeric ID: {k}"
            )));
        }
        Ok(Some(k))
    }

    fn restrict_namespaces(&mut self, v: &str) {
        let all: u64 = NAMESPACES.iter().map(|(_, f)| f).fold(0, |a, f| a | f);
        if v.is_empty() {
            self.exec().restrict_namespaces = NAMESPACE_FLAGS_INITIAL;
            return;
        }
        match parse_bool(v) {
            Some(true) => {
                self.exec().restrict_namespaces = 0;
                return;
            }
            Some(false) => {
                self.exec().restrict_namespaces = all;
                return;
            }
            None => {}
        }
        let (invert, rest) = strip_tilde(v);
        let Ok(words) = values::words(rest, PLAIN) else {
            self.warn(format!(
                "Failed to parse namespace type string, ignoring: {v}"
            ));
            return;
        };
        let mut flags = 0u64;
        for w in &words {
            match NAMESPACES.iter().find(|(n, _)| n == w) {
                Some((_, f)) => flags |= f,
                None => {
                    self.warn(format!(
                        "Failed to parse namespace type string, ignoring: {v}"
                    ));
                    return;
                }
            }
        }
        let e = self.exec();
        if e.restrict_namespaces == NAMESPACE_FLAGS_INITIAL {
            e.restrict_namespaces = if invert { !flags & all } else { flags };
        } else if invert {
            e.restrict_namespaces &= !flags;
        } else {
            e.restrict_namespaces |= flags;
        }
    }

    fn address_families(&mut self, v: &str) {
        if v.is_empty() {
            let e = self.exec();
            e.address_families = None;
            e.address_families_allow_list = false;
            return;
        }
        if v == "none" {
            let e = self.exec();
            e.address_families = None;
            e.address_families_allow_list = true;
            return;
        }
        let (invert, rest) = strip_tilde(v);
        {
            let e = self.exec();
            if e.address_families.is_none() {
                e.address_families = Some(BTreeSet::new());
                e.address_families_allow_list = !invert;
            }
        }
        let words = match values::words(rest, UNQUOTE) {
            Ok(w) => w,
            Err(w) => {
                self.warn(format!("Invalid syntax, ignoring: {v}"));
                w
            }
        };
        for w in words {
            let Some(af) = self.tables.address_family(&w) else {
                self.warn(format!("Failed to parse address family, ignoring: {w}"));
                continue;
            };
            let e = self.exec();
            let allow = e.address_families_allow_list;
            let set = e.address_families.as_mut().unwrap();
            if invert != allow {
                set.insert(af);
            } else {
                set.remove(&af);
            }
        }
    }

    /// config_parse_mount_images(): `[-]SOURCE:DEST[:OPTIONS...]` entries; an entry counts
    /// when both paths expand and are absolute. An empty value resets the list.
    fn mount_images(&mut self, v: &str) {
        if v.is_empty() {
            self.exec().mount_images = false;
            return;
        }
        let tuple_flags = values::ExtractFlags {
            unquote: true,
            retain_escape: true,
            ..Default::default()
        };
        let field_flags = values::ExtractFlags {
            separators: Some(":"),
            cunescape: true,
            unescape_separators: true,
            ..Default::default()
        };
        let mut p = Some(v);
        while let Some(rest) = p {
            let Ok(next) = values::extract_first_word(rest, tuple_flags) else {
                self.warn(format!("Invalid syntax MountImages={v}, ignoring"));
                return;
            };
            let Some((tuple, after)) = next else { return };
            p = after;
            let Ok(first) = values::extract_first_word(&tuple, field_flags) else {
                self.warn(format!("Invalid syntax in MountImages=, ignoring: {tuple}"));
                return;
            };
            let Some((source, q)) = first else { continue };
            let second = match q.map(|q| values::extract_first_word(q, field_flags)) {
                Some(Err(values::BadWord)) => {
                    self.warn(format!("Invalid syntax in MountImages=, ignoring: {tuple}"));
                    return;
                }
                Some(Ok(Some((d, _)))) => d,
                _ => String::new(),
            };
            let source = source.strip_prefix('-').unwrap_or(&source).to_string();
            if self.absolute_path_setting("MountImages", &source).is_none() {
                continue;
            }
            if second.is_empty() {
                self.warn(format!("Missing destination in MountImages, ignoring: {v}"));
                continue;
            }
            if self.absolute_path_setting("MountImages", &second).is_some() {
                self.exec().mount_images = true;
            }
        }
    }

    /// A credential's ID with specifiers expanded, or `None` (warned) if that fails or the
    /// name is not valid.
    fn credential_id(&mut self, word: &str) -> Option<String> {
        let Ok(id) = self.expand(word) else {
            self.warn(format!(
                "Failed to resolve unit specifiers in \"{word}\", ignoring"
            ));
            return None;
        };
        if !credential_name_valid(&id) {
            self.warn(format!("Credential name \"{id}\" not valid, ignoring."));
            return None;
        }
        Some(id)
    }

    /// config_parse_load_credential(): `ID[:PATH]`; an empty value resets the list. A later
    /// assignment of the same ID replaces the earlier one, encrypted or not.
    fn load_credential(&mut self, v: &str, encrypted: bool) {
        if v.is_empty() {
            self.exec().load_credentials.clear();
            return;
        }
        let Some((word, rest)) = split_credential(v) else {
            self.warn(format!("Invalid syntax, ignoring: {v}"));
            return;
        };
        let Some(id) = self.credential_id(&word) else {
            return;
        };
        if let Some(rest) = rest.filter(|r| !r.is_empty()) {
            let Ok(source) = self.expand(rest) else {
                self.warn(format!(
                    "Failed to resolve unit specifiers in \"{rest}\", ignoring"
                ));
                return;
            };
            let valid = if source.starts_with('/') {
                values::path_is_normalized(&source)
            } else {
                credential_name_valid(&source)
            };
            if !valid {
                self.warn(format!(
                    "Credential source \"{source}\" not valid, ignoring."
                ));
                return;
            }
        }
        self.exec().load_credentials.insert(id, encrypted);
    }

    /// config_parse_set_credential(): `ID:DATA` (DATA not empty); encrypted data must be
    /// Base64. An empty value resets the list; a later assignment of the same ID replaces
    /// the earlier one.
    fn set_credential(&mut self, v: &str, encrypted: bool) {
        if v.is_empty() {
            self.exec().set_credentials.clear();
            return;
        }
        let Some((word, Some(data))) =
            split_credential(v).filter(|(_, d)| d.is_some_and(|d| !d.is_empty()))
        else {
            self.warn(format!("Invalid syntax, ignoring: {v}"));
            return;
        };
        let Some(id) = self.credential_id(&word) else {
            return;
        };
        let url_safe = self.tables.rules.base64_url_safe;
        if let Some(why) = encrypted
            .then(|| values::base64_error(data, url_safe))
            .flatten()
        {
            let msg = if url_safe {
                format!("Encrypted credential data not valid Base64 data, ignoring: {why}")
            } else {
                "Encrypted credential data not valid Base64 data, ignoring.".into()
            };
            self.warn(msg);
            return;
        }
        self.exec().set_credentials.insert(id, encrypted);
    }

    fn cgroup(&mut self) -> &mut CgroupSettings {
        self.s.cgroup.as_mut().unwrap()
    }

    fn assign_cgroup(&mut self, key: &str, v: &str) {
        match key {
            "Delegate" => {
                if !matches!(self.s.unit_type.as_str(), "service" | "scope") {
                    self.warn(
                        "Delegate= setting not supported for this unit type, ignoring.".into(),
                    );
                    return;
                }
                match parse_bool(v) {
                    Some(b) => self.cgroup().delegate = b,
                    None => {
                        if v.is_empty() || values::words(v, UNQUOTE).is_ok() {
                            self.cgroup().delegate = true;
                        } else {
                            self.warn(format!("Invalid syntax, ignoring: {v}"));
                        }
                    }
                }
            }
            "DevicePolicy" => {
                if matches!(v, "auto" | "closed" | "strict") {
                    self.cgroup().device_policy = v.into();
                } else {
                    self.warn(format!("Failed to parse device policy, ignoring: {v}"));
                }
            }
            "DeviceAllow" => self.device_allow(v),
            "IPAddressAllow" | "IPAddressDeny" => {
                let parsed = self.ip_prefixes(v);
                let c = self.cgroup();
                let list = if key == "IPAddressAllow" {
                    &mut c.ip_address_allow
                } else {
                    &mut c.ip_address_deny
                };
                match parsed {
                    None => list.clear(),
                    Some(p) => list.extend(p),
                }
            }
            "IPIngressFilterPath" | "IPEgressFilterPath" => {
                if v.is_empty() {
                    let c = self.cgroup();
                    if key == "IPIngressFilterPath" {
                        c.ip_ingress_filter_paths.clear();
                    } else {
                        c.ip_egress_filter_paths.clear();
                    }
                    return;
                }
                let Ok(k) = self.expand(v) else {
                    self.warn(format!(
                        "Failed to resolve unit specifiers in '{v}', ignoring"
                    ));
                    return;
                };
                let Some(p) = values::absolute_path(&k) else {
                    self.warn(format!("{key}= path is not absolute, ignoring: {k}"));
                    return;
                };
                let c = self.cgroup();
                let list = if key == "IPIngressFilterPath" {
                    &mut c.ip_ingress_filter_paths
                } else {
                    &mut c.ip_egress_filter_paths
                };
                if !list.contains(&p) {
                    list.push(p);
                }
            }
            _ => {}
        }
    }

    fn device_allow(&mut self, v: &str) {
        if v.is_empty() {
            self.cgroup().device_allow.clear();
            return;
        }
        // The first word is the path; the rest (after separators) is the access mode.
        let trimmed = v.trim_start();
        let Ok(first) = values::words(trimmed, UNQUOTE) else {
            self.warn(format!("Invalid syntax, ignoring: {v}"));
            return;
        };
        let Some(path) = first.first().cloned() else {
            return;
        };
        let rest = rest_after_first_word(trimmed);
        let Ok(mut resolved) = self.expand(&path) else {
            self.warn(format!(
                "Failed to resolve unit specifiers in '{path}', ignoring"
            ));
            return;
        };
        if !(resolved.starts_with("block-") || resolved.starts_with("char-")) {
            // path_simplify_and_warn(), then valid_device_node_path(): under /dev or
            // /run/systemd/inaccessible (the directories themselves included), normalized.
            let under = |p: &str, dir: &str| {
                p.strip_prefix(dir)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            };
            match values::absolute_path(&resolved) {
                Some(p) if under(&p, "/dev") || under(&p, "/run/systemd/inaccessible") => {
                    resolved = p
                }
                _ => {
                    self.warn(format!("Invalid device node path '{resolved}', ignoring."));
                    return;
                }
            }
        }
        if !rest.is_empty() && !rest.chars().all(|c| matches!(c, 'r' | 'w' | 'm')) {
            self.warn(format!("Invalid device rights '{rest}', ignoring."));
            return;
        }
        let has = |c| rest.is_empty() || rest.contains(c);
        let flags: String = [('r', has('r')), ('w', has('w')), ('m', has('m'))]
            .iter()
            .filter(|(_, on)| *on)
            .map(|(c, _)| *c)
            .collect();
        self.cgroup()
            .device_allow
            .insert(0, format!("{resolved}:{flags}"));
    }

    /// `None` means "reset the list".
    fn ip_prefixes(&mut self, v: &str) -> Option<Vec<IpPrefix>> {
        if v.is_empty() {
            return None;
        }
        let mut out = Vec::new();
        let words = match values::words(v, PLAIN) {
            Ok(w) => w,
            Err(w) => {
                self.warn(format!("Invalid syntax, ignoring: {v}"));
                w
            }
        };
        let p = |a: IpAddr, len: u8| IpPrefix {
            addr: a,
            prefix_len: len,
        };
        for w in words {
            match w.as_str() {
                "any" => {
                    out.push(p(Ipv4Addr::UNSPECIFIED.into(), 0));
                    out.push(p(Ipv6Addr::UNSPECIFIED.into(), 0));
                }
                "link-local" => {
                    out.push(p(Ipv4Addr::new(169, 254, 0, 0).into(), 16));
                    out.push(p("fe80::".parse::<Ipv6Addr>().unwrap().into(), 64));
                }
                "multicast" => {
                    out.push(p(Ipv4Addr::new(224, 0, 0, 0).into(), 4));
                    out.push(p("ff00::".parse::<Ipv6Addr>().unwrap().into(), 8));
                }
                _ if is_localhost(&w) => {
                    out.push(p(Ipv4Addr::new(127, 0, 0, 0).into(), 8));
                    out.push(p(Ipv6Addr::LOCALHOST.into(), 128));
                }
                _ => match parse_prefix(&w) {
                    Some(pre) => out.push(pre),
                    None => self.warn(format!(
                        "Address prefix is invalid, ignoring assignment: {w}"
                    )),
                },
            }
        }
        Some(out)
    }
}

/// `extract_first_word(&p, &word, ":", EXTRACT_DONT_COALESCE_SEPARATORS)`: the first
/// `:`-separated word (backslash escapes the next character) and what follows the `:`
/// (`None` when the value has no separator).
fn split_credential(v: &str) -> Option<(String, Option<&str>)> {
    let mut word = String::new();
    let mut chars = v.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            ':' => return Some((word, Some(&v[i + 1..]))),
            '\\' => match chars.next() {
                Some((_, n)) => word.push(n),
                None => return None,
            },
            c => word.push(c),
        }
    }
    Some((word, None))
}

/// credential_name_valid(): a valid file name that is also a valid fd name (printable
/// ASCII without `:`).
fn credential_name_valid(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && s.len() <= 255
        && !s.contains('/')
        && s.bytes().all(|b| (b' '..127).contains(&b) && b != b':')
}

fn strip_tilde(v: &str) -> (bool, &str) {
    match v.strip_prefix('~') {
        Some(r) => (true, r),
        None => (false, v),
    }
}

/// What is left of `s` after its first whitespace-separated word and the separators after it.
fn rest_after_first_word(s: &str) -> &str {
    let mut in_quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (c, in_quote) {
            ('\\', _) => escaped = true,
            ('"' | '\'', None) => in_quote = Some(c),
            (q, Some(open)) if q == open => in_quote = None,
            (' ' | '\t' | '\n' | '\r', None) => return s[i..].trim_start(),
            _ => {}
        }
    }
    ""
}

/// systemd's is_localhost().
fn is_localhost(w: &str) -> bool {
    let l = w.to_ascii_lowercase();
    let l = l.strip_suffix('.').unwrap_or(&l);
    matches!(l, "localhost" | "localhost.localdomain")
        || l.ends_with(".localhost")
        || l.ends_with(".localhost.localdomain")
}

/// `ADDR[/LEN]`, host bits masked off.
fn parse_prefix(w: &str) -> Option<IpPrefix> {
    let (addr, len) = match w.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (w, None),
    };
    let addr: IpAddr = if addr.contains(':') {
        IpAddr::V6(addr.parse().ok()?)
    } else {
        IpAddr::V4(parse_ipv4_strict(addr)?)
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len: u8 = match len {
        None => max,
        Some(l) => {
            let n = values::parse_c_long(l)?;
            if !(0..=i64::from(max)).contains(&n) {
                return None;
            }
            n as u8
        }
    };
    let masked = match addr {
        IpAddr::V4(a) => {
            let m = if len == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(len))
            };
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & m))
        }
        IpAddr::V6(a) => {
            let m = if len == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(len))
            };
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & m))
        }
    };
    Some(IpPrefix {
        addr: masked,
        prefix_len: len,
    })
}

/// inet_pton(AF_INET): exactly four decimal parts.
fn parse_ipv4_strict(s: &str) -> Option<Ipv4Addr> {
    s.parse().ok()
}

/// config_parse_set_status(): an exit status 0–255 or a signal name (with or without SIG).
fn exit_status_or_signal(w: &str) -> bool {
    const SIGNALS: &[&str] = &[
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "IOT", "BUS", "FPE", "KILL", "USR1", "SEGV",
        "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
        "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "POLL", "PWR", "SYS",
    ];
    if w.parse::<u8>().is_ok() && !w.starts_with('+') {
        return true;
    }
    let sig = w.strip_prefix("SIG").unwrap_or(w);
    SIGNALS.contains(&sig)
}

/// sd_bus_service_name_is_valid().
fn bus_name_is_valid(s: &str) -> bool {
    if s.is_empty() || s.len() > 255 {
        return false;
    }
    let unique = s.starts_with(':');
    let body = if unique { &s[1..] } else { s };
    let parts: Vec<&str> = body.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                && (unique || !p.starts_with(|c: char| c.is_ascii_digit()))
        })
}
