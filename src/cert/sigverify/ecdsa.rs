//! ECDSA keys and signatures on P-256 and P-384: id-ecPublicKey with a namedCurve (RFC 5480
//! §2.1.1), uncompressed points (RFC 5480 §2.2), DER ECDSA-Sig-Value signatures (RFC 5758
//! §3.2) over SHA-256, SHA-384 or SHA-512 with either curve.

use x509_cert::spki::{AlgorithmIdentifierOwned, ObjectIdentifier};

use super::KeyType;
use super::algorithm::{OID_P256, OID_P384, describe};
use super::does_not_verify;
use crate::error::{Error, Kind, Result};

/// The curve of an id-ecPublicKey key: namedCurve parameters, P-256 or P-384 (RFC 5480
/// §2.1.1: "specifiedCurve ... MUST NOT be used"; implicitCurve too).
pub(super) fn ec_curve(alg: &AlgorithmIdentifierOwned) -> Result<KeyType> {
    let curve = alg
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
        .ok_or_else(|| {
            Error::new(Kind::Unsupported,
                "ECDSA key: the parameters must name the curve (namedCurve, RFC 5480 §2.1.1); explicit or implicit curves are not accepted",
            )
        })?;
    if curve == OID_P256 {
        Ok(KeyType::EcdsaP256)
    } else if curve == OID_P384 {
        Ok(KeyType::EcdsaP384)
    } else {
        Err(Error::new(
            Kind::Unsupported,
            format!(
                "ECDSA curve {} is not supported; rootkey accepts P-256 (prime256v1) and P-384 (secp384r1)",
                describe(&curve)
            ),
        ))
    }
}

/// RFC 5480 §2.2: the point is an ECPoint octet string; rootkey takes the uncompressed form
/// (0x04 ‖ x ‖ y) only, which every CA and client supports, and checks it lies on the curve.
pub(super) fn ec_point_check(curve: KeyType, point: &[u8]) -> Result<()> {
    let len = match curve {
        KeyType::EcdsaP256 => 65,
        _ => 97,
    };
    if point.first() != Some(&0x04) || point.len() != len {
        return Err(Error::new(
            Kind::BadKey,
            format!(
                "{curve} key: the public key must be an uncompressed point of {len} octets (RFC 5480 §2.2)"
            ),
        ));
    }
    let valid = match curve {
        KeyType::EcdsaP256 => p256::PublicKey::from_sec1_bytes(point).is_ok(),
        _ => p384::PublicKey::from_sec1_bytes(point).is_ok(),
    };
    if valid {
        Ok(())
    } else {
        Err(Error::new(
            Kind::BadKey,
            format!("{curve} key: the public key is not a point on the curve"),
        ))
    }
}

/// ECDSA verification over a prehashed message (FIPS 186-5 §6.4.2: the hash is truncated to
/// the bit length of the group order when longer). The signature is a DER ECDSA-Sig-Value
/// (RFC 5758 §3.2, RFC 5480 Appendix A): strict DER, 0 < r, s < n.
macro_rules! ecdsa_verifier {
    ($name:ident, $curve:ident) => {
        pub(super) fn $name(point: &[u8], prehash: &[u8], sig: &[u8]) -> Result<()> {
            use $curve::ecdsa::{
                DerSignature, Signature, VerifyingKey, signature::hazmat::PrehashVerifier,
            };
            let key = VerifyingKey::from_sec1_bytes(point).map_err(|_| {
                Error::new(Kind::BadKey, "the public key is not a point on the curve")
            })?;
            let malformed = || {
                Error::new(
                    Kind::SignatureInvalid,
                    "the signature is not a DER ECDSA-Sig-Value with 0 < r, s < n (RFC 5758 §3.2)",
                )
            };
            let der_sig = DerSignature::from_bytes(sig).map_err(|_| malformed())?;
            let signature = Signature::try_from(der_sig).map_err(|_| malformed())?;
            if signature.to_der().as_bytes() != sig {
                return Err(malformed());
            }
            key.verify_prehash(prehash, &signature)
                .map_err(|_| does_not_verify())
        }
    };
}

ecdsa_verifier!(verify_p256, p256);
ecdsa_verifier!(verify_p384, p384);

#[cfg(test)]
mod tests {
    use super::super::algorithm::Hash;
    use super::super::test_support::{P384, alg, does_not_verify, oid, refused, spki, vector};
    use super::super::{KeyType, key_type, verify};
    use crate::error::Kind;
    use der::{Encode, asn1::Any};
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    use x509_cert::spki::AlgorithmIdentifierOwned;

    fn ec_alg(curve: &str) -> AlgorithmIdentifierOwned {
        alg(
            "1.2.840.10045.2.1",
            Some(Any::encode_from(&oid(curve)).unwrap()),
        )
    }

    #[test]
    fn ecdsa_every_hash_with_either_curve() {
        let k256 = p256::ecdsa::SigningKey::from_slice(&[3u8; 32]).unwrap();
        let k384 = p384::ecdsa::SigningKey::from_slice(&[3u8; 48]).unwrap();
        let s256 = spki(
            ec_alg("1.2.840.10045.3.1.7"),
            k256.verifying_key().to_sec1_point(false).as_bytes(),
        );
        let s384 = spki(
            ec_alg("1.3.132.0.34"),
            k384.verifying_key().to_sec1_point(false).as_bytes(),
        );
        assert_eq!(key_type(&s256).unwrap(), KeyType::EcdsaP256);
        assert_eq!(key_type(&s384).unwrap(), KeyType::EcdsaP384);
        let msg = b"certificationRequestInfo";
        for (oid_str, hash) in [
            ("1.2.840.10045.4.3.2", Hash::Sha256),
            ("1.2.840.10045.4.3.3", Hash::Sha384),
            ("1.2.840.10045.4.3.4", Hash::Sha512),
        ] {
            let a = alg(oid_str, None);
            let prehash = hash.digest(msg);
            let sig256: p256::ecdsa::Signature = k256.sign_prehash(&prehash).unwrap();
            let sig384: p384::ecdsa::Signature = k384.sign_prehash(&prehash).unwrap();
            let der256 = sig256.to_der().as_bytes().to_vec();
            let der384 = sig384.to_der().as_bytes().to_vec();
            verify(&s256, &a, msg, &der256).unwrap();
            verify(&s384, &a, msg, &der384).unwrap();
            // Another message, a flipped byte, the other key, and the raw r ‖ s form fail.
            does_not_verify(verify(&s256, &a, b"other", &der256));
            let mut bad = der256.clone();
            *bad.last_mut().unwrap() ^= 0x01;
            does_not_verify(verify(&s256, &a, msg, &bad));
            does_not_verify(verify(&s384, &a, msg, &der256));
            does_not_verify(verify(&s256, &a, msg, &sig256.to_bytes()));
            // RFC 5758 §3.2: the parameters MUST be absent.
            let with_null = alg(oid_str, Some(Any::null()));
            refused(
                Kind::Unsupported,
                verify(&s256, &with_null, msg, &der256),
                "must be absent",
            );
        }
        // The hash named by the algorithm is the one used: SHA-384 under ecdsa-with-SHA256
        // does not verify.
        let sig: p256::ecdsa::Signature = k256.sign_prehash(&Hash::Sha384.digest(msg)).unwrap();
        let a = alg("1.2.840.10045.4.3.2", None);
        does_not_verify(verify(&s256, &a, msg, sig.to_der().as_bytes()));
    }

    #[test]
    fn ecdsa_signature_must_be_strict_der() {
        let k = p256::ecdsa::SigningKey::from_slice(&[5u8; 32]).unwrap();
        let s = spki(
            ec_alg("1.2.840.10045.3.1.7"),
            k.verifying_key().to_sec1_point(false).as_bytes(),
        );
        let a = alg("1.2.840.10045.4.3.2", None);
        let msg = b"m";
        let sig: p256::ecdsa::Signature = k.sign_prehash(&Hash::Sha256.digest(msg)).unwrap();
        let (r, sv) = sig.split_bytes();
        // r with a superfluous leading zero octet: BER, not DER.
        let int = |v: &[u8], pad: bool| {
            let mut body = if pad || v[0] >= 0x80 {
                vec![0u8]
            } else {
                vec![]
            };
            body.extend_from_slice(v);
            Any::new(der::Tag::Integer, body).unwrap().to_der().unwrap()
        };
        let seq = |r: Vec<u8>, s: Vec<u8>| {
            Any::new(der::Tag::Sequence, [r, s].concat())
                .unwrap()
                .to_der()
                .unwrap()
        };
        let good = seq(int(&r, false), int(&sv, false));
        verify(&s, &a, msg, &good).unwrap();
        let padded = seq(int(&r, true), int(&sv, false));
        if padded != good {
            let e = verify(&s, &a, msg, &padded).unwrap_err();
            assert_eq!(e.kind, Kind::SignatureInvalid);
            assert!(e.message.contains("ECDSA-Sig-Value"), "{}", e.message);
        }
        let mut trailing = good.clone();
        trailing.push(0);
        does_not_verify(verify(&s, &a, msg, &trailing));
    }

    #[test]
    fn ecdsa_malformed_keys_refused() {
        let k = p256::ecdsa::SigningKey::from_slice(&[3u8; 32]).unwrap();
        let point = k.verifying_key().to_sec1_point(false).as_bytes().to_vec();
        let compressed = k.verifying_key().to_sec1_point(true).as_bytes().to_vec();
        refused(
            Kind::BadKey,
            key_type(&spki(ec_alg("1.2.840.10045.3.1.7"), &compressed)),
            "uncompressed point of 65 octets",
        );
        // The P-256 point declared as P-384.
        refused(
            Kind::BadKey,
            key_type(&spki(ec_alg("1.3.132.0.34"), &point)),
            "uncompressed point of 97 octets",
        );
        let mut off_curve = point.clone();
        off_curve[64] ^= 0x01;
        refused(
            Kind::BadKey,
            key_type(&spki(ec_alg("1.2.840.10045.3.1.7"), &off_curve)),
            "not a point on the curve",
        );
        refused(
            Kind::Unsupported,
            key_type(&spki(ec_alg("1.3.132.0.35"), &point)),
            "ECDSA curve secp521r1 (1.3.132.0.35) is not supported",
        );
        refused(
            Kind::Unsupported,
            key_type(&spki(ec_alg("1.3.132.0.10"), &point)),
            "ECDSA curve secp256k1 (1.3.132.0.10) is not supported",
        );
        refused(
            Kind::Unsupported,
            key_type(&spki(alg("1.2.840.10045.2.1", None), &point)),
            "namedCurve",
        );
    }

    #[test]
    fn ecdsa_key_with_rsa_or_ed25519_algorithm_refused() {
        let (spki, _, msg, sig) = vector(P384);
        assert_eq!(key_type(&spki).unwrap(), KeyType::EcdsaP384);
        refused(
            Kind::Unsupported,
            verify(
                &spki,
                &alg("1.2.840.113549.1.1.11", Some(Any::null())),
                &msg,
                &sig,
            ),
            "sha256WithRSAEncryption does not fit the ECDSA P-384 key",
        );
        refused(
            Kind::Unsupported,
            verify(&spki, &alg("1.3.101.112", None), &msg, &sig),
            "Ed25519 does not fit the ECDSA P-384 key",
        );
    }
}
