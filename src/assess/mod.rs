//! The exposure assessment of `systemd-analyze security`: 81 checks, their weights and the
//! overall score, with systemd's integer arithmetic and row order (spec §5–§7).

pub mod info;
pub mod online;
pub mod policy;
pub mod policy_json;
mod rules;

pub use info::SecurityInfo;
pub use policy::Policy;

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::settings::Settings;
use crate::tables::{CheckDef, SystemdTables};
use policy::Override;

/// One row of the report.
#[derive(Debug, Clone)]
pub struct CheckResult {
    /// Position in systemd's check table.
    pub index: usize,
    pub name: &'static str,
    pub json_field: &'static str,
    /// `None`: the check does not apply (n/a).
    pub badness: Option<u64>,
    pub weight: u64,
    pub range: u64,
    pub description: Option<Cow<'static, str>>,
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
    /// The systemd version whose rules scored it.
    pub systemd_version: u32,
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

/// `96` → `"9.6 UNSAFE"`: the exposure and its label, as systemd-analyze prints them.
pub fn format_exposure(x: u64) -> String {
    format!("{} {}", format_tenths(x), label(x))
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
    tables: &'static SystemdTables,
) -> Assessment {
    assess_info(
        unit,
        &SecurityInfo::from_settings(settings, &tables.rules),
        policy,
        tables,
    )
}

/// Scores an already built SecurityInfo: the one scoring path of both modes (offline builds it
/// from a unit's settings, live mode from the manager's D-Bus properties, see [`online`]).
pub fn assess_info(
    unit: &str,
    info: &SecurityInfo,
    policy: &Policy,
    tables: &'static SystemdTables,
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
        systemd_version: tables.version,
    }
}

fn evaluate(
    index: usize,
    def: &'static CheckDef,
    info: &SecurityInfo,
    policy: &Policy,
    t: &SystemdTables,
) -> CheckResult {
    let over = policy.get(&def.json_field);
    let weight = over.and_then(|o| o.weight).unwrap_or(def.weight);
    let range = over.and_then(|o| o.range).unwrap_or(def.range);
    let mut row = CheckResult {
        index,
        name: &def.id,
        json_field: &def.json_field,
        badness: None,
        weight,
        range,
        description: None,
        exposure: None,
    };
    if def.default_dependencies_only && !info.default_dependencies {
        row.description = Some(Cow::Borrowed(
            "Service runs in special boot phase, option is not appropriate",
        ));
        return row;
    }
    if weight == 0 {
        row.description = Some(Cow::Borrowed("Option excluded by policy, skipping"));
        return row;
    }
    let result = rules::evaluate(def, info, t);
    row.badness = result.badness;
    // The policy's text for this outcome, else the table's.
    let text = |ours: fn(&Override) -> &Option<String>, table: &'static Option<String>| match over
        .and_then(|o| ours(o).as_ref())
    {
        Some(s) => Some(Cow::Owned(s.clone())),
        None => table.as_deref().map(Cow::Borrowed),
    };
    row.description = match result.description {
        Some(d) => Some(d),
        None => match result.badness {
            None => text(|o| &o.description_na, &def.description_na),
            Some(0) => text(|o| &o.description_good, &def.description_good),
            Some(b) if b == def.range => text(|o| &o.description_bad, &def.description_bad),
            Some(_) => None,
        },
    };
    row
}

/// systemd's row comparator (sorted by description, descending; §7.1). Not transitive with
/// null descriptions, so the sort below reproduces glibc's merge sort exactly.
fn compare(a: &CheckResult, b: &CheckResult) -> Ordering {
    match (&a.description, &b.description) {
        (Some(x), Some(y)) => y
            .as_bytes()
            .cmp(x.as_bytes())
            .then_with(|| a.name.cmp(b.name))
            .then_with(|| a.index.cmp(&b.index)),
        _ => b.index.cmp(&a.index),
    }
}

/// Top-down merge sort, taking the left element when cmp <= 0 (glibc's msort): the order
/// systemd's qsort() leaves rows in, even though the comparator is not transitive.
fn merge_sort(rows: Vec<CheckResult>) -> Vec<CheckResult> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let mut scratch = vec![0; rows.len()];
    msort(&mut order, &mut scratch, &|a, b| {
        compare(&rows[a], &rows[b])
    });
    let mut slots: Vec<Option<CheckResult>> = rows.into_iter().map(Some).collect();
    order
        .into_iter()
        .map(|i| slots[i].take().expect("each row once"))
        .collect()
}

/// glibc's msort_with_tmp on indices: sort both halves (the first one `n / 2` long), then
/// merge them through `scratch`.
fn msort(v: &mut [usize], scratch: &mut [usize], cmp: &dyn Fn(usize, usize) -> Ordering) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let mid = n / 2;
    {
        let (left, right) = v.split_at_mut(mid);
        msort(left, scratch, cmp);
        msort(right, scratch, cmp);
    }
    let (mut l, mut r, mut k) = (0, mid, 0);
    while l < mid && r < n {
        if cmp(v[l], v[r]) != Ordering::Greater {
            scratch[k] = v[l];
            l += 1;
        } else {
            scratch[k] = v[r];
            r += 1;
        }
        k += 1;
    }
    // What is left of the right half is already in place.
    scratch[k..k + (mid - l)].copy_from_slice(&v[l..mid]);
    k += mid - l;
    v[..k].copy_from_slice(&scratch[..k]);
}
