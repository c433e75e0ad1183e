//! `unitguard harden --write` on every regular `.service` of the real Debian corpus, for both
//! profiles, checked against the live systemd 252:
//!
//! (a) `systemd-analyze verify` has nothing new to say once the drop-in is there: every line
//!     of its output that names `hardening.conf`, and every line that was not already in its
//!     output for the untouched unit, is a failure;
//! (b) the predicted scores in the drop-in's header (and on stderr) are systemd's own
//!     `security --offline=true` scores before and after, and `unitguard audit --json` of the
//!     hardened unit equals systemd's table row by row;
//! (c) the drop-in never loosens: each of the 81 checks has a badness after that is at most
//!     the badness before (`SYSTEMD_ANALYZE_DEBUG=1 ... --json=short` shows badness; a check
//!     that does not apply counts as 0);
//! (d) `--write` over a different `hardening.conf` keeps it as
//!     `hardening.conf.unitguard-backup`, and `--write` again gives the identical file and no
//!     backup.
//!
//! The corpus is `$UNITGUARD_CORPUS` (set by scripts/test), else whatever `scripts/fetch-corpus`
//! prints on its last line. Each (package, profile) works in its own copy of the package's
//! unit tree; systemd-analyze runs once per copy and question (batched over all its units),
//! the copies run in parallel threads. Every failing unit is listed at the end.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use serde_json::Value;

mod common;

const PROFILES: [&str; 2] = ["baseline", "strict"];
const DROPIN: &str = "hardening.conf";
const BACKUP: &str = "hardening.conf.unitguard-backup";
/// What (d) puts in place before the first `--write`: a different file, with no settings
/// (so the unit and the plan are the same as without it).
const PREVIOUS: &str = "# a hardening.conf that unitguard did not write\n";

fn unitguard() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("unitguard")
}

fn corpus() -> PathBuf {
    if let Some(c) = std::env::var_os("UNITGUARD_CORPUS").filter(|c| !c.is_empty()) {
        return PathBuf::from(c);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/fetch-corpus");
    let out = Command::new(&script)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", script.display()));
    assert!(
        out.status.success(),
        "UNITGUARD_CORPUS is not set and scripts/fetch-corpus failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    PathBuf::from(
        stdout
            .lines()
            .last()
            .expect("fetch-corpus printed the corpus path")
            .trim(),
    )
}

/// package → paths (relative to the package directory) of its regular `.service` files:
/// `units.tsv` when the corpus has one, else a walk of the two unit directories.
fn services(corpus: &Path) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Ok(tsv) = std::fs::read_to_string(corpus.join("units.tsv")) {
        for line in tsv.lines().filter(|l| !l.trim().is_empty()) {
            let (pkg, rel) = line.split_once('\t').expect("units.tsv: package<TAB>path");
            out.entry(pkg.to_string())
                .or_default()
                .push(rel.to_string());
        }
        return out;
    }
    for pkg in std::fs::read_dir(corpus).expect("corpus directory") {
        let pkg = pkg.unwrap();
        if !pkg.file_type().unwrap().is_dir() || pkg.file_name() == "debs" {
            continue;
        }
        let name = pkg.file_name().to_string_lossy().to_string();
        for dir in ["lib/systemd/system", "usr/lib/systemd/system"] {
            let Ok(rd) = std::fs::read_dir(pkg.path().join(dir)) else {
                continue;
            };
            for e in rd.flatten() {
                let f = e.file_name().to_string_lossy().to_string();
                if f.ends_with(".service") && e.file_type().unwrap().is_file() {
                    out.entry(name.clone())
                        .or_default()
                        .push(format!("{dir}/{f}"));
                }
            }
        }
    }
    out
}

/// The name to analyse a unit file under: templates as the version's instance (`@i`,
/// `@test_instance` from 257), like its oracle.
fn unit_name(rel: &str, version: u32) -> String {
    let base = rel.rsplit('/').next().unwrap();
    let instance = &unitguard::tables::SystemdTables::for_version(version)
        .unwrap()
        .rules
        .template_instance;
    match base.strip_suffix("@.service") {
        Some(prefix) => format!("{prefix}@{instance}.service"),
        None => base.to_string(),
    }
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

// ---------------------------------------------------------------- systemd-analyze security

#[derive(Debug, Clone)]
struct Row {
    name: String,
    json_field: String,
    set: Value,
    description: String,
    exposure: Option<String>,
    /// None: the check does not apply (systemd prints UINT64_MAX).
    badness: Option<u64>,
}

#[derive(Debug, Clone)]
struct Security {
    /// `9.6 UNSAFE`
    overall: String,
    rows: Vec<Row>,
}

/// `systemd-analyze security --offline=true --root=ROOT UNITS...`, text (for the overall lines)
/// and `--json=short` with SYSTEMD_ANALYZE_DEBUG=1 (for badness). Units that do not load map
/// to systemd's message.
fn security(
    root: &Path,
    units: &[String],
    version: u32,
) -> HashMap<String, Result<Security, String>> {
    let base = |json: bool| {
        let mut c = common::systemd_analyze(version);
        c.current_dir(root)
            .env("SYSTEMD_ANALYZE_DEBUG", "1")
            .arg("security")
            .arg("--offline=true")
            .arg(format!("--root={}", root.display()));
        if json {
            c.arg("--json=short");
        }
        c.args(units);
        c
    };
    let text = run(&mut base(false));
    let json = run(&mut base(true));
    let stdout = String::from_utf8_lossy(&text.stdout);
    let overall: Vec<(String, String)> = stdout
        .lines()
        .filter_map(|l| {
            let rest = l.split_once("Overall exposure level for ")?.1;
            let (id, score) = rest.split_once(": ")?;
            let mut w = score.split_whitespace();
            Some((id.to_string(), format!("{} {}", w.next()?, w.next()?)))
        })
        .collect();
    let tables: Vec<Value> = serde_json::Deserializer::from_slice(&json.stdout)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .expect("systemd-analyze --json=short output parses");
    assert_eq!(
        overall.len(),
        tables.len(),
        "systemd-analyze printed {} overall lines but {} JSON tables for {units:?} in {}",
        overall.len(),
        tables.len(),
        root.display()
    );
    let stderr = String::from_utf8_lossy(&text.stderr);
    let mut out = HashMap::new();
    let mut found = overall.into_iter().zip(tables).peekable();
    for u in units {
        match found.peek() {
            Some(((id, _), _)) if id == u => {
                let ((_, score), table) = found.next().unwrap();
                let rows = table
                    .as_array()
                    .expect("a JSON array of checks")
                    .iter()
                    .map(|r| Row {
                        name: r["name"].as_str().unwrap().to_string(),
                        json_field: r["json_field"].as_str().unwrap().to_string(),
                        set: r["set"].clone(),
                        description: r["description"].as_str().unwrap().to_string(),
                        exposure: r["exposure"].as_str().map(str::to_string),
                        badness: r["badness"].as_u64().filter(|b| *b != u64::MAX),
                    })
                    .collect();
                out.insert(
                    u.clone(),
                    Ok(Security {
                        overall: score,
                        rows,
                    }),
                );
            }
            _ => {
                let msg = stderr
                    .lines()
                    .find(|l| l.contains(u.as_str()))
                    .unwrap_or("no output")
                    .to_string();
                out.insert(u.clone(), Err(msg));
            }
        }
    }
    assert!(
        found.next().is_none(),
        "systemd-analyze reported units in an unexpected order for {units:?}"
    );
    out
}

/// Lines of `systemd-analyze verify` that say nothing about the drop-in, ignored even when they
/// were not in the output for the untouched unit (unless they name hardening.conf):
/// * `X.service: Failed to create X.service/start: Unit Y not found.`: the copied package tree
///   has no sysinit.target, dbus.socket, ...; which missing unit is named first varies from
///   run to run;
/// * `X.service: Command /usr/sbin/foo is not executable: No such file or directory`: the
///   package's binaries are not in the copied tree (nor necessarily on this host).
fn ignored(line: &str) -> bool {
    (line.contains(": Failed to create ")
        && line.contains("/start: Unit ")
        && line.ends_with(" not found."))
        || (line.contains(": Command ") && line.contains(" is not executable: "))
}

/// `systemd-analyze verify` of all units at once; its output lines, the root replaced by ROOT.
fn verify(root: &Path, units: &[String], version: u32) -> Vec<String> {
    let out = run(common::systemd_analyze(version)
        .current_dir(root)
        .env("SYSTEMD_LOG_LEVEL", "info")
        .env("SYSTEMD_LOG_COLOR", "0")
        .arg("verify")
        .arg("--man=no")
        .arg("--generators=no")
        .arg(format!("--root={}", root.display()))
        .args(units));
    let r = root.display().to_string();
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .chain(String::from_utf8_lossy(&out.stderr).lines())
        .map(|l| l.replace(&r, "ROOT"))
        .collect();
    lines.sort();
    lines
}

// ---------------------------------------------------------------- one package, one profile

#[derive(Default)]
struct Outcome {
    failures: Vec<String>,
    /// (unit, before, after) as systemd scores them.
    scores: Vec<(String, String, String)>,
    /// Units systemd cannot load either (harden refuses them too).
    unloadable: Vec<String>,
}

/// Both profiles for one package: systemd's view of the untouched units is taken once, from
/// the corpus directory itself (nothing writes there), each profile then works in its own copy.
fn check_package(corpus: &Path, pkg: &str, rels: &[String], version: u32) -> Outcome {
    // A version that no longer searches /lib/systemd/system (257) gets the package as a
    // merged-/usr system installs it.
    let merged = common::split_by_lib(&[version])
        .1
        .first()
        .map(|_| common::merged_usr_copy(&corpus.join(pkg)));
    let pristine = merged
        .as_ref()
        .map_or_else(|| corpus.join(pkg), |t| t.path().to_path_buf());
    let mut units: Vec<String> = rels.iter().map(|r| unit_name(r, version)).collect();
    units.sort();
    units.dedup();
    let before = security(&pristine, &units, version);
    let verify_before = verify(&pristine, &units, version);
    let mut o = Outcome::default();
    for profile in PROFILES {
        check_profile(
            &pristine,
            pkg,
            &units,
            (profile, version),
            &before,
            &verify_before,
            &mut o,
        );
    }
    o
}

fn check_profile(
    pristine: &Path,
    pkg: &str,
    units: &[String],
    (profile, version): (&str, u32),
    before: &HashMap<String, Result<Security, String>>,
    verify_before: &[String],
    o: &mut Outcome,
) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir(&root).unwrap();
    let cp = run(Command::new("cp")
        .arg("-a")
        .arg(pristine.join("."))
        .arg(&root));
    assert!(cp.status.success(), "cp -a {pkg}: {cp:?}");

    let mut fail = |unit: &str, msg: String| {
        o.failures.push(format!(
            "{pkg} {unit} [{profile}, systemd {version}]: {msg}"
        ));
    };

    // Harden every unit (d: over a foreign hardening.conf, then again).
    let mut hardened: Vec<(String, String, String)> = Vec::new(); // (unit, file text, stderr)
    for unit in units {
        let dir = root.join(format!("etc/systemd/system/{unit}.d"));
        let file = dir.join(DROPIN);
        let backup = dir.join(BACKUP);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&file, PREVIOUS).unwrap();
        let harden = || {
            run(Command::new(unitguard())
                .current_dir(&root)
                .arg("harden")
                .arg("--root")
                .arg(&root)
                .arg("--profile")
                .arg(profile)
                .arg(format!("--systemd-version={version}"))
                .arg("--write")
                .arg(unit))
        };
        let first = harden();
        if !first.status.success() {
            let err = String::from_utf8_lossy(&first.stderr).trim().to_string();
            match &before[unit] {
                Err(sd) => o
                    .unloadable
                    .push(format!("{pkg} {unit}: systemd: {sd}; unitguard: {err}")),
                Ok(_) => fail(unit, format!("harden failed ({}): {err}", first.status)),
            }
            let _ = std::fs::remove_dir_all(&dir);
            continue;
        }
        if let Err(sd) = &before[unit] {
            fail(
                unit,
                format!("harden succeeded but systemd cannot load the unit: {sd}"),
            );
            continue;
        }
        match std::fs::read_to_string(&backup) {
            Ok(b) if b == PREVIOUS => {}
            Ok(b) => fail(unit, format!("backup holds {b:?}, not the previous file")),
            Err(e) => fail(
                unit,
                format!("no backup of the previous hardening.conf: {e}"),
            ),
        }
        let stdout = String::from_utf8_lossy(&first.stdout);
        if !stdout.contains("previous version kept as") {
            fail(
                unit,
                format!("the first --write does not mention the backup: {stdout}"),
            );
        }
        std::fs::remove_file(&backup).ok();
        let text = std::fs::read_to_string(&file).unwrap();
        let second = harden();
        let text2 = std::fs::read_to_string(&file).unwrap();
        if !second.status.success() {
            fail(
                unit,
                format!(
                    "second --write failed: {}",
                    String::from_utf8_lossy(&second.stderr).trim()
                ),
            );
        }
        if text2 != text {
            fail(
                unit,
                format!("second --write changed the file:\n--- first\n{text}\n--- second\n{text2}"),
            );
        }
        if backup.exists() || String::from_utf8_lossy(&second.stdout).contains("previous version") {
            fail(unit, "second --write made a backup".into());
            std::fs::remove_file(&backup).ok();
        }
        let leftovers: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n != DROPIN)
            .collect();
        if !leftovers.is_empty() {
            fail(
                unit,
                format!("stray files next to the drop-in: {leftovers:?}"),
            );
        }
        hardened.push((
            unit.clone(),
            text,
            String::from_utf8_lossy(&second.stderr).to_string(),
        ));
    }
    if hardened.is_empty() {
        return;
    }
    let names: Vec<String> = hardened.iter().map(|(u, _, _)| u.clone()).collect();

    // (a) verify: nothing new, nothing about our file.
    let verify_after = verify(&root, units, version);
    for line in &verify_after {
        let ours = line.contains(DROPIN);
        let new = verify_before.binary_search(line).is_err();
        if ours || (new && !ignored(line)) {
            let unit = names
                .iter()
                .find(|u| line.contains(&format!("{u}.d/")) || line.starts_with(&format!("{u}:")))
                .map_or("(package)", String::as_str);
            fail(unit, format!("systemd-analyze verify: {line}"));
        }
    }

    // (b), (c)
    let after = security(&root, &names, version);
    let audit = run(Command::new(unitguard())
        .current_dir(&root)
        .args(["audit", "--offline", "--json"])
        .arg(format!("--systemd-version={version}"))
        .arg("--root")
        .arg(&root)
        .args(&names));
    let audit: Value = serde_json::from_slice(&audit.stdout).unwrap_or_else(|e| {
        panic!(
            "{pkg}: audit --json does not parse: {e}\n{}",
            String::from_utf8_lossy(&audit.stderr)
        )
    });
    let audit: Vec<Value> = audit["units"].as_array().cloned().unwrap_or_default();
    assert_eq!(audit.len(), names.len(), "{pkg}: audit --json entries");
    for ((unit, text, stderr), ours) in hardened.iter().zip(&audit) {
        let b = before[unit].as_ref().unwrap();
        let a = match &after[unit] {
            Ok(a) => a,
            Err(e) => {
                fail(unit, format!("systemd cannot load the hardened unit: {e}"));
                continue;
            }
        };
        o.scores
            .push((unit.clone(), b.overall.clone(), a.overall.clone()));
        let expected = format!(
            "# Predicted exposure (systemd-analyze security): {} -> {}",
            b.overall, a.overall
        );
        if !text.lines().any(|l| l == expected) {
            let got = text
                .lines()
                .find(|l| l.starts_with("# Predicted exposure"))
                .unwrap_or("(no header)");
            fail(
                unit,
                format!("header says {got:?}, systemd says {expected:?}"),
            );
        }
        let line = format!("{unit}: {} -> {} (predicted)", b.overall, a.overall);
        if !stderr.lines().any(|l| l == line) {
            fail(
                unit,
                format!("stderr {:?}, expected {line:?}", stderr.trim()),
            );
        }
        compare_audit(unit, a, ours, &mut fail);
        // systemd sorts its table by exposure: match the checks by json_field.
        let before_rows: HashMap<&str, &Row> =
            b.rows.iter().map(|r| (r.json_field.as_str(), r)).collect();
        if before_rows.len() != a.rows.len() {
            fail(
                unit,
                format!("{} checks before, {} after", b.rows.len(), a.rows.len()),
            );
        }
        for ra in &a.rows {
            let Some(rb) = before_rows.get(ra.json_field.as_str()) else {
                fail(unit, format!("check {} is new", ra.json_field));
                continue;
            };
            if ra.badness.unwrap_or(0) > rb.badness.unwrap_or(0) {
                fail(
                    unit,
                    format!(
                        "loosens {}: badness {:?} -> {:?} ({:?} -> {:?})",
                        ra.name, rb.badness, ra.badness, rb.description, ra.description
                    ),
                );
            }
        }
    }
}

/// `unitguard audit --json` of one unit against systemd's table: the overall score and every
/// row (name, json_field, set, description, exposure).
fn compare_audit(unit: &str, sd: &Security, ours: &Value, fail: &mut impl FnMut(&str, String)) {
    if let Some(e) = ours.get("error") {
        fail(unit, format!("audit: {e}"));
        return;
    }
    let overall = format!(
        "{:.1} {}",
        ours["exposure"].as_f64().unwrap_or(f64::NAN),
        ours["label"].as_str().unwrap_or("?")
    );
    if ours["unit"] != unit || overall != sd.overall {
        fail(
            unit,
            format!(
                "audit says {} {overall}, systemd {unit} {}",
                ours["unit"], sd.overall
            ),
        );
    }
    let checks = ours["checks"].as_array().cloned().unwrap_or_default();
    if checks.len() != sd.rows.len() {
        fail(
            unit,
            format!("audit has {} rows, systemd {}", checks.len(), sd.rows.len()),
        );
    }
    for (i, (r, c)) in sd.rows.iter().zip(&checks).enumerate() {
        let exposure = c["exposure"].as_f64().map(|x| format!("{x:.1}"));
        let same = c["name"] == r.name.as_str()
            && c["json_field"] == r.json_field.as_str()
            && c["set"] == r.set
            && c["description"] == r.description.as_str()
            && exposure == r.exposure;
        if !same {
            fail(
                unit,
                format!(
                    "audit row {i}: systemd ({}, {}, {}, {:?}, {:?}) unitguard ({}, {}, {}, {}, {:?})",
                    r.name,
                    r.json_field,
                    r.set,
                    r.description,
                    r.exposure,
                    c["name"],
                    c["json_field"],
                    c["set"],
                    c["description"],
                    exposure
                ),
            );
            break;
        }
    }
}

#[test]
fn harden_every_corpus_service() {
    let corpus = corpus();
    let corpus = corpus
        .canonicalize()
        .unwrap_or_else(|e| panic!("corpus {}: {e}", corpus.display()));
    let services = services(&corpus);
    assert!(
        !services.is_empty(),
        "no .service files in the corpus at {}",
        corpus.display()
    );
    // Biggest packages first, so that no thread is left with a long one at the end.
    let mut jobs: Vec<(&String, &Vec<String>, u32)> = common::oracle_versions()
        .into_iter()
        .flat_map(|v| services.iter().map(move |(p, r)| (p, r, v)))
        .collect();
    jobs.sort_by_key(|(p, r, v)| (std::cmp::Reverse(r.len()), p.as_str(), *v));
    let total_units: usize = services.values().map(Vec::len).sum();
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
    // Most of the time goes to short-lived child processes: two threads per CPU keep them busy.
    let threads = std::thread::available_parallelism().map_or(4, |n| (2 * n.get()).min(32));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let job = {
                        let mut n = next.lock().unwrap();
                        *n += 1;
                        *n - 1
                    };
                    let Some(&(pkg, rels, version)) = jobs.get(job) else {
                        break;
                    };
                    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        check_package(&corpus, pkg, rels, version)
                    }));
                    let o = run.unwrap_or_else(|e| Outcome {
                        failures: vec![format!(
                            "{pkg} (all units): the check panicked: {}",
                            e.downcast_ref::<String>()
                                .map(String::as_str)
                                .or_else(|| e.downcast_ref::<&str>().copied())
                                .unwrap_or("?")
                        )],
                        ..Outcome::default()
                    });
                    results.lock().unwrap().push(o);
                }
            });
        }
    });
    let results = results.into_inner().unwrap();
    let mut failures: Vec<String> = results.iter().flat_map(|o| o.failures.clone()).collect();
    failures.sort();
    let mut unloadable: Vec<String> = results.iter().flat_map(|o| o.unloadable.clone()).collect();
    unloadable.sort();
    unloadable.dedup();
    let checked: usize = results.iter().map(|o| o.scores.len()).sum();
    let mut summary = String::new();
    let _ = writeln!(
        summary,
        "{} packages, {total_units} services, {checked} hardened unit/profile pairs checked against systemd, {} failures",
        services.len(),
        failures.len()
    );
    for u in &unloadable {
        let _ = writeln!(summary, "  not loadable by systemd either: {u}");
    }
    eprint!("{summary}");
    let mut failing_units: Vec<&str> = failures
        .iter()
        .map(|f| f.split(':').next().unwrap_or(f))
        .collect();
    failing_units.dedup();
    assert!(
        failures.is_empty(),
        "{summary}\nfailing units ({}):\n  {}\n\nevery failure:\n{}",
        failing_units.len(),
        failing_units.join("\n  "),
        failures.join("\n")
    );
    assert!(checked > 0, "nothing was checked");
}
