//! The exposure assessment of `systemd-analyze security`: 81 checks, their weights and the
//! overall score, with systemd's integer arithmetic and row order (spec §5–§7).

pub mod info;
pub mod online;
pub mod policy;
mod policy_json;
mod rules;

pub use info::SecurityInfo;
pub use policy::Policy;

use std::cmp::Ordering;

use crate::settings::Settings;
use crate::tables::{CheckDef, SystemdTables};

/// One row of the report.
#[derive(Debug, Clone)]
pub struct CheckResult {
    /// Position in systemd's check table.
    pub index: usize,
    pub name: String,
    pub json_field: String,
    /// `None`: the check does not apply (n/a).
    pub badness: Option<u64>,
    pub weight: u64,
    pub range: u64,
    pub description: Option<String>,
    /// Exposure in tenths; `None` when nothing is scored (badness 0 or n/a).
    pub exposure: Option<u64>,
}

impl CheckResult {
    /// systemd's "set" column: true when good, false when bad, None for n/a.
    pub fn set(&self) -> Option<bool> {
        self.badness.map(|b| b == 0)
    }
}

/// A unit's full assessment: rows in systemd's display order and the overall exposure.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub unit: String,
    pub checks: Vec<CheckResult>,
    /// 0..=100 (tenths of the 0.0–10.0 score).
    pub exposure: u64,
}

/// The label of an exposure (0..=100).
pub fn label(exposure: u64) -> &'static str {
    match exposure {
        100.. => "DANGEROUS",
        90..=99 => "UNSAFE",
        75..=89 => "EXPOSED",
        50..=74 => "MEDIUM",
        10..=49 => "OK",
        1..=9 => "SAFE",
        0 => "PERFECT",
    }
}

/// The face systemd prints after the label.
pub fn glyph(exposure: u64, ascii: bool) -> &'static str {
    let (utf8, asc) = match exposure {
        100.. => ("🤢", ":-["),
        90..=99 => ("😨", ":-{"),
        75..=89 => ("🙁", ":-("),
        50..=74 => ("😐", ":-|"),
        10..=49 => ("🙂", ":-)"),
        1..=9 => ("😀", ":-}"),
        0 => ("😇", ":-]"),
    };
    if ascii { asc } else { utf8 }
}

/// `96` → `"9.6"`.
pub fn format_tenths(x: u64) -> String {
    format!("{}.{}", x / 10, x % 10)
}

fn ceil_div(a: u64, b: u64) -> u64 {
    a.div_ceil(b)
}

/// Scores a unit's settings.
pub fn assess(
    unit: &str,
    settings: &Settings,
    policy: &Policy,
    tables: &SystemdTables,
) -> Assessment {
    assess_info(unit, &SecurityInfo::from_settings(settings), policy, tables)
}

/// Scores an already built SecurityInfo: the one scoring path of both modes (offline builds it
/// from a unit's settings, live mode from the manager's D-Bus properties, see [`online`]).
pub fn assess_info(
    unit: &str,
    info: &SecurityInfo,
    policy: &Policy,
    tables: &SystemdTables,
) -> Assessment {
    let mut rows: Vec<CheckResult> = tables
        .checks
        .iter()
        .enumerate()
        .map(|(index, def)| evaluate(index, def, info, policy, tables))
        .collect();
    // systemd computes in uint64_t, so huge policy weights wrap around (never panic).
    let weight_sum: u64 = rows
        .iter()
        .filter(|r| r.badness.is_some())
        .fold(0u64, |s, r| s.wrapping_add(r.weight));
    let mut badness_sum = 0u64;
    for r in &mut rows {
        let Some(b) = r.badness else { continue };
        let range = r.range.max(1);
        badness_sum = badness_sum.wrapping_add(ceil_div(b.wrapping_mul(r.weight), range));
        if b > 0 && weight_sum > 0 {
            let x = ceil_div(b.wrapping_mul(r.weight).wrapping_mul(100), range);
            r.exposure = Some(ceil_div(x, weight_sum));
        }
    }
    let exposure = if weight_sum == 0 {
        0
    } else {
        ceil_div(badness_sum.wrapping_mul(100), weight_sum)
    };
    Assessment {
        unit: unit.to_string(),
        checks: merge_sort(rows),
        exposure,
    }
}

fn evaluate(
    index: usize,
    def: &CheckDef,
    info: &SecurityInfo,
    policy: &Policy,
    t: &SystemdTables,
) -> CheckResult {
    let over = policy.get(&def.json_field);
    let weight = over.and_then(|o| o.weight).unwrap_or(def.weight);
    let range = over.and_then(|o| o.range).unwrap_or(def.range);
    let mut row = CheckResult {
        index,
        name: def.id.clone(),
        json_field: def.json_field.clone(),
        badness: None,
        weight,
        range,
        description: None,
        exposure: None,
    };
    if def.default_dependencies_only && !info.default_dependencies {
        row.description =
            Some("Service runs in special boot phase, option is not appropriate".into());
        return row;
    }
    if weight == 0 {
        row.description = Some("Option excluded by policy, skipping".into());
        return row;
    }
    let result = rules::evaluate(def, info, t);
    row.badness = result.badness;
    let text =
        |good: &Option<String>, bad: &Option<String>, na: &Option<String>| match result.badness {
            None => na.clone(),
            Some(0) => good.clone(),
            Some(b) if b == def.range => bad.clone(),
            Some(_) => None,
        };
    row.description = result.description.or_else(|| {
        let o = over.cloned().unwrap_or_default();
        text(
            &o.description_good.or_else(|| def.description_good.clone()),
            &o.description_bad.or_else(|| def.description_bad.clone()),
            &o.description_na.or_else(|| def.description_na.clone()),
        )
    });
    row
}

/// systemd's row comparator (sorted by description, descending; §7.1). Not transitive with
/// null descriptions, so the sort below reproduces glibc's merge sort exactly.
fn compare(a: &CheckResult, b: &CheckResult) -> Ordering {
    match (&a.description, &b.description) {
        (Some(x), Some(y)) => y
            .as_bytes()
            .cmp(x.as_bytes())
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.index.cmp(&b.index)),
        _ => b.index.cmp(&a.index),
    }
}

/// Top-down merge sort, taking the left element when cmp <= 0 (glibc's msort).
fn merge_sort(mut v: Vec<CheckResult>) -> Vec<CheckResult> {
    if v.len() <= 1 {
        return v;
    }
    let right = v.split_off(v.len() / 2);
    let left = merge_sort(v);
    let right = merge_sort(right);
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    loop {
        match (l.peek(), r.peek()) {
            (Some(a), Some(b)) => {
                if compare(a, b) != Ordering::Greater {
                    out.push(l.next().unwrap());
                } else {
                    out.push(r.next().unwrap());
                }
            }
            (Some(_), None) => out.extend(l.by_ref()),
            (None, Some(_)) => out.extend(r.by_ref()),
            (None, None) => break,
        }
    }
    out
}
