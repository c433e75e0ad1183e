//! Kernel: tunables, modules, logs, control groups, clock, hostname and /proc.

use super::{Ctx, Plan, absent};
use crate::settings::modes::ProtectControlGroups;

pub fn plan(ctx: &Ctx, p: &mut Plan) {
    let e = ctx.exec();
    p.bool_on(
        ctx,
        "ProtectKernelTunables",
        e.protect_kernel_tunables,
        "writes to /proc/sys or /sys",
    );
    p.bool_on(
        ctx,
        "ProtectKernelModules",
        e.protect_kernel_modules,
        "module loading",
    );
    p.bool_on(
        ctx,
        "ProtectKernelLogs",
        e.protect_kernel_logs,
        "reads of the kernel log",
    );
    // 257: a cgroup namespace of its own, read-only, for a service that delegates nothing.
    let delegates = ctx
        .scored
        .settings
        .cgroup
        .as_ref()
        .is_some_and(|c| c.delegate);
    if ctx.offers("ProtectControlGroups", "strict")
        && !delegates
        && e.protect_control_groups != ProtectControlGroups::Strict
        && ctx.blocked("ProtectControlGroups").is_none()
    {
        p.push(
            "ProtectControlGroups",
            "strict",
            absent(ctx, "writes to /sys/fs/cgroup"),
        );
    } else {
        p.bool_on(
            ctx,
            "ProtectControlGroups",
            e.protect_control_groups.is_set(),
            "writes to /sys/fs/cgroup",
        );
    }
    if !clock_widens_devices(ctx.scored) {
        p.bool_on(ctx, "ProtectClock", e.protect_clock, "clock changes");
    }
    p.bool_on(
        ctx,
        "ProtectHostname",
        e.protect_hostname.is_set(),
        "hostname changes",
    );
    if e.protect_proc == "default" && ctx.blocked("ProtectProc").is_none() {
        p.push(
            "ProtectProc",
            "invisible",
            absent(ctx, "reads of other processes' /proc entries"),
        );
    }
    // Without a trace, only a profiled daemon is known well enough (and only at strict).
    let proc_known = ctx.needs.observed || (ctx.strict() && ctx.facts.profile.is_some());
    if e.proc_subset == "all" && proc_known && ctx.blocked("ProcSubset").is_none() {
        p.push(
            "ProcSubset",
            "pid",
            absent(ctx, "reads of system-wide /proc files"),
        );
    }
}

/// ProtectClock=yes implies DeviceAllow=char-rtc r, which widens a device list the unit
/// closed itself (DevicePolicy=closed/strict, no DeviceAllow=). The overall score would gain
/// (DeviceAllow= loses half its weight, ProtectClock= gains all of its own), but a drop-in
/// never loosens what the unit sets: such units keep the clock out of reach through
/// capabilities instead.
pub fn clock_widens_devices(scored: &crate::pipeline::Scored) -> bool {
    scored
        .settings
        .exec
        .as_ref()
        .is_some_and(|e| !e.protect_clock)
        && scored.settings.cgroup.as_ref().is_some_and(|c| {
            matches!(c.device_policy.as_str(), "closed" | "strict") && c.device_allow.is_empty()
        })
}
