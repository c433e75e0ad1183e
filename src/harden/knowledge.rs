//! What well-known daemons need (`data/profiles.toml`): need tags by binary, and full
//! daemon profiles.

use std::sync::OnceLock;

use serde::Deserialize;

/// A need tag of `data/profiles.toml` (its header says what each one switches off): what a
/// need rule or a profile says of a daemon beyond its lists. An unknown tag fails to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tag {
    Devices,
    Clock,
    Hostname,
    Netlink,
    Packet,
    Containers,
    Tunables,
    Modules,
    KernelLogs,
    SetuidExec,
    UserSessions,
    Processes,
    Jit,
    Home,
    EarlyBoot,
    ChownFirstStart,
}

impl Tag {
    /// Every tag, in the order above.
    pub const ALL: [Tag; 16] = [
        Tag::Devices,
        Tag::Clock,
        Tag::Hostname,
        Tag::Netlink,
        Tag::Packet,
        Tag::Containers,
        Tag::Tunables,
        Tag::Modules,
        Tag::KernelLogs,
        Tag::SetuidExec,
        Tag::UserSessions,
        Tag::Processes,
        Tag::Jit,
        Tag::Home,
        Tag::EarlyBoot,
        Tag::ChownFirstStart,
    ];

    /// Its name in `data/profiles.toml` (for the comments that cite a need rule).
    pub fn name(self) -> &'static str {
        match self {
            Tag::Devices => "devices",
            Tag::Clock => "clock",
            Tag::Hostname => "hostname",
            Tag::Netlink => "netlink",
            Tag::Packet => "packet",
            Tag::Containers => "containers",
            Tag::Tunables => "tunables",
            Tag::Modules => "modules",
            Tag::KernelLogs => "kernel-logs",
            Tag::SetuidExec => "setuid-exec",
            Tag::UserSessions => "user-sessions",
            Tag::Processes => "processes",
            Tag::Jit => "jit",
            Tag::Home => "home",
            Tag::EarlyBoot => "early-boot",
            Tag::ChownFirstStart => "chown-first-start",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct NeedRule {
    pub binaries: Vec<String>,
    pub tags: Vec<Tag>,
    /// A guess about what the program may run (a shell's script), which a trace replaces:
    /// with evidence the rule no longer applies.
    #[serde(default)]
    pub until_traced: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DaemonProfile {
    pub name: String,
    pub units: Vec<String>,
    pub binaries: Vec<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub drops_privileges: bool,
    pub capabilities: Vec<String>,
    pub families: Vec<String>,
    pub writable: Vec<String>,
    pub syscalls: Vec<String>,
    #[serde(default)]
    pub keep_resources: bool,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub smoke: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Knowledge {
    pub need: Vec<NeedRule>,
    pub profile: Vec<DaemonProfile>,
}

impl Knowledge {
    pub fn get() -> &'static Knowledge {
        static K: OnceLock<Knowledge> = OnceLock::new();
        K.get_or_init(|| {
            toml::from_str(include_str!("../../data/profiles.toml"))
                .expect("data/profiles.toml is valid")
        })
    }

    /// The daemon profile for a unit (by unit name or template), else by binary.
    pub fn profile_for(&self, unit: &str, binary: Option<&str>) -> Option<&DaemonProfile> {
        let template = crate::unit::name::template_of(unit);
        self.profile
            .iter()
            .find(|p| {
                p.units
                    .iter()
                    .any(|u| u == unit || Some(u) == template.as_ref())
            })
            .or_else(|| {
                binary.and_then(|b| {
                    self.profile
                        .iter()
                        .find(|p| p.binaries.iter().any(|x| x == b))
                })
            })
    }

    /// Need tags for a binary basename.
    pub fn tags_for<'a>(&'a self, binary: &'a str) -> impl Iterator<Item = Tag> + 'a {
        self.rules_for(binary).flat_map(|r| r.tags.iter().copied())
    }

    /// The need rules for a binary basename.
    pub fn rules_for(&self, binary: &str) -> impl Iterator<Item = &NeedRule> {
        self.need
            .iter()
            .filter(move |r| r.binaries.iter().any(|b| b == binary))
    }
}

#[cfg(test)]
mod tests {
    use super::{Knowledge, Tag};

    #[test]
    fn the_profiles_load_and_each_tag_reads_back_from_its_name() {
        assert!(!Knowledge::get().profile.is_empty());
        for tag in Tag::ALL {
            let read: Tag =
                serde::de::Deserialize::deserialize(serde::de::value::StrDeserializer::<
                    serde::de::value::Error,
                >::new(tag.name()))
                .unwrap();
            assert_eq!(read, tag);
        }
    }
}
