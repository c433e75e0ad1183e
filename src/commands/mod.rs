//! One file per subcommand: argument handling and output, nothing else.

pub mod apply;
pub mod audit;
pub mod cat;
pub mod cheatsheet;
pub mod denials;
pub mod explain;
pub mod harden;
pub mod learn;
pub mod lint;

use std::path::{Path, PathBuf};

use crate::assess::Policy;
use crate::pipeline::{self, Scored};
use crate::tables::SystemdTables;

/// Loads and scores one unit given on the command line; prints systemd's message on failure.
pub fn score_one(unit: &Path, root: Option<&Path>, policy: &Policy) -> Option<Scored> {
    let tables = SystemdTables::default_tables();
    let mut out = pipeline::score_arguments(&[PathBuf::from(unit)], root, policy, tables);
    match out.pop()? {
        Ok(s) => Some(s),
        Err(e) => {
            match e.detail() {
                Some(d) => eprintln!("{e} ({d})"),
                None => eprintln!("{e}"),
            }
            None
        }
    }
}

/// A unit that does not load, as the error of a command that needs it: systemd's message and
/// unitguard's explanation.
pub fn load_error(e: &crate::unit::LoadError) -> crate::Error {
    match e.detail() {
        Some(d) => crate::Error::Other(format!("{e} ({d})")),
        None => crate::Error::Other(e.to_string()),
    }
}

/// The policy for a run: the one given, or the one systemd would find by itself. Any problem
/// with it (unreadable, not JSON, a range systemd-analyze aborts on) is an [`Error::Policy`]
/// naming the file (and line), which ends the run with exit status 2 before any unit is read.
///
/// [`Error::Policy`]: crate::Error::Policy
pub fn policy_for(given: Option<&Path>, _root: Option<&Path>) -> crate::Result<Policy> {
    let policy = match given {
        Some(p) => Policy::load(p),
        // systemd-analyze 252 looks for the default policy on the host even with --root
        // (it passes no root to its config-file search), so `root` is not used here.
        None => Policy::find_default(None).map(Option::unwrap_or_default),
    }
    .map_err(|e| match e {
        crate::Error::Io { path, source } => crate::Error::Policy {
            path,
            message: format!(
                "cannot read the security policy: {}",
                crate::error::io_message(&source)
            ),
        },
        e => e,
    })?;
    pipeline::validate_policy(&policy, SystemdTables::default_tables())?;
    Ok(policy)
}
