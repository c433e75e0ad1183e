//! The strace command line: every child followed (`-f`), descriptors decoded with their
//! paths and socket addresses (`-yy`), strings cut to nothing (paths are printed whole
//! anyway), and the calls a busy service makes per request left untraced
//! (`data/learn.toml`), which `--seccomp-bpf` turns into no stop at all: the traced program
//! only pays for the calls that are evidence. File opens are evidence, but a web server
//! makes one or two per request: where fanotify can watch them (root), they are left
//! untraced too.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};
use crate::learn::knowledge::LearnData;

/// The oldest strace with `--seccomp-bpf` (5.3) and the `-yy` socket decoding used here.
const MIN_VERSION: (u32, u32) = (5, 3);

/// The tracer found on this host.
#[derive(Debug, Clone)]
pub struct Strace {
    pub path: PathBuf,
    /// `strace -V`'s first line, e.g. "strace -- version 6.1".
    pub version: String,
    pub seccomp_bpf: bool,
    /// Whether strace traces the file opens (false while fanotify watches them, without a
    /// stop per open: src/learn/fanotify.rs).
    pub opens: bool,
}

impl Strace {
    /// Finds strace (`/usr/bin/strace`, else on PATH) and checks its version.
    pub fn find() -> Result<Strace> {
        let path = ["/usr/bin/strace", "/bin/strace", "/usr/local/bin/strace"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .or_else(|| {
                std::env::var_os("PATH").and_then(|paths| {
                    std::env::split_paths(&paths)
                        .map(|d| d.join("strace"))
                        .find(|p| p.is_file())
                })
            })
            .ok_or_else(|| {
                Error::Usage(
                    "learn needs strace, the distribution's tracer (apt-get install strace)".into(),
                )
            })?;
        let out = Command::new(&path)
            .arg("-V")
            .output()
            .map_err(|e| Error::io(&path, e))?;
        let version = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let number = version.rsplit(' ').next().unwrap_or("");
        let mut parts = number.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let v = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        if v.0 < 4 {
            return Err(Error::Usage(format!(
                "{}: cannot tell its version from `{version}`",
                path.display()
            )));
        }
        Ok(Strace {
            path,
            version,
            seccomp_bpf: v >= MIN_VERSION,
            opens: true,
        })
    }

    /// strace's arguments up to and including `--`, writing to `output`. With `daemonize`
    /// the traced program keeps its pid (strace runs as its grandchild, `-D`): a unit's main
    /// PID, socket-activation fds (LISTEN_PID) and Type=forking/notify stay as they were.
    ///
    /// Without `seccomp` (or with UNITGUARD_LEARN_TRACE_ALL=1, to measure what the filter
    /// saves) every call stops the tracee. `--seccomp-bpf` sets no_new_privs, so it is left
    /// out for command lines that run a setuid program or a script that may run one (an init
    /// script starting a setuid mailer): they would be watched under a restriction they do
    /// not have.
    pub fn args(&self, output: &Path, daemonize: bool, seccomp: bool) -> Vec<String> {
        let all = std::env::var("UNITGUARD_LEARN_TRACE_ALL").is_ok_and(|v| v == "1");
        let mut a: Vec<String> = vec!["-f".into(), "-qq".into()];
        if daemonize {
            a.push("-D".into());
        }
        if self.seccomp_bpf && seccomp && !all {
            a.push("--seccomp-bpf".into());
        }
        // Fatal signals never interrupt the tracer: it ends when its last tracee does, so
        // a service's stop is traced to the end.
        a.extend(["-I".into(), "never".into()]);
        a.extend(["-yy".into(), "-s".into(), "0".into()]);
        a.extend(["-e".into(), "signal=none".into()]);
        if !all {
            a.push("-e".into());
            a.push(format!("trace=!{}", self.untraced().join(",")));
        }
        a.push("-o".into());
        a.push(output.display().to_string());
        a.push("--".into());
        a
    }

    /// The calls strace does not stop on: data/learn.toml's `untraced`, and its `opens`
    /// when fanotify watches them.
    pub fn untraced(&self) -> Vec<String> {
        let data = LearnData::get();
        let mut list = data.untraced.clone();
        if !self.opens {
            list.extend(data.opens.iter().cloned());
        }
        list
    }

    /// The tracer, as a run's evidence records it.
    pub fn describe(&self) -> String {
        if !self.opens {
            format!("{} + fanotify (file opens)", self.version)
        } else {
            self.version.clone()
        }
    }
}
