//! What the report shows, computed from the collected host states: the fleet's exposure
//! histogram, one row per host, the most exposed units, the checklist per host, change since
//! each host's baseline, and one drill-down per unit name.

use std::collections::{BTreeMap, BTreeSet};

use minijinja::Value;
use serde::Serialize;

use super::svg::{self, Bar, LABELS};
use crate::assess::{format_tenths, label};
use crate::catalogue::Catalogue;
use crate::fleet::baseline::{self, Baseline};
use crate::fleet::collect::HostState;

/// How many failing units a host's checklist point lists before "and N more".
const EVIDENCE_SHOWN: usize = 12;
/// How many hosts a drill-down names before "and N more".
const HOSTS_NAMED: usize = 12;
/// How many units the "most exposed" table lists.
const TOP_UNITS: usize = 25;
/// How many variants (groups of hosts with the same failing checks) a drill-down shows.
const VARIANTS_SHOWN: usize = 5;

#[derive(Debug, Serialize)]
pub struct Verdicts {
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
}

#[derive(Debug, Serialize)]
pub struct PointCell {
    pub number: u8,
    pub pass: bool,
    pub title: String,
    pub failing: usize,
    /// The first failing units, "unit: why".
    pub evidence: Vec<String>,
    pub more: usize,
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct BaselineSummary {
    pub date: String,
    pub regressions: usize,
    pub improvements: usize,
    pub changed: usize,
    pub new: usize,
    pub removed: usize,
}

#[derive(Debug, Serialize)]
pub struct HostRow {
    pub name: String,
    pub anchor: String,
    pub os: String,
    pub systemd: String,
    pub mode: String,
    pub date: String,
    pub units: usize,
    pub not_scored: usize,
    pub mean: String,
    pub max: String,
    pub max_label: String,
    pub labels: Value,
    pub score: u8,
    pub verdict: String,
    pub points: Vec<PointCell>,
    pub baseline: Option<BaselineSummary>,
}

#[derive(Debug, Serialize)]
pub struct TopUnit {
    #[serde(skip)]
    pub max_tenths: u64,
    pub unit: String,
    pub anchor: String,
    pub hosts: usize,
    pub max: String,
    pub max_label: String,
    pub mean: String,
}

#[derive(Debug, Serialize)]
pub struct Regression {
    pub host: String,
    pub unit: String,
    pub anchor: String,
    pub before: String,
    pub after: String,
    pub label_after: String,
    pub now_failing: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct CheckRow {
    pub check: String,
    pub exposure: String,
    /// The directive line that closes it, e.g. `ProtectSystem=strict`.
    pub fix: String,
}

/// Hosts on which a unit fails the same checks.
#[derive(Debug, Serialize)]
pub struct Variant {
    #[serde(skip)]
    pub max_tenths: u64,
    pub hosts: usize,
    pub host_names: Vec<String>,
    pub min: String,
    pub max: String,
    pub label: String,
    pub checks: Vec<CheckRow>,
}

/// A directive that closes failing checks of a unit, and what it stops (once per unit).
#[derive(Debug, Serialize)]
pub struct Closer {
    pub fix: String,
    pub stops: String,
}

#[derive(Debug, Serialize)]
pub struct UnitDrill {
    #[serde(skip)]
    pub max_tenths: u64,
    pub unit: String,
    pub anchor: String,
    pub hosts: usize,
    pub min: String,
    pub max: String,
    pub max_label: String,
    pub variants: Vec<Variant>,
    /// Variants not shown.
    pub more_variants: usize,
    pub closers: Vec<Closer>,
}

#[derive(Debug, Serialize)]
pub struct LegendEntry {
    pub label: &'static str,
    pub colour: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Model {
    pub legend: Vec<LegendEntry>,
    pub generated: String,
    pub unitguard: String,
    pub units: usize,
    pub verdicts: Verdicts,
    pub histogram: Value,
    pub hosts: Vec<HostRow>,
    pub top: Vec<TopUnit>,
    pub with_baseline: usize,
    pub regressions: Vec<Regression>,
    pub drill: Vec<UnitDrill>,
}

/// An id for an HTML anchor.
fn anchor(prefix: &str, name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}-{s}")
}

fn mean(xs: impl Iterator<Item = u64>) -> u64 {
    let (sum, n) = xs.fold((0u64, 0u64), |(s, n), x| (s + x, n + 1));
    (sum + n / 2).checked_div(n).unwrap_or(0)
}

/// The directive line that closes a failing check, from the catalogue.
fn fix_for(field: &str) -> (String, String) {
    Catalogue::get()
        .closing(field)
        .find(|d| d.deprecated.is_none())
        .map_or(("-".into(), String::new()), |d| {
            (format!("{}={}", d.name, d.strict), d.stops.clone())
        })
}

fn host_row(s: &HostState, base: Option<&Baseline>) -> (HostRow, Vec<Regression>) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for u in &s.units {
        *counts.entry(label(u.exposure)).or_default() += 1;
    }
    let ordered: Vec<(&str, usize)> = LABELS
        .iter()
        .map(|(l, _)| (*l, counts.get(l).copied().unwrap_or(0)))
        .collect();
    let max = s.units.iter().map(|u| u.exposure).max().unwrap_or(0);
    let mut regressions = Vec::new();
    let baseline = base.map(|b| {
        let now = Baseline::from_inventory(
            s.host.clone(),
            &crate::fleet::inventory::Inventory {
                units: s.units.clone(),
                failures: s.not_scored.clone(),
            },
        );
        let d = baseline::diff(b, &now, 0);
        regressions = d
            .regressions
            .iter()
            .map(|c| Regression {
                host: s.host.host.clone(),
                unit: c.unit.clone(),
                anchor: anchor("unit", &c.unit),
                before: format_tenths(c.before),
                after: format_tenths(c.after),
                label_after: c.label_after.clone(),
                now_failing: c.now_failing.clone(),
            })
            .collect();
        BaselineSummary {
            date: b.host.date.clone(),
            regressions: d.regressions.len(),
            improvements: d.improvements.len(),
            changed: d.changed.len(),
            new: d.new.len(),
            removed: d.removed.len(),
        }
    });
    let points = s
        .checklist
        .points
        .iter()
        .map(|p| PointCell {
            number: p.number,
            pass: p.pass,
            title: p.title.clone(),
            failing: p.failing.len(),
            evidence: p
                .failing
                .iter()
                .take(EVIDENCE_SHOWN)
                .map(|e| format!("{}: {}", e.unit, e.why))
                .collect(),
            more: p.failing.len().saturating_sub(EVIDENCE_SHOWN),
            notes: p.notes.clone(),
        })
        .collect();
    let row = HostRow {
        name: s.host.host.clone(),
        anchor: anchor("host", &s.host.host),
        os: s.host.os.clone().unwrap_or_default(),
        systemd: s.host.systemd_version.clone().unwrap_or_default(),
        mode: s.host.mode.clone(),
        date: s.host.date.clone(),
        units: s.units.len(),
        not_scored: s.not_scored.len(),
        mean: format_tenths(mean(s.units.iter().map(|u| u.exposure))),
        max: format_tenths(max),
        max_label: label(max).into(),
        labels: Value::from_safe_string(svg::stacked(&ordered, 220.0)),
        score: s.checklist.score,
        verdict: s.checklist.verdict.clone(),
        points,
        baseline,
    };
    (row, regressions)
}

/// The drill-downs: per unit name, its hosts grouped by identical failing checks.
fn drill(states: &[HostState]) -> Vec<UnitDrill> {
    // unit → failing checks (name, field, exposure) → (exposure, host) of each host
    type Checks = Vec<(String, String, Option<String>)>;
    type Hosts<'a> = Vec<(u64, &'a str)>;
    let mut by_unit: BTreeMap<&str, BTreeMap<Checks, Hosts>> = BTreeMap::new();
    for s in states {
        for u in &s.units {
            let checks = u
                .failing
                .iter()
                .map(|c| {
                    (
                        c.check.clone(),
                        c.field.clone(),
                        c.exposure.map(|x| format!("{x:.1}")),
                    )
                })
                .collect();
            by_unit
                .entry(&u.unit)
                .or_default()
                .entry(checks)
                .or_default()
                .push((u.exposure, &s.host.host));
        }
    }
    by_unit
        .into_iter()
        .map(|(unit, variants)| {
            let all = || variants.values().flatten().map(|(x, _)| *x);
            let hosts = all().count();
            let min = all().min().unwrap_or(0);
            let max = all().max().unwrap_or(0);
            let mut closers: BTreeMap<String, String> = BTreeMap::new();
            let mut vs: Vec<Variant> = variants
                .into_iter()
                .map(|(mut checks, on)| {
                    // Biggest gain first.
                    checks.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
                    let lo = on.iter().map(|(x, _)| *x).min().unwrap_or(0);
                    let hi = on.iter().map(|(x, _)| *x).max().unwrap_or(0);
                    Variant {
                        max_tenths: hi,
                        hosts: on.len(),
                        host_names: on
                            .iter()
                            .take(HOSTS_NAMED)
                            .map(|(_, n)| n.to_string())
                            .collect(),
                        min: format_tenths(lo),
                        max: format_tenths(hi),
                        label: label(hi).into(),
                        checks: checks
                            .into_iter()
                            .map(|(check, field, exposure)| {
                                let (fix, stops) = fix_for(&field);
                                closers.entry(fix.clone()).or_insert(stops);
                                CheckRow {
                                    check,
                                    exposure: exposure.unwrap_or_default(),
                                    fix,
                                }
                            })
                            .collect(),
                    }
                })
                .collect();
            vs.sort_by(|a, b| b.hosts.cmp(&a.hosts).then(b.max_tenths.cmp(&a.max_tenths)));
            let more_variants = vs.len().saturating_sub(VARIANTS_SHOWN);
            vs.truncate(VARIANTS_SHOWN);
            UnitDrill {
                max_tenths: max,
                unit: unit.to_string(),
                anchor: anchor("unit", unit),
                hosts,
                min: format_tenths(min),
                max: format_tenths(max),
                max_label: label(max).into(),
                variants: vs,
                more_variants,
                closers: closers
                    .into_iter()
                    .filter(|(fix, _)| fix != "-")
                    .map(|(fix, stops)| Closer { fix, stops })
                    .collect(),
            }
        })
        .collect()
}

/// Everything the page shows. `baselines` are matched to hosts by their host name.
pub fn build(states: &[HostState], baselines: &[Baseline]) -> Model {
    let by_host: BTreeMap<&str, &Baseline> = baselines
        .iter()
        .map(|b| (b.host.host.as_str(), b))
        .collect();
    let mut hosts = Vec::new();
    let mut regressions = Vec::new();
    for s in states {
        let (row, regs) = host_row(s, by_host.get(s.host.host.as_str()).copied());
        hosts.push(row);
        regressions.extend(regs);
    }
    let mut buckets = [0usize; 10];
    for u in states.iter().flat_map(|s| &s.units) {
        buckets[((u.exposure / 10) as usize).min(9)] += 1;
    }
    let bars: Vec<Bar> = buckets
        .iter()
        .enumerate()
        .map(|(i, &count)| Bar {
            label: format!("{i}–{}", i + 1),
            count,
            colour: svg::label_colour(label(i as u64 * 10 + 5)),
        })
        .collect();
    let drill = drill(states);
    let mut top: Vec<TopUnit> = drill
        .iter()
        .map(|d| {
            let xs = states
                .iter()
                .flat_map(|s| &s.units)
                .filter(|u| u.unit == d.unit)
                .map(|u| u.exposure);
            TopUnit {
                max_tenths: d.max_tenths,
                unit: d.unit.clone(),
                anchor: d.anchor.clone(),
                hosts: d.hosts,
                max: d.max.clone(),
                max_label: d.max_label.clone(),
                mean: format_tenths(mean(xs)),
            }
        })
        .collect();
    top.sort_by(|a, b| {
        b.max_tenths
            .cmp(&a.max_tenths)
            .then(b.hosts.cmp(&a.hosts))
            .then(a.unit.cmp(&b.unit))
    });
    top.truncate(TOP_UNITS);
    let verdict_count = |v: &str| hosts.iter().filter(|h| h.verdict == v).count();
    let names: BTreeSet<&str> = hosts.iter().map(|h| h.name.as_str()).collect();
    let with_baseline = names.iter().filter(|n| by_host.contains_key(*n)).count();
    Model {
        legend: LABELS
            .iter()
            .map(|(label, colour)| LegendEntry { label, colour })
            .collect(),
        generated: crate::fleet::time::now(),
        unitguard: env!("CARGO_PKG_VERSION").into(),
        units: states.iter().map(|s| s.units.len()).sum(),
        verdicts: Verdicts {
            pass: verdict_count("PASS"),
            warn: verdict_count("WARN"),
            fail: verdict_count("FAIL"),
        },
        histogram: Value::from_safe_string(svg::histogram(
            "Exposure of every unit in the fleet",
            &bars,
            "exposure (0 = fully sandboxed, 10 = not at all)",
        )),
        hosts,
        top,
        with_baseline,
        regressions,
        drill,
    }
}
