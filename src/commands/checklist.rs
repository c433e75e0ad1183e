//! `unitguard checklist [--baseline FILE] [--json]`.

use crate::cli::ChecklistArgs;
use crate::error::Result;
use crate::fleet::baseline::Baseline;
use crate::fleet::{checklist, collect};
use crate::{EXIT_FAILED, EXIT_OK};

pub fn run(a: &ChecklistArgs) -> Result<i32> {
    let root = a.state.load.root.as_deref();
    let base = a.baseline.as_deref().map(Baseline::load).transpose()?;
    let (facts, inv) = collect::gather(root, a.state.offline, |manager| {
        super::context(&a.state.load, None, manager)
    })?;
    let shown = a.baseline.as_ref().map(|p| p.display().to_string());
    let state = collect::state(facts, inv, root, shown.as_deref().zip(base.as_ref()));
    let c = &state.checklist;
    if a.json {
        println!("{}", serde_json::to_string_pretty(c).unwrap_or_default());
    } else {
        println!(
            "checklist for {} ({}, {} services)",
            state.host.host,
            state.host.mode,
            state.units.len()
        );
        print!("{}", checklist::text(c));
    }
    Ok(if c.verdict == "PASS" {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}
