//! How one systemd version reads the settings unitguard scores, where versions differ
//! (`data/systemd-N/version.toml`, measured with that version's systemd-analyze).

use std::collections::HashMap;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionRules {
    /// The instance the offline analyser gives a template (`i`, `test_instance` from 257).
    pub template_instance: String,
    /// The instance the live analyser gives a template argument (`test-instance`, 257:
    /// `test_instance`).
    pub live_template_instance: String,
    /// The DeviceAllow= rule an encrypted credential adds.
    pub encrypted_credential_device: String,
    /// PrivateMounts= is a tri-state (254): empty resets it, unset counts as set offline.
    pub private_mounts_tristate: bool,
    /// DynamicUser=yes with WorkingDirectory=~ is refused (257).
    pub dynamic_user_refuses_home_directory: bool,
    /// KillMode=mixed is enough for a non-service unit with PAMName= (257).
    pub pam_allows_mixed_kill_mode: bool,
    /// Capability lists are split with EXTRACT_RELAX: an unbalanced quote closes (254).
    pub capability_words_relaxed: bool,
    /// Base64 data may use the URL-safe alphabet, and its warning names the error (257).
    pub base64_url_safe: bool,
    /// SystemCallArchitectures= names this version knows beyond 252's (257: loongarch64).
    pub extra_syscall_architectures: Vec<String>,
    /// A swap's What= is taken as written and a bad path fails the load (257).
    pub swap_what_checked_at_load: bool,
    /// MaxConnections=0 is refused without Accept=yes too (257).
    pub max_connections_always_checked: bool,
    /// capability_from_name() takes numbers below this (252: 64; from 254: 63, so `63` is
    /// an unknown word).
    pub capability_number_limit: u32,
    /// Policy numbers with an exponent use a correctly rounded `exp10()` (the glibc 2.41 of
    /// Debian 13 that 257 runs on; 252/254 run on glibc 2.36, whose exp10(3) is 1000.0000000000001).
    pub exp10_correctly_rounded: bool,
    /// The system unit search path, highest priority first.
    pub unit_path: Vec<String>,
    settings: HashMap<String, SettingRule>,
}

/// How a multi-valued setting is read.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingRule {
    /// The words it accepts besides the boolean ones.
    values: Vec<String>,
    /// The warning for a value it does not accept; `{value}` stands for the value.
    invalid: String,
}

impl VersionRules {
    pub(super) fn parse(version: u32, text: &str) -> Self {
        toml::from_str(text)
            .unwrap_or_else(|e| panic!("data/systemd-{version}/version.toml is invalid: {e}"))
    }

    /// The words `key` accepts besides `yes`/`no` and the other boolean words.
    pub fn values(&self, key: &str) -> &[String] {
        self.settings.get(key).map_or(&[], |r| r.values.as_slice())
    }

    /// Whether this version accepts `word` for `key` (a boolean word always is).
    pub fn accepts(&self, key: &str, word: &str) -> bool {
        crate::settings::values::parse_bool(word).is_some()
            || self.values(key).iter().any(|w| w == word)
    }

    /// The warning this version prints for a value `key` does not accept.
    pub fn invalid_value(&self, key: &str, value: &str) -> String {
        match self.settings.get(key) {
            Some(r) => r.invalid.replace("{value}", value),
            None => format!("Failed to parse boolean value, ignoring: {value}"),
        }
    }
}
