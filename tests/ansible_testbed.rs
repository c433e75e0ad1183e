//! `unitguard ansible`'s role against three real hosts: test-bed containers (`scripts/testbed`;
//! two Debian 12 with systemd 252, one Debian 13 with systemd 257) reached by ansible-core from
//! PyPI over SSH, through a ProxyCommand into each container's network namespace.
//!
//! The role is generated on the first host (the staging host) from its live units, then:
//! * `--check --diff` shows the drop-ins and changes nothing;
//! * the rollout hardens all three hosts, canary first; every daemon answers from outside
//!   the container (curl, nc in its network namespace); on the 252 hosts systemd-analyze's
//!   exposure of every unit is the one unitguard predicted (offline; live never higher), on
//!   the 257 host (no unitguard there: the role reads systemd-analyze) it is never higher than
//!   before;
//! * a second run changes nothing (changed=0 on every host);
//! * a role with a deliberately broken nginx drop-in fails on the canary: the rollout stops
//!   before the other hosts, the canary's nginx drop-in is removed and nginx serves again;
//! * the rollback playbook removes every drop-in: the scores are back where they started and
//!   everything serves.
//!
//! Needs root, systemd-nspawn, ssh-keygen, nc, curl and scripts/install-ansible (scripts/test
//! installs them). It never skips.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

mod testbed_support;

use testbed_support::{BIN_IN_CONTAINER, Testbed};

const UNITS: [&str; 4] = [
    "nginx.service",
    "redis-server.service",
    "memcached.service",
    "pyapp.service",
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ansible_bin() -> PathBuf {
    let out = Command::new(repo().join("scripts/install-ansible"))
        .output()
        .expect("run scripts/install-ansible");
    assert!(
        out.status.success(),
        "scripts/install-ansible failed (ansible-core from PyPI is required):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .unwrap()
            .trim(),
    )
}

/// The PID of the container's init, whose namespaces the host-side tools enter.
fn leader(tb: &Testbed) -> String {
    let state = std::env::var("TB_STATE").unwrap_or_else(|_| "/var/tmp/unitguard-testbed".into());
    std::fs::read_to_string(format!("{state}/run/{}/leader", tb.name))
        .unwrap()
        .trim()
        .to_string()
}

/// A shell command on this machine, in the container's network namespace only: the
/// daemon is asked from outside the container, as a client on the network would.
fn outside(pid: &str, script: &str) -> Output {
    Command::new("nsenter")
        .args(["-t", pid, "-n", "timeout", "10", "sh", "-c", script])
        .output()
        .expect("run nsenter")
}

/// Each daemon's answer from outside, or why there is none.
fn serves(pid: &str, unit: &str) -> Result<(), String> {
    let (script, want) = match unit {
        "nginx.service" => (
            "curl -sS -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1/",
            "200",
        ),
        // GET / writes /var/lib/pyapp/state.json: 200 only when that stays writable.
        "pyapp.service" => (
            "curl -sS -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:8000/",
            "200",
        ),
        "redis-server.service" => (
            "printf 'SET ug 1\\r\\nGET ug\\r\\nQUIT\\r\\n' | nc -w 3 127.0.0.1 6379 | tr -d '\\r' | tr '\\n' ' '",
            "+OK $1 1 +OK",
        ),
        "memcached.service" => (
            "printf 'set ug 0 0 2\\r\\nok\\r\\nget ug\\r\\nquit\\r\\n' | nc -w 3 127.0.0.1 11211 | tr -d '\\r' | tr '\\n' ' '",
            "STORED VALUE ug 0 2 ok END",
        ),
        _ => unreachable!(),
    };
    let o = outside(pid, script);
    let got = String::from_utf8_lossy(&o.stdout).trim().to_string();
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "{unit}: {got:?} (want {want:?}) {}",
            String::from_utf8_lossy(&o.stderr)
        ))
    }
}

/// Every daemon of the host answers (retried for a few seconds after a restart).
fn all_serve(tb: &Testbed, pid: &str) {
    for u in UNITS {
        let t0 = Instant::now();
        loop {
            match serves(pid, u) {
                Ok(()) => break,
                Err(e) if t0.elapsed() > Duration::from_secs(20) => {
                    panic!("{}: {e}\n{}", tb.name, tb.diagnose(u))
                }
                Err(_) => std::thread::sleep(Duration::from_millis(500)),
            }
        }
    }
}

fn tenths(x: f64) -> u64 {
    (x * 10.0).round() as u64
}

/// systemd-analyze's offline number (the unit files as they are on disk), in tenths. unitguard
/// predicts this one; the live number can be lower, as systemd's live view counts settings the
/// manager implies (PrivateMounts= with a mount namespace: redis 1.2 offline, 1.1 live).
fn offline_score(tb: &Testbed, unit: &str) -> u64 {
    let t = tb.exec_ok(&[
        "systemd-analyze",
        "security",
        "--offline=true",
        "--no-pager",
        unit,
    ]);
    let line = t
        .lines()
        .find(|l| l.contains("Overall exposure level for"))
        .unwrap_or_else(|| panic!("{unit}: {t}"));
    let n = line
        .rsplit(": ")
        .next()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    tenths(n.parse().unwrap())
}

fn main_pid(tb: &Testbed, unit: &str) -> String {
    tb.exec_ok(&["systemctl", "show", "-p", "MainPID", "--value", unit])
        .trim()
        .to_string()
}

fn dropin(tb: &Testbed, unit: &str) -> Option<String> {
    tb.read_file(&format!("/etc/systemd/system/{unit}.d/hardening.conf"))
}

struct Play {
    ok: bool,
    log: String,
}

impl Play {
    /// The hosts a task reported `ok:` for (in any of its runs).
    fn ok_hosts(&self, task: &str) -> Vec<String> {
        let mut hosts: Vec<String> = self
            .log
            .split("\nTASK [")
            .filter(|block| block.lines().next().is_some_and(|l| l.contains(task)))
            .flat_map(|block| block.lines().filter_map(|l| l.strip_prefix("ok: [")))
            .filter_map(|l| l.split(']').next().map(str::to_string))
            .collect();
        hosts.sort();
        hosts.dedup();
        hosts
    }

    /// The PLAY RECAP counters of a host (`ok`, `changed`, `failed`, ...), if it ran.
    fn recap(&self, host: &str) -> Option<BTreeMap<String, u64>> {
        let line = self
            .log
            .lines()
            .skip_while(|l| !l.starts_with("PLAY RECAP"))
            .find(|l| l.split_whitespace().next() == Some(host))?;
        Some(
            line.split_whitespace()
                .filter_map(|w| w.split_once('='))
                .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
                .collect(),
        )
    }
}

#[test]
fn role_rolls_out_verifies_and_rolls_back_on_three_hosts() {
    let bin = ansible_bin();
    let hosts = [
        Testbed::start("ansible-a"),
        Testbed::start("ansible-b"),
        // Debian 13: systemd 257, while the role is predicted on 252.
        Testbed::start_suite("ansible-c", Some("trixie")),
    ];
    let versions: Vec<u32> = hosts
        .iter()
        .map(|tb| {
            tb.exec_ok(&["systemctl", "--version"])
                .split_whitespace()
                .nth(1)
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(versions, [252, 252, 257]);
    let names = ["host-a", "host-b", "host-c"];
    let pids: Vec<String> = hosts.iter().map(leader).collect();
    let work = tempfile::tempdir().unwrap();

    // --- before: every daemon serves; systemd's scores ----------------------------------------
    let mut before = BTreeMap::new();
    let mut before_offline = BTreeMap::new();
    for (tb, pid) in hosts.iter().zip(&pids) {
        all_serve(tb, pid);
        for u in UNITS {
            assert!(dropin(tb, u).is_none());
            before.insert((tb.name.clone(), u), tenths(tb.score(u)));
            before_offline.insert((tb.name.clone(), u), offline_score(tb, u));
        }
    }

    // --- the role, made on the staging host from its live units ------------------------------
    let a = &hosts[0];
    let mut args = vec!["ansible"];
    args.extend(UNITS);
    args.extend([
        "--smoke",
        "redis-server.service=redis-cli -h 127.0.0.1 ping | grep -qx PONG",
        "--out",
        "/root/fleet",
    ]);
    let r = a.unitguard(&[], &args);
    assert_eq!(r.code, Some(0), "{r}");
    let fleet = work.path().join("fleet");
    let cp = Command::new("cp")
        .arg("-a")
        .arg(format!("/proc/{}/root/root/fleet", pids[0]))
        .arg(&fleet)
        .status()
        .unwrap();
    assert!(cp.success());
    let defaults: Value = {
        let o = Command::new(bin.join("python"))
            .args([
                "-c",
                "import json, sys\nfrom ansible.parsing.utils.yaml import from_yaml\n\
                 print(json.dumps(from_yaml(open(sys.argv[1]).read())))",
            ])
            .arg(fleet.join("roles/unitguard/defaults/main.yml"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let predicted: BTreeMap<String, (u64, u64)> = defaults["unitguard_units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["name"].as_str().unwrap().to_string(),
                (
                    tenths(u["exposure_before"].as_f64().unwrap()),
                    tenths(u["exposure_expected"].as_f64().unwrap()),
                ),
            )
        })
        .collect();
    for u in UNITS {
        let (b, e) = predicted[u];
        assert_eq!(
            b,
            before_offline[&(a.name.clone(), u)],
            "{u}: before as systemd-analyze says"
        );
        assert!(e < b, "{u}: {b} -> {e}");
    }

    // --- inventory: SSH through each container's network namespace ---------------------------
    let key = work.path().join("id_ed25519");
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(ok.success());
    let pubkey = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let mut inv = String::from("[fleet]\n");
    for (i, ((tb, n), pid)) in hosts.iter().zip(names).zip(&pids).enumerate() {
        tb.write_file("/root/.ssh/authorized_keys", &pubkey);
        tb.exec_ok(&["chmod", "-R", "go-rwx", "/root/.ssh"]);
        // host-c has no unitguard: its exposure check reads systemd-analyze instead.
        let binary = if i == 2 {
            "/nonexistent/unitguard"
        } else {
            BIN_IN_CONTAINER
        };
        inv += &format!(
            "{n} ansible_host={n}.testbed ansible_user=root ansible_python_interpreter=/usr/bin/python3 \
             unitguard_binary={binary} ansible_ssh_private_key_file={} \
             ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ProxyCommand=\"nsenter -t {pid} -n nc 127.0.0.1 22\"'\n",
            key.display()
        );
    }
    let inventory = work.path().join("inventory.ini");
    std::fs::write(&inventory, &inv).unwrap();
    let play = |dir: &Path, playbook: &str, extra: &[&str]| -> Play {
        let t0 = Instant::now();
        let o = Command::new(bin.join("ansible-playbook"))
            .arg("-i")
            .arg(&inventory)
            .arg(dir.join(playbook))
            .args(extra)
            .args(["-f", "3"])
            .env("ANSIBLE_HOST_KEY_CHECKING", "False")
            .env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_PIPELINING", "1")
            .output()
            .expect("run ansible-playbook");
        eprintln!(
            "ansible-playbook {playbook} {extra:?}: {:.1}s",
            t0.elapsed().as_secs_f64()
        );
        Play {
            ok: o.status.success(),
            log: text(&o),
        }
    };

    // --- --check --diff: the drop-ins shown, nothing changed ---------------------------------
    let pids_before: Vec<Vec<String>> = hosts
        .iter()
        .map(|tb| UNITS.iter().map(|u| main_pid(tb, u)).collect())
        .collect();
    let p = play(&fleet, "rollout.yml", &["--check", "--diff"]);
    assert!(p.ok, "{}", p.log);
    assert!(
        p.log
            .contains("+# /etc/systemd/system/nginx.service.d/hardening.conf"),
        "{}",
        p.log
    );
    for (i, tb) in hosts.iter().enumerate() {
        assert!(p.recap(names[i]).unwrap()["changed"] > 0, "{}", p.log);
        for (j, u) in UNITS.iter().enumerate() {
            assert!(dropin(tb, u).is_none(), "--check wrote {u}'s drop-in");
            assert_eq!(main_pid(tb, u), pids_before[i][j], "--check restarted {u}");
        }
    }

    // --- the rollout: every host hardened, serving, scored as predicted ----------------------
    let p = play(&fleet, "rollout.yml", &[]);
    assert!(p.ok, "{}", p.log);
    // The canary alone first, then the batches.
    let batches: Vec<&str> = p
        .log
        .lines()
        .filter(|l| l.starts_with("TASK [Deploy and verify the drop-ins]"))
        .collect();
    assert_eq!(batches.len(), 3, "three batches of one host: {}", p.log);
    let first_ok = p.log.find("ok: [host-a]").unwrap();
    assert!(
        p.log[..first_ok].find("[host-b]").is_none(),
        "host-a is the canary"
    );
    let templates = fleet.join("roles/unitguard/templates");
    for (i, (tb, pid)) in hosts.iter().zip(&pids).enumerate() {
        let rc = p.recap(names[i]).unwrap();
        assert_eq!(rc["failed"], 0, "{}", p.log);
        for u in UNITS {
            let made = std::fs::read_to_string(templates.join(format!("{u}.conf.j2"))).unwrap();
            assert_eq!(
                dropin(tb, u).as_deref(),
                Some(made.as_str()),
                "{}: {u}",
                tb.name
            );
            let was = before[&(tb.name.clone(), u)];
            if versions[i] != 252 {
                // Predicted for 252: here the bar is the unit's own exposure before.
                let live = tenths(tb.score(u));
                eprintln!(
                    "{} (systemd {}): {u}: live {was} -> {live}",
                    tb.name, versions[i]
                );
                assert!(live <= was, "{}: {u}: live {was} -> {live}", tb.name);
                if ["nginx.service", "pyapp.service"].contains(&u) {
                    assert!(live < was, "{}: {u}: live {was} -> {live}", tb.name);
                }
                assert_eq!(tb.active_state(u), "active");
                continue;
            }
            let offline = offline_score(tb, u);
            assert_eq!(
                offline, predicted[u].1,
                "{}: {u}: systemd-analyze --offline=true says {offline}, unitguard predicted {}",
                tb.name, predicted[u].1
            );
            let live = tenths(tb.score(u));
            eprintln!(
                "{}: {u}: live {} -> {live}, offline {} -> {offline}",
                tb.name,
                before[&(tb.name.clone(), u)],
                before_offline[&(tb.name.clone(), u)]
            );
            assert!(live <= predicted[u].1, "{}: {u}: live {live}", tb.name);
            // redis's baseline drop-in is mostly what systemd already implies live
            // (PrivateMounts=): its live number may stay where it was, never rise.
            assert!(live <= was, "{}: {u}: live {was} -> {live}", tb.name);
            if ["nginx.service", "pyapp.service"].contains(&u) {
                assert!(live < was, "{}: {u}: live {was} -> {live}", tb.name);
            }
            assert_eq!(tb.active_state(u), "active");
        }
        all_serve(tb, pid);
    }
    assert!(
        p.log.contains("Run the smoke check of the unit"),
        "{}",
        p.log
    );
    // Each exposure check ran where it belongs: unitguard audit --threshold on the 252 hosts
    // (unitguard there), systemd-analyze against the exposure before on the 257 host.
    assert_eq!(
        p.ok_hosts("Check the exposure of the unit with unitguard"),
        ["host-a", "host-b"],
        "{}",
        p.log
    );
    assert_eq!(
        p.ok_hosts("Remember the exposure before the drop-in"),
        ["host-c"],
        "{}",
        p.log
    );
    assert_eq!(
        p.ok_hosts("Compare the exposure with the bar"),
        ["host-c"],
        "{}",
        p.log
    );

    // --- a second run changes nothing --------------------------------------------------------
    let p = play(&fleet, "rollout.yml", &[]);
    assert!(p.ok, "{}", p.log);
    for n in names {
        assert_eq!(p.recap(n).unwrap()["changed"], 0, "{n}: {}", p.log);
    }

    // --- a broken drop-in: the canary fails, is rolled back, the rollout stops ---------------
    let broken = work.path().join("broken");
    let cp = Command::new("cp")
        .arg("-a")
        .arg(&fleet)
        .arg(&broken)
        .status()
        .unwrap();
    assert!(cp.success());
    let nginx_t = broken.join("roles/unitguard/templates/nginx.service.conf.j2");
    let good_nginx = std::fs::read_to_string(&nginx_t).unwrap();
    // nginx stays active but can no longer read its document root: only the smoke check sees it.
    std::fs::write(
        &nginx_t,
        format!("{good_nginx}InaccessiblePaths=/var/www/html\n"),
    )
    .unwrap();
    let pid_a_redis = main_pid(a, "redis-server.service");
    let hardened_nginx = tenths(a.score("nginx.service"));
    let p = play(&broken, "rollout.yml", &["-e", "unitguard_timeout=6"]);
    assert!(!p.ok, "{}", p.log);
    let rc = p.recap("host-a").expect("the canary ran");
    assert_eq!(rc["failed"], 1, "{}", p.log);
    assert!(
        p.recap("host-b").is_none() && p.recap("host-c").is_none(),
        "the rollout went on: {}",
        p.log
    );
    assert!(
        p.log
            .contains("Undo the drop-ins this run installed or changed, reload, restart"),
        "{}",
        p.log
    );
    // The canary is as it was before this run: the drop-in the broken one replaced is back
    // (not removed, which would leave nginx unhardened), and no copy is left behind.
    assert_eq!(
        dropin(a, "nginx.service").as_deref(),
        Some(good_nginx.as_str()),
        "the canary did not get its previous drop-in back"
    );
    assert_eq!(tenths(a.score("nginx.service")), hardened_nginx);
    let leftovers = a.exec_ok(&["ls", "/etc/systemd/system/nginx.service.d/"]);
    assert_eq!(leftovers.trim(), "hardening.conf");
    all_serve(a, &pids[0]);
    // Only what this run changed was undone on the canary; the others never saw the broken role.
    assert_eq!(main_pid(a, "redis-server.service"), pid_a_redis);
    for tb in &hosts[1..] {
        assert_eq!(
            dropin(tb, "nginx.service").as_deref(),
            Some(good_nginx.as_str())
        );
    }
    for tb in &hosts {
        assert!(dropin(tb, "redis-server.service").is_some());
    }

    // --- the rollback playbook: every host as it was -----------------------------------------
    let p = play(&fleet, "rollback.yml", &[]);
    assert!(p.ok, "{}", p.log);
    for (tb, pid) in hosts.iter().zip(&pids) {
        for u in UNITS {
            assert!(dropin(tb, u).is_none(), "{}: {u}", tb.name);
            assert_eq!(
                tenths(tb.score(u)),
                before[&(tb.name.clone(), u)],
                "{}: {u}",
                tb.name
            );
            assert_eq!(tb.active_state(u), "active");
        }
        all_serve(tb, pid);
    }
    let p = play(&fleet, "rollback.yml", &[]);
    assert!(p.ok, "{}", p.log);
    for n in names {
        assert_eq!(
            p.recap(n).unwrap()["changed"],
            0,
            "a second rollback: {}",
            p.log
        );
    }
}
