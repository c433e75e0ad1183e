//! `systemd-analyze security --json=short|pretty`, byte for byte: per unit one array of check
//! rows (no unit name, no overall score), and the overview table's rows for a live listing or
//! a live run of several units. `pretty` indents with tabs and writes `"key" : value`.

use std::io;

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter, Serializer};

use crate::assess::{self, Assessment};

#[derive(Serialize)]
struct Row<'a> {
    set: Option<bool>,
    name: &'a str,
    json_field: &'a str,
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    weight: Option<u64>,
    /// n/a prints as systemd's UINT64_MAX.
    #[serde(skip_serializing_if = "Option::is_none")]
    badness: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<u64>,
    exposure: Option<String>,
}

#[derive(Serialize)]
struct OverviewRow<'a> {
    unit: &'a str,
    exposure: String,
    predicate: &'static str,
    happy: &'static str,
}

/// With `SYSTEMD_ANALYZE_DEBUG=1` systemd adds weight, badness and range to every row.
fn debug() -> bool {
    std::env::var("SYSTEMD_ANALYZE_DEBUG")
        .ok()
        .and_then(|v| crate::settings::values::parse_bool(&v))
        .unwrap_or(false)
}

/// One unit's rows, as one array and a newline.
pub fn rows(a: &Assessment, pretty: bool) -> String {
    let debug = debug();
    let rows: Vec<Row> = a
        .checks
        .iter()
        .map(|c| Row {
            set: c.set(),
            name: c.name,
            json_field: c.json_field,
            description: c.description.as_deref(),
            weight: debug.then_some(c.weight),
            badness: debug.then(|| c.badness.unwrap_or(u64::MAX)),
            range: debug.then_some(c.range),
            exposure: c.exposure.map(assess::format_tenths),
        })
        .collect();
    write(&rows, pretty)
}

/// The overview table's rows: unit, exposure, label ("predicate") and face ("happy").
pub fn overview(rows: &[(String, u64)], emoji: bool, pretty: bool) -> String {
    let rows: Vec<OverviewRow> = rows
        .iter()
        .map(|(unit, x)| OverviewRow {
            unit,
            exposure: assess::format_tenths(*x),
            predicate: assess::label(*x),
            happy: assess::glyph(*x, !emoji),
        })
        .collect();
    write(&rows, pretty)
}

fn write<T: Serialize>(value: &T, pretty: bool) -> String {
    let mut out = if pretty {
        let mut buf = Vec::new();
        let mut ser = Serializer::with_formatter(&mut buf, SystemdPretty::default());
        value.serialize(&mut ser).expect("rows serialize");
        String::from_utf8(buf).expect("UTF-8")
    } else {
        serde_json::to_string(value).expect("rows serialize")
    };
    out.push('\n');
    out
}

/// serde_json's pretty printer with a tab as indent and `" : "` between key and value, as
/// systemd's json_variant_dump() writes with JSON_FORMAT_PRETTY.
struct SystemdPretty(PrettyFormatter<'static>);

impl Default for SystemdPretty {
    fn default() -> Self {
        SystemdPretty(PrettyFormatter::with_indent(b"\t"))
    }
}

impl Formatter for SystemdPretty {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b" : ")
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}
