//! The running systemd: its manager over D-Bus ([`bus`]), unit control through `systemctl`
//! ([`control`]) and the journal ([`journal`]).
//!
//! This file is live mode: scoring the services of the running systemd over D-Bus, as
//! `systemd-analyze security` does without `--offline` (spec §11). [`bus`] talks to the
//! manager; this module decides which units to ask for (systemd's name mangling, the `.service`
//! rule, templates as the version's instance, the listing's filter) and scores them with the shared
//! scorer ([`crate::assess::assess_info`]) on the SecurityInfo of [`crate::assess::online`].

pub mod bus;
pub mod control;
pub mod journal;
pub mod journal_send;

use std::path::{Path, PathBuf};

pub use bus::{BusError, ListedUnit, Manager};

use crate::assess::online::NotAssessable;
use crate::assess::{self, Assessment, Policy, SecurityInfo};
use crate::context::Context;
use crate::tables::SystemdTables;
use crate::unit::name::{self, NameKind};

/// One unit scored from the live manager.
#[derive(Debug, Clone)]
pub struct LiveScored {
    pub assessment: Assessment,
    pub fragment_path: Option<String>,
}

/// Why one unit of a live run has no score (systemd-analyze's message is the Display text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LiveError {
    #[error("Failed to mangle unit name '{0}': Invalid argument")]
    BadName(String),
    #[error("Unit {0} is not a service unit, refusing.")]
    NotService(String),
    #[error(transparent)]
    NotAssessable(#[from] NotAssessable),
    #[error("{error}")]
    Bus { unit: String, error: BusError },
}

impl LiveError {
    /// The unit (or argument) the error is about.
    pub fn unit(&self) -> &str {
        match self {
            LiveError::BadName(u) | LiveError::NotService(u) => u,
            LiveError::NotAssessable(
                NotAssessable::NotFound(u) | NotAssessable::Masked(u) | NotAssessable::NotLoaded(u),
            ) => u,
            LiveError::Bus { unit, .. } => unit,
        }
    }
}

pub type LiveOutcome = Result<LiveScored, LiveError>;

/// Where `unitguard audit` without `--offline` reads units from.
#[derive(Debug)]
pub enum Source {
    /// A systemd manager answered on the system bus.
    Live(Manager),
    /// Unit files, offline; the reason is one short clause for the user.
    Offline(String),
}

/// Live when no `--root` is given, no argument is a path to a unit file and a systemd manager
/// answers on the system bus; offline otherwise.
pub fn choose_source(root: Option<&Path>, units: &[PathBuf]) -> Source {
    if root.is_some() {
        return Source::Offline("--root is given".into());
    }
    if let Some(p) = units.iter().find(|u| is_path_argument(u)) {
        return Source::Offline(format!("{} is a unit file path", p.display()));
    }
    match connect_manager() {
        Ok(m) => Source::Live(m),
        Err(e) => Source::Offline(format!("live mode needs a systemd manager ({e})")),
    }
}

/// The manager of this run's scope: the system manager, or with `--user` the calling user's
/// (on the session bus).
pub fn connect_manager() -> Result<Manager, BusError> {
    match crate::unit::scope::current() {
        crate::unit::scope::Scope::System => Manager::connect(),
        crate::unit::scope::Scope::User => Manager::connect_to(&bus::session_bus_address()),
    }
}

/// An argument naming a file rather than a unit: it has a `/`.
fn is_path_argument(p: &Path) -> bool {
    p.as_os_str().as_encoded_bytes().contains(&b'/')
}

/// The unit an argument stands for, as systemd-analyze decides it: the name mangled
/// (`nginx` → `nginx.service`), refused unless it is a service, a template with the version's
/// instance (`test-instance`; 257: `test_instance`).
pub fn service_name_for_argument(arg: &str, tables: &SystemdTables) -> Result<String, LiveError> {
    let mangled = mangle(arg).ok_or_else(|| LiveError::BadName(arg.to_string()))?;
    if !mangled.ends_with(".service") {
        return Err(LiveError::NotService(arg.to_string()));
    }
    Ok(match name::classify(&mangled) {
        Some(NameKind::Template) => {
            name::with_instance(&mangled, &tables.rules.live_template_instance)
        }
        _ => mangled,
    })
}

/// systemd's unit_name_mangle() without globs: a valid name stays; an absolute path becomes
/// a mount (or device) unit; otherwise `/` becomes `-`, other invalid bytes `\xNN`, and
/// `.service` is appended when there is no unit type suffix.
pub fn mangle(arg: &str) -> Option<String> {
    if arg.is_empty() {
        return None;
    }
    if name::is_valid(arg) {
        return Some(arg.to_string());
    }
    if arg.starts_with('/') {
        let kind = if arg.starts_with("/dev/") || arg.starts_with("/sys/") {
            "device"
        } else {
            "mount"
        };
        return Some(format!("{}.{kind}", escape_path(arg)));
    }
    let mut s = String::new();
    for b in arg.bytes() {
        match b {
            b'/' => s.push('-'),
            b if b.is_ascii_alphanumeric() || b":-_.\\@".contains(&b) => s.push(b as char),
            b => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    let has_type = s
        .rsplit_once('.')
        .is_some_and(|(_, t)| name::UNIT_TYPES.contains(&t));
    if !has_type {
        s.push_str(".service");
    }
    name::is_valid(&s).then_some(s)
}

/// A rough unit_name_from_path(): only used to name the unit in the refusal.
fn escape_path(p: &str) -> String {
    let trimmed = p.trim_matches('/');
    if trimmed.is_empty() {
        return "-".into();
    }
    trimmed.replace('/', "-")
}

/// Asks the manager for one unit (a final name: mangled, instance filled in) and scores it.
/// `None`: left out of a listing (not loaded, or a oneshot service).
fn score_unit(
    m: &Manager,
    unit: &str,
    listing: bool,
    policy: &Policy,
    tables: &'static SystemdTables,
) -> Option<LiveOutcome> {
    let props = match m.unit_properties(unit) {
        Ok(p) => p,
        Err(error) => {
            return Some(Err(LiveError::Bus {
                unit: unit.to_string(),
                error,
            }));
        }
    };
    if listing && !props.is_listed() {
        return None;
    }
    if let Err(e) = props.check_loaded(unit) {
        return Some(Err(e.into()));
    }
    let info = SecurityInfo::from_unit_properties(&props, tables);
    let id = props.id.as_deref().unwrap_or(unit);
    Some(Ok(LiveScored {
        assessment: assess::assess_info(id, &info, policy, tables),
        fragment_path: props.fragment_path,
    }))
}

/// `systemd-analyze security UNIT...`: each argument in order.
pub fn score_arguments(m: &Manager, args: &[PathBuf], ctx: &Context) -> Vec<LiveOutcome> {
    let (policy, tables) = (&ctx.policy, ctx.tables);
    args.iter()
        .map(|a| {
            let arg = a.to_string_lossy();
            let unit = service_name_for_argument(&arg, tables)?;
            score_unit(m, &unit, false, policy, tables).expect("only listings leave units out")
        })
        .collect()
}

/// `systemd-analyze security` without arguments: every `.service` the manager has loaded in
/// memory (ListUnits), sorted by name, leaving out the units that are not loaded and the
/// oneshot services.
pub fn score_loaded_services(m: &Manager, ctx: &Context) -> Result<Vec<LiveOutcome>, BusError> {
    let (policy, tables) = (&ctx.policy, ctx.tables);
    let mut ids: Vec<String> = m
        .list_units()?
        .into_iter()
        .map(|u| u.id)
        .filter(|id| id.ends_with(".service"))
        .collect();
    ids.sort();
    ids.dedup();
    Ok(ids
        .iter()
        .filter_map(|id| score_unit(m, id, true, policy, tables))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_become_service_names_like_systemd_analyze() {
        let t252 = SystemdTables::for_version(252).unwrap();
        let t257 = SystemdTables::for_version(257).unwrap();
        assert_eq!(
            service_name_for_argument("getty@.service", t257).unwrap(),
            "getty@test_instance.service"
        );
        assert_eq!(
            service_name_for_argument("nginx", t252).unwrap(),
            "nginx.service"
        );
        assert_eq!(
            service_name_for_argument("nginx.service", t252).unwrap(),
            "nginx.service"
        );
        assert_eq!(
            service_name_for_argument("getty@.service", t252).unwrap(),
            "getty@test-instance.service"
        );
        assert_eq!(
            service_name_for_argument("getty@tty1.service", t252).unwrap(),
            "getty@tty1.service"
        );
        assert_eq!(
            service_name_for_argument("sshd.socket", t252)
                .unwrap_err()
                .to_string(),
            "Unit sshd.socket is not a service unit, refusing."
        );
        assert_eq!(
            service_name_for_argument("/home", t252)
                .unwrap_err()
                .to_string(),
            "Unit /home is not a service unit, refusing."
        );
    }

    #[test]
    fn root_and_paths_stay_offline() {
        assert!(matches!(
            choose_source(Some(Path::new("/")), &[]),
            Source::Offline(_)
        ));
        assert!(matches!(
            choose_source(None, &[PathBuf::from("./x.service")]),
            Source::Offline(_)
        ));
    }
}
