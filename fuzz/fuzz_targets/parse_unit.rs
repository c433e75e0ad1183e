//! Fuzz target: bytes → unit-file parser → settings → exposure → report.
//!
//! Input layout: the first byte picks the unit name (type, template instance or not); the rest is
//! the fragment, optionally followed by `\n--8<--\n` and a drop-in. Both are parsed with
//! `unit::syntax::parse` exactly as the loader parses files, then turned into settings (the
//! per-directive parsers, specifiers and the unit-type verification) and, when the unit would
//! load, scored and printed as text and JSON. Any panic is a bug; so is a line number outside
//! the file or an exposure above 10.0.
#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use unitguard::assess::{self, Policy};
use unitguard::settings;
use unitguard::tables::SystemdTables;
use unitguard::unit::LoadedUnit;
use unitguard::unit::load::sections_for;
use unitguard::unit::syntax::{self, ParsedFile};

const NAMES: &[&str] = &[
    "fuzz.service",
    "fuzz@inst.service",
    "fuzz@.service",
    "fuzz.socket",
    "fuzz.mount",
    "fuzz.swap",
    "fuzz.timer",
    "fuzz.target",
    "fuzz.slice",
    "fuzz.path",
];

fn check_lines(data: &[u8], p: &ParsedFile) {
    let max = data
        .iter()
        .filter(|&&b| matches!(b, b'\n' | b'\r' | 0))
        .count()
        + 1;
    for a in &p.assignments {
        assert!(a.line >= 1 && a.line <= max, "line {} of {max}", a.line);
    }
    for d in &p.diagnostics {
        assert!(d.line >= 1 && d.line <= max, "line {} of {max}", d.line);
    }
}

fn split(data: &[u8]) -> (&[u8], Option<&[u8]>) {
    const SEP: &[u8] = b"\n--8<--\n";
    match data.windows(SEP.len()).position(|w| w == SEP) {
        Some(i) => (&data[..i], Some(&data[i + SEP.len()..])),
        None => (data, None),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let id = NAMES[usize::from(pick) % NAMES.len()];
    let unit_type = id.rsplit('.').next().unwrap();
    let sections = sections_for(unit_type);
    let (fragment, dropin) = split(rest);
    let fragment_path = PathBuf::from(format!("/etc/systemd/system/{id}"));
    let mut files = vec![syntax::parse(&fragment_path, fragment, sections)];
    check_lines(fragment, &files[0]);
    if let Some(d) = dropin {
        let p = syntax::parse(
            Path::new("/etc/systemd/system/fuzz.d/override.conf"),
            d,
            sections,
        );
        check_lines(d, &p);
        files.push(p);
    }
    let unit = LoadedUnit {
        id: id.to_string(),
        requested: id.to_string(),
        fragment: fragment_path,
        aliases: Vec::new(),
        files,
        unreadable_dropins: Vec::new(),
    };
    // Every version's reading rules get the same input.
    let versions = unitguard::tables::SUPPORTED_VERSIONS;
    let version = versions[usize::from(pick >> 1) % versions.len()];
    let tables = SystemdTables::for_version(version).expect("a supported version");
    let Ok(settings) = settings::build(&unit, tables) else {
        return;
    };
    let a = assess::assess(&unit.id, &settings, &Policy::default(), tables);
    assert!(a.exposure <= 100, "exposure {}", a.exposure);
    assert_eq!(a.checks.len(), tables.checks.len());
    let utf8 = pick & 0x80 == 0;
    let glyphs = unitguard::report::Glyphs { utf8, emoji: utf8 };
    let text = unitguard::report::text::detailed(&a, glyphs);
    assert!(text.contains("Overall exposure level for"));
    let json = serde_json_len(&a);
    assert!(json > 2);
});

fn serde_json_len(a: &assess::Assessment) -> usize {
    format!("{:?}", unitguard::report::json::scored(a)).len()
}
