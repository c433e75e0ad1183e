//! The cheat sheet as GitHub markdown: a table of contents by group, then one `###` block per
//! directive (a heading, a summary line and four bullet points).

use std::collections::HashMap;
use std::fmt::Write;

use super::{Entry, LEGEND, Sheet, TITLE, Val};

pub fn render(sheet: &Sheet) -> String {
    let anchors = Anchors::new(sheet);
    let mut out = String::new();
    let _ = writeln!(out, "# {TITLE}\n");
    let _ = writeln!(out, "{}.\n", text(&sheet.byline()));
    let _ = writeln!(out, "{}\n", text(LEGEND));
    let _ = writeln!(out, "## Contents\n");
    for g in &sheet.groups {
        let links: Vec<String> = g
            .entries
            .iter()
            .map(|e| format!("[{}](#{})", text(e.name()), anchors.directive(e.name())))
            .collect();
        let _ = writeln!(
            out,
            "- **[{}](#{})** ({}): {}",
            text(g.title),
            anchors.group(g.title),
            g.entries.len(),
            links.join(" · ")
        );
    }
    for g in &sheet.groups {
        let _ = writeln!(out, "\n## {}", text(g.title));
        for e in &g.entries {
            out.push('\n');
            directive(&mut out, e, &anchors);
        }
    }
    out
}

fn directive(out: &mut String, e: &Entry, anchors: &Anchors) {
    let d = e.directive;
    let _ = writeln!(out, "### {}\n", heading(e));
    if let Some(rep) = e.deprecated_by() {
        let target = if anchors.has_directive(rep) {
            format!("[{}](#{})", text(rep), anchors.directive(rep))
        } else {
            code(rep)
        };
        let _ = writeln!(out, "> **Deprecated:** use {target} instead.\n");
    }
    let _ = writeln!(
        out,
        "*{}* · since systemd {} · {} · {}\n",
        text(e.summary()),
        d.since,
        code(&format!("[{}]", d.section)),
        text(&d.man)
    );
    let _ = writeln!(out, "- **Values:** {}", text(&d.values));
    let _ = writeln!(
        out,
        "- **Default:** {} · **Strict:** {} · **Looser:** {}",
        val(&e.default),
        val(&e.strict),
        val(&e.looser)
    );
    let _ = writeln!(out, "- **Stops:** {}", text(&d.stops));
    let _ = writeln!(out, "- **Breaks:** {}", text(&d.breaks));
}

/// The heading text of a directive: its name, plus " (deprecated)".
fn heading(e: &Entry) -> String {
    if e.deprecated_by().is_some() {
        format!("{} (deprecated)", e.name())
    } else {
        e.name().to_string()
    }
}

fn val(v: &Val) -> String {
    match v {
        Val::Literal(s) | Val::Template(s) => code(s),
        Val::Words(s) => text(s),
        Val::LiteralWithNote(s, note) => format!("{} ({})", code(s), text(note)),
    }
}

/// An inline code span, with a fence longer than any run of backticks inside.
fn code(s: &str) -> String {
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// Markdown text: HTML is escaped, emphasis, link, strikethrough and code characters are
/// backslash-escaped; underscores inside words (CAP_SYS_ADMIN) are left alone, as GitHub
/// does not read them as emphasis.
fn text(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '_' => {
                let inside = i > 0
                    && chars[i - 1].is_alphanumeric()
                    && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
                if !inside {
                    out.push('\\');
                }
                out.push('_');
            }
            '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// GitHub's heading anchors, computed in document order (duplicates get "-1", "-2", ...).
struct Anchors {
    groups: HashMap<String, String>,
    directives: HashMap<String, String>,
}

impl Anchors {
    fn new(sheet: &Sheet) -> Anchors {
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut next = |heading: &str| {
            let base = slug(heading);
            let n = seen.entry(base.clone()).or_insert(0);
            let s = if *n == 0 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            *n += 1;
            s
        };
        next(TITLE);
        next("Contents");
        let mut groups = HashMap::new();
        let mut directives = HashMap::new();
        for g in &sheet.groups {
            groups.insert(g.title.to_string(), next(g.title));
            for e in &g.entries {
                directives.insert(e.name().to_string(), next(&heading(e)));
            }
        }
        Anchors { groups, directives }
    }

    fn group(&self, title: &str) -> &str {
        self.groups.get(title).map_or("", String::as_str)
    }

    fn directive(&self, name: &str) -> &str {
        self.directives.get(name).map_or("", String::as_str)
    }

    fn has_directive(&self, name: &str) -> bool {
        self.directives.contains_key(name)
    }
}

/// github-slugger: lower case, punctuation dropped, spaces to hyphens.
fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            text("<name> a*b [~] x_y _z"),
            "&lt;name&gt; a\\*b \\[\\~\\] x_y \\_z"
        );
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("-/var/lib/<name>"), "`-/var/lib/<name>`");
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("System calls"), "system-calls");
        assert_eq!(
            slug("ReadWriteDirectories (deprecated)"),
            "readwritedirectories-deprecated"
        );
    }
}
