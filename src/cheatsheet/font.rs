//! The fonts the PDF cheat sheet draws with, and their embedding.
//!
//! DejaVu Sans (regular, bold, oblique) and DejaVu Sans Mono (regular, bold), vendored in
//! data/fonts (cut down to Latin and punctuation by scripts/vendor-fonts; licence in
//! data/fonts/LICENSE). Layout measures text with the fonts' own advance widths. The PDF
//! embeds, per font, a subset of the glyphs the document draws (`subsetter`) as a Type 0 font
//! over a CIDFontType2 font: Identity-H, so a two-byte code is a glyph id of the subset; the
//! widths of those glyphs; a ToUnicode CMap so that copying, searching and `pdftotext` give
//! back the characters.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Font {
    Regular,
    Bold,
    Oblique,
    Mono,
    MonoBold,
}

impl Font {
    pub const ALL: [Font; 5] = [
        Font::Regular,
        Font::Bold,
        Font::Oblique,
        Font::Mono,
        Font::MonoBold,
    ];

    pub fn resource(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
            Font::Oblique => Name(b"F3"),
            Font::Mono => Name(b"F4"),
            Font::MonoBold => Name(b"F5"),
        }
    }

    fn file(self) -> &'static [u8] {
        match self {
            Font::Regular => include_bytes!("../../data/fonts/DejaVuSans.ttf"),
            Font::Bold => include_bytes!("../../data/fonts/DejaVuSans-Bold.ttf"),
            Font::Oblique => include_bytes!("../../data/fonts/DejaVuSans-Oblique.ttf"),
            Font::Mono => include_bytes!("../../data/fonts/DejaVuSansMono.ttf"),
            Font::MonoBold => include_bytes!("../../data/fonts/DejaVuSansMono-Bold.ttf"),
        }
    }

    pub fn face(self) -> &'static Face {
        &FACES[self as usize]
    }
}

static FACES: LazyLock<Vec<Face>> =
    LazyLock::new(|| Font::ALL.iter().map(|f| Face::load(f.file())).collect());

pub(super) struct Face {
    data: &'static [u8],
    ttf: ttf_parser::Face<'static>,
    /// Glyph id and advance width (1/1000 em) of every character the font has.
    chars: HashMap<char, (u16, f32)>,
    /// Advance of .notdef, drawn for a character the font lacks (never, after `clean`).
    missing: f32,
}

impl Face {
    fn load(data: &'static [u8]) -> Face {
        // Built into the binary from data/fonts; the unit tests load every one.
        let ttf = ttf_parser::Face::parse(data, 0).expect("a vendored font in data/fonts");
        let per_em = f32::from(ttf.units_per_em());
        let advance = |g: ttf_parser::GlyphId| {
            f32::from(ttf.glyph_hor_advance(g).unwrap_or(0)) * 1000.0 / per_em
        };
        let mut chars = HashMap::new();
        if let Some(cmap) = ttf.tables().cmap {
            for sub in cmap.subtables.into_iter().filter(|s| s.is_unicode()) {
                sub.codepoints(|cp| {
                    if let (Some(c), Some(g)) = (char::from_u32(cp), sub.glyph_index(cp)) {
                        chars.entry(c).or_insert((g.0, advance(g)));
                    }
                });
            }
        }
        let missing = advance(ttf_parser::GlyphId(0));
        Face {
            data,
            ttf,
            chars,
            missing,
        }
    }

    /// Advance width of `c` in 1/1000 em.
    pub fn advance(&self, c: char) -> f32 {
        self.chars.get(&c).map_or(self.missing, |&(_, w)| w)
    }

    pub fn has(&self, c: char) -> bool {
        self.chars.contains_key(&c)
    }

    fn postscript_name(&self) -> String {
        self.ttf
            .names()
            .into_iter()
            .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .find_map(|n| n.to_string())
            .unwrap_or_else(|| "DejaVu".into())
    }

    fn scaled(&self, units: i16) -> f32 {
        f32::from(units) * 1000.0 / f32::from(self.ttf.units_per_em())
    }
}

/// `s` with only characters every one of the fonts has: white space becomes a space (a no-break
/// space stays), other
/// control characters go, arrows, dashes and relations the fonts lack are spelled in ASCII,
/// anything else they lack becomes '?'.
pub(super) fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            // A no-break space keeps a label with its value when lines are wrapped.
            '\u{a0}' => out.push(c),
            c if c.is_whitespace() => out.push(' '),
            c if c.is_control() => {}
            c if Font::ALL.iter().all(|f| f.face().has(c)) => out.push(c),
            '→' => out.push_str("->"),
            '←' => out.push_str("<-"),
            '≤' => out.push_str("<="),
            '≥' => out.push_str(">="),
            '≠' => out.push_str("!="),
            '−' | '‐' | '‑' | '–' | '—' => out.push('-'),
            '‘' | '’' => out.push('\''),
            '“' | '”' => out.push('"'),
            '…' => out.push_str("..."),
            _ => out.push('?'),
        }
    }
    out
}

/// The glyphs one font draws in a document, numbered in the order first drawn.
#[derive(Default)]
pub(super) struct Used {
    glyphs: GlyphRemapper,
    /// The character each subset glyph stands for, for the ToUnicode CMap (in glyph order,
    /// so that the same sheet gives the same bytes).
    text: BTreeMap<u16, char>,
}

impl Used {
    /// The two-byte codes that draw `text` (cleaned for `face`), noting the glyphs.
    pub fn encode(&mut self, face: &Face, text: &str) -> Vec<u8> {
        let mut codes = Vec::with_capacity(2 * text.len());
        for c in text.chars() {
            let old = face.chars.get(&c).map_or(0, |&(g, _)| g);
            let new = self.glyphs.remap(old);
            if old != 0 {
                // Copied or extracted, a no-break space is a space.
                let c = if c == '\u{a0}' { ' ' } else { c };
                self.text.entry(new).or_insert(c);
            }
            codes.extend_from_slice(&new.to_be_bytes());
        }
        codes
    }
}

const IDENTITY: SystemInfo = SystemInfo {
    registry: Str(b"Adobe"),
    ordering: Str(b"Identity"),
    supplement: 0,
};

/// Writes `font` as the Type 0 font `type0` with the glyphs `used` noted, taking the ids of
/// its other objects from `alloc`.
pub(super) fn embed(
    pdf: &mut Pdf,
    alloc: &mut impl FnMut() -> Ref,
    type0: Ref,
    font: Font,
    used: &Used,
) -> crate::Result<()> {
    let face = font.face();
    let (cid_id, descriptor_id, cmap_id, file_id) = (alloc(), alloc(), alloc(), alloc());
    let subset = subsetter::subset(face.data, 0, &used.glyphs).map_err(|e| {
        crate::Error::Other(format!(
            "embedding {} in the PDF: {e}",
            face.postscript_name()
        ))
    })?;
    let old_ids: Vec<u16> = used.glyphs.remapped_gids().collect();
    // PDF's mark of a subset: six capital letters and '+', the same for the same glyphs.
    let base = format!("{}+{}", subset_tag(&old_ids), face.postscript_name());
    let base = Name(base.as_bytes());

    pdf.type0_font(type0)
        .base_font(base)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(cmap_id);

    let mut cid = pdf.cid_font(cid_id);
    cid.subtype(CidFontType::Type2)
        .base_font(base)
        .system_info(IDENTITY)
        .font_descriptor(descriptor_id)
        .default_width(face.missing)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    cid.widths().consecutive(
        0,
        old_ids.iter().map(|&g| {
            face.ttf
                .glyph_hor_advance(ttf_parser::GlyphId(g))
                .map_or(0.0, |w| {
                    f32::from(w) * 1000.0 / f32::from(face.ttf.units_per_em())
                })
        }),
    );
    cid.finish();

    let ttf = &face.ttf;
    let b = ttf.global_bounding_box();
    let mut flags = FontFlags::SYMBOLIC;
    flags.set(FontFlags::FIXED_PITCH, ttf.is_monospaced());
    flags.set(FontFlags::ITALIC, ttf.is_italic());
    pdf.font_descriptor(descriptor_id)
        .name(base)
        .flags(flags)
        .bbox(Rect::new(
            face.scaled(b.x_min),
            face.scaled(b.y_min),
            face.scaled(b.x_max),
            face.scaled(b.y_max),
        ))
        .italic_angle(ttf.italic_angle())
        .ascent(face.scaled(ttf.ascender()))
        .descent(face.scaled(ttf.descender()))
        .cap_height(face.scaled(ttf.capital_height().unwrap_or(ttf.ascender())))
        // PDF wants a dominant stem width and fonts do not record one; estimated from the
        // weight class as other writers do.
        .stem_v(10.0 + 0.244 * (f32::from(ttf.weight().to_number()) - 50.0))
        .font_file2(file_id);

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), IDENTITY);
    for (&glyph, &c) in &used.text {
        cmap.pair(glyph, c);
    }
    pdf.cmap(cmap_id, &cmap.finish());

    pdf.stream(file_id, &deflate(&subset))
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), subset.len() as i32);
    Ok(())
}

/// Six capital letters from a hash (FNV-1a) of the glyph ids.
fn subset_tag(glyphs: &[u16]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in glyphs.iter().flat_map(|g| g.to_be_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    (0..6)
        .map(|i| char::from(b'A' + ((h >> (8 * i)) % 26) as u8))
        .collect()
}

/// A stream's data compressed for `/Filter /FlateDecode`.
pub(super) fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_font_loads_with_the_sheets_characters() {
        for font in Font::ALL {
            let face = font.face();
            for c in ' '..='~' {
                assert!(face.has(c), "{font:?} lacks {c:?}");
            }
            for c in "·→≤≥≠—“”é€".chars() {
                assert!(face.has(c), "{font:?} lacks {c:?}");
            }
            assert!(face.postscript_name().starts_with("DejaVuSans"));
        }
        // DejaVu Sans Mono is monospaced: every glyph 1233/2048 em.
        let mono = Font::Mono.face();
        assert!((mono.advance('i') - mono.advance('W')).abs() < 0.01);
        assert!((mono.advance('i') - 602.05).abs() < 0.01);
    }

    #[test]
    fn clean_keeps_what_the_font_has() {
        assert_eq!(clean("a\tb\u{7}c → é"), "a bc → é");
        assert_eq!(clean("\u{4e2d}"), "?");
    }

    #[test]
    fn encoding_numbers_glyphs_in_order() {
        let face = Font::Regular.face();
        let mut used = Used::default();
        assert_eq!(used.encode(face, "ab"), vec![0, 1, 0, 2]);
        assert_eq!(used.encode(face, "ba"), vec![0, 2, 0, 1]);
        assert_eq!(used.text.get(&1), Some(&'a'));
        assert_eq!(subset_tag(&[1, 2]).len(), 6);
    }
}
