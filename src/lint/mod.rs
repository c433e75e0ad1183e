//! `lint`: known pitfalls in unit files, each a rule with a stable ID (data/lint-rules.toml),
//! reported with file:line, severity and the fix; as text, JSON or SARIF 2.1.0.

mod rules;
pub mod sarif;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::pipeline::Scored;

#[derive(Debug, Clone, Deserialize)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub severity: String,
    #[serde(default)]
    pub directive: Option<String>,
    pub summary: String,
    pub fix: String,
}

#[derive(Debug, Deserialize)]
struct RulesFile {
    rule: Vec<Rule>,
}

pub fn rules() -> &'static [Rule] {
    static R: OnceLock<Vec<Rule>> = OnceLock::new();
    R.get_or_init(|| {
        toml::from_str::<RulesFile>(include_str!("../../data/lint-rules.toml"))
            .expect("data/lint-rules.toml is valid")
            .rule
    })
}

pub fn rule(id: &str) -> &'static Rule {
    rules()
        .iter()
        .find(|r| r.id == id)
        .expect("rule id exists in data/lint-rules.toml")
}

/// One finding.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: String,
    pub name: String,
    pub severity: String,
    pub unit: String,
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
    pub fix: String,
}

/// Fills `{key}` placeholders of a rule text.
fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut s = template.to_string();
    for (k, v) in vars {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

impl Finding {
    pub fn new(
        id: &str,
        unit: &str,
        file: &Path,
        line: Option<usize>,
        vars: &[(&str, &str)],
    ) -> Self {
        let r = rule(id);
        Finding {
            rule: r.id.clone(),
            name: r.name.clone(),
            severity: r.severity.clone(),
            unit: unit.to_string(),
            file: file.to_path_buf(),
            line,
            message: fill(&r.summary, vars),
            fix: fill(&r.fix, vars),
        }
    }
}

pub struct LintOptions<'a> {
    /// The target systemd version (its known directives), the root and the policy.
    pub ctx: &'a crate::context::Context,
}

/// Every finding for one loaded unit, in file and line order.
pub fn lint(scored: &Scored, opts: &LintOptions) -> Vec<Finding> {
    let mut out = rules::check_all(scored, opts);
    out.sort_by(|a, b| {
        (a.file.as_path(), a.line, a.rule.as_str()).cmp(&(
            b.file.as_path(),
            b.line,
            b.rule.as_str(),
        ))
    });
    out.dedup_by(|a, b| {
        a.rule == b.rule && a.file == b.file && a.line == b.line && a.message == b.message
    });
    out
}
