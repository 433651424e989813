//! X.509 v2 certificate revocation lists signed by the root (RFC 5280 §5).
//!
//! A CRL ceremony has two phases, so preparing and assembling are separate:
//! 1. [`prepare`] checks the request against the root certificate and the previous CRL and
//!    builds the exact TBSCertList DER ([`CrlDraft::tbs_der`]) — before any key exists, so that
//!    two people can confirm what will be signed (by its SHA-256, [`CrlDraft::tbs_sha256`]);
//! 2. the key is rebuilt from shares and signs exactly those bytes; [`assemble`] wraps them into
//!    a CertificateList and checks the result before anything is written.
//!
//! Profile (`docs/formats.md`, "Certificate revocation list"):
//! * version v2; signature id-Ed25519 without parameters (RFC 8410 §3);
//! * issuer = the root certificate's subject, byte for byte (§5.1.2.3);
//! * thisUpdate = the ceremony time in whole seconds; nextUpdate = thisUpdate + N days with
//!   1 ≤ N ≤ [`MAX_NEXT_UPDATE_DAYS`]; UTCTime through 2049, GeneralizedTime from 2050
//!   (§5.1.2.4, §5.1.2.5); both within the root's validity;
//! * revokedCertificates: the previous CRL's entries unchanged and in their order, then the new
//!   ones in the order given; absent when empty (§5.1.2.6); reasonCode (non-critical) only for
//!   a reason other than unspecified (§5.3.1);
//! * crlExtensions: authorityKeyIdentifier (keyIdentifier = the root's subjectKeyIdentifier)
//!   and cRLNumber (previous + 1, or 1), both non-critical, then issuingDistributionPoint,
//!   critical (§5.2.5: "this extension MUST be critical"), holding only onlyContainsCACerts
//!   TRUE: the root issues CA certificates only, and this says so to relying parties and
//!   linters (which otherwise hold it to the 10-day limit of end-entity CRLs). It names no
//!   distribution point: the CRL is complete for its scope, so a relying party needs no name
//!   to match (§6.3.3 (b)(2)(i) compares names only when the IDP has one), and an IDP name
//!   would have to equal every URL any intermediate's cRLDistributionPoints ever carried.

use der::{
    Decode, Encode,
    asn1::{BitString, OctetString},
    oid::AssociatedOid,
    pem::LineEnding,
};
use ed25519_dalek::Signature;
use sha2::{Digest, Sha256};
use x509_cert::{
    Version,
    crl::{CertificateList, RevokedCert, TbsCertList},
    ext::{
        Extension,
        pkix::{AuthorityKeyIdentifier, CrlNumber, CrlReason},
    },
    serial_number::SerialNumber,
    spki::AlgorithmIdentifierOwned,
};

use super::{ED25519_OID, RootCert, tlv};
use crate::encoding::time::UtcTime;
use crate::error::{Error, Kind, Result};

mod read;
mod revocation;

use read::RootFacts;
pub use read::{ParsedCrl, load_previous, parse};
pub use revocation::{Reason, Revocation, parse_revoke_arg};
use revocation::{integer_problem, minimal_positive};

/// The PEM label of a CRL (RFC 7468 §6).
pub const PEM_LABEL: &str = "X509 CRL";
/// The longest nextUpdate − thisUpdate, in days. The CA/Browser Forum Baseline Requirements
/// (§4.9.7) allow at most twelve months for CRLs covering CA certificates; twelve calendar
/// months are never shorter than 365 days, so 365 days is within the rule whatever the dates.
pub const MAX_NEXT_UPDATE_DAYS: u32 = 365;
/// RFC 5280 §4.1.2.2 and §5.2.3: serial numbers and CRL numbers are at most 20 octets.
pub const MAX_INTEGER_OCTETS: usize = 20;
/// id-ce-issuingDistributionPoint (RFC 5280 §5.2.5).
pub const IDP_OID: der::oid::ObjectIdentifier = der::oid::ObjectIdentifier::new_unwrap("2.5.29.28");
/// The issuingDistributionPoint value rootkey writes, and the only one it reads:
/// `SEQUENCE { onlyContainsCACerts [2] IMPLICIT BOOLEAN TRUE }`.
pub const IDP_CA_ONLY: [u8; 5] = [0x30, 0x03, 0x82, 0x01, 0xff];

fn ed25519_algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: ED25519_OID,
        parameters: None,
    }
}

/// What will be signed.
#[derive(Clone, Debug)]
pub struct CrlDraft {
    /// The exact DER of the TBSCertList the key will sign.
    pub tbs_der: Vec<u8>,
    /// SHA-256 of [`CrlDraft::tbs_der`] (for the confirmation before the key is rebuilt).
    pub tbs_sha256: [u8; 32],
    /// cRLNumber: DER INTEGER content bytes.
    pub number: Vec<u8>,
    /// thisUpdate.
    pub this_update: UtcTime,
    /// nextUpdate.
    pub next_update: UtcTime,
    /// Every entry, in CRL order: the previous CRL's first, then the new ones.
    pub revoked: Vec<Revocation>,
    /// How many of [`CrlDraft::revoked`] come from the previous CRL.
    pub carried_forward: usize,
}

impl CrlDraft {
    /// The CRL number in lower-case hex.
    pub fn number_hex(&self) -> String {
        hex::encode(&self.number)
    }
}

/// The request for a new CRL.
#[derive(Clone, Copy, Debug)]
pub struct CrlParams<'a> {
    /// The root certificate (issuer, key identifier, validity).
    pub root: &'a RootCert,
    /// The latest CRL issued so far, loaded with [`load_previous`] (checked again here).
    pub previous: Option<&'a ParsedCrl>,
    /// New revocations, in the order they are to appear.
    pub revoke: &'a [Revocation],
    /// thisUpdate (sub-second parts are dropped).
    pub this_update: UtcTime,
    /// nextUpdate − thisUpdate in days: 1 to [`MAX_NEXT_UPDATE_DAYS`].
    pub next_update_days: u32,
}

/// `n + 1` for the content bytes of a non-negative DER INTEGER, as minimal content bytes.
fn increment(n: &[u8]) -> Vec<u8> {
    let mut v = n.to_vec();
    let mut carry = true;
    for b in v.iter_mut().rev() {
        let (sum, overflow) = b.overflowing_add(1);
        *b = sum;
        if !overflow {
            carry = false;
            break;
        }
    }
    if carry {
        v.insert(0, 1);
    }
    // Cannot be zero after adding one.
    minimal_positive(&v).unwrap_or(v)
}

/// Checks the request and builds the TBSCertList (see the module documentation for the
/// profile). Operator mistakes are [`Kind::Validity`] (dates, a too-long nextUpdate) and
/// [`Kind::RevokedSerial`] (a serial revoked twice); a previous CRL not issued by `root` is a
/// verification failure.
pub fn prepare(p: &CrlParams<'_>) -> Result<CrlDraft> {
    let root = RootFacts::of(p.root)?;
    let this_update = p.this_update.whole_seconds();
    let days = p.next_update_days;
    if days == 0 || days > MAX_NEXT_UPDATE_DAYS {
        return Err(Error::new(
            Kind::Validity,
            format!(
                "nextUpdate {days} days after thisUpdate: must be 1 to {MAX_NEXT_UPDATE_DAYS} days (twelve months at most, CA/Browser Forum BR §4.9.7)"
            ),
        ));
    }
    let next_update = this_update.plus_days(u64::from(days)).ok_or_else(|| {
        Error::new(
            Kind::Validity,
            "nextUpdate: not a representable time (after 9999-12-31T23:59:59Z)",
        )
    })?;
    if this_update < root.not_before {
        return Err(Error::new(
            Kind::Validity,
            format!(
                "thisUpdate {} is before the root certificate's notBefore {}",
                this_update, root.not_before
            ),
        )
        .hint("check the clock of the ceremony machine"));
    }
    if next_update > root.not_after {
        return Err(Error::new(Kind::Validity, format!(
            "nextUpdate {} ({days} days after thisUpdate {}) is after the root certificate's notAfter {}",
            next_update, this_update, root.not_after
        ))
        .hint("choose fewer days so that the CRL expires with the root"));
    }
    let (number, carried) = match p.previous {
        None => (vec![1u8], Vec::new()),
        Some(prev) => {
            root.check_issued(prev, p.root, "the previous CRL")?;
            if this_update <= prev.this_update {
                return Err(Error::new(Kind::Validity, format!(
                    "thisUpdate {} is not after the previous CRL's thisUpdate {} (CRL number {})",
                    this_update,
                    prev.this_update,
                    prev.number_hex()
                ))
                .hint("check the clock of the ceremony machine and that this is the latest CRL"));
            }
            let number = increment(&prev.number);
            if number.len() > MAX_INTEGER_OCTETS {
                return Err(Error::input(format!(
                    "the previous CRL's number {} is the largest allowed (RFC 5280 §5.2.3: at most {MAX_INTEGER_OCTETS} octets)",
                    prev.number_hex()
                )));
            }
            (number, prev.revoked.clone())
        }
    };
    let mut revoked = carried;
    let carried_forward = revoked.len();
    for r in p.revoke {
        if let Some(problem) = integer_problem(&r.serial) {
            return Err(Error::new(
                Kind::RevokedSerial,
                format!("serial {}: the serial number {problem}", r.serial_hex()),
            ));
        }
        let serial = r.serial_shown();
        if r.revoked_at > this_update {
            return Err(Error::new(
                Kind::RevokedSerial,
                format!(
                    "serial {serial}: revocation date {} is after thisUpdate {}",
                    r.revoked_at, this_update
                ),
            ));
        }
        if let Some(pos) = revoked.iter().position(|o| o.serial == r.serial) {
            let msg = if pos < carried_forward {
                format!(
                    "serial {serial} is already revoked in the previous CRL (since {})",
                    revoked[pos].revoked_at
                )
            } else {
                format!("serial {serial} is given twice")
            };
            return Err(Error::new(Kind::RevokedSerial, msg));
        }
        revoked.push(r.clone());
    }
    let tbs = build_tbs(&root, &number, this_update, next_update, &revoked)?;
    let tbs_der = tbs
        .to_der()
        .map_err(|e| Error::new(Kind::Der, format!("CRL: {e}")))?;
    Ok(CrlDraft {
        tbs_sha256: Sha256::digest(&tbs_der).into(),
        tbs_der,
        number,
        this_update,
        next_update,
        revoked,
        carried_forward,
    })
}

fn extension(oid: der::oid::ObjectIdentifier, value_der: Vec<u8>) -> Result<Extension> {
    extension_with(oid, false, value_der)
}

fn extension_with(
    oid: der::oid::ObjectIdentifier,
    critical: bool,
    value_der: Vec<u8>,
) -> Result<Extension> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value_der)
            .map_err(|e| Error::new(Kind::Der, format!("CRL: {e}")))?,
    })
}

fn build_tbs(
    root: &RootFacts,
    number: &[u8],
    this_update: UtcTime,
    next_update: UtcTime,
    revoked: &[Revocation],
) -> Result<TbsCertList> {
    let der_err = |e: der::Error| Error::new(Kind::Der, format!("CRL: {e}"));
    let mut entries = Vec::with_capacity(revoked.len());
    for r in revoked {
        // The content bytes are checked (positive, minimal); decoding the INTEGER keeps them.
        let serial_number = SerialNumber::from_der(&tlv(0x02, &r.serial)).map_err(der_err)?;
        let crl_entry_extensions = match r.reason {
            None | Some(Reason::Unspecified) => None,
            Some(reason) => Some(vec![extension(
                CrlReason::OID,
                reason.to_x509().to_der().map_err(der_err)?,
            )?]),
        };
        entries.push(RevokedCert {
            serial_number,
            revocation_date: r.revoked_at.to_x509(),
            crl_entry_extensions,
        });
    }
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(root.ski.clone()).map_err(der_err)?),
        ..Default::default()
    };
    Ok(TbsCertList {
        version: Version::V2,
        signature: ed25519_algorithm(),
        issuer: root.subject.clone(),
        this_update: this_update.to_x509(),
        next_update: Some(next_update.to_x509()),
        revoked_certificates: (!entries.is_empty()).then_some(entries),
        crl_extensions: Some(vec![
            extension(AuthorityKeyIdentifier::OID, aki.to_der().map_err(der_err)?)?,
            extension(CrlNumber::OID, tlv(0x02, number))?,
            extension_with(IDP_OID, true, IDP_CA_ONLY.to_vec())?,
        ]),
    })
}

/// Builds the CertificateList DER from `draft` and `signature` (over `draft.tbs_der`), reads it
/// back with [`parse`], and checks that the embedded TBS is byte-identical to the draft and that
/// it was issued by `root` (issuer, key identifier, signature); else a verification failure.
pub fn assemble(draft: &CrlDraft, signature: &Signature, root: &RootCert) -> Result<Vec<u8>> {
    let tbs_cert_list: TbsCertList = TbsCertList::from_der(&draft.tbs_der)
        .map_err(|e| Error::new(Kind::Der, format!("CRL draft: {e}")))?;
    let crl = CertificateList {
        tbs_cert_list,
        signature_algorithm: ed25519_algorithm(),
        signature: BitString::from_bytes(&signature.to_bytes())
            .map_err(|e| Error::new(Kind::Der, format!("CRL signature: {e}")))?,
    };
    let der = crl
        .to_der()
        .map_err(|e| Error::new(Kind::Der, format!("CRL: {e}")))?;
    let origin = "the signed CRL";
    let parsed = parse(&der, origin)?;
    if parsed.tbs_der != draft.tbs_der {
        return Err(Error::new(
            Kind::SignedDiffers,
            format!("{origin}: its TBSCertList differs from the confirmed draft"),
        ));
    }
    RootFacts::of(root)?.check_issued(&parsed, root, origin)?;
    Ok(der)
}

/// PEM (`X509 CRL`, base64 in 64-column lines, LF line ends).
pub fn to_pem(der: &[u8]) -> Result<String> {
    der::pem::encode_string(PEM_LABEL, LineEnding::LF, der)
        .map_err(|e| Error::new(Kind::Der, format!("CRL PEM: {e}")))
}

#[cfg(test)]
mod tests;
