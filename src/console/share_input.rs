//! Reading a share back, in every way a holder can present it: a share file (text form), a
//! photo of a paper shard's QR code (`--qr-image`), or at the keyboard — typed row by row from
//! the paper (each row checked, and corrected if one character is wrong, as it is entered) or
//! as one line from a USB QR scanner that acts as a keyboard — or through a hardware token
//! and its PIN ([`read_token`]). [`read`] returns the decoded
//! share ([`Presented`]): a file, a photo or a scanned line is decoded with
//! [`crate::share::text::parse`], rows typed at a [`Console`] are decoded as they are entered
//! and assembled with [`crate::share::text::decode_symbols`]; nothing read is ever echoed.
//!
//! Photos are decoded by [`super::qr_photo`] (its bounds and limits are documented there).

use std::path::{Path, PathBuf};

use super::Console;
use crate::encoding::names::base_name;
use crate::error::Result;
use crate::fsio;
use crate::secret::{self, SecretBytes};
use crate::share::Envelope;
use crate::share::text::{self, Correction};

pub mod holder;
mod keyboard;
mod token;
pub use holder::{HolderTurn, read_holder};
pub use keyboard::read_keyboard;
pub use token::{TokenShare, check_payload_early, pin_login, read_token};

/// Largest share file accepted.
pub const MAX_SHARE_FILE: usize = 16 * 1024;
pub use super::qr_photo::{MAX_IMAGE_FILE, MAX_IMAGE_SIDE};
/// Tries per row before typing a share is given up.
pub const ROW_TRIES: usize = 5;

/// Where a share comes from.
pub enum Source {
    /// A share file (text form, file or compact).
    File(PathBuf),
    /// A photo or scan (PNG or JPEG) of a paper shard's QR code.
    QrImage(PathBuf),
    /// The keyboard: typed rows, or one line from a USB QR scanner.
    Keyboard,
    /// Already read (e.g. a rehearsal reading back the QR code it printed).
    Read(ShareText),
    /// A hardware token, read through its PIN (`--token-share INDEX`).
    Token(Box<TokenShare>),
    /// A holder named by the plan, asked at their own step how they present (`rootkey run`).
    Holder(Box<HolderTurn>),
}

/// A share's text as read, before decoding.
pub struct ShareText {
    /// The text (file form or compact form), in locked memory.
    pub text: SecretBytes,
    /// How to name it in messages: `file PATH`, `QR image PATH` or `keyboard entry N`.
    pub origin: String,
    /// What the transcript records as its `file`: the file's name, or `-` for the keyboard.
    pub file: String,
}

/// A share as presented: read from its source and decoded (not yet checked against a
/// manifest).
pub struct Presented {
    /// The checked envelope.
    pub envelope: Envelope,
    /// How to name it in messages: `file PATH`, `QR image PATH` or `keyboard entry N`.
    pub origin: String,
    /// What the transcript records as its `file`: the file's name, or `-` for the keyboard.
    pub file: String,
    /// Corrections made while it was typed or decoded (row, column).
    pub corrections: Vec<Correction>,
}

/// The share sources of a ceremony, in the order they are read: the files, the photos, the
/// tokens, then the keyboard — when asked for (`keyboard`) or when nothing else is given — for
/// as many shares as `threshold` still needs (at least one).
pub fn sources(
    files: &[PathBuf],
    photos: &[PathBuf],
    tokens: Vec<TokenShare>,
    keyboard: bool,
    threshold: u8,
) -> Vec<Source> {
    let mut sources: Vec<Source> = files.iter().cloned().map(Source::File).collect();
    sources.extend(photos.iter().cloned().map(Source::QrImage));
    sources.extend(tokens.into_iter().map(|t| Source::Token(Box::new(t))));
    if keyboard || sources.is_empty() {
        let more = (threshold as usize).saturating_sub(sources.len()).max(1);
        sources.extend((0..more).map(|_| Source::Keyboard));
    }
    sources
}

/// Reads a share from `source` and decodes it; `ordinal` numbers keyboard prompts ("share 3"),
/// asked at `console`.
pub fn read(console: &mut dyn Console, source: Source, ordinal: usize) -> Result<Presented> {
    match source {
        Source::File(p) => decode(read_file(&p)?),
        Source::QrImage(p) => decode(read_qr_image(&p)?),
        Source::Keyboard => read_keyboard(console, ordinal),
        Source::Read(t) => decode(t),
        Source::Token(t) => read_token(console, &t),
        Source::Holder(h) => read_holder(console, *h),
    }
}

/// Decodes a share's text (file form or compact form); an error names its origin.
pub fn decode(st: ShareText) -> Result<Presented> {
    let _scrub = secret::ScrubOnDrop;
    let decoded =
        text::parse(st.text.as_slice()).map_err(|e| e.context(format!("share {}", st.origin)))?;
    drop(st.text);
    Ok(Presented {
        envelope: decoded.envelope,
        origin: st.origin,
        file: st.file,
        corrections: decoded.corrections,
    })
}

/// Reads a share file.
pub fn read_file(path: &Path) -> Result<ShareText> {
    let origin = format!("file {}", path.display());
    let text = fsio::read_secret(path, MAX_SHARE_FILE)
        .map_err(|e| e.context(format!("share {origin}")))?;
    Ok(ShareText {
        text,
        origin,
        file: base_name(path),
    })
}

/// Decodes the QR code in a photo or scan of a paper shard ([`super::qr_photo`]). Refuses an
/// image without a readable QR code, with a QR code that is not a rootkey share, and with
/// several shares.
pub fn read_qr_image(path: &Path) -> Result<ShareText> {
    let origin = format!("QR image {}", path.display());
    let text = super::qr_photo::decode_file(path, &origin)?;
    Ok(ShareText {
        text,
        origin,
        file: base_name(path),
    })
}

/// Reads back a share's QR code from the module matrix a paper shard draws (its compact form's
/// code, rendered to an image and decoded like a photo): used by rehearsals. The PDF itself is
/// not rasterised; `tests/cli_paper.rs` checks real printouts' renderings with zbarimg.
pub fn read_rendered_qr(
    compact: &SecretBytes,
    ec: crate::paper::QrEc,
    origin: &str,
) -> Result<ShareText> {
    let (w, modules) = crate::paper::qr_modules(compact.as_slice(), ec)?;
    let (px, quiet) = (6u32, 4u32);
    let size = (w as u32 + 2 * quiet) * px;
    let mut img = image::GrayImage::from_pixel(size, size, image::Luma([255]));
    for (i, dark) in modules.iter().enumerate() {
        if *dark {
            let (x, y) = ((i % w) as u32 + quiet, (i / w) as u32 + quiet);
            for dy in 0..px {
                for dx in 0..px {
                    img.put_pixel(x * px + dx, y * px + dy, image::Luma([0]));
                }
            }
        }
    }
    let text = super::qr_photo::decode_rendered(img, origin)?;
    Ok(ShareText {
        text,
        origin: origin.to_string(),
        file: "-".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The order and number of sources: files, photos, then as many keyboard entries as the
    /// threshold still needs (at least one when asked for; all of them when nothing is given).
    #[test]
    fn sources_fill_the_threshold_from_the_keyboard() {
        let kinds = |v: Vec<Source>| -> String {
            v.iter()
                .map(|s| match s {
                    Source::File(_) => 'f',
                    Source::QrImage(_) => 'q',
                    Source::Keyboard => 'k',
                    Source::Read(_) => 'r',
                    Source::Token(_) => 't',
                    Source::Holder(_) => 'h',
                })
                .collect()
        };
        let f = [PathBuf::from("a.txt"), PathBuf::from("b.txt")];
        let q = [PathBuf::from("c.jpg")];
        assert_eq!(kinds(sources(&f, &q, Vec::new(), false, 3)), "ffq");
        assert_eq!(kinds(sources(&f, &[], Vec::new(), false, 3)), "ff");
        assert_eq!(kinds(sources(&f, &[], Vec::new(), true, 3)), "ffk");
        assert_eq!(kinds(sources(&f, &q, Vec::new(), true, 3)), "ffqk");
        assert_eq!(kinds(sources(&[], &[], Vec::new(), false, 3)), "kkk");
        assert_eq!(kinds(sources(&[], &q, Vec::new(), true, 4)), "qkkk");
    }
}
