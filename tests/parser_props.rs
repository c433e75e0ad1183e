//! Property tests of the unit-file parser (`unit::syntax::parse`) and of the whole loading and
//! scoring path on generated files:
//!
//! * arbitrary bytes and near-valid unit text never make the parser panic, and every line it
//!   reports (assignments, diagnostics, the error) lies inside the file;
//! * the same files, written into a root tree and scored, never make the loader, the settings
//!   builder or the scorer panic, and a failure names the unit;
//! * round trip: generated `Key=Value` lines, with comments, blank lines, odd whitespace, CRLF
//!   line ends and values split over continuation lines, parse back to the same assignments,
//!   each reported on the physical line where it ends (as systemd's line counter does).

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use unitguard::assess::Policy;
use unitguard::context::Context;
use unitguard::tables::SystemdTables;
use unitguard::unit::load::sections_for;
use unitguard::unit::syntax::{self, ParsedFile, SyntaxError};

/// Upper bound of the line numbers a file can have: one per line-end byte, plus one.
fn max_line(data: &[u8]) -> usize {
    data.iter()
        .filter(|&&b| matches!(b, b'\n' | b'\r' | 0))
        .count()
        + 1
}

fn check_lines(data: &[u8], parsed: &ParsedFile) -> Result<(), TestCaseError> {
    let max = max_line(data);
    for a in &parsed.assignments {
        prop_assert!(
            a.line >= 1 && a.line <= max,
            "assignment line {} of {max}",
            a.line
        );
        prop_assert!(!a.key.is_empty() || a.value.len() < data.len() + 1);
    }
    for d in &parsed.diagnostics {
        prop_assert!(
            d.line >= 1 && d.line <= max,
            "diagnostic line {} of {max}",
            d.line
        );
    }
    if let Some(e) = &parsed.error {
        let line = match e {
            SyntaxError::LineTooLong { line, .. }
            | SyntaxError::InvalidSection { line, .. }
            | SyntaxError::NotUtf8 { line, .. } => *line,
        };
        prop_assert!(line >= 1 && line <= max, "error line {line} of {max}");
    }
    Ok(())
}

/// One physical line of near-valid unit text.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let key = "[A-Za-z][A-Za-z0-9]{0,12}";
    let value = "[ -~]{0,30}";
    prop_oneof![
        3 => (key, value).prop_map(|(k, v)| format!("{k}={v}").into_bytes()),
        1 => prop::sample::select(vec![
            "[Unit]", "[Service]", "[Install]", "[Socket]", "[X-Vendor]", "[Bogus]",
            "[Service", "[]", "[[Service]]", " [Service] ",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        1 => prop::sample::select(vec![
            "# comment", "; comment", "   # indented", "", "   ", "\t",
            "NoEquals", "=novalue", "Key=", "Key = spaced value ",
            "ExecStart=/bin/true", "User=nobody", "DynamicUser=maybe", "User=",
            "SystemCallFilter=~@mount", "PrivateTmp=yes", "Type=oneshot",
            "ExecStart=", "RestrictAddressFamilies=none", "CapabilityBoundingSet=~CAP_SYS_ADMIN",
            "ProtectSystem=strict", "IPAddressDeny=any", "DeviceAllow=/dev/null rw",
            "User=%i", "RootDirectory=%h/x", "Environment=A=\\",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        1 => (key, value).prop_map(|(k, v)| format!("{k}={v}\\").into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..20),
    ]
}

fn line_end() -> impl Strategy<Value = &'static [u8]> {
    prop_oneof![
        8 => Just(b"\n".as_slice()),
        1 => Just(b"\r\n".as_slice()),
        1 => Just(b"\r".as_slice()),
        1 => Just(b"\n\r".as_slice()),
        1 => Just(b"\0".as_slice()),
    ]
}

fn near_valid_unit() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<bool>(),
        prop::collection::vec((line(), line_end()), 0..40),
        any::<bool>(),
    )
        .prop_map(|(bom, lines, service_first)| {
            let mut out = Vec::new();
            if bom {
                out.extend_from_slice(b"\xEF\xBB\xBF");
            }
            if service_first {
                out.extend_from_slice(b"[Service]\nExecStart=/bin/true\n");
            }
            for (l, end) in lines {
                out.extend_from_slice(&l);
                out.extend_from_slice(end);
            }
            out
        })
}

/// Writes `fragment` as `x.service` (and `dropin` as a drop-in) into a fresh root, and scores it.
fn load_and_score(fragment: &[u8], dropin: Option<&[u8]>) -> Result<(), TestCaseError> {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("etc/systemd/system");
    std::fs::create_dir_all(dir.join("x.service.d")).unwrap();
    std::fs::write(dir.join("x.service"), fragment).unwrap();
    if let Some(d) = dropin {
        std::fs::write(dir.join("x.service.d/override.conf"), d).unwrap();
    }
    // Every version's parser must hold up to the same input.
    for &version in unitguard::tables::SUPPORTED_VERSIONS {
        let ctx = Context::for_version(version, Some(root.path()), Policy::default()).unwrap();
        let tables = ctx.tables;
        let outcomes = unitguard::pipeline::score_arguments(&[PathBuf::from("x.service")], &ctx);
        check_outcomes(&outcomes, tables)?;
    }
    Ok(())
}

fn check_outcomes(
    outcomes: &[unitguard::pipeline::Outcome],
    tables: &SystemdTables,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(outcomes.len(), 1);
    match &outcomes[0] {
        Ok(s) => {
            prop_assert!(s.assessment.exposure <= 100);
            prop_assert_eq!(s.assessment.checks.len(), tables.checks.len());
        }
        Err(e) => {
            prop_assert_eq!(e.unit(), "x.service");
            prop_assert!(!e.to_string().is_empty());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..2048)) {
        let parsed = syntax::parse(Path::new("/x.service"), &data, sections_for("service"));
        check_lines(&data, &parsed)?;
    }

    #[test]
    fn near_valid_text_never_panics(data in near_valid_unit()) {
        for t in ["service", "socket", "mount", "target", "bogus"] {
            let parsed = syntax::parse(Path::new("/x.service"), &data, sections_for(t));
            check_lines(&data, &parsed)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn loader_and_scorer_never_panic(
        fragment in near_valid_unit(),
        dropin in prop::option::of(near_valid_unit()),
    ) {
        load_and_score(&fragment, dropin.as_deref())?;
    }

    #[test]
    fn loader_survives_arbitrary_bytes(
        fragment in prop::collection::vec(any::<u8>(), 0..512),
        dropin in prop::option::of(prop::collection::vec(any::<u8>(), 0..512)),
    ) {
        let mut f = b"[Service]\nExecStart=/bin/true\n".to_vec();
        f.extend_from_slice(&fragment);
        load_and_score(&f, dropin.as_deref())?;
    }
}

/// A value that parses back unchanged: no leading/trailing whitespace, no line-end bytes, no
/// trailing backslash.
fn value() -> impl Strategy<Value = String> {
    "([!-\\[\\]-~]|[!-~][ -~]{0,20}[!-\\[\\]-~])?"
}

#[derive(Debug, Clone)]
struct Assign {
    section: &'static str,
    key: String,
    value: String,
    /// Split the value over continuation lines at these spaces (indices into its spaces).
    splits: Vec<prop::sample::Index>,
    /// Whitespace around the key and value.
    pad: (&'static str, &'static str, &'static str),
    /// Comment and blank lines before the assignment.
    noise: Vec<&'static str>,
    /// A comment line inside the continuation (systemd skips it).
    comment_inside: bool,
}

fn assign() -> impl Strategy<Value = Assign> {
    let ws = || prop::sample::select(vec!["", " ", "\t", "  \t "]);
    (
        prop::sample::select(vec!["Unit", "Service", "Install"]),
        "[A-Za-z][A-Za-z0-9_.-]{0,15}",
        value(),
        prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        (ws(), ws(), ws()),
        prop::collection::vec(
            prop::sample::select(vec!["", "# c", "; c", "  #x=1", "\t"]),
            0..3,
        ),
        any::<bool>(),
    )
        .prop_map(
            |(section, key, value, splits, pad, noise, comment_inside)| Assign {
                section,
                key,
                value,
                splits,
                pad,
                noise,
                comment_inside,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn key_value_lines_round_trip(
        assigns in prop::collection::vec(assign(), 0..25),
        crlf in any::<bool>(),
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        let mut line = 0usize;
        let mut expected = Vec::new();
        let mut current: Option<&str> = None;
        for a in &assigns {
            for n in &a.noise {
                text.push_str(n);
                text.push_str(eol);
                line += 1;
            }
            if current != Some(a.section) {
                text.push_str(&format!("[{}]{eol}", a.section));
                line += 1;
                current = Some(a.section);
            }
            // Split the value at some of its spaces: "a b" is written "a\" + newline + "b"
            // (the backslash becomes the space again).
            // Not after a backslash: "a\\" + "\\" would be an escaped backslash.
            let spaces: Vec<usize> = a
                .value
                .match_indices(' ')
                .map(|(i, _)| i)
                .filter(|&i| !a.value[..i].ends_with('\\'))
                // (Nor before "#" or ";": a continuation line starting so is a comment.)
                .filter(|&i| !a.value[i + 1..].trim_start().starts_with(['#', ';']))
                .collect();
            let mut cuts: Vec<usize> = a
                .splits
                .iter()
                .filter(|_| !spaces.is_empty())
                .map(|ix| spaces[ix.index(spaces.len())])
                .collect();
            cuts.sort();
            cuts.dedup();
            let (pk, pe, pv) = a.pad;
            text.push_str(&format!("{pk}{}{pe}={pv}", a.key));
            let mut from = 0;
            for c in cuts {
                text.push_str(&a.value[from..c]);
                text.push('\\');
                text.push_str(eol);
                line += 1;
                if a.comment_inside {
                    text.push_str("# inside a continuation");
                    text.push_str(eol);
                    line += 1;
                }
                from = c + 1;
            }
            text.push_str(&a.value[from..]);
            text.push_str(eol);
            line += 1;
            expected.push((a.section.to_string(), a.key.clone(), a.value.clone(), line));
        }
        let parsed = syntax::parse(Path::new("/x.service"), text.as_bytes(), sections_for("service"));
        prop_assert!(parsed.error.is_none(), "{:?}\n{text}", parsed.error);
        let got: Vec<(String, String, String, usize)> = parsed
            .assignments
            .iter()
            .map(|a| (a.section.clone(), a.key.clone(), a.value.clone(), a.line))
            .collect();
        prop_assert_eq!(got, expected, "text:\n{}", text);
        prop_assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    }
}

#[test]
fn line_ends_follow_systemds_read_line() {
    // read_line() ends a line at a run of \n, \r and NUL in which no kind repeats and nothing
    // follows a NUL: "\n\r" and "\r\0" are one line end, "\n\n" two. Checked against
    // systemd-analyze 252 (`User=\` + "\n\r" + `nobody` continues onto "nobody").
    let data = b"[Service]\nA=1\n\rB=2\r\0C=3\n\nD=4\\\n\rcontinued\n";
    let p = syntax::parse(Path::new("/x.service"), data, sections_for("service"));
    let got: Vec<(&str, &str, usize)> = p
        .assignments
        .iter()
        .map(|a| (a.key.as_str(), a.value.as_str(), a.line))
        .collect();
    assert_eq!(
        got,
        [
            ("A", "1", 2),
            ("B", "2", 3),
            ("C", "3", 4),
            ("D", "4 continued", 7)
        ]
    );
}
