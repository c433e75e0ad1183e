//! Baselines: every unit's exposure in a stable, sorted file meant for the config-management
//! repository, and the comparison of a host's current state with one.
//!
//! The text form (the default) is one header of `# key: value` lines and one line per unit,
//! sorted by name: `UNIT EXPOSURE LABEL FAILING-CHECK...` (check names sorted), so a change in
//! a unit is a change in one line of `git diff`. The JSON form holds the same.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::host::HostFacts;
use super::inventory::{Inventory, tenths};
use crate::assess::{format_tenths, label};
use crate::error::{Error, Result};

/// The format's name and version, first line of the text form.
pub const MAGIC: &str = "unitguard baseline";
pub const VERSION: u32 = 1;

/// One unit of a baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub unit: String,
    #[serde(with = "tenths")]
    pub exposure: u64,
    pub label: String,
    /// Names of the failing checks, sorted.
    pub failing: Vec<String>,
}

/// A unit that could not be scored when the baseline was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotScored {
    pub unit: String,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub format: String,
    pub version: u32,
    pub host: HostFacts,
    pub units: Vec<Entry>,
    #[serde(default)]
    pub not_scored: Vec<NotScored>,
}

impl Baseline {
    pub fn from_inventory(host: HostFacts, inv: &Inventory) -> Baseline {
        let mut units: Vec<Entry> = inv
            .units
            .iter()
            .map(|u| {
                let mut failing: Vec<String> = u.failing.iter().map(|c| c.check.clone()).collect();
                failing.sort();
                Entry {
                    unit: u.unit.clone(),
                    exposure: u.exposure,
                    label: u.label.clone(),
                    failing,
                }
            })
            .collect();
        units.sort_by(|a, b| a.unit.cmp(&b.unit));
        Baseline {
            format: MAGIC.into(),
            version: VERSION,
            host,
            units,
            not_scored: inv
                .failures
                .iter()
                .map(|f| NotScored {
                    unit: f.unit.clone(),
                    error: f.error.clone(),
                })
                .collect(),
        }
    }

    /// The text form.
    pub fn to_text(&self) -> String {
        let h = &self.host;
        let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        let mut s = format!("# {MAGIC} {VERSION}\n");
        s += &format!("# host: {}\n", h.host);
        s += &format!("# systemd: {}\n", opt(&h.systemd_version));
        s += &format!("# unitguard: {}\n", h.unitguard_version);
        s += &format!("# date: {}\n", h.date);
        s += &format!("# mode: {}\n", h.mode);
        if let Some(r) = &h.root {
            s += &format!("# root: {r}\n");
        }
        if let Some(os) = &h.os {
            s += &format!("# os: {os}\n");
        }
        for n in &self.not_scored {
            s += &format!("# not scored: {}: {}\n", n.unit, n.error.replace('\n', " "));
        }
        s += "# UNIT EXPOSURE LABEL FAILING-CHECKS...\n";
        for e in &self.units {
            s += &format!("{} {} {}", e.unit, format_tenths(e.exposure), e.label);
            for c in &e.failing {
                s.push(' ');
                s.push_str(c);
            }
            s.push('\n');
        }
        s
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a baseline serializes") + "\n"
    }

    /// Reads either form (JSON when the file starts with `{`).
    pub fn parse(text: &str, path: &Path) -> Result<Baseline> {
        let bad = |line: usize, msg: String| Error::BadInput {
            path: path.to_path_buf(),
            message: format!("line {line}: {msg}"),
        };
        if text.trim_start().starts_with('{') {
            let b: Baseline = serde_json::from_str(text)
                .map_err(|e| bad(e.line(), format!("not a unitguard baseline: {e}")))?;
            if b.format != MAGIC || b.version != VERSION {
                return Err(bad(
                    1,
                    format!(
                        "format \"{}\" version {}, expected \"{MAGIC}\" version {VERSION}",
                        b.format, b.version
                    ),
                ));
            }
            return Ok(b);
        }
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, l)) if l.trim() == format!("# {MAGIC} {VERSION}") => {}
            Some((_, l)) => {
                return Err(bad(
                    1,
                    format!("expected \"# {MAGIC} {VERSION}\", found \"{l}\""),
                ));
            }
            None => return Err(bad(1, "the file is empty".into())),
        }
        let mut header: BTreeMap<String, String> = BTreeMap::new();
        let mut not_scored = Vec::new();
        let mut units: Vec<Entry> = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, l) in lines {
            let n = i + 1;
            if let Some(c) = l.strip_prefix('#') {
                if let Some((k, v)) = c.trim().split_once(": ") {
                    if k == "not scored" {
                        let (unit, error) = v.split_once(": ").unwrap_or((v, ""));
                        not_scored.push(NotScored {
                            unit: unit.into(),
                            error: error.into(),
                        });
                    } else {
                        header.insert(k.to_string(), v.to_string());
                    }
                }
                continue;
            }
            if l.trim().is_empty() {
                continue;
            }
            let mut w = l.split_whitespace();
            let (Some(unit), Some(x), Some(lab)) = (w.next(), w.next(), w.next()) else {
                return Err(bad(
                    n,
                    format!("expected \"UNIT EXPOSURE LABEL\", found \"{l}\""),
                ));
            };
            let exposure = crate::cli::parse_exposure(x).map_err(|e| bad(n, e))?;
            if lab != label(exposure) {
                return Err(bad(
                    n,
                    format!(
                        "{unit}: label {lab} does not match exposure {x} (it is {})",
                        label(exposure)
                    ),
                ));
            }
            if !seen.insert(unit.to_string()) {
                return Err(bad(n, format!("{unit} is listed twice")));
            }
            let mut failing: Vec<String> = w.map(str::to_string).collect();
            failing.sort();
            units.push(Entry {
                unit: unit.into(),
                exposure,
                label: lab.into(),
                failing,
            });
        }
        units.sort_by(|a, b| a.unit.cmp(&b.unit));
        let get = |k: &str| header.get(k).cloned().filter(|v| v != "-");
        Ok(Baseline {
            format: MAGIC.into(),
            version: VERSION,
            host: HostFacts {
                host: get("host").unwrap_or_default(),
                os: get("os"),
                kernel: None,
                machine_id: None,
                systemd_version: get("systemd"),
                unitguard_version: get("unitguard").unwrap_or_default(),
                date: get("date").unwrap_or_default(),
                mode: get("mode").unwrap_or_default(),
                root: get("root"),
            },
            units,
            not_scored,
        })
    }

    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Baseline> {
        let data = crate::files::read_regular(path, 64 << 20).map_err(|e| Error::io(path, e))?;
        let text = String::from_utf8(data).map_err(|_| Error::BadInput {
            path: path.to_path_buf(),
            message: "not UTF-8 text".into(),
        })?;
        Baseline::parse(&text, path)
    }
}

/// A unit whose exposure or checks changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub unit: String,
    #[serde(with = "tenths")]
    pub before: u64,
    #[serde(with = "tenths")]
    pub after: u64,
    pub label_before: String,
    pub label_after: String,
    /// Checks failing now that passed in the baseline.
    pub now_failing: Vec<String>,
    /// Checks passing now that failed in the baseline.
    pub now_passing: Vec<String>,
}

/// The state of a host against a baseline.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// Exposure up by more than the tolerance.
    pub regressions: Vec<Change>,
    /// Exposure down by more than the tolerance.
    pub improvements: Vec<Change>,
    /// Exposure within the tolerance, but checks changed.
    pub changed: Vec<Change>,
    pub new: Vec<Entry>,
    pub removed: Vec<Entry>,
    pub unchanged: usize,
}

/// Compares `now` with `base`; `tolerance` in tenths.
pub fn diff(base: &Baseline, now: &Baseline, tolerance: u64) -> Diff {
    let before: BTreeMap<&str, &Entry> = base.units.iter().map(|e| (e.unit.as_str(), e)).collect();
    let after: BTreeMap<&str, &Entry> = now.units.iter().map(|e| (e.unit.as_str(), e)).collect();
    let mut d = Diff::default();
    for (name, a) in &after {
        let Some(b) = before.get(name) else {
            d.new.push((*a).clone());
            continue;
        };
        let old: BTreeSet<&String> = b.failing.iter().collect();
        let new: BTreeSet<&String> = a.failing.iter().collect();
        let change = Change {
            unit: name.to_string(),
            before: b.exposure,
            after: a.exposure,
            label_before: b.label.clone(),
            label_after: a.label.clone(),
            now_failing: new.difference(&old).map(|s| s.to_string()).collect(),
            now_passing: old.difference(&new).map(|s| s.to_string()).collect(),
        };
        if a.exposure > b.exposure + tolerance {
            d.regressions.push(change);
        } else if a.exposure + tolerance < b.exposure {
            d.improvements.push(change);
        } else if a.exposure != b.exposure || old != new {
            d.changed.push(change);
        } else {
            d.unchanged += 1;
        }
    }
    d.removed = before
        .iter()
        .filter(|(n, _)| !after.contains_key(*n))
        .map(|(_, e)| (*e).clone())
        .collect();
    d
}

fn signed(after: u64, before: u64) -> String {
    if after >= before {
        format!("+{}", format_tenths(after - before))
    } else {
        format!("-{}", format_tenths(before - after))
    }
}

/// The diff as text, most important first.
pub fn diff_text(d: &Diff, tolerance: u64) -> String {
    let mut s = String::new();
    let changes = |s: &mut String, title: &str, v: &[Change]| {
        if v.is_empty() {
            return;
        }
        s.push_str(&format!("{title} ({}):\n", v.len()));
        for c in v {
            s.push_str(&format!(
                "  {} {} {} -> {} {} ({})\n",
                c.unit,
                format_tenths(c.before),
                c.label_before,
                format_tenths(c.after),
                c.label_after,
                signed(c.after, c.before)
            ));
            if !c.now_failing.is_empty() {
                s.push_str(&format!("      now failing: {}\n", c.now_failing.join(" ")));
            }
            if !c.now_passing.is_empty() {
                s.push_str(&format!("      now passing: {}\n", c.now_passing.join(" ")));
            }
        }
    };
    changes(
        &mut s,
        &format!(
            "regressions (exposure up by more than {})",
            format_tenths(tolerance)
        ),
        &d.regressions,
    );
    changes(&mut s, "improvements", &d.improvements);
    changes(&mut s, "changed within the tolerance", &d.changed);
    let entries = |s: &mut String, title: &str, v: &[Entry]| {
        if v.is_empty() {
            return;
        }
        s.push_str(&format!("{title} ({}):\n", v.len()));
        for e in v {
            s.push_str(&format!(
                "  {} {} {}\n",
                e.unit,
                format_tenths(e.exposure),
                e.label
            ));
        }
    };
    entries(&mut s, "new units", &d.new);
    entries(&mut s, "removed units", &d.removed);
    s.push_str(&format!(
        "{} regression(s), {} improvement(s), {} changed, {} new, {} removed, {} unchanged\n",
        d.regressions.len(),
        d.improvements.len(),
        d.changed.len(),
        d.new.len(),
        d.removed.len(),
        d.unchanged
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> HostFacts {
        HostFacts {
            host: "h1".into(),
            os: None,
            kernel: None,
            machine_id: None,
            systemd_version: Some("252.39-1~deb12u1".into()),
            unitguard_version: "0.1.0".into(),
            date: "2026-12-02T00:00:00Z".into(),
            mode: "offline".into(),
            root: None,
        }
    }

    fn entry(unit: &str, x: u64, failing: &[&str]) -> Entry {
        Entry {
            unit: unit.into(),
            exposure: x,
            label: label(x).into(),
            failing: failing.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn text_round_trip_and_errors() {
        let b = Baseline {
            format: MAGIC.into(),
            version: VERSION,
            host: host(),
            units: vec![
                entry("a.service", 96, &["PrivateTmp=", "User=/DynamicUser="]),
                entry("b.service", 0, &[]),
            ],
            not_scored: vec![NotScored {
                unit: "c.service".into(),
                error: "Unit c.service has a bad unit file setting.".into(),
            }],
        };
        let p = Path::new("base.txt");
        assert_eq!(Baseline::parse(&b.to_text(), p).unwrap(), b);
        assert_eq!(Baseline::parse(&b.to_json(), p).unwrap(), b);
        let e = Baseline::parse("# unitguard baseline 1\na.service 9.6 OK\n", p).unwrap_err();
        assert_eq!(
            e.to_string(),
            "base.txt: line 2: a.service: label OK does not match exposure 9.6 (it is UNSAFE)"
        );
        let e = Baseline::parse("# unitguard baseline 1\na.service 11.0 OK\n", p).unwrap_err();
        assert!(e.to_string().starts_with("base.txt: line 2: "), "{e}");
        let e = Baseline::parse("hello\n", p).unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }

    #[test]
    fn diff_sorts_changes_by_tolerance() {
        let mk = |units| Baseline {
            format: MAGIC.into(),
            version: VERSION,
            host: host(),
            units,
            not_scored: vec![],
        };
        let base = mk(vec![
            entry("a.service", 26, &["PrivateTmp="]),
            entry("b.service", 96, &["PrivateTmp=", "ProtectSystem="]),
            entry("c.service", 50, &[]),
            entry("gone.service", 10, &[]),
        ]);
        let now = mk(vec![
            entry("a.service", 31, &["PrivateTmp=", "ProtectSystem="]),
            entry("b.service", 20, &["PrivateTmp="]),
            entry("c.service", 50, &[]),
            entry("new.service", 96, &[]),
        ]);
        let d = diff(&base, &now, 0);
        assert_eq!(d.regressions.len(), 1);
        assert_eq!(d.regressions[0].now_failing, vec!["ProtectSystem="]);
        assert_eq!(d.improvements[0].now_passing, vec!["ProtectSystem="]);
        assert_eq!((d.new.len(), d.removed.len(), d.unchanged), (1, 1, 1));
        // 0.5 up is within a tolerance of 0.5, and still shown as changed.
        let d = diff(&base, &now, 5);
        assert!(d.regressions.is_empty());
        assert_eq!(d.changed.len(), 1);
    }
}
