//! One file per subcommand: argument handling and output, nothing else.

pub mod ansible;
pub mod apply;
pub mod audit;
pub mod baseline;
pub mod cat;
pub mod cheatsheet;
pub mod checklist;
pub mod collect;
pub mod denials;
pub mod explain;
pub mod harden;
pub mod learn;
pub mod lint;
pub mod report;

use std::path::{Path, PathBuf};

use crate::assess::Policy;
use crate::cli::LoadArgs;
use crate::context::Context;
use crate::pipeline::{self, Scored};
use crate::tables::{self, Detected, SUPPORTED_VERSIONS, SystemdTables, VersionSource};

/// The run's context from the command's flags: the systemd version (`--systemd-version`, else
/// the running manager's when `manager_version` is given, else the one installed under
/// `--root` or on the host), its tables, the root and the policy.
pub fn context(
    load: &LoadArgs,
    policy_file: Option<&Path>,
    manager_version: Option<&str>,
) -> crate::Result<Context> {
    let root = load.root.as_deref();
    let detected = detect_version(load, manager_version)?;
    let tables = SystemdTables::resolve(detected.version, load.nearest_version)?;
    let policy = policy_for(policy_file, tables)?;
    Ok(Context {
        detected,
        tables,
        root: root.map(Path::to_path_buf),
        policy,
    })
}

/// The context of this machine's running systemd (apply, rollback, denials): the manager's
/// version over D-Bus, else the installed one; no root, the default policy.
pub fn host_context() -> crate::Result<Context> {
    let manager_version = crate::systemd::bus::Manager::connect()
        .ok()
        .map(|m| m.version().to_string());
    context(&LoadArgs::default(), None, manager_version.as_deref())
}

fn detect_version(load: &LoadArgs, manager_version: Option<&str>) -> crate::Result<Detected> {
    if let Some(version) = load.systemd_version {
        return Ok(Detected {
            version,
            source: VersionSource::Flag,
        });
    }
    if let Some(v) = manager_version {
        return tables::parse_version(v)
            .map(|version| Detected {
                version,
                source: VersionSource::Manager,
            })
            .ok_or_else(|| {
                crate::Error::Usage(format!(
                    "the running manager reports version {v:?}, which is not a systemd version; \
                     pass --systemd-version N"
                ))
            });
    }
    // The root's own systemd; a tree without one (a directory of unit files) is read as this
    // host's systemd reads it.
    let root = load.root.as_deref().unwrap_or(Path::new("/"));
    tables::detect_offline(root)
        .or_else(|| tables::detect_offline(Path::new("/")))
        .ok_or_else(|| {
            crate::Error::Usage(format!(
                "cannot tell which systemd {} or this host has (no libsystemd-shared-N.so found); \
             pass --systemd-version N (one of {})",
                root.display(),
                SUPPORTED_VERSIONS
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// Writes a command's whole output to stdout; a reader that went away (a closed pipe) ends
/// it quietly.
pub fn write_stdout(text: &str) -> crate::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(crate::Error::io("<stdout>", e))
        }
        _ => Ok(()),
    }
}

/// Loads and scores one unit given on the command line; prints systemd's message on failure.
pub fn score_one(unit: &Path, ctx: &Context) -> Option<Scored> {
    let mut out = pipeline::score_arguments(&[PathBuf::from(unit)], ctx);
    match out.pop()? {
        Ok(s) => Some(s),
        Err(e) => {
            match e.detail() {
                Some(d) => eprintln!("{e} ({d})"),
                None => eprintln!("{e}"),
            }
            None
        }
    }
}

/// A unit that does not load, as the error of a command that needs it: systemd's message and
/// unitguard's explanation.
pub fn load_error(e: &crate::unit::LoadError) -> crate::Error {
    match e.detail() {
        Some(d) => crate::Error::Other(format!("{e} ({d})")),
        None => crate::Error::Other(e.to_string()),
    }
}

/// The policy for a run: the one given, or the one systemd would find by itself. Any problem
/// with it (unreadable, not JSON, a range systemd-analyze aborts on) is an [`Error::Policy`]
/// naming the file (and line), which ends the run with exit status 2 before any unit is read.
///
/// [`Error::Policy`]: crate::Error::Policy
pub fn policy_for(given: Option<&Path>, tables: &'static SystemdTables) -> crate::Result<Policy> {
    let exp10 = if tables.rules.exp10_correctly_rounded {
        crate::assess::policy_json::Exp10::CorrectlyRounded
    } else {
        crate::assess::policy_json::Exp10::Glibc236
    };
    let policy = match given {
        Some(p) => Policy::load(p, exp10),
        // systemd-analyze 252 looks for the default policy on the host even with --root
        // (it passes no root to its config-file search), so `root` is not used here.
        None => Policy::find_default(None, exp10).map(Option::unwrap_or_default),
    }
    .map_err(|e| match e {
        crate::Error::Io { path, source } => crate::Error::Policy {
            path,
            message: format!(
                "cannot read the security policy: {}",
                crate::error::io_message(&source)
            ),
        },
        e => e,
    })?;
    pipeline::validate_policy(&policy, tables)?;
    Ok(policy)
}
