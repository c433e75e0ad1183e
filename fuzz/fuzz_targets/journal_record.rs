//! Fuzz target: bytes → one `journalctl -o json` record → log lines → denial signatures.
//!
//! Whatever a program logs reaches unitguard through the journal; no record may make it
//! panic, and only the trusted fields may name a unit: a record that does not come from PID 1
//! never gets its unit from `UNIT=`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unitguard::denials::{self, escape_control};
use unitguard::systemd::journal::parse_record;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let from_pid1 = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("_PID").cloned())
        .is_some_and(|p| p == "1");
    for line in parse_record(&text) {
        if !from_pid1 && !line.is_kernel() {
            let trusted = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("_SYSTEMD_UNIT").cloned());
            if line.unit.is_some() {
                assert!(trusted.is_some(), "a unit from an untrusted field: {line:?}");
            }
        }
        if let Some(d) = denials::recognise(&line) {
            let shown = escape_control(&d.line);
            assert!(!shown.chars().any(char::is_control), "{shown:?}");
        }
    }
});
