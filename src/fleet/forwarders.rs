//! Is anything carrying sandbox denials to a SIEM? Forwarders detected from the host's
//! configuration: unitguard's own denials service, systemd-journal-upload, rsyslog with a
//! forwarding action (or a rule for unitguard's entries), Vector or Fluent Bit reading the
//! journal. Each only counts when its service is enabled (offline) or active (live).

use std::path::Path;

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::inventory::UnitRecord;
use crate::unit::search::under_root;

/// The unit `unitguard denials --install` installs.
pub const DENIALS_UNIT: &str = "unitguard-denials.service";

/// One forwarder found, with where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forwarder {
    pub kind: String,
    pub detail: String,
}

/// Whether a service is in use: active live, enabled offline.
fn in_use(units: &[UnitRecord], name: &str) -> Option<&'static str> {
    let u = units.iter().find(|u| u.unit == name)?;
    match u.active.as_deref() {
        Some("active" | "activating" | "reloading") => Some("active"),
        Some(_) => None,
        None => u.enabled.then_some("enabled"),
    }
}

/// Regular files of a configuration directory, sorted, with one of these extensions.
fn config_files(root: Option<&Path>, dir: &str, exts: &[&str]) -> Vec<(String, String)> {
    let d = under_root(root, Path::new(dir));
    let mut names: Vec<String> = std::fs::read_dir(&d)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| exts.iter().any(|x| n.ends_with(x)))
        .collect();
    names.sort();
    names
        .into_iter()
        .filter_map(|n| {
            let data = crate::files::read_regular(&d.join(&n), 4 << 20).ok()?;
            Some((
                format!("{dir}/{n}"),
                String::from_utf8_lossy(&data).into_owned(),
            ))
        })
        .collect()
}

/// The first line of `text` (comments skipped) that matches `re`, with its number.
fn first_match(text: &str, re: &Regex) -> Option<(usize, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with('#'))
        .find(|(_, l)| re.is_match(l))
        .map(|(i, l)| (i + 1, l.trim().to_string()))
}

/// rsyslog actions that send elsewhere, and rules that pick unitguard's entries.
fn rsyslog(root: Option<&Path>) -> Vec<Forwarder> {
    let send = Regex::new(
        r#"(?i)\b(omfwd|omrelp|omhttp|omelasticsearch|omkafka|omamqp1|omgssapi)\b|^\s*[^#\s$][^\s]*\s+@@?[\[\w(]"#,
    )
    .expect("valid regex");
    let ours = Regex::new(&format!(
        "UNITGUARD_|unitguard-denials|{}",
        crate::denials::siem::MESSAGE_ID
    ))
    .expect("valid regex");
    let mut files = config_files(root, "/etc", &["rsyslog.conf"]);
    files.retain(|(p, _)| p == "/etc/rsyslog.conf");
    files.extend(config_files(root, "/etc/rsyslog.d", &[".conf"]));
    let mut out = Vec::new();
    for (path, text) in &files {
        if let Some((line, l)) = first_match(text, &send) {
            out.push(Forwarder {
                kind: "rsyslog".into(),
                detail: format!("{path}:{line}: forwards: {l}"),
            });
        } else if let Some((line, l)) = first_match(text, &ours) {
            out.push(Forwarder {
                kind: "rsyslog".into(),
                detail: format!("{path}:{line}: a rule for unitguard's denial entries: {l}"),
            });
        }
    }
    out
}

/// A log shipper's configuration files that read the journal.
fn journal_reader(root: Option<&Path>, kind: &str, dir: &str, re: &str) -> Vec<Forwarder> {
    let re = Regex::new(re).expect("valid regex");
    config_files(root, dir, &[".toml", ".yaml", ".yml", ".json", ".conf"])
        .iter()
        .filter_map(|(path, text)| {
            let (line, l) = first_match(text, &re)?;
            Some(Forwarder {
                kind: kind.into(),
                detail: format!("{path}:{line}: reads the journal: {l}"),
            })
        })
        .collect()
}

/// Every forwarder in use on the host.
pub fn detect(root: Option<&Path>, units: &[UnitRecord]) -> Vec<Forwarder> {
    let mut out = Vec::new();
    if let Some(state) = in_use(units, DENIALS_UNIT) {
        out.push(Forwarder {
            kind: "unitguard".into(),
            detail: format!(
                "{DENIALS_UNIT} is {state}: denials go to the journal with UNITGUARD_* fields"
            ),
        });
    }
    if let Some(state) = in_use(units, "systemd-journal-upload.service") {
        out.push(Forwarder {
            kind: "journal-upload".into(),
            detail: format!("systemd-journal-upload.service is {state}"),
        });
    }
    if in_use(units, "rsyslog.service").is_some() {
        out.extend(rsyslog(root));
    }
    if in_use(units, "vector.service").is_some() {
        out.extend(journal_reader(
            root,
            "vector",
            "/etc/vector",
            r#"type\s*[=:]\s*"?journald"#,
        ));
    }
    if in_use(units, "fluent-bit.service").is_some() {
        out.extend(journal_reader(
            root,
            "fluent-bit",
            "/etc/fluent-bit",
            r"(?i)name\s*[:=]?\s*systemd\b",
        ));
    }
    out
}
