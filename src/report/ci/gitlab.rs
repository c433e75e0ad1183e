//! GitLab code quality (a JSON array of issues, the subset of Code Climate's format GitLab
//! reads): one issue per finding of a unit that did not pass, and per warning of one that did,
//! with the path relative to the base (the repository root).

use serde_json::{Value, json};

use super::{Level, Report};

pub fn render(report: &Report) -> String {
    let mut issues: Vec<Value> = Vec::new();
    for u in &report.units {
        for f in &u.findings {
            // GitLab needs a path; a unit that was never found has only its name.
            let path = f
                .file
                .as_deref()
                .map(|p| report.shown(p))
                .unwrap_or_else(|| u.unit.clone());
            issues.push(json!({
                "type": "issue",
                "check_name": f.rule,
                "description": format!("{}: {}", u.unit, report.message(&f.message)),
                "categories": ["Security"],
                "severity": severity(f.level, u.passed),
                "fingerprint": report.fingerprint(f),
                "location": {"path": path, "lines": {"begin": f.line.unwrap_or(1)}},
            }));
        }
    }
    let mut out = serde_json::to_string_pretty(&issues).expect("issues serialize");
    out.push('\n');
    out
}

/// GitLab's severities: info, minor, major, critical, blocker.
fn severity(level: Level, unit_passed: bool) -> &'static str {
    match (level, unit_passed) {
        (Level::Error, false) => "critical",
        (Level::Error, true) => "major",
        (Level::Warning, _) => "minor",
        (Level::Note, _) => "info",
    }
}
