//! `unitguard explain UNIT`.

use std::fmt::Write;

use crate::assess;
use crate::cli::ExplainArgs;
use crate::error::Result;
use crate::explain;
use crate::{EXIT_FAILED, EXIT_OK};

pub fn run(args: &ExplainArgs) -> Result<i32> {
    let ctx = super::context(&args.load, None, None)?;
    let Some(scored) = super::score_one(&args.unit, &ctx) else {
        return Ok(EXIT_FAILED);
    };
    let advice = explain::explain(&scored, &ctx);
    if args.json {
        super::write_stdout(&crate::report::json::explain_document(
            &scored.assessment,
            &advice,
        ))?;
        return Ok(EXIT_OK);
    }
    let a = &scored.assessment;
    let failing = a
        .checks
        .iter()
        .filter(|c| c.badness.is_some_and(|b| b > 0))
        .count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: exposure {} {}, {failing} of {} checks fail (systemd {}).\n",
        a.unit,
        assess::format_tenths(a.exposure),
        assess::label(a.exposure),
        a.checks.len(),
        ctx.version()
    );
    for ad in &advice {
        let gain = ad.gain.map_or("depends on the value".to_string(), |g| {
            format!("-{}", assess::format_tenths(g))
        });
        let _ = writeln!(
            out,
            "{}    exposure {gain}    (systemd {}+)",
            ad.line, ad.since
        );
        let shown: Vec<&str> = ad.closes.iter().take(4).map(String::as_str).collect();
        let more = if ad.closes.len() > 4 {
            format!(" and {} more", ad.closes.len() - 4)
        } else {
            String::new()
        };
        let _ = writeln!(out, "  closes: {}{more}", shown.join(", "));
        let _ = writeln!(out, "  stops:  {}", ad.stops);
        let _ = writeln!(out, "  breaks: {}\n", ad.breaks);
    }
    if advice.is_empty() {
        let _ = writeln!(out, "Nothing to close: every check passes.");
    }
    print!("{out}");
    Ok(EXIT_OK)
}
