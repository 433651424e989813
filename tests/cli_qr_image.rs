//! `rootkey combine --qr-image PHOTO`: a share read from a picture of its QR code (PNG or
//! JPEG) gives the same result as its file; pictures without a QR code, with a QR code that
//! holds something else, or with another ceremony's share are refused with a clear message.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use image::{GrayImage, Luma};
use qrcode::{Color, EcLevel, QrCode};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::Value;
use tempfile::TempDir;

use common::{INPUT, Run, VERIFICATION, rootkey, transcript_dir};

const EC: EcLevel = EcLevel::H;

struct Fixture {
    _dir: TempDir,
    a: PathBuf,
    b: PathBuf,
}

/// Two rehearsals: `a` is the ceremony under test, `b` another one.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = TempDir::new().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        for d in [&a, &b] {
            common::Ceremony::rehearse(d);
        }
        Fixture { _dir: dir, a, b }
    })
}

fn share(dir: &Path, i: usize) -> PathBuf {
    let names = ["alice", "bob", "carol", "dave", "erin"];
    dir.join(format!("share-0{i}-{}-rehearsal.txt", names[i - 1]))
}

fn compact_of(file: &Path) -> String {
    let d = rootkey::share::text::parse(&std::fs::read(file).unwrap()).unwrap();
    let c = rootkey::share::text::encode_compact(&d.envelope).unwrap();
    String::from_utf8(c.as_slice().to_vec()).unwrap()
}

/// A picture of a QR code holding `text`: `px` pixels per module, a 4-module quiet zone, and
/// `damage` of the data modules (a fraction) painted the wrong colour — stains and scratches
/// on the data area; the function patterns (which locate and describe the code) are intact.
fn qr_picture(text: &str, px: u32, damage: f64) -> GrayImage {
    let code = QrCode::with_error_correction_level(text, EC).unwrap();
    let w = code.width() as u32;
    let colors = code.to_colors();
    let mut rng = StdRng::seed_from_u64(7);
    let size = (w + 8) * px;
    let mut img = GrayImage::from_pixel(size, size, Luma([255]));
    for y in 0..w {
        for x in 0..w {
            let mut dark = colors[(y * w + x) as usize] == Color::Dark;
            // Function patterns: finders with separators and format information (9 × 9
            // corners), timing lines, version information (6 × 3 blocks).
            let corner = |a: u32, b: u32| a < 9 && b < 9;
            let function = corner(x, y)
                || corner(w - 1 - x, y)
                || corner(x, w - 1 - y)
                || x == 6
                || y == 6
                || (y < 6 && x + 11 >= w)
                || (x < 6 && y + 11 >= w);
            if !function && rng.random_range(0.0..1.0) < damage {
                dark = !dark;
            }
            if dark {
                for dy in 0..px {
                    for dx in 0..px {
                        img.put_pixel((x + 4) * px + dx, (y + 4) * px + dy, Luma([0]));
                    }
                }
            }
        }
    }
    img
}

fn combine(files: &[&Path], images: &[&Path]) -> (Run, PathBuf) {
    let f = fixture();
    let out = transcript_dir();
    let m = f.a.join("manifest.json");
    let r = f.a.join("root.pem");
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "combine".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "--manifest".as_ref(),
        m.as_os_str(),
        "--root".as_ref(),
        r.as_os_str(),
    ];
    args.extend(files.iter().map(|p| p.as_os_str()));
    for i in images {
        args.push("--qr-image".as_ref());
        args.push(i.as_os_str());
    }
    (rootkey(args), out.join("transcript.jsonl"))
}

fn presented(t: &Path) -> Vec<Value> {
    std::fs::read_to_string(t)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["action"] == "share-presented")
        .map(|v| v["details"].clone())
        .collect()
}

#[test]
fn a_share_read_from_png_and_jpeg_pictures_is_the_share_in_its_file() {
    let f = fixture();
    let t = TempDir::new().unwrap();
    let png = t.path().join("carol.png");
    let jpg = t.path().join("erin.jpg");
    qr_picture(&compact_of(&share(&f.a, 3)), 8, 0.0)
        .save(&png)
        .unwrap();
    qr_picture(&compact_of(&share(&f.a, 5)), 8, 0.0)
        .save(&jpg)
        .unwrap();
    let (r, t1) = combine(&[&share(&f.a, 1)], &[&png, &jpg]);
    r.ok().stdout_has(&[
        "Quorum: shares 1, 3 and 5 rebuilt the root key\n  share  1  Alice Rehearsal\n  share  3  Carol Rehearsal\n  share  5  Erin Rehearsal\n",
    ]);
    let (r, t2) = combine(&[&share(&f.a, 1), &share(&f.a, 3), &share(&f.a, 5)], &[]);
    r.ok();
    let (p1, p2) = (presented(&t1), presented(&t2));
    for i in 0..3 {
        assert_eq!(p1[i]["envelope_sha256"], p2[i]["envelope_sha256"]);
        assert_eq!(p1[i]["index"], p2[i]["index"]);
    }
    assert_eq!(p1[1]["file"], "carol.png");
    assert_eq!(p1[2]["file"], "erin.jpg");
}

/// Error correction H (as on the paper shards) survives 2 % of the data modules flipped at
/// random — each in a different place, the worst case for the code — and a blot covering
/// about 4 % of the symbol.
#[test]
fn a_picture_with_a_few_percent_of_damaged_modules_still_reads() {
    let f = fixture();
    let t = TempDir::new().unwrap();
    let text = compact_of(&share(&f.a, 2));
    let scattered = t.path().join("scattered.png");
    qr_picture(&text, 6, 0.02).save(&scattered).unwrap();
    let blot = t.path().join("blot.png");
    let mut img = qr_picture(&text, 6, 0.0);
    let px = 6;
    // A 12 × 12-module ink blot in the data area (below the top-left finder, left of centre).
    for y in (4 + 14) * px..(4 + 26) * px {
        for x in (4 + 10) * px..(4 + 22) * px {
            img.put_pixel(x, y, Luma([0]));
        }
    }
    img.save(&blot).unwrap();
    for damaged in [&scattered, &blot] {
        let (r, _) = combine(&[&share(&f.a, 1), &share(&f.a, 3)], &[damaged]);
        r.ok().stdout_has(&["  share  2  Bob Rehearsal\n"]);
    }
}

#[test]
fn pictures_that_are_not_this_ceremonys_share_are_refused() {
    let f = fixture();
    let t = TempDir::new().unwrap();
    let blank = t.path().join("blank.png");
    GrayImage::from_pixel(300, 300, Luma([255]))
        .save(&blank)
        .unwrap();
    let other = t.path().join("menu.png");
    qr_picture("HTTPS://EXAMPLE.COM/LUNCH", 8, 0.0)
        .save(&other)
        .unwrap();
    let foreign = t.path().join("foreign.png");
    qr_picture(&compact_of(&share(&f.b, 2)), 8, 0.0)
        .save(&foreign)
        .unwrap();
    let garbage = t.path().join("garbage.png");
    std::fs::write(&garbage, b"not an image at all").unwrap();
    let one = share(&f.a, 1);
    let three = share(&f.a, 3);
    for (img, code, want) in [
        (&blank, INPUT, "blank.png: no QR code found"),
        (
            &other,
            INPUT,
            "menu.png: the QR code is not a rootkey share",
        ),
        (
            &foreign,
            VERIFICATION,
            "foreign.png: belongs to another ceremony",
        ),
        (&garbage, INPUT, "garbage.png: not a PNG or JPEG image"),
    ] {
        let (r, _) = combine(&[&one, &three], &[img]);
        r.code(code).single_error().stderr_has(&[want]);
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A PNG header announcing 16000 × 16000 pixels (a decompression bomb needs little more) is
/// refused at once, without allocating the image.
#[test]
fn an_oversized_picture_is_refused_without_decoding_it() {
    let f = fixture();
    let t = TempDir::new().unwrap();
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&16000u32.to_be_bytes());
    ihdr.extend_from_slice(&16000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    png.extend_from_slice(&[0, 0, 0, 0]);
    png.extend_from_slice(b"IEND");
    png.extend_from_slice(&crc32(b"IEND").to_be_bytes());
    let bomb = t.path().join("bomb.png");
    std::fs::write(&bomb, png).unwrap();
    let (r, _) = combine(&[&share(&f.a, 1), &share(&f.a, 3)], &[&bomb]);
    r.code(INPUT)
        .single_error()
        .stderr_has(&["bomb.png: not a PNG or JPEG image rootkey can read"]);
}
