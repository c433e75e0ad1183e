//! Starting a root daemon as the user it switches to. Many daemons start as root only to
//! switch to their own user (PostgreSQL's pg_ctlcluster, unbound, dnsmasq): systemd can start
//! them as that user (`User=`, `Group=`), and then they need no CAP_SETUID or CAP_SETGID, no
//! @setuid or @privileged calls, and they can run in a user namespace of their own. Whether
//! the start scripts accept it only a start shows (Debian's memcached wrapper refuses: "Only
//! root wants to run systemd-memcached-wrapper"), so `apply --learn` tries this drop-in first
//! and falls back to the plain fit when its checks fail.
//!
//! The unit's helper commands (ExecStartPre= and the others) keep running as root (a
//! `mkdir` in /var/log needs it): they are repeated with the `!` prefix, which exempts a line
//! from `User=` and `Group=` and nothing else of the sandbox (`+` where they used a
//! capability the daemon does not keep). Those the trace saw switch to the user themselves,
//! as the daemon does (pg_ctlcluster's reload and stop), run as the user like the daemon:
//! as root they would try to switch again, and the sandbox no longer lets them.

use std::collections::BTreeSet;
use std::path::Path;

use super::Line;
use super::inspect::raw_values;
use super::needs::{Need, NeedKind, Needs};
use super::plan::helpers::{HELPER_KEYS, key_of};
use crate::files::accounts;
use crate::learn::evidence::{Evidence, Run};
use crate::pipeline::Scored;
use crate::tables::SystemdTables;

/// The user and group the daemon switched to, as the unit's `User=` and `Group=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunAs {
    pub user: String,
    pub group: String,
    /// What the trace saw, for the drop-in's comment ("setuid(107) to postgres").
    pub seen: String,
}

/// The capabilities a root start uses only to become its user: not needed when it starts as it.
const SWITCH_CAPS: &[&str] = &["CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"];

/// The only capability a daemon started as its user may still need, granted as ambient.
const AMBIENT_OK: &str = "CAP_NET_BIND_SERVICE";

/// The user to start the daemon as: the one uid its ExecStart= switched to from root (and the
/// one gid, else that user's primary group), named from the root's /etc/passwd and /etc/group.
/// None when the unit has its own user, the daemon did not switch itself, switched to several
/// users or back to root, or the user is unknown.
pub fn candidate(scored: &Scored, ev: &Evidence, root: Option<&Path>) -> Option<RunAs> {
    if !super::runs_as_root(scored) {
        return None;
    }
    // The daemon itself switched: its ExecStart= runs used CAP_SETUID (not only a helper's su).
    let switched = ev
        .runs
        .iter()
        .filter(|r| key_of(r) == "ExecStart")
        .any(uses_setuid);
    if !switched {
        return None;
    }
    let (uids, gids, back_to_root) = switches(ev);
    if back_to_root || uids.len() != 1 || gids.len() > 1 {
        return None;
    }
    let uid = *uids.iter().next()?;
    let account = accounts::users(root).into_iter().find(|a| a.uid == uid)?;
    let gid = gids.iter().next().copied().unwrap_or(account.gid);
    Some(RunAs {
        seen: format!(
            "the daemon switched from root to uid {uid} ({}) itself",
            account.name
        ),
        user: account.name,
        group: accounts::group_name(root, gid).unwrap_or_else(|| gid.to_string()),
    })
}

/// Whether a run's processes switched user themselves (used CAP_SETUID).
fn uses_setuid(r: &Run) -> bool {
    r.capabilities
        .as_ref()
        .is_some_and(|c| c.contains("CAP_SETUID"))
}

/// The non-root uids and gids the trace saw it switch to, and whether any process switched
/// from another user back to root.
fn switches(ev: &Evidence) -> (BTreeSet<u32>, BTreeSet<u32>, bool) {
    let mut uids = BTreeSet::new();
    let mut gids = BTreeSet::new();
    let mut back_to_root = false;
    for s in &ev.user_switches {
        if let Some(rest) = s.strip_prefix("uid ") {
            let Some((from, to)) = rest.split_once(" -> ") else {
                continue;
            };
            match to.parse::<u32>() {
                Ok(0) => back_to_root |= from != "0",
                Ok(n) => {
                    uids.insert(n);
                }
                Err(_) => {}
            }
        } else if let Some(n) = s
            .strip_prefix("gid -> ")
            .and_then(|t| t.parse::<u32>().ok())
            .filter(|n| *n != 0)
        {
            // -1 ("leave it", not a number here) and 0 are no switch to another group.
            gids.insert(n);
        }
    }
    (uids, gids, back_to_root)
}

/// Removes what only the switch from root needed: CAP_SETUID, CAP_SETGID and CAP_SETPCAP,
/// the @setuid calls, capset and the profile's "switches user" need. Returns false when the
/// daemon still needs a capability other than CAP_NET_BIND_SERVICE (then it cannot run as its
/// user) or is of a kind that keeps root (logins, containers, early boot).
pub fn waive_switch(needs: &mut Needs, tables: &SystemdTables) -> bool {
    if [
        NeedKind::UserSessions,
        NeedKind::Containers,
        NeedKind::EarlyBoot,
    ]
    .iter()
    .any(|k| needs.has(*k))
    {
        return false;
    }
    let mut setuid_calls = Vec::new();
    tables.expand_group("@setuid", &mut setuid_calls);
    needs.items.retain(|s| match &s.need {
        Need::Capability(c) => !SWITCH_CAPS.contains(&c.as_str()),
        Need::Syscall(c) => c != "capset" && c != "@setuid" && !setuid_calls.contains(c),
        Need::SwitchesUser(_) | Need::RunsAsRoot => false,
        _ => true,
    });
    needs.capabilities().iter().all(|c| c == AMBIENT_OK)
}

/// The drop-in's own lines for the user: User=, Group=, and CAP_NET_BIND_SERVICE as ambient
/// when it binds a port below 1024.
pub fn user_lines(run_as: &RunAs, needs: &Needs) -> Vec<Line> {
    let tried = "tried first and kept only when the service passes its checks";
    let mut lines = vec![
        Line {
            directive: "User".into(),
            value: run_as.user.clone(),
            why: Some(format!(
                "{}: it starts as that user now ({tried})",
                run_as.seen
            )),
        },
        Line {
            directive: "Group".into(),
            value: run_as.group.clone(),
            why: None,
        },
    ];
    if needs.capabilities().contains(AMBIENT_OK) {
        let why = needs
            .of_kind(NeedKind::Capabilities)
            .find(|s| matches!(&s.need, Need::Capability(c) if c == AMBIENT_OK))
            .map(|s| s.why.clone());
        lines.push(Line {
            directive: "AmbientCapabilities".into(),
            value: AMBIENT_OK.into(),
            why,
        });
    }
    lines
}

/// The unit's helper lines again: `!` added to every line that has neither `+` nor `!` (still
/// run as root), or the `+` the capability planner gave it (`elevated`: the lines of
/// [`super::plan::helpers::Elevation`]); a line the trace saw switch user itself is left to
/// run as the user.
pub fn helper_lines(scored: &Scored, elevated: &[Line], ev: &Evidence) -> Vec<Line> {
    let mut out = Vec::new();
    for &key in HELPER_KEYS {
        let values = raw_values(scored, key);
        let elevated_key: Vec<&Line> = elevated
            .iter()
            .filter(|l| l.directive == key && !l.value.is_empty())
            .collect();
        let switches_itself = |v: &str| {
            ev.runs
                .iter()
                .any(|r| key_of(r) == key && r.line.as_deref() == Some(v) && uses_setuid(r))
        };
        let needs_bang = |v: &str| {
            let prefix = crate::learn::unit::split_prefix(v).0;
            !prefix.contains('+') && !prefix.contains('!') && !switches_itself(v)
        };
        if !values.iter().any(|v| needs_bang(v)) {
            out.extend(elevated.iter().filter(|l| l.directive == key).cloned());
            continue;
        }
        out.push(Line {
            directive: key.to_string(),
            value: String::new(),
            why: Some(format!(
                "the unit's {key}= lines again, as written, now marked ! (still run as root, \
                 not as User=); run harden again when the package changes them"
            )),
        });
        for v in values {
            let plus = elevated_key
                .iter()
                .find(|l| l.value.strip_prefix('+') == Some(v.as_str()));
            out.push(match plus {
                Some(l) => (*l).clone(),
                None if needs_bang(&v) => Line {
                    directive: key.to_string(),
                    value: format!("!{v}"),
                    why: None,
                },
                None => Line {
                    directive: key.to_string(),
                    value: v,
                    why: None,
                },
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(switches: &[&str], start_caps: &[&str]) -> Evidence {
        let mut ev = Evidence {
            user_switches: switches.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        ev.runs.push(crate::learn::evidence::Run {
            what: "ExecStart".into(),
            capabilities: Some(start_caps.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        });
        ev
    }

    #[test]
    fn the_switch_is_read_from_the_evidence() {
        let (u, g, back) = switches(&evidence(&["uid 0 -> 107", "gid -> 114", "setgroups"], &[]));
        assert_eq!((u, g, back), ([107].into(), [114].into(), false));
        // Dropping root only for a while (seteuid back to 0) keeps root.
        let (_, _, back) = switches(&evidence(&["uid 0 -> 107", "uid 107 -> 0"], &[]));
        assert!(back);
        let (u, _, _) = switches(&evidence(&["uid 0 -> 33", "uid 0 -> 107"], &[]));
        assert_eq!(u.len(), 2);
    }

    #[test]
    fn only_the_switch_capabilities_are_waived() {
        let tables = SystemdTables::for_version(252).expect("252 tables");
        let mut n = Needs::default();
        n.add(Need::Capability("CAP_SETUID".into()), "setuid(107)");
        n.add(Need::Capability("CAP_SETGID".into()), "setgid(114)");
        n.add(Need::Syscall("setresuid".into()), "calls setresuid");
        n.add(Need::Syscall("capset".into()), "calls capset");
        n.add(Need::RunsAsRoot, "runs as root");
        n.add(Need::Capability("CAP_NET_BIND_SERVICE".into()), "binds 53");
        assert!(waive_switch(&mut n, tables));
        assert_eq!(
            n.capabilities().into_iter().collect::<Vec<_>>(),
            ["CAP_NET_BIND_SERVICE"]
        );
        assert!(!n.has(NeedKind::Syscalls) && !n.has(NeedKind::RunsAsRoot));
        let lines = user_lines(
            &RunAs {
                user: "unbound".into(),
                group: "unbound".into(),
                seen: String::new(),
            },
            &n,
        );
        assert_eq!(lines.last().unwrap().value, "CAP_NET_BIND_SERVICE");
        // A daemon that chowns or chroots as root needs root.
        n.add(Need::Capability("CAP_SYS_CHROOT".into()), "chroot(/x)");
        assert!(!waive_switch(&mut n, tables));
    }
}
