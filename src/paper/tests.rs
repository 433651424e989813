use super::*;
use crate::error::Kind;
use crate::share::ShareHeader;

fn envelope(index: u8, rehearsal: bool) -> Envelope {
    let header = ShareHeader {
        rehearsal,
        ceremony_id: [0x5a; 16],
        root_fingerprint: [0xc3; 16],
        k: 3,
        n: 5,
        index,
    };
    Envelope::new(&header, &[0x42; 32]).unwrap()
}

fn info(index: u8, rehearsal: bool) -> ShardInfo {
    let mut fp = [0xc3; 32];
    fp[16..].copy_from_slice(&[0x11; 16]);
    ShardInfo {
        index,
        n: 5,
        threshold: 3,
        holder: "Alice Example".into(),
        role: "Security officer".into(),
        ceremony_name: "Example Root CA 2026".into(),
        ceremony_id: "5a".repeat(16),
        created: "2026-03-01T10:00:00Z".into(),
        root_fingerprint: fp,
        rehearsal,
    }
}

#[test]
fn the_shipped_layout_parses_with_its_documented_defaults() {
    let l = PaperLayout::from_toml(DEFAULT_PAPER_LAYOUT, "paper.toml").unwrap();
    assert_eq!(l, PaperLayout::default());
    assert_eq!(l.paper, PaperSize::A4);
    assert_eq!(l.qr_ec, QrEc::Q);
    assert_eq!(l.qr_size_mm, 55.0);
    assert!(!l.print_compact_form);
    assert_eq!(l.instructions.len(), 4);
    assert!(l.envelope_fields[0].contains("serial"));
    // An empty file means every default.
    assert_eq!(PaperLayout::from_toml("", "empty.toml").unwrap(), l);
}

#[test]
fn layout_errors_name_the_file_and_line() {
    let cases = [
        (
            "paper = \"a4\"\n[qr]\nsize_mm = 55.0\ncolour = 1\n",
            "x.toml, line 4",
        ),
        ("\n\n[qr]\nsize_mm = 120.0\n", "x.toml, line 4"),
        ("paper = \"a3\"\n", "x.toml, line 1"),
        ("[qr]\nerror_correction = \"L\"\n", "x.toml, line 2"),
        ("[text]\nsignatures = [\"\"]\n", "x.toml, line 2"),
        ("[text]\nsignatures = [\"a\u{1b}[2J\"]\n", "x.toml, line 2"),
        ("bogus = 1\n", "x.toml, line 1"),
    ];
    for (text, want) in cases {
        let e = PaperLayout::from_toml(text, "x.toml").unwrap_err();
        assert_eq!(e.kind, Kind::PaperLayout, "{text}");
        assert!(e.message.contains(want), "{text:?}: {}", e.message);
    }
    let l = PaperLayout::from_toml("paper = \"Letter\"\n[qr]\nerror_correction = \"H\"\n", "x")
        .unwrap();
    assert_eq!((l.paper, l.qr_ec), (PaperSize::Letter, QrEc::H));
    let e = PaperLayout::from_toml("paper = \"A3\"\n", "x.toml").unwrap_err();
    assert!(
        e.message
            .ends_with(r#"x.toml, line 1: paper = "a3" must be "a4" or "letter""#),
        "{}",
        e.message
    );
}

#[test]
fn qr_versions_are_the_smallest_alphanumeric_ones() {
    let compact = text::encode_compact(&envelope(1, false)).unwrap();
    assert_eq!(compact.len(), 161);
    // Byte mode would need versions 9 (M), 11 (Q) and 13 (H): these widths prove the
    // alphanumeric mode.
    for (ec, width) in [(QrEc::M, 45), (QrEc::Q, 53), (QrEc::H, 57)] {
        let (w, m) = qr_modules(compact.as_slice(), ec).unwrap();
        assert_eq!(w, width, "{ec:?}");
        assert_eq!(m.len(), w * w);
        // Finder pattern corner: a 7-module dark top row.
        assert!(m[..7].iter().all(|&d| d) && !m[7]);
    }
    let e = qr_modules(b"RKS1:abc", QrEc::Q).unwrap_err();
    assert_eq!(e.kind, Kind::BadCharacter);
    assert!(e.message.contains("character 6"), "{}", e.message);
    assert!(qr_modules(&[b'7'; 5000], QrEc::H).is_err());
}

#[test]
fn the_page_must_match_the_share() {
    let env = envelope(2, false);
    let layout = PaperLayout::default();
    shard_pdf(&info(2, false), &env, &layout, PaperSize::A4).unwrap();
    let mut bad = vec![info(1, false), info(2, true)];
    bad.push(ShardInfo {
        ceremony_id: "00".repeat(16),
        ..info(2, false)
    });
    bad.push(ShardInfo {
        root_fingerprint: [0; 32],
        ..info(2, false)
    });
    bad.push(ShardInfo {
        threshold: 2,
        ..info(2, false)
    });
    for i in bad {
        let e = shard_pdf(&i, &env, &layout, PaperSize::A4).unwrap_err();
        assert_eq!(e.kind, Kind::ShardMismatch, "{}", e.message);
    }
}

#[test]
fn long_names_stay_on_one_page() {
    let env = envelope(5, true);
    let long = "Maximiliane Josephine Alexandra von und zu Hohenzollern-Sigmaringen ".repeat(12);
    let i = ShardInfo {
        index: 5,
        holder: long.clone(),
        role: long.clone(),
        ceremony_name: long.clone(),
        created: long.clone(),
        ..info(5, true)
    };
    for compact in [false, true] {
        let layout = PaperLayout {
            print_compact_form: compact,
            ..PaperLayout::default()
        };
        for size in [PaperSize::A4, PaperSize::Letter] {
            // The first attempt does not fit: the fields are cut.
            let full = page(
                &i,
                &layout,
                &text::encode_file_form(&env).unwrap(),
                &text::encode_compact(&env).unwrap(),
                53,
                &[false; 53 * 53],
                usize::MAX,
            )
            .unwrap();
            assert!(pdfdoc::page_count(&full, size).unwrap() > 1);
            let pdf = shard_pdf(&i, &env, &layout, size)
                .unwrap_or_else(|e| panic!("{size:?} compact={compact}: {e:?}"));
            assert_eq!(count_pages(pdf.as_slice()), 1, "{size:?}");
        }
    }
}

#[test]
fn too_many_instructions_are_refused_not_spilled() {
    let env = envelope(1, false);
    let layout = PaperLayout {
        instructions: vec!["A long instruction. ".repeat(19); 12],
        ..PaperLayout::default()
    };
    let e = shard_pdf(&info(1, false), &env, &layout, PaperSize::Letter).unwrap_err();
    assert_eq!(e.kind, Kind::PaperLayout, "{}", e.message);
    assert!(e.message.contains("one page"), "{}", e.message);
}

/// Page objects in a PDF (`/Type /Page` not followed by `s`).
fn count_pages(pdf: &[u8]) -> usize {
    let s = String::from_utf8_lossy(pdf);
    s.match_indices("/Type/Page")
        .chain(s.match_indices("/Type /Page"))
        .filter(|(at, m)| !s[at + m.len()..].starts_with('s'))
        .count()
}
