//! A token share's `token` object in the manifest (`docs/formats.md`, "Share manifest v1",
//! "Members"): everything a reader needs to find the token, the key and the payload, and to
//! check the payload before it asks for a PIN.

use serde::{Deserialize, Deserializer, Serialize};

use crate::plan::Medium;

/// Where a token share's payload is kept (the payload header's `location`).
pub const LOCATIONS: [&str; 2] = ["token+file", "file"];

/// The `token` member of a share entry with a token medium.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TokenEntry {
    /// The token's serial number (PKCS#11 `serialNumber` trimmed; YubiKey: decimal), as in the
    /// payload header.
    pub serial: String,
    /// The token's label (PKCS#11 `CK_TOKEN_INFO.label` trimmed; YubiKey: its model).
    pub label: String,
    /// The key reference, lower-case hex (PKCS#11 `CKA_ID`; YubiKey: the slot, 2 digits).
    pub key_ref: String,
    /// `token+file` (a data object on the token and the payload file) or `file` (the payload
    /// file only: the token cannot hold data, e.g. through ykcs11).
    pub location: String,
    /// The data object, lower-case hex (PKCS#11 `CKA_LABEL` bytes; YubiKey: the 3-byte object
    /// id); `null` exactly for location `file`.
    pub object_id: Option<String>,
    /// The payload file's name, beside the manifest.
    pub payload_file: String,
    /// SHA-256 of the payload bytes, lower-case hex.
    pub payload_sha256: String,
    /// The token's P-256 public key, uncompressed SEC1 (`04 ‖ X ‖ Y`), lower-case hex.
    pub public_key: String,
    /// YubiKey: SHA-256 of the slot's attestation certificate (DER), lower-case hex, verified
    /// at generation; `null` for PKCS#11.
    pub attestation_sha256: Option<String>,
}

/// Reads a `token` member that is present: `null` is refused (the member is absent for
/// other media, never `null`).
pub fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<TokenEntry>, D::Error> {
    TokenEntry::deserialize(d).map(Some)
}

fn is_hex(s: &str) -> bool {
    s.len().is_multiple_of(2) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn printable(s: &str) -> bool {
    s.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// Reading step 3 for share `index`'s token fields under `medium` (a token medium): the
/// first rule broken, as a message without the manifest's name.
pub fn check(t: &TokenEntry, medium: Medium) -> Result<(), String> {
    let field = |name: &str, rule: &str| Err(format!("token.{name} {rule}"));
    let len = t.serial.len();
    if !(1..=64).contains(&len) || !printable(&t.serial) || t.serial.trim() != t.serial {
        return field(
            "serial",
            "must be 1 to 64 printable ASCII characters without outer spaces",
        );
    }
    if t.label.chars().count() > 64 || t.label.chars().any(crate::error::is_unsafe_char) {
        return field(
            "label",
            "must be at most 64 characters without control characters",
        );
    }
    if !is_hex(&t.key_ref) || !(2..=128).contains(&t.key_ref.len()) {
        return field("key_ref", "must be 2 to 128 lower-case hex digits");
    }
    let file_only = match t.location.as_str() {
        "token+file" => false,
        "file" => true,
        _ => return field("location", "must be \"token+file\" or \"file\""),
    };
    match (&t.object_id, file_only) {
        (Some(_), true) => return field("object_id", "must be null for location \"file\""),
        (None, false) => return field("object_id", "must be hex for location \"token+file\""),
        (Some(o), false) if !is_hex(o) || !(2..=128).contains(&o.len()) => {
            return field("object_id", "must be 2 to 128 lower-case hex digits");
        }
        _ => {}
    }
    if !crate::encoding::names::is_bare_file_name(&t.payload_file) {
        return field("payload_file", "must be a bare file name");
    }
    if !is_hex(&t.payload_sha256) || t.payload_sha256.len() != 64 {
        return field("payload_sha256", "must be 64 lower-case hex digits");
    }
    if !is_hex(&t.public_key) || t.public_key.len() != 130 || !t.public_key.starts_with("04") {
        return field(
            "public_key",
            "must be 130 lower-case hex digits starting 04 (an uncompressed P-256 point)",
        );
    }
    match (medium, &t.attestation_sha256) {
        (Medium::Yubikey, Some(a)) if is_hex(a) && a.len() == 64 => {}
        (Medium::Yubikey, _) => {
            return field(
                "attestation_sha256",
                "must be 64 lower-case hex digits for a yubikey share",
            );
        }
        (_, Some(_)) => {
            return field("attestation_sha256", "must be null for a pkcs11 share");
        }
        _ => {}
    }
    if medium == Medium::Yubikey {
        let slot = u8::from_str_radix(&t.key_ref, 16).ok();
        if t.key_ref.len() != 2 || !matches!(slot, Some(0x82..=0x95 | 0x9d)) {
            return field(
                "key_ref",
                "must be a PIV slot for a yubikey share (82 to 95, or 9d)",
            );
        }
        let object = t
            .object_id
            .as_deref()
            .filter(|o| o.len() == 6)
            .and_then(|o| u32::from_str_radix(o, 16).ok());
        if file_only
            || !matches!(object, Some(0x5f_0000..=0x5f_ffff))
            || matches!(object, Some(0x5f_c109 | 0x5f_ff00))
        {
            return field(
                "object_id",
                "must be a PIV data object for a yubikey share (5f0000 to 5fffff, not 5fc109 or 5fff00)",
            );
        }
    }
    Ok(())
}
