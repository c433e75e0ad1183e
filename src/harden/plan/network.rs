//! Network: address families created, PrivateNetwork when no socket reaches the network,
//! the IP firewall and SocketBind* for what was bound.

use std::collections::BTreeSet;

use super::{Ctx, Plan, absent};
use crate::harden::needs::{Need, NeedKind};

pub fn plan(ctx: &Ctx, p: &mut Plan) {
    let e = ctx.exec();
    let mut families: BTreeSet<String> = ctx
        .needs
        .of_kind(NeedKind::Families)
        .filter_map(|s| match &s.need {
            Need::Family(f) => Some(f.clone()),
            _ => None,
        })
        .collect();
    let socket_activated = ctx.facts.socket_activated;
    // Without a trace the need rules and the binary tell (`Need::Network`): a binary that
    // imports no socket calls gets no network.
    if !e.private_network
        && !socket_activated
        && ctx.blocked("PrivateNetwork").is_none()
        && !ctx.needs.has(NeedKind::Containers)
    {
        let why = if ctx.needs.observed {
            absent(ctx, "IP sockets, abstract unix sockets or the audit socket")
        } else {
            "the binary opens no sockets".to_string()
        };
        p.push("PrivateNetwork", "yes", why);
    }
    // Without a trace or a profile: the families services commonly use (at baseline also
    // AF_NETLINK, for getifaddrs() and the like).
    if !ctx.needs.observed && ctx.facts.profile.is_none() {
        families.extend(["AF_UNIX", "AF_INET", "AF_INET6"].map(String::from));
        if !ctx.strict() {
            families.insert("AF_NETLINK".into());
        }
    }
    // Raw packets without a trace (DHCP clients, sniffers): other unusual families are likely.
    let packets_unobserved = !ctx.needs.observed && ctx.needs.family("AF_PACKET");
    if e.address_families.is_none()
        && !e.address_families_allow_list
        && !ctx.needs.has(NeedKind::Containers)
        && !packets_unobserved
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
            let why = if ctx.needs.observed {
                format!("creates {} sockets; no others seen", list.join(" "))
            } else {
                absent(ctx, "other socket families")
            };
            p.push("RestrictAddressFamilies", list.join(" "), why);
        }
    }
    let mut allow: Vec<String> = vec!["localhost".into()];
    allow.extend(ctx.allow_ip.iter().cloned());
    allow.dedup();
    let untouched = ctx
        .scored
        .settings
        .cgroup
        .as_ref()
        .is_some_and(|c| c.ip_address_allow.is_empty() && c.ip_address_deny.is_empty());
    let mut firewall = false;
    // The IP firewall: only when every address it listened on and every peer is local.
    if ctx.strict() && ctx.needs.observed && ctx.blocked("IPAddressDeny").is_none() {
        let uses_ip = families.iter().any(|f| f == "AF_INET" || f == "AF_INET6")
            || ctx.needs.has(NeedKind::Listens)
            || ctx.needs.has(NeedKind::Peers);
        if untouched && uses_ip {
            p.push(
                "IPAddressDeny",
                "any",
                absent(ctx, "peers other than this host"),
            );
            p.push(
                "IPAddressAllow",
                allow.join(" "),
                "listens on and talks to local addresses only",
            );
            firewall = true;
        }
    }
    // The peers the user allows (`--allow-ip`).
    if !firewall && untouched && !ctx.allow_ip.is_empty() {
        p.push("IPAddressDeny", "any", "");
        p.push(
            "IPAddressAllow",
            allow.join(" "),
            "localhost keeps the local resolver reachable",
        );
    }
    // SocketBindDeny/Allow: the ports it bound (not enforced by systemd built without BPF).
    if ctx.strict() && ctx.needs.observed && !socket_activated {
        let binds: BTreeSet<(String, u16)> = ctx
            .needs
            .of_kind(NeedKind::Listens)
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
