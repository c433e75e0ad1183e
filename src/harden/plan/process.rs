//! Process: privileges, realtime, personality, W+X memory, IPC, keyring, namespaces and the
//! user namespace.

use super::{Ctx, Plan, absent};
use crate::harden::needs::{Need, NeedKind};
use crate::settings::NAMESPACES;

pub fn plan(ctx: &Ctx, p: &mut Plan) {
    let e = ctx.exec();
    p.bool_on(
        ctx,
        "NoNewPrivileges",
        e.no_new_privileges,
        "setuid or setgid programs run",
    );
    p.bool_on(
        ctx,
        "RestrictSUIDSGID",
        e.restrict_suid_sgid,
        "setuid or setgid files made or run",
    );
    p.bool_on(
        ctx,
        "RestrictRealtime",
        e.restrict_realtime,
        "realtime scheduling",
    );
    p.bool_on(
        ctx,
        "LockPersonality",
        e.lock_personality,
        "personality() changes",
    );
    p.bool_on(
        ctx,
        "MemoryDenyWriteExecute",
        e.memory_deny_write_execute,
        "writable and executable memory",
    );
    if !ctx.is_root() {
        p.bool_on(
            ctx,
            "RemoveIPC",
            e.remove_ipc,
            "IPC objects meant to outlive the service",
        );
    }
    if e.keyring_mode != "private"
        && ctx.scored.unit.unit_type() == "service"
        && ctx.blocked("KeyringMode").is_none()
    {
        p.push(
            "KeyringMode",
            "private",
            absent(ctx, "a keyring shared with other services"),
        );
    }
    // Only a trace tells whether it shares System V IPC objects with other programs.
    let private_ipc = crate::harden::inspect::raw_values(ctx.scored, "PrivateIPC");
    if private_ipc.is_empty() && ctx.needs.observed {
        p.bool_on(ctx, "PrivateIPC", false, "System V IPC with other programs");
    }
    // RestrictNamespaces: all of them, or all but those seen created.
    if ctx.blocked("RestrictNamespaces").is_none() {
        let seen: Vec<String> = ctx
            .needs
            .of_kind(NeedKind::Namespaces)
            .filter_map(|s| match &s.need {
                Need::Namespace(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        let allowed_now: Vec<&str> = NAMESPACES
            .iter()
            .filter(|(n, fl)| *n != "time" && e.restrict_namespaces & fl != 0)
            .map(|(n, _)| *n)
            .collect();
        let deny: Vec<&str> = allowed_now
            .iter()
            .copied()
            .filter(|n| !seen.iter().any(|s| s == n))
            .collect();
        if seen.is_empty() && e.restrict_namespaces == crate::settings::NAMESPACE_FLAGS_INITIAL {
            p.push(
                "RestrictNamespaces",
                "yes",
                absent(ctx, "namespaces created"),
            );
        } else if !deny.is_empty() && (ctx.strict() || ctx.needs.observed) {
            // Without a trace, what the unit allows is narrowed only at strict.
            let why = if seen.is_empty() {
                absent(ctx, "namespaces created")
            } else {
                format!(
                    "creates {} namespaces; the others were not seen",
                    seen.join(" ")
                )
            };
            p.push("RestrictNamespaces", format!("~{}", deny.join(" ")), why);
        }
    }
    // PrivateUsers: a service running as its own user that needs no capability at all.
    let needs_no_user_namespace = if ctx.needs.observed {
        ctx.blocked("PrivateUsers").is_none()
    } else {
        // Without a trace, only a profiled daemon. Started as its own user it holds none of
        // its profile's capabilities (those are for a start as root), so only a port below
        // 1024 named in its command line or configuration, or setuid programs, rule it out.
        ctx.facts.profile.is_some()
            && ctx.facts.low_ports.is_empty()
            && !ctx.needs.has(NeedKind::SetuidPrograms)
            && !ctx.needs.has(NeedKind::Containers)
    };
    if ctx.strict()
        && !ctx.is_root()
        && !e.private_users.is_set()
        && e.ambient_capabilities == 0
        && needs_no_user_namespace
    {
        // 257 spells `yes` as `self`: only its own user and group are mapped.
        let value = if ctx.offers("PrivateUsers", "self") {
            "self"
        } else {
            "yes"
        };
        p.push(
            "PrivateUsers",
            value,
            absent(
                ctx,
                "capabilities or setuid programs (it runs as its own user)",
            ),
        );
    }
}
