//! `explain`: for each failing check, the directive that closes it, what it stops, what it
//! may break and what it gains — grouped by directive and sorted by gain. The gain is
//! measured: the unit is re-scored with that one directive added as a drop-in.

use crate::catalogue::{Catalogue, Directive};
use crate::harden;
use crate::pipeline::Scored;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Advice {
    pub directive: String,
    /// The line to add (`Directive=value`), or a template when the value depends on the
    /// service (`User=<dedicated system user>`).
    pub line: String,
    /// Exposure gained, in tenths (None when the value is a template).
    pub gain: Option<u64>,
    /// The failing checks (names) this directive closes.
    pub closes: Vec<String>,
    pub stops: String,
    pub breaks: String,
    pub since: u32,
}

fn line_for(d: &Directive) -> String {
    format!("{}={}", d.name, d.strict)
}

pub fn explain(scored: &Scored, ctx: &crate::context::Context) -> Vec<Advice> {
    let cat = Catalogue::get();
    let failing: Vec<_> = scored
        .assessment
        .checks
        .iter()
        .filter(|c| c.badness.is_some_and(|b| b > 0))
        .collect();
    let mut out: Vec<Advice> = Vec::new();
    for d in &cat.directives {
        if d.deprecated.is_some() {
            continue;
        }
        let closes: Vec<String> = failing
            .iter()
            .filter(|c| d.closes.iter().any(|f| f == c.json_field))
            .map(|c| c.name.to_string())
            .collect();
        if closes.is_empty() {
            continue;
        }
        let line = line_for(d);
        let gain = (!d.strict_is_template()).then(|| {
            let text = format!("[Service]\n{line}\n");
            harden::predict(scored, &text, ctx)
                .map(|after| scored.assessment.exposure.saturating_sub(after.exposure))
                .unwrap_or(0)
        });
        out.push(Advice {
            directive: d.name.clone(),
            line,
            gain,
            closes,
            stops: d.stops.clone(),
            breaks: d.breaks.clone(),
            since: d.since,
        });
    }
    out.sort_by(|a, b| {
        b.gain
            .unwrap_or(0)
            .cmp(&a.gain.unwrap_or(0))
            .then(b.closes.len().cmp(&a.closes.len()))
            .then(a.directive.cmp(&b.directive))
    });
    out
}
