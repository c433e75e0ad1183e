//! `unitguard lint`, end to end: for every rule UG001..UG013 a unit that triggers it (rule id,
//! file and line checked in `--format json`) and a closely similar unit that follows the rule's
//! own fix text and does not trigger it; the text and SARIF 2.1.0 formats; the exit code; and,
//! where a rule claims something about systemd (UG007, UG009, UG013), the live
//! `systemd-analyze` on the same tree.
//!
//! Every test builds its own root tree and passes `--root`, so the host's units never leak in.
//! A tree that should look like a whole OS gets `/usr/bin` (UG008 only checks paths there).
//! If `systemd-analyze` is missing, the tests that compare with it fail (they are never skipped).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::*;

const UNITS: &str = UNIT_DIR;
const VENDOR: &str = VENDOR_DIR;

// ---------------------------------------------------------------------------------------------
// Harness

/// `unitguard lint` on the shared [`Root`] tree.
impl Root {
    fn run(&self, units: &[&str], extra: &[&str]) -> std::process::Output {
        // From the test's directory, not the root: paths print absolute (the default --base).
        ug(["lint", "--root", &self.arg()])
            .args(extra)
            .args(units)
            .output()
    }

    /// `unitguard lint --root TREE --format json EXTRA... UNITS...`
    fn lint_with(&self, units: &[&str], extra: &[&str]) -> Lint {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        let out = self.run(units, &args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let doc: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!("lint --format json is not JSON ({e}):\n{stdout}\nstderr:\n{stderr}")
        });
        assert_eq!(doc["schema"], 1, "{stdout}");
        let findings: Vec<Value> = doc["findings"].as_array().cloned().unwrap_or_default();
        // What a user sees: the same run in the default text format.
        let text = self.run(units, extra);
        assert_eq!(
            text.status.code(),
            out.status.code(),
            "text and JSON exit alike"
        );
        Lint {
            findings,
            code: out.status.code().expect("exit code"),
            stdout,
            stderr,
            text: crate::support::text(&text),
        }
    }

    fn lint(&self, units: &[&str]) -> Lint {
        self.lint_with(units, &[])
    }
}

struct Lint {
    findings: Vec<Value>,
    /// Exit status, stdout and stderr of the text format, for snapshots.
    text: String,
    code: i32,
    stdout: String,
    stderr: String,
}

impl Lint {
    fn of(&self, rule: &str) -> Vec<&Value> {
        self.findings.iter().filter(|f| f["rule"] == rule).collect()
    }

    /// The finding of `rule` at `file`:`line` (`None`: about the whole file).
    #[track_caller]
    fn expect(&self, rule: &str, file: &Path, line: Option<usize>) -> Value {
        let want_line = line.map_or(Value::Null, |l| Value::from(l as u64));
        self.findings
            .iter()
            .find(|f| {
                f["rule"] == rule && f["file"] == file.to_str().unwrap() && f["line"] == want_line
            })
            .unwrap_or_else(|| {
                panic!(
                    "no {rule} at {}:{line:?}; findings:\n{}\nstderr:\n{}",
                    file.display(),
                    self.stdout,
                    self.stderr
                )
            })
            .clone()
    }

    #[track_caller]
    fn expect_none(&self, rule: &str) {
        let hits = self.of(rule);
        assert!(
            hits.is_empty(),
            "unexpected {rule}: {hits:#?}\nstderr:\n{}",
            self.stderr
        );
    }

    #[track_caller]
    fn expect_clean(&self) {
        assert!(
            self.findings.is_empty() && self.code == 0,
            "expected no findings and exit 0, got exit {}:\n{}\nstderr:\n{}",
            self.code,
            self.stdout,
            self.stderr
        );
    }

    #[track_caller]
    fn expect_code(&self, code: i32) {
        assert_eq!(
            self.code, code,
            "exit code; findings:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
    }
}

/// Where [`Root::unit`] put `name`.
fn unit_in(root: &Root, name: &str) -> PathBuf {
    root.unit_path(name)
}

/// A service: a [Unit] section, then [Service] with `lines`.
fn svc(lines: &str) -> String {
    format!("[Unit]\nDescription=lint test\n\n[Service]\n{lines}\n")
}

/// The 1-based number of the first line of `body` that starts with `needle`.
#[track_caller]
fn line(body: &str, needle: &str) -> usize {
    body.lines()
        .position(|l| l.starts_with(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in:\n{body}"))
        + 1
}

fn md5_hex(data: &[u8]) -> String {
    use md5::Digest;
    format!("{:x}", md5::Md5::digest(data))
}

/// Runs `systemd-analyze ARGS...`; returns (stdout, stderr). Its exit code is not looked at:
/// `verify` fails on a bare tree for reasons that have nothing to do with the unit.
fn systemd_analyze(args: &[&str]) -> (String, String) {
    let out = std::process::Command::new("systemd-analyze")
        .args(args)
        .env("SYSTEMD_LOG_COLOR", "0")
        .env_remove("SYSTEMD_UNIT_PATH")
        .output()
        .expect("systemd-analyze is needed for this test (it is never skipped)");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `systemd-analyze verify --root=TREE UNIT`: what it prints about the unit's files.
fn systemd_verify(root: &Root, unit: &str) -> String {
    let root_arg = format!("--root={}", root.path().display());
    systemd_analyze(&["verify", &root_arg, unit]).1
}

/// `systemd-analyze security --offline=true --root=TREE --json=short UNIT`: json_field -> set,
/// and what it printed on stderr.
fn systemd_security(root: &Root, unit: &str) -> (BTreeMap<String, Option<bool>>, String) {
    let root_arg = format!("--root={}", root.path().display());
    let (stdout, stderr) = systemd_analyze(&[
        "security",
        "--offline=true",
        &root_arg,
        "--json=short",
        unit,
    ]);
    let rows: Vec<Value> = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("systemd-analyze security --json: {e}\n{stdout}\n{stderr}"));
    let table = rows
        .iter()
        .map(|r| {
            (
                r["json_field"].as_str().unwrap().to_string(),
                r["set"].as_bool(),
            )
        })
        .collect();
    (table, stderr)
}

// ---------------------------------------------------------------------------------------------
// UG001 vendor-unit-edited

#[test]
fn ug001_vendor_unit_copied_to_etc() {
    let vendor = svc("ExecStart=/usr/sbin/vendord\nProtectSystem=full");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.file(&format!("{VENDOR}/vendord.service"), &vendor);
    r.unit("vendord.service", format!("{vendor}PrivateTmp=yes\n"));
    let copy = r.unit_path("vendord.service");
    let l = r.lint(&["vendord.service"]);
    insta::assert_snapshot!(l.text, @"
    status Some(0)
    --- stdout
    [ROOT]/etc/systemd/system/vendord.service: warning[UG001] A vendor unit was edited or copied to /etc instead of extended with a drop-in (vendor-unit-edited)
        fix: Move your changes into /etc/systemd/system/vendord.service.d/override.conf (systemctl edit vendord.service) and restore the vendor file, so package updates keep reaching you.
    1 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    let f = l.expect("UG001", &copy, None);
    assert_eq!(f["severity"], "warning");
    assert!(
        f["fix"]
            .as_str()
            .unwrap()
            .contains("/etc/systemd/system/vendord.service.d/override.conf")
    );
    l.expect_code(0);

    // The fix: the vendor file alone, the change in a drop-in.
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.file(&format!("{VENDOR}/vendord.service"), &vendor);
    r.dropin(
        "vendord.service",
        "override.conf",
        "[Service]\nPrivateTmp=yes\n",
    );
    r.lint(&["vendord.service"]).expect_clean();
}

#[test]
fn ug001_unit_without_vendor_file_in_etc_is_not_a_copy() {
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("local.service", svc("ExecStart=/usr/local/bin/local"));
    let lint = r.lint(&["local.service"]);
    insta::assert_snapshot!(lint.text, @"
    status Some(0)
    --- stdout
    0 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    lint.expect_clean();
}

#[test]
fn ug001_vendor_unit_edited_in_place() {
    let shipped = svc("ExecStart=/usr/sbin/pkgd\nProtectSystem=full");
    let edited = format!("{shipped}PrivateTmp=yes\n");
    let md5sums = format!(
        "{}  usr/sbin/pkgd\n{}  lib/systemd/system/pkgd.service\n",
        md5_hex(b"binary"),
        md5_hex(shipped.as_bytes())
    );

    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.file(&format!("{VENDOR}/pkgd.service"), &edited);
    let unit = r.join(&format!("{VENDOR}/pkgd.service"));
    r.file("var/lib/dpkg/info/pkgd.md5sums", &md5sums);
    let l = r.lint(&["pkgd.service"]);
    insta::assert_snapshot!(l.text, @"
    status Some(0)
    --- stdout
    [ROOT]/lib/systemd/system/pkgd.service: warning[UG001] A vendor unit was edited or copied to /etc instead of extended with a drop-in (vendor-unit-edited)
        fix: Move your changes into /etc/systemd/system/pkgd.service.d/override.conf (systemctl edit pkgd.service) and restore the vendor file, so package updates keep reaching you.
    1 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    l.expect("UG001", &unit, None);
    l.expect_code(0);

    // The fix: restore the vendor file, put the change in a drop-in.
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.file(&format!("{VENDOR}/pkgd.service"), &shipped);
    r.file("var/lib/dpkg/info/pkgd.md5sums", &md5sums);
    r.dropin(
        "pkgd.service",
        "override.conf",
        "[Service]\nPrivateTmp=yes\n",
    );
    r.lint(&["pkgd.service"]).expect_clean();
}

#[test]
fn ug001_md5sums_with_usr_prefix_match_the_unit_in_lib() {
    // Debian packages built for merged /usr list usr/lib/systemd/system/...
    let shipped = svc("ExecStart=/usr/sbin/usrd");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.file(
        &format!("{VENDOR}/usrd.service"),
        format!("{shipped}User=nobody\n"),
    );
    let unit = r.join(&format!("{VENDOR}/usrd.service"));
    r.file(
        "var/lib/dpkg/info/usrd.md5sums",
        format!(
            "{}  usr/lib/systemd/system/usrd.service\n",
            md5_hex(shipped.as_bytes())
        ),
    );
    let lint = r.lint(&["usrd.service"]);
    insta::assert_snapshot!(lint.text, @"
    status Some(0)
    --- stdout
    [ROOT]/lib/systemd/system/usrd.service: warning[UG001] A vendor unit was edited or copied to /etc instead of extended with a drop-in (vendor-unit-edited)
        fix: Move your changes into /etc/systemd/system/usrd.service.d/override.conf (systemctl edit usrd.service) and restore the vendor file, so package updates keep reaching you.
    1 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    lint.expect("UG001", &unit, None);

    std::fs::write(&unit, &shipped).unwrap();
    r.lint(&["usrd.service"]).expect_clean();
}

// ---------------------------------------------------------------------------------------------
// UG002 strict-without-logs-directory

#[test]
fn ug002_strict_without_logs_directory_for_a_known_daemon() {
    // data/profiles.toml: nginx writes /var/log/nginx.
    let body =
        svc("ExecStart=/usr/sbin/nginx -g 'daemon on; master_process on;'\nProtectSystem=strict");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("nginx.service", &body);
    let unit = r.unit_path("nginx.service");
    let l = r.lint(&["nginx.service"]);
    insta::assert_snapshot!(l.text, @"
    status Some(1)
    --- stdout
    [ROOT]/etc/systemd/system/nginx.service:6: error[UG002] ProtectSystem=strict while the service writes to /var/log/nginx and no LogsDirectory= or ReadWritePaths= covers it (strict-without-logs-directory)
        fix: Add LogsDirectory=nginx (or ReadWritePaths=/var/log/nginx).
    1 finding(s), 1 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    let f = l.expect("UG002", &unit, Some(line(&body, "ProtectSystem=")));
    assert!(
        f["message"].as_str().unwrap().contains("/var/log/nginx"),
        "{f}"
    );
    assert_eq!(
        f["fix"],
        "Add LogsDirectory=nginx (or ReadWritePaths=/var/log/nginx)."
    );
    l.expect_code(1);

    // The fix, both ways it offers. LogsDirectory= creates the directory; ReadWritePaths= needs
    // it to exist (else UG008: systemd fails with 226/NAMESPACE).
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("nginx.service", format!("{body}LogsDirectory=nginx\n"));
    r.lint(&["nginx.service"]).expect_clean();
    for extra in ["ReadWritePaths=/var/log/nginx", "ReadWritePaths=-/var/log"] {
        let r = Root::os();
        let _s = r.snapshots().bind_to_scope();
        r.unit("nginx.service", format!("{body}{extra}\n"));
        let l = r.lint(&["nginx.service"]);
        l.expect_none("UG002");
        if !extra.contains('-') {
            l.expect(
                "UG008",
                &unit_in(&r, "nginx.service"),
                Some(line(&body, "ExecStart=") + 2),
            );
            r.dir("var/log/nginx");
        }
        r.lint(&["nginx.service"]).expect_clean();
    }
}

#[test]
fn ug002_strict_with_own_log_directory_and_reset_read_write_paths() {
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.dir("var/log/myapp");
    let body = svc("ExecStart=/usr/bin/myapp\nProtectSystem=strict\nReadWritePaths=/var/log/myapp");
    r.unit("myapp.service", &body);
    r.lint(&["myapp.service"]).expect_clean();

    // A drop-in that empties ReadWritePaths= takes the cover away again.
    r.dropin(
        "myapp.service",
        "reset.conf",
        "[Service]\nReadWritePaths=\n",
    );
    let unit = r.join(&format!("{UNITS}/myapp.service"));
    let lint = r.lint(&["myapp.service"]);
    insta::assert_snapshot!(lint.text, @"
    status Some(1)
    --- stdout
    [ROOT]/etc/systemd/system/myapp.service:6: error[UG002] ProtectSystem=strict while the service writes to /var/log/myapp and no LogsDirectory= or ReadWritePaths= covers it (strict-without-logs-directory)
        fix: Add LogsDirectory=myapp (or ReadWritePaths=/var/log/myapp).
    1 finding(s), 1 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    lint.expect("UG002", &unit, Some(line(&body, "ProtectSystem=")));

    // LogsDirectory= (the fix) covers it whatever ReadWritePaths= says.
    r.dropin(
        "myapp.service",
        "zz-logs.conf",
        "[Service]\nLogsDirectory=myapp\n",
    );
    r.lint(&["myapp.service"]).expect_clean();
}

// ---------------------------------------------------------------------------------------------
// UG003 mdwe-on-jit

#[test]
fn ug003_mdwe_on_a_jit_runtime() {
    let body =
        svc("ExecStart=/usr/bin/node /srv/app/server.js\nMemoryDenyWriteExecute=yes\nUser=app");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("app.service", &body);
    let unit = r.unit_path("app.service");
    let l = r.lint(&["app.service"]);
    insta::assert_snapshot!(l.text, @"
    status Some(1)
    --- stdout
    [ROOT]/etc/systemd/system/app.service:6: error[UG003] MemoryDenyWriteExecute=yes on a JIT runtime (node) (mdwe-on-jit)
        fix: Remove MemoryDenyWriteExecute= for this service: JIT compilers need writable+executable memory.
    1 finding(s), 1 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    let f = l.expect("UG003", &unit, Some(line(&body, "MemoryDenyWriteExecute=")));
    assert!(f["message"].as_str().unwrap().contains("(node)"), "{f}");
    l.expect_code(1);

    // The fix: no MemoryDenyWriteExecute= for this service.
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit(
        "app.service",
        body.replace("MemoryDenyWriteExecute=yes\n", ""),
    );
    r.lint(&["app.service"]).expect_clean();
}

#[test]
fn ug003_binary_that_links_a_jit_engine() {
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    let mut elf = b"\x7fELF\x02\x01\x01\0".to_vec();
    elf.extend_from_slice(b"\0libluajit-5.1.so.2\0socket\0");
    r.file("usr/bin/gamed", &elf);
    let body = svc("ExecStart=/usr/bin/gamed\nMemoryDenyWriteExecute=true");
    r.unit("gamed.service", &body);
    let unit = r.unit_path("gamed.service");
    let lint = r.lint(&["gamed.service"]);
    insta::assert_snapshot!(lint.text, @"
    status Some(1)
    --- stdout
    [ROOT]/etc/systemd/system/gamed.service:6: error[UG003] MemoryDenyWriteExecute=yes on a JIT runtime (gamed) (mdwe-on-jit)
        fix: Remove MemoryDenyWriteExecute= for this service: JIT compilers need writable+executable memory.
    1 finding(s), 1 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    lint.expect("UG003", &unit, Some(line(&body, "MemoryDenyWriteExecute=")));

    // Switched off again in a drop-in: nothing to report.
    r.dropin(
        "gamed.service",
        "jit.conf",
        "[Service]\nMemoryDenyWriteExecute=no\n",
    );
    r.lint(&["gamed.service"]).expect_clean();
}

// ---------------------------------------------------------------------------------------------
// UG004 hand-rolled-syscall-allow-list

#[test]
fn ug004_hand_written_syscall_allow_list() {
    let body =
        svc("ExecStart=/usr/bin/worker\nSystemCallFilter=read write openat close exit_group");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("worker.service", &body);
    let unit = r.unit_path("worker.service");
    let l = r.lint(&["worker.service"]);
    insta::assert_snapshot!(l.text, @"
    status Some(0)
    --- stdout
    [ROOT]/etc/systemd/system/worker.service:6: warning[UG004] A hand-written SystemCallFilter= allow list without @system-service (hand-rolled-syscall-allow-list)
        fix: Start the allow list from SystemCallFilter=@system-service and remove groups with ~ lines; hand-picked lists miss calls that libc makes on the service's behalf.
    1 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    l.expect("UG004", &unit, Some(line(&body, "SystemCallFilter=")));
    l.expect_code(0);

    // The fix: start from @system-service, remove groups with ~ lines.
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit(
        "worker.service",
        svc("ExecStart=/usr/bin/worker\nSystemCallFilter=@system-service\nSystemCallFilter=~@privileged @resources"),
    );
    r.lint(&["worker.service"]).expect_clean();
}

#[test]
fn ug004_allow_list_rewritten_after_a_reset_in_a_drop_in() {
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit(
        "worker.service",
        svc("ExecStart=/usr/bin/worker\nSystemCallFilter=@system-service"),
    );
    let conf = "[Service]\nSystemCallFilter=\nSystemCallFilter=read write\n";
    r.dropin("worker.service", "narrow.conf", conf);
    let dropin = r.join(&format!("{UNITS}/worker.service.d/narrow.conf"));
    // The @system-service line was thrown away by the reset.
    let lint = r.lint(&["worker.service"]);
    insta::assert_snapshot!(lint.text, @"
    status Some(0)
    --- stdout
    [ROOT]/etc/systemd/system/worker.service.d/narrow.conf:3: warning[UG004] A hand-written SystemCallFilter= allow list without @system-service (hand-rolled-syscall-allow-list)
        fix: Start the allow list from SystemCallFilter=@system-service and remove groups with ~ lines; hand-picked lists miss calls that libc makes on the service's behalf.
    1 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    lint.expect("UG004", &dropin, Some(3));

    r.dropin(
        "worker.service",
        "narrow.conf",
        "[Service]\nSystemCallFilter=\nSystemCallFilter=@system-service\n",
    );
    r.lint(&["worker.service"]).expect_clean();
}

// ---------------------------------------------------------------------------------------------
// UG005 low-port-without-capability

#[test]
fn ug005_non_root_service_on_a_low_port() {
    let body = svc("ExecStart=/usr/bin/httpd-lite --port 80\nUser=www-data");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("httpd-lite.service", &body);
    let unit = r.unit_path("httpd-lite.service");
    let l = r.lint(&["httpd-lite.service"]);
    insta::assert_snapshot!(l.text, @"
    status Some(1)
    --- stdout
    [ROOT]/etc/systemd/system/httpd-lite.service:6: error[UG005] Non-root service binds port 80 but CAP_NET_BIND_SERVICE is not in its capability sets (low-port-without-capability)
        fix: Add AmbientCapabilities=CAP_NET_BIND_SERVICE and keep CAP_NET_BIND_SERVICE in CapabilityBoundingSet=.
    1 finding(s), 1 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    let f = l.expect("UG005", &unit, Some(line(&body, "User=")));
    assert!(f["message"].as_str().unwrap().contains("port 80"), "{f}");
    l.expect_code(1);

    // The fix: the capability in the ambient set, and kept in the bounding set.
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit(
        "httpd-lite.service",
        format!("{body}AmbientCapabilities=CAP_NET_BIND_SERVICE\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n"),
    );
    r.lint(&["httpd-lite.service"]).expect_clean();
}

#[test]
fn ug005_port_from_a_config_file_and_bounding_set_without_the_capability() {
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.file("etc/mydns.conf", "# mydns\nlisten 0.0.0.0:53\n");
    let body = svc(
        "ExecStart=/usr/sbin/mydns -c /etc/mydns.conf\nUser=mydns\nAmbientCapabilities=CAP_NET_BIND_SERVICE\nCapabilityBoundingSet=CAP_NET_RAW",
    );
    r.unit("mydns.service", &body);
    let unit = r.unit_path("mydns.service");
    let lint = r.lint(&["mydns.service"]);
    insta::assert_snapshot!(lint.text, @"
    status Some(1)
    --- stdout
    [ROOT]/etc/systemd/system/mydns.service:8: error[UG005] Non-root service binds port 53 but CAP_NET_BIND_SERVICE is not in its capability sets (low-port-without-capability)
        fix: Add AmbientCapabilities=CAP_NET_BIND_SERVICE and keep CAP_NET_BIND_SERVICE in CapabilityBoundingSet=.
    1 finding(s), 1 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    let f = lint.expect("UG005", &unit, Some(line(&body, "CapabilityBoundingSet=")));
    assert!(f["message"].as_str().unwrap().contains("port 53"), "{f}");

    r.unit(
        "mydns.service",
        body.replace("=CAP_NET_RAW", "=CAP_NET_RAW CAP_NET_BIND_SERVICE"),
    );
    r.lint(&["mydns.service"]).expect_clean();
}

#[test]
fn ug005_not_for_root_socket_activation_or_full_privilege_commands() {
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    // Root binds what it likes.
    r.unit("a.service", svc("ExecStart=/usr/bin/httpd-lite --port 80"));
    // systemd binds the port for a socket-activated service.
    r.unit(
        "b.service",
        svc("ExecStart=/usr/bin/httpd-lite --port 80\nUser=www-data"),
    );
    r.unit("b.socket", "[Socket]\nListenStream=80\n");
    // '+': User= does not apply to this command.
    r.unit(
        "c.service",
        svc("ExecStart=+/usr/bin/httpd-lite --port 80\nUser=www-data"),
    );
    let lint = r.lint(&["a.service", "b.service", "c.service"]);
    insta::assert_snapshot!(lint.text, @"
    status Some(0)
    --- stdout
    0 finding(s), 0 error(s) in 3 unit(s) (systemd 252)
    --- stderr
    ");
    lint.expect_clean();
}

// ---------------------------------------------------------------------------------------------
// UG006 ip-deny-without-resolver

#[test]
fn ug006_deny_any_without_localhost() {
    let body = svc("ExecStart=/usr/bin/client\nIPAddressDeny=any\nIPAddressAllow=10.1.2.0/24");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("client.service", &body);
    let unit = r.unit_path("client.service");
    let l = r.lint(&["client.service"]);
    insta::assert_snapshot!(l.text, @"
    status Some(0)
    --- stdout
    [ROOT]/etc/systemd/system/client.service:6: warning[UG006] IPAddressDeny=any with an allow list that lacks the DNS resolver (localhost: there is no resolv.conf): name lookups fail (ip-deny-without-resolver)
        fix: Add localhost to IPAddressAllow= next to the peers the service needs (localhost covers 127.0.0.0/8 and ::1, where local resolvers such as systemd-resolved listen).
    1 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    let f = l.expect("UG006", &unit, Some(line(&body, "IPAddressDeny=")));
    assert!(
        f["fix"]
            .as_str()
            .unwrap()
            .starts_with("Add localhost to IPAddressAllow="),
        "{f}"
    );
    l.expect_code(0);

    // The fix: localhost next to the peers.
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit(
        "client.service",
        body.replace("=10.1.2.0/24", "=localhost 10.1.2.0/24"),
    );
    r.lint(&["client.service"]).expect_clean();
}

#[test]
fn ug006_follows_resolv_conf() {
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    // systemd-resolved's stub: 127.0.0.1 alone does not reach 127.0.0.53.
    r.file(
        "etc/resolv.conf",
        "# stub\nnameserver 127.0.0.53\noptions edns0\n",
    );
    let body =
        svc("ExecStart=/usr/bin/client\nIPAddressDeny=any\nIPAddressAllow=127.0.0.1 10.1.2.0/24");
    r.unit("client.service", &body);
    let unit = r.unit_path("client.service");
    let lint = r.lint(&["client.service"]);
    insta::assert_snapshot!(lint.text, @"
    status Some(0)
    --- stdout
    [ROOT]/etc/systemd/system/client.service:6: warning[UG006] IPAddressDeny=any with an allow list that lacks the DNS resolver (a local one, by resolv.conf): name lookups fail (ip-deny-without-resolver)
        fix: Add localhost to IPAddressAllow= next to the peers the service needs (localhost covers 127.0.0.0/8 and ::1, where local resolvers such as systemd-resolved listen).
    1 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    let f = lint.expect("UG006", &unit, Some(line(&body, "IPAddressDeny=")));
    // The message says where the resolver comes from, never the address of the machine
    // that ran lint (a report is read elsewhere).
    let message = f["message"].as_str().unwrap();
    assert!(!message.contains("127.0.0.53"), "{f}");
    assert!(message.contains("a local one, by resolv.conf"), "{f}");
    assert!(
        f["fix"].as_str().unwrap().starts_with("Add localhost"),
        "{f}"
    );
    r.unit("client.service", body.replace("=127.0.0.1 ", "=localhost "));
    r.lint(&["client.service"]).expect_clean();

    // A resolver on an allowed network: nothing is missing.
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.file("etc/resolv.conf", "nameserver 10.1.2.53\n");
    r.unit(
        "client.service",
        svc("ExecStart=/usr/bin/client\nIPAddressDeny=any\nIPAddressAllow=10.1.2.0/24"),
    );
    r.lint(&["client.service"]).expect_clean();
}

// ---------------------------------------------------------------------------------------------
// UG007 list-adds-instead-of-replacing

#[test]
fn ug007_drop_in_adds_to_the_list_and_systemd_agrees() {
    let frag = svc("ExecStart=/usr/bin/netd\nRestrictAddressFamilies=AF_UNIX");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("netd.service", &frag);
    let unit = r.unit_path("netd.service");
    r.dropin(
        "netd.service",
        "10-inet.conf",
        "[Service]\nRestrictAddressFamilies=AF_INET\n",
    );
    let dropin = r.join(&format!("{UNITS}/netd.service.d/10-inet.conf"));
    let l = r.lint(&["netd.service"]);
    insta::assert_snapshot!(l.text, @"
    status Some(0)
    --- stdout
    [ROOT]/etc/systemd/system/netd.service.d/10-inet.conf:2: warning[UG007] RestrictAddressFamilies= in a drop-in adds to the list set earlier ([ROOT]/etc/systemd/system/netd.service) instead of replacing it (list-adds-instead-of-replacing)
        fix: If this line is meant to replace the list, put an empty assignment (RestrictAddressFamilies=) on the line before it.
    1 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    let f = l.expect("UG007", &dropin, Some(2));
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains(unit.to_str().unwrap()),
        "{f}"
    );
    assert_eq!(
        f["fix"],
        "If this line is meant to replace the list, put an empty assignment (RestrictAddressFamilies=) on the line before it."
    );
    l.expect_code(0);
    // systemd merged the lists: AF_UNIX from the fragment and AF_INET from the drop-in are both
    // allowed ("set": false means the restriction is not in place).
    let (rows, _) = systemd_security(&r, "netd.service");
    assert_eq!(
        rows["RestrictAddressFamilies_AF_UNIX"],
        Some(false),
        "{rows:?}"
    );
    assert_eq!(
        rows["RestrictAddressFamilies_AF_INET_INET6"],
        Some(false),
        "{rows:?}"
    );

    // The fix: an empty assignment first. systemd then allows AF_INET only.
    r.dropin(
        "netd.service",
        "10-inet.conf",
        "[Service]\nRestrictAddressFamilies=\nRestrictAddressFamilies=AF_INET\n",
    );
    r.lint(&["netd.service"]).expect_clean();
    let (rows, _) = systemd_security(&r, "netd.service");
    assert_eq!(
        rows["RestrictAddressFamilies_AF_UNIX"],
        Some(true),
        "{rows:?}"
    );
    assert_eq!(
        rows["RestrictAddressFamilies_AF_INET_INET6"],
        Some(false),
        "{rows:?}"
    );

    // Without the drop-in, AF_INET is restricted: the drop-in is what let it in.
    std::fs::remove_dir_all(r.join(&format!("{UNITS}/netd.service.d"))).unwrap();
    let (rows, _) = systemd_security(&r, "netd.service");
    assert_eq!(
        rows["RestrictAddressFamilies_AF_INET_INET6"],
        Some(true),
        "{rows:?}"
    );
}

#[test]
fn ug007_restrict_namespaces_no_then_a_list_and_systemd_agrees() {
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit(
        "ns.service",
        svc("ExecStart=/usr/bin/nsd\nRestrictNamespaces=no"),
    );
    r.dropin(
        "ns.service",
        "net.conf",
        "[Service]\nRestrictNamespaces=net\n",
    );
    let dropin = r.join(&format!("{UNITS}/ns.service.d/net.conf"));
    let lint = r.lint(&["ns.service"]);
    insta::assert_snapshot!(lint.text, @"
    status Some(0)
    --- stdout
    [ROOT]/etc/systemd/system/ns.service.d/net.conf:2: warning[UG007] RestrictNamespaces= in a drop-in adds to the list set earlier ([ROOT]/etc/systemd/system/ns.service) instead of replacing it (list-adds-instead-of-replacing)
        fix: If this line is meant to replace the list, put an empty assignment (RestrictNamespaces=) on the line before it.
    1 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    lint.expect("UG007", &dropin, Some(2));
    // systemd ORs "net" into "everything": every namespace type stays allowed.
    let (rows, _) = systemd_security(&r, "ns.service");
    assert_eq!(rows["RestrictNamespaces_user"], Some(false), "{rows:?}");
    assert_eq!(rows["RestrictNamespaces_net"], Some(false), "{rows:?}");

    // After RestrictNamespaces=yes (nothing allowed), adding "net" is the same as replacing.
    r.unit(
        "ns.service",
        svc("ExecStart=/usr/bin/nsd\nRestrictNamespaces=yes"),
    );
    r.lint(&["ns.service"]).expect_clean();
    let (rows, _) = systemd_security(&r, "ns.service");
    assert_eq!(rows["RestrictNamespaces_user"], Some(true), "{rows:?}");
    assert_eq!(rows["RestrictNamespaces_net"], Some(false), "{rows:?}");
}

#[test]
fn ug007_not_for_narrowing_replacing_or_after_a_reset() {
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit(
        "a.service",
        svc("ExecStart=/usr/bin/a\nRestrictAddressFamilies=AF_UNIX AF_INET"),
    );
    // '~' narrows the allow list.
    r.dropin(
        "a.service",
        "x.conf",
        "[Service]\nRestrictAddressFamilies=~AF_INET\n",
    );
    r.unit(
        "b.service",
        svc("ExecStart=/usr/bin/b\nRestrictAddressFamilies=AF_UNIX"),
    );
    // "none" replaces the list outright.
    r.dropin(
        "b.service",
        "x.conf",
        "[Service]\nRestrictAddressFamilies=none\n",
    );
    r.unit(
        "c.service",
        svc("ExecStart=/usr/bin/c\nCapabilityBoundingSet=CAP_NET_ADMIN"),
    );
    // A drop-in that ends with a reset leaves nothing for the next one to add to.
    r.dropin(
        "c.service",
        "a.conf",
        "[Service]\nCapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=\n",
    );
    r.dropin(
        "c.service",
        "b.conf",
        "[Service]\nCapabilityBoundingSet=CAP_NET_RAW\n",
    );
    // Two lines in the fragment itself: meant to add.
    r.unit(
        "d.service",
        svc("ExecStart=/usr/bin/d\nSystemCallArchitectures=native\nSystemCallArchitectures=x86"),
    );
    let lint = r.lint(&["a.service", "b.service", "c.service", "d.service"]);
    insta::assert_snapshot!(lint.text, @"
    status Some(0)
    --- stdout
    0 finding(s), 0 error(s) in 4 unit(s) (systemd 252)
    --- stderr
    ");
    lint.expect_clean();
}

// ---------------------------------------------------------------------------------------------
// UG008 missing-path

#[test]
fn ug008_missing_path() {
    let body = svc(
        "ExecStart=/usr/bin/store\nReadWritePaths=/srv/store/data\nBindReadOnlyPaths=/srv/store/conf:/etc/store",
    );
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("store.service", &body);
    let unit = r.unit_path("store.service");
    let l = r.lint(&["store.service"]);
    insta::assert_snapshot!(l.text, @"
    status Some(1)
    --- stdout
    [ROOT]/etc/systemd/system/store.service:6: error[UG008] ReadWritePaths= names /srv/store/data, which does not exist: the service fails with status=226/NAMESPACE (missing-path)
        fix: Create the path, remove it, or prefix it with '-' so systemd skips it when missing.
    [ROOT]/etc/systemd/system/store.service:7: error[UG008] BindReadOnlyPaths= names /srv/store/conf, which does not exist: the service fails with status=226/NAMESPACE (missing-path)
        fix: Create the path, remove it, or prefix it with '-' so systemd skips it when missing.
    2 finding(s), 2 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    let f = l.expect("UG008", &unit, Some(line(&body, "ReadWritePaths=")));
    assert!(
        f["message"].as_str().unwrap().contains("/srv/store/data"),
        "{f}"
    );
    l.expect("UG008", &unit, Some(line(&body, "BindReadOnlyPaths=")));
    l.expect_code(1);

    // The fix, all three ways: prefix with '-', create the path, or remove it.
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit(
        "store.service",
        svc("ExecStart=/usr/bin/store\nReadWritePaths=-/srv/store/data\nBindReadOnlyPaths=-/srv/store/conf:/etc/store"),
    );
    r.lint(&["store.service"]).expect_clean();
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.dir("srv/store/data");
    r.dir("srv/store/conf");
    r.unit("store.service", &body);
    r.lint(&["store.service"]).expect_clean();
}

#[test]
fn ug008_not_on_a_directory_of_unit_files_nor_for_paths_systemd_creates() {
    // No /usr/bin: not a whole OS, so nothing can be said about paths.
    let body = svc("ExecStart=/usr/bin/store\nReadWritePaths=/srv/store/data");
    let r = Root::new();
    let _s = r.snapshots().bind_to_scope();
    r.unit("store.service", &body);
    let lint = r.lint(&["store.service"]);
    insta::assert_snapshot!(lint.text, @"
    status Some(0)
    --- stdout
    0 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    lint.expect_clean();

    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    // StateDirectory= and RuntimeDirectory= are created before the namespace is set up; /proc
    // and /run are filled at boot, not in an image.
    r.unit(
        "store.service",
        svc("ExecStart=/usr/bin/store\nStateDirectory=store\nRuntimeDirectory=store\nReadWritePaths=/var/lib/store /run/store\nInaccessiblePaths=/proc/sysrq-trigger"),
    );
    r.lint(&["store.service"]).expect_clean();
}

// ---------------------------------------------------------------------------------------------
// UG009 unknown-directive

#[test]
fn ug009_unknown_directive_and_systemd_agrees() {
    let body = svc("ExecStart=/usr/bin/typo\nProtectSytem=strict");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("typo.service", &body);
    let unit = r.unit_path("typo.service");
    let l = r.lint(&["typo.service"]);
    insta::assert_snapshot!(l.text, @"
    status Some(1)
    --- stdout
    [ROOT]/etc/systemd/system/typo.service:6: error[UG009] Unknown directive ProtectSytem= in [Service]: systemd ignores it (unknown-directive)
        fix: Did you mean ProtectSystem=?
    1 finding(s), 1 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    let n = line(&body, "ProtectSytem=");
    let f = l.expect("UG009", &unit, Some(n));
    assert_eq!(f["fix"], "Did you mean ProtectSystem=?");
    l.expect_code(1);
    let sd = systemd_verify(&r, "typo.service");
    let expected = format!(
        "{}:{n}: Unknown key 'ProtectSytem' in section [Service], ignoring.",
        unit.display()
    );
    assert!(
        sd.contains(&expected),
        "systemd-analyze verify did not say {expected:?}:\n{sd}"
    );

    // The fix: the spelling it suggests.
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit(
        "typo.service",
        body.replace("ProtectSytem", "ProtectSystem"),
    );
    r.lint(&["typo.service"]).expect_clean();
    let sd = systemd_verify(&r, "typo.service");
    assert!(!sd.contains("Unknown key"), "{sd}");
}

#[test]
fn ug009_install_section_and_x_keys() {
    let body = "[Unit]\nDescription=x\n[Service]\nExecStart=/usr/bin/x\nX-Custom=1\n[Install]\nWantedBy2=multi-user.target\n";
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("x.service", body);
    let unit = r.unit_path("x.service");
    let l = r.lint(&["x.service"]);
    insta::assert_snapshot!(l.text, @"
    status Some(1)
    --- stdout
    [ROOT]/etc/systemd/system/x.service:7: error[UG009] Unknown directive WantedBy2= in [Install]: systemd ignores it (unknown-directive)
        fix: Did you mean WantedBy=?
    1 finding(s), 1 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    assert_eq!(l.of("UG009").len(), 1, "{}", l.stdout);
    let f = l.expect("UG009", &unit, Some(line(body, "WantedBy2=")));
    assert_eq!(f["fix"], "Did you mean WantedBy=?");
    let sd = systemd_verify(&r, "x.service");
    assert!(
        sd.contains(&format!(
            "{}:7: Unknown key 'WantedBy2' in section [Install]",
            unit.display()
        )),
        "{sd}"
    );
    assert!(!sd.contains("X-Custom"), "{sd}");

    r.unit("x.service", body.replace("WantedBy2", "WantedBy"));
    r.lint(&["x.service"]).expect_clean();
}

#[test]
fn ug009_directive_newer_than_systemd_252_is_ug010_not_a_typo() {
    let body = svc("ExecStart=/usr/bin/pids\nPrivatePIDs=yes");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("pids.service", &body);
    let unit = r.unit_path("pids.service");
    let l = r.lint(&["pids.service"]);
    insta::assert_snapshot!(l.text, @"
    status Some(1)
    --- stdout
    [ROOT]/etc/systemd/system/pids.service:6: error[UG010] PrivatePIDs= needs systemd 257, the target is systemd 252: it is ignored there (directive-too-new)
        fix: Remove it or target a newer systemd.
    1 finding(s), 1 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    l.expect_none("UG009");
    l.expect("UG010", &unit, Some(line(&body, "PrivatePIDs=")));
    // Targeting the release that has it: no finding at all.
    r.lint_with(&["pids.service"], &["--systemd-version", "257"])
        .expect_clean();
}

// ---------------------------------------------------------------------------------------------
// UG010 directive-too-new

/// `systemd-analyze security --offline=true --root=TREE UNIT` of systemd 257 (the tree
/// scripts/oracle-tree builds; scripts/test builds it): what it prints on stderr.
fn systemd_257_security_stderr(root: &Root, unit: &str) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/oracle-tree");
    let out = std::process::Command::new(script)
        .args(["257", "analyze", "security", "--offline=true"])
        .arg(format!("--root={}", root.path().display()))
        .arg(unit)
        .env("SYSTEMD_LOG_COLOR", "0")
        .output()
        .expect("scripts/oracle-tree 257 (built by scripts/test; never skipped)");
    assert!(
        out.status.success(),
        "systemd-analyze 257: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn ug010_value_too_new_for_the_target() {
    let body = svc("ExecStart=/usr/bin/tmp\nPrivateTmp=disconnected\nProtectControlGroups=strict");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("tmp.service", &body);
    let unit = r.unit_path("tmp.service");
    let l = r.lint_with(&["tmp.service"], &["--systemd-version", "252"]);
    insta::assert_snapshot!(l.text, @"
    status Some(1)
    --- stdout
    [ROOT]/etc/systemd/system/tmp.service:6: error[UG010] PrivateTmp=disconnected needs systemd 257, the target is systemd 252: it is ignored there (directive-too-new)
        fix: Remove it or target a newer systemd.
    [ROOT]/etc/systemd/system/tmp.service:7: error[UG010] ProtectControlGroups=strict needs systemd 257, the target is systemd 252: it is ignored there (directive-too-new)
        fix: Remove it or target a newer systemd.
    2 finding(s), 2 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    let f = l.expect("UG010", &unit, Some(line(&body, "PrivateTmp=")));
    assert_eq!(
        f["message"],
        "PrivateTmp=disconnected needs systemd 257, the target is systemd 252: it is ignored there"
    );
    l.expect("UG010", &unit, Some(line(&body, "ProtectControlGroups=")));
    // The reason replaces systemd's bare "cannot parse" on the same lines.
    l.expect_none("UG013");
    l.expect_code(1);
    // The oracles: 252 ignores both lines, 257 takes them.
    let theirs = systemd_verify(&r, "tmp.service");
    for key in ["PrivateTmp=", "ProtectControlGroups="] {
        let at = format!("{}:{}:", unit.display(), line(&body, key));
        assert!(theirs.contains(&at), "systemd 252 ignores {key}:\n{theirs}");
    }
    let theirs = systemd_257_security_stderr(&r, "tmp.service");
    assert!(!theirs.contains(unit.to_str().unwrap()), "{theirs}");
    r.lint_with(&["tmp.service"], &["--systemd-version", "257"])
        .expect_clean();
}

#[test]
fn ug010_directive_too_new_for_the_target() {
    let body = svc("ExecStart=/usr/bin/pids\nPrivatePIDs=yes");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("pids.service", &body);
    let unit = r.unit_path("pids.service");
    let l = r.lint_with(&["pids.service"], &["--systemd-version", "252"]);
    insta::assert_snapshot!(l.text, @"
    status Some(1)
    --- stdout
    [ROOT]/etc/systemd/system/pids.service:6: error[UG010] PrivatePIDs= needs systemd 257, the target is systemd 252: it is ignored there (directive-too-new)
        fix: Remove it or target a newer systemd.
    1 finding(s), 1 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    let f = l.expect("UG010", &unit, Some(line(&body, "PrivatePIDs=")));
    assert_eq!(
        f["message"],
        "PrivatePIDs= needs systemd 257, the target is systemd 252: it is ignored there"
    );
    l.expect_code(1);

    // The fix: target a systemd that has it (or remove the line).
    r.lint_with(&["pids.service"], &["--systemd-version", "257"])
        .expect_clean();
    r.unit("pids.service", body.replace("PrivatePIDs=yes\n", ""));
    r.lint_with(&["pids.service"], &["--systemd-version", "252"])
        .expect_clean();
}

// ---------------------------------------------------------------------------------------------
// UG011 deprecated-directive

#[test]
fn ug011_deprecated_directive() {
    let body = svc("ExecStart=/usr/bin/big\nMemoryLimit=512M\nReadWriteDirectories=/var/lib/big");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.dir("var/lib/big");
    r.unit("big.service", &body);
    let unit = r.unit_path("big.service");
    let l = r.lint(&["big.service"]);
    insta::assert_snapshot!(l.text, @"
    status Some(0)
    --- stdout
    [ROOT]/etc/systemd/system/big.service:6: warning[UG011] MemoryLimit= is deprecated (deprecated-directive)
        fix: Use MemoryMax= instead.
    [ROOT]/etc/systemd/system/big.service:7: warning[UG011] ReadWriteDirectories= is deprecated (deprecated-directive)
        fix: Use ReadWritePaths= instead.
    2 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    let f = l.expect("UG011", &unit, Some(line(&body, "MemoryLimit=")));
    assert_eq!(f["fix"], "Use MemoryMax= instead.");
    let f = l.expect("UG011", &unit, Some(line(&body, "ReadWriteDirectories=")));
    assert_eq!(f["fix"], "Use ReadWritePaths= instead.");
    l.expect_code(0);

    // The fix: the replacements.
    r.unit(
        "big.service",
        svc("ExecStart=/usr/bin/big\nMemoryMax=512M\nReadWritePaths=/var/lib/big"),
    );
    r.lint(&["big.service"]).expect_clean();
}

// ---------------------------------------------------------------------------------------------
// UG012 conflicting-settings

#[test]
fn ug012_private_network_with_an_allow_list_of_peers() {
    let body = svc(
        "ExecStart=/usr/bin/batch\nPrivateNetwork=yes\nIPAddressDeny=any\nIPAddressAllow=localhost 10.1.2.0/24",
    );
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("batch.service", &body);
    let unit = r.unit_path("batch.service");
    let l = r.lint(&["batch.service"]);
    insta::assert_snapshot!(l.text, @"
    status Some(0)
    --- stdout
    [ROOT]/etc/systemd/system/batch.service:6: warning[UG012] PrivateNetwork=yes cuts the service off the network: the peers IPAddressAllow= lets through are unreachable (conflicting-settings)
        fix: Drop PrivateNetwork= if the service must reach those peers, or the IPAddressAllow= entries if it must not.
    1 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    let f = l.expect("UG012", &unit, Some(line(&body, "PrivateNetwork=")));
    assert!(
        f["message"].as_str().unwrap().contains("unreachable"),
        "{f}"
    );
    l.expect_code(0);

    // The fix (the service must not reach peers): no allow list. PrivateNetwork= with
    // IPAddressDeny=any is defence in depth, as in systemd's own systemd-hostnamed.service.
    r.unit(
        "batch.service",
        body.replace("IPAddressAllow=localhost 10.1.2.0/24\n", ""),
    );
    r.lint(&["batch.service"]).expect_clean();
}

#[test]
fn ug012_dynamic_user_with_user_root() {
    let body = svc("ExecStart=/usr/bin/dyn\nDynamicUser=yes\nUser=root");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("dyn.service", &body);
    let unit = r.unit_path("dyn.service");
    let lint = r.lint(&["dyn.service"]);
    insta::assert_snapshot!(lint.text, @"
    status Some(0)
    --- stdout
    [ROOT]/etc/systemd/system/dyn.service:7: warning[UG012] DynamicUser=yes with User=root: the service still runs as root (conflicting-settings)
        fix: Remove User= (or set a non-root name) so DynamicUser= allocates a transient user.
    1 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    let f = lint.expect("UG012", &unit, Some(line(&body, "User=")));
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("still runs as root"),
        "{f}"
    );

    r.unit("dyn.service", body.replace("User=root\n", ""));
    r.lint(&["dyn.service"]).expect_clean();
}

#[test]
fn ug012_protect_home_hides_the_program() {
    let body = svc("ExecStart=/home/app/bin/server\nProtectHome=yes");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("homeapp.service", &body);
    let unit = r.unit_path("homeapp.service");
    let lint = r.lint(&["homeapp.service"]);
    insta::assert_snapshot!(lint.text, @"
    status Some(0)
    --- stdout
    [ROOT]/etc/systemd/system/homeapp.service:5: warning[UG012] ProtectHome=yes hides ExecStart=/home/app/bin/server: the service fails with status=200/CHDIR or 203/EXEC (conflicting-settings)
        fix: Use ProtectHome=read-only, or move the program out of the home directories.
    1 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    lint.expect("UG012", &unit, Some(line(&body, "ExecStart=")));

    // The fix: ProtectHome=read-only.
    r.unit(
        "homeapp.service",
        body.replace("ProtectHome=yes", "ProtectHome=read-only"),
    );
    r.lint(&["homeapp.service"]).expect_clean();

    // Also harmless: '+' (no namespace for this command), WorkingDirectory=- (chdir failure
    // ignored).
    r.unit(
        "plus.service",
        svc("ExecStart=+/home/app/bin/server\nProtectHome=yes"),
    );
    r.unit(
        "wd.service",
        svc("ExecStart=/usr/bin/server\nWorkingDirectory=-/home/app\nProtectHome=yes"),
    );
    r.lint(&["plus.service", "wd.service"]).expect_clean();
    let body = svc("ExecStart=/usr/bin/server\nWorkingDirectory=/home/app\nProtectHome=tmpfs");
    r.unit("wd.service", &body);
    let unit = r.unit_path("wd.service");
    r.lint(&["wd.service"])
        .expect("UG012", &unit, Some(line(&body, "WorkingDirectory=")));
}

#[test]
fn ug012_no_new_privileges_on_a_setuid_runner() {
    let body = svc("ExecStart=/usr/sbin/cron -f\nNoNewPrivileges=yes");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("cron.service", &body);
    let unit = r.unit_path("cron.service");
    let lint = r.lint(&["cron.service"]);
    insta::assert_snapshot!(lint.text, @"
    status Some(0)
    --- stdout
    [ROOT]/etc/systemd/system/cron.service:6: warning[UG012] NoNewPrivileges=yes, but cron runs setuid programs or user jobs: they lose their privileges (conflicting-settings)
        fix: Remove NoNewPrivileges= for this service.
    1 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    let f = lint.expect("UG012", &unit, Some(line(&body, "NoNewPrivileges=")));
    assert_eq!(f["fix"], "Remove NoNewPrivileges= for this service.");

    r.unit("cron.service", body.replace("NoNewPrivileges=yes\n", ""));
    r.lint(&["cron.service"]).expect_clean();

    // PAMName= opens sessions for other users: the same conflict.
    let body = svc("ExecStart=/usr/bin/session-runner\nPAMName=login\nNoNewPrivileges=yes");
    r.unit("pam.service", &body);
    let unit = r.unit_path("pam.service");
    r.lint(&["pam.service"])
        .expect("UG012", &unit, Some(line(&body, "NoNewPrivileges=")));

    // A shell script is not a setuid runner because of its interpreter (e2scrub@.service).
    r.file("usr/sbin/scrub", "#!/bin/bash\nexec fsck -n \"$1\"\n");
    r.unit(
        "scrub.service",
        svc("ExecStart=/usr/sbin/scrub /dev/sda1\nNoNewPrivileges=yes"),
    );
    r.lint(&["scrub.service"]).expect_clean();
}

// ---------------------------------------------------------------------------------------------
// UG013 invalid-value

#[test]
fn ug013_invalid_value_and_systemd_warns_on_the_same_line() {
    let body = svc("ExecStart=/usr/bin/bad\nProtectSystem=bogus\nProtectHome=sometimes");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("bad.service", &body);
    let unit = r.unit_path("bad.service");
    let conf = "[Service]\nNoNewPrivileges=maybe\nRestrictAddressFamilies=AF_BOGUS\nNoEqualsSign\nReadOnlyPaths=etc/bad\n";
    r.dropin("bad.service", "x.conf", conf);
    let dropin = r.join(&format!("{UNITS}/bad.service.d/x.conf"));
    let l = r.lint(&["bad.service"]);
    insta::assert_snapshot!(l.text, @"
    status Some(1)
    --- stdout
    [ROOT]/etc/systemd/system/bad.service:6: error[UG013] systemd ignores this line: Failed to parse protect system value, ignoring: bogus (invalid-value)
        fix: Correct the value (see the directive's accepted values).
    [ROOT]/etc/systemd/system/bad.service:7: error[UG013] systemd ignores this line: Failed to parse protect home value, ignoring: sometimes (invalid-value)
        fix: Correct the value (see the directive's accepted values).
    [ROOT]/etc/systemd/system/bad.service.d/x.conf:2: error[UG013] systemd ignores this line: Failed to parse boolean value, ignoring: maybe (invalid-value)
        fix: Correct the value (see the directive's accepted values).
    [ROOT]/etc/systemd/system/bad.service.d/x.conf:3: error[UG013] systemd ignores this line: Failed to parse address family, ignoring: AF_BOGUS (invalid-value)
        fix: Correct the value (see the directive's accepted values).
    [ROOT]/etc/systemd/system/bad.service.d/x.conf:4: error[UG013] systemd ignores this line: Missing '=', ignoring line. (invalid-value)
        fix: Correct the value (see the directive's accepted values).
    [ROOT]/etc/systemd/system/bad.service.d/x.conf:5: error[UG013] systemd ignores this line: ReadOnlyPaths= path is not absolute, ignoring: etc/bad (invalid-value)
        fix: Correct the value (see the directive's accepted values).
    6 finding(s), 6 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    ");
    l.expect_code(1);
    let ours: Vec<String> = l
        .of("UG013")
        .iter()
        .map(|f| {
            let msg = f["message"].as_str().unwrap();
            let msg = msg.strip_prefix("systemd ignores this line: ").expect(msg);
            format!("{}:{}: {msg}", f["file"].as_str().unwrap(), f["line"])
        })
        .collect();
    let mut ours = ours;
    ours.sort();
    assert_eq!(ours.len(), 6, "{ours:#?}");
    // Every line systemd warns about, in both of its tools, is a UG013 with the same text.
    for (tool, stderr) in [
        ("verify", systemd_verify(&r, "bad.service")),
        ("security", systemd_security(&r, "bad.service").1),
    ] {
        let mut theirs: Vec<String> = stderr
            .lines()
            .filter(|l| {
                l.starts_with(unit.to_str().unwrap()) || l.starts_with(dropin.to_str().unwrap())
            })
            .map(str::to_string)
            .collect();
        theirs.sort();
        theirs.dedup();
        assert_eq!(
            ours, theirs,
            "unitguard (left) and systemd-analyze {tool} (right) disagree"
        );
    }
    for (file, n) in [
        (&unit, line(&body, "ProtectSystem=")),
        (&unit, line(&body, "ProtectHome=")),
        (&dropin, 2),
        (&dropin, 3),
        (&dropin, 4),
        (&dropin, 5),
    ] {
        l.expect("UG013", file, Some(n));
    }

    // The fix: values systemd accepts.
    r.unit(
        "bad.service",
        svc("ExecStart=/usr/bin/bad\nProtectSystem=strict\nProtectHome=read-only"),
    );
    r.dropin(
        "bad.service",
        "x.conf",
        "[Service]\nNoNewPrivileges=yes\nRestrictAddressFamilies=AF_UNIX\nPrivateTmp=yes\nReadOnlyPaths=/etc\n",
    );
    r.lint(&["bad.service"]).expect_clean();
    let sd = systemd_verify(&r, "bad.service");
    assert!(
        !sd.contains(r.path().join(UNITS).to_str().unwrap()),
        "systemd still warns:\n{sd}"
    );
}

// ---------------------------------------------------------------------------------------------
// Output formats and exit code

#[test]
fn text_format_has_path_line_severity_id_message() {
    let body = svc("ExecStart=/usr/bin/typo\nProtectSytem=strict\nMemoryLimit=1G");
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("typo.service", &body);
    let unit = r.unit_path("typo.service");
    let out = r.run(&["typo.service"], &["--format", "text"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let expect = [
        format!(
            "{}:{}: error[UG009] Unknown directive ProtectSytem= in [Service]: systemd ignores it",
            unit.display(),
            line(&body, "ProtectSytem=")
        ),
        format!(
            "{}:{}: warning[UG011] MemoryLimit= is deprecated",
            unit.display(),
            line(&body, "MemoryLimit=")
        ),
    ];
    for e in &expect {
        assert!(
            text.lines().any(|l| l.starts_with(e.as_str())),
            "no line starting {e:?} in:\n{text}"
        );
    }
    assert!(
        text.contains("    fix: Did you mean ProtectSystem=?"),
        "{text}"
    );
    assert!(
        text.trim_end()
            .ends_with("2 finding(s), 1 error(s) in 1 unit(s) (systemd 252)"),
        "{text}"
    );
    insta::assert_snapshot!(text, @"
    [ROOT]/etc/systemd/system/typo.service:6: error[UG009] Unknown directive ProtectSytem= in [Service]: systemd ignores it (unknown-directive)
        fix: Did you mean ProtectSystem=?
    [ROOT]/etc/systemd/system/typo.service:7: warning[UG011] MemoryLimit= is deprecated (deprecated-directive)
        fix: Use MemoryMax= instead.
    2 finding(s), 1 error(s) in 1 unit(s) (systemd 252)
    ");

    // A whole-file finding has no line number.
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.file(&format!("{VENDOR}/v.service"), svc("ExecStart=/usr/bin/v"));
    r.unit("v.service", svc("ExecStart=/usr/bin/v"));
    let copy = r.unit_path("v.service");
    let out = r.run(&["v.service"], &[]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!("{}: warning[UG001] ", copy.display())),
        "{text}"
    );
    insta::assert_snapshot!(text, @"
    [TMP]/etc/systemd/system/v.service: warning[UG001] A vendor unit was edited or copied to /etc instead of extended with a drop-in (vendor-unit-edited)
        fix: Move your changes into /etc/systemd/system/v.service.d/override.conf (systemctl edit v.service) and restore the vendor file, so package updates keep reaching you.
    1 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    ");
}

#[test]
fn exit_code_is_one_only_for_errors() {
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit("warn.service", svc("ExecStart=/usr/bin/w\nMemoryLimit=1G"));
    r.unit(
        "err.service",
        svc("ExecStart=/usr/bin/e\nProtectSytem=strict"),
    );
    r.unit(
        "ok.service",
        svc("ExecStart=/usr/bin/o\nProtectSystem=strict"),
    );
    r.lint(&["warn.service"]).expect_code(0);
    r.lint(&["err.service"]).expect_code(1);
    r.lint(&["ok.service"]).expect_clean();
    r.lint(&["warn.service", "err.service", "ok.service"])
        .expect_code(1);
    // A unit that does not load is a failure too, reported as UG000.
    let l = r.lint(&["missing.service"]);
    insta::assert_snapshot!(l.text, @"
    status Some(1)
    --- stdout
    0 finding(s), 0 error(s) in 1 unit(s) (systemd 252)
    --- stderr
    Unit missing.service not found. (no unit file named missing.service in the search path (13 directories))
    ");
    l.expect_code(1);
    assert_eq!(l.findings.len(), 1, "{:?}", l.findings);
    assert_eq!(l.findings[0]["rule"], "UG000");
    assert_eq!(l.findings[0]["unit"], "missing.service");
}

#[test]
fn lint_without_arguments_covers_every_service_of_the_root() {
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    r.unit(
        "a.service",
        svc("ExecStart=/usr/bin/a\nProtectSytem=strict"),
    );
    let a = r.unit_path("a.service");
    r.unit("b.service", svc("ExecStart=/usr/bin/b\nMemoryLimit=1G"));
    let b = r.unit_path("b.service");
    let l = r.lint(&[]);
    insta::assert_snapshot!(l.text, @"
    status Some(1)
    --- stdout
    [ROOT]/etc/systemd/system/a.service:6: error[UG009] Unknown directive ProtectSytem= in [Service]: systemd ignores it (unknown-directive)
        fix: Did you mean ProtectSystem=?
    [ROOT]/etc/systemd/system/b.service:6: warning[UG011] MemoryLimit= is deprecated (deprecated-directive)
        fix: Use MemoryMax= instead.
    2 finding(s), 1 error(s) in 2 unit(s) (systemd 252)
    --- stderr
    ");
    l.expect("UG009", &a, Some(6));
    l.expect("UG011", &b, Some(6));
    assert_eq!(l.findings.len(), 2, "{}", l.stdout);
}

/// SARIF 2.1.0, checked by hand against the parts of the OASIS schema
/// (sarif-schema-2.1.0.json) that this output uses: allowed and required properties, enums and
/// the region's anyOf(startLine, charOffset, byteOffset).
#[test]
fn sarif_is_valid_2_1_0() {
    let r = Root::os();
    let _s = r.snapshots().bind_to_scope();
    // Findings of every severity and one without a line (UG001).
    r.file(&format!("{VENDOR}/v.service"), svc("ExecStart=/usr/bin/v"));
    r.unit(
        "v.service",
        svc("ExecStart=/usr/bin/v\nProtectSytem=strict\nMemoryLimit=1G"),
    );
    let base = r.path().display().to_string();
    let out = r.run(&["v.service"], &["--format", "sarif", "--base", &base]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("sarif_document", String::from_utf8_lossy(&out.stdout));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let findings = r.lint(&["v.service"]).findings;
    assert_eq!(findings.len(), 3);

    fn keys_within(v: &Value, what: &str, allowed: &[&str]) {
        let obj = v
            .as_object()
            .unwrap_or_else(|| panic!("{what} is not an object: {v}"));
        for k in obj.keys() {
            assert!(
                allowed.contains(&k.as_str()),
                "{what} has property {k:?}, not in the schema"
            );
        }
    }
    keys_within(
        &doc,
        "sarifLog",
        &[
            "$schema",
            "version",
            "runs",
            "inlineExternalProperties",
            "properties",
        ],
    );
    assert_eq!(doc["version"], "2.1.0");
    assert!(
        doc["$schema"].as_str().unwrap().starts_with("https://"),
        "$schema is a URI"
    );
    let runs = doc["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    keys_within(
        &run["tool"],
        "tool",
        &["driver", "extensions", "properties"],
    );
    assert_eq!(driver["name"], "unitguard");
    assert!(driver["version"].is_string());

    let rules = driver["rules"].as_array().expect("driver.rules");
    let ids: Vec<&str> = rules
        .iter()
        .map(|r| r["id"].as_str().expect("rule id"))
        .collect();
    let expected: Vec<String> = (0..=13).map(|n| format!("UG{n:03}")).collect();
    assert_eq!(ids, expected);
    for rule in rules {
        keys_within(
            rule,
            "reportingDescriptor",
            &[
                "id",
                "deprecatedIds",
                "guid",
                "deprecatedGuids",
                "name",
                "deprecatedNames",
                "shortDescription",
                "fullDescription",
                "messageStrings",
                "defaultConfiguration",
                "helpUri",
                "help",
                "relationships",
                "properties",
            ],
        );
        assert!(rule["shortDescription"]["text"].is_string(), "{rule}");
        assert!(rule["help"]["text"].is_string(), "{rule}");
        let level = rule["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(
            ["none", "note", "warning", "error"].contains(&level),
            "{rule}"
        );
    }

    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), findings.len());
    for (res, f) in results.iter().zip(&findings) {
        keys_within(
            res,
            "result",
            &[
                "ruleId",
                "ruleIndex",
                "rule",
                "kind",
                "level",
                "message",
                "analysisTarget",
                "locations",
                "guid",
                "correlationGuid",
                "occurrenceCount",
                "partialFingerprints",
                "fingerprints",
                "stacks",
                "codeFlows",
                "graphs",
                "graphTraversals",
                "relatedLocations",
                "suppressions",
                "baselineState",
                "rank",
                "attachments",
                "hostedViewerUri",
                "workItemUris",
                "provenance",
                "fixes",
                "taxa",
                "webRequest",
                "webResponse",
                "properties",
            ],
        );
        assert_eq!(res["ruleId"], f["rule"]);
        let index = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], res["ruleId"]);
        let level = res["level"].as_str().expect("level");
        assert_eq!(level, f["severity"].as_str().unwrap());
        assert!(
            res["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with(f["message"].as_str().unwrap())
        );
        let loc = &res["locations"][0]["physicalLocation"];
        keys_within(
            loc,
            "physicalLocation",
            &[
                "address",
                "artifactLocation",
                "region",
                "contextRegion",
                "properties",
            ],
        );
        // Relative to --base, resolved against %SRCROOT% (the checkout on GitHub).
        let uri = loc["artifactLocation"]["uri"].as_str().expect("uri");
        let rel = Path::new(f["file"].as_str().unwrap())
            .strip_prefix(r.path())
            .unwrap()
            .display()
            .to_string();
        assert_eq!(uri, rel, "tempdir paths need no escaping");
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let region = &loc["region"];
        keys_within(
            region,
            "region",
            &["startLine", "startColumn", "endLine", "endColumn"],
        );
        match f["line"].as_u64() {
            // The finding's whole line.
            Some(n) => {
                assert_eq!(region["startLine"].as_u64(), Some(n));
                assert_eq!(region["endLine"].as_u64(), Some(n));
                assert!(n >= 1);
            }
            // About the whole file: every line of it.
            None => {
                let text = std::fs::read_to_string(f["file"].as_str().unwrap()).unwrap();
                assert_eq!(region["startLine"], 1);
                assert_eq!(
                    region["endLine"].as_u64(),
                    Some(text.lines().count() as u64)
                );
            }
        }
        assert!(res["partialFingerprints"]["unitguardFinding/v1"].is_string());
    }
    assert!(results.iter().any(|r| r["level"] == "error"));
    assert!(results.iter().any(|r| r["level"] == "warning"));
    assert!(results.iter().any(|r| r["ruleId"] == "UG001"));
}

#[test]
fn sarif_uri_is_percent_encoded() {
    let r = Root::with_prefix("unitguard lint %");
    let _s = r.snapshots().bind_to_scope();
    r.dir("usr/bin");
    r.unit(
        "a.service",
        svc("ExecStart=/usr/bin/a\nProtectSytem=strict"),
    );
    let out = r.run(&["a.service"], &["--format", "sarif"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .unwrap_or_else(|| panic!("{doc}"))
        .to_string();
    assert!(uri.starts_with("file:///"), "{uri}");
    assert!(uri.contains("/unitguard%20lint%20%25"), "{uri}");
    assert!(uri.ends_with("/etc/systemd/system/a.service"), "{uri}");
    assert!(!uri.contains(' '), "{uri}");
}
