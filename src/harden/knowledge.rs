//! What well-known daemons need (`data/profiles.toml`): need tags by binary, and full
//! daemon profiles.

use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct NeedRule {
    pub binaries: Vec<String>,
    pub tags: Vec<String>,
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
    pub tags: Vec<String>,
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
    pub fn tags_for(&self, binary: &str) -> impl Iterator<Item = &str> {
        self.rules_for(binary)
            .flat_map(|r| r.tags.iter().map(String::as_str))
    }

    /// The need rules for a binary basename.
    pub fn rules_for(&self, binary: &str) -> impl Iterator<Item = &NeedRule> {
        self.need
            .iter()
            .filter(move |r| r.binaries.iter().any(|b| b == binary))
    }
}
