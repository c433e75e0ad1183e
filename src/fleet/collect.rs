//! One host's state as one JSON document (`unitguard collect`): host facts, the systemd
//! version, every service's assessment with its files, the forwarders and the checklist.
//! It is what `unitguard report` reads, one file per host.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::baseline::Baseline;
use super::checklist::{self, Checklist};
use super::forwarders::{self, Forwarder};
use super::host::{self, HostFacts};
use super::inventory::{self, Inventory, UnitFailure, UnitRecord};
use super::progress::Progress;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::systemd::{self, Source};

pub const FORMAT: &str = "unitguard host state";
pub const VERSION: u32 = 1;

/// The document `collect` writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostState {
    pub format: String,
    pub version: u32,
    pub host: HostFacts,
    /// Every service, sorted by name.
    pub units: Vec<UnitRecord>,
    pub not_scored: Vec<UnitFailure>,
    pub forwarders: Vec<Forwarder>,
    pub checklist: Checklist,
}

impl HostState {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a host state serializes") + "\n"
    }

    /// Reads a collected file, naming it (and the line) when it is not one.
    pub fn load(path: &Path) -> Result<HostState> {
        let data = crate::files::read_regular(path, 256 << 20).map_err(|e| Error::io(path, e))?;
        let bad = |message: String| Error::BadInput {
            path: path.to_path_buf(),
            message,
        };
        let s: HostState = serde_json::from_slice(&data).map_err(|e| {
            bad(format!(
                "line {}: not a unitguard host state: {e}",
                e.line()
            ))
        })?;
        if s.format != FORMAT || s.version != VERSION {
            return Err(bad(format!(
                "format \"{}\" version {}, expected \"{FORMAT}\" version {VERSION}",
                s.format, s.version
            )));
        }
        Ok(s)
    }
}

/// Scores every service of this host (live when a manager answers and neither `--offline`
/// nor `--root` is given), with the host's facts.
/// `context` builds the run's context from the manager's version (live) or from the tree
/// (`None`).
pub fn gather(
    root: Option<&Path>,
    offline: bool,
    context: impl Fn(Option<&str>) -> Result<Context>,
) -> Result<(HostFacts, Inventory)> {
    let source = if offline {
        Source::Offline("--offline".into())
    } else {
        systemd::choose_source(root, &[])
    };
    match source {
        Source::Live(m) => {
            let ctx = context(Some(m.version()))?;
            let progress = Progress::new("scoring services");
            let inv = inventory::live(&m, &ctx, |d, t| progress.set(d, t))?;
            Ok((host::facts(None, Some(m.version())), inv))
        }
        Source::Offline(why) => {
            if !offline && root.is_none() {
                eprintln!("unitguard: {why}; reading unit files offline");
            }
            let ctx = context(None)?;
            Ok((host::facts(root, None), inventory::offline(&ctx)))
        }
    }
}

/// The whole state of a host.
pub fn state(
    facts: HostFacts,
    inv: Inventory,
    root: Option<&Path>,
    baseline: Option<(&str, &Baseline)>,
) -> HostState {
    let forwarders = forwarders::detect(root, &inv.units);
    let checklist = checklist::evaluate(&inv.units, baseline, &forwarders);
    HostState {
        format: FORMAT.into(),
        version: VERSION,
        host: facts,
        units: inv.units,
        not_scored: inv.failures,
        forwarders,
        checklist,
    }
}
