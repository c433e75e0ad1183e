//! The multi-valued sandbox settings as typed values, each defined once: its values in
//! systemd's spelling, which of them a boolean word stands for, and whether it counts as set.
//! Which words a systemd version accepts beyond `yes`/`no` is data
//! (`data/systemd-N/version.toml`, [`crate::tables::VersionRules`]).

use super::values::parse_bool;

/// A multi-valued setting read from a unit file.
pub trait Mode: Sized + Copy {
    /// A boolean word, or one of `extra`, the other words this systemd version accepts.
    fn parse(v: &str, extra: &[String]) -> Option<Self>;
}

macro_rules! modes {
    ($(
        $(#[$doc:meta])*
        $name:ident ($key:literal) { no: $no:ident, yes: $yes:ident $(, $other:ident = $word:literal)* $(,)? }
    )*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub enum $name {
            #[default]
            $no,
            $yes,
            $($other,)*
        }

        impl $name {
            /// The directive this value belongs to.
            pub const KEY: &'static str = $key;
            /// Every value, in systemd's order.
            pub const ALL: &'static [$name] = &[$name::$no, $name::$yes $(, $name::$other)*];

            /// systemd's spelling of the value (`yes`/`no` for the boolean ones).
            pub fn as_str(self) -> &'static str {
                match self {
                    $name::$no => "no",
                    $name::$yes => "yes",
                    $($name::$other => $word,)*
                }
            }

            /// A boolean word, or one of the other values if `extra` (the words this systemd
            /// version accepts for the setting) lists it.
            pub fn parse(v: &str, extra: &[String]) -> Option<Self> {
                if let Some(b) = parse_bool(v) {
                    return Some(if b { $name::$yes } else { $name::$no });
                }
                if !extra.iter().any(|w| w == v) {
                    return None;
                }
                match v {
                    $($word => Some($name::$other),)*
                    _ => None,
                }
            }

            /// The value systemd spells `name` (as the manager reports it over D-Bus).
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|m| m.as_str() == name)
            }

            /// Anything but `no`: what systemd-analyze's boolean for the setting is.
            pub fn is_set(self) -> bool {
                self != $name::$no
            }
        }

        impl Mode for $name {
            fn parse(v: &str, extra: &[String]) -> Option<Self> {
                $name::parse(v, extra)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

modes! {
    /// PrivateTmp=: `connected` (systemd 257) is `yes`; `disconnected` (257) gives a private
    /// /tmp with no link to the host's, not even through JoinsNamespaceOf=.
    PrivateTmp ("PrivateTmp") { no: No, yes: Yes, Connected = "connected", Disconnected = "disconnected" }
    /// PrivateUsers=: `self` (257) is what `yes` always was; `identity` (257) maps the first
    /// 65536 UIDs/GIDs onto themselves.
    PrivateUsers ("PrivateUsers") { no: No, yes: Yes, SelfOnly = "self", Identity = "identity" }
    /// ProtectControlGroups=: `private` (257) gives a private cgroup namespace, `strict` (257)
    /// a private one mounted read-only.
    ProtectControlGroups ("ProtectControlGroups") { no: No, yes: Yes, Private = "private", Strict = "strict" }
    /// ProtectHostname=.
    ProtectHostname ("ProtectHostname") { no: No, yes: Yes }
    /// ProtectSystem=.
    ProtectSystem ("ProtectSystem") { no: No, yes: Yes, Full = "full", Strict = "strict" }
    /// ProtectHome=.
    ProtectHome ("ProtectHome") { no: No, yes: Yes, ReadOnly = "read-only", Tmpfs = "tmpfs" }
}

/// PrivateMounts=: a boolean up to systemd 253; from 254 a tri-state whose unset value lets
/// systemd decide (and which its offline analyser counts as set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrivateMounts {
    #[default]
    Unset,
    No,
    Yes,
}

impl PrivateMounts {
    pub const KEY: &'static str = "PrivateMounts";

    pub fn from_bool(b: bool) -> Self {
        if b {
            PrivateMounts::Yes
        } else {
            PrivateMounts::No
        }
    }

    /// Explicitly `yes`.
    pub fn is_yes(self) -> bool {
        self == PrivateMounts::Yes
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PrivateMounts::Unset => "",
            PrivateMounts::No => "no",
            PrivateMounts::Yes => "yes",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boolean_words_and_version_words() {
        let none: Vec<String> = vec![];
        let v257 = vec!["disconnected".to_string()];
        assert_eq!(PrivateTmp::parse("on", &none), Some(PrivateTmp::Yes));
        assert_eq!(PrivateTmp::parse("0", &none), Some(PrivateTmp::No));
        assert_eq!(PrivateTmp::parse("disconnected", &none), None);
        assert_eq!(
            PrivateTmp::parse("disconnected", &v257),
            Some(PrivateTmp::Disconnected)
        );
        assert!(PrivateTmp::Disconnected.is_set());
        assert_eq!(ProtectHome::ReadOnly.as_str(), "read-only");
        assert_eq!(
            ProtectSystem::ALL.last().copied(),
            Some(ProtectSystem::Strict)
        );
    }
}
