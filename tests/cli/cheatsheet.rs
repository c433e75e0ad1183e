//! `unitguard cheatsheet` in its three formats.
//!
//! The PDF checks need poppler-utils (`pdfinfo`, `pdftotext`); scripts/test installs it. When
//! it is missing these tests fail with a message saying so; they are never skipped.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use unitguard::catalogue::{Catalogue, GROUPS};
use unitguard::cheatsheet::{Sheet, pdf};

use crate::support::*;

fn ok(args: &[&str]) -> Vec<u8> {
    let out = ug(args).output();
    assert!(
        out.status.success(),
        "unitguard {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn names() -> Vec<&'static str> {
    Catalogue::get()
        .directives
        .iter()
        .map(|d| d.name.as_str())
        .collect()
}

fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!(
            "{tool}: {e}; install poppler-utils (apt-get install poppler-utils, scripts/test does)"
        )
    });
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 from poppler")
}

#[test]
fn markdown_has_every_directive_once_as_a_heading() {
    let md = String::from_utf8(ok(&["cheatsheet"])).unwrap();
    assert!(md.starts_with("# "), "{}", &md[..40]);

    let mut headings: HashMap<&str, usize> = HashMap::new();
    for line in md.lines() {
        if let Some(h) = line.strip_prefix("### ") {
            let name = h.strip_suffix(" (deprecated)").unwrap_or(h);
            *headings.entry(name).or_default() += 1;
        }
    }
    for name in names() {
        assert_eq!(headings.get(name), Some(&1), "### {name}");
    }
    assert_eq!(headings.len(), names().len(), "no other ### headings");

    // Groups in GROUPS order, each once.
    let groups: Vec<&str> = md.lines().filter_map(|l| l.strip_prefix("## ")).collect();
    let expected: Vec<&str> = GROUPS.iter().map(|(_, title)| *title).collect();
    assert_eq!(groups[0], "Contents");
    assert_eq!(&groups[1..], &expected[..]);

    // Deprecated directives are marked; raw <...> is never left for GitHub to eat as HTML.
    for d in Catalogue::get()
        .directives
        .iter()
        .filter(|d| d.deprecated.is_some())
    {
        assert!(md.contains(&format!("### {} (deprecated)", d.name)));
    }
    for line in md.lines() {
        let outside_code: String = line.split('`').step_by(2).collect();
        assert!(!outside_code.contains('<'), "raw '<' in: {line}");
    }
    assert!(md.contains("`<name>`"), "templates are code spans");
    snapshots().bind(|| insta::assert_snapshot!("markdown", md));
}

#[test]
fn markdown_to_a_file_is_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sheet.md");
    let out = ok(&["cheatsheet", "--output", file.to_str().unwrap()]);
    assert!(out.is_empty());
    assert_eq!(std::fs::read(&file).unwrap(), ok(&["cheatsheet"]));
}

/// Element names of a document, checked to nest properly (void elements excepted).
fn check_nesting(html: &str) {
    const VOID: &[&str] = &["meta", "wbr", "br", "hr", "img", "link", "input"];
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').expect("every tag is closed");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(!name.is_empty(), "bad tag <{tag}>");
        if let Some(closing) = tag.strip_prefix('/') {
            let closing = closing.trim();
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{closing}> closes nothing"));
            assert_eq!(open, closing, "<{open}> closed by </{closing}>");
        } else if !VOID.contains(&name.as_str()) {
            if name == "style" {
                // CSS may contain '>' (selectors); skip to the end of the element.
                let close = rest.find("</style>").expect("</style>");
                rest = &rest[close + "</style>".len()..];
                continue;
            }
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

#[test]
fn html_is_self_contained_and_well_formed() {
    let html = String::from_utf8(ok(&["cheatsheet", "--format", "html"])).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    check_nesting(&html);
    for name in names() {
        assert_eq!(
            html.matches(&format!("<h3>{name}</h3>")).count(),
            1,
            "<h3>{name}</h3>"
        );
        assert_eq!(
            html.matches(&format!("id=\"{name}\"")).count(),
            1,
            "id {name}"
        );
        assert!(
            html.contains(&format!("href=\"#{name}\"")),
            "contents link {name}"
        );
    }
    // Values like "<name>" are escaped.
    assert!(!html.contains("<name>"));
    assert!(html.contains("<code>&lt;name&gt;</code>"));
    // Nothing is fetched: no scripts, no external style sheets, fonts or images.
    for needle in ["<script", "<link", "src=", "url(", "@import", "href=\"http"] {
        assert!(!html.contains(needle), "{needle}");
    }
    assert!(html.contains("@media print"));
    snapshots().bind(|| insta::assert_snapshot!("html", html));
}

#[test]
fn format_follows_the_output_extension() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("sheet.html");
    let pdf = dir.path().join("sheet.PDF");
    ok(&["cheatsheet", "-o", html.to_str().unwrap()]);
    ok(&["cheatsheet", "-o", pdf.to_str().unwrap()]);
    assert!(
        std::fs::read_to_string(&html)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    // --format wins over the extension.
    let md = dir.path().join("sheet.pdf.txt");
    ok(&["cheatsheet", "--format", "md", "-o", md.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&md).unwrap().starts_with("# "));
}

#[test]
fn unknown_format_is_a_usage_error() {
    let out = ug(["cheatsheet", "--format", "docx"]).output();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr), @"
    error: invalid value 'docx' for '--format <FORMAT>'
      [possible values: md, html, pdf]

    For more information, try '--help'.
    ");
}

#[test]
fn pdf_to_a_pipe_goes_to_stdout() {
    let bytes = ok(&["cheatsheet", "--format", "pdf"]);
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(bytes.trim_ascii_end().ends_with(b"%%EOF"));
}

fn pdf_file(dir: &Path) -> std::path::PathBuf {
    let file = dir.join("sheet.pdf");
    ok(&[
        "cheatsheet",
        "--format",
        "pdf",
        "--output",
        file.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&file).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    file
}

#[test]
fn pdf_has_the_expected_pages_and_every_directive() {
    let dir = tempfile::tempdir().unwrap();
    let file = pdf_file(dir.path());
    let path = file.to_str().unwrap();

    let info = poppler("pdfinfo", &[path]);
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .expect("Pages: line")
        .trim()
        .parse()
        .unwrap();
    assert!(pages > 1, "{pages} pages");
    assert_eq!(pages, pdf::page_count(&Sheet::build()));
    assert!(info.contains("A4"), "{info}");

    let text = poppler("pdftotext", &["-enc", "UTF-8", path, "-"]);
    // Every directive heads its block: a line starting with its name.
    for name in names() {
        let heading = text
            .lines()
            .filter(|l| *l == name || l.starts_with(&format!("{name} ")))
            .count();
        assert!(heading >= 1, "{name} not found as a block heading");
    }
    // Page numbers: "Page i of N" once per page.
    for i in 1..=pages {
        assert_eq!(
            text.matches(&format!("Page {i} of {pages}")).count(),
            1,
            "footer of page {i}"
        );
    }
    for (_, title) in GROUPS {
        assert!(text.contains(title), "group {title}");
    }
}

#[test]
fn pdf_text_stays_within_the_margins() {
    let dir = tempfile::tempdir().unwrap();
    let file = pdf_file(dir.path());
    let bbox = poppler("pdftotext", &["-bbox", file.to_str().unwrap(), "-"]);
    let attr = |tag: &str, key: &str| -> f64 {
        let start = tag.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
        let end = start + tag[start..].find('"').unwrap();
        tag[start..end].parse().unwrap()
    };
    let mut words = 0;
    let mut pages = 0;
    for line in bbox.lines().map(str::trim) {
        if line.starts_with("<page ") {
            pages += 1;
            assert!((attr(line, "width") - 595.276).abs() < 0.01);
            assert!((attr(line, "height") - 841.89).abs() < 0.01);
        } else if line.starts_with("<word ") {
            words += 1;
            let (x0, x1) = (attr(line, "xMin"), attr(line, "xMax"));
            let (y0, y1) = (attr(line, "yMin"), attr(line, "yMax"));
            // 50 pt margins left and right, 40 at the top, the footer above 25 at the bottom.
            assert!(
                x0 >= 49.5 && x1 <= 545.8,
                "page {pages}: word beyond the side margins: {line}"
            );
            assert!(
                y0 >= 40.0 && y1 <= 841.89 - 25.0,
                "page {pages}: word beyond the top or bottom margin: {line}"
            );
        }
    }
    assert!(pages > 1);
    assert!(words > 3000, "{words} words");
}

/// `pdftotext` of one page, layout kept (so a drop-in line stays one line).
fn page_text(path: &str, page: usize) -> String {
    let n = page.to_string();
    poppler(
        "pdftotext",
        &["-layout", "-enc", "UTF-8", "-f", &n, "-l", &n, path, "-"],
    )
}

#[test]
fn pdf_fonts_are_embedded_subsets_with_unicode_maps() {
    let dir = tempfile::tempdir().unwrap();
    let file = pdf_file(dir.path());
    let fonts = poppler("pdffonts", &[file.to_str().unwrap()]);
    // name type... encoding emb sub uni object ID; the header and a dashed rule first.
    let rows: Vec<Vec<&str>> = fonts
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert!(rows.len() >= 4, "{fonts}");
    for row in &rows {
        let n = row.len();
        let (emb, sub, uni) = (row[n - 5], row[n - 4], row[n - 3]);
        assert_eq!(
            (emb, sub, uni),
            ("yes", "yes", "yes"),
            "embedded, subset, Unicode map:\n{fonts}"
        );
        let name = row[0];
        let (tag, base) = name.split_once('+').expect("subset tag");
        assert!(
            tag.len() == 6 && tag.bytes().all(|b| b.is_ascii_uppercase()),
            "{name}"
        );
        assert!(base.starts_with("DejaVuSans"), "{name}");
        assert!(
            row[1..n - 5].join(" ").starts_with("CID TrueType"),
            "{fonts}"
        );
    }
    // Sans and Sans Mono, regular and bold at least.
    for base in [
        "DejaVuSans",
        "DejaVuSans-Bold",
        "DejaVuSansMono",
        "DejaVuSansMono-Bold",
    ] {
        assert!(
            rows.iter().any(|r| r[0].ends_with(&format!("+{base}"))),
            "{base} missing:\n{fonts}"
        );
    }
}

#[test]
fn pdf_opens_with_the_summary_and_its_text_extracts_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let file = pdf_file(dir.path());
    let path = file.to_str().unwrap();
    let summary = unitguard::cheatsheet::summary::build();
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");

    // Page 1: the weightiest directives with their values (`~`, `@`, `=`, `<...>` as they
    // are), the verify loop and the three-command rollback.
    let one = squash(&page_text(path, 1));
    for heading in [
        "The directives that weigh most",
        "The verify loop",
        "Rollback in three commands",
    ] {
        assert!(one.contains(heading), "page 1 lacks {heading:?}:\n{one}");
    }
    assert!(summary.weighty.len() >= 10);
    for w in &summary.weighty {
        assert!(
            one.contains(&format!("{}% {}", w.share, w.setting)),
            "page 1 lacks {}% {}:\n{one}",
            w.share,
            w.setting
        );
    }
    assert!(one.contains("SystemCallFilter=~@"), "{one}");
    assert_eq!(summary.rollback.len(), 3);
    for step in summary.verify.iter().chain(summary.rollback) {
        assert!(
            one.contains(step.command),
            "page 1 lacks {:?}",
            step.command
        );
    }

    // Page 2: the whole starter drop-in, line by line, and the exposure before → after.
    let two = page_text(path, 2);
    let lines: Vec<&str> = two.lines().map(str::trim).collect();
    let starter: Vec<&str> = summary
        .starter
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert!(starter.len() > 20, "{}", summary.starter);
    for line in &starter {
        assert!(
            lines.contains(line),
            "page 2 lacks drop-in line {line:?}:\n{two}"
        );
    }
    let score = unitguard::cheatsheet::summary::score;
    assert!(
        squash(&two).contains(&format!(
            "{} → {}",
            score(summary.before),
            score(summary.after)
        )),
        "{two}"
    );

    // The reference (title block, contents) starts on page 3, after the summary.
    let three = page_text(path, 3);
    assert!(three.contains(unitguard::cheatsheet::TITLE), "{three}");
    assert!(three.contains("Contents"), "{three}");
    for page in [&one, &two] {
        assert!(!page.contains("Contents"), "contents in the summary");
    }
    // The reference's meta lines keep their middle dot: "[Service] · systemd.exec(5)".
    let text = poppler("pdftotext", &["-enc", "UTF-8", path, "-"]);
    assert!(
        text.contains("[Service] · systemd.exec(5)"),
        "middle dot lost"
    );
}

#[test]
fn pdf_is_well_formed_and_every_page_renders() {
    let dir = tempfile::tempdir().unwrap();
    let file = pdf_file(dir.path());
    let path = file.to_str().unwrap();

    // qpdf parses every object and decodes every stream (scripts/test installs it).
    let out = Command::new("qpdf")
        .args(["--check", path])
        .output()
        .unwrap_or_else(|e| panic!("qpdf: {e}; install qpdf (scripts/test does)"));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && report.contains("No syntax or stream encoding errors"),
        "qpdf --check: {}\n{report}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );

    // poppler draws every page, and says nothing (it reports bad fonts and streams on stderr).
    let pages = pdf::page_count(&Sheet::build());
    let prefix = dir.path().join("page");
    let out = Command::new("pdftoppm")
        .args(["-r", "20", "-gray", path, prefix.to_str().unwrap()])
        .output()
        .expect("pdftoppm (poppler-utils)");
    assert!(out.status.success(), "pdftoppm: {}", out.status);
    assert!(
        out.stderr.is_empty(),
        "pdftoppm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let images: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".pgm"))
        .collect();
    assert_eq!(images.len(), pages, "one image per page");
    for image in images {
        // Binary PGM: header "P5\nW H\n255\n", then one byte a pixel. A drawn page has ink.
        let bytes = std::fs::read(image.path()).unwrap();
        let header = String::from_utf8_lossy(&bytes[..20]).into_owned();
        let size: Vec<usize> = header
            .split_whitespace()
            .skip(1)
            .take(2)
            .map(|n| n.parse().unwrap())
            .collect();
        let pixels = &bytes[bytes.len() - size[0] * size[1]..];
        assert!(
            pixels.iter().any(|&p| p < 128),
            "{:?} is blank",
            image.file_name()
        );
    }
}

#[test]
fn pdf_is_the_same_bytes_every_time() {
    // Fonts, subset tags and Unicode maps included: a checked-in PDF does not churn.
    let first = ok(&["cheatsheet", "--format", "pdf"]);
    assert!(first == ok(&["cheatsheet", "--format", "pdf"]));
}
