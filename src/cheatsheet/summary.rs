//! The sheet's opening summary: the directives that weigh most in the exposure score, a
//! starter drop-in (what `unitguard harden --profile baseline` writes for a plain network
//! daemon, computed by the engine itself), the verify loop and the three-command rollback.

use std::path::PathBuf;

use crate::assess::{self, Policy};
use crate::catalogue::Catalogue;
use crate::tables::SystemdTables;

/// A directive and its share of the exposure score's total weight.
#[derive(Debug, Clone)]
pub struct Weighty {
    pub name: String,
    /// The value to write (the catalogue's strict value, or a template).
    pub setting: String,
    /// Percent of the total weight of systemd's checks that this directive can close.
    pub share: u64,
    pub summary: String,
}

/// A command and what it is for.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    pub command: &'static str,
    pub what: &'static str,
}

#[derive(Debug, Clone)]
pub struct Summary {
    pub weighty: Vec<Weighty>,
    /// The unit the starter drop-in was made for, and the drop-in.
    pub example_unit: &'static str,
    pub starter: String,
    /// Exposure (0..=100) of the example before and after the starter drop-in.
    pub before: u64,
    pub after: u64,
    pub verify: &'static [Step],
    pub rollback: &'static [Step],
}

/// A plain network daemon, as a package might ship it.
const EXAMPLE_UNIT: &str = "exampled.service";
const EXAMPLE: &str = "[Unit]\nDescription=Example network daemon\n\n[Service]\n\
    ExecStart=/usr/sbin/exampled --foreground\nUser=exampled\nRestart=on-failure\n";

pub const VERIFY: &[Step] = &[
    Step {
        command: "unitguard harden UNIT --write",
        what: "write /etc/systemd/system/UNIT.d/hardening.conf (the old one kept as a backup)",
    },
    Step {
        command: "systemctl daemon-reload && systemctl restart UNIT",
        what: "load and start it with the drop-in",
    },
    Step {
        command: "systemctl is-active UNIT && unitguard denials UNIT --since -5min",
        what: "running, and no sandbox denial in its log",
    },
    Step {
        command: "systemd-analyze security UNIT",
        what: "the new exposure; exercise the service, then repeat from step 1 with --profile strict",
    },
];

pub const ROLLBACK: &[Step] = &[
    Step {
        command: "rm /etc/systemd/system/UNIT.d/hardening.conf",
        what: "remove the drop-in (or `unitguard rollback UNIT`, which also restores the backup)",
    },
    Step {
        command: "systemctl daemon-reload",
        what: "forget it",
    },
    Step {
        command: "systemctl restart UNIT",
        what: "run as before",
    },
];

/// How many directives the summary lists.
const WEIGHTY: usize = 12;

/// The systemd version the summary's numbers are computed for: the oldest unitguard scores,
/// so that every directive it shows is there on every supported host.
const SHEET_VERSION: u32 = crate::tables::SUPPORTED_VERSIONS[0];

pub fn build() -> Summary {
    let tables = SystemdTables::for_version(SHEET_VERSION).expect("built-in tables");
    let cat = Catalogue::get();
    let total: u64 = tables.checks.iter().map(|c| c.weight).sum();
    let mut weighty: Vec<Weighty> = cat
        .directives
        .iter()
        .filter(|d| d.deprecated.is_none())
        .map(|d| {
            let weight: u64 = tables
                .checks
                .iter()
                .filter(|c| d.closes.contains(&c.json_field))
                .map(|c| c.weight)
                .sum();
            Weighty {
                name: d.name.clone(),
                setting: format!("{}={}", d.name, d.strict),
                share: (weight * 100).div_ceil(total.max(1)),
                summary: d.comment_text().to_string(),
            }
        })
        .filter(|w| w.share > 0)
        .collect();
    weighty.sort_by(|a, b| b.share.cmp(&a.share).then(a.name.cmp(&b.name)));
    weighty.truncate(WEIGHTY);
    let (starter, before, after) = starter().unwrap_or_else(|e| {
        (
            format!("# unitguard harden failed on the example: {e}\n"),
            0,
            0,
        )
    });
    Summary {
        weighty,
        example_unit: EXAMPLE_UNIT,
        starter,
        before,
        after,
        verify: VERIFY,
        rollback: ROLLBACK,
    }
}

/// `unitguard harden --profile baseline` on [`EXAMPLE`]: its drop-in and the exposures before
/// and after, computed by the same code as the command (in a scratch directory).
fn starter() -> crate::Result<(String, u64, u64)> {
    let dir = scratch_dir()?;
    let result = (|| {
        let units = dir.join("etc/systemd/system");
        std::fs::create_dir_all(&units).map_err(|e| crate::Error::io(&units, e))?;
        let file = units.join(EXAMPLE_UNIT);
        std::fs::write(&file, EXAMPLE).map_err(|e| crate::Error::io(&file, e))?;
        let ctx =
            crate::context::Context::for_version(SHEET_VERSION, Some(&dir), Policy::default())?;
        let name = PathBuf::from(EXAMPLE_UNIT);
        let scored = crate::pipeline::score_arguments(&[name], &ctx)
            .pop()
            .ok_or_else(|| crate::Error::Other("no outcome".into()))?
            .map_err(|e| crate::Error::Other(e.to_string()))?;
        let opts = crate::harden::Options {
            level: crate::harden::Level::Baseline,
            allow_ip: &[],
            template: false,
            evidence: None,
            within_profile: false,
        };
        let h = crate::harden::harden(&scored, &opts, &ctx)?;
        // Without the per-line reasons ("... not known to be needed"): the page holds the
        // directives and their catalogue comments.
        let lines: Vec<crate::harden::Line> = h
            .lines
            .iter()
            .map(|l| crate::harden::Line {
                why: None,
                ..l.clone()
            })
            .collect();
        let body = crate::harden::render::body(&lines);
        Ok((body, h.before.exposure, h.after.exposure))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn scratch_dir() -> crate::Result<PathBuf> {
    let mut b = [0u8; 8];
    let _ = rustix::rand::getrandom(&mut b, rustix::rand::GetRandomFlags::empty());
    let dir = std::env::temp_dir().join(format!(
        "unitguard-cheatsheet.{}.{:x}",
        std::process::id(),
        u64::from_ne_bytes(b)
    ));
    std::fs::create_dir(&dir).map_err(|e| crate::Error::io(&dir, e))?;
    Ok(dir)
}

/// "9.6 UNSAFE".
pub fn score(x: u64) -> String {
    format!("{} {}", assess::format_tenths(x), assess::label(x))
}
