//! Files as root on trees unitguard does not control: every path under a root is resolved
//! inside that root (symlinks included, as systemd chases them), a file is read only when it
//! is a regular file and only up to a cap, and a file is replaced atomically through a
//! temporary file nobody could have planted, keeping the replaced file's mode and owner.
//!
//! One mechanism for every write and delete of the project: [`Root`] opens a directory
//! inside the root with `openat2(RESOLVE_IN_ROOT)`; [`Dir`] then works on names directly in
//! that directory (`openat`, `renameat`, `unlinkat` relative to its descriptor), so nothing a
//! symlink or a rename does later can move a write elsewhere.

pub mod accounts;
pub mod lock;
mod read;

use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use crate::error::{Error, Result};

pub use read::{
    READ_CAP, open_inside, open_regular, read_head_in, read_prefix, read_regular, read_up_to,
};

/// The mode, owner and group of a file, kept when it is replaced or backed up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileMeta {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

impl FileMeta {
    /// A new file of root's with these permission bits.
    pub const fn root(mode: u32) -> Self {
        FileMeta {
            mode,
            uid: 0,
            gid: 0,
        }
    }
}

/// A regular file that was read: its bytes and its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub data: Vec<u8>,
    pub meta: FileMeta,
}

fn errno_io(e: Errno) -> std::io::Error {
    std::io::Error::from_raw_os_error(e.raw_os_error())
}

/// The directory tree a command works on: `/`, or the `--root` it was given.
#[derive(Debug)]
pub struct Root {
    fd: OwnedFd,
    path: PathBuf,
}

impl Root {
    /// This machine's own tree.
    pub fn host() -> Result<Root> {
        Root::open(None)
    }

    /// The tree at `root` (`None`: `/`).
    pub fn open(root: Option<&Path>) -> Result<Root> {
        let path = root.unwrap_or(Path::new("/")).to_path_buf();
        let fd = rustix::fs::open(
            &path,
            OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Error::io(&path, errno_io(e)))?;
        Ok(Root { fd, path })
    }

    /// Where an absolute path inside the root is on this machine (for messages).
    pub fn shown(&self, path: &Path) -> PathBuf {
        crate::unit::search::under_root(Some(&self.path), path)
    }

    fn relative(path: &Path) -> Result<&Path> {
        path.strip_prefix("/").map_err(|_| {
            Error::Other(format!(
                "{}: not an absolute path inside the root",
                path.display()
            ))
        })
    }

    fn open_in(&self, rel: &Path, flags: OFlags) -> std::result::Result<OwnedFd, Errno> {
        let rel = if rel.as_os_str().is_empty() {
            Path::new(".")
        } else {
            rel
        };
        rustix::fs::openat2(
            &self.fd,
            rel,
            flags | OFlags::CLOEXEC,
            Mode::empty(),
            ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
        )
    }

    /// Opens the directory `path` (absolute, inside the root), every symlink on the way
    /// resolved inside the root. With `create`, missing directories are made with that mode.
    pub fn dir(&self, path: &Path, create: Option<u32>) -> Result<Dir> {
        let rel = Self::relative(path)?;
        let shown = self.shown(path);
        let flags = OFlags::DIRECTORY | OFlags::RDONLY;
        match self.open_in(rel, flags) {
            Ok(fd) => return Ok(Dir { fd, shown }),
            Err(Errno::NOENT) if create.is_some() => {}
            Err(e) => return Err(Error::io(&shown, errno_io(e))),
        }
        // Make the missing directories one by one, each in the (resolved) directory above.
        let mode = Mode::from_raw_mode(create.unwrap_or(0o755));
        let mut have = PathBuf::new();
        for part in rel.components() {
            have.push(part);
            match self.open_in(&have, flags) {
                Ok(_) => continue,
                Err(Errno::NOENT) => {}
                Err(e) => {
                    return Err(Error::io(
                        self.shown(&Path::new("/").join(&have)),
                        errno_io(e),
                    ));
                }
            }
            let parent = have.parent().unwrap_or(Path::new(""));
            let parent_fd = self
                .open_in(parent, flags)
                .map_err(|e| Error::io(self.shown(&Path::new("/").join(parent)), errno_io(e)))?;
            let name = have.file_name().unwrap_or_default();
            match rustix::fs::mkdirat(&parent_fd, name, mode) {
                Ok(()) | Err(Errno::EXIST) => {}
                Err(e) => {
                    return Err(Error::io(
                        self.shown(&Path::new("/").join(&have)),
                        errno_io(e),
                    ));
                }
            }
        }
        self.open_in(rel, flags)
            .map(|fd| Dir {
                fd,
                shown: shown.clone(),
            })
            .map_err(|e| Error::io(&shown, errno_io(e)))
    }
}

/// An open directory: every operation is on a name directly inside it.
#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
    shown: PathBuf,
}

/// A refusal: `path` is there but is not something unitguard will read or replace.
fn refuse(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::Refused {
        path: path.to_path_buf(),
        reason: why.to_string(),
    }
}

/// What a non-regular file is, in words.
pub fn kind_of(ft: rustix::fs::FileType) -> &'static str {
    use rustix::fs::FileType as T;
    match ft {
        T::Directory => "a directory",
        T::Fifo => "a FIFO",
        T::Socket => "a socket",
        T::BlockDevice => "a block device",
        T::CharacterDevice => "a character device",
        T::Symlink => "a symlink",
        _ => "not a regular file",
    }
}

impl Dir {
    /// The directory's path on this machine.
    pub fn path(&self) -> &Path {
        &self.shown
    }

    /// The path of `name` in this directory, for messages.
    pub fn shown(&self, name: &str) -> PathBuf {
        self.shown.join(name)
    }

    /// `name`'s metadata without following a symlink; `None` when there is no such entry.
    pub fn lstat(&self, name: &str) -> Result<Option<rustix::fs::Stat>> {
        match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(st)),
            Err(Errno::NOENT) => Ok(None),
            Err(e) => Err(Error::io(self.shown(name), errno_io(e))),
        }
    }

    /// Opens `name` for reading if it is a regular file (`None`: no such file). A symlink,
    /// FIFO, device or directory is refused, and opening never blocks.
    pub fn open_regular(&self, name: &str) -> Result<Option<(std::fs::File, rustix::fs::Stat)>> {
        let shown = self.shown(name);
        let fd = match rustix::fs::openat(
            &self.fd,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY,
            Mode::empty(),
        ) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(None),
            Err(Errno::LOOP) => {
                return Err(refuse(&shown, "is a symlink; unitguard does not follow it"));
            }
            Err(e) => return Err(Error::io(&shown, errno_io(e))),
        };
        let st = rustix::fs::fstat(&fd).map_err(|e| Error::io(&shown, errno_io(e)))?;
        let ft = rustix::fs::FileType::from_raw_mode(st.st_mode);
        if ft != rustix::fs::FileType::RegularFile {
            return Err(refuse(
                &shown,
                format!("is {}, not a regular file", kind_of(ft)),
            ));
        }
        Ok(Some((std::fs::File::from(fd), st)))
    }

    /// Reads `name` if it is a regular file of at most `cap` bytes (`None`: no such file).
    /// A symlink, FIFO, device or directory is refused, and opening never blocks.
    pub fn read(&self, name: &str, cap: u64) -> Result<Option<Existing>> {
        let Some((file, st)) = self.open_regular(name)? else {
            return Ok(None);
        };
        let data = read::read_capped(file, cap, &self.shown(name))?;
        Ok(Some(Existing {
            data,
            meta: meta_of(&st),
        }))
    }

    /// The names of the regular files directly in this directory (symlinks and everything
    /// else left out), sorted.
    pub fn regular_files(&self) -> Result<Vec<String>> {
        let fd = rustix::fs::openat(
            &self.fd,
            ".",
            OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Error::io(&self.shown, errno_io(e)))?;
        let dir =
            rustix::fs::Dir::read_from(&fd).map_err(|e| Error::io(&self.shown, errno_io(e)))?;
        let mut names = Vec::new();
        for entry in dir {
            let entry = entry.map_err(|e| Error::io(&self.shown, errno_io(e)))?;
            let Ok(name) = entry.file_name().to_str() else {
                continue;
            };
            if name == "." || name == ".." {
                continue;
            }
            let regular = match entry.file_type() {
                rustix::fs::FileType::RegularFile => true,
                rustix::fs::FileType::Unknown => self.lstat(name)?.is_some_and(|st| {
                    rustix::fs::FileType::from_raw_mode(st.st_mode)
                        == rustix::fs::FileType::RegularFile
                }),
                _ => false,
            };
            if regular {
                names.push(name.to_string());
            }
        }
        names.sort();
        Ok(names)
    }

    /// Replaces `name` with `data` atomically: a new temporary file with an unpredictable
    /// name (`O_CREAT|O_EXCL|O_NOFOLLOW`, so nothing planted is ever opened), given `meta`'s
    /// mode and owner, written, fsynced and renamed over `name`; the directory is fsynced.
    /// A symlink at `name` is replaced, never followed.
    pub fn replace(&self, name: &str, data: &[u8], meta: FileMeta) -> Result<()> {
        let shown = self.shown(name);
        if let Some(st) = self.lstat(name)? {
            let ft = rustix::fs::FileType::from_raw_mode(st.st_mode);
            if !matches!(ft, rustix::fs::FileType::RegularFile) {
                return Err(refuse(
                    &shown,
                    format!("is {}; unitguard only replaces regular files", kind_of(ft)),
                ));
            }
        }
        let (tmp, fd) = self.create_temp(name)?;
        let result = (|| -> std::result::Result<(), Errno> {
            rustix::fs::fchown(
                &fd,
                Some(rustix::fs::Uid::from_raw(meta.uid)),
                Some(rustix::fs::Gid::from_raw(meta.gid)),
            )?;
            rustix::fs::fchmod(&fd, Mode::from_raw_mode(meta.mode & 0o7777))?;
            let mut f = std::fs::File::from(
                fd.try_clone()
                    .map_err(|e| Errno::from_io_error(&e).unwrap_or(Errno::IO))?,
            );
            f.write_all(data)
                .map_err(|e| Errno::from_io_error(&e).unwrap_or(Errno::IO))?;
            rustix::fs::fsync(&fd)?;
            rustix::fs::renameat(&self.fd, tmp.as_str(), &self.fd, name)?;
            let _ = rustix::fs::fsync(&self.fd);
            Ok(())
        })();
        if let Err(e) = result {
            let _ = rustix::fs::unlinkat(&self.fd, tmp.as_str(), AtFlags::empty());
            return Err(Error::io(&shown, errno_io(e)));
        }
        Ok(())
    }

    /// A new, empty temporary file beside `name`, readable only by root until it is given
    /// its final mode.
    fn create_temp(&self, name: &str) -> Result<(String, OwnedFd)> {
        for _ in 0..16 {
            let mut random = [0u8; 12];
            rustix::rand::getrandom(&mut random, rustix::rand::GetRandomFlags::empty())
                .map_err(|e| Error::io(self.shown(name), errno_io(e)))?;
            let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
            let tmp = format!(".{name}.unitguard-{suffix}");
            match rustix::fs::openat(
                &self.fd,
                tmp.as_str(),
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            ) {
                Ok(fd) => return Ok((tmp, fd)),
                Err(Errno::EXIST) => continue,
                Err(e) => return Err(Error::io(self.shown(&tmp), errno_io(e))),
            }
        }
        Err(Error::Other(format!(
            "{}: could not create a temporary file beside it",
            self.shown(name).display()
        )))
    }

    /// Removes the regular file (or symlink: the link itself) `name`; `false` when there was
    /// none. Anything else is refused.
    pub fn remove(&self, name: &str) -> Result<bool> {
        let shown = self.shown(name);
        let Some(st) = self.lstat(name)? else {
            return Ok(false);
        };
        let ft = rustix::fs::FileType::from_raw_mode(st.st_mode);
        if !matches!(
            ft,
            rustix::fs::FileType::RegularFile | rustix::fs::FileType::Symlink
        ) {
            return Err(refuse(
                &shown,
                format!("is {}; unitguard only removes files", kind_of(ft)),
            ));
        }
        match rustix::fs::unlinkat(&self.fd, name, AtFlags::empty()) {
            Ok(()) => {
                let _ = rustix::fs::fsync(&self.fd);
                Ok(true)
            }
            Err(Errno::NOENT) => Ok(false),
            Err(e) => Err(Error::io(&shown, errno_io(e))),
        }
    }

    /// Makes `name` hold exactly `content` (`None`: no file), keeping no backup.
    pub fn put(&self, name: &str, content: Option<(&[u8], FileMeta)>) -> Result<()> {
        match content {
            Some((data, meta)) => self.replace(name, data, meta),
            None => self.remove(name).map(|_| ()),
        }
    }

    /// Opens (creating it 0600 if needed) `name` for reading and writing, never following a
    /// symlink; refused unless it is a regular file.
    pub(crate) fn open_rw(&self, name: &str) -> Result<std::fs::File> {
        let shown = self.shown(name);
        let fd = rustix::fs::openat(
            &self.fd,
            name,
            OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .map_err(|e| match e {
            Errno::LOOP => refuse(&shown, "is a symlink; unitguard does not follow it"),
            e => Error::io(&shown, errno_io(e)),
        })?;
        let st = rustix::fs::fstat(&fd).map_err(|e| Error::io(&shown, errno_io(e)))?;
        let ft = rustix::fs::FileType::from_raw_mode(st.st_mode);
        if ft != rustix::fs::FileType::RegularFile {
            return Err(refuse(
                &shown,
                format!("is {}, not a regular file", kind_of(ft)),
            ));
        }
        Ok(std::fs::File::from(fd))
    }
}

fn meta_of(st: &rustix::fs::Stat) -> FileMeta {
    FileMeta {
        mode: st.st_mode & 0o7777,
        uid: st.st_uid,
        gid: st.st_gid,
    }
}

#[cfg(test)]
mod tests;
