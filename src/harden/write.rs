//! Writing the drop-in: inside the root (every symlink on the way resolved inside it), through
//! a temporary file nobody could have planted, fsynced and renamed; the file it replaces is
//! kept as a backup with its mode and owner; never anything but unitguard's own file name.

use std::path::{Path, PathBuf};

use super::DROPIN_NAME;
use crate::error::{Error, Result};
use crate::files::{Dir, Existing, FileMeta, READ_CAP, Root};

/// The backup of a replaced drop-in: a name systemd does not read (not `*.conf`).
pub const BACKUP_NAME: &str = "hardening.conf.unitguard-backup";

/// The mode of a drop-in unitguard creates.
pub const DROPIN_MODE: u32 = 0o644;

/// Where the previous version of a replaced drop-in is kept.
pub fn backup_path(path: &Path) -> PathBuf {
    path.with_file_name(BACKUP_NAME)
}

/// The drop-in directory of `unit`, `/etc/systemd/system/<unit>.d`, inside `root`; made
/// (0755) when `create`.
pub fn dropin_dir(root: &Root, unit: &str, create: bool) -> Result<Dir> {
    if !crate::unit::name::is_valid(unit) {
        return Err(Error::Other(format!("{unit:?} is not a unit name")));
    }
    root.dir(
        Path::new(&format!("/etc/systemd/system/{unit}.d")),
        create.then_some(0o755),
    )
}

/// What [`write_dropin`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The drop-in, as a path on this machine.
    pub path: PathBuf,
    /// Where the file it replaced was kept, when there was a different one.
    pub backup: Option<PathBuf>,
}

/// Writes `text` as `unit`'s drop-in under `root`. A different file there is kept as the
/// backup first (its mode and owner kept); a new drop-in is root's, mode 0644.
pub fn write_dropin(root: &Root, unit: &str, text: &str) -> Result<Written> {
    let dir = dropin_dir(root, unit, true)?;
    let path = dir.shown(DROPIN_NAME);
    let mut backup = None;
    let old: Option<Existing> = dir.read(DROPIN_NAME, READ_CAP)?;
    let meta = match &old {
        Some(old) if old.data == text.as_bytes() => return Ok(Written { path, backup }),
        Some(old) => {
            dir.replace(BACKUP_NAME, &old.data, old.meta)?;
            backup = Some(dir.shown(BACKUP_NAME));
            old.meta
        }
        None => FileMeta::root(DROPIN_MODE),
    };
    dir.replace(DROPIN_NAME, text.as_bytes(), meta)?;
    Ok(Written { path, backup })
}
