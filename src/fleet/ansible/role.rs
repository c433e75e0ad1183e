//! The role's files: static tasks and playbooks from `data/ansible/`, and the files that
//! name the units (defaults, handlers, README, one template per drop-in) rendered with
//! minijinja. Those templates use `[% %]`, `[[ ]]` and `[# #]` so that Ansible's own
//! `{{ }}` pass through untouched.

use std::path::Path;

use minijinja::Environment;
use minijinja::syntax::SyntaxConfig;
use serde::Serialize;

use super::RoleUnit;
use super::dropin::{self, PerHostVar};
use crate::assess::format_tenths;
use crate::error::{Error, Result};
use crate::files::{FileMeta, Root};

/// The role's directory inside --out, and its name in the playbooks.
pub const ROLE_DIR: &str = "roles/unitguard";

/// Files copied as they are (path relative to --out, content).
const STATIC: &[(&str, &str)] = &[
    (
        "rollout.yml",
        include_str!("../../../data/ansible/rollout.yml"),
    ),
    (
        "rollback.yml",
        include_str!("../../../data/ansible/rollback.yml"),
    ),
    (
        "roles/unitguard/tasks/main.yml",
        include_str!("../../../data/ansible/roles/unitguard/tasks/main.yml"),
    ),
    (
        "roles/unitguard/tasks/unit.yml",
        include_str!("../../../data/ansible/roles/unitguard/tasks/unit.yml"),
    ),
    (
        "roles/unitguard/tasks/verify.yml",
        include_str!("../../../data/ansible/roles/unitguard/tasks/verify.yml"),
    ),
    (
        "roles/unitguard/tasks/exposure.yml",
        include_str!("../../../data/ansible/roles/unitguard/tasks/exposure.yml"),
    ),
    (
        "roles/unitguard/tasks/rollback.yml",
        include_str!("../../../data/ansible/roles/unitguard/tasks/rollback.yml"),
    ),
    (
        "roles/unitguard/meta/main.yml",
        include_str!("../../../data/ansible/roles/unitguard/meta/main.yml"),
    ),
];

/// Files rendered with the units (path relative to --out, template).
const RENDERED: &[(&str, &str)] = &[
    (
        "roles/unitguard/defaults/main.yml",
        include_str!("../../../data/ansible/roles/unitguard/defaults/main.yml.j2"),
    ),
    (
        "roles/unitguard/handlers/main.yml",
        include_str!("../../../data/ansible/roles/unitguard/handlers/main.yml.j2"),
    ),
    (
        "roles/unitguard/README.md",
        include_str!("../../../data/ansible/roles/unitguard/README.md.j2"),
    ),
];

#[derive(Serialize)]
struct UnitView {
    name: String,
    template: String,
    source: String,
    systemd_version: String,
    before: String,
    expected: String,
    smoke_yaml: String,
    smoke_source: String,
}

#[derive(Serialize)]
struct VarView {
    var: String,
    values: Vec<String>,
}

/// A string as a YAML scalar Ansible never templates: `!unsafe` and JSON's quoting (a JSON
/// string is a valid YAML double-quoted scalar).
fn unsafe_yaml(s: &str) -> String {
    format!("!unsafe {}", serde_json::Value::from(s))
}

fn tenths(x: Option<u64>) -> String {
    x.map_or("null".into(), format_tenths)
}

/// Every file of the role and its playbooks, relative to --out.
pub fn files(
    units: &[RoleUnit],
    per_host: &[String],
    origin: &str,
) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = STATIC
        .iter()
        .map(|(p, c)| (p.to_string(), c.to_string()))
        .collect();
    let mut views = Vec::new();
    let mut vars: Vec<PerHostVar> = Vec::new();
    for u in units {
        let template = format!("{}.conf.j2", u.unit);
        let (text, v) = dropin::template(&u.unit, &u.text, per_host);
        vars.extend(v);
        out.push((format!("{ROLE_DIR}/templates/{template}"), text));
        views.push(UnitView {
            name: u.unit.clone(),
            template,
            source: u.source.replace('\n', " "),
            systemd_version: u.systemd_version.map_or("null".into(), |v| v.to_string()),
            before: tenths(u.before),
            expected: tenths(u.expected),
            smoke_yaml: u
                .smoke
                .as_ref()
                .map_or("\"\"".into(), |s| unsafe_yaml(&s.command)),
            smoke_source: u
                .smoke
                .as_ref()
                .map_or("none (set unitguard_smoke_overrides)".into(), |s| {
                    s.from.replace('\n', " ")
                }),
        });
    }
    for d in per_host {
        if !vars.iter().any(|v| &v.directive == d) {
            eprintln!("unitguard: --per-host {d}: no drop-in of the role sets {d}=");
        }
    }
    let var_views: Vec<VarView> = vars
        .into_iter()
        .map(|v| VarView {
            var: v.var,
            values: v
                .values
                .iter()
                .map(|x| serde_json::Value::from(x.as_str()).to_string())
                .collect(),
        })
        .collect();
    let mut env = Environment::new();
    env.set_syntax(
        SyntaxConfig::builder()
            .block_delimiters("[%", "%]")
            .variable_delimiters("[[", "]]")
            .comment_delimiters("[#", "#]")
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| Error::Other(format!("role template syntax: {e}")))?,
    );
    let ctx = minijinja::context! {
        version => env!("CARGO_PKG_VERSION"),
        origin => origin,
        units => minijinja::Value::from(minijinja::value::Serde(&views)),
        per_host => minijinja::Value::from(minijinja::value::Serde(&var_views)),
    };
    for (path, src) in RENDERED {
        let text = env
            .render_str(src, &ctx)
            .map_err(|e| Error::Other(format!("{path}: {e:#}")))?;
        out.push((path.to_string(), text));
    }
    Ok(out)
}

/// Writes the files under `out` (made if missing), each atomically.
pub fn write(out: &Path, files: &[(String, String)]) -> Result<()> {
    let abs = if out.is_absolute() {
        out.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::io(".", e))?
            .join(out)
    };
    let root = Root::host()?;
    let meta = FileMeta {
        mode: 0o644,
        uid: rustix::process::getuid().as_raw(),
        gid: rustix::process::getgid().as_raw(),
    };
    for (rel, text) in files {
        let path = abs.join(rel);
        let dir = path.parent().unwrap_or(&abs);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        root.dir(dir, Some(0o755))?
            .replace(&name, text.as_bytes(), meta)?;
    }
    Ok(())
}
