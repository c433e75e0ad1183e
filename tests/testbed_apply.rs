//! `unitguard apply`, `rollback` and `denials` against real daemons under a real systemd 252
//! (or 257 with `TB_SUITE=trixie`, as scripts/test also runs it): boots the test-bed once
//! (`scripts/testbed`, Debian 12 or 13 in systemd-nspawn, see
//! testbed/README.md) with this build's binary bind-mounted at /opt/unitguard, and runs every
//! sub-case in sequence inside it:
//!
//! 1. profiles: for each daemon, the stock online score (`systemd-analyze security`), then
//!    `apply --profile baseline` and `--profile strict` (strict with `--allow-ip 127.0.0.0/8`
//!    for the daemons that only listen on localhost): each must apply (exit 0), leave the unit
//!    active and passing its functional check, and its live score is recorded; `rollback`
//!    must bring the stock unit and score back;
//! 2. breakages: drop-ins that break a daemon on purpose, applied with `apply --dropin`: each
//!    must roll back (exit 1) naming the directive (or, where nothing logs a cause, saying it is
//!    unknown and listing the silent directives), leave the service working, and
//!    `denials --since` must name the directive where the journal has the evidence;
//! 3. fault injection: `UNITGUARD_FAULT_AFTER=<step>` aborts apply after each step; the
//!    drop-in must be the old or the complete new file, and the next `rollback` or `apply`
//!    must repair it from the journal.
//!
//! Needs root and systemd-nspawn (and network access the first time, to build the rootfs).
//! It never skips. Problems are collected and reported together at the end; the container
//! is stopped in every case (the guard's Drop, also on panic). Run with `--nocapture` to see
//! the score table.

mod testbed_support;

use std::time::Duration;

use testbed_support::{Daemon, NGINX, PYAPP, Testbed, daemons, postgres};

fn dropin_path(unit: &str) -> String {
    format!("/etc/systemd/system/{unit}.d/hardening.conf")
}

fn backup_path(unit: &str) -> String {
    format!("/etc/systemd/system/{unit}.d/hardening.conf.unitguard-backup")
}

fn journal_path(unit: &str) -> String {
    format!("/var/lib/unitguard/apply/{unit}.json")
}

/// Problems found so far; the test fails at the end if there are any.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn fail(&mut self, what: String) {
        eprintln!("PROBLEM: {what}");
        self.0.push(what);
    }

    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.fail(what());
        }
    }
}

/// The service is active and passes its functional check (and, for PostgreSQL, a JIT query).
fn serving(tb: &Testbed, d: &Daemon, p: &mut Problems, ctx: &str) -> bool {
    let active = tb.wait_active(d.unit, Duration::from_secs(30));
    let check = d.check(tb, Duration::from_secs(20));
    let jit = if d.unit == postgres().unit {
        testbed_support::postgres_jit(tb)
    } else {
        Ok(String::new())
    };
    let ok = active && check.is_ok() && jit.is_ok();
    p.check(ok, || {
        format!(
            "{ctx}: {} is {} and its check says {check:?} {jit:?}\n{}",
            d.unit,
            tb.active_state(d.unit),
            tb.diagnose(d.unit)
        )
    });
    ok
}

#[derive(Debug, Default)]
struct Row {
    daemon: &'static str,
    stock: f64,
    baseline: Option<f64>,
    baseline_works: bool,
    strict: Option<f64>,
    strict_works: bool,
    strict_args: String,
}

fn fmt_score(s: Option<f64>) -> String {
    s.map_or("—".into(), |s| format!("{s:.1}"))
}

/// 1. Stock, baseline and strict for every daemon.
fn profiles(tb: &Testbed, p: &mut Problems) -> Vec<Row> {
    let mut rows = Vec::new();
    for d in &daemons() {
        let unit = d.unit;
        let mut row = Row {
            daemon: d.name(),
            stock: tb.score(unit),
            ..Row::default()
        };
        if !serving(tb, d, p, &format!("{unit} stock")) {
            rows.push(row);
            continue;
        }
        for profile in ["baseline", "strict"] {
            let mut args = vec!["apply", unit, "--profile", profile];
            if profile == "strict" && d.local_only {
                args.extend(["--allow-ip", "127.0.0.0/8"]);
            }
            let ctx = format!("{unit} --profile {profile}");
            let r = tb.unitguard(&[], &args);
            eprintln!("{ctx}: {}", r.stdout.trim_end());
            let applied = r.code == Some(0);
            p.check(applied, || format!("{ctx}: apply did not apply\n{r}"));
            let mut works = false;
            let mut score = None;
            if applied {
                p.check(tb.read_file(&dropin_path(unit)).is_some(), || {
                    format!("{ctx}: applied, but there is no {}", dropin_path(unit))
                });
                works = serving(tb, d, p, &ctx);
                score = Some(tb.score(unit));
                let r = tb.unitguard(&[], &["rollback", unit]);
                p.check(r.code == Some(0), || format!("{ctx}: rollback failed\n{r}"));
                p.check(tb.read_file(&dropin_path(unit)).is_none(), || {
                    format!("{ctx}: the drop-in is still there after rollback\n{r}")
                });
            } else {
                p.check(tb.read_file(&dropin_path(unit)).is_none(), || {
                    format!("{ctx}: rolled back, but the drop-in is still there")
                });
            }
            serving(tb, d, p, &format!("{ctx}, after rollback"));
            let back = tb.score(unit);
            p.check((back - row.stock).abs() < 0.05, || {
                format!(
                    "{ctx}: the score after rollback is {back}, not the stock {}",
                    row.stock
                )
            });
            if profile == "baseline" {
                row.baseline = score;
                row.baseline_works = works;
            } else {
                row.strict = score;
                row.strict_works = works;
                row.strict_args = args[4..].join(" ");
            }
        }
        rows.push(row);
    }
    // nginx listens on 0.0.0.0:80, so the table above hardens it as a public server. The
    // hand-written reference drop-in (2.3) allows localhost only: the same with --allow-ip.
    let unit = NGINX.unit;
    let ctx = format!("{unit} --profile strict --allow-ip 127.0.0.0/8");
    let r = tb.unitguard(
        &[],
        &[
            "apply",
            unit,
            "--profile",
            "strict",
            "--allow-ip",
            "127.0.0.0/8",
        ],
    );
    eprintln!("{ctx}: {}", r.stdout.trim_end());
    p.check(r.code == Some(0), || {
        format!(
            "{ctx}: apply did not apply
{r}"
        )
    });
    if r.code == Some(0) {
        let works = serving(tb, &NGINX, p, &ctx);
        rows.push(Row {
            daemon: "nginx, local clients only",
            stock: rows[0].stock,
            strict: Some(tb.score(unit)),
            strict_works: works,
            strict_args: "--allow-ip 127.0.0.0/8".into(),
            ..Row::default()
        });
        let r = tb.unitguard(&[], &["rollback", unit]);
        p.check(r.code == Some(0), || {
            format!(
                "{ctx}: rollback failed
{r}"
            )
        });
        serving(tb, &NGINX, p, &format!("{ctx}, after rollback"));
    }
    rows
}

/// A drop-in that breaks a daemon on purpose.
struct Breakage {
    id: &'static str,
    daemon: Daemon,
    dropin: &'static str,
    /// Whether anything (journal, kernel audit line, the service's own log) names the cause.
    /// When nothing does, apply must not guess: its cause is "unknown" and it lists the
    /// drop-in's directives that break services silently, this one among them.
    evidence: bool,
    /// The directive apply must name.
    directive: &'static str,
    /// Whether the container's journal has a line that names it (else only the service's
    /// own log file has it, or nothing at all).
    in_journal: bool,
    what: &'static str,
}

const BREAKAGES: &[Breakage] = &[
    Breakage {
        id: "a",
        evidence: true,
        daemon: NGINX,
        dropin: "[Service]\nProtectSystem=strict\nReadWritePaths=\n",
        directive: "ProtectSystem",
        in_journal: true,
        what: "nothing writable, /run included: `nginx -t` fails on /run/nginx.pid (30: Read-only file system)",
    },
    Breakage {
        id: "b",
        evidence: true,
        daemon: NGINX,
        dropin: "[Service]\nReadWritePaths=/srv/does-not-exist\n",
        directive: "ReadWritePaths",
        in_journal: true,
        what: "a missing path: status=226/NAMESPACE",
    },
    Breakage {
        id: "c",
        evidence: true,
        daemon: NGINX,
        dropin: "[Service]\nSystemCallFilter=~listen\n",
        directive: "SystemCallFilter",
        in_journal: true,
        what: "seccomp kill: status=31/SYS (the syscall only in the kernel's audit line)",
    },
    Breakage {
        id: "d",
        evidence: true,
        daemon: NGINX,
        dropin: "[Service]\nRestrictAddressFamilies=\nRestrictAddressFamilies=AF_UNIX\n",
        directive: "RestrictAddressFamilies",
        in_journal: true,
        what: "socket() 0.0.0.0:80 failed (97: Address family not supported by protocol)",
    },
    Breakage {
        id: "e",
        evidence: true,
        daemon: NGINX,
        dropin: "[Service]\nInaccessiblePaths=/var/www\n",
        directive: "InaccessiblePaths",
        in_journal: false,
        what: "active, HTTP 404; only nginx's error.log says (13: Permission denied)",
    },
    Breakage {
        id: "f",
        evidence: true,
        daemon: NGINX,
        dropin: "[Service]\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_DAC_OVERRIDE CAP_CHOWN\n",
        directive: "CapabilityBoundingSet",
        in_journal: false,
        what: "active, HTTP hangs; only error.log says setgid(33) failed (1: Operation not permitted)",
    },
    Breakage {
        id: "g",
        evidence: false,
        daemon: PYAPP,
        dropin: "[Service]\nIPAddressDeny=any\n",
        directive: "IPAddressDeny",
        in_journal: false,
        what: "active, but the firewall drops the incoming connection to 127.0.0.1:8000: HTTP 000, nothing logged anywhere",
    },
    Breakage {
        id: "h",
        evidence: true,
        daemon: PYAPP,
        dropin: "[Service]\nProtectSystem=strict\nPrivateTmp=yes\n",
        directive: "ProtectSystem",
        in_journal: true,
        what: "active, /healthz fine, GET / 500: [Errno 30] Read-only file system in the journal",
    },
];

/// The host's kernel audit lines for seccomp (type=1326) since `since_usec`.
fn host_seccomp_lines(since_usec: u64) -> Vec<String> {
    let out = std::process::Command::new("dmesg")
        .output()
        .expect("run dmesg on the host");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("type=1326"))
        .filter(|l| {
            // audit(SECONDS.MILLIS:SERIAL)
            l.split("audit(")
                .nth(1)
                .and_then(|r| r.split(':').next())
                .and_then(|t| t.parse::<f64>().ok())
                .is_some_and(|t| (t * 1e6) as u64 + 1000 >= since_usec)
        })
        .map(str::to_string)
        .collect()
}

fn since_usec(since: &str) -> u64 {
    (since.trim_start_matches('@').parse::<f64>().unwrap() * 1e6) as u64
}

/// 2. Deliberate breakages, through `apply --dropin`.
fn breakages(tb: &Testbed, p: &mut Problems) -> Vec<String> {
    let mut lines = Vec::new();
    for b in BREAKAGES {
        let unit = b.daemon.unit;
        let ctx = format!("breakage ({}) {unit} {}", b.id, b.dropin.replace('\n', " "));
        let file = format!("/root/ug-break-{}.conf", b.id);
        tb.write_file(&file, b.dropin);
        let since = tb.now_since();
        let r = tb.unitguard(&[], &["apply", unit, "--dropin", &file, "--timeout", "15"]);
        eprintln!("{ctx}:\n{}", r.stdout.trim_end());
        p.check(r.code == Some(1), || {
            format!("{ctx}: apply must roll back (exit 1)\n{r}")
        });
        let cause = r
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with("cause:"))
            .unwrap_or_default()
            .trim()
            .to_string();
        if b.evidence {
            p.check(cause.contains(&format!("cause: {}=", b.directive)), || {
                format!("{ctx}: the cause must name {}=\n{r}", b.directive)
            });
        } else {
            let silent = r
                .stdout
                .lines()
                .find(|l| l.contains("break services without logging anything:"))
                .unwrap_or_default();
            p.check(
                cause.starts_with("cause: unknown")
                    && silent.contains(&format!(" {}=", b.directive)),
                || {
                    format!(
                        "{ctx}: with no evidence the cause must be unknown, and {}= listed among the directives that break silently\n{r}",
                        b.directive
                    )
                },
            );
        }
        p.check(
            r.stdout
                .contains("is running again with its previous settings"),
            || format!("{ctx}: apply does not say the service recovered\n{r}"),
        );
        p.check(tb.read_file(&dropin_path(unit)).is_none(), || {
            format!("{ctx}: the drop-in is still there after the rollback")
        });
        p.check(tb.read_file(&journal_path(unit)).is_none(), || {
            format!("{ctx}: the apply journal is still there")
        });
        serving(tb, &b.daemon, p, &format!("{ctx}, after the rollback"));

        let den = tb.unitguard(&[], &["denials", unit, "--since", &since]);
        let named = den.stdout.contains(&format!(": {}=", b.directive));
        if b.in_journal {
            p.check(named, || {
                format!("{ctx}: `denials --since` must name {}=\n{den}", b.directive)
            });
        }
        // The directives `denials` names ("UNIT: Directive= — ...").
        let mut others: Vec<&str> = den
            .stdout
            .lines()
            .filter_map(|l| l.split_once(": ")?.1.split_once("= ").map(|(d, _)| d))
            .collect();
        others.dedup();
        let mut evidence = if named {
            format!("`denials` names {}=", b.directive)
        } else if others.is_empty() {
            "`denials` (journal + kernel) finds nothing".to_string()
        } else {
            format!("`denials` names only {}", others.join(", "))
        };
        if b.id == "c" {
            // The syscall: in apply's cause (from the kernel's audit line, which the exec
            // context can read: it keeps the host's CAP_SYSLOG), in `denials`, and in the
            // host's dmesg.
            p.check(cause.contains("listen"), || {
                format!("{ctx}: the cause does not name the system call listen\n{r}")
            });
            p.check(den.stdout.contains("listen"), || {
                format!("{ctx}: `denials` does not show the kernel's line for listen\n{den}")
            });
            let host = host_seccomp_lines(since_usec(&since));
            let ours = host
                .iter()
                .any(|l| l.contains("comm=\"nginx\"") && l.contains("syscall=50"));
            p.check(ours, || {
                format!("{ctx}: no type=1326 line for nginx/syscall 50 in the host dmesg: {host:?}")
            });
            evidence.push_str("; host dmesg: type=1326 comm=\"nginx\" syscall=50 (listen)");
        }
        lines.push(format!(
            "| ({}) | {} | `{}` | {} | {} | {} |",
            b.id,
            b.daemon.name(),
            b.dropin
                .trim_start_matches("[Service]\n")
                .trim_end()
                .replace('\n', "` + `"),
            b.what,
            cause.trim_start_matches("cause: "),
            evidence
        ));
    }
    lines
}

/// 3. Fault injection at every step of apply, on nginx.
fn faults(tb: &Testbed, p: &mut Problems) {
    let d = NGINX;
    let unit = d.unit;
    let steps = [
        "journal-written",
        "dropin-written",
        "reloaded",
        "restarted",
        "checked",
    ];
    for (i, step) in steps.iter().enumerate() {
        let ctx = format!("fault after {step}");
        // The drop-in in place before: baseline. The run that is interrupted applies strict.
        let r = tb.unitguard(&[], &["apply", unit, "--profile", "baseline"]);
        p.check(r.code == Some(0), || {
            format!("{ctx}: baseline apply failed\n{r}")
        });
        let old = tb.read_file(&dropin_path(unit));
        let old_backup = tb.read_file(&backup_path(unit));
        let new = tb
            .unitguard(&[], &["apply", unit, "--profile", "strict", "--dry-run"])
            .stdout;
        p.check(
            old.is_some() && old.as_deref() != Some(new.as_str()),
            || format!("{ctx}: baseline and strict drop-ins must differ"),
        );

        let r = tb.unitguard(
            &[("UNITGUARD_FAULT_AFTER", step)],
            &["apply", unit, "--profile", "strict"],
        );
        p.check(
            r.code != Some(0)
                && r.code != Some(1)
                && r.stderr
                    .contains(&format!("UNITGUARD_FAULT_AFTER={step}: aborting")),
            || format!("{ctx}: apply must abort\n{r}"),
        );
        let now = tb.read_file(&dropin_path(unit));
        let expected = if *step == "journal-written" {
            old.clone()
        } else {
            Some(new.clone())
        };
        p.check(now == expected, || {
            format!(
                "{ctx}: the drop-in is neither the old nor the complete new file as expected:\n{now:?}"
            )
        });
        let leftovers = tb.sh(&format!("ls -A /etc/systemd/system/{unit}.d/"));
        let listing = String::from_utf8_lossy(&leftovers.stdout).to_string();
        p.check(!listing.contains(".hardening.conf.unitguard-"), || {
            format!("{ctx}: a temporary file was left behind: {listing}")
        });
        let journal = tb.read_file(&journal_path(unit)).unwrap_or_default();
        p.check(journal.contains(&format!("\"step\": \"{step}\"")), || {
            format!("{ctx}: the apply journal does not record the step: {journal:?}")
        });

        if i % 2 == 0 {
            // Repaired by rollback: the old drop-in (and its backup) come back.
            let r = tb.unitguard(&[], &["rollback", unit]);
            p.check(
                r.code == Some(0)
                    && r.stdout.contains(&format!(
                        "repaired an apply interrupted after step '{step}'"
                    )),
                || format!("{ctx}: rollback did not repair from the journal\n{r}"),
            );
            p.check(tb.read_file(&dropin_path(unit)) == old, || {
                format!("{ctx}: rollback did not restore the previous drop-in")
            });
            p.check(tb.read_file(&backup_path(unit)) == old_backup, || {
                format!("{ctx}: rollback did not restore the previous backup")
            });
        } else {
            // Repaired by the next apply, which then applies strict for real.
            let r = tb.unitguard(&[], &["apply", unit, "--profile", "strict"]);
            p.check(
                r.code == Some(0)
                    && r.stderr
                        .contains(&format!("an earlier run stopped at step '{step}'")),
                || format!("{ctx}: the next apply did not repair from the journal\n{r}"),
            );
            p.check(
                tb.read_file(&dropin_path(unit)) == Some(new.clone()),
                || format!("{ctx}: the repeated apply did not install the strict drop-in"),
            );
            p.check(tb.read_file(&backup_path(unit)) == old, || {
                format!("{ctx}: the backup is not the baseline drop-in the strict one replaced")
            });
            let r = tb.unitguard(&[], &["rollback", unit]);
            p.check(
                r.code == Some(0) && tb.read_file(&dropin_path(unit)) == old,
                || format!("{ctx}: rollback did not restore the baseline drop-in\n{r}"),
            );
        }
        p.check(tb.read_file(&journal_path(unit)).is_none(), || {
            format!("{ctx}: the journal is still there after the repair")
        });
        serving(tb, &d, p, &format!("{ctx}, repaired"));
        // Back to the stock unit for the next step.
        let r = tb.unitguard(&[], &["rollback", unit]);
        p.check(
            r.code == Some(0) && tb.read_file(&dropin_path(unit)).is_none(),
            || format!("{ctx}: the final rollback left a drop-in\n{r}"),
        );
        let ok = serving(tb, &d, p, &format!("{ctx}, stock again"));
        eprintln!(
            "{ctx}: drop-in after the abort: {}; repaired by `{}`; {unit} serving: {ok}",
            if *step == "journal-written" {
                "the old one"
            } else {
                "the complete new one"
            },
            if i % 2 == 0 { "rollback" } else { "apply" }
        );
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[test]
fn apply_rollback_denials_and_faults_on_the_testbed() {
    let tb = Testbed::start("ug-apply");
    let version = tb.exec_ok(&["systemctl", "--version"]);
    // Debian 12's systemd 252, or Debian 13's 257 with TB_SUITE=trixie.
    let expected = match std::env::var("TB_SUITE").as_deref() {
        Ok("trixie") => "systemd 257",
        _ => "systemd 252",
    };
    assert!(version.starts_with(expected), "{version}");
    let mut p = Problems::default();

    let rows = profiles(&tb, &mut p);
    let mut table = String::from(
        "| daemon | stock | baseline | works | strict | works |\n|---|---|---|---|---|---|\n",
    );
    for r in &rows {
        table.push_str(&format!(
            "| {} | {:.1} | {} | {} | {}{} | {} |\n",
            r.daemon,
            r.stock,
            fmt_score(r.baseline),
            match (r.baseline, r.baseline_works) {
                (None, _) if r.strict.is_some() && r.daemon.contains(',') => "",
                (_, true) => "yes",
                _ => "NO",
            },
            fmt_score(r.strict),
            if r.strict_args.is_empty() {
                String::new()
            } else {
                format!(" (`{}`)", r.strict_args)
            },
            if r.strict_works { "yes" } else { "NO" },
        ));
    }
    eprintln!("\n{table}");
    let strict: Vec<f64> = rows
        .iter()
        .take(daemons().len())
        .filter_map(|r| r.strict)
        .collect();
    if strict.len() == daemons().len() {
        let m = median(strict);
        eprintln!("median strict score: {m:.1}");
        p.check(m < 2.5, || {
            format!("the median strict score is {m:.1}, not under 2.5")
        });
    }

    let broken = breakages(&tb, &mut p);
    eprintln!(
        "\n| case | daemon | drop-in | what happens | apply's cause | evidence outside apply |\n|---|---|---|---|---|---|"
    );
    for l in &broken {
        eprintln!("{l}");
    }

    faults(&tb, &mut p);

    assert!(
        p.0.is_empty(),
        "{} problem(s) on the test-bed:\n\n{}",
        p.0.len(),
        p.0.join("\n\n")
    );
}
