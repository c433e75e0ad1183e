//! systemd-analyze's text output: the per-check table and the overall line; and unitguard's
//! one-line-per-unit overview.

use std::fmt::Write;

use crate::assess::{self, Assessment};
use crate::report::Glyphs;
use crate::ui;

/// Code points systemd 252's table counts as two cells wide (its `unichar_iswide()`, a
/// Unicode 6.0 East Asian Width table plus one emoji block). Every other character, combining
/// marks and other emoji included, counts as one cell.
const WIDE: &[(u32, u32)] = &[
    (0x1100, 0x115F),
    (0x2329, 0x232A),
    (0x2E80, 0x2E99),
    (0x2E9B, 0x2EF3),
    (0x2F00, 0x2FD5),
    (0x2FF0, 0x2FFB),
    (0x3000, 0x303E),
    (0x3041, 0x3096),
    (0x3099, 0x30FF),
    (0x3105, 0x312D),
    (0x3131, 0x318E),
    (0x3190, 0x31BA),
    (0x31C0, 0x31E3),
    (0x31F0, 0x321E),
    (0x3220, 0x3247),
    (0x3250, 0x32FE),
    (0x3300, 0x4DBF),
    (0x4E00, 0xA48C),
    (0xA490, 0xA4C6),
    (0xA960, 0xA97C),
    (0xAC00, 0xD7A3),
    (0xF900, 0xFAFF),
    (0xFE10, 0xFE19),
    (0xFE30, 0xFE52),
    (0xFE54, 0xFE66),
    (0xFE68, 0xFE6B),
    (0xFF01, 0xFF60),
    (0xFFE0, 0xFFE6),
    (0x1B000, 0x1B001),
    (0x1F200, 0x1F202),
    (0x1F210, 0x1F23A),
    (0x1F240, 0x1F248),
    (0x1F250, 0x1F251),
    (0x1F300, 0x1F567),
    (0x20000, 0x2FFFD),
    (0x30000, 0x3FFFD),
];

fn is_wide(c: char) -> bool {
    let c = c as u32;
    WIDE.binary_search_by(|&(lo, hi)| {
        if hi < c {
            std::cmp::Ordering::Less
        } else if lo > c {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    })
    .is_ok()
}

/// The number of terminal cells systemd's table reserves for `s` (its `utf8_console_width()`).
pub fn console_width(s: &str) -> usize {
    if s.is_ascii() {
        return s.len();
    }
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

/// `s` followed by spaces up to `width` cells.
fn pad_right(out: &mut String, s: &str, width: usize) {
    out.push_str(s);
    for _ in console_width(s)..width {
        out.push(' ');
    }
}

/// The table and summary line, as `systemd-analyze security UNIT` prints them when piped:
/// every column padded to its widest cell (header included), one space between columns,
/// EXPOSURE values right-aligned (not its header), and the trailing blanks of the last column
/// dropped (so a row without an exposure ends with the separator space after DESCRIPTION).
pub fn detailed(a: &Assessment, glyphs: Glyphs) -> String {
    detailed_with(a, glyphs, true, false)
}

/// [`detailed`] with or without the header line (`--no-legend`), and with colours on a
/// terminal: marks green and red, the overall label in its band's colour, as systemd does.
pub fn detailed_with(a: &Assessment, glyphs: Glyphs, legend: bool, color: bool) -> String {
    let utf8 = glyphs.utf8;
    let mark = |set: Option<bool>| match (set, utf8) {
        (None, _) => " ",
        (Some(true), true) => "✓",
        (Some(false), true) => "✗",
        (Some(true), false) => "+",
        (Some(false), false) => "-",
    };
    let mark_color = |set: Option<bool>| match set {
        Some(true) => ui::GREEN,
        Some(false) => ui::RED,
        None => "",
    };
    /// A cell and the terminal cells it takes.
    type Cell<'a> = (&'a str, usize);
    let cell = |s: &'static str| (s, console_width(s));
    let header = (cell("NAME"), cell("DESCRIPTION"), cell("EXPOSURE"));
    let mut exposures = String::with_capacity(a.checks.len() * 4);
    let mut spans = Vec::with_capacity(a.checks.len());
    for c in &a.checks {
        let start = exposures.len();
        if let Some(x) = c.exposure {
            let _ = write!(exposures, "{}.{}", x / 10, x % 10);
        }
        spans.push(start..exposures.len());
    }
    let rows: Vec<(Option<bool>, Cell, Cell, Cell)> = a
        .checks
        .iter()
        .zip(spans)
        .map(|(c, span)| {
            let desc = c.description.as_deref().unwrap_or("");
            let exp = &exposures[span];
            (
                c.set(),
                (c.name, console_width(c.name)),
                (desc, console_width(desc)),
                (exp, exp.len()),
            )
        })
        .collect();
    let w_name = rows
        .iter()
        .map(|r| r.1.1)
        .max()
        .unwrap_or(0)
        .max(header.0.1);
    let w_desc = rows
        .iter()
        .map(|r| r.2.1)
        .max()
        .unwrap_or(0)
        .max(header.1.1);
    let w_exp = rows
        .iter()
        .map(|r| r.3.1)
        .max()
        .unwrap_or(0)
        .max(header.2.1);
    let mut out = String::with_capacity((rows.len() + 3) * (w_name + w_desc + w_exp + 8));
    let spaces = |out: &mut String, mut n: usize| {
        const BLANKS: &str = "                                                                ";
        while n > 0 {
            let k = n.min(BLANKS.len());
            out.push_str(&BLANKS[..k]);
            n -= k;
        }
    };
    let mut row = |m: &str, name: Cell, desc: Cell, exp: Cell, header: bool| {
        out.push_str(m);
        out.push(' ');
        out.push_str(name.0);
        spaces(&mut out, w_name.saturating_sub(name.1) + 1);
        out.push_str(desc.0);
        spaces(&mut out, w_desc.saturating_sub(desc.1) + 1);
        // Only the data cells of EXPOSURE are right-aligned; the header is left-aligned (and
        // its trailing padding dropped), which shows when an exposure is wider than 8 cells.
        if header {
            out.push_str(exp.0);
        } else if !exp.0.is_empty() {
            spaces(&mut out, w_exp.saturating_sub(exp.1));
            out.push_str(exp.0);
        }
        out.push('\n');
    };
    if legend {
        row(" ", header.0, header.1, header.2, true);
    }
    for &(set, name, desc, exp) in &rows {
        let m = ui::paint(mark(set), mark_color(set), color);
        row(&m, name, desc, exp, false);
    }
    let arrow = if utf8 { "→" } else { "->" };
    let score = assess::format_exposure(a.exposure);
    let _ = writeln!(
        out,
        "\n{arrow} Overall exposure level for {}: {} {}",
        ui::paint(&a.unit, "1", color),
        ui::paint(&score, label_color(a.exposure), color),
        assess::glyph(a.exposure, !glyphs.emoji)
    );
    out
}

/// systemd's colour for an exposure's label: red for DANGEROUS and UNSAFE, yellow for
/// EXPOSED, none for MEDIUM, green below.
fn label_color(exposure: u64) -> &'static str {
    match exposure {
        90.. => ui::RED,
        75..=89 => ui::YELLOW,
        50..=74 => "",
        _ => ui::GREEN,
    }
}

/// systemd-analyze security's overview table (`UNIT EXPOSURE PREDICATE HAPPY`), printed live
/// for a listing and after several units: UNIT and PREDICATE padded to their widest cell,
/// EXPOSURE right-aligned, the last column unpadded.
pub fn systemd_overview(
    rows: &[(String, u64)],
    glyphs: Glyphs,
    legend: bool,
    color: bool,
) -> String {
    let w_unit = rows
        .iter()
        .map(|(u, _)| console_width(u))
        .max()
        .unwrap_or(0)
        .max(4);
    let w_exp = 8;
    let w_pred = rows
        .iter()
        .map(|(_, x)| assess::label(*x).len())
        .max()
        .unwrap_or(0)
        .max(9);
    let mut out = String::new();
    if legend {
        if rows.is_empty() {
            out.push_str("UNIT EXPOSURE PREDICATE HAPPY\n");
        } else {
            pad_right(&mut out, "UNIT", w_unit);
            out.push(' ');
            pad_right(&mut out, "EXPOSURE", w_exp);
            out.push(' ');
            pad_right(&mut out, "PREDICATE", w_pred);
            out.push_str(" HAPPY\n");
        }
    }
    for (unit, x) in rows {
        pad_right(&mut out, unit, w_unit);
        let label = assess::label(*x);
        let _ = write!(out, " {:>w_exp$} ", assess::format_tenths(*x));
        out.push_str(&ui::paint(label, label_color(*x), color));
        for _ in label.len()..w_pred {
            out.push(' ');
        }
        let _ = writeln!(out, " {}", assess::glyph(*x, !glyphs.emoji));
    }
    out
}

/// unitguard's overview: UNIT EXPOSURE LABEL, one line per unit, UNIT padded to the longest
/// name, EXPOSURE right-aligned under its header.
pub fn overview(assessments: &[&Assessment], legend: bool) -> String {
    let w = assessments
        .iter()
        .map(|a| console_width(&a.unit))
        .max()
        .unwrap_or(0)
        .max(4);
    let mut out = String::new();
    if legend {
        pad_right(&mut out, "UNIT", w);
        out.push_str(" EXPOSURE LABEL\n");
    }
    for a in assessments {
        pad_right(&mut out, &a.unit, w);
        let _ = writeln!(
            out,
            " {:>8} {}",
            assess::format_tenths(a.exposure),
            assess::label(a.exposure)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::console_width;

    #[test]
    fn widths_follow_systemd() {
        // Measured against systemd-analyze 252's table padding.
        assert_eq!(console_width("NAME"), 4);
        assert_eq!(console_width("A漢Z"), 4);
        assert_eq!(console_width("A😨Z"), 3); // U+1F628 is outside systemd's wide table
        assert_eq!(console_width("A\u{1F300}Z"), 4);
        assert_eq!(console_width("Ax\u{301}Z"), 4); // combining marks count as one cell
        assert_eq!(console_width("A\u{A000}Z"), 4);
        assert_eq!(console_width("A\u{A97F}Z"), 3);
        assert_eq!(console_width("A\u{FF00}Z"), 3);
        assert_eq!(console_width("A\u{FF60}Z"), 4);
        assert_eq!(console_width("✓"), 1);
    }
}
