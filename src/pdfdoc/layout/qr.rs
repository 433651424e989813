//! QR codes (module matrices as vector rectangles, with lines beside and under them) and
//! fill-in fields.

use printpdf::{PaintMode, Polygon, PolygonRing, Rect, WindingOrder};

use super::*;
use crate::error::{Error, Kind};
use crate::pdfdoc::QrCode;
use crate::pdfdoc::text::{clean_line, fit, mono_lines, wrap};

/// Lines beside a QR code: large enough to read back and type without strain.
const BESIDE: Style = style(Font::Mono, 11.0, 14.5, BLACK);
/// Preformatted text under a QR code (after its caption).
const UNDER: Style = style(Font::Mono, 7.0, 8.5, BLACK);
/// Quiet zone around a QR code, in modules (ISO/IEC 18004: 4).
const QUIET: usize = 4;
/// Space between the quiet zone and the lines beside the code.
const BESIDE_GAP_MM: f32 = 6.0;
/// Height of one fill-in field (room for handwriting above its line).
const FIELD_MM: f32 = 10.0;
/// Space between two fields side by side.
const FIELD_GUTTER_MM: f32 = 8.0;

/// Where everything of a QR block goes, relative to the top of the block.
pub(super) struct QrPlan {
    /// Side of one module.
    module: f32,
    /// Side of the symbol with its quiet zone.
    total: f32,
    caption: Vec<String>,
    under: Vec<String>,
    beside: Vec<String>,
    /// Height of the code and its caption.
    code_h: f32,
    /// Height of the lines beside it.
    beside_h: f32,
}

impl QrPlan {
    pub(super) fn height(&self) -> f32 {
        self.code_h.max(self.beside_h)
    }
}

impl Layout {
    /// Checks `q` and computes its geometry on this page size.
    pub(super) fn qr_plan(&self, q: &QrCode) -> Result<QrPlan> {
        let n = q.width;
        if n == 0 || n > 1000 || q.modules.len() != n * n {
            return Err(Error::new(
                Kind::PdfContent,
                format!(
                    "QR code: {} modules do not make a square of side {n}",
                    q.modules.len()
                ),
            ));
        }
        if !(q.size_mm.is_finite() && q.size_mm > 0.0) {
            return Err(Error::new(
                Kind::PdfContent,
                format!("QR code: size {} mm is not a positive length", q.size_mm),
            ));
        }
        let tw = self.text_width();
        let beside: Vec<String> = q
            .beside
            .iter()
            .map(|l| fit(l, BESIDE.font, BESIDE.size, tw / 2.0))
            .collect();
        let beside_w = beside
            .iter()
            .map(|l| BESIDE.font.width(l, BESIDE.size))
            .fold(0.0, f32::max);
        let gap = if beside.is_empty() {
            0.0
        } else {
            mm(BESIDE_GAP_MM)
        };
        let with_quiet = (n + 2 * QUIET) as f32 / n as f32;
        let widest = (tw - beside_w - gap).max(0.0);
        let mut total = (mm(q.size_mm) * with_quiet).min(widest);
        let text_h = |total: f32| {
            let caption = caption_lines(&q.caption, total);
            let under = under_lines(&q.under, total);
            let h = caption.len() as f32 * SMALL.leading + under.len() as f32 * UNDER.leading;
            (caption, under, h)
        };
        let (mut caption, mut under, mut below) = text_h(total);
        // Shrink (rarely needed) until code and text fit on an empty page.
        let room = self.body_height();
        if total + below > room {
            total = (room - below).max(0.0);
            (caption, under, below) = text_h(total);
        }
        let module = total / (n + 2 * QUIET) as f32;
        let code_h = total + below;
        let beside_h = beside.len() as f32 * BESIDE.leading;
        Ok(QrPlan {
            module,
            total,
            caption,
            under,
            beside,
            code_h,
            beside_h,
        })
    }

    /// Draws a QR block at the cursor.
    pub(super) fn qr(&mut self, q: &QrCode) -> Result<()> {
        let plan = self.qr_plan(q)?;
        let h = plan.height();
        self.need(h);
        let top = self.y;
        let left = self.left;
        let code_top = top - (h - plan.code_h) / 2.0;
        // White square (quiet zone included) over anything under it.
        self.ops.extend([
            Op::SetFillColor { col: grey(1.0) },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(left),
                    y: Pt(code_top - plan.total),
                    width: Pt(plan.total),
                    height: Pt(plan.total),
                    mode: Some(PaintMode::Fill),
                    winding_order: Some(WindingOrder::NonZero),
                },
            },
        ]);
        // Dark modules: one rectangle per horizontal run, all in one filled path, so that
        // neighbouring modules show no hairline seams.
        let m = plan.module;
        let mut rings = Vec::new();
        for (r, row) in q.modules.chunks(q.width).enumerate() {
            let y0 = code_top - (QUIET + r + 1) as f32 * m;
            let mut c = 0;
            while c < row.len() {
                if !row[c] {
                    c += 1;
                    continue;
                }
                let start = c;
                while c < row.len() && row[c] {
                    c += 1;
                }
                let x0 = left + (QUIET + start) as f32 * m;
                let x1 = left + (QUIET + c) as f32 * m;
                let corner = |x: f32, y: f32| LinePoint {
                    p: Point { x: Pt(x), y: Pt(y) },
                    bezier: false,
                };
                rings.push(PolygonRing {
                    points: vec![
                        corner(x0, y0),
                        corner(x1, y0),
                        corner(x1, y0 + m),
                        corner(x0, y0 + m),
                    ],
                });
            }
        }
        if !rings.is_empty() {
            self.ops.extend([
                Op::SetFillColor { col: grey(BLACK) },
                Op::DrawPolygon {
                    polygon: Polygon {
                        rings,
                        mode: PaintMode::Fill,
                        winding_order: WindingOrder::NonZero,
                    },
                },
            ]);
        }
        self.fresh = false;
        let mut line_top = code_top - plan.total;
        for line in &plan.caption {
            self.text_at(left, line_top, SMALL, line);
            line_top -= SMALL.leading;
        }
        for line in &plan.under {
            self.text_at(left, line_top, UNDER, line);
            line_top -= UNDER.leading;
        }
        let x = left + plan.total + mm(BESIDE_GAP_MM);
        let beside_top = top - (h - plan.beside_h) / 2.0;
        for (i, line) in plan.beside.iter().enumerate() {
            self.text_at(x, beside_top - i as f32 * BESIDE.leading, BESIDE, line);
        }
        self.y = top - h;
        self.gap(BLOCK_GAP);
        Ok(())
    }

    /// Height of each fill-in field.
    pub(super) fn field_height(&self) -> f32 {
        mm(FIELD_MM)
    }

    /// Fill-in fields: a bold label and a line to write on. Two to a row when every label
    /// takes at most half of a half-width column; one to a row otherwise.
    pub(super) fn fields(&mut self, labels: &[String]) {
        if labels.is_empty() {
            return;
        }
        let tw = self.text_width();
        let gutter = mm(FIELD_GUTTER_MM);
        let half = (tw - gutter) / 2.0;
        let labels: Vec<String> = labels
            .iter()
            .map(|l| clean_line(l).trim().to_owned())
            .collect();
        let two = labels.len() > 1
            && labels
                .iter()
                .all(|l| LABEL.font.width(l, LABEL.size) <= 0.5 * half);
        let (per_row, col_w) = if two { (2, half) } else { (1, tw) };
        let h = self.field_height();
        let rows = labels.len().div_ceil(per_row);
        let total = h * rows as f32;
        if total <= self.body_height() {
            self.need(total);
        }
        for row in labels.chunks(per_row) {
            self.need(h);
            self.y -= h;
            let y = self.y;
            for (i, label) in row.iter().enumerate() {
                let l = self.left + i as f32 * (half + gutter);
                let label = fit(label, LABEL.font, LABEL.size, 0.6 * col_w);
                let label_w = LABEL.font.width(&label, LABEL.size);
                // The label's baseline sits just above the line.
                let m = TextMatrix::Translate(Pt(l), Pt(y + 2.0));
                text_ops(&mut self.ops, m, LABEL, &label);
                self.rule(l + label_w + 6.0, l + col_w, y, 0.6, BLACK);
            }
        }
        self.gap(BLOCK_GAP);
    }
}

/// Preformatted lines cut into pieces of the width of the code.
fn under_lines(under: &[String], width: f32) -> Vec<String> {
    let cols = (width / Font::Mono.char_width(' ', UNDER.size)).floor() as usize;
    under
        .iter()
        .flat_map(|l| mono_lines(l, cols))
        .map(|(_, piece)| piece)
        .collect()
}

/// Caption lines wrapped to `width`.
fn caption_lines(caption: &[String], width: f32) -> Vec<String> {
    caption
        .iter()
        .flat_map(|c| wrap(&clean_line(c), SMALL.font, SMALL.size, width.max(1.0)))
        .collect()
}
