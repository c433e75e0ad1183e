//! `unitguard learn`: trace a unit or a command, or merge evidence files.

use std::path::{Path, PathBuf};

use crate::cli::LearnArgs;
use crate::error::{Error, Result};
use crate::learn::evidence::Evidence;
use crate::{EXIT_FAILED, EXIT_OK};

/// Where a unit's evidence goes by default.
pub const EVIDENCE_DIR: &str = "/var/lib/unitguard/learn";

pub fn default_evidence(unit: &str) -> PathBuf {
    Path::new(EVIDENCE_DIR).join(format!("{unit}.json"))
}

pub fn run(args: &LearnArgs) -> Result<i32> {
    if !args.merge.is_empty() {
        let out = args.evidence.clone().ok_or_else(|| {
            Error::Usage("--merge needs --evidence FILE (the merged file)".into())
        })?;
        let mut ev = start(&out, true, None)?;
        for f in &args.merge {
            ev.merge(&Evidence::load(f)?);
        }
        ev.save(&out)?;
        println!(
            "{}: {} runs merged from {} files",
            out.display(),
            ev.runs.len(),
            args.merge.len()
        );
        return Ok(EXIT_OK);
    }
    if !args.command.is_empty() {
        let out = args
            .evidence
            .clone()
            .unwrap_or_else(|| PathBuf::from("evidence.json"));
        let mut ev = start(&out, args.replace, None)?;
        let (new, status) = crate::learn::run::trace_command(&args.command)?;
        summary(&new);
        ev.merge(&new);
        ev.save(&out)?;
        println!("evidence: {} ({} runs)", out.display(), ev.runs.len());
        if !status.success() {
            println!("note: the command exited with {status}");
            return Ok(EXIT_FAILED);
        }
        return Ok(EXIT_OK);
    }
    match &args.unit {
        Some(unit) => crate::learn::unit::learn_unit(unit, args),
        None => Err(Error::Usage(
            "learn needs a UNIT, a command after `--`, or --merge FILES".into(),
        )),
    }
}

/// The evidence to add to: the file's, unless it is missing or `replace`.
pub fn start(path: &Path, replace: bool, unit: Option<&str>) -> Result<Evidence> {
    if !replace && path.exists() {
        let ev = Evidence::load(path)?;
        if let (Some(a), Some(b)) = (ev.unit.as_deref(), unit) {
            if a != b {
                return Err(Error::Usage(format!(
                    "{}: holds evidence of {a}, not {b} (use another --evidence file or --replace)",
                    path.display()
                )));
            }
        }
        return Ok(ev);
    }
    Ok(Evidence::new(unit.map(str::to_string)))
}

/// What one learn run saw, in a few lines.
pub fn summary(ev: &Evidence) {
    for r in &ev.runs {
        println!(
            "traced {} ({}): {} lines in {:.1}s, {} not understood{}",
            r.what,
            r.command.join(" "),
            r.lines,
            r.duration_s,
            r.unknown_lines,
            r.unknown_samples
                .first()
                .map_or(String::new(), |s| format!(" (first: {s})"))
        );
    }
    let writes = ev.files.values().filter(|u| u.writes()).count();
    println!(
        "  {} files ({} written), {} socket operations, families {}, {} distinct system calls",
        ev.files.len(),
        writes,
        ev.sockets.len(),
        if ev.families.is_empty() {
            "none".to_string()
        } else {
            ev.families.iter().cloned().collect::<Vec<_>>().join(" ")
        },
        ev.syscalls.len()
    );
    if !ev.capabilities.is_empty() {
        println!(
            "  capabilities used: {}",
            ev.capabilities
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    if !ev.denials.is_empty() {
        println!(
            "  refused during the run: {}",
            ev.denials
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
}
