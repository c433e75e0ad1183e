//! Live mode against a real systemd 252: boots the test-bed (`scripts/testbed`, Debian 12 in
//! systemd-nspawn, see testbed/README.md) with this test's unitguard binary bind-mounted, runs
//! `unitguard audit` inside it over D-Bus, and compares every number with the container's own
//! `systemd-analyze security`:
//! * the listing (no arguments): same units, same exposures and labels;
//! * every loaded service unit, plus a template, an alias and a few hardened transient services:
//!   every row (name, json_field, set, description, exposure, in order) against
//!   `SYSTEMD_ANALYZE_DEBUG=1 systemd-analyze security --json=short UNIT`, and the overall
//!   exposure, label and unit id against the text mode's summary line;
//! * systemd's refusals (not a service, not found, masked), and `--threshold`.
//!
//! Needs root, systemd-nspawn and (on the first run) network access to build the rootfs. It
//! never skips: if the test-bed cannot start, the test fails. The container is stopped at the
//! end, also on failure.

use std::collections::BTreeMap;

use serde_json::Value;

mod testbed_support;

use testbed_support::{BIN_IN_CONTAINER, Testbed};

/// Transient services that exercise the online readers: IP lists (the /8 and /128 rule),
/// device lists, syscall filters with actions, address families, UMask, the PrivateMounts
/// implication, DynamicUser, a oneshot (left out of the listing, scored as an argument).
const TRANSIENT: &[(&str, &[&str], &str)] = &[
    (
        "ug-hardened.service",
        &[
            "DynamicUser=yes",
            "ProtectSystem=strict",
            "ProtectHome=tmpfs",
            "PrivateDevices=yes",
            "ProtectClock=yes",
            "ProtectKernelLogs=yes",
            "ProtectKernelModules=yes",
            "ProtectKernelTunables=yes",
            "ProtectControlGroups=yes",
            "ProtectHostname=yes",
            "ProtectProc=invisible",
            "ProcSubset=pid",
            "PrivateUsers=yes",
            "PrivateNetwork=yes",
            "LockPersonality=yes",
            "MemoryDenyWriteExecute=yes",
            "RestrictRealtime=yes",
            "RestrictNamespaces=yes",
            "IPAddressDeny=any",
            "IPAddressAllow=127.0.0.0/8",
            "IPAddressAllow=::1/128",
            "RestrictAddressFamilies=AF_UNIX AF_INET",
            "SystemCallFilter=@system-service",
            "SystemCallFilter=~@resources:EPERM",
            "SystemCallArchitectures=native",
            "UMask=0077",
            "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
        ],
        "sleep infinity",
    ),
    (
        "ug-mixed.service",
        &[
            "User=nobody",
            "SupplementaryGroups=adm",
            "ProtectSystem=full",
            "ProtectHome=read-only",
            "ProtectProc=noaccess",
            "KeyringMode=shared",
            "NotifyAccess=all",
            "Delegate=yes",
            "AmbientCapabilities=CAP_NET_RAW",
            "IPAddressDeny=any",
            "IPAddressAllow=127.0.0.1/32",
            "DevicePolicy=strict",
            "DeviceAllow=/dev/null rw",
            "DeviceAllow=/dev/zero w",
            "RestrictAddressFamilies=~AF_PACKET AF_NETLINK",
            "SystemCallFilter=~@mount:EPERM @debug @clock",
            "SystemCallArchitectures=native x86",
            "UMask=0027",
        ],
        "sleep infinity",
    ),
    ("ug-plain.service", &[], "sleep infinity"),
    (
        "ug-oneshot.service",
        &["Type=oneshot", "RemainAfterExit=yes", "PrivateTmp=yes"],
        "true",
    ),
];

/// systemd's row, from `SYSTEMD_ANALYZE_DEBUG=1 systemd-analyze security --json=short`.
#[derive(Debug, PartialEq)]
struct Row {
    name: String,
    json_field: String,
    set: Option<bool>,
    description: Option<String>,
    exposure: Option<String>,
}

/// One unit as unitguard or systemd scores it.
#[derive(Debug, PartialEq)]
struct Scored {
    unit: String,
    exposure: String,
    label: String,
    rows: Vec<Row>,
}

fn str_field(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn systemd_rows(json: &str) -> Vec<Row> {
    let v: Value = serde_json::from_str(json.trim())
        .unwrap_or_else(|e| panic!("systemd-analyze JSON: {e}:\n{json}"));
    v.as_array()
        .expect("systemd-analyze prints an array")
        .iter()
        .map(|r| Row {
            name: str_field(r, "name").expect("name"),
            json_field: str_field(r, "json_field").expect("json_field"),
            set: r.get("set").and_then(Value::as_bool),
            description: str_field(r, "description"),
            exposure: str_field(r, "exposure"),
        })
        .collect()
}

/// `→ Overall exposure level for ID: X.Y LABEL GLYPH` → (id, "X.Y", LABEL).
fn systemd_summary(text: &str) -> (String, String, String) {
    let line = text
        .lines()
        .rev()
        .find(|l| l.contains("Overall exposure level for "))
        .unwrap_or_else(|| panic!("no summary line in:\n{text}"));
    let rest = line.split("Overall exposure level for ").nth(1).unwrap();
    let (id, score) = rest.rsplit_once(": ").unwrap();
    let mut words = score.split_whitespace();
    (
        id.to_string(),
        words.next().unwrap().to_string(),
        words.next().unwrap().to_string(),
    )
}

fn unitguard_units(json: &str) -> Vec<Result<Scored, String>> {
    let v: Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("unitguard JSON: {e}:\n{json}"));
    assert_eq!(
        v["schema"], 1,
        "unitguard's document carries its schema version"
    );
    v["units"]
        .as_array()
        .expect("unitguard prints its units as an array")
        .iter()
        .map(|u| {
            let unit = str_field(u, "unit").expect("unit");
            if let Some(err) = str_field(u, "error") {
                return Err(format!("{unit}: {err}"));
            }
            let tenths = |x: &Value| x.as_f64().map(|f| format!("{f:.1}"));
            Ok(Scored {
                exposure: tenths(&u["exposure"]).expect("exposure"),
                label: str_field(u, "label").expect("label"),
                rows: u["checks"]
                    .as_array()
                    .expect("checks")
                    .iter()
                    .map(|r| Row {
                        name: str_field(r, "name").expect("name"),
                        json_field: str_field(r, "json_field").expect("json_field"),
                        set: r.get("set").and_then(Value::as_bool),
                        description: str_field(r, "description"),
                        exposure: tenths(&r["exposure"]),
                    })
                    .collect(),
                unit,
            })
        })
        .collect()
}

/// The listing of `systemd-analyze security`: unit → (exposure, predicate).
fn systemd_listing(text: &str) -> BTreeMap<String, (String, String)> {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    assert!(
        header.starts_with("UNIT") && header.contains("PREDICATE"),
        "unexpected listing:\n{text}"
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w[0].to_string(), (w[1].to_string(), w[2].to_string()))
        })
        .collect()
}

#[test]
fn live_audit_matches_systemd_analyze_on_the_testbed() {
    let tb = Testbed::start("ug-live");
    let version = tb.exec_ok(&["systemctl", "--version"]);
    // The suite's systemd: Debian 12's 252, or Debian 13's 257 with TB_SUITE=trixie.
    let expected = match std::env::var("TB_SUITE").as_deref() {
        Ok("trixie") => "systemd 257",
        _ => "systemd 252",
    };
    assert!(version.starts_with(expected), "{version}");

    for (unit, props, cmd) in TRANSIENT {
        let mut args = vec!["systemd-run", "--quiet", "--unit", unit];
        for p in *props {
            args.extend(["-p", p]);
        }
        args.extend(cmd.split(' '));
        tb.exec_ok(&args);
    }

    // Every loaded service unit the manager knows.
    let listed = tb.exec_ok(&[
        "systemctl",
        "list-units",
        "--type=service",
        "--all",
        "--plain",
        "--no-legend",
        "--full",
    ]);
    let mut loaded: Vec<String> = listed
        .lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.trim_start_matches('●').split_whitespace().collect();
            (w.len() >= 2 && w[1] == "loaded" && w[0].ends_with(".service"))
                .then(|| w[0].to_string())
        })
        .collect();
    loaded.sort();
    for (unit, _, _) in TRANSIENT {
        assert!(loaded.iter().any(|u| u == unit), "{unit} is not loaded");
    }
    assert!(loaded.len() >= 20, "only {} loaded services", loaded.len());

    // 1. The listing.
    let ours = tb.exec(&[BIN_IN_CONTAINER, "audit", "--json"]);
    let ours_err = String::from_utf8_lossy(&ours.stderr);
    assert!(
        ours.status.success() && ours_err.is_empty(),
        "unitguard audit --json (live listing) failed or fell back ({}):\n{ours_err}",
        ours.status
    );
    let ours: Vec<Scored> = unitguard_units(&String::from_utf8_lossy(&ours.stdout))
        .into_iter()
        .map(|r| r.unwrap_or_else(|e| panic!("listing error: {e}")))
        .collect();
    let theirs = systemd_listing(&tb.exec_ok(&["systemd-analyze", "security"]));
    let ours_listing: BTreeMap<String, (String, String)> = ours
        .iter()
        .map(|s| (s.unit.clone(), (s.exposure.clone(), s.label.clone())))
        .collect();
    assert_eq!(ours_listing, theirs, "the listings differ");
    assert!(
        ours.windows(2)
            .all(|w| w[0].exposure.parse::<f64>().unwrap() >= w[1].exposure.parse::<f64>().unwrap()),
        "the listing is not sorted most exposed first"
    );
    assert!(ours_listing.contains_key("ug-hardened.service"));
    assert!(
        !ours_listing.contains_key("ug-oneshot.service"),
        "oneshot services are not listed"
    );
    // Text and systemd's JSON shapes: byte for byte what systemd-analyze prints live, for a
    // listing and for several units (each followed by an empty line, then their overview).
    for extra in [
        &[][..],
        &["--json=short"],
        &["--json=pretty"],
        &[
            "--no-pager",
            "nginx.service",
            "no-such.service",
            "ssh.service",
        ],
        &["--json=short", "nginx.service", "ssh.service"],
        &["--threshold=50"],
    ] {
        let mut ug = vec![BIN_IN_CONTAINER, "audit"];
        ug.extend_from_slice(extra);
        let mut sd = vec!["systemd-analyze", "security"];
        sd.extend_from_slice(extra);
        let (ours, theirs) = (tb.exec(&ug), tb.exec(&sd));
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&theirs.stdout),
            "audit {extra:?} differs from systemd-analyze security"
        );
        assert_eq!(
            ours.status.code(),
            theirs.status.code(),
            "exit status of {extra:?}"
        );
    }

    // 2. Every loaded service, plus a template and an alias, one by one as arguments.
    let mut args: Vec<String> = loaded.clone();
    args.extend(["postgresql@.service".to_string(), "sshd".to_string()]);
    let mut cmd = vec![BIN_IN_CONTAINER, "audit", "--json"];
    cmd.extend(args.iter().map(String::as_str));
    let out = tb.exec(&cmd);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "unitguard audit --json UNITS failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let ours = unitguard_units(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(ours.len(), args.len());
    let mut rows_compared = 0;
    let mut mismatches = Vec::new();
    for (arg, ours) in args.iter().zip(ours) {
        let ours = ours.unwrap_or_else(|e| panic!("{arg}: {e}"));
        let json = tb.exec_ok(&[
            "env",
            "SYSTEMD_ANALYZE_DEBUG=1",
            "systemd-analyze",
            "security",
            "--json=short",
            arg,
        ]);
        let text = tb.exec_ok(&["systemd-analyze", "security", arg]);
        let (id, exposure, label) = systemd_summary(&text);
        let theirs = Scored {
            unit: id,
            exposure,
            label,
            rows: systemd_rows(&json),
        };
        rows_compared += theirs.rows.len();
        if ours != theirs {
            mismatches.push(format!(
                "{arg}:\n  unitguard: {} {} {}\n  systemd:   {} {} {}\n{}",
                ours.unit,
                ours.exposure,
                ours.label,
                theirs.unit,
                theirs.exposure,
                theirs.label,
                ours.rows
                    .iter()
                    .zip(&theirs.rows)
                    .filter(|(a, b)| a != b)
                    .map(|(a, b)| format!("    unitguard {a:?}\n    systemd   {b:?}\n"))
                    .collect::<String>()
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} units differ from systemd-analyze:\n{}",
        mismatches.len(),
        args.len(),
        mismatches.join("\n")
    );
    assert!(rows_compared >= args.len() * 80);
    eprintln!(
        "live test-bed: {} loaded services (+2 arguments) and {} rows match systemd-analyze",
        loaded.len(),
        rows_compared
    );

    // 3. Refusals, with systemd-analyze's messages.
    for arg in [
        "ssh.socket",
        "no-such-unit-here.service",
        "getty@tty1.service",
    ] {
        let ours = tb.exec(&[BIN_IN_CONTAINER, "audit", arg]);
        let theirs = tb.exec(&["systemd-analyze", "security", arg]);
        assert_eq!(ours.status.code(), Some(1), "{arg}");
        assert!(!theirs.status.success(), "{arg}");
        assert_eq!(
            String::from_utf8_lossy(&ours.stderr).trim(),
            String::from_utf8_lossy(&theirs.stderr).trim(),
            "{arg}"
        );
    }

    // 4. --threshold on systemd's 0-100 scale, on a live score: the same exit status as
    //    systemd-analyze's own; --max-exposure is the 0.0-10.0 form.
    for (threshold, expected) in [("5", 1), ("100", 0)] {
        let ours = tb.exec(&[
            BIN_IN_CONTAINER,
            "audit",
            "--threshold",
            threshold,
            "nginx.service",
        ]);
        let theirs = tb.exec(&[
            "systemd-analyze",
            "security",
            &format!("--threshold={threshold}"),
            "nginx.service",
        ]);
        assert_eq!(
            ours.status.code(),
            Some(expected),
            "--threshold={threshold}"
        );
        assert_eq!(
            ours.status.code(),
            theirs.status.code(),
            "--threshold={threshold}: unitguard and systemd-analyze disagree"
        );
    }
    let low = tb.exec(&[
        BIN_IN_CONTAINER,
        "audit",
        "--max-exposure",
        "0.5",
        "nginx.service",
    ]);
    assert_eq!(low.status.code(), Some(1));
    let high = tb.exec(&[
        BIN_IN_CONTAINER,
        "audit",
        "--max-exposure",
        "10.0",
        "nginx.service",
    ]);
    assert_eq!(high.status.code(), Some(0));
}
