//! Reading a share back, in every way a holder can present it: a share file (text form), a
//! photo of a paper shard's QR code (`--qr-image`), or at the keyboard — typed row by row from
//! the paper (each row checked, and corrected if one character is wrong, as it is entered) or
//! as one line from a USB QR scanner that acts as a keyboard. All of them end in the same
//! share text, which [`super::text::parse`] then decodes; nothing read is ever echoed.
//!
//! Limits: a photo is decoded on the ordinary heap (the `image` and `rqrr` crates); the decoded
//! text is moved into locked memory and the crates' buffers that rootkey owns are zeroized, but
//! their internal copies are not.

use std::path::{Path, PathBuf};

use zeroize::Zeroize;

use super::text::{self, COMPACT_PREFIX, Correction, ROW_LEN, ROWS};
use crate::error::{Error, Result};
use crate::fsio;
use crate::secret::{self, SecretBytes};

/// Largest share file accepted.
pub const MAX_SHARE_FILE: usize = 16 * 1024;
/// Largest photo accepted.
pub const MAX_IMAGE_FILE: u64 = 32 * 1024 * 1024;
/// Tries per row before typing a share is given up.
pub const ROW_TRIES: usize = 5;

/// Where a share comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A share file (text form, file or compact).
    File(PathBuf),
    /// A photo or scan (PNG or JPEG) of a paper shard's QR code.
    QrImage(PathBuf),
    /// The keyboard: typed rows, or one line from a USB QR scanner.
    Keyboard,
}

/// A share's text as read, before decoding.
pub struct ShareText {
    /// The text (file form or compact form), in locked memory.
    pub text: SecretBytes,
    /// How to name it in messages: `file PATH`, `QR image PATH` or `keyboard entry N`.
    pub origin: String,
    /// What the transcript records as its `file`: the file's name, or `-` for the keyboard.
    pub file: String,
    /// Corrections already made while it was typed (rows are corrected as they are entered).
    pub corrections: Vec<Correction>,
}

fn base_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// Reads a share from `source`; `ordinal` numbers keyboard prompts ("share 3").
pub fn read(source: &Source, ordinal: usize) -> Result<ShareText> {
    match source {
        Source::File(p) => read_file(p),
        Source::QrImage(p) => read_qr_image(p),
        Source::Keyboard => read_keyboard(ordinal),
    }
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
        corrections: Vec::new(),
    })
}

/// Decodes the QR code in a photo or scan of a paper shard. Refuses an image without a QR
/// code, with a QR code that is not a rootkey share, and with several shares.
pub fn read_qr_image(path: &Path) -> Result<ShareText> {
    let origin = format!("QR image {}", path.display());
    let mut bytes = fsio::read_public(path, MAX_IMAGE_FILE, "QR image")?;
    let decoded = image::load_from_memory(&bytes);
    bytes.zeroize();
    let img = decoded
        .map_err(|e| {
            Error::input(format!(
                "{origin}: not a PNG or JPEG image rootkey can read ({e})"
            ))
        })?
        .to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    if grids.is_empty() {
        return Err(Error::input(format!("{origin}: no QR code found"))
            .hint("photograph the whole QR code, flat, sharp and well lit; or type the rows"));
    }
    let mut shares: Vec<SecretBytes> = Vec::new();
    let mut unreadable = 0;
    let mut other = 0;
    for g in &grids {
        match g.decode() {
            Ok((_, mut content)) => {
                let is_share = content
                    .get(..COMPACT_PREFIX.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(COMPACT_PREFIX));
                if is_share {
                    shares.push(SecretBytes::copy_from(content.as_bytes())?);
                } else {
                    other += 1;
                }
                content.zeroize();
            }
            Err(_) => unreadable += 1,
        }
    }
    match shares.len() {
        1 => Ok(ShareText {
            text: shares.remove(0),
            origin,
            file: base_name(path),
            corrections: Vec::new(),
        }),
        0 if other > 0 => Err(Error::input(format!(
            "{origin}: the QR code is not a rootkey share (it does not start with {COMPACT_PREFIX})"
        ))
        .hint("photograph the QR code on the paper shard itself")),
        0 => Err(Error::input(format!(
            "{origin}: found {unreadable} QR code(s) but could not read them"
        ))
        .hint("take a sharper, flatter photo of the QR code, or type the rows")),
        n => Err(Error::input(format!(
            "{origin}: holds {n} share QR codes; photograph one share at a time"
        ))),
    }
}

/// Reads one share at the keyboard with echo off: either one line from a USB QR scanner (the
/// compact form, `RKS1:…`), or the 13 rows typed one by one. Each typed row is checked (and
/// corrected if one character is wrong) as soon as Enter is pressed; a row with errors is asked
/// for again. Only progress is shown, never what was typed.
pub fn read_keyboard(ordinal: usize) -> Result<ShareText> {
    let _scrub = secret::ScrubOnDrop;
    let origin = format!("keyboard entry {ordinal}");
    eprintln!(
        "Share {ordinal}: scan its QR code with the scanner, or type its {ROWS} rows from the paper \
         (input is hidden; spaces do not matter)."
    );
    let mut syms = SecretBytes::zeroed(ROWS * ROW_LEN)?;
    let mut corrections = Vec::new();
    let mut row = 1usize;
    let mut tries = 0usize;
    while row <= ROWS {
        let line = secret::read_hidden_line(&format!("  row {row:>2}/{ROWS}: "), 512)
            .map_err(|e| Error::input(format!("{origin}: {e}")))?;
        let typed = trim(line.as_slice());
        if row == 1 && is_compact(typed) {
            let mut text = SecretBytes::zeroed(typed.len())?;
            text.as_mut_slice().copy_from_slice(typed);
            eprintln!("  scanned: {} characters read", typed.len());
            return Ok(ShareText {
                text,
                origin: format!("keyboard entry {ordinal} (scanned)"),
                file: "-".into(),
                corrections,
            });
        }
        // A typed row may carry its printed row number ("05 XXXX XXXX XXXX").
        let body = strip_row_number(typed, row);
        let mut out = [0u8; ROW_LEN];
        let result = text::decode_row(row as u8, body, &mut out);
        syms.as_mut_slice()[(row - 1) * ROW_LEN..row * ROW_LEN].copy_from_slice(&out);
        out.zeroize();
        match result {
            Ok(None) => {
                eprintln!("  row {row:>2}/{ROWS} ok");
                row += 1;
                tries = 0;
            }
            Ok(Some(c)) => {
                eprintln!(
                    "  row {row:>2}/{ROWS} ok — character {} was wrong and has been corrected; check the paper",
                    c.column
                );
                corrections.push(c);
                row += 1;
                tries = 0;
            }
            Err(e) => {
                tries += 1;
                eprintln!("  {}", crate::error::clean_lines(&e.message));
                if tries >= ROW_TRIES {
                    return Err(Error::operator(format!(
                        "{origin}: row {row} was refused {ROW_TRIES} times; giving up on this share"
                    ))
                    .hint("check the paper, then run the command again"));
                }
                eprintln!("  type row {row} again");
            }
        }
    }
    Ok(ShareText {
        text: text::file_form_from_symbols(&syms)?,
        origin,
        file: "-".into(),
        corrections,
    })
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

fn is_compact(b: &[u8]) -> bool {
    b.len() >= COMPACT_PREFIX.len()
        && b[..COMPACT_PREFIX.len()].eq_ignore_ascii_case(COMPACT_PREFIX.as_bytes())
}

/// `typed` without a leading row number equal to `row` (with 14 or more characters, a row
/// starting with two digits and a space or nothing has its number in front).
fn strip_row_number(typed: &[u8], row: usize) -> &[u8] {
    let n = [b'0' + (row / 10) as u8, b'0' + (row % 10) as u8];
    let symbols = typed
        .iter()
        .filter(|c| !c.is_ascii_whitespace() && **c != b'-')
        .count();
    if symbols == ROW_LEN + 2 && typed.starts_with(&n) {
        &typed[2..]
    } else {
        typed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_numbers_are_stripped_only_when_present() {
        assert_eq!(
            strip_row_number(b"05 ABCD EFGH JKMN", 5),
            b" ABCD EFGH JKMN"
        );
        assert_eq!(strip_row_number(b"ABCD EFGH JKMN", 5), b"ABCD EFGH JKMN");
        // Twelve symbols that happen to start with the row number are the row itself.
        assert_eq!(strip_row_number(b"05CD EFGH JKMN", 5), b"05CD EFGH JKMN");
        assert_eq!(trim(b"  ab \n"), b"ab");
        assert_eq!(trim(b"   "), b"");
        assert!(is_compact(b"rks1:ABC") && !is_compact(b"RKS"));
    }
}
