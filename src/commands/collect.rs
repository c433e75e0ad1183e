//! `unitguard collect [--output FILE] [--baseline FILE]`.

use crate::EXIT_OK;
use crate::cli::CollectArgs;
use crate::error::Result;
use crate::fleet::baseline::Baseline;
use crate::fleet::{collect, output};

pub fn run(a: &CollectArgs) -> Result<i32> {
    let root = a.state.load.root.as_deref();
    let base = a.baseline.as_deref().map(Baseline::load).transpose()?;
    let (facts, inv) = collect::gather(root, a.state.offline, |manager| {
        super::context(&a.state.load, None, manager)
    })?;
    let shown = a.baseline.as_ref().map(|p| p.display().to_string());
    let state = collect::state(facts, inv, root, shown.as_deref().zip(base.as_ref()));
    output::write(a.output.as_deref(), state.to_json().as_bytes())?;
    if let Some(p) = &a.output {
        eprintln!(
            "unitguard: {} ({} services, checklist {}/5 {}) written to {}",
            state.host.host,
            state.units.len(),
            state.checklist.score,
            state.checklist.verdict,
            p.display()
        );
    }
    Ok(EXIT_OK)
}
