//! Privileged helper lines. A capability that only the unit's helper commands used, never
//! the daemon itself, is given to those commands alone: they run with full privileges (the
//! `+` prefix, which exempts one command line from CapabilityBoundingSet= and the rest of
//! the sandbox) and the daemon's bounding set leaves the capability out. The common case:
//! `ExecReload=kill -HUP $MAINPID` signalling a daemon that switched to its own user needs
//! CAP_KILL, `chown` in ExecStartPre= needs CAP_CHOWN; the long-running daemon, which reads
//! the network, needs neither.
//!
//! A line qualifies only when the evidence recorded it exactly as the unit has it now (so
//! the drop-in repeats the vendor's line as it is), it runs as root already (`+` would
//! otherwise change its user), has no `!`/`!!`, and used no /tmp, /var/tmp or /dev/shm
//! (private inside the sandbox, shared outside it). A capability moves only when every
//! helper line that used it qualifies. What the unit's own `+` lines used (Debian's unbound
//! reloads with `ExecReload=+/bin/kill -HUP $MAINPID`) is no need of the daemon at all.

use std::collections::BTreeSet;

use crate::harden::Line;
use crate::harden::inspect::raw_values;
use crate::learn::evidence::{Evidence, Run};
use crate::pipeline::Scored;

/// The helper commands a service runs besides its daemon.
pub const HELPER_KEYS: &[&str] = &[
    "ExecStartPre",
    "ExecStartPost",
    "ExecReload",
    "ExecStop",
    "ExecStopPost",
];

/// The lines given full privileges (`+`), and the capabilities the daemon's bounding set
/// leaves out: those only helper lines used, which now run with full privileges or already
/// did (a `+` line of the unit, which no bounding set binds).
#[derive(Debug, Default, PartialEq)]
pub struct Elevation {
    pub lines: Vec<Line>,
    pub moved: BTreeSet<String>,
    /// System calls only those lines made (SystemCallFilter= binds them no more than
    /// CapabilityBoundingSet=): the daemon's filter need not allow them.
    pub moved_syscalls: BTreeSet<String>,
}

/// The Exec key a run traced (`ExecStartPre[1]` -> `ExecStartPre`).
pub fn key_of(run: &Run) -> &str {
    run.what.split('[').next().unwrap_or("")
}

fn prefix_of(value: &str) -> &str {
    crate::learn::unit::split_prefix(value).0
}

/// One helper line of the unit and what its runs used.
struct HelperLine {
    key: &'static str,
    value: String,
    caps: BTreeSet<String>,
    qualifies: bool,
    traced: bool,
}

/// Whether a run's line has the `+` prefix: nothing of the sandbox binds it, so what it used
/// is no need of the daemon's.
fn exempt(run: &Run) -> bool {
    run.line
        .as_deref()
        .is_some_and(|l| prefix_of(l).contains('+'))
}

/// The helper lines to run with full privileges and the capabilities the daemon does without.
pub fn plan(scored: &Scored, ev: &Evidence, runs_as_root: bool) -> Elevation {
    let none = Elevation::default();
    // Without the per-line record (older evidence, `learn -- CMD`) nothing is known per line.
    if ev.runs.is_empty()
        || ev
            .runs
            .iter()
            .any(|r| r.capabilities.is_none() || r.line.is_none())
    {
        return none;
    }
    let caps_of = |runs: &mut dyn Iterator<Item = &Run>| -> BTreeSet<String> {
        runs.flat_map(|r| r.capabilities.iter().flatten().cloned())
            .collect()
    };
    let daemon = caps_of(
        &mut ev
            .runs
            .iter()
            .filter(|r| !HELPER_KEYS.contains(&key_of(r)) && !exempt(r)),
    );
    let mut lines = Vec::new();
    for &key in HELPER_KEYS {
        for value in raw_values(scored, key) {
            let prefix = prefix_of(&value);
            if prefix.contains('+') {
                continue;
            }
            let runs: Vec<&Run> = ev
                .runs
                .iter()
                .filter(|r| key_of(r) == key && r.line.as_deref() == Some(value.as_str()))
                .collect();
            let caps: BTreeSet<String> = caps_of(&mut runs.iter().copied())
                .into_iter()
                .filter(|c| !daemon.contains(c))
                .collect();
            let qualifies =
                runs_as_root && !prefix.contains('!') && runs.iter().all(|r| !r.uses_tmp);
            lines.push(HelperLine {
                key,
                value,
                caps,
                qualifies,
                traced: !runs.is_empty(),
            });
        }
    }
    // A helper line never traced (a reload that did not happen) could need anything the
    // daemon's bounding set drops: then nothing moves.
    if lines.iter().any(|l| !l.traced) {
        return none;
    }
    let candidates: BTreeSet<String> = caps_of(&mut ev.runs.iter().filter(|r| exempt(r)))
        .into_iter()
        .filter(|c| !daemon.contains(c))
        .chain(lines.iter().flat_map(|l| l.caps.iter().cloned()))
        .collect();
    let moved: BTreeSet<String> = candidates
        .into_iter()
        .filter(|c| {
            lines
                .iter()
                .filter(|l| l.caps.contains(c))
                .all(|l| l.qualifies)
        })
        .collect();
    // The runs nothing of the sandbox binds once the lines below are rewritten.
    let free = |r: &Run| {
        exempt(r)
            || lines.iter().any(|l| {
                l.qualifies
                    && l.caps.iter().any(|c| moved.contains(c))
                    && key_of(r) == l.key
                    && r.line.as_deref() == Some(l.value.as_str())
            })
    };
    let syscalls_of = |free_runs: bool| -> Option<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        for r in ev.runs.iter().filter(|r| free(r) == free_runs) {
            out.extend(r.syscalls.as_ref()?.iter().cloned());
        }
        Some(out)
    };
    let moved_syscalls = match (syscalls_of(true), syscalls_of(false)) {
        (Some(only), Some(bound)) => only.difference(&bound).cloned().collect(),
        _ => BTreeSet::new(),
    };
    if moved.is_empty() && moved_syscalls.is_empty() {
        return none;
    }
    let mut out = Vec::new();
    for &key in HELPER_KEYS {
        let of_key: Vec<&HelperLine> = lines.iter().filter(|l| l.key == key).collect();
        if !of_key
            .iter()
            .any(|l| l.caps.iter().any(|c| moved.contains(c)))
        {
            continue;
        }
        out.push(Line {
            directive: key.to_string(),
            value: String::new(),
            why: Some(format!(
                "the unit's {key}= lines again, as written, those marked + now with full \
                 privileges; run harden again when the package changes them"
            )),
        });
        for l in of_key {
            let used: Vec<&str> = l
                .caps
                .iter()
                .filter(|c| moved.contains(*c))
                .map(String::as_str)
                .collect();
            let (value, why) = if used.is_empty() {
                (l.value.clone(), None)
            } else {
                (
                    format!("+{}", l.value),
                    Some(format!(
                        "only this command used {}, the daemon never did: the command runs \
                         with full privileges, the daemon's bounding set leaves {} out",
                        used.join(" "),
                        if used.len() == 1 { "it" } else { "them" }
                    )),
                )
            };
            out.push(Line {
                directive: key.to_string(),
                value,
                why,
            });
        }
    }
    Elevation {
        lines: out,
        moved,
        moved_syscalls,
    }
}
