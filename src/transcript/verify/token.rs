//! `token-written` (`docs/formats.md`, "Ceremony transcript v1", "Generation"): a token
//! holder's entry, just before their `share-written`.

use super::details::D;
use super::script::{Cursor, actors_are, holder_of_share};
use super::*;
use crate::error::TranscriptFailure as F;
use crate::plan::Medium;

/// What a `token-written` entry fixes for the `share-written` that follows it.
pub(super) struct Written {
    pub(super) medium: Medium,
    pub(super) payload_file: String,
}

fn is_hex(s: &str) -> bool {
    s.len().is_multiple_of(2) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A hex member of `min..=max` digits (a string of lower-case hex of even length).
fn hex<'a>(d: &D<'a>, key: &str, min: usize, max: usize) -> Result<&'a str> {
    let s = d.str(key)?;
    if !is_hex(s) || !(min..=max).contains(&s.len()) {
        return Err(d.err(key, &format!("is not {min} to {max} lower-case hex digits")));
    }
    Ok(s)
}

/// Reads the `token-written` entry of share `idx` when it is next (None when the next entry is
/// not one, or the transcript ends), checking its members and its relations to the header.
pub(super) fn token_written(cur: &mut Cursor<'_>, h: &Header, idx: u8) -> Result<Option<Written>> {
    if !cur.peek_is(Action::TokenWritten) {
        return Ok(None);
    }
    let Some(e) = cur.next(Action::TokenWritten, "a token holder's payload")? else {
        return Ok(None);
    };
    let d = D::of(e);
    d.keys(event::TokenWritten::MEMBERS)?;
    let (holder, p) = holder_of_share(e, &d, h, idx)?;
    if p.name != holder {
        return Err(at(
            e,
            F::Script,
            format!(
                "share {idx}'s token was written for \"{holder}\", but the header gives the share to \"{}\"",
                p.name
            ),
        ));
    }
    actors_are(e, &[TOOL_ACTOR, holder])?;
    let medium = match Medium::parse(d.name("medium")?) {
        Some(m) if m.is_token() => m,
        _ => return Err(d.err("medium", "is not a token medium (pkcs11 or yubikey)")),
    };
    let serial = d.str("serial")?;
    if !(1..=64).contains(&serial.len())
        || !serial.bytes().all(|b| (0x20..=0x7e).contains(&b))
        || serial.trim() != serial
    {
        return Err(d.err(
            "serial",
            "is not 1 to 64 printable ASCII characters without outer spaces",
        ));
    }
    for key in ["label", "model", "firmware"] {
        if d.str(key)?.chars().count() > 64 {
            return Err(d.err(key, "is longer than 64 characters"));
        }
    }
    let key_ref = hex(&d, "key_ref", 2, 128)?;
    let file_only = match d.str("location")? {
        "token+file" => false,
        "file" => true,
        _ => return Err(d.err("location", "is not \"token+file\" or \"file\"")),
    };
    let object = match d.get("object_id")? {
        Value::Null if file_only => None,
        Value::Null => return Err(d.err("object_id", "is null for location \"token+file\"")),
        _ if file_only => return Err(d.err("object_id", "must be null for location \"file\"")),
        _ => Some(hex(&d, "object_id", 2, 128)?),
    };
    let payload_file = d.file("payload_file")?.to_string();
    d.hex32("payload_sha256")?;
    let point = hex(&d, "public_key", 130, 130)?;
    if !point.starts_with("04") {
        return Err(d.err("public_key", "is not an uncompressed point (04 ‖ X ‖ Y)"));
    }
    match (medium, d.get("attestation")?) {
        (Medium::Yubikey, Value::Null) => {
            return Err(d.err("attestation", "is null for a yubikey token"));
        }
        (Medium::Yubikey, _) => {
            let a = d.obj("attestation")?;
            a.keys(event::TokenAttestation::MEMBERS)?;
            a.hex32("certificate_sha256")?;
            a.hex32("intermediate_sha256")?;
            a.name("root_subject")?;
            if !a.get("pin_policy")?.is_null() {
                a.u8("pin_policy")?;
            }
            let slot = u8::from_str_radix(key_ref, 16).ok();
            if key_ref.len() != 2 || !matches!(slot, Some(0x82..=0x95 | 0x9d)) {
                return Err(d.err("key_ref", "is not a PIV slot (82 to 95, or 9d)"));
            }
            let id = object
                .filter(|o| o.len() == 6)
                .and_then(|o| u32::from_str_radix(o, 16).ok());
            if !matches!(id, Some(0x5f_0000..=0x5f_ffff))
                || matches!(id, Some(0x5f_c109 | 0x5f_ff00))
            {
                return Err(d.err(
                    "object_id",
                    "is not a PIV data object (5f0000 to 5fffff, not 5fc109 or 5fff00)",
                ));
            }
        }
        (_, Value::Null) => {}
        (_, _) => return Err(d.err("attestation", "must be null for a pkcs11 token")),
    }
    Ok(Some(Written {
        medium,
        payload_file,
    }))
}

/// The relations between share `idx`'s `share-written` entry `e` (medium `medium`, file
/// `file`) and the `token-written` before it, if any (all **script**).
pub(super) fn check_share_written(
    e: &Entry,
    idx: u8,
    medium: Medium,
    file: &str,
    token: Option<&Written>,
) -> Result<()> {
    match token {
        None if medium.is_token() => Err(at(
            e,
            F::Script,
            format!(
                "share {idx} was written to a {medium} token without a `token-written` entry just before"
            ),
        )),
        None => Ok(()),
        Some(t) if t.medium != medium => Err(at(
            e,
            F::Script,
            format!(
                "share {idx} has medium \"{medium}\", but its `token-written` entry says \"{}\"",
                t.medium
            ),
        )),
        Some(t) if t.payload_file != file => Err(at(
            e,
            F::Script,
            format!(
                "share {idx}'s file \"{file}\" is not the payload file \"{}\" of its `token-written` entry",
                t.payload_file
            ),
        )),
        Some(_) => Ok(()),
    }
}
