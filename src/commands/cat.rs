//! `unitguard cat`: the files of a unit, in the order systemd applies them.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::CatArgs;
use crate::error::{Error, Result};
use crate::unit::{Loader, SearchPath, name_for_argument};
use crate::{EXIT_FAILED, EXIT_OK};

pub fn run(args: &CatArgs) -> Result<i32> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let loader = Loader::new(SearchPath::for_arguments(
        std::slice::from_ref(&args.unit),
        args.load.root.as_deref(),
        &cwd,
    ));
    let loaded = name_for_argument(&args.unit).and_then(|n| loader.load(&n));
    let unit = match loaded {
        Ok(u) => u,
        Err(e) => {
            match e.detail() {
                Some(d) => eprintln!("{e} ({d})"),
                None => eprintln!("{e}"),
            }
            return Ok(EXIT_FAILED);
        }
    };
    let mut out = std::io::stdout().lock();
    for (i, f) in unit.files.iter().enumerate() {
        let data = std::fs::read(&f.path).map_err(|e| Error::io(&f.path, e))?;
        let sep = if i == 0 { "" } else { "\n" };
        let _ = write!(
            out,
            "{sep}# {}\n{}",
            f.path.display(),
            String::from_utf8_lossy(&data)
        );
        if !data.ends_with(b"\n") && !data.is_empty() {
            let _ = writeln!(out);
        }
    }
    for (p, e) in &unit.unreadable_dropins {
        eprintln!("unitguard: {}: {e} (skipped, as systemd does)", p.display());
    }
    Ok(EXIT_OK)
}
