//! `data/learn.toml`: the calls the tracer skips, which sandbox setting hides which path, and
//! the calls that need a capability whenever a privileged process makes them.

use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct HideRule {
    pub directive: String,
    pub prefixes: Vec<String>,
    #[serde(default)]
    pub except: Vec<String>,
    /// hidden, read-only or private.
    pub effect: String,
}

#[derive(Debug, Deserialize)]
pub struct CapabilityRule {
    pub name: String,
    pub syscalls: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct LearnData {
    pub untraced: Vec<String>,
    pub opens: Vec<String>,
    pub deniable: Vec<String>,
    /// Files programs read through the C library but do without (see data/learn.toml).
    pub optional_reads: Vec<String>,
    /// Where files a service creates are read by others through their mode (see
    /// data/learn.toml): UMask= stays group-readable when it creates files there.
    pub shared_creations: Vec<String>,
    pub hide: Vec<HideRule>,
    pub capability: Vec<CapabilityRule>,
}

impl LearnData {
    pub fn get() -> &'static LearnData {
        static D: OnceLock<LearnData> = OnceLock::new();
        D.get_or_init(|| {
            toml::from_str(include_str!("../../data/learn.toml")).expect("data/learn.toml is valid")
        })
    }

    /// The capability a successful call of `syscall` by a privileged process needs.
    pub fn capability_for(&self, syscall: &str) -> Option<&str> {
        self.capability
            .iter()
            .find(|c| c.syscalls.iter().any(|s| s == syscall))
            .map(|c| c.name.as_str())
    }

    /// The settings that would get in the way of this use of `path`.
    pub fn blocked_by(&self, path: &str, writes: bool) -> Vec<String> {
        self.hide
            .iter()
            .filter(|r| r.effect != "read-only" || writes)
            .filter(|r| r.prefixes.iter().any(|p| under(path, p)))
            .filter(|r| !r.except.iter().any(|p| under(path, p)))
            .map(|r| r.directive.clone())
            .fold(Vec::new(), |mut v, d| {
                if !v.contains(&d) {
                    v.push(d);
                }
                v
            })
    }
}

/// `path` is `dir` or below it.
pub fn under(path: &str, dir: &str) -> bool {
    dir == "/"
        || path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}
