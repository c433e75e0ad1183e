//! The one error type of unitguard. Every variant names the file (and line) it is about.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {}", io_message(.source))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Policy { path: PathBuf, message: String },
    /// A file given as input (a baseline, a collected host state) that is not what it
    /// should be; the message says where in it.
    #[error("{path}: {message}")]
    BadInput { path: PathBuf, message: String },
    /// A file unitguard will not read, replace or remove: a symlink, FIFO or device where a
    /// regular file belongs, a state journal about another unit, and the like.
    #[error("{path}: {reason}")]
    Refused { path: PathBuf, reason: String },
    /// Another unitguard run holds the unit's lock.
    #[error("{0}")]
    Busy(String),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// An I/O error as systemd words it: the strerror text, without Rust's " (os error N)".
pub fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s,
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::io_message;

    #[test]
    fn strips_os_error() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(io_message(&e), "No such file or directory");
        let e = std::io::Error::other("plain");
        assert_eq!(io_message(&e), "plain");
    }
}
