//! The detection logic of each lint rule. Wording lives in data/lint-rules.toml.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use super::{Finding, LintOptions};
use crate::catalogue::Catalogue;
use crate::harden::inspect::{self, Facts};
use crate::harden::knowledge::{Knowledge, Tag};
use crate::pipeline::Scored;
use crate::settings::{ExecSettings, IpPrefix, ProtectHome, ProtectSystem};
use crate::unit::search::under_root;
use crate::unit::syntax::Assignment;

/// Lists that accumulate across drop-ins: a later plain line widens what is allowed, which is
/// never what a line meant to narrow the list wants. (systemd 252: config_parse_address_families,
/// config_parse_syscall_filter, config_parse_capability_set, config_parse_restrict_namespaces,
/// ... all merge a non-empty value into what is already set.)
const ALLOW_LISTS: &[&str] = &[
    "RestrictAddressFamilies",
    "SystemCallFilter",
    "SystemCallArchitectures",
    "CapabilityBoundingSet",
    "DeviceAllow",
    "IPAddressAllow",
    "RestrictFileSystems",
    "RestrictNamespaces",
    "RestrictNetworkInterfaces",
    "SocketBindAllow",
];

/// Paths the service namespace is built from; a missing one (without '-') fails the start with
/// 226/NAMESPACE.
const PATH_DIRECTIVES: &[&str] = &[
    "ReadWritePaths",
    "ReadOnlyPaths",
    "InaccessiblePaths",
    "NoExecPaths",
    "ExecPaths",
];
/// `[-]SRC[:DEST[:OPTIONS]]`: the source must exist.
const BIND_DIRECTIVES: &[&str] = &["BindPaths", "BindReadOnlyPaths"];
/// Directories systemd creates before it sets up the namespace, and where they live.
const EXEC_DIRECTORIES: &[(&str, &str)] = &[
    ("RuntimeDirectory", "/run"),
    ("StateDirectory", "/var/lib"),
    ("CacheDirectory", "/var/cache"),
    ("LogsDirectory", "/var/log"),
    ("ConfigurationDirectory", "/etc"),
];
/// API file systems: in a root tree (an image) they are empty or missing, on a running system
/// they are filled at boot.
const RUNTIME_TREES: &[&str] = &["/proc", "/sys", "/dev", "/run"];

fn assignments(scored: &Scored) -> impl Iterator<Item = (&Path, &Assignment)> {
    scored
        .unit
        .files
        .iter()
        .flat_map(|f| f.assignments.iter().map(move |a| (f.path.as_path(), a)))
}

/// The section the unit type's exec/cgroup settings are read from ("Service" for services).
fn type_section(scored: &Scored) -> &'static str {
    crate::settings::type_section(scored.unit.unit_type()).unwrap_or("Service")
}

/// Every line of the unit type's section, in the order systemd applies them.
fn lines_in_section(scored: &Scored) -> impl Iterator<Item = (&Path, &Assignment)> {
    let section = type_section(scored);
    assignments(scored).filter(move |(_, a)| a.section == section)
}

/// The lines of `key` in the unit type's section, in the order systemd applies them.
fn lines_of<'a>(scored: &'a Scored, key: &str) -> Vec<(&'a Path, &'a Assignment)> {
    lines_in_section(scored)
        .filter(|(_, a)| a.key == key)
        .collect()
}

/// The lines of a list `key` still in effect: those after the last empty assignment.
fn active_lines<'a>(scored: &'a Scored, key: &str) -> Vec<(&'a Path, &'a Assignment)> {
    let mut lines = lines_of(scored, key);
    if let Some(reset) = lines.iter().rposition(|(_, a)| a.value.is_empty()) {
        lines.drain(..=reset);
    }
    lines
}

fn last<'a>(scored: &'a Scored, key: &str) -> Option<(&'a Path, &'a Assignment)> {
    lines_of(scored, key).pop()
}

/// Where a finding about `key` points: its last line, or the fragment when it is implied.
fn at<'a>(scored: &'a Scored, key: &str) -> (&'a Path, Option<usize>) {
    last(scored, key).map_or((scored.unit.fragment.as_path(), None), |(f, a)| {
        (f, Some(a.line))
    })
}

/// The ExecStart=-style prefix characters of a command line (`-`, `@`, `:`, `+`, `!`).
fn exec_prefix(value: &str) -> &str {
    let end = value
        .find(|c| !matches!(c, '-' | '@' | ':' | '+' | '!'))
        .unwrap_or(value.len());
    &value[..end]
}

/// The command runs with full privileges ('+') or without the User=/Group= switch ('!'), so
/// neither the namespace nor the user change applies to it. ("!!" only matters on kernels
/// without ambient capabilities.)
fn runs_privileged(prefix: &str) -> bool {
    prefix.contains('+') || (prefix.contains('!') && !prefix.contains("!!"))
}

pub fn check_all(s: &Scored, opts: &LintOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    // The binary and the config files it names are read only from a tree the user pointed
    // at: without --root or --host, what this machine has installed says nothing about a
    // unit file checked in a repository.
    let facts = if opts.reads_files() {
        inspect::inspect(s, opts.ctx.root())
    } else {
        inspect::inspect_unit(s)
    };

    if opts.reads_files() {
        vendor_copy(s, opts, &mut out);
    }
    directives(s, opts, &mut out);
    systemd_warnings(s, &mut out);
    // A value a later systemd knows is UG010, which says which release; systemd's bare
    // "cannot parse" on the same line adds nothing.
    let too_new: Vec<(PathBuf, Option<usize>)> = out
        .iter()
        .filter(|f| f.rule == "UG010")
        .map(|f| (f.file.clone(), f.line))
        .collect();
    out.retain(|f| f.rule != "UG013" || !too_new.contains(&(f.file.clone(), f.line)));
    lists_that_add(s, opts, &mut out);
    missing_paths(s, opts, &mut out);

    let Some(e) = s.settings.exec.as_ref() else {
        return out;
    };
    logs_under_strict(s, e, &facts, opts, &mut out);
    mdwe_on_jit(s, e, &facts, &mut out);
    syscall_allow_list(s, e, &mut out);
    low_port(s, e, &facts, opts.ctx.tables, &mut out);
    ip_deny_without_resolver(s, e, opts, &mut out);
    conflicts(s, e, &facts, &mut out);
    out
}

/// UG009 unknown, UG010 too new, UG011 deprecated.
fn directives(s: &Scored, opts: &LintOptions, out: &mut Vec<Finding>) {
    let unit = s.unit.id.as_str();
    let known = opts.ctx.tables.known_keys();
    let target = opts.ctx.version();
    let cat = Catalogue::get();
    for (file, a) in assignments(s) {
        let entry = cat.directive(&a.key);
        // A directive newer than the target version is not a typo: UG010 says so instead.
        let newer_than_list = entry.is_some_and(|d| d.since > target);
        if let Some(keys) = known.get(&a.section) {
            if !keys.contains(&a.key) && !a.key.starts_with("X-") && !newer_than_list {
                let best = keys
                    .iter()
                    .map(|k| {
                        (
                            strsim::jaro_winkler(&k.to_lowercase(), &a.key.to_lowercase()),
                            k,
                        )
                    })
                    .max_by(|x, y| x.0.total_cmp(&y.0))
                    .map(|(_, k)| format!("{k}="))
                    .unwrap_or_default();
                out.push(Finding::new(
                    "UG009",
                    unit,
                    file,
                    Some(a.line),
                    &[
                        ("key", &a.key),
                        ("section", &a.section),
                        ("suggestion", &best),
                    ],
                ));
            }
        }
        if let Some(since) = value_since(opts.ctx.tables, &a.key, &a.value) {
            out.push(Finding::new(
                "UG010",
                unit,
                file,
                Some(a.line),
                &[
                    ("directive", &format!("{}={}", a.key, a.value)),
                    ("since", &since.to_string()),
                    ("target", &target.to_string()),
                ],
            ));
        }
        if let Some(d) = entry {
            if d.since > target {
                out.push(Finding::new(
                    "UG010",
                    unit,
                    file,
                    Some(a.line),
                    &[
                        ("directive", &format!("{}=", a.key)),
                        ("since", &d.since.to_string()),
                        ("target", &target.to_string()),
                    ],
                ));
            }
            if let Some(rep) = &d.deprecated {
                out.push(Finding::new(
                    "UG011",
                    unit,
                    file,
                    Some(a.line),
                    &[("key", &a.key), ("replacement", rep)],
                ));
            }
        }
    }
}

/// The first later systemd that accepts `value` for `key` where the target does not (for
/// example PrivateTmp=disconnected, 257), from each version's data.
fn value_since(tables: &crate::tables::SystemdTables, key: &str, value: &str) -> Option<u32> {
    if tables.rules.accepts(key, value) {
        return None;
    }
    crate::tables::SUPPORTED_VERSIONS
        .iter()
        .filter(|&&v| v > tables.version)
        .find(|&&v| {
            crate::tables::SystemdTables::for_version(v)
                .is_some_and(|t| !t.rules.values(key).is_empty() && t.rules.accepts(key, value))
        })
        .copied()
}

/// UG013: what systemd itself warns about while loading the unit ("path:line: message"):
/// values it cannot parse, and lines its parser skips.
fn systemd_warnings(s: &Scored, out: &mut Vec<Finding>) {
    let unit = s.unit.id.as_str();
    for f in &s.unit.files {
        for d in &f.diagnostics {
            out.push(Finding::new(
                "UG013",
                unit,
                &f.path,
                Some(d.line),
                &[("message", &d.message)],
            ));
        }
    }
    for w in &s.settings.warnings {
        // Match the file by name rather than splitting at the first ": " (paths may contain it).
        let located = s.unit.files.iter().find_map(|f| {
            let rest = w.strip_prefix(f.path.to_str()?)?.strip_prefix(':')?;
            let (line, msg) = rest.split_once(": ")?;
            Some((f.path.as_path(), line.parse::<usize>().ok()?, msg))
        });
        if let Some((path, line, msg)) = located {
            out.push(Finding::new(
                "UG013",
                unit,
                path,
                Some(line),
                &[("message", msg)],
            ));
        }
    }
    // Namespace paths that are not absolute: systemd drops them (path_simplify_and_warn()).
    // Words with specifiers or quotes are left alone; they may well expand to absolute paths.
    for (file, a) in lines_in_section(s).filter(|(_, a)| PATH_DIRECTIVES.contains(&a.key.as_str()))
    {
        for word in a
            .value
            .split_whitespace()
            .filter(|w| !w.contains(['%', '"', '\'', '\\']))
        {
            let path = word.strip_prefix('-').unwrap_or(word);
            let path = path.strip_prefix('+').unwrap_or(path);
            if !path.starts_with('/') {
                let msg = format!("{}= path is not absolute, ignoring: {path}", a.key);
                out.push(Finding::new(
                    "UG013",
                    unit,
                    file,
                    Some(a.line),
                    &[("message", &msg)],
                ));
            }
        }
    }
}

/// A value that sets the list outright, so what follows cannot add to anything earlier, and
/// whether the list is then (semantically) empty.
fn replaces(directive: &str, value: &str) -> Option<bool> {
    match directive {
        // "none": an empty allow list; later lines add to nothing.
        "RestrictAddressFamilies" if value == "none" => Some(true),
        // yes: no namespace (empty allow list); no: every namespace, and later lines add to
        // "everything" (systemd ORs them in), so that one does count as set.
        "RestrictNamespaces" => match value.to_ascii_lowercase().as_str() {
            "1" | "yes" | "y" | "true" | "t" | "on" => Some(true),
            "0" | "no" | "n" | "false" | "f" | "off" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// UG007: a list directive in a later file that adds to what an earlier file set.
fn lists_that_add(s: &Scored, opts: &LintOptions, out: &mut Vec<Finding>) {
    let unit = s.unit.id.as_str();
    let section = type_section(s);
    for &d in ALLOW_LISTS {
        // The last file that left entries in the list.
        let mut holder: Option<&Path> = None;
        for f in &s.unit.files {
            let mine: Vec<&Assignment> = f
                .assignments
                .iter()
                .filter(|a| a.section == section && a.key == d)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let mut from = holder;
            let mut empty = holder.is_none();
            let mut hit: Option<(&Assignment, &Path)> = None;
            for a in mine {
                if a.value.is_empty() {
                    (from, hit, empty) = (None, None, true);
                } else if let Some(now_empty) = replaces(d, &a.value) {
                    (from, hit, empty) = (None, None, now_empty);
                } else {
                    if let (None, Some(earlier), false) = (hit, from, a.value.starts_with('~')) {
                        hit = Some((a, earlier));
                    }
                    empty = false;
                }
            }
            if let Some((a, earlier)) = hit {
                out.push(Finding::new(
                    "UG007",
                    unit,
                    &f.path,
                    Some(a.line),
                    &[("directive", d), ("earlier", &opts.shown(earlier))],
                ));
            }
            holder = if empty { None } else { Some(&f.path) };
        }
    }
}

/// UG008: paths that do not exist (no '-' prefix). Only meaningful on a whole OS tree, not on a
/// directory of unit files.
fn missing_paths(s: &Scored, opts: &LintOptions, out: &mut Vec<Finding>) {
    if !opts.reads_files() || !under_root(opts.ctx.root(), Path::new("/usr/bin")).is_dir() {
        return;
    }
    let unit = s.unit.id.as_str();
    // Directories systemd creates before building the namespace.
    let created: Vec<String> = EXEC_DIRECTORIES
        .iter()
        .flat_map(|(key, base)| {
            active_lines(s, key).into_iter().flat_map(move |(_, a)| {
                a.value
                    .split_whitespace()
                    .flat_map(|w| w.split(':'))
                    .filter(|w| !w.is_empty())
                    .map(move |w| format!("{base}/{w}"))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let root_dir = s
        .settings
        .exec
        .as_ref()
        .and_then(|e| e.root_directory.clone());
    let root_image = s
        .settings
        .exec
        .as_ref()
        .is_some_and(|e| e.root_image.is_some());
    for (file, a) in lines_in_section(s) {
        let bind = BIND_DIRECTIVES.contains(&a.key.as_str());
        if !bind && !PATH_DIRECTIVES.contains(&a.key.as_str()) {
            continue;
        }
        for word in a.value.split_whitespace() {
            let word = if bind {
                word.split(':').next().unwrap_or_default()
            } else {
                word
            };
            if word.starts_with('-') {
                continue;
            }
            // '+': relative to RootDirectory=/RootImage= (Bind*Paths= sources never are).
            let (path, inside_root_dir) = match word.strip_prefix('+') {
                Some(p) if !bind => (p, true),
                _ => (word, false),
            };
            if path.starts_with('-') || !path.starts_with('/') {
                continue;
            }
            let p = Path::new(path);
            if created
                .iter()
                .any(|c| p.starts_with(c) || Path::new(c).starts_with(p))
            {
                continue;
            }
            if opts.ctx.root().is_some() && RUNTIME_TREES.iter().any(|t| p.starts_with(t)) {
                continue;
            }
            let real = match (&root_dir, inside_root_dir) {
                (_, true) if root_image => continue,
                (Some(rd), true) => under_root(
                    opts.ctx.root(),
                    &Path::new(rd).join(path.trim_start_matches('/')),
                ),
                _ => under_root(opts.ctx.root(), p),
            };
            // A symlink counts as present: systemd resolves it inside the root, we cannot.
            if real.symlink_metadata().is_err() {
                out.push(Finding::new(
                    "UG008",
                    unit,
                    file,
                    Some(a.line),
                    &[("directive", &a.key), ("path", path)],
                ));
            }
        }
    }
}

/// UG002: strict while writing to /var/log/X without LogsDirectory=/ReadWritePaths=.
fn logs_under_strict(
    s: &Scored,
    e: &ExecSettings,
    facts: &Facts,
    opts: &LintOptions,
    out: &mut Vec<Finding>,
) {
    if e.protect_system != ProtectSystem::Strict || e.dynamic_user {
        return;
    }
    let unit = s.unit.id.as_str();
    let mut covered: Vec<String> = Vec::new();
    for (_, a) in active_lines(s, "ReadWritePaths") {
        covered.extend(
            a.value
                .split_whitespace()
                .map(|w| w.trim_start_matches(['-', '+']).to_string()),
        );
    }
    for (_, a) in active_lines(s, "LogsDirectory") {
        // NAME or NAME:LINK (both end up under /var/log).
        covered.extend(
            a.value
                .split_whitespace()
                .flat_map(|w| w.split(':'))
                .filter(|w| !w.is_empty())
                .map(|w| format!("/var/log/{w}")),
        );
    }
    let mut logs: Vec<String> = facts
        .profile
        .iter()
        .flat_map(|p| {
            p.writable
                .iter()
                .filter(|w| w.starts_with("/var/log/"))
                .cloned()
        })
        .collect();
    let own = format!("/var/log/{}", crate::unit::name::prefix(unit));
    if opts.reads_files()
        && under_root(opts.ctx.root(), Path::new(&own)).is_dir()
        && !logs.contains(&own)
    {
        logs.push(own);
    }
    for log in logs {
        if covered
            .iter()
            .any(|c| c.starts_with('/') && Path::new(&log).starts_with(c))
        {
            continue;
        }
        let (file, line) = at(s, "ProtectSystem");
        let name = log.trim_start_matches("/var/log/").to_string();
        out.push(Finding::new(
            "UG002",
            unit,
            file,
            line,
            &[("path", &log), ("name", &name)],
        ));
    }
}

/// UG003: MemoryDenyWriteExecute on a JIT runtime.
fn mdwe_on_jit(s: &Scored, e: &ExecSettings, facts: &Facts, out: &mut Vec<Finding>) {
    if e.memory_deny_write_execute && facts.has(Tag::Jit) {
        let (file, line) = at(s, "MemoryDenyWriteExecute");
        let bin = facts.binary_name.clone().unwrap_or_default();
        out.push(Finding::new(
            "UG003",
            &s.unit.id,
            file,
            line,
            &[("binary", &bin)],
        ));
    }
}

/// UG004: an allow list that was not started from @system-service.
fn syscall_allow_list(s: &Scored, e: &ExecSettings, out: &mut Vec<Finding>) {
    if !e.syscall_filter.allow_list {
        return;
    }
    let lines = active_lines(s, "SystemCallFilter");
    let has_base = lines.iter().any(|(_, a)| {
        a.value
            .split_whitespace()
            .any(|w| w == "@system-service" || w == "@known")
    });
    if !has_base {
        if let Some((file, a)) = lines.iter().find(|(_, a)| !a.value.starts_with('~')) {
            out.push(Finding::new("UG004", &s.unit.id, file, Some(a.line), &[]));
        }
    }
}

/// UG005: non-root service binding a low port without CAP_NET_BIND_SERVICE.
fn low_port(
    s: &Scored,
    e: &ExecSettings,
    facts: &Facts,
    tables: &crate::tables::SystemdTables,
    out: &mut Vec<Finding>,
) {
    let non_root = e.dynamic_user || !matches!(e.user.as_deref(), None | Some("root" | "0" | ""));
    // With a .socket unit, systemd binds the port and hands the socket over.
    if !non_root || facts.socket_activated {
        return;
    }
    let start = inspect::raw_values(s, "ExecStart");
    if start
        .first()
        .is_some_and(|v| runs_privileged(exec_prefix(v)))
    {
        return;
    }
    let Some(&port) = facts.low_ports.iter().next() else {
        return;
    };
    let bit = tables
        .capability("cap_net_bind_service")
        .map_or(0, |b| 1u64 << b);
    if e.ambient_capabilities & bit == 0 || e.capability_bounding_set & bit == 0 {
        let (file, line) = last(s, "CapabilityBoundingSet")
            .or_else(|| last(s, "User"))
            .map_or((s.unit.fragment.as_path(), None), |(f, a)| {
                (f, Some(a.line))
            });
        out.push(Finding::new(
            "UG005",
            &s.unit.id,
            file,
            line,
            &[("port", &port.to_string())],
        ));
    }
}

fn covers(p: &IpPrefix, ip: IpAddr) -> bool {
    match (p.addr, ip) {
        (IpAddr::V4(net), IpAddr::V4(a)) => {
            let mask = if p.prefix_len == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(p.prefix_len.min(32)))
            };
            u32::from(net) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(net), IpAddr::V6(a)) => {
            let mask = if p.prefix_len == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(p.prefix_len.min(128)))
            };
            u128::from(net) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

/// The name servers of ROOT/etc/resolv.conf, when it lists any.
fn resolvers(root: Option<&Path>) -> Vec<IpAddr> {
    let path = under_root(root, Path::new("/etc/resolv.conf"));
    let Ok(data) = crate::files::read_head_in(root, &path, 1 << 20) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&data);
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .filter_map(|v| v.split_whitespace().next()?.split('%').next()?.parse().ok())
        .collect()
}

/// UG006: deny-all with an allow list the DNS resolver is not on.
fn ip_deny_without_resolver(
    s: &Scored,
    e: &ExecSettings,
    opts: &LintOptions,
    out: &mut Vec<Finding>,
) {
    // Which resolver the service will use is a fact of the machine it runs on.
    if !opts.reads_files() {
        return;
    }
    let Some(c) = &s.settings.cgroup else { return };
    let deny_all = c.ip_address_deny.iter().any(|p| p.prefix_len == 0);
    if !deny_all
        || c.ip_address_allow.is_empty()
        || !c.ip_ingress_filter_paths.is_empty()
        || !c.ip_egress_filter_paths.is_empty()
        || e.private_network
    {
        return;
    }
    let allowed = |ip: IpAddr| c.ip_address_allow.iter().any(|p| covers(p, ip));
    let servers = resolvers(opts.ctx.root());
    let missing = if servers.is_empty() {
        // No resolv.conf to go by: glibc then asks the local host; any loopback entry will do.
        let local = c.ip_address_allow.iter().any(|p| match p.addr {
            IpAddr::V4(a) => a.octets()[0] == 127,
            IpAddr::V6(a) => a.is_loopback(),
        });
        (!local).then(|| "localhost".to_string())
    } else if servers.iter().any(|&ip| allowed(ip)) {
        None
    } else {
        Some(servers[0].to_string())
    };
    if let Some(resolver) = missing {
        // The message names where the resolver comes from, never its address: a report is
        // read on other machines than the one that made it.
        let (source, allow) = if resolver == "localhost" {
            ("(localhost: there is no resolv.conf)", "localhost")
        } else if resolver.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) {
            ("(a local one, by resolv.conf)", "localhost")
        } else {
            (
                "(the first nameserver of resolv.conf)",
                "that nameserver's address",
            )
        };
        let (file, line) = at(s, "IPAddressDeny");
        out.push(Finding::new(
            "UG006",
            &s.unit.id,
            file,
            line,
            &[("source", source), ("allow", allow)],
        ));
    }
}

/// UG012: settings that cannot work together.
fn conflicts(s: &Scored, e: &ExecSettings, facts: &Facts, out: &mut Vec<Finding>) {
    let unit = s.unit.id.as_str();
    if let Some(c) = &s.settings.cgroup {
        // PrivateNetwork= with IPAddressDeny= is defence in depth (systemd's own units do it);
        // an allow list of remote peers under PrivateNetwork= can never be used.
        let remote_peers = c.ip_address_allow.iter().any(|p| !p.addr.is_loopback());
        if e.private_network && remote_peers {
            let (file, line) = at(s, "PrivateNetwork");
            out.push(Finding::new("UG012", unit, file, line, &[
                ("what", "PrivateNetwork=yes cuts the service off the network: the peers IPAddressAllow= lets through are unreachable"),
                ("fix", "Drop PrivateNetwork= if the service must reach those peers, or the IPAddressAllow= entries if it must not."),
            ]));
        }
    }
    if e.dynamic_user && matches!(e.user.as_deref(), Some("root" | "0")) {
        let (file, line) = at(s, "User");
        out.push(Finding::new("UG012", unit, file, line, &[
            ("what", "DynamicUser=yes with User=root: the service still runs as root"),
            ("fix", "Remove User= (or set a non-root name) so DynamicUser= allocates a transient user."),
        ]));
    }
    if matches!(e.protect_home, ProtectHome::Yes | ProtectHome::Tmpfs) {
        for key in ["WorkingDirectory", "ExecStart"] {
            let Some((file, a)) = last(s, key) else {
                continue;
            };
            let prefix = exec_prefix(&a.value);
            // WorkingDirectory=-PATH: a failed chdir is ignored. ExecStart=+/!: no namespace.
            let harmless = if key == "WorkingDirectory" {
                prefix.contains('-')
            } else {
                runs_privileged(prefix)
            };
            let path = &a.value[prefix.len()..];
            if !harmless
                && ["/home/", "/root/", "/run/user/"]
                    .iter()
                    .any(|p| path.starts_with(p))
            {
                out.push(Finding::new("UG012", unit, file, Some(a.line), &[
                    ("what", &format!("ProtectHome={} hides {key}={}: the service fails with status=200/CHDIR or 203/EXEC", e.protect_home, a.value)),
                    ("fix", "Use ProtectHome=read-only, or move the program out of the home directories."),
                ]));
            }
        }
    }
    if e.no_new_privileges && facts.has(Tag::SetuidExec) && runs_setuid_programs(s, facts) {
        let (file, line) = at(s, "NoNewPrivileges");
        let bin = facts.binary_name.clone().unwrap_or_default();
        out.push(Finding::new("UG012", unit, file, line, &[
            ("what", &format!("NoNewPrivileges=yes, but {bin} runs setuid programs or user jobs: they lose their privileges")),
            ("fix", "Remove NoNewPrivileges= for this service."),
        ]));
    }
}

/// The setuid-exec need comes from the program itself (cron, sudo, sshd, ...), its daemon profile
/// or PAMName=, not merely from a shell: a shell script is not a setuid runner because of its
/// interpreter (the shells' need rule is a guess, `until_traced` in data/profiles.toml).
fn runs_setuid_programs(s: &Scored, facts: &Facts) -> bool {
    let by_binary = facts.binary_name.as_deref().is_some_and(|n| {
        Knowledge::get()
            .rules_for(n)
            .any(|r| !r.until_traced && r.tags.contains(&Tag::SetuidExec))
    });
    let by_profile = facts
        .profile
        .as_ref()
        .is_some_and(|p| p.tags.contains(&Tag::SetuidExec));
    let by_pam = inspect::raw_values(s, "PAMName")
        .iter()
        .any(|v| !v.is_empty());
    by_binary || by_profile || by_pam
}

/// UG001: a unit in /etc/systemd/system that shadows a vendor unit, or a vendor unit whose
/// content differs from what its Debian package shipped.
fn vendor_copy(s: &Scored, opts: &LintOptions, out: &mut Vec<Finding>) {
    let frag = &s.unit.fragment;
    let etc = under_root(opts.ctx.root(), Path::new("/etc/systemd/system"));
    let name = frag
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if frag.starts_with(&etc) && !frag.is_symlink() {
        for vendor in [
            "/lib/systemd/system",
            "/usr/lib/systemd/system",
            "/usr/local/lib/systemd/system",
        ] {
            if under_root(opts.ctx.root(), &Path::new(vendor).join(&name)).is_file() {
                out.push(Finding::new(
                    "UG001",
                    &s.unit.id,
                    frag,
                    None,
                    &[("unit", &name)],
                ));
                return;
            }
        }
        return;
    }
    // A vendor file edited in place: compare with dpkg's recorded md5sum.
    let Ok(rel) = frag.strip_prefix(opts.ctx.root().unwrap_or(Path::new("/"))) else {
        return;
    };
    let rel = rel.to_string_lossy().trim_start_matches('/').to_string();
    let info = under_root(opts.ctx.root(), Path::new("/var/lib/dpkg/info"));
    let Ok(dir) = std::fs::read_dir(&info) else {
        return;
    };
    for entry in dir.flatten() {
        let p = entry.path();
        if p.extension().is_none_or(|e| e != "md5sums") {
            continue;
        }
        let Ok(data) = crate::files::read_head_in(opts.ctx.root(), &p, 16 << 20) else {
            continue;
        };
        let text = String::from_utf8_lossy(&data);
        for line in text.lines() {
            if let Some((sum, path)) = line.split_once("  ") {
                let same = path == rel
                    || path.strip_prefix("usr/") == Some(rel.as_str())
                    || rel.strip_prefix("usr/") == Some(path);
                if same {
                    if let Ok(data) = crate::files::read_head_in(opts.ctx.root(), frag, 64 << 20) {
                        use md5::Digest;
                        let actual = format!("{:x}", md5::Md5::digest(&data));
                        if actual != sum {
                            out.push(Finding::new(
                                "UG001",
                                &s.unit.id,
                                frag,
                                None,
                                &[("unit", &name)],
                            ));
                        }
                    }
                    return;
                }
            }
        }
    }
}
