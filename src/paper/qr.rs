//! The QR code of a paper shard: the module matrix of the share's one-line form.

use crate::error::{Error, Kind, Result};

use super::QrEc;

/// The QR module matrix of `compact` (the one-line share form) at error-correction level
/// `ec`: `(width, modules)`, row by row from the top left, `true` = dark, without quiet zone.
///
/// The text is always encoded as a single alphanumeric-mode segment in the smallest version
/// that holds it at `ec` (for the 161-character share: version 7 at M, 9 at Q, 10 at H; the
/// version is `(width - 17) / 4`).
///
/// # Errors
/// [`Kind::BadCharacter`] for characters outside the QR alphanumeric set (upper-case letters,
/// digits, space and `$%*+-./:`) or text too long for any version.
pub fn qr_modules(compact: &[u8], ec: QrEc) -> Result<(usize, Vec<bool>)> {
    const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    if let Some(pos) = compact.iter().position(|c| !ALNUM.contains(c)) {
        return Err(Error::new(
            Kind::BadCharacter,
            format!(
                "QR code: character {} is not in the QR alphanumeric set",
                pos + 1
            ),
        ));
    }
    for version in 1..=40 {
        let mut bits = qrcode::bits::Bits::new(qrcode::Version::Normal(version));
        if bits.push_alphanumeric_data(compact).is_err()
            || bits.push_terminator(ec.level()).is_err()
        {
            continue;
        }
        let code = qrcode::QrCode::with_bits(bits, ec.level())
            .map_err(|e| Error::environment(format!("QR encoding failed: {e}")))?;
        let width = code.width();
        let modules = code
            .into_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect();
        return Ok((width, modules));
    }
    Err(Error::input(format!(
        "QR code: {} characters do not fit any QR version at level {}",
        compact.len(),
        ec.letter()
    )))
}
