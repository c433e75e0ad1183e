//! CI reports shared by `audit` and `lint`: SARIF 2.1.0 (GitHub code scanning), JUnit XML
//! (test-report UIs) and GitLab code quality. Each command turns its results into one
//! [`Report`]: the rules it can break, and per unit a verdict with the findings behind it.
//! Paths are written relative to a base directory (the repository checkout), never as the
//! linting machine's absolute paths when they lie inside it.

pub mod gitlab;
pub mod junit;
pub mod sarif;

use std::path::{Component, Path, PathBuf};

use crate::cli::CiFormat;

/// How bad a finding is, in SARIF's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Note,
    Warning,
    Error,
}

impl Level {
    pub fn parse(s: &str) -> Level {
        match s {
            "error" => Level::Error,
            "warning" => Level::Warning,
            _ => Level::Note,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

/// A rule a finding can break, with everything code-scanning UIs show about it.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable ID (UG001, UGA002).
    pub id: String,
    /// kebab-case name.
    pub name: String,
    /// One sentence, no placeholders.
    pub short: String,
    /// What the rule checks and why it matters.
    pub full: String,
    /// How to fix it.
    pub help: String,
    /// Where to read more (the directive's manual page).
    pub help_uri: String,
    pub level: Level,
    /// 0.0-10.0, for GitHub's critical/high/medium/low.
    pub security_severity: f64,
    pub tags: Vec<String>,
}

/// One finding: a rule broken at a place.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: String,
    pub level: Level,
    pub message: String,
    /// The file, as the unit was loaded from it (absolute, or relative to the current
    /// directory); `None` when there is no file (a unit name that was not found).
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
    /// What identifies the finding across runs and line moves (rule, unit, the directive or
    /// check involved); the file's relative path is added when the report is written.
    pub identity: String,
}

/// One unit's verdict.
#[derive(Debug, Clone)]
pub struct UnitVerdict {
    pub unit: String,
    /// The unit's fragment (or the argument that named it).
    pub file: Option<PathBuf>,
    pub passed: bool,
    /// One line: why it passed or failed ("exposure 9.6 UNSAFE, above the threshold 5.0").
    pub summary: String,
    pub findings: Vec<Finding>,
    /// The rule a passing unit is reported under (SARIF kind "pass"), if any.
    pub pass_rule: Option<String>,
}

/// Everything a CI report says.
#[derive(Debug, Clone)]
pub struct Report {
    /// "audit" or "lint".
    pub command: &'static str,
    pub rules: Vec<Rule>,
    pub units: Vec<UnitVerdict>,
    /// Paths are written relative to this directory (absolute).
    pub base: PathBuf,
    /// The rule a unit that could not be loaded is reported under.
    pub load_failure_rule: &'static str,
}

impl Report {
    pub fn is_load_failure(&self, rule: &str) -> bool {
        rule == self.load_failure_rule
    }

    /// The report in `format`.
    pub fn render(&self, format: CiFormat) -> String {
        match format {
            CiFormat::Sarif => sarif::render(self),
            CiFormat::Junit => junit::render(self),
            CiFormat::Gitlab => gitlab::render(self),
        }
    }

    /// A file's path as the report writes it: relative to the base with '/' separators when
    /// it lies inside it, else absolute (`None` when it is outside: callers then use a URI).
    pub fn relative(&self, file: &Path) -> Option<String> {
        let abs = absolute(file);
        let rel = abs.strip_prefix(&self.base).ok()?;
        Some(
            rel.components()
                .filter_map(|c| match c {
                    Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("/"),
        )
    }

    /// The path to show for a file: relative to the base, else as given.
    pub fn shown(&self, file: &Path) -> String {
        self.relative(file)
            .unwrap_or_else(|| absolute(file).display().to_string())
    }

    /// A message as the report prints it: paths inside the base written relative to it, so
    /// nothing of the machine that made the report shows.
    pub fn message(&self, text: &str) -> String {
        let prefix = format!("{}/", self.base.display());
        if self.base == Path::new("/") {
            text.to_string()
        } else {
            text.replace(&prefix, "")
        }
    }

    /// A stable fingerprint of a finding: its identity and its file's shown path, hashed.
    pub fn fingerprint(&self, f: &Finding) -> String {
        use md5::Digest;
        let file = f.file.as_deref().map(|p| self.shown(p)).unwrap_or_default();
        let digest = md5::Md5::digest(format!("{}\0{}\0{}", f.rule, file, f.identity));
        format!("{digest:x}")
    }
}

/// `path` made absolute against the current directory, `.` and `..` resolved lexically.
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .unwrap_or_else(|_| PathBuf::from("/"))
            .join(path)
    };
    crate::unit::search::normalize(&joined)
}

/// The base directory of a report: `--base`, else the current directory.
pub fn base_dir(given: Option<&Path>) -> PathBuf {
    absolute(given.unwrap_or(Path::new(".")))
}

/// The manual page section of a directive: systemd.exec(5), systemd.resource-control(5), ...
pub fn directive_uri(directive: &str) -> String {
    // The catalogue's `man` is "systemd.exec(5)": the page name is before the parenthesis.
    let page = crate::catalogue::Catalogue::get()
        .directive(directive)
        .and_then(|d| d.man.split('(').next())
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .unwrap_or("systemd.exec");
    format!("https://www.freedesktop.org/software/systemd/man/{page}.html#{directive}=")
}

/// A security-severity as GitHub reads it (critical 9.0+, high 7.0+, medium 4.0+, low): one
/// decimal, as a string.
pub fn severity_string(x: f64) -> String {
    format!("{x:.1}")
}
