//! The whole path of one unit: name → files → settings → assessment.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::assess::{self, Assessment, Policy};
use crate::settings::{self, Settings};
use crate::tables::SystemdTables;
use crate::unit::{LoadError, LoadedUnit, Loader, SearchPath, name_for_argument};

/// A scored unit, with what systemd would have warned about while loading it.
#[derive(Debug, Clone)]
pub struct Scored {
    pub unit: LoadedUnit,
    pub settings: Settings,
    pub assessment: Assessment,
}

pub type Outcome = Result<Scored, LoadError>;

/// Loads and scores one unit by name.
pub fn score_name(loader: &Loader, name: &str, policy: &Policy, tables: &SystemdTables) -> Outcome {
    let unit = loader.load(name)?;
    score_loaded(unit, policy, tables)
}

pub fn score_loaded(unit: LoadedUnit, policy: &Policy, tables: &SystemdTables) -> Outcome {
    let settings = settings::build(&unit, tables)?;
    let assessment = assess::assess(&unit.id, &settings, policy, tables);
    Ok(Scored {
        unit,
        settings,
        assessment,
    })
}

/// Scores the units named by command-line arguments (names or paths), in argument order,
/// exactly as `systemd-analyze security --offline=true [--root=DIR] ARGS...` would.
pub fn score_arguments(
    args: &[PathBuf],
    root: Option<&Path>,
    policy: &Policy,
    tables: &SystemdTables,
) -> Vec<Outcome> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let loader = Loader::new(SearchPath::for_arguments(args, root, &cwd));
    args.par_iter()
        .map(|arg| {
            let name = name_for_argument(arg)?;
            score_name(&loader, &name, policy, tables)
        })
        .collect()
}

/// Every service in the search path (templates as `@i`, aliases skipped, masked units left
/// out), scored.
pub fn score_all_services(
    root: Option<&Path>,
    policy: &Policy,
    tables: &SystemdTables,
) -> Vec<Outcome> {
    let loader = Loader::new(SearchPath::for_arguments(&[], root, Path::new("/")));
    let mut names: Vec<String> = loader
        .index
        .names()
        .filter(|n| n.ends_with(".service") && !loader.index.is_alias(n))
        .map(|n| match crate::unit::name::classify(n) {
            Some(crate::unit::name::NameKind::Template) => crate::unit::name::with_instance(n, "i"),
            _ => n.to_string(),
        })
        .collect();
    names.sort();
    names.dedup();
    names
        .par_iter()
        .map(|n| score_name(&loader, n, policy, tables))
        .filter(|o| !matches!(o, Err(LoadError::Masked { .. })))
        .collect()
}
