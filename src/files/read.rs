//! Bounded reads of regular files: a FIFO, device or directory is refused before a byte is
//! read (the open itself never blocks), and no file is read past a cap, however large it
//! claims to be (a sparse 15 TB file costs nothing).

use std::io::Read;
use std::path::Path;

use rustix::fs::{Mode, OFlags};

use crate::error::{Error, Result};

/// The most of a unit file, drop-in, backup or state journal unitguard reads: systemd's
/// longest line is 1 MiB, and real unit files are a few KiB.
pub const READ_CAP: u64 = 8 << 20;

/// Opens `path` (following symlinks, as systemd's fopen() does) without blocking on a FIFO
/// and refuses anything that is not a regular file.
fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY,
        Mode::empty(),
    )
    .map_err(std::io::Error::from)?;
    let st = rustix::fs::fstat(&fd).map_err(std::io::Error::from)?;
    let ft = rustix::fs::FileType::from_raw_mode(st.st_mode);
    match ft {
        rustix::fs::FileType::RegularFile => Ok(std::fs::File::from(fd)),
        rustix::fs::FileType::Directory => Err(std::io::Error::from_raw_os_error(21)),
        other => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{}, not a regular file", super::kind_of(other)),
        )),
    }
}

/// The bytes of the regular file `path`, at most `cap` of them: a longer file is an
/// `InvalidData` error saying so. A directory fails with EISDIR, as a read of it does; a FIFO,
/// socket or device with `InvalidInput`.
pub fn read_regular(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    read_up_to(file, cap)
}

fn read_up_to(file: std::fs::File, cap: u64) -> std::io::Result<Vec<u8>> {
    let hint = file.metadata().map_or(0, |m| m.len()).min(cap);
    let mut data = Vec::with_capacity(hint as usize + 1);
    file.take(cap + 1).read_to_end(&mut data)?;
    if data.len() as u64 > cap {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "larger than {} MiB, more than any unit file needs; not read",
                cap >> 20
            ),
        ));
    }
    Ok(data)
}

/// [`read_regular`] for an already open file, with the error naming `shown`.
pub(super) fn read_capped(file: std::fs::File, cap: u64, shown: &Path) -> Result<Vec<u8>> {
    read_up_to(file, cap).map_err(|e| Error::io(shown, e))
}

/// The first `max` bytes of the regular file `path` (all of it when shorter): for looking
/// into binaries and configuration files without reading them whole.
pub fn read_prefix(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    let mut data = Vec::new();
    file.take(max).read_to_end(&mut data)?;
    Ok(data)
}
