//! `unitguard audit` from the outside: output formats, exit statuses and messages.
//!
//! Every test builds its own root in a temporary directory and passes it with `--root`, so the
//! host's units never leak in. Wherever systemd-analyze prints the same thing, the test asserts
//! byte equality with `systemd-analyze security --offline=true --root=...` run on the same tree
//! (with the same pinned locale), and only then snapshots our output (inline, or in
//! tests/cli/snapshots/), so a snapshot never records behaviour that disagrees with systemd.
//! The overview listing and the JSON document are unitguard's own formats: their numbers are
//! checked against systemd's.

use crate::support::*;
use serde_json::Value;

/// A tree with one of each interesting kind: a plain service, a hardened one, a service with a
/// drop-in and a dash-prefix drop-in, a template, an alias and a DefaultDependencies=no service
/// (n/a rows, whose EXPOSURE cells are empty).
fn mixed_root() -> Root {
    let r = Root::new();
    r.unit("plain.service", PLAIN)
        .unit("hardened.service", HARDENED)
        .unit(
            "web-front.service",
            "[Service]\nExecStart=/usr/sbin/web\nUser=www-data\nPrivateTmp=yes\n",
        )
        .file(
            &format!("{UNIT_DIR}/web-front.service.d/10-sandbox.conf"),
            "[Service]\nProtectSystem=full\nNoNewPrivileges=yes\n",
        )
        .file(
            &format!("{UNIT_DIR}/web-.service.d/20-net.conf"),
            "[Service]\nRestrictAddressFamilies=AF_INET AF_INET6\n",
        )
        .unit(
            "worker@.service",
            "[Service]\nExecStart=/usr/bin/worker %i\nUser=%i\nProtectHome=read-only\n",
        )
        .symlink(&format!("{UNIT_DIR}/alias.service"), "plain.service")
        .unit(
            "early.service",
            "[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nExecStart=/bin/true\nPrivateTmp=yes\n",
        );
    r
}

const MIXED_UNITS: &[&str] = &[
    "plain.service",
    "hardened.service",
    "web-front.service",
    "worker@.service",
    "alias.service",
    "early.service",
];

#[test]
fn table_is_byte_identical_to_systemd_utf8() {
    let r = mixed_root();
    for unit in MIXED_UNITS {
        let out = assert_same_as_systemd(&r, "C.UTF-8", &[unit]);
        assert_eq!(code(&out), 0);
    }
    let out = assert_same_as_systemd(&r, "C.UTF-8", &["plain.service"]);
    insta::assert_snapshot!("table_plain_utf8", stdout(&out));
    let out = assert_same_as_systemd(&r, "C.UTF-8", &["early.service"]);
    insta::assert_snapshot!("table_early_utf8", stdout(&out));
}

#[test]
fn table_is_byte_identical_to_systemd_ascii() {
    let r = mixed_root();
    for lang in ["C", "POSIX"] {
        for unit in MIXED_UNITS {
            assert_same_as_systemd(&r, lang, &[unit]);
        }
    }
    let out = assert_same_as_systemd(&r, "C", &["hardened.service"]);
    let text = stdout(&out);
    // ASCII marks and arrow (systemd's own texts still contain "…").
    for glyph in ["✓", "✗", "→"] {
        assert!(!text.contains(glyph), "{glyph} in LANG=C output:\n{text}");
    }
    assert!(text.contains("\n-> Overall exposure level for hardened.service"));
    insta::assert_snapshot!("table_hardened_ascii", text);
}

#[test]
fn emoji_face_follows_term_and_systemd_emoji_like_systemd() {
    // systemd prints the face as an emoji only on a UTF-8 locale with a TERM other than dumb
    // or linux, unless SYSTEMD_EMOJI says otherwise; the marks and arrow follow the locale.
    let r = mixed_root();
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);
    let cases: &[Case] = &[
        ("C.UTF-8", &[("TERM", "xterm-256color")], true),
        ("C.UTF-8", &[], false),
        ("C.UTF-8", &[("TERM", "dumb")], false),
        ("C.UTF-8", &[("TERM", "linux")], false),
        (
            "C.UTF-8",
            &[("TERM", "dumb"), ("SYSTEMD_EMOJI", "yes")],
            true,
        ),
        (
            "C.UTF-8",
            &[("TERM", "xterm"), ("SYSTEMD_EMOJI", "0")],
            false,
        ),
        ("C", &[("TERM", "xterm"), ("SYSTEMD_EMOJI", "1")], true),
        ("C", &[("TERM", "xterm")], false),
    ];
    let mut faces = String::new();
    for (lang, env, emoji) in cases {
        let out = assert_same_as_systemd_with(&r, lang, env, &["plain.service"]);
        let text = stdout(&out);
        let last = text.lines().last().unwrap_or_default();
        assert_eq!(
            !last.ends_with(":-{"),
            *emoji,
            "LANG={lang} {env:?}: {last}"
        );
        faces += &format!("LANG={lang} {env:?}: {last}\n");
    }
    insta::assert_snapshot!(faces, @r#"
    LANG=C.UTF-8 [("TERM", "xterm-256color")]: → Overall exposure level for plain.service: 9.6 UNSAFE 😨
    LANG=C.UTF-8 []: → Overall exposure level for plain.service: 9.6 UNSAFE :-{
    LANG=C.UTF-8 [("TERM", "dumb")]: → Overall exposure level for plain.service: 9.6 UNSAFE :-{
    LANG=C.UTF-8 [("TERM", "linux")]: → Overall exposure level for plain.service: 9.6 UNSAFE :-{
    LANG=C.UTF-8 [("TERM", "dumb"), ("SYSTEMD_EMOJI", "yes")]: → Overall exposure level for plain.service: 9.6 UNSAFE 😨
    LANG=C.UTF-8 [("TERM", "xterm"), ("SYSTEMD_EMOJI", "0")]: → Overall exposure level for plain.service: 9.6 UNSAFE :-{
    LANG=C [("TERM", "xterm"), ("SYSTEMD_EMOJI", "1")]: -> Overall exposure level for plain.service: 9.6 UNSAFE 😨
    LANG=C [("TERM", "xterm")]: -> Overall exposure level for plain.service: 9.6 UNSAFE :-{
    "#);
}

#[test]
fn several_units_print_one_block_each_in_argument_order() {
    let r = mixed_root();
    let out = assert_same_as_systemd(&r, "C.UTF-8", MIXED_UNITS);
    let text = stdout(&out);
    let overall: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("→ Overall"))
        .collect();
    insta::assert_snapshot!("several_units_overall_lines", overall.join("\n"));
}

#[test]
fn table_columns_are_padded_like_systemd() {
    // Padding details that are easy to get wrong, on top of the byte comparisons above:
    // EXPOSURE is right-aligned to the header width, a row without exposure ends with the
    // separator space (systemd drops the trailing blanks of the last column), and the header
    // of the mark column is blank.
    let r = mixed_root();
    let text = stdout(&audit(&r, "C.UTF-8", &["early.service"]));
    let header = text.lines().next().unwrap();
    assert!(header.starts_with("  NAME "));
    assert!(header.ends_with(" EXPOSURE"));
    let width = header.chars().count();
    for line in text.lines().skip(1).take_while(|l| !l.is_empty()) {
        let n = line.chars().count();
        if line.ends_with(' ') {
            assert_eq!(
                n,
                width - "EXPOSURE".len(),
                "row without exposure: {line:?}"
            );
        } else {
            assert_eq!(n, width, "row with exposure: {line:?}");
        }
    }
    // Wide characters in a policy text take two columns, as in systemd's table.
    r.file(
        "wide.policy",
        r#"{"UserOrDynamicUser": {"description_bad": "ルートで動く 漢字 😨 x́"}}"#,
    );
    let policy = r.join("wide.policy");
    let p = format!("--security-policy={}", policy.display());
    let out = assert_same_as_systemd(&r, "C.UTF-8", &[&p, "plain.service"]);
    insta::assert_snapshot!("table_wide_policy_text", stdout(&out));
}

#[test]
fn json_document_lists_units_in_argument_order_with_systemds_rows() {
    let r = mixed_root();
    let args = [
        "--json",
        "hardened.service",
        "missing.service",
        "plain.service",
        "worker@.service",
    ];
    let out = audit(&r, "C.UTF-8", &args);
    assert_eq!(code(&out), 1, "a unit failed to load: {}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(doc["schema"], 1);
    let items = doc["units"].as_array().expect("an array of units");
    let units: Vec<&str> = items.iter().map(|i| i["unit"].as_str().unwrap()).collect();
    assert_eq!(
        units,
        [
            "hardened.service",
            "missing.service",
            "plain.service",
            "worker@i.service"
        ]
    );
    assert_eq!(items[1]["error"], "Unit missing.service not found.");
    // Each scored unit's rows are systemd's --json=short rows, in order.
    for (item, unit) in [
        (&items[0], "hardened.service"),
        (&items[2], "plain.service"),
    ] {
        let theirs = systemd_analyze(&r, "C.UTF-8", &["--json=short", unit]);
        let rows: Value = serde_json::from_slice(&theirs.stdout).unwrap();
        let rows = rows.as_array().unwrap();
        let checks = item["checks"].as_array().unwrap();
        assert_eq!(checks.len(), rows.len());
        for (c, row) in checks.iter().zip(rows) {
            assert_eq!(c["name"], row["name"]);
            assert_eq!(c["json_field"], row["json_field"]);
            assert_eq!(c["set"], row["set"]);
            assert_eq!(c["description"], row["description"]);
            let ours = c["exposure"].as_f64().map(|x| format!("{x:.1}"));
            assert_eq!(
                ours.as_deref(),
                row["exposure"].as_str(),
                "{unit} {}",
                c["name"]
            );
        }
        // The overall exposure and label are the ones of systemd's text mode.
        let text = stdout(&systemd_analyze(&r, "C.UTF-8", &[unit]));
        let last = text.lines().last().unwrap().to_string();
        let want = format!(
            "→ Overall exposure level for {unit}: {:.1} {}",
            item["exposure"].as_f64().unwrap(),
            item["label"].as_str().unwrap()
        );
        assert!(last.starts_with(&want), "{last:?} vs {want:?}");
    }
    insta::assert_snapshot!("json_plain_and_missing", {
        let short = Value::Array(vec![items[1].clone(), items[2].clone()]);
        serde_json::to_string_pretty(&short).unwrap()
    });
}

#[test]
fn listing_without_units_orders_by_exposure_then_name() {
    let r = mixed_root();
    // Masked units are left out of the listing, aliases are not listed twice.
    r.symlink(&format!("{UNIT_DIR}/masked.service"), "/dev/null");
    r.unit("zz-plain.service", PLAIN);
    let out = audit(&r, "C.UTF-8", &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    insta::assert_snapshot!("overview", text);
    // Every exposure and label is systemd's.
    let mut names = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f.len(), 3, "{line:?}");
        names.push((f[0].to_string(), f[1].to_string(), f[2].to_string()));
    }
    let args: Vec<&str> = names.iter().map(|n| n.0.as_str()).collect();
    let theirs = stdout(&systemd_analyze(&r, "C.UTF-8", &args));
    let overall: Vec<String> = theirs
        .lines()
        .filter_map(|l| l.strip_prefix("→ Overall exposure level for "))
        .map(str::to_string)
        .collect();
    assert_eq!(overall.len(), names.len());
    for ((unit, exposure, label), sd) in names.iter().zip(&overall) {
        assert!(
            sd.starts_with(&format!("{unit}: {exposure} {label} ")),
            "{unit} {exposure} {label} vs systemd {sd:?}"
        );
    }
    // Most exposed first, then by name.
    let keys: Vec<(i64, &str)> = names
        .iter()
        .map(|(u, e, _)| (-(e.replace('.', "").parse::<i64>().unwrap()), u.as_str()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn listing_json_is_one_document_too() {
    let r = mixed_root();
    let out = audit(&r, "C.UTF-8", &["--json"]);
    assert_eq!(code(&out), 0);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let units: Vec<&str> = doc["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["unit"].as_str().unwrap())
        .collect();
    insta::assert_snapshot!("overview_json_units", units.join("\n"));
}

#[test]
fn threshold_exceeded_exits_1_and_still_prints() {
    let r = mixed_root();
    // plain.service is 9.6. --threshold is systemd's 0-100 scale; --max-exposure the same
    // limit as the tables print it.
    let out = audit(&r, "C.UTF-8", &["--threshold", "45", "plain.service"]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("Overall exposure level for plain.service: 9.6 UNSAFE"));
    let theirs = systemd_analyze(&r, "C.UTF-8", &["--threshold=45", "plain.service"]);
    assert_eq!(code(&theirs), 1);
    assert_eq!(out.stdout, theirs.stdout);
    let out = audit(&r, "C.UTF-8", &["--max-exposure", "4.5", "plain.service"]);
    assert_eq!(code(&out), 1);
    assert_eq!(out.stdout, theirs.stdout);
    // Strictly greater: 9.6 does not exceed 9.6.
    assert_eq!(
        code(&audit(
            &r,
            "C.UTF-8",
            &["--max-exposure", "9.6", "plain.service"]
        )),
        0
    );
    assert_eq!(
        code(&audit(&r, "C.UTF-8", &["--threshold=95", "plain.service"])),
        1
    );
    assert_eq!(
        code(&audit(
            &r,
            "C.UTF-8",
            &["--max-exposure", "10", "plain.service"]
        )),
        0
    );
    // JSON mode behaves the same.
    let out = audit(
        &r,
        "C.UTF-8",
        &["--json", "--threshold", "45", "plain.service"],
    );
    assert_eq!(code(&out), 1);
    serde_json::from_slice::<Value>(&out.stdout).unwrap();
    // In the listing too.
    let listing = audit(&r, "C.UTF-8", &["--threshold", "45"]);
    assert_eq!(code(&listing), 1);
    assert_eq!(code(&audit(&r, "C.UTF-8", &["--max-exposure", "10.0"])), 0);
    insta::assert_snapshot!(text(&listing), @"
    status Some(1)
    --- stdout
    UNIT              EXPOSURE LABEL
    plain.service          9.6 UNSAFE
    early.service          9.5 UNSAFE
    worker@i.service       9.1 UNSAFE
    web-front.service      8.3 EXPOSED
    hardened.service       0.5 SAFE
    --- stderr
    ");
}

#[test]
fn a_unit_that_fails_to_load_exits_1_and_the_others_are_reported() {
    let r = mixed_root();
    let units = ["plain.service", "missing.service", "hardened.service"];
    let out = assert_same_as_systemd(&r, "C.UTF-8", &units);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.starts_with("Unit missing.service not found. ("),
        "systemd's message first, then our detail: {err:?}"
    );
    assert_eq!(err.lines().count(), 1, "{err:?}");
    let text = stdout(&out);
    assert!(text.contains("Overall exposure level for plain.service"));
    assert!(text.contains("Overall exposure level for hardened.service"));
    let _s = r.snapshots().bind_to_scope();
    insta::assert_snapshot!(err, @"Unit missing.service not found. (no unit file named missing.service in the search path (13 directories))");
}

#[test]
fn usage_errors_exit_2() {
    let r = mixed_root();
    let mut all = String::new();
    for (flag, bad) in [
        ("--threshold", "101"),
        ("--threshold", "abc"),
        ("--threshold", "9.5"),
        ("--threshold", "-1"),
        ("--threshold", ""),
        ("--max-exposure", "11"),
        ("--max-exposure", "4.55"),
        ("--max-exposure", "10.1"),
        ("--max-exposure", "4."),
        ("--max-exposure", "45"),
    ] {
        let arg = format!("{flag}={bad}");
        let out = audit(&r, "C.UTF-8", &[&arg, "plain.service"]);
        all += &format!("$ audit {arg} plain.service\n{}", stderr(&out));
        assert_eq!(code(&out), 2, "{arg}: {}", stderr(&out));
        assert!(out.stdout.is_empty());
        assert!(
            stderr(&out).contains(flag),
            "names the flag: {}",
            stderr(&out)
        );
    }
    // The 0.0-10.0 form given to --threshold points to --max-exposure.
    let out = audit(&r, "C.UTF-8", &["--threshold=9.5", "plain.service"]);
    assert!(
        stderr(&out).contains("--max-exposure 9.5"),
        "{}",
        stderr(&out)
    );
    let out = audit(&r, "C.UTF-8", &["--no-such-flag"]);
    assert_eq!(code(&out), 2);
    all += &format!("$ audit --no-such-flag\n{}", stderr(&out));
    let out = unitguard(&r, "C.UTF-8", &["no-such-command"]);
    assert_eq!(code(&out), 2);
    all += &format!("$ unitguard no-such-command\n{}", stderr(&out));
    let out = unitguard(&r, "C.UTF-8", &[]);
    assert_eq!(code(&out), 2);
    all += &format!("$ unitguard\n{}", stderr(&out));
    insta::assert_snapshot!("usage_errors", all);
    insta::assert_snapshot!(
        "usage_threshold_101",
        stderr(&audit(
            &r,
            "C.UTF-8",
            &["--threshold", "101", "plain.service"]
        ))
    );
    // --help and --version are not errors.
    let help = unitguard(&r, "C.UTF-8", &["--help"]);
    assert_eq!(code(&help), 0);
    insta::assert_snapshot!("help", stdout(&help));
    assert_eq!(code(&unitguard(&r, "C.UTF-8", &["--version"])), 0);
    let help = unitguard(&r, "C.UTF-8", &["audit", "--help"]);
    assert_eq!(code(&help), 0);
    insta::assert_snapshot!("audit_help", stdout(&help));
}

#[test]
fn without_offline_a_line_on_stderr_says_units_are_read_offline() {
    let r = mixed_root();
    let root = r.arg();
    let out = unitguard(&r, "C.UTF-8", &["audit", "--root", &root, "plain.service"]);
    assert_eq!(code(&out), 0);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "exactly one line: {err:?}");
    assert!(err.contains("offline"), "{err:?}");
    insta::assert_snapshot!("stderr_without_offline", err);
    // The report itself is the offline one.
    assert_eq!(
        out.stdout,
        systemd_analyze(&r, "C.UTF-8", &["plain.service"]).stdout
    );
    // With --offline, nothing on stderr.
    let out = audit(&r, "C.UTF-8", &["plain.service"]);
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn security_policy_changes_numbers_like_systemd() {
    let r = mixed_root();
    r.file(
        "my.policy",
        r#"{
  "UserOrDynamicUser": {"weight": 0},
  "UMask": {"weight": 5000.0, "range": 10, "description_bad": "umask is loose"},
  "PrivateNetwork": {"weight": -3, "range": "x"},
  "NotAField": {"weight": 1}
}"#,
    );
    let policy = r.join("my.policy");
    let p = format!("--security-policy={}", policy.display());
    for unit in MIXED_UNITS {
        assert_same_as_systemd(&r, "C.UTF-8", &[&p, unit]);
    }
    let out = assert_same_as_systemd(&r, "C.UTF-8", &[&p, "plain.service"]);
    insta::assert_snapshot!("table_plain_policy", stdout(&out));
    // systemd-analyze 252 looks for its default policy on the host, not under --root: a policy
    // file inside the root changes nothing.
    r.file(
        "etc/systemd/systemd-analyze-security.policy",
        r#"{"UMask": {"weight": 0}}"#,
    );
    let out = assert_same_as_systemd(&r, "C.UTF-8", &["plain.service"]);
    assert!(!stdout(&out).contains("Option excluded by policy, skipping"));
}

#[test]
fn without_offline_or_root_and_no_manager_falls_back_to_offline_with_one_line() {
    // No --root: live mode is tried first. There is no systemd manager on the test machine
    // (a container), so the run reads unit files, says so in one line, and prints what
    // `systemd-analyze security --offline=true` prints. SYSTEMD_UNIT_PATH keeps it hermetic.
    let r = mixed_root();
    let unit_dir = r.join(UNIT_DIR);
    if std::path::Path::new("/run/systemd/private").exists() {
        eprintln!("a systemd manager runs here: live mode is covered elsewhere");
        return;
    }
    let run = |program: &str, args: &[&str]| {
        let mut cmd = std::process::Command::new(program);
        cmd.current_dir(r.path())
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env("SYSTEMD_UNIT_PATH", &unit_dir)
            .args(args);
        output_within(cmd, 60).expect("hung")
    };
    let ours = run(env!("CARGO_BIN_EXE_unitguard"), &["audit", "plain.service"]);
    let theirs = run(
        "systemd-analyze",
        &["security", "--offline=true", "plain.service"],
    );
    assert_eq!(code(&ours), 0);
    assert_eq!(ours.stdout, theirs.stdout);
    let err = stderr(&ours);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("unitguard: ") && err.contains("reading unit files offline"),
        "{err}"
    );
    // Why the bus cannot be reached is this machine's business.
    let mut settings = snapshots();
    settings.add_filter(r"\(cannot connect to the system bus [^;]*\)", "([WHY])");
    let _s = settings.bind_to_scope();
    insta::assert_snapshot!(err, @"unitguard: live mode needs a systemd manager ([WHY]); reading unit files offline, as systemd-analyze security --offline=true does");
}

/// A script written for `systemd-analyze security`, as a packager's CI or an admin's cron job
/// would use it, run unchanged with `$ANALYZE` set to `systemd-analyze security` and then to
/// `unitguard audit`: stdout (with every exit status echoed into it) must be the same bytes.
/// It covers the options systemd-analyze 252 has for `security`: --offline=BOOL (and the
/// getopt forms `--offline true`), --json=pretty|short|off, --threshold=N, --root, --image,
/// --user, --security-policy, --no-pager and -q.
#[test]
fn a_script_for_systemd_analyze_security_runs_unchanged() {
    let r = mixed_root();
    r.file(
        "policy.json",
        "{\"PrivateNetwork\": {\"weight\": 0}, \"UMask\": {\"description_bad\": \"umask!\"}}",
    );
    // A disk image of a small OS tree: a file system by itself (mkfs.ext4 -d, no root needed
    // to make it; systemd-analyze and unitguard both loop-mount it, which needs root).
    let tree = Root::new();
    tree.unit("imaged.service", PLAIN).dir("usr/bin");
    let image = r.join("os.img");
    std::fs::File::create(&image)
        .unwrap()
        .set_len(16 << 20)
        .unwrap();
    let mkfs = std::process::Command::new("mkfs.ext4")
        .args(["-q", "-d"])
        .arg(tree.path())
        .arg(&image)
        .output()
        .expect("mkfs.ext4 must be installed (e2fsprogs)");
    assert!(
        mkfs.status.success(),
        "{}",
        String::from_utf8_lossy(&mkfs.stderr)
    );
    // A user's own units: ~/.config/systemd/user.
    r.file(
        "home/.config/systemd/user/mine.service",
        "[Service]\nExecStart=/usr/bin/mine\nPrivateTmp=yes\n",
    )
    .dir("xdg-runtime");
    let script = r#"
set -u
for u in plain.service hardened.service worker@.service; do
    $ANALYZE --offline=true --root="$ROOT" --no-pager --threshold=96 "$u"; echo "exit=$?"
done
$ANALYZE --offline=true --root="$ROOT" --json=short plain.service early.service; echo "exit=$?"
$ANALYZE --offline=true --root="$ROOT" --json=pretty --security-policy="$ROOT/policy.json" plain.service; echo "exit=$?"
$ANALYZE --offline=true --root="$ROOT" --json=off -q missing.service hardened.service; echo "exit=$?"
$ANALYZE --offline true --root "$ROOT" --threshold 50 "$ROOT/etc/systemd/system/web-front.service"; echo "exit=$?"
$ANALYZE --json short --offline=yes --root="$ROOT" alias.service --threshold=99; echo "exit=$?"
$ANALYZE --offline=1 --image="$ROOT/os.img" imaged.service; echo "exit=$?"
$ANALYZE --offline=true --image="$ROOT/os.img" --json=short --threshold=0 imaged.service; echo "exit=$?"
HOME="$ROOT/home" XDG_RUNTIME_DIR="$ROOT/xdg-runtime" $ANALYZE --user --offline=true mine.service; echo "exit=$?"
umask 077
HOME="$ROOT/home" XDG_RUNTIME_DIR="$ROOT/xdg-runtime" $ANALYZE --user --offline=true --json=short mine.service; echo "exit=$?"
"#;
    let run = |analyze: &str| {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap())
            .env("LANG", "C.UTF-8")
            .env("ROOT", r.path())
            .env("ANALYZE", analyze)
            .current_dir(r.path())
            .output()
            .unwrap();
        (stdout(&out), stderr(&out))
    };
    let (theirs, their_err) = run("systemd-analyze security");
    let ours_cmd = format!("{} audit", env!("CARGO_BIN_EXE_unitguard"));
    let (ours, our_err) = run(&ours_cmd);
    let statuses: Vec<&str> = theirs.lines().filter(|l| l.starts_with("exit=")).collect();
    assert_eq!(
        statuses,
        [
            "exit=0", "exit=0", "exit=0", "exit=0", "exit=0", "exit=1", "exit=1", "exit=0",
            "exit=0", "exit=1", "exit=0", "exit=0"
        ],
        "the script exercises passing and failing runs (systemd's stderr: {their_err})"
    );
    if ours != theirs {
        let first = ours
            .lines()
            .zip(theirs.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "unitguard audit differs from systemd-analyze security at line {}:\n ours:    {:?}\n systemd: {:?}\nour stderr: {our_err}\nsystemd's stderr: {their_err}",
            first + 1,
            ours.lines().nth(first),
            theirs.lines().nth(first)
        );
    }
    let _s = r.snapshots().bind_to_scope();
    insta::assert_snapshot!("script_for_systemd_analyze", ours);
    insta::assert_snapshot!(our_err, @"Unit missing.service not found. (no unit file named missing.service in the search path (13 directories))");
}
