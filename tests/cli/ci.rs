//! CI gates: `audit` and `lint` with `--format sarif|junit|gitlab` on real Debian units.
//!
//! SARIF is checked with Microsoft's SARIF Multitool and GitHub's rules (`validate
//! --rule-kind Gh;Sarif`, which also validates against the SARIF 2.1.0 schema): it must report
//! no error. The Multitool is installed by scripts/test (scripts/install-sarif-multitool), which
//! exports its path as UNITGUARD_SARIF_MULTITOOL; without it these tests fail, never skip.
//! The real units come from scripts/fetch-corpus (UNITGUARD_CORPUS), as in
//! tests/differential_corpus.rs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::*;

/// Every `*.service` the corpus's packages ship (files, aliases, masks), as paths.
fn corpus_services() -> Vec<PathBuf> {
    let root = corpus();
    let mut out = Vec::new();
    for pkg in std::fs::read_dir(&root).unwrap().flatten() {
        for dir in ["lib/systemd/system", "usr/lib/systemd/system"] {
            if let Ok(entries) = std::fs::read_dir(pkg.path().join(dir)) {
                out.extend(
                    entries
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|e| e == "service")),
                );
            }
        }
    }
    out.sort();
    assert!(out.len() > 500, "only {} services in the corpus", out.len());
    out
}

fn unitguard(args: &[&str], units: &[PathBuf], cwd: &Path) -> Output {
    ug(args).args(units).current_dir(cwd).output()
}

/// The Multitool's findings on `sarif` with GitHub's rules and the SARIF rules: (errors, all
/// lines it printed).
fn validate(sarif: &[u8], name: &str) -> (Vec<String>, String) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join(format!("{name}.sarif"));
    std::fs::write(&input, sarif).unwrap();
    let log = dir.path().join("validation.sarif");
    let out = Command::new(multitool())
        .args([
            "validate",
            "--rule-kind",
            "Gh;Sarif",
            "--log",
            "ForceOverwrite",
            "-o",
        ])
        .arg(&log)
        .arg(&input)
        .output()
        .expect("run the SARIF Multitool");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("Analysis completed successfully"),
        "the Multitool did not finish:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let errors = text
        .lines()
        .filter(|l| l.contains(": error "))
        .map(str::to_string)
        .collect();
    (errors, text)
}

/// `%XX` sequences back to bytes.
fn percent_decode(uri: &str) -> String {
    let b = uri.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&uri[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn lint_and_audit_sarif_pass_the_multitool_with_githubs_rules() {
    let units = corpus_services();
    let base = corpus();
    for (what, args) in [
        ("lint", vec!["lint", "--format", "sarif"]),
        (
            "audit",
            vec!["audit", "--offline", "--format", "sarif", "--threshold=90"],
        ),
    ] {
        // A unit that does not exist: a load failure must be a result too.
        let mut all = units.clone();
        all.push(PathBuf::from("no-such-unit.service"));
        let out = unitguard(&args, &all, &base);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
        let (errors, text) = validate(&out.stdout, what);
        assert!(
            errors.is_empty(),
            "{what}: the Multitool reports {} error(s):\n{}",
            errors.len(),
            errors.join("\n")
        );
        assert!(!text.contains("error GH"), "{text}");

        let run = &doc["runs"][0];
        for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
            for key in ["shortDescription", "fullDescription", "help"] {
                let t = rule[key]["text"].as_str().unwrap_or_default();
                assert!(!t.is_empty() && !t.contains('{'), "{what}: {key} of {rule}");
            }
            assert!(rule["helpUri"].as_str().unwrap().starts_with("https://"));
            let sev: f64 = rule["properties"]["security-severity"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((0.0..=10.0).contains(&sev));
            assert!(!rule["properties"]["tags"].as_array().unwrap().is_empty());
        }
        let results = run["results"].as_array().unwrap();
        let missing = results
            .iter()
            .find(|r| {
                r["message"]["text"]
                    .as_str()
                    .unwrap()
                    .contains("no-such-unit.service")
            })
            .unwrap_or_else(|| panic!("{what}: the unit that failed to load is not a result"));
        assert_eq!(missing["level"], "error");
        let base_text = base.display().to_string();
        for r in results {
            assert!(
                r["partialFingerprints"]
                    .as_object()
                    .is_some_and(|p| !p.is_empty())
            );
            let loc = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            if let Some(uri) = loc["uri"].as_str() {
                // Relative to the base (the current directory here), never the machine's path.
                assert_eq!(loc["uriBaseId"], "%SRCROOT%", "{r}");
                assert!(!uri.starts_with('/') && !uri.starts_with("file:"), "{uri}");
                let path = percent_decode(uri);
                assert!(
                    base.join(&path).symlink_metadata().is_ok(),
                    "{uri} is not under the base"
                );
            }
            let message = r["message"]["text"].as_str().unwrap();
            assert!(
                !message.contains(&base_text),
                "a message names the machine's path: {message}"
            );
        }
        // The rules as GitHub's code scanning shows them.
        let rules: Vec<String> = run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{} {}: {}",
                    r["id"], r["name"], r["shortDescription"]["text"]
                )
            })
            .collect();
        insta::assert_snapshot!(format!("sarif_rules_{what}"), rules.join("\n"));
        if what == "audit" {
            // Every unit has a verdict: above the threshold (fail) or a pass.
            let kinds: Vec<&str> = results
                .iter()
                .map(|r| r["kind"].as_str().unwrap())
                .collect();
            assert!(kinds.contains(&"pass") && kinds.contains(&"fail"));
        }
    }
}

#[test]
fn lint_on_units_of_packages_not_installed_here_finds_no_machine_facts() {
    // The corpus packages are not installed on this machine: their paths, binaries and
    // config files are missing. Without --root or --host nothing of that may count.
    let units = corpus_services();
    let out = unitguard(&["lint", "-q", "--format", "json"], &units, &corpus());
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], 1);
    let findings = doc["findings"].as_array().unwrap();
    let errors: Vec<&Value> = findings
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    for f in &errors {
        // Only facts of the unit files themselves: a directive systemd does not know, or a
        // unit systemd refuses to load (each checked against systemd's own words).
        let rule = f["rule"].as_str().unwrap();
        assert!(["UG009", "UG000"].contains(&rule), "{f}");
        if rule == "UG000" {
            assert!(f["message"].as_str().unwrap().contains("Refusing."), "{f}");
        }
    }
    assert!(
        !findings
            .iter()
            .any(|f| ["UG001", "UG006", "UG008"].contains(&f["rule"].as_str().unwrap())),
        "a finding about this machine's state: {findings:?}"
    );
    // Nothing from this machine in any message: not its resolver, not its paths.
    let resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    for ns in resolv.lines().filter_map(|l| l.strip_prefix("nameserver")) {
        let ns = ns.trim();
        assert!(
            !out.stdout.windows(ns.len()).any(|w| w == ns.as_bytes()),
            "{ns} in the output"
        );
    }
    // The same units under --host: the missing paths now count (UG008 on this machine).
    let host = unitguard(
        &["lint", "-q", "--host", "--format", "json"],
        &units,
        &corpus(),
    );
    let doc: Value = serde_json::from_slice(&host.stdout).unwrap();
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "UG008"),
        "--host checks the paths units name"
    );
}

#[test]
fn lint_takes_a_directory_of_unit_files_with_their_drop_ins() {
    let r = Root::new();
    r.file("debian/web.service", "[Service]\nExecStart=/usr/bin/web\n")
        .file(
            "debian/web.service.d/10-typo.conf",
            "[Service]\nProtectSytem=strict\n",
        )
        .file(
            "debian/web.service.wants/x.service",
            "[Service]\nExecStart=/x\n",
        )
        .file("debian/clean.socket", "[Socket]\nListenStream=80\n")
        .file("debian/README", "not a unit\n");
    let d = r.path();
    let out = unitguard(&["lint", "--format", "json", "debian"], &[], d);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["rule"], "UG009");
    assert_eq!(findings[0]["unit"], "web.service");
    assert!(
        findings[0]["file"]
            .as_str()
            .unwrap()
            .ends_with("debian/web.service.d/10-typo.conf")
    );
    assert_eq!(out.status.code(), Some(1));
    // JUnit: one test case per unit file found, the one with the error failing.
    let junit = unitguard(&["lint", "--format", "junit", "debian"], &[], d);
    let xml = String::from_utf8(junit.stdout).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("JUnit XML parses");
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 2, "{xml}");
    let failed: Vec<_> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .map(|c| c.attribute("name").unwrap())
        .collect();
    assert_eq!(failed, ["web.service"], "{xml}");
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("tests"), Some("2"));
    assert_eq!(suite.attribute("failures"), Some("1"));
    // Paths are relative to the current directory (the default --base).
    assert!(xml.contains("file=\"debian/web.service\""), "{xml}");
    insta::assert_snapshot!("lint_directory_junit", xml);
    let text = unitguard(&["lint", "debian"], &[], d);
    insta::assert_snapshot!(crate::support::text(&text), @"
    status Some(1)
    --- stdout
    debian/web.service.d/10-typo.conf:2: error[UG009] Unknown directive ProtectSytem= in [Service]: systemd ignores it (unknown-directive)
        fix: Did you mean ProtectSystem=?
    1 finding(s), 1 error(s) in 2 unit(s) (systemd 252)
    --- stderr
    ");
    // An empty directory is a usage error, not a pass.
    std::fs::create_dir(d.join("empty")).unwrap();
    assert_eq!(unitguard(&["lint", "empty"], &[], d).status.code(), Some(2));
}

#[test]
fn audit_gates_each_unit_in_junit_and_gitlab_code_quality() {
    let r = Root::new();
    r.file("units/plain.service", "[Service]\nExecStart=/bin/true\n").file(
        "units/tight.service",
        "[Service]\nExecStart=/bin/true\nDynamicUser=yes\nPrivateNetwork=yes\nProtectSystem=strict\n\
         ProtectHome=yes\nPrivateDevices=yes\nCapabilityBoundingSet=\nSystemCallFilter=@system-service\n\
         RestrictAddressFamilies=AF_UNIX\nProtectKernelTunables=yes\nProtectKernelModules=yes\n\
         ProtectControlGroups=yes\nRestrictNamespaces=yes\nLockPersonality=yes\nMemoryDenyWriteExecute=yes\n",
    );
    let d = r.path();
    let units = [
        PathBuf::from("units/plain.service"),
        PathBuf::from("units/tight.service"),
    ];
    // The exposures systemd gives them decide the verdicts.
    let score = |u: &str| -> u64 {
        let out = Command::new("systemd-analyze")
            .args(["security", "--offline=true", u])
            .current_dir(d)
            .env("LANG", "C")
            .output()
            .expect("systemd-analyze must be installed");
        let text = String::from_utf8(out.stdout).unwrap();
        let line = text.lines().last().unwrap().to_string();
        let x = line.split(": ").nth(1).unwrap().split(' ').next().unwrap();
        x.replace('.', "").parse().unwrap()
    };
    let (plain, tight) = (score("units/plain.service"), score("units/tight.service"));
    assert!(tight < plain);
    let threshold = format!("--threshold={}", (plain + tight) / 2);
    let junit = unitguard(
        &["audit", "--offline", "--format", "junit", &threshold],
        &units,
        d,
    );
    assert_eq!(junit.status.code(), Some(1));
    let xml = String::from_utf8(junit.stdout).unwrap();
    insta::assert_snapshot!("audit_junit", xml);
    let doc = roxmltree::Document::parse(&xml).expect("JUnit XML parses");
    let verdicts: Vec<(String, bool)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|c| {
            (
                c.attribute("name").unwrap().to_string(),
                c.children().any(|n| n.has_tag_name("failure")),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("plain.service".to_string(), true),
            ("tight.service".to_string(), false)
        ]
    );
    let gitlab = unitguard(
        &["audit", "--offline", "--format", "gitlab", &threshold],
        &units,
        d,
    );
    let issues: Value = serde_json::from_slice(&gitlab.stdout).unwrap();
    insta::assert_snapshot!("audit_gitlab", String::from_utf8_lossy(&gitlab.stdout));
    let issues = issues.as_array().unwrap();
    assert_eq!(issues.len(), 1, "{issues:?}");
    let i = &issues[0];
    assert_eq!(i["location"]["path"], "units/plain.service");
    assert_eq!(i["severity"], "critical");
    assert!(i["fingerprint"].as_str().unwrap().len() == 32);
    assert!(
        i["description"]
            .as_str()
            .unwrap()
            .contains(&format!("{}.{}", plain / 10, plain % 10))
    );
    // Within the threshold: exit 0 and no issue.
    let ok = unitguard(
        &[
            "audit",
            "--offline",
            "--format",
            "gitlab",
            "--threshold=100",
        ],
        &units,
        d,
    );
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(
        serde_json::from_slice::<Value>(&ok.stdout).unwrap(),
        serde_json::json!([])
    );
}
