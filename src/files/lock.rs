//! One run at a time per unit: an exclusive `flock` on `<unit>.lock` in the state directory,
//! held by `apply`, `rollback`, `learn` and the repair of an interrupted run for as long as
//! they work on the unit. The kernel drops it when the process ends, however it ends, so a
//! killed run never leaves a stale lock; the file only says who holds it.

use std::io::{Read, Seek, Write};

use rustix::fs::FlockOperation;
use rustix::io::Errno;

use super::Dir;
use crate::error::{Error, Result};

/// Held while a command works on one unit; released when dropped.
#[derive(Debug)]
pub struct UnitLock {
    _file: std::fs::File,
}

impl UnitLock {
    /// Takes the lock of `unit` (a valid unit name) in `dir` for `command`, or says who holds
    /// it: "another unitguard apply (pid 123) is working on nginx.service".
    pub fn acquire(dir: &Dir, unit: &str, command: &str) -> Result<UnitLock> {
        let name = format!("{unit}.lock");
        let mut file = dir.open_rw(&name)?;
        match rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(Errno::WOULDBLOCK) => {
                let mut holder = String::new();
                let _ = (&file).take(256).read_to_string(&mut holder);
                let mut words = holder.split_whitespace();
                let pid = words.next().unwrap_or("?");
                let cmd = words.next().unwrap_or("command");
                return Err(Error::Busy(format!(
                    "another unitguard {cmd} (pid {pid}) is working on {unit}; try again when it has finished"
                )));
            }
            Err(e) => {
                return Err(Error::io(
                    dir.shown(&name),
                    std::io::Error::from_raw_os_error(e.raw_os_error()),
                ));
            }
        }
        let who = format!("{} {command}\n", std::process::id());
        let wrote = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(who.as_bytes()));
        wrote.map_err(|e| Error::io(dir.shown(&name), e))?;
        Ok(UnitLock { _file: file })
    }
}
