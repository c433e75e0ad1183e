//! `unitguard audit`: exposure scores, as `systemd-analyze security --offline=true` prints them.

mod live;

use std::io::Write;

use crate::cli::AuditArgs;
use crate::error::Result;
use crate::pipeline::{self, Outcome};
use crate::report::{self, json, text};
use crate::tables::SystemdTables;
use crate::{EXIT_FAILED, EXIT_OK};

pub fn run(args: &AuditArgs) -> Result<i32> {
    let tables = SystemdTables::default_tables();
    let root = args.load.root.as_deref();
    let policy = super::policy_for(args.security_policy.as_deref(), root)?;
    if !args.offline {
        // Live mode (D-Bus) when a manager answers, no --root and no unit file paths.
        match crate::systemd::choose_source(root, &args.units) {
            crate::systemd::Source::Live(manager) => return live::run(args, &manager, &policy),
            crate::systemd::Source::Offline(why) => eprintln!(
                "unitguard: {why}; reading unit files offline, as systemd-analyze security --offline=true does"
            ),
        }
    }
    let listing = args.units.is_empty();
    let mut outcomes: Vec<Outcome> = if listing {
        pipeline::score_all_services(root, &policy, tables)
    } else {
        pipeline::score_arguments(&args.units, root, &policy, tables)
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
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for o in &outcomes {
        match o {
            Err(e) => {
                failed = true;
                let _ = match e.detail() {
                    Some(d) => writeln!(err, "{e} ({d})"),
                    None => writeln!(err, "{e}"),
                };
            }
            Ok(s) if !listing => {
                for w in &s.settings.warnings {
                    let _ = writeln!(err, "{w}");
                }
            }
            Ok(_) => {}
        }
        if let (Ok(s), Some(t)) = (o, args.threshold) {
            if s.assessment.exposure > t {
                failed = true;
            }
        }
    }
    drop(err);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = if args.json {
        let items: Vec<json::UnitJson> = outcomes
            .iter()
            .map(|o| match o {
                Ok(s) => json::scored(&s.assessment),
                Err(e) => json::failed(e),
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
            return Err(crate::Error::io("<stdout>", e));
        }
    }
    Ok(if failed { EXIT_FAILED } else { EXIT_OK })
}
