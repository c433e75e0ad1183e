//! `unitguard report FILES...|DIR [--html OUT] [--baseline DIR]`.

use std::path::{Path, PathBuf};

use crate::EXIT_OK;
use crate::cli::ReportArgs;
use crate::error::{Error, Result};
use crate::fleet::baseline::Baseline;
use crate::fleet::collect::HostState;
use crate::fleet::progress::Progress;
use crate::fleet::{output, report};

/// The files of a directory with one of these extensions, sorted; a file stays as it is.
fn expand(inputs: &[PathBuf], exts: &[&str]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in inputs {
        let meta = std::fs::metadata(p).map_err(|e| Error::io(p, e))?;
        if !meta.is_dir() {
            out.push(p.clone());
            continue;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(p)
            .map_err(|e| Error::io(p, e))?
            .flatten()
            .map(|e| e.path())
            .filter(|f| {
                f.is_file()
                    && f.file_name()
                        .is_some_and(|n| exts.iter().any(|x| n.to_string_lossy().ends_with(x)))
            })
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(Error::Usage(format!(
                "{}: no {} files in this directory",
                p.display(),
                exts.join(" or ")
            )));
        }
        out.extend(files);
    }
    Ok(out)
}

fn baselines(dir: &Path) -> Result<Vec<Baseline>> {
    expand(&[dir.to_path_buf()], &[".txt", ".json", ".baseline"])?
        .iter()
        .map(|p| Baseline::load(p))
        .collect()
}

pub fn run(a: &ReportArgs) -> Result<i32> {
    let files = expand(&a.inputs, &[".json"])?;
    let progress = Progress::new("reading host states");
    let mut states = Vec::with_capacity(files.len());
    for (i, f) in files.iter().enumerate() {
        progress.set(i, files.len());
        states.push(HostState::load(f)?);
    }
    drop(progress);
    let bases = match &a.baseline {
        Some(d) => baselines(d)?,
        None => Vec::new(),
    };
    let model = report::model::build(&states, &bases);
    if let Some(out) = &a.html {
        let page = report::html(&model)?;
        output::write(Some(out), page.as_bytes())?;
        eprintln!(
            "unitguard: report of {} hosts written to {} ({} KiB)",
            model.hosts.len(),
            out.display(),
            page.len() / 1024
        );
    }
    print!("{}", report::text(&model));
    Ok(EXIT_OK)
}
