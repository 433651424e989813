//! Write, then prove (`docs/formats.md`, "Token payload v1", "Writing, then proving"): a
//! payload is written to the token and read back through it before anyone moves on.

use super::{Header, Location, open, seal};
use crate::error::{Error, Kind};
use crate::secret::sha256_parts;
use crate::share::Envelope;
use crate::token::Token;

/// A payload written to a token and proven readable.
#[derive(Debug)]
pub struct Written {
    /// The payload bytes (also the payload file's contents).
    pub bytes: Vec<u8>,
    /// SHA-256 of the payload bytes.
    pub sha256: [u8; 32],
}

/// Seals `envelope`, writes it to the token as `header.object_id` (when the location says so),
/// reads it back, opens it through the token (one ECDH) and compares the envelope in constant
/// time. On any failure after the write, the object is deleted and the error says so. The
/// caller must have logged in.
pub fn write_then_prove(
    token: &mut dyn Token,
    header: &Header,
    envelope: &Envelope,
) -> crate::Result<Written> {
    let bytes = seal(header, envelope)?;
    let on_token = header.location == Location::TokenAndFile;
    if on_token {
        token.write_object(&header.object_id, &bytes)?;
    }
    match prove(token, header, envelope, &bytes, on_token) {
        Ok(()) => {
            let sha256 = sha256_parts(&[&bytes]);
            Ok(Written { bytes, sha256 })
        }
        Err(e) if on_token => {
            let label = String::from_utf8_lossy(&header.object_id).into_owned();
            let name = token.name().clone();
            match token.delete_object(&header.object_id) {
                Ok(()) => Err(e.context(format!(
                    "{name}: the payload written as object \"{label}\" did not read back correctly; it was removed"
                ))),
                Err(d) => Err(e.context(format!(
                    "{name}: the payload written as object \"{label}\" did not read back correctly, and removing it failed ({})", d.message
                ))),
            }
        }
        Err(e) => Err(e),
    }
}

fn prove(
    token: &mut dyn Token,
    header: &Header,
    envelope: &Envelope,
    bytes: &[u8],
    on_token: bool,
) -> crate::Result<()> {
    let back = if on_token {
        match token.read_object(&header.object_id)? {
            Some(b) if b == bytes => b,
            Some(b) => {
                return Err(Error::new(
                    Kind::TokenMisbehaves,
                    format!(
                        "read back {} bytes that differ from the {} bytes written",
                        b.len(),
                        bytes.len()
                    ),
                ));
            }
            None => {
                return Err(Error::new(
                    Kind::TokenMisbehaves,
                    "the object is not on the token",
                ));
            }
        }
    } else {
        bytes.to_vec()
    };
    let opened = open(&back, token)?;
    if !opened.ct_eq(envelope) {
        return Err(Error::new(
            Kind::TokenMisbehaves,
            "the payload opened to another envelope than the one sealed",
        ));
    }
    Ok(())
}
