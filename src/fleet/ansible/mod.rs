//! `unitguard ansible`: an Ansible role that takes unitguard's drop-ins from one staging host
//! to a fleet, with the verification and rollback `apply` does on one host.
//!
//! [`source`] gathers the drop-ins (hardened now, as `harden` does, or read from a directory
//! of them) with their predicted exposure and smoke check; [`dropin`] turns each into the
//! role's Jinja template (per-host values where asked); [`role`] renders the role's files from
//! `data/ansible/` and writes them.

pub mod dropin;
pub mod role;
pub mod source;

/// One unit of the role: its drop-in and what the role checks after deploying it.
#[derive(Debug, Clone)]
pub struct RoleUnit {
    pub unit: String,
    /// The drop-in, as unitguard wrote it (header comments included).
    pub text: String,
    /// How the drop-in was made, for the role's comments.
    pub source: String,
    /// The systemd version the prediction is for.
    pub systemd_version: Option<u32>,
    /// Exposure in tenths (systemd-analyze security's number) without and with the drop-in.
    pub before: Option<u64>,
    pub expected: Option<u64>,
    pub smoke: Option<Smoke>,
}

/// A command that proves the service still serves, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smoke {
    pub command: String,
    pub from: String,
}

/// The role's variable name for a unit's value: `unitguard_<unit>_<what>`, lower case, every
/// character that is not a letter or digit as `_` (nginx.service, IPAddressAllow ->
/// unitguard_nginx_service_ipaddressallow).
pub fn var_name(unit: &str, what: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("unitguard_{}_{}", clean(unit), clean(what))
}

#[cfg(test)]
mod tests {
    #[test]
    fn variable_names() {
        assert_eq!(
            super::var_name("postgresql@15-main.service", "IPAddressAllow"),
            "unitguard_postgresql_15_main_service_ipaddressallow"
        );
    }
}
