//! Writing the drop-in safely: temp file + fsync + rename in the same directory, the file
//! it replaces kept as a backup, never anything but unitguard's own file.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Where the previous version of a replaced drop-in is kept.
pub fn backup_path(path: &Path) -> PathBuf {
    path.with_extension("conf.unitguard-backup")
}

/// Writes `text` to `path` atomically. If a different file was there, it is kept at
/// `backup_path(path)` first. Returns the backup's path when one was made.
pub fn write_atomic(path: &Path, text: &str) -> Result<Option<PathBuf>> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::Other(format!("{}: no parent directory", path.display())))?;
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut backup = None;
    match std::fs::read(path) {
        Ok(old) if old == text.as_bytes() => return Ok(None),
        Ok(old) => {
            let b = backup_path(path);
            write_file(&b, &old)?;
            backup = Some(b);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(path, e)),
    }
    write_file(path, text.as_bytes())?;
    Ok(backup)
}

/// Replaces `path` with `data`: a temp file in the same directory, fsync, rename, and the
/// directory synced; the temp file is removed when anything fails.
pub fn write_file(path: &Path, data: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.unitguard-tmp-{}",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| Error::io(path, e))
}
