//! SARIF 2.1.0 as GitHub code scanning takes it (checked with Microsoft's SARIF Multitool and
//! its GitHub rules): every rule with short and full descriptions, help text and URI,
//! security-severity and tags; every result with a location relative to `%SRCROOT%` (the
//! report's base) and a partial fingerprint; one result per unit that passed, as kind "pass".

use serde_json::{Value, json};

use super::{Finding, Level, Report, severity_string};

/// The base every relative location is resolved against: the checkout root of the repository.
const SRCROOT: &str = "%SRCROOT%";

pub fn render(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(&document(report)).expect("SARIF serializes");
    out.push('\n');
    out
}

pub fn document(report: &Report) -> Value {
    let rules: Vec<Value> = report.rules.iter().map(rule).collect();
    let index = |id: &str| report.rules.iter().position(|r| r.id == id);
    let mut results: Vec<Value> = Vec::new();
    for unit in &report.units {
        for f in &unit.findings {
            results.push(result(report, f, index(&f.rule)));
        }
        if unit.passed && unit.findings.is_empty() {
            // A verdict with nothing wrong: a "pass" result, so every unit has one.
            if let Some(rule_id) = unit.pass_rule.as_deref() {
                let f = Finding {
                    rule: rule_id.to_string(),
                    level: Level::Note,
                    message: unit.summary.clone(),
                    file: unit.file.clone(),
                    line: None,
                    identity: unit.unit.clone(),
                };
                let mut r = result(report, &f, index(rule_id));
                r["kind"] = json!("pass");
                r["level"] = json!("none");
                results.push(r);
            }
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "unitguard",
                "fullName": format!("unitguard {}", report.command),
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "automationDetails": {"id": format!("unitguard/{}/", report.command)},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn rule(r: &super::Rule) -> Value {
    json!({
        "id": r.id,
        "name": r.name,
        "shortDescription": {"text": r.short},
        "fullDescription": {"text": r.full},
        "help": {"text": r.help, "markdown": r.help},
        "helpUri": r.help_uri,
        "defaultConfiguration": {"level": r.level.as_str()},
        "properties": {
            "tags": r.tags,
            "precision": "very-high",
            "problem.severity": match r.level {
                Level::Error => "error",
                Level::Warning => "warning",
                Level::Note => "recommendation",
            },
            "security-severity": severity_string(r.security_severity),
        },
    })
}

fn result(report: &Report, f: &Finding, rule_index: Option<usize>) -> Value {
    let mut r = json!({
        "ruleId": f.rule,
        "level": f.level.as_str(),
        "kind": "fail",
        "message": {"text": sentence(&report.message(&f.message))},
        "partialFingerprints": {"unitguardFinding/v1": report.fingerprint(f)},
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    if let Some(file) = &f.file {
        let mut physical = json!({"artifactLocation": artifact(report, file)});
        if let Some(region) = region(file, f.line) {
            physical["region"] = region;
        }
        r["locations"] = json!([{"physicalLocation": physical}]);
    } else {
        // A unit named on the command line that has no file: the unit is the location.
        r["locations"] = json!([{"logicalLocations": [{"name": f.identity, "kind": "module"}]}]);
    }
    r
}

/// The region of a finding, start and end: its whole line, or (about the whole file) every
/// line. Without the file's text only the start line is known.
fn region(file: &std::path::Path, line: Option<usize>) -> Option<Value> {
    let text = crate::unit::load::read_unit_file(file, None).ok();
    let lines: Vec<&[u8]> = text
        .as_deref()
        .map(|t| t.split(|&b| b == b'\n').collect())
        .unwrap_or_default();
    // Columns count Unicode code points (the run's columnKind).
    let width = |l: &[u8]| String::from_utf8_lossy(l).chars().count();
    match line {
        Some(l) => Some(match l.checked_sub(1).and_then(|i| lines.get(i)) {
            Some(text) => {
                json!({"startLine": l, "startColumn": 1, "endLine": l, "endColumn": width(text) + 1})
            }
            None => json!({"startLine": l}),
        }),
        None => {
            let n = lines.len() - usize::from(lines.last().is_some_and(|l| l.is_empty()));
            Some(if n > 0 {
                json!({"startLine": 1, "startColumn": 1, "endLine": n, "endColumn": width(lines[n - 1]) + 1})
            } else {
                // An empty file (a masked unit): the empty region at its start.
                json!({"charOffset": 0, "charLength": 0})
            })
        }
    }
}

/// A file's location: a relative URI against `%SRCROOT%` when it lies under the base, else an
/// absolute `file:` URI.
fn artifact(report: &Report, file: &std::path::Path) -> Value {
    match report.relative(file) {
        Some(rel) => json!({"uri": percent_encode(&rel), "uriBaseId": SRCROOT}),
        None => {
            json!({"uri": format!("file://{}", percent_encode(&super::absolute(file).to_string_lossy()))})
        }
    }
}

/// Messages end with a period (SARIF's own style rule).
fn sentence(s: &str) -> String {
    let t = s.trim_end();
    if t.ends_with(['.', '!', '?']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

/// Everything outside RFC 3986's unreserved set, '/' and '@' (template units) percent-encoded.
pub fn percent_encode(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~@".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::{percent_encode, sentence};

    #[test]
    fn encoding_and_sentences() {
        assert_eq!(percent_encode("a b/ü.service"), "a%20b/%C3%BC.service");
        assert_eq!(sentence("x"), "x.");
        assert_eq!(sentence("x."), "x.");
    }
}
