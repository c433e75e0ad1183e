//! Applies a unit's assignments in order, with systemd's parser for each setting.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::values::{self, PLAIN, UNQUOTE, UNQUOTE_RELAX, parse_bool};
use super::{
    CAP_ALL, CgroupSettings, ExecSettings, IpPrefix, NAMESPACE_FLAGS_INITIAL, NAMESPACES,
    ServiceSettings, Settings, has_cgroup_context, has_exec_context, implied, type_section,
};
use crate::tables::SystemdTables;
use crate::unit::name;
use crate::unit::specifier::{self, SpecifierContext};
use crate::unit::syntax::Assignment;
use crate::unit::{LoadError, LoadedUnit};

/// A setting systemd refuses outright: the unit gets the "bad-setting" load state (in the
/// fragment) or the rest of that drop-in is skipped.
struct Fatal(String);

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
    let unit_type = unit.unit_type().to_string();
    let mut b = Builder {
        tables,
        ctx: SpecifierContext {
            id: &unit.id,
            fragment: Some(&unit.fragment),
        },
        section: type_section(&unit_type),
        s: Settings {
            default_dependencies: true,
            success_action: false,
            exec: has_exec_context(&unit_type).then(|| ExecSettings::new(&unit_type)),
            cgroup: has_cgroup_context(&unit_type).then(CgroupSettings::new),
            service: (unit_type == "service").then(|| ServiceSettings {
                kill_mode: "control-group".into(),
                restart: "no".into(),
                notify_access: "none".into(),
                ..Default::default()
            }),
            unit_type: unit_type.clone(),
            has_listen: false,
            has_trigger: false,
            warnings: Vec::new(),
        },
        where_: String::new(),
        line: 0,
    };
    for (i, file) in unit.files.iter().enumerate() {
        let is_fragment = i == 0;
        b.where_ = file.path.display().to_string();
        let mut stopped = false;
        for a in &file.assignments {
            b.line = a.line;
            if let Err(Fatal(msg)) = b.assign(a) {
                let detail = format!("{}:{}: {msg}", file.path.display(), a.line);
                if is_fragment {
                    return Err(LoadError::BadSetting {
                        id: unit.requested.clone(),
                        detail,
                        merged: false,
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
    verify(&s).map_err(|msg| LoadError::BadSetting {
        id: unit.id.clone(),
        detail: format!("{}: {msg}", unit.id),
        merged: true,
    })?;
    Ok(s)
}

/// The unit type's own checks (service_verify() and friends).
fn verify(s: &Settings) -> Result<(), String> {
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
        if ty == "dbus" && svc.bus_name.is_none() {
            return Err(
                "Service is of type D-Bus but no D-Bus service name has been specified. Refusing."
                    .into(),
            );
        }
        if svc.pam_name.is_some() && !matches!(svc.kill_mode.as_str(), "control-group" | "mixed") {
            return Err("Service has PAM enabled. Kill mode must be set to 'control-group' or 'mixed'. Refusing.".into());
        }
    }
    match s.unit_type.as_str() {
        "socket" if !s.has_listen => Err("Unit has no Listen setting (ListenStream=, ListenDatagram=, ListenFIFO=, ...). Refusing.".into()),
        "timer" if !s.has_trigger => Err("Timer unit lacks value setting. Refusing.".into()),
        "path" if !s.has_trigger => Err("Path unit lacks path setting. Refusing.".into()),
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
        if self.assign_trigger(key, v) {
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

    fn assign_trigger(&mut self, key: &str, v: &str) -> bool {
        let listen = [
            "ListenStream",
            "ListenDatagram",
            "ListenSequentialPacket",
            "ListenFIFO",
            "ListenNetlink",
            "ListenSpecial",
            "ListenMessageQueue",
            "ListenUSBFunction",
        ];
        let timer = [
            "OnActiveSec",
            "OnBootSec",
            "OnStartupSec",
            "OnUnitActiveSec",
            "OnUnitInactiveSec",
            "OnCalendar",
            "OnClockChange",
            "OnTimezoneChange",
        ];
        let path = [
            "PathExists",
            "PathExistsGlob",
            "PathChanged",
            "PathModified",
            "DirectoryNotEmpty",
        ];
        match self.s.unit_type.as_str() {
            "socket" if listen.contains(&key) => self.s.has_listen = !v.is_empty(),
            "timer" if timer.contains(&key) => self.s.has_trigger = !v.is_empty(),
            "path" if path.contains(&key) => self.s.has_trigger = !v.is_empty(),
            _ => return false,
        }
        true
    }

    fn expand(&self, v: &str) -> Result<String, specifier::BadSpecifier> {
        specifier::expand(v, &self.ctx)
    }

    /// Returns Ok(true) if the key was a service key.
    fn assign_service(&mut self, key: &str, v: &str) -> Result<bool, Fatal> {
        if EXEC_COMMANDS.contains(&key) {
            let n = self.parse_exec_line(key, v)?;
            let svc = self.s.service.as_mut().unwrap();
            let slot = match key {
                "ExecStart" => Some(&mut svc.exec_start),
                "ExecStop" => Some(&mut svc.exec_stop),
                _ => None,
            };
            if let Some(slot) = slot {
                match n {
                    None => *slot = 0,
                    Some(k) => *slot += k,
                }
            }
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
                if k.is_empty() {
                    self.s.service.as_mut().unwrap().bus_name = None;
                } else if bus_name_is_valid(&k) {
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
            "KillMode" => match enum_value(&["control-group", "process", "mixed", "none"]) {
                Some(k) => self.s.service.as_mut().unwrap().kill_mode = k,
                None => self.warn(format!("Failed to parse kill mode, ignoring: {v}")),
            },
            "PAMName" => {
                let k = self.expand(v).unwrap_or_else(|_| v.to_string());
                self.s.service.as_mut().unwrap().pam_name = (!k.is_empty()).then_some(k);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Parses an Exec*= line: `None` resets the list, `Some(n)` appends n commands.
    fn parse_exec_line(&mut self, key: &str, v: &str) -> Result<Option<usize>, Fatal> {
        if v.is_empty() {
            return Ok(None);
        }
        let mut count = 0;
        // Commands are separated by a lone ";" word.
        let mut commands: Vec<Vec<String>> = vec![Vec::new()];
        let words = match values::words(v, UNQUOTE) {
            Ok(w) => w,
            Err(w) => w,
        };
        let raw_words: Vec<&str> = v.split_whitespace().collect();
        let mut raw_iter = raw_words.iter();
        for w in words {
            let raw = raw_iter.next().copied().unwrap_or("");
            if raw == ";" && !commands.last().unwrap().is_empty() {
                commands.push(Vec::new());
            } else {
                commands.last_mut().unwrap().push(w);
            }
        }
        for cmd in commands {
            if cmd.is_empty() {
                continue;
            }
            let first = &cmd[0];
            let mut f = first.as_str();
            let (mut ignore, mut argv0) = (false, false);
            loop {
                match f.chars().next() {
                    Some('-') if !ignore => ignore = true,
                    Some('@') if !argv0 => argv0 = true,
                    Some(':' | '+' | '!') => {}
                    _ => break,
                }
                f = &f[1..];
            }
            let fail = |this: &mut Self, msg: String| -> Result<Option<usize>, Fatal> {
                if ignore {
                    this.warn(format!("{msg}, ignoring"));
                    Ok(Some(count))
                } else {
                    Err(Fatal(msg))
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
            if !path.starts_with('/')
                && (path.contains('/') || path == "." || path == ".." || path.len() > 255)
            {
                return fail(
                    self,
                    format!("Neither a valid executable name nor an absolute path: {path}"),
                );
            }
            for w in &cmd[1..] {
                if let Err(e) = self.expand(w) {
                    return fail(
                        self,
                        format!("Failed to resolve unit specifiers in {w}: {e}"),
                    );
                }
            }
            if argv0 && cmd.len() < 2 {
                return fail(
                    self,
                    format!("Empty executable name or zeroeth argument: {v}"),
                );
            }
            let _ = key;
            count += 1;
        }
        Ok(Some(count))
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
                None => return Err(Fatal(format!("Failed to parse boolean value: {v}"))),
            },
            "SupplementaryGroups" => {
                if v.is_empty() {
                    self.exec().supplementary_groups.clear();
                    return Ok(true);
                }
                // Each word is added as soon as it is checked: the words before a bad one stay
                // (config_parse_user_group_strv_compat()).
                let words = values::words(v, UNQUOTE_RELAX).unwrap_or_else(|w| w);
                for w in words {
                    let k = self.expand(&w).map_err(|e| {
                        Fatal(format!("Failed to resolve unit specifiers in {w}: {e}"))
                    })?;
                    if !name::is_relaxed_user_name(&k) {
                        return Err(Fatal(format!("Invalid user/group name or numeric ID: {k}")));
                    }
                    self.exec().supplementary_groups.push(k);
                }
            }
            "ProtectSystem" => match parse_bool(v) {
                Some(b) => self.exec().protect_system = if b { "yes" } else { "no" }.into(),
                None if matches!(v, "full" | "strict") => self.exec().protect_system = v.into(),
                None => self.warn(format!(
                    "Failed to parse protect system value, ignoring: {v}"
                )),
            },
            "ProtectHome" => match parse_bool(v) {
                Some(b) => self.exec().protect_home = if b { "yes" } else { "no" }.into(),
                None if matches!(v, "read-only" | "tmpfs") => self.exec().protect_home = v.into(),
                None => self.warn(format!("Failed to parse protect home value, ignoring: {v}")),
            },
            "RootDirectory" | "RootImage" => {
                let k = self.expand(v).map_err(|e| {
                    Fatal(format!("Failed to resolve unit specifiers in '{v}': {e}"))
                })?;
                let value = if k.is_empty() {
                    None
                } else {
                    Some(values::absolute_path(&k).ok_or_else(|| {
                        Fatal(format!(
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
            "MountImages" => self.exec().mount_images = !v.is_empty(),
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
                // unbalanced quote) silently ends the list.
                let words = values::words(rest, UNQUOTE).unwrap_or_else(|w| w);
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
                    if SYSCALL_ARCHS.contains(&w.as_str()) {
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

    fn bool_field(&mut self, key: &str) -> Option<&mut bool> {
        let e = self.s.exec.as_mut()?;
        Some(match key {
            "PrivateDevices" => &mut e.private_devices,
            "PrivateMounts" => &mut e.private_mounts,
            "PrivateNetwork" => &mut e.private_network,
            "PrivateTmp" => &mut e.private_tmp,
            "PrivateUsers" => &mut e.private_users,
            "ProtectControlGroups" => &mut e.protect_control_groups,
            "ProtectKernelModules" => &mut e.protect_kernel_modules,
            "ProtectKernelTunables" => &mut e.protect_kernel_tunables,
            "ProtectKernelLogs" => &mut e.protect_kernel_logs,
            "ProtectClock" => &mut e.protect_clock,
            "ProtectHostname" => &mut e.protect_hostname,
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
            .map_err(|e| Fatal(format!("Failed to resolve unit specifiers in {v}: {e}")))?;
        if !name::is_relaxed_user_name(&k) {
            return Err(Fatal(format!("Invalid user/group name or numeric ID: {k}")));
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
        let Ok(id) = self.expand(&word) else {
            self.warn(format!(
                "Failed to resolve unit specifiers in \"{word}\", ignoring"
            ));
            return;
        };
        if !credential_name_valid(&id) {
            self.warn(format!("Credential name \"{id}\" not valid, ignoring."));
            return;
        }
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
        let Ok(id) = self.expand(&word) else {
            self.warn(format!(
                "Failed to resolve unit specifiers in \"{word}\", ignoring"
            ));
            return;
        };
        if !credential_name_valid(&id) {
            self.warn(format!("Credential name \"{id}\" not valid, ignoring."));
            return;
        }
        if encrypted && !values::is_base64(data) {
            self.warn("Encrypted credential data not valid Base64 data, ignoring.".into());
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
