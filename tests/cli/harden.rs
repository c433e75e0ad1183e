//! Focused tests of `unitguard harden`: the drop-in's layout, the version gate, `--allow-ip`,
//! what the service's binary and the unit's own settings rule out, and `--write`. Every score
//! is checked against the live `systemd-analyze security --offline=true` (systemd 252) with the
//! drop-in in place, and no check of systemd's table may get worse.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::common;
use crate::support::*;

#[derive(Debug, Clone)]
struct Row {
    /// None: the check does not apply.
    badness: Option<u64>,
    description: String,
}

#[derive(Debug)]
struct Security {
    /// `9.6 UNSAFE`
    overall: String,
    /// json_field → row
    rows: BTreeMap<String, Row>,
}

impl Security {
    fn row(&self, field: &str) -> &Row {
        self.rows
            .get(field)
            .unwrap_or_else(|| panic!("systemd has no check {field}"))
    }
}

struct Harden {
    /// The drop-in (stdout without --write, the written file with it).
    text: String,
    stdout: String,
    stderr: String,
}

/// Unit files go to lib/systemd/system (`Root::vendor`), the drop-in to etc/systemd/system.
impl Root {
    /// Where `harden --write` puts the drop-in of `unit`.
    fn hardening_conf(&self, unit: &str) -> PathBuf {
        self.join(&format!("{UNIT_DIR}/{unit}.d/hardening.conf"))
    }

    fn run_harden(&self, unit: &str, args: &[&str]) -> Output {
        let out = self.try_harden(unit, args);
        assert!(
            out.status.success(),
            "harden {unit} {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// `harden` with `args`; with --write the text is read back from the file.
    /// `unitguard harden --root ROOT ARGS UNIT`, whatever its exit status.
    fn try_harden(&self, unit: &str, args: &[&str]) -> Output {
        self.ug(["harden", "--root", &self.arg()])
            .args(args)
            .arg(unit)
            .output()
    }

    fn harden(&self, unit: &str, args: &[&str]) -> Harden {
        let out = self.run_harden(unit, args);
        let stdout = String::from_utf8(out.stdout).unwrap();
        let text = if args.contains(&"--write") {
            std::fs::read_to_string(self.hardening_conf(unit)).unwrap()
        } else {
            stdout.clone()
        };
        let h = Harden {
            text,
            stdout,
            stderr: String::from_utf8(out.stderr).unwrap(),
        };
        self.snapshot(unit, args, &h);
        h
    }

    /// Snapshots what `harden` printed and wrote, one file per test, unit and arguments.
    fn snapshot(&self, unit: &str, args: &[&str], h: &Harden) {
        let test = std::thread::current()
            .name()
            .unwrap_or("harden")
            .to_string();
        let test = test.rsplit("::").next().unwrap();
        let name: String = std::iter::once(unit)
            .chain(args.iter().copied())
            .flat_map(|a| [a.trim_start_matches('-'), "_"])
            .collect::<String>()
            .trim_end_matches('_')
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "@.-_".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let shown = if args.contains(&"--write") {
            format!(
                "--- written\n{}--- stdout\n{}--- stderr\n{}",
                h.text, h.stdout, h.stderr
            )
        } else {
            format!("{}--- stderr\n{}", h.stdout, h.stderr)
        };
        // The same call again in the same test (a second --write) gets its own snapshot.
        thread_local!(static CALLS: std::cell::RefCell<HashMap<String, usize>> = Default::default());
        let n = CALLS.with(|c| {
            let mut c = c.borrow_mut();
            let n = c.entry(name.clone()).or_default();
            *n += 1;
            *n
        });
        let name = if n == 1 { name } else { format!("{name}-{n}") };
        let _s = self.snapshots().bind_to_scope();
        insta::assert_snapshot!(format!("{test}__{name}"), shown);
    }

    /// systemd's overall score and table (with badness: SYSTEMD_ANALYZE_DEBUG=1).
    fn security(&self, unit: &str, version: u32) -> Security {
        let base = |json: bool| {
            let mut c = common::systemd_analyze(version);
            c.current_dir(self.path())
                .env("SYSTEMD_ANALYZE_DEBUG", "1")
                .args(["security", "--offline=true"])
                .arg(format!("--root={}", self.path().display()));
            if json {
                c.arg("--json=short");
            }
            c.arg(unit);
            c.output().expect("systemd-analyze runs")
        };
        let text = base(false);
        let stdout = String::from_utf8_lossy(&text.stdout);
        let overall = stdout
            .lines()
            .find_map(|l| l.split_once(&format!("Overall exposure level for {unit}: ")))
            .map(|(_, s)| s.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|| {
                panic!(
                    "systemd-analyze security {unit}: {}",
                    String::from_utf8_lossy(&text.stderr)
                )
            });
        let json: Value = serde_json::from_slice(&base(true).stdout).unwrap();
        let rows = json
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["json_field"].as_str().unwrap().to_string(),
                    Row {
                        badness: r["badness"].as_u64().filter(|b| *b != u64::MAX),
                        description: r["description"].as_str().unwrap().to_string(),
                    },
                )
            })
            .collect();
        Security { overall, rows }
    }

    /// `systemd-analyze verify` output lines that name the drop-in.
    fn verify_complaints(&self, unit: &str, version: u32) -> Vec<String> {
        let out = common::systemd_analyze(version)
            .current_dir(self.path())
            .args(["verify", "--man=no", "--generators=no"])
            .arg(format!("--root={}", self.path().display()))
            .arg(unit)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .chain(String::from_utf8_lossy(&out.stdout).lines())
            .filter(|l| l.contains("hardening.conf"))
            .map(str::to_string)
            .collect()
    }

    /// Writes the drop-in and checks it against systemd: the header's prediction is systemd's
    /// before and after, verify has nothing to say about the file, no check got worse, and
    /// lists never merge into a looser one. Returns the drop-in and systemd's tables.
    fn harden_checked(&self, unit: &str, args: &[&str]) -> (Harden, Security, Security) {
        // Start from the unit alone (a drop-in of an earlier call would be replaced anyway).
        let _ = std::fs::remove_dir_all(self.hardening_conf(unit).parent().unwrap());
        // The version asked for, else the host's: its own analyser is the oracle.
        let version = args
            .iter()
            .position(|a| *a == "--systemd-version")
            .map_or_else(common::host_version, |i| args[i + 1].parse().unwrap());
        let before = self.security(unit, version);
        let mut all = vec!["--write"];
        all.extend_from_slice(args);
        let h = self.harden(unit, &all);
        let after = self.security(unit, version);
        let expected = format!(
            "# Predicted exposure (systemd-analyze security): {} -> {}",
            before.overall, after.overall
        );
        assert!(
            h.text.lines().any(|l| l == expected),
            "{unit} {args:?}: systemd says {expected:?}; the drop-in:\n{}",
            h.text
        );
        assert!(
            h.stderr.lines().any(|l| l
                == format!(
                    "{unit}: {} -> {} (predicted)",
                    before.overall, after.overall
                )),
            "stderr: {}",
            h.stderr
        );
        let complaints = self.verify_complaints(unit, version);
        assert!(
            complaints.is_empty(),
            "systemd-analyze verify:\n{}",
            complaints.join("\n")
        );
        assert_never_looser(unit, &before, &after, &h.text);
        (h, before, after)
    }
}

fn assert_never_looser(unit: &str, before: &Security, after: &Security, text: &str) {
    assert_eq!(before.rows.len(), after.rows.len());
    for (field, a) in &after.rows {
        let b = before.row(field);
        assert!(
            a.badness.unwrap_or(0) <= b.badness.unwrap_or(0),
            "{unit}: {field} got worse: {:?} {:?} -> {:?} {:?}\n{text}",
            b.badness,
            b.description,
            a.badness,
            a.description
        );
    }
}

/// The `Key=value` lines of a drop-in, in order.
fn directives(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('[') && !l.trim().is_empty())
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("not an assignment: {l:?}"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// The values of `key`'s lines in a drop-in, in order.
fn values(text: &str, key: &str) -> Vec<String> {
    directives(text)
        .into_iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v)
        .collect()
}

/// data/directives.toml: name → (group, since, comment).
fn catalogue() -> HashMap<String, (String, u32, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/directives.toml");
    let doc: toml::Value = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["directive"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_string(),
                (
                    d["group"].as_str().unwrap().to_string(),
                    u32::try_from(d["since"].as_integer().unwrap()).unwrap(),
                    d["comment"]
                        .as_str()
                        .unwrap()
                        .trim_start_matches('#')
                        .trim()
                        .to_string(),
                ),
            )
        })
        .collect()
}

/// A file that starts like an ELF executable and holds `strings` as NUL-separated names, the
/// way a dynamic symbol table does.
fn fake_elf(strings: &[&str]) -> Vec<u8> {
    let mut data = b"\x7fELF\x02\x01\x01\0".to_vec();
    data.extend_from_slice(&[0; 56]);
    for s in strings {
        data.push(0);
        data.extend_from_slice(s.as_bytes());
    }
    data.push(0);
    data
}

const PLAIN: &str = "[Unit]\nDescription=an example daemon\n\n[Service]\nExecStart=/usr/sbin/exampled --foreground\n";

// ------------------------------------------------------------------------------------ layout

#[test]
fn dropin_layout() {
    let cat = catalogue();
    let group_titles = [
        ("filesystem", "Filesystem"),
        ("kernel", "Kernel"),
        ("process", "Process"),
        ("capabilities", "Capabilities"),
        ("system-calls", "System calls"),
        ("network", "Network"),
        ("devices", "Devices"),
        ("resources", "Resources"),
    ];
    let root = Root::new();
    root.vendor("exampled.service", PLAIN).vendor(
        "userd.service",
        "[Service]\nExecStart=/usr/bin/userd\nUser=userd\n",
    );
    for unit in ["exampled.service", "userd.service"] {
        for profile in ["baseline", "strict"] {
            let h = root.harden(unit, &["--profile", profile]);
            let ctx = format!("{unit} --profile {profile}:\n{}", h.text);
            let lines: Vec<&str> = h.text.lines().collect();
            // The header: comments only, naming the path, the profile and the prediction.
            let first = lines
                .iter()
                .position(|l| !l.starts_with('#'))
                .expect("a body");
            assert_eq!(
                lines[0],
                format!("# /etc/systemd/system/{unit}.d/hardening.conf"),
                "{ctx}"
            );
            assert!(
                lines[..first]
                    .iter()
                    .any(|l| l.contains(&format!("profile {profile}"))),
                "{ctx}"
            );
            assert!(
                lines[..first]
                    .iter()
                    .any(|l| l.starts_with("# Predicted exposure (systemd-analyze security): ")),
                "{ctx}"
            );
            assert_eq!(lines[first], "[Service]", "[Service] comes first: {ctx}");
            assert_eq!(
                lines.iter().filter(|l| l.starts_with('[')).count(),
                1,
                "one section: {ctx}"
            );
            // Headings in catalogue order, each once, each followed by its directives.
            let headings: Vec<&str> = lines
                .iter()
                .filter_map(|l| l.strip_prefix("# --- "))
                .collect();
            assert!(headings.len() >= 4, "grouped: {ctx}");
            let ranks: Vec<usize> = headings
                .iter()
                .map(|h| {
                    group_titles
                        .iter()
                        .position(|(_, t)| t == h)
                        .unwrap_or_else(|| panic!("unknown heading {h:?}: {ctx}"))
                })
                .collect();
            assert!(
                ranks.windows(2).all(|w| w[0] < w[1]),
                "headings in order, once each: {headings:?}"
            );
            let mut group = None;
            let mut seen: Vec<&str> = Vec::new();
            for (n, line) in lines.iter().enumerate().skip(first + 1) {
                if let Some(h) = line.strip_prefix("# --- ") {
                    group = group_titles.iter().find(|(_, t)| *t == h).map(|(g, _)| *g);
                    assert_eq!(lines[n - 1], "", "a blank line before each heading: {ctx}");
                    continue;
                }
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let (key, value) = line.split_once('=').expect("Key=value");
                assert!(!value.contains('#'), "no end-of-line comments: {line}");
                let (g, _, comment) = cat
                    .get(key)
                    .unwrap_or_else(|| panic!("{key} is not in the catalogue: {ctx}"));
                assert_eq!(
                    Some(g.as_str()),
                    group,
                    "{key} under its group's heading: {ctx}"
                );
                let prev = lines[n - 1];
                let continues = prev.split_once('=').is_some_and(|(k, _)| k == key);
                assert!(
                    prev.starts_with('#') || continues,
                    "a comment before {line}: {ctx}"
                );
                if !seen.contains(&key) {
                    // The catalogue's comment, then maybe a "#   (why)" line.
                    let above: Vec<&str> = lines[..n]
                        .iter()
                        .rev()
                        .take_while(|l| l.starts_with('#') && !l.starts_with("# --- "))
                        .copied()
                        .collect();
                    assert!(
                        above.contains(&format!("# {comment}").as_str()),
                        "{key}: the catalogue's comment {comment:?} above it: {ctx}"
                    );
                    seen.push(key);
                }
            }
            // Printing writes nothing.
            assert!(!root.hardening_conf(unit).exists());
            let score = h.stderr.trim();
            assert!(
                score.starts_with(&format!("{unit}: ")) && score.ends_with(" (predicted)"),
                "{score}"
            );
        }
    }
}

#[test]
fn predictions_match_systemd() {
    let root = Root::new();
    root.vendor("exampled.service", PLAIN).vendor(
        "userd@.service",
        "[Service]\nExecStart=/usr/bin/userd %i\nUser=userd\nPrivateTmp=yes\n",
    );
    for unit in ["exampled.service", "userd@i.service"] {
        for profile in ["baseline", "strict"] {
            root.harden_checked(unit, &["--profile", profile]);
        }
    }
}

// ------------------------------------------------------------------------------- version gate

#[test]
fn each_version_gets_only_what_it_knows() {
    let cat = catalogue();
    let root = Root::new();
    // In /usr/lib: systemd 257 no longer searches /lib/systemd/system.
    root.file("usr/lib/systemd/system/exampled.service", PLAIN);
    for &version in unitguard::tables::SUPPORTED_VERSIONS {
        for profile in ["baseline", "strict"] {
            let v = version.to_string();
            let (h, _, _) = root.harden_checked(
                "exampled.service",
                &["--profile", profile, "--systemd-version", &v],
            );
            assert!(h.text.contains(&format!("systemd {v})")), "{}", h.text);
            for (key, _) in directives(&h.text) {
                let (_, since, _) = cat
                    .get(&key)
                    .unwrap_or_else(|| panic!("{key} is not in the catalogue"));
                assert!(
                    *since <= version,
                    "{key} needs systemd {since}, asked for {v}:\n{}",
                    h.text
                );
            }
        }
    }
}

#[test]
fn a_version_without_tables_is_a_clear_error() {
    let root = Root::new();
    root.vendor("exampled.service", PLAIN);
    let out = root.try_harden("exampled.service", &["--systemd-version", "240"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr), @"unitguard: unitguard has no tables for systemd 240; it has 252, 254, 257 (--nearest-version uses the nearest older one)");
    // With --nearest-version, 253 is read as 252, and stderr says so.
    let out = root.run_harden(
        "exampled.service",
        &["--systemd-version", "253", "--nearest-version"],
    );
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "unitguard: no tables for systemd 253; using the nearest older version, 252\n"
        ),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("systemd 252)"));
    let _s = root.snapshots().bind_to_scope();
    insta::assert_snapshot!("nearest_version", text(&out));
}

// ----------------------------------------------------------------------------------- allow-ip

#[test]
fn allow_ip_denies_everything_else() {
    let root = Root::new();
    root.vendor("exampled.service", PLAIN);
    for profile in ["baseline", "strict"] {
        let (h, before, after) = root.harden_checked(
            "exampled.service",
            &["--profile", profile, "--allow-ip", "10.0.0.0/8"],
        );
        assert_eq!(values(&h.text, "IPAddressDeny"), ["any"], "{}", h.text);
        assert_eq!(
            values(&h.text, "IPAddressAllow"),
            ["localhost 10.0.0.0/8"],
            "{}",
            h.text
        );
        assert_eq!(before.row("IPAddressDeny").badness, Some(10));
        assert_eq!(
            after.row("IPAddressDeny").description,
            "Service defines IP address allow list with non-localhost entries"
        );
    }
    // Several addresses, in order; without --allow-ip no IP lines at all.
    let (h, _, _) = root.harden_checked(
        "exampled.service",
        &[
            "--allow-ip",
            "192.168.1.0/24",
            "--allow-ip",
            "2001:db8::/32",
        ],
    );
    assert_eq!(
        values(&h.text, "IPAddressAllow"),
        ["localhost 192.168.1.0/24 2001:db8::/32"]
    );
    let h = root.harden("exampled.service", &[]);
    assert!(values(&h.text, "IPAddressDeny").is_empty(), "{}", h.text);
    assert!(values(&h.text, "IPAddressAllow").is_empty(), "{}", h.text);
}

#[test]
fn allow_ip_leaves_an_existing_ip_policy_alone() {
    let root = Root::new();
    root.vendor(
        "exampled.service",
        format!("{PLAIN}IPAddressDeny=any\nIPAddressAllow=localhost\n"),
    );
    let (h, before, after) = root.harden_checked("exampled.service", &["--allow-ip", "10.0.0.0/8"]);
    assert!(values(&h.text, "IPAddressAllow").is_empty(), "{}", h.text);
    assert!(values(&h.text, "IPAddressDeny").is_empty(), "{}", h.text);
    assert_eq!(
        before.row("IPAddressDeny").badness,
        after.row("IPAddressDeny").badness
    );
}

// ---------------------------------------------------------------------------------------- JIT

#[test]
fn jit_runtimes_keep_writable_executable_memory() {
    let root = Root::new();
    let libc = ["libc.so.6", "socket", "connect"];
    root.executable("usr/bin/node", fake_elf(&libc));
    root.executable("usr/lib/jvm/bin/java", fake_elf(&libc));
    root.executable(
        "opt/app/server",
        b"#!/usr/bin/env node\nrequire('http').createServer().listen(8080);\n",
    );
    root.executable(
        "usr/local/bin/appserver",
        fake_elf(&["libjvm.so", "libc.so.6", "socket"]),
    );
    root.executable("usr/local/bin/plaind", fake_elf(&libc));
    root.vendor(
        "nodeapp.service",
        "[Service]\nExecStart=/usr/bin/node /opt/app/main.js\nUser=app\n",
    )
    .vendor(
        "javaapp.service",
        "[Service]\nExecStart=/usr/lib/jvm/bin/java -jar /opt/app/app.jar\nUser=app\n",
    )
    .vendor(
        "scriptapp.service",
        "[Service]\nExecStart=/opt/app/server\nUser=app\n",
    )
    .vendor(
        "embedded.service",
        "[Service]\nExecStart=/usr/local/bin/appserver\nUser=app\n",
    )
    .vendor(
        "plaind.service",
        "[Service]\nExecStart=/usr/local/bin/plaind\nUser=app\n",
    );
    for profile in ["baseline", "strict"] {
        for unit in [
            "nodeapp.service",
            "javaapp.service",
            "scriptapp.service",
            "embedded.service",
        ] {
            let (h, _, after) = root.harden_checked(unit, &["--profile", profile]);
            assert!(
                values(&h.text, "MemoryDenyWriteExecute").is_empty(),
                "{unit} runs a JIT:\n{}",
                h.text
            );
            assert_eq!(after.row("MemoryDenyWriteExecute").badness, Some(1));
        }
        let (h, _, after) = root.harden_checked("plaind.service", &["--profile", profile]);
        assert_eq!(
            values(&h.text, "MemoryDenyWriteExecute"),
            ["yes"],
            "{}",
            h.text
        );
        assert_eq!(after.row("MemoryDenyWriteExecute").badness, Some(0));
    }
}

// -------------------------------------------------------------------- the unit's own settings

#[test]
fn settings_the_unit_has_are_kept() {
    let root = Root::new();
    root.vendor(
        "keep.service",
        format!(
            "{PLAIN}ProtectSystem=strict\nCapabilityBoundingSet=CAP_NET_ADMIN\nSystemCallFilter=~@mount\n"
        ),
    );
    for profile in ["baseline", "strict"] {
        let (h, before, after) = root.harden_checked("keep.service", &["--profile", profile]);
        let ctx = format!("--profile {profile}:\n{}", h.text);
        assert!(values(&h.text, "ProtectSystem").is_empty(), "{ctx}");
        for v in values(&h.text, "CapabilityBoundingSet") {
            assert!(
                v.is_empty() || v.starts_with('~'),
                "a plain list would be OR'ed into the unit's: {v:?}\n{ctx}"
            );
        }
        for v in values(&h.text, "SystemCallFilter") {
            assert!(
                v.starts_with('~'),
                "the unit's filter is a deny list: {v:?}\n{ctx}"
            );
        }
        assert_eq!(after.row("ProtectSystem").badness, Some(0));
        assert_eq!(after.row("SystemCallFilter_mount").badness, Some(0));
        // The unit's author says the service needs CAP_NET_ADMIN: it stays, nothing is added.
        assert_eq!(
            after.row("CapabilityBoundingSet_CAP_NET_ADMIN").badness,
            before.row("CapabilityBoundingSet_CAP_NET_ADMIN").badness
        );
        assert!(
            after
                .rows
                .iter()
                .filter(|(f, _)| f.starts_with("CapabilityBoundingSet_") && !f.contains("NET_ADMIN"))
                .all(|(_, r)| r.badness == Some(0)),
            "{ctx}"
        );
    }
}

#[test]
fn an_allow_list_the_unit_has_only_shrinks() {
    // nginx's profile gives back @setuid @chown after denying @privileged; a unit whose own
    // allow list has neither must not get them.
    let root = Root::new();
    root.vendor(
        "nginx.service",
        "[Service]\nExecStart=/usr/sbin/nginx\nSystemCallFilter=@basic-io @file-system @network-io @process @signal @io-event\n",
    )
    .vendor(
        "nginx-setuid.service",
        "[Service]\nExecStart=/usr/sbin/nginx\nSystemCallFilter=@system-service\nSystemCallFilter=~@chown\n",
    );
    for profile in ["baseline", "strict"] {
        for unit in ["nginx.service", "nginx-setuid.service"] {
            let (h, _, _) = root.harden_checked(unit, &["--profile", profile]);
            for v in values(&h.text, "SystemCallFilter") {
                assert!(!v.contains("@chown"), "{unit}: {v}\n{}", h.text);
                if unit == "nginx.service" {
                    assert!(!v.contains("@setuid"), "{unit}: {v}\n{}", h.text);
                }
            }
        }
    }
}

#[test]
fn a_non_root_user_gets_an_empty_bounding_set() {
    let root = Root::new();
    root.vendor(
        "userd.service",
        "[Service]\nExecStart=/usr/bin/userd\nUser=userd\nGroup=userd\n",
    )
    .vendor(
        "dynamic.service",
        "[Service]\nExecStart=/usr/bin/userd\nDynamicUser=yes\n",
    );
    for profile in ["baseline", "strict"] {
        for unit in ["userd.service", "dynamic.service"] {
            let (h, _, after) = root.harden_checked(unit, &["--profile", profile]);
            assert_eq!(
                values(&h.text, "CapabilityBoundingSet"),
                [""],
                "{unit} {profile}:\n{}",
                h.text
            );
            for (f, r) in &after.rows {
                if f.starts_with("CapabilityBoundingSet_") {
                    assert_eq!(r.badness, Some(0), "{unit}: {f} {}", r.description);
                }
            }
        }
    }
}

#[test]
fn lists_replace_with_an_empty_assignment_or_narrow_with_tilde() {
    // CapabilityBoundingSet= plain lists are OR'ed into what the unit has; RestrictAddressFamilies=
    // and SystemCallFilter= plain lists add to an allow list. So a plain list only ever comes
    // first where the unit has no such list, or right after an empty assignment.
    let root = Root::new();
    root.vendor(
        "tilde.service",
        "[Service]\nExecStart=/usr/bin/tilded\nUser=tilde\nCapabilityBoundingSet=~CAP_SYS_ADMIN\n",
    )
    .vendor(
        "families.service",
        "[Service]\nExecStart=/usr/bin/familyd\nRestrictAddressFamilies=AF_UNIX\n",
    )
    .vendor(
        "fresh.service",
        "[Service]\nExecStart=/usr/bin/freshd\nUser=fresh\n",
    );
    for profile in ["baseline", "strict"] {
        for unit in ["tilde.service", "families.service", "fresh.service"] {
            let (h, before, after) = root.harden_checked(unit, &["--profile", profile]);
            let unit_text =
                std::fs::read_to_string(root.join(&format!("{VENDOR_DIR}/{unit}"))).unwrap();
            for key in [
                "CapabilityBoundingSet",
                "RestrictAddressFamilies",
                "SystemCallFilter",
            ] {
                let unit_has = unit_text.contains(&format!("\n{key}="));
                let lines = values(&h.text, key);
                if let Some(first) = lines.first() {
                    let plain = !first.is_empty() && !first.starts_with('~');
                    assert!(
                        !(plain && unit_has),
                        "{unit}: {key}={first} would merge into the unit's own list:\n{}",
                        h.text
                    );
                }
            }
            if unit != "families.service" {
                // A non-root service ends up with no capabilities at all.
                for (f, r) in &after.rows {
                    if f.starts_with("CapabilityBoundingSet_") {
                        assert_eq!(r.badness, Some(0), "{unit}: {f}\n{}", h.text);
                    }
                }
            }
            if unit == "families.service" {
                assert!(
                    values(&h.text, "RestrictAddressFamilies").is_empty(),
                    "{}",
                    h.text
                );
                for f in [
                    "RestrictAddressFamilies_AF_PACKET",
                    "RestrictAddressFamilies_AF_INET_INET6",
                ] {
                    if let (Some(b), Some(a)) = (before.rows.get(f), after.rows.get(f)) {
                        assert_eq!(b.badness, a.badness, "{f}");
                    }
                }
            }
            if unit == "fresh.service" {
                assert_eq!(values(&h.text, "CapabilityBoundingSet"), [""], "{}", h.text);
            }
        }
    }
}

// -------------------------------------------------------------------------------------- write

#[test]
fn write_keeps_a_different_file_and_is_idempotent() {
    let root = Root::new();
    root.vendor("exampled.service", PLAIN);
    let previous = "[Service]\nProtectSystem=full\nPrivateTmp=yes\n";
    let path = root.hardening_conf("exampled.service");
    root.file(
        "etc/systemd/system/exampled.service.d/hardening.conf",
        previous,
    );
    let backup = path.with_file_name("hardening.conf.unitguard-backup");

    let printed = root.harden("exampled.service", &["--profile", "strict"]);
    let first = root.harden("exampled.service", &["--profile", "strict", "--write"]);
    assert_eq!(
        first.text, printed.text,
        "--write writes what is printed, planned without the file it replaces"
    );
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), previous);
    assert!(
        first.stdout.contains("previous version kept as"),
        "{}",
        first.stdout
    );
    std::fs::remove_file(&backup).unwrap();

    let second = root.harden("exampled.service", &["--profile", "strict", "--write"]);
    assert_eq!(second.text, first.text);
    assert!(!backup.exists(), "no backup when nothing changes");
    assert!(
        !second.stdout.contains("previous version"),
        "{}",
        second.stdout
    );
    assert_eq!(second.stderr, first.stderr);
    let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(names, ["hardening.conf"], "no temporary files left behind");

    // Another profile replaces it, keeping the old one.
    let third = root.harden("exampled.service", &["--profile", "baseline", "--write"]);
    assert_ne!(third.text, first.text);
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), first.text);
    // And the result is what systemd sees.
    let after = root.security("exampled.service", common::host_version());
    assert!(
        third.text.contains(&format!(" -> {}\n", after.overall)),
        "{}\nsystemd: {}",
        third.text,
        after.overall
    );
}

/// Evidence of a daemon that starts as root and switches to its own user, reloaded with
/// `kill -HUP $MAINPID`: the kill needed CAP_KILL (the daemon runs as another user by
/// then); `daemon_kills` says whether the daemon itself also sent such a signal. With
/// `per_line` false the runs lack their line record, as files from before it.
fn reload_by_kill_evidence(daemon_kills: bool, per_line: bool) -> Value {
    reload_evidence("-/bin/kill -HUP $MAINPID", daemon_kills, per_line)
}

fn reload_evidence(reload: &str, daemon_kills: bool, per_line: bool) -> Value {
    let mut daemon_caps = vec!["CAP_SETGID", "CAP_SETUID"];
    if daemon_kills {
        daemon_caps.push("CAP_KILL");
    }
    let run = |what: &str, line: &str, caps: &[&str]| {
        let mut r = serde_json::json!({
            "what": what, "command": line.split(' ').collect::<Vec<_>>(), "started": 0,
            "duration_s": 5.0, "tracer": "strace -- version 6.1", "untraced": [],
            "lines": 10, "unknown_lines": 0,
        });
        if per_line {
            r["line"] = line.into();
            r["capabilities"] = caps.into();
        }
        r
    };
    serde_json::json!({
        "schema": 1, "unit": "selfdrop.service",
        "runs": [
            run("ExecStart", "/usr/sbin/selfdrop -f", &daemon_caps),
            run("ExecReload", reload, &["CAP_KILL"]),
        ],
        "files": {}, "sockets": [], "families": ["AF_UNIX"], "syscalls": {"setuid": 1, "setgid": 1, "setgroups": 1, "kill": 1},
        "capabilities": {
            "CAP_KILL": ["kill(1234, SIGHUP) to uid 101"],
            "CAP_SETUID": ["setuid(101)"], "CAP_SETGID": ["setgid(101)"],
        },
        "wx_mappings": [], "execs": [], "setuid_execs": [], "namespaces": [], "realtime": [],
        "personality": [], "clock": [], "hostname": [], "devices": [], "user_switches": ["uid 0 -> 101"],
        "keyring": false, "sysv_ipc": false, "kill_other": [], "mounts": [], "denials": [],
    })
}

/// A capability only a helper command used (the reload's kill) goes to that command alone
/// (`+`: CapabilityBoundingSet= does not apply to it) and leaves the daemon's bounding set,
/// as systemd scores it; not when the daemon used it too, nor when the evidence does not
/// say which line used what.
#[test]
fn a_capability_only_a_helper_used_goes_to_that_helper() {
    const UNIT: &str =
        "[Service]\nExecStart=/usr/sbin/selfdrop -f\nExecReload=-/bin/kill -HUP $MAINPID\n";
    let root = Root::new();
    root.vendor("selfdrop.service", UNIT);
    for (daemon_kills, per_line) in [(false, true), (true, true), (false, false)] {
        // Relative to the tree (harden runs there), so the snapshot's name is stable.
        let ev = format!("kill-by-daemon-{daemon_kills}-per-line-{per_line}.json");
        let json = reload_by_kill_evidence(daemon_kills, per_line).to_string();
        std::fs::write(root.join(&ev), json).unwrap();
        let (h, _, after) = root.harden_checked("selfdrop.service", &["--from", &ev]);
        let moved = !daemon_kills && per_line;
        let kill = after.row("CapabilityBoundingSet_CAP_KILL");
        let bounding = values(&h.text, "CapabilityBoundingSet").join(" ");
        assert_eq!(
            values(&h.text, "ExecReload"),
            if moved {
                vec!["".to_string(), "+-/bin/kill -HUP $MAINPID".to_string()]
            } else {
                vec![]
            },
            "daemon kills: {daemon_kills}, per line: {per_line}\n{}",
            h.text
        );
        assert_eq!(
            bounding.contains("CAP_KILL"),
            !moved,
            "daemon kills: {daemon_kills}, per line: {per_line}: {bounding}"
        );
        assert_eq!(
            kill.badness,
            Some(if moved { 0 } else { 1 }),
            "systemd: {}",
            kill.description
        );
    }
}

/// What the unit's own `+` lines used binds nothing (no bounding set applies to them): it
/// leaves the daemon's bounding set without any line rewritten, for root and other users.
#[test]
fn what_full_privilege_lines_used_is_no_need_of_the_daemon() {
    let root = Root::new();
    for (unit, user) in [("rootd.service", ""), ("userd.service", "User=daemon\n")] {
        root.vendor(
            unit,
            format!(
                "[Service]\nExecStart=/usr/sbin/selfdrop -f\nExecReload=+/bin/kill -HUP $MAINPID\n{user}"
            ),
        );
        let ev = format!("{unit}.json");
        let json = reload_evidence("+/bin/kill -HUP $MAINPID", false, true).to_string();
        std::fs::write(root.join(&ev), json).unwrap();
        let (h, _, after) = root.harden_checked(unit, &["--from", &ev]);
        assert!(values(&h.text, "ExecReload").is_empty(), "{}", h.text);
        let kill = after.row("CapabilityBoundingSet_CAP_KILL");
        assert_eq!(
            kill.badness,
            Some(0),
            "{unit}: {}\n{}",
            kill.description,
            h.text
        );
    }
}

/// The calls only a `+` line made (a `chown` before the daemon starts) are not given back
/// to the daemon's system call filter, which does not bind that line: systemd then scores
/// @privileged as denied.
#[test]
fn calls_only_a_full_privilege_line_made_stay_denied() {
    let root = Root::new();
    root.vendor(
        "chowned.service",
        "[Service]\nUser=daemon\nExecStartPre=+/bin/chown daemon /var/lib/chowned\nExecStart=/usr/sbin/chowned\n",
    );
    let run = |what: &str, line: &str, calls: &[&str]| {
        serde_json::json!({
            "what": what, "command": line.split(' ').collect::<Vec<_>>(), "started": 0,
            "duration_s": 5.0, "tracer": "strace -- version 6.1", "untraced": [],
            "lines": 10, "unknown_lines": 0, "line": line,
            "capabilities": if what == "ExecStart" { vec![] } else { vec!["CAP_CHOWN"] },
            "syscalls": calls,
        })
    };
    let ev = serde_json::json!({
        "schema": 1, "unit": "chowned.service",
        "runs": [
            run("ExecStartPre", "+/bin/chown daemon /var/lib/chowned", &["execve", "fchownat"]),
            run("ExecStart", "/usr/sbin/chowned", &["execve", "socket"]),
        ],
        "files": {}, "sockets": [], "families": ["AF_UNIX"],
        "syscalls": {"execve": 2, "fchownat": 1, "socket": 1},
        "capabilities": {"CAP_CHOWN": ["chown /var/lib/chowned to 1:-1"]},
        "wx_mappings": [], "execs": [], "setuid_execs": [], "namespaces": [], "realtime": [],
        "personality": [], "clock": [], "hostname": [], "devices": [], "user_switches": [],
        "keyring": false, "sysv_ipc": false, "kill_other": [], "mounts": [], "denials": [],
    });
    std::fs::write(root.join("chowned.json"), ev.to_string()).unwrap();
    let (h, _, after) = root.harden_checked("chowned.service", &["--from", "chowned.json"]);
    let privileged = after.row("SystemCallFilter_privileged");
    assert_eq!(
        privileged.badness,
        Some(0),
        "systemd: {}\n{}",
        privileged.description,
        h.text
    );
}

/// A shell ExecStart= could run setuid programs, so `harden` alone keeps NoNewPrivileges=
/// off; a trace shows what the script ran: none, and NoNewPrivileges=yes follows; sudo, and it
/// stays off. systemd-analyze's NoNewPrivileges row on the result is the oracle.
#[test]
fn a_trace_replaces_the_guess_about_a_shell_script() {
    let root = Root::new();
    root.vendor(
        "wrapped.service",
        "[Service]\nExecStart=/bin/sh -c \"exec /usr/sbin/wrapped --foreground\"\n",
    );
    let evidence = |setuid: &[&str]| {
        evidence_json(
            "wrapped.service",
            serde_json::json!({
                "runs": [run_json("ExecStart", &["/bin/sh", "-c", "exec /usr/sbin/wrapped"], serde_json::json!({}))],
                "families": ["AF_UNIX"], "syscalls": {"execve": 2, "socket": 1},
                "execs": ["/usr/sbin/wrapped"], "setuid_execs": setuid,
            }),
        )
    };
    let nnp = |args: &[&str]| {
        let (h, _, after) = root.harden_checked("wrapped.service", args);
        (after.row("NoNewPrivileges").badness, h.text)
    };

    let (badness, text) = nnp(&["--profile", "strict"]);
    assert_ne!(
        badness,
        Some(0),
        "without a trace the shell may run setuid programs:\n{text}"
    );

    std::fs::write(root.join("quiet.json"), evidence(&[])).unwrap();
    let (badness, text) = nnp(&["--from", "quiet.json"]);
    assert_eq!(badness, Some(0), "the trace saw no setuid program:\n{text}");

    std::fs::write(root.join("sudo.json"), evidence(&["/usr/bin/sudo"])).unwrap();
    let (badness, text) = nnp(&["--from", "sudo.json"]);
    assert_ne!(badness, Some(0), "the trace saw sudo run:\n{text}");
}

/// `--from EVIDENCE --as-user`: a root daemon the trace saw switch to one user itself starts
/// as that user; its helper line stays root (`!`). systemd-analyze on the result is the oracle
/// (and `harden_checked` has `systemd-analyze verify` load it). Without the switch it refuses.
#[test]
fn a_daemon_that_switches_user_itself_can_start_as_that_user() {
    let root = Root::new();
    root.vendor(
        "switcher.service",
        "[Service]\nExecStartPre=/usr/bin/mkdir -p /var/log/switcher\nExecStart=/usr/sbin/switcher\n",
    );
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/bash\nswitcher:x:4242:4243::/nonexistent:/usr/sbin/nologin\n",
    )
    .unwrap();
    std::fs::write(root.join("etc/group"), "root:x:0:\nswitcher:x:4243:\n").unwrap();
    let evidence = |switches: &[&str], caps: &[&str]| {
        let caps_used: serde_json::Map<String, serde_json::Value> = caps
            .iter()
            .map(|c| (c.to_string(), serde_json::json!([format!("{c} seen")])))
            .collect();
        let mkdir = ["/usr/bin/mkdir", "-p", "/var/log/switcher"];
        evidence_json(
            "switcher.service",
            serde_json::json!({
                "runs": [
                    run_json("ExecStartPre", &mkdir, serde_json::json!({
                        "line": mkdir.join(" "), "capabilities": [], "syscalls": ["mkdir"],
                    })),
                    run_json("ExecStart", &["/usr/sbin/switcher"], serde_json::json!({
                        "line": "/usr/sbin/switcher", "capabilities": caps,
                        "syscalls": ["setresuid", "setgroups"],
                    })),
                ],
                "families": ["AF_UNIX"],
                "syscalls": {"execve": 2, "socket": 1, "setresuid": 1, "setgroups": 1, "mkdir": 1},
                "capabilities": caps_used, "execs": ["/usr/sbin/switcher"], "user_switches": switches,
            }),
        )
    };
    let switched = evidence(
        &["uid 0 -> 4242", "gid -> 4243", "setgroups"],
        &["CAP_SETUID", "CAP_SETGID"],
    );
    std::fs::write(root.join("switched.json"), &switched).unwrap();
    let (plain, _, plain_after) = root.harden_checked(
        "switcher.service",
        &["--from", "switched.json", "--profile", "strict"],
    );
    assert_ne!(plain_after.row("UserOrDynamicUser").badness, Some(0));
    let (h, _, after) = root.harden_checked(
        "switcher.service",
        &[
            "--from",
            "switched.json",
            "--profile",
            "strict",
            "--as-user",
        ],
    );
    for field in [
        "UserOrDynamicUser",
        "PrivateUsers",
        "CapabilityBoundingSet_CAP_SET_UID_GID_PCAP",
        "SystemCallFilter_privileged",
    ] {
        assert_eq!(after.row(field).badness, Some(0), "{field}:\n{}", h.text);
    }
    assert!(
        after.overall < plain_after.overall,
        "{} !< {}:\n{}\n{}",
        after.overall,
        plain_after.overall,
        h.text,
        plain.text
    );
    for line in [
        "User=switcher",
        "Group=switcher",
        "ExecStartPre=",
        "ExecStartPre=!/usr/bin/mkdir -p /var/log/switcher",
    ] {
        assert!(h.text.lines().any(|l| l == line), "{line}:\n{}", h.text);
    }
    // Still needing root for something else (chroot), or no switch seen: refused, by name.
    for (name, switches, caps) in [
        (
            "chroots.json",
            &["uid 0 -> 4242"][..],
            &["CAP_SETUID", "CAP_SYS_CHROOT"][..],
        ),
        ("stays.json", &[][..], &[][..]),
    ] {
        std::fs::write(root.join(name), evidence(switches, caps)).unwrap();
        let out = root.try_harden(
            "switcher.service",
            &["--from", name, "--profile", "strict", "--as-user"],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains("switcher.service: --as-user"),
            "{name}: {stderr}"
        );
    }
}

/// An evidence file as `learn` writes it (schema 1): every record empty unless `fields` sets it.
fn evidence_json(unit: &str, fields: serde_json::Value) -> String {
    let mut e = serde_json::json!({
        "schema": 1, "unit": unit, "runs": [], "files": {}, "sockets": [], "families": [],
        "syscalls": {}, "capabilities": {}, "wx_mappings": [], "execs": [], "setuid_execs": [],
        "namespaces": [], "realtime": [], "personality": [], "clock": [], "hostname": [],
        "devices": [], "user_switches": [], "keyring": false, "sysv_ipc": false,
        "kill_other": [], "mounts": [], "denials": [],
    });
    for (k, v) in fields.as_object().expect("fields are an object") {
        e[k] = v.clone();
    }
    e.to_string()
}

/// One traced run of an evidence file; `extra` adds its per-line record (line, capabilities,
/// system calls).
fn run_json(what: &str, command: &[&str], extra: serde_json::Value) -> serde_json::Value {
    let mut r = serde_json::json!({
        "what": what, "command": command, "started": 0, "duration_s": 5.0,
        "tracer": "strace -- version 6.1", "untraced": [], "lines": 10, "unknown_lines": 0,
    });
    for (k, v) in extra.as_object().expect("extra is an object") {
        r[k] = v.clone();
    }
    r
}
