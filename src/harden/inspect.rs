//! What can be seen statically about a service: its unit, its ExecStart binary and the
//! configuration files it names.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::knowledge::{DaemonProfile, Knowledge, Tag};
use crate::pipeline::Scored;
use crate::settings::values;
use crate::unit::search::under_root;

/// Facts about one service that decide which directives are safe.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The ExecStart binary as written (e.g. /usr/sbin/nginx), if any.
    pub binary: Option<String>,
    /// Its basename.
    pub binary_name: Option<String>,
    /// The binary resolved under the root, if it exists.
    pub binary_path: Option<PathBuf>,
    pub is_script: bool,
    /// The binary imports socket functions (None: could not tell).
    pub uses_sockets: Option<bool>,
    /// Links a JIT engine (libluajit, libjvm, libnode, libv8, libmono, libcoreclr).
    pub links_jit: bool,
    /// Need tags (data/profiles.toml) from the binary, the profile and the unit.
    pub tags: BTreeSet<Tag>,
    /// The tags only `until_traced` need rules gave (what a shell's script might run):
    /// evidence replaces them.
    pub until_traced: BTreeSet<Tag>,
    /// Socket activation: a .socket unit of the same name exists.
    pub socket_activated: bool,
    /// TCP/UDP ports below 1024 named in ExecStart or the config files it names.
    pub low_ports: BTreeSet<u16>,
    pub pid_file: Option<String>,
    pub profile: Option<DaemonProfile>,
}

impl Facts {
    pub fn has(&self, tag: Tag) -> bool {
        self.tags.contains(&tag)
    }

    /// These facts once the service was traced: without the guesses a trace replaces.
    pub fn traced(&self) -> Facts {
        let mut f = self.clone();
        f.tags.retain(|t| !self.until_traced.contains(t));
        f.until_traced.clear();
        f
    }

    /// Adds the tags of the need rules for a binary basename; `firm` collects those of
    /// rules a trace does not replace.
    fn add_rule_tags(&mut self, firm: &mut BTreeSet<Tag>, binary: &str) {
        for rule in Knowledge::get().rules_for(binary) {
            self.tags.extend(rule.tags.iter().copied());
            if !rule.until_traced {
                firm.extend(rule.tags.iter().copied());
            }
        }
    }
}

/// The last value list of a key in the unit's type section, honouring empty resets.
pub fn raw_values(scored: &Scored, key: &str) -> Vec<String> {
    let section = crate::settings::type_section(scored.unit.unit_type()).unwrap_or("Service");
    let mut out = Vec::new();
    for f in &scored.unit.files {
        for a in &f.assignments {
            if a.section == section && a.key == key {
                if a.value.is_empty() {
                    out.clear();
                } else {
                    out.push(a.value.clone());
                }
            }
        }
    }
    out
}

fn strip_exec_prefixes(word: &str) -> &str {
    word.trim_start_matches(['-', '@', ':', '+', '!'])
}

/// How much of a program is read to look at what it links and calls: the dynamic symbol
/// and library names sit near the start of an ELF file.
const BINARY_HEAD: u64 = 8 << 20;

pub fn inspect(scored: &Scored, root: Option<&Path>) -> Facts {
    inspect_in(scored, Some(root))
}

/// [`inspect`] from the unit's own text alone: the binary and the configuration files it names
/// are not read (lint of unit files whose packages are not installed here).
pub fn inspect_unit(scored: &Scored) -> Facts {
    inspect_in(scored, None)
}

/// `files`: the root to read the binary and config files under, or `None` to read nothing.
fn inspect_in(scored: &Scored, files: Option<Option<&Path>>) -> Facts {
    let mut f = Facts::default();
    // The tags of every source but `until_traced` need rules.
    let mut firm: BTreeSet<Tag> = BTreeSet::new();
    let k = Knowledge::get();
    let exec = raw_values(scored, "ExecStart");
    let words: Vec<String> = exec
        .first()
        .map(|line| values::words(line, values::UNQUOTE).unwrap_or_else(|w| w))
        .unwrap_or_default();
    if let Some(first) = words.first() {
        let bin = strip_exec_prefixes(first).to_string();
        let name = bin.rsplit('/').next().unwrap_or(&bin).to_string();
        let path = if let Some(root) = files.filter(|_| bin.starts_with('/')) {
            Some(under_root(root, Path::new(&bin)))
        } else if let Some(root) = files {
            ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
                .iter()
                .map(|d| under_root(root, &Path::new(d).join(&bin)))
                .find(|p| p.exists())
        } else {
            None
        };
        f.binary = Some(bin);
        f.binary_name = Some(name);
        if let Some(p) = path.filter(|p| p.is_file()) {
            if let Ok(data) = crate::files::read_head_in(files.flatten(), &p, BINARY_HEAD) {
                f.is_script = data.starts_with(b"#!");
                if data.starts_with(b"\x7fELF") {
                    f.uses_sockets = Some(
                        contains(&data, b"\0socket\0")
                            || contains(&data, b"\0connect\0")
                            || contains(&data, b"\0bind\0"),
                    );
                    f.links_jit = [
                        &b"libluajit"[..],
                        b"libjvm",
                        b"libnode",
                        b"libv8",
                        b"libmono",
                        b"libcoreclr",
                    ]
                    .iter()
                    .any(|n| contains(&data, n));
                }
                // An interpreter script: the interpreter decides (python3, node, ...).
                if f.is_script {
                    if let Some(line) = data.split(|&b| b == b'\n').next() {
                        let line = String::from_utf8_lossy(&line[2..]).to_string();
                        let mut parts = line.split_whitespace();
                        let interp = parts.next().unwrap_or_default();
                        let interp = if interp.ends_with("/env") {
                            parts.next().unwrap_or_default()
                        } else {
                            interp
                        };
                        let iname = interp.rsplit('/').next().unwrap_or(interp).to_string();
                        f.add_rule_tags(&mut firm, &iname);
                    }
                }
            }
            f.binary_path = Some(p);
        }
    }
    // Arguments naming an interpreter's program (e.g. /usr/bin/python3 app.py, node app.js).
    let profile = k
        .profile_for(&scored.unit.id, f.binary_name.as_deref())
        .or_else(|| {
            words
                .iter()
                .skip(1)
                .find_map(|w| k.profile_for("", Some(w.rsplit('/').next().unwrap_or(w))))
        })
        .cloned();
    if let Some(name) = f.binary_name.clone() {
        f.add_rule_tags(&mut firm, &name);
    }
    for w in &words {
        let base = w.rsplit('/').next().unwrap_or(w);
        if base != f.binary_name.as_deref().unwrap_or_default() {
            f.add_rule_tags(&mut firm, base);
        }
    }
    if let Some(p) = &profile {
        firm.extend(p.tags.iter().copied());
    }
    if f.links_jit {
        firm.insert(Tag::Jit);
    }
    if !raw_values(scored, "DeviceAllow").is_empty() {
        firm.insert(Tag::Devices);
    }
    if !scored.settings.default_dependencies {
        firm.insert(Tag::EarlyBoot);
    }
    if raw_values(scored, "PAMName").iter().any(|v| !v.is_empty()) {
        firm.insert(Tag::SetuidExec);
    }
    f.tags.extend(firm.iter().copied());
    f.until_traced = f.tags.difference(&firm).copied().collect();
    f.profile = profile;
    f.pid_file = raw_values(scored, "PIDFile").pop();
    let socket = format!(
        "{}.socket",
        crate::unit::name::without_suffix(&scored.unit.id)
    );
    f.socket_activated = scored
        .unit
        .fragment
        .parent()
        .is_some_and(|d| d.join(&socket).exists());
    // Ports named on the command line or in config files it names.
    // The command line as one text, so `--port 80` is seen as well as `--port=80`.
    let mut texts: Vec<String> = vec![words.join(" ")];
    for w in words.iter().skip(1) {
        let candidate = w.split_once('=').map_or(w.as_str(), |(_, v)| v);
        if let (true, Some(root)) = (candidate.starts_with("/etc/"), files) {
            let p = under_root(root, Path::new(candidate));
            if let Ok(data) = crate::files::read_head_in(root, &p, 1 << 20) {
                texts.push(String::from_utf8_lossy(&data).into_owned());
            }
        }
    }
    for t in &texts {
        f.low_ports.extend(low_ports_in(t));
    }
    f
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Ports below 1024 after "port", "listen", "bind" or a ':' (e.g. `--port 80`, `listen 443`,
/// `0.0.0.0:53`).
fn low_ports_in(text: &str) -> BTreeSet<u16> {
    let mut out = BTreeSet::new();
    let lower = text.to_ascii_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == '=' || c == ';' || c == ',')
        .filter(|t| !t.is_empty())
        .collect();
    for (i, t) in tokens.iter().enumerate() {
        // Listening addresses: 0.0.0.0:80, *:443, [::]:53, 127.0.0.1:25.
        if let Some((host, p)) = t.rsplit_once(':') {
            let listening_host = matches!(host, "0.0.0.0" | "*" | "[::]" | "")
                || host.parse::<std::net::Ipv4Addr>().is_ok();
            if listening_host && !host.ends_with(':') && !t.contains("//") {
                if let Ok(n) = p.parse::<u16>() {
                    if (1..1024).contains(&n) && !(host.is_empty() && i == 0) {
                        out.insert(n);
                    }
                }
            }
        }
        let keyword = t.trim_start_matches('-');
        if matches!(keyword, "port" | "listen" | "bind" | "p") {
            if let Some(Ok(n)) = tokens.get(i + 1).map(|n| n.parse::<u16>()) {
                if (1..1024).contains(&n) {
                    out.insert(n);
                }
            }
        }
    }
    out
}
