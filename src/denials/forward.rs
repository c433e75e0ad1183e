//! `denials --journal --ndjson FILE` and `denials --install`: each denial found goes on to
//! the journal as a structured entry and to an NDJSON file, in the SIEM record of
//! [`super::siem`]; the service that runs `denials --follow` that way is installed from
//! `dist/unitguard-denials.service`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::siem::Record;
use super::{Denial, LogLine};
use crate::cli::DenialsArgs;
use crate::error::{Error, Result};
use crate::files::{FileMeta, Root};
use crate::systemd::journal_send::Journal;

/// The unit file shipped for the service.
pub const UNIT_FILE: &str = include_str!("../../dist/unitguard-denials.service");
pub const UNIT_NAME: &str = "unitguard-denials.service";
/// Where the shipped unit expects the binary.
const SHIPPED_BINARY: &str = "/usr/local/bin/unitguard";

/// Where denials go besides standard output.
pub struct Forward {
    host: String,
    journal: Option<Journal>,
    ndjson: Option<(PathBuf, Box<dyn Write>)>,
}

impl Forward {
    pub fn new(journal: bool, ndjson: Option<&Path>) -> Result<Forward> {
        let journal = journal
            .then(|| {
                Journal::open().map_err(|e| Error::io(crate::systemd::journal_send::SOCKET, e))
            })
            .transpose()?;
        let ndjson = ndjson
            .map(|p| -> Result<(PathBuf, Box<dyn Write>)> {
                if p.as_os_str() == "-" {
                    return Ok((p.to_path_buf(), Box::new(std::io::stdout())));
                }
                // Appended to, never replaced: a log file a shipper tails.
                let f: File = OpenOptions::new()
                    .append(true)
                    .create(true)
                    .mode(0o640)
                    .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
                    .open(p)
                    .map_err(|e| Error::io(p, e))?;
                Ok((p.to_path_buf(), Box::new(f)))
            })
            .transpose()?;
        Ok(Forward {
            host: crate::fleet::host::facts(None, None).host,
            journal,
            ndjson,
        })
    }

    /// Whether anything is forwarded at all.
    pub fn active(&self) -> bool {
        self.journal.is_some() || self.ndjson.is_some()
    }

    /// Sends one denial on, in the SIEM record.
    pub fn emit(&mut self, d: &Denial) -> Result<()> {
        let r = Record::new(d, &self.host);
        if let Some(j) = &self.journal {
            let fields = r.journal_fields();
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            j.send(&refs)
                .map_err(|e| Error::io(crate::systemd::journal_send::SOCKET, e))?;
        }
        if let Some((p, w)) = &mut self.ndjson {
            w.write_all(r.ndjson().as_bytes())
                .and_then(|()| w.flush())
                .map_err(|e| Error::io(p.as_path(), e))?;
        }
        Ok(())
    }
}

/// Calls `f` with every new journal line (and `unit`'s only, when given) until it returns
/// false, reading the journal every `interval` from the cursor of the last read.
///
/// Polling, not `journalctl --follow`: in a service with ProtectKernelTunables= or
/// ProtectControlGroups= (which unitguard-denials.service has), journalctl's inotify wait never
/// saw a new entry (measured in the test-bed, systemd 252 in systemd-nspawn).
pub fn poll(
    unit: Option<&str>,
    interval: std::time::Duration,
    mut f: impl FnMut(LogLine) -> bool,
) -> Result<()> {
    let run = |extra: &[String]| -> Result<(Vec<LogLine>, Option<String>)> {
        let mut args: Vec<String> = vec![
            "-o".into(),
            "json".into(),
            "--no-pager".into(),
            "--show-cursor".into(),
        ];
        args.extend_from_slice(extra);
        if let Some(u) = unit {
            args.extend([
                format!("_SYSTEMD_UNIT={u}"),
                "+".into(),
                format!("UNIT={u}"),
            ]);
        }
        let out = std::process::Command::new("journalctl")
            .args(&args)
            .output()
            .map_err(|e| Error::Other(format!("cannot run journalctl: {e}")))?;
        if !out.status.success() {
            return Err(Error::Other(format!(
                "journalctl: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let cursor = text
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("-- cursor: "))
            .map(str::to_string);
        let lines = text
            .lines()
            .filter(|l| l.starts_with('{'))
            .flat_map(crate::systemd::journal::parse_record)
            .collect();
        Ok((lines, cursor))
    };
    let (_, mut cursor) = run(&["--lines=0".into()])?;
    loop {
        std::thread::sleep(interval);
        let extra = match &cursor {
            Some(c) => vec![format!("--after-cursor={c}")],
            None => vec!["--lines=all".into()],
        };
        let (lines, next) = run(&extra)?;
        if next.is_some() {
            cursor = next;
        }
        for l in lines {
            if !f(l) {
                return Ok(());
            }
        }
    }
}

/// Whether a denial was found in one of this process's own entries (they quote the denied
/// line, and must not be found again). `_PID` is set by journald, not the sender.
fn is_own(d: &Denial) -> bool {
    d.source == "journal" && d.pid == Some(std::process::id())
}

/// `denials [UNIT] [--since T] [--follow] --journal|--ndjson FILE`: every denial of the
/// journal (kernel lines under the unit their process is in, while it lives) goes on; with
/// `--follow`, by polling (see [`poll`]). Nothing else is printed, unless `--ndjson -`.
pub fn run(args: &DenialsArgs) -> Result<i32> {
    let mut fwd = Forward::new(args.journal, args.ndjson.as_deref())?;
    let unit = args.unit.as_deref();
    let mut found = 0usize;
    let mut failed = None;
    let mut each = |mut line: LogLine| {
        if line.is_kernel() && line.unit.is_none() {
            line.unit = line.pid.and_then(super::gather::unit_of_pid);
        }
        let Some(d) = super::recognise(&line).filter(|d| !is_own(d)) else {
            return true;
        };
        found += 1;
        match fwd.emit(&d) {
            Ok(()) => true,
            Err(e) => {
                failed = Some(e);
                false
            }
        }
    };
    if args.follow {
        poll(unit, std::time::Duration::from_secs(1), &mut each)?;
    } else {
        crate::systemd::journal::stream(unit, args.since.as_deref(), false, &mut each)?;
    }
    if let Some(e) = failed {
        return Err(e);
    }
    if args.follow {
        return Err(Error::Other(
            "the journal could not be read any more".into(),
        ));
    }
    Ok(if found == 0 {
        crate::EXIT_OK
    } else {
        crate::EXIT_FAILED
    })
}

/// Installs the service: the unit file under `root` (ExecStart pointing at this binary
/// when installing on this host), then, on a host with a running systemd, daemon-reload
/// and `enable --now`.
pub fn install(root: Option<&Path>) -> Result<()> {
    let unit = match (root, std::env::current_exe()) {
        (None, Ok(exe)) => UNIT_FILE.replace(SHIPPED_BINARY, &exe.display().to_string()),
        _ => UNIT_FILE.to_string(),
    };
    let dir = Path::new("/etc/systemd/system");
    Root::open(root)?.dir(dir, Some(0o755))?.replace(
        UNIT_NAME,
        unit.as_bytes(),
        FileMeta::root(0o644),
    )?;
    let shown = crate::unit::search::under_root(root, &dir.join(UNIT_NAME));
    eprintln!("unitguard: wrote {}", shown.display());
    if root.is_none() && crate::systemd::control::Control::connect().is_ok() {
        for args in [&["daemon-reload"][..], &["enable", "--now", UNIT_NAME][..]] {
            let out = std::process::Command::new("systemctl")
                .args(args)
                .output()
                .map_err(|e| Error::Other(format!("cannot run systemctl: {e}")))?;
            if !out.status.success() {
                return Err(Error::Other(format!(
                    "systemctl {}: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
        }
        eprintln!("unitguard: {UNIT_NAME} enabled and started");
    } else {
        eprintln!(
            "unitguard: on the host, run: systemctl daemon-reload && systemctl enable --now {UNIT_NAME}"
        );
    }
    Ok(())
}
