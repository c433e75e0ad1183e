//! `unitguard denials UNIT`: a denial that a service wrote to its own log file (many daemons
//! report a refused open() there, not on the journal) is found and blamed on its directive.
//! The unit comes from a temporary unit directory ($SYSTEMD_UNIT_PATH); its LogsDirectory=
//! is a fresh directory under /var/log (the test runs as root, as the suite does).

use std::path::PathBuf;

use crate::support::*;

struct Cleanup(Vec<PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

#[test]
fn denials_reads_the_units_own_log_files() {
    let name = format!("unitguard-test-{}", std::process::id());
    let units = Root::new();
    let logs = PathBuf::from("/var/log").join(&name);
    let _cleanup = Cleanup(vec![logs.clone()]);
    std::fs::create_dir_all(&logs)
        .unwrap_or_else(|e| panic!("{}: {e} (the suite runs as root)", logs.display()));
    units.unit(
        &format!("{name}.service"),
        format!("[Service]\nExecStart=/usr/bin/true\nLogsDirectory={name}\n"),
    );
    std::fs::write(
        logs.join("error.log"),
        "started\n2026/11/24 05:00:00 [emerg] 12#12: open() \"/var/cache/x/y\" failed (30: Read-only file system)\n",
    )
    .unwrap();
    std::fs::write(logs.join("notes.txt"), "Read-only file system\n").unwrap();
    let run = |extra: &[&str]| {
        ug(["denials", &format!("{name}.service")])
            .args(extra)
            .env("SYSTEMD_UNIT_PATH", units.join(UNIT_DIR))
            .output()
    };

    let out = run(&["--json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let found: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Only the .log file is read, and only its denial line is one.
    assert_eq!(found.len(), 1, "{stdout}");
    let d = &found[0];
    assert_eq!(d["source"], logs.join("error.log").display().to_string());
    assert_eq!(d["unit"], format!("{name}.service"));
    assert_eq!(d["directive"], "ProtectSystem");
    assert!(d["fix"].as_str().unwrap().contains("/var/cache/x"), "{d}");
    // The same denial as a user reads it (stdout; stderr says which sources were read, and
    // that depends on whether this machine keeps a journal).
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let mut settings = snapshots();
    settings.add_filter(&regex_escape(&name), "[UNIT]");
    let _s = settings.bind_to_scope();
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout), @r#"
    [UNIT].service: ProtectSystem= — a write was refused because the file system is read-only in the sandbox (/var/cache/x/y)
        fix:  add ReadWritePaths=/var/cache/x (or StateDirectory=/LogsDirectory=/CacheDirectory= for the service's own directory)
        line: 2026/11/24 05:00:00 [emerg] 12#12: open() "/var/cache/x/y" failed (30: Read-only file system)
    "#);

    // With --since the log files cannot be filtered by time: left out, and said. What is left
    // is the journal: on a machine without one (no systemd-journald, as on CI) that is an
    // error, never "0 denial(s)".
    let out = run(&["--since", "-1h"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not reading 1 log file(s)"), "{stderr}");
    let has_journal = ["/var/log/journal", "/run/log/journal"].iter().any(|d| {
        walk(std::path::Path::new(d))
            .iter()
            .any(|p| p.to_string_lossy().contains(".journal"))
    });
    if has_journal {
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert!(stderr.contains("0 denial(s)"), "{stderr}");
    } else {
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(stderr.contains("unitguard: no journal to read"), "{stderr}");
        assert!(!stderr.contains("denial(s)"), "{stderr}");
    }
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        out.push(e.path());
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        }
    }
    out
}
