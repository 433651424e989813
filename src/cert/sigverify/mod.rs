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
//!
//! Files: `algorithm.rs` (the SubjectPublicKeyInfo and AlgorithmIdentifier parsing every key
//! type shares: OIDs, parameters, the signature algorithm and its hash), and one file per key
//! type: `ed25519.rs`, `ecdsa.rs` (P-256 and P-384), `rsa.rs`.

use std::fmt;

use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::error::{Error, Kind, Result};

mod algorithm;
mod ecdsa;
mod ed25519;
mod rsa;
#[cfg(test)]
mod test_support;

use algorithm::{
    OID_EC_PUBLIC_KEY, OID_ED25519, OID_RSA, OID_RSA_PSS, SigAlg, describe, key_octets,
    params_absent, params_null, signature_algorithm,
};
use ecdsa::{ec_curve, ec_point_check, verify_p256, verify_p384};
use ed25519::{ed25519_key, verify_ed25519};
use rsa::{bit_length, rsa_components, verify_rsa};

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

/// Classifies a key; refuses anything else with a clear [`Kind::Unsupported`] or
/// [`Kind::BadKey`] error naming the algorithm
/// OID or curve, RSA moduli below 2048 or above 16384 bits, even, tiny (< 3) or huge
/// (> 2^32−1) public exponents, and malformed keys.
pub fn key_type(spki: &SubjectPublicKeyInfoOwned) -> Result<KeyType> {
    let alg = &spki.algorithm;
    let oid = alg.oid;
    if oid == OID_ED25519 {
        // RFC 8410 §3: "the parameters MUST be absent".
        if !params_absent(alg) {
            return Err(Error::new(
                Kind::Unsupported,
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
            return Err(Error::new(
                Kind::Unsupported,
                "RSA key: the rsaEncryption parameters must be NULL (RFC 3279 §2.3.1)",
            ));
        }
        let (n, _e) = rsa_components(key_octets(spki)?)?;
        Ok(KeyType::Rsa {
            bits: bit_length(n),
        })
    } else if oid == OID_RSA_PSS {
        Err(Error::new(
            Kind::Unsupported,
            format!(
                "RSASSA-PSS keys ({oid}) are not supported; make the request with a plain RSA key (rsaEncryption) and PKCS#1 v1.5 signatures"
            ),
        ))
    } else {
        Err(Error::new(
            Kind::Unsupported,
            format!(
                "key algorithm {} is not supported; rootkey accepts Ed25519, ECDSA P-256 and P-384, and RSA 2048 to 16384 bits",
                describe(&oid)
            ),
        ))
    }
}

/// The message of a signature that does not verify. Verifiers report it without detail that
/// depends on the key or signature values.
pub(crate) const DOES_NOT_VERIFY: &str = "the signature does not verify";

fn does_not_verify() -> Error {
    Error::new(Kind::SignatureInvalid, DOES_NOT_VERIFY)
}

/// Verifies `sig` over `msg` with the key in `spki` under signature algorithm `alg`.
///
/// [`Kind::SignatureInvalid`] if it does not verify (a malformed signature value included);
/// [`Kind::Unsupported`] (or [`Kind::BadKey`]) for an unsupported key or algorithm, or an algorithm that does not fit the
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
        (SigAlg::Ed25519, KeyType::Ed25519) => verify_ed25519(spki, msg, sig),
        (SigAlg::Ecdsa(hash), KeyType::EcdsaP256) => {
            verify_p256(key_octets(spki)?, &hash.digest(msg), sig)
        }
        (SigAlg::Ecdsa(hash), KeyType::EcdsaP384) => {
            verify_p384(key_octets(spki)?, &hash.digest(msg), sig)
        }
        (SigAlg::RsaPkcs1(hash), KeyType::Rsa { .. }) => verify_rsa(spki, hash, msg, sig),
        (sig_alg, key) => Err(Error::new(
            Kind::Unsupported,
            format!("signature algorithm {sig_alg} does not fit the {key} key"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{alg, refused, spki};
    use super::*;
    use crate::error::Kind;

    #[test]
    fn key_type_names() {
        assert_eq!(KeyType::Ed25519.to_string(), "Ed25519");
        assert_eq!(KeyType::EcdsaP256.to_string(), "ECDSA P-256");
        assert_eq!(KeyType::EcdsaP384.to_string(), "ECDSA P-384");
        assert_eq!(KeyType::Rsa { bits: 2048 }.to_string(), "RSA 2048");
    }

    #[test]
    fn other_key_algorithms_named() {
        refused(
            Kind::Unsupported,
            key_type(&spki(alg("1.2.840.10040.4.1", None), &[1, 2, 3])),
            "key algorithm id-dsa (1.2.840.10040.4.1) is not supported",
        );
        refused(
            Kind::Unsupported,
            key_type(&spki(alg("1.3.101.113", None), &[0u8; 57])),
            "id-Ed448 (1.3.101.113)",
        );
        refused(
            Kind::Unsupported,
            key_type(&spki(alg("1.2.840.113549.1.1.10", None), &[0u8; 8])),
            "RSASSA-PSS keys",
        );
    }
}
