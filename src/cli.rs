//! The command line: every command and flag is defined once here, with its help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "unitguard",
    version,
    about = "Score, explain and harden the sandboxing of systemd services",
    long_about = "unitguard scores the exposure of systemd units exactly as `systemd-analyze security` \
                  does (same checks, same numbers, to the tenth), offline on unit files or a root tree."
)]
pub struct Cli {
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
    #[arg(long, value_name = "X.Y", value_parser = parse_threshold, default_value = "0.0")]
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
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Units to check (names or paths); all services in the search path when none are given
    #[arg(value_name = "UNIT|PATH")]
    pub units: Vec<PathBuf>,

    #[command(flatten)]
    pub load: LoadArgs,

    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: LintFormat,
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
    after_help = "Exit status: 0 when every unit was scored and none is above --threshold; \
                        1 when a unit is above --threshold or could not be loaded or scored (the \
                        other units are still reported); 2 for a usage error: a bad flag or value, \
                        a --root that is not a directory, or a --security-policy that cannot be \
                        read, is not valid JSON or has a range of 0 (nothing is scored then)."
)]
pub struct AuditArgs {
    /// Units to score: unit names, or paths to unit files (their directory is searched first).
    /// With none, every service unit in the search path is listed, most exposed first.
    #[arg(value_name = "UNIT|PATH")]
    pub units: Vec<PathBuf>,

    /// Read unit files instead of asking a running systemd (the only mode so far)
    #[arg(long)]
    pub offline: bool,

    #[command(flatten)]
    pub load: LoadArgs,

    /// Print one JSON array, one object per unit (see README: "JSON output")
    #[arg(long)]
    pub json: bool,

    /// Exit with status 1 if any unit's exposure is above this (0.0–10.0)
    #[arg(long, value_name = "X.Y", value_parser = parse_threshold)]
    pub threshold: Option<u64>,

    /// A systemd-analyze security policy (JSON) overriding weights, ranges and texts
    #[arg(long, value_name = "FILE")]
    pub security_policy: Option<PathBuf>,
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

/// "4.5" → 45 tenths; accepts 0.0 to 10.0 with at most one decimal.
pub fn parse_threshold(s: &str) -> Result<u64, String> {
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

#[cfg(test)]
mod tests {
    use super::parse_threshold;

    #[test]
    fn thresholds() {
        assert_eq!(parse_threshold("4.5"), Ok(45));
        assert_eq!(parse_threshold("10"), Ok(100));
        assert!(parse_threshold("10.1").is_err());
        assert!(parse_threshold("4.55").is_err());
        assert!(parse_threshold("-1").is_err());
    }
}
