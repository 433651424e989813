//! The revoked-certificate list of a `crl-prepared` entry (docs/formats.md, "Rotation and CRL
//! ceremonies" → "CRL"): recorded by count and SHA-256 of its canonical JSON, and the list
//! itself only while it is short, so that an entry stays far below the line limit whatever
//! the CRL holds.
//!
//! The canonical revocation list is the RFC 8785 canonical JSON of the array
//! `[{"reason":NAME or null,"serial":NUMBER}, …]`, every revoked certificate in CRL order.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::event::Revoked;
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

/// A revocation list as `crl-prepared` records it: `revoked`, `revoked_count` and
/// `revoked_sha256`.
#[derive(Clone, Debug, PartialEq)]
pub struct List {
    /// The list itself while it has at most [`MAX_LISTED`] elements (`revoked`).
    pub listed: Option<Vec<Revoked>>,
    /// Its number of elements (`revoked_count`).
    pub count: u64,
    /// SHA-256 of its canonical JSON, hex (`revoked_sha256`).
    pub sha256: String,
}

impl List {
    /// The recorded form of `entries`, in CRL order.
    pub fn new(entries: impl IntoIterator<Item = Revoked>) -> Result<List> {
        let all: Vec<Revoked> = entries.into_iter().collect();
        let value = serde_json::to_value(&all).map_err(|e| {
            crate::error::Error::environment(format!("internal error: revocation list: {e}"))
        })?;
        let count = all.len();
        Ok(List {
            sha256: hex::encode(digest(&value)?),
            count: count as u64,
            listed: (count <= MAX_LISTED).then_some(all),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(count: usize) -> List {
        List::new((0..count).map(|i| Revoked {
            reason: None,
            serial: format!("{:04x}", i + 1),
        }))
        .unwrap()
    }

    #[test]
    fn short_lists_are_recorded_in_full_long_ones_by_digest() {
        let m = n(MAX_LISTED);
        assert_eq!(m.listed.as_ref().map(Vec::len), Some(MAX_LISTED));
        assert_eq!(m.count, MAX_LISTED as u64);
        let m = n(MAX_LISTED + 1);
        assert_eq!(m.listed, None);
        assert_eq!(m.count, MAX_LISTED as u64 + 1);
        // The typed list has the digest of the canonical `[{"reason":…,"serial":…}, …]`.
        let want = list((0..3).map(|i| (None, format!("{:04x}", i + 1))));
        assert_eq!(n(3).sha256, hex::encode(digest(&want).unwrap()));
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
