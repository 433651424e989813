//! Signature verification with a public key given as an X.509 SubjectPublicKeyInfo: the keys
//! and signature algorithms rootkey accepts from outside (CSRs from Vault PKI), and nothing
//! else.
//!
//! Keys ([`key_type`]):
//! * Ed25519, id-Ed25519 1.3.101.112, parameters absent (RFC 8410 §3, §4).
//! * ECDSA, id-ecPublicKey 1.2.840.10045.2.1 with namedCurve prime256v1 1.2.840.10045.3.1.7
//!   or secp384r1 1.3.132.0.34 (RFC 5480 §2.1.1), point uncompressed (RFC 5480 §2.2).
//! * RSA, rsaEncryption 1.2.840.113549.1.1.1, parameters NULL (RFC 3279 §2.3.1), modulus of
//!   2048 to 16384 bits, odd public exponent 3 ≤ e ≤ 2^32−1 (RFC 8017 §3.1).
//!
//! Signature algorithms ([`verify`]):
//! * Ed25519 (RFC 8410 §6), parameters absent; PureEdDSA with `verify_strict`.
//! * ecdsa-with-SHA256/384/512 (RFC 5758 §3.2: parameters MUST be absent), signature a DER
//!   ECDSA-Sig-Value; any of the three hashes with either curve (`openssl req` signs a P-384
//!   request with SHA-256 by default).
//! * sha256/384/512WithRSAEncryption (RFC 8017 §8.2, EMSA-PKCS1-v1_5 §9.2; RFC 4055 §5:
//!   parameters NULL, absent accepted).
//!
//! RSASSA-PSS and every SHA-1 or MD5 algorithm are refused with a message that says so.
//! Messages name no file: callers add the object with [`Error::context`].

use std::fmt;

use der::{
    Decode,
    asn1::{AnyRef, UintRef},
    oid::db::DB,
};
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};

use crate::error::{Error, Result};

/// Key type of a SubjectPublicKeyInfo rootkey accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyType {
    /// Ed25519 (RFC 8410).
    Ed25519,
    /// ECDSA on NIST P-256 (secp256r1).
    EcdsaP256,
    /// ECDSA on NIST P-384 (secp384r1).
    EcdsaP384,
    /// RSA with a modulus of `bits` bits (2048 ≤ bits ≤ 16384).
    Rsa {
        /// Modulus length in bits.
        bits: u32,
    },
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyType::Ed25519 => f.write_str("Ed25519"),
            KeyType::EcdsaP256 => f.write_str("ECDSA P-256"),
            KeyType::EcdsaP384 => f.write_str("ECDSA P-384"),
            KeyType::Rsa { bits } => write!(f, "RSA {bits}"),
        }
    }
}

/// Smallest accepted RSA modulus, in bits.
pub const RSA_MIN_BITS: u32 = 2048;
/// Largest accepted RSA modulus, in bits.
pub const RSA_MAX_BITS: u32 = 16384;

const OID_ED25519: ObjectIdentifier = super::ED25519_OID;
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const OID_ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const OID_RSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const OID_RSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const OID_RSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
/// Signature algorithms over SHA-1: sha1WithRSAEncryption, ecdsa-with-SHA1, dsa-with-sha1,
/// the OIW sha1WithRSASignature.
const SHA1_SIGNATURES: [&str; 4] = [
    "1.2.840.113549.1.1.5",
    "1.2.840.10045.4.1",
    "1.2.840.10040.4.3",
    "1.3.14.3.2.29",
];
/// md2WithRSAEncryption, md5WithRSAEncryption.
const MD_SIGNATURES: [&str; 2] = ["1.2.840.113549.1.1.2", "1.2.840.113549.1.1.4"];

/// Names the OID database lacks, for messages about algorithms rootkey refuses.
const MORE_NAMES: [(&str, &str); 5] = [
    ("1.2.840.10045.4.1", "ecdsa-with-SHA1"),
    ("1.2.840.10045.4.3.1", "ecdsa-with-SHA224"),
    ("1.2.840.10040.4.3", "dsa-with-sha1"),
    ("1.3.14.3.2.29", "sha1WithRSASignature"),
    ("1.3.132.0.10", "secp256k1"),
];

/// `name (oid)` for messages; the bare OID when no name is known.
fn describe(oid: &ObjectIdentifier) -> String {
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
fn params_absent(alg: &AlgorithmIdentifierOwned) -> bool {
    alg.parameters.is_none()
}

/// The parameters of an AlgorithmIdentifier are an ASN.1 NULL.
fn params_null(alg: &AlgorithmIdentifierOwned) -> bool {
    alg.parameters.as_ref().is_some_and(|p| p.is_null())
}

/// The subjectPublicKey BIT STRING as octets (no unused bits, RFC 5280 §4.1.2.7).
fn key_octets(spki: &SubjectPublicKeyInfoOwned) -> Result<&[u8]> {
    spki.subject_public_key.as_bytes().ok_or_else(|| {
        Error::input(
            "the subjectPublicKey BIT STRING has unused bits (not a whole number of octets)",
        )
    })
}

/// Classifies a key; refuses anything else with a clear [`Error::input`] naming the algorithm
/// OID or curve, RSA moduli below 2048 or above 16384 bits, even, tiny (< 3) or huge
/// (> 2^32−1) public exponents, and malformed keys.
pub fn key_type(spki: &SubjectPublicKeyInfoOwned) -> Result<KeyType> {
    let alg = &spki.algorithm;
    let oid = alg.oid;
    if oid == OID_ED25519 {
        // RFC 8410 §3: "the parameters MUST be absent".
        if !params_absent(alg) {
            return Err(Error::input(
                "Ed25519 key: the algorithm parameters must be absent (RFC 8410 §3)",
            ));
        }
        ed25519_key(spki)?;
        Ok(KeyType::Ed25519)
    } else if oid == OID_EC_PUBLIC_KEY {
        let curve = ec_curve(alg)?;
        ec_point_check(curve, key_octets(spki)?)?;
        Ok(curve)
    } else if oid == OID_RSA {
        // RFC 3279 §2.3.1 (and RFC 4055 §1.2): the parameters field MUST be NULL.
        if !params_null(alg) {
            return Err(Error::input(
                "RSA key: the rsaEncryption parameters must be NULL (RFC 3279 §2.3.1)",
            ));
        }
        let (n, _e) = rsa_components(key_octets(spki)?)?;
        Ok(KeyType::Rsa {
            bits: bit_length(n),
        })
    } else if oid == OID_RSA_PSS {
        Err(Error::input(format!(
            "RSASSA-PSS keys ({oid}) are not supported; make the request with a plain RSA key (rsaEncryption) and PKCS#1 v1.5 signatures"
        )))
    } else {
        Err(Error::input(format!(
            "key algorithm {} is not supported; rootkey accepts Ed25519, ECDSA P-256 and P-384, and RSA 2048 to 16384 bits",
            describe(&oid)
        )))
    }
}

/// The Ed25519 public key, checked: 32 octets, a valid point, not of small order.
fn ed25519_key(spki: &SubjectPublicKeyInfoOwned) -> Result<ed25519_dalek::VerifyingKey> {
    // RFC 8410 §4: the public key is the 32-octet encoding of RFC 8032 §5.1.5.
    let bytes: [u8; 32] = key_octets(spki)?
        .try_into()
        .map_err(|_| Error::input("Ed25519 key: the public key is not 32 octets (RFC 8410 §4)"))?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
        .map_err(|_| Error::input("Ed25519 key: not a valid curve point (RFC 8032 §5.1.3)"))?;
    if key.is_weak() {
        return Err(Error::input(
            "Ed25519 key: a small-order point, which no real key has",
        ));
    }
    Ok(key)
}

/// The curve of an id-ecPublicKey key: namedCurve parameters, P-256 or P-384 (RFC 5480
/// §2.1.1: "specifiedCurve ... MUST NOT be used"; implicitCurve too).
fn ec_curve(alg: &AlgorithmIdentifierOwned) -> Result<KeyType> {
    let curve = alg
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
        .ok_or_else(|| {
            Error::input(
                "ECDSA key: the parameters must name the curve (namedCurve, RFC 5480 §2.1.1); explicit or implicit curves are not accepted",
            )
        })?;
    if curve == OID_P256 {
        Ok(KeyType::EcdsaP256)
    } else if curve == OID_P384 {
        Ok(KeyType::EcdsaP384)
    } else {
        Err(Error::input(format!(
            "ECDSA curve {} is not supported; rootkey accepts P-256 (prime256v1) and P-384 (secp384r1)",
            describe(&curve)
        )))
    }
}

/// RFC 5480 §2.2: the point is an ECPoint octet string; rootkey takes the uncompressed form
/// (0x04 ‖ x ‖ y) only, which every CA and client supports, and checks it lies on the curve.
fn ec_point_check(curve: KeyType, point: &[u8]) -> Result<()> {
    let len = match curve {
        KeyType::EcdsaP256 => 65,
        _ => 97,
    };
    if point.first() != Some(&0x04) || point.len() != len {
        return Err(Error::input(format!(
            "{curve} key: the public key must be an uncompressed point of {len} octets (RFC 5480 §2.2)"
        )));
    }
    let valid = match curve {
        KeyType::EcdsaP256 => p256::PublicKey::from_sec1_bytes(point).is_ok(),
        _ => p384::PublicKey::from_sec1_bytes(point).is_ok(),
    };
    if valid {
        Ok(())
    } else {
        Err(Error::input(format!(
            "{curve} key: the public key is not a point on the curve"
        )))
    }
}

/// Parses RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017
/// A.1.1) in strict DER (positive, minimal INTEGERs, nothing after) and checks the sizes.
/// Returns the big-endian magnitudes of n and e.
fn rsa_components(octets: &[u8]) -> Result<(&[u8], &[u8])> {
    let malformed = |e: der::Error| {
        Error::input(format!(
            "RSA key: not a DER RSAPublicKey (RFC 8017 A.1.1): {e}"
        ))
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
        return Err(Error::input(format!(
            "RSA {bits} is too weak: at least {RSA_MIN_BITS} bits are required"
        )));
    }
    if bits > RSA_MAX_BITS {
        return Err(Error::input(format!(
            "RSA {bits} is too large: at most {RSA_MAX_BITS} bits are accepted"
        )));
    }
    // RFC 8017 §3.1: n is a product of odd primes.
    if n.last().is_some_and(|b| b % 2 == 0) {
        return Err(Error::input("RSA key: the modulus is even"));
    }
    // RFC 8017 §3.1: 3 ≤ e ≤ n − 1, e odd (gcd with λ(n)); rootkey caps e at 2^32−1 like
    // common verifiers (e is 65537 in practice).
    if e.len() > 4 {
        return Err(Error::input(
            "RSA key: the public exponent is larger than 2^32-1; it must be odd, at least 3 and at most 2^32-1",
        ));
    }
    let e_value = e.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
    if e_value < 3 || e_value % 2 == 0 {
        return Err(Error::input(format!(
            "RSA key: the public exponent {e_value} is not accepted; it must be odd, at least 3 and at most 2^32-1"
        )));
    }
    Ok((n, e))
}

/// Bits of a big-endian magnitude without leading zero octets (as UintRef gives it).
fn bit_length(magnitude: &[u8]) -> u32 {
    match magnitude.iter().position(|b| *b != 0) {
        None => 0,
        Some(i) => {
            let rest = (magnitude.len() - i - 1) as u32;
            rest * 8 + (8 - magnitude[i].leading_zeros())
        }
    }
}

/// A hash function of an accepted signature algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn digest(self, msg: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => Sha256::digest(msg).to_vec(),
            Hash::Sha384 => Sha384::digest(msg).to_vec(),
            Hash::Sha512 => Sha512::digest(msg).to_vec(),
        }
    }

    /// RFC 8017 §9.2 note 1: the DER DigestInfo up to (not including) the hash value.
    fn digest_info_prefix(self) -> &'static [u8] {
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

    fn len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }
}

/// An accepted signature algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SigAlg {
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
fn signature_algorithm(alg: &AlgorithmIdentifierOwned) -> Result<SigAlg> {
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
            return Err(Error::input(format!(
                "RSASSA-PSS signatures are not supported (signature algorithm {oid}); ask Vault (or openssl req without -sigopt rsa_padding_mode:pss) for a PKCS#1 v1.5 CSR"
            )));
        }
        _ if SHA1_SIGNATURES.contains(&oid.to_string().as_str()) => {
            return Err(Error::input(format!(
                "signature algorithm {}: SHA-1 is not accepted (collisions are practical); make the request with SHA-256",
                describe(&oid)
            )));
        }
        _ if MD_SIGNATURES.contains(&oid.to_string().as_str()) => {
            return Err(Error::input(format!(
                "signature algorithm {}: MD2 and MD5 are not accepted; make the request with SHA-256",
                describe(&oid)
            )));
        }
        _ => {
            return Err(Error::input(format!(
                "signature algorithm {} is not supported; rootkey accepts Ed25519, ecdsa-with-SHA256/384/512 and sha256/384/512WithRSAEncryption",
                describe(&oid)
            )));
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
        return Err(Error::input(format!(
            "signature algorithm {sig}: the parameters {rule}"
        )));
    }
    Ok(sig)
}

/// The message of a signature that does not verify. Verifiers report it without detail that
/// depends on the key or signature values.
pub(crate) const DOES_NOT_VERIFY: &str = "the signature does not verify";

fn does_not_verify() -> Error {
    Error::verification(DOES_NOT_VERIFY)
}

/// Verifies `sig` over `msg` with the key in `spki` under signature algorithm `alg`.
///
/// [`Error::verification`] if it does not verify (a malformed signature value included);
/// [`Error::input`] for an unsupported key or algorithm, or an algorithm that does not fit the
/// key (an ECDSA signature algorithm with an RSA key, wrong parameters). Messages name no
/// file: callers add context.
pub fn verify(
    spki: &SubjectPublicKeyInfoOwned,
    alg: &AlgorithmIdentifierOwned,
    msg: &[u8],
    sig: &[u8],
) -> Result<()> {
    let key = key_type(spki)?;
    let sig_alg = signature_algorithm(alg)?;
    match (sig_alg, key) {
        (SigAlg::Ed25519, KeyType::Ed25519) => {
            // RFC 8410 §6: the signature is the 64-octet RFC 8032 encoding.
            let signature =
                ed25519_dalek::Signature::from_slice(sig).map_err(|_| does_not_verify())?;
            ed25519_key(spki)?
                .verify_strict(msg, &signature)
                .map_err(|_| does_not_verify())
        }
        (SigAlg::Ecdsa(hash), KeyType::EcdsaP256) => {
            verify_p256(key_octets(spki)?, &hash.digest(msg), sig)
        }
        (SigAlg::Ecdsa(hash), KeyType::EcdsaP384) => {
            verify_p384(key_octets(spki)?, &hash.digest(msg), sig)
        }
        (SigAlg::RsaPkcs1(hash), KeyType::Rsa { .. }) => verify_rsa(spki, hash, msg, sig),
        (sig_alg, key) => Err(Error::input(format!(
            "signature algorithm {sig_alg} does not fit the {key} key"
        ))),
    }
}

/// ECDSA verification over a prehashed message (FIPS 186-5 §6.4.2: the hash is truncated to
/// the bit length of the group order when longer). The signature is a DER ECDSA-Sig-Value
/// (RFC 5758 §3.2, RFC 5480 Appendix A): strict DER, 0 < r, s < n.
macro_rules! ecdsa_verifier {
    ($name:ident, $curve:ident) => {
        fn $name(point: &[u8], prehash: &[u8], sig: &[u8]) -> Result<()> {
            use $curve::ecdsa::{
                DerSignature, Signature, VerifyingKey, signature::hazmat::PrehashVerifier,
            };
            let key = VerifyingKey::from_sec1_bytes(point)
                .map_err(|_| Error::input("the public key is not a point on the curve"))?;
            let malformed = || {
                Error::verification(
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

/// RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2). The `rsa` crate computes m = s^e mod n
/// (the signature must be exactly k octets and < n) and compares the whole k-octet block
/// 0x00 ‖ 0x01 ‖ 0xFF… ‖ 0x00 ‖ DigestInfo prefix ‖ H octet by octet with the EMSA-PKCS1-v1_5
/// encoding of our hash (§9.2); nothing in the block is parsed. The hash is computed here with
/// our sha2; `Pkcs1v15Sign` only carries the DigestInfo prefix and the hash length.
fn verify_rsa(spki: &SubjectPublicKeyInfoOwned, hash: Hash, msg: &[u8], sig: &[u8]) -> Result<()> {
    let (n, e) = rsa_components(key_octets(spki)?)?;
    let key = rsa::RsaPublicKey::new_with_max_size(
        rsa::BigUint::from_bytes_be(n),
        rsa::BigUint::from_bytes_be(e),
        RSA_MAX_BITS as usize,
    )
    .map_err(|e| Error::input(format!("RSA key: {e}")))?;
    let scheme = rsa::Pkcs1v15Sign {
        hash_len: Some(hash.len()),
        prefix: hash.digest_info_prefix().into(),
    };
    key.verify(scheme, &hash.digest(msg), sig)
        .map_err(|_| does_not_verify())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Fault;
    use der::{
        DecodePem, Encode,
        asn1::{Any, BitString},
    };
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    use x509_cert::request::CertReq;

    fn oid(s: &str) -> ObjectIdentifier {
        ObjectIdentifier::new_unwrap(s)
    }

    fn alg(oid_str: &str, parameters: Option<Any>) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned {
            oid: oid(oid_str),
            parameters,
        }
    }

    fn spki(key_alg: AlgorithmIdentifierOwned, key: &[u8]) -> SubjectPublicKeyInfoOwned {
        SubjectPublicKeyInfoOwned {
            algorithm: key_alg,
            subject_public_key: BitString::from_bytes(key).unwrap(),
        }
    }

    fn ed25519_spki(key: &ed25519_dalek::SigningKey) -> SubjectPublicKeyInfoOwned {
        let der = super::super::ed25519_spki_der(&key.verifying_key().to_bytes());
        SubjectPublicKeyInfoOwned::from_der(&der).unwrap()
    }

    fn ec_alg(curve: &str) -> AlgorithmIdentifierOwned {
        alg(
            "1.2.840.10045.2.1",
            Some(Any::encode_from(&oid(curve)).unwrap()),
        )
    }

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

    /// A request made by openssl (tests/vectors): key, algorithm, signed bytes, signature.
    fn vector(
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

    const RSA2048: &[u8] = include_bytes!("../../tests/vectors/csr_rsa2048.pem");
    const RSA4096: &[u8] = include_bytes!("../../tests/vectors/csr_rsa4096-sha512.pem");
    const RSA1024: &[u8] = include_bytes!("../../tests/vectors/csr_rsa1024.pem");
    const P384: &[u8] = include_bytes!("../../tests/vectors/csr_p384.pem");

    fn input_error(r: Result<impl fmt::Debug>, want: &str) {
        let e = r.unwrap_err();
        assert_eq!(e.fault, Fault::Input, "{}", e.message);
        assert!(e.message.contains(want), "{:?} lacks {want:?}", e.message);
    }

    fn does_not_verify(r: Result<()>) {
        let e = r.unwrap_err();
        assert_eq!(e.fault, Fault::Verification, "{}", e.message);
    }

    #[test]
    fn key_type_names() {
        assert_eq!(KeyType::Ed25519.to_string(), "Ed25519");
        assert_eq!(KeyType::EcdsaP256.to_string(), "ECDSA P-256");
        assert_eq!(KeyType::EcdsaP384.to_string(), "ECDSA P-384");
        assert_eq!(KeyType::Rsa { bits: 2048 }.to_string(), "RSA 2048");
    }

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
        input_error(
            verify(&spki, &with_null, b"request", &sig),
            "must be absent",
        );
        input_error(
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
        input_error(key_type(&spki(ed(), &[9u8; 31])), "not 32 octets");
        // The identity point (y = 1) has small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        input_error(key_type(&spki(ed(), &identity)), "small-order");
        // y = 2 is not the y coordinate of any point.
        let mut y2 = [0u8; 32];
        y2[0] = 2;
        input_error(key_type(&spki(ed(), &y2)), "not a valid curve point");
        // A BIT STRING with unused bits is not an octet string.
        let odd_bits = SubjectPublicKeyInfoOwned {
            algorithm: ed(),
            subject_public_key: BitString::new(1, [0u8; 32]).unwrap(),
        };
        input_error(key_type(&odd_bits), "unused bits");
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
            input_error(verify(&s256, &with_null, msg, &der256), "must be absent");
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
            assert_eq!(e.fault, Fault::Verification);
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
        input_error(
            key_type(&spki(ec_alg("1.2.840.10045.3.1.7"), &compressed)),
            "uncompressed point of 65 octets",
        );
        // The P-256 point declared as P-384.
        input_error(
            key_type(&spki(ec_alg("1.3.132.0.34"), &point)),
            "uncompressed point of 97 octets",
        );
        let mut off_curve = point.clone();
        off_curve[64] ^= 0x01;
        input_error(
            key_type(&spki(ec_alg("1.2.840.10045.3.1.7"), &off_curve)),
            "not a point on the curve",
        );
        input_error(
            key_type(&spki(ec_alg("1.3.132.0.35"), &point)),
            "ECDSA curve secp521r1 (1.3.132.0.35) is not supported",
        );
        input_error(
            key_type(&spki(ec_alg("1.3.132.0.10"), &point)),
            "ECDSA curve secp256k1 (1.3.132.0.10) is not supported",
        );
        input_error(
            key_type(&spki(alg("1.2.840.10045.2.1", None), &point)),
            "namedCurve",
        );
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
        input_error(
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
        input_error(
            verify(&spki, &alg("1.2.840.10045.4.3.2", None), &msg, &sig),
            "signature algorithm ecdsa-with-SHA256 does not fit the RSA 2048 key",
        );
        input_error(
            verify(&spki, &alg("1.3.101.112", None), &msg, &sig),
            "signature algorithm Ed25519 does not fit the RSA 2048 key",
        );
    }

    #[test]
    fn ecdsa_key_with_rsa_or_ed25519_algorithm_refused() {
        let (spki, _, msg, sig) = vector(P384);
        assert_eq!(key_type(&spki).unwrap(), KeyType::EcdsaP384);
        input_error(
            verify(
                &spki,
                &alg("1.2.840.113549.1.1.11", Some(Any::null())),
                &msg,
                &sig,
            ),
            "sha256WithRSAEncryption does not fit the ECDSA P-384 key",
        );
        input_error(
            verify(&spki, &alg("1.3.101.112", None), &msg, &sig),
            "Ed25519 does not fit the ECDSA P-384 key",
        );
    }

    #[test]
    fn rsa_key_sizes_and_exponents() {
        let (weak, _, _, _) = vector(RSA1024);
        input_error(
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
        input_error(
            key_type(&rsa_spki(&modulus(2047), &f4)),
            "RSA 2047 is too weak",
        );
        input_error(
            key_type(&rsa_spki(&modulus(16385), &f4)),
            "RSA 16385 is too large: at most 16384 bits",
        );
        let mut even = modulus(2048);
        *even.last_mut().unwrap() = 0xfe;
        input_error(key_type(&rsa_spki(&even, &f4)), "modulus is even");
        for (e, shown) in [
            (&[1u8][..], "1"),
            (&[0x01, 0x00, 0x00], "65536"),
            (&[0], "0"),
        ] {
            input_error(
                key_type(&rsa_spki(&modulus(2048), e)),
                &format!("public exponent {shown} is not accepted; it must be odd, at least 3"),
            );
        }
        assert!(key_type(&rsa_spki(&modulus(2048), &[0xff, 0xff, 0xff, 0xff])).is_ok());
        input_error(
            key_type(&rsa_spki(&modulus(2048), &[0x01, 0, 0, 0, 1])),
            "larger than 2^32-1",
        );
        // RFC 3279 §2.3.1: NULL parameters, not absent.
        let absent = spki(
            alg("1.2.840.113549.1.1.1", None),
            &rsa_public_key(&modulus(2048), &f4),
        );
        input_error(key_type(&absent), "must be NULL");
        // Not an RSAPublicKey: trailing octets, a negative modulus, garbage.
        let mut trailing = rsa_public_key(&modulus(2048), &f4);
        trailing.push(0);
        input_error(
            key_type(&spki(
                alg("1.2.840.113549.1.1.1", Some(Any::null())),
                &trailing,
            )),
            "not a DER RSAPublicKey",
        );
        input_error(
            key_type(&spki(
                alg("1.2.840.113549.1.1.1", Some(Any::null())),
                b"\x30\x06\x02\x01\x80\x02\x01\x03",
            )),
            "not a DER RSAPublicKey",
        );
    }

    #[test]
    fn other_key_algorithms_named() {
        input_error(
            key_type(&spki(alg("1.2.840.10040.4.1", None), &[1, 2, 3])),
            "key algorithm id-dsa (1.2.840.10040.4.1) is not supported",
        );
        input_error(
            key_type(&spki(alg("1.3.101.113", None), &[0u8; 57])),
            "id-Ed448 (1.3.101.113)",
        );
        input_error(
            key_type(&spki(alg("1.2.840.113549.1.1.10", None), &[0u8; 8])),
            "RSASSA-PSS keys",
        );
    }

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
            input_error(verify(&spki, &alg(oid_str, None), b"m", &sig), want);
        }
    }
}
