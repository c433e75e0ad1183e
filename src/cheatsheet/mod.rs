//! The cheat sheet: every directive of the catalogue, grouped in [`GROUPS`] order, with its
//! values, default, what it stops and breaks, since which systemd version, the strict value
//! and the looser one. This module builds a format-neutral [`Sheet`]; [`markdown`], [`html`]
//! and [`pdf`] only lay it out.

mod font;
pub mod html;
pub mod markdown;
pub mod pdf;
pub mod summary;

use crate::catalogue::{Catalogue, Directive, GROUPS};

/// Output format of `unitguard cheatsheet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// GitHub markdown
    Md,
    /// One self-contained HTML file (inline CSS, print-friendly)
    Html,
    /// An A4 PDF document: a two-page summary to pin up, then the reference (fonts embedded)
    Pdf,
}

impl Format {
    /// The format a file name asks for by its extension (`.md`, `.markdown`, `.html`, `.htm`,
    /// `.pdf`), if any.
    pub fn from_extension(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "md" | "markdown" => Some(Format::Md),
            "html" | "htm" => Some(Format::Html),
            "pdf" => Some(Format::Pdf),
            _ => None,
        }
    }
}

/// The document title, shared by every format.
pub const TITLE: &str = "systemd sandboxing cheat sheet";

/// One paragraph on how to read the sheet, shared by every format.
pub const LEGEND: &str = "Strict is the strictest commonly workable value; looser is what to \
     fall back to when strict breaks the service. A value in angle brackets (<name>) is a \
     template to fill in, never to be written verbatim. Defaults are those of system services \
     under systemd 252.";

/// A value as the sheet shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    /// Something to write verbatim after `Name=` (shown in a code font).
    Literal(String),
    /// A template containing `<...>` to fill in (code font, never written verbatim).
    Template(String),
    /// Words, not a value (shown as prose).
    Words(String),
    /// A literal value followed by an explanation, e.g. `no` (drop the line).
    LiteralWithNote(String, String),
}

/// One directive as the sheet shows it.
#[derive(Debug)]
pub struct Entry<'a> {
    pub directive: &'a Directive,
    pub default: Val,
    pub strict: Val,
    pub looser: Val,
}

impl Entry<'_> {
    pub fn name(&self) -> &str {
        &self.directive.name
    }

    /// The one-line summary (the drop-in comment without its "# ").
    pub fn summary(&self) -> &str {
        self.directive.comment_text()
    }

    /// "Use X instead" for a deprecated directive.
    pub fn deprecated_by(&self) -> Option<&str> {
        self.directive.deprecated.as_deref()
    }
}

/// One group of directives, in catalogue order.
#[derive(Debug)]
pub struct Group<'a> {
    pub key: &'static str,
    pub title: &'static str,
    pub entries: Vec<Entry<'a>>,
}

/// The whole sheet: the summary (two pages in the PDF), then every directive by group.
#[derive(Debug)]
pub struct Sheet<'a> {
    pub summary: summary::Summary,
    pub groups: Vec<Group<'a>>,
}

impl<'a> Sheet<'a> {
    /// The sheet of the built-in catalogue.
    pub fn build() -> Sheet<'static> {
        Sheet::from_catalogue(Catalogue::get())
    }

    /// Groups in [`GROUPS`] order; directives of a group not in [`GROUPS`] go to a last group
    /// "Other" so that nothing of the catalogue is ever left out.
    pub fn from_catalogue(cat: &'a Catalogue) -> Sheet<'a> {
        let mut groups: Vec<Group<'a>> = GROUPS
            .iter()
            .map(|(key, title)| Group {
                key,
                title,
                entries: Vec::new(),
            })
            .collect();
        let mut other = Group {
            key: "other",
            title: "Other",
            entries: Vec::new(),
        };
        for d in &cat.directives {
            let entry = entry(d);
            match groups.iter_mut().find(|g| g.key == d.group) {
                Some(g) => g.entries.push(entry),
                None => other.entries.push(entry),
            }
        }
        groups.push(other);
        groups.retain(|g| !g.entries.is_empty());
        Sheet {
            summary: summary::build(),
            groups,
        }
    }

    pub fn len(&self) -> usize {
        self.groups.iter().map(|g| g.entries.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// "73 directives in 8 groups, unitguard 0.1.0".
    pub fn byline(&self) -> String {
        format!(
            "{} directives in {} groups, from the unitguard {} catalogue",
            self.len(),
            self.groups.len(),
            env!("CARGO_PKG_VERSION")
        )
    }
}

fn entry(d: &Directive) -> Entry<'_> {
    Entry {
        directive: d,
        default: default_val(d),
        strict: strict_val(d),
        looser: looser_val(d),
    }
}

fn default_val(d: &Directive) -> Val {
    let v = d.default.trim();
    if v.is_empty() {
        Val::Words("unset".into())
    } else if v.contains(' ') || v.starts_with('(') {
        Val::Words(v.into())
    } else {
        Val::Literal(v.into())
    }
}

fn strict_val(d: &Directive) -> Val {
    if d.strict_is_template() {
        Val::Template(d.strict.clone())
    } else if d.strict.is_empty() {
        Val::LiteralWithNote(format!("{}=", d.name), "empty assignment".into())
    } else {
        Val::Literal(d.strict.clone())
    }
}

fn looser_val(d: &Directive) -> Val {
    match d.kind.as_str() {
        "bool" if d.looser == "no" => {
            Val::LiteralWithNote(d.looser.clone(), "drop the line".into())
        }
        "bool" | "enum" | "umask" => Val::Literal(d.looser.clone()),
        _ => Val::Words(d.looser.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_directive_once_in_group_order() {
        let sheet = Sheet::build();
        assert_eq!(sheet.len(), Catalogue::get().directives.len());
        let ranks: Vec<usize> = sheet
            .groups
            .iter()
            .map(|g| Catalogue::group_rank(g.key))
            .collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");
    }

    #[test]
    fn values_are_classified() {
        let sheet = Sheet::build();
        let find = |n: &str| {
            sheet
                .groups
                .iter()
                .flat_map(|g| &g.entries)
                .find(|e| e.name() == n)
                .unwrap()
        };
        let ps = find("ProtectSystem");
        assert_eq!(ps.strict, Val::Literal("strict".into()));
        assert_eq!(ps.looser, Val::Literal("full".into()));
        assert_eq!(ps.default, Val::Literal("no".into()));
        let tmp = find("PrivateTmp");
        assert!(matches!(tmp.looser, Val::LiteralWithNote(ref v, _) if v == "no"));
        let cbs = find("CapabilityBoundingSet");
        assert!(
            matches!(cbs.strict, Val::LiteralWithNote(ref v, _) if v == "CapabilityBoundingSet=")
        );
        assert!(matches!(find("StateDirectory").strict, Val::Template(_)));
        assert_eq!(find("ReadWritePaths").default, Val::Words("unset".into()));
    }

    #[test]
    fn extensions() {
        use std::path::Path;
        assert_eq!(
            Format::from_extension(Path::new("a.PDF")),
            Some(Format::Pdf)
        );
        assert_eq!(
            Format::from_extension(Path::new("a.htm")),
            Some(Format::Html)
        );
        assert_eq!(Format::from_extension(Path::new("a.md")), Some(Format::Md));
        assert_eq!(Format::from_extension(Path::new("a.txt")), None);
    }
}
