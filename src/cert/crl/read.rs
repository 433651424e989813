//! Reading a CRL back: the structural checks ([`parse`]) and the check that the root issued
//! it ([`load_previous`]).

use der::{Decode, Encode, asn1::Int, oid::AssociatedOid};
use ed25519_dalek::Signature;
use sha2::{Digest, Sha256};
use x509_cert::{
    Certificate, Version,
    crl::{CertificateList, RevokedCert},
    ext::pkix::{AuthorityKeyIdentifier, CrlNumber, CrlReason, SubjectKeyIdentifier},
    name::Name,
    spki::AlgorithmIdentifierOwned,
    time::Time,
};

use super::revocation::integer_problem;
use super::{
    IDP_CA_ONLY, IDP_OID, MAX_INTEGER_OCTETS, PEM_LABEL, Reason, Revocation, ed25519_algorithm,
};
use crate::cert::RootCert;
use crate::encoding::time::UtcTime;
use crate::error::{Error, Kind, Result};

/// A CRL read back and checked (structure only; see [`parse`]).
#[derive(Clone, Debug)]
pub struct ParsedCrl {
    /// The DER bytes (the file's content for DER, the decoded block for PEM).
    pub der: Vec<u8>,
    /// SHA-256 of [`ParsedCrl::der`].
    pub sha256: [u8; 32],
    /// issuer.
    pub issuer: Name,
    /// cRLNumber: the DER INTEGER content bytes.
    pub number: Vec<u8>,
    /// thisUpdate.
    pub this_update: UtcTime,
    /// nextUpdate, if present.
    pub next_update: Option<UtcTime>,
    /// revokedCertificates, in the CRL's order.
    pub revoked: Vec<Revocation>,
    /// authorityKeyIdentifier keyIdentifier, if present.
    pub aki: Option<Vec<u8>>,
    /// Whether the CRL carries rootkey's issuingDistributionPoint (onlyContainsCACerts TRUE,
    /// critical): its scope is CA certificates. CRLs of rootkey before issue 14 have none
    /// (a complete CRL of everything the root issued).
    pub ca_only: bool,
    /// The DER of tbsCertList (what the signature covers).
    pub tbs_der: Vec<u8>,
    /// signatureAlgorithm (id-Ed25519 without parameters).
    pub signature_algorithm: AlgorithmIdentifierOwned,
    /// The signature value (64 bytes).
    pub signature: Vec<u8>,
}

impl ParsedCrl {
    /// The CRL number in lower-case hex.
    pub fn number_hex(&self) -> String {
        hex::encode(&self.number)
    }
}

/// What a CRL file may hold (docs/formats.md, "PEM (all PEM inputs)"): exactly one PEM block
/// labelled `X509 CRL`, or DER.
const CRL_PEM: crate::pem::Expect<'static> = crate::pem::Expect {
    labels: &[PEM_LABEL],
    what: "CRL",
    one: true,
    der: true,
};

/// The time `t` holds, checking the RFC 5280 §5.1.2.4 encoding rule (UTCTime through 2049,
/// GeneralizedTime from 2050).
fn time_of(t: &Time, what: &str, origin: &str) -> Result<UtcTime> {
    let dt = t.to_date_time();
    let (ok, kind) = match t {
        Time::UtcTime(_) => (dt.year() < 2050, "UTCTime"),
        Time::GeneralTime(_) => (dt.year() >= 2050, "GeneralizedTime"),
    };
    if !ok {
        return Err(Error::new(
            Kind::CrlRefused,
            format!(
                "{origin}: {what} {} is encoded as {kind}; RFC 5280 §5.1.2.4 requires UTCTime through 2049 and GeneralizedTime from 2050",
                UtcTime::from(dt)
            ),
        ));
    }
    Ok(UtcTime::from(dt))
}

fn revocation_of(rc: &RevokedCert, origin: &str) -> Result<Revocation> {
    let serial = rc.serial_number.as_bytes().to_vec();
    let at = format!(
        "{origin}: revoked entry for serial {}",
        hex::encode(&serial)
    );
    if let Some(problem) = integer_problem(&serial) {
        return Err(Error::new(
            Kind::CrlRefused,
            format!("{at}: the serial number {problem}"),
        ));
    }
    let revoked_at = time_of(&rc.revocation_date, "revocationDate", &at)?;
    let mut reason = None;
    for e in rc.crl_entry_extensions.iter().flatten() {
        if e.extn_id != CrlReason::OID {
            return Err(Error::new(
                Kind::CrlRefused,
                format!(
                    "{at}: entry extension {} is not part of rootkey's CRL profile (only reasonCode)",
                    e.extn_id
                ),
            ));
        }
        if reason.is_some() {
            return Err(Error::new(
                Kind::CrlRefused,
                format!("{at}: reasonCode appears twice"),
            ));
        }
        let r = CrlReason::from_der(e.extn_value.as_bytes())
            .map_err(|err| Error::new(Kind::Der, format!("{at}: malformed reasonCode: {err}")))?;
        reason = Some(Reason::from_x509(r).ok_or_else(|| {
            Error::new(
                Kind::CrlRefused,
                format!("{at}: reason {r:?} is not used in this PKI (no certificate holds)"),
            )
        })?);
    }
    Ok(Revocation {
        serial,
        revoked_at,
        reason,
    })
}

/// Parses a CRL, PEM (`X509 CRL`) or DER, and checks its structure: canonical DER (it must
/// re-encode to the same bytes), v2, signature algorithm id-Ed25519 without parameters in both
/// places (§5.1.1.2), a 64-byte signature, the time encoding rule, a cRLNumber of at most 20
/// octets, positive serials of at most 20 octets, no serial twice, no critical CRL extension
/// other than issuingDistributionPoint exactly as rootkey writes it (§5.2; absent in older
/// rootkey CRLs, which are read as before), and no entry extension but reasonCode. The
/// signature is NOT checked (see [`load_previous`]).
pub fn parse(bytes: &[u8], origin: &str) -> Result<ParsedCrl> {
    let der = crate::pem::read(bytes, origin, &CRL_PEM)?.remove(0).der;
    let crl = CertificateList::from_der(&der).map_err(|e| {
        Error::new(
            Kind::Der,
            format!(
                "{origin}: not a DER certificate revocation list: {}",
                crate::cert::der_offset::describe(e, &der, &|d| {
                    CertificateList::<x509_cert::certificate::Rfc5280>::from_der(d).err()
                })
            ),
        )
    })?;
    if crl.to_der().ok().as_deref() != Some(der.as_slice()) {
        return Err(Error::new(
            Kind::Der,
            format!("{origin}: the CRL is not in canonical DER (it re-encodes differently)"),
        ));
    }
    let tbs = &crl.tbs_cert_list;
    if tbs.version != Version::V2 {
        return Err(Error::new(
            Kind::CrlRefused,
            format!("{origin}: not a version 2 CRL (version {:?})", tbs.version),
        ));
    }
    if crl.signature_algorithm != ed25519_algorithm() || tbs.signature != ed25519_algorithm() {
        return Err(Error::new(
            Kind::Unsupported,
            format!(
                "{origin}: not signed with Ed25519 (signature algorithm {}); rootkey's root signs with Ed25519 only",
                crl.signature_algorithm.oid
            ),
        ));
    }
    let signature = crl
        .signature
        .as_bytes()
        .filter(|s| s.len() == Signature::BYTE_SIZE)
        .ok_or_else(|| {
            Error::new(
                Kind::Der,
                format!("{origin}: the signature is not 64 bytes"),
            )
        })?
        .to_vec();
    let this_update = time_of(&tbs.this_update, "thisUpdate", origin)?;
    let next_update = match &tbs.next_update {
        Some(t) => Some(time_of(t, "nextUpdate", origin)?),
        None => None,
    };
    let revoked = match &tbs.revoked_certificates {
        Some(list) if list.is_empty() => {
            return Err(Error::new(
                Kind::CrlRefused,
                format!(
                    "{origin}: revokedCertificates is present but empty (RFC 5280 §5.1.2.6: it MUST be absent)"
                ),
            ));
        }
        Some(list) => list
            .iter()
            .map(|rc| revocation_of(rc, origin))
            .collect::<Result<Vec<_>>>()?,
        None => Vec::new(),
    };
    for (i, r) in revoked.iter().enumerate() {
        if revoked[..i].iter().any(|o| o.serial == r.serial) {
            return Err(Error::new(
                Kind::CrlRefused,
                format!("{origin}: serial {} is listed twice", r.serial_shown()),
            ));
        }
    }
    let (mut number, mut aki, mut ca_only) = (None, None, false);
    let mut seen = Vec::new();
    for e in tbs.crl_extensions.iter().flatten() {
        if seen.contains(&e.extn_id) {
            return Err(Error::new(
                Kind::CrlRefused,
                format!("{origin}: extension {} appears twice", e.extn_id),
            ));
        }
        seen.push(e.extn_id);
        if e.extn_id == CrlNumber::OID {
            let n = Int::from_der(e.extn_value.as_bytes()).map_err(|err| {
                Error::new(Kind::Der, format!("{origin}: malformed cRLNumber: {err}"))
            })?;
            let n = n.as_bytes().to_vec();
            // §5.2.3: CRLNumber ::= INTEGER (0..MAX), at most 20 octets.
            if n.first().is_some_and(|b| b & 0x80 != 0) || n.len() > MAX_INTEGER_OCTETS {
                return Err(Error::new(
                    Kind::CrlRefused,
                    format!(
                        "{origin}: cRLNumber {} is negative or longer than {MAX_INTEGER_OCTETS} octets",
                        hex::encode(&n)
                    ),
                ));
            }
            number = Some(n);
        } else if e.extn_id == AuthorityKeyIdentifier::OID {
            let a = AuthorityKeyIdentifier::from_der(e.extn_value.as_bytes()).map_err(|err| {
                Error::new(
                    Kind::Der,
                    format!("{origin}: malformed authorityKeyIdentifier: {err}"),
                )
            })?;
            aki = a.key_identifier.map(|k| k.as_bytes().to_vec());
        } else if e.extn_id == IDP_OID {
            // §5.2.5: critical. Only the form rootkey writes is read: any other scope (a
            // distribution point name, user certificates only, some reasons, an indirect CRL)
            // would make this a partial CRL that a reader of a complete one must not trust.
            if !e.critical || e.extn_value.as_bytes() != IDP_CA_ONLY {
                return Err(Error::new(
                    Kind::CrlRefused,
                    format!(
                        "{origin}: its issuingDistributionPoint is {}{} (DER {}); rootkey reads only the critical onlyContainsCACerts TRUE it writes (RFC 5280 §5.2.5), so this is not a CRL of this PKI",
                        if e.critical {
                            "critical"
                        } else {
                            "not critical"
                        },
                        if e.extn_value.as_bytes() == IDP_CA_ONLY {
                            ", onlyContainsCACerts TRUE"
                        } else {
                            ", with another scope"
                        },
                        hex::encode(e.extn_value.as_bytes())
                    ),
                ));
            }
            ca_only = true;
        } else if e.critical {
            // §5.2: "If a CRL contains a critical extension that the application cannot
            // process, then the application MUST NOT use that CRL".
            return Err(Error::new(
                Kind::CrlRefused,
                format!(
                    "{origin}: carries critical extension {} that rootkey does not know (a delta CRL or a partitioned CRL?); refusing it",
                    e.extn_id
                ),
            ));
        }
    }
    let number = number.ok_or_else(|| {
        Error::new(Kind::CrlRefused, format!(
            "{origin}: no cRLNumber extension (RFC 5280 §5.2.3: conforming CRL issuers MUST include it)"
        ))
    })?;
    let tbs_der = tbs
        .to_der()
        .map_err(|e| Error::new(Kind::Der, format!("{origin}: {e}")))?;
    Ok(ParsedCrl {
        sha256: Sha256::digest(&der).into(),
        issuer: tbs.issuer.clone(),
        number,
        this_update,
        next_update,
        revoked,
        aki,
        ca_only,
        tbs_der,
        signature_algorithm: crl.signature_algorithm.clone(),
        signature,
        der,
    })
}

/// What a CRL needs from the root certificate.
pub(super) struct RootFacts {
    pub(super) subject: Name,
    pub(super) ski: Vec<u8>,
    pub(super) not_before: UtcTime,
    pub(super) not_after: UtcTime,
}

impl RootFacts {
    pub(super) fn of(root: &RootCert) -> Result<RootFacts> {
        let cert = Certificate::from_der(&root.der)
            .map_err(|e| Error::new(Kind::Der, format!("root certificate: {e}")))?;
        let tbs = cert.tbs_certificate();
        let ski = match tbs.get_extension::<SubjectKeyIdentifier>() {
            Ok(Some((_, ski))) => ski.0.as_bytes().to_vec(),
            _ => {
                return Err(Error::new(
                    Kind::CertificateRefused,
                    "root certificate: no subjectKeyIdentifier; the CRL's authorityKeyIdentifier must repeat it",
                ));
            }
        };
        Ok(RootFacts {
            subject: tbs.subject().clone(),
            ski,
            not_before: UtcTime::from_x509(&tbs.validity().not_before),
            not_after: UtcTime::from_x509(&tbs.validity().not_after),
        })
    }

    /// The CRL was issued by this root: same issuer name (DER), same key identifier (if
    /// named), and its signature verifies with the root key (strict verification).
    pub(super) fn check_issued(
        &self,
        crl: &ParsedCrl,
        root: &RootCert,
        origin: &str,
    ) -> Result<()> {
        if crl.issuer.to_der().ok() != self.subject.to_der().ok() {
            return Err(Error::new(
                Kind::WrongIssuer,
                format!(
                    "{origin}: issued by \"{}\", not by this root (\"{}\")",
                    crl.issuer, root.subject
                ),
            ));
        }
        if let Some(aki) = &crl.aki
            && aki != &self.ski
        {
            return Err(Error::new(
                Kind::WrongIssuer,
                format!(
                    "{origin}: its authorityKeyIdentifier {} is not the root's subjectKeyIdentifier {} (a CRL of another root?)",
                    hex::encode(aki),
                    hex::encode(&self.ski)
                ),
            ));
        }
        let sig = Signature::from_slice(&crl.signature)
            .map_err(|_| Error::new(Kind::Der, format!("{origin}: malformed signature")))?;
        root.public_key
            .verify_strict(&crl.tbs_der, &sig)
            .map_err(|_| {
                Error::new(Kind::SignatureInvalid, format!(
                    "{origin}: the CRL's signature does not verify with the root key (modified, or signed by another key)"
                ))
            })
    }
}

/// [`parse`], then checks that the CRL was issued by `root`: the issuer is the root's subject
/// (DER), an authorityKeyIdentifier names the root's subjectKeyIdentifier, and the Ed25519
/// signature verifies with the root key (`verify_strict`). Failures are [`Error::verification`].
pub fn load_previous(bytes: &[u8], origin: &str, root: &RootCert) -> Result<ParsedCrl> {
    let crl = parse(bytes, origin)?;
    RootFacts::of(root)?.check_issued(&crl, root, origin)?;
    Ok(crl)
}
