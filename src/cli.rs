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
    /// Watch a service (or a command) under strace and record what it does as evidence
    ///
    /// The evidence (JSON, schema in docs/evidence.md) feeds `harden --from`. Learning into
    /// an existing evidence file adds to it; --merge joins files.
    Learn(LearnArgs),
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

    /// Flag directives this systemd version does not know
    #[arg(long, value_name = "N", default_value_t = 252)]
    pub systemd_version: u32,
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

    /// Only use directives this systemd version knows
    #[arg(long, value_name = "N", default_value_t = 252)]
    pub systemd_version: u32,

    /// Allow only these peers (plus localhost): adds IPAddressDeny=any and IPAddressAllow=
    #[arg(long = "allow-ip", value_name = "ADDR[/LEN]")]
    pub allow_ip: Vec<String>,

    /// A systemd-analyze security policy (JSON) for the predicted scores
    #[arg(long, value_name = "FILE")]
    pub security_policy: Option<PathBuf>,

    /// Fit the drop-in to what `unitguard learn` saw the service do (an evidence file)
    #[arg(long, value_name = "EVIDENCE")]
    pub from: Option<PathBuf>,
}

/// Where units are looked up.
#[derive(Debug, Args, Clone)]
pub struct LoadArgs {
    /// Look units up under this root directory instead of / (it must exist)
    #[arg(long, value_name = "DIR", value_parser = parse_root)]
    pub root: Option<PathBuf>,
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
fn parse_threshold(s: &str) -> Result<u64, String> {
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
