//! JUnit XML: one test suite per run, one test case per unit. A unit over the threshold or
//! with error findings is a `<failure>`, a unit that could not be loaded an `<error>`; the
//! findings are listed in its body, with paths relative to the base.

use std::fmt::Write;

use super::{Level, Report, UnitVerdict};

pub fn render(report: &Report) -> String {
    let name = format!("unitguard {}", report.command);
    let failures = report
        .units
        .iter()
        .filter(|u| !u.passed && !is_error(report, u))
        .count();
    let errors = report.units.iter().filter(|u| is_error(report, u)).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{n}\" tests=\"{t}\" failures=\"{failures}\" errors=\"{errors}\">",
        n = escape(&name),
        t = report.units.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{n}\" tests=\"{t}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\">",
        n = escape(&name),
        t = report.units.len()
    );
    for u in &report.units {
        let file = u.file.as_deref().map(|f| report.shown(f));
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"{}\"",
            escape(&u.unit),
            escape(&format!("unitguard.{}", report.command))
        );
        if let Some(f) = &file {
            let _ = write!(out, " file=\"{}\"", escape(f));
        }
        if u.passed && u.findings.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        let body = details(report, u);
        if u.passed {
            // Notes and warnings do not fail the unit: they go to its output.
            let _ = writeln!(out, "      <system-out>{}</system-out>", escape(&body));
        } else {
            let tag = if is_error(report, u) {
                "error"
            } else {
                "failure"
            };
            let kind = u.findings.first().map_or("", |f| f.rule.as_str());
            let _ = writeln!(
                out,
                "      <{tag} message=\"{}\" type=\"{}\">{}</{tag}>",
                escape(&report.message(&u.summary)),
                escape(kind),
                escape(&body)
            );
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// A unit that could not be scored at all (the command's load-failure rule).
fn is_error(report: &Report, u: &UnitVerdict) -> bool {
    !u.passed && u.findings.iter().any(|f| report.is_load_failure(&f.rule))
}

/// One line per finding: `path:line: level[RULE] message`.
fn details(report: &Report, u: &UnitVerdict) -> String {
    let mut s = String::new();
    for f in &u.findings {
        let at = match (&f.file, f.line) {
            (Some(p), Some(l)) => format!("{}:{l}: ", report.shown(p)),
            (Some(p), None) => format!("{}: ", report.shown(p)),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "{at}{}[{}] {}",
            level_word(f.level),
            f.rule,
            report.message(&f.message)
        );
    }
    s
}

fn level_word(l: Level) -> &'static str {
    l.as_str()
}

/// XML character data and attribute values: the five predefined entities, and control
/// characters (not allowed in XML 1.0) as U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes() {
        assert_eq!(
            escape("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot;\u{FFFD}"
        );
    }
}
