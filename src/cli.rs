//! The command line: every command and flag is defined once here, with its help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "unitguard",
    version = crate::VERSION_TEXT,
    about = "Score, explain and harden the sandboxing of systemd services",
    long_about = "unitguard scores the exposure of systemd units exactly as `systemd-analyze security` \
                  does (same checks, same numbers, to the tenth), offline on unit files or a root tree."
)]
pub struct Cli {
    #[command(flatten)]
    pub output: OutputArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Score the exposure of units (all services when none are given)
    Audit(AuditArgs),
    /// Print a unit's fragment and drop-ins as systemd merges them, like `systemctl cat`
    Cat(CatArgs),
    /// Every directive of the catalogue: values, default, what it stops and breaks, since when
    ///
    /// The format is --format, else the extension of --output (.md, .html, .pdf), else md.
    /// Without --output (or with --output -) the sheet goes to standard output; a PDF only
    /// when standard output is not a terminal (redirect it or give --output).
    Cheatsheet(CheatsheetArgs),
    /// For each failing check: the directive that closes it, what it stops, what it may break
    Explain(ExplainArgs),
    /// Write a drop-in that lowers a unit's exposure without breaking it
    Harden(HardenArgs),
    /// Find known pitfalls in unit files, with file:line and the fix
    Lint(LintArgs),
    /// Harden a running service: write the drop-in, restart, verify, roll back on failure
    Apply(ApplyArgs),
    /// Remove unitguard's drop-in from a unit (restoring the one it replaced) and restart it
    Rollback(RollbackArgs),
    /// Sandbox denials from the journal and kernel audit lines, with the directive to blame
    Denials(DenialsArgs),
    /// Record every unit's exposure in a file for the config repository, or compare with one
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// The five-point checklist: baseline, core directives, syscall filter, capabilities, SIEM
    #[command(
        after_help = "Exit status: 0 when the verdict is PASS (5/5), 1 for WARN (3-4) or FAIL (below 3), \
                            2 for a usage error or a baseline that cannot be read."
    )]
    Checklist(ChecklistArgs),
    /// This host's whole state (facts, every unit's assessment, drop-ins, checklist) as one JSON document
    Collect(CollectArgs),
    /// Many hosts' collected states in one self-contained HTML report and a text summary
    Report(ReportArgs),
    /// Watch a service (or a command) under strace and record what it does as evidence
    ///
    /// The evidence (JSON, schema in docs/evidence.md) feeds `harden --from`. Learning into
    /// an existing evidence file adds to it; --merge joins files.
    Learn(LearnArgs),
    /// An Ansible role and playbooks that roll unitguard's drop-ins out to a fleet: canary
    /// first, each unit verified, rolled back on failure
    ///
    /// The drop-ins are made now from the UNITs (as `harden` does; `--evidence` fits a unit to
    /// what `learn` saw, as `harden --from`), or read from --from-dir. README: "From one
    /// staging host to the fleet".
    #[command(
        after_help = "Examples:\n  unitguard ansible nginx.service redis-server.service --out fleet\n  \
                      unitguard ansible --from-dir /etc/systemd/system --out fleet\n  \
                      unitguard ansible nginx.service --allow-ip 10.0.0.0/8 --per-host IPAddressAllow --out fleet\n\n\
                      Then: ansible-playbook -i INVENTORY fleet/rollout.yml (--check --diff first); \
                      fleet/rollback.yml undoes it."
    )]
    Ansible(AnsibleArgs),
}

#[derive(Debug, Args)]
pub struct AnsibleArgs {
    /// Services to harden now, one drop-in each (read under --root, or on this host)
    #[arg(value_name = "UNIT")]
    pub units: Vec<String>,

    /// Take drop-ins from DIR: UNIT.conf files (harden's output) and UNIT.d/hardening.conf
    /// (an /etc/systemd/system, e.g. a staging host's after `unitguard apply`)
    #[arg(long, value_name = "DIR", required_unless_present = "units")]
    pub from_dir: Option<PathBuf>,

    /// Where the role (roles/unitguard/) and the playbooks (rollout.yml, rollback.yml) go
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    #[command(flatten)]
    pub load: LoadArgs,

    /// How far to go for the UNITs (see `harden --help`)
    #[arg(long, value_enum, default_value = "baseline")]
    pub profile: crate::harden::Level,

    /// Allow only these peers (plus localhost) in the UNITs' drop-ins: IPAddressDeny=any and
    /// IPAddressAllow=
    #[arg(long = "allow-ip", value_name = "ADDR[/LEN]")]
    pub allow_ip: Vec<String>,

    /// Evidence files from `unitguard learn UNIT`: that unit's drop-in is fitted to it, and
    /// the exercise command learn ran becomes its smoke check
    #[arg(long, value_name = "FILE")]
    pub evidence: Vec<PathBuf>,

    /// A unit's smoke check, run on each host after the restart [default: learn's exercise,
    /// else the daemon profile's]
    #[arg(long, value_name = "UNIT=CMD")]
    pub smoke: Vec<String>,

    /// Make this directive's values a list variable per unit
    /// (unitguard_<unit>_<directive>, default the generated values), to set per host group in
    /// group_vars; e.g. IPAddressAllow
    #[arg(long, value_name = "DIRECTIVE")]
    pub per_host: Vec<String>,
}

/// Which state of this host the fleet commands read.
#[derive(Debug, Args, Clone)]
pub struct StateArgs {
    /// Read unit files instead of asking the running systemd (implied by --root)
    #[arg(long)]
    pub offline: bool,

    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Write every unit's exposure, label and failing checks, sorted, with a header
    Save(BaselineSaveArgs),
    /// Compare this host with a baseline: regressions, improvements, new and removed units
    #[command(
        after_help = "Exit status: 0 when no unit's exposure rose by more than --tolerance; \
                            1 when one did (a CI gate); 2 for a usage error or a baseline that cannot be read."
    )]
    Diff(BaselineDiffArgs),
}

#[derive(Debug, Args)]
pub struct BaselineSaveArgs {
    #[command(flatten)]
    pub state: StateArgs,

    /// Write to FILE (atomically) instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// The JSON form instead of the text form
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct BaselineDiffArgs {
    /// The baseline (text or JSON form)
    #[arg(value_name = "FILE")]
    pub baseline: PathBuf,

    #[command(flatten)]
    pub state: StateArgs,

    /// How much a unit's exposure may rise before it counts as a regression (0.0-10.0)
    #[arg(long, value_name = "X.Y", value_parser = parse_exposure, default_value = "0.0")]
    pub tolerance: u64,

    /// Print the differences as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ChecklistArgs {
    #[command(flatten)]
    pub state: StateArgs,

    /// The host's recorded baseline (point 1)
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    #[command(flatten)]
    pub state: StateArgs,

    /// Write to FILE (atomically) instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// The host's recorded baseline, for the checklist's first point
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Collected files (`unitguard collect`), or directories of them (*.json)
    #[arg(value_name = "FILES|DIR", required = true)]
    pub inputs: Vec<PathBuf>,

    /// Write the HTML report to OUT
    #[arg(long, value_name = "OUT")]
    pub html: Option<PathBuf>,

    /// A directory of baselines (`unitguard baseline save`), matched to hosts by host name
    #[arg(long, value_name = "DIR")]
    pub baseline: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  unitguard learn nginx.service --exercise 'curl -fsS http://127.0.0.1/'\n  \
                  unitguard learn --evidence app.json -- /usr/bin/python3 app.py\n  \
                  unitguard learn --merge a.json b.json --evidence all.json"
)]
pub struct LearnArgs {
    /// The service to watch (restarted under the tracer, then put back as it was)
    #[arg(value_name = "UNIT", conflicts_with = "command")]
    pub unit: Option<String>,

    /// Trace this command instead of a unit (everything after `--`)
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,

    /// A command that exercises the service while it is watched (it must succeed)
    #[arg(long, value_name = "CMD", requires = "unit")]
    pub exercise: Option<String>,

    /// Seconds to watch after the start (and after the exercise)
    #[arg(long, value_name = "S", default_value_t = 5)]
    pub duration: u64,

    /// Where the evidence goes (merged into the file if it exists) [default: for a unit
    /// /var/lib/unitguard/learn/UNIT.json, for a command ./evidence.json]
    #[arg(long, value_name = "FILE")]
    pub evidence: Option<PathBuf>,

    /// Start the evidence file afresh instead of adding to it
    #[arg(long)]
    pub replace: bool,

    /// Merge these evidence files into --evidence (nothing is traced)
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with_all = ["unit", "command"])]
    pub merge: Vec<PathBuf>,

    /// Seconds to wait for the unit to start and to stop
    #[arg(long, value_name = "S", default_value_t = 90)]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The service to harden
    #[arg(value_name = "UNIT")]
    pub unit: String,

    /// How far to go (see `harden --help`)
    #[arg(long, value_enum, default_value = "baseline")]
    pub profile: crate::harden::Level,

    /// A command that must succeed after the restart (default: the daemon profile's check)
    #[arg(long, value_name = "CMD")]
    pub smoke: Option<String>,

    /// Seconds to wait for the service to become active, and for the smoke command
    #[arg(long, value_name = "S", default_value_t = 30)]
    pub timeout: u64,

    /// Seconds the service must stay active (same PID, no restarts) to count as healthy
    #[arg(long, value_name = "S", default_value_t = 3)]
    pub settle: u64,

    /// Allow only these peers (plus localhost): adds IPAddressDeny=any and IPAddressAllow=
    #[arg(long = "allow-ip", value_name = "ADDR[/LEN]")]
    pub allow_ip: Vec<String>,

    /// Apply this drop-in file (your own) instead of the generated one, with the same checks
    /// and automatic rollback; it is installed as UNIT.d/hardening.conf
    #[arg(long, value_name = "FILE", conflicts_with_all = ["profile", "allow_ip"])]
    pub dropin: Option<PathBuf>,

    /// Print the plan without changing anything
    #[arg(long)]
    pub dry_run: bool,

    /// Start the unit when it is not running (by default a stopped unit stays stopped: the
    /// drop-in is installed and the manager reloaded, but nothing is verified)
    #[arg(long)]
    pub start: bool,

    /// Watch the service first (`unitguard learn`) and fit the strict drop-in to what it did
    #[arg(long, conflicts_with = "dropin")]
    pub learn: bool,

    /// With --learn: the command that exercises the service while it is watched; it is also
    /// the smoke check after the drop-in is applied (unless --smoke is given)
    #[arg(long, value_name = "CMD", requires = "learn")]
    pub exercise: Option<String>,

    /// With --learn: the evidence file to add to [default: /var/lib/unitguard/learn/UNIT.json]
    #[arg(long, value_name = "FILE", requires = "learn")]
    pub evidence: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The service
    #[arg(value_name = "UNIT")]
    pub unit: String,
}

#[derive(Debug, Args)]
pub struct DenialsArgs {
    /// Only this unit's lines, and the last MiB of each *.log file in its log directories
    /// (LogsDirectory=, its daemon profile's); kernel audit lines are always read
    #[arg(value_name = "UNIT")]
    pub unit: Option<String>,

    /// Start from this time (any journalctl --since value, e.g. "-1h", "today", "@1700000000");
    /// the unit's own log files are then not read (their lines have no common timestamp)
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    pub since: Option<String>,

    /// Keep watching for new denials
    #[arg(long)]
    pub follow: bool,

    /// One JSON object per denial, one per line
    #[arg(long)]
    pub json: bool,

    /// Also write each denial to the journal as a structured entry (MESSAGE_ID and
    /// UNITGUARD_* fields; README: "Denials for a SIEM")
    #[arg(long)]
    pub journal: bool,

    /// Also append each denial to FILE as one JSON line of the SIEM schema (`-`: standard output)
    #[arg(long, value_name = "FILE")]
    pub ndjson: Option<PathBuf>,

    /// Install unitguard-denials.service (denials --follow --journal as a hardened service)
    /// under --root or on this host, and enable and start it when a systemd runs here
    #[arg(long, conflicts_with_all = ["unit", "since", "follow", "json", "journal", "ndjson"])]
    pub install: bool,

    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LintFormat {
    Text,
    Json,
    Sarif,
    Junit,
    Gitlab,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Exit status: 0 when no unit has an error finding; 1 when one has, or a unit \
                  could not be loaded; 2 for a usage error.\n\n\
                  Without --root or --host only the unit files are read: a unit is never failed \
                  for what the linting machine has installed (paths, binaries, resolvers)."
)]
pub struct LintArgs {
    /// Units to check: names, unit file paths, or directories (every unit file below them,
    /// with its drop-in directories); all services in the search path when none are given
    #[arg(value_name = "UNIT|PATH|DIR")]
    pub units: Vec<PathBuf>,

    #[command(flatten)]
    pub load: LoadArgs,

    /// Output format: text, json, or a CI report: sarif (code scanning), junit (one test case
    /// per unit), gitlab (code quality)
    #[arg(long, value_enum, default_value = "text")]
    pub format: LintFormat,

    /// Also check what the units name on this machine: paths that must exist, the programs
    /// started and their config files, the DNS resolver (--root does this for its tree)
    #[arg(long, conflicts_with = "root")]
    pub host: bool,

    #[command(flatten)]
    pub base: BaseArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The unit (name or path)
    #[arg(value_name = "UNIT|PATH")]
    pub unit: PathBuf,

    #[command(flatten)]
    pub load: LoadArgs,

    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct HardenArgs {
    /// The unit (name or path)
    #[arg(value_name = "UNIT|PATH")]
    pub unit: PathBuf,

    #[command(flatten)]
    pub load: LoadArgs,

    /// How far to go: settings that rarely break anything, or the tightest that fit
    #[arg(long, value_enum, default_value = "baseline")]
    pub profile: crate::harden::Level,

    /// Write /etc/systemd/system/UNIT.d/hardening.conf (under --root), keeping a backup; for
    /// a template (foo@.service) the template's directory, which applies to every instance
    #[arg(long)]
    pub write: bool,

    /// Allow only these peers (plus localhost): adds IPAddressDeny=any and IPAddressAllow=
    #[arg(long = "allow-ip", value_name = "ADDR[/LEN]")]
    pub allow_ip: Vec<String>,

    /// A systemd-analyze security policy (JSON) for the predicted scores
    #[arg(long, value_name = "FILE")]
    pub security_policy: Option<PathBuf>,

    /// Fit the drop-in to what `unitguard learn` saw the service do (an evidence file)
    #[arg(long, value_name = "EVIDENCE")]
    pub from: Option<PathBuf>,

    /// With --from: start a root daemon as the user the trace saw it switch to (User=, no
    /// capabilities to switch), what `apply --learn` tries first; only a start shows whether
    /// its start scripts accept that
    #[arg(long, requires = "from")]
    pub as_user: bool,
}

/// Where units are looked up, and as which systemd version they are read.
#[derive(Debug, Args, Clone, Default)]
pub struct LoadArgs {
    /// Look units up under this root directory instead of / (it must exist)
    #[arg(long, value_name = "DIR", value_parser = parse_root)]
    pub root: Option<PathBuf>,

    /// Read, score, harden and lint as this systemd version does (252, 254, 257). Default: the
    /// running manager's version (live), else the one installed under --root (or on this host),
    /// from its libsystemd-shared-N.so
    #[arg(long, value_name = "N")]
    pub systemd_version: Option<u32>,

    /// For a version unitguard has no tables for, use the nearest older one (said on stderr)
    /// instead of failing
    #[arg(long)]
    pub nearest_version: bool,
}

#[derive(Debug, Args)]
#[command(
    // getopt's rule, which scripts for systemd-analyze rely on: a repeated option's last value wins.
    args_override_self = true,
    after_help = "Exit status: 0 when every unit was scored and none is above the threshold; \
                        1 when a unit is above the threshold or could not be loaded or scored (the \
                        other units are still reported); 2 for a usage error: a bad flag or value, \
                        a --root that is not a directory, or a --security-policy that cannot be \
                        read, is not valid JSON or has a range of 0 (nothing is scored then).\n\n\
                        The options of `systemd-analyze security` are accepted with their meaning \
                        (--offline=BOOL, --json=pretty|short|off, --threshold=N on the 0-100 scale, \
                        --root, --image, --user, --security-policy, --no-pager, --no-legend, -q), so \
                        a script written for it runs unchanged with `unitguard audit`."
)]
pub struct AuditArgs {
    /// Units to score: unit names, or paths to unit files (their directory is searched first).
    /// With none, every service unit in the search path is listed, most exposed first.
    #[arg(value_name = "UNIT|PATH")]
    pub units: Vec<PathBuf>,

    #[command(flatten)]
    pub load: LoadArgs,

    /// A systemd-analyze security policy (JSON) overriding weights, ranges and texts
    #[arg(long, value_name = "FILE")]
    pub security_policy: Option<PathBuf>,

    #[command(flatten)]
    pub analyze: AnalyzeSecurityArgs,

    #[command(flatten)]
    pub gate: AuditGateArgs,
}

#[derive(Debug, Args)]
pub struct CatArgs {
    /// The unit (name or path)
    #[arg(value_name = "UNIT|PATH")]
    pub unit: PathBuf,

    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Args)]
pub struct CheatsheetArgs {
    /// Output format [default: the --output extension (.md, .html, .pdf), else md]
    #[arg(long, value_enum)]
    pub format: Option<crate::cheatsheet::Format>,

    /// Write to FILE instead of standard output (a PDF is not written to a terminal)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `--root`: an existing directory (systemd-analyze refuses the others too, with
/// "Failed to initialize unit search paths for root directory DIR").
fn parse_root(s: &str) -> Result<PathBuf, String> {
    let p = PathBuf::from(s);
    match std::fs::metadata(&p) {
        Ok(m) if m.is_dir() => Ok(p),
        Ok(_) => Err("not a directory".into()),
        Err(e) => Err(crate::error::io_message(&e)),
    }
}

/// `systemd-analyze security`'s own options, with the meaning they have there.
#[derive(Debug, Args)]
pub struct AnalyzeSecurityArgs {
    /// Read unit files instead of asking the running systemd (--offline alone means yes).
    /// Without it, a running manager is asked when one answers and no --root, --image or unit
    /// file path is given
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true,
          default_missing_value = "true", value_parser = parse_bool_arg)]
    pub offline: Option<bool>,

    /// systemd-analyze's JSON: one array of check rows per unit (pretty: tab-indented, short:
    /// one line; off: the table). `--json` alone is unitguard's document (`--format json`)
    #[arg(long, value_name = "MODE", num_args = 0..=1, require_equals = true,
          default_missing_value = "document", value_parser = parse_json_mode)]
    pub json: Option<JsonMode>,

    /// Exit with status 1 if a unit's exposure is above N, on systemd's 0-100 scale
    /// (--threshold=50 is 5.0); see --max-exposure for the 0.0-10.0 form
    #[arg(long, value_name = "N", value_parser = parse_threshold_percent)]
    pub threshold: Option<u64>,

    /// Look units up in this disk image (a file system or a GPT disk with a root partition),
    /// mounted read-only for the run; needs root
    #[arg(long, value_name = "PATH", conflicts_with = "root")]
    pub image: Option<PathBuf>,

    /// User units: the user search path (~/.config/systemd/user, /etc/systemd/user, ...), the
    /// user manager's defaults, and the session bus when live
    #[arg(long, conflicts_with_all = ["root", "image"])]
    pub user: bool,

    /// System units (the default)
    #[arg(long, overrides_with = "user")]
    pub system: bool,

    /// Do not print the column headers of the tables
    #[arg(long)]
    pub no_legend: bool,
}

/// `--json`'s modes: systemd-analyze's three, and unitguard's document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonMode {
    Pretty,
    Short,
    Off,
    /// `--json` without a value: unitguard's JSON document (README, "JSON output").
    Document,
}

/// CI gates: machine-readable verdicts for code-scanning and test-report UIs.
#[derive(Debug, Args)]
pub struct AuditGateArgs {
    /// Output format: text (systemd's tables), json (unitguard's document), sarif (SARIF
    /// 2.1.0 for code scanning), junit (one test case per unit), gitlab (GitLab code quality)
    #[arg(long, value_enum, value_name = "FORMAT", conflicts_with = "json")]
    pub format: Option<AuditFormat>,

    /// Exit with status 1 if a unit's exposure is above X.Y (0.0-10.0, as the tables print it)
    #[arg(long, value_name = "X.Y", value_parser = parse_exposure, conflicts_with = "threshold")]
    pub max_exposure: Option<u64>,

    #[command(flatten)]
    pub base: BaseArgs,
}

/// Where CI reports' paths are relative to.
#[derive(Debug, Args, Clone)]
pub struct BaseArgs {
    /// Paths in SARIF, JUnit and GitLab reports are relative to DIR (default: the current
    /// directory, normally the repository's checkout)
    #[arg(long, value_name = "DIR")]
    pub base: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFormat {
    Text,
    Json,
    Sarif,
    Junit,
    Gitlab,
}

impl AuditArgs {
    /// The exposure (0..=100) above which a unit fails: --threshold or --max-exposure.
    pub fn threshold(&self) -> Option<u64> {
        self.analyze.threshold.or(self.gate.max_exposure)
    }

    /// What to print: --format, else what --json asks for, else systemd's tables.
    pub fn format(&self) -> AuditOutput {
        match (self.gate.format, self.analyze.json) {
            (Some(AuditFormat::Text), _) | (None, None | Some(JsonMode::Off)) => AuditOutput::Text,
            (Some(AuditFormat::Json), _) | (None, Some(JsonMode::Document)) => {
                AuditOutput::Document
            }
            (None, Some(JsonMode::Pretty)) => AuditOutput::SystemdJson { pretty: true },
            (None, Some(JsonMode::Short)) => AuditOutput::SystemdJson { pretty: false },
            (Some(AuditFormat::Sarif), _) => AuditOutput::Ci(CiFormat::Sarif),
            (Some(AuditFormat::Junit), _) => AuditOutput::Ci(CiFormat::Junit),
            (Some(AuditFormat::Gitlab), _) => AuditOutput::Ci(CiFormat::Gitlab),
        }
    }
}

/// What `audit` prints, decided from --format and --json.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditOutput {
    /// systemd-analyze's tables (and unitguard's listing).
    Text,
    /// unitguard's JSON document.
    Document,
    /// systemd-analyze's `--json=pretty|short`.
    SystemdJson {
        pretty: bool,
    },
    Ci(CiFormat),
}

/// The CI report formats audit and lint share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CiFormat {
    Sarif,
    Junit,
    Gitlab,
}

/// A boolean as systemd's parse_boolean() reads it (yes/no, true/false, on/off, 1/0, ...).
fn parse_bool_arg(s: &str) -> Result<bool, String> {
    crate::settings::values::parse_bool(s)
        .ok_or_else(|| format!("'{s}' is not a boolean (yes/no, true/false, on/off, 1/0)"))
}

fn parse_json_mode(s: &str) -> Result<JsonMode, String> {
    match s {
        "pretty" => Ok(JsonMode::Pretty),
        "short" => Ok(JsonMode::Short),
        "off" => Ok(JsonMode::Off),
        "document" => Ok(JsonMode::Document),
        _ => Err(format!("'{s}' is not one of pretty, short, off")),
    }
}

/// systemd's --threshold: an integer from 0 to 100, on the scale where 96 prints as 9.6.
fn parse_threshold_percent(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(n) if n <= 100 => Ok(n),
        _ if s.contains('.') => Err(format!(
            "'{s}' is not an integer from 0 to 100 (systemd's scale: --threshold=50 is 5.0); \
             use --max-exposure {s} for the 0.0-10.0 scale"
        )),
        _ => Err(format!(
            "'{s}' is not an integer from 0 to 100 (systemd's scale: --threshold=50 is 5.0)"
        )),
    }
}

/// "4.5" → 45 tenths; accepts 0.0 to 10.0 with at most one decimal.
pub fn parse_exposure(s: &str) -> Result<u64, String> {
    let bad = || format!("'{s}' is not an exposure between 0.0 and 10.0 (one decimal at most)");
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    if int.is_empty()
        || frac.len() != 1
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let tenths =
        int.parse::<u64>().map_err(|_| bad())? * 10 + frac.parse::<u64>().map_err(|_| bad())?;
    if tenths > 100 {
        return Err(bad());
    }
    Ok(tenths)
}

/// systemd-analyze's getopt takes `--json pretty` and `--offline yes` as well as the `=` forms;
/// clap cannot make a value optional and also take it from the next word, so the next word is
/// joined on when it can only be that value (no unit name is "pretty" or "yes").
pub fn join_systemd_style_values(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut out: Vec<std::ffi::OsString> = Vec::with_capacity(args.len());
    let mut it = args.into_iter().peekable();
    while let Some(a) = it.next() {
        let takes: fn(&str) -> bool = match a.to_str() {
            Some("--json") => |v| matches!(v, "pretty" | "short" | "off"),
            Some("--offline") => |v| crate::settings::values::parse_bool(v).is_some(),
            Some("--") => {
                out.push(a);
                out.extend(it);
                break;
            }
            _ => {
                out.push(a);
                continue;
            }
        };
        match it.peek().and_then(|n| n.to_str()) {
            Some(v) if takes(v) => {
                let mut joined = a.clone();
                joined.push("=");
                joined.push(v);
                out.push(joined);
                it.next();
            }
            _ => out.push(a),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{join_systemd_style_values, parse_exposure, parse_threshold_percent};

    #[test]
    fn exposures() {
        assert_eq!(parse_exposure("4.5"), Ok(45));
        assert_eq!(parse_exposure("10"), Ok(100));
        assert!(parse_exposure("10.1").is_err());
        assert!(parse_exposure("4.55").is_err());
        assert!(parse_exposure("-1").is_err());
    }

    #[test]
    fn thresholds_on_systemds_scale() {
        assert_eq!(parse_threshold_percent("96"), Ok(96));
        assert_eq!(parse_threshold_percent("0"), Ok(0));
        assert!(parse_threshold_percent("101").is_err());
        let e = parse_threshold_percent("9.5").unwrap_err();
        assert!(e.contains("--max-exposure 9.5"), "{e}");
    }

    #[test]
    fn values_joined_like_getopt() {
        let j = |v: &[&str]| -> Vec<String> {
            join_systemd_style_values(v.iter().map(Into::into).collect())
                .into_iter()
                .map(|s| s.into_string().unwrap())
                .collect()
        };
        assert_eq!(
            j(&["audit", "--json", "pretty", "a.service"]),
            ["audit", "--json=pretty", "a.service"]
        );
        assert_eq!(
            j(&["audit", "--json", "a.service"]),
            ["audit", "--json", "a.service"]
        );
        assert_eq!(
            j(&["audit", "--offline", "no", "x"]),
            ["audit", "--offline=no", "x"]
        );
        assert_eq!(
            j(&["audit", "--", "--json", "short"]),
            ["audit", "--", "--json", "short"]
        );
    }
}

/// How output is shown, for every command (systemd's tools take the same).
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value = "auto",
        global = true
    )]
    pub color: ColorWhen,

    /// Do not pipe long output into a pager ($SYSTEMD_PAGER, else $PAGER, else less)
    #[arg(long, global = true)]
    pub no_pager: bool,

    /// Do not print notes and hints on standard error
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}
