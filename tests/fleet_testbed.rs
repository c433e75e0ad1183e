//! The fleet commands against real systemd 252 hosts: three test-bed containers
//! (`scripts/testbed`, each renamed), live over D-Bus.
//!
//! * `baseline save` live, then a regression made on purpose (a drop-in loosening redis):
//!   `baseline diff` exits 1 and names it, with the container's own systemd-analyze numbers;
//! * `checklist` live against a hand count from the container itself: custom units by
//!   `dpkg -S`, long-running daemons by `systemctl list-units` and `systemctl show -p Type`,
//!   the core directives by `systemctl show`;
//! * `denials --install`: the service runs, a deliberate denial (a transient service writing
//!   under ProtectSystem=strict) reaches the journal with its UNITGUARD_* fields and the
//!   NDJSON file, and the shipped rsyslog rule writes it to a file;
//! * the Ansible play (dist/ansible/collect.yml) collects all three over SSH and builds the
//!   report; the report of those three and 1,000 synthetic hosts is opened in Debian's
//!   chromium through playwright-core, its rendered counts checked, and screenshots of the
//!   overview and a drill-down kept in target/fleet-report/.
//!
//! Needs root, systemd-nspawn, ansible-core, chromium, node and tests/browser's node_modules
//! (scripts/test installs them). It never skips.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

mod testbed_support;

use testbed_support::{BIN_IN_CONTAINER, Testbed};

const MESSAGE_ID: &str = "9e23cb3946b745a1835dcadee3065729";

fn rename(tb: &Testbed, name: &str) {
    tb.write_file("/etc/hostname", &format!("{name}\n"));
    tb.exec_ok(&["hostname", name]);
}

fn ug_json(tb: &Testbed, args: &[&str]) -> (Option<i32>, Value) {
    let r = tb.unitguard(&[], args);
    let v = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r}"));
    (r.code, v)
}

fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<String>) -> String {
    let t0 = Instant::now();
    loop {
        if let Some(s) = f() {
            return s;
        }
        assert!(t0.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// `systemctl show -p P1,P2 UNIT` as a map.
fn show(tb: &Testbed, unit: &str, props: &[&str]) -> BTreeMap<String, String> {
    tb.exec_ok(&["systemctl", "show", "-p", &props.join(","), unit])
        .lines()
        .filter_map(|l| {
            l.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// The hand count of points 2 and 3's units, from the container's own tools.
fn hand_count(tb: &Testbed) -> (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>) {
    let loaded = tb.exec_ok(&[
        "systemctl",
        "list-units",
        "--type=service",
        "--all",
        "--plain",
        "--no-legend",
        "--no-pager",
    ]);
    let mut custom = BTreeSet::new();
    let mut daemons = BTreeSet::new();
    let mut custom_gaps = BTreeSet::new();
    for line in loaded.lines() {
        let mut w = line.split_whitespace();
        let (Some(unit), Some(load), Some(active)) = (w.next(), w.next(), w.next()) else {
            continue;
        };
        if load != "loaded" {
            continue;
        }
        let p = show(
            tb,
            unit,
            &[
                "Type",
                "FragmentPath",
                "NoNewPrivileges",
                "ProtectSystem",
                "ProtectHome",
                "PrivateTmp",
                "PrivateDevices",
                "ProtectKernelTunables",
                "ProtectKernelModules",
                "ProtectControlGroups",
            ],
        );
        if p["Type"] != "oneshot" && active == "active" {
            daemons.insert(unit.to_string());
        }
        let frag = &p["FragmentPath"];
        let under = ["/etc/", "/usr/local/", "/opt/"]
            .iter()
            .any(|x| frag.starts_with(x));
        if under && !tb.exec(&["dpkg", "-S", frag]).status.success() {
            custom.insert(unit.to_string());
            let ok = p["NoNewPrivileges"] == "yes"
                && p["ProtectSystem"] == "strict"
                && p["ProtectHome"] != "no"
                && [
                    "PrivateTmp",
                    "PrivateDevices",
                    "ProtectKernelTunables",
                    "ProtectKernelModules",
                    "ProtectControlGroups",
                ]
                .iter()
                .all(|k| p[*k] == "yes");
            if !ok {
                custom_gaps.insert(unit.to_string());
            }
        }
    }
    (custom, daemons, custom_gaps)
}

fn units_of(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["unit"].as_str().unwrap().to_string())
        .collect()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn fleet_of_three_testbed_hosts() {
    let hosts = [
        Testbed::start("fleet-a"),
        Testbed::start("fleet-b"),
        Testbed::start("fleet-c"),
    ];
    let names = ["fleet-a", "fleet-b", "fleet-c"];
    for (tb, n) in hosts.iter().zip(names) {
        rename(tb, n);
    }
    let [a, b, c] = &hosts;
    let work = tempfile::tempdir().unwrap();

    // --- baseline live on A, then a regression on purpose -------------------------------
    let r = a.unitguard(&[], &["baseline", "save", "-o", "/root/baseline.txt"]);
    assert_eq!(r.code, Some(0), "{r}");
    let base = a.read_file("/root/baseline.txt").unwrap();
    assert!(
        base.contains("# host: fleet-a\n") && base.contains("# mode: live\n"),
        "{base}"
    );
    assert!(base.contains("# systemd: 252"), "{base}");
    let redis_before = a.score("redis-server.service");
    assert!(
        base.contains(&format!("\nredis-server.service {redis_before:.1} ")),
        "{base}"
    );
    let r = a.unitguard(&[], &["baseline", "diff", "/root/baseline.txt"]);
    assert_eq!(r.code, Some(0), "{r}");
    a.write_file(
        "/etc/systemd/system/redis-server.service.d/loosen.conf",
        "[Service]\nPrivateTmp=no\nProtectSystem=no\nNoNewPrivileges=no\n",
    );
    a.exec_ok(&["systemctl", "daemon-reload"]);
    let redis_after = a.score("redis-server.service");
    assert!(redis_after > redis_before);
    let r = a.unitguard(&[], &["baseline", "diff", "/root/baseline.txt"]);
    assert_eq!(r.code, Some(1), "{r}");
    assert!(
        r.stdout
            .contains(&format!("redis-server.service {redis_before:.1} "))
            && r.stdout.contains(&format!("-> {redis_after:.1} ")),
        "{r}"
    );
    assert!(
        r.stdout.contains("now failing:") && r.stdout.contains("PrivateTmp="),
        "{r}"
    );
    std::fs::write(work.path().join("fleet-a.txt"), &base).unwrap();

    // --- B: the denials service, a real denial, the rsyslog rule -------------------------
    let r = b.unitguard(&[], &["denials", "--install"]);
    assert_eq!(r.code, Some(0), "{r}");
    assert!(
        b.wait_active("unitguard-denials.service", Duration::from_secs(20)),
        "{}",
        b.diagnose("unitguard-denials.service")
    );
    let unit = b
        .read_file("/etc/systemd/system/unitguard-denials.service")
        .unwrap();
    assert!(
        unit.contains(&format!(
            "ExecStart={BIN_IN_CONTAINER} denials --follow --journal"
        )),
        "{unit}"
    );
    assert!(b.score("unitguard-denials.service") < 1.0);
    let rule =
        std::fs::read_to_string(repo().join("dist/rsyslog/60-unitguard-denials.conf")).unwrap();
    b.write_file("/etc/rsyslog.d/60-unitguard-denials.conf", &rule);
    b.exec_ok(&["systemctl", "restart", "rsyslog.service"]);
    assert!(
        b.wait_active("rsyslog.service", Duration::from_secs(20)),
        "{}",
        b.diagnose("rsyslog.service")
    );
    std::thread::sleep(Duration::from_secs(2));
    // The denial: a service under ProtectSystem=strict writes below /usr.
    let out = b.exec(&[
        "systemd-run",
        "--wait",
        "--unit=ug-deny",
        "-p",
        "ProtectSystem=strict",
        "python3",
        "-c",
        "open('/usr/lib/ug-denied', 'w')",
    ]);
    assert!(!out.status.success(), "the write must be refused");
    let entry = wait_for(
        "the denial entry in the journal",
        Duration::from_secs(30),
        || {
            let o = b.exec(&[
                "journalctl",
                "-o",
                "json",
                "--no-pager",
                &format!("MESSAGE_ID={MESSAGE_ID}"),
            ]);
            let t = String::from_utf8_lossy(&o.stdout).to_string();
            t.lines()
                .find(|l| l.contains("ug-deny.service"))
                .map(str::to_string)
        },
    );
    let e: Value = serde_json::from_str(&entry).unwrap();
    assert_eq!(e["UNITGUARD_UNIT"], "ug-deny.service", "{e:#}");
    assert_eq!(e["UNITGUARD_DIRECTIVE"], "ProtectSystem", "{e:#}");
    assert_eq!(e["UNITGUARD_COMM"], "python3", "{e:#}");
    assert_eq!(e["UNITGUARD_SCHEMA"], "unitguard.denial/1", "{e:#}");
    assert_eq!(e["PRIORITY"], "4");
    assert_eq!(e["_SYSTEMD_UNIT"], "unitguard-denials.service", "{e:#}");
    assert!(
        e["UNITGUARD_FIX"]
            .as_str()
            .unwrap()
            .contains("ReadWritePaths=/usr/lib"),
        "{e:#}"
    );
    assert!(
        e["UNITGUARD_MESSAGE"]
            .as_str()
            .unwrap()
            .contains("Read-only file system"),
        "{e:#}"
    );
    assert!(
        e["UNITGUARD_PID"].as_str().unwrap().parse::<u32>().is_ok(),
        "{e:#}"
    );
    let nd = wait_for("the NDJSON line", Duration::from_secs(10), || {
        b.read_file("/var/log/unitguard/denials.ndjson")
            .and_then(|t| {
                t.lines()
                    .find(|l| l.contains("ug-deny.service"))
                    .map(str::to_string)
            })
    });
    let n: Value = serde_json::from_str(&nd).unwrap();
    assert_eq!(
        (n["schema"].as_str(), n["host"].as_str(), n["unit"].as_str()),
        (
            Some("unitguard.denial/1"),
            Some("fleet-b"),
            Some("ug-deny.service")
        )
    );
    assert_eq!(
        n["pid"].as_u64().map(|p| p.to_string()).as_deref(),
        e["UNITGUARD_PID"].as_str()
    );
    assert!(n["timestamp"].as_str().unwrap().ends_with('Z'));
    let logged = wait_for("rsyslog's file", Duration::from_secs(20), || {
        b.read_file("/var/log/unitguard-denials.json")
            .and_then(|t| {
                t.lines()
                    .find(|l| l.contains("ug-deny.service"))
                    .map(str::to_string)
            })
    });
    let l: Value = serde_json::from_str(&logged).unwrap_or_else(|e| panic!("{e}: {logged}"));
    assert_eq!(l["UNITGUARD_DIRECTIVE"], "ProtectSystem", "{l:#}");
    assert_eq!(l["MESSAGE_ID"], MESSAGE_ID);
    // Nothing else went to that file (imjournal stops there), and the service did not
    // find its own entries again.
    let file = b.read_file("/var/log/unitguard-denials.json").unwrap();
    assert!(file.lines().all(|x| x.contains(MESSAGE_ID)), "{file}");
    let count = b.exec_ok(&[
        "sh",
        "-c",
        &format!("journalctl -o cat --no-pager MESSAGE_ID={MESSAGE_ID} | wc -l"),
    ]);
    assert_eq!(count.trim(), "1", "one denial, one entry");

    // --- B's checklist against the hand count ---------------------------------------------
    // B: the core directives on every custom unit that lacks them (pyapp, the test-bed's
    // Node.js app), so that point 2 passes there.
    let core = "[Service]\nNoNewPrivileges=yes\nProtectSystem=strict\nProtectHome=yes\nPrivateTmp=yes\nPrivateDevices=yes\nProtectKernelTunables=yes\nProtectKernelModules=yes\nProtectControlGroups=yes\n";
    let (_, _, gaps_b) = hand_count(b);
    assert!(gaps_b.contains("pyapp.service"), "{gaps_b:?}");
    for unit in &gaps_b {
        let extra = if unit == "pyapp.service" {
            "ReadWritePaths=/var/lib/pyapp\n"
        } else {
            ""
        };
        b.write_file(
            &format!("/etc/systemd/system/{unit}.d/core.conf"),
            &format!("{core}{extra}"),
        );
    }
    b.exec_ok(&["systemctl", "daemon-reload"]);
    b.exec_ok(&["systemctl", "restart", "pyapp.service"]);
    for (tb, base) in [(a, Some("/root/baseline.txt")), (b, None), (c, None)] {
        let mut args = vec!["checklist", "--json"];
        if let Some(p) = base {
            args.extend(["--baseline", p]);
        }
        let (code, v) = ug_json(tb, &args);
        let (custom, daemons, gaps) = hand_count(tb);
        let p = &v["points"];
        assert_eq!(
            p[1]["judged"].as_u64(),
            Some(custom.len() as u64),
            "{}: {v:#}\ncustom {custom:?}",
            tb.name
        );
        assert_eq!(units_of(&p[1]["failing"]), gaps, "{}: {v:#}", tb.name);
        assert_eq!(
            p[2]["judged"].as_u64(),
            Some(daemons.len() as u64),
            "{}: {v:#}\ndaemons {daemons:?}",
            tb.name
        );
        assert!(units_of(&p[2]["failing"]).is_subset(&daemons));
        // Units with no syscall filter at all fail point 3.
        for d in &daemons {
            if show(tb, d, &["SystemCallFilter"])["SystemCallFilter"].is_empty() {
                assert!(
                    units_of(&p[2]["failing"]).contains(d),
                    "{}: {d} has no filter: {v:#}",
                    tb.name
                );
            }
        }
        let score = p
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["pass"] == true)
            .count();
        assert_eq!(v["score"].as_u64(), Some(score as u64));
        let verdict = match score {
            5 => "PASS",
            3 | 4 => "WARN",
            _ => "FAIL",
        };
        assert_eq!(v["verdict"], verdict);
        assert_eq!(code, Some(if score == 5 { 0 } else { 1 }));
    }
    let (_, vb) = ug_json(b, &["checklist", "--json"]);
    assert_eq!(vb["points"][4]["pass"], true, "{vb:#}");
    assert!(
        units_of(&vb["points"][1]["failing"]).is_empty(),
        "pyapp and the denials service pass point 2: {vb:#}"
    );
    let (_, vc) = ug_json(c, &["checklist", "--json"]);
    assert_eq!(vc["points"][4]["pass"], false);
    let (_, _, gaps_c) = hand_count(c);
    assert!(gaps_c.contains("pyapp.service"), "{gaps_c:?}");
    assert_eq!(units_of(&vc["points"][1]["failing"]), gaps_c);

    // --- Ansible: collect all three over SSH, then the report ------------------------------
    let key = work.path().join("id_ed25519");
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(ok.success());
    let pubkey = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let state = std::env::var("TB_STATE").unwrap_or_else(|_| "/var/tmp/unitguard-testbed".into());
    let mut inv = String::from("[fleet]\n");
    for (tb, n) in hosts.iter().zip(names) {
        tb.write_file("/root/.ssh/authorized_keys", &pubkey);
        tb.exec_ok(&["chmod", "-R", "go-rwx", "/root/.ssh"]);
        let leader = std::fs::read_to_string(format!("{state}/run/{}/leader", tb.name)).unwrap();
        inv += &format!(
            // ansible_host: only a name here (the ProxyCommand connects), but one of its own per
            // host, or Ansible's shared SSH connection (keyed by host) goes to the first container.
            "{n} ansible_host={n}.testbed ansible_user=root ansible_python_interpreter=/usr/bin/python3 ansible_ssh_private_key_file={} ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ProxyCommand=\"nsenter -t {} -n nc 127.0.0.1 22\"'\n",
            key.display(),
            leader.trim()
        );
    }
    std::fs::write(work.path().join("inventory.ini"), &inv).unwrap();
    let out = work.path().join("fleet");
    let t0 = Instant::now();
    let play = Command::new("ansible-playbook")
        .arg("-i")
        .arg(work.path().join("inventory.ini"))
        .arg(repo().join("dist/ansible/collect.yml"))
        .arg("-e")
        .arg(format!(
            "unitguard_binary={}",
            env!("CARGO_BIN_EXE_unitguard")
        ))
        .arg("-e")
        .arg(format!("unitguard_baselines={}", work.path().display()))
        .arg("-e")
        .arg(format!("unitguard_out={}", out.display()))
        .arg("-f")
        .arg("3")
        .env("ANSIBLE_HOST_KEY_CHECKING", "False")
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .expect("run ansible-playbook (ansible-core)");
    let play_log = format!(
        "{}{}",
        String::from_utf8_lossy(&play.stdout),
        String::from_utf8_lossy(&play.stderr)
    );
    // Only fleet-a has a baseline file; the play's copy step must be conditional per host.
    assert!(
        play.status.success() || play_log.contains("fleet-a"),
        "{play_log}"
    );
    eprintln!("ansible-playbook took {:.1}s", t0.elapsed().as_secs_f64());
    assert!(play.status.success(), "{play_log}");
    let mut collected = BTreeMap::new();
    for (tb, n) in hosts.iter().zip(names) {
        let p = out.join(format!("hosts/{n}.json"));
        let v: Value = serde_json::from_slice(
            &std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}\n{play_log}", p.display())),
        )
        .unwrap();
        assert_eq!(v["host"]["host"], n);
        assert_eq!(v["host"]["mode"], "live");
        // Every loaded service of the container, as systemctl counts them.
        let count = tb.exec_ok(&["sh", "-c", "systemctl list-units --type=service --all --plain --no-legend --no-pager | awk '$2 == \"loaded\"' | wc -l"]);
        assert_eq!(
            v["units"].as_array().unwrap().len(),
            count.trim().parse::<usize>().unwrap(),
            "{n}"
        );
        collected.insert(n.to_string(), v);
    }
    assert!(out.join("report.html").is_file(), "{play_log}");
    assert_eq!(
        collected["fleet-a"]["checklist"]["points"][0]["pass"], true,
        "the baseline copied by the play lists every unit"
    );
    assert_eq!(
        collected["fleet-b"]["checklist"]["points"][0]["pass"],
        false
    );
    drop(hosts);

    // --- the report: the three collected hosts and 1,000 synthetic ones, in a browser ------
    let dir = work.path().join("states");
    std::fs::create_dir_all(&dir).unwrap();
    let mut expect_units = BTreeMap::new();
    let mut expect_verdict = BTreeMap::new();
    for (n, v) in &collected {
        std::fs::write(
            dir.join(format!("{n}.json")),
            serde_json::to_vec_pretty(v).unwrap(),
        )
        .unwrap();
        expect_units.insert(n.clone(), v["units"].as_array().unwrap().len());
        expect_verdict.insert(
            n.clone(),
            v["checklist"]["verdict"].as_str().unwrap().to_string(),
        );
    }
    let templates: Vec<&Value> = collected.values().collect();
    for i in 0..1000u64 {
        let mut v = templates[(i % 3) as usize].clone();
        let name = format!("synthetic-{i:04}");
        v["host"]["host"] = Value::from(name.clone());
        // Some units gone (never nginx, the drill-down checked below), some scores changed.
        let units: Vec<Value> = v["units"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .filter(|(k, u)| u["unit"] == "nginx.service" || (i * 31 + *k as u64 * 17) % 9 != 0)
            .map(|(k, u)| {
                let mut u = u.clone();
                if (i + k as u64) % 5 == 0 {
                    let x = ((i * 7 + k as u64 * 13) % 101) as f64 / 10.0;
                    u["exposure"] = Value::from(x);
                    u["label"] = Value::from(label(x));
                }
                u
            })
            .collect();
        v["units"] = Value::from(units);
        let mut score = 0;
        for (k, p) in v["checklist"]["points"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .enumerate()
        {
            let pass = (i >> k) & 1 == 1 || (i % 11 == 0);
            p["pass"] = Value::from(pass);
            score += usize::from(pass);
        }
        let verdict = match score {
            5 => "PASS",
            3 | 4 => "WARN",
            _ => "FAIL",
        };
        v["checklist"]["score"] = Value::from(score);
        v["checklist"]["verdict"] = Value::from(verdict);
        expect_units.insert(name.clone(), v["units"].as_array().unwrap().len());
        expect_verdict.insert(name.clone(), verdict.to_string());
        std::fs::write(
            dir.join(format!("{name}.json")),
            serde_json::to_vec(&v).unwrap(),
        )
        .unwrap();
    }
    let html = work.path().join("report.html");
    let t0 = Instant::now();
    let r = Command::new(env!("CARGO_BIN_EXE_unitguard"))
        .arg("report")
        .arg(&dir)
        .arg("--html")
        .arg(&html)
        .arg("--baseline")
        .arg(work.path())
        .output()
        .unwrap();
    assert!(r.status.success(), "{r:?}");
    eprintln!(
        "report of 1003 hosts: {:.1}s, {} KiB",
        t0.elapsed().as_secs_f64(),
        std::fs::metadata(&html).unwrap().len() / 1024
    );
    let shots = repo().join("target/fleet-report");
    std::fs::create_dir_all(&shots).unwrap();
    std::fs::copy(&html, shots.join("report.html")).unwrap();
    let node = Command::new("node")
        .arg(repo().join("tests/browser/check-report.mjs"))
        .arg(&html)
        .arg(&shots)
        .arg("nginx.service")
        .output()
        .expect("run node (tests/browser)");
    assert!(
        node.status.success(),
        "{}{}",
        String::from_utf8_lossy(&node.stdout),
        String::from_utf8_lossy(&node.stderr)
    );
    let dom: Value = serde_json::from_slice(&node.stdout).unwrap();
    let total: usize = expect_units.values().sum();
    assert_eq!(dom["hosts"], 1003);
    assert_eq!(dom["hostsCard"], 1003);
    assert_eq!(dom["unitsCard"].as_u64(), Some(total as u64));
    assert_eq!(
        dom["histogramBars"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_u64().unwrap())
            .sum::<u64>(),
        total as u64
    );
    assert_eq!(dom["histogramVisible"], true);
    assert_eq!(dom["checklistRows"], 1003);
    for (host, n) in &expect_units {
        let row = &dom["perHost"][host];
        assert_eq!(row["units"].as_u64(), Some(*n as u64), "{host}");
        assert_eq!(
            row["verdict"].as_str(),
            Some(expect_verdict[host].as_str()),
            "{host}"
        );
        assert!(
            row["shownVerdict"]
                .as_str()
                .unwrap()
                .ends_with(expect_verdict[host].as_str()),
            "{host}"
        );
    }
    for v in ["PASS", "WARN", "FAIL"] {
        let n = expect_verdict.values().filter(|x| *x == v).count();
        assert_eq!(dom["verdictCards"][v].as_u64(), Some(n as u64), "{v}");
    }
    // fleet-a's regression (the loosened redis) is listed, and nothing for hosts without a baseline.
    assert_eq!(
        dom["regressions"],
        serde_json::json!([["fleet-a", "redis-server.service"]])
    );
    assert_eq!(dom["drillOpen"], true);
    assert_eq!(dom["drillHosts"], 1003);
    assert!(dom["drillChecks"].as_u64().unwrap() > 0);
    assert!(
        dom["drillFixes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "ProtectSystem=strict"),
        "{dom}"
    );
    assert_eq!(
        dom["requests"],
        serde_json::json!([]),
        "the page fetched something"
    );
}

fn label(x: f64) -> &'static str {
    match (x * 10.0).round() as u64 {
        100.. => "DANGEROUS",
        90..=99 => "UNSAFE",
        75..=89 => "EXPOSED",
        50..=74 => "MEDIUM",
        10..=49 => "OK",
        1..=9 => "SAFE",
        0 => "PERFECT",
    }
}
