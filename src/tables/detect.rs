//! Which systemd version a run scores for: the one asked for, the running manager's, or the
//! one installed in the root tree (its `libsystemd-shared-N.so`), the host's being root `/`.

use std::path::{Path, PathBuf};

/// Where the version of a run came from, for the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSource {
    /// `--systemd-version N`.
    Flag,
    /// The running manager's `Version` property over D-Bus.
    Manager,
    /// This file of the root tree (or of the host when no root was given).
    File(PathBuf),
}

/// The version a run scores for and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub version: u32,
    pub source: VersionSource,
}

impl std::fmt::Display for Detected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.source {
            VersionSource::Flag => write!(f, "systemd {} (--systemd-version)", self.version),
            VersionSource::Manager => write!(f, "systemd {} (the running manager)", self.version),
            VersionSource::File(p) => write!(f, "systemd {} (from {})", self.version, p.display()),
        }
    }
}

/// The major version at the start of a version string: `252.39-1~deb12u2` → 252.
pub fn parse_version(s: &str) -> Option<u32> {
    let digits: String = s
        .trim()
        .trim_start_matches('v')
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok().filter(|&v| v > 0)
}

/// Directories (relative to the root) where distributions install libsystemd-shared: Debian's
/// multiarch directory, the plain /usr/lib one (Fedora, Arch, ...), lib64, and split /usr.
const SHARED_LIBRARY_DIRS: &[&str] = &[
    "usr/lib/x86_64-linux-gnu/systemd",
    "usr/lib/aarch64-linux-gnu/systemd",
    "usr/lib/systemd",
    "usr/lib64/systemd",
    "lib/systemd",
    "lib/x86_64-linux-gnu/systemd",
];

/// The systemd installed under `root` (`/` for the host), from the name of its
/// `libsystemd-shared-N[.M...].so`; the newest if there are several. `None` when there is none.
pub fn detect_offline(root: &Path) -> Option<Detected> {
    let mut best: Option<(u32, PathBuf)> = None;
    for dir in SHARED_LIBRARY_DIRS {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let Some(rest) = name
                .to_str()
                .and_then(|n| n.strip_prefix("libsystemd-shared-"))
            else {
                continue;
            };
            if !rest.ends_with(".so") {
                continue;
            }
            if let Some(v) = parse_version(rest) {
                if best.as_ref().is_none_or(|(b, _)| v > *b) {
                    best = Some((v, e.path()));
                }
            }
        }
    }
    best.map(|(version, path)| Detected {
        version,
        source: VersionSource::File(path),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_strings() {
        assert_eq!(parse_version("252.39-1~deb12u2"), Some(252));
        assert_eq!(parse_version("257.13-1~deb13u1"), Some(257));
        assert_eq!(parse_version("v254"), Some(254));
        assert_eq!(parse_version("257.so"), Some(257));
        assert_eq!(parse_version("x"), None);
    }

    #[test]
    fn from_a_root_tree() {
        let t = tempfile::tempdir().unwrap();
        assert_eq!(detect_offline(t.path()), None);
        let d = t.path().join("usr/lib/systemd");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("libsystemd-shared-256.11-1.fc41.so"), "").unwrap();
        std::fs::write(d.join("libsystemd-core-257.so"), "").unwrap();
        let got = detect_offline(t.path()).unwrap();
        assert_eq!(got.version, 256);
        assert_eq!(
            got.source,
            VersionSource::File(d.join("libsystemd-shared-256.11-1.fc41.so"))
        );
    }
}
