//! `unitguard lint`: text, JSON or CI-report findings; exit 1 when a unit has an error finding
//! or could not be loaded.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::cli::{CiFormat, LintArgs, LintFormat};
use crate::error::{Error, Result};
use crate::lint::report::Linted;
use crate::lint::{self, Finding, LintOptions};
use crate::pipeline;
use crate::report::ci;
use crate::{EXIT_FAILED, EXIT_OK};

pub fn run(args: &LintArgs) -> Result<i32> {
    let ctx = super::context(&args.load, None, None)?;
    let arguments = expand_directories(&args.units)?;
    let outcomes = if arguments.is_empty() {
        pipeline::score_all_services(&ctx)
    } else {
        pipeline::score_arguments(&arguments, &ctx)
    };
    let base = ci::base_dir(args.base.base.as_deref());
    let opts = LintOptions {
        ctx: &ctx,
        host: args.host,
        base: &base,
    };
    let mut linted: Vec<Linted> = Vec::with_capacity(outcomes.len());
    for (i, o) in outcomes.iter().enumerate() {
        if let Err(e) = o {
            if let Some(why) = nothing_to_lint(e, arguments.get(i), &opts) {
                crate::ui::note(&why);
                continue;
            }
        }
        linted.push(match o {
            Ok(s) => Linted::Loaded {
                unit: &s.unit.id,
                fragment: &s.unit.fragment,
                findings: lint::lint(s, &opts),
            },
            Err(e) => {
                if args.format == LintFormat::Text || args.format == LintFormat::Json {
                    match e.detail() {
                        Some(d) => eprintln!("{e} ({d})"),
                        None => eprintln!("{e}"),
                    }
                }
                // The argument's file, when it named one that exists.
                let file = arguments
                    .get(i)
                    .filter(|a| {
                        a.as_os_str().as_encoded_bytes().contains(&b'/')
                            && a.symlink_metadata().is_ok()
                    })
                    .cloned();
                Linted::Failed { error: e, file }
            }
        });
    }
    let findings: Vec<&Finding> = linted
        .iter()
        .flat_map(|l| match l {
            Linted::Loaded { findings, .. } => findings.iter().collect(),
            Linted::Failed { .. } => Vec::new(),
        })
        .collect();
    let failed = linted.iter().any(|l| match l {
        Linted::Loaded { findings, .. } => findings.iter().any(|f| f.severity == "error"),
        Linted::Failed { .. } => true,
    });
    let out = match args.format {
        LintFormat::Json => crate::report::json::lint_document(&linted),
        LintFormat::Text => text(&findings, &opts, linted.len()),
        LintFormat::Sarif => lint::report::report(&linted, &base).render(CiFormat::Sarif),
        LintFormat::Junit => lint::report::report(&linted, &base).render(CiFormat::Junit),
        LintFormat::Gitlab => lint::report::report(&linted, &base).render(CiFormat::Gitlab),
    };
    super::write_stdout(&out)?;
    Ok(if failed { EXIT_FAILED } else { EXIT_OK })
}

/// Units there is nothing to lint in, which are no failure: masked ones (an empty file or a
/// link to /dev/null, as packages ship them to retire a unit), and, unless files outside the
/// units are read (--root, --host), a link to a unit file that is not on this machine.
fn nothing_to_lint(
    e: &pipeline::UnitError,
    arg: Option<&PathBuf>,
    opts: &LintOptions,
) -> Option<String> {
    use crate::unit::LoadError;
    match e {
        pipeline::UnitError::Load(LoadError::Masked { id, .. }) => {
            Some(format!("{id} is masked: nothing to lint"))
        }
        pipeline::UnitError::Load(LoadError::NotFound { id, .. }) if !opts.reads_files() => {
            let arg = arg?;
            let target = std::fs::read_link(arg).ok()?;
            (!arg.exists()).then(|| {
                format!(
                    "{id} links to {}, which is not on this machine: not linted (--root or --host to check it)",
                    target.display()
                )
            })
        }
        _ => None,
    }
}

fn text(findings: &[&Finding], opts: &LintOptions, units: usize) -> String {
    let mut out = String::new();
    for f in findings {
        let file = opts.shown(&f.file);
        let loc = match f.line {
            Some(l) => format!("{file}:{l}"),
            None => file,
        };
        let _ = writeln!(
            out,
            "{loc}: {}[{}] {} ({})\n    fix: {}",
            f.severity, f.rule, f.message, f.name, f.fix
        );
    }
    let errors = findings.iter().filter(|f| f.severity == "error").count();
    let _ = writeln!(
        out,
        "{} finding(s), {errors} error(s) in {units} unit(s) (systemd {})",
        findings.len(),
        opts.ctx.version()
    );
    out
}

/// Arguments with every directory replaced by the unit files below it, in path order: files
/// whose names are unit names, not inside drop-in (`*.d`) or dependency (`*.wants`,
/// `*.requires`, `*.upholds`) directories, which belong to the units beside them.
fn expand_directories(args: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::with_capacity(args.len());
    for a in args {
        if !a.is_dir() {
            out.push(a.clone());
            continue;
        }
        let mut found = Vec::new();
        collect_units(a, &mut found).map_err(|e| Error::io(a, e))?;
        if found.is_empty() {
            return Err(Error::Usage(format!(
                "{}: no unit files below this directory",
                a.display()
            )));
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

fn collect_units(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            let belongs_to_a_unit = [".d", ".wants", ".requires", ".upholds"]
                .iter()
                .any(|s| name.ends_with(s));
            if !belongs_to_a_unit {
                collect_units(&path, out)?;
            }
        } else if crate::unit::name::classify(&name).is_some() {
            out.push(path);
        }
    }
    Ok(())
}
