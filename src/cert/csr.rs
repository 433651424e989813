//! PKCS#10 certificate requests (RFC 2986) as input: the CSR Vault PKI writes for a new
//! intermediate CA (`pki/intermediate/generate/internal`), parsed strictly and checked before
//! anything is signed for it.
//!
//! Checks, in this order (docs/formats.md, "Certificate signing request (input)"):
//! * at most [`MAX_CSR_BYTES`]; one PEM block labelled `CERTIFICATE REQUEST` or
//!   `NEW CERTIFICATE REQUEST` (RFC 7468 §7; text around it ignored), or raw DER;
//! * a CertificationRequest (RFC 2986 §4) in canonical DER: it re-encodes to the same bytes,
//!   so [`Csr::sha256`] pins exactly one request;
//! * version v1 (0) (RFC 2986 §4.1);
//! * a supported key ([`sigverify::key_type`]);
//! * the self-signature verifies over the DER of certificationRequestInfo (RFC 2986 §3, §4.2);
//! * a non-empty subject (RFC 5280 §4.1.2.6: a CA's subject MUST be non-empty);
//! * at most one extensionRequest attribute (RFC 2985 §5.4.2, single-valued) holding
//!   extensions (RFC 5272 §3.1: SIZE (1..MAX)) with no OID twice (RFC 5280 §4.2).
//!
//! The requested extensions are only reported: what goes into the certificate is decided by
//! the intermediate profile, not by the request.

use der::{
    Decode, Encode, Header, SliceReader, Tag, Tagged,
    asn1::{AnyRef, ObjectIdentifier},
};
use sha2::{Digest, Sha256};
use x509_cert::{
    ext::Extension,
    name::Name,
    request::{CertReq, ExtensionReq},
    spki::SubjectPublicKeyInfoOwned,
};

use super::sigverify::{self, KeyType};
use crate::error::{Error, Fault, Kind, Result};

/// Largest accepted input (PEM or DER). Vault's RSA 4096 CSR is under 2 KiB.
pub const MAX_CSR_BYTES: usize = 64 * 1024;

/// PKCS#9 extensionRequest (RFC 2985 §5.4.2).
const OID_EXTENSION_REQUEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.14");

/// A parsed, self-signature-checked PKCS#10 certificate request.
#[derive(Clone, Debug)]
pub struct Csr {
    /// The exact DER bytes of the CertificationRequest.
    pub der: Vec<u8>,
    /// SHA-256 of `der`: the out-of-band hash of the request (PEM input hashes its decoded
    /// DER, so the PEM and DER forms of one request have the same hash).
    pub sha256: [u8; 32],
    /// Subject name.
    pub subject: Name,
    /// Subject, RFC 4514 string (`Name`'s Display). It comes from the request: it may hold
    /// any character, so escape it before printing ([`crate::error::clean_lines`]).
    pub subject_text: String,
    /// The subject public key.
    pub spki: SubjectPublicKeyInfoOwned,
    /// DER of the SubjectPublicKeyInfo, byte-exact as in the request.
    pub spki_der: Vec<u8>,
    /// The key's type.
    pub key_type: KeyType,
    /// Extensions from the PKCS#9 extensionRequest attribute, in request order (empty if none).
    pub extensions: Vec<Extension>,
    /// OIDs of the other attributes (e.g. challengePassword 1.2.840.113549.1.9.7), in order.
    pub other_attributes: Vec<ObjectIdentifier>,
}

/// Parses PEM or raw DER and checks the request (see the module documentation). `origin`
/// (e.g. `CSR req.pem`) prefixes every message.
pub fn parse(bytes: &[u8], origin: &str) -> Result<Csr> {
    let fail = |msg: String| Error::new(Kind::Der, format!("{origin}: {msg}"));
    if bytes.len() > MAX_CSR_BYTES {
        return Err(Error::new(
            Kind::RequestRefused,
            format!(
                "{origin}: {}",
                format_args!(
                    "{} bytes is more than the 64 KiB a certificate request may have",
                    bytes.len()
                )
            ),
        ));
    }
    let der = crate::pem::read(bytes, origin, &CSR_PEM)?.remove(0).der;
    let req = decode(&der).map_err(|e| e.context(origin))?;
    let info = &req.info;
    let key_type = sigverify::key_type(&info.public_key).map_err(|e| e.context(origin))?;

    // RFC 2986 §3: the signature is over the DER encoding of certificationRequestInfo. The
    // request is canonical DER (checked in `decode`), so this re-encoding is byte-exact the
    // certificationRequestInfo in `der`.
    let signed = info.to_der().map_err(|e| fail(format!("{e}")))?;
    let signature = req.signature.as_bytes().ok_or_else(|| {
        fail("the signature BIT STRING has unused bits (not a whole number of octets)".into())
    })?;
    sigverify::verify(&info.public_key, &req.algorithm, &signed, signature).map_err(|e| {
        if e.fault() != Fault::Verification {
            return e.context(origin);
        }
        let mut msg = format!(
            "{origin}: the self-signature does not verify (the request was modified or is not from this key)"
        );
        if e.message != sigverify::DOES_NOT_VERIFY {
            msg.push_str(&format!("; {}", e.message));
        }
        Error::new(Kind::SignatureInvalid, msg)
            .hint("ask the requester for the CSR again and compare its SHA-256 with the hash they sent out of band")
    })?;

    // RFC 5280 §4.1.2.6: "If the subject is a CA ..., then the subject field MUST be populated
    // with a non-empty distinguished name".
    if info.subject.is_empty() {
        return Err(Error::new(
            Kind::RequestRefused,
            format!(
                "{origin}: the subject is empty; a CA certificate needs a non-empty subject (RFC 5280 §4.1.2.6)"
            ),
        ));
    }
    let (extensions, other_attributes) = attributes(info).map_err(|e| e.context(origin))?;
    let spki_der = info.public_key.to_der().map_err(|e| fail(format!("{e}")))?;
    Ok(Csr {
        sha256: Sha256::digest(&der).into(),
        subject: info.subject.clone(),
        subject_text: info.subject.to_string(),
        spki: info.public_key.clone(),
        spki_der,
        key_type,
        extensions,
        other_attributes,
        der,
    })
}

/// What a request file may hold (docs/formats.md, "PEM (all PEM inputs)"): exactly one PEM
/// block labelled `CERTIFICATE REQUEST` (RFC 7468 §7; parsers "MAY treat 'NEW CERTIFICATE
/// REQUEST' as equivalent", a label still in wide use), or DER.
const CSR_PEM: crate::pem::Expect<'static> = crate::pem::Expect {
    labels: &["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"],
    what: "certificate request",
    one: true,
    der: true,
};

/// Decodes the CertificationRequest and checks that it is canonical DER and version v1.
fn decode(der: &[u8]) -> Result<CertReq> {
    let req = CertReq::from_der(der).map_err(|e| match declared_version(der) {
        // RFC 2986 §4.1: "version is the version number, for compatibility with future
        // revisions of this document. It shall be 0 for this version of the standard."
        Some(v) if v != [0] => Error::new(
            Kind::RequestRefused,
            format!(
                "version {} is not v1 (0) (RFC 2986 §4.1)",
                if v.len() <= 4 {
                    v.iter()
                        .fold(0i64, |a, b| (a << 8) | i64::from(*b))
                        .to_string()
                } else {
                    format!("0x{}", hex::encode(&v))
                }
            ),
        ),
        _ => Error::new(
            Kind::Der,
            format!(
                "not a DER PKCS#10 certificate request (RFC 2986 §4): {}",
                super::der_offset::describe(e, der, &|d| CertReq::from_der(d).err())
            ),
        ),
    })?;
    // The hash of a request must pin one encoding: the bytes must be the DER encoding
    // (X.690 §10), which is what re-encoding the decoded value gives.
    if req.to_der().ok().as_deref() != Some(der) {
        return Err(Error::new(
            Kind::Der,
            "the request is not in canonical DER (it re-encodes differently, RFC 2986 §4 requires DER)",
        ));
    }
    Ok(req)
}

/// The content octets of certificationRequestInfo's version INTEGER, if the input gets that
/// far (for a precise message when the decoder refuses the request).
fn declared_version(der: &[u8]) -> Option<Vec<u8>> {
    let mut r = SliceReader::new(der).ok()?;
    let outer = Header::decode(&mut r).ok()?;
    let info = Header::decode(&mut r).ok()?;
    if outer.tag() != Tag::Sequence || info.tag() != Tag::Sequence {
        return None;
    }
    let version = AnyRef::decode(&mut r).ok()?;
    (version.tag() == Tag::Integer).then(|| version.value().to_vec())
}

/// The requested extensions and the OIDs of the other attributes.
fn attributes(
    info: &x509_cert::request::CertReqInfo,
) -> Result<(Vec<Extension>, Vec<ObjectIdentifier>)> {
    let mut extensions: Option<Vec<Extension>> = None;
    let mut others = Vec::new();
    for attr in info.attributes.iter() {
        if attr.oid != OID_EXTENSION_REQUEST {
            others.push(attr.oid);
            continue;
        }
        // RFC 2985 §5.4.2: extensionRequest is single-valued.
        if extensions.is_some() {
            return Err(Error::new(
                Kind::RequestRefused,
                "more than one extensionRequest attribute (RFC 2985 §5.4.2 allows one)",
            ));
        }
        let value = match attr.values.as_slice() {
            [one] => one,
            more => {
                return Err(Error::new(
                    Kind::RequestRefused,
                    format!(
                        "the extensionRequest attribute has {} values; it must have exactly one (RFC 2985 §5.4.2)",
                        more.len()
                    ),
                ));
            }
        };
        // Attribute values are kept as raw DER by the request decoder: decode this one and
        // check that it too is canonical (e.g. no explicit critical FALSE, X.690 §11.5).
        let raw = value
            .to_der()
            .map_err(|e| Error::new(Kind::Der, e.to_string()))?;
        let list = ExtensionReq::from_der(&raw).map_err(|e| {
            Error::new(
                Kind::Der,
                format!("the extensionRequest attribute is not a list of extensions: {e}"),
            )
        })?;
        if list.to_der().ok().as_deref() != Some(raw.as_slice()) {
            return Err(Error::new(
                Kind::Der,
                "the extensionRequest attribute is not in canonical DER (it re-encodes differently)",
            ));
        }
        let list = list.0;
        // RFC 5272 §3.1: ExtensionReq ::= SEQUENCE SIZE (1..MAX) OF Extension.
        if list.is_empty() {
            return Err(Error::new(
                Kind::RequestRefused,
                "the extensionRequest attribute holds no extension (RFC 5272 §3.1: SIZE (1..MAX))",
            ));
        }
        // RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a
        // particular extension."
        for (i, ext) in list.iter().enumerate() {
            if list[..i].iter().any(|e| e.extn_id == ext.extn_id) {
                return Err(Error::new(
                    Kind::RequestRefused,
                    format!(
                        "the request asks for extension {} twice (RFC 5280 §4.2)",
                        ext.extn_id
                    ),
                ));
            }
        }
        extensions = Some(list);
    }
    Ok((extensions.unwrap_or_default(), others))
}

#[cfg(test)]
mod tests;
