//! The one unit that `harden`, `apply`, `rollback` and `denials` work on: their argument is
//! resolved exactly as `audit` resolves it (a unit name, an alias, or the path of a unit
//! file), after reading a bare name as `systemctl` does (`nginx` means `nginx.service`).
//! Everything they write or read afterwards is derived from the resolved id, never from the
//! argument's text: `rollback /tmp/foo.service` is about the unit `foo.service`.

use std::path::PathBuf;

use super::name::{self, NameKind};
use super::{LoadError, LoadedUnit};

/// A resolved unit argument.
#[derive(Debug, Clone)]
pub struct Target {
    /// The argument as audit reads it: a path, or a unit name (`nginx` → `nginx.service`).
    pub argument: PathBuf,
    /// The unit as loaded: its id is the alias target for an alias, and a template is loaded
    /// as the instance `i` (as `systemd-analyze security` does offline).
    pub unit: LoadedUnit,
    /// Whether the argument names a template (`foo@.service`) rather than one instance.
    pub template: bool,
}

impl Target {
    /// The unit's id.
    pub fn id(&self) -> &str {
        &self.unit.id
    }

    /// The unit whose drop-in directory holds unitguard's drop-in: the unit itself, or for a
    /// template the template (`foo@.service.d/` applies to every instance).
    pub fn dropin_unit(&self) -> String {
        if self.template {
            name::template_of(&self.unit.id).unwrap_or_else(|| self.unit.id.clone())
        } else {
            self.unit.id.clone()
        }
    }

    /// For the commands that act on one running unit: refuses a template, which never runs
    /// itself (its instances do).
    pub fn require_instance(&self, command: &str) -> crate::Result<&str> {
        if self.template {
            let t = self.dropin_unit();
            return Err(crate::Error::Usage(format!(
                "{t} is a template: name an instance for `unitguard {command}` (e.g. {}); `unitguard harden {t} --write` writes a drop-in for every instance",
                name::with_instance(&t, "NAME")
            )));
        }
        Ok(&self.unit.id)
    }
}

/// A unit argument as `systemctl` reads it: a path (anything with a `/`) stays a path; a
/// name without a unit type is a service (`nginx` → `nginx.service`); other bytes a unit name
/// cannot hold are escaped as systemd does.
pub fn mangle(arg: &str) -> PathBuf {
    if arg.contains('/') {
        return PathBuf::from(arg);
    }
    PathBuf::from(crate::systemd::mangle(arg).unwrap_or_else(|| arg.to_string()))
}

/// Resolves `arg` under the context's root (`None`: this machine) to the unit it names, as the
/// context's systemd version finds it.
pub fn resolve(arg: &str, ctx: &crate::context::Context) -> Result<Target, LoadError> {
    let argument = mangle(arg);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let loader = ctx.loader(std::slice::from_ref(&argument), &cwd);
    let name = ctx.name_for_argument(&argument)?;
    let unit = loader.load(&name)?;
    let base = argument
        .file_name()
        .map(|b| b.to_string_lossy().into_owned())
        .unwrap_or_default();
    let template = name::classify(&base) == Some(NameKind::Template);
    Ok(Target {
        argument,
        unit,
        template,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_names_are_services_and_paths_stay_paths() {
        assert_eq!(mangle("nginx"), PathBuf::from("nginx.service"));
        assert_eq!(mangle("nginx.service"), PathBuf::from("nginx.service"));
        assert_eq!(mangle("foo@.service"), PathBuf::from("foo@.service"));
        assert_eq!(
            mangle("/tmp/foo.service"),
            PathBuf::from("/tmp/foo.service")
        );
        assert_eq!(mangle("./x.service"), PathBuf::from("./x.service"));
    }
}
