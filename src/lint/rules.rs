//! The detection logic of each lint rule. Wording lives in data/lint-rules.toml.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use super::{Finding, LintOptions};
use crate::catalogue::Catalogue;
use crate::harden::inspect;
use crate::pipeline::Scored;
use crate::unit::search::under_root;
use crate::unit::syntax::Assignment;

/// Allow lists that accumulate across drop-ins: a later plain line widens what is allowed,
/// which is never what a line meant to narrow the list wants.
const ALLOW_LISTS: &[&str] = &[
    "RestrictAddressFamilies", "SystemCallFilter", "SystemCallArchitectures", "CapabilityBoundingSet",
    "DeviceAllow", "IPAddressAllow", "RestrictFileSystems",
];

const PATH_DIRECTIVES: &[&str] = &["ReadWritePaths", "ReadOnlyPaths", "InaccessiblePaths", "NoExecPaths", "ExecPaths"];

/// systemd 252's known [Section] keys (data/systemd-252/known-directives.txt).
fn known_keys() -> &'static BTreeMap<String, Vec<String>> {
    static K: OnceLock<BTreeMap<String, Vec<String>>> = OnceLock::new();
    K.get_or_init(|| {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for line in include_str!("../../data/systemd-252/known-directives.txt").lines() {
            if let Some((section, key)) = line.split_once('\t') {
                m.entry(section.to_string()).or_default().push(key.to_string());
            }
        }
        m
    })
}

fn assignments(scored: &Scored) -> impl Iterator<Item = (&Path, &Assignment)> {
    scored.unit.files.iter().flat_map(|f| f.assignments.iter().map(move |a| (f.path.as_path(), a)))
}

fn last<'a>(scored: &'a Scored, key: &str) -> Option<(&'a Path, &'a Assignment)> {
    assignments(scored).filter(|(_, a)| a.key == key).last()
}

pub fn check_all(s: &Scored, opts: &LintOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    let unit = s.unit.id.as_str();
    let facts = inspect::inspect(s, opts.root);
    let frag = s.unit.fragment.as_path();
    let exec = s.settings.exec.as_ref();

    vendor_copy(s, opts, &mut out);

    // UG009 unknown, UG010 too new, UG011 deprecated.
    let known = known_keys();
    let cat = Catalogue::get();
    for (file, a) in assignments(s) {
        let in_section = known.get(&a.section);
        if let Some(keys) = in_section {
            if !keys.iter().any(|k| *k == a.key) && !a.key.starts_with("X-") {
                let best = keys
                    .iter()
                    .map(|k| (strsim::jaro_winkler(&k.to_lowercase(), &a.key.to_lowercase()), k))
                    .max_by(|x, y| x.0.total_cmp(&y.0))
                    .map(|(_, k)| format!("{k}="))
                    .unwrap_or_default();
                out.push(Finding::new("UG009", unit, file, Some(a.line), &[("key", &a.key), ("section", &a.section), ("suggestion", &best)]));
            }
        }
        if let Some(d) = cat.directive(&a.key) {
            if d.since > opts.systemd_version {
                out.push(Finding::new("UG010", unit, file, Some(a.line), &[("key", &a.key), ("since", &d.since.to_string()), ("target", &opts.systemd_version.to_string())]));
            }
            if let Some(rep) = &d.deprecated {
                out.push(Finding::new("UG011", unit, file, Some(a.line), &[("key", &a.key), ("replacement", rep)]));
            }
        }
    }

    // UG013: what systemd itself warns about ("path:line: message").
    for w in &s.settings.warnings {
        if let Some((loc, msg)) = w.split_once(": ") {
            if let Some((path, line)) = loc.rsplit_once(':') {
                if let Ok(line) = line.parse::<usize>() {
                    out.push(Finding::new("UG013", unit, Path::new(path), Some(line), &[("message", msg)]));
                }
            }
        }
    }

    // UG007: a list directive in a later file that adds to what an earlier file set.
    for &d in ALLOW_LISTS {
        let mut seen_in: Option<&Path> = None;
        for f in &s.unit.files {
            let mine: Vec<&Assignment> = f.assignments.iter().filter(|a| a.key == d).collect();
            if let (Some(first), Some(earlier)) = (mine.first(), seen_in) {
                if !first.value.is_empty() && !first.value.starts_with('~') && f.path != earlier {
                    out.push(Finding::new("UG007", unit, &f.path, Some(first.line), &[("directive", d), ("earlier", &earlier.display().to_string())]));
                }
            }
            if let Some(l) = mine.last() {
                seen_in = if l.value.is_empty() && mine.len() == 1 { None } else { Some(&f.path) };
            }
        }
    }

    // UG008: paths that do not exist (no '-' prefix). Only meaningful on a whole OS tree,
    // not on a directory of unit files.
    let whole_system = under_root(opts.root, Path::new("/usr/bin")).is_dir();
    for (file, a) in assignments(s).filter(|(_, a)| whole_system && PATH_DIRECTIVES.contains(&a.key.as_str())) {
        for word in a.value.split_whitespace() {
            let path = word.trim_start_matches('+');
            if path.starts_with('-') || !path.starts_with('/') {
                continue;
            }
            if !under_root(opts.root, Path::new(path)).exists() {
                out.push(Finding::new("UG008", unit, file, Some(a.line), &[("directive", &a.key), ("path", path)]));
            }
        }
    }

    let Some(e) = exec else { return out };

    // UG002: strict while writing to /var/log/X without LogsDirectory=/ReadWritePaths=.
    if e.protect_system == "strict" {
        let covered: Vec<String> = assignments(s)
            .filter(|(_, a)| matches!(a.key.as_str(), "ReadWritePaths" | "LogsDirectory"))
            .flat_map(|(_, a)| a.value.split_whitespace().map(|w| w.trim_start_matches(['-', '+']).to_string()).collect::<Vec<_>>())
            .map(|w| if w.starts_with('/') { w } else { format!("/var/log/{w}") })
            .collect();
        let mut logs: Vec<String> = facts.profile.iter().flat_map(|p| p.writable.iter().filter(|w| w.starts_with("/var/log/")).cloned()).collect();
        let own = format!("/var/log/{}", crate::unit::name::prefix(unit));
        if under_root(opts.root, Path::new(&own)).is_dir() {
            logs.push(own);
        }
        for log in logs {
            let ok = covered.iter().any(|c| log == *c || log.starts_with(&format!("{c}/")) || c == "/var/log" || c == "/var");
            if !ok && !e.dynamic_user {
                let (file, line) = last(s, "ProtectSystem").map_or((frag, None), |(f, a)| (f, Some(a.line)));
                let name = log.trim_start_matches("/var/log/").to_string();
                out.push(Finding::new("UG002", unit, file, line, &[("path", &log), ("name", &name)]));
            }
        }
    }

    // UG003: MemoryDenyWriteExecute on a JIT runtime.
    if e.memory_deny_write_execute && facts.has("jit") {
        let (file, line) = last(s, "MemoryDenyWriteExecute").map_or((frag, None), |(f, a)| (f, Some(a.line)));
        let bin = facts.binary_name.clone().unwrap_or_default();
        out.push(Finding::new("UG003", unit, file, line, &[("binary", &bin)]));
    }

    // UG004: an allow list that was not started from @system-service.
    if e.syscall_filter.allow_list {
        let lines: Vec<(&Path, &Assignment)> = assignments(s).filter(|(_, a)| a.key == "SystemCallFilter").collect();
        let has_base = lines.iter().any(|(_, a)| a.value.split_whitespace().any(|w| w == "@system-service" || w == "@known"));
        if !has_base {
            if let Some((file, a)) = lines.iter().find(|(_, a)| !a.value.starts_with('~') && !a.value.is_empty()) {
                out.push(Finding::new("UG004", unit, file, Some(a.line), &[]));
            }
        }
    }

    // UG005: non-root service binding a low port without CAP_NET_BIND_SERVICE.
    let non_root = e.dynamic_user || !matches!(e.user.as_deref(), None | Some("root" | "0" | ""));
    if non_root {
        if let Some(&port) = facts.low_ports.iter().next() {
            let bit = crate::tables::SystemdTables::default_tables().capability("cap_net_bind_service").map_or(0, |b| 1u64 << b);
            if e.ambient_capabilities & bit == 0 || e.capability_bounding_set & bit == 0 {
                let (file, line) = last(s, "CapabilityBoundingSet").or_else(|| last(s, "User")).map_or((frag, None), |(f, a)| (f, Some(a.line)));
                out.push(Finding::new("UG005", unit, file, line, &[("port", &port.to_string())]));
            }
        }
    }

    // UG006: deny-all without a localhost allow entry.
    if let Some(c) = &s.settings.cgroup {
        let deny_all = c.ip_address_deny.iter().any(|p| p.prefix_len == 0);
        let local = c.ip_address_allow.iter().any(|p| match p.addr {
            std::net::IpAddr::V4(a) => a.octets()[0] == 127,
            std::net::IpAddr::V6(a) => a.is_loopback(),
        });
        if deny_all && !local && !c.ip_address_allow.is_empty() && c.ip_ingress_filter_paths.is_empty() && c.ip_egress_filter_paths.is_empty() && !e.private_network {
            let (file, line) = last(s, "IPAddressDeny").map_or((frag, None), |(f, a)| (f, Some(a.line)));
            out.push(Finding::new("UG006", unit, file, line, &[]));
        }
        // UG012: settings that cannot work together.
        if e.private_network && (!c.ip_address_allow.is_empty() || !c.ip_address_deny.is_empty()) {
            let (file, line) = last(s, "PrivateNetwork").map_or((frag, None), |(f, a)| (f, Some(a.line)));
            out.push(Finding::new("UG012", unit, file, line, &[
                ("what", "PrivateNetwork=yes already cuts the service off the network; IPAddressAllow=/IPAddressDeny= have nothing left to filter"),
                ("fix", "Drop the IP address lists, or PrivateNetwork= if the service must reach peers."),
            ]));
        }
    }
    if e.dynamic_user && matches!(e.user.as_deref(), Some("root" | "0")) {
        let (file, line) = last(s, "User").map_or((frag, None), |(f, a)| (f, Some(a.line)));
        out.push(Finding::new("UG012", unit, file, line, &[
            ("what", "DynamicUser=yes with User=root: the service still runs as root"),
            ("fix", "Remove User= (or set a non-root name) so DynamicUser= allocates a transient user."),
        ]));
    }
    if matches!(e.protect_home.as_str(), "yes" | "tmpfs") {
        for key in ["WorkingDirectory", "ExecStart"] {
            if let Some((file, a)) = last(s, key) {
                let path = a.value.trim_start_matches(['-', '@', ':', '+', '!', '~']);
                if ["/home/", "/root/", "/run/user/"].iter().any(|p| path.starts_with(p)) {
                    out.push(Finding::new("UG012", unit, file, Some(a.line), &[
                        ("what", &format!("ProtectHome={} hides {key}={}: the service fails with status=200/CHDIR or 203/EXEC", e.protect_home, a.value)),
                        ("fix", "Use ProtectHome=read-only, or move the program out of the home directories."),
                    ]));
                }
            }
        }
    }
    if e.no_new_privileges && facts.has("setuid-exec") {
        let (file, line) = last(s, "NoNewPrivileges").map_or((frag, None), |(f, a)| (f, Some(a.line)));
        let bin = facts.binary_name.clone().unwrap_or_default();
        out.push(Finding::new("UG012", unit, file, line, &[
            ("what", &format!("NoNewPrivileges=yes, but {bin} runs setuid programs or user jobs: they lose their privileges")),
            ("fix", "Remove NoNewPrivileges= for this service."),
        ]));
    }
    out
}

/// UG001: a unit in /etc/systemd/system that shadows a vendor unit, or a vendor unit whose
/// content differs from what its Debian package shipped.
fn vendor_copy(s: &Scored, opts: &LintOptions, out: &mut Vec<Finding>) {
    let frag = &s.unit.fragment;
    let etc = under_root(opts.root, Path::new("/etc/systemd/system"));
    let name = frag.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if frag.starts_with(&etc) && !frag.is_symlink() {
        for vendor in ["/lib/systemd/system", "/usr/lib/systemd/system", "/usr/local/lib/systemd/system"] {
            if under_root(opts.root, &Path::new(vendor).join(&name)).is_file() {
                out.push(Finding::new("UG001", &s.unit.id, frag, None, &[("unit", &name)]));
                return;
            }
        }
        return;
    }
    // A vendor file edited in place: compare with dpkg's recorded md5sum.
    let Ok(rel) = frag.strip_prefix(opts.root.unwrap_or(Path::new("/"))) else { return };
    let rel = rel.to_string_lossy().trim_start_matches('/').to_string();
    let info = under_root(opts.root, Path::new("/var/lib/dpkg/info"));
    let Ok(dir) = std::fs::read_dir(&info) else { return };
    for entry in dir.flatten() {
        let p = entry.path();
        if p.extension().is_none_or(|e| e != "md5sums") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&p) else { continue };
        for line in text.lines() {
            if let Some((sum, path)) = line.split_once("  ") {
                let same = path == rel || path.strip_prefix("usr/") == Some(rel.as_str()) || rel.strip_prefix("usr/") == Some(path);
                if same {
                    if let Ok(data) = std::fs::read(frag) {
                        use md5::Digest;
                        let actual = format!("{:x}", md5::Md5::digest(&data));
                        if actual != sum {
                            out.push(Finding::new("UG001", &s.unit.id, frag, None, &[("unit", &name)]));
                        }
                    }
                    return;
                }
            }
        }
    }
}
