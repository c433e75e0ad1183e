//! systemd-analyze's text output: the per-check table and the overall line; and unitguard's
//! one-line-per-unit overview.

use std::fmt::Write;

use crate::assess::{self, Assessment};

/// The table and summary line, as `systemd-analyze security UNIT` prints them when piped.
pub fn detailed(a: &Assessment, utf8: bool) -> String {
    let mark = |set: Option<bool>| match (set, utf8) {
        (None, _) => " ",
        (Some(true), true) => "✓",
        (Some(false), true) => "✗",
        (Some(true), false) => "+",
        (Some(false), false) => "-",
    };
    let rows: Vec<(&str, &str, &str, String)> = a
        .checks
        .iter()
        .map(|c| {
            (
                mark(c.set()),
                c.name.as_str(),
                c.description.as_deref().unwrap_or(""),
                c.exposure.map(assess::format_tenths).unwrap_or_default(),
            )
        })
        .collect();
    let width = |f: &dyn Fn(&(&str, &str, &str, String)) -> usize, header: &str| {
        rows.iter()
            .map(f)
            .chain([header.chars().count()])
            .max()
            .unwrap_or(0)
    };
    let w_name = width(&|r| r.1.chars().count(), "NAME");
    let w_desc = width(&|r| r.2.chars().count(), "DESCRIPTION");
    let w_exp = width(&|r| r.3.chars().count(), "EXPOSURE");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  {:<w_name$} {:<w_desc$} {:>w_exp$}",
        "NAME", "DESCRIPTION", "EXPOSURE"
    );
    for (m, name, desc, exp) in &rows {
        let _ = writeln!(out, "{m} {name:<w_name$} {desc:<w_desc$} {exp:>w_exp$}");
    }
    let arrow = if utf8 { "→" } else { "->" };
    let _ = writeln!(
        out,
        "\n{arrow} Overall exposure level for {}: {} {} {}",
        a.unit,
        assess::format_tenths(a.exposure),
        assess::label(a.exposure),
        assess::glyph(a.exposure, !utf8)
    );
    out
}

/// unitguard's overview: UNIT EXPOSURE LABEL, one line per unit.
pub fn overview(assessments: &[&Assessment]) -> String {
    let w = assessments
        .iter()
        .map(|a| a.unit.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut out = String::new();
    let _ = writeln!(out, "{:<w$} EXPOSURE LABEL", "UNIT");
    for a in assessments {
        let _ = writeln!(
            out,
            "{:<w$} {:>8} {}",
            a.unit,
            assess::format_tenths(a.exposure),
            assess::label(a.exposure)
        );
    }
    out
}
