//! Every service of one host, scored by the shared scorer and described by what the fleet
//! jobs need: exposure and failing checks (baseline, report), where its file is and whether
//! it is custom, whether it is a long-running daemon, its sandbox settings (checklist).
//!
//! Offline, the units are read under a root as `audit --offline` reads them
//! ([`crate::pipeline::score_all_services`]). Live, the manager's loaded services are scored
//! from their D-Bus properties as `audit` scores them live; the unit files on the same host
//! give the drop-ins and the ExecStart binary.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ownership::{PackageFiles, enabled_units, host_path};
use crate::assess::{self, Assessment, SecurityInfo};
use crate::context::Context;
use crate::harden::knowledge::Knowledge;
use crate::pipeline;
use crate::systemd::Manager;
use crate::tables::SystemdTables;
use crate::unit::LoadedUnit;

/// Exposures as numbers with one decimal in JSON (`9.6`), tenths inside.
pub mod tenths {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(*t as f64 / 10.0)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let x = f64::deserialize(d)?;
        if !(0.0..=10.0).contains(&x) {
            return Err(serde::de::Error::custom(format!(
                "exposure {x} is not between 0.0 and 10.0"
            )));
        }
        Ok((x * 10.0).round() as u64)
    }
}

/// A check that is not met (systemd-analyze's ✗ rows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailingCheck {
    /// systemd's row name, e.g. `ProtectSystem=`.
    pub check: String,
    /// systemd's json_field, e.g. `ProtectSystem`.
    pub field: String,
    /// What it adds to the exposure, as systemd-analyze prints it (`null`: nothing shown).
    #[serde(default)]
    pub exposure: Option<f64>,
}

/// The sandbox settings the checklist judges, as the scorer sees them (implications
/// applied: DynamicUser= implies ProtectSystem=strict, and so on).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sandbox {
    /// `User=`; `null`: root.
    pub user: Option<String>,
    pub dynamic_user: bool,
    pub no_new_privileges: bool,
    pub protect_system: String,
    pub protect_home: String,
    pub private_tmp: bool,
    pub private_devices: bool,
    pub protect_kernel_tunables: bool,
    pub protect_kernel_modules: bool,
    pub protect_control_groups: bool,
    /// SystemCallFilter= is an allow-list.
    pub syscall_allow_list: bool,
    /// The bounding set; `null`: not narrowed by CapabilityBoundingSet= (every capability,
    /// or all but those other directives drop: CAP_SYS_MODULE, CAP_SYSLOG, CAP_MKNOD,
    /// CAP_SYS_RAWIO, CAP_SYS_TIME, CAP_WAKE_ALARM).
    pub capabilities: Option<Vec<String>>,
    pub ambient_capabilities: Vec<String>,
}

/// One service of a host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitRecord {
    pub unit: String,
    #[serde(with = "tenths")]
    pub exposure: u64,
    pub label: String,
    /// systemd-analyze's failing rows, in its order.
    pub failing: Vec<FailingCheck>,
    /// The unit file (as the host sees it).
    pub fragment: Option<String>,
    pub dropins: Vec<String>,
    /// The service's Type= (`simple` when not set).
    pub service_type: String,
    /// Under /etc, /usr/local or /opt and owned by no package.
    pub custom: bool,
    /// Linked from a `.wants/` or `.requires/` directory.
    pub enabled: bool,
    /// The manager's ActiveState (live only).
    pub active: Option<String>,
    /// A long-running daemon: not Type=oneshot, and active (live) or enabled (offline).
    pub long_running: bool,
    /// The daemon profile of data/profiles.toml that matched (by unit name or binary).
    pub profile: Option<String>,
    pub sandbox: Sandbox,
}

/// A service that could not be scored, with systemd's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitFailure {
    pub unit: String,
    pub error: String,
}

/// Every service of a host.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub units: Vec<UnitRecord>,
    pub failures: Vec<UnitFailure>,
}

fn failing_of(a: &Assessment) -> Vec<FailingCheck> {
    a.checks
        .iter()
        .filter(|c| c.set() == Some(false))
        .map(|c| FailingCheck {
            check: c.name.to_string(),
            field: c.json_field.to_string(),
            exposure: c.exposure.map(|e| e as f64 / 10.0),
        })
        .collect()
}

fn cap_names(mask: u64, tables: &SystemdTables) -> Vec<String> {
    let mut v: Vec<(u32, String)> = tables
        .capability_names()
        .filter(|(_, bit)| mask & (1u64 << bit) != 0)
        .map(|(n, bit)| (bit, n.to_ascii_uppercase()))
        .collect();
    v.sort();
    v.into_iter().map(|(_, n)| n).collect()
}

/// Capabilities systemd drops by itself for other directives (ProtectKernelModules=,
/// ProtectKernelLogs=, PrivateDevices=, ProtectClock=): a bounding set missing only these was
/// not narrowed by CapabilityBoundingSet=.
const IMPLIED_DROPS: &[&str] = &[
    "cap_sys_module",
    "cap_syslog",
    "cap_mknod",
    "cap_sys_rawio",
    "cap_sys_time",
    "cap_wake_alarm",
];

fn sandbox_of(i: &SecurityInfo, tables: &SystemdTables) -> Sandbox {
    let known: u64 = tables
        .capability_names()
        .filter(|(n, _)| !IMPLIED_DROPS.contains(&n.to_ascii_lowercase().as_str()))
        .fold(0, |m, (_, bit)| m | (1u64 << bit));
    Sandbox {
        user: i.user.clone().filter(|u| u != "root" && u != "0"),
        dynamic_user: i.dynamic_user,
        no_new_privileges: i.no_new_privileges,
        protect_system: i.protect_system.as_str().to_string(),
        protect_home: i.protect_home.as_str().to_string(),
        private_tmp: i.private_tmp,
        private_devices: i.private_devices,
        protect_kernel_tunables: i.protect_kernel_tunables,
        protect_kernel_modules: i.protect_kernel_modules,
        protect_control_groups: i.protect_control_groups,
        syscall_allow_list: i.syscall_filter_allow_list,
        capabilities: (i.capability_bounding_set & known != known)
            .then(|| cap_names(i.capability_bounding_set, tables)),
        ambient_capabilities: cap_names(i.ambient_capabilities, tables),
    }
}

/// The last ExecStart= binary's basename, from the unit's files.
fn binary_of(unit: &LoadedUnit) -> Option<String> {
    let mut last = None;
    for f in &unit.files {
        for a in &f.assignments {
            if a.section == "Service" && a.key == "ExecStart" {
                last = (!a.value.is_empty()).then(|| a.value.clone());
            }
        }
    }
    let word = last?
        .split_whitespace()
        .next()?
        .trim_start_matches(['-', '@', ':', '+', '!'])
        .to_string();
    Some(word.rsplit('/').next().unwrap_or(&word).to_string())
}

fn profile_of(id: &str, unit: Option<&LoadedUnit>) -> Option<String> {
    let binary = unit.and_then(binary_of);
    Knowledge::get()
        .profile_for(id, binary.as_deref())
        .map(|p| p.name.clone())
}

/// What the host's tree says about the units (ownership, enablement), read once.
struct TreeFacts<'a> {
    root: Option<&'a Path>,
    packages: PackageFiles,
    enabled: std::collections::HashSet<String>,
}

impl TreeFacts<'_> {
    fn new(root: Option<&Path>) -> TreeFacts<'_> {
        TreeFacts {
            root,
            packages: PackageFiles::read(root),
            enabled: enabled_units(root),
        }
    }

    fn is_enabled(&self, id: &str, aliases: &[String]) -> bool {
        let template = crate::unit::name::template_of(id);
        self.enabled.contains(id)
            || template.is_some_and(|t| self.enabled.contains(&t))
            || aliases.iter().any(|a| self.enabled.contains(a))
    }
}

#[allow(clippy::too_many_arguments)]
fn record(
    tree: &TreeFacts,
    assessment: &Assessment,
    info: &SecurityInfo,
    fragment: Option<String>,
    unit: Option<&LoadedUnit>,
    service_type: Option<&str>,
    active: Option<String>,
    tables: &SystemdTables,
) -> UnitRecord {
    let id = assessment.unit.clone();
    let service_type = service_type.unwrap_or("simple").to_string();
    let aliases = unit.map(|u| u.aliases.clone()).unwrap_or_default();
    let enabled = tree.is_enabled(&id, &aliases);
    let long_running = service_type != "oneshot"
        && match &active {
            Some(state) => matches!(state.as_str(), "active" | "activating" | "reloading"),
            None => enabled,
        };
    UnitRecord {
        custom: fragment
            .as_deref()
            .is_some_and(|f| tree.packages.is_custom(f)),
        dropins: unit
            .map(|u| {
                u.files
                    .iter()
                    .skip(usize::from(!u.fragment.as_os_str().is_empty()))
                    .map(|f| host_path(tree.root, &f.path))
                    .collect()
            })
            .unwrap_or_default(),
        profile: profile_of(&id, unit),
        unit: id,
        exposure: assessment.exposure,
        label: assess::label(assessment.exposure).to_string(),
        failing: failing_of(assessment),
        fragment,
        service_type,
        enabled,
        active,
        long_running,
        sandbox: sandbox_of(info, tables),
    }
}

/// Every service under `root` (offline), as `audit --offline` lists them.
pub fn offline(ctx: &Context) -> Inventory {
    let root = ctx.root.as_deref();
    let tables = ctx.tables;
    let tree = TreeFacts::new(root);
    let mut inv = Inventory::default();
    for o in pipeline::score_all_services(ctx) {
        match o {
            Ok(s) => {
                let info = SecurityInfo::from_settings(&s.settings, &tables.rules);
                let fragment = (!s.unit.fragment.as_os_str().is_empty())
                    .then(|| host_path(root, &s.unit.fragment));
                let st = s
                    .settings
                    .service
                    .as_ref()
                    .and_then(|x| x.service_type.clone());
                inv.units.push(record(
                    &tree,
                    &s.assessment,
                    &info,
                    fragment,
                    Some(&s.unit),
                    st.as_deref(),
                    None,
                    tables,
                ));
            }
            Err(e) => inv.failures.push(UnitFailure {
                unit: e.unit().to_string(),
                error: e.to_string(),
            }),
        }
    }
    inv.units.sort_by(|a, b| a.unit.cmp(&b.unit));
    inv.failures.sort_by(|a, b| a.unit.cmp(&b.unit));
    inv
}

/// Every service the running manager has loaded (oneshot ones included: the checklist
/// judges custom units of every type), scored live as `audit` does.
pub fn live(
    manager: &Manager,
    ctx: &Context,
    mut progress: impl FnMut(usize, usize),
) -> crate::Result<Inventory> {
    let (policy, tables) = (&ctx.policy, ctx.tables);
    let tree = TreeFacts::new(None);
    let loader = ctx.loader(&[], Path::new("/"));
    let listed = manager
        .list_units()
        .map_err(|e| crate::Error::Other(e.to_string()))?;
    let mut services: Vec<_> = listed
        .into_iter()
        .filter(|u| u.id.ends_with(".service") && u.load_state == "loaded")
        .collect();
    services.sort_by(|a, b| a.id.cmp(&b.id));
    services.dedup_by(|a, b| a.id == b.id);
    let mut inv = Inventory::default();
    let total = services.len();
    for (n, u) in services.into_iter().enumerate() {
        progress(n, total);
        let props = match manager.unit_properties(&u.id) {
            Ok(p) => p,
            Err(e) => {
                inv.failures.push(UnitFailure {
                    unit: u.id,
                    error: e.to_string(),
                });
                continue;
            }
        };
        if props.check_loaded(&u.id).is_err() {
            continue;
        }
        let info = SecurityInfo::from_unit_properties(&props, tables);
        let id = props.id.clone().unwrap_or(u.id.clone());
        let assessment = assess::assess_info(&id, &info, policy, tables);
        let files = loader.load(&id).ok();
        inv.units.push(record(
            &tree,
            &assessment,
            &info,
            props.fragment_path.clone().filter(|f| !f.is_empty()),
            files.as_ref(),
            props.service_type.as_deref(),
            Some(u.active_state),
            tables,
        ));
    }
    progress(total, total);
    Ok(inv)
}
