//! Round trips and refusals of the payload format, with a software stand-in for a token (a
//! P-256 key in memory) — the real backends are tested against SoftHSM2 and the PIV emulator.

use super::*;
use crate::error::Kind::TokenPayload as P;
use crate::error::TokenPayloadFailure as F;
use crate::share::ShareHeader;
use crate::token::{ExistingKey, PinTries, TokenInfo, TokenName};

struct SoftToken {
    name: TokenName,
    key: SecretKey,
    objects: Vec<(Vec<u8>, Vec<u8>)>,
    /// Corrupts what read_object returns (to exercise write-then-prove).
    corrupt_reads: bool,
}

impl SoftToken {
    fn new(serial: &str, seed: u8) -> SoftToken {
        SoftToken {
            name: TokenName {
                label: format!("soft {serial}"),
                serial: serial.into(),
            },
            key: SecretKey::from_slice(&[seed; 32]).unwrap(),
            objects: Vec::new(),
            corrupt_reads: false,
        }
    }
    fn public(&self) -> PublicPoint {
        point_bytes(&self.key.public_key())
    }
}

impl Token for SoftToken {
    fn name(&self) -> &TokenName {
        &self.name
    }
    fn info(&mut self) -> crate::Result<TokenInfo> {
        Ok(TokenInfo {
            backend: Backend::Pkcs11,
            name: self.name.clone(),
            manufacturer: "test".into(),
            model: "soft".into(),
            firmware: "0.0".into(),
            free_bytes: None,
            pin_tries: PinTries::NoWarning,
            can_hold_data: true,
        })
    }
    fn login(&mut self, _pin: &SecretBytes) -> crate::Result<()> {
        Ok(())
    }
    fn enrol(&mut self, _key: &KeyRef, _e: ExistingKey) -> crate::Result<PublicPoint> {
        Ok(self.public())
    }
    fn public_key(&mut self, _key: &KeyRef) -> crate::Result<PublicPoint> {
        Ok(self.public())
    }
    fn ecdh(&mut self, _key: &KeyRef, peer: &PublicPoint) -> crate::Result<SecretBytes> {
        shared_x(&self.key, &PublicKey::from_sec1_bytes(peer).unwrap())
    }
    fn write_object(&mut self, id: &[u8], bytes: &[u8]) -> crate::Result<()> {
        self.objects.push((id.to_vec(), bytes.to_vec()));
        Ok(())
    }
    fn read_object(&mut self, id: &[u8]) -> crate::Result<Option<Vec<u8>>> {
        let mut v = self
            .objects
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, b)| b.clone());
        if self.corrupt_reads
            && let Some(b) = v.as_mut()
        {
            let last = b.len() - 1;
            b[last] ^= 1;
        }
        Ok(v)
    }
    fn delete_object(&mut self, id: &[u8]) -> crate::Result<()> {
        self.objects.retain(|(i, _)| i != id);
        Ok(())
    }
}

fn envelope(index: u8) -> Envelope {
    let h = ShareHeader {
        rehearsal: true,
        ceremony_id: [0x11; 16],
        root_fingerprint: [0x22; 16],
        k: 3,
        n: 5,
        index,
    };
    Envelope::new(&h, &[0x33; 32]).unwrap()
}

fn header(t: &SoftToken) -> Header {
    Header {
        backend: Backend::Pkcs11,
        ceremony_id: [0x11; 16],
        root_fingerprint: [0x22; 32],
        share_index: 2,
        holder: "Alice".into(),
        token_serial: t.name.serial.clone(),
        key_ref: KeyRef(b"rootkey".to_vec()),
        location: Location::TokenAndFile,
        object_id: b"rootkey share 2".to_vec(),
        token_public: t.public(),
    }
}

#[test]
fn seal_then_open() {
    let mut t = SoftToken::new("A1", 7);
    let env = envelope(2);
    let bytes = seal(&header(&t), &env).unwrap();
    assert_eq!(&bytes[..4], b"RKTP");
    let p = parse(&bytes).unwrap();
    assert_eq!(p.header, header(&t));
    let back = open(&bytes, &mut t).unwrap();
    assert!(back.ct_eq(&env));
    // Fresh ephemeral key and nonce each time.
    assert_ne!(seal(&header(&t), &env).unwrap(), bytes);
}

#[test]
fn every_changed_byte_is_refused() {
    let mut t = SoftToken::new("A1", 7);
    let bytes = seal(&header(&t), &envelope(2)).unwrap();
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 1 << (i % 8);
        assert!(open(&b, &mut t).is_err(), "byte {i} changed was accepted");
    }
}

#[test]
fn every_truncation_is_refused_as_truncated() {
    let t = SoftToken::new("A1", 7);
    let bytes = seal(&header(&t), &envelope(2)).unwrap();
    for n in 4..bytes.len() {
        let e = parse(&bytes[..n]).unwrap_err();
        assert_eq!(e.kind, P(F::Truncated), "cut at {n}: {e:?}");
    }
    let mut long = bytes.clone();
    long.push(0);
    assert_eq!(parse(&long).unwrap_err().kind, P(F::Trailing));
}

#[test]
fn other_token_is_named() {
    let a = SoftToken::new("A1", 7);
    let mut b = SoftToken::new("B2", 9);
    let bytes = seal(&header(&a), &envelope(2)).unwrap();
    let e = open(&bytes, &mut b).unwrap_err();
    assert_eq!(e.kind, P(F::OtherToken));
    assert_eq!(e.exit_code(), 1);
    assert!(e.message.contains("serial A1"), "{}", e.message);
    assert!(
        e.message.contains("\"soft B2\" (serial B2)"),
        "{}",
        e.message
    );
    // Same serial, other key: still refused before any ECDH.
    let mut b_as_a = SoftToken::new("A1", 9);
    let e = open(&bytes, &mut b_as_a).unwrap_err();
    assert_eq!(e.kind, P(F::OtherKey));
    assert_eq!(e.exit_code(), 3);
}

#[test]
fn header_rules() {
    let t = SoftToken::new("A1", 7);
    let env = envelope(2);
    let mut h = header(&t);
    h.holder = "Al\u{202e}ice".into();
    assert_eq!(seal(&h, &env).unwrap_err().kind, P(F::Field));
    let mut h = header(&t);
    h.location = Location::FileOnly;
    assert!(seal(&h, &env).is_err());
    h.object_id.clear();
    assert!(seal(&h, &env).is_ok());
    let mut h = header(&t);
    h.backend = Backend::YubikeyPiv;
    h.key_ref = KeyRef(vec![0x82]);
    h.object_id = vec![0x5F, 0xC1, 0x09];
    assert!(seal(&h, &env).is_err());
    h.object_id = vec![0x5F, 0x00, 0x10];
    assert!(seal(&h, &env).is_ok());
    let mut h = header(&t);
    h.token_public[64] ^= 1;
    assert!(seal(&h, &env).is_err());
}

#[test]
fn envelope_must_match_header() {
    let mut t = SoftToken::new("A1", 7);
    let bytes = seal(&header(&t), &envelope(3)).unwrap();
    let e = open(&bytes, &mut t).unwrap_err();
    assert_eq!(e.kind, P(F::Envelope));
    assert!(e.message.contains("does not match the header"));
}

#[test]
fn write_then_prove_keeps_a_good_object_and_removes_a_bad_one() {
    let mut t = SoftToken::new("A1", 7);
    let env = envelope(2);
    let h = header(&t);
    let w = write_then_prove(&mut t, &h, &env).unwrap();
    assert_eq!(t.objects.len(), 1);
    assert_eq!(t.objects[0].1, w.bytes);
    assert_eq!(w.sha256, sha256_parts(&[&w.bytes]));

    let mut bad = SoftToken::new("B2", 9);
    bad.corrupt_reads = true;
    let h = header(&bad);
    let e = write_then_prove(&mut bad, &h, &env).unwrap_err();
    assert!(e.message.contains("it was removed"), "{}", e.message);
    assert!(bad.objects.is_empty());
}

#[test]
fn largest_payload_fits_a_piv_object() {
    let t = SoftToken::new(&"9".repeat(64), 7);
    let mut h = header(&t);
    h.holder = "é".repeat(32);
    h.key_ref = KeyRef(vec![1; 64]);
    h.object_id = vec![b'x'; 64];
    let bytes = seal(&h, &envelope(2)).unwrap();
    assert_eq!(bytes.len(), 547);
    assert!(bytes.len() <= MAX_LEN);
}
