//! The directive catalogue (`data/directives.toml`): one record per sandboxing directive —
//! values, default, what it stops, what it breaks, since which systemd version, which
//! exposure checks it closes and its one-notch-looser value. explain, harden comments, lint
//! messages, denials and the cheat sheet all read it; nothing about a directive is written
//! in code.

use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Directive {
    pub name: String,
    pub section: String,
    pub group: String,
    pub kind: String,
    pub values: String,
    pub default: String,
    pub since: u32,
    pub stops: String,
    pub breaks: String,
    pub comment: String,
    pub closes: Vec<String>,
    pub strict: String,
    pub looser: String,
    /// The service needs ([`crate::harden::needs::NeedKind`]) that rule the directive out.
    #[serde(default)]
    pub blocked_by: Vec<crate::harden::needs::NeedKind>,
    pub implies: Vec<String>,
    #[serde(default)]
    pub deprecated: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    pub man: String,
}

impl Directive {
    /// The comment text without its leading "# ".
    pub fn comment_text(&self) -> &str {
        self.comment.trim_start_matches('#').trim()
    }

    /// Whether `strict` is a template (`<...>`) rather than a value to write.
    pub fn strict_is_template(&self) -> bool {
        self.strict.contains('<')
    }
}

#[derive(Debug, Deserialize)]
struct CatalogueFile {
    directive: Vec<Directive>,
}

/// The groups, in the order drop-ins and the cheat sheet present them.
pub const GROUPS: &[(&str, &str)] = &[
    ("filesystem", "Filesystem"),
    ("kernel", "Kernel"),
    ("process", "Process"),
    ("capabilities", "Capabilities"),
    ("system-calls", "System calls"),
    ("network", "Network"),
    ("devices", "Devices"),
    ("resources", "Resources"),
];

#[derive(Debug)]
pub struct Catalogue {
    pub directives: Vec<Directive>,
}

impl Catalogue {
    pub fn get() -> &'static Catalogue {
        static CAT: OnceLock<Catalogue> = OnceLock::new();
        CAT.get_or_init(|| {
            let file: CatalogueFile = toml::from_str(include_str!("../data/directives.toml"))
                .expect("data/directives.toml is valid (scripts/check-catalogue)");
            Catalogue {
                directives: file.directive,
            }
        })
    }

    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().find(|d| d.name == name)
    }

    /// Directives that can turn the check with this json_field good.
    pub fn closing(&self, json_field: &str) -> impl Iterator<Item = &Directive> {
        self.directives
            .iter()
            .filter(move |d| d.closes.iter().any(|c| c == json_field))
    }

    pub fn group_title(group: &str) -> &'static str {
        GROUPS
            .iter()
            .find(|(g, _)| *g == group)
            .map_or("Other", |(_, t)| t)
    }

    pub fn group_rank(group: &str) -> usize {
        GROUPS
            .iter()
            .position(|(g, _)| *g == group)
            .unwrap_or(GROUPS.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::SystemdTables;

    fn every_version() -> impl Iterator<Item = &'static SystemdTables> {
        crate::tables::SUPPORTED_VERSIONS
            .iter()
            .map(|&v| SystemdTables::for_version(v).unwrap())
    }

    #[test]
    fn the_catalogue_loads_and_an_unknown_need_is_refused_by_name() {
        let cat = Catalogue::get();
        let private_devices = cat.directive("PrivateDevices").expect("PrivateDevices");
        assert!(
            private_devices
                .blocked_by
                .contains(&crate::harden::needs::NeedKind::Devices)
        );
        let err =
            toml::from_str::<CatalogueFile>(&include_str!("../data/directives.toml").replacen(
                "blocked_by = [\"devices\"",
                "blocked_by = [\"gadgets\"",
                1,
            ))
            .unwrap_err()
            .to_string();
        assert!(err.contains("gadgets"), "{err}");
    }

    #[test]
    fn every_check_is_closed_by_some_directive() {
        let cat = Catalogue::get();
        for tables in every_version() {
            for check in &tables.checks {
                assert!(
                    cat.closing(&check.json_field).next().is_some(),
                    "{} is closed by no directive",
                    check.json_field
                );
            }
        }
    }

    #[test]
    fn every_closed_field_is_a_real_check() {
        for tables in every_version() {
            let fields: Vec<_> = tables.checks.iter().map(|c| c.json_field.clone()).collect();
            for d in &Catalogue::get().directives {
                for c in &d.closes {
                    assert!(fields.contains(c), "{} closes unknown check {c}", d.name);
                }
            }
        }
    }
}
