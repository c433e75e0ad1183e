//! One file per subcommand: argument handling and output, nothing else.

pub mod audit;
pub mod cat;
pub mod explain;
pub mod harden;
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

/// The policy for a run: the one given, or the one systemd would find by itself.
pub fn policy_for(given: Option<&Path>, root: Option<&Path>) -> crate::Result<Policy> {
    match given {
        Some(p) => Policy::load(p),
        None => Ok(Policy::find_default(root)?.unwrap_or_default()),
    }
}
