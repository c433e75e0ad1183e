//! The cheat sheet as an A4 PDF, written with `pdf-writer`.
//!
//! pdf-writer writes PDF objects and content streams, nothing more, so the layout is done
//! here, measured with the advance widths of the fonts it embeds (DejaVu Sans and Sans Mono,
//! see `font`). Paragraphs are word-wrapped to the column (a word longer than the column is
//! broken after `/`, `=`, `,`, `|`, `:` or `-`, else anywhere), directive blocks are kept on
//! one page, a group heading is never left alone at the bottom of a page, and every page has
//! a footer "Page N of M".
//!
//! The summary (`summary`) comes first; then a title block and a table of contents with page
//! numbers and links; the document outline (bookmarks) lists groups and directives.

use pdf_writer::types::{ActionType, AnnotationType, PageMode};
use pdf_writer::{Content, Filter, Finish, Pdf, Rect, Ref, Str, TextStr};

use super::font::{self, Font, Used};
use super::{Entry, Group, LEGEND, Sheet, TITLE, Val};

const PAGE_W: f32 = 595.276;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 50.0;
const RIGHT: f32 = PAGE_W - 50.0;
const TOP: f32 = PAGE_H - 50.0;
/// Lowest point content may reach; the footer is below.
const BOTTOM: f32 = 60.0;
const FOOTER_BASELINE: f32 = 34.0;
/// Label column of a directive block, and where its text column starts.
const LABEL_X: f32 = LEFT + 2.0;
const TEXT_X: f32 = LEFT + 50.0;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Color(f32, f32, f32);

const INK: Color = Color(0.11, 0.14, 0.19);
const MUTED: Color = Color(0.38, 0.41, 0.48);
const ACCENT: Color = Color(0.12, 0.31, 0.55);
const DEPRECATED: Color = Color(0.64, 0.14, 0.11);
const RULE: Color = Color(0.80, 0.83, 0.88);
const WHITE: Color = Color(1.0, 1.0, 1.0);

#[derive(Debug, Clone, Copy, PartialEq)]
struct Style {
    font: Font,
    size: f32,
    color: Color,
}

const fn style(font: Font, size: f32, color: Color) -> Style {
    Style { font, size, color }
}

const BODY: Style = style(Font::Regular, 8.5, INK);
const BODY_LEADING: f32 = 11.0;
const CODE: Style = style(Font::MonoBold, 8.0, INK);
const TEMPLATE: Style = style(Font::MonoBold, 8.0, ACCENT);
const NOTE: Style = style(Font::Oblique, 8.0, MUTED);
const LABEL: Style = style(Font::Bold, 6.8, MUTED);
const NAME: Style = style(Font::Bold, 10.5, INK);
const SINCE: Style = style(Font::Bold, 8.0, ACCENT);
const SUMMARY: Style = style(Font::Oblique, 8.5, MUTED);
const META: Style = style(Font::Regular, 7.5, MUTED);
const FOOTER: Style = style(Font::Regular, 7.5, MUTED);

/// Width of text in points.
fn width(st: Style, text: &str) -> f32 {
    let face = st.font.face();
    text.chars().map(|c| face.advance(c)).sum::<f32>() * st.size / 1000.0
}

/// Text as the fonts can draw it.
fn clean(s: &str) -> String {
    font::clean(s)
}

/// A run of text in one style.
#[derive(Debug, Clone)]
struct Span {
    style: Style,
    text: String,
}

fn span(style: Style, text: &str) -> Span {
    Span {
        style,
        text: clean(text),
    }
}

/// Something drawn on a page; y is a baseline (text) or a bottom edge (shapes), in points
/// from the bottom of the page.
#[derive(Debug, Clone)]
enum Op {
    Text {
        x: f32,
        y: f32,
        style: Style,
        text: String,
    },
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Color,
    },
    Rule {
        x1: f32,
        x2: f32,
        y: f32,
        width: f32,
        color: Color,
    },
}

impl Op {
    fn shifted(&self, top: f32) -> Op {
        let mut op = self.clone();
        match &mut op {
            Op::Text { y, .. } | Op::Fill { y, .. } | Op::Rule { y, .. } => *y = top - *y,
        }
        op
    }
}

/// A link on a page to a place in the document.
#[derive(Debug, Clone)]
struct Link {
    rect: [f32; 4],
    target: Dest,
}

/// A place in the document: page index and the y of its top.
#[derive(Debug, Clone, Copy, Default)]
struct Dest {
    page: usize,
    top: f32,
}

#[derive(Debug, Default)]
struct Page {
    ops: Vec<Op>,
    links: Vec<Link>,
}

/// Lines that must stay on one page; op y values are offsets below the unit's top.
#[derive(Debug, Default)]
struct Unit {
    height: f32,
    ops: Vec<Op>,
}

/// A sequence of units kept together on one page when it fits on one.
#[derive(Debug, Default)]
struct Block {
    units: Vec<Unit>,
}

impl Block {
    fn height(&self) -> f32 {
        self.units.iter().map(|u| u.height).sum()
    }
}

/// One wrapped line: pieces with x offsets from the start of the line.
type Line = Vec<(f32, Span)>;

enum Item {
    Space(Style),
    Word(Vec<Span>),
}

/// Splits spans into words (which may change style inside, e.g. "`no`,") and single spaces.
fn items(spans: &[Span]) -> Vec<Item> {
    let mut out = Vec::new();
    let mut word: Vec<Span> = Vec::new();
    for sp in spans {
        for b in sp.text.chars() {
            if b == ' ' {
                if !word.is_empty() {
                    out.push(Item::Word(std::mem::take(&mut word)));
                }
                out.push(Item::Space(sp.style));
            } else {
                match word.last_mut() {
                    Some(last) if last.style == sp.style => last.text.push(b),
                    _ => word.push(Span {
                        style: sp.style,
                        text: b.to_string(),
                    }),
                }
            }
        }
    }
    if !word.is_empty() {
        out.push(Item::Word(word));
    }
    out
}

/// Greedy word wrap of `spans` into lines at most `max` points wide.
fn wrap(spans: &[Span], max: f32) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    let mut line: Line = Vec::new();
    let mut x = 0.0_f32;
    let mut spaces: Vec<Style> = Vec::new();
    for item in items(spans) {
        match item {
            Item::Space(st) => {
                if !line.is_empty() {
                    spaces.push(st);
                }
            }
            Item::Word(word) => {
                let ww: f32 = word.iter().map(|s| width(s.style, &s.text)).sum();
                let sw: f32 = spaces.iter().map(|&st| width(st, " ")).sum();
                if !line.is_empty() && x + sw + ww <= max {
                    for st in spaces.drain(..) {
                        push_piece(&mut line, &mut x, st, " ");
                    }
                    for s in &word {
                        push_piece(&mut line, &mut x, s.style, &s.text);
                    }
                    continue;
                }
                spaces.clear();
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    x = 0.0;
                }
                if ww <= max {
                    for s in &word {
                        push_piece(&mut line, &mut x, s.style, &s.text);
                    }
                } else {
                    // Longer than the whole column: break it.
                    let mut chunks = split_word(&word, max);
                    let last = chunks.pop().unwrap_or_default();
                    for chunk in chunks {
                        let mut l = Vec::new();
                        let mut cx = 0.0;
                        for s in chunk {
                            push_piece(&mut l, &mut cx, s.style, &s.text);
                        }
                        lines.push(l);
                    }
                    for s in last {
                        push_piece(&mut line, &mut x, s.style, &s.text);
                    }
                }
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn push_piece(line: &mut Line, x: &mut f32, st: Style, text: &str) {
    match line.last_mut() {
        Some((_, last)) if last.style == st => last.text.push_str(text),
        _ => line.push((
            *x,
            Span {
                style: st,
                text: text.to_string(),
            },
        )),
    }
    *x += width(st, text);
}

/// Breaks a word wider than `max` into chunks that fit, preferably after a separator.
fn split_word(word: &[Span], max: f32) -> Vec<Vec<Span>> {
    let chars: Vec<(Style, char)> = word
        .iter()
        .flat_map(|s| s.text.chars().map(move |c| (s.style, c)))
        .collect();
    let mut chunks = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let mut w = 0.0;
        let mut end = start;
        let mut soft = None;
        while end < chars.len() {
            let (st, b) = chars[end];
            let cw = st.font.face().advance(b) * st.size / 1000.0;
            if w + cw > max && end > start {
                break;
            }
            w += cw;
            end += 1;
            if "/=,|:-".contains(b) && end < chars.len() {
                soft = Some(end);
            }
        }
        let cut = if end < chars.len() {
            soft.filter(|&s| s > start).unwrap_or(end)
        } else {
            end
        };
        let mut chunk: Vec<Span> = Vec::new();
        for &(st, b) in &chars[start..cut] {
            match chunk.last_mut() {
                Some(last) if last.style == st => last.text.push(b),
                _ => chunk.push(Span {
                    style: st,
                    text: b.to_string(),
                }),
            }
        }
        chunks.push(chunk);
        start = cut;
    }
    chunks
}

/// Units for a wrapped paragraph at `x`, `leading` apart; the first line can carry a label
/// drawn at `label_x`.
fn paragraph(
    spans: &[Span],
    x: f32,
    max: f32,
    leading: f32,
    label: Option<(f32, Span)>,
) -> Vec<Unit> {
    let size = spans.iter().map(|s| s.style.size).fold(0.0, f32::max);
    let baseline = leading - (leading - size) / 2.0 - size * 0.22;
    let mut units = Vec::new();
    for (i, line) in wrap(spans, max).into_iter().enumerate() {
        let mut ops: Vec<Op> = line
            .into_iter()
            .map(|(dx, s)| Op::Text {
                x: x + dx,
                y: baseline,
                style: s.style,
                text: s.text,
            })
            .collect();
        if i == 0 {
            if let Some((lx, l)) = &label {
                ops.push(Op::Text {
                    x: *lx,
                    y: baseline,
                    style: l.style,
                    text: l.text.clone(),
                });
            }
        }
        units.push(Unit {
            height: leading,
            ops,
        });
    }
    units
}

fn val_spans(v: &Val, words: Style) -> Vec<Span> {
    match v {
        Val::Literal(s) => vec![span(CODE, s)],
        Val::Template(s) => vec![span(TEMPLATE, s)],
        Val::Words(s) => vec![span(words, s)],
        Val::LiteralWithNote(s, note) => {
            vec![span(CODE, s), span(NOTE, &format!(" ({note})"))]
        }
    }
}

fn directive_block(e: &Entry) -> Block {
    let d = e.directive;
    let mut units = Vec::new();
    let full = RIGHT - LEFT;

    // Name line: name, deprecation tag, "since N" on the right.
    let name = clean(e.name());
    let name_w = width(NAME, &name);
    let since = clean(&format!("since {}", d.since));
    let since_w = width(SINCE, &since);
    let mut ops = vec![Op::Text {
        x: LEFT,
        y: 17.0,
        style: NAME,
        text: name,
    }];
    let mut used = name_w;
    if let Some(rep) = e.deprecated_by() {
        let tag_style = style(Font::Bold, 7.5, DEPRECATED);
        let tag = clean(&format!("DEPRECATED: use {rep}="));
        let tag_x = LEFT + name_w + 8.0;
        used += 8.0 + width(tag_style, &tag);
        ops.push(Op::Text {
            x: tag_x,
            y: 17.0,
            style: tag_style,
            text: tag,
        });
    }
    if used + 12.0 + since_w <= full {
        ops.push(Op::Text {
            x: RIGHT - since_w,
            y: 17.0,
            style: SINCE,
            text: since,
        });
        units.push(Unit { height: 21.0, ops });
    } else {
        units.push(Unit { height: 21.0, ops });
        units.push(Unit {
            height: 11.0,
            ops: vec![Op::Text {
                x: LEFT,
                y: 9.0,
                style: SINCE,
                text: since,
            }],
        });
    }

    // Summary, section and man page.
    let summary = [
        span(SUMMARY, e.summary()),
        span(META, &format!("   [{}]  ·  {}", d.section, d.man)),
    ];
    units.extend(paragraph(&summary, LEFT, full, 11.0, None));
    units.push(Unit {
        height: 2.5,
        ops: vec![],
    });

    let text_w = RIGHT - TEXT_X;
    let row = |label: &str, spans: &[Span]| {
        paragraph(
            spans,
            TEXT_X,
            text_w,
            BODY_LEADING,
            Some((LABEL_X, span(LABEL, label))),
        )
    };
    units.extend(row("VALUES", &[span(BODY, &d.values)]));
    let mut trio = val_spans(&e.default, BODY);
    trio.push(span(BODY, "     "));
    trio.push(span(LABEL, "STRICT"));
    trio.push(span(BODY, "\u{a0}\u{a0}"));
    trio.extend(val_spans(&e.strict, BODY));
    trio.push(span(BODY, "     "));
    trio.push(span(LABEL, "LOOSER"));
    trio.push(span(BODY, "\u{a0}\u{a0}"));
    trio.extend(val_spans(&e.looser, BODY));
    units.extend(row("DEFAULT", &trio));
    units.extend(row("STOPS", &[span(BODY, &d.stops)]));
    units.extend(row("BREAKS", &[span(BODY, &d.breaks)]));
    units.push(Unit {
        height: 7.0,
        ops: vec![],
    });
    Block { units }
}

fn group_heading(g: &Group) -> Unit {
    let title = clean(g.title);
    let count = clean(&format!(
        "{} directive{}",
        g.entries.len(),
        if g.entries.len() == 1 { "" } else { "s" }
    ));
    let count_style = style(Font::Regular, 8.0, WHITE);
    Unit {
        height: 26.0,
        ops: vec![
            Op::Fill {
                x: LEFT,
                y: 22.0,
                w: RIGHT - LEFT,
                h: 20.0,
                color: ACCENT,
            },
            Op::Text {
                x: LEFT + 8.0,
                y: 15.5,
                style: style(Font::Bold, 12.0, WHITE),
                text: title,
            },
            Op::Text {
                x: RIGHT - 8.0 - width(count_style, &count),
                y: 15.0,
                style: count_style,
                text: count,
            },
        ],
    }
}

fn continued_heading(g: &Group) -> Unit {
    Unit {
        height: 20.0,
        ops: vec![
            Op::Text {
                x: LEFT,
                y: 11.0,
                style: style(Font::Bold, 9.0, ACCENT),
                text: clean(&format!("{} (continued)", g.title)),
            },
            Op::Rule {
                x1: LEFT,
                x2: RIGHT,
                y: 15.0,
                width: 1.0,
                color: ACCENT,
            },
        ],
    }
}

/// Places blocks on pages, top to bottom.
struct Layout {
    pages: Vec<Page>,
    y: f32,
    /// Nothing placed yet on this page, or just a heading: no separator rule needed.
    fresh: bool,
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Page::default()],
            y: TOP,
            fresh: true,
        }
    }

    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a page")
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = TOP;
        self.fresh = true;
    }

    fn here(&self) -> Dest {
        Dest {
            page: self.pages.len() - 1,
            top: self.y,
        }
    }

    fn room(&self) -> f32 {
        self.y - BOTTOM
    }

    fn place_unit(&mut self, unit: &Unit) {
        let top = self.y;
        let ops: Vec<Op> = unit.ops.iter().map(|op| op.shifted(top)).collect();
        self.page().ops.extend(ops);
        self.y -= unit.height;
    }

    /// Places a block, on a new page if it does not fit here (and fits on an empty page;
    /// otherwise unit by unit). `continued` is drawn on top of a page the block starts.
    fn place_block(&mut self, block: &Block, continued: Option<&Unit>) {
        let full_page = TOP - BOTTOM - continued.map_or(0.0, |u| u.height);
        if block.height() > self.room() && block.height() <= full_page {
            self.break_page(continued);
        }
        for unit in &block.units {
            if unit.height > self.room() {
                self.break_page(continued);
            }
            self.place_unit(unit);
        }
        self.fresh = false;
    }

    fn break_page(&mut self, continued: Option<&Unit>) {
        self.new_page();
        if let Some(c) = continued {
            self.place_unit(c);
        }
        self.fresh = true;
    }

    fn separator(&mut self) {
        if !self.fresh {
            let y = self.y + 3.0;
            self.page().ops.push(Op::Rule {
                x1: LEFT,
                x2: RIGHT,
                y,
                width: 0.5,
                color: RULE,
            });
        }
    }
}

/// Where the table of contents goes on page 1, and how tall it is.
struct TocSlot {
    page: usize,
    top: f32,
}

const TOC_ROW: f32 = 15.0;

fn title_block(layout: &mut Layout, sheet: &Sheet) -> TocSlot {
    let full = RIGHT - LEFT;
    let mut units = vec![
        Unit {
            height: 16.0,
            ops: vec![Op::Text {
                x: LEFT,
                y: 10.0,
                style: style(Font::Bold, 9.0, ACCENT),
                text: clean("UNITGUARD"),
            }],
        },
        Unit {
            height: 32.0,
            ops: vec![Op::Text {
                x: LEFT,
                y: 24.0,
                style: style(Font::Bold, 24.0, INK),
                text: clean(TITLE),
            }],
        },
    ];
    units.extend(paragraph(
        &[span(style(Font::Regular, 10.0, MUTED), &sheet.byline())],
        LEFT,
        full,
        14.0,
        None,
    ));
    units.push(Unit {
        height: 14.0,
        ops: vec![Op::Rule {
            x1: LEFT,
            x2: RIGHT,
            y: 7.0,
            width: 2.0,
            color: ACCENT,
        }],
    });
    units.extend(paragraph(
        &[span(style(Font::Regular, 9.5, INK), LEGEND)],
        LEFT,
        full,
        13.0,
        None,
    ));
    units.push(Unit {
        height: 30.0,
        ops: vec![Op::Text {
            x: LEFT,
            y: 24.0,
            style: style(Font::Bold, 11.0, INK),
            text: clean("Contents"),
        }],
    });
    for u in &units {
        layout.place_unit(u);
    }
    let slot = TocSlot {
        page: layout.pages.len() - 1,
        top: layout.y,
    };
    layout.y -= TOC_ROW * sheet.groups.len() as f32 + 18.0;
    slot
}

/// Fills the table of contents once the group pages are known.
fn table_of_contents(layout: &mut Layout, slot: &TocSlot, sheet: &Sheet, dests: &[Dest]) {
    let st = style(Font::Regular, 10.0, INK);
    let num = style(Font::Bold, 10.0, INK);
    let small = style(Font::Regular, 8.0, MUTED);
    let leader_style = style(Font::Regular, 8.0, RULE_DARK);
    let dot_w = width(leader_style, ".  ");
    let mut y = slot.top;
    for (g, dest) in sheet.groups.iter().zip(dests) {
        let baseline = y - 11.0;
        let title = clean(g.title);
        let count = clean(&format!("   {} directives", g.entries.len()));
        let page = clean(&(dest.page + 1).to_string());
        let page_x = RIGHT - width(num, &page);
        let title_w = width(st, &title);
        let count_w = width(small, &count);
        let ops = &mut layout.pages[slot.page].ops;
        ops.push(Op::Text {
            x: LEFT,
            y: baseline,
            style: st,
            text: title,
        });
        ops.push(Op::Text {
            x: LEFT + title_w,
            y: baseline,
            style: small,
            text: count,
        });
        // Dot leaders on a fixed grid, between the count and the page number.
        let from = LEFT + title_w + count_w + 8.0;
        let to = page_x - 8.0;
        let mut x = (from / dot_w).ceil() * dot_w;
        let mut leader = String::new();
        let start = x;
        while x + dot_w <= to {
            leader.push_str(".  ");
            x += dot_w;
        }
        if !leader.is_empty() {
            // No trailing spaces: they would count in the width.
            leader.truncate(leader.len() - 2);
            ops.push(Op::Text {
                x: start,
                y: baseline,
                style: leader_style,
                text: leader,
            });
        }
        ops.push(Op::Text {
            x: page_x,
            y: baseline,
            style: num,
            text: page,
        });
        layout.pages[slot.page].links.push(Link {
            rect: [LEFT, y - TOC_ROW, RIGHT, y],
            target: *dest,
        });
        y -= TOC_ROW;
    }
}

const RULE_DARK: Color = Color(0.62, 0.66, 0.72);

/// Positions of groups and directives, for the contents, the links and the outline.
struct Placed {
    groups: Vec<Dest>,
    directives: Vec<Vec<Dest>>,
}

/// Spans of `text` in `plain`, with its `code spans` in `code`.
fn marked(text: &str, plain: Style, code: Style) -> Vec<Span> {
    text.split('`')
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(|(i, part)| span(if i % 2 == 1 { code } else { plain }, part))
        .collect()
}

/// A summary section's heading, ruled below.
fn summary_heading(text: &str) -> Unit {
    Unit {
        height: 26.0,
        ops: vec![
            Op::Text {
                x: LEFT,
                y: 17.0,
                style: style(Font::Bold, 12.5, ACCENT),
                text: clean(text),
            },
            Op::Rule {
                x1: LEFT,
                x2: RIGHT,
                y: 22.0,
                width: 0.75,
                color: ACCENT,
            },
        ],
    }
}

/// The summary, two pages to pin up. Page 1: the directives that weigh most, the verify loop
/// and the rollback, in type that reads from a step away. Page 2: the starter drop-in, whole.
/// The reference starts on the next page.
fn summary_pages(layout: &mut Layout, s: &crate::cheatsheet::summary::Summary) {
    use crate::cheatsheet::summary::score;
    let full = RIGHT - LEFT;
    let code = style(Font::MonoBold, 10.5, INK);
    let body = style(Font::Regular, 10.5, INK);
    let note = style(Font::Oblique, 10.5, MUTED);
    let number = style(Font::Bold, 10.5, ACCENT);
    let leading = 16.0;
    let mut units = vec![
        Unit {
            height: 34.0,
            ops: vec![Op::Text {
                x: LEFT,
                y: 24.0,
                style: style(Font::Bold, 21.0, INK),
                text: clean("Sandboxing a service: the short version"),
            }],
        },
        summary_heading("The directives that weigh most in systemd-analyze security"),
    ];
    let indent = width(number, "100%") + 8.0;
    for w in &s.weighty {
        let mut spans = vec![span(code, &w.setting), span(body, "  ")];
        spans.extend(marked(&w.summary, body, code));
        units.extend(paragraph(
            &spans,
            LEFT + indent,
            full - indent,
            leading,
            Some((LEFT, span(number, &format!("{}%", w.share)))),
        ));
    }
    units.extend(paragraph(
        &[span(
            style(Font::Oblique, 9.0, MUTED),
            "Share: how much of the score's total weight the directive can close. \
             The values are the strictest commonly workable; the reference pages say what each \
             one breaks and what to loosen it to.",
        )],
        LEFT,
        full,
        12.0,
        None,
    ));
    for (title, steps) in [
        ("The verify loop", s.verify),
        ("Rollback in three commands", s.rollback),
    ] {
        units.push(Unit {
            height: 16.0,
            ops: vec![],
        });
        units.push(summary_heading(title));
        let indent = width(number, "9.") + 8.0;
        for (i, step) in steps.iter().enumerate() {
            let mut spans = vec![span(code, step.command), span(note, "   ")];
            spans.extend(marked(step.what, note, style(Font::Mono, 10.5, MUTED)));
            units.extend(paragraph(
                &spans,
                LEFT + indent,
                full - indent,
                leading + 1.0,
                Some((LEFT, span(number, &format!("{}.", i + 1)))),
            ));
        }
    }
    for u in &units {
        if u.height > layout.room() {
            layout.new_page();
        }
        layout.place_unit(u);
    }

    // Page 2: the drop-in, in the largest type that fits it on the page.
    layout.new_page();
    let mut units = vec![summary_heading("A starter drop-in")];
    units.extend(paragraph(
        &marked(
            &format!(
                "`/etc/systemd/system/{}.d/hardening.conf`: what \
                 `unitguard harden --profile baseline` writes for a plain network daemon, \
                 less its per-line reasons (exposure {} → {}). Run it on your own unit for a drop-in fitted to it: it \
                 reads the unit and what the daemon needs.",
                s.example_unit,
                score(s.before),
                score(s.after)
            ),
            body,
            code,
        ),
        LEFT,
        full,
        leading,
        None,
    ));
    units.push(Unit {
        height: 6.0,
        ops: vec![],
    });
    let room = layout.room() - units.iter().map(|u| u.height).sum::<f32>();
    let lines = s.starter.lines().count() as f32;
    let widest = s
        .starter
        .lines()
        .map(|l| width(style(Font::MonoBold, 1.0, INK), l));
    let widest = widest.fold(0.0, f32::max);
    let size = [9.0, 8.5, 8.0, 7.5, 7.0, 6.5]
        .into_iter()
        .find(|size| lines * size * 1.2 <= room && widest * size <= full - 8.0)
        .unwrap_or(6.5);
    for line in s.starter.lines() {
        let st = if line.starts_with('#') {
            style(Font::Mono, size, MUTED)
        } else {
            style(Font::MonoBold, size, INK)
        };
        units.push(Unit {
            height: size * 1.2,
            ops: vec![Op::Text {
                x: LEFT + 8.0,
                y: size * 0.95,
                style: st,
                text: clean(line),
            }],
        });
    }
    for u in &units {
        if u.height > layout.room() {
            layout.new_page();
        }
        layout.place_unit(u);
    }
    layout.new_page();
}

fn lay_out(sheet: &Sheet) -> (Vec<Page>, Placed) {
    let mut layout = Layout::new();
    summary_pages(&mut layout, &sheet.summary);
    let slot = title_block(&mut layout, sheet);
    let mut placed = Placed {
        groups: Vec::new(),
        directives: Vec::new(),
    };
    for g in &sheet.groups {
        let heading = group_heading(g);
        let continued = continued_heading(g);
        let blocks: Vec<Block> = g.entries.iter().map(directive_block).collect();
        // Keep the heading with the first directive.
        let first = blocks.first().map_or(0.0, Block::height);
        let gap = if layout.fresh { 0.0 } else { 12.0 };
        if gap + heading.height + first > layout.room() {
            layout.new_page();
        } else {
            layout.y -= gap;
        }
        placed.groups.push(layout.here());
        layout.place_unit(&heading);
        layout.fresh = true;
        let mut dests = Vec::new();
        for b in &blocks {
            if b.height() <= layout.room() {
                layout.separator();
            }
            let before = layout.pages.len();
            let at = layout.here();
            layout.place_block(b, Some(&continued));
            // The block may have started on a new page.
            dests.push(if layout.pages.len() > before {
                Dest {
                    page: before,
                    top: TOP,
                }
            } else {
                at
            });
        }
        placed.directives.push(dests);
    }
    table_of_contents(&mut layout, &slot, sheet, &placed.groups);
    let total = layout.pages.len();
    for (i, page) in layout.pages.iter_mut().enumerate() {
        footer(page, i + 1, total);
    }
    (layout.pages, placed)
}

fn footer(page: &mut Page, n: usize, total: usize) {
    let left = clean(&format!(
        "unitguard {}  ·  {TITLE}",
        env!("CARGO_PKG_VERSION")
    ));
    let right = clean(&format!("Page {n} of {total}"));
    page.ops.push(Op::Rule {
        x1: LEFT,
        x2: RIGHT,
        y: FOOTER_BASELINE + 12.0,
        width: 0.5,
        color: RULE,
    });
    page.ops.push(Op::Text {
        x: LEFT,
        y: FOOTER_BASELINE,
        style: FOOTER,
        text: left,
    });
    page.ops.push(Op::Text {
        x: RIGHT - width(FOOTER, &right),
        y: FOOTER_BASELINE,
        style: FOOTER,
        text: right,
    });
}

/// How many pages [`render`] makes of `sheet`.
pub fn page_count(sheet: &Sheet) -> usize {
    lay_out(sheet).0.len()
}

/// The PDF document.
pub fn render(sheet: &Sheet) -> crate::Result<Vec<u8>> {
    let (pages, placed) = lay_out(sheet);
    let mut next = 0;
    let mut alloc = || {
        next += 1;
        Ref::new(next)
    };
    let catalog_id = alloc();
    let tree_id = alloc();
    let info_id = alloc();
    let outline_id = alloc();
    let font_ids: Vec<Ref> = Font::ALL.iter().map(|_| alloc()).collect();
    let page_ids: Vec<Ref> = pages.iter().map(|_| alloc()).collect();
    let content_ids: Vec<Ref> = pages.iter().map(|_| alloc()).collect();
    let link_ids: Vec<Vec<Ref>> = pages
        .iter()
        .map(|p| p.links.iter().map(|_| alloc()).collect())
        .collect();
    let group_item_ids: Vec<Ref> = sheet.groups.iter().map(|_| alloc()).collect();
    let dir_item_ids: Vec<Vec<Ref>> = sheet
        .groups
        .iter()
        .map(|g| g.entries.iter().map(|_| alloc()).collect())
        .collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id)
        .pages(tree_id)
        .outlines(outline_id)
        .page_mode(PageMode::UseOutlines);
    pdf.document_info(info_id)
        .title(TextStr(TITLE))
        .subject(TextStr(&sheet.byline()))
        .creator(TextStr(&format!(
            "unitguard {} cheatsheet",
            env!("CARGO_PKG_VERSION")
        )))
        .producer(TextStr("pdf-writer"));
    pdf.pages(tree_id)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);

    let mut used: Vec<Used> = Font::ALL.iter().map(|_| Used::default()).collect();
    for (i, page) in pages.iter().enumerate() {
        let mut p = pdf.page(page_ids[i]);
        p.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        p.parent(tree_id);
        p.contents(content_ids[i]);
        if !link_ids[i].is_empty() {
            p.annotations(link_ids[i].iter().copied());
        }
        let mut res = p.resources();
        let mut fonts = res.fonts();
        for (font, id) in Font::ALL.iter().zip(&font_ids) {
            fonts.pair(font.resource(), *id);
        }
        fonts.finish();
        res.finish();
        p.finish();
        pdf.stream(content_ids[i], &font::deflate(&content(page, &mut used)))
            .filter(Filter::FlateDecode);
        for (link, id) in page.links.iter().zip(&link_ids[i]) {
            let [x1, y1, x2, y2] = link.rect;
            let mut a = pdf.annotation(*id);
            a.subtype(AnnotationType::Link)
                .rect(Rect::new(x1, y1, x2, y2))
                .border(0.0, 0.0, 0.0, None);
            a.action()
                .action_type(ActionType::GoTo)
                .destination()
                .page(page_ids[link.target.page])
                .xyz(LEFT - 10.0, link.target.top + 4.0, None);
        }
    }

    // Outline: groups, each with its directives (closed).
    let n = group_item_ids.len();
    let mut outline = pdf.outline(outline_id);
    if let (Some(first), Some(last)) = (group_item_ids.first(), group_item_ids.last()) {
        outline.first(*first).last(*last);
    }
    outline.count(n as i32);
    outline.finish();
    for (gi, g) in sheet.groups.iter().enumerate() {
        let kids = &dir_item_ids[gi];
        let mut item = pdf.outline_item(group_item_ids[gi]);
        item.title(TextStr(g.title)).parent(outline_id);
        if gi > 0 {
            item.prev(group_item_ids[gi - 1]);
        }
        if gi + 1 < n {
            item.next(group_item_ids[gi + 1]);
        }
        if let (Some(first), Some(last)) = (kids.first(), kids.last()) {
            item.first(*first).last(*last).count(-(kids.len() as i32));
        }
        let dest = placed.groups[gi];
        item.dest()
            .page(page_ids[dest.page])
            .xyz(LEFT - 10.0, dest.top + 4.0, None);
        item.finish();
        for (di, e) in g.entries.iter().enumerate() {
            let mut item = pdf.outline_item(kids[di]);
            item.title(TextStr(e.name())).parent(group_item_ids[gi]);
            if di > 0 {
                item.prev(kids[di - 1]);
            }
            if di + 1 < kids.len() {
                item.next(kids[di + 1]);
            }
            let dest = placed.directives[gi][di];
            item.dest()
                .page(page_ids[dest.page])
                .xyz(LEFT - 10.0, dest.top + 4.0, None);
            item.finish();
        }
    }
    for ((font, id), used) in Font::ALL.iter().zip(&font_ids).zip(&used) {
        font::embed(&mut pdf, &mut alloc, *id, *font, used)?;
    }
    Ok(pdf.finish())
}

/// The content stream of a page: shapes first, then all text in one text object.
/// `used` notes the glyphs drawn, by font (in `Font::ALL` order).
fn content(page: &Page, used: &mut [Used]) -> Vec<u8> {
    let mut c = Content::new();
    for op in &page.ops {
        match *op {
            Op::Fill { x, y, w, h, color } => {
                c.set_fill_rgb(color.0, color.1, color.2);
                c.rect(x, y, w, h);
                c.fill_nonzero();
            }
            Op::Rule {
                x1,
                x2,
                y,
                width,
                color,
            } => {
                c.set_stroke_rgb(color.0, color.1, color.2);
                c.set_line_width(width);
                c.move_to(x1, y);
                c.line_to(x2, y);
                c.stroke();
            }
            Op::Text { .. } => {}
        }
    }
    c.begin_text();
    let mut font: Option<(Font, f32)> = None;
    let mut color: Option<Color> = None;
    for op in &page.ops {
        if let Op::Text { x, y, style, text } = op {
            if font != Some((style.font, style.size)) {
                c.set_font(style.font.resource(), style.size);
                font = Some((style.font, style.size));
            }
            if color != Some(style.color) {
                let Color(r, g, b) = style.color;
                c.set_fill_rgb(r, g, b);
                color = Some(style.color);
            }
            c.set_text_matrix([1.0, 0.0, 0.0, 1.0, *x, *y]);
            let codes = used[style.font as usize].encode(style.font.face(), text);
            c.show(Str(&codes));
        }
    }
    c.end_text();
    c.finish().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics() {
        // DejaVu Sans advances in 1/2048 em, as fontTools reads the hmtx table:
        // H 1540, e 1260, l 569, v 1212, t 803, i 569, c 1126, a 1255.
        let w = width(style(Font::Regular, 2048.0, INK), "Helvetica");
        assert!((w - 9594.0).abs() < 0.01, "{w}");
        // DejaVu Sans Mono: 1233/2048 em for every glyph.
        let w = width(style(Font::Mono, 2048.0, INK), "a→c");
        assert!((w - 3.0 * 1233.0).abs() < 0.01, "{w}");
        assert_eq!(clean("a\tb “c” é → \u{4e2d}"), "a b “c” é → ?");
    }

    #[test]
    fn wraps_within_width() {
        let text = "Writes outside ReadWritePaths=/StateDirectory=/LogsDirectory=/CacheDirectory= \
                    fail with EROFS, e.g. a/very/long/path/without/any/spaces/that/is/longer/than/the/column";
        for max in [60.0, 120.0, 300.0] {
            let lines = wrap(&[span(BODY, text)], max);
            assert!(lines.len() > 1);
            for line in &lines {
                let (x, last) = line.last().unwrap();
                assert!(x + width(last.style, &last.text) <= max + 0.01, "{max}");
            }
            let joined: String = lines
                .iter()
                .flat_map(|l| l.iter().flat_map(|(_, s)| s.text.chars()))
                .filter(|c| *c != ' ')
                .collect();
            let expected: String = text.chars().filter(|c| *c != ' ').collect();
            assert_eq!(joined, expected, "no text lost at {max}");
        }
    }

    #[test]
    fn everything_within_the_margins() {
        let sheet = Sheet::build();
        let (pages, placed) = lay_out(&sheet);
        assert!(pages.len() > 1);
        assert_eq!(
            placed.directives.iter().map(Vec::len).sum::<usize>(),
            sheet.len()
        );
        for (i, page) in pages.iter().enumerate() {
            for op in &page.ops {
                if let Op::Text { x, y, style, text } = op {
                    let w = width(*style, text);
                    assert!(
                        *x >= LEFT - 0.01 && x + w <= RIGHT + 0.01,
                        "page {}: {:?} at x {x} w {w}",
                        i + 1,
                        text
                    );
                    assert!(
                        *y >= FOOTER_BASELINE - 0.01 && *y <= TOP,
                        "page {}: {:?} at y {y}",
                        i + 1,
                        text
                    );
                    if *y > FOOTER_BASELINE + 1.0 {
                        assert!(*y >= BOTTOM, "page {}: body text below {BOTTOM}", i + 1);
                    }
                }
            }
        }
    }
}
