//! Facts about the host a state was taken on: its name, OS, systemd version, and how.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::unit::search::under_root;

/// Who, where and when: the header of a baseline and of a collected state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostFacts {
    pub host: String,
    /// `PRETTY_NAME` of os-release.
    pub os: Option<String>,
    /// The running kernel (live only).
    pub kernel: Option<String>,
    pub machine_id: Option<String>,
    /// The manager's own version string live; the systemd package's version offline.
    pub systemd_version: Option<String>,
    pub unitguard_version: String,
    /// UTC, ISO 8601.
    pub date: String,
    /// `live` (the manager over D-Bus) or `offline` (unit files).
    pub mode: String,
    /// The root the unit files were read under (offline).
    pub root: Option<String>,
}

fn first_line(p: &Path) -> Option<String> {
    let data = crate::files::read_regular(p, 64 << 10).ok()?;
    let s = String::from_utf8_lossy(&data);
    let l = s.lines().next()?.trim();
    (!l.is_empty()).then(|| l.to_string())
}

/// `PRETTY_NAME` from /etc/os-release (else /usr/lib/os-release).
fn os_release(root: Option<&Path>) -> Option<String> {
    ["/etc/os-release", "/usr/lib/os-release"]
        .iter()
        .find_map(|f| crate::files::read_regular(&under_root(root, Path::new(f)), 1 << 20).ok())
        .and_then(|data| {
            String::from_utf8_lossy(&data).lines().find_map(|l| {
                l.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_string())
            })
        })
}

/// The version of the `systemd` package in the root's dpkg status, e.g. `252.39-1~deb12u1`.
fn packaged_systemd(root: Option<&Path>) -> Option<String> {
    let data = crate::files::read_regular(
        &under_root(root, Path::new("/var/lib/dpkg/status")),
        256 << 20,
    )
    .ok()?;
    let text = String::from_utf8_lossy(&data);
    text.split("\n\n").find_map(|para| {
        let mut lines = para.lines();
        if !para.lines().any(|l| l == "Package: systemd") {
            return None;
        }
        lines.find_map(|l| l.strip_prefix("Version: ").map(str::to_string))
    })
}

/// This host's facts. `live_version` is the manager's own version when it answered.
pub fn facts(root: Option<&Path>, live_version: Option<&str>) -> HostFacts {
    let host = first_line(&under_root(root, Path::new("/etc/hostname")))
        .or_else(|| {
            root.is_none()
                .then(|| first_line(Path::new("/proc/sys/kernel/hostname")))
                .flatten()
        })
        .or_else(|| root.map(|r| r.display().to_string()))
        .unwrap_or_else(|| "localhost".into());
    HostFacts {
        host,
        os: os_release(root),
        kernel: root
            .is_none()
            .then(|| first_line(Path::new("/proc/sys/kernel/osrelease")))
            .flatten(),
        machine_id: first_line(&under_root(root, Path::new("/etc/machine-id"))),
        systemd_version: live_version
            .map(str::to_string)
            .or_else(|| packaged_systemd(root)),
        unitguard_version: env!("CARGO_PKG_VERSION").to_string(),
        date: super::time::now(),
        mode: if live_version.is_some() {
            "live"
        } else {
            "offline"
        }
        .into(),
        root: root.map(|r| r.display().to_string()),
    }
}
