//! `unitguard cat`: the fragment and drop-ins of a unit, printed as `systemctl cat` prints them
//! (`# PATH`, the file line by line, a blank line between files).
//!
//! `systemctl cat` refuses `--root`, but `systemd-analyze cat-config systemd/system/UNIT`
//! accepts it and prints through the same code (cat_files()); for a unit whose drop-ins are
//! all in `<unit>.d/` directories the two list the same files, so the output is compared byte
//! for byte with it. Dash-prefix, template, alias and type-wide drop-ins (which cat-config does
//! not know) are checked against the files systemd-analyze security applies (their effect on
//! the score) and snapshotted.

use crate::support::*;

fn cat(r: &Root, unit: &str) -> std::process::Output {
    let root = r.arg();
    unitguard(r, "C.UTF-8", &["cat", "--root", &root, unit])
}

fn cat_config(r: &Root, unit: &str) -> std::process::Output {
    let root = format!("--root={}", r.arg());
    let path = format!("systemd/system/{unit}");
    systemd_analyze_raw(r, &[&root, "cat-config", &path], 30).expect("cat-config hung")
}

#[test]
fn fragment_and_dropins_match_systemds_cat() {
    let r = Root::new();
    r.file("lib/systemd/system/app.service", PLAIN)
        .file(
            "lib/systemd/system/app.service.d/10-vendor.conf",
            "[Service]\nPrivateTmp=yes\n# vendor default\n",
        )
        .file(
            "lib/systemd/system/app.service.d/50-shadowed.conf",
            "[Service]\nUser=vendor\n",
        )
        .unit("app.service.d/50-shadowed.conf", "[Service]\nUser=admin\n")
        .unit(
            "app.service.d/90-local.conf",
            "[Service]\r\nProtectHome=yes\r\n",
        )
        .unit(
            "app.service.d/99-no-newline.conf",
            "[Service]\nNoNewPrivileges=yes",
        )
        .unit("app.service.d/.hidden.conf", "[Service]\nUser=hidden\n")
        .unit("app.service.d/README", "not a drop-in\n");
    let ours = cat(&r, "app.service");
    assert_eq!(code(&ours), 0, "{}", stderr(&ours));
    assert!(ours.stderr.is_empty());
    let theirs = cat_config(&r, "app.service");
    assert_eq!(code(&theirs), 0);
    assert_eq!(stdout(&ours), stdout(&theirs));
    insta::assert_snapshot!("dropins", r.redact(&stdout(&ours)));
    // The files printed are the files scored: the score equals systemd-analyze's.
    assert_same_as_systemd(&r, "C.UTF-8", &["app.service"]);
}

#[test]
fn every_kind_of_dropin_directory_sorted_by_file_name() {
    let r = Root::new();
    r.unit("web-api@.service", PLAIN)
        .unit(
            "web-api@.service.d/10-template.conf",
            "[Service]\nPrivateTmp=yes\n",
        )
        .unit(
            "web-api@blue.service.d/20-instance.conf",
            "[Service]\nUser=blue\n",
        )
        .unit(
            "web-.service.d/30-prefix.conf",
            "[Service]\nProtectHome=yes\n",
        )
        .unit("service.d/40-all.conf", "[Service]\nNoNewPrivileges=yes\n")
        .symlink(
            &format!("{UNIT_DIR}/api-alias@.service"),
            "web-api@.service",
        )
        .unit(
            "api-alias@blue.service.d/50-alias.conf",
            "[Service]\nPrivateDevices=yes\n",
        );
    let ours = cat(&r, "web-api@blue.service");
    assert_eq!(code(&ours), 0, "{}", stderr(&ours));
    let text = r.redact(&stdout(&ours));
    let headers: Vec<&str> = text.lines().filter(|l| l.starts_with("# ")).collect();
    // The fragment, then every drop-in of every directory, merged and sorted by file name.
    assert_eq!(
        headers,
        [
            "# [ROOT]/etc/systemd/system/web-api@.service",
            "# [ROOT]/etc/systemd/system/web-api@.service.d/10-template.conf",
            "# [ROOT]/etc/systemd/system/web-api@blue.service.d/20-instance.conf",
            "# [ROOT]/etc/systemd/system/web-.service.d/30-prefix.conf",
            "# [ROOT]/etc/systemd/system/service.d/40-all.conf",
            "# [ROOT]/etc/systemd/system/api-alias@blue.service.d/50-alias.conf",
        ]
    );
    insta::assert_snapshot!("all_dropin_kinds", text);
    // systemd-analyze applies exactly these files.
    assert_same_as_systemd(&r, "C.UTF-8", &["web-api@blue.service"]);
}

#[test]
fn alias_and_path_arguments() {
    let r = Root::new();
    r.unit("real.service", PLAIN)
        .symlink(&format!("{UNIT_DIR}/other-name.service"), "real.service")
        .unit("other-name.service.d/x.conf", "[Service]\nPrivateTmp=yes\n");
    let by_alias = cat(&r, "other-name.service");
    let by_name = cat(&r, "real.service");
    assert_eq!(code(&by_alias), 0);
    assert_eq!(by_alias.stdout, by_name.stdout);
    assert!(
        r.redact(&stdout(&by_name))
            .starts_with("# [ROOT]/etc/systemd/system/real.service\n")
    );
    assert!(stdout(&by_name).contains("other-name.service.d/x.conf\n[Service]\nPrivateTmp=yes\n"));
    let path = r
        .join(&format!("{UNIT_DIR}/real.service"))
        .display()
        .to_string();
    assert_eq!(cat(&r, &path).stdout, by_name.stdout);
    let _s = r.snapshots().bind_to_scope();
    insta::assert_snapshot!(stdout(&by_alias), @"
    # [ROOT]/etc/systemd/system/real.service
    [Unit]
    Description=plain

    [Service]
    ExecStart=/bin/true

    # [ROOT]/etc/systemd/system/other-name.service.d/x.conf
    [Service]
    PrivateTmp=yes
    ");
}

#[test]
fn masked_missing_and_invalid_units() {
    let r = Root::new();
    let _s = r.snapshots().bind_to_scope();
    r.symlink(&format!("{UNIT_DIR}/masked.service"), "/dev/null");
    let out = cat(&r, "masked.service");
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).starts_with("Unit masked.service is masked."));
    insta::assert_snapshot!(stderr(&out), @"Unit masked.service is masked. ([ROOT]/etc/systemd/system/masked.service is empty or a link to /dev/null)");
    let out = cat(&r, "missing.service");
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).starts_with("Unit missing.service not found."));
    insta::assert_snapshot!(stderr(&out), @"Unit missing.service not found. (no unit file named missing.service in the search path (13 directories))");
    let out = cat(&r, "no-suffix");
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).starts_with("Failed to prepare filename no-suffix: Invalid argument"));
    insta::assert_snapshot!(stderr(&out), @"Failed to prepare filename no-suffix: Invalid argument (not a valid unit name)");
    // Usage errors.
    let out = unitguard(&r, "C.UTF-8", &["cat"]);
    assert_eq!(code(&out), 2);
    insta::assert_snapshot!(stderr(&out), @"
    error: the following required arguments were not provided:
      <UNIT|PATH>

    Usage: unitguard cat <UNIT|PATH>

    For more information, try '--help'.
    ");
    let out = unitguard(&r, "C.UTF-8", &["cat", "a.service", "b.service"]);
    assert_eq!(code(&out), 2);
    insta::assert_snapshot!(stderr(&out), @"
    error: unexpected argument 'b.service' found

    Usage: unitguard cat [OPTIONS] <UNIT|PATH>

    For more information, try '--help'.
    ");
}

#[test]
fn output_to_a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::Stdio;
    let r = Root::new();
    let mut big = String::from("[Service]\nExecStart=/bin/true\n");
    for i in 0..20_000 {
        big.push_str(&format!("# comment line {i}\n"));
    }
    r.unit("big.service", big);
    let root = r.arg();
    let mut child = r
        .ug(["cat", "--root", &root, "big.service"])
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .as_mut()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    insta::assert_snapshot!(err, @"");
}
