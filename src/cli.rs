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
    /// For each failing check: the directive that closes it, what it stops, what it may break
    Explain(ExplainArgs),
    /// Write a drop-in that lowers a unit's exposure without breaking it
    Harden(HardenArgs),
    /// Find known pitfalls in unit files, with file:line and the fix
    Lint(LintArgs),
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

    /// Write /etc/systemd/system/UNIT.d/hardening.conf (under --root), keeping a backup
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
}

/// Where units are looked up.
#[derive(Debug, Args, Clone)]
pub struct LoadArgs {
    /// Look units up under this root directory instead of /
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

#[derive(Debug, Args)]
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
