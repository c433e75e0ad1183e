//! The apply journal and the unit's lock. Before unitguard changes anything it records what
//! the drop-in and its backup were (contents, mode, owner) and whether the unit was running,
//! so that a run killed at any step is repaired by the next one. One run at a time works on
//! a unit: a [`Session`] holds the unit's lock for as long as it exists.
//!
//! A journal is only trusted after checking it: it must be a regular file in the state
//! directory, about the unit asked for, naming exactly that unit's drop-in.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::files::{Dir, Existing, FileMeta, READ_CAP, Root, lock::UnitLock};
use crate::harden::write::{BACKUP_NAME, dropin_dir};
use crate::harden::{DROPIN_NAME, dropin_path};
use crate::systemd::control::Control;

pub const STATE_DIR: &str = "/var/lib/unitguard/apply";

/// A file as it was: its text, mode and owner.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Saved {
    pub text: String,
    pub meta: FileMeta,
}

impl Saved {
    fn of(e: Existing, path: &Path) -> Result<Saved> {
        let text = String::from_utf8(e.data).map_err(|_| Error::Refused {
            path: path.to_path_buf(),
            reason: "is not UTF-8 text; unitguard will not replace it".into(),
        })?;
        Ok(Saved { text, meta: e.meta })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ApplyState {
    pub unit: String,
    pub dropin: PathBuf,
    /// The drop-in before this run (`None`: there was none).
    pub previous: Option<Saved>,
    /// Its backup (`hardening.conf.unitguard-backup`, what `rollback` restores) before this run.
    pub previous_backup: Option<Saved>,
    /// Whether the unit was running before this run: a repair puts it back the same way.
    pub was_running: bool,
    /// The last step reached, for the report.
    pub step: String,
}

/// One command's hold on one unit: the manager, the unit's lock (released when dropped) and
/// its journal in the state directory.
pub struct Session {
    pub ctl: Control,
    pub unit: String,
    state_dir: Dir,
    _lock: UnitLock,
}

impl Session {
    /// Connects to the manager, makes the state directory (0700) and takes the unit's lock
    /// for `command`; refused when another unitguard run holds it.
    pub fn open(unit: &str, command: &str) -> Result<Session> {
        if !crate::unit::name::is_valid(unit) {
            return Err(Error::Other(format!("{unit:?} is not a unit name")));
        }
        let ctl = Control::connect()?;
        let state_dir = Root::host()?.dir(Path::new(STATE_DIR), Some(0o700))?;
        let lock = UnitLock::acquire(&state_dir, unit, command)?;
        Ok(Session {
            ctl,
            unit: unit.to_string(),
            state_dir,
            _lock: lock,
        })
    }

    fn journal_name(&self) -> String {
        format!("{}.json", self.unit)
    }

    /// The journal of an interrupted run on this unit, checked.
    pub fn load(&self) -> Result<Option<ApplyState>> {
        let name = self.journal_name();
        let path = self.state_dir.shown(&name);
        let Some(e) = self.state_dir.read(&name, READ_CAP)? else {
            return Ok(None);
        };
        let s: ApplyState = serde_json::from_slice(&e.data).map_err(|err| Error::Refused {
            path: path.clone(),
            reason: format!(
                "unreadable apply journal ({err}); check {} by hand, then remove it",
                self.unit
            ),
        })?;
        let want = dropin_path(&self.unit);
        if s.unit != self.unit || s.dropin != want {
            return Err(Error::Refused {
                path,
                reason: format!(
                    "this apply journal names unit {:?} and drop-in {}, not {}'s {}; unitguard will not act on it (remove it after checking)",
                    s.unit,
                    s.dropin.display(),
                    self.unit,
                    want.display()
                ),
            });
        }
        Ok(Some(s))
    }

    /// Writes the journal (0600).
    pub fn save(&self, s: &ApplyState) -> Result<()> {
        let text = serde_json::to_vec_pretty(s).map_err(|e| Error::Other(e.to_string()))?;
        self.state_dir
            .replace(&self.journal_name(), &text, FileMeta::root(0o600))
    }

    pub fn clear(&self) -> Result<()> {
        self.state_dir.remove(&self.journal_name()).map(drop)
    }

    /// The unit's drop-in directory (made when `create`).
    pub fn dropin_dir(&self, create: bool) -> Result<Dir> {
        dropin_dir(&Root::host()?, &self.unit, create)
    }

    /// The drop-in and its backup as they are now.
    pub fn current_files(&self) -> Result<(Option<Saved>, Option<Saved>)> {
        let dir = match self.dropin_dir(false) {
            Ok(d) => d,
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                return Ok((None, None));
            }
            Err(e) => return Err(e),
        };
        let read = |name: &str| -> Result<Option<Saved>> {
            dir.read(name, READ_CAP)?
                .map(|e| Saved::of(e, &dir.shown(name)))
                .transpose()
        };
        Ok((read(DROPIN_NAME)?, read(BACKUP_NAME)?))
    }

    /// Puts the drop-in and its backup back exactly as `s` recorded them (no new backup: the
    /// file being replaced is the one that failed).
    pub fn restore_files(&self, s: &ApplyState) -> Result<()> {
        let create = s.previous.is_some() || s.previous_backup.is_some();
        let dir = match self.dropin_dir(create) {
            Ok(d) => d,
            // Nothing to put back and no directory: the run never got to write.
            Err(Error::Io { source, .. })
                if !create && source.kind() == std::io::ErrorKind::NotFound =>
            {
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let put = |name: &str, saved: &Option<Saved>| {
            dir.put(name, saved.as_ref().map(|x| (x.text.as_bytes(), x.meta)))
        };
        put(DROPIN_NAME, &s.previous)?;
        put(BACKUP_NAME, &s.previous_backup)
    }

    /// Repairs a run that was interrupted (its journal is still there): the drop-in and its
    /// backup are put back as they were, the manager reloaded and the unit returned to the
    /// state it was in. Returns the step the run had reached.
    pub fn repair(&self) -> Result<Option<String>> {
        // A learn run killed midway left a runtime drop-in: it goes first.
        let learned = crate::learn::unit::repair(self)?;
        let Some(s) = self.load()? else {
            return Ok(learned);
        };
        eprintln!(
            "unitguard: {}: an earlier run stopped at step '{}'; restoring the previous drop-in",
            self.unit, s.step
        );
        self.restore_files(&s)?;
        self.ctl.reload()?;
        let before = crate::systemd::control::UnitState {
            active_state: if s.was_running { "active" } else { "inactive" }.into(),
            ..Default::default()
        };
        self.ctl.return_to(&self.unit, &before)?;
        self.clear()?;
        Ok(Some(s.step))
    }
}
