//! Ed25519 keys and signatures (RFC 8410, RFC 8032): id-Ed25519 1.3.101.112, PureEdDSA
//! verified with `verify_strict`.

use x509_cert::spki::SubjectPublicKeyInfoOwned;

use super::algorithm::key_octets;
use super::does_not_verify;
use crate::error::{Error, Kind, Result};

/// The Ed25519 public key, checked: 32 octets, a valid point, not of small order.
pub(super) fn ed25519_key(spki: &SubjectPublicKeyInfoOwned) -> Result<ed25519_dalek::VerifyingKey> {
    // RFC 8410 §4: the public key is the 32-octet encoding of RFC 8032 §5.1.5.
    let bytes: [u8; 32] = key_octets(spki)?.try_into().map_err(|_| {
        Error::new(
            Kind::BadKey,
            "Ed25519 key: the public key is not 32 octets (RFC 8410 §4)",
        )
    })?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| {
        Error::new(
            Kind::BadKey,
            "Ed25519 key: not a valid curve point (RFC 8032 §5.1.3)",
        )
    })?;
    if key.is_weak() {
        return Err(Error::new(
            Kind::BadKey,
            "Ed25519 key: a small-order point, which no real key has",
        ));
    }
    Ok(key)
}

/// Verifies a PureEdDSA signature; the caller has matched the key type and the algorithm.
pub(super) fn verify_ed25519(
    spki: &SubjectPublicKeyInfoOwned,
    msg: &[u8],
    sig: &[u8],
) -> Result<()> {
    // RFC 8410 §6: the signature is the 64-octet RFC 8032 encoding.
    let signature = ed25519_dalek::Signature::from_slice(sig).map_err(|_| does_not_verify())?;
    ed25519_key(spki)?
        .verify_strict(msg, &signature)
        .map_err(|_| does_not_verify())
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{alg, does_not_verify, ed25519_spki, refused, spki};
    use super::super::{KeyType, key_type, verify};
    use crate::error::Kind;
    use der::asn1::{Any, BitString};
    use x509_cert::spki::SubjectPublicKeyInfoOwned;

    #[test]
    fn ed25519_round_trip_and_tampering() {
        use ed25519_dalek::Signer;
        let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let spki = ed25519_spki(&key);
        assert_eq!(key_type(&spki).unwrap(), KeyType::Ed25519);
        let ed = alg("1.3.101.112", None);
        let sig = key.sign(b"request").to_bytes();
        verify(&spki, &ed, b"request", &sig).unwrap();
        let mut bad = sig;
        bad[10] ^= 0x01;
        does_not_verify(verify(&spki, &ed, b"request", &bad));
        does_not_verify(verify(&spki, &ed, b"requesT", &sig));
        does_not_verify(verify(&spki, &ed, b"request", &sig[..63]));
        // RFC 8410 §3: parameters absent, also for the signature algorithm.
        let with_null = alg("1.3.101.112", Some(Any::null()));
        refused(
            Kind::Unsupported,
            verify(&spki, &with_null, b"request", &sig),
            "must be absent",
        );
        refused(
            Kind::Unsupported,
            key_type(&SubjectPublicKeyInfoOwned {
                algorithm: with_null,
                ..spki.clone()
            }),
            "must be absent",
        );
    }

    #[test]
    fn ed25519_malformed_keys_refused() {
        let ed = || alg("1.3.101.112", None);
        refused(
            Kind::BadKey,
            key_type(&spki(ed(), &[9u8; 31])),
            "not 32 octets",
        );
        // The identity point (y = 1) has small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        refused(
            Kind::BadKey,
            key_type(&spki(ed(), &identity)),
            "small-order",
        );
        // y = 2 is not the y coordinate of any point.
        let mut y2 = [0u8; 32];
        y2[0] = 2;
        refused(
            Kind::BadKey,
            key_type(&spki(ed(), &y2)),
            "not a valid curve point",
        );
        // A BIT STRING with unused bits is not an octet string.
        let odd_bits = SubjectPublicKeyInfoOwned {
            algorithm: ed(),
            subject_public_key: BitString::new(1, [0u8; 32]).unwrap(),
        };
        refused(Kind::BadKey, key_type(&odd_bits), "unused bits");
    }
}
