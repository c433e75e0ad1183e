//! `learn UNIT`: the unit restarted under the tracer through a runtime drop-in
//! (`/run/systemd/system/UNIT.d/unitguard-learn.conf`), exercised, reloaded, stopped, and
//! put back as it was. The drop-in wraps every Exec*= line with its prefixes kept and
//! relaxes only what tracing needs; a journal written before anything changes lets the next
//! `learn`, `apply` or `rollback` repair a run that was killed.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::evidence::{Evidence, Run};
use super::fanotify::OpenWatch;
use super::observe::Cred;
use super::run::{Tap, Traced};
use super::strace::command::Strace;
use crate::apply::Session;
use crate::cli::LearnArgs;
use crate::error::{Error, Result};
use crate::files::{FileMeta, Root};
use crate::pipeline::Scored;
use crate::systemd::control::UnitState;
use crate::{EXIT_FAILED, EXIT_OK};

/// The runtime drop-in's file name.
pub const DROPIN_NAME: &str = "unitguard-learn.conf";
const JOURNAL_SUFFIX: &str = ".learn.json";
/// Where the FIFOs are made (a random directory per run below it).
const FIFO_DIR: &str = "/run/unitguard/learn";

/// The Exec*= settings traced, in the order systemd runs them.
const EXEC_KEYS: &[&str] = &[
    "ExecStartPre",
    "ExecStart",
    "ExecStartPost",
    "ExecReload",
    "ExecStop",
    "ExecStopPost",
];

/// Calls strace itself needs that a unit's SystemCallFilter= may deny (the rest of what it
/// does is in @system-service): ptrace, reading the tracee's memory, installing its seccomp
/// filter, and the setreuid(uid, uid) it makes before running the command as a non-root user
/// (killed by SIGSYS under `~@privileged` otherwise).
const TRACER_CALLS: &str = "ptrace process_vm_readv seccomp setreuid";

/// The learn journal: what to undo if this run is killed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LearnState {
    pub unit: String,
    pub dropin: PathBuf,
    pub fifo_dir: PathBuf,
    pub was_running: bool,
    pub step: String,
}

fn state_dir() -> Result<crate::files::Dir> {
    Root::host()?.dir(Path::new(crate::apply::state::STATE_DIR), Some(0o700))
}

fn journal_name(unit: &str) -> String {
    format!("{unit}{JOURNAL_SUFFIX}")
}

fn dropin_dir(unit: &str) -> PathBuf {
    PathBuf::from(format!("/run/systemd/system/{unit}.d"))
}

fn save(s: &LearnState) -> Result<()> {
    let text = serde_json::to_vec_pretty(s).map_err(|e| Error::Other(e.to_string()))?;
    state_dir()?.replace(&journal_name(&s.unit), &text, FileMeta::root(0o600))
}

fn step(s: &mut LearnState, name: &str) -> Result<()> {
    s.step = name.to_string();
    save(s)?;
    if std::env::var("UNITGUARD_FAULT_AFTER").is_ok_and(|f| f == format!("learn-{name}")) {
        eprintln!("unitguard: UNITGUARD_FAULT_AFTER=learn-{name}: aborting");
        std::process::abort();
    }
    Ok(())
}

/// Removes the runtime drop-in and the FIFOs of a learn run (no reload).
fn remove_files(s: &LearnState) -> Result<()> {
    let dir = Root::host()?;
    if let Ok(d) = dir.dir(&s.dropin, None) {
        d.remove(DROPIN_NAME)?;
    }
    let _ = std::fs::remove_dir(&s.dropin);
    let _ = std::fs::remove_dir_all(&s.fifo_dir);
    Ok(())
}

/// Repairs a learn run that was killed (its journal is still there): the runtime drop-in
/// goes, the manager reloads, and the unit is put back in the state it was in. Called by
/// every command that holds the unit's lock (learn, apply, rollback).
pub fn repair(session: &Session) -> Result<Option<String>> {
    let dir = state_dir()?;
    let name = journal_name(&session.unit);
    let Some(e) = dir.read(&name, crate::files::READ_CAP)? else {
        return Ok(None);
    };
    let s: LearnState = serde_json::from_slice(&e.data).map_err(|err| Error::Refused {
        path: dir.shown(&name),
        reason: format!("unreadable learn journal ({err}); remove it after checking the unit"),
    })?;
    if s.unit != session.unit || s.dropin != dropin_dir(&session.unit) {
        return Err(Error::Refused {
            path: dir.shown(&name),
            reason: format!(
                "this learn journal names {} and {}, not {}; unitguard will not act on it",
                s.unit,
                s.dropin.display(),
                session.unit
            ),
        });
    }
    eprintln!(
        "unitguard: {}: an earlier learn stopped at step '{}'; removing its runtime drop-in",
        s.unit, s.step
    );
    remove_files(&s)?;
    session.ctl.reload()?;
    let before = UnitState {
        active_state: if s.was_running { "active" } else { "inactive" }.into(),
        ..Default::default()
    };
    session.ctl.return_to(&s.unit, &before)?;
    dir.remove(&name)?;
    Ok(Some(s.step))
}

/// An Exec*= value split into its prefix characters and the command line after them.
pub(crate) fn split_prefix(value: &str) -> (&str, &str) {
    let n = value
        .char_indices()
        .find(|(_, c)| !matches!(c, '-' | '@' | ':' | '+' | '!'))
        .map_or(value.len(), |(i, _)| i);
    (&value[..n], value[n..].trim_start())
}

/// One command line of the unit, wrapped.
struct Wrapped {
    label: String,
    line: String,
    fifo: PathBuf,
    cred: Cred,
    command: Vec<String>,
}

fn quote(arg: &str) -> String {
    if arg
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/-_.,=:!@%+".contains(c))
        && !arg.is_empty()
    {
        arg.to_string()
    } else {
        format!("\"{}\"", arg.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// `PREFIX/usr/bin/strace ARGS -- COMMAND`, each prefix keeping its meaning: `-` (failure
/// ignored: strace exits with the command's status), `+`, `!`, `!!` (privileges: they apply
/// to strace and so to what it runs), `:` (no variable expansion, of the command's words as
/// before). `@` (a chosen argv[0]) goes through bash's `exec -a`, strace having no option
/// for it.
fn wrap(strace: &Strace, prefix: &str, rest: &str, fifo: &Path) -> String {
    let words = crate::settings::values::words(rest, crate::settings::values::UNQUOTE)
        .unwrap_or_else(|w| w);
    let seccomp = words.first().is_none_or(|p| !may_gain_privileges(p));
    let args: Vec<String> = strace
        .args(fifo, true, seccomp)
        .iter()
        .map(|a| quote(a))
        .collect();
    let head = format!(
        "{}{} {}",
        prefix.replace('@', ""),
        strace.path.display(),
        args.join(" ")
    );
    if !prefix.contains('@') {
        return format!("{head} {rest}");
    }
    let dollar = if prefix.contains(':') { "$" } else { "$$" };
    let path = words.first().cloned().unwrap_or_default();
    let tail: Vec<String> = words.iter().skip(1).map(|w| quote(w)).collect();
    format!(
        "{head} /bin/bash -c \"exec -a \\\"{dollar}0\\\" {} \\\"{dollar}@\\\"\" {}",
        path,
        tail.join(" ")
    )
}

/// Whether running `program` may run a setuid program: it is one, or it is a shell script
/// (an init script starting a setuid mailer, say).
fn may_gain_privileges(program: &str) -> bool {
    use std::os::unix::fs::MetadataExt;
    let path = if program.starts_with('/') {
        PathBuf::from(program)
    } else {
        ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(program))
            .find(|p| p.exists())
            .unwrap_or_default()
    };
    let setuid = std::fs::metadata(&path).is_ok_and(|m| m.mode() & 0o6000 != 0);
    let script = crate::files::read_prefix(&path, 128).is_ok_and(|b| {
        let line = String::from_utf8_lossy(&b);
        let first = line.lines().next().unwrap_or("");
        first.starts_with("#!")
            && first[2..]
                .split_whitespace()
                .next()
                .and_then(|i| i.rsplit('/').next())
                .is_some_and(|i| matches!(i, "sh" | "bash" | "dash" | "ksh" | "zsh"))
    });
    setuid || script
}

/// The user a command line starts as.
fn cred_for(scored: &Scored, prefix: &str) -> Cred {
    let e = scored.settings.exec.as_ref();
    let ambient = e.is_some_and(|e| e.ambient_capabilities != 0);
    if prefix.contains('+') || prefix.contains('!') {
        return Cred::ROOT;
    }
    match e {
        Some(e) if e.dynamic_user => Cred::user(None, ambient),
        Some(e) => match e.user.as_deref() {
            None | Some("" | "root" | "0") => Cred::ROOT,
            Some(u) => Cred::user(lookup_uid(u), ambient),
        },
        None => Cred::ROOT,
    }
}

fn lookup_uid(user: &str) -> Option<u32> {
    if let Ok(n) = user.parse() {
        return Some(n);
    }
    crate::files::accounts::users(None)
        .into_iter()
        .find(|a| a.name == user)
        .map(|a| a.uid)
}

/// The files strace needs to run where `NoExecPaths=` forbids executing: itself and the
/// libraries it links (from ldd), resolved.
fn tracer_exec_paths(strace: &Strace, bash: bool) -> Vec<String> {
    let mut out = vec![strace.path.display().to_string()];
    if let Ok(o) = std::process::Command::new("ldd").arg(&strace.path).output() {
        for line in String::from_utf8_lossy(&o.stdout).lines() {
            let path = line
                .split("=>")
                .nth(1)
                .unwrap_or(line)
                .split_whitespace()
                .next()
                .unwrap_or("");
            if path.starts_with('/') {
                out.push(path.to_string());
            }
        }
    }
    if bash {
        out.push("/usr/bin/bash".into());
    }
    out.iter_mut().for_each(|p| {
        if let Ok(r) = std::fs::canonicalize(&*p) {
            *p = r.display().to_string();
        }
    });
    out.sort();
    out.dedup();
    out
}

/// The runtime drop-in and the lines it traces.
fn dropin(scored: &Scored, strace: &Strace, fifo_dir: &Path) -> (String, Vec<Wrapped>) {
    let mut text = String::from(
        "# Written by `unitguard learn` while it watches this unit; removed when it is done.\n[Service]\n",
    );
    let mut wrapped = Vec::new();
    let mut uses_bash = false;
    for key in EXEC_KEYS {
        let values = crate::harden::inspect::raw_values(scored, key);
        if values.is_empty() {
            continue;
        }
        text.push_str(&format!("{key}=\n"));
        for (i, v) in values.iter().enumerate() {
            let (prefix, rest) = split_prefix(v);
            let n = wrapped.len();
            let fifo = fifo_dir.join(format!("{n}.fifo"));
            uses_bash |= prefix.contains('@');
            text.push_str(&format!("{key}={}\n", wrap(strace, prefix, rest, &fifo)));
            let label = if values.len() > 1 {
                format!("{key}[{i}]")
            } else {
                key.to_string()
            };
            let command = crate::settings::values::words(rest, crate::settings::values::UNQUOTE)
                .unwrap_or_else(|w| w);
            wrapped.push(Wrapped {
                label,
                line: v.clone(),
                fifo,
                cred: cred_for(scored, prefix),
                command,
            });
        }
    }
    let notify = scored
        .settings
        .service
        .as_ref()
        .and_then(|s| s.service_type.as_deref())
        == Some("notify");
    if notify {
        text.push_str("# strace -D keeps the main PID; notifications from helpers still count\nNotifyAccess=all\n");
    }
    if let Some(e) = &scored.settings.exec {
        if e.syscall_filter.map.is_some() {
            text.push_str(&format!(
                "# the tracer's own calls\nSystemCallFilter={TRACER_CALLS}\n"
            ));
        }
        let no_exec = !crate::harden::inspect::raw_values(scored, "NoExecPaths").is_empty()
            || !crate::harden::inspect::raw_values(scored, "ExecPaths").is_empty();
        if no_exec {
            text.push_str(&format!(
                "# the tracer and its libraries may run\nExecPaths={}\n",
                tracer_exec_paths(strace, uses_bash).join(" ")
            ));
        }
    }
    (text, wrapped)
}

fn run_exercise(cmd: &str, timeout: Duration) -> std::result::Result<(), String> {
    crate::apply::smoke::run(cmd, timeout)
}

/// Traces the unit: the whole run, from the journal to the unit back as it was.
pub fn learn_unit(unit: &str, args: &LearnArgs) -> Result<i32> {
    let outcome = learn(unit, args)?;
    let out = args
        .evidence
        .clone()
        .unwrap_or_else(|| crate::commands::learn::default_evidence(unit));
    let mut ev = crate::commands::learn::start(&out, args.replace, Some(unit))?;
    crate::commands::learn::summary(&outcome.evidence);
    ev.merge(&outcome.evidence);
    ev.save(&out)?;
    println!("evidence: {} ({} runs)", out.display(), ev.runs.len());
    for p in &outcome.problems {
        println!("note: {p}");
    }
    Ok(if outcome.started {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}

/// What a learn run produced.
pub struct Learned {
    pub evidence: Evidence,
    /// The traced start succeeded (and the exercise, if any).
    pub started: bool,
    pub problems: Vec<String>,
}

pub fn learn(unit: &str, args: &LearnArgs) -> Result<Learned> {
    let strace = Strace::find()?;
    let ctx = crate::commands::host_context()?;
    let target =
        crate::unit::target::resolve(unit, &ctx).map_err(|e| crate::commands::load_error(&e))?;
    target.require_instance("learn")?;
    let Some(scored) = crate::commands::score_one(&target.argument, &ctx) else {
        return Err(Error::Usage(format!("{unit}: cannot be loaded")));
    };
    let unit = scored.unit.id.clone();
    let session = Session::open(&unit, "learn")?;
    session.repair()?;
    if scored.settings.exec.is_none() {
        return Err(Error::Usage(format!("{unit} runs no process to watch")));
    }
    let before = session.ctl.state(&unit)?;
    let token = {
        let mut b = [0u8; 8];
        let _ = rustix::rand::getrandom(&mut b, rustix::rand::GetRandomFlags::empty());
        u64::from_ne_bytes(b)
    };
    let fifo_dir = PathBuf::from(format!("{FIFO_DIR}/{token:016x}"));
    let mut s = LearnState {
        unit: unit.clone(),
        dropin: dropin_dir(&unit),
        fifo_dir: fifo_dir.clone(),
        was_running: before.is_running(),
        step: "journal-written".into(),
    };
    step(&mut s, "journal-written")?;
    let result = traced_run(&session, &scored, &strace, &s, args);
    // Whatever happened: the drop-in goes, the manager forgets it, the unit is back.
    let cleanup = (|| -> Result<()> {
        remove_files(&s)?;
        session.ctl.reload()?;
        session.ctl.return_to(&unit, &before)?;
        state_dir()?.remove(&journal_name(&unit))?;
        Ok(())
    })();
    let mut learned = result?;
    cleanup?;
    learned.evidence.unit = Some(unit);
    Ok(learned)
}

fn traced_run(
    session: &Session,
    scored: &Scored,
    strace: &Strace,
    s: &LearnState,
    args: &LearnArgs,
) -> Result<Learned> {
    let unit = s.unit.as_str();
    std::fs::create_dir_all(&s.fifo_dir).map_err(|e| Error::io(&s.fifo_dir, e))?;
    for d in [Path::new(FIFO_DIR), s.fifo_dir.as_path()] {
        // Traversable by the service's user, not listable: the name is the secret.
        rustix::fs::chmod(d, rustix::fs::Mode::from_raw_mode(0o711))
            .map_err(|e| Error::io(d, std::io::Error::from_raw_os_error(e.raw_os_error())))?;
    }
    // Watching the opens with fanotify (where it can) spares strace a stop per open.
    let watch = OpenWatch::start(&strace.path);
    let strace = &Strace {
        opens: watch.is_none(),
        ..strace.clone()
    };
    let (text, wrapped) = dropin(scored, strace, &s.fifo_dir);
    if wrapped.is_empty() {
        return Err(Error::Usage(format!(
            "{unit} has no Exec*= command to trace"
        )));
    }
    let mut taps = Vec::new();
    for w in &wrapped {
        taps.push(Tap::open(&w.fifo, 0o622, w.cred)?);
    }
    Root::host()?.dir(&s.dropin, Some(0o755))?.replace(
        DROPIN_NAME,
        text.as_bytes(),
        FileMeta::root(0o644),
    )?;
    let mut st = s.clone();
    step(&mut st, "dropin-written")?;
    session.ctl.reload()?;
    step(&mut st, "reloaded")?;
    let started_at = Instant::now();
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let timeout = Duration::from_secs(args.timeout);
    let mut problems = Vec::new();
    session.ctl.reset_failed(unit)?;
    let _ = session.ctl.restart(unit);
    step(&mut st, "restarted")?;
    let oneshot = scored
        .settings
        .service
        .as_ref()
        .and_then(|x| x.service_type.as_deref())
        == Some("oneshot");
    let health = if oneshot {
        let now = session.ctl.state(unit)?;
        if now.result == "success" {
            Ok(now)
        } else {
            Err(now)
        }
    } else {
        session
            .ctl
            .wait_healthy(unit, timeout, Duration::from_secs(2), &mut |_| {})?
    };
    let mut started = true;
    if let Err(st) = &health {
        started = false;
        problems.push(format!(
            "{unit} did not start under the tracer: {} ({}, result {}); see `journalctl -u {unit}`",
            st.active_state, st.sub_state, st.result
        ));
    }
    let mut reloaded = false;
    if started {
        if let Some(cmd) = &args.exercise {
            if let Err(e) = run_exercise(cmd, timeout) {
                started = false;
                problems.push(format!("the exercise failed under the tracer: {e}"));
            }
        }
        std::thread::sleep(Duration::from_secs(args.duration));
        let has_reload = !crate::harden::inspect::raw_values(scored, "ExecReload").is_empty();
        if has_reload && !oneshot {
            match session.ctl.manager().run_job("ReloadUnit", unit, timeout) {
                Ok(()) => {
                    reloaded = true;
                    std::thread::sleep(Duration::from_secs(1));
                    if let Some(cmd) = &args.exercise {
                        if let Err(e) = run_exercise(cmd, timeout) {
                            problems.push(format!("the exercise failed after the reload: {e}"));
                        }
                    }
                }
                Err(e) => problems.push(format!("reload under the tracer failed: {e}")),
            }
        }
    }
    step(&mut st, "exercised")?;
    let _ = session.ctl.stop(unit);
    step(&mut st, "stopped")?;
    let duration = started_at.elapsed().as_secs_f64();
    let mut evidence = Evidence::new(Some(unit.to_string()));
    let watched = watch.map(OpenWatch::finish);
    for (w, tap) in wrapped.iter().zip(taps) {
        let Traced {
            evidence: ev,
            lines,
            unknown,
            samples,
        } = tap.finish(Duration::from_secs(10), watched.as_ref());
        let mut ev = ev;
        if lines > 0 {
            ev.runs.push(Run {
                what: w.label.clone(),
                command: w.command.clone(),
                started: wall,
                duration_s: (duration * 10.0).round() / 10.0,
                exercise: args.exercise.clone(),
                reloaded,
                tracer: strace.describe(),
                untraced: strace.untraced(),
                lines,
                unknown_lines: unknown,
                unknown_samples: samples,
                line: Some(w.line.clone()),
                capabilities: Some(ev.capabilities.keys().cloned().collect()),
                syscalls: Some(ev.syscalls.keys().cloned().collect()),
                uses_tmp: ev.files.keys().any(|p| {
                    ["/tmp", "/var/tmp", "/dev/shm"]
                        .iter()
                        .any(|t| p == t || p.starts_with(&format!("{t}/")))
                }),
            });
        }
        evidence.merge(&ev);
    }
    Ok(Learned {
        evidence,
        started,
        problems,
    })
}
