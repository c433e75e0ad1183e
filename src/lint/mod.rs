//! `lint`: known pitfalls in unit files, each a rule with a stable ID (data/lint-rules.toml),
//! reported with file:line, severity and the fix; as text, JSON or a CI report (SARIF, JUnit,
//! GitLab code quality).

pub mod report;
mod rules;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::pipeline::Scored;

#[derive(Debug, Clone, Deserialize)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub severity: String,
    /// The rule in one sentence, without placeholders.
    pub title: String,
    /// What the rule checks and why it matters.
    pub description: String,
    #[serde(default)]
    pub directive: Option<String>,
    /// The message of a finding, `{placeholders}` filled in.
    pub summary: String,
    pub fix: String,
    /// Where to read more; the directive's manual section when absent.
    #[serde(default)]
    pub help_uri: Option<String>,
    pub security_severity: f64,
    pub tags: Vec<String>,
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
    /// Check paths and binaries against this machine (`--host`).
    pub host: bool,
    /// Paths in messages are shown relative to this directory when they lie inside it.
    pub base: &'a Path,
}

impl LintOptions<'_> {
    /// Whether rules may read files outside the unit files: the binary, config files, paths
    /// the unit names. Only of a tree the user pointed at (`--root`) or of this machine when
    /// asked (`--host`): a unit file linted in a repository's CI must not fail for what the CI
    /// machine happens to have installed.
    pub fn reads_files(&self) -> bool {
        self.ctx.root.is_some() || self.host
    }

    /// A path as messages show it: relative to the base when inside it.
    pub fn shown(&self, path: &Path) -> String {
        let abs = crate::report::ci::absolute(path);
        match abs.strip_prefix(self.base) {
            Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
            _ => abs.display().to_string(),
        }
    }
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
