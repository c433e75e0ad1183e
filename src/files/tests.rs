//! Hostile trees built by the tests themselves: symlinks out of the root, planted names,
//! FIFOs, devices and sparse files. Run as root (chown) like unitguard itself.

use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;
use std::time::{Duration, Instant};

use super::lock::UnitLock;
use super::*;

fn tree() -> (tempfile::TempDir, tempfile::TempDir) {
    (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap())
}

fn count_entries(dir: &Path) -> usize {
    walk(dir).len()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        out.push(p.clone());
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&p));
        }
    }
    out
}

#[test]
fn a_symlinked_etc_pointing_out_of_the_root_leads_the_write_inside_it() {
    let (root, outside) = tree();
    std::fs::create_dir_all(outside.path().join("systemd/system")).unwrap();
    // root/etc -> /<outside>: absolute, so it must resolve to root/<outside>, never to
    // the real <outside>.
    symlink(outside.path(), root.path().join("etc")).unwrap();
    let r = Root::open(Some(root.path())).unwrap();
    let d = r.dir(Path::new("/etc/systemd/system/x.service.d"), Some(0o755));
    // The link dangles inside the root: refused, nothing anywhere.
    assert!(d.is_err(), "{d:?}");
    assert_eq!(count_entries(outside.path()), 2, "outside changed");
    // With the target made inside the root, the write lands there.
    let inside = root.path().join(outside.path().strip_prefix("/").unwrap());
    std::fs::create_dir_all(&inside).unwrap();
    let d = r
        .dir(Path::new("/etc/systemd/system/x.service.d"), Some(0o755))
        .unwrap();
    d.replace("hardening.conf", b"[Service]\n", FileMeta::root(0o644))
        .unwrap();
    assert!(
        inside
            .join("systemd/system/x.service.d/hardening.conf")
            .is_file()
    );
    assert_eq!(count_entries(outside.path()), 2, "outside changed");
}

#[test]
fn dot_dot_and_absolute_links_in_the_dropin_dir_stay_in_the_root() {
    let (root, outside) = tree();
    let sys = root.path().join("etc/systemd/system");
    std::fs::create_dir_all(&sys).unwrap();
    let up = "../".repeat(20) + outside.path().strip_prefix("/").unwrap().to_str().unwrap();
    symlink(&up, sys.join("a.service.d")).unwrap();
    symlink(outside.path(), sys.join("b.service.d")).unwrap();
    let r = Root::open(Some(root.path())).unwrap();
    for unit in ["a", "b"] {
        let res = r
            .dir(
                Path::new(&format!("/etc/systemd/system/{unit}.service.d")),
                Some(0o755),
            )
            .and_then(|d| d.replace("hardening.conf", b"x", FileMeta::root(0o644)));
        assert!(res.is_err(), "{unit}: {res:?}");
    }
    assert_eq!(count_entries(outside.path()), 0, "written outside the root");
}

#[test]
fn a_symlink_or_fifo_where_the_file_belongs_is_refused_and_left_alone() {
    let (root, outside) = tree();
    let target = outside.path().join("shadow");
    std::fs::write(&target, "secret").unwrap();
    let r = Root::open(Some(root.path())).unwrap();
    let d = r.dir(Path::new("/x.d"), Some(0o755)).unwrap();
    symlink(&target, root.path().join("x.d/hardening.conf")).unwrap();
    let e = d
        .replace("hardening.conf", b"new", FileMeta::root(0o644))
        .unwrap_err();
    assert!(e.to_string().contains("is a symlink"), "{e}");
    let e = d.read("hardening.conf", READ_CAP).unwrap_err();
    assert!(e.to_string().contains("is a symlink"), "{e}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "secret");
    // Removing it removes the link, never what it points to.
    assert!(d.remove("hardening.conf").unwrap());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "secret");

    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        root.path().join("x.d/fifo.conf"),
        Mode::from_raw_mode(0o644),
    )
    .unwrap();
    let start = Instant::now();
    let e = d.read("fifo.conf", READ_CAP).unwrap_err();
    assert!(e.to_string().contains("a FIFO, not a regular file"), "{e}");
    let e = read_regular(&root.path().join("x.d/fifo.conf"), READ_CAP).unwrap_err();
    assert!(e.to_string().contains("a FIFO"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(2), "a FIFO blocked");
    let e = d
        .replace("fifo.conf", b"x", FileMeta::root(0o644))
        .unwrap_err();
    assert!(e.to_string().contains("a FIFO"), "{e}");
}

#[test]
fn devices_and_huge_sparse_files_are_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let zero = dir.path().join("zero.conf");
    symlink("/dev/zero", &zero).unwrap();
    let e = read_regular(&zero, READ_CAP).unwrap_err();
    assert!(e.to_string().contains("character device"), "{e}");
    let sparse = dir.path().join("sparse.conf");
    let f = std::fs::File::create(&sparse).unwrap();
    f.set_len(1 << 40).unwrap();
    let start = Instant::now();
    let e = read_regular(&sparse, READ_CAP).unwrap_err();
    assert!(e.to_string().contains("larger than 8 MiB"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(read_prefix(&sparse, 16).unwrap(), vec![0; 16]);
}

#[test]
fn replacing_keeps_mode_and_owner_and_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let r = Root::host().unwrap();
    let d = r.dir(dir.path(), None).unwrap();
    let p = dir.path().join("hardening.conf");
    std::fs::write(&p, "old").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::chown(&p, Some(1234), Some(5678)).unwrap();
    let old = d.read("hardening.conf", READ_CAP).unwrap().unwrap();
    assert_eq!(
        old.meta,
        FileMeta {
            mode: 0o640,
            uid: 1234,
            gid: 5678
        }
    );
    // A planted file with the old predictable temp name is never touched.
    let planted = dir.path().join(format!(
        ".hardening.conf.unitguard-tmp-{}",
        std::process::id()
    ));
    std::fs::write(&planted, "planted").unwrap();
    d.replace("hardening.conf", b"new", old.meta).unwrap();
    let m = std::fs::metadata(&p).unwrap();
    assert_eq!((m.mode() & 0o7777, m.uid(), m.gid()), (0o640, 1234, 5678));
    assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
    assert_eq!(std::fs::read_to_string(&planted).unwrap(), "planted");
    let names: Vec<_> = walk(dir.path());
    assert_eq!(names.len(), 2, "{names:?}");
    d.put("hardening.conf", None).unwrap();
    assert!(!p.exists());
    assert!(!d.remove("hardening.conf").unwrap());
}

#[test]
fn a_second_lock_on_the_same_unit_names_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let d = Root::host().unwrap().dir(dir.path(), None).unwrap();
    let held = UnitLock::acquire(&d, "nginx.service", "apply").unwrap();
    let e = UnitLock::acquire(&d, "nginx.service", "rollback").unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "another unitguard apply (pid {}) is working on nginx.service; try again when it has finished",
            std::process::id()
        )
    );
    // Another unit is independent; the lock is free again once dropped.
    drop(UnitLock::acquire(&d, "redis.service", "apply").unwrap());
    drop(held);
    UnitLock::acquire(&d, "nginx.service", "rollback").unwrap();
    let m = std::fs::metadata(dir.path().join("nginx.service.lock")).unwrap();
    assert_eq!(m.mode() & 0o777, 0o600);
}
