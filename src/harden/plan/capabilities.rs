//! Capabilities: the bounding set (and ambient set) as exactly the capabilities needed:
//! those used, with a trace; without one, those its profile and need rules keep
//! ([`crate::harden::needs::known`]).

use std::collections::BTreeSet;

use super::{Ctx, Plan};
use crate::harden::needs::{Need, NeedKind};
use crate::settings::CAP_ALL;

/// The capabilities the bounding set keeps, or `None` where it is left as it is.
pub fn kept(ctx: &Ctx) -> Option<BTreeSet<String>> {
    // With a trace, what a container manager or an early-boot service takes is more than one
    // run shows. (Without one, the known needs keep them all at strict.)
    if ctx.needs.observed
        && (ctx.needs.has(NeedKind::Containers) || ctx.needs.has(NeedKind::EarlyBoot))
    {
        return None;
    }
    // A bounding set the unit lists itself is what its author knows the service needs.
    let listed = crate::harden::inspect::raw_values(ctx.scored, "CapabilityBoundingSet");
    if listed.iter().any(|v| !v.starts_with('~') && !v.is_empty()) {
        return None;
    }
    let mut keep = ctx.needs.capabilities();
    if keep.contains("ALL") {
        return None;
    }
    // Ambient capabilities the unit grants must stay in the bounding set.
    for (name, bit) in ctx.tables.capability_names() {
        if ctx.exec().ambient_capabilities & (1u64 << bit) != 0 {
            keep.insert(name.to_ascii_uppercase());
        }
    }
    Some(keep)
}

/// Whether the service still holds `cap` after the drop-in (it has it now and keeps it).
pub fn holds(ctx: &Ctx, cap: &str) -> bool {
    let bit = ctx.tables.capability(cap).unwrap_or(0);
    ctx.exec().capability_bounding_set & (1u64 << bit) != 0
        && kept(ctx).is_none_or(|k| k.contains(cap))
}

pub fn plan(ctx: &Ctx, p: &mut Plan) {
    let e = ctx.exec();
    let Some(keep) = kept(ctx) else { return };
    let current = e.capability_bounding_set;
    let drop = dropped(ctx, &keep);
    if drop.is_empty() {
        return;
    }
    let why = if ctx.needs.observed {
        used(ctx, &keep)
    } else {
        // Without a trace the reasons are the profile's: say only who switches user itself.
        ctx.needs
            .of_kind(NeedKind::SwitchesUser)
            .find_map(|s| match &s.need {
                Need::SwitchesUser(who) => Some(format!(
                    "keeps {}: {who} switches user itself",
                    keep.iter().cloned().collect::<Vec<_>>().join(" ")
                )),
                _ => None,
            })
            .unwrap_or_default()
    };
    if keep.is_empty() && current == CAP_ALL {
        let why = if ctx.needs.observed {
            why
        } else {
            "needs no capabilities".to_string()
        };
        p.push("CapabilityBoundingSet", "", why);
    } else if current == CAP_ALL {
        let value: Vec<&str> = keep.iter().map(String::as_str).collect();
        p.push("CapabilityBoundingSet", value.join(" "), why);
    } else {
        p.push("CapabilityBoundingSet", format!("~{}", drop.join(" ")), why);
    }
    // An ambient set wider than what was used is narrowed to it (only a trace knows).
    if e.ambient_capabilities != 0 && ctx.needs.observed {
        let used = ctx.needs.capabilities();
        let ambient: Vec<String> = ctx
            .tables
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

/// The comment of a bounding set fitted to a trace: what used each capability kept.
fn used(ctx: &Ctx, keep: &BTreeSet<String>) -> String {
    if keep.is_empty() {
        return super::absent(ctx, "any privileged operation");
    }
    let reasons: Vec<String> = keep
        .iter()
        .map(|c| {
            match ctx
                .needs
                .of_kind(NeedKind::Capabilities)
                .find(|s| matches!(&s.need, Need::Capability(x) if x == c))
            {
                Some(s) => format!("{c}: {}", s.why),
                None => format!("{c}: granted as ambient"),
            }
        })
        .collect();
    format!("used: {}", reasons.join("; "))
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
