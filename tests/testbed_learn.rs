//! `unitguard learn` and `apply --learn` in a real systemd (the test-bed, scripts/testbed):
//! a daemon the project has no profile for (unbound, DNS) and two it has (nginx with
//! ExecReload and Type=forking; redis with NoExecPaths= and a system call filter) are watched,
//! fitted and applied, then checked by their real job after start, reload and restart; their
//! live score is compared with the strict profile's prediction, and unbound's reload helper's
//! capability stays out of the daemon's bounding set. PostgreSQL, whose pg_ctlcluster starts
//! as root only to switch to postgres, ends up started as postgres; memcached, whose Debian
//! wrapper refuses that, falls back to the plain fit by itself. Learn killed after every step
//! leaves the service as it was once the next command repairs it.

mod testbed_support;

use std::time::Duration;

use testbed_support::Testbed;

const RUNTIME_DROPIN: &str = "/run/systemd/system/nginx.service.d/unitguard-learn.conf";

#[derive(Clone, Copy)]
struct Case {
    unit: &'static str,
    check: &'static str,
}

/// PostgreSQL's check, as learn-report's (the JIT compiles the query: W+X memory).
const PG_CHECK: &str =
    "su postgres -c \"psql -tAc \\\"set jit_above_cost = 0; select 1\\\"\" | grep -q 1";
const MEMCACHED_CHECK: &str = "bash -c 'exec 3<>/dev/tcp/127.0.0.1/11211; printf \"stats\\r\\nquit\\r\\n\" >&3; grep -q pid <&3'";

fn cases() -> Vec<Case> {
    let mut c = CASES.to_vec();
    c.push(Case {
        unit: testbed_support::postgres().unit,
        check: PG_CHECK,
    });
    c.push(Case {
        unit: "memcached.service",
        check: MEMCACHED_CHECK,
    });
    c
}

const CASES: &[Case] = &[
    Case {
        unit: "nginx.service",
        check: "curl -fsS -m 10 -o /dev/null http://127.0.0.1/",
    },
    Case {
        unit: "redis-server.service",
        check: "redis-cli ping | grep -q PONG",
    },
    Case {
        unit: "unbound.service",
        check: "dig +short +time=2 +tries=2 @127.0.0.1 localhost A | grep -qx 127.0.0.1",
    },
];

fn works(tb: &Testbed, check: &str) -> bool {
    tb.sh(&format!(
        "timeout 30 sh -c '{}'",
        check.replace('\'', "'\\''")
    ))
    .status
    .success()
}

fn strict_prediction(tb: &Testbed, unit: &str) -> f64 {
    let r = tb.unitguard(&[], &["harden", unit, "--profile", "strict"]);
    // "UNIT: 9.6 UNSAFE -> 2.3 OK (predicted)"
    r.stderr
        .split_whitespace()
        .skip_while(|w| *w != "->")
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no prediction in {:?}", r.stderr))
}

#[test]
fn learn_fits_daemons_and_survives_being_killed() {
    let tb = Testbed::start("ug-learn");
    let mut problems: Vec<String> = Vec::new();
    let mut outputs = std::collections::BTreeMap::new();
    for c in &cases() {
        assert!(
            tb.wait_active(c.unit, Duration::from_secs(60)),
            "{} is not active at boot: {}",
            c.unit,
            tb.diagnose(c.unit)
        );
        let stock = tb.score(c.unit);
        let strict = strict_prediction(&tb, c.unit);
        let r = tb.unitguard(&[], &["apply", c.unit, "--learn", "--exercise", c.check]);
        if r.code != Some(0) {
            problems.push(format!(
                "{}: apply --learn failed: {}{}",
                c.unit, r.stdout, r.stderr
            ));
            continue;
        }
        outputs.insert(c.unit, r.stderr.clone());
        if !r.stdout.contains("0 not understood") {
            problems.push(format!("{}: unknown strace lines: {}", c.unit, r.stdout));
        }
        let mut ok = works(&tb, c.check);
        let reloadable = tb.exec_ok(&["systemctl", "show", "-p", "CanReload", "--value", c.unit]);
        if reloadable.trim() == "yes" {
            tb.exec(&["systemctl", "reload", c.unit]);
            std::thread::sleep(Duration::from_secs(1));
            ok &= works(&tb, c.check);
        }
        tb.exec(&["systemctl", "restart", c.unit]);
        ok &= tb.wait_active(c.unit, Duration::from_secs(30)) && works(&tb, c.check);
        let learned = tb.score(c.unit);
        eprintln!(
            "{}: stock {stock}, strict profile {strict}, learned {learned}, works {ok}",
            c.unit
        );
        if !ok {
            problems.push(format!(
                "{}: does not do its job with the learned drop-in",
                c.unit
            ));
        }
        if learned > strict + 0.05 {
            problems.push(format!(
                "{}: learned {learned} is above the strict profile's {strict}",
                c.unit
            ));
        }
        if learned >= stock {
            problems.push(format!(
                "{}: learned {learned} is no better than stock {stock}",
                c.unit
            ));
        }
    }
    // The drop-in comments name their evidence.
    let dropin = tb
        .read_file("/etc/systemd/system/nginx.service.d/hardening.conf")
        .unwrap_or_default();
    for needle in [
        "binds tcp/80",
        "writes only the paths below",
        "not seen while learning",
    ] {
        if !dropin.contains(needle) {
            problems.push(format!("nginx drop-in lacks {needle:?}:\n{dropin}"));
        }
    }
    // What only unbound's `ExecReload=+/bin/kill -HUP $MAINPID` used (CAP_KILL: the daemon
    // runs as user unbound by then) binds nothing: the daemon's bounding set goes without it.
    let unbound = tb
        .read_file("/etc/systemd/system/unbound.service.d/hardening.conf")
        .unwrap_or_default();
    let bounding: Vec<&str> = unbound
        .lines()
        .filter(|l| l.starts_with("CapabilityBoundingSet="))
        .collect();
    if bounding.is_empty() || bounding.iter().any(|l| l.contains("CAP_KILL")) {
        problems.push(format!(
            "unbound's bounding set should exist without CAP_KILL:\n{unbound}"
        ));
    }
    // pg_ctlcluster starts as root only to switch to postgres: it now starts as postgres
    // (the manager's User= and the main process's uid), and works (checked above).
    let pg = testbed_support::postgres().unit;
    let user = tb.exec_ok(&["systemctl", "show", "-p", "User", "--value", pg]);
    let pid = tb.exec_ok(&["systemctl", "show", "-p", "MainPID", "--value", pg]);
    let uid = tb.exec_ok(&["stat", "-c", "%u", &format!("/proc/{}", pid.trim())]);
    let postgres_uid = tb.exec_ok(&["id", "-u", "postgres"]);
    if user.trim() != "postgres" || uid.trim() != postgres_uid.trim() {
        problems.push(format!(
            "{pg} should run as postgres from the start: User={user:?}, main process uid {uid:?}\n{}",
            outputs.get(pg).map_or("", String::as_str)
        ));
    }
    // Debian's memcached wrapper refuses to start as its user: that try is rolled back by
    // itself, and the plain fit (still root) is what stays.
    let memcached = outputs.get("memcached.service").map_or("", String::as_str);
    let user = tb.exec_ok(&[
        "systemctl",
        "show",
        "-p",
        "User",
        "--value",
        "memcached.service",
    ]);
    if !memcached.contains("starts it as memcache")
        || !memcached.contains("rolled back; now the next one")
        || !user.trim().is_empty()
    {
        problems.push(format!(
            "memcached: the try as its user should fail and fall back (User={user:?}):\n{memcached}"
        ));
    }
    // Killed after every step: the next command (learn, or rollback) repairs it.
    for step in [
        "journal-written",
        "dropin-written",
        "reloaded",
        "restarted",
        "exercised",
        "stopped",
    ] {
        let fault = format!("learn-{step}");
        let r = tb.unitguard(
            &[("UNITGUARD_FAULT_AFTER", &fault)],
            &[
                "learn",
                "nginx.service",
                "--duration",
                "0",
                "--evidence",
                "/tmp/k.json",
            ],
        );
        if r.code == Some(0) {
            problems.push(format!("the fault after {step} did not fire"));
        }
        let repair = if step == "reloaded" {
            "learn"
        } else {
            "rollback"
        };
        let args: Vec<&str> = if repair == "learn" {
            vec![
                "learn",
                "nginx.service",
                "--duration",
                "0",
                "--evidence",
                "/tmp/k.json",
            ]
        } else {
            vec!["rollback", "nginx.service"]
        };
        let r = tb.unitguard(&[], &args);
        if !r.stderr.contains("an earlier learn stopped") && step != "journal-written" {
            problems.push(format!(
                "{repair} after a kill at {step} did not repair: {}",
                r.stderr
            ));
        }
        if tb.read_file(RUNTIME_DROPIN).is_some() {
            problems.push(format!(
                "runtime drop-in left after a kill at {step} and {repair}"
            ));
        }
        if !(tb.wait_active("nginx.service", Duration::from_secs(30)) && works(&tb, CASES[0].check))
        {
            problems.push(format!(
                "nginx not serving after a kill at {step} and {repair}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
