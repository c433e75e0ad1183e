//! unitguard as root on trees it does not control (`--root`): hostile trees built by each
//! test (symlinked `etc` and `.d` directories, planted names, FIFOs, devices, sparse files),
//! and for each what must not happen: no byte written or deleted outside the root, no hang,
//! no memory blow-up, and a message naming the file and the reason. The cases that need a
//! running systemd (apply, rollback, denials) are in `testbed_safety.rs`.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::*;

const SERVICE: &str = "[Service]\nExecStart=/usr/bin/sleep infinity\n";

/// Every path under `dir` with its size and mode, to prove nothing changed there.
fn snapshot(dir: &Path) -> Vec<(PathBuf, u64, u32)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let m = e.path().symlink_metadata().unwrap();
            out.push((e.path(), m.len(), m.mode()));
            if m.is_dir() {
                todo.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// A tree outside the root, holding one file a hostile link points at.
struct Outside {
    tree: Root,
}

impl Outside {
    fn new() -> Outside {
        let tree = Root::with_prefix("unitguard-victim-");
        tree.dir("systemd/system").file("victim", "do not touch\n");
        Outside { tree }
    }

    fn path(&self) -> &Path {
        self.tree.path()
    }

    fn victim(&self) -> PathBuf {
        self.path().join("victim")
    }
}

fn harden_write(r: &Root, unit: &str) -> Output {
    unitguard(
        r,
        "C.UTF-8",
        &["harden", "--root", &r.arg(), unit, "--write"],
    )
}

#[test]
fn a_symlinked_etc_never_leads_the_write_out_of_the_root() {
    let r = Root::new();
    let _s = r.snapshots().bind_to_scope();
    let outside = Outside::new();
    let before = snapshot(outside.path());
    // root/etc -> the outside directory (absolute): resolved inside the root, as systemd
    // chases it, it is root/<outside>, which does not exist.
    std::fs::remove_dir_all(r.join("etc")).unwrap();
    r.symlink("etc", &outside.path().display().to_string());
    r.file("usr/lib/systemd/system/web.service", SERVICE);
    let out = harden_write(&r, "web.service");
    assert_eq!(snapshot(outside.path()), before, "written outside the root");
    assert_ne!(code(&out), 0, "{}", stdout(&out));
    assert!(
        stderr(&out).contains("No such file or directory"),
        "{}",
        stderr(&out)
    );
    insta::assert_snapshot!(stderr(&out), @"
    web.service: 9.6 UNSAFE -> 3.2 OK (predicted)
    unitguard: [ROOT]/etc: No such file or directory
    ");
    // Made inside the root, the same link leads the write there.
    let inside = r.join(outside.path().strip_prefix("/").unwrap().to_str().unwrap());
    std::fs::create_dir_all(&inside).unwrap();
    let out = harden_write(&r, "web.service");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        inside
            .join("systemd/system/web.service.d/hardening.conf")
            .is_file()
    );
    assert_eq!(snapshot(outside.path()), before, "written outside the root");
}

#[test]
fn symlinked_dropin_directories_stay_in_the_root() {
    let r = Root::new();
    let _s = r.snapshots().bind_to_scope();
    let outside = Outside::new();
    r.unit("a.service", SERVICE).unit("b.service", SERVICE);
    let up = "../".repeat(12) + outside.path().strip_prefix("/").unwrap().to_str().unwrap();
    r.symlink(&format!("{UNIT_DIR}/a.service.d"), &up);
    r.symlink(
        &format!("{UNIT_DIR}/b.service.d"),
        &outside.path().display().to_string(),
    );
    let before = snapshot(outside.path());
    for unit in ["a.service", "b.service"] {
        let out = harden_write(&r, unit);
        assert_ne!(code(&out), 0, "{unit}: {}", stdout(&out));
        assert!(
            stderr(&out).contains(&format!("{unit}.d")),
            "{unit}: the message names the directory: {}",
            stderr(&out)
        );
        insta::assert_snapshot!(format!("dropin_dir_link_{unit}"), stderr(&out));
    }
    assert_eq!(snapshot(outside.path()), before, "written outside the root");
}

#[test]
fn planted_links_and_fifos_where_unitguard_writes_are_refused() {
    let r = Root::new();
    let _s = r.snapshots().bind_to_scope();
    let outside = Outside::new();
    r.unit("web.service", SERVICE);
    let d = format!("{UNIT_DIR}/web.service.d");
    // The predictable temporary names of older versions, for every plausible pid.
    for pid in 1..2000 {
        r.symlink(
            &format!("{d}/.hardening.conf.unitguard-tmp-{pid}"),
            &outside.victim().display().to_string(),
        );
    }
    let out = harden_write(&r, "web.service");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(outside.victim()).unwrap(),
        "do not touch\n"
    );
    let written = r.join(&format!("{d}/hardening.conf"));
    assert!(written.is_file() && !written.is_symlink());
    // No temporary file is left behind beside it.
    let left: Vec<String> = std::fs::read_dir(r.join(&d))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("unitguard-") && !n.contains("unitguard-tmp-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // The backup name planted as a link to the victim: replacing the drop-in (which keeps a
    // backup) is refused, the victim untouched.
    std::fs::write(&written, "[Service]\nUser=nobody\n").unwrap();
    r.symlink(
        &format!("{d}/hardening.conf.unitguard-backup"),
        &outside.victim().display().to_string(),
    );
    let out = harden_write(&r, "web.service");
    assert_ne!(code(&out), 0);
    assert!(
        stderr(&out).contains("hardening.conf.unitguard-backup: is a symlink"),
        "{}",
        stderr(&out)
    );
    insta::assert_snapshot!(stderr(&out), @"
    web.service: 9.6 UNSAFE -> 3.2 OK (predicted)
    unitguard: [ROOT]/etc/systemd/system/web.service.d/hardening.conf.unitguard-backup: is a symlink; unitguard only replaces regular files
    ");
    assert_eq!(
        std::fs::read_to_string(outside.victim()).unwrap(),
        "do not touch\n"
    );
    assert_eq!(
        std::fs::read_to_string(&written).unwrap(),
        "[Service]\nUser=nobody\n"
    );

    // The drop-in itself a link to the victim, or a FIFO: refused at once.
    std::fs::remove_file(r.join(&format!("{d}/hardening.conf.unitguard-backup"))).unwrap();
    std::fs::remove_file(&written).unwrap();
    r.symlink(
        &format!("{d}/hardening.conf"),
        &outside.victim().display().to_string(),
    );
    let out = harden_write(&r, "web.service");
    assert_ne!(code(&out), 0);
    assert!(
        stderr(&out).contains("hardening.conf: is a symlink"),
        "{}",
        stderr(&out)
    );
    insta::assert_snapshot!(stderr(&out), @"
    web.service: 9.6 UNSAFE -> 3.2 OK (predicted)
    unitguard: [ROOT]/etc/systemd/system/web.service.d/hardening.conf: is a symlink; unitguard does not follow it
    ");
    assert_eq!(
        std::fs::read_to_string(outside.victim()).unwrap(),
        "do not touch\n"
    );
    std::fs::remove_file(&written).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(&written)
            .status()
            .unwrap()
            .success()
    );
    let t0 = Instant::now();
    let out = harden_write(&r, "web.service");
    assert!(
        t0.elapsed() < Duration::from_secs(10),
        "a FIFO blocked harden"
    );
    assert_ne!(code(&out), 0);
    assert!(
        stderr(&out).contains("hardening.conf: is a FIFO"),
        "{}",
        stderr(&out)
    );
    insta::assert_snapshot!(stderr(&out), @"
    web.service: 9.6 UNSAFE -> 3.2 OK (predicted)
    unitguard: [ROOT]/etc/systemd/system/web.service.d/hardening.conf: is a FIFO, not a regular file
    ");
}

#[test]
fn a_replaced_dropin_keeps_its_mode_and_owner_in_the_backup() {
    let r = Root::new();
    let _s = r.snapshots().bind_to_scope();
    r.unit("web.service", SERVICE);
    let d = format!("{UNIT_DIR}/web.service.d");
    let old = r.join(&format!("{d}/hardening.conf"));
    r.file(&format!("{d}/hardening.conf"), "[Service]\nUser=nobody\n");
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o640)).unwrap();
    if running_as_root() {
        std::os::unix::fs::chown(&old, Some(4242), Some(4343)).unwrap();
    }
    let out = harden_write(&r, "web.service");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    insta::assert_snapshot!(text(&out));
    let backup = r.join(&format!("{d}/hardening.conf.unitguard-backup"));
    assert_eq!(
        std::fs::read_to_string(&backup).unwrap(),
        "[Service]\nUser=nobody\n"
    );
    let (b, n) = (backup.metadata().unwrap(), old.metadata().unwrap());
    assert_eq!(b.mode() & 0o7777, 0o640);
    assert_eq!(
        n.mode() & 0o7777,
        0o640,
        "the new drop-in keeps the mode it replaces"
    );
    if running_as_root() {
        assert_eq!((b.uid(), b.gid()), (4242, 4343));
        assert_eq!((n.uid(), n.gid()), (4242, 4343));
    }
    // A drop-in of its own is root's, 0644.
    r.unit("new.service", SERVICE);
    assert_eq!(code(&harden_write(&r, "new.service")), 0);
    let m = r
        .join(&format!("{UNIT_DIR}/new.service.d/hardening.conf"))
        .metadata()
        .unwrap();
    assert_eq!(m.mode() & 0o7777, 0o644);
}

#[test]
fn a_template_gets_the_template_dropin_and_an_instance_its_own() {
    let r = Root::new();
    let _s = r.snapshots().bind_to_scope();
    r.unit("worker@.service", SERVICE);
    let out = harden_write(&r, "worker@.service");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        r.join(&format!("{UNIT_DIR}/worker@.service.d/hardening.conf"))
            .is_file()
    );
    assert!(!r.join(&format!("{UNIT_DIR}/worker@i.service.d")).exists());
    insta::assert_snapshot!("template_dropin", text(&out));
    let text = stdout(&out);
    assert!(
        text.contains("applies to every instance of worker@.service"),
        "{text}"
    );
    assert!(
        text.contains("systemctl restart 'worker@*.service'"),
        "{text}"
    );
    let out = harden_write(&r, "worker@blue.service");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        r.join(&format!("{UNIT_DIR}/worker@blue.service.d/hardening.conf"))
            .is_file()
    );
    assert!(stdout(&out).contains("systemctl restart worker@blue.service"));
    insta::assert_snapshot!("instance_dropin", crate::support::text(&out));
    // The template's drop-in reaches every instance: systemd-analyze scores an instance with
    // it (the instance's own drop-in, applied after it, also reaches only that instance).
    let theirs = systemd_analyze(&r, "C.UTF-8", &["worker@green.service"]);
    let ours = audit(&r, "C.UTF-8", &["worker@green.service"]);
    assert_eq!(stdout(&ours), stdout(&theirs));
    assert!(!stdout(&ours).contains("9.6"), "{}", stdout(&ours));
}

#[test]
fn apply_and_rollback_refuse_a_template_without_an_instance() {
    let r = Root::new();
    let _s = r.snapshots().bind_to_scope();
    r.unit("worker@.service", SERVICE);
    for cmd in ["apply", "rollback"] {
        // Resolution comes first: with no manager running here, the refusal is still the
        // template's (these run from the root's directory, so the unit is found as a path).
        let path = r.join(&format!("{UNIT_DIR}/worker@.service"));
        let out = unitguard(&r, "C.UTF-8", &[cmd, &path.display().to_string()]);
        assert_eq!(code(&out), 2, "{cmd}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("worker@.service is a template: name an instance"),
            "{cmd}: {}",
            stderr(&out)
        );
        insta::assert_snapshot!(format!("refuse_template_{cmd}"), stderr(&out));
    }
}

#[test]
fn unit_files_and_dropins_are_read_with_bounds() {
    let r = Root::new();
    let _s = r.snapshots().bind_to_scope();
    let outside = Outside::new();
    r.unit("good.service", SERVICE);
    // A sparse 15 TB drop-in and a sparse 15 TB unit file (holes cost nothing on disk).
    r.unit("sparse-dropin.service", SERVICE);
    let big = r.join(&format!("{UNIT_DIR}/sparse-dropin.service.d/big.conf"));
    std::fs::create_dir_all(big.parent().unwrap()).unwrap();
    let sparse = |p: &Path| {
        let f = std::fs::File::create(p).unwrap();
        // ext4 takes up to 16 TiB; a file system that takes less still makes a huge file.
        f.set_len(15 << 40).or_else(|_| f.set_len(1 << 40)).unwrap();
    };
    sparse(&big);
    sparse(&r.join(&format!("{UNIT_DIR}/sparse.service")));
    // A unit and a drop-in that are links to /dev/zero (character devices: masked, never read).
    r.symlink(&format!("{UNIT_DIR}/zero.service"), "/dev/zero");
    r.unit("zero-dropin.service", SERVICE);
    r.symlink(
        &format!("{UNIT_DIR}/zero-dropin.service.d/z.conf"),
        "/dev/zero",
    );
    // A drop-in that leads out of the root, to a file that exists there.
    std::fs::write(
        outside.path().join("x.conf"),
        "[Service]\nUser=nobody\nPrivateTmp=yes\n",
    )
    .unwrap();
    r.unit("escape.service", SERVICE);
    r.symlink(
        &format!("{UNIT_DIR}/escape.service.d/x.conf"),
        &outside.path().join("x.conf").display().to_string(),
    );
    let units = [
        "sparse-dropin.service",
        "sparse.service",
        "zero.service",
        "zero-dropin.service",
        "escape.service",
        "good.service",
    ];
    // Bounded memory: 512 MiB of address space is plenty for unitguard and nothing for 15 TB.
    let mut args = vec![
        "audit".to_string(),
        "--offline".into(),
        "--root".into(),
        r.arg(),
    ];
    args.extend(units.iter().map(|u| u.to_string()));
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -v 524288; exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_unitguard"))
        .args(&args)
        .env("LANG", "C.UTF-8")
        .env_remove("SYSTEMD_UNIT_PATH");
    let t0 = Instant::now();
    let out = output_within(cmd, 60).expect("audit hung on a sparse file or a device");
    assert!(t0.elapsed() < Duration::from_secs(30));
    let (out_text, err) = (stdout(&out), stderr(&out));
    assert_eq!(code(&out), 1, "{err}");
    insta::assert_snapshot!(err, @"
    unitguard: warning: [ROOT]/etc/systemd/system/sparse-dropin.service.d/big.conf: larger than 4 MiB, far more than any unit file; not read; skipped, as systemd skips a drop-in it cannot read (the score leaves it out)
    Unit sparse.service failed to load properly, please adjust/correct and reload service manager: File too large ([ROOT]/etc/systemd/system/sparse.service: larger than 4 MiB, far more than any unit file; not read)
    Unit zero.service is masked. ([ROOT]/etc/systemd/system/zero.service is empty or a link to /dev/null)
    unitguard: warning: [ROOT]/etc/systemd/system/zero-dropin.service.d/z.conf: a character device, not a regular file; skipped, as systemd skips a drop-in it cannot read (the score leaves it out)
    unitguard: warning: [ROOT]/etc/systemd/system/escape.service.d/x.conf: a symlink that leads out of the root, to [TMP]/x.conf; not read; skipped, as systemd skips a drop-in it cannot read (the score leaves it out)
    ");
    assert!(
        !err.contains("panicked") && !err.contains("memory allocation"),
        "{err}"
    );
    // The sparse unit file fails that unit only, with the reason and the file.
    assert!(
        err.contains("Unit sparse.service failed to load properly, please adjust/correct and reload service manager: File too large")
            && err.contains("sparse.service: larger than 4 MiB"),
        "{err}"
    );
    // The sparse drop-in is named in a warning and left out of the score, as systemd leaves
    // out a drop-in it cannot read.
    assert!(
        err.contains("big.conf: larger than 4 MiB") && err.contains("skipped"),
        "{err}"
    );
    // The drop-in that leads out of the root is not read: named, and left out.
    assert!(
        err.contains("escape.service.d/x.conf: a symlink that leads out of the root"),
        "{err}"
    );
    for u in [
        "sparse-dropin.service",
        "zero-dropin.service",
        "escape.service",
        "good.service",
    ] {
        assert!(
            out_text.contains(&format!("Overall exposure level for {u}: 9.6")),
            "{u} is scored without the drop-in it cannot read:\n{out_text}"
        );
    }
    assert!(err.contains("Unit zero.service is masked."), "{err}");
    // What systemd-analyze says of the ones it can read at all: the same for the masked unit
    // and the good unit. (On the /dev/zero drop-in it reads zeros forever; so does it on the
    // sparse files.)
    assert!(
        systemd_analyze_raw(
            &r,
            &[
                "security",
                "--offline=true",
                &format!("--root={}", r.arg()),
                "zero-dropin.service"
            ],
            3
        )
        .is_none(),
        "systemd-analyze no longer hangs on a /dev/zero drop-in: compare with it"
    );
    for u in ["zero.service", "good.service"] {
        let theirs = systemd_analyze(&r, "C.UTF-8", &[u]);
        let ours = audit(&r, "C.UTF-8", &[u]);
        assert_eq!(stdout(&ours), stdout(&theirs), "{u}");
        assert_eq!(code(&ours), code(&theirs), "{u}");
    }
}

#[test]
fn policies_that_systemd_accepts_are_accepted() {
    let r = Root::new();
    let _s = r.snapshots().bind_to_scope();
    r.unit("good.service", SERVICE);
    let policy = |name: &str, text: String| {
        r.file(name, text);
        format!("--security-policy={}", r.join(name).display())
    };
    let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let accepted = [
        // 2049 levels: systemd's limit.
        policy("deep.json", format!("{{\"PrivateDevices\": {{\"weight\": 3000, \"x\": {}}}}}", nest(2047))),
        // Numbers beyond f64 and beyond u64: systemd reads them as doubles, not unsigned.
        policy("big.json", "{\"PrivateDevices\": {\"weight\": 1e400}, \"PrivateTmp\": {\"weight\": 123456789012345678901234567890}, \"UMask\": {\"weight\": 3000}}".into()),
    ];
    for p in &accepted {
        assert_same_as_systemd(&r, "C.UTF-8", &[p, "good.service"]);
    }
    // One level more: both refuse the policy.
    let p = policy(
        "deeper.json",
        format!("{{\"PrivateDevices\": {{\"x\": {}}}}}", nest(2048)),
    );
    let ours = audit(&r, "C.UTF-8", &[&p, "good.service"]);
    assert_eq!(code(&ours), 2);
    assert!(
        stderr(&ours)
            .contains("deeper.json: line 1, column 2073: nested deeper than the 2049 levels"),
        "{}",
        stderr(&ours)
    );
    insta::assert_snapshot!(stderr(&ours), @"unitguard: [ROOT]/deeper.json: line 1, column 2073: nested deeper than the 2049 levels systemd's JSON parser accepts");
    let theirs = systemd_analyze(&r, "C.UTF-8", &[&p, "good.service"]);
    assert_eq!(code(&theirs), 1);
    assert!(
        stderr(&theirs).contains("Link number out of range"),
        "{}",
        stderr(&theirs)
    );
}
