//! The five-point checklist of the practice, each point with its evidence:
//!
//! 1. a baseline is recorded: the file given parses and lists every service scored now;
//! 2. the core directives on every custom unit (under /etc, /usr/local or /opt, owned by no
//!    package): NoNewPrivileges=yes, ProtectSystem=strict, ProtectHome= (yes, read-only or
//!    tmpfs), PrivateTmp=yes, PrivateDevices=yes, ProtectKernelTunables=yes,
//!    ProtectKernelModules=yes, ProtectControlGroups=yes;
//! 3. `SystemCallFilter=@system-service` on every long-running daemon: an allow-list that
//!    lets none of the groups @system-service leaves out through (systemd-analyze's checks
//!    for them pass);
//! 4. capabilities at the minimum on every long-running daemon (see [`MINIMUM_CAPABILITIES`]);
//! 5. denials forwarded to a SIEM: a forwarder is detected ([`super::forwarders`]).
//!
//! 5/5 is PASS, 3 or 4 WARN, below 3 FAIL.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::baseline::Baseline;
use super::forwarders::Forwarder;
use super::inventory::{Sandbox, UnitRecord};
use crate::harden::knowledge::Knowledge;

/// What point 4 means, printed with it.
pub const MINIMUM_CAPABILITIES: &str = "a daemon's capabilities are at the minimum when it cannot hold any capability it does not need: \
it runs as root with a CapabilityBoundingSet= that keeps only what it needs (for a daemon unitguard knows, the \
capabilities of its profile in data/profiles.toml plus its AmbientCapabilities=; for any other, a \
CapabilityBoundingSet= narrower than all capabilities, not counting the ones other directives drop), or it runs as another user (User=, DynamicUser=) and cannot regain capabilities through set-user-ID \
programs (NoNewPrivileges=yes or a narrowed CapabilityBoundingSet=); what AmbientCapabilities= grants counts as \
needed, since the unit says so itself";

/// The groups `@system-service` leaves out whose checks must pass for point 3 (the
/// json_fields of systemd-analyze's `SystemCallFilter=~@GROUP` rows).
pub const FILTERED_GROUPS: &[(&str, &str)] = &[
    ("@clock", "SystemCallFilter_clock"),
    ("@cpu-emulation", "SystemCallFilter_cpu_emulation"),
    ("@debug", "SystemCallFilter_debug"),
    ("@module", "SystemCallFilter_module"),
    ("@mount", "SystemCallFilter_mount"),
    ("@obsolete", "SystemCallFilter_obsolete"),
    ("@raw-io", "SystemCallFilter_raw_io"),
    ("@reboot", "SystemCallFilter_reboot"),
    ("@swap", "SystemCallFilter_swap"),
];

/// A unit that fails a point, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub unit: String,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    pub number: u8,
    pub title: String,
    /// What the point requires, in words.
    pub rule: String,
    pub pass: bool,
    /// How many units the point was judged on (0 when it is not about units).
    pub judged: usize,
    /// The units that fail it.
    pub failing: Vec<Evidence>,
    /// What was found (forwarders, the baseline), or why it fails when no unit is to blame.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checklist {
    pub points: Vec<Point>,
    pub score: u8,
    /// PASS (5), WARN (3-4) or FAIL (below 3).
    pub verdict: String,
}

/// The verdict for a score, by the rule.
pub fn verdict(score: u8) -> &'static str {
    match score {
        5.. => "PASS",
        3 | 4 => "WARN",
        _ => "FAIL",
    }
}

fn point(number: u8, title: &str, rule: String, judged: usize, failing: Vec<Evidence>) -> Point {
    Point {
        number,
        title: title.into(),
        rule,
        pass: failing.is_empty(),
        judged,
        failing,
        notes: Vec::new(),
    }
}

fn baseline_point(units: &[UnitRecord], baseline: Option<(&str, &Baseline)>) -> Point {
    let rule =
        "a baseline file is given (--baseline) and lists every service scored now".to_string();
    let Some((path, b)) = baseline else {
        let mut p = point(1, "baseline recorded", rule, 0, Vec::new());
        p.pass = false;
        p.notes
            .push("no baseline given: record one with `unitguard baseline save`, pass it with --baseline FILE".into());
        return p;
    };
    let known: BTreeSet<&str> = b
        .units
        .iter()
        .map(|e| e.unit.as_str())
        .chain(b.not_scored.iter().map(|n| n.unit.as_str()))
        .collect();
    let missing = units
        .iter()
        .filter(|u| !known.contains(u.unit.as_str()))
        .map(|u| Evidence {
            unit: u.unit.clone(),
            why: format!("not in the baseline {path}"),
        })
        .collect();
    let mut p = point(1, "baseline recorded", rule, units.len(), missing);
    p.notes.push(format!(
        "{path}: {} units, host {}, taken {}",
        b.units.len(),
        b.host.host,
        b.host.date
    ));
    p
}

/// The core directives a custom unit misses.
pub fn core_gaps(s: &Sandbox) -> Vec<String> {
    let mut gaps = Vec::new();
    let mut need = |ok: bool, what: &str, now: String| {
        if !ok {
            gaps.push(format!("{what} (now {now})"));
        }
    };
    let b = |v: bool| if v { "yes" } else { "no" }.to_string();
    need(
        s.no_new_privileges,
        "NoNewPrivileges=yes",
        b(s.no_new_privileges),
    );
    need(
        s.protect_system == "strict",
        "ProtectSystem=strict",
        s.protect_system.clone(),
    );
    need(
        s.protect_home != "no",
        "ProtectHome=yes|read-only|tmpfs",
        s.protect_home.clone(),
    );
    need(s.private_tmp, "PrivateTmp=yes", b(s.private_tmp));
    need(
        s.private_devices,
        "PrivateDevices=yes",
        b(s.private_devices),
    );
    need(
        s.protect_kernel_tunables,
        "ProtectKernelTunables=yes",
        b(s.protect_kernel_tunables),
    );
    need(
        s.protect_kernel_modules,
        "ProtectKernelModules=yes",
        b(s.protect_kernel_modules),
    );
    need(
        s.protect_control_groups,
        "ProtectControlGroups=yes",
        b(s.protect_control_groups),
    );
    gaps
}

/// Why a daemon's system call filter falls short of @system-service, if it does.
pub fn filter_gap(u: &UnitRecord) -> Option<String> {
    if !u.sandbox.syscall_allow_list {
        return Some("no SystemCallFilter= allow-list".into());
    }
    let open: Vec<&str> = FILTERED_GROUPS
        .iter()
        .filter(|(_, field)| u.failing.iter().any(|c| c.field == *field))
        .map(|(g, _)| *g)
        .collect();
    (!open.is_empty()).then(|| format!("the allow-list lets {} through", open.join(" ")))
}

/// Why a daemon holds more capabilities than it needs, if it does.
pub fn capability_gap(u: &UnitRecord) -> Option<String> {
    let profile = u
        .profile
        .as_deref()
        .and_then(|p| Knowledge::get().profile.iter().find(|x| x.name == p));
    if profile.is_some_and(|p| p.capabilities.iter().any(|c| c == "ALL")) {
        return None;
    }
    let s = &u.sandbox;
    let needed: BTreeSet<&str> = profile
        .map(|p| p.capabilities.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let who = profile.map_or(String::new(), |p| format!(" ({} profile)", p.name));
    let root = s.user.is_none() && !s.dynamic_user;
    match &s.capabilities {
        None if root => {
            Some("runs as root with every capability (no CapabilityBoundingSet=)".into())
        }
        None if !s.no_new_privileges => Some(format!(
            "runs as {} but can regain every capability through set-user-ID programs (neither NoNewPrivileges=yes nor CapabilityBoundingSet=)",
            s.user.as_deref().unwrap_or("a dynamic user")
        )),
        None => None,
        Some(kept) => {
            profile?;
            let extra: Vec<&str> = kept
                .iter()
                .map(String::as_str)
                .filter(|c| !needed.contains(c) && !s.ambient_capabilities.iter().any(|a| a == c))
                .collect();
            (!extra.is_empty()).then(|| format!("keeps {} beyond its needs{who}", extra.join(" ")))
        }
    }
}

/// Judges the five points.
pub fn evaluate(
    units: &[UnitRecord],
    baseline: Option<(&str, &Baseline)>,
    forwarders: &[Forwarder],
) -> Checklist {
    let custom: Vec<&UnitRecord> = units.iter().filter(|u| u.custom).collect();
    let daemons: Vec<&UnitRecord> = units.iter().filter(|u| u.long_running).collect();
    let p1 = baseline_point(units, baseline);
    let p2 = point(
        2,
        "core directives on custom units",
        "every custom unit (its file under /etc, /usr/local or /opt and owned by no package, by dpkg's file lists) \
         sets NoNewPrivileges=yes, ProtectSystem=strict, ProtectHome= (yes, read-only or tmpfs), PrivateTmp=yes, \
         PrivateDevices=yes, ProtectKernelTunables=yes, ProtectKernelModules=yes and ProtectControlGroups=yes"
            .into(),
        custom.len(),
        custom
            .iter()
            .filter_map(|u| {
                let gaps = core_gaps(&u.sandbox);
                (!gaps.is_empty()).then(|| Evidence {
                    unit: u.unit.clone(),
                    why: format!("needs {}", gaps.join(", ")),
                })
            })
            .collect(),
    );
    let p3 = point(
        3,
        "SystemCallFilter=@system-service on every long-running daemon",
        "every long-running daemon (a service that is not Type=oneshot and is active, or enabled when read offline) \
         has a SystemCallFilter= allow-list that lets none of @clock @cpu-emulation @debug @module @mount @obsolete \
         @raw-io @reboot @swap through (what SystemCallFilter=@system-service gives)"
            .into(),
        daemons.len(),
        daemons
            .iter()
            .filter_map(|u| {
                filter_gap(u).map(|why| Evidence {
                    unit: u.unit.clone(),
                    why,
                })
            })
            .collect(),
    );
    let p4 = point(
        4,
        "capabilities dropped to the minimum",
        format!("on every long-running daemon, {MINIMUM_CAPABILITIES}"),
        daemons.len(),
        daemons
            .iter()
            .filter_map(|u| {
                capability_gap(u).map(|why| Evidence {
                    unit: u.unit.clone(),
                    why,
                })
            })
            .collect(),
    );
    let mut p5 = point(
        5,
        "sandbox denials forwarded to the SIEM",
        "a forwarder is in use: unitguard-denials.service, systemd-journal-upload, rsyslog with a forwarding \
         action or a rule for unitguard's entries, or Vector / Fluent Bit reading the journal (each with its \
         service active, or enabled when read offline)"
            .into(),
        0,
        Vec::new(),
    );
    p5.pass = !forwarders.is_empty();
    if forwarders.is_empty() {
        p5.notes
            .push("no forwarder found: install one with `unitguard denials --install`".into());
    }
    p5.notes.extend(
        forwarders
            .iter()
            .map(|f| format!("{}: {}", f.kind, f.detail)),
    );
    let points = vec![p1, p2, p3, p4, p5];
    let score = points.iter().filter(|p| p.pass).count() as u8;
    Checklist {
        points,
        score,
        verdict: verdict(score).into(),
    }
}

/// The checklist as text.
pub fn text(c: &Checklist) -> String {
    let mut s = String::new();
    for p in &c.points {
        s += &format!(
            "[{}] {}. {}\n",
            if p.pass { "PASS" } else { "FAIL" },
            p.number,
            p.title
        );
        s += &format!("       rule: {}\n", p.rule);
        if p.judged > 0 || p.number == 2 || p.number == 3 || p.number == 4 {
            s += &format!(
                "       judged on {} unit(s), {} failing\n",
                p.judged,
                p.failing.len()
            );
        }
        for n in &p.notes {
            s += &format!("       {n}\n");
        }
        for e in &p.failing {
            s += &format!("       - {}: {}\n", e.unit, e.why);
        }
    }
    s += &format!("score {}/5: {}\n", c.score, c.verdict);
    s
}

#[cfg(test)]
mod tests {
    use super::verdict;

    #[test]
    fn verdict_by_the_rule() {
        let v: Vec<&str> = (0..=5).map(verdict).collect();
        assert_eq!(v, ["FAIL", "FAIL", "FAIL", "WARN", "WARN", "PASS"]);
    }
}
