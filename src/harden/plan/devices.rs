//! Devices: PrivateDevices=, or a closed device list with exactly the devices used.

use super::{Ctx, Plan, absent};
use crate::harden::needs::{Need, NeedKind};

pub fn plan(ctx: &Ctx, p: &mut Plan) {
    let e = ctx.exec();
    if ctx.needs.has(NeedKind::EarlyBoot) || ctx.needs.has(NeedKind::Containers) {
        return;
    }
    if !e.private_devices && ctx.blocked("PrivateDevices").is_none() {
        p.push(
            "PrivateDevices",
            "yes",
            absent(
                ctx,
                "device nodes other than /dev/null, /dev/zero, /dev/urandom and the like",
            ),
        );
        return;
    }
    if e.private_devices || !ctx.needs.observed {
        return;
    }
    let c = ctx.scored.settings.cgroup.as_ref();
    let open = c.is_some_and(|c| c.device_policy == "auto" && c.device_allow.is_empty());
    let devices: Vec<(String, bool, String)> = ctx
        .needs
        .of_kind(NeedKind::Devices)
        .filter_map(|s| match &s.need {
            Need::Device { path, write } if path.starts_with('/') => {
                Some((path.clone(), *write, s.why.clone()))
            }
            _ => None,
        })
        .collect();
    if open && !devices.is_empty() {
        p.push("DevicePolicy", "closed", absent(ctx, "other devices"));
        for (path, write, why) in devices {
            p.push(
                "DeviceAllow",
                format!("{path} {}", if write { "rw" } else { "r" }),
                why,
            );
        }
    }
}
