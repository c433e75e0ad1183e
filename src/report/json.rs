//! unitguard's JSON documents (README, "JSON output"; schemas in schemas/). Every document is
//! an object whose `"schema"` says which version of its schema it follows; across commands
//! the same names mean the same things: `unit` is the unit's name as systemd reports it,
//! `exposure` and `gain` are on the 0.0-10.0 scale the tables print, `file` is a unit file's
//! path and `line` always a 1-based line number in `file`.

use serde::Serialize;

use crate::assess::Assessment;
use crate::pipeline::UnitError;

#[derive(Debug, Serialize)]
pub struct CheckJson<'a> {
    pub name: &'a str,
    pub json_field: &'a str,
    pub set: Option<bool>,
    pub description: Option<&'a str>,
    pub exposure: Option<f64>,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum UnitJson<'a> {
    Scored {
        unit: &'a str,
        exposure: f64,
        label: &'static str,
        /// The systemd version whose rules scored the unit.
        systemd_version: u32,
        checks: Vec<CheckJson<'a>>,
    },
    Failed {
        unit: &'a str,
        error: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
}

fn tenths(x: u64) -> f64 {
    x as f64 / 10.0
}

pub fn scored(a: &Assessment) -> UnitJson<'_> {
    UnitJson::Scored {
        unit: &a.unit,
        exposure: tenths(a.exposure),
        label: crate::assess::label(a.exposure),
        systemd_version: a.systemd_version,
        checks: a
            .checks
            .iter()
            .map(|c| CheckJson {
                name: c.name,
                json_field: c.json_field,
                set: c.set(),
                description: c.description.as_deref(),
                exposure: c.exposure.map(tenths),
            })
            .collect(),
    }
}

pub fn failed(e: &UnitError) -> UnitJson<'_> {
    UnitJson::Failed {
        unit: e.unit(),
        error: e.to_string(),
        detail: e.detail(),
    }
}

/// The version of every document's schema (schemas/*.schema.json); raised when a field
/// changes meaning or goes away, not when one is added.
pub const SCHEMA: u32 = 1;

/// `lint --format json`: every finding, and a UG000 finding for each unit that did not load.
pub fn lint_document(linted: &[crate::lint::report::Linted]) -> String {
    use crate::lint::report::{LOAD_FAILURE, Linted};
    let mut findings: Vec<serde_json::Value> = Vec::new();
    for l in linted {
        match l {
            Linted::Loaded { findings: f, .. } => {
                findings.extend(f.iter().map(|f| serde_json::to_value(f).expect("finding")));
            }
            Linted::Failed { error, file } => {
                let r = crate::lint::rule(LOAD_FAILURE);
                let message = match error.detail() {
                    Some(d) => format!("{error} ({d})"),
                    None => error.to_string(),
                };
                findings.push(serde_json::json!({
                    "rule": r.id,
                    "name": r.name,
                    "severity": r.severity,
                    "unit": error.unit(),
                    "file": file,
                    "line": null,
                    "message": message,
                    "fix": r.fix,
                }));
            }
        }
    }
    let doc = serde_json::json!({"schema": SCHEMA, "findings": findings});
    let mut out = serde_json::to_string_pretty(&doc).expect("lint JSON");
    out.push('\n');
    out
}

/// `explain --json`: the unit's exposure and, per directive that closes failing checks, the
/// setting to write and the exposure it takes off (`gain`, 0.0-10.0 like every exposure;
/// `null` when it depends on the value, e.g. a list to fill in).
pub fn explain_document(a: &Assessment, advice: &[crate::explain::Advice]) -> String {
    let items: Vec<serde_json::Value> = advice
        .iter()
        .map(|ad| {
            serde_json::json!({
                "directive": ad.directive,
                "setting": ad.line,
                "gain": ad.gain.map(tenths),
                "closes": ad.closes,
                "stops": ad.stops,
                "breaks": ad.breaks,
                "since": ad.since,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "schema": SCHEMA,
        "unit": a.unit,
        "systemd_version": a.systemd_version,
        "exposure": tenths(a.exposure),
        "label": crate::assess::label(a.exposure),
        "advice": items,
    });
    let mut out = serde_json::to_string_pretty(&doc).expect("explain JSON");
    out.push('\n');
    out
}

/// One `denials --json` line: the denial with the document's schema version, its log text
/// as `message` (`line` is a line number everywhere else).
pub fn denial_line(d: &crate::denials::Denial) -> String {
    let mut v = serde_json::to_value(d).expect("a denial serializes");
    if let Some(obj) = v.as_object_mut() {
        if let Some(text) = obj.remove("line") {
            obj.insert("message".into(), text);
        }
        obj.insert("schema".into(), SCHEMA.into());
    }
    serde_json::to_string(&v).expect("JSON")
}
