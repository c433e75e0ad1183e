//! Loading one unit as systemd's offline manager does: name → fragment (aliases, templates,
//! links, masks) → drop-ins → parsed files, in the order they apply.

use std::path::{Path, PathBuf};

use super::dropins;
use super::name::{self, NameKind};
use super::search::{SearchPath, UnitIndex, is_null_or_empty};
use super::syntax::{self, ParsedFile};

/// The sections each unit type reads; every other section is skipped.
pub fn sections_for(unit_type: &str) -> &'static [&'static str] {
    match unit_type {
        "service" => &["Unit", "Service", "Install"],
        "socket" => &["Unit", "Socket", "Install"],
        "mount" => &["Unit", "Mount", "Install"],
        "swap" => &["Unit", "Swap", "Install"],
        "timer" => &["Unit", "Timer", "Install"],
        "path" => &["Unit", "Path", "Install"],
        "slice" => &["Unit", "Slice", "Install"],
        "automount" => &["Unit", "Automount", "Install"],
        "scope" => &["Unit", "Scope", "Install"],
        _ => &["Unit", "Install"],
    }
}

/// A unit whose files were found and read.
#[derive(Debug, Clone)]
pub struct LoadedUnit {
    /// The name systemd reports: the alias target for an alias, `@i` for a template.
    pub id: String,
    pub fragment: PathBuf,
    pub aliases: Vec<String>,
    /// The fragment first, then the drop-ins in the order they apply.
    pub files: Vec<ParsedFile>,
    /// Drop-ins that could not be read (systemd skips them).
    pub unreadable_dropins: Vec<(PathBuf, String)>,
}

impl LoadedUnit {
    pub fn unit_type(&self) -> &str {
        name::unit_type(&self.id)
    }
}

/// Why a unit could not be loaded, with systemd's own message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("Failed to prepare filename {arg}: Invalid argument")]
    InvalidName { arg: String },
    #[error("Unit {id} not found.")]
    NotFound { id: String, detail: Option<String> },
    #[error("Unit {id} is masked.")]
    Masked { id: String, fragment: PathBuf },
    #[error("Unit {id} has a bad unit file setting.")]
    BadSetting { id: String, detail: String },
    #[error(
        "Unit {id} failed to load properly, please adjust/correct and reload service manager: {errno}"
    )]
    Failed {
        id: String,
        errno: String,
        detail: String,
    },
}

impl LoadError {
    /// The name systemd reports for this unit.
    pub fn unit(&self) -> &str {
        match self {
            LoadError::InvalidName { arg } => arg,
            LoadError::NotFound { id, .. }
            | LoadError::Masked { id, .. }
            | LoadError::BadSetting { id, .. }
            | LoadError::Failed { id, .. } => id,
        }
    }

    /// unitguard's own explanation (file and line), beyond systemd's message.
    pub fn detail(&self) -> Option<String> {
        match self {
            LoadError::InvalidName { .. } => Some("not a valid unit name".into()),
            LoadError::NotFound { detail, .. } => detail.clone(),
            LoadError::Masked { fragment, .. } => Some(format!(
                "{} is empty or a link to /dev/null",
                fragment.display()
            )),
            LoadError::BadSetting { detail, .. } | LoadError::Failed { detail, .. } => {
                Some(detail.clone())
            }
        }
    }
}

/// The unit name an argument stands for (systemd's verify_prepare_filename()): the file's
/// base name, with a template turned into the instance `i`.
pub fn name_for_argument(arg: &Path) -> Result<String, LoadError> {
    let base = arg
        .file_name()
        .and_then(|b| b.to_str())
        .ok_or_else(|| LoadError::InvalidName {
            arg: arg.display().to_string(),
        })?;
    match name::classify(base) {
        None => Err(LoadError::InvalidName {
            arg: arg.display().to_string(),
        }),
        Some(NameKind::Template) => Ok(name::with_instance(base, "i")),
        Some(_) => Ok(base.to_string()),
    }
}

/// Finds and reads units; built once per run.
#[derive(Debug)]
pub struct Loader {
    pub search: SearchPath,
    pub index: UnitIndex,
}

impl Loader {
    pub fn new(search: SearchPath) -> Self {
        let index = UnitIndex::build(&search);
        Loader { search, index }
    }

    /// Loads `unit` (a valid unit name).
    pub fn load(&self, unit: &str) -> Result<LoadedUnit, LoadError> {
        let (fragment, names) = self.index.find_fragment(unit);
        let Some(fragment) = fragment else {
            return Err(LoadError::NotFound {
                id: unit.to_string(),
                detail: Some(format!(
                    "no unit file named {unit} in the search path ({} directories)",
                    self.search.dirs.len()
                )),
            });
        };
        let base = fragment
            .file_name()
            .map(|b| b.to_string_lossy().into_owned())
            .unwrap_or_default();
        let id = match (name::classify(&base), name::instance(unit)) {
            (Some(NameKind::Template), Some(inst)) => name::with_instance(&base, inst),
            _ => base,
        };
        let not_found = |why: String| LoadError::NotFound {
            id: id.clone(),
            detail: Some(why),
        };
        if fragment.is_dir() {
            return Err(not_found(format!("{} is a directory", fragment.display())));
        }
        if is_null_or_empty(&fragment) {
            return Err(LoadError::Masked { id, fragment });
        }
        let data = std::fs::read(&fragment)
            .map_err(|e| not_found(format!("{}: {e}", fragment.display())))?;
        let sections = sections_for(name::unit_type(&id));
        let mut files = vec![syntax::parse(&fragment, &data, sections)];
        let aliases: Vec<String> = names
            .into_iter()
            .map(|n| match name::classify(&n) {
                Some(NameKind::Template) => {
                    name::with_instance(&n, name::instance(&id).unwrap_or(""))
                }
                _ => n,
            })
            .filter(|n| *n != id)
            .collect();
        let dirs = dropins::dropin_dirs(&self.search, &self.index, &id, &aliases);
        let mut unreadable = Vec::new();
        for path in dropins::dropin_files(&dirs) {
            match std::fs::read(&path) {
                Ok(data) => files.push(syntax::parse(&path, &data, sections)),
                Err(e) => unreadable.push((path, e.to_string())),
            }
        }
        Ok(LoadedUnit {
            id,
            fragment,
            aliases,
            files,
            unreadable_dropins: unreadable,
        })
    }
}
