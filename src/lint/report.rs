//! Lint results as a CI report: every rule of data/lint-rules.toml, and per unit its findings;
//! a unit fails when it has an error finding or could not be loaded.

use std::path::{Path, PathBuf};

use super::{Finding, rules};
use crate::pipeline::UnitError;
use crate::report::ci::{self, Level, Report, UnitVerdict};

/// The rule a unit that cannot be loaded is reported under.
pub const LOAD_FAILURE: &str = "UG000";

/// One linted argument: the unit and its findings, or why it could not be loaded.
pub enum Linted<'a> {
    Loaded {
        unit: &'a str,
        fragment: &'a Path,
        findings: Vec<Finding>,
    },
    Failed {
        error: &'a UnitError,
        /// The argument, when it named a file.
        file: Option<PathBuf>,
    },
}

pub fn report(linted: &[Linted], base: &Path) -> Report {
    let rules = rules()
        .iter()
        .map(|r| ci::Rule {
            id: r.id.clone(),
            name: r.name.clone(),
            short: r.title.clone(),
            full: r.description.clone(),
            help: help_text(r),
            help_uri: r.help_uri.clone().unwrap_or_else(|| {
                ci::directive_uri(r.directive.as_deref().unwrap_or("Sandboxing"))
            }),
            level: Level::parse(&r.severity),
            security_severity: r.security_severity,
            tags: r.tags.clone(),
        })
        .collect();
    let units = linted
        .iter()
        .map(|l| match l {
            Linted::Loaded {
                unit,
                fragment,
                findings,
            } => {
                let errors = findings.iter().filter(|f| f.severity == "error").count();
                let others = findings.len() - errors;
                UnitVerdict {
                    unit: unit.to_string(),
                    file: Some(fragment.to_path_buf()),
                    passed: errors == 0,
                    summary: format!("{unit}: {errors} error(s), {others} other finding(s)"),
                    findings: findings.iter().map(finding).collect(),
                    pass_rule: None,
                }
            }
            Linted::Failed { error, file } => {
                let message = match error.detail() {
                    Some(d) => format!("{error} ({d})"),
                    None => error.to_string(),
                };
                UnitVerdict {
                    unit: error.unit().to_string(),
                    file: file.clone(),
                    passed: false,
                    summary: format!("{}: could not be loaded", error.unit()),
                    findings: vec![ci::Finding {
                        rule: LOAD_FAILURE.into(),
                        level: Level::Error,
                        message,
                        file: file.clone(),
                        line: None,
                        identity: error.unit().to_string(),
                    }],
                    pass_rule: None,
                }
            }
        })
        .collect();
    Report {
        command: "lint",
        rules,
        units,
        base: base.to_path_buf(),
        load_failure_rule: LOAD_FAILURE,
    }
}

fn finding(f: &Finding) -> ci::Finding {
    ci::Finding {
        rule: f.rule.clone(),
        level: Level::parse(&f.severity),
        message: format!("{} Fix: {}", f.message, f.fix),
        file: Some(f.file.clone()),
        line: f.line,
        // The unit and the message without the line: the finding stays the same when lines
        // above it move.
        identity: format!("{}\0{}", f.unit, f.message),
    }
}

/// The rule's help: what it checks, then the fix with its placeholders in capitals.
fn help_text(r: &super::Rule) -> String {
    let fix = r
        .fix
        .split('{')
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part.to_string()
            } else {
                // `{path}` reads PATH: the help describes every finding of the rule.
                match part.split_once('}') {
                    Some((name, rest)) => format!("{}{rest}", name.to_uppercase()),
                    None => part.to_string(),
                }
            }
        })
        .collect::<String>();
    if r.fix.trim() == "{fix}" {
        // The whole fix depends on the finding (UG012).
        format!(
            "{} Each finding's message says which settings clash and what to change.",
            r.description
        )
    } else {
        format!("{} How to fix: {fix}", r.description)
    }
}
