//! One run's target: the systemd version it scores for (and where that came from), that
//! version's tables, the root the units are read from and the security policy. Built once per
//! run (by the command, from its flags) and passed to the loader, settings, scorer, harden,
//! lint and the reports.

use std::path::{Path, PathBuf};

use crate::assess::Policy;
use crate::tables::{Detected, SystemdTables, VersionSource};
use crate::unit::{LoadError, Loader, SearchPath, name_for_argument};

#[derive(Debug)]
pub struct Context {
    /// The version asked for or detected (the tables may be an older one, with
    /// `--nearest-version`).
    pub detected: Detected,
    pub tables: &'static SystemdTables,
    pub root: Option<PathBuf>,
    pub policy: Policy,
}

impl Context {
    /// A context for systemd `version` (which must have tables), e.g. for tests and library use.
    pub fn for_version(version: u32, root: Option<&Path>, policy: Policy) -> crate::Result<Self> {
        Ok(Context {
            detected: Detected {
                version,
                source: VersionSource::Flag,
            },
            tables: SystemdTables::resolve(version, false)?,
            root: root.map(Path::to_path_buf),
            policy,
        })
    }

    /// The systemd version whose rules are used.
    pub fn version(&self) -> u32 {
        self.tables.version
    }

    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// The same target with another policy (harden predicts with the one it was given).
    pub fn with_policy(&self, policy: Policy) -> Self {
        Context {
            detected: self.detected.clone(),
            tables: self.tables,
            root: self.root.clone(),
            policy,
        }
    }

    /// The loader for these command-line arguments: this version's search path under the root,
    /// with the arguments' own directories first.
    pub fn loader(&self, args: &[PathBuf], cwd: &Path) -> Loader {
        Loader::new(SearchPath::for_arguments(
            args,
            self.root(),
            cwd,
            &self.tables.rules.unit_path,
        ))
    }

    /// The unit name an argument stands for (a template gets this version's instance).
    pub fn name_for_argument(&self, arg: &Path) -> Result<String, LoadError> {
        name_for_argument(arg, &self.tables.rules.template_instance)
    }

    /// One line for stderr saying which version's rules the run uses and why.
    pub fn describe(&self) -> String {
        if self.detected.version == self.tables.version {
            format!("scoring as {}", self.detected)
        } else {
            format!(
                "scoring as systemd {} (nearest older to {})",
                self.tables.version, self.detected
            )
        }
    }
}
