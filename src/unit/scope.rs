//! Which manager's units a run looks at: the system manager's (the default) or the calling
//! user's (`--user`). Like systemd-analyze's `arg_scope`, it is one setting for the whole
//! process, chosen once from the command line before any unit is read.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    #[default]
    System,
    User,
}

static SCOPE: OnceLock<Scope> = OnceLock::new();

/// Sets the scope of this run; only the first call counts.
pub fn set(scope: Scope) {
    let _ = SCOPE.set(scope);
}

/// The scope of this run (system unless `--user` was given).
pub fn current() -> Scope {
    SCOPE.get().copied().unwrap_or_default()
}

/// systemd 252's user unit path (lookup_paths_init() for the user scope), highest priority
/// first, from the environment as `systemd-analyze --user unit-paths` reads it: `$HOME` (else
/// the password database), `$XDG_CONFIG_HOME`, `$XDG_CONFIG_DIRS`, `$XDG_DATA_HOME`,
/// `$XDG_DATA_DIRS`, and `$XDG_RUNTIME_DIR` for the runtime directories (left out without it).
/// A variable set to the empty string counts as an empty prefix, as it does there.
pub fn user_unit_path(var: impl Fn(&str) -> Option<String>, cwd: &Path) -> Vec<PathBuf> {
    let home = var("HOME").unwrap_or_else(home_from_passwd);
    let config_home = var("XDG_CONFIG_HOME").unwrap_or_else(|| format!("{home}/.config"));
    let data_home = var("XDG_DATA_HOME").unwrap_or_else(|| format!("{home}/.local/share"));
    let split = |v: String| -> Vec<String> {
        v.split(':')
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect()
    };
    let config_dirs = var("XDG_CONFIG_DIRS").map_or_else(|| vec!["/etc/xdg".into()], split);
    let data_dirs = var("XDG_DATA_DIRS").map_or_else(
        || vec!["/usr/local/share".into(), "/usr/share".into()],
        split,
    );
    let runtime = var("XDG_RUNTIME_DIR")
        .filter(|r| !r.is_empty())
        .map(|r| cwd.join(r).display().to_string());
    let rt = |tail: &str| runtime.as_ref().map(|r| format!("{r}/systemd/{tail}"));

    let mut dirs: Vec<Option<String>> = vec![
        Some(format!("{config_home}/systemd/user.control")),
        rt("user.control"),
        rt("transient"),
        rt("generator.early"),
        Some(format!("{config_home}/systemd/user")),
    ];
    dirs.extend(
        config_dirs
            .iter()
            .map(|d| Some(format!("{d}/systemd/user"))),
    );
    dirs.extend([
        Some("/etc/systemd/user".into()),
        rt("user"),
        Some("/run/systemd/user".into()),
        rt("generator"),
        Some(format!("{data_home}/systemd/user")),
    ]);
    dirs.extend(data_dirs.iter().map(|d| Some(format!("{d}/systemd/user"))));
    dirs.extend(
        [
            "/usr/local/lib/systemd/user",
            "/usr/local/share/systemd/user",
            "/usr/lib/systemd/user",
            "/usr/share/systemd/user",
        ]
        .map(|d| Some(d.to_string())),
    );
    dirs.push(rt("generator.late"));
    let mut out: Vec<PathBuf> = Vec::new();
    for d in dirs.into_iter().flatten() {
        let p = PathBuf::from(d);
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// The calling user's home directory from /etc/passwd ("/" when it is not listed).
fn home_from_passwd() -> String {
    let uid = rustix::process::getuid().as_raw();
    crate::files::accounts::users(None)
        .into_iter()
        .find(|a| a.uid == uid)
        .map_or_else(|| "/".into(), |a| a.home)
}

/// The umask of this process (a user manager gives its services its own), from
/// /proc/self/status; 0022 when it cannot be read.
pub fn process_umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

#[cfg(test)]
mod tests {
    use super::user_unit_path;
    use std::path::{Path, PathBuf};

    fn env<'a>(vars: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    fn paths(v: &[PathBuf]) -> Vec<String> {
        v.iter().map(|p| p.display().to_string()).collect()
    }

    #[test]
    fn user_path_like_systemd_analyze_unit_paths() {
        // Each expected list is `systemd-analyze --user unit-paths` (252) with that environment.
        let p = user_unit_path(env(&[("HOME", "/root")]), Path::new("/"));
        assert_eq!(
            paths(&p),
            [
                "/root/.config/systemd/user.control",
                "/root/.config/systemd/user",
                "/etc/xdg/systemd/user",
                "/etc/systemd/user",
                "/run/systemd/user",
                "/root/.local/share/systemd/user",
                "/usr/local/share/systemd/user",
                "/usr/share/systemd/user",
                "/usr/local/lib/systemd/user",
                "/usr/lib/systemd/user",
            ]
        );
        let p = user_unit_path(
            env(&[
                ("HOME", "/root"),
                ("XDG_RUNTIME_DIR", "/run/user/0"),
                ("XDG_CONFIG_HOME", "/cfg"),
                ("XDG_DATA_HOME", "/dat"),
                ("XDG_DATA_DIRS", "/a:/b"),
                ("XDG_CONFIG_DIRS", "/c1:/c2"),
            ]),
            Path::new("/"),
        );
        assert_eq!(
            paths(&p),
            [
                "/cfg/systemd/user.control",
                "/run/user/0/systemd/user.control",
                "/run/user/0/systemd/transient",
                "/run/user/0/systemd/generator.early",
                "/cfg/systemd/user",
                "/c1/systemd/user",
                "/c2/systemd/user",
                "/etc/systemd/user",
                "/run/user/0/systemd/user",
                "/run/systemd/user",
                "/run/user/0/systemd/generator",
                "/dat/systemd/user",
                "/a/systemd/user",
                "/b/systemd/user",
                "/usr/local/lib/systemd/user",
                "/usr/local/share/systemd/user",
                "/usr/lib/systemd/user",
                "/usr/share/systemd/user",
                "/run/user/0/systemd/generator.late",
            ]
        );
        let p = user_unit_path(
            env(&[
                ("HOME", "/root"),
                ("XDG_CONFIG_HOME", ""),
                ("XDG_DATA_HOME", ""),
                ("XDG_DATA_DIRS", ""),
                ("XDG_CONFIG_DIRS", ""),
            ]),
            Path::new("/"),
        );
        assert_eq!(
            paths(&p),
            [
                "/systemd/user.control",
                "/systemd/user",
                "/etc/systemd/user",
                "/run/systemd/user",
                "/usr/local/lib/systemd/user",
                "/usr/local/share/systemd/user",
                "/usr/lib/systemd/user",
                "/usr/share/systemd/user",
            ]
        );
    }
}
