//! A service's own log files (nginx's error.log, PostgreSQL's server log...): many daemons
//! report a denied open() or bind() there, not on the journal.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::LogLine;
use crate::files::Root;
use crate::harden::inspect::{Facts, raw_values};
use crate::pipeline::Scored;

/// How much of the end of each log file is read when no earlier offset is known.
pub const TAIL_BYTES: u64 = 1 << 20;

/// A service's log directories: `/var/log/<dir>` for each of its LogsDirectory= values
/// (`logs_directory`, as written) and each `/var/log/...` path its daemon profile writes to.
pub fn log_dirs(logs_directory: &[String], facts: &Facts) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = logs_directory
        .iter()
        .flat_map(|v| v.split_whitespace())
        .map(|d| d.split(':').next().unwrap_or(d))
        .filter(|d| !d.is_empty() && !d.starts_with('/') && !d.contains(".."))
        .map(|d| Path::new("/var/log").join(d))
        .collect();
    dirs.extend(
        facts
            .profile
            .iter()
            .flat_map(|p| p.writable.iter())
            .filter(|w| w.starts_with("/var/log/") && w.len() > "/var/log/".len())
            .map(PathBuf::from),
    );
    dirs.sort();
    dirs.dedup();
    dirs
}

/// [`log_dirs`] of a loaded service.
pub fn log_dirs_of(scored: &Scored, facts: &Facts) -> Vec<PathBuf> {
    log_dirs(&raw_values(scored, "LogsDirectory"), facts)
}

/// The `*.log` files directly in `dirs`: regular files only (a symlink named `x.log` may
/// point anywhere, and a FIFO would block the read).
pub fn log_files(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let Ok(root) = Root::host() else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for d in dirs {
        let Ok(dir) = root.dir(d, None) else {
            continue;
        };
        for name in dir.regular_files().unwrap_or_default() {
            if name.ends_with(".log") {
                files.push(d.join(name));
            }
        }
    }
    files.sort();
    files
}

/// The size of a regular log file (0 when it is not one).
pub fn log_size(path: &Path) -> u64 {
    open_log(path).map_or(0, |(_, len)| len)
}

fn open_log(path: &Path) -> Option<(std::fs::File, u64)> {
    let root = Root::host().ok()?;
    let dir = root.dir(path.parent()?, None).ok()?;
    let name = path.file_name()?.to_str()?;
    let (file, st) = dir.open_regular(name).ok()??;
    Some((file, st.st_size as u64))
}

/// The lines of `path` from byte `offset` on (at most the last [`TAIL_BYTES`] of them),
/// each tagged with the file as its source. Only a regular file is read (never through a
/// symlink).
pub fn lines_from(path: &Path, offset: u64) -> Vec<LogLine> {
    let Some((mut file, len)) = open_log(path) else {
        return Vec::new();
    };
    let start = offset.min(len).max(len.saturating_sub(TAIL_BYTES));
    let mut data = Vec::new();
    if file.seek(SeekFrom::Start(start)).is_err()
        || (&mut file).take(TAIL_BYTES).read_to_end(&mut data).is_err()
    {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(&data);
    let mut lines = text.lines();
    if start > offset {
        // Started inside a line: drop its tail.
        lines.next();
    }
    lines
        .map(|l| LogLine {
            source: path.display().to_string(),
            message: l.to_string(),
            ..Default::default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_directories_from_logs_directory_values() {
        let dirs = log_dirs(
            &["nginx other:alias".into(), "/abs ../up".into()],
            &Facts::default(),
        );
        assert_eq!(
            dirs,
            vec![
                PathBuf::from("/var/log/nginx"),
                PathBuf::from("/var/log/other")
            ]
        );
    }

    #[test]
    fn reads_from_the_offset_and_at_most_the_tail() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("error.log");
        std::fs::write(&p, "old line\nnew: Permission denied\n").unwrap();
        let all = lines_from(&p, 0);
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].source, p.display().to_string());
        let new = lines_from(&p, "old line\n".len() as u64);
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].message, "new: Permission denied");
        assert!(lines_from(&p, 1 << 40).is_empty());
        assert!(lines_from(&dir.path().join("missing.log"), 0).is_empty());
        // A symlink named like a log file, and a FIFO, are neither listed nor read.
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "root:x:0:0: Permission denied\n").unwrap();
        std::os::unix::fs::symlink(&secret, dir.path().join("link.log")).unwrap();
        assert!(lines_from(&dir.path().join("link.log"), 0).is_empty());
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            dir.path().join("fifo.log"),
            rustix::fs::Mode::from_raw_mode(0o644),
        )
        .unwrap();
        assert!(lines_from(&dir.path().join("fifo.log"), 0).is_empty());
        assert_eq!(log_files(&[dir.path().to_path_buf()]), vec![p.clone()]);
        // A file longer than the tail: its first (partial) line is dropped.
        let long = format!("{}\nlast\n", "x".repeat(TAIL_BYTES as usize + 10));
        std::fs::write(&p, long).unwrap();
        let tail = lines_from(&p, 0);
        assert_eq!(tail.len(), 1);
        assert_eq!(tail[0].message, "last");
    }
}
