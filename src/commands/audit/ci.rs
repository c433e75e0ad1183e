//! Audit results as a CI report (data/audit-rules.toml): per unit a verdict against the
//! threshold, reported under the rule of its exposure label, and load failures as results.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;

use super::view::UnitResult;
use crate::assess;
use crate::report::ci::{self, Finding, Level, Report, UnitVerdict};

#[derive(Debug, Deserialize)]
struct RuleData {
    id: String,
    name: String,
    #[serde(default)]
    label: Option<String>,
    level: String,
    security_severity: f64,
    tags: Vec<String>,
    title: String,
    description: String,
    fix: String,
    help_uri: String,
}

#[derive(Debug, Deserialize)]
struct RulesFile {
    rule: Vec<RuleData>,
}

fn rules() -> &'static [RuleData] {
    static R: OnceLock<Vec<RuleData>> = OnceLock::new();
    R.get_or_init(|| {
        toml::from_str::<RulesFile>(include_str!("../../../data/audit-rules.toml"))
            .expect("data/audit-rules.toml is valid")
            .rule
    })
}

/// The rule a unit that cannot be scored is reported under.
const NOT_SCORED: &str = "UGA000";

/// The rule of an exposure's label.
fn rule_for(exposure: u64) -> &'static str {
    let label = assess::label(exposure);
    rules()
        .iter()
        .find(|r| r.label.as_deref() == Some(label))
        .map_or(NOT_SCORED, |r| r.id.as_str())
}

/// An empty report (the units are added as they are scored).
pub fn report(base: &Path) -> Report {
    Report {
        command: "audit",
        rules: rules()
            .iter()
            .map(|r| ci::Rule {
                id: r.id.clone(),
                name: r.name.clone(),
                short: r.title.clone(),
                full: r.description.clone(),
                help: format!("{} How to fix: {}", r.description, r.fix),
                help_uri: r.help_uri.clone(),
                level: Level::parse(&r.level),
                security_severity: r.security_severity,
                tags: r.tags.clone(),
            })
            .collect(),
        units: Vec::new(),
        base: base.to_path_buf(),
        load_failure_rule: NOT_SCORED,
    }
}

/// One unit's verdict against the threshold (none: every scored unit passes, as with
/// systemd-analyze's default of 100).
pub fn verdict(r: &UnitResult, file: Option<PathBuf>, threshold: Option<u64>) -> UnitVerdict {
    match r {
        UnitResult::Scored { assessment: a, .. } => {
            let score = format!("exposure {}", assess::format_exposure(a.exposure));
            let over = threshold.is_some_and(|t| a.exposure > t);
            let limit = threshold.map_or_else(
                || "no threshold".to_string(),
                |t| format!("threshold {}", assess::format_tenths(t)),
            );
            let summary = if over {
                format!("{}: {score}, above the {limit}", a.unit)
            } else {
                format!("{}: {score}, within the {limit}", a.unit)
            };
            let findings = if over {
                vec![Finding {
                    rule: rule_for(a.exposure).to_string(),
                    level: Level::Error,
                    message: format!("{summary}. {}", biggest_gaps(a)),
                    file: file.clone(),
                    line: None,
                    identity: a.unit.clone(),
                }]
            } else {
                Vec::new()
            };
            UnitVerdict {
                unit: a.unit.clone(),
                file,
                passed: !over,
                summary,
                findings,
                pass_rule: Some(rule_for(a.exposure).to_string()),
            }
        }
        UnitResult::Failed {
            unit,
            message,
            detail,
            ..
        } => {
            let text = match detail {
                Some(d) => format!("{message} ({d})"),
                None => message.clone(),
            };
            UnitVerdict {
                unit: unit.to_string(),
                file: file.clone(),
                passed: false,
                summary: format!("{unit}: could not be scored"),
                findings: vec![Finding {
                    rule: NOT_SCORED.into(),
                    level: Level::Error,
                    message: text,
                    file,
                    line: None,
                    identity: unit.to_string(),
                }],
                pass_rule: None,
            }
        }
    }
}

/// The checks that add the most exposure, largest first: where to start.
fn biggest_gaps(a: &assess::Assessment) -> String {
    let mut bad: Vec<_> = a
        .checks
        .iter()
        .filter_map(|c| Some((c.exposure?, c.name)))
        .collect();
    bad.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(y.1)));
    let top: Vec<String> = bad
        .iter()
        .take(5)
        .map(|(x, n)| format!("{n} ({})", assess::format_tenths(*x)))
        .collect();
    if top.is_empty() {
        String::new()
    } else {
        format!("Largest gaps: {}", top.join(", "))
    }
}
