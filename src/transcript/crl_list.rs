//! The revoked-certificate list of a `crl-prepared` entry (docs/formats.md, "Rotation and CRL
//! ceremonies" → "CRL"): recorded by count and SHA-256 of its canonical JSON, and the list
//! itself only while it is short, so that an entry stays far below the line limit whatever
//! the CRL holds.
//!
//! The canonical revocation list is the RFC 8785 canonical JSON of the array
//! `[{"reason":NAME or null,"serial":NUMBER}, …]`, every revoked certificate in CRL order.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::jcs;

/// The longest list recorded in full (`revoked` is `null` above it). 256 elements of at most
/// ~90 bytes each stay below a third of the 65 536-byte line limit.
pub const MAX_LISTED: usize = 256;

/// The canonical list `[{"reason":…,"serial":…}, …]` of `(reason, serial hex)` pairs.
pub fn list(entries: impl IntoIterator<Item = (Option<String>, String)>) -> Value {
    Value::Array(
        entries
            .into_iter()
            .map(|(reason, serial)| json!({"reason": reason, "serial": serial}))
            .collect(),
    )
}

/// SHA-256 of the canonical JSON of `list`.
pub fn digest(list: &Value) -> Result<[u8; 32]> {
    Ok(Sha256::digest(jcs::canonicalize(list)?).into())
}

/// The members `revoked`, `revoked_count` and `revoked_sha256` for `list` (an array).
pub fn members(list: Value) -> Result<Map<String, Value>> {
    let count = list.as_array().map_or(0, Vec::len);
    let mut m = Map::new();
    m.insert("revoked_sha256".into(), hex::encode(digest(&list)?).into());
    m.insert("revoked_count".into(), count.into());
    m.insert(
        "revoked".into(),
        if count <= MAX_LISTED {
            list
        } else {
            Value::Null
        },
    );
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(count: usize) -> Value {
        list((0..count).map(|i| (None, format!("{:04x}", i + 1))))
    }

    #[test]
    fn short_lists_are_recorded_in_full_long_ones_by_digest() {
        let m = members(n(MAX_LISTED)).unwrap();
        assert_eq!(m["revoked"].as_array().map(Vec::len), Some(MAX_LISTED));
        assert_eq!(m["revoked_count"], json!(MAX_LISTED));
        let m = members(n(MAX_LISTED + 1)).unwrap();
        assert_eq!(m["revoked"], Value::Null);
        assert_eq!(m["revoked_count"], json!(MAX_LISTED + 1));
    }

    #[test]
    fn the_digest_is_sha256_of_the_canonical_list() {
        let l = list([
            (Some("keyCompromise".into()), "01".into()),
            (None, "02".into()),
        ]);
        let want = Sha256::digest(
            br#"[{"reason":"keyCompromise","serial":"01"},{"reason":null,"serial":"02"}]"#,
        );
        assert_eq!(digest(&l).unwrap(), <[u8; 32]>::from(want));
        assert_eq!(
            hex::encode(digest(&json!([])).unwrap()),
            hex::encode(Sha256::digest(b"[]"))
        );
    }
}
