//! Settings systemd derives after parsing (unit_patch_contexts(), spec §3.2).

use super::{PrivateTmp, ProtectHome, ProtectSystem, Settings};
use crate::tables::SystemdTables;
use crate::unit::name;

fn cap_bit(t: &SystemdTables, n: &str) -> u64 {
    t.capability(n).map_or(0, |c| 1u64 << c)
}

pub fn apply(s: &mut Settings, id: &str, t: &SystemdTables) {
    let Some(e) = s.exec.as_mut() else { return };
    if e.private_devices {
        e.capability_bounding_set &= !(cap_bit(t, "cap_mknod") | cap_bit(t, "cap_sys_rawio"));
    }
    if e.protect_kernel_modules {
        e.capability_bounding_set &= !cap_bit(t, "cap_sys_module");
    }
    if e.protect_kernel_logs {
        e.capability_bounding_set &= !cap_bit(t, "cap_syslog");
    }
    if e.protect_clock {
        e.capability_bounding_set &= !(cap_bit(t, "cap_sys_time") | cap_bit(t, "cap_wake_alarm"));
    }
    if e.dynamic_user {
        if e.user.is_none() {
            let prefix = name::prefix(id);
            e.user = Some(if name::is_strict_user_name(prefix) {
                prefix.to_string()
            } else {
                // systemd uses "_du" + a siphash of the prefix; only "never root" matters here.
                "_du0000000000000000".to_string()
            });
        }
        if e.group.is_none() {
            e.group = e.user.clone();
        }
        if e.private_tmp == PrivateTmp::No {
            e.private_tmp = PrivateTmp::Yes;
        }
        e.remove_ipc = true;
        e.protect_system = ProtectSystem::Strict;
        if e.protect_home == ProtectHome::No {
            e.protect_home = ProtectHome::ReadOnly;
        }
        e.no_new_privileges = true;
        e.restrict_suid_sgid = true;
    }
    e.encrypted_credentials =
        e.load_credentials.values().any(|&x| x) || e.set_credentials.values().any(|&x| x);
    let Some(c) = s.cgroup.as_mut() else { return };
    if e.private_devices && c.device_policy == "auto" {
        c.device_policy = "closed".into();
    }
    if c.device_policy == "auto" && c.device_allow.is_empty() {
        return;
    }
    if e.root_image.is_some() || e.mount_images {
        for d in [
            "/dev/loop-control:rw",
            "/dev/mapper/control:rw",
            "block-loop:rwm",
            "block-blkext:rwm",
            "block-device-mapper:rwm",
        ] {
            c.device_allow.insert(0, d.to_string());
        }
    }
    if e.protect_clock {
        c.device_allow.insert(0, "char-rtc:r".into());
    }
    if e.encrypted_credentials {
        c.device_allow
            .insert(0, t.rules.encrypted_credential_device.clone());
    }
}
