//! Capabilities: the bounding set (and ambient set) as exactly the capabilities used.

use std::collections::BTreeSet;

use super::{Ctx, Plan};
use crate::harden::needs::NeedKind;
use crate::settings::CAP_ALL;

pub fn plan(ctx: &Ctx, p: &mut Plan) {
    let e = ctx.exec();
    if ctx.needs.has(NeedKind::Containers) || ctx.needs.has(NeedKind::EarlyBoot) {
        return;
    }
    // A bounding set the unit lists itself is what its author knows the service needs.
    let listed = crate::harden::inspect::raw_values(ctx.scored, "CapabilityBoundingSet");
    if listed.iter().any(|v| !v.starts_with('~') && !v.is_empty()) {
        return;
    }
    let t = ctx.tables;
    let mut keep: BTreeSet<String> = ctx.needs.capabilities();
    // Ambient capabilities the unit grants must stay in the bounding set.
    for (name, bit) in t.capability_names() {
        if e.ambient_capabilities & (1u64 << bit) != 0 {
            keep.insert(name.to_ascii_uppercase());
        }
    }
    let current = e.capability_bounding_set;
    let drop = dropped(ctx, &keep);
    if drop.is_empty() {
        return;
    }
    let reasons: Vec<String> =
        keep.iter()
            .map(|c| {
                match ctx.needs.of_kind(NeedKind::Capabilities).find(
                    |s| matches!(&s.need, crate::harden::needs::Need::Capability(x) if x == c),
                ) {
                    Some(s) => format!("{c}: {}", s.why),
                    None => format!("{c}: granted as ambient"),
                }
            })
            .collect();
    let why = if keep.is_empty() {
        super::absent(ctx, "any privileged operation")
    } else {
        format!("used: {}", reasons.join("; "))
    };
    if current == CAP_ALL {
        let value: Vec<&str> = keep.iter().map(String::as_str).collect();
        p.push("CapabilityBoundingSet", value.join(" "), why);
    } else {
        p.push("CapabilityBoundingSet", format!("~{}", drop.join(" ")), why);
    }
    // An ambient set wider than what was used is narrowed to it.
    if e.ambient_capabilities != 0 && ctx.needs.observed {
        let used = ctx.needs.capabilities();
        let ambient: Vec<String> = t
            .capability_names()
            .filter(|(_, bit)| e.ambient_capabilities & (1u64 << bit) != 0)
            .map(|(n, _)| n.to_ascii_uppercase())
            .collect();
        let narrowed: Vec<&String> = ambient.iter().filter(|c| used.contains(*c)).collect();
        if narrowed.len() < ambient.len() {
            p.push(
                "AmbientCapabilities",
                "",
                "reset: only the ambient capabilities used follow",
            );
            if !narrowed.is_empty() {
                let v: Vec<&str> = narrowed.iter().map(|s| s.as_str()).collect();
                p.push("AmbientCapabilities", v.join(" "), "used while learning");
            }
        }
    }
}

/// The capabilities of the unit's bounding set that `keep` leaves out, in bit order.
pub fn dropped(ctx: &Ctx, keep: &BTreeSet<String>) -> Vec<String> {
    let current = ctx.exec().capability_bounding_set;
    let mut d: Vec<(u32, String)> = ctx
        .tables
        .capability_names()
        .filter(|(n, bit)| current & (1u64 << bit) != 0 && !keep.contains(&n.to_ascii_uppercase()))
        .map(|(n, bit)| (bit, n.to_ascii_uppercase()))
        .collect();
    d.sort();
    d.into_iter().map(|(_, n)| n).collect()
}
