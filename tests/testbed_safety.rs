//! unitguard as root against a real systemd (the test-bed: Debian 12 in systemd-nspawn, see
//! testbed/README.md), with hostile input built by each sub-case: a hostile apply journal
//! and one reached through a path argument, two runs at once, a stopped service, forged
//! `UNIT=` journal entries from an unprivileged user, a process that names itself `nginx`
//! and is killed by seccomp, escape sequences in log lines, a journal the user cannot read,
//! a smoke command that prints 200 KB, and a `systemctl` that must never be called. Each
//! asserts what must not happen (no file outside the unit's drop-in directory and the state
//! directory changed, the service state unchanged) and the message shown.
//!
//! One container for all sub-cases; problems are collected and reported together.

mod testbed_support;

use std::time::Duration;

use testbed_support::{BIN_IN_CONTAINER, MEMCACHED, NGINX, Testbed};

#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            let w = what();
            eprintln!("PROBLEM: {w}");
            self.0.push(w);
        }
    }
}

const STATE_DIR: &str = "/var/lib/unitguard/apply";

fn dropin(unit: &str) -> String {
    format!("/etc/systemd/system/{unit}.d/hardening.conf")
}

/// Checksums of the files an attack would aim at, to prove they never change.
fn victims(tb: &Testbed) -> String {
    tb.exec_ok(&[
        "sh",
        "-c",
        "sha256sum /etc/passwd /etc/shadow /etc/group /etc/hostname /etc/systemd/system/*.service /lib/systemd/system/nginx.service 2>&1",
    ])
}

fn stopped_services_stay_stopped(tb: &Testbed, p: &mut Problems) {
    let unit = MEMCACHED.unit;
    tb.exec_ok(&["systemctl", "stop", unit]);
    let r = tb.unitguard(&[], &["apply", unit]);
    p.check(r.code == Some(0), || {
        format!("apply on a stopped unit failed\n{r}")
    });
    p.check(
        r.stdout.contains("was not running") && r.stdout.contains("--start"),
        || format!("apply on a stopped unit must say it left it stopped\n{r}"),
    );
    p.check(tb.active_state(unit) == "inactive", || {
        format!("apply started a stopped unit: {}", tb.active_state(unit))
    });
    p.check(tb.read_file(&dropin(unit)).is_some(), || {
        "apply on a stopped unit did not install the drop-in".into()
    });
    let r = tb.unitguard(&[], &["rollback", unit]);
    p.check(
        r.code == Some(0) && r.stdout.contains("not running"),
        || format!("rollback on a stopped unit\n{r}"),
    );
    p.check(tb.active_state(unit) == "inactive", || {
        "rollback started a stopped unit".into()
    });
    let r = tb.unitguard(&[], &["apply", unit, "--start"]);
    p.check(r.code == Some(0) && r.stdout.contains("applied"), || {
        format!("apply --start\n{r}")
    });
    p.check(MEMCACHED.check(tb, Duration::from_secs(10)).is_ok(), || {
        "memcached does not serve after apply --start".into()
    });
    let r = tb.unitguard(&[], &["rollback", unit]);
    p.check(
        r.code == Some(0) && tb.active_state(unit) == "active",
        || format!("rollback of a running unit must leave it running\n{r}"),
    );
}

fn one_run_at_a_time(tb: &Testbed, p: &mut Problems) {
    let unit = NGINX.unit;
    // The first apply holds the lock through a slow smoke check; the second apply and a
    // rollback come while it works.
    let script = format!(
        "{BIN_IN_CONTAINER} apply {unit} --smoke 'sleep 4' >/tmp/first.out 2>&1 & first=$!; \
         sleep 1.5; {BIN_IN_CONTAINER} apply {unit} >/tmp/second.out 2>&1; echo \"second=$?\"; \
         {BIN_IN_CONTAINER} rollback {unit} >/tmp/third.out 2>&1; echo \"third=$?\"; \
         wait $first; echo \"first=$?\"; cat /tmp/second.out /tmp/third.out"
    );
    let out = tb.sh(&script);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    p.check(text.contains("first=0"), || {
        format!("the first apply failed:\n{text}")
    });
    for (who, verb) in [("second", "apply"), ("third", "rollback")] {
        p.check(!text.contains(&format!("{who}=0")), || {
            format!("a {verb} during an apply must be refused:\n{text}")
        });
    }
    p.check(
        text.matches("another unitguard apply (pid ").count() == 2
            && text.contains(&format!("is working on {unit}")),
        || format!("the refusal must name the running apply and the unit:\n{text}"),
    );
    p.check(tb.read_file(&dropin(unit)).is_some(), || {
        "the drop-in of the apply that held the lock is gone".into()
    });
    let r = tb.unitguard(&[], &["rollback", unit]);
    p.check(r.code == Some(0), || {
        format!("rollback after the race\n{r}")
    });
}

fn hostile_journals_are_refused(tb: &Testbed, p: &mut Problems) {
    let before = victims(tb);
    tb.exec_ok(&["mkdir", "-p", STATE_DIR]);
    // A journal about nginx that names /etc/passwd as its drop-in.
    let forged = r#"{"unit":"nginx.service","dropin":"/etc/passwd","previous":{"text":"pwned\n","meta":{"mode":420,"uid":0,"gid":0}},"previous_backup":null,"was_running":true,"step":"dropin-written"}"#;
    tb.write_file(&format!("{STATE_DIR}/nginx.service.json"), forged);
    for args in [&["rollback", "nginx"][..], &["apply", "nginx.service"]] {
        let r = tb.unitguard(&[], args);
        p.check(
            r.code != Some(0)
                && r.stderr
                    .contains(&format!("{STATE_DIR}/nginx.service.json"))
                && r.stderr.contains(
                    "not nginx.service's /etc/systemd/system/nginx.service.d/hardening.conf",
                ),
            || format!("a journal naming /etc/passwd must be refused, naming the file\n{r}"),
        );
    }
    // A journal about another unit, under nginx's name.
    tb.write_file(
        &format!("{STATE_DIR}/nginx.service.json"),
        &forged
            .replace("\"nginx.service\"", "\"sshd.service\"")
            .replace(
                "/etc/passwd",
                "/etc/systemd/system/sshd.service.d/hardening.conf",
            ),
    );
    let r = tb.unitguard(&[], &["rollback", "nginx.service"]);
    p.check(
        r.code != Some(0) && r.stderr.contains("names unit \"sshd.service\""),
        || format!("a journal about another unit must be refused\n{r}"),
    );
    // A journal that is a symlink to /etc/shadow.
    tb.exec_ok(&["rm", "-f", &format!("{STATE_DIR}/nginx.service.json")]);
    tb.exec_ok(&[
        "ln",
        "-s",
        "/etc/shadow",
        &format!("{STATE_DIR}/nginx.service.json"),
    ]);
    let r = tb.unitguard(&[], &["rollback", "nginx.service"]);
    p.check(
        r.code != Some(0) && r.stderr.contains("nginx.service.json: is a symlink"),
        || format!("a symlinked journal must be refused\n{r}"),
    );
    tb.exec_ok(&["rm", "-f", &format!("{STATE_DIR}/nginx.service.json")]);
    // `rollback /tmp/foo.service`: the argument is the unit foo.service (its file is there),
    // never a state file next to the path.
    tb.write_file("/tmp/foo.service", "[Service]\nExecStart=/bin/true\n");
    tb.write_file("/tmp/foo.service.json", forged);
    let r = tb.unitguard(&[], &["rollback", "/tmp/foo.service"]);
    p.check(
        tb.read_file("/tmp/foo.service.json").as_deref() == Some(forged),
        || "the journal-like file next to the path was changed".into(),
    );
    p.check(
        r.code != Some(0)
            && r.stderr
                .contains("foo.service.d/hardening.conf: no unitguard drop-in to roll back"),
        || format!("rollback of a path must work on the unit it names\n{r}"),
    );
    p.check(victims(tb) == before, || {
        format!(
            "a hostile journal changed files:\nbefore:\n{before}\nafter:\n{}",
            victims(tb)
        )
    });
    // A journal unitguard writes is 0600 (seen after an apply aborted on purpose).
    let r = tb.unitguard(
        &[("UNITGUARD_FAULT_AFTER", "dropin-written")],
        &["apply", "nginx"],
    );
    p.check(r.code != Some(0), || {
        format!("the fault hook must abort\n{r}")
    });
    let mode = tb.exec_ok(&[
        "stat",
        "-c",
        "%a %U",
        &format!("{STATE_DIR}/nginx.service.json"),
    ]);
    p.check(mode.trim() == "600 root", || {
        format!("the journal is {mode}, not 600 root")
    });
    let r = tb.unitguard(&[], &["rollback", "nginx"]);
    p.check(r.code == Some(0) && r.stdout.contains("repaired"), || {
        format!("repair\n{r}")
    });
    p.check(NGINX.check(tb, Duration::from_secs(10)).is_ok(), || {
        "nginx down after repair".into()
    });
}

fn denials_trust_only_the_system(tb: &Testbed, p: &mut Problems) {
    let since = tb.now_since();
    // An unprivileged user logs a line that names nginx in UNIT= and looks like a denial.
    let forged = "UNIT=nginx.service\nMESSAGE=nginx: [emerg] open() \"/var/log/nginx/error.log\" failed (30: Read-only file system)\nPRIORITY=3\n";
    let out = tb.exec_input(
        &["runuser", "-u", "nobody", "--", "logger", "--journald"],
        Some(forged.as_bytes()),
    );
    p.check(out.status.success(), || {
        format!("logger --journald failed: {out:?}")
    });
    // A process that calls itself nginx and is killed by seccomp (audit type=1326 with
    // comm="nginx"), in a unit of its own.
    let impostor = "import ctypes, socket; ctypes.CDLL(None).prctl(15, b'nginx', 0, 0, 0); \
                    s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()";
    let _ = tb.exec(&[
        "systemd-run",
        "--wait",
        "--unit=impostor",
        "-p",
        "SystemCallFilter=~listen",
        "python3",
        "-c",
        impostor,
    ]);
    std::thread::sleep(Duration::from_secs(1));
    let r = tb.unitguard(&[], &["denials", "nginx", "--since", &since]);
    p.check(
        r.code == Some(0) && r.stderr.contains("0 denial(s)"),
        || format!("forged or self-named lines must not count for nginx\n{r}"),
    );
    // The kernel's line is the impostor's: its unit is the one that holds the pid.
    let r = tb.unitguard(
        &[],
        &["denials", "impostor.service", "--since", &since, "--json"],
    );
    p.check(
        r.code == Some(1)
            && r.stdout.contains("\"directive\":\"SystemCallFilter\"")
            && r.stdout.contains("\"comm\":\"nginx\"")
            && r.stdout.contains("\"unit\":\"impostor.service\""),
        || format!("the seccomp kill belongs to impostor.service\n{r}"),
    );
    // Escape sequences in a log line are shown escaped.
    let _ = tb.exec(&[
        "systemd-run", "--unit=escapes", "-p", "RemainAfterExit=yes", "sh", "-c",
        "printf 'open() \"/var/lib/x\" failed (30: Read-only file system) \\033[2J\\033]0;owned\\007\\n'",
    ]);
    std::thread::sleep(Duration::from_millis(1500));
    let r = tb.unitguard(&[], &["denials", "escapes.service", "--since", &since]);
    p.check(
        r.code == Some(1)
            && r.stdout.contains("\\x1b[2J")
            && !r.stdout.contains('\u{1b}')
            && !r.stdout.contains('\u{7}'),
        || format!("control characters must be escaped\n{r:?}"),
    );
    // A user who cannot read the system journal gets an error, not "0 denial(s)".
    let out = tb.exec(&["runuser", "-u", "nobody", "--", BIN_IN_CONTAINER, "denials"]);
    let err = String::from_utf8_lossy(&out.stderr);
    p.check(
        out.status.code() == Some(1)
            && err.contains("cannot read the system journal")
            && !err.contains("0 denial(s)"),
        || format!("an unreadable journal must be an error: {out:?}"),
    );
    // The journal is streamed: 300,000 records (about 40 MB) through a journalctl stand-in
    // cost no more memory than a few.
    let fake = "#!/bin/sh\ni=0\nwhile [ $i -lt 300000 ]; do echo '{\"_SYSTEMD_UNIT\":\"x.service\",\"_PID\":\"5\",\"MESSAGE\":\"nothing to see here, just a long enough line of log text\"}'; i=$((i+1)); done\n";
    tb.write_file("/tmp/fakebin/journalctl", fake);
    tb.exec_ok(&["chmod", "+x", "/tmp/fakebin/journalctl"]);
    // VmHWM is the peak resident size so far: its last reading is the run's peak.
    let out = tb.sh(&format!(
        "PATH=/tmp/fakebin:$PATH {BIN_IN_CONTAINER} denials >/dev/null 2>/tmp/denials.err & pid=$!; \
         while kill -0 $pid 2>/dev/null; do hwm=$(awk '/VmHWM/ {{print $2}}' /proc/$pid/status 2>/dev/null || true); \
         [ -n \"$hwm\" ] && last=$hwm; sleep 0.05; done; echo \"maxrss=$last\"; cat /tmp/denials.err"
    ));
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let rss: u64 = text
        .split("maxrss=")
        .nth(1)
        .and_then(|s| s.lines().next()?.trim().parse().ok())
        .unwrap_or(u64::MAX);
    p.check(rss < 40_000 && text.contains(" denial(s)"), || {
        format!("denials must stream the journal in constant memory (max RSS {rss} KiB):\n{text}")
    });
    // Records that are not UTF-8 do not end --follow.
    let follow = format!(
        "timeout 12 {BIN_IN_CONTAINER} denials --follow --json >/tmp/follow.out 2>&1 & sleep 2; \
         systemd-run --wait --unit=garbage sh -c \"printf '\\377\\376 not utf-8\\n'; sleep 0.5; printf 'open() \\\"/var/lib/y\\\" failed (30: Read-only file system)\\n'\"; \
         sleep 2; cat /tmp/follow.out"
    );
    let out = tb.sh(&follow);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    p.check(
        text.contains("/var/lib/y") && text.contains("\"unit\":\"garbage.service\""),
        || format!("--follow must survive a non-UTF-8 record and report the next denial:\n{text}"),
    );
}

fn big_smoke_output_and_no_systemctl(tb: &Testbed, p: &mut Problems) {
    // A systemctl that records every call and fails: apply and rollback use D-Bus.
    tb.write_file(
        "/tmp/fakesysctl/systemctl",
        "#!/bin/sh\necho \"$@\" >>/tmp/systemctl-called\nexit 1\n",
    );
    tb.exec_ok(&["chmod", "+x", "/tmp/fakesysctl/systemctl"]);
    let unit = MEMCACHED.unit;
    let pid_before = tb.exec_ok(&["systemctl", "show", "-p", "MainPID", "--value", unit]);
    let out = tb.sh(&format!(
        "PATH=/tmp/fakesysctl:$PATH timeout 120 {BIN_IN_CONTAINER} apply {unit} --smoke \"head -c 200000 /dev/zero | tr '\\\\0' x; head -c 200000 /dev/zero >&2\"; echo \"rc=$?\""
    ));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    p.check(text.contains("rc=0") && text.contains("applied"), || {
        format!("apply with a smoke command printing 200 KB must succeed:\n{text}")
    });
    let pid_after = tb.exec_ok(&["systemctl", "show", "-p", "MainPID", "--value", unit]);
    p.check(pid_before != pid_after, || {
        "apply did not restart the unit".into()
    });
    let out = tb.sh(&format!(
        "PATH=/tmp/fakesysctl:$PATH {BIN_IN_CONTAINER} rollback {unit}; echo \"rc=$?\""
    ));
    p.check(
        String::from_utf8_lossy(&out.stdout).contains("rc=0"),
        || format!("rollback: {out:?}"),
    );
    p.check(tb.read_file("/tmp/systemctl-called").is_none(), || {
        format!(
            "systemctl was called: {:?}",
            tb.read_file("/tmp/systemctl-called")
        )
    });
    p.check(MEMCACHED.check(tb, Duration::from_secs(10)).is_ok(), || {
        "memcached does not serve after the rollback".into()
    });
}

#[test]
fn safety_as_root_on_the_testbed() {
    let tb = Testbed::start("ug-safety");
    let mut p = Problems::default();
    let before = victims(&tb);
    stopped_services_stay_stopped(&tb, &mut p);
    one_run_at_a_time(&tb, &mut p);
    hostile_journals_are_refused(&tb, &mut p);
    denials_trust_only_the_system(&tb, &mut p);
    big_smoke_output_and_no_systemctl(&tb, &mut p);
    let after = victims(&tb);
    p.check(before == after, || {
        format!("files changed outside the drop-in and state directories:\nbefore:\n{before}\nafter:\n{after}")
    });
    assert!(
        p.0.is_empty(),
        "{} problem(s):\n{}",
        p.0.len(),
        p.0.join("\n\n")
    );
}
