//! Decoding the QR code of a paper shard from a photo or scan (`--qr-image`, and a paper
//! holder's photo in the guided ceremony), and from the module matrix a rehearsal renders.
//!
//! The decoder is `rxing`'s port of zxing-cpp's QR reader (finder patterns, perspective
//! sampling from them, Reed–Solomon), run over a short list of prepared copies of the photo
//! ([`prepare`]): as taken, scaled up (small photos), flattened (uneven light), flattened with a
//! global threshold, sharpened, sharpened and scaled up. The first copy that yields a
//! `RKS1:` code ends the search. Every string found is only a candidate: the caller decodes it
//! with the share decoder and its checksums ([`crate::share::text::parse`]).
//!
//! Bounds: the file is at most [`MAX_IMAGE_FILE`] bytes and [`MAX_IMAGE_SIDE`] pixels a side,
//! decoded with at most 256 MiB; the copies are made from a working image of at most
//! [`WORK_PIXELS`] pixels; no copy is started once [`WORK_LIMIT`] has passed since the file
//! was read, so a photo costs at most that plus one copy's decode (tests/qr_photo_limits.rs).
//!
//! Limits (README, "Limits"): the pixels, the decoder's bit matrices and the text it decodes
//! (rxing returns a `String`) live on the ordinary heap; rootkey's global allocator wipes every
//! block when it is freed, and the text is copied into locked memory at once.

use std::path::Path;
use std::time::{Duration, Instant};

use image::GrayImage;
use rxing::common::{BitMatrix, GlobalHistogramBinarizer, HybridBinarizer};
use rxing::qrcode::cpp_port::{decoder, detector};
use rxing::{Binarizer, BinaryBitmap, Luma8LuminanceSource};
use zeroize::Zeroize;

use crate::error::{Error, Kind, Result};
use crate::fsio;
use crate::secret::SecretBytes;
use crate::share::text::COMPACT_PREFIX;

mod prepare;

/// Largest photo accepted.
pub const MAX_IMAGE_FILE: u64 = 32 * 1024 * 1024;
/// Largest photo side accepted, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 8000;
/// Photos larger than this many pixels are scaled down (box filter) before any decoding.
pub const WORK_PIXELS: u64 = 4_000_000;
/// No further attempt on a photo is started once this much time has passed since it was read.
pub const WORK_LIMIT: Duration = Duration::from_secs(4);
/// Finder patterns kept per attempt (largest first): noise can show hundreds.
const MAX_FINDERS: usize = 40;

/// Decodes the share QR code in the photo at `path` (PNG or JPEG); `origin` names it in
/// messages (`QR image PATH`). Refuses an image without a readable QR code (saying how many
/// finder patterns were seen), with a QR code that is not a rootkey share, and with several
/// different shares.
pub fn decode_file(path: &Path, origin: &str) -> Result<SecretBytes> {
    let started = Instant::now();
    let mut bytes = fsio::read_public(path, MAX_IMAGE_FILE, "QR image")?;
    let decoded = (|| {
        let mut reader = image::ImageReader::new(std::io::Cursor::new(&bytes[..]))
            .with_guessed_format()
            .map_err(image::ImageError::IoError)?;
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(MAX_IMAGE_SIDE);
        limits.max_image_height = Some(MAX_IMAGE_SIDE);
        limits.max_alloc = Some(256 * 1024 * 1024);
        reader.limits(limits);
        reader.decode()
    })();
    bytes.zeroize();
    let img = decoded
        .map_err(|e| {
            Error::new(
                Kind::QrImage,
                format!("{origin}: not a PNG or JPEG image rootkey can read ({e})"),
            )
        })?
        .to_luma8();
    decode_gray(img, origin, started)
}

/// Decodes a clean rendering (a rehearsal reading back the code it printed).
pub fn decode_rendered(img: GrayImage, origin: &str) -> Result<SecretBytes> {
    decode_gray(img, origin, Instant::now())
}

/// What the attempts found.
#[derive(Default)]
struct Found {
    shares: Vec<SecretBytes>,
    other: usize,
    /// The most finder patterns one attempt saw.
    finders: usize,
}

/// Decodes the share QR code in a grey image: the prepared copies in turn, until one yields a
/// share or [`WORK_LIMIT`] has passed since `started`.
fn decode_gray(img: GrayImage, origin: &str, started: Instant) -> Result<SecretBytes> {
    let mut found = Found::default();
    let work = prepare::working_copy(img, WORK_PIXELS);
    for attempt in prepare::ATTEMPTS {
        if !found.shares.is_empty() {
            break;
        }
        if started.elapsed() >= WORK_LIMIT {
            break;
        }
        let Some(copy) = (attempt.make)(&work) else {
            continue;
        };
        decode_once(copy, attempt.global, &mut found)?;
    }
    outcome(found, origin)
}

/// The result, or the refusal, of a photo's attempts.
fn outcome(mut found: Found, origin: &str) -> Result<SecretBytes> {
    match found.shares.len() {
        1 => Ok(found.shares.remove(0)),
        0 if found.other > 0 => Err(Error::new(Kind::QrImage, format!(
            "{origin}: the QR code is not a rootkey share (it does not start with {COMPACT_PREFIX})"
        ))
        .hint("photograph the QR code on the paper shard itself")),
        0 => {
            let seen = match found.finders {
                0 => "no QR code found (finder patterns seen: 0 of 3)".to_string(),
                n @ 1..=2 => format!("no QR code read (finder patterns seen: {n} of 3)"),
                _ => "no QR code read (finder patterns seen: 3 or more)".to_string(),
            };
            Err(Error::new(Kind::QrImage, format!("{origin}: {seen}")).hint(
                "photograph again: closer, so that the QR code fills most of the picture; the \
                 paper flat; more light, without shadow or glare across the code; or type the \
                 rows instead (--type, or Enter at the photo prompt)",
            ))
        }
        n => Err(Error::new(Kind::QrImage, format!(
            "{origin}: holds {n} different share QR codes; photograph one share at a time"
        ))),
    }
}

/// One attempt: binarise `img` (locally, or with one global threshold), find the finder
/// patterns, sample and decode every QR code they outline.
fn decode_once(img: GrayImage, global: bool, found: &mut Found) -> Result<()> {
    let (w, h) = img.dimensions();
    let Ok(source) = Luma8LuminanceSource::new(img.into_raw(), w, h) else {
        return Ok(());
    };
    // rxing's detector may panic on odd input ("This function can panic"): a panic is an
    // unreadable attempt, not a crash, and its message is not printed.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let results = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if global {
            codes(&BinaryBitmap::new(GlobalHistogramBinarizer::new(source)))
        } else {
            codes(&BinaryBitmap::new(HybridBinarizer::new(source)))
        }
    }));
    std::panic::set_hook(hook);
    let Ok((finders, texts)) = results else {
        return Ok(());
    };
    found.finders = found.finders.max(finders);
    for mut text in texts {
        let is_share = text
            .get(..COMPACT_PREFIX.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(COMPACT_PREFIX));
        if is_share {
            let new = SecretBytes::copy_from(text.as_bytes())?;
            if !found.shares.iter().any(|s| s.ct_eq(new.as_slice())) {
                found.shares.push(new);
            }
        } else {
            found.other += 1;
        }
        text.zeroize();
    }
    Ok(())
}

/// The finder patterns seen in `bitmap` and the text of every QR code decoded from them (as
/// zxing-cpp's `QRCode::Reader::decode`: each set of three patterns, patterns used once).
fn codes<B: Binarizer>(bitmap: &BinaryBitmap<B>) -> (usize, Vec<String>) {
    let matrix: &BitMatrix = bitmap.get_black_matrix();
    let mut finders = detector::FindFinderPatterns(matrix, true, 0);
    let seen = finders.len();
    finders.sort_by_key(|p| std::cmp::Reverse(p.size));
    finders.truncate(MAX_FINDERS);
    let mut used = Vec::new();
    let mut texts = Vec::new();
    for set in detector::GenerateFinderPatternSets(&mut finders) {
        if [set.bl, set.tl, set.tr].iter().any(|p| used.contains(p)) {
            continue;
        }
        let Ok(sampled) = detector::SampleQR(matrix, &set) else {
            continue;
        };
        let Ok(result) = decoder::Decode(rxing::common::DetectorRXingResult::getBits(&sampled))
        else {
            continue;
        };
        if result.isValid() {
            used.extend([set.bl, set.tl, set.tr]);
            texts.push(result.content().to_string());
        }
    }
    (seen, texts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(found: Found) -> String {
        match outcome(found, "QR image p.jpg") {
            Ok(_) => panic!("accepted"),
            Err(e) => e.message,
        }
    }

    /// The refusal says how many finder patterns were seen (the most one attempt saw).
    #[test]
    fn a_refusal_counts_the_finder_patterns_seen() {
        let with = |finders| Found {
            finders,
            ..Found::default()
        };
        assert_eq!(
            refusal(with(0)),
            "QR image p.jpg: no QR code found (finder patterns seen: 0 of 3)"
        );
        assert_eq!(
            refusal(with(2)),
            "QR image p.jpg: no QR code read (finder patterns seen: 2 of 3)"
        );
        assert_eq!(
            refusal(with(7)),
            "QR image p.jpg: no QR code read (finder patterns seen: 3 or more)"
        );
    }
}
