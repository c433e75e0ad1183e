//! The apply journal: before unitguard changes anything it records what the drop-in was,
//! so that a run killed at any step is repaired by the next one.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::harden::write::write_atomic;

pub const STATE_DIR: &str = "/var/lib/unitguard/apply";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApplyState {
    pub unit: String,
    pub dropin: PathBuf,
    /// The drop-in's content before this run (`None`: there was none).
    pub previous: Option<String>,
    /// The last step reached, for the report.
    pub step: String,
}

pub fn state_path(unit: &str) -> PathBuf {
    PathBuf::from(STATE_DIR).join(format!("{unit}.json"))
}

pub fn load(unit: &str) -> Result<Option<ApplyState>> {
    let p = state_path(unit);
    match std::fs::read_to_string(&p) {
        Ok(t) => serde_json::from_str(&t).map(Some).map_err(|e| {
            Error::Other(format!(
                "{}: unreadable apply journal ({e}); remove it after checking {}",
                p.display(),
                unit
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(&p, e)),
    }
}

pub fn save(s: &ApplyState) -> Result<()> {
    let text = serde_json::to_string_pretty(s).map_err(|e| Error::Other(e.to_string()))?;
    write_atomic(&state_path(&s.unit), &text).map(|_| ())
}

pub fn clear(unit: &str) -> Result<()> {
    match std::fs::remove_file(state_path(unit)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(state_path(unit), e)),
    }
}

/// Puts the drop-in back as it was before the run recorded in `s`.
pub fn restore_previous(s: &ApplyState) -> Result<()> {
    match &s.previous {
        Some(text) => write_atomic(&s.dropin, text).map(|_| ()),
        None => match std::fs::remove_file(&s.dropin) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(&s.dropin, e)),
        },
    }
}
