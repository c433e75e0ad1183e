//! Where a fleet command's document goes: standard output, or a file written atomically
//! through [`crate::files`] (temporary file, fsync, rename).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::files::{FileMeta, Root};

/// Writes `data` to `path` (`-` or `None`: standard output).
pub fn write(path: Option<&Path>, data: &[u8]) -> Result<()> {
    let Some(path) = path.filter(|p| p.as_os_str() != "-") else {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(data)
            .and_then(|()| out.flush())
            .map_err(|e| Error::io("standard output", e));
    };
    let abs: PathBuf = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::io(".", e))?
            .join(path)
    };
    let name = abs
        .file_name()
        .ok_or_else(|| Error::Usage(format!("{}: not a file name", path.display())))?
        .to_string_lossy()
        .into_owned();
    let dir = abs.parent().unwrap_or(Path::new("/"));
    let meta = FileMeta {
        mode: 0o644,
        uid: rustix::process::getuid().as_raw(),
        gid: rustix::process::getgid().as_raw(),
    };
    Root::host()?.dir(dir, None)?.replace(&name, data, meta)
}
