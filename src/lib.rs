//! unitguard: systemd service exposure, scored exactly as `systemd-analyze security` does.
//!
//! The modules follow the data: [`unit`] finds and parses unit files and drop-ins,
//! [`settings`] turns them into the effective sandbox settings, [`assess`] scores them,
//! [`report`] prints the result; [`commands`] wires these into the CLI.

pub mod apply;
pub mod assess;
pub mod catalogue;
pub mod cheatsheet;
pub mod cli;
pub mod commands;
pub mod context;
pub mod denials;
pub mod error;
pub mod explain;
pub mod files;
pub mod fleet;
pub mod harden;
pub mod learn;
pub mod lint;
pub mod pipeline;
pub mod report;
pub mod settings;
pub mod systemd;
pub mod tables;
pub mod ui;
pub mod unit;

use clap::Parser;

pub use error::{Error, Result};

/// `unitguard --version`: the release and the systemd versions whose `systemd-analyze
/// security` it reproduces.
pub const VERSION_TEXT: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (scores as systemd-analyze security of systemd 252, 254 and 257)"
);

/// Exit statuses.
pub const EXIT_OK: i32 = 0;
/// A unit exceeded the threshold or could not be loaded.
pub const EXIT_FAILED: i32 = 1;
/// The command line cannot be used: an unknown flag or a bad value (`--threshold 11`), a `--root`
/// that is not a directory, or a security policy that cannot be read, is not JSON or has a
/// range systemd-analyze aborts on. Nothing was scored.
pub const EXIT_USAGE: i32 = 2;

/// Runs the command line; returns the process exit status.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let args = if args
        .iter()
        .skip(1)
        .find(|a| !a.to_string_lossy().starts_with('-'))
        == Some(&std::ffi::OsString::from("audit"))
    {
        cli::join_systemd_style_values(args)
    } else {
        args
    };
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    ui::init(&cli.output);
    let result = match cli.command {
        cli::Command::Audit(a) => commands::audit::run(&a),
        cli::Command::Cat(a) => commands::cat::run(&a),
        cli::Command::Cheatsheet(a) => commands::cheatsheet::run(&a),
        cli::Command::Explain(a) => commands::explain::run(&a),
        cli::Command::Harden(a) => commands::harden::run(&a),
        cli::Command::Lint(a) => commands::lint::run(&a),
        cli::Command::Apply(a) => commands::apply::run(&a),
        cli::Command::Rollback(a) => commands::apply::rollback(&a),
        cli::Command::Denials(a) => commands::denials::run(&a),
        cli::Command::Baseline(a) => commands::baseline::run(&a),
        cli::Command::Checklist(a) => commands::checklist::run(&a),
        cli::Command::Collect(a) => commands::collect::run(&a),
        cli::Command::Report(a) => commands::report::run(&a),
        cli::Command::Learn(a) => commands::learn::run(&a),
        cli::Command::Ansible(a) => commands::ansible::run(&a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("unitguard: {e}");
            match e {
                Error::Usage(_) | Error::Policy { .. } | Error::BadInput { .. } => EXIT_USAGE,
                _ => EXIT_FAILED,
            }
        }
    }
}
