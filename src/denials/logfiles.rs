//! A service's own log files (nginx's error.log, PostgreSQL's server log...): many daemons
//! report a denied open() or bind() there, not on the journal.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::LogLine;
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

/// The `*.log` files directly in `dirs`.
pub fn log_files(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for d in dirs {
        let Ok(entries) = std::fs::read_dir(d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "log") && p.is_file() {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// The lines of `path` from byte `offset` on (at most the last [`TAIL_BYTES`] of them),
/// each tagged with the file as its source.
pub fn lines_from(path: &Path, offset: u64) -> Vec<LogLine> {
    let Ok(mut file) = std::fs::File::open(path) else {
        return Vec::new();
    };
    let len = file.metadata().map_or(0, |m| m.len());
    let start = offset.min(len).max(len.saturating_sub(TAIL_BYTES));
    let mut data = Vec::new();
    if file.seek(SeekFrom::Start(start)).is_err() || file.read_to_end(&mut data).is_err() {
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
            timestamp: None,
            unit: None,
            source: path.display().to_string(),
            message: l.to_string(),
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
        // A file longer than the tail: its first (partial) line is dropped.
        let long = format!("{}\nlast\n", "x".repeat(TAIL_BYTES as usize + 10));
        std::fs::write(&p, long).unwrap();
        let tail = lines_from(&p, 0);
        assert_eq!(tail.len(), 1);
        assert_eq!(tail[0].message, "last");
    }
}
