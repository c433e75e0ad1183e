//! `unitguard ansible` without hosts: the generated role's layout, every YAML file read by
//! Ansible's own loader, `ansible-lint --profile production` and `ansible-playbook
//! --syntax-check` on it (ansible-core and ansible-lint from PyPI, `scripts/install-ansible`),
//! and the drop-ins as Ansible's template module renders them scored by the live
//! `systemd-analyze security --offline=true`: the exposures the role records (before and
//! expected) must be systemd's own numbers. The run against real hosts is
//! tests/ansible_testbed.rs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn unitguard() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("unitguard")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bin directory of the ansible-core/ansible-lint virtualenv (installed if missing; the
/// test fails if that fails, it never skips).
pub fn ansible_bin() -> PathBuf {
    let out = Command::new(repo().join("scripts/install-ansible"))
        .output()
        .expect("run scripts/install-ansible");
    assert!(
        out.status.success(),
        "scripts/install-ansible failed (ansible-core and ansible-lint from PyPI are required):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bin = PathBuf::from(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .expect("install-ansible prints the bin directory")
            .trim(),
    );
    assert!(bin.join("ansible-playbook").is_file(), "{}", bin.display());
    bin
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn write(p: &Path, s: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, s).unwrap();
}

/// The YAML file as JSON, read by Ansible's loader (it knows `!unsafe`).
fn load_yaml(bin: &Path, file: &Path) -> Value {
    let out = Command::new(bin.join("python"))
        .args([
            "-c",
            "import json, sys\nfrom ansible.parsing.utils.yaml import from_yaml\n\
             print(json.dumps(from_yaml(open(sys.argv[1]).read(), file_name=sys.argv[1])))",
        ])
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}: {}", file.display(), text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// systemd-analyze's overall exposure of `unit` in `tree`, in tenths.
fn analyze(tree: &Path, unit: &str) -> u64 {
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager"])
        .arg(format!("--root={}", tree.display()))
        .arg(unit)
        .output()
        .expect("systemd-analyze");
    let t = text(&out);
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
    unitguard::cli::parse_exposure(n).unwrap()
}

fn tenths(v: &Value) -> u64 {
    (v.as_f64().unwrap_or_else(|| panic!("not a number: {v}")) * 10.0).round() as u64
}

#[test]
fn generated_role_parses_lints_and_records_systemds_numbers() {
    let bin = ansible_bin();
    let work = tempfile::tempdir().unwrap();
    let tree = work.path().join("tree");
    let lib = tree.join("lib/systemd/system");
    // web: no profile (smoke given); cache: memcached's profile (by binary); worker and batch
    // come as drop-ins from a directory (harden's output, an /etc/systemd/system).
    write(
        &lib.join("web.service"),
        "[Service]\nExecStart=/usr/bin/python3 -m http.server 8080\n",
    );
    write(
        &lib.join("cache.service"),
        "[Service]\nExecStart=/usr/bin/memcached -l 127.0.0.1\nUser=nobody\n",
    );
    write(
        &lib.join("worker.service"),
        "[Service]\nExecStart=/usr/local/bin/worker\nDynamicUser=yes\n",
    );
    write(
        &lib.join("batch.service"),
        "[Service]\nType=simple\nExecStart=/usr/local/bin/batch\n",
    );
    let ug = |args: &[&str]| {
        Command::new(unitguard())
            .args(args)
            .arg("--root")
            .arg(&tree)
            .args(["--systemd-version", "252"])
            .output()
            .unwrap()
    };
    let dropins = work.path().join("dropins");
    let o = ug(&["harden", "--profile", "strict", "worker.service"]);
    assert!(o.status.success(), "{}", text(&o));
    // Named after nothing: the unit comes from the header unitguard wrote.
    write(
        &dropins.join("from-staging.conf"),
        &String::from_utf8_lossy(&o.stdout),
    );
    let o = ug(&["harden", "batch.service"]);
    assert!(o.status.success(), "{}", text(&o));
    write(
        &dropins.join("batch.service.d/hardening.conf"),
        &String::from_utf8_lossy(&o.stdout),
    );
    let out = work.path().join("fleet");
    let o = Command::new(unitguard())
        .arg("ansible")
        .args(["web.service", "cache.service", "--from-dir"])
        .arg(&dropins)
        .arg("--root")
        .arg(&tree)
        .args(["--systemd-version", "252", "--allow-ip", "10.0.0.0/8"])
        .args(["--per-host", "IPAddressAllow"])
        .args(["--smoke", "web.service=curl -fsS http://127.0.0.1:8080/"])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));

    // --- layout ---------------------------------------------------------------------------
    let role = out.join("roles/unitguard");
    for f in [
        "rollout.yml",
        "rollback.yml",
        "roles/unitguard/README.md",
        "roles/unitguard/defaults/main.yml",
        "roles/unitguard/meta/main.yml",
        "roles/unitguard/handlers/main.yml",
        "roles/unitguard/tasks/main.yml",
        "roles/unitguard/tasks/unit.yml",
        "roles/unitguard/tasks/verify.yml",
        "roles/unitguard/tasks/rollback.yml",
        "roles/unitguard/tasks/exposure.yml",
        "roles/unitguard/templates/web.service.conf.j2",
        "roles/unitguard/templates/cache.service.conf.j2",
        "roles/unitguard/templates/worker.service.conf.j2",
        "roles/unitguard/templates/batch.service.conf.j2",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let mut yamls = Vec::new();
    for dir in [
        out.clone(),
        role.join("defaults"),
        role.join("meta"),
        role.join("handlers"),
        role.join("tasks"),
    ] {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "yml") {
                yamls.push(e.path());
            }
        }
    }
    assert_eq!(yamls.len(), 10, "{yamls:?}");
    for y in &yamls {
        load_yaml(&bin, y);
    }

    // --- what the defaults record ----------------------------------------------------------
    let d = load_yaml(&bin, &role.join("defaults/main.yml"));
    let units = d["unitguard_units"].as_array().unwrap();
    let names: Vec<&str> = units.iter().map(|u| u["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "web.service",
            "cache.service",
            "batch.service",
            "worker.service"
        ]
    );
    assert_eq!(units[0]["smoke"], "curl -fsS http://127.0.0.1:8080/");
    let profiles: toml::Value =
        toml::from_str(&std::fs::read_to_string(repo().join("data/profiles.toml")).unwrap())
            .unwrap();
    let memcached = profiles["profile"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"].as_str() == Some("memcached"))
        .unwrap();
    assert_eq!(units[1]["smoke"].as_str(), memcached["smoke"].as_str());
    assert_eq!(
        units[3]["smoke"], "",
        "worker has neither profile nor exercise"
    );
    assert_eq!(
        d["unitguard_web_service_ipaddressallow"],
        serde_json::json!(["localhost 10.0.0.0/8"])
    );
    for u in units {
        assert_eq!(u["systemd_version"], 252);
    }

    // --- ansible-lint (production profile) and the playbooks' syntax -----------------------
    let lint = Command::new(bin.join("ansible-lint"))
        .args(["--profile", "production", "--offline", "--nocolor"])
        .current_dir(&out)
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .output()
        .unwrap();
    assert!(lint.status.success(), "ansible-lint:\n{}", text(&lint));
    assert!(
        text(&lint).contains("Profile 'production' was required, and it passed"),
        "{}",
        text(&lint)
    );
    let syntax = Command::new(bin.join("ansible-playbook"))
        .args([
            "--syntax-check",
            "-i",
            "localhost,",
            "rollout.yml",
            "rollback.yml",
        ])
        .current_dir(&out)
        .output()
        .unwrap();
    assert!(syntax.status.success(), "{}", text(&syntax));

    // --- the drop-ins as Ansible renders them, scored by systemd-analyze -------------------
    let befores: Vec<u64> = names.iter().map(|u| analyze(&tree, u)).collect();
    let render = |extra: &[&str]| {
        let play = work.path().join("render.yml");
        write(
            &play,
            &format!(
                "- name: Render the drop-ins\n  hosts: localhost\n  connection: local\n  gather_facts: false\n  \
                 vars_files: [{role}/defaults/main.yml]\n  tasks:\n    - name: Render\n      ansible.builtin.template:\n        \
                 src: \"{role}/templates/{{{{ item.template }}}}\"\n        \
                 dest: \"{tree}/etc/systemd/system/{{{{ item.name }}}}.d/hardening.conf\"\n        mode: \"0644\"\n      \
                 loop: \"{{{{ unitguard_units }}}}\"\n",
                role = role.display(),
                tree = tree.display()
            ),
        );
        for u in &names {
            std::fs::create_dir_all(tree.join(format!("etc/systemd/system/{u}.d"))).unwrap();
        }
        let o = Command::new(bin.join("ansible-playbook"))
            .args([
                "-i",
                "localhost,",
                "-e",
                "ansible_python_interpreter={{ ansible_playbook_python }}",
            ])
            .args(extra)
            .arg(&play)
            .env("ANSIBLE_NOCOLOR", "1")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
    };
    render(&[]);
    for (i, u) in units.iter().enumerate() {
        let name = names[i];
        assert_eq!(tenths(&u["exposure_before"]), befores[i], "{name}: before");
        assert_eq!(
            tenths(&u["exposure_expected"]),
            analyze(&tree, name),
            "{name}: the role's expected exposure is not systemd-analyze's with the drop-in"
        );
        assert!(befores[i] > tenths(&u["exposure_expected"]), "{name}");
    }
    let web = std::fs::read_to_string(tree.join("etc/systemd/system/web.service.d/hardening.conf"))
        .unwrap();
    let made = std::fs::read_to_string(role.join("templates/web.service.conf.j2")).unwrap();
    assert!(
        web.starts_with("# /etc/systemd/system/web.service.d/hardening.conf\n"),
        "{web}"
    );
    assert!(
        web.contains("\nIPAddressAllow=localhost 10.0.0.0/8\n"),
        "{web}"
    );
    assert!(made.contains("{% for v in"), "{made}");
    // A host group's own list.
    render(&[
        "-e",
        r#"{"unitguard_web_service_ipaddressallow": ["localhost", "192.0.2.0/24"]}"#,
    ]);
    let web = std::fs::read_to_string(tree.join("etc/systemd/system/web.service.d/hardening.conf"))
        .unwrap();
    assert!(
        web.contains("\nIPAddressAllow=localhost\nIPAddressAllow=192.0.2.0/24\n")
            && !web.contains("10.0.0.0/8"),
        "{web}"
    );
    assert!(analyze(&tree, "web.service") < befores[0]);
}

#[test]
fn bad_inputs_are_named() {
    let work = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(unitguard())
            .arg("ansible")
            .args(args)
            .args(["--systemd-version", "252", "--out"])
            .arg(work.path().join("out"))
            .output()
            .unwrap()
    };
    let dir = work.path().join("d");
    write(
        &dir.join("x.service.conf"),
        "[Service]\nPrivateTmp=yes\n\u{0}\u{ff}",
    );
    std::fs::write(dir.join("y.service.conf"), b"[Service]\n\xff\xfe\n").unwrap();
    let o = run(&["--from-dir", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("y.service.conf: not UTF-8 text"),
        "{}",
        text(&o)
    );
    let o = run(&["foo@.service"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("foo@.service is a template"),
        "{}",
        text(&o)
    );
    let o = run(&["--smoke", "nginx.service", "x.service"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("expected UNIT=CMD"), "{}", text(&o));
    let empty = work.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let o = run(&["--from-dir", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("no drop-ins here"), "{}", text(&o));
    assert!(
        !work.path().join("out").exists(),
        "nothing written on a bad input"
    );
}
