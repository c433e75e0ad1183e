//! `unitguard baseline save|diff`.

use crate::cli::{BaselineCommand, BaselineDiffArgs, BaselineSaveArgs, StateArgs};
use crate::error::Result;
use crate::fleet::baseline::{self, Baseline};
use crate::fleet::{collect, output};
use crate::{EXIT_FAILED, EXIT_OK};

pub fn run(cmd: &BaselineCommand) -> Result<i32> {
    match cmd {
        BaselineCommand::Save(a) => save(a),
        BaselineCommand::Diff(a) => diff(a),
    }
}

/// This host's state now, as a baseline.
pub fn current(state: &StateArgs) -> Result<Baseline> {
    let root = state.load.root.as_deref();
    let (facts, inv) = collect::gather(root, state.offline, |manager| {
        super::context(&state.load, None, manager)
    })?;
    Ok(Baseline::from_inventory(facts, &inv))
}

fn save(a: &BaselineSaveArgs) -> Result<i32> {
    let b = current(&a.state)?;
    let text = if a.json { b.to_json() } else { b.to_text() };
    output::write(a.output.as_deref(), text.as_bytes())?;
    if let Some(p) = &a.output {
        eprintln!(
            "unitguard: baseline of {} units written to {}",
            b.units.len(),
            p.display()
        );
    }
    Ok(EXIT_OK)
}

fn diff(a: &BaselineDiffArgs) -> Result<i32> {
    let base = Baseline::load(&a.baseline)?;
    let now = current(&a.state)?;
    let d = baseline::diff(&base, &now, a.tolerance);
    if a.json {
        let v = serde_json::json!({
            "baseline": a.baseline,
            "tolerance": a.tolerance as f64 / 10.0,
            "diff": d,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!(
            "baseline {} (host {}, {}) against {} now ({})",
            a.baseline.display(),
            base.host.host,
            base.host.date,
            now.host.host,
            now.host.mode
        );
        print!("{}", baseline::diff_text(&d, a.tolerance));
    }
    Ok(if d.regressions.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}
