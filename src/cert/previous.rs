//! The previous intermediate (`intermediate sign --previous`; docs/formats.md, "Intermediate
//! certificate profile", **Previous intermediate**): read strictly, refused when it is the
//! root itself or not an intermediate this root issued, and compared with the new draft.

use der::Encode;
use ed25519_dalek::Signature;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use super::intermediate::Draft;
use super::profile::IntermediateProfile;
use super::{ED25519_OID, RootCert};
use crate::encoding::time::UtcTime;
use crate::error::{Error, Kind, Result};

/// Exactly one certificate read from a file (PEM or DER, canonical DER; see
/// [`super::chain::load_certificates`]).
pub fn load_certificate(bytes: &[u8], origin: &str) -> Result<Certificate> {
    let mut certs = super::chain::load_certificates(bytes, origin)?;
    if certs.len() != 1 {
        return Err(Error::new(
            Kind::NotPreviousIntermediate,
            format!(
                "{origin}: holds {} certificates; it must hold exactly one",
                certs.len()
            ),
        )
        .hint("give last year's intermediate.pem alone (not intermediate-chain.pem or a bundle)"));
    }
    Ok(certs.remove(0).cert)
}

const NOT_INTERMEDIATE_HINT: &str = "give last year's intermediate certificate (intermediate.pem from the previous rotation), not root.pem";

/// A certificate signed by the root must still be an intermediate to be `--previous`: not
/// self-issued (a re-issued root) and a CA (formats.md, "Previous intermediate").
fn refuse_not_intermediate(prev: &Certificate, origin: &str) -> Result<()> {
    let tbs = prev.tbs_certificate();
    if tbs.subject() == tbs.issuer() {
        return Err(Error::new(Kind::NotPreviousIntermediate, format!(
            "{origin}: a self-issued certificate (subject = issuer = {}) is not a previous intermediate",
            tbs.subject()
        ))
        .hint(NOT_INTERMEDIATE_HINT));
    }
    if !super::chain::is_ca(prev) {
        return Err(Error::new(Kind::NotPreviousIntermediate, format!(
            "{origin}: not a CA certificate (no basicConstraints cA = TRUE), so not a previous intermediate"
        ))
        .hint(NOT_INTERMEDIATE_HINT));
    }
    Ok(())
}

/// What `--previous` found.
#[derive(Debug)]
pub struct PreviousCheck {
    /// Previous serial (content bytes, hex).
    pub serial: String,
    /// Previous notAfter.
    pub not_after: UtcTime,
    /// Days during which both are valid (negative: a gap).
    pub overlap_days: i64,
    /// Warnings for the operator (also recorded).
    pub warnings: Vec<String>,
}

/// Checks the new draft against the previous intermediate: it must have been issued by this
/// root (signature verified), and must not share the new key; a gap or an overlap shorter than
/// the profile's gives a warning.
pub fn check_previous(
    prev: &Certificate,
    origin: &str,
    root: &RootCert,
    draft: &Draft,
    profile: &IntermediateProfile,
) -> Result<PreviousCheck> {
    let tbs = prev.tbs_certificate();
    if prev.to_der().ok().as_deref() == Some(root.der.as_slice()) {
        return Err(Error::new(Kind::NotPreviousIntermediate, format!(
            "{origin}: this is the root certificate itself (root.pem), not a previous intermediate"
        ))
        .hint(NOT_INTERMEDIATE_HINT));
    }
    let tbs_der = tbs
        .to_der()
        .map_err(|e| Error::new(Kind::Der, format!("{origin}: {e}")))?;
    let sig = prev
        .signature()
        .as_bytes()
        .and_then(|b| Signature::from_slice(b).ok());
    let signed = prev.signature_algorithm().oid == ED25519_OID
        && sig.is_some_and(|s| root.public_key.verify_strict(&tbs_der, &s).is_ok());
    if !signed {
        return Err(Error::new(
            Kind::WrongIssuer,
            format!("{origin}: the previous intermediate was not signed by this root (root.pem)"),
        )
        .hint("give the intermediate this root issued last year"));
    }
    refuse_not_intermediate(prev, origin)?;
    let prev_spki = tbs
        .subject_public_key_info()
        .to_der()
        .map_err(|e| Error::new(Kind::Der, format!("{origin}: {e}")))?;
    if <[u8; 32]>::from(Sha256::digest(&prev_spki)) == draft.spki_sha256 {
        return Err(Error::new(Kind::KeyReused, format!(
            "the CSR reuses the previous intermediate's key ({origin}, serial {}): each year's intermediate needs a new key",
            hex::encode(tbs.serial_number().as_bytes())
        ))
        .hint("have Vault generate a new key (pki/intermediate/generate/internal) and a new CSR"));
    }
    let not_after = UtcTime::from_x509(&tbs.validity().not_after);
    let overlap_secs = not_after.unix_secs() as i64 - draft.not_before.unix_secs() as i64;
    let overlap_days = overlap_secs.div_euclid(86_400);
    let mut warnings = Vec::new();
    if overlap_secs < 0 {
        warnings.push(format!(
            "gap: the previous intermediate expires {not_after}, {} day(s) before the new one starts {}; clients will have no valid intermediate in between",
            (-overlap_secs + 86_399) / 86_400,
            draft.not_before
        ));
    } else if overlap_days < i64::from(profile.overlap_days) {
        warnings.push(format!(
            "short overlap: the previous intermediate expires {not_after}, only {overlap_days} day(s) after the new one starts {} (the profile asks for {})",
            draft.not_before, profile.overlap_days
        ));
    }
    Ok(PreviousCheck {
        serial: hex::encode(tbs.serial_number().as_bytes()),
        not_after,
        overlap_days,
        warnings,
    })
}
