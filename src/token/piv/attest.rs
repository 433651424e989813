//! YubiKey PIV attestation: the certificate the YubiKey issues for a key it generated (ATTEST,
//! INS F9), signed by the key's own attestation intermediate (slot F9, object 5FFF01), which
//! chains to Yubico's PIV attestation CA (or, for the tests' emulator, to its test CA).
//! <https://developers.yubico.com/PIV/Introduction/PIV_attestation.html>
//!
//! Checked: each signature up to a certificate of the configured root file that is
//! self-signed (the file may also carry Yubico's intermediates, for firmware whose F9
//! certificate is not issued by the root itself); the attested key is the slot's key; the
//! serial extension (1.3.6.1.4.1.41482.3.7) is the YubiKey's serial. Not checked: validity
//! dates (an air-gapped machine's clock is not trusted, and YubiKey attestation certificates
//! copy the intermediate's dates).

use der::{Decode, Encode};
use x509_cert::Certificate;
use x509_cert::der::asn1::ObjectIdentifier;

use crate::cert::sigverify;
use crate::error::{Error, Kind, Result};
use crate::pem;
use crate::token::{PublicPoint, TokenName};

const OID_FIRMWARE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.41482.3.3");
const OID_SERIAL: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.41482.3.7");
const OID_POLICY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.41482.3.8");

/// The certificates a YubiKey attestation must chain to: Yubico's PIV attestation CA (and
/// any of its intermediates) for real keys, a test CA for the emulator.
#[derive(Debug)]
pub struct AttestationRoot {
    certs: Vec<Certificate>,
    origin: String,
}

impl AttestationRoot {
    /// Reads a PEM file of one or more certificates; `origin` names it in messages.
    pub fn from_pem(bytes: &[u8], origin: &str) -> Result<AttestationRoot> {
        let expect = pem::Expect {
            labels: &["CERTIFICATE"],
            what: "certificate",
            one: false,
            der: true,
        };
        let mut certs = Vec::new();
        for b in pem::read(bytes, origin, &expect)? {
            certs.push(Certificate::from_der(&b.der).map_err(|e| {
                Error::new(
                    Kind::Der,
                    format!(
                        "{origin}, certificate {}: not an X.509 certificate: {e}",
                        b.number
                    ),
                )
            })?);
        }
        if !certs.iter().any(self_signed) {
            return Err(Error::new(
                Kind::CertificateRefused,
                format!(
                "{origin}: no self-signed certificate: an attestation root file must hold the root CA"
            ))
            .hint("give Yubico's PIV attestation CA certificate (piv-attestation-ca.pem)"));
        }
        Ok(AttestationRoot {
            certs,
            origin: origin.to_string(),
        })
    }

    /// Subject of the self-signed certificate(s), for the transcript.
    pub fn subject(&self) -> String {
        self.certs
            .iter()
            .filter(|c| self_signed(c))
            .map(|c| c.tbs_certificate().subject().to_string())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// What a verified attestation says, for the manifest and the transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attestation {
    /// The slot's attestation certificate (DER).
    pub certificate: Vec<u8>,
    /// The YubiKey's attestation intermediate from slot F9 (DER).
    pub intermediate: Vec<u8>,
    /// Subject of the root it chains to.
    pub root_subject: String,
    /// Firmware named in the certificate (`major.minor.patch`), if present.
    pub firmware: Option<String>,
    /// PIN policy byte (1 never, 2 once, 3 always) and touch policy byte, if present.
    pub policy: Option<(u8, u8)>,
}

fn self_signed(c: &Certificate) -> bool {
    signed_by(c, c)
}

fn signed_by(c: &Certificate, issuer: &Certificate) -> bool {
    let tbs = c.tbs_certificate();
    if tbs.issuer() != issuer.tbs_certificate().subject() {
        return false;
    }
    let (Ok(msg), Some(sig)) = (tbs.to_der(), c.signature().as_bytes()) else {
        return false;
    };
    sigverify::verify(
        issuer.tbs_certificate().subject_public_key_info(),
        c.signature_algorithm(),
        &msg,
        sig,
    )
    .is_ok()
}

fn extension<'a>(c: &'a Certificate, oid: &ObjectIdentifier) -> Option<&'a [u8]> {
    c.tbs_certificate()
        .extensions()
        .into_iter()
        .flatten()
        .find(|e| &e.extn_id == oid)
        .map(|e| e.extn_value.as_bytes())
}

/// Checks the attestation certificate `leaf` of the key in `slot` of YubiKey `name` and the
/// YubiKey's intermediate `f9` against `root`: signatures up to a self-signed certificate of
/// `root`, the attested key equal to `point`, the serial extension equal to `name`'s serial.
/// Any failure is a verification error: the key may not have been generated on that YubiKey.
pub fn verify_attestation(
    leaf: &[u8],
    f9: &[u8],
    root: &AttestationRoot,
    name: &TokenName,
    slot: u8,
    point: &PublicPoint,
) -> Result<Attestation> {
    let fail = |why: String| {
        Error::new(
            Kind::AttestationRefused,
            format!(
            "{name}: the attestation of slot {slot:02x} does not verify against {}: {why}",
            root.origin
        ))
        .hint("do not use this key: it may not have been generated on this YubiKey; check that the attestation root is the right one")
    };
    let parse = |der: &[u8], what: &str| {
        Certificate::from_der(der).map_err(|e| fail(format!("{what} is not a certificate: {e}")))
    };
    let leaf_cert = parse(leaf, "the attestation certificate")?;
    let f9_cert = parse(f9, "the intermediate in slot f9")?;
    if !signed_by(&leaf_cert, &f9_cert) {
        return Err(fail(
            "the attestation certificate is not signed by the YubiKey's intermediate (slot f9)"
                .into(),
        ));
    }
    let mut cur = f9_cert;
    let mut anchor = None;
    for _ in 0..4 {
        let Some(up) = root.certs.iter().find(|r| signed_by(&cur, r)) else {
            break;
        };
        if self_signed(up) {
            anchor = Some(up);
            break;
        }
        cur = up.clone();
    }
    let Some(anchor) = anchor else {
        return Err(fail(format!(
            "the intermediate in slot f9 (issuer {}) does not chain to the root",
            cur.tbs_certificate().issuer()
        )));
    };
    let key = leaf_cert
        .tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .as_bytes();
    if key != Some(point.as_slice()) {
        return Err(fail(
            "the attested key is not the key in the slot".to_string(),
        ));
    }
    let serial = extension(&leaf_cert, &OID_SERIAL)
        .and_then(|v| der::asn1::Uint::from_der(v).ok())
        .and_then(|u| {
            let b = u.as_bytes();
            (b.len() <= 4).then(|| b.iter().fold(0u32, |a, x| a << 8 | u32::from(*x)))
        });
    match serial {
        Some(s) if s.to_string() == name.serial => {}
        Some(s) => {
            return Err(fail(format!(
                "it names YubiKey serial {s}, not {}",
                name.serial
            )));
        }
        None => return Err(fail("it carries no serial number extension".into())),
    }
    let firmware = extension(&leaf_cert, &OID_FIRMWARE)
        .filter(|v| v.len() == 3)
        .map(|v| format!("{}.{}.{}", v[0], v[1], v[2]));
    let policy = extension(&leaf_cert, &OID_POLICY)
        .filter(|v| v.len() == 2)
        .map(|v| (v[0], v[1]));
    Ok(Attestation {
        certificate: leaf.to_vec(),
        intermediate: f9.to_vec(),
        root_subject: anchor.tbs_certificate().subject().to_string(),
        firmware,
        policy,
    })
}
