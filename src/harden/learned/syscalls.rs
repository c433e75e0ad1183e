//! System calls: @system-service minus the groups none of whose calls were seen, with the
//! calls seen in them given back one by one (small groups whole: @setuid, @chown).

use std::collections::BTreeSet;

use super::{Ctx, Plan, absent};
use crate::harden::needs::{Need, NeedKind};
use crate::learn::knowledge::LearnData;

/// Groups given back whole when one of their calls is seen: a program that switches user
/// with setuid() on one path may use setresuid() on another.
const WHOLE: &[&str] = &["@setuid", "@chown"];

pub fn plan(ctx: &Ctx, p: &mut Plan) {
    let e = ctx.exec();
    if e.syscall_architectures.is_empty() {
        p.push(
            "SystemCallArchitectures",
            "native",
            "only this machine's native system call ABI",
        );
    }
    if ctx.blocked("SystemCallFilter").is_some() {
        return;
    }
    let t = ctx.tables;
    let seen: BTreeSet<String> = ctx
        .needs
        .of_kind(NeedKind::Syscalls)
        .filter_map(|s| match &s.need {
            Need::Syscall(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    // A profile's group needs (`@resources`) count as calls of that group.
    let mut seen_calls: BTreeSet<String> = BTreeSet::new();
    for s in &seen {
        if s.starts_with('@') {
            seen_calls.extend(t.group_syscalls(s).iter().cloned());
        } else {
            seen_calls.insert(s.clone());
        }
    }
    let filter = &e.syscall_filter;
    let none = filter.map.is_none()
        || (!filter.allow_list && filter.map.as_ref().is_some_and(|m| m.is_empty()));
    let allow_mode = none || filter.allow_list;
    let service = t.group_syscalls("@system-service");
    if none {
        p.push(
            "SystemCallFilter",
            "@system-service",
            "the calls of an ordinary system service",
        );
    }
    let mut deny: Vec<String> = Vec::new();
    let mut back: Vec<(String, String)> = Vec::new();
    for g in &LearnData::get().deniable {
        let members = t.group_syscalls(g);
        let used: Vec<&String> = members.iter().filter(|m| seen_calls.contains(*m)).collect();
        if !used.is_empty() && !allow_mode {
            continue; // a deny list cannot give calls back without loosening the unit's own
        }
        deny.push(g.clone());
        for m in used {
            let whole = WHOLE.iter().find(|w| t.group_syscalls(w).contains(m));
            let value = whole.map_or(m.clone(), |w| w.to_string());
            if !back.iter().any(|(v, _)| *v == value) {
                let why = ctx
                    .needs
                    .of_kind(NeedKind::Syscalls)
                    .find(|s| matches!(&s.need, Need::Syscall(c) if c == m))
                    .map_or(format!("{m} is needed"), |s| s.why.clone());
                back.push((value, why));
            }
        }
    }
    // Calls seen outside @system-service (an allow list would refuse them).
    if allow_mode {
        for c in &seen_calls {
            let denied_group = back.iter().any(|(v, _)| v == c);
            if !service.contains(c) && !denied_group && t.syscall_number(c).is_some() {
                let in_deny = deny.iter().any(|g| t.group_syscalls(g).contains(c));
                if !in_deny {
                    back.push((c.clone(), format!("calls {c}, which @system-service lacks")));
                }
            }
        }
    }
    if !deny.is_empty() {
        p.push(
            "SystemCallFilter",
            format!("~{}", deny.join(" ")),
            absent(
                ctx,
                "any call of these groups except those given back below",
            ),
        );
    }
    give_back(ctx, p, back, none);
    error_number(ctx, p);
}

/// The calls given back after the deny line. An allow list the unit already has is only
/// narrowed: what goes back is limited to it (`none`: the unit has no filter).
pub fn give_back(ctx: &Ctx, p: &mut Plan, back: Vec<(String, String)>, none: bool) {
    for (v, why) in back {
        if let Some(v) = ctx
            .exec()
            .syscall_filter
            .narrow_give_back(&v, none, ctx.tables)
        {
            p.push("SystemCallFilter", v, why);
        }
    }
}

/// SystemCallErrorNumber=EPERM unless the unit chose its own.
pub fn error_number(ctx: &Ctx, p: &mut Plan) {
    if crate::harden::inspect::raw_values(ctx.scored, "SystemCallErrorNumber").is_empty() {
        p.push(
            "SystemCallErrorNumber",
            "EPERM",
            "a denied call fails with EPERM instead of killing the process",
        );
    }
}
