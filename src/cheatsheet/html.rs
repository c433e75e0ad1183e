//! The cheat sheet as one self-contained HTML file: inline CSS, no scripts, no external
//! resources; cards in a grid on screen, two compact columns on paper, light and dark themes.

use std::fmt::Write;

use super::{Entry, LEGEND, Sheet, TITLE, Val};

const CSS: &str = r#"
:root {
  --fg: #1d2330; --muted: #5b6475; --accent: #1f4e8c; --line: #d8dde6;
  --card: #ffffff; --bg: #f4f6f9; --code-bg: #eef1f6; --dep: #a3231b; --dep-bg: #fbeae8;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e3e7ee; --muted: #9aa4b5; --accent: #7fb0f0; --line: #343b48;
    --card: #1b2029; --bg: #12161d; --code-bg: #262c38; --dep: #f08a80; --dep-bg: #3a2020;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; font-size: 15px; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 1rem/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.page { max-width: 78rem; margin: 0 auto; padding: 2rem 1.5rem 4rem; }
h1 { font-size: 2rem; margin: 0 0 .25rem; letter-spacing: -.01em; }
.byline { color: var(--muted); margin: 0 0 .75rem; }
.legend { max-width: 52rem; margin: 0 0 1.5rem; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code {
  font: .88em/1.3 ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
  background: var(--code-bg); padding: .05em .3em; border-radius: 3px; overflow-wrap: break-word;
}
nav.toc {
  background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: .75rem 1.25rem; margin-bottom: 2rem;
}
nav.toc h2 { font-size: 1rem; margin: .25rem 0 .5rem; text-transform: uppercase;
  letter-spacing: .06em; color: var(--muted); }
nav.toc ol { margin: 0; padding: 0; list-style: none; }
nav.toc li { padding: .3rem 0; border-top: 1px solid var(--line); }
nav.toc li:first-child { border-top: 0; }
nav.toc .grp { font-weight: 600; }
nav.toc .count { color: var(--muted); font-size: .85em; }
nav.toc .dirs { font-size: .85em; margin-top: .15rem; }
nav.toc .dirs a { margin-right: .6em; white-space: nowrap; }
section.group { margin-top: 2.25rem; }
section.group > h2 {
  font-size: 1.35rem; margin: 0 0 .75rem; padding-bottom: .3rem;
  border-bottom: 2px solid var(--accent); color: var(--accent);
}
section.group > h2 .count { font-size: .8rem; font-weight: 400; color: var(--muted); margin-left: .5rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(30rem, 100%), 1fr)); gap: .9rem; }
article.directive {
  background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: .75rem 1rem .6rem; scroll-margin-top: 1rem;
}
article.directive:target { outline: 2px solid var(--accent); }
article.directive > header { display: flex; align-items: baseline; gap: .5rem; flex-wrap: wrap; }
article.directive h3 { font-size: 1.05rem; margin: 0; overflow-wrap: break-word; min-width: 0; }
.since { margin-left: auto; font-size: .8rem; color: var(--accent); font-weight: 600; white-space: nowrap; }
.badge {
  font-size: .72rem; font-weight: 700; text-transform: uppercase; letter-spacing: .04em;
  color: var(--dep); background: var(--dep-bg); border-radius: 3px; padding: .05em .4em;
}
article.deprecated h3 { color: var(--muted); text-decoration: line-through; }
.summary { margin: .15rem 0 .5rem; color: var(--muted); font-style: italic; }
.summary .meta { font-style: normal; font-size: .85em; white-space: nowrap; }
dl { display: grid; grid-template-columns: 4.6rem minmax(0, 1fr); gap: .25rem .6rem; margin: 0; font-size: .92rem; }
dt { font-weight: 700; font-size: .72rem; text-transform: uppercase; letter-spacing: .05em;
  color: var(--muted); padding-top: .2rem; }
dd { margin: 0; overflow-wrap: break-word; }
.note { color: var(--muted); font-style: italic; }
dd.vals .k { font-weight: 700; font-size: .72rem; text-transform: uppercase; letter-spacing: .05em;
  color: var(--muted); margin-left: .9em; }
footer { margin-top: 3rem; color: var(--muted); font-size: .85rem; }
@media (max-width: 40rem) {
  .cards { grid-template-columns: 1fr; }
  dl { grid-template-columns: 1fr; }
  dt { padding-top: .35rem; }
}
@media print {
  @page { size: A4; margin: 12mm 11mm 14mm; }
  :root { --fg: #000; --muted: #444; --accent: #1f4e8c; --line: #bbb; --card: #fff;
    --bg: #fff; --code-bg: #f0f0f0; --dep: #a3231b; --dep-bg: #fff; }
  html { font-size: 8pt; }
  body { line-height: 1.3; }
  .page { max-width: none; padding: 0; }
  h1 { font-size: 2.1rem; }
  article.directive h3 { font-size: 1.2rem; }
  nav.toc { border: 0; padding: 0; margin-bottom: 1rem; }
  nav.toc .dirs { display: none; }
  nav.toc ol { columns: 2; }
  nav.toc li { border: 0; padding: .1rem 0; }
  section.group { margin-top: 1rem; }
  section.group > h2 { font-size: 1.5rem; break-after: avoid; }
  .cards { display: block; columns: 2; column-gap: 6mm; }
  article.directive { break-inside: avoid; border: 0; border-top: .5pt solid var(--line);
    border-radius: 0; padding: .35rem 0 .3rem; margin: 0; }
  article.directive:target { outline: 0; }
  dl { font-size: 1rem; grid-template-columns: 5.2rem minmax(0, 1fr); gap: .1rem .4rem; }
  dt { font-size: .8rem; padding-top: .1rem; }
  dd.vals .k { font-size: .8rem; }
  a { color: inherit; }
  footer { display: none; }
}
"#;

pub fn render(sheet: &Sheet) -> String {
    let mut out = String::with_capacity(200_000);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"unitguard {}\">\n<title>{}</title>\n<style>{CSS}</style>\n\
         </head>\n<body>\n<div class=\"page\">\n",
        env!("CARGO_PKG_VERSION"),
        esc(TITLE)
    );
    let _ = writeln!(
        out,
        "<header>\n<h1>{}</h1>\n<p class=\"byline\">{}.</p>\n<p class=\"legend\">{}</p>\n</header>",
        esc(TITLE),
        esc(&sheet.byline()),
        esc(LEGEND)
    );
    out.push_str("<nav class=\"toc\" aria-label=\"Contents\">\n<h2>Contents</h2>\n<ol>\n");
    for g in &sheet.groups {
        let _ = write!(
            out,
            "<li><a class=\"grp\" href=\"#g-{}\">{}</a> <span class=\"count\">{}</span>\n<div class=\"dirs\">",
            esc(g.key),
            esc(g.title),
            g.entries.len()
        );
        for e in &g.entries {
            let _ = write!(out, "<a href=\"#{}\">{}</a> ", esc(e.name()), esc(e.name()));
        }
        out.push_str("</div></li>\n");
    }
    out.push_str("</ol>\n</nav>\n<main>\n");
    for g in &sheet.groups {
        let _ = writeln!(
            out,
            "<section class=\"group\" id=\"g-{}\">\n<h2>{}<span class=\"count\">{} directives</span></h2>\n<div class=\"cards\">",
            esc(g.key),
            esc(g.title),
            g.entries.len()
        );
        for e in &g.entries {
            directive(&mut out, e, sheet);
        }
        out.push_str("</div>\n</section>\n");
    }
    let _ = writeln!(
        out,
        "</main>\n<footer>Generated by <code>unitguard cheatsheet --format html</code> {}.</footer>\n\
         </div>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
    out
}

fn directive(out: &mut String, e: &Entry, sheet: &Sheet) {
    let d = e.directive;
    let class = if e.deprecated_by().is_some() {
        "directive deprecated"
    } else {
        "directive"
    };
    let _ = write!(
        out,
        "<article class=\"{class}\" id=\"{}\">\n<header><h3>{}</h3>",
        esc(e.name()),
        esc(e.name())
    );
    if let Some(rep) = e.deprecated_by() {
        let known = sheet
            .groups
            .iter()
            .flat_map(|g| &g.entries)
            .any(|x| x.name() == rep);
        let target = if known {
            format!("<a href=\"#{}\">{}</a>", esc(rep), esc(rep))
        } else {
            esc(rep)
        };
        let _ = write!(
            out,
            "<span class=\"badge\">deprecated</span> <span class=\"note\">use {target}</span>"
        );
    }
    let _ = writeln!(
        out,
        "<span class=\"since\">since {}</span></header>",
        d.since
    );
    let _ = writeln!(
        out,
        "<p class=\"summary\">{} <span class=\"meta\">· <code>[{}]</code> · {}</span></p>",
        esc(e.summary()),
        esc(&d.section),
        esc(&d.man)
    );
    let _ = writeln!(
        out,
        "<dl>\n<dt>Values</dt><dd>{}</dd>\n<dt>Default</dt><dd class=\"vals\">{}\
         <span class=\"k\">Strict</span> {}<span class=\"k\">Looser</span> {}</dd>\n\
         <dt>Stops</dt><dd>{}</dd>\n<dt>Breaks</dt><dd>{}</dd>\n</dl>\n</article>",
        prose(&d.values),
        val(&e.default),
        val(&e.strict),
        val(&e.looser),
        prose(&d.stops),
        prose(&d.breaks)
    );
}

fn val(v: &Val) -> String {
    match v {
        Val::Literal(s) | Val::Template(s) => format!("<code>{}</code>", esc(s)),
        Val::Words(s) => prose(s),
        Val::LiteralWithNote(s, note) => format!(
            "<code>{}</code> <span class=\"note\">({})</span>",
            esc(s),
            esc(note)
        ),
    }
}

/// Escaped prose where long path-like words (ReadWritePaths=/StateDirectory=/...) may break
/// after a '/' or '=' instead of overflowing their column.
fn prose(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.chars().count() <= 24 {
            out.push_str(&esc(word));
            continue;
        }
        let chars: Vec<char> = word.chars().collect();
        for (j, &c) in chars.iter().enumerate() {
            out.push_str(&esc(c.encode_utf8(&mut [0; 4])));
            let next = chars.get(j + 1);
            if j > 0 && matches!(c, '/' | '=') && next.is_some_and(|n| !matches!(n, '/' | '=')) {
                out.push_str("<wbr>");
            }
        }
    }
    out
}

/// Escapes text for element content and double-quoted attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{esc, prose};

    #[test]
    fn escapes() {
        assert_eq!(
            esc("<name> & \"x\" 'y'"),
            "&lt;name&gt; &amp; &quot;x&quot; &#39;y&#39;"
        );
        assert_eq!(
            prose("a ReadWritePaths=/StateDirectory=/<x> b"),
            "a ReadWritePaths=/<wbr>StateDirectory=/<wbr>&lt;x&gt; b"
        );
        assert_eq!(prose("short/path=x"), "short/path=x");
    }
}
