//! `unitguard learn -- CMD` with the distribution's strace: a real program traced, its
//! evidence written, repeated runs and --merge adding up, bad evidence files refused.

use crate::support::*;

fn load(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_traced_command_leaves_evidence() {
    assert!(
        std::path::Path::new("/usr/bin/strace").exists(),
        "strace is needed (scripts/test installs it)"
    );
    let dir = Root::new();
    let ev = dir.path().join("ev.json");
    let out = dir.path().join("out.txt");
    let script = format!(
        "cat /etc/hostname >/dev/null; echo x > {}; python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen()'",
        out.display()
    );
    let o = ug(["learn", "--evidence"])
        .arg(&ev)
        .args(["--", "/bin/sh", "-c", &script])
        .output();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("0 not understood"), "{stdout}");
    let e = load(&ev);
    assert_eq!(e["schema"], 1);
    assert_eq!(e["files"]["/etc/hostname"]["read"], true);
    let written = &e["files"][out.to_str().unwrap()];
    assert_eq!(written["write"], true, "{written}");
    assert_eq!(written["create"], true);
    assert!(
        e["families"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "AF_INET")
    );
    let binds: Vec<_> = e["sockets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["op"] == "bind" && s["address"] == "127.0.0.1")
        .collect();
    assert_eq!(binds.len(), 1, "{}", e["sockets"]);
    let run = &e["runs"][0];
    assert!(
        run["tracer"]
            .as_str()
            .unwrap()
            .starts_with("strace -- version")
    );
    assert!(run["lines"].as_u64().unwrap() > 10);
    // As root, fanotify watches the opens and strace leaves them untraced (the run says
    // so); otherwise strace traces them.
    let untraced: Vec<&str> = run["untraced"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    if run["tracer"]
        .as_str()
        .unwrap()
        .ends_with("+ fanotify (file opens)")
    {
        assert!(untraced.contains(&"openat"), "{untraced:?}");
        assert!(e["syscalls"].get("openat").is_none());
    } else {
        assert!(!untraced.contains(&"openat"), "{untraced:?}");
        assert!(e["syscalls"]["openat"].as_u64().unwrap() > 0);
    }
    assert!(e["syscalls"].get("read").is_none(), "read is not traced");

    // A second run adds to the same file.
    let o = ug(["learn", "--evidence"])
        .arg(&ev)
        .args(["--", "/bin/true"])
        .output();
    assert!(o.status.success());
    // What a run prints; the counts and the time depend on this machine's libc.
    let mut settings = dir.snapshots();
    settings.add_filter(r"\b\d+(\.\d+)?s\b", "[SECS]");
    settings.add_filter(r"\b\d+\b", "[N]");
    settings.bind(|| {
        insta::assert_snapshot!(String::from_utf8_lossy(&o.stdout), @"
    traced command (/bin/true): [N] lines in [SECS], [N] not understood
      [N] files ([N] written), [N] socket operations, families none, [N] distinct system calls
    evidence: [ROOT]/ev.json ([N] runs)
    ")
    });
    let e = load(&ev);
    assert_eq!(e["runs"].as_array().unwrap().len(), 2);
    assert_eq!(e["files"]["/etc/hostname"]["read"], true);

    // --merge joins files.
    let other = dir.path().join("other.json");
    let o = ug(["learn", "--evidence"])
        .arg(&other)
        .args(["--", "/bin/sh", "-c", "exit 3"])
        .output();
    assert_eq!(o.status.code(), Some(1), "the command's failure shows");
    let merged = dir.path().join("merged.json");
    let o = ug(["learn", "--evidence"])
        .arg(&merged)
        .arg("--merge")
        .arg(&ev)
        .arg(&other)
        .output();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(load(&merged)["runs"].as_array().unwrap().len(), 3);
}

#[test]
fn bad_evidence_files_are_refused_by_name() {
    let dir = Root::new();
    let bad = dir.path().join("bad.json");
    dir.file("bad.json", "{\"schema\": 99}");
    let o = ug(["learn", "--evidence"])
        .arg(dir.path().join("m.json"))
        .arg("--merge")
        .arg(&bad)
        .output();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.json: evidence schema 99"), "{err}");
    let _s = dir.snapshots().bind_to_scope();
    insta::assert_snapshot!(err, @"unitguard: [ROOT]/bad.json: evidence schema 99; this unitguard reads schema 1");
    dir.file("bad.json", "not json");
    let o = ug(["learn", "--evidence"])
        .arg(dir.path().join("m.json"))
        .arg("--merge")
        .arg(&bad)
        .output();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.json: not an evidence file"), "{err}");
    insta::assert_snapshot!(err, @"unitguard: [ROOT]/bad.json: not an evidence file (line 1: expected ident at line 1 column 2)");
}
