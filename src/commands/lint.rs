//! `unitguard lint`: text, JSON or SARIF findings; exit 1 when any finding is an error.

use std::fmt::Write;

use crate::cli::{LintArgs, LintFormat};
use crate::error::Result;
use crate::lint::{self, Finding, LintOptions};
use crate::pipeline;
use crate::{EXIT_FAILED, EXIT_OK};

pub fn run(args: &LintArgs) -> Result<i32> {
    let ctx = super::context(&args.load, None, None)?;
    let outcomes = if args.units.is_empty() {
        pipeline::score_all_services(&ctx)
    } else {
        pipeline::score_arguments(&args.units, &ctx)
    };
    let opts = LintOptions { ctx: &ctx };
    let mut findings: Vec<Finding> = Vec::new();
    let mut load_failed = false;
    for o in &outcomes {
        match o {
            Ok(s) => findings.extend(lint::lint(s, &opts)),
            Err(e) => {
                load_failed = true;
                match e.detail() {
                    Some(d) => eprintln!("{e} ({d})"),
                    None => eprintln!("{e}"),
                }
            }
        }
    }
    match args.format {
        LintFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&findings).unwrap_or_default()
        ),
        LintFormat::Sarif => println!(
            "{}",
            serde_json::to_string_pretty(&lint::sarif::document(&findings)).unwrap_or_default()
        ),
        LintFormat::Text => {
            let mut out = String::new();
            for f in &findings {
                let loc = match f.line {
                    Some(l) => format!("{}:{l}", f.file.display()),
                    None => f.file.display().to_string(),
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
                "{} finding(s), {errors} error(s) in {} unit(s) (systemd {})",
                findings.len(),
                outcomes.len(),
                ctx.version()
            );
            print!("{out}");
        }
    }
    let errors = findings.iter().any(|f| f.severity == "error");
    Ok(if errors || load_failed {
        EXIT_FAILED
    } else {
        EXIT_OK
    })
}
