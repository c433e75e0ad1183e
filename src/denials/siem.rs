//! Denials for a SIEM: one record per denial with the fields a SIEM expects, written as
//! NDJSON (one JSON object per line) and as a structured journal entry (`UNITGUARD_*`
//! fields, a fixed `MESSAGE_ID`) that the forwarders people already run carry.
//!
//! The record is a public contract, versioned by `schema` (README: "Denials for a SIEM").

use serde::Serialize;

use super::Denial;

/// The record format: `unitguard.denial` version 1.
pub const SCHEMA: &str = "unitguard.denial/1";
/// The journal's MESSAGE_ID of every denial entry (a random 128-bit id, fixed forever).
pub const MESSAGE_ID: &str = "9e23cb3946b745a1835dcadee3065729";
/// syslog priority of a denial entry: warning.
pub const PRIORITY: u8 = 4;
/// The SYSLOG_IDENTIFIER of the entries.
pub const IDENTIFIER: &str = "unitguard";

/// One denial as a SIEM takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    pub schema: &'static str,
    /// When the denied operation was logged, ISO 8601 UTC (when unknown: when it was found).
    pub timestamp: String,
    pub host: String,
    pub unit: Option<String>,
    /// The process the line is about (the journal's trusted `_PID`, `_UID`, `_COMM`, or the
    /// kernel audit record's own).
    pub pid: Option<u32>,
    pub uid: Option<u32>,
    pub comm: Option<String>,
    /// syslog priority of the denial (4, warning).
    pub priority: u8,
    /// The directive that caused it, e.g. `ProtectSystem`.
    pub directive: String,
    /// What to change.
    pub fix: String,
    pub explanation: String,
    /// The signature of data/denials.toml that matched.
    pub signature: String,
    /// journal, kernel, or the log file it was read from.
    pub source: String,
    /// The original message.
    pub message: String,
    pub message_id: &'static str,
}

impl Record {
    pub fn new(d: &Denial, host: &str) -> Record {
        let usec = d
            .timestamp
            .unwrap_or_else(crate::systemd::journal::now_usec);
        Record {
            schema: SCHEMA,
            timestamp: crate::fleet::time::iso8601_usec(usec),
            host: host.to_string(),
            unit: d.unit.clone(),
            pid: d.pid,
            uid: d.uid,
            comm: d.comm.clone(),
            priority: PRIORITY,
            directive: d.directive.clone(),
            fix: d.fix.clone(),
            explanation: d.explanation.clone(),
            signature: d.signature.clone(),
            source: d.source.clone(),
            message: d.line.clone(),
            message_id: MESSAGE_ID,
        }
    }

    /// One NDJSON line (with its newline).
    pub fn ndjson(&self) -> String {
        serde_json::to_string(self).expect("a record serializes") + "\n"
    }

    /// The journal entry: a readable MESSAGE, the fixed MESSAGE_ID, and every field as
    /// `UNITGUARD_<NAME>`.
    pub fn journal_fields(&self) -> Vec<(&'static str, String)> {
        let unit = self.unit.as_deref().unwrap_or("-");
        let mut f: Vec<(&'static str, String)> = vec![
            (
                "MESSAGE",
                format!(
                    "sandbox denial in {unit}: {}= ({}); fix: {}",
                    self.directive, self.explanation, self.fix
                ),
            ),
            ("MESSAGE_ID", MESSAGE_ID.into()),
            ("PRIORITY", PRIORITY.to_string()),
            ("SYSLOG_IDENTIFIER", IDENTIFIER.into()),
            ("UNITGUARD_SCHEMA", SCHEMA.into()),
            ("UNITGUARD_TIMESTAMP", self.timestamp.clone()),
            ("UNITGUARD_HOST", self.host.clone()),
            ("UNITGUARD_UNIT", unit.into()),
            ("UNITGUARD_DIRECTIVE", self.directive.clone()),
            ("UNITGUARD_FIX", self.fix.clone()),
            ("UNITGUARD_EXPLANATION", self.explanation.clone()),
            ("UNITGUARD_SIGNATURE", self.signature.clone()),
            ("UNITGUARD_SOURCE", self.source.clone()),
            ("UNITGUARD_MESSAGE", self.message.clone()),
        ];
        let mut opt = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                f.push((k, v));
            }
        };
        opt("UNITGUARD_PID", self.pid.map(|x| x.to_string()));
        opt("UNITGUARD_UID", self.uid.map(|x| x.to_string()));
        opt("UNITGUARD_COMM", self.comm.clone());
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_fields() {
        let line = crate::denials::LogLine {
            timestamp: Some(1_700_000_000_000_000),
            unit: Some("pyapp.service".into()),
            source: "journal".into(),
            message: "sh: 1: cannot create /usr/x: Read-only file system".into(),
            pid: Some(7),
            uid: Some(0),
            comm: Some("sh".into()),
            sigsys_command: None,
        };
        let d = crate::denials::recognise(&line).unwrap();
        let r = Record::new(&d, "h1");
        assert_eq!(r.timestamp, "2023-11-14T22:13:20.000000Z");
        assert_eq!(r.directive, "ProtectSystem");
        let v: serde_json::Value = serde_json::from_str(&r.ndjson()).unwrap();
        assert_eq!(v["schema"], "unitguard.denial/1");
        assert_eq!(v["pid"], 7);
        assert_eq!(v["comm"], "sh");
        let f = r.journal_fields();
        let get = |k: &str| f.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("UNITGUARD_UNIT"), Some("pyapp.service"));
        assert_eq!(get("UNITGUARD_DIRECTIVE"), Some("ProtectSystem"));
        assert_eq!(get("MESSAGE_ID"), Some(MESSAGE_ID));
        assert!(
            f.iter()
                .all(|(k, _)| crate::systemd::journal_send::valid_field_name(k))
        );
    }
}
