//! The `--json` contract: one array, one object per unit, in argument order (README, "JSON
//! output"). Numbers are exposures on the 0.0–10.0 scale.

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
