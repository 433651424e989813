//! Tests of the page layout: page breaks, signature groups, headings kept with what follows,
//! the watermark under every page, long mono lines, margins, QR codes.

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
        assert_eq!(e.kind, crate::error::Kind::PdfContent);
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
