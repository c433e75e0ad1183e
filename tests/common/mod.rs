//! Differential test harness: unitguard against the live `systemd-analyze security
//! --offline=true`.
//!
//! A [`Test`] is a temporary directory tree of unit files, drop-ins and symlinks plus a list of
//! arguments. [`Test::run`] invokes both tools once for all arguments (systemd-analyze twice:
//! `--json=short` for the rows, text mode for the overall line) and compares, unit by unit:
//!
//! * load failures: systemd's stderr line (`Unit foo.service not found.`, ...) against our `error`;
//! * the overall line `→ Overall exposure level for ID: X.Y LABEL` against our `unit`,
//!   `exposure` and `label`;
//! * every row, in order: name, json_field, set, description and exposure string.
//!
//! Every expectation comes from the live systemd-analyze; nothing is recorded from our own
//! output. Each test runs against every systemd version unitguard scores for (252: the host's
//! systemd-analyze; 254 and 257: theirs, from the trees `scripts/oracle-tree` builds), with
//! `unitguard --systemd-version V`. `UNITGUARD_ORACLES=252,257` narrows the list while
//! developing. If an oracle is missing the test fails (it is never skipped).
//!
//! ```ignore
//! Test::new()
//!     .unit("a.service", "[Service]\nExecStart=/bin/true\nUser=nobody\n")
//!     .file("etc/systemd/system/a.service.d/x.conf", "[Service]\nUser=\n")
//!     .run();
//! ```

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The systemd versions every differential test compares against (all of them unless
/// `UNITGUARD_ORACLES` narrows the list).
pub fn oracle_versions() -> Vec<u32> {
    match std::env::var("UNITGUARD_ORACLES") {
        Ok(list) if !list.trim().is_empty() => list
            .split(',')
            .map(|v| {
                v.trim()
                    .parse()
                    .expect("UNITGUARD_ORACLES: comma-separated versions")
            })
            .collect(),
        _ => unitguard::tables::SUPPORTED_VERSIONS.to_vec(),
    }
}

/// The versions of `all` whose unit search path still has /lib/systemd/system (split /usr),
/// and those without it (257: merged /usr only).
pub fn split_by_lib(all: &[u32]) -> (Vec<u32>, Vec<u32>) {
    all.iter().partition(|&&v| {
        unitguard::tables::SystemdTables::for_version(v)
            .expect("a supported version")
            .rules
            .unit_path
            .iter()
            .any(|p| p == "/lib/systemd/system")
    })
}

/// A copy of `root` laid out as a merged-/usr system installs it: what a Debian 12 package
/// ships in /lib lands in /usr/lib, and /lib is a link to usr/lib.
pub fn merged_usr_copy(root: &Path) -> tempfile::TempDir {
    let tmp = tempfile::Builder::new()
        .prefix("unitguard-merged-")
        .tempdir()
        .expect("create temp dir");
    let cp = Command::new("cp")
        .arg("-a")
        .arg(root.join("."))
        .arg(tmp.path())
        .status()
        .expect("run cp");
    assert!(cp.success(), "cp -a {}", root.display());
    let lib = tmp.path().join("lib");
    if lib.is_dir() && !lib.is_symlink() {
        std::fs::create_dir_all(tmp.path().join("usr/lib")).unwrap();
        let mv = Command::new("cp")
            .arg("-a")
            .arg(lib.join("."))
            .arg(tmp.path().join("usr/lib"))
            .status()
            .expect("run cp");
        assert!(mv.success());
        std::fs::remove_dir_all(&lib).unwrap();
        std::os::unix::fs::symlink("usr/lib", &lib).unwrap();
    }
    tmp
}

/// The host's systemd version (the one `systemd-analyze` on PATH is).
pub fn host_version() -> u32 {
    static V: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *V.get_or_init(host_version_uncached)
}

fn host_version_uncached() -> u32 {
    let out = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .expect("the differential tests need systemd-analyze on PATH");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("systemd-analyze --version names its version")
}

/// `systemd-analyze` of systemd `version`: the host's own, or the one in its oracle tree
/// (run through `scripts/oracle-tree VERSION analyze`, on the host's file system).
pub fn systemd_analyze(version: u32) -> Command {
    if version == host_version() {
        return Command::new("systemd-analyze");
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/oracle-tree");
    let probe = Command::new(&script)
        .args([&version.to_string(), "path"])
        .output()
        .expect("run scripts/oracle-tree");
    assert!(
        probe.status.success(),
        "no systemd-analyze {version} to compare with: {}run `scripts/oracle-tree {version} build` \
         (scripts/test does); these tests are never skipped",
        String::from_utf8_lossy(&probe.stderr)
    );
    let mut c = Command::new(script);
    c.args([&version.to_string(), "analyze"]);
    c
}

/// The directory unit files go to by default, inside the tree.
pub const UNIT_DIR: &str = "etc/systemd/system";

/// A unit file with only `ExecStart=`: the smallest service systemd accepts.
pub const EXEC: &str = "[Service]\nExecStart=/bin/true\n";

/// A service body: `[Service]`, `ExecStart=/bin/true`, then `lines`.
pub fn service(lines: &str) -> String {
    format!("{EXEC}{lines}\n")
}

/// How the arguments reach both tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `--root=TREE`, run in TREE, arguments are unit names looked up in TREE's unit path.
    Root,
    /// No `--root`: arguments are absolute paths of files in the tree; their directories
    /// come first in the search path, the host's unit directories follow.
    Paths,
}

/// A tree of unit files and the arguments to analyse in it, compared between both tools.
pub struct Test {
    /// The tree's root directory.
    root: PathBuf,
    /// The temporary directory holding `root`, unless the test uses an existing tree.
    tree: Option<tempfile::TempDir>,
    mode: Mode,
    unit_dir: String,
    args: Vec<String>,
    policy: Option<PathBuf>,
    /// Extra arguments for unitguard only (for the harness's own self-test).
    ours_extra: Vec<String>,
    /// The versions to compare with (`None`: all of [`oracle_versions`]).
    versions: Option<Vec<u32>>,
}

impl Default for Test {
    fn default() -> Self {
        Self::new()
    }
}

/// One unit's result, from either tool.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Error(String),
    Scored {
        unit: String,
        exposure: String,
        label: String,
        rows: Vec<Row>,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct Row {
    name: String,
    json_field: String,
    set: Option<bool>,
    description: Option<String>,
    exposure: Option<String>,
}

impl std::fmt::Display for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} [{}] set={:?} exposure={:?} description={:?}",
            self.name, self.json_field, self.set, self.exposure, self.description
        )
    }
}

impl Outcome {
    /// The unit name this outcome talks about (for aligning systemd's output with arguments).
    fn unit(&self) -> &str {
        match self {
            Outcome::Scored { unit, .. } => unit,
            Outcome::Error(e) => error_unit(e),
        }
    }
}

/// The unit (or argument) a systemd load-failure line names.
fn error_unit(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix("Failed to prepare filename ") {
        return rest.rsplit_once(": ").map_or(rest, |(a, _)| a);
    }
    line.strip_prefix("Unit ")
        .and_then(|r| r.split(' ').next())
        .unwrap_or(line)
}

/// Is this stderr line one of the per-argument load failures systemd-analyze prints? (A unit
/// that failed with EPERM/EACCES is reported as just "Access denied".)
fn is_load_failure(line: &str) -> bool {
    line == "Access denied"
        || line.starts_with("Failed to prepare filename ")
        || (line.starts_with("Unit ")
            && (line.ends_with(" not found.")
                || line.ends_with(" is masked.")
                || line.ends_with(" has a bad unit file setting.")
                || line.contains(
                    " failed to load properly, please adjust/correct and reload service manager: ",
                )))
}

/// What a run compared.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub units: usize,
    pub scored: usize,
    pub errors: usize,
    pub rows: usize,
}

impl Test {
    /// A tree used with `--root`; units go to `etc/systemd/system/`.
    pub fn new() -> Self {
        let tree = tempfile::Builder::new()
            .prefix("unitguard-diff-")
            .tempdir()
            .expect("create temp dir");
        Test {
            root: tree.path().to_path_buf(),
            tree: Some(tree),
            mode: Mode::Root,
            unit_dir: UNIT_DIR.into(),
            args: Vec::new(),
            policy: None,
            ours_extra: Vec::new(),
            versions: None,
        }
    }

    /// A tree used without `--root`: units are passed as absolute paths (their directory is
    /// searched first, then the host's unit directories). Units go to `units/`.
    pub fn without_root() -> Self {
        Test {
            mode: Mode::Paths,
            unit_dir: "units".into(),
            ..Test::new()
        }
    }

    /// An existing tree (for example a package of the corpus), used with `--root`; nothing in
    /// it is created or removed.
    pub fn existing_root(root: &Path) -> Self {
        Test {
            root: root.to_path_buf(),
            tree: None,
            mode: Mode::Root,
            unit_dir: UNIT_DIR.into(),
            args: Vec::new(),
            policy: None,
            ours_extra: Vec::new(),
            versions: None,
        }
    }

    /// Where [`Test::unit`] writes (relative to the tree).
    pub fn unit_dir(mut self, dir: &str) -> Self {
        self.unit_dir = dir.into();
        self
    }

    /// The tree's root directory.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Writes a file (parents created), relative to the tree.
    pub fn file(self, rel: &str, contents: impl AsRef<[u8]>) -> Self {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, contents).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
        self
    }

    /// Creates a directory (and its parents), relative to the tree.
    pub fn dir(self, rel: &str) -> Self {
        std::fs::create_dir_all(self.root.join(rel)).unwrap();
        self
    }

    /// Creates a symlink at `rel` pointing to `target` (written as given: relative or
    /// absolute). `{tree}` in `target` is replaced by the tree's absolute path.
    pub fn symlink(self, rel: &str, target: &str) -> Self {
        let p = self.root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let target = target.replace("{tree}", &self.root.display().to_string());
        std::os::unix::fs::symlink(&target, &p)
            .unwrap_or_else(|e| panic!("symlink {} -> {target}: {e}", p.display()));
        self
    }

    /// Writes a unit file into the unit directory and adds it as an argument.
    pub fn unit(self, name: &str, contents: impl AsRef<[u8]>) -> Self {
        let rel = format!("{}/{name}", self.unit_dir);
        self.file(&rel, contents).arg_unit(name)
    }

    /// A symlink in the unit directory (an alias or a mask), added as an argument.
    pub fn link_unit(self, name: &str, target: &str) -> Self {
        let rel = format!("{}/{name}", self.unit_dir);
        self.symlink(&rel, target).arg_unit(name)
    }

    /// Adds a unit of the unit directory as an argument (a name with `--root`, the absolute
    /// path without), whether or not the file exists.
    pub fn arg_unit(mut self, name: &str) -> Self {
        let a = match self.mode {
            Mode::Root => name.to_string(),
            Mode::Paths => self
                .root
                .join(&self.unit_dir)
                .join(name)
                .display()
                .to_string(),
        };
        self.args.push(a);
        self
    }

    /// Adds a raw argument, passed to both tools as is. `{tree}` is replaced by the tree's
    /// absolute path. Both tools run in the tree's root directory.
    pub fn arg(mut self, a: &str) -> Self {
        self.args
            .push(a.replace("{tree}", &self.root.display().to_string()));
        self
    }

    /// Passes `--security-policy=FILE` with this content to both tools.
    pub fn policy(mut self, json: &str) -> Self {
        let p = self.root.join("policy.json");
        std::fs::write(&p, json).unwrap();
        self.policy = Some(p);
        self
    }

    /// Passes extra arguments to unitguard only. This exists so the harness can prove that it
    /// notices a difference; real tests never use it.
    pub fn ours_only_args(mut self, args: &[&str]) -> Self {
        self.ours_extra = args.iter().map(|a| a.to_string()).collect();
        self
    }

    /// Runs both tools and compares every unit; panics with every difference found. With
    /// `UNITGUARD_KEEP_TREE=1` a failing test keeps its tree and names it.
    pub fn run(self) -> Summary {
        match self.check() {
            Ok(summary) => {
                eprintln!(
                    "compared {} units with systemd-analyze: {} scored, {} load failures, {} rows",
                    summary.units, summary.scored, summary.errors, summary.rows
                );
                summary
            }
            Err(report) => panic!("{report}"),
        }
    }

    /// Compares with these versions only (of those [`oracle_versions`] allows).
    pub fn versions(mut self, versions: &[u32]) -> Self {
        self.versions = Some(versions.to_vec());
        self
    }

    /// Like [`Test::run`], but returns the differences instead of panicking. Every oracle
    /// version is compared; the summary adds them up.
    pub fn check(self) -> Result<Summary, String> {
        assert!(!self.args.is_empty(), "a test needs at least one argument");
        let mut total = Summary::default();
        let mut failures = String::new();
        let allowed = oracle_versions();
        let versions: Vec<u32> = match &self.versions {
            Some(v) => v.iter().copied().filter(|v| allowed.contains(v)).collect(),
            None => allowed,
        };
        for version in versions {
            let systemd = self.systemd(version);
            let ours = self.ours(version);
            match compare(&self.args, &systemd, &ours) {
                Ok(s) => {
                    total.units += s.units;
                    total.scored += s.scored;
                    total.errors += s.errors;
                    total.rows += s.rows;
                }
                Err(r) => {
                    let _ = write!(failures, "\n=== systemd {version} ===\n{r}");
                }
            }
        }
        let result = if failures.is_empty() {
            Ok(total)
        } else {
            Err(failures)
        };
        if let Err(report) = result {
            let mut report = report;
            if std::env::var_os("UNITGUARD_KEEP_TREE").is_some() {
                if let Some(tree) = self.tree {
                    let kept = tree.keep();
                    report.push_str(&format!("\nunit tree kept at {}", kept.display()));
                }
            }
            return Err(report);
        }
        result
    }

    fn common_args(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.mode == Mode::Root {
            v.push(format!("--root={}", self.root.display()));
        }
        if let Some(p) = &self.policy {
            v.push(format!("--security-policy={}", p.display()));
        }
        v
    }

    fn systemd(&self, version: u32) -> SystemdRun {
        let run = |json: bool| -> Output {
            let mut c = systemd_analyze(version);
            c.arg("security").arg("--offline=true");
            if json {
                c.arg("--json=short");
            }
            c.args(self.common_args()).arg("--").args(&self.args);
            clean_env(&mut c, &self.root);
            c.output().unwrap_or_else(|e| {
                panic!(
                    "the differential tests need `systemd-analyze` (systemd {version}) to \
                     compare against, but it could not be run: {e}. Install systemd \
                     (Debian 12: `apt-get install systemd`); these tests are never skipped."
                )
            })
        };
        let json = run(true);
        let text = run(false);
        SystemdRun::parse(&json, &text)
    }

    fn ours(&self, version: u32) -> OursRun {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("unitguard"));
        c.args(["audit", "--offline", "--json"]);
        c.arg(format!("--systemd-version={version}"));
        if self.mode == Mode::Root {
            c.arg("--root").arg(&self.root);
        }
        if let Some(p) = &self.policy {
            c.arg("--security-policy").arg(p);
        }
        c.args(&self.ours_extra);
        c.arg("--").args(&self.args);
        clean_env(&mut c, &self.root);
        let out = c.output().expect("run unitguard");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "unitguard printed no JSON ({e}); status {:?}\nstdout:\n{stdout}\nstderr:\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        });
        assert_eq!(
            v["schema"], 1,
            "unitguard's audit document carries its schema version"
        );
        let items = v["units"]
            .as_array()
            .expect("unitguard --json prints {schema, units: [...]}");
        let outcomes = items.iter().map(our_outcome).collect();
        OursRun {
            outcomes,
            status: out.status.code(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The same environment for both tools: a UTF-8 locale (→ and … in the output), no colors,
/// no pager, warnings and errors on stderr, no `$SYSTEMD_UNIT_PATH`.
fn clean_env(c: &mut Command, cwd: &Path) {
    c.current_dir(cwd)
        .env_remove("SYSTEMD_UNIT_PATH")
        .env_remove("SYSTEMD_ANALYZE_DEBUG")
        .env_remove("LANGUAGE")
        .env("LANG", "C.UTF-8")
        .env("LC_ALL", "C.UTF-8")
        .env("SYSTEMD_COLORS", "0")
        .env("SYSTEMD_PAGER", "cat")
        .env("SYSTEMD_URLIFY", "0")
        .env("SYSTEMD_LOG_LEVEL", "warning")
        .env("SYSTEMD_LOG_TARGET", "console")
        .env("SYSTEMD_LOG_COLOR", "0")
        .env("SYSTEMD_LOG_LOCATION", "0")
        .env("SYSTEMD_LOG_TIME", "0");
}

fn our_outcome(v: &Value) -> Outcome {
    if let Some(e) = v.get("error") {
        return Outcome::Error(e.as_str().unwrap_or_default().to_string());
    }
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    let num = |x: &Value| x.as_f64().map(|f| format!("{f:.1}"));
    let rows = v["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| Row {
            name: c["name"].as_str().unwrap_or_default().into(),
            json_field: c["json_field"].as_str().unwrap_or_default().into(),
            set: c["set"].as_bool(),
            description: c["description"].as_str().map(str::to_string),
            exposure: num(&c["exposure"]),
        })
        .collect();
    Outcome::Scored {
        unit: s("unit"),
        exposure: num(&v["exposure"]).unwrap_or_default(),
        label: s("label"),
        rows,
    }
}

struct OursRun {
    outcomes: Vec<Outcome>,
    status: Option<i32>,
    stderr: String,
}

struct SystemdRun {
    /// Load failures, in argument order.
    errors: Vec<String>,
    /// Scored units, in argument order.
    scored: Vec<Outcome>,
    status: Option<i32>,
    stderr: String,
}

impl SystemdRun {
    fn parse(json: &Output, text: &Output) -> Self {
        let jstdout = String::from_utf8_lossy(&json.stdout);
        let tstdout = String::from_utf8_lossy(&text.stdout);
        let stderr = String::from_utf8_lossy(&json.stderr).into_owned();
        let arrays: Vec<Value> = jstdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l).unwrap_or_else(|e| {
                    panic!("systemd-analyze printed a line that is not JSON ({e}): {l}\nstderr:\n{stderr}")
                })
            })
            .collect();
        let overall: Vec<(String, String, String)> = tstdout
            .lines()
            .filter_map(|l| l.split_once("Overall exposure level for "))
            .map(|(_, rest)| {
                let (unit, rest) = rest.rsplit_once(": ").expect("overall line has ': '");
                let mut w = rest.split_whitespace();
                let score = w.next().unwrap_or_default().to_string();
                let label = w.next().unwrap_or_default().to_string();
                (unit.to_string(), score, label)
            })
            .collect();
        assert_eq!(
            arrays.len(),
            overall.len(),
            "systemd-analyze printed {} JSON arrays but {} overall lines; a crash?\n\
             json stderr:\n{stderr}\ntext stderr:\n{}",
            arrays.len(),
            overall.len(),
            String::from_utf8_lossy(&text.stderr)
        );
        let scored = arrays
            .iter()
            .zip(overall)
            .map(|(a, (unit, exposure, label))| Outcome::Scored {
                unit,
                exposure,
                label,
                rows: a
                    .as_array()
                    .expect("systemd prints an array per unit")
                    .iter()
                    .map(|r| Row {
                        name: r["name"].as_str().unwrap_or_default().into(),
                        json_field: r["json_field"].as_str().unwrap_or_default().into(),
                        set: r["set"].as_bool(),
                        description: r["description"].as_str().map(str::to_string),
                        exposure: r["exposure"].as_str().map(str::to_string),
                    })
                    .collect(),
            })
            .collect();
        let errors = stderr
            .lines()
            .filter(|l| is_load_failure(l))
            .map(str::to_string)
            .collect();
        SystemdRun {
            errors,
            scored,
            status: json.status.code(),
            stderr,
        }
    }
}

/// Pairs systemd's results with the arguments (failures and reports each come in argument
/// order; our per-argument unit names decide which list the next result is taken from) and
/// compares them with ours.
fn compare(args: &[String], systemd: &SystemdRun, ours: &OursRun) -> Result<Summary, String> {
    let mut problems = String::new();
    let mut summary = Summary {
        units: args.len(),
        ..Default::default()
    };
    if ours.outcomes.len() != args.len() {
        return Err(format!(
            "unitguard printed {} results for {} arguments\nstderr:\n{}",
            ours.outcomes.len(),
            args.len(),
            ours.stderr
        ));
    }
    let mut errors = systemd.errors.iter().peekable();
    let mut scored = systemd.scored.iter().peekable();
    for (arg, our) in args.iter().zip(&ours.outcomes) {
        // The names systemd may report this argument under: ours, and the argument's own.
        let base = arg.rsplit('/').next().unwrap_or(arg);
        let base_i = base.replace("@.", "@i.");
        let names = [our.unit(), base, base_i.as_str()];
        let next_error_matches = errors.peek().is_some_and(|e| {
            names.contains(&error_unit(e)) || matches!(our, Outcome::Error(o) if o == *e)
        });
        let next_scored_matches = scored.peek().is_some_and(|s| names.contains(&s.unit()));
        let theirs: Option<Outcome> = match our {
            Outcome::Error(_) if next_error_matches => errors.next().cloned().map(Outcome::Error),
            Outcome::Scored { .. } if next_scored_matches => scored.next().cloned(),
            _ if next_error_matches => errors.next().cloned().map(Outcome::Error),
            _ if next_scored_matches => scored.next().cloned(),
            // Nothing of systemd's names this argument: leave both lists alone, so that one
            // difference does not shift every later comparison.
            _ => None,
        };
        let Some(theirs) = theirs else {
            let _ = writeln!(
                problems,
                "{arg}: systemd printed no result under this name (its next: failure {:?}, report {:?}); ours: {}",
                errors.peek(),
                scored.peek().map(|s| brief(s)),
                brief(our)
            );
            continue;
        };
        match &theirs {
            Outcome::Error(_) => summary.errors += 1,
            Outcome::Scored { rows, .. } => {
                summary.scored += 1;
                summary.rows += rows.len();
            }
        }
        diff_unit(arg, &theirs, our, &mut problems);
    }
    for e in errors {
        let _ = writeln!(problems, "systemd printed an extra load failure: {e}");
    }
    for s in scored {
        let _ = writeln!(problems, "systemd printed an extra report: {}", brief(s));
    }
    if systemd.status != ours.status {
        let _ = writeln!(
            problems,
            "exit status: systemd {:?}, unitguard {:?}",
            systemd.status, ours.status
        );
    }
    if !problems.is_empty() {
        return Err(format!(
            "unitguard differs from systemd-analyze ({} arguments, {} scored, {} failed to load):\n{problems}\n\
             --- systemd-analyze stderr ---\n{}\n--- unitguard stderr ---\n{}",
            summary.units, summary.scored, summary.errors, systemd.stderr, ours.stderr
        ));
    }
    Ok(summary)
}

fn brief(o: &Outcome) -> String {
    match o {
        Outcome::Error(e) => format!("error {e:?}"),
        Outcome::Scored {
            unit,
            exposure,
            label,
            ..
        } => format!("{unit}: {exposure} {label}"),
    }
}

fn diff_unit(arg: &str, theirs: &Outcome, ours: &Outcome, out: &mut String) {
    match (theirs, ours) {
        (
            Outcome::Scored {
                unit: u1,
                exposure: e1,
                label: l1,
                rows: r1,
            },
            Outcome::Scored {
                unit: u2,
                exposure: e2,
                label: l2,
                rows: r2,
            },
        ) => {
            if (u1, e1, l1) != (u2, e2, l2) {
                let _ = writeln!(
                    out,
                    "{arg}: overall: systemd {u1} {e1} {l1}, unitguard {u2} {e2} {l2}"
                );
            }
            if r1 != r2 {
                let _ = writeln!(
                    out,
                    "{arg} ({u1}): rows differ (systemd {} rows, unitguard {}):",
                    r1.len(),
                    r2.len()
                );
                let mut shown = 0;
                for (i, (a, b)) in r1.iter().zip(r2).enumerate() {
                    if a != b && shown < 6 {
                        let _ = writeln!(
                            out,
                            "    row {i}:\n      systemd:   {a}\n      unitguard: {b}"
                        );
                        shown += 1;
                    }
                }
            }
        }
        _ if theirs != ours => {
            let _ = writeln!(
                out,
                "{arg}: systemd {}, unitguard {}",
                brief(theirs),
                brief(ours)
            );
        }
        _ => {}
    }
}
