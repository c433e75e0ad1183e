//! `unitguard cat`: the files of a unit, in the order systemd applies them, printed the way
//! `systemctl cat` (and `systemd-analyze cat-config`) print them: `# PATH`, then the file line by
//! line, a blank line between files.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cli::CatArgs;
use crate::error::{Error, Result};
use crate::unit::load::read_unit_file;
use crate::unit::syntax::{LONG_LINE_MAX, split_lines};
use crate::{EXIT_FAILED, EXIT_OK};

pub fn run(args: &CatArgs) -> Result<i32> {
    let ctx = super::context(&args.load, None, None)?;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let loader = ctx.loader(std::slice::from_ref(&args.unit), &cwd);
    let loaded = ctx
        .name_for_argument(&args.unit)
        .and_then(|n| loader.load(&n));
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
        let data = read_unit_file(&f.path, args.load.root.as_deref())
            .map_err(|e| Error::io(&f.path, e))?;
        let mut text = Vec::with_capacity(data.len() + f.path.as_os_str().len() + 8);
        let result = render(&f.path, &data, i > 0, &mut text);
        if let Err(e) = out.write_all(&text) {
            return broken_pipe_ok(e);
        }
        result?;
    }
    if let Err(e) = out.flush() {
        return broken_pipe_ok(e);
    }
    for (p, e) in &unit.unreadable_dropins {
        eprintln!("unitguard: {}: {e} (skipped, as systemd does)", p.display());
    }
    Ok(EXIT_OK)
}

/// One file as systemd's cat_file() prints it: a blank line before every file but the first,
/// `# PATH`, then each line (split as read_line() splits them) followed by `\n`, bytes as they are.
/// A line longer than 1 MiB stops the output there, as it stops systemd.
fn render(path: &Path, data: &[u8], blank_before: bool, out: &mut Vec<u8>) -> Result<()> {
    if blank_before {
        out.push(b'\n');
    }
    out.extend_from_slice(b"# ");
    out.extend_from_slice(path.as_os_str().as_encoded_bytes());
    out.push(b'\n');
    for (n, line) in split_lines(data).enumerate() {
        if line.len() > LONG_LINE_MAX {
            return Err(Error::Other(format!(
                "{}:{}: line too long (more than 1 MiB), not printed",
                path.display(),
                n + 1
            )));
        }
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    Ok(())
}

fn broken_pipe_ok(e: std::io::Error) -> Result<i32> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(EXIT_OK)
    } else {
        Err(Error::io("<stdout>", e))
    }
}
