//! Charts as inline SVG: a histogram of exposures, a stacked bar of labels per host and a bar
//! of checklist verdicts. Every bar carries its number as text, so the charts read the same
//! printed in black and white.

/// systemd-analyze's labels, best first, with the colour each is drawn in.
pub const LABELS: &[(&str, &str)] = &[
    ("PERFECT", "#1a7f37"),
    ("SAFE", "#2da44e"),
    ("OK", "#8cc265"),
    ("MEDIUM", "#e3b341"),
    ("EXPOSED", "#e07b24"),
    ("UNSAFE", "#cf222e"),
    ("DANGEROUS", "#82071e"),
];

pub fn label_colour(label: &str) -> &'static str {
    LABELS
        .iter()
        .find(|(l, _)| *l == label)
        .map_or("#888888", |(_, c)| c)
}

/// Text for an SVG text node or attribute.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One bar of a histogram.
pub struct Bar {
    pub label: String,
    pub count: usize,
    pub colour: &'static str,
}

/// A vertical bar chart: one bar per bucket, the count above each, the bucket below.
pub fn histogram(title: &str, bars: &[Bar], axis: &str) -> String {
    let (w, h, left, bottom, top) = (640.0, 260.0, 48.0, 44.0, 24.0);
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let slot = (w - left - 8.0) / bars.len().max(1) as f64;
    let plot_h = h - bottom - top;
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}"><title>{}</title>"#,
        esc(title)
    );
    s += &format!(
        r##"<line x1="{left}" y1="{y}" x2="{x2}" y2="{y}" stroke="#444"/>"##,
        y = h - bottom,
        x2 = w - 4.0
    );
    for (i, b) in bars.iter().enumerate() {
        let bh = plot_h * b.count as f64 / max;
        let x = left + slot * i as f64 + slot * 0.1;
        let y = h - bottom - bh;
        s += &format!(
            r##"<rect class="bar" data-bucket="{}" data-count="{}" x="{x:.1}" y="{y:.1}" width="{:.1}" height="{bh:.1}" fill="{}" stroke="#333" stroke-width="0.5"/>"##,
            esc(&b.label),
            b.count,
            slot * 0.8,
            b.colour
        );
        s += &format!(
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11">{}</text>"#,
            x + slot * 0.4,
            y - 4.0,
            b.count
        );
        s += &format!(
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10">{}</text>"#,
            x + slot * 0.4,
            h - bottom + 14.0,
            esc(&b.label)
        );
    }
    s += &format!(
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11">{}</text>"#,
        left + (w - left) / 2.0,
        h - 8.0,
        esc(axis)
    );
    s += &format!(
        r#"<text x="12" y="{:.1}" font-size="11" transform="rotate(-90 12 {:.1})" text-anchor="middle">units</text>"#,
        top + plot_h / 2.0,
        top + plot_h / 2.0
    );
    s + "</svg>"
}

/// A horizontal stacked bar: how many units of a host carry each label.
pub fn stacked(counts: &[(&str, usize)], width: f64) -> String {
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    let h = 16.0;
    let mut s = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="stack" viewBox="0 0 {width} {h}" width="{width}" height="{h}">"#
    );
    let mut x = 0.0;
    for (label, n) in counts.iter().filter(|(_, n)| *n > 0) {
        let bw = width * *n as f64 / total.max(1) as f64;
        s += &format!(
            r##"<rect x="{x:.1}" y="0" width="{bw:.1}" height="{h}" fill="{}" stroke="#fff" stroke-width="0.5"><title>{label}: {n}</title></rect>"##,
            label_colour(label)
        );
        if bw >= 14.0 {
            s += &format!(
                r##"<text x="{:.1}" y="12" font-size="10" text-anchor="middle" fill="#000">{n}</text>"##,
                x + bw / 2.0
            );
        }
        x += bw;
    }
    s + "</svg>"
}
