//! Bad input, for `audit` and `cat`: each case must give ONE clear message naming the file (and
//! the line when there is one), never a panic or a hang, and the other units of the same run
//! must still be reported. Where systemd-analyze has a message for the case, ours starts with
//! it (systemd's words first, then our detail in parentheses), and the exit status matches.
//!
//! Exit statuses (see `unitguard audit --help`): 1 when a unit cannot be loaded or scored (the
//! others are still scored and printed), 2 when the invocation itself cannot be used: a
//! `--root` that is not a directory, or a `--security-policy` that cannot be read, is not JSON,
//! or has a range of 0. systemd-analyze exits 1 for a bad policy and aborts (SIGABRT) on a
//! range of 0; we stop before scoring anything, with exit status 2, naming the file and line.
//!
//! What systemd does is asserted here as well, so a change in either tool shows up.

use std::process::Command;

use crate::support::*;

const GOOD: &str = "good.service";

fn root_with_good() -> Root {
    let r = Root::new();
    r.unit(GOOD, PLAIN);
    r
}

/// No panic, no signal, and stderr holds exactly `lines` lines.
fn assert_clean_failure(out: &std::process::Output, lines: usize) {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "panic: {err}");
    assert!(
        out.status.code().is_some(),
        "killed by a signal: {:?}",
        out.status
    );
    assert_eq!(
        err.lines().count(),
        lines,
        "expected {lines} line(s) on stderr:\n{err}"
    );
}

/// Runs `audit --offline --root R BAD good.service` and checks: exit 1, one stderr line that
/// starts with `systemd_says` and mentions `names` (file, line), the good unit still printed
/// exactly as systemd-analyze prints it.
fn audit_bad_next_to_good(r: &Root, bad: &str, systemd_says: &str, names: &[&str]) -> String {
    let root = r.arg();
    let ours = unitguard_bounded(
        r,
        "C.UTF-8",
        &["audit", "--offline", "--root", &root, bad, GOOD],
    );
    assert_eq!(code(&ours), 1, "{}", stderr(&ours));
    assert_clean_failure(&ours, 1);
    let err = stderr(&ours);
    assert!(
        err.starts_with(systemd_says),
        "{err:?} should start with systemd's {systemd_says:?}"
    );
    for n in names {
        assert!(err.contains(n), "{err:?} should name {n:?}");
    }
    let theirs = systemd_analyze(r, "C.UTF-8", &[bad, GOOD]);
    assert_eq!(code(&theirs), 1);
    let systemd_line = systemd_says.trim_end_matches('(').trim_end();
    assert!(
        stderr(&theirs).lines().any(|l| l == systemd_line),
        "systemd said: {}",
        stderr(&theirs)
    );
    assert_eq!(
        stdout(&ours),
        stdout(&theirs),
        "the good unit is printed as systemd prints it"
    );
    assert!(stdout(&ours).contains("Overall exposure level for good.service: 9.6"));
    // JSON: one object per argument, the bad one with its error.
    let json = unitguard_bounded(
        r,
        "C.UTF-8",
        &["audit", "--offline", "--json", "--root", &root, bad, GOOD],
    );
    assert_eq!(code(&json), 1);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["schema"], 1);
    let units = &doc["units"];
    assert_eq!(units[0]["error"].as_str().unwrap(), systemd_line);
    assert!(units[0]["detail"].is_string());
    assert_eq!(units[1]["unit"], GOOD);
    err
}

/// `unitguard cat --root R UNIT`.
fn cat(r: &Root, unit: &str) -> std::process::Output {
    let root = r.arg();
    unitguard_bounded(r, "C.UTF-8", &["cat", "--root", &root, unit])
}

/// `systemd-analyze --root R cat-config systemd/system/UNIT`: the same printing code as
/// `systemctl cat` (which refuses --root), for a unit with only `<unit>.d/` drop-ins.
fn cat_config(r: &Root, unit: &str) -> std::process::Output {
    let root = format!("--root={}", r.arg());
    let path = format!("systemd/system/{unit}");
    systemd_analyze_raw(r, &[&root, "cat-config", &path], 30).expect("cat-config hung")
}

// ---------------------------------------------------------------------------------------------
// Unit file contents

fn garbage() -> Vec<u8> {
    // Deterministic pseudo-random bytes (xorshift), with NULs, CRs and invalid UTF-8.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..8192)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn binary_garbage() {
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    r.unit("garbage.service", garbage());
    let err = audit_bad_next_to_good(
        &r,
        "garbage.service",
        "Unit garbage.service failed to load properly, please adjust/correct and reload service manager: Invalid argument (",
        &["garbage.service:1: line is not valid UTF-8"],
    );
    insta::assert_snapshot!("garbage_audit", r.redact(&err));
    // cat prints it byte for byte as systemd's cat code does.
    let ours = cat(&r, "garbage.service");
    assert_eq!(code(&ours), 0);
    assert_eq!(ours.stdout, cat_config(&r, "garbage.service").stdout);
}

#[test]
fn invalid_utf8_in_a_value() {
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    r.unit(
        "latin1.service",
        b"[Unit]\nDescription=caf\xe9\n[Service]\nExecStart=/bin/true\nUser=j\xf6rg\n".as_slice(),
    );
    let err = audit_bad_next_to_good(
        &r,
        "latin1.service",
        "Unit latin1.service failed to load properly, please adjust/correct and reload service manager: Invalid argument (",
        &["latin1.service:2: line is not valid UTF-8"],
    );
    insta::assert_snapshot!(err, @"Unit latin1.service failed to load properly, please adjust/correct and reload service manager: Invalid argument ([ROOT]/etc/systemd/system/latin1.service:2: line is not valid UTF-8)");
    let ours = cat(&r, "latin1.service");
    assert_eq!(code(&ours), 0);
    assert_eq!(ours.stdout, cat_config(&r, "latin1.service").stdout);
    insta::assert_snapshot!(String::from_utf8_lossy(&ours.stdout), @"
    # [ROOT]/etc/systemd/system/latin1.service
    [Unit]
    Description=caf�
    [Service]
    ExecStart=/bin/true
    User=j�rg
    ");
}

#[test]
fn invalid_utf8_in_a_dropin_only_drops_the_rest_of_that_dropin() {
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    r.unit("d.service", PLAIN).file(
        &format!("{UNIT_DIR}/d.service.d/bad.conf"),
        b"[Service]\nPrivateTmp=yes\nUser=\xff\nPrivateNetwork=yes\n".as_slice(),
    );
    let out = assert_same_as_systemd(&r, "C.UTF-8", &["d.service", GOOD]);
    assert_eq!(code(&out), 0);
    assert_clean_failure(&out, 1);
    assert!(stderr(&out).contains("bad.conf:3: line is not valid UTF-8"));
    insta::assert_snapshot!(stderr(&out), @"[ROOT]/etc/systemd/system/d.service.d/bad.conf:3: line is not valid UTF-8 (rest of this drop-in ignored, as systemd does)");
}

#[test]
fn ten_megabyte_line() {
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    let mut big = b"[Service]\nExecStart=/bin/true\nEnvironment=A=".to_vec();
    big.resize(big.len() + 10 * 1024 * 1024, b'a');
    big.extend_from_slice(b"\nUser=nobody\n");
    r.unit("huge.service", &big);
    let err = audit_bad_next_to_good(
        &r,
        "huge.service",
        "Unit huge.service failed to load properly, please adjust/correct and reload service manager: No buffer space available (",
        &["huge.service:3: line too long"],
    );
    insta::assert_snapshot!("huge_audit", r.redact(&err));
    // cat stops at the long line, as systemd does, and says where.
    let ours = cat(&r, "huge.service");
    assert_eq!(code(&ours), 1);
    assert_clean_failure(&ours, 1);
    assert!(stderr(&ours).contains("huge.service:3: line too long"));
    let theirs = cat_config(&r, "huge.service");
    assert_eq!(code(&theirs), 1);
    assert_eq!(ours.stdout, theirs.stdout);
}

#[test]
fn ten_megabyte_line_of_continuations() {
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    let mut big = b"[Service]\nExecStart=/bin/true\nEnvironment=A=".to_vec();
    for _ in 0..200_000 {
        big.extend_from_slice(b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\\n");
    }
    big.extend_from_slice(b"end\n");
    r.unit("cont.service", &big);
    let err = audit_bad_next_to_good(
        &r,
        "cont.service",
        "Unit cont.service failed to load properly, please adjust/correct and reload service manager: No buffer space available (",
        &["cont.service:", "line too long"],
    );
    insta::assert_snapshot!(err, @"Unit cont.service failed to load properly, please adjust/correct and reload service manager: No buffer space available ([ROOT]/etc/systemd/system/cont.service:20974: line too long (more than 1 MiB))");
}

// ---------------------------------------------------------------------------------------------
// Files that are not unit files

#[test]
fn unreadable_unit_file() {
    // As root, mode 000 does not stop reading, so the run drops to `nobody` (runuser or
    // setpriv) when the tests run as root; otherwise chmod 000 is enough.
    use std::os::unix::fs::PermissionsExt;
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    r.unit("secret.service", PLAIN);
    std::fs::set_permissions(r.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        r.join(&format!("{UNIT_DIR}/secret.service")),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let as_user = |program: &str, args: &[&str]| {
        let mut cmd = if running_as_root() {
            let mut c = Command::new("setpriv");
            c.args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--",
                program,
            ]);
            c
        } else {
            Command::new(program)
        };
        cmd.current_dir(r.path()).args(args);
        cmd.env("LANG", "C.UTF-8").env_remove("LC_ALL");
        output_within(cmd, 60).expect("hung")
    };
    let root = r.arg();
    let exe = env!("CARGO_BIN_EXE_unitguard");
    let ours = as_user(
        exe,
        &[
            "audit",
            "--offline",
            "--root",
            &root,
            "secret.service",
            GOOD,
        ],
    );
    assert_eq!(code(&ours), 1, "{}", stderr(&ours));
    assert_clean_failure(&ours, 1);
    let err = stderr(&ours);
    assert!(err.starts_with("Unit secret.service not found. ("), "{err}");
    assert!(err.contains("secret.service: Permission denied"), "{err}");
    assert!(stdout(&ours).contains("Overall exposure level for good.service"));
    let sd_root = format!("--root={root}");
    let theirs = as_user(
        "systemd-analyze",
        &[
            "security",
            "--offline=true",
            &sd_root,
            "secret.service",
            GOOD,
        ],
    );
    assert_eq!(code(&theirs), 1);
    assert!(stderr(&theirs).contains("Unit secret.service not found."));
    assert_eq!(ours.stdout, theirs.stdout);
    // cat: one line naming the file.
    let ours = as_user(exe, &["cat", "--root", &root, "secret.service"]);
    assert_eq!(code(&ours), 1);
    assert_clean_failure(&ours, 1);
    assert!(stderr(&ours).contains("secret.service: Permission denied"));
    insta::assert_snapshot!(stderr(&ours), @"Unit secret.service not found. ([ROOT]/etc/systemd/system/secret.service: Permission denied)");
}

#[test]
fn directory_where_a_unit_file_should_be() {
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    r.dir(&format!("{UNIT_DIR}/dir.service"));
    let err = audit_bad_next_to_good(
        &r,
        "dir.service",
        "Unit dir.service not found. (",
        &["etc/systemd/system/dir.service is a directory"],
    );
    insta::assert_snapshot!("dir_audit", r.redact(&err));
    // The same when the argument is that directory's path.
    let path = r
        .join(&format!("{UNIT_DIR}/dir.service"))
        .display()
        .to_string();
    audit_bad_next_to_good(
        &r,
        &path,
        "Unit dir.service not found. (",
        &["is a directory"],
    );
    // A directory does not hide a unit file of the same name further down the search path.
    r.file("lib/systemd/system/dir.service", PLAIN);
    let out = assert_same_as_systemd(&r, "C.UTF-8", &["dir.service"]);
    assert_eq!(code(&out), 0);
    // cat
    let ours = cat(&r, "dir.service");
    assert_eq!(code(&ours), 0);
    assert!(stdout(&ours).starts_with(&format!("# {}/lib/systemd/system/dir.service\n", r.arg())));
    insta::assert_snapshot!(stdout(&ours), @"
    # [ROOT]/lib/systemd/system/dir.service
    [Unit]
    Description=plain

    [Service]
    ExecStart=/bin/true
    ");
}

#[test]
fn symlink_to_a_directory_fails_like_systemd() {
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    r.dir("opt/d");
    let target = r.join("opt/d").display().to_string();
    r.symlink(&format!("{UNIT_DIR}/linked.service"), &target);
    let err = audit_bad_next_to_good(
        &r,
        "linked.service",
        "Unit linked.service failed to load properly, please adjust/correct and reload service manager: Is a directory (",
        &["linked.service is a directory"],
    );
    insta::assert_snapshot!(err, @"Unit linked.service failed to load properly, please adjust/correct and reload service manager: Is a directory ([ROOT]/etc/systemd/system/linked.service is a directory)");
}

#[test]
fn fifo_is_never_read() {
    // systemd-analyze skips a FIFO named like a unit, but blocks forever reading one reached
    // through a symlink (a "linked unit"). We never open a FIFO.
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    let fifo = r.join("opt/pipe");
    std::fs::create_dir_all(fifo.parent().unwrap()).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    assert!(
        Command::new("mkfifo")
            .arg(r.join(&format!("{UNIT_DIR}/fifo.service")))
            .status()
            .unwrap()
            .success()
    );
    audit_bad_next_to_good(
        &r,
        "fifo.service",
        "Unit fifo.service not found. (",
        &["fifo.service is a FIFO"],
    );
    r.symlink(
        &format!("{UNIT_DIR}/piped.service"),
        &fifo.display().to_string(),
    );
    let root = r.arg();
    let ours = unitguard_bounded(
        &r,
        "C.UTF-8",
        &["audit", "--offline", "--root", &root, "piped.service", GOOD],
    );
    assert_eq!(code(&ours), 1);
    assert_clean_failure(&ours, 1);
    assert!(stderr(&ours).starts_with("Unit piped.service failed to load properly"));
    assert!(stderr(&ours).contains("piped.service: a FIFO, not a regular file"));
    insta::assert_snapshot!(stderr(&ours), @"Unit piped.service failed to load properly, please adjust/correct and reload service manager: Invalid argument ([ROOT]/etc/systemd/system/piped.service: a FIFO, not a regular file)");
    assert!(stdout(&ours).contains("Overall exposure level for good.service"));
    let sd_root = format!("--root={root}");
    assert!(
        systemd_analyze_raw(
            &r,
            &["security", "--offline=true", &sd_root, "piped.service"],
            3
        )
        .is_none(),
        "systemd-analyze no longer hangs on a FIFO: compare messages instead"
    );
    // A FIFO drop-in is skipped (systemd hangs on it too).
    r.unit("withpipe.service", PLAIN);
    r.symlink(
        &format!("{UNIT_DIR}/withpipe.service.d/p.conf"),
        &fifo.display().to_string(),
    );
    let out = unitguard_bounded(
        &r,
        "C.UTF-8",
        &["audit", "--offline", "--root", &root, "withpipe.service"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // cat
    let out = cat(&r, "piped.service");
    assert_eq!(code(&out), 1);
    assert_clean_failure(&out, 1);
    let out = cat(&r, "withpipe.service");
    assert_eq!(code(&out), 0);
    assert_clean_failure(&out, 1);
    assert!(stderr(&out).contains("p.conf: a FIFO, not a regular file (skipped"));
    insta::assert_snapshot!(stderr(&out), @"unitguard: [ROOT]/etc/systemd/system/withpipe.service.d/p.conf: a FIFO, not a regular file (skipped, as systemd does)");
}

#[test]
fn symlink_loop() {
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    r.symlink(&format!("{UNIT_DIR}/loop-a.service"), "loop-b.service")
        .symlink(&format!("{UNIT_DIR}/loop-b.service"), "loop-a.service");
    let err = audit_bad_next_to_good(
        &r,
        "loop-a.service",
        "Unit loop-a.service not found. (",
        &["etc/systemd/system/loop-a.service: the chain of unit symlinks loops"],
    );
    insta::assert_snapshot!("loop_audit", r.redact(&err));
    // A loop of filesystem symlinks outside the search path ("linked unit").
    r.symlink("opt/x", "y").symlink("opt/y", "x");
    let x = r.join("opt/x").display().to_string();
    r.symlink(&format!("{UNIT_DIR}/fsloop.service"), &x);
    audit_bad_next_to_good(
        &r,
        "fsloop.service",
        "Unit fsloop.service not found. (",
        &["fsloop.service: Too many levels of symbolic links"],
    );
    let out = cat(&r, "loop-a.service");
    assert_eq!(code(&out), 1);
    assert_clean_failure(&out, 1);
    assert!(stderr(&out).contains("loops"));
    insta::assert_snapshot!(stderr(&out), @"Unit loop-a.service not found. ([ROOT]/etc/systemd/system/loop-a.service: the chain of unit symlinks loops or is too long)");
}

#[test]
fn missing_unit() {
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    let err = audit_bad_next_to_good(
        &r,
        "missing.service",
        "Unit missing.service not found. (",
        &["missing.service"],
    );
    insta::assert_snapshot!("missing_audit", r.redact(&err));
    let out = cat(&r, "missing.service");
    assert_eq!(code(&out), 1);
    assert_clean_failure(&out, 1);
    insta::assert_snapshot!(stderr(&out), @"Unit missing.service not found. (no unit file named missing.service in the search path (13 directories))");
    // A path whose directory component is a file.
    let path = r
        .join(&format!("{UNIT_DIR}/{GOOD}/x.service"))
        .display()
        .to_string();
    audit_bad_next_to_good(&r, &path, "Unit x.service not found. (", &["x.service"]);
    // Not a unit name at all.
    let err = audit_bad_next_to_good(
        &r,
        "not-a-unit",
        "Failed to prepare filename not-a-unit: Invalid argument (",
        &["not-a-unit"],
    );
    insta::assert_snapshot!(err, @"Failed to prepare filename not-a-unit: Invalid argument (not a valid unit name)");
}

#[test]
fn dropin_directory_that_is_a_file_is_ignored() {
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    r.unit("d.service", PLAIN)
        .file(
            &format!("{UNIT_DIR}/d.service.d"),
            "[Service]\nUser=nobody\n",
        )
        .file(&format!("{UNIT_DIR}/service.d"), "x");
    let out = assert_same_as_systemd(&r, "C.UTF-8", &["d.service", GOOD]);
    assert_eq!(code(&out), 0);
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    let out = cat(&r, "d.service");
    assert_eq!(code(&out), 0);
    assert_eq!(out.stdout, cat_config(&r, "d.service").stdout);
    insta::assert_snapshot!(stdout(&out), @"
    # [ROOT]/etc/systemd/system/d.service
    [Unit]
    Description=plain

    [Service]
    ExecStart=/bin/true
    ");
}

#[test]
fn dropins_that_cannot_be_read_are_skipped() {
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    r.unit("d.service", PLAIN)
        .dir(&format!("{UNIT_DIR}/d.service.d/10-dir.conf"))
        .symlink(
            &format!("{UNIT_DIR}/d.service.d/20-dangling.conf"),
            "/nonexistent",
        )
        .file(
            &format!("{UNIT_DIR}/d.service.d/30-real.conf"),
            "[Service]\nPrivateTmp=yes\n",
        );
    let out = assert_same_as_systemd(&r, "C.UTF-8", &["d.service", GOOD]);
    assert_eq!(code(&out), 0);
    let out = cat(&r, "d.service");
    assert_eq!(code(&out), 0);
    assert_clean_failure(&out, 2);
    let err = r.redact(&stderr(&out));
    assert!(err.contains("[ROOT]/etc/systemd/system/d.service.d/10-dir.conf: Is a directory"));
    assert!(err.contains("[ROOT]/etc/systemd/system/d.service.d/20-dangling.conf: No such file"));
    assert!(stdout(&out).contains("30-real.conf\n[Service]\nPrivateTmp=yes\n"));
    insta::assert_snapshot!(err, @"
    unitguard: [ROOT]/etc/systemd/system/d.service.d/10-dir.conf: Is a directory (skipped, as systemd does)
    unitguard: [ROOT]/etc/systemd/system/d.service.d/20-dangling.conf: No such file or directory (skipped, as systemd does)
    ");
}

#[test]
fn root_that_does_not_exist() {
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    for missing in [
        "/nonexistent/root",
        r.join(&format!("{UNIT_DIR}/{GOOD}")).to_str().unwrap(),
    ] {
        for cmd in [
            &["audit", "--offline", "--root", missing, GOOD][..],
            &["cat", "--root", missing, GOOD],
        ] {
            let out = unitguard_bounded(&r, "C.UTF-8", cmd);
            assert_eq!(code(&out), 2, "{cmd:?}: {}", stderr(&out));
            assert!(out.stdout.is_empty());
            let err = stderr(&out);
            assert!(!err.contains("panicked"));
            assert!(err.contains(missing), "names the path: {err}");
        }
    }
    let out = unitguard_bounded(
        &r,
        "C.UTF-8",
        &["audit", "--offline", "--root", "/nonexistent/root", GOOD],
    );
    insta::assert_snapshot!("root_missing", stderr(&out));
    // systemd-analyze refuses it too (with exit status 1).
    let theirs = systemd_analyze_raw(
        &r,
        &[
            "security",
            "--offline=true",
            "--root=/nonexistent/root",
            GOOD,
        ],
        30,
    )
    .unwrap();
    assert_eq!(code(&theirs), 1);
    assert!(stderr(&theirs).contains("/nonexistent/root: No such file or directory"));
}

// ---------------------------------------------------------------------------------------------
// Security policies

fn policy(r: &Root, text: &str) -> String {
    r.file("bad.policy", text);
    format!("--security-policy={}", r.join("bad.policy").display())
}

#[test]
fn policy_with_a_json_syntax_error() {
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    let p = policy(&r, "{\n  \"UMask\": {\"weight\": 10,}\n}\n");
    let out = audit(&r, "C.UTF-8", &[&p, GOOD]);
    assert_eq!(code(&out), 2);
    assert!(out.stdout.is_empty());
    assert_clean_failure(&out, 1);
    let err = r.redact(&stderr(&out));
    assert!(
        err.starts_with("unitguard: [ROOT]/bad.policy: line 2, column "),
        "{err}"
    );
    insta::assert_snapshot!("policy_syntax_error", err);
    // systemd: "Failed to parse '...' at 2:25: Invalid argument", exit status 1.
    let theirs = systemd_analyze(&r, "C.UTF-8", &[&p, GOOD]);
    assert_eq!(code(&theirs), 1);
    assert!(stderr(&theirs).contains("bad.policy' at 2:"));
    // Not UTF-8, empty, unreadable (a directory).
    for text in ["", "\u{feff}{}", "[1, 2", "{\"a\": 1} trailing"] {
        let p = policy(&r, text);
        let out = audit(&r, "C.UTF-8", &[&p, GOOD]);
        assert_eq!(code(&out), 2, "{text:?}");
        assert_clean_failure(&out, 1);
        assert!(stderr(&out).contains("bad.policy: "));
    }
    r.file(
        "bad.policy",
        b"{\"UMask\": {\"description_bad\": \"\xff\"}}",
    );
    let p = r.join("bad.policy");
    let out = audit(
        &r,
        "C.UTF-8",
        &[&format!("--security-policy={}", p.display()), GOOD],
    );
    assert_eq!(code(&out), 2);
    assert_clean_failure(&out, 1);
    r.dir("policy.d");
    let dir = r.join("policy.d");
    let out = audit(
        &r,
        "C.UTF-8",
        &[&format!("--security-policy={}", dir.display()), GOOD],
    );
    assert_eq!(code(&out), 2);
    assert_clean_failure(&out, 1);
    assert!(stderr(&out).contains("policy.d: cannot read the security policy: Is a directory"));
    let out = audit(
        &r,
        "C.UTF-8",
        &["--security-policy=/nonexistent.policy", GOOD],
    );
    assert_eq!(code(&out), 2);
    assert_clean_failure(&out, 1);
    assert!(
        stderr(&out).contains("/nonexistent.policy: cannot read the security policy: No such file")
    );
    // Valid JSON that is not an object is ignored, as systemd ignores it.
    let p = policy(&r, "[1, 2, 3]");
    assert_same_as_systemd(&r, "C.UTF-8", &[&p, GOOD]);
}

#[test]
fn policy_with_range_0_is_refused_before_scoring() {
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    let p = policy(
        &r,
        "{\n  \"UMask\": {\"weight\": 100},\n  \"PrivateTmp\": {\"range\": 0}\n}\n",
    );
    for cmd in [&[&p[..], GOOD][..], &["--json", &p, GOOD]] {
        let out = audit(&r, "C.UTF-8", cmd);
        assert_eq!(code(&out), 2);
        assert!(out.stdout.is_empty());
        assert_clean_failure(&out, 1);
    }
    let err = r.redact(&stderr(&audit(&r, "C.UTF-8", &[&p, GOOD])));
    insta::assert_snapshot!(err, @r#"unitguard: [ROOT]/bad.policy: line 3: "PrivateTmp": range must be at least 1, not 0 (systemd-analyze aborts on it)"#);
    // systemd-analyze dies on an assertion (SIGABRT).
    let theirs = systemd_analyze(&r, "C.UTF-8", &[&p, GOOD]);
    assert!(theirs.status.code().is_none() || code(&theirs) == 134);
    assert!(stderr(&theirs).contains("Assertion 'range > 0' failed"));
    // A range of 0 on a key systemd does not know is ignored, as systemd ignores it.
    let p = policy(&r, "{\"NoSuchCheck\": {\"range\": 0}}");
    assert_same_as_systemd(&r, "C.UTF-8", &[&p, GOOD]);
}

#[test]
fn policy_range_below_a_units_badness_fails_that_unit_only() {
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    r.unit("tight.service", HARDENED); // UMask=0077: badness 0
    let p = policy(&r, "{\n\n  \"UMask\": {\"range\": 2}\n}\n");
    // good.service has UMask badness 5 > 2: systemd aborts on it.
    let out = audit(&r, "C.UTF-8", &[&p, GOOD, "tight.service"]);
    assert_eq!(code(&out), 1);
    assert_clean_failure(&out, 1);
    let err = r.redact(&stderr(&out));
    insta::assert_snapshot!(err, @r#"Unit good.service cannot be scored: [ROOT]/bad.policy:3: "UMask": range 2 is below the badness 5 this unit gets (systemd-analyze aborts here)"#);
    // tight.service is scored exactly as systemd scores it with this policy.
    let theirs = systemd_analyze(&r, "C.UTF-8", &[&p, "tight.service"]);
    assert_eq!(code(&theirs), 0);
    assert_eq!(out.stdout, theirs.stdout);
    let theirs = systemd_analyze(&r, "C.UTF-8", &[&p, GOOD]);
    assert!(stderr(&theirs).contains("Assertion 'badness <= range' failed"));
}

#[test]
fn policy_with_every_weight_0_fails_each_unit_without_dividing_by_zero() {
    let r = root_with_good();
    let _s = r.snapshots().bind_to_scope();
    let tables = unitguard::tables::SystemdTables::for_version(252).unwrap();
    let all: serde_json::Map<String, serde_json::Value> = tables
        .checks
        .iter()
        .map(|c| (c.json_field.clone(), serde_json::json!({"weight": 0})))
        .collect();
    let p = policy(&r, &serde_json::to_string_pretty(&all).unwrap());
    let out = audit(&r, "C.UTF-8", &[&p, GOOD, "missing.service"]);
    assert_eq!(code(&out), 1);
    assert_clean_failure(&out, 2);
    let err = r.redact(&stderr(&out));
    assert!(err.contains(
        "Unit good.service cannot be scored: [ROOT]/bad.policy: every check that applies to this unit has weight 0"
    ), "{err}");
    assert!(err.contains("Unit missing.service not found."));
    insta::assert_snapshot!(err, @"
    Unit good.service cannot be scored: [ROOT]/bad.policy: every check that applies to this unit has weight 0, so there is nothing to score (systemd-analyze aborts here)
    Unit missing.service not found. (no unit file named missing.service in the search path (13 directories))
    ");
    let theirs = systemd_analyze(&r, "C.UTF-8", &[&p, GOOD]);
    assert!(stderr(&theirs).contains("Assertion 'weight_sum > 0' failed"));
    // Weights that only wrap around in 64 bits are scored as systemd scores them.
    let p = policy(&r, "{\"UMask\": {\"weight\": 18446744073709551615}}");
    assert_same_as_systemd(&r, "C.UTF-8", &[&p, GOOD]);
}
