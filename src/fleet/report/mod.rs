//! `unitguard report`: many collected host states in one self-contained HTML file (no
//! network access needed: styles, charts and the little script are inline) and a text
//! summary. [`model`] aggregates, [`svg`] draws, the template `report.html.j2` (minijinja,
//! HTML auto-escaping) lays it out.

pub mod model;
pub mod svg;

use minijinja::{AutoEscape, Environment, Value};

use crate::error::{Error, Result};
use model::Model;

const TEMPLATE: &str = include_str!("report.html.j2");

/// The HTML page for a model.
pub fn html(model: &Model) -> Result<String> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| Error::Other(format!("report template: {e}")))?;
    let t = env
        .get_template("report.html")
        .map_err(|e| Error::Other(format!("report template: {e}")))?;
    t.render(minijinja::context! { m => Value::from(minijinja::value::Serde(model)) })
        .map_err(|e| Error::Other(format!("report template: {e:#}")))
}

/// The short text summary printed on standard output.
pub fn text(model: &Model) -> String {
    let mut s = format!(
        "{} host(s), {} unit(s) ({} distinct), checklist: {} PASS, {} WARN, {} FAIL\n",
        model.hosts.len(),
        model.units,
        model.drill.len(),
        model.verdicts.pass,
        model.verdicts.warn,
        model.verdicts.fail
    );
    s += "HOST UNITS MEAN MAX SCORE VERDICT REGRESSIONS\n";
    for h in &model.hosts {
        s += &format!(
            "{} {} {} {} {}/5 {} {}\n",
            h.name,
            h.units,
            h.mean,
            h.max,
            h.score,
            h.verdict,
            h.baseline
                .as_ref()
                .map_or("-".to_string(), |b| b.regressions.to_string())
        );
    }
    s
}
