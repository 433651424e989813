//! Fixtures shared by the tests of every key type: algorithm identifiers, keys, the openssl
//! requests in tests/vectors, and the two assertions (an input error naming the problem, a
//! signature that does not verify).

use std::fmt;

use der::{
    Decode, DecodePem, Encode,
    asn1::{Any, BitString},
};
use x509_cert::request::CertReq;
use x509_cert::spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};

use crate::error::{Kind, Result};

pub(super) fn oid(s: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(s)
}

pub(super) fn alg(oid_str: &str, parameters: Option<Any>) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oid(oid_str),
        parameters,
    }
}

pub(super) fn spki(key_alg: AlgorithmIdentifierOwned, key: &[u8]) -> SubjectPublicKeyInfoOwned {
    SubjectPublicKeyInfoOwned {
        algorithm: key_alg,
        subject_public_key: BitString::from_bytes(key).unwrap(),
    }
}

pub(super) fn ed25519_spki(key: &ed25519_dalek::SigningKey) -> SubjectPublicKeyInfoOwned {
    let der = crate::cert::ed25519_spki_der(&key.verifying_key().to_bytes());
    SubjectPublicKeyInfoOwned::from_der(&der).unwrap()
}
/// A request made by openssl (tests/vectors): key, algorithm, signed bytes, signature.
pub(super) fn vector(
    pem: &[u8],
) -> (
    SubjectPublicKeyInfoOwned,
    AlgorithmIdentifierOwned,
    Vec<u8>,
    Vec<u8>,
) {
    let req = CertReq::from_pem(pem).unwrap();
    let msg = req.info.to_der().unwrap();
    let sig = req.signature.as_bytes().unwrap().to_vec();
    (req.info.public_key, req.algorithm, msg, sig)
}

pub(super) const RSA2048: &[u8] = include_bytes!("../../../tests/vectors/csr_rsa2048.pem");
pub(super) const RSA4096: &[u8] = include_bytes!("../../../tests/vectors/csr_rsa4096-sha512.pem");
pub(super) const RSA1024: &[u8] = include_bytes!("../../../tests/vectors/csr_rsa1024.pem");
pub(super) const P384: &[u8] = include_bytes!("../../../tests/vectors/csr_p384.pem");

/// `r` is a refusal of `kind` whose message contains `want`.
pub(super) fn refused(kind: Kind, r: Result<impl fmt::Debug>, want: &str) {
    let e = r.unwrap_err();
    assert_eq!(e.kind, kind, "{}", e.message);
    assert!(e.message.contains(want), "{:?} lacks {want:?}", e.message);
}

pub(super) fn does_not_verify(r: Result<()>) {
    let e = r.unwrap_err();
    assert_eq!(e.kind, Kind::SignatureInvalid, "{}", e.message);
}
