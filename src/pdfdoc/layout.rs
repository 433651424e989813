//! Page layout: the cursor, page breaks, and every block except tables (see [`table`]) and
//! QR codes and fields (see [`qr`]).
//!
//! All lengths are PDF points (1/72 in); y grows upwards from the bottom edge of the page.

mod qr;
mod table;
#[cfg(test)]
pub(super) mod testutil;

use printpdf::{
    Color, Greyscale, Line, LinePoint, Op, PdfFontHandle, Point, Pt, TextItem, TextMatrix,
};

use super::text::{Font, clean_line, fit, mono_lines, wrap};
use super::{Block, Document};
use crate::error::Result;

/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;
/// Page margin on all four sides; the footer sits inside the bottom margin.
const MARGIN_MM: f32 = 20.0;
/// Cap height of Helvetica and Courier, in em (AFM `CapHeight` 718 and 562; the larger).
const CAP: f32 = 0.718;

/// Text grey levels (0 black, 1 white).
const BLACK: f32 = 0.0;
const DARK_GREY: f32 = 0.35;
const RULE_GREY: f32 = 0.7;
const WATERMARK_GREY: f32 = 0.87;

/// Millimetres to points.
pub(super) fn mm(v: f32) -> f32 {
    v * PT_PER_MM
}

/// Font, size, line height and grey level of one kind of text.
#[derive(Clone, Copy)]
struct Style {
    font: Font,
    size: f32,
    leading: f32,
    grey: f32,
}

const fn style(font: Font, size: f32, leading: f32, grey: f32) -> Style {
    Style {
        font,
        size,
        leading,
        grey,
    }
}

const TITLE: Style = style(Font::Bold, 18.0, 22.0, BLACK);
const SUBTITLE: Style = style(Font::Regular, 11.0, 14.0, DARK_GREY);
const HEADING: Style = style(Font::Bold, 13.0, 16.0, BLACK);
const BODY: Style = style(Font::Regular, 10.0, 13.0, BLACK);
const LABEL: Style = style(Font::Bold, 10.0, 13.0, BLACK);
const MONO: Style = style(Font::Mono, 9.0, 11.0, BLACK);
const CELL: Style = style(Font::Regular, 9.0, 11.5, BLACK);
const HEADER_CELL: Style = style(Font::Bold, CELL.size, CELL.leading, BLACK);
const SMALL: Style = style(Font::Regular, 9.0, 11.0, DARK_GREY);
const FOOTER: Style = style(Font::Regular, 8.0, 10.0, DARK_GREY);

/// Space after a paragraph, mono block, table or list; before and after a heading.
const BLOCK_GAP: f32 = 8.0;
/// Width of the gutter left of a mono block that holds continuation markers.
const MONO_GUTTER: f32 = 10.0;
/// Vertical and horizontal padding inside table cells.
const CELL_PAD_Y: f32 = 3.0;
const CELL_PAD_X: f32 = 3.0;
/// Narrowest table column: room for the widest character (Helvetica's `@`, 1.015 em) at the
/// cell size between the paddings.
const MIN_COLUMN: f32 = 2.0 * CELL_PAD_X + 1.02 * CELL.size;
/// Length of a signature line, as a fraction of the text width.
const SIGN_WIDTH: f32 = 0.6;
/// Space to sign in above each signature line.
const SIGN_SPACE_MM: f32 = 14.0;

/// Baseline of a line of `style` text whose line box starts at `top`: the capitals are
/// centred in the line box.
fn baseline(top: f32, style: Style) -> f32 {
    top - (style.leading + CAP * style.size) / 2.0
}

/// A grey level as a printpdf colour.
fn grey(level: f32) -> Color {
    Color::Greyscale(Greyscale::new(level, None))
}

/// Ops that show one line of already-cleaned text with its baseline origin set by `matrix`.
fn text_ops(ops: &mut Vec<Op>, matrix: TextMatrix, style: Style, s: &str) {
    if s.is_empty() {
        return;
    }
    ops.extend([
        Op::SetFillColor {
            col: grey(style.grey),
        },
        Op::StartTextSection,
        Op::SetFont {
            font: PdfFontHandle::Builtin(style.font.builtin()),
            size: Pt(style.size),
        },
        Op::SetTextMatrix { matrix },
        Op::ShowText {
            items: vec![TextItem::Text(s.to_owned())],
        },
        Op::EndTextSection,
    ]);
}

/// Ops for a horizontal rule.
fn rule_ops(ops: &mut Vec<Op>, x1: f32, x2: f32, y: f32, thickness: f32, level: f32) {
    let point = |x| LinePoint {
        p: Point { x: Pt(x), y: Pt(y) },
        bezier: false,
    };
    ops.extend([
        Op::SetOutlineColor { col: grey(level) },
        Op::SetOutlineThickness { pt: Pt(thickness) },
        Op::DrawLine {
            line: Line {
                points: vec![point(x1), point(x2)],
                is_closed: false,
            },
        },
    ]);
}

/// Pages under construction and the cursor on the current one.
pub(super) struct Layout {
    width: f32,
    height: f32,
    left: f32,
    right: f32,
    top: f32,
    bottom: f32,
    /// Finished pages.
    done: Vec<Vec<Op>>,
    /// The current page.
    ops: Vec<Op>,
    /// Top of the free space on the current page.
    y: f32,
    /// Nothing has been drawn on the current page yet.
    fresh: bool,
}

impl Layout {
    pub(super) fn new(width: f32, height: f32) -> Layout {
        let margin = mm(MARGIN_MM);
        Layout {
            width,
            height,
            left: margin,
            right: width - margin,
            top: height - margin,
            bottom: margin,
            done: Vec::new(),
            ops: Vec::new(),
            y: height - margin,
            fresh: true,
        }
    }

    fn text_width(&self) -> f32 {
        self.right - self.left
    }

    fn body_height(&self) -> f32 {
        self.top - self.bottom
    }

    /// Free space left on the current page.
    fn room(&self) -> f32 {
        self.y - self.bottom
    }

    fn new_page(&mut self) {
        self.done.push(std::mem::take(&mut self.ops));
        self.y = self.top;
        self.fresh = true;
    }

    /// Starts a new page unless `h` fits here (or the page is still empty).
    fn need(&mut self, h: f32) {
        if h > self.room() && !self.fresh {
            self.new_page();
        }
    }

    /// Vertical space, dropped at the top of a page.
    fn gap(&mut self, h: f32) {
        if self.fresh || h.is_nan() || h <= 0.0 {
            return;
        }
        if h >= self.room() {
            self.new_page();
        } else {
            self.y -= h;
        }
    }

    /// Draws one line at `x` in the line box starting at `top` (does not move the cursor).
    fn text_at(&mut self, x: f32, top: f32, style: Style, s: &str) {
        let m = TextMatrix::Translate(Pt(x), Pt(baseline(top, style)));
        text_ops(&mut self.ops, m, style, s);
        self.fresh = false;
    }

    fn rule(&mut self, x1: f32, x2: f32, y: f32, thickness: f32, level: f32) {
        rule_ops(&mut self.ops, x1, x2, y, thickness, level);
        self.fresh = false;
    }

    /// Lines of text at `x`, one under the other, breaking pages between lines.
    fn flow(&mut self, lines: &[String], x: f32, style: Style) {
        for line in lines {
            self.need(style.leading);
            let top = self.y;
            self.text_at(x, top, style, line);
            self.y -= style.leading;
        }
    }

    /// Title, subtitle and a rule at the top of the first page.
    pub(super) fn title(&mut self, doc: &Document) {
        let tw = self.text_width();
        if !doc.title.trim().is_empty() {
            self.flow(
                &wrap(&doc.title, TITLE.font, TITLE.size, tw),
                self.left,
                TITLE,
            );
        }
        if let Some(sub) = doc.subtitle.as_deref().filter(|s| !s.trim().is_empty()) {
            self.gap(2.0);
            self.flow(
                &wrap(sub, SUBTITLE.font, SUBTITLE.size, tw),
                self.left,
                SUBTITLE,
            );
        }
        if !self.fresh {
            self.gap(6.0);
            let (l, r, y) = (self.left, self.right, self.y);
            self.rule(l, r, y, 0.8, BLACK);
            self.gap(14.0);
        }
    }

    /// Draws `block`; `next` is the block after it.
    pub(super) fn block(&mut self, block: &Block, next: Option<&Block>) -> Result<()> {
        let tw = self.text_width();
        match block {
            Block::Heading(h) => {
                self.gap(BLOCK_GAP);
                let lines = wrap(h, HEADING.font, HEADING.size, tw);
                // Keep the heading with the start of the next block.
                self.need(lines.len() as f32 * HEADING.leading + 4.0 + self.lead(next));
                self.flow(&lines, self.left, HEADING);
                self.gap(4.0);
            }
            Block::Paragraph(p) => {
                self.flow(&wrap(p, BODY.font, BODY.size, tw), self.left, BODY);
                self.gap(BLOCK_GAP);
            }
            Block::Mono(lines) => self.mono(lines),
            Block::Table {
                headers,
                widths,
                rows,
            } => self.table(headers, widths, rows)?,
            Block::KeyValue(pairs) => self.key_value(pairs),
            Block::SignatureLines(labels) => self.signatures(labels),
            Block::Spacer(v) if v.is_nan() => {}
            Block::Spacer(v) => self.gap(mm(v.min(1000.0))),
            Block::QrCode(q) => self.qr(q)?,
            Block::Fields(labels) => self.fields(labels),
        }
        Ok(())
    }

    /// Height of the start of `next` that a heading before it is kept with: a few lines of
    /// text, two table rows, or a whole group of signature lines.
    fn lead(&self, next: Option<&Block>) -> f32 {
        let tw = self.text_width();
        let row = CELL.leading + 2.0 * CELL_PAD_Y;
        match next {
            Some(Block::Paragraph(p)) => {
                let lines = wrap(p, BODY.font, BODY.size, tw).len().min(3);
                lines as f32 * BODY.leading
            }
            Some(Block::Mono(lines)) => lines.len().min(3) as f32 * MONO.leading,
            Some(Block::Table { .. }) => 3.0 * row,
            Some(Block::KeyValue(pairs)) => pairs.len().min(2) as f32 * BODY.leading,
            Some(Block::SignatureLines(labels)) => {
                let heights = self.signature_heights(labels).1;
                let total: f32 = heights.iter().sum();
                if total <= self.body_height() {
                    total
                } else {
                    heights.first().copied().unwrap_or(0.0)
                }
            }
            Some(Block::QrCode(q)) => self.qr_plan(q).map_or(0.0, |p| p.height()),
            Some(Block::Fields(labels)) => labels.len().min(1) as f32 * self.field_height(),
            Some(Block::Heading(_) | Block::Spacer(_)) | None => 0.0,
        }
    }

    fn mono(&mut self, lines: &[String]) {
        if lines.is_empty() {
            return;
        }
        let cell = Font::Mono.char_width(' ', MONO.size);
        let cols = ((self.text_width() - MONO_GUTTER) / cell).floor() as usize;
        let x = self.left + MONO_GUTTER;
        for line in lines {
            for (continued, piece) in mono_lines(line, cols) {
                self.need(MONO.leading);
                let top = self.y;
                if continued {
                    let marker = style(Font::Mono, MONO.size, MONO.leading, DARK_GREY);
                    self.text_at(self.left, top, marker, "\u{bb}");
                }
                self.text_at(x, top, MONO, &piece);
                self.y -= MONO.leading;
            }
        }
        self.gap(BLOCK_GAP);
    }

    /// The wrapped labels of a group of signature lines and the height of each entry.
    fn signature_heights(&self, labels: &[String]) -> (Vec<Vec<String>>, Vec<f32>) {
        let sign_w = SIGN_WIDTH * self.text_width();
        let wrapped: Vec<Vec<String>> = labels
            .iter()
            .map(|l| wrap(l, SMALL.font, SMALL.size, sign_w))
            .collect();
        let heights = wrapped
            .iter()
            .map(|l| mm(SIGN_SPACE_MM) + 3.0 + l.len() as f32 * SMALL.leading + BLOCK_GAP)
            .collect();
        (wrapped, heights)
    }

    fn signatures(&mut self, labels: &[String]) {
        let tw = self.text_width();
        let sign_w = SIGN_WIDTH * tw;
        let date_x = self.left + 0.68 * tw;
        let (wrapped, heights) = self.signature_heights(labels);
        let total: f32 = heights.iter().sum();
        if total <= self.body_height() {
            self.need(total);
        }
        for (lines, h) in wrapped.iter().zip(heights) {
            self.need(h);
            self.y -= mm(SIGN_SPACE_MM);
            let (l, y, r) = (self.left, self.y, self.right);
            self.rule(l, l + sign_w, y, 0.6, BLACK);
            self.rule(date_x, r, y, 0.6, BLACK);
            self.y -= 3.0;
            let top = self.y;
            self.text_at(date_x, top, SMALL, "Date");
            self.flow(lines, self.left, SMALL);
            self.gap(BLOCK_GAP);
        }
    }

    /// The pages, each with the watermark under its content and the footer.
    pub(super) fn finish(mut self, footer: &str, watermark: Option<&str>) -> Vec<Vec<Op>> {
        self.done.push(std::mem::take(&mut self.ops));
        let n = self.done.len();
        let mark = watermark.map(|w| self.watermark(w)).unwrap_or_default();
        let pages = std::mem::take(&mut self.done);
        pages
            .into_iter()
            .enumerate()
            .map(|(i, content)| {
                let mut ops = mark.clone();
                ops.extend(content);
                self.footer(&mut ops, footer, i + 1, n);
                ops
            })
            .collect()
    }

    fn footer(&self, ops: &mut Vec<Op>, footer: &str, page: usize, pages: usize) {
        let number = format!("page {page} of {pages}");
        let number_w = FOOTER.font.width(&number, FOOTER.size);
        rule_ops(ops, self.left, self.right, mm(14.0), 0.25, RULE_GREY);
        let base = mm(10.0);
        let left = fit(
            footer,
            FOOTER.font,
            FOOTER.size,
            self.text_width() - number_w - 12.0,
        );
        text_ops(
            ops,
            TextMatrix::Translate(Pt(self.left), Pt(base)),
            FOOTER,
            &left,
        );
        text_ops(
            ops,
            TextMatrix::Translate(Pt(self.right - number_w), Pt(base)),
            FOOTER,
            &number,
        );
    }

    /// Ops for `text` centred on the page along its diagonal, as large as fits (at most
    /// 96 pt; below 16 pt it is cut instead).
    fn watermark(&self, text: &str) -> Vec<Op> {
        let text = clean_line(text).trim().to_owned();
        let style = style(Font::Bold, 96.0, 96.0, WATERMARK_GREY);
        let length = 0.75 * self.width.hypot(self.height);
        let per_pt = style.font.width(&text, 1.0);
        if per_pt <= 0.0 {
            return Vec::new();
        }
        let size = (length / per_pt).min(96.0);
        let (text, size) = if size < 16.0 {
            (fit(&text, style.font, 16.0, length), 16.0)
        } else {
            (text, size)
        };
        let w = style.font.width(&text, size);
        let angle = self.height.atan2(self.width);
        let (sin, cos) = angle.sin_cos();
        let cap = CAP * size;
        let x = self.width / 2.0 - w / 2.0 * cos + cap / 2.0 * sin;
        let y = self.height / 2.0 - w / 2.0 * sin - cap / 2.0 * cos;
        let mut ops = Vec::new();
        let m = TextMatrix::Raw([cos, sin, -sin, cos, x, y]);
        text_ops(&mut ops, m, Style { size, ..style }, &text);
        ops
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;
    use crate::pdfdoc::{PaperSize, lay_out};

    #[test]
    fn spacers_never_make_blank_pages() {
        let d = doc(vec![
            Block::Paragraph("one".into()),
            Block::Spacer(f32::NAN),
            Block::Spacer(-5.0),
            Block::Spacer(0.0),
            Block::Paragraph("still one".into()),
            Block::Spacer(f32::INFINITY),
            Block::Spacer(1e9),
            Block::Spacer(f32::NAN),
            Block::Paragraph("two".into()),
            Block::Spacer(10.0),
            Block::Paragraph("three".into()),
        ]);
        let p = pages(&d);
        assert_eq!(p.len(), 2);
        let find = |t: &str| shown(&p).into_iter().find(|s| s.text == t).unwrap();
        let (one, still) = (find("one"), find("still one"));
        assert_eq!((one.page, still.page), (0, 0));
        assert!((one.y - still.y - (BODY.leading + BLOCK_GAP)).abs() < 0.01);
        let (two, three) = (find("two"), find("three"));
        assert_eq!((two.page, three.page), (1, 1));
        // 10 mm spacer plus the paragraph's own line and gap.
        assert!((two.y - three.y - (mm(10.0) + BODY.leading + BLOCK_GAP)).abs() < 0.01);
    }

    #[test]
    fn a_signature_group_that_fits_on_a_page_is_not_split() {
        let sigs = Block::SignatureLines(vec!["Auditor 1".into(), "Auditor 2".into()]);
        // 45 lines leave room for one entry (about 62 pt) but not for both.
        let p = pages(&doc(vec![filler(45), sigs.clone()]));
        let labels: Vec<Shown> = shown(&p)
            .into_iter()
            .filter(|s| s.text.starts_with("Auditor"))
            .collect();
        assert_eq!(labels.iter().map(|s| s.page).collect::<Vec<_>>(), [1, 1]);
        // With room for both they stay on the first page, each under its own line.
        let p = pages(&doc(vec![filler(10), sigs]));
        let labels: Vec<Shown> = shown(&p)
            .into_iter()
            .filter(|s| s.text.starts_with("Auditor"))
            .collect();
        assert_eq!(labels.iter().map(|s| s.page).collect::<Vec<_>>(), [0, 0]);
        let lines = p[0]
            .iter()
            .filter(|op| matches!(op, Op::DrawLine { .. }))
            .count();
        assert_eq!(
            lines,
            1 + 2 * 2 + 1,
            "title rule, two lines per entry, footer rule"
        );
        assert_eq!(texts_on(&p, 0).iter().filter(|t| *t == "Date").count(), 2);
    }

    #[test]
    fn a_heading_stays_with_the_start_of_the_next_block() {
        // The page a "Timeline" heading lands on after `lines` lines of filler.
        let heading_page = |lines| {
            let p = pages(&doc(vec![
                filler(lines),
                Block::Heading("Timeline".into()),
                table(5),
            ]));
            shown(&p)
                .into_iter()
                .find(|s| s.text == "Timeline")
                .unwrap()
                .page
        };
        assert_eq!(heading_page(47), 1);
        assert_eq!(heading_page(30), 0);
    }

    #[test]
    fn the_watermark_is_under_the_content_of_every_page() {
        let mut d = doc(vec![table(150)]);
        d.watermark = Some("REHEARSAL\n".into());
        let p = pages(&d);
        assert!(p.len() >= 2);
        let all = shown(&p);
        for i in 0..p.len() {
            let first = all.iter().find(|s| s.page == i).unwrap();
            assert_eq!(first.text, "REHEARSAL");
            assert!(!first.upright && first.size > 50.0);
        }
        // A watermark too long for the diagonal is cut at 16 pt.
        d.watermark = Some("W".repeat(10_000));
        let mark = shown(&pages(&d)).into_iter().next().unwrap();
        assert!(mark.text.ends_with("...") && mark.size == 16.0);
    }

    #[test]
    fn long_mono_lines_continue_with_a_marker() {
        let line = "0123456789".repeat(20);
        let p = pages(&doc(vec![Block::Mono(vec![line.clone(), "\tx".into()])]));
        let all = shown(&p);
        let pieces: Vec<&Shown> = all
            .iter()
            .filter(|s| s.font == Font::Mono && s.text != "\u{bb}")
            .collect();
        assert_eq!(
            pieces
                .iter()
                .take(3)
                .map(|s| s.text.as_str())
                .collect::<String>(),
            line
        );
        assert_eq!(pieces[3].text, "    x");
        assert_eq!(all.iter().filter(|s| s.text == "\u{bb}").count(), 2);
    }

    #[test]
    fn text_stays_inside_the_margins() {
        let hex = "ab".repeat(200);
        for size in [PaperSize::A4, PaperSize::Letter] {
            let d = Document {
                title: format!("A very long title {hex}"),
                subtitle: Some(hex.clone()),
                blocks: vec![
                    Block::Heading(hex.clone()),
                    Block::Paragraph(format!("{hex} and some words {hex}")),
                    Block::KeyValue(vec![(hex.clone(), hex.clone()), ("k".into(), "v".into())]),
                    Block::Mono(vec![hex.clone()]),
                    Block::Table {
                        headers: vec![hex.clone(), "b".into()],
                        widths: vec![1.0, 0.01],
                        rows: vec![vec![hex.clone(), hex.clone()]],
                    },
                    Block::SignatureLines(vec![hex.clone()]),
                ],
                footer: hex.clone(),
                watermark: None,
            };
            assert_inside_margins(&lay_out(&d, size).unwrap(), size);
        }
    }

    fn qr(width: usize, size_mm: f32, beside: usize) -> Block {
        Block::QrCode(crate::pdfdoc::QrCode {
            width,
            modules: (0..width * width).map(|i| i % 3 == 0).collect(),
            size_mm,
            caption: vec!["caption".into()],
            under: vec!["U".repeat(100)],
            beside: (0..beside)
                .map(|i| format!("{i:02} ABCD EFGH JKMN"))
                .collect(),
        })
    }

    #[test]
    fn a_qr_code_is_vector_runs_inside_the_margins() {
        let p = pages(&doc(vec![
            qr(21, 50.0, 14),
            Block::Fields(vec!["A".into(), "B".into()]),
        ]));
        assert_eq!(p.len(), 1);
        let polygons: Vec<&printpdf::Polygon> = p[0]
            .iter()
            .filter_map(|op| match op {
                Op::DrawPolygon { polygon } => Some(polygon),
                _ => None,
            })
            .collect();
        assert_eq!(polygons.len(), 1);
        // Every third module dark: in a row of 21 no two dark modules touch, so one ring each.
        assert_eq!(polygons[0].rings.len(), 21 * 7);
        let xs = polygons[0]
            .rings
            .iter()
            .flat_map(|r| r.points.iter().map(|q| q.p.x.0));
        let (lo, hi) = xs.fold((f32::MAX, f32::MIN), |(a, b), x| (a.min(x), b.max(x)));
        // 50 mm of symbol after a 4-module quiet zone at the left margin; dark modules in
        // columns 0 to 18.
        let module = mm(50.0) / 21.0;
        assert!((lo - (mm(MARGIN_MM) + 4.0 * module)).abs() < 0.01, "{lo}");
        assert!((hi - lo - 19.0 * module).abs() < 0.01, "{hi}");
        let texts = texts_on(&p, 0);
        assert!(texts.contains(&"13 ABCD EFGH JKMN".to_string()));
        assert!(texts.contains(&"caption".to_string()));
        assert!(texts.iter().filter(|t| t.starts_with("UUU")).count() >= 2);
        assert_eq!(texts.iter().filter(|t| *t == "A" || *t == "B").count(), 2);
        assert_inside_margins(&p, PaperSize::A4);
    }

    #[test]
    fn an_oversized_qr_code_shrinks_and_a_bad_one_is_refused() {
        let p = pages(&doc(vec![qr(25, 1000.0, 0)]));
        assert_eq!(p.len(), 1);
        assert_inside_margins(&p, PaperSize::A4);
        for bad in [
            Block::QrCode(crate::pdfdoc::QrCode {
                width: 3,
                modules: vec![true; 8],
                size_mm: 10.0,
                caption: vec![],
                under: vec![],
                beside: vec![],
            }),
            qr(21, f32::NAN, 0),
            qr(21, -1.0, 0),
        ] {
            let e = lay_out(&doc(vec![bad]), PaperSize::A4).unwrap_err();
            assert!(
                e.message.starts_with("PDF block 1: QR code"),
                "{}",
                e.message
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Any text, in any block, lays out inside the margins.
        #[test]
        fn any_text_lays_out_inside_the_margins(
            t in "\\PC{0,40}",
            words in proptest::collection::vec("(\\PC|\\s){0,120}", 1..6),
            weights in proptest::collection::vec(proptest::num::f32::ANY, 0..7),
            letter in proptest::bool::ANY,
        ) {
            let n = words.len();
            let d = Document {
                title: t.clone(),
                subtitle: Some(words[0].clone()),
                blocks: vec![
                    Block::Heading(t.clone()),
                    Block::Paragraph(words.join("\n")),
                    Block::Mono(words.clone()),
                    Block::Table { headers: words.clone(), widths: weights, rows: vec![words.clone(); 3] },
                    Block::KeyValue(words.iter().map(|w| (w.clone(), t.clone())).collect()),
                    Block::SignatureLines(words[..n.min(3)].to_vec()),
                ],
                footer: t.clone(),
                watermark: Some(t),
            };
            let size = if letter { PaperSize::Letter } else { PaperSize::A4 };
            let p = lay_out(&d, size).unwrap();
            assert_inside_margins(&p, size);
        }
    }
}
