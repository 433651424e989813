//! X.509 root certificate: the profile (`templates/root.toml`), building the self-signed
//! certificate with the root key, and loading/checking `root.pem`.
//!
//! Profile decisions (RFC 5280):
//! * §4.2.1.9 basicConstraints "MUST appear as a critical extension in all CA certificates";
//!   cA = TRUE, pathLenConstraint from the profile (default 1: root → intermediate → leaf).
//! * §4.2.1.3 keyUsage: "conforming CAs SHOULD mark this extension as critical"; keyCertSign and
//!   cRLSign only — the root signs certificates and CRLs and nothing else.
//! * §4.2.1.2 subjectKeyIdentifier: MUST appear in CA certificates, non-critical; we use the
//!   RFC 7093 §2 method 1: leftmost 160 bits of SHA-256 of the subjectPublicKey bits.
//! * §4.1.2.2 serialNumber: positive, at most 20 octets; we draw 128 random bits.

pub mod intermediate;
pub mod profile;

use der::{Decode, Encode, EncodePem, asn1::OctetString, pem::LineEnding};
use ed25519_dalek::{Signature, VerifyingKey};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use x509_cert::{
    Certificate,
    builder::{Builder, CertificateBuilder, profile::BuilderProfile},
    certificate::TbsCertificate,
    ext::{
        Extension, ToExtension,
        pkix::{BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier},
    },
    name::Name,
    serial_number::SerialNumber,
    spki::{ObjectIdentifier, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef},
    time::Validity,
};

use crate::encoding::time::UtcTime;
use crate::error::{Error, Kind, Result};
use crate::key::RootKey;

pub mod chain;
pub mod crl;
pub mod csr;
pub mod der_offset;
mod previous;
pub mod sigverify;

/// id-Ed25519 (RFC 8410).
pub const ED25519_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// The default root profile shipped in `templates/root.toml`.
pub const DEFAULT_ROOT_PROFILE: &str = include_str!("../../templates/root.toml");

/// Subject fields of a profile.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectFields {
    /// CN.
    pub common_name: String,
    /// O.
    pub organization: Option<String>,
    /// OU.
    pub organizational_unit: Option<String>,
    /// C (two letters).
    pub country: Option<String>,
}

/// The root certificate profile (`templates/root.toml`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RootProfile {
    /// Subject (= issuer) distinguished name.
    pub subject: SubjectFields,
    /// Validity in whole years from the ceremony time (default 10).
    #[serde(default = "default_years")]
    pub validity_years: u16,
    /// basicConstraints pathLenConstraint (default 1).
    #[serde(default = "default_path_len")]
    pub path_len: u8,
}

fn default_years() -> u16 {
    10
}
fn default_path_len() -> u8 {
    1
}

impl RootProfile {
    /// Parses a profile; `origin` names the file in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<RootProfile> {
        let p: RootProfile = toml::from_str(text).map_err(|e| {
            Error::new(
                Kind::ProfileFile,
                format!(
                    "root profile {}",
                    crate::tomlpos::describe(origin, text, &e)
                ),
            )
        })?;
        let at = |key: &str| crate::tomlpos::at(origin, text, key);
        if p.validity_years == 0 || p.validity_years > 50 {
            return Err(Error::new(
                Kind::ProfileFile,
                format!(
                    "root profile {}: validity_years = {} must be between 1 and 50",
                    at("validity_years"),
                    p.validity_years
                ),
            ));
        }
        if p.subject.common_name.trim().is_empty() {
            return Err(Error::new(
                Kind::ProfileFile,
                format!(
                    "root profile {}: subject.common_name is empty",
                    at("subject.common_name")
                ),
            ));
        }
        let s = &p.subject;
        // RFC 5280 Appendix A upper bounds: ub-common-name, ub-organization-name and
        // ub-organizational-unit-name are 64 characters.
        for (field, value) in [
            ("common_name", Some(&s.common_name)),
            ("organization", s.organization.as_ref()),
            ("organizational_unit", s.organizational_unit.as_ref()),
        ] {
            let Some(v) = value else { continue };
            let limit = if field == "common_name" {
                64 - "REHEARSAL ".len()
            } else {
                64
            };
            if v.trim().is_empty()
                || v.chars().count() > limit
                || v.chars().any(crate::error::is_unsafe_char)
            {
                return Err(Error::new(
                    Kind::ProfileFile,
                    format!(
                        "root profile {}: subject.{field} must be 1 to {limit} characters without control characters",
                        at(&format!("subject.{field}"))
                    ),
                ));
            }
        }
        if let Some(c) = &p.subject.country
            && (c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err(Error::new(
                Kind::ProfileFile,
                format!(
                    "root profile {}: subject.country must be two capital letters (ISO 3166), got \"{c}\"",
                    at("subject.country")
                ),
            ));
        }
        Ok(p)
    }

    /// The subject as an X.509 Name; in rehearsals the CN is prefixed with "REHEARSAL ".
    pub fn subject_name(&self, rehearsal: bool) -> Result<Name> {
        let s = &self.subject;
        let cn = if rehearsal {
            format!("REHEARSAL {}", s.common_name)
        } else {
            s.common_name.clone()
        };
        // DER order is most general first: C, O, OU, CN (RFC 5280 §4.1.2.4). Values are
        // UTF8String, except countryName which X.520 fixes as PrintableString.
        let mut rdns = Vec::new();
        if let Some(c) = &s.country {
            rdns.push(rdn(OID_C, 0x13, c));
        }
        if let Some(o) = &s.organization {
            rdns.push(rdn(OID_O, 0x0c, o));
        }
        if let Some(ou) = &s.organizational_unit {
            rdns.push(rdn(OID_OU, 0x0c, ou));
        }
        rdns.push(rdn(OID_CN, 0x0c, &cn));
        let der = tlv(0x30, &rdns.concat());
        Name::from_der(&der).map_err(|e| {
            Error::new(
                Kind::Der,
                format!("root profile: subject is not a valid name: {e}"),
            )
        })
    }
}

/// Attribute type OIDs (X.520), DER content bytes: 2.5.4.6 C, .10 O, .11 OU, .3 CN.
const OID_C: &[u8] = &[0x55, 0x04, 0x06];
const OID_O: &[u8] = &[0x55, 0x04, 0x0a];
const OID_OU: &[u8] = &[0x55, 0x04, 0x0b];
const OID_CN: &[u8] = &[0x55, 0x04, 0x03];

/// One DER TLV (definite length, short or long form).
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// RelativeDistinguishedName ::= SET { AttributeTypeAndValue ::= SEQUENCE { type, value } }.
fn rdn(oid: &[u8], string_tag: u8, value: &str) -> Vec<u8> {
    let atv = [tlv(0x06, oid), tlv(string_tag, value.as_bytes())].concat();
    tlv(0x31, &tlv(0x30, &atv))
}

struct RootBuilderProfile {
    subject: Name,
    path_len: u8,
}

impl BuilderProfile for RootBuilderProfile {
    fn get_issuer(&self, subject: &Name) -> Name {
        subject.clone()
    }
    fn get_subject(&self) -> Name {
        self.subject.clone()
    }
    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let subject = tbs.subject();
        let bc = BasicConstraints {
            ca: true,
            path_len_constraint: Some(self.path_len),
        };
        let ku = KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign);
        let ski = SubjectKeyIdentifier(OctetString::new(key_identifier(
            spk.subject_public_key.raw_bytes(),
        ))?);
        Ok(vec![
            (true, &bc).to_extension(subject, &[])?,
            (true, &ku).to_extension(subject, &[])?,
            (false, &ski).to_extension(subject, &[])?,
        ])
    }
}

/// RFC 7093 §2 method 1: leftmost 160 bits of SHA-256 of the subjectPublicKey bits.
pub fn key_identifier(public_key_bits: &[u8]) -> Vec<u8> {
    Sha256::digest(public_key_bits)[..20].to_vec()
}

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4): SEQUENCE { SEQUENCE { OID
/// 1.3.101.112 }, BIT STRING (0 unused bits) } followed by the 32 key bytes.
pub const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// DER SubjectPublicKeyInfo of an Ed25519 public key (RFC 8410: 12-byte prefix ‖ key).
pub fn ed25519_spki_der(public_key: &[u8; 32]) -> Vec<u8> {
    let mut v = ED25519_SPKI_PREFIX.to_vec();
    v.extend_from_slice(public_key);
    v
}

/// SHA-256 over the DER SubjectPublicKeyInfo: the root key fingerprint used everywhere.
pub fn fingerprint(public_key: &[u8; 32]) -> [u8; 32] {
    Sha256::digest(ed25519_spki_der(public_key)).into()
}

/// Builds and self-signs the root certificate. Returns PEM.
pub fn build_root(
    key: &RootKey,
    profile: &RootProfile,
    rehearsal: bool,
    now: UtcTime,
) -> Result<String> {
    let mut serial = [0u8; 16];
    getrandom::fill(&mut serial).map_err(|e| {
        Error::new(
            Kind::Random,
            format!("the OS random number generator failed: {e}"),
        )
    })?;
    // 128 random bits; a leading 0x00 is added by DER if the top bit is set, so it stays positive.
    let serial = SerialNumber::new(&serial)
        .map_err(|e| Error::new(Kind::Der, format!("serial number: {e}")))?;
    let start = now.whole_seconds();
    let end = start.plus_years(profile.validity_years).ok_or_else(|| {
        Error::input("certificate validity end is not a valid date (after 9999-12-31)")
    })?;
    let validity = Validity::new(start.to_x509(), end.to_x509());
    let spki = SubjectPublicKeyInfoOwned::from_der(&ed25519_spki_der(&key.public_key_bytes()))
        .map_err(|e| Error::new(Kind::Der, format!("public key: {e}")))?;
    let bp = RootBuilderProfile {
        subject: profile.subject_name(rehearsal)?,
        path_len: profile.path_len,
    };
    let builder = CertificateBuilder::new(bp, serial, validity, spki)
        .map_err(|e| Error::new(Kind::Der, format!("root certificate: {e}")))?;
    let cert = builder
        .build::<_, Signature>(key.signing_key())
        .map_err(|e| Error::new(Kind::Der, format!("root certificate: {e}")))?;
    crate::secret::scrub_stack();
    cert.to_pem(LineEnding::LF)
        .map_err(|e| Error::new(Kind::Der, format!("root certificate PEM: {e}")))
}

/// A loaded and self-verified root certificate.
#[derive(Clone, Debug)]
pub struct RootCert {
    /// DER encoding.
    pub der: Vec<u8>,
    /// The Ed25519 public key.
    pub public_key: VerifyingKey,
    /// SHA-256 of the SubjectPublicKeyInfo DER.
    pub fingerprint: [u8; 32],
    /// Subject, RFC 4514.
    pub subject: String,
    /// Serial number: the DER INTEGER's content bytes, hex.
    pub serial_hex: String,
    /// notBefore.
    pub not_before: UtcTime,
    /// notAfter.
    pub not_after: UtcTime,
}

/// What `root.pem` must hold: exactly one PEM `CERTIFICATE` block (no DER).
const ROOT_PEM: crate::pem::Expect<'static> = crate::pem::Expect {
    labels: &["CERTIFICATE"],
    what: "root certificate",
    one: true,
    der: false,
};

impl RootCert {
    /// Parses `root.pem` (exactly one PEM `CERTIFICATE` block, read by the strict PEM reader:
    /// docs/formats.md, "PEM (all PEM inputs)") and checks that it is a
    /// self-signed Ed25519 CA certificate whose signature verifies with its own key.
    pub fn from_pem(pem: &[u8], origin: &str) -> Result<RootCert> {
        let der = crate::pem::read(pem, origin, &ROOT_PEM)?.remove(0).der;
        // Strict DER: the certificate must re-encode to exactly the bytes in the file, so that
        // the certificate hash in the manifest pins the file itself (formats.md, "Loading
        // root.pem").
        let cert = Certificate::from_der(&der).map_err(|e| {
            Error::new(
                Kind::Der,
                format!(
                    "{origin}: not a valid DER certificate: {}",
                    der_offset::describe(e, &der, &|d| Certificate::from_der(d).err())
                ),
            )
        })?;
        if cert.to_der().ok().as_deref() != Some(der.as_slice()) {
            return Err(Error::new(
                Kind::Der,
                format!(
                    "{origin}: the certificate is not in canonical DER (it re-encodes differently)"
                ),
            ));
        }
        let tbs = cert.tbs_certificate();
        let spki = tbs.subject_public_key_info();
        if spki.algorithm.oid != ED25519_OID || cert.signature_algorithm().oid != ED25519_OID {
            return Err(Error::new(
                Kind::Unsupported,
                format!(
                    "{origin}: not an Ed25519 certificate (key algorithm {})",
                    spki.algorithm.oid
                ),
            ));
        }
        let pk: [u8; 32] = spki
            .subject_public_key
            .as_bytes()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| {
                Error::new(Kind::Der, format!("{origin}: Ed25519 key is not 32 bytes"))
            })?;
        let public_key = VerifyingKey::from_bytes(&pk).map_err(|e| {
            Error::new(
                Kind::Der,
                format!("{origin}: invalid Ed25519 public key: {e}"),
            )
        })?;
        // A root must be a v3 CA certificate allowed to sign certificates (RFC 5280 §4.2.1.9,
        // §4.2.1.3).
        let ca = tbs
            .get_extension::<BasicConstraints>()
            .ok()
            .flatten()
            .is_some_and(|(critical, bc)| critical && bc.ca);
        let cert_sign = tbs
            .get_extension::<KeyUsage>()
            .ok()
            .flatten()
            .is_some_and(|(_, ku)| ku.key_cert_sign());
        let known = [
            <BasicConstraints as der::oid::AssociatedOid>::OID,
            <KeyUsage as der::oid::AssociatedOid>::OID,
        ];
        let unknown_critical = tbs
            .extensions()
            .into_iter()
            .flatten()
            .any(|e| e.critical && !known.contains(&e.extn_id));
        if unknown_critical {
            return Err(Error::new(
                Kind::CertificateRefused,
                format!(
                    "{origin}: carries a critical extension rootkey does not know; refusing it as a root"
                ),
            ));
        }
        if tbs.version() != x509_cert::certificate::Version::V3 || !ca || !cert_sign {
            return Err(Error::new(
                Kind::CertificateRefused,
                format!(
                    "{origin}: not a root CA certificate (needs X.509 v3, critical basicConstraints cA=TRUE and keyUsage keyCertSign)"
                ),
            ));
        }
        if tbs.issuer() != tbs.subject() {
            return Err(Error::new(
                Kind::CertificateRefused,
                format!("{origin}: not a self-signed root (issuer differs from subject)"),
            ));
        }
        let tbs_der = tbs
            .to_der()
            .map_err(|e| Error::new(Kind::Der, format!("{origin}: {e}")))?;
        let sig = cert
            .signature()
            .as_bytes()
            .and_then(|b| Signature::from_slice(b).ok())
            .ok_or_else(|| Error::new(Kind::Der, format!("{origin}: malformed signature")))?;
        public_key.verify_strict(&tbs_der, &sig).map_err(|_| {
            Error::new(Kind::SignatureInvalid, format!(
                "{origin}: the certificate's self-signature does not verify (modified certificate?)"
            ))
        })?;
        let validity = tbs.validity();
        Ok(RootCert {
            fingerprint: fingerprint(&pk),
            public_key,
            subject: tbs.subject().to_string(),
            serial_hex: hex::encode(tbs.serial_number().as_bytes()),
            not_before: UtcTime::from_x509(&validity.not_before),
            not_after: UtcTime::from_x509(&validity.not_after),
            der,
        })
    }

    /// Loads and checks a root certificate file.
    pub fn load(path: &std::path::Path) -> Result<RootCert> {
        let bytes = crate::fsio::read_public(path, 64 * 1024, "root certificate")?;
        RootCert::from_pem(&bytes, &format!("root certificate {}", path.display()))
    }

    /// Raw public key bytes.
    pub fn public_key_bytes(&self) -> [u8; 32] {
        self.public_key.to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::SecretBytes;
    use der::DecodePem;

    #[test]
    fn default_profile_parses_and_builds() {
        let p = RootProfile::from_toml(DEFAULT_ROOT_PROFILE, "root.toml").unwrap();
        assert_eq!(p.validity_years, 10);
        let key = RootKey::from_seed(&SecretBytes::copy_from(&[4u8; 32]).unwrap()).unwrap();
        let pem = build_root(&key, &p, true, UtcTime::now().unwrap()).unwrap();
        let root = RootCert::from_pem(pem.as_bytes(), "test").unwrap();
        assert_eq!(root.public_key_bytes(), key.public_key_bytes());
        assert!(root.subject.contains("REHEARSAL"), "{}", root.subject);
    }

    #[test]
    fn tampered_certificate_rejected() {
        let p = RootProfile::from_toml(DEFAULT_ROOT_PROFILE, "root.toml").unwrap();
        let key = RootKey::from_seed(&SecretBytes::copy_from(&[5u8; 32]).unwrap()).unwrap();
        let pem = build_root(&key, &p, false, UtcTime::now().unwrap()).unwrap();
        let cert = Certificate::from_pem(pem.as_bytes()).unwrap();
        let mut der = cert.to_der().unwrap();
        // Flip a bit of the serial number (version [0] INTEGER 2, then serial INTEGER).
        let pos = der
            .windows(6)
            .position(|w| w == [0xa0, 3, 2, 1, 2, 2])
            .unwrap();
        der[pos + 8] ^= 0x01;
        let bad = Certificate::from_der(&der)
            .unwrap()
            .to_pem(LineEnding::LF)
            .unwrap();
        let err = RootCert::from_pem(bad.as_bytes(), "x").unwrap_err();
        assert_eq!(err.kind, Kind::SignatureInvalid, "{}", err.message);
    }

    #[test]
    fn non_canonical_der_rejected() {
        let p = RootProfile::from_toml(DEFAULT_ROOT_PROFILE, "root.toml").unwrap();
        let key = RootKey::from_seed(&SecretBytes::copy_from(&[6u8; 32]).unwrap()).unwrap();
        let pem = build_root(&key, &p, false, UtcTime::now().unwrap()).unwrap();
        let (_, mut der) = der::pem::decode_vec(pem.as_bytes()).unwrap();
        // Long-form length for the version [0] (a0 03 → a0 81 03): BER, not DER.
        let pos = der
            .windows(3)
            .position(|w| w == [0xa0, 0x03, 0x02])
            .unwrap();
        der.insert(pos + 1, 0x81);
        let bad = pem_of(&der);
        let err = RootCert::from_pem(bad.as_bytes(), "x").unwrap_err();
        assert_eq!(err.kind, Kind::Der, "{}", err.message);
        assert!(err.message.contains("DER"), "{}", err.message);
        // Two certificates in one file are refused.
        let two = format!("{pem}{pem}");
        let err = RootCert::from_pem(two.as_bytes(), "x").unwrap_err();
        assert_eq!(err.kind, Kind::Pem, "{}", err.message);
    }

    fn pem_of(der: &[u8]) -> String {
        der::pem::encode_string("CERTIFICATE", LineEnding::LF, der).unwrap()
    }

    #[test]
    fn bad_country_rejected() {
        let t = "validity_years = 10\n[subject]\ncommon_name = \"X\"\ncountry = \"usa\"\n";
        let e = RootProfile::from_toml(t, "p.toml").unwrap_err();
        assert_eq!(e.kind, Kind::ProfileFile);
        assert!(e.message.contains("country"));
    }
}
