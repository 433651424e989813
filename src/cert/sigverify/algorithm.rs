//! The parsing every key type shares: algorithm OIDs, AlgorithmIdentifier parameters, the
//! subjectPublicKey octets, and the signature algorithm with its hash (RFC 5280 §4.1.1.2,
//! RFC 5758 §3.2, RFC 4055 §5, RFC 8410 §3).

use std::fmt;

use der::oid::db::DB;
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};

use crate::error::{Error, Kind, Result};

pub(super) const OID_ED25519: ObjectIdentifier = crate::cert::ED25519_OID;
pub(super) const OID_EC_PUBLIC_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
pub(super) const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
pub(super) const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
pub(super) const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
pub(super) const OID_RSA_PSS: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
pub(super) const OID_ECDSA_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
pub(super) const OID_ECDSA_SHA384: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
pub(super) const OID_ECDSA_SHA512: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
pub(super) const OID_RSA_SHA256: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
pub(super) const OID_RSA_SHA384: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
pub(super) const OID_RSA_SHA512: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
/// Signature algorithms over SHA-1: sha1WithRSAEncryption, ecdsa-with-SHA1, dsa-with-sha1,
/// the OIW sha1WithRSASignature.
pub(super) const SHA1_SIGNATURES: [&str; 4] = [
    "1.2.840.113549.1.1.5",
    "1.2.840.10045.4.1",
    "1.2.840.10040.4.3",
    "1.3.14.3.2.29",
];
/// md2WithRSAEncryption, md5WithRSAEncryption.
pub(super) const MD_SIGNATURES: [&str; 2] = ["1.2.840.113549.1.1.2", "1.2.840.113549.1.1.4"];

/// Names the OID database lacks, for messages about algorithms rootkey refuses.
pub(super) const MORE_NAMES: [(&str, &str); 5] = [
    ("1.2.840.10045.4.1", "ecdsa-with-SHA1"),
    ("1.2.840.10045.4.3.1", "ecdsa-with-SHA224"),
    ("1.2.840.10040.4.3", "dsa-with-sha1"),
    ("1.3.14.3.2.29", "sha1WithRSASignature"),
    ("1.3.132.0.10", "secp256k1"),
];

/// `name (oid)` for messages; the bare OID when no name is known.
pub(super) fn describe(oid: &ObjectIdentifier) -> String {
    let dotted = oid.to_string();
    let name = MORE_NAMES
        .iter()
        .find(|(o, _)| *o == dotted)
        .map(|(_, n)| *n)
        .or_else(|| DB.by_oid(oid));
    match name {
        Some(name) => format!("{name} ({oid})"),
        None => dotted,
    }
}

/// The parameters of an AlgorithmIdentifier are absent.
pub(super) fn params_absent(alg: &AlgorithmIdentifierOwned) -> bool {
    alg.parameters.is_none()
}

/// The parameters of an AlgorithmIdentifier are an ASN.1 NULL.
pub(super) fn params_null(alg: &AlgorithmIdentifierOwned) -> bool {
    alg.parameters.as_ref().is_some_and(|p| p.is_null())
}

/// The subjectPublicKey BIT STRING as octets (no unused bits, RFC 5280 §4.1.2.7).
pub(super) fn key_octets(spki: &SubjectPublicKeyInfoOwned) -> Result<&[u8]> {
    spki.subject_public_key.as_bytes().ok_or_else(|| {
        Error::new(
            Kind::BadKey,
            "the subjectPublicKey BIT STRING has unused bits (not a whole number of octets)",
        )
    })
}
/// A hash function of an accepted signature algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub(super) fn digest(self, msg: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => Sha256::digest(msg).to_vec(),
            Hash::Sha384 => Sha384::digest(msg).to_vec(),
            Hash::Sha512 => Sha512::digest(msg).to_vec(),
        }
    }

    /// RFC 8017 §9.2 note 1: the DER DigestInfo up to (not including) the hash value.
    pub(super) fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            Hash::Sha256 => &[
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x01, 0x05, 0x00, 0x04, 0x20,
            ],
            Hash::Sha384 => &[
                0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x02, 0x05, 0x00, 0x04, 0x30,
            ],
            Hash::Sha512 => &[
                0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x03, 0x05, 0x00, 0x04, 0x40,
            ],
        }
    }

    pub(super) fn len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }
}

/// An accepted signature algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SigAlg {
    Ed25519,
    Ecdsa(Hash),
    RsaPkcs1(Hash),
}

impl fmt::Display for SigAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bits = |h: &Hash| match h {
            Hash::Sha256 => 256,
            Hash::Sha384 => 384,
            Hash::Sha512 => 512,
        };
        match self {
            SigAlg::Ed25519 => f.write_str("Ed25519"),
            SigAlg::Ecdsa(h) => write!(f, "ecdsa-with-SHA{}", bits(h)),
            SigAlg::RsaPkcs1(h) => write!(f, "sha{}WithRSAEncryption", bits(h)),
        }
    }
}

/// Classifies a signature AlgorithmIdentifier and checks its parameters.
pub(super) fn signature_algorithm(alg: &AlgorithmIdentifierOwned) -> Result<SigAlg> {
    let oid = alg.oid;
    let sig = match oid {
        OID_ED25519 => SigAlg::Ed25519,
        OID_ECDSA_SHA256 => SigAlg::Ecdsa(Hash::Sha256),
        OID_ECDSA_SHA384 => SigAlg::Ecdsa(Hash::Sha384),
        OID_ECDSA_SHA512 => SigAlg::Ecdsa(Hash::Sha512),
        OID_RSA_SHA256 => SigAlg::RsaPkcs1(Hash::Sha256),
        OID_RSA_SHA384 => SigAlg::RsaPkcs1(Hash::Sha384),
        OID_RSA_SHA512 => SigAlg::RsaPkcs1(Hash::Sha512),
        OID_RSA_PSS => {
            return Err(Error::new(
                Kind::Unsupported,
                format!(
                    "RSASSA-PSS signatures are not supported (signature algorithm {oid}); ask Vault (or openssl req without -sigopt rsa_padding_mode:pss) for a PKCS#1 v1.5 CSR"
                ),
            ));
        }
        _ if SHA1_SIGNATURES.contains(&oid.to_string().as_str()) => {
            return Err(Error::new(
                Kind::Unsupported,
                format!(
                    "signature algorithm {}: SHA-1 is not accepted (collisions are practical); make the request with SHA-256",
                    describe(&oid)
                ),
            ));
        }
        _ if MD_SIGNATURES.contains(&oid.to_string().as_str()) => {
            return Err(Error::new(
                Kind::Unsupported,
                format!(
                    "signature algorithm {}: MD2 and MD5 are not accepted; make the request with SHA-256",
                    describe(&oid)
                ),
            ));
        }
        _ => {
            return Err(Error::new(
                Kind::Unsupported,
                format!(
                    "signature algorithm {} is not supported; rootkey accepts Ed25519, ecdsa-with-SHA256/384/512 and sha256/384/512WithRSAEncryption",
                    describe(&oid)
                ),
            ));
        }
    };
    let params_ok = match sig {
        // RFC 8410 §3 and RFC 5758 §3.2: the parameters MUST be absent.
        SigAlg::Ed25519 | SigAlg::Ecdsa(_) => params_absent(alg),
        // RFC 4055 §5: "the parameters MUST be NULL. Implementations MUST accept the
        // parameters being absent as well as present."
        SigAlg::RsaPkcs1(_) => params_null(alg) || params_absent(alg),
    };
    if !params_ok {
        let rule = match sig {
            SigAlg::Ed25519 => "must be absent (RFC 8410 §3)",
            SigAlg::Ecdsa(_) => "must be absent (RFC 5758 §3.2)",
            SigAlg::RsaPkcs1(_) => "must be NULL or absent (RFC 4055 §5)",
        };
        return Err(Error::new(
            Kind::Unsupported,
            format!("signature algorithm {sig}: the parameters {rule}"),
        ));
    }
    Ok(sig)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{alg, ed25519_spki, refused};
    use super::super::verify;
    use crate::error::Kind;

    #[test]
    fn refused_signature_algorithms_named() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[8u8; 32]);
        let spki = ed25519_spki(&key);
        let sig = [0u8; 64];
        for (oid_str, want) in [
            (
                "1.2.840.113549.1.1.10",
                "RSASSA-PSS signatures are not supported",
            ),
            (
                "1.2.840.113549.1.1.5",
                "sha1WithRSAEncryption (1.2.840.113549.1.1.5): SHA-1 is not accepted",
            ),
            (
                "1.2.840.10045.4.1",
                "ecdsa-with-SHA1 (1.2.840.10045.4.1): SHA-1 is not accepted",
            ),
            ("1.2.840.10040.4.3", "SHA-1 is not accepted"),
            ("1.2.840.113549.1.1.4", "MD2 and MD5 are not accepted"),
            (
                "1.2.840.113549.1.1.14",
                "is not supported; rootkey accepts Ed25519",
            ),
            ("1.2.3.4", "signature algorithm 1.2.3.4 is not supported"),
            ("1.3.101.113", "id-Ed448 (1.3.101.113) is not supported"),
        ] {
            refused(
                Kind::Unsupported,
                verify(&spki, &alg(oid_str, None), b"m", &sig),
                want,
            );
        }
    }
}
