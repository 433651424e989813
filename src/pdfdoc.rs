//! Small, generic PDF documents: a title, a list of [`Block`]s, a footer with page numbers and
//! an optional watermark, laid out on A4 or Letter with 20 mm margins.
//!
//! Used for the auditor's ceremony report (timeline table, artifact hashes, verification
//! result, signature lines) and meant for other printed documents later. Built on printpdf
//! 0.12.8 without default features, which gives no text layout at all: this module measures
//! text with the Adobe font metrics, wraps it, and breaks pages itself.
//!
//! # Text
//! Only the PDF built-in fonts are used (Helvetica, Helvetica-Bold, Courier; nothing is
//! embedded). They show the WinAnsi (Windows-1252) characters only: every other character,
//! and every control or invisible formatting character ([`crate::error::is_unsafe_char`]), is
//! printed as `?`. Tabs become spaces (in [`Block::Mono`]: the next multiple of 4 columns).
//!
//! # Determinism
//! The same [`Document`] always gives the same bytes, so a rendered report can be hashed:
//! printpdf's Info dictionary carries fixed 1970 dates (no clock is read) which are removed,
//! and its file identifier (`/ID`, otherwise taken from a process-wide counter) is replaced by
//! the first 16 bytes of the SHA-256 of the file written with an all-zero identifier.

mod layout;
mod text;

use printpdf::{Mm, Op, PdfDocument, PdfPage, PdfParseErrorSeverity, PdfSaveOptions};
use sha2::{Digest, Sha256};

use crate::encoding::value_list::value_list;
use crate::error::{Error, Kind, Result};
use layout::{Layout, mm};

value_list! {
    /// Paper size of every page (named as the paper layout's `paper` names it).
    pub enum PaperSize {
        /// ISO A4, 210 × 297 mm.
        A4 = "a4",
        /// US Letter, 8.5 × 11 in.
        Letter = "letter",
    }
}

impl PaperSize {
    /// Width and height in millimetres.
    pub fn mm(self) -> (f32, f32) {
        match self {
            PaperSize::A4 => (210.0, 297.0),
            PaperSize::Letter => (215.9, 279.4),
        }
    }
}

/// One piece of content. Blocks flow top to bottom and onto new pages as needed.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A section heading (Helvetica-Bold 13 pt), kept on the same page as the start of the
    /// next block (a few lines, a table's header and first rows, a signature group).
    Heading(String),
    /// Body text (Helvetica 10 pt), word-wrapped to the text width; `\n` starts a new line.
    Paragraph(String),
    /// Preformatted lines (Courier 9 pt, 87 columns on A4). A longer line is cut and
    /// continues on the next line, marked `»` in the left margin of the block.
    Mono(Vec<String>),
    /// A table. `widths` are relative column weights (a missing or non-positive weight counts
    /// as the average of the others; every column is at least 15 pt wide while that fits,
    /// i.e. up to about 30 columns). Cells wrap inside their column. The header row is bold,
    /// cut to at most a third of a page, and repeats at the top of every page the table
    /// continues on. A row with fewer cells than `headers` is padded with empty cells; one
    /// with more is an error. With no headers, the widest row decides the number of columns
    /// and no header row is drawn.
    Table {
        /// Column titles.
        headers: Vec<String>,
        /// Relative column widths.
        widths: Vec<f32>,
        /// Rows of cells.
        rows: Vec<Vec<String>>,
    },
    /// `label: value` pairs in two columns: bold labels, wrapped values.
    KeyValue(Vec<(String, String)>),
    /// For each label, a blank line to sign on with the label below it, and a shorter line
    /// marked "Date" beside it. The whole group stays on one page when it fits on one, and
    /// an entry is never split from its label (unless the label alone is taller than a page).
    SignatureLines(Vec<String>),
    /// Vertical space in millimetres (dropped at the top of a page).
    Spacer(f32),
    /// A QR code (any square module matrix), with optional lines beside and under it.
    QrCode(QrCode),
    /// Fill-in fields: for each label, the bold label and a line to write on (e.g. "Envelope
    /// serial no."); two to a row when the labels are short. A group that fits on a page is
    /// not split.
    Fields(Vec<String>),
}

/// A square matrix of modules drawn as filled vector rectangles (crisp at any resolution;
/// no image is embedded), on a white square that also keeps the 4-module quiet zone clear
/// of anything drawn under it (such as the watermark). The whole block stays on one page.
#[derive(Clone, Debug, PartialEq)]
pub struct QrCode {
    /// Modules per side.
    pub width: usize,
    /// `width × width` modules, row by row from the top left; `true` is dark.
    pub modules: Vec<bool>,
    /// Side of the symbol without its quiet zone, in millimetres. Shrunk if the code, its
    /// quiet zone and the lines beside it do not fit the text width or the page.
    pub size_mm: f32,
    /// Small text under the code, wrapped to the width of the code and its quiet zone.
    pub caption: Vec<String>,
    /// Preformatted lines (Courier 7 pt) under the caption, each cut into pieces as wide as
    /// the code and its quiet zone.
    pub under: Vec<String>,
    /// Preformatted lines (Courier 11 pt) to the right of the code, centred on it
    /// vertically; each is cut to half the text width.
    pub beside: Vec<String>,
}

/// A document to render with [`render`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    /// Title, bold at the top of the first page; also the PDF's metadata title.
    pub title: String,
    /// Line under the title on the first page.
    pub subtitle: Option<String>,
    /// The content.
    pub blocks: Vec<Block>,
    /// Printed at the bottom left of every page (cut with `...` if too long); "page i of n"
    /// is printed at the bottom right.
    pub footer: String,
    /// Large light-grey text across every page, under the content (e.g. "REHEARSAL").
    pub watermark: Option<String>,
}

/// Renders `doc` as PDF bytes. Never panics; the output depends on nothing but `doc` and
/// `size`.
///
/// # Errors
/// [`Error::input`] for a table row with more cells than the table has columns;
/// [`Error::environment`] if printpdf or lopdf fail to produce the file.
pub fn render(doc: &Document, size: PaperSize) -> Result<Vec<u8>> {
    let (w_mm, h_mm) = size.mm();
    let pages = lay_out(doc, size)?;
    let mut pdf = PdfDocument::new(&metadata_text(&doc.title));
    pdf.metadata.info.creator = "rootkey".into();
    pdf.metadata.info.producer = "rootkey (printpdf 0.12)".into();
    pdf.pages = pages
        .into_iter()
        .map(|ops| PdfPage::new(Mm(w_mm), Mm(h_mm), ops))
        .collect();
    serialize(&pdf)
}

/// The number of pages `doc` takes on `size` (laid out, not rendered).
///
/// # Errors
/// As [`render`], for invalid blocks.
pub fn page_count(doc: &Document, size: PaperSize) -> Result<usize> {
    Ok(lay_out(doc, size)?.len())
}

/// The drawing operations of each page.
fn lay_out(doc: &Document, size: PaperSize) -> Result<Vec<Vec<Op>>> {
    let (w_mm, h_mm) = size.mm();
    let mut layout = Layout::new(mm(w_mm), mm(h_mm));
    layout.title(doc);
    for (i, block) in doc.blocks.iter().enumerate() {
        layout
            .block(block, doc.blocks.get(i + 1..).unwrap_or_default())
            .map_err(|e| e.context(format_args!("PDF block {}", i + 1)))?;
    }
    Ok(layout.finish(&doc.footer, doc.watermark.as_deref()))
}

/// The title as PDF metadata (UTF-16, so any character except invisible ones).
fn metadata_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            if crate::error::is_unsafe_char(c) {
                '?'
            } else {
                c
            }
        })
        .collect()
}

/// Writes the document with fixed metadata and a content-derived file identifier.
fn serialize(pdf: &PdfDocument) -> Result<Vec<u8>> {
    let opts = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut lo = pdf.to_lopdf_document(&opts, &mut warnings);
    if let Some(w) = warnings
        .iter()
        .find(|w| w.severity == PdfParseErrorSeverity::Error)
    {
        return Err(Error::new(
            Kind::Pdf,
            format!("PDF rendering failed on page {}: {}", w.page + 1, w.msg),
        ));
    }
    // Info dictionary: keep Title, Creator and Producer; the rest is empty or fixed 1970.
    let info = lo
        .trailer
        .get(b"Info")
        .and_then(|o| o.as_reference())
        .map_err(lopdf_error("no Info dictionary"))?;
    let info = lo
        .get_object_mut(info)
        .and_then(|o| o.as_dict_mut())
        .map_err(lopdf_error("no Info dictionary"))?;
    for key in [
        "CreationDate",
        "ModDate",
        "Trapped",
        "GTS_PDFXVersion",
        "Author",
        "Subject",
        "Identifier",
        "Keywords",
    ] {
        info.remove(key.as_bytes());
    }
    lo.compress();

    let mut id = [0u8; 16];
    let mut out = Vec::new();
    for pass in 0..2 {
        let ids = lo
            .trailer
            .get_mut(b"ID")
            .and_then(|o| o.as_array_mut())
            .map_err(lopdf_error("no file identifier"))?;
        for part in ids {
            *part
                .as_str_mut()
                .map_err(lopdf_error("odd file identifier"))? = hex::encode(id).into_bytes();
        }
        out.clear();
        lo.save_to(&mut out)
            .map_err(lopdf_error("writing the file"))?;
        if pass == 0 {
            id.copy_from_slice(&Sha256::digest(&out)[..16]);
        }
    }
    Ok(out)
}

/// Maps an error of printpdf's lopdf (whose type this crate does not name) into ours.
fn lopdf_error<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> Error {
    move |e| Error::new(Kind::Pdf, format!("PDF rendering failed: {what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Kind;
    use layout::testutil::{doc, pages, table, texts_on};

    #[test]
    fn empty_document_is_one_numbered_page() {
        let p = pages(&Document::default());
        assert_eq!(p.len(), 1);
        assert_eq!(texts_on(&p, 0), ["page 1 of 1"]);
        let pdf = render(&Document::default(), PaperSize::Letter).unwrap();
        assert!(pdf.starts_with(b"%PDF-1.3"));
    }

    #[test]
    fn rows_with_too_many_cells_are_rejected() {
        let d = doc(vec![
            Block::Paragraph("x".into()),
            Block::Table {
                headers: vec!["A".into(), "B".into()],
                widths: vec![],
                rows: vec![vec!["1".into()], vec!["1".into(), "2".into(), "3".into()]],
            },
        ]);
        let e = render(&d, PaperSize::A4).unwrap_err();
        assert_eq!(e.kind, Kind::PdfContent);
        assert_eq!(
            e.message,
            "PDF block 2: table row 2: 3 cells but the table has 2 columns"
        );
    }

    #[test]
    fn same_document_same_bytes_and_no_dates() {
        let d = doc(vec![table(3)]);
        let a = render(&d, PaperSize::A4).unwrap();
        let b = render(&d, PaperSize::A4).unwrap();
        assert_eq!(a, b);
        let c = render(&doc(vec![table(4)]), PaperSize::A4).unwrap();
        let id = |pdf: &[u8]| {
            let s = String::from_utf8_lossy(pdf).into_owned();
            let at = s.find("/ID").unwrap();
            s[at..at + 80].to_string()
        };
        assert_ne!(id(&a), id(&c));
        let text = String::from_utf8_lossy(&a);
        assert!(!text.contains("CreationDate") && !text.contains("ModDate"));
        assert!(
            !text.contains(&"0".repeat(32)),
            "placeholder identifier left in the file"
        );
    }

    #[test]
    fn a_huge_paragraph_renders() {
        let p = "lorem ipsum dolor sit amet ".repeat(8_000);
        let pdf = render(&doc(vec![Block::Paragraph(p)]), PaperSize::A4).unwrap();
        assert!(pdf.len() > 10_000);
    }
}
