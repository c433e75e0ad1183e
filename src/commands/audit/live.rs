//! `unitguard audit` in live mode: the running manager's services, scored as
//! `systemd-analyze security` (without `--offline`) scores them. Same output, JSON, sorting and
//! `--threshold` rules as the offline path; only the source of the units differs.

use std::io::Write;

use crate::assess::Policy;
use crate::cli::AuditArgs;
use crate::error::{Error, Result};
use crate::report::{self, json, text};
use crate::systemd::{self, LiveOutcome, Manager};
use crate::{EXIT_FAILED, EXIT_OK};

pub fn run(args: &AuditArgs, manager: &Manager, policy: &Policy) -> Result<i32> {
    let tables = systemd::tables_for(manager);
    let listing = args.units.is_empty();
    let mut outcomes: Vec<LiveOutcome> = if listing {
        systemd::score_loaded_services(manager, policy, tables)
            .map_err(|e| Error::Other(e.to_string()))?
    } else {
        systemd::score_arguments(manager, &args.units, policy, tables)
    };
    if listing {
        outcomes.sort_by(|a, b| match (a, b) {
            (Ok(x), Ok(y)) => y
                .assessment
                .exposure
                .cmp(&x.assessment.exposure)
                .then_with(|| x.assessment.unit.cmp(&y.assessment.unit)),
            (Err(_), Ok(_)) => std::cmp::Ordering::Less,
            (Ok(_), Err(_)) => std::cmp::Ordering::Greater,
            (Err(x), Err(y)) => x.unit().cmp(y.unit()),
        });
    }
    let mut failed = false;
    {
        let stderr = std::io::stderr();
        let mut err = stderr.lock();
        for o in &outcomes {
            match o {
                Err(e) => {
                    failed = true;
                    let _ = writeln!(err, "{e}");
                }
                Ok(s) => {
                    if args.threshold.is_some_and(|t| s.assessment.exposure > t) {
                        failed = true;
                    }
                }
            }
        }
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = if args.json {
        let items: Vec<json::UnitJson> = outcomes
            .iter()
            .map(|o| match o {
                Ok(s) => json::scored(&s.assessment),
                Err(e) => json::UnitJson::Failed {
                    unit: e.unit(),
                    error: e.to_string(),
                    detail: None,
                },
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &items)
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(out))
    } else if listing {
        let scored: Vec<_> = outcomes
            .iter()
            .filter_map(|o| o.as_ref().ok())
            .map(|s| &s.assessment)
            .collect();
        out.write_all(text::overview(&scored).as_bytes())
    } else {
        let glyphs = report::Glyphs::from_env();
        outcomes
            .iter()
            .filter_map(|o| o.as_ref().ok())
            .try_for_each(|s| out.write_all(text::detailed(&s.assessment, glyphs).as_bytes()))
    };
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(Error::io("<stdout>", e));
        }
    }
    Ok(if failed { EXIT_FAILED } else { EXIT_OK })
}
