//! `unitguard cheatsheet [--format md|html|pdf] [--output FILE]`.
//!
//! The format is `--format`, else the extension of `--output` (.md, .html/.htm, .pdf), else
//! markdown. Without `--output` (or with `--output -`) the sheet goes to standard output;
//! a PDF is refused there when standard output is a terminal (usage error, exit status 2).

use std::io::{IsTerminal, Write};
use std::path::Path;

use crate::cheatsheet::{Format, Sheet, html, markdown, pdf};
use crate::cli::CheatsheetArgs;
use crate::error::{Error, Result};
use crate::{EXIT_FAILED, EXIT_OK};

pub fn run(args: &CheatsheetArgs) -> Result<i32> {
    let output = args.output.as_deref().filter(|p| *p != Path::new("-"));
    let format = args
        .format
        .or_else(|| output.and_then(Format::from_extension))
        .unwrap_or(Format::Md);
    if format == Format::Pdf && output.is_none() && std::io::stdout().is_terminal() {
        return Err(Error::Usage(
            "not writing a PDF to a terminal: give --output FILE or redirect standard output"
                .into(),
        ));
    }
    let sheet = Sheet::build();
    let bytes = match format {
        Format::Md => markdown::render(&sheet).into_bytes(),
        Format::Html => html::render(&sheet).into_bytes(),
        Format::Pdf => pdf::render(&sheet)?,
    };
    match output {
        Some(path) => std::fs::write(path, &bytes).map_err(|e| Error::io(path, e))?,
        None => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(&bytes).and_then(|()| out.flush()) {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    return Ok(EXIT_OK);
                }
                eprintln!("unitguard: standard output: {e}");
                return Ok(EXIT_FAILED);
            }
        }
    }
    Ok(EXIT_OK)
}
