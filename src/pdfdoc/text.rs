//! Text for the PDF built-in fonts: what they can show, how wide it is, how it wraps.
//!
//! The built-in (standard 14) fonts are not embedded; printpdf writes them with
//! `/Encoding /WinAnsiEncoding` (PDF 32000-1:2008, Annex D.2), a single-byte encoding, and the
//! viewer draws them with its own metric-compatible faces. So every string is first reduced to
//! characters WinAnsi has ([`showable`]), and widths come from the Adobe font metrics (AFM) of
//! Helvetica and Helvetica-Bold; Courier is 600/1000 em for every character.

use printpdf::BuiltinFont;

/// The three faces a document uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Font {
    /// Helvetica: body text.
    Regular,
    /// Helvetica-Bold: title, headings, table headers, labels.
    Bold,
    /// Courier: preformatted lines.
    Mono,
}

/// Advance widths (1/1000 em) of WinAnsi codes 0x20..=0xFF in Helvetica, from the Adobe AFM
/// (Euro, absent from the 1997 AFM, as 556 like the other currency signs). Codes WinAnsi leaves
/// undefined (0x7F, 0x81, 0x8D, 0x8F, 0x90, 0x9D) are 0 and never emitted.
#[rustfmt::skip]
const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0x30
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 0x50
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 0x60
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0,   // 0x70
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,    // 0x80
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667,   // 0x90
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, // 0xF0
];

/// Same for Helvetica-Bold.
#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0x30
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // 0x50
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // 0x60
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0,   // 0x70
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,    // 0x80
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667,   // 0x90
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, // 0xF0
];

/// Courier's advance for every character.
const COURIER: u16 = 600;

/// The WinAnsi code of `c`, if the encoding has one (PDF 32000-1:2008, Annex D.2).
///
/// WinAnsi agrees with Latin-1 in 0x20..=0x7E and 0xA0..=0xFF; 0x80..=0x9F hold typographic
/// characters instead of the C1 controls. Must agree with printpdf's own encoder, which turns
/// anything else into `?` (checked by a unit test against the width tables).
fn win_ansi(c: char) -> Option<u8> {
    let code = match c {
        ' '..='~' | '\u{A0}'..='\u{FF}' => return u8::try_from(u32::from(c)).ok(),
        '\u{20AC}' => 0x80,
        '\u{201A}' => 0x82,
        '\u{0192}' => 0x83,
        '\u{201E}' => 0x84,
        '\u{2026}' => 0x85,
        '\u{2020}' => 0x86,
        '\u{2021}' => 0x87,
        '\u{02C6}' => 0x88,
        '\u{2030}' => 0x89,
        '\u{0160}' => 0x8A,
        '\u{2039}' => 0x8B,
        '\u{0152}' => 0x8C,
        '\u{017D}' => 0x8E,
        '\u{2018}' => 0x91,
        '\u{2019}' => 0x92,
        '\u{201C}' => 0x93,
        '\u{201D}' => 0x94,
        '\u{2022}' => 0x95,
        '\u{2013}' => 0x96,
        '\u{2014}' => 0x97,
        '\u{02DC}' => 0x98,
        '\u{2122}' => 0x99,
        '\u{0161}' => 0x9A,
        '\u{203A}' => 0x9B,
        '\u{0153}' => 0x9C,
        '\u{017E}' => 0x9E,
        '\u{0178}' => 0x9F,
        _ => return None,
    };
    Some(code)
}

/// `c` if the built-in fonts can show it, `?` otherwise. Invisible and control characters
/// ([`crate::error::is_unsafe_char`], which includes the soft hyphen WinAnsi would print as a
/// hyphen) also become `?`, so nothing in the input can hide or reorder text.
pub(crate) fn showable(c: char) -> char {
    if crate::error::is_unsafe_char(c) || win_ansi(c).is_none() {
        '?'
    } else {
        c
    }
}

/// One line of text as the built-in fonts will show it: tabs and line breaks become spaces,
/// everything else goes through [`showable`].
pub(crate) fn clean_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if matches!(c, '\t' | '\n' | '\r') {
                ' '
            } else {
                showable(c)
            }
        })
        .collect()
}

/// The lines of `s` (split at `\n`, `\r\n` or a lone `\r`), each cleaned with [`clean_line`].
fn hard_lines(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split('\n')
        .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
        .map(clean_line)
}

impl Font {
    /// The printpdf font.
    pub(crate) fn builtin(self) -> BuiltinFont {
        match self {
            Font::Regular => BuiltinFont::Helvetica,
            Font::Bold => BuiltinFont::HelveticaBold,
            Font::Mono => BuiltinFont::Courier,
        }
    }

    /// Advance of `c` in 1/1000 em; `c` must already be [`showable`] (anything else is
    /// measured as the `?` it will be shown as).
    fn units(self, c: char) -> u16 {
        let table = match self {
            Font::Mono => return COURIER,
            Font::Regular => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
        };
        let code = win_ansi(c).unwrap_or(b'?');
        table[usize::from(code.saturating_sub(0x20))]
    }

    /// Width of `c` at `size` points, in points.
    pub(crate) fn char_width(self, c: char, size: f32) -> f32 {
        f32::from(self.units(c)) * size / 1000.0
    }

    /// Width of `s` at `size` points, in points.
    pub(crate) fn width(self, s: &str, size: f32) -> f32 {
        let units: u64 = s.chars().map(|c| u64::from(self.units(c))).sum();
        units as f32 * size / 1000.0
    }
}

/// `s` word-wrapped to `max_width` points: hard line breaks are kept (an empty input line
/// gives an empty output line), runs of spaces collapse to one, and a word longer than a
/// whole line is broken between characters. Every output line holds at least one character
/// (so wrapping always progresses, even in a column narrower than one character); apart from
/// that, no line is wider than `max_width`. The result is never empty.
pub(crate) fn wrap(s: &str, font: Font, size: f32, max_width: f32) -> Vec<String> {
    // A thousandth of a point absorbs rounding differences between summing word widths and
    // measuring the whole line.
    let max_width = if max_width.is_nan() {
        0.0
    } else {
        max_width + 1e-3
    };
    let space = font.char_width(' ', size);
    let mut out = Vec::new();
    for line in hard_lines(s) {
        let mut cur = String::new();
        let mut cur_w = 0.0;
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            let w = font.width(word, size);
            let sep = if cur.is_empty() { 0.0 } else { space };
            if cur_w + sep + w <= max_width {
                if !cur.is_empty() {
                    cur.push(' ');
                }
                cur.push_str(word);
                cur_w += sep + w;
                continue;
            }
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
                cur_w = 0.0;
            }
            if w <= max_width {
                cur.push_str(word);
                cur_w = w;
                continue;
            }
            for piece in pieces(word, font, size, max_width) {
                let pw = font.width(&piece, size);
                if !cur.is_empty() && cur_w + pw > max_width {
                    out.push(std::mem::take(&mut cur));
                    cur_w = 0.0;
                }
                if pw <= max_width {
                    cur.push_str(&piece);
                    cur_w += pw;
                    continue;
                }
                for c in piece.chars() {
                    let cw = font.char_width(c, size);
                    if !cur.is_empty() && cur_w + cw > max_width {
                        out.push(std::mem::take(&mut cur));
                        cur_w = 0.0;
                    }
                    cur.push(c);
                    cur_w += cw;
                }
            }
        }
        out.push(cur);
    }
    out
}

/// A word too long for a line, cut where a reader expects a break: a hex string (a hash) into
/// groups of eight digits; anything else after each `/` (a path), and a part that still does
/// not fit after each `-`, `_` or `.`. A piece that still does not fit is broken by the caller
/// between characters.
fn pieces(word: &str, font: Font, size: f32, max_width: f32) -> Vec<String> {
    fn split_after(s: &str, seps: &[char]) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = String::new();
        for c in s.chars() {
            cur.push(c);
            if seps.contains(&c) {
                out.push(std::mem::take(&mut cur));
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    }
    if word.len() >= 16 && word.chars().all(|c| c.is_ascii_hexdigit()) {
        return word
            .as_bytes()
            .chunks(8)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
    }
    split_after(word, &['/'])
        .into_iter()
        .flat_map(|p| {
            if font.width(&p, size) <= max_width {
                vec![p]
            } else {
                split_after(&p, &['-', '_', '.'])
            }
        })
        .collect()
}

/// `s` cut to at most `max_width` points, ending in `...` when something was cut.
pub(crate) fn fit(s: &str, font: Font, size: f32, max_width: f32) -> String {
    let s = clean_line(s);
    if font.width(&s, size) <= max_width {
        return s;
    }
    ellipsize(&s, font, size, max_width)
}

/// As much of the start of `s` as fits into `max_width` points followed by `...`.
pub(crate) fn ellipsize(s: &str, font: Font, size: f32, max_width: f32) -> String {
    let budget = max_width - font.width("...", size);
    let mut out = String::new();
    let mut w = 0.0;
    for c in clean_line(s).chars() {
        w += font.char_width(c, size);
        if w > budget {
            break;
        }
        out.push(c);
    }
    out.push_str("...");
    out
}

/// Preformatted lines for a column of `cols` Courier characters: tabs expand to the next
/// multiple of 4, line breaks start new lines, and a line longer than `cols` is cut into
/// pieces; each piece after the first is flagged as a continuation (`true`).
pub(crate) fn mono_lines(s: &str, cols: usize) -> Vec<(bool, String)> {
    let cols = cols.max(1);
    let mut out = Vec::new();
    for line in s.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut chars: Vec<char> = Vec::with_capacity(line.len());
        for c in line.chars() {
            if c == '\t' {
                chars.push(' ');
                while !chars.len().is_multiple_of(4) {
                    chars.push(' ');
                }
            } else {
                chars.push(showable(c));
            }
        }
        if chars.is_empty() {
            out.push((false, String::new()));
        }
        for (i, piece) in chars.chunks(cols).enumerate() {
            out.push((i > 0, piece.iter().collect()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_afm() {
        // Helvetica: i 222, W 944, @ 1015; bold: i 278, @ 975; Courier fixed.
        assert_eq!(Font::Regular.width("iW@", 1000.0), 222.0 + 944.0 + 1015.0);
        assert_eq!(Font::Bold.width("i@", 1000.0), 278.0 + 975.0);
        assert_eq!(Font::Mono.width("iW@", 10.0), 18.0);
        assert_eq!(Font::Regular.width("", 10.0), 0.0);
    }

    #[test]
    fn every_showable_character_has_a_width() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            let s = showable(c);
            assert!(
                Font::Regular.units(s) > 0 && Font::Bold.units(s) > 0,
                "{c:?}"
            );
            assert!(s == c || s == '?');
        }
    }

    #[test]
    fn unshowable_and_invisible_characters_become_question_marks() {
        assert_eq!(
            clean_line("a\tb\u{1b}[2K é€ 日本 \u{202E}x\u{AD}"),
            "a b?[2K é€ ?? ?x?"
        );
        assert_eq!(showable('\u{7F}'), '?');
        assert_eq!(showable('\u{9B}'), '?');
    }

    #[test]
    fn wrap_breaks_at_spaces_and_keeps_hard_breaks() {
        let w = Font::Regular.width("aaaa bbbb", 10.0);
        assert_eq!(
            wrap("aaaa bbbb cccc\n\ndd", Font::Regular, 10.0, w),
            ["aaaa bbbb", "cccc", "", "dd"]
        );
        assert_eq!(
            wrap("x\r\ny\rz", Font::Regular, 10.0, 100.0),
            ["x", "y", "z"]
        );
        assert_eq!(wrap("", Font::Regular, 10.0, 100.0), [""]);
        assert_eq!(wrap("  a   b  ", Font::Regular, 10.0, 100.0), ["a b"]);
    }

    #[test]
    fn wrap_breaks_long_words_and_always_progresses() {
        let hex = "0123456789abcdef".repeat(4);
        let lines = wrap(&hex, Font::Regular, 10.0, 60.0);
        assert_eq!(lines.concat(), hex);
        assert!(lines.len() > 5);
        for l in &lines {
            assert!(Font::Regular.width(l, 10.0) <= 60.0, "{l}");
        }
        // A column narrower than any character still gets one character per line.
        assert_eq!(wrap("abc", Font::Regular, 10.0, 0.0), ["a", "b", "c"]);
        assert_eq!(wrap("abc", Font::Regular, 10.0, f32::NAN), ["a", "b", "c"]);
    }

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        assert_eq!(fit("short", Font::Regular, 10.0, 100.0), "short");
        let cut = fit(&"x".repeat(500), Font::Regular, 10.0, 100.0);
        assert!(cut.ends_with("...") && cut.len() < 100);
        assert!(Font::Regular.width(&cut, 10.0) <= 100.0);
        assert_eq!(ellipsize("abc", Font::Regular, 10.0, 100.0), "abc...");
        assert_eq!(ellipsize("abcdef", Font::Mono, 10.0, 30.0), "ab...");
    }

    #[test]
    fn mono_lines_expand_tabs_and_flag_continuations() {
        assert_eq!(
            mono_lines("a\tb\n\n0123456789", 4),
            [
                (false, "a   ".to_string()),
                (true, "b".to_string()),
                (false, String::new()),
                (false, "0123".to_string()),
                (true, "4567".to_string()),
                (true, "89".to_string()),
            ]
        );
        assert_eq!(
            mono_lines("é日", 0),
            [(false, "é".into()), (true, "?".into())]
        );
    }
}
