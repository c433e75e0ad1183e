//! Which unit files a distribution package owns, and which units are enabled: both read from
//! the tree itself (dpkg's file lists, the `.wants/` links), so they work on a root too.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::unit::search::under_root;

/// Where a unit file must be to count as custom: the admin's and local software's places.
pub const CUSTOM_PREFIXES: &[&str] = &["/etc/", "/usr/local/", "/opt/"];

/// Every path a dpkg package owns on the tree: the `*.list` files of
/// `/var/lib/dpkg/info` (what `dpkg -S` searches).
#[derive(Debug, Default)]
pub struct PackageFiles {
    paths: HashSet<String>,
    /// Whether a dpkg database was found at all.
    pub has_dpkg: bool,
}

impl PackageFiles {
    pub fn read(root: Option<&Path>) -> PackageFiles {
        let dir = under_root(root, Path::new("/var/lib/dpkg/info"));
        let mut out = PackageFiles::default();
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return out;
        };
        out.has_dpkg = true;
        for e in entries.flatten() {
            let name = e.file_name();
            if !name.to_string_lossy().ends_with(".list") {
                continue;
            }
            if let Ok(text) = crate::files::read_regular(&e.path(), 64 << 20) {
                out.paths.extend(
                    String::from_utf8_lossy(&text)
                        .lines()
                        .filter(|l| CUSTOM_PREFIXES.iter().any(|p| l.starts_with(p)))
                        .map(str::to_string),
                );
            }
        }
        out
    }

    /// Whether a package owns this path (as the host sees it, not under the root).
    pub fn owns(&self, path: &str) -> bool {
        self.paths.contains(path)
    }

    /// A custom unit: its file is under /etc, /usr/local or /opt and no package owns it.
    pub fn is_custom(&self, fragment: &str) -> bool {
        CUSTOM_PREFIXES.iter().any(|p| fragment.starts_with(p)) && !self.owns(fragment)
    }
}

/// The directories systemd (system manager) reads `.wants/` and `.requires/` links from.
const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// The unit names linked from a `.wants/` or `.requires/` directory: what `systemctl enable`
/// (or the vendor, statically) made part of a target's start. A template's instance link
/// (`getty@tty1.service`) enables the template too.
pub fn enabled_units(root: Option<&Path>) -> HashSet<String> {
    let mut out = HashSet::new();
    for d in UNIT_DIRS {
        let dir: PathBuf = under_root(root, Path::new(d));
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if !(n.ends_with(".wants") || n.ends_with(".requires")) {
                continue;
            }
            let Ok(links) = std::fs::read_dir(e.path()) else {
                continue;
            };
            for l in links.flatten() {
                let name = l.file_name().to_string_lossy().into_owned();
                if let Some(t) = crate::unit::name::template_of(&name) {
                    out.insert(t);
                }
                out.insert(name);
            }
        }
    }
    out
}

/// The host path of a file found under `root` (the root prefix taken off).
pub fn host_path(root: Option<&Path>, p: &Path) -> String {
    match root {
        Some(r) => match p.strip_prefix(r) {
            Ok(rest) => format!("/{}", rest.display()),
            Err(_) => p.display().to_string(),
        },
        None => p.display().to_string(),
    }
}
