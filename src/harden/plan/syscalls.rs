//! System calls: @system-service minus the groups none of whose calls were seen, with the
//! calls seen in them given back one by one (small groups whole: @setuid, @chown); without a
//! trace, minus the catalogue's strict deny list less the groups a need keeps whole.

use std::collections::BTreeSet;

use super::{Ctx, Plan, absent};
use crate::catalogue::Catalogue;
use crate::harden::needs::{Need, NeedKind};
use crate::learn::knowledge::LearnData;

/// Groups given back whole when one of their calls is seen: a program that switches user
/// with setuid() on one path may use setresuid() on another.
const WHOLE: &[&str] = &["@setuid", "@chown"];

pub fn plan(ctx: &Ctx, p: &mut Plan) {
    let e = ctx.exec();
    let observed = ctx.needs.observed;
    if e.syscall_architectures.is_empty() {
        let why = if observed {
            "only this machine's native system call ABI"
        } else {
            ""
        };
        p.push("SystemCallArchitectures", "native", why);
    }
    if ctx.blocked("SystemCallFilter").is_some() {
        return;
    }
    let filter = &e.syscall_filter;
    let none = filter.map.is_none()
        || (!filter.allow_list && filter.map.as_ref().is_some_and(|m| m.is_empty()));
    let allow_mode = none || filter.allow_list;
    if none {
        let why = if observed {
            "the calls of an ordinary system service"
        } else {
            ""
        };
        p.push("SystemCallFilter", "@system-service", why);
    }
    let (deny, back) = if observed {
        traced(ctx, allow_mode)
    } else {
        known(ctx, allow_mode)
    };
    // Without a trace, a deny list the unit has is extended only at strict.
    if !deny.is_empty() && (observed || allow_mode || ctx.strict()) {
        let why = if observed {
            absent(
                ctx,
                "any call of these groups except those given back below",
            )
        } else {
            String::new()
        };
        p.push("SystemCallFilter", format!("~{}", deny.join(" ")), why);
    }
    give_back(ctx, p, back, none);
    error_number(ctx, p);
}

/// The needed system calls (and groups) by name.
fn needed(ctx: &Ctx) -> BTreeSet<String> {
    ctx.needs
        .of_kind(NeedKind::Syscalls)
        .filter_map(|s| match &s.need {
            Need::Syscall(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

/// With a trace: every deniable group none of whose calls was seen, and in an allow list
/// the others too, with the calls seen given back one by one.
fn traced(ctx: &Ctx, allow_mode: bool) -> (Vec<String>, Vec<(String, String)>) {
    let t = ctx.tables;
    let seen = needed(ctx);
    // A group need (`@resources`) counts as calls of that group.
    let mut seen_calls: BTreeSet<String> = BTreeSet::new();
    for s in &seen {
        if s.starts_with('@') {
            seen_calls.extend(t.group_syscalls(s).iter().cloned());
        } else {
            seen_calls.insert(s.clone());
        }
    }
    let service = t.group_syscalls("@system-service");
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
    (deny, back)
}

/// Without a trace: the catalogue's strict deny list, less the groups a need keeps whole
/// (`@privileged` for setuid programs, `@resources` for a daemon tuning its limits), and in
/// an allow list the needed calls and groups given back as named.
fn known(ctx: &Ctx, allow_mode: bool) -> (Vec<String>, Vec<(String, String)>) {
    let t = ctx.tables;
    let needed = needed(ctx);
    let switches = ctx
        .needs
        .of_kind(NeedKind::SwitchesUser)
        .find_map(|s| match &s.need {
            Need::SwitchesUser(who) => Some(who.clone()),
            _ => None,
        });
    let setuid = t.group_syscalls("@setuid");
    let holds_setuid = |g: &str| t.group_syscalls(g).iter().any(|c| setuid.contains(c));
    let strict = Catalogue::get()
        .directive("SystemCallFilter")
        .map_or("", |d| d.strict.as_str());
    let deny: Vec<String> = strict
        .trim_start_matches('~')
        .split_whitespace()
        // A service that switches user keeps @setuid: a deny list cannot give it back.
        .filter(|g| {
            let keeps_setuid = !allow_mode && switches.is_some() && holds_setuid(g);
            !needed.contains(*g) && !keeps_setuid
        })
        .map(str::to_string)
        .collect();
    if !allow_mode {
        return (deny, Vec::new());
    }
    // Whether the deny line takes calls of this group, so that it must be given back.
    let denied = |group: &str| {
        let calls = t.group_syscalls(group);
        deny.iter()
            .any(|g| t.group_syscalls(g).iter().any(|c| calls.contains(c)))
    };
    let mut back: Vec<(String, String)> = Vec::new();
    if let Some(who) = switches.filter(|_| denied("@setuid")) {
        // @chown only where CAP_CHOWN stays: without it the calls are useless.
        back.push(if super::capabilities::holds(ctx, "CAP_CHOWN") {
            (
                "@setuid @chown".into(),
                format!("{who} switches user and owns its files itself"),
            )
        } else {
            ("@setuid".into(), format!("{who} switches user itself"))
        });
    }
    for s in ctx.needs.of_kind(NeedKind::Syscalls) {
        let Need::Syscall(sc) = &s.need else { continue };
        let covered = back.iter().any(|(v, _)| v.split(' ').any(|x| x == sc));
        // A group is given back only where the deny line takes it (a group a need keeps
        // whole is not denied at all); a single call as named.
        let whole = strict
            .trim_start_matches('~')
            .split_whitespace()
            .any(|g| g == sc);
        let needed = !sc.starts_with('@') || (!whole && denied(sc));
        if !covered && needed && !back.iter().any(|(v, _)| v == sc) {
            back.push((sc.clone(), s.why.clone()));
        }
    }
    (deny, back)
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
