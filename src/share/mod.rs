//! Share format v1: the binary envelope (`docs/formats.md`, "Share envelope v1") and its text
//! form for paper, typing and QR codes ([`text`]).
//!
//! The envelope is 73 bytes:
//!
//! | offset | len | field |
//! |---|---|---|
//! | 0  | 1  | version = 1 |
//! | 1  | 1  | flags: bit 0 = rehearsal; other bits 0 |
//! | 2  | 16 | ceremony id |
//! | 18 | 16 | root key fingerprint: first 16 bytes of SHA-256(root SubjectPublicKeyInfo DER) |
//! | 34 | 1  | k (threshold), 2..=16 |
//! | 35 | 1  | n (shares), k..=16 |
//! | 36 | 1  | share index = Shamir x coordinate, 1..=n |
//! | 37 | 32 | share value = Shamir y values over GF(256), one per seed byte |
//! | 69 | 4  | checksum: first 4 bytes of SHA-256(bytes 0..69) |

pub mod rs32;
pub mod text;

use subtle::ConstantTimeEq;

use crate::error::{Error, Kind, Result};
use crate::secret::{SecretBytes, sha256_parts};

/// Envelope length in bytes.
pub const ENVELOPE_LEN: usize = 73;
/// Format version byte.
pub const VERSION: u8 = 1;
/// Flag bit: the share belongs to a rehearsal.
pub const FLAG_REHEARSAL: u8 = 0x01;
/// Maximum number of shares (and threshold).
pub const MAX_SHARES: u8 = 16;
const BODY_LEN: usize = 69;
const VALUE_OFFSET: usize = 37;
/// Length of a share value (one y per seed byte).
pub const VALUE_LEN: usize = 32;

/// The public fields of a share envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareHeader {
    /// Whether the share belongs to a rehearsal.
    pub rehearsal: bool,
    /// Ceremony id.
    pub ceremony_id: [u8; 16],
    /// First 16 bytes of the root key's SPKI SHA-256 fingerprint.
    pub root_fingerprint: [u8; 16],
    /// Threshold.
    pub k: u8,
    /// Number of shares.
    pub n: u8,
    /// Share index (Shamir x), 1..=n.
    pub index: u8,
}

impl ShareHeader {
    /// Checks 2 <= k <= n <= 16 and 1 <= index <= n.
    pub fn check(&self) -> Result<()> {
        check_k_n(self.k, self.n)?;
        if self.index == 0 || self.index > self.n {
            return Err(Error::new(
                Kind::ShareFormat,
                format!("share index {} is outside 1..={}", self.index, self.n),
            ));
        }
        Ok(())
    }
}

/// Checks 2 <= k <= n <= 16 (`docs/formats.md`, "Share envelope v1").
pub fn check_k_n(k: u8, n: u8) -> Result<()> {
    if n > MAX_SHARES {
        return Err(Error::new(
            Kind::Threshold,
            format!("{n} shares requested, but at most {MAX_SHARES} are supported"),
        ));
    }
    if k > n {
        return Err(Error::new(
            Kind::Threshold,
            format!(
                "threshold k = {k} is greater than the number of shares n = {n}: no quorum could ever form"
            ),
        ));
    }
    if k < 2 {
        return Err(Error::new(
            Kind::Threshold,
            format!("threshold k = {k} is below 2: a single share would reveal the key"),
        ));
    }
    Ok(())
}

/// A complete share: public header plus the secret value, all in locked memory.
///
/// Invariant: `bytes` holds exactly [`ENVELOPE_LEN`] bytes with a valid version, flags,
/// k/n/index and checksum.
pub struct Envelope {
    bytes: SecretBytes,
}

impl std::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Envelope")
            .field("header", &self.header())
            .field("value", &"[REDACTED]")
            .finish()
    }
}

impl Envelope {
    /// Builds an envelope from its header and 32-byte share value.
    pub fn new(header: &ShareHeader, value: &[u8]) -> Result<Envelope> {
        header.check()?;
        if value.len() != VALUE_LEN {
            return Err(Error::new(
                Kind::ShareFormat,
                format!(
                    "share value has {} bytes, expected {VALUE_LEN}",
                    value.len()
                ),
            ));
        }
        let mut bytes = SecretBytes::zeroed(ENVELOPE_LEN)?;
        let b = bytes.as_mut_slice();
        b[0] = VERSION;
        b[1] = if header.rehearsal { FLAG_REHEARSAL } else { 0 };
        b[2..18].copy_from_slice(&header.ceremony_id);
        b[18..34].copy_from_slice(&header.root_fingerprint);
        b[34] = header.k;
        b[35] = header.n;
        b[36] = header.index;
        b[VALUE_OFFSET..BODY_LEN].copy_from_slice(value);
        let sum = sha256_parts(&[&b[..BODY_LEN]]);
        b[BODY_LEN..].copy_from_slice(&sum[..4]);
        Ok(Envelope { bytes })
    }

    /// Parses and checks an envelope (takes ownership of the locked buffer).
    pub fn from_bytes(bytes: SecretBytes) -> Result<Envelope> {
        let b = bytes.as_slice();
        if b.len() != ENVELOPE_LEN {
            return Err(Error::new(
                Kind::ShareFormat,
                format!(
                    "share envelope has {} bytes, expected {ENVELOPE_LEN}",
                    b.len()
                ),
            ));
        }
        // formats.md "Share envelope v1": the checksum is checked first, so that a corrupted
        // share is reported as corrupted rather than as carrying odd field values.
        let sum = sha256_parts(&[&b[..BODY_LEN]]);
        if !bool::from(sum[..4].ct_eq(&b[BODY_LEN..])) {
            return Err(Error::new(
                Kind::ShareChecksum,
                "share checksum mismatch: the share is damaged or was typed wrongly",
            )
            .hint("compare every row with the paper (or re-scan it) and try again"));
        }
        if b[0] != VERSION {
            return Err(Error::new(
                Kind::ShareFormat,
                format!(
                    "share format version {} is not supported (this tool reads version {VERSION})",
                    b[0]
                ),
            ));
        }
        if b[1] & !FLAG_REHEARSAL != 0 {
            return Err(Error::new(
                Kind::ShareFormat,
                format!("share flags 0x{:02x} has unknown bits set", b[1]),
            ));
        }
        let env = Envelope { bytes };
        let h = env.header();
        if h.k < 2 || h.n > MAX_SHARES || h.k > h.n || h.index == 0 || h.index > h.n {
            return Err(Error::new(
                Kind::ShareFormat,
                format!(
                    "share says k = {}, n = {}, index = {}: outside 2 <= k <= n <= {MAX_SHARES}, 1 <= index <= n",
                    h.k, h.n, h.index
                ),
            ));
        }
        Ok(env)
    }

    /// The public header.
    pub fn header(&self) -> ShareHeader {
        let b = self.bytes.as_slice();
        let mut ceremony_id = [0u8; 16];
        ceremony_id.copy_from_slice(&b[2..18]);
        let mut root_fingerprint = [0u8; 16];
        root_fingerprint.copy_from_slice(&b[18..34]);
        ShareHeader {
            rehearsal: b[1] & FLAG_REHEARSAL != 0,
            ceremony_id,
            root_fingerprint,
            k: b[34],
            n: b[35],
            index: b[36],
        }
    }

    /// The secret share value (32 bytes).
    pub fn value(&self) -> &[u8] {
        &self.bytes.as_slice()[VALUE_OFFSET..BODY_LEN]
    }

    /// The whole envelope.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.as_slice()
    }

    /// Constant-time equality of two envelopes.
    pub fn ct_eq(&self, other: &Envelope) -> bool {
        self.bytes.ct_eq(other.bytes.as_slice())
    }

    /// SHA-256 of the envelope, as listed in the share manifest.
    pub fn digest(&self) -> [u8; 32] {
        sha256_parts(&[self.bytes.as_slice()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> ShareHeader {
        ShareHeader {
            rehearsal: true,
            ceremony_id: [0x11; 16],
            root_fingerprint: [0x22; 16],
            k: 3,
            n: 5,
            index: 2,
        }
    }

    #[test]
    fn round_trip() {
        let e = Envelope::new(&header(), &[0x33; 32]).unwrap();
        assert_eq!(e.as_bytes().len(), ENVELOPE_LEN);
        let back = Envelope::from_bytes(SecretBytes::copy_from(e.as_bytes()).unwrap()).unwrap();
        assert_eq!(back.header(), header());
        assert_eq!(back.value(), &[0x33; 32]);
        assert_eq!(back.digest(), e.digest());
    }

    #[test]
    fn any_flipped_bit_fails_checksum() {
        let e = Envelope::new(&header(), &[0x33; 32]).unwrap();
        for i in 0..ENVELOPE_LEN * 8 {
            let mut b = e.as_bytes().to_vec();
            b[i / 8] ^= 1 << (i % 8);
            let err = Envelope::from_bytes(SecretBytes::copy_from(&b).unwrap()).unwrap_err();
            assert_eq!(err.kind, Kind::ShareChecksum, "{}", err.message);
        }
    }

    #[test]
    fn bad_k_n_index_rejected() {
        let mut h = header();
        h.k = 6;
        assert!(Envelope::new(&h, &[0; 32]).is_err());
        let mut h = header();
        h.index = 0;
        assert!(Envelope::new(&h, &[0; 32]).is_err());
        let mut h = header();
        h.n = 17;
        h.index = 1;
        assert!(Envelope::new(&h, &[0; 32]).is_err());
    }
}
