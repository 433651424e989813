//! RSA keys and RSASSA-PKCS1-v1_5 signatures: rsaEncryption with NULL parameters (RFC 3279
//! §2.3.1), a modulus of 2048 to 16384 bits, an odd public exponent 3 ≤ e ≤ 2^32−1 (RFC 8017
//! §3.1), sha256/384/512WithRSAEncryption (RFC 8017 §8.2, §9.2).

use der::{
    Decode,
    asn1::{AnyRef, UintRef},
};
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use super::algorithm::{Hash, key_octets};
use super::{RSA_MAX_BITS, RSA_MIN_BITS, does_not_verify};
use crate::error::{Error, Kind, Result};

/// Parses RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017
/// A.1.1) in strict DER (positive, minimal INTEGERs, nothing after) and checks the sizes.
/// Returns the big-endian magnitudes of n and e.
pub(super) fn rsa_components(octets: &[u8]) -> Result<(&[u8], &[u8])> {
    let malformed = |e: der::Error| {
        Error::new(
            Kind::BadKey,
            format!("RSA key: not a DER RSAPublicKey (RFC 8017 A.1.1): {e}"),
        )
    };
    let (n, e) = AnyRef::from_der(octets)
        .and_then(|seq| {
            seq.sequence(|r| {
                let n = UintRef::decode(r)?;
                let e = UintRef::decode(r)?;
                Ok((n, e))
            })
        })
        .map_err(malformed)?;
    let (n, e) = (n.as_bytes(), e.as_bytes());
    let bits = bit_length(n);
    if bits < RSA_MIN_BITS {
        return Err(Error::new(
            Kind::Unsupported,
            format!("RSA {bits} is too weak: at least {RSA_MIN_BITS} bits are required"),
        ));
    }
    if bits > RSA_MAX_BITS {
        return Err(Error::new(
            Kind::Unsupported,
            format!("RSA {bits} is too large: at most {RSA_MAX_BITS} bits are accepted"),
        ));
    }
    // RFC 8017 §3.1: n is a product of odd primes.
    if n.last().is_some_and(|b| b % 2 == 0) {
        return Err(Error::new(Kind::BadKey, "RSA key: the modulus is even"));
    }
    // RFC 8017 §3.1: 3 ≤ e ≤ n − 1, e odd (gcd with λ(n)); rootkey caps e at 2^32−1 like
    // common verifiers (e is 65537 in practice).
    if e.len() > 4 {
        return Err(Error::new(
            Kind::BadKey,
            "RSA key: the public exponent is larger than 2^32-1; it must be odd, at least 3 and at most 2^32-1",
        ));
    }
    let e_value = e.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
    if e_value < 3 || e_value % 2 == 0 {
        return Err(Error::new(
            Kind::BadKey,
            format!(
                "RSA key: the public exponent {e_value} is not accepted; it must be odd, at least 3 and at most 2^32-1"
            ),
        ));
    }
    Ok((n, e))
}

/// Bits of a big-endian magnitude without leading zero octets (as UintRef gives it).
pub(super) fn bit_length(magnitude: &[u8]) -> u32 {
    match magnitude.iter().position(|b| *b != 0) {
        None => 0,
        Some(i) => {
            let rest = (magnitude.len() - i - 1) as u32;
            rest * 8 + (8 - magnitude[i].leading_zeros())
        }
    }
}

/// RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2). The `rsa` crate computes m = s^e mod n
/// (the signature must be exactly k octets and < n) and compares the whole k-octet block
/// 0x00 ‖ 0x01 ‖ 0xFF… ‖ 0x00 ‖ DigestInfo prefix ‖ H octet by octet with the EMSA-PKCS1-v1_5
/// encoding of our hash (§9.2); nothing in the block is parsed. The hash is computed here with
/// our sha2; `Pkcs1v15Sign` only carries the DigestInfo prefix and the hash length.
pub(super) fn verify_rsa(
    spki: &SubjectPublicKeyInfoOwned,
    hash: Hash,
    msg: &[u8],
    sig: &[u8],
) -> Result<()> {
    let (n, e) = rsa_components(key_octets(spki)?)?;
    let key = ::rsa::RsaPublicKey::new_with_max_size(
        ::rsa::BigUint::from_bytes_be(n),
        ::rsa::BigUint::from_bytes_be(e),
        RSA_MAX_BITS as usize,
    )
    .map_err(|e| Error::new(Kind::BadKey, format!("RSA key: {e}")))?;
    let scheme = ::rsa::Pkcs1v15Sign {
        hash_len: Some(hash.len()),
        prefix: hash.digest_info_prefix().into(),
    };
    key.verify(scheme, &hash.digest(msg), sig)
        .map_err(|_| does_not_verify())
}

#[cfg(test)]
mod tests {
    use super::super::algorithm::OID_RSA_SHA256;
    use super::super::test_support::{
        RSA1024, RSA2048, RSA4096, alg, does_not_verify, oid, refused, spki, vector,
    };
    use super::super::{KeyType, key_type, verify};
    use crate::error::Kind;
    use der::{
        Encode,
        asn1::{Any, UintRef},
    };
    use x509_cert::spki::SubjectPublicKeyInfoOwned;

    /// The DER of RSAPublicKey { n, e }.
    fn rsa_public_key(n: &[u8], e: &[u8]) -> Vec<u8> {
        let n = UintRef::new(n).unwrap();
        let e = UintRef::new(e).unwrap();
        let body = [n.to_der().unwrap(), e.to_der().unwrap()].concat();
        Any::new(der::Tag::Sequence, body)
            .unwrap()
            .to_der()
            .unwrap()
    }

    fn rsa_spki(n: &[u8], e: &[u8]) -> SubjectPublicKeyInfoOwned {
        spki(
            alg("1.2.840.113549.1.1.1", Some(Any::null())),
            &rsa_public_key(n, e),
        )
    }

    /// An odd modulus of exactly `bits` bits (not a real RSA modulus; key_type only looks at
    /// the size and the parity).
    fn modulus(bits: usize) -> Vec<u8> {
        let mut n = vec![0xffu8; bits.div_ceil(8)];
        if !bits.is_multiple_of(8) {
            n[0] = (1u8 << (bits % 8)) - 1;
        }
        n
    }

    #[test]
    fn rsa_openssl_vectors_verify() {
        for pem in [RSA2048, RSA4096] {
            let (spki, a, msg, sig) = vector(pem);
            verify(&spki, &a, &msg, &sig).unwrap();
        }
        let (spki, _, _, _) = vector(RSA4096);
        assert_eq!(key_type(&spki).unwrap(), KeyType::Rsa { bits: 4096 });
    }

    #[test]
    fn rsa_tampering_and_algorithm_mix_ups() {
        let (spki, a, msg, sig) = vector(RSA2048);
        assert_eq!(key_type(&spki).unwrap(), KeyType::Rsa { bits: 2048 });
        assert_eq!(a.oid, OID_RSA_SHA256);
        // RFC 4055 §5: absent parameters are accepted too (they are not signed).
        verify(&spki, &alg("1.2.840.113549.1.1.11", None), &msg, &sig).unwrap();
        let mut bad = sig.clone();
        bad[100] ^= 0x01;
        does_not_verify(verify(&spki, &a, &msg, &bad));
        let mut bad_msg = msg.clone();
        bad_msg[20] ^= 0x01;
        does_not_verify(verify(&spki, &a, &bad_msg, &sig));
        // k − 1 octets, and k + 1 octets with a leading zero: RFC 8017 §8.2.2 step 1.
        does_not_verify(verify(&spki, &a, &msg, &sig[1..]));
        does_not_verify(verify(&spki, &a, &msg, &[&[0u8][..], &sig].concat()));
        // The DigestInfo in the block names SHA-256: claiming SHA-384 or SHA-512 fails.
        for other in ["1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13"] {
            does_not_verify(verify(&spki, &alg(other, Some(Any::null())), &msg, &sig));
        }
        refused(
            Kind::Unsupported,
            verify(
                &spki,
                &alg(
                    "1.2.840.113549.1.1.11",
                    Some(Any::encode_from(&oid("1.2.3")).unwrap()),
                ),
                &msg,
                &sig,
            ),
            "must be NULL or absent",
        );
        refused(
            Kind::Unsupported,
            verify(&spki, &alg("1.2.840.10045.4.3.2", None), &msg, &sig),
            "signature algorithm ecdsa-with-SHA256 does not fit the RSA 2048 key",
        );
        refused(
            Kind::Unsupported,
            verify(&spki, &alg("1.3.101.112", None), &msg, &sig),
            "signature algorithm Ed25519 does not fit the RSA 2048 key",
        );
    }

    #[test]
    fn rsa_key_sizes_and_exponents() {
        let (weak, _, _, _) = vector(RSA1024);
        refused(
            Kind::Unsupported,
            key_type(&weak),
            "RSA 1024 is too weak: at least 2048 bits are required",
        );
        let f4 = [0x01, 0x00, 0x01];
        assert_eq!(
            key_type(&rsa_spki(&modulus(2048), &f4)).unwrap(),
            KeyType::Rsa { bits: 2048 }
        );
        assert_eq!(
            key_type(&rsa_spki(&modulus(16384), &f4)).unwrap(),
            KeyType::Rsa { bits: 16384 }
        );
        assert_eq!(
            key_type(&rsa_spki(&modulus(3072), &[3])).unwrap(),
            KeyType::Rsa { bits: 3072 }
        );
        refused(
            Kind::Unsupported,
            key_type(&rsa_spki(&modulus(2047), &f4)),
            "RSA 2047 is too weak",
        );
        refused(
            Kind::Unsupported,
            key_type(&rsa_spki(&modulus(16385), &f4)),
            "RSA 16385 is too large: at most 16384 bits",
        );
        let mut even = modulus(2048);
        *even.last_mut().unwrap() = 0xfe;
        refused(
            Kind::BadKey,
            key_type(&rsa_spki(&even, &f4)),
            "modulus is even",
        );
        for (e, shown) in [
            (&[1u8][..], "1"),
            (&[0x01, 0x00, 0x00], "65536"),
            (&[0], "0"),
        ] {
            refused(
                Kind::BadKey,
                key_type(&rsa_spki(&modulus(2048), e)),
                &format!("public exponent {shown} is not accepted; it must be odd, at least 3"),
            );
        }
        assert!(key_type(&rsa_spki(&modulus(2048), &[0xff, 0xff, 0xff, 0xff])).is_ok());
        refused(
            Kind::BadKey,
            key_type(&rsa_spki(&modulus(2048), &[0x01, 0, 0, 0, 1])),
            "larger than 2^32-1",
        );
        // RFC 3279 §2.3.1: NULL parameters, not absent.
        let absent = spki(
            alg("1.2.840.113549.1.1.1", None),
            &rsa_public_key(&modulus(2048), &f4),
        );
        refused(Kind::Unsupported, key_type(&absent), "must be NULL");
        // Not an RSAPublicKey: trailing octets, a negative modulus, garbage.
        let mut trailing = rsa_public_key(&modulus(2048), &f4);
        trailing.push(0);
        refused(
            Kind::BadKey,
            key_type(&spki(
                alg("1.2.840.113549.1.1.1", Some(Any::null())),
                &trailing,
            )),
            "not a DER RSAPublicKey",
        );
        refused(
            Kind::BadKey,
            key_type(&spki(
                alg("1.2.840.113549.1.1.1", Some(Any::null())),
                b"\x30\x06\x02\x01\x80\x02\x01\x03",
            )),
            "not a DER RSAPublicKey",
        );
    }
}
