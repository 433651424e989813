//! The limits of `--qr-image` (src/console/qr_photo.rs), through the real binary: noise photos
//! inside the size limits are refused within the work bound (issue 16: a 2000 × 2000 noise PNG
//! took 22 s, an 8000 × 8000 noise JPEG over 9 minutes); a refusal says how many finder
//! patterns were seen and what to try; a code that is not a share, a code that only looks like
//! one, and several different shares are refused; each exact message and exit code pinned.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use image::{GrayImage, Luma};
use qrcode::{Color, EcLevel, QrCode};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tempfile::TempDir;

use common::{INPUT, Run, rootkey};

/// The work bound (`WORK_LIMIT`, 4 s) plus one attempt and the image's own decoding, with
/// room for a loaded test machine and an unoptimised build of rootkey's own code.
const BOUND: Duration = Duration::from_secs(12);

/// What every refusal of an unreadable photo advises.
const TRY: &str = "  next step: photograph again: closer, so that the QR code fills most of the \
                   picture; the paper flat; more light, without shadow or glare across the \
                   code; or type the rows instead (--type, or Enter at the photo prompt)\n";

struct Fixture {
    _dir: TempDir,
    dir: PathBuf,
}

/// One rehearsal: the manifest and root that `share verify` checks a photo against.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let t = TempDir::new().unwrap();
        let dir = t.path().join("r");
        common::Ceremony::rehearse(&dir);
        Fixture { _dir: t, dir }
    })
}

/// `rootkey share verify --qr-image PHOTO` against the rehearsal, and how long it took.
fn verify(photo: &Path) -> (Run, Duration) {
    let f = fixture();
    let (m, r) = (f.dir.join("manifest.json"), f.dir.join("root.pem"));
    let started = Instant::now();
    let run = rootkey([
        "share".as_ref(),
        "verify".as_ref(),
        "--qr-image".as_ref(),
        photo.as_os_str(),
        "--manifest".as_ref(),
        m.as_os_str(),
        "--root".as_ref(),
        r.as_os_str(),
    ]);
    (run, started.elapsed())
}

/// The one-line (compact) form of the rehearsal's share `index`.
fn compact(index: usize) -> String {
    let c = common::Ceremony::open(&fixture().dir);
    let d = rootkey::share::text::parse(&std::fs::read(c.share(index)).unwrap()).unwrap();
    let c = rootkey::share::text::encode_compact(&d.envelope).unwrap();
    String::from_utf8(c.as_slice().to_vec()).unwrap()
}

/// The modules of a QR code holding `text` (EC level H, as on the paper shards).
fn modules(text: &str) -> (u32, Vec<bool>) {
    let code = QrCode::with_error_correction_level(text, EcLevel::H).unwrap();
    let w = code.width() as u32;
    (
        w,
        code.to_colors().iter().map(|c| *c == Color::Dark).collect(),
    )
}

/// Draws `text`'s QR code onto `img` at (`x0`, `y0`), `px` pixels a module; `erase` finder
/// patterns (0 top left, 1 top right, 2 bottom left) are painted white with their separators.
fn draw(img: &mut GrayImage, text: &str, x0: u32, y0: u32, px: u32, erase: &[usize]) {
    let (w, dark) = modules(text);
    for y in 0..w {
        for x in 0..w {
            let in_finder = |i: usize| {
                let (fx, fy) = [(0, 0), (w - 8, 0), (0, w - 8)][i];
                (fx..fx + 8).contains(&x) && (fy..fy + 8).contains(&y)
            };
            if dark[(y * w + x) as usize] && !erase.iter().any(|&i| in_finder(i)) {
                for d in 0..px * px {
                    img.put_pixel(x0 + x * px + d % px, y0 + y * px + d / px, Luma([0]));
                }
            }
        }
    }
}

/// A white picture of `w` × `h` pixels with each QR code of `texts` drawn side by side.
fn picture(texts: &[&str], erase: &[usize]) -> GrayImage {
    let px = 6;
    let side = (modules(texts[0]).0 + 8) * px;
    let mut img = GrayImage::from_pixel(side * texts.len() as u32, side, Luma([255]));
    for (i, t) in texts.iter().enumerate() {
        draw(&mut img, t, i as u32 * side + 4 * px, 4 * px, px, erase);
    }
    img
}

/// Random black and white pixels in blocks of `block` × `block`, seeded.
fn noise(side: u32, block: u32, seed: u64) -> GrayImage {
    let mut rng = StdRng::seed_from_u64(seed);
    let cells = (side / block) as usize;
    let mut px = vec![255u8; (side * side) as usize];
    let mut row = vec![255u8; side as usize];
    for cy in 0..cells {
        for cx in 0..cells {
            let v = if rng.random_bool(0.5) { 0 } else { 255 };
            row[cx * block as usize..(cx + 1) * block as usize].fill(v);
        }
        for y in 0..block as usize {
            let start = (cy * block as usize + y) * side as usize;
            px[start..start + side as usize].copy_from_slice(&row);
        }
    }
    GrayImage::from_raw(side, side, px).unwrap()
}

/// The exact stderr of a refused photo.
fn refused(photo: &Path, what: &str, hint: &str) -> String {
    format!("error: QR image {}: {what}\n{hint}", photo.display())
}

#[test]
fn a_2000_pixel_noise_png_is_refused_within_the_bound() {
    let t = TempDir::new().unwrap();
    let photo = t.path().join("noise.png");
    noise(2000, 1, 16).save(&photo).unwrap();
    refused_within_the_bound(&photo);
}

/// `photo` (noise) is refused within [`BOUND`], saying that finder patterns were seen but no code
/// read, and what to try.
fn refused_within_the_bound(photo: &Path) {
    let (r, took) = verify(photo);
    r.code(INPUT).single_error();
    assert_eq!(
        r.stderr,
        refused(
            photo,
            "no QR code read (finder patterns seen: 3 or more)",
            TRY
        )
    );
    assert!(took < BOUND, "took {took:?}");
}

/// 8000 × 8000 (the largest side accepted) and under the 32 MiB file limit: the whole photo is
/// decoded, then scaled down to the working size before any attempt.
#[test]
fn an_8000_pixel_noise_jpeg_is_refused_within_the_bound() {
    let t = TempDir::new().unwrap();
    let photo = t.path().join("noise.jpg");
    // `save` encodes inside the image crate (optimised in test builds), at JPEG quality 75.
    noise(8000, 4, 17).save(&photo).unwrap();
    let size = std::fs::metadata(&photo).unwrap().len();
    assert!(size < 32 * 1024 * 1024, "{size} bytes: over the file limit");
    refused_within_the_bound(&photo);
}

/// The refusal counts the finder patterns seen: none on blank paper, two of three when one
/// corner of the code is covered (a thumb, a fold), and says what to try.
#[test]
fn a_refusal_says_how_many_finder_patterns_were_seen_and_what_to_try() {
    let t = TempDir::new().unwrap();
    let share = compact(2);
    let blank = t.path().join("blank.png");
    GrayImage::from_pixel(400, 300, Luma([255]))
        .save(&blank)
        .unwrap();
    let thumb = t.path().join("thumb.png");
    picture(&[&share], &[2]).save(&thumb).unwrap();
    for (photo, what) in [
        (&blank, "no QR code found (finder patterns seen: 0 of 3)"),
        (&thumb, "no QR code read (finder patterns seen: 2 of 3)"),
    ] {
        let (r, _) = verify(photo);
        r.code(INPUT).single_error();
        assert_eq!(r.stderr, refused(photo, what, TRY));
    }
    // The same code, whole, is read: the corner alone made the difference.
    let whole = t.path().join("whole.png");
    picture(&[&share], &[]).save(&whole).unwrap();
    verify(&whole)
        .0
        .ok()
        .stdout_has(&["OK: share 2 of 5 (threshold 3)"]);
}

/// A QR code that is not a share, one that only starts like a share (the share decoder and its
/// checksums refuse it: a decoded string is never accepted on its prefix), and two different
/// shares in one photo are refused.
#[test]
fn other_codes_false_shares_and_several_shares_are_refused() {
    let t = TempDir::new().unwrap();
    let (one, two) = (compact(1), compact(2));
    // Ten characters in the middle changed: more than any correction can undo.
    let forged: String = two
        .char_indices()
        .map(|(i, c)| match (i, c) {
            (40..50, '0') => '1',
            (40..50, _) => '0',
            _ => c,
        })
        .collect();
    let cases = [
        (
            "menu.png",
            picture(&["HTTPS://EXAMPLE.COM/LUNCH"], &[]),
            "the QR code is not a rootkey share (it does not start with RKS1:)",
            "  next step: photograph the QR code on the paper shard itself\n",
        ),
        (
            "two.png",
            picture(&[&one, &two], &[]),
            "holds 2 different share QR codes; photograph one share at a time",
            "",
        ),
    ];
    for (name, img, what, hint) in cases {
        let photo = t.path().join(name);
        img.save(&photo).unwrap();
        let (r, _) = verify(&photo);
        r.code(INPUT).single_error();
        assert_eq!(r.stderr, refused(&photo, what, hint));
    }
    let photo = t.path().join("forged.png");
    picture(&[&forged], &[]).save(&photo).unwrap();
    let (r, _) = verify(&photo);
    r.code(INPUT)
        .single_error()
        .stderr_has(&[&format!("error: share QR image {}: ", photo.display())]);
}
