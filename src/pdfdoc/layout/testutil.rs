//! Helpers for the layout tests: what text was drawn where.

use printpdf::{BuiltinFont, Op, PdfFontHandle, TextItem};

use super::{FOOTER, MARGIN_MM, mm};
use crate::pdfdoc::text::Font;
use crate::pdfdoc::{Block, Document, PaperSize, lay_out};

/// One shown string: page (0-based), font, size, origin, text.
#[derive(Debug, Clone)]
pub(crate) struct Shown {
    pub(crate) page: usize,
    pub(crate) font: Font,
    pub(crate) size: f32,
    pub(crate) x: f32,
    pub(crate) y: f32,
    pub(crate) text: String,
    /// Drawn by an unrotated text matrix.
    pub(crate) upright: bool,
}

pub(crate) fn shown(pages: &[Vec<Op>]) -> Vec<Shown> {
    let mut out = Vec::new();
    for (page, ops) in pages.iter().enumerate() {
        let (mut font, mut size, mut m) = (Font::Regular, 0.0, [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        for op in ops {
            match op {
                Op::SetFont {
                    font: PdfFontHandle::Builtin(f),
                    size: s,
                } => {
                    font = match f {
                        BuiltinFont::Helvetica => Font::Regular,
                        BuiltinFont::HelveticaBold => Font::Bold,
                        BuiltinFont::Courier => Font::Mono,
                        other => panic!("unexpected font {other:?}"),
                    };
                    size = s.0;
                }
                Op::SetTextMatrix { matrix } => m = matrix.as_array(),
                Op::ShowText { items } => {
                    for item in items {
                        let TextItem::Text(t) = item else {
                            panic!("{item:?}")
                        };
                        out.push(Shown {
                            page,
                            font,
                            size,
                            x: m[4],
                            y: m[5],
                            text: t.clone(),
                            upright: m[..4] == [1.0, 0.0, 0.0, 1.0],
                        });
                    }
                }
                _ => {}
            }
        }
    }
    out
}

pub(crate) fn pages(doc: &Document) -> Vec<Vec<Op>> {
    lay_out(doc, PaperSize::A4).unwrap()
}

pub(crate) fn texts_on(pages: &[Vec<Op>], page: usize) -> Vec<String> {
    shown(pages)
        .into_iter()
        .filter(|s| s.page == page)
        .map(|s| s.text)
        .collect()
}

pub(crate) fn doc(blocks: Vec<Block>) -> Document {
    Document {
        title: "Report".into(),
        blocks,
        ..Document::default()
    }
}

pub(crate) fn table(rows: usize) -> Block {
    Block::Table {
        headers: vec!["Time".into(), "Event".into(), "Detail".into()],
        widths: vec![2.0, 1.0, 4.0],
        rows: (1..=rows)
            .map(|i| vec![format!("t{i}"), format!("r{i:04}"), "ok".into()])
            .collect(),
    }
}

/// A paragraph of `lines` lines (under the title "Report").
pub(crate) fn filler(lines: usize) -> Block {
    Block::Paragraph(vec!["filler"; lines].join("\n"))
}

/// Every upright string lies inside the margins (the footer inside the bottom margin).
pub(crate) fn assert_inside_margins(p: &[Vec<Op>], size: PaperSize) {
    let (w, h) = size.mm();
    let (w, h) = (mm(w), mm(h));
    let m = mm(MARGIN_MM);
    for s in shown(p).iter().filter(|s| s.upright) {
        let right = s.x + s.font.width(&s.text, s.size);
        assert!(
            s.x >= m - 0.01 && right <= w - m + 0.01,
            "{s:?} ends at {right}"
        );
        let footer = s.size == FOOTER.size && s.y < m;
        assert!(footer || (s.y > m && s.y < h - m), "{s:?}");
    }
}
