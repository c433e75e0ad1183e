//! Network: address families created, PrivateNetwork when no socket reaches the network,
//! the IP firewall and SocketBind* for what was bound.

use std::collections::BTreeSet;

use super::{Ctx, Plan, absent};
use crate::harden::needs::Need;

pub fn plan(ctx: &Ctx, p: &mut Plan) {
    let e = ctx.exec();
    let families: BTreeSet<String> = ctx
        .needs
        .of_kind("families")
        .filter_map(|s| match &s.need {
            Need::Family(f) => Some(f.clone()),
            _ => None,
        })
        .collect();
    let socket_activated = ctx.facts.socket_activated;
    if !e.private_network
        && !socket_activated
        && ctx.needs.observed
        && ctx.blocked("PrivateNetwork").is_none()
        && !ctx.needs.has("containers")
    {
        p.push(
            "PrivateNetwork",
            "yes",
            absent(ctx, "IP sockets, abstract unix sockets or the audit socket"),
        );
    }
    if e.address_families.is_none()
        && !e.address_families_allow_list
        && !ctx.needs.has("containers")
        && (ctx.needs.observed || !families.is_empty())
    {
        if families.is_empty() {
            p.push(
                "RestrictAddressFamilies",
                "none",
                absent(ctx, "sockets created"),
            );
        } else {
            let list: Vec<&str> = families.iter().map(String::as_str).collect();
            p.push(
                "RestrictAddressFamilies",
                list.join(" "),
                format!("creates {} sockets; no others seen", list.join(" ")),
            );
        }
    }
    // The IP firewall: only when every address it listened on and every peer is local.
    if ctx.strict() && ctx.needs.observed && ctx.blocked("IPAddressDeny").is_none() {
        let c = ctx.scored.settings.cgroup.as_ref();
        let untouched =
            c.is_some_and(|c| c.ip_address_allow.is_empty() && c.ip_address_deny.is_empty());
        let uses_ip = families.iter().any(|f| f == "AF_INET" || f == "AF_INET6")
            || ctx.needs.has("listens")
            || ctx.needs.has("peers");
        if untouched && uses_ip {
            p.push(
                "IPAddressDeny",
                "any",
                absent(ctx, "peers other than this host"),
            );
            p.push(
                "IPAddressAllow",
                "localhost",
                "listens on and talks to local addresses only",
            );
        }
    }
    // SocketBindDeny/Allow: the ports it bound (not enforced by systemd built without BPF).
    if ctx.strict() && ctx.needs.observed && !socket_activated {
        let binds: BTreeSet<(String, u16)> = ctx
            .needs
            .of_kind("listens")
            .filter_map(|s| match &s.need {
                Need::Listens { proto, port, .. } if *port != 0 => Some((proto.clone(), *port)),
                _ => None,
            })
            .collect();
        let bound_zero = ctx
            .evidence
            .into_iter()
            .flat_map(|ev| &ev.sockets)
            .any(|s| s.op == "bind" && s.port == Some(0));
        let current = crate::harden::inspect::raw_values(ctx.scored, "SocketBindAllow").is_empty()
            && crate::harden::inspect::raw_values(ctx.scored, "SocketBindDeny").is_empty();
        if !binds.is_empty() && !bound_zero && current {
            for (proto, port) in &binds {
                p.push(
                    "SocketBindAllow",
                    format!("{proto}:{port}"),
                    format!("binds {proto}/{port}"),
                );
            }
            p.push("SocketBindDeny", "any", absent(ctx, "binds of other ports"));
        }
    }
}
