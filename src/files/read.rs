//! Bounded reads of regular files: a FIFO, device or directory is refused before a byte is
//! read (the open itself never blocks), and no file is read past a cap, however large it
//! claims to be (a sparse 15 TB file costs nothing).

use std::io::Read;
use std::path::Path;

use rustix::fs::{Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use crate::error::{Error, Result};

/// The most of a unit file, drop-in, backup or state journal unitguard reads: systemd's
/// longest line is 1 MiB, and real unit files are a few KiB.
pub const READ_CAP: u64 = 8 << 20;

/// Opens `path` (following symlinks, as systemd's fopen() does) without blocking on a FIFO
/// and refuses anything that is not a regular file.
pub fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY,
        Mode::empty(),
    )
    .map_err(std::io::Error::from)?;
    regular_only(fd)
}

/// The open file `fd` if it is a regular file; EISDIR for a directory, `InvalidInput` for
/// anything else.
fn regular_only(fd: rustix::fd::OwnedFd) -> std::io::Result<std::fs::File> {
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

pub fn read_up_to(file: std::fs::File, cap: u64) -> std::io::Result<Vec<u8>> {
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

/// Opens the regular file `path`, a path on this machine below `root`, where the host's
/// kernel resolves it (as systemd's fopen() does), but only when that is inside `root`: a
/// symlink that leads out of the tree is refused. The file is opened beneath the root with no
/// symlink allowed on the way, so a link swapped in meanwhile fails the open rather than
/// leading elsewhere. A path that is not below `root` at all (a file named on the command
/// line) is opened as it is.
pub fn open_inside(root: &Path, path: &Path) -> std::io::Result<std::fs::File> {
    let Ok(rel) = path.strip_prefix(root) else {
        return open_regular(path);
    };
    let beneath = |root: &Path, rel: &Path| -> std::io::Result<std::fs::File> {
        let dir = rustix::fs::open(
            root,
            OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        let rel = if rel.as_os_str().is_empty() {
            Path::new(".")
        } else {
            rel
        };
        let fd = rustix::fs::openat2(
            &dir,
            rel,
            OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY,
            Mode::empty(),
            ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS,
        )?;
        regular_only(fd)
    };
    // Most files have no symlink on the way: one open.
    match beneath(root, rel) {
        // ELOOP: a symlink on the way; EXDEV: a `..` or link that climbs out.
        Err(e)
            if [Errno::LOOP, Errno::XDEV]
                .iter()
                .any(|x| e.raw_os_error() == Some(x.raw_os_error())) => {}
        other => return other,
    }
    let real_root = std::fs::canonicalize(root)?;
    let real = std::fs::canonicalize(path)?;
    let Ok(rel) = real.strip_prefix(&real_root) else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "a symlink that leads out of the root, to {}; not read",
                real.display()
            ),
        ));
    };
    beneath(&real_root, rel)
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

/// The first `max` bytes of the regular file `path`, a path on this machine below `root`
/// (see [`open_inside`]; `None`: this machine's own tree). For configuration files and
/// programs looked into: a FIFO, device or symlink out of the tree is refused, never read.
pub fn read_head_in(root: Option<&Path>, path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let file = match root.filter(|r| *r != Path::new("/")) {
        Some(r) => open_inside(r, path)?,
        None => open_regular(path)?,
    };
    let mut data = Vec::new();
    file.take(max).read_to_end(&mut data)?;
    Ok(data)
}
