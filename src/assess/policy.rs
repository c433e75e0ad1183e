//! `--security-policy` files (spec §9): per-check weight, range and description overrides.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::policy_json;
use crate::error::{Error, Result};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Override {
    pub weight: Option<u64>,
    pub range: Option<u64>,
    pub description_good: Option<String>,
    pub description_bad: Option<String>,
    pub description_na: Option<String>,
}

/// Overrides keyed by json_field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    pub source: Option<PathBuf>,
    pub overrides: HashMap<String, Override>,
    /// Names whose first member is not an object: systemd ignores them (and later members).
    pub ignored: Vec<String>,
}

/// The default policy locations, first found wins (Debian 12 is split-usr: /lib too).
pub const DEFAULT_POLICY_DIRS: &[&str] = &[
    "/etc/systemd",
    "/run/systemd",
    "/usr/local/lib/systemd",
    "/usr/lib/systemd",
    "/lib/systemd",
];

/// "line L, column C: what is wrong", without serde_json's own " at line L column C" suffix.
fn json_error_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let what = full.strip_suffix(&suffix).unwrap_or(&full);
    format!(
        "line {}, column {}: not valid JSON: {what}",
        e.line(),
        e.column()
    )
}

/// The deepest nesting systemd's JSON parser accepts (its DEPTH_MAX of 2048 below the
/// outermost value); deeper is a parse error ("Link number out of range").
const MAX_DEPTH: usize = 2049;

/// Where a JSON text first nests deeper than [`MAX_DEPTH`]: (line, column), 1-based.
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let (mut depth, mut line, mut col) = (0usize, 1usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        col += 1;
        if c == '\n' {
            line += 1;
            col = 0;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some((line, col));
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

impl Policy {
    /// Reads a policy as systemd-analyze does; `exp10` is its C library's (see
    /// [`policy_json::Exp10`]), which decides whether a weight like `1e3` counts.
    pub fn parse(path: &Path, text: &str, exp10: policy_json::Exp10) -> Result<Self> {
        // serde_json decides whether the text is JSON at all (a parse error is fatal, as in
        // systemd), without reading numbers into f64 (systemd takes 1e400 and 30-digit
        // integers) or limiting the depth to serde's 128 (systemd allows 2049 levels); the
        // meaning comes from systemd's own rules (super::policy_json).
        if let Some((line, column)) = too_deep(text) {
            return Err(Error::Policy {
                path: path.to_path_buf(),
                message: format!(
                    "line {line}, column {column}: nested deeper than the {MAX_DEPTH} levels systemd's JSON parser accepts"
                ),
            });
        }
        // serde_json's messages are the clearest ("trailing comma"), but it refuses numbers
        // beyond f64 and nesting beyond 128, which systemd takes: those are checked again
        // without reading values.
        if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
            let systemd_takes_it = matches!(
                e.to_string().split(" at line ").next(),
                Some("number out of range" | "recursion limit exceeded")
            ) && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
            if !systemd_takes_it {
                return Err(Error::Policy {
                    path: path.to_path_buf(),
                    message: json_error_message(&e),
                });
            }
        }
        let mut policy = Policy {
            source: Some(path.to_path_buf()),
            ..Default::default()
        };
        let Some(policy_json::Json::Object(members)) = policy_json::parse(text) else {
            return Ok(policy); // systemd silently ignores a non-object policy
        };
        for (field, v) in &members {
            if policy.overrides.contains_key(field) || policy.ignored.contains(field) {
                continue; // the first member of a name is the one systemd finds
            }
            if !matches!(v, policy_json::Json::Object(_)) {
                policy.ignored.push(field.clone());
                continue;
            }
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
            policy.overrides.insert(
                field.clone(),
                Override {
                    weight: v.get("weight").and_then(|x| x.as_unsigned(exp10)),
                    range: v.get("range").and_then(|x| x.as_unsigned(exp10)),
                    description_good: s("description_good"),
                    description_bad: s("description_bad"),
                    description_na: s("description_na"),
                },
            );
        }
        Ok(policy)
    }

    pub fn load(path: &Path, exp10: policy_json::Exp10) -> Result<Self> {
        let text = crate::files::read_regular(path, crate::files::READ_CAP)
            .map_err(|e| Error::io(path, e))?;
        let text = String::from_utf8(text).map_err(|_| Error::Policy {
            path: path.to_path_buf(),
            message: "not valid UTF-8".into(),
        })?;
        Self::parse(path, &text, exp10)
    }

    /// The policy systemd would pick up by itself under `root`, if any.
    pub fn find_default(root: Option<&Path>, exp10: policy_json::Exp10) -> Result<Option<Self>> {
        for dir in DEFAULT_POLICY_DIRS {
            let p = crate::unit::search::under_root(
                root,
                &Path::new(dir).join("systemd-analyze-security.policy"),
            );
            if p.exists() {
                return Self::load(&p, exp10).map(Some);
            }
        }
        Ok(None)
    }

    pub fn get(&self, json_field: &str) -> Option<&Override> {
        self.overrides.get(json_field)
    }
}
