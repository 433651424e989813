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

    /// Draws `block`; `rest` are the blocks after it.
    pub(super) fn block(&mut self, block: &Block, rest: &[Block]) -> Result<()> {
        let tw = self.text_width();
        let next = rest.first();
        match block {
            Block::Heading(h) => {
                self.gap(BLOCK_GAP);
                let lines = wrap(h, HEADING.font, HEADING.size, tw);
                // Keep the heading with the start of the next block.
                self.need(lines.len() as f32 * HEADING.leading + 4.0 + self.lead(rest));
                self.flow(&lines, self.left, HEADING);
                self.gap(4.0);
            }
            Block::Paragraph(p) => {
                let lines = wrap(p, BODY.font, BODY.size, tw);
                // A paragraph that introduces signature lines stays with them (a signature
                // block never stands alone at the top of a page).
                if let Some(Block::SignatureLines(_)) = next {
                    self.need(lines.len() as f32 * BODY.leading + BLOCK_GAP + self.lead(rest));
                }
                self.flow(&lines, self.left, BODY);
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

    /// Height of the start of `rest` that a heading before it is kept with: a few lines of
    /// text, two table rows, or a whole group of signature lines — with a paragraph that
    /// introduces signature lines, that paragraph and the whole group (when they fit on a page).
    fn lead(&self, rest: &[Block]) -> f32 {
        let tw = self.text_width();
        let row = CELL.leading + 2.0 * CELL_PAD_Y;
        match rest.first() {
            Some(Block::Paragraph(p)) if matches!(rest.get(1), Some(Block::SignatureLines(_))) => {
                let whole = wrap(p, BODY.font, BODY.size, tw).len() as f32 * BODY.leading
                    + BLOCK_GAP
                    + self.lead(&rest[1..]);
                if whole <= self.body_height() {
                    whole
                } else {
                    3.0 * BODY.leading
                }
            }
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
mod tests;
