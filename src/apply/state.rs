//! The apply journal: before unitguard changes anything it records what the drop-in (and the
//! backup `harden --write`/`apply` keep beside it) was, so that a run killed at any step is
//! repaired by the next one.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::harden::write::backup_path;

pub const STATE_DIR: &str = "/var/lib/unitguard/apply";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApplyState {
    pub unit: String,
    pub dropin: PathBuf,
    /// The drop-in's content before this run (`None`: there was none).
    pub previous: Option<String>,
    /// The content of the drop-in's backup (`hardening.conf.unitguard-backup`, what
    /// `rollback` restores) before this run (`None`: there was none).
    #[serde(default)]
    pub previous_backup: Option<String>,
    /// Whether `previous_backup` was recorded (journals of older versions lack it: their
    /// backup is then left alone).
    #[serde(default)]
    pub backup_recorded: bool,
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

/// Reads a file that may be missing.
pub fn read_optional(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Makes `path` hold exactly `text` (`None`: no file), atomically (temp file, fsync, rename)
/// and without keeping any backup.
pub fn put_exact(path: &Path, text: Option<&str>) -> Result<()> {
    let Some(text) = text else {
        return match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(path, e)),
        };
    };
    let dir = path
        .parent()
        .ok_or_else(|| Error::Other(format!("{}: no parent directory", path.display())))?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    crate::harden::write::write_file(path, text.as_bytes())
}

pub fn save(s: &ApplyState) -> Result<()> {
    let text = serde_json::to_string_pretty(s).map_err(|e| Error::Other(e.to_string()))?;
    put_exact(&state_path(&s.unit), Some(&text))
}

pub fn clear(unit: &str) -> Result<()> {
    put_exact(&state_path(unit), None)
}

/// Puts the drop-in and its backup back exactly as they were before the run recorded in `s`
/// (no new backup: the file being replaced is the one that failed).
pub fn restore_previous(s: &ApplyState) -> Result<()> {
    put_exact(&s.dropin, s.previous.as_deref())?;
    if s.backup_recorded {
        put_exact(&backup_path(&s.dropin), s.previous_backup.as_deref())?;
    }
    Ok(())
}
