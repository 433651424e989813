//! The customer-side chain check (`rootkey chain verify`, docs/formats.md "Chain
//! verification"): certificates are verified offline against the trusted root certificate —
//! signatures up to the root, validity at a given time, CA constraints, and revocation by a
//! CRL the root signed.
//!
//! Rules (RFC 5280 §6.1, simplified to this PKI: one trust anchor, no policy processing):
//! * each certificate's issuer is the root or another given certificate whose subject equals
//!   its issuer name and whose key verifies its signature (§6.1.3 (a)(1), (a)(4));
//! * `signatureAlgorithm` equals the TBS `signature` field (§4.1.1.2);
//! * every certificate on the path, the root included, is valid at the time (§6.1.3 (a)(2));
//! * every issuer is a CA: basicConstraints cA = TRUE, keyUsage (if present) has keyCertSign,
//!   and its pathLenConstraint allows the CAs below it (§6.1.4 (k), (l), (m), (n));
//! * a certificate with a critical extension this verifier does not process is refused
//!   (§6.1.4 (o));
//! * with a CRL: the CRL is signed by the root and current at the time (thisUpdate ≤ time ≤
//!   nextUpdate), and no certificate the root issued is on it (§6.3). Certificates issued by an
//!   intermediate are outside the root's CRL; the report says so. A CRL whose
//!   issuingDistributionPoint limits it to CA certificates (as rootkey's are) cannot vouch
//!   for a non-CA certificate the root signed: that is a failure, not a pass.

use der::{Decode, Encode};
use sha2::{Digest, Sha256};
use x509_cert::{
    Certificate,
    ext::pkix::{BasicConstraints, KeyUsage},
};

use super::RootCert;
use super::crl::ParsedCrl;
use super::sigverify;
use crate::encoding::time::UtcTime;
use crate::error::{Error, Kind, Result};

/// Longest path below the root that is searched.
const MAX_DEPTH: usize = 8;

/// Extensions this verifier processes (a critical one of any other kind is refused).
const PROCESSED: [&str; 6] = [
    "2.5.29.19", // basicConstraints
    "2.5.29.15", // keyUsage
    "2.5.29.14", // subjectKeyIdentifier
    "2.5.29.35", // authorityKeyIdentifier
    "2.5.29.17", // subjectAltName (no name constraints here)
    "2.5.29.37", // extendedKeyUsage (informational for a leaf)
];

/// One certificate given on the command line.
pub struct Given {
    /// Where it came from (`intermediate.pem`, `bundle.pem #2`).
    pub origin: String,
    /// The certificate.
    pub cert: Certificate,
}

/// The verdict on one certificate.
#[derive(Debug)]
pub struct Verdict {
    /// Where it came from.
    pub origin: String,
    /// Subject, RFC 4514.
    pub subject: String,
    /// Serial, hex of the DER INTEGER's content bytes.
    pub serial: String,
    /// The path up to the root, as subjects (the certificate first).
    pub path: Vec<String>,
    /// Facts worth stating (e.g. "not covered by the root's CRL").
    pub notes: Vec<String>,
    /// None when the certificate verifies; the first failure otherwise.
    pub failure: Option<String>,
}

/// What `chain verify` found.
#[derive(Debug)]
pub struct Report {
    /// The time checked, `YYYY-MM-DDTHH:MM:SSZ`.
    pub at: String,
    /// The CRL's number and update times, if one was given.
    pub crl: Option<String>,
    /// One verdict per certificate, in the order given.
    pub verdicts: Vec<Verdict>,
}

impl Report {
    /// True when every certificate verifies.
    pub fn all_valid(&self) -> bool {
        self.verdicts.iter().all(|v| v.failure.is_none())
    }
}

/// What a certificate file may hold (docs/formats.md, "PEM (all PEM inputs)"): one or more
/// PEM `CERTIFICATE` blocks, or one DER certificate.
pub const CERTIFICATES: crate::pem::Expect<'static> = crate::pem::Expect {
    labels: &["CERTIFICATE"],
    what: "certificate",
    one: false,
    der: true,
};

/// Reads every certificate in a file: one or more PEM `CERTIFICATE` blocks, or one DER
/// certificate, through the strict PEM reader (an unrecognised or damaged block is refused,
/// never skipped). Each must be canonical DER.
pub fn load_certificates(bytes: &[u8], origin: &str) -> Result<Vec<Given>> {
    let blocks = crate::pem::read(bytes, origin, &CERTIFICATES)?;
    let many = blocks.len() > 1;
    let mut out = Vec::with_capacity(blocks.len());
    for b in &blocks {
        let at = if b.line == 0 {
            origin.to_string()
        } else {
            format!("{origin} (certificate {}, line {})", b.number, b.line)
        };
        let mut g = decode(&b.der, &at)?;
        if many {
            g.origin = format!("{origin} #{}", b.number);
        }
        out.push(g);
    }
    Ok(out)
}

fn decode(der: &[u8], origin: &str) -> Result<Given> {
    let cert = Certificate::from_der(der).map_err(|e| {
        Error::new(
            Kind::Der,
            format!(
                "{origin}: not a DER certificate ({})",
                super::der_offset::describe(e, der, &|d| Certificate::from_der(d).err())
            ),
        )
        .hint("the file is damaged or is not a certificate: get an intact copy from its source")
    })?;
    if cert.to_der().ok().as_deref() != Some(der) {
        return Err(Error::new(
            Kind::Der,
            format!("{origin}: the certificate is not in canonical DER"),
        ));
    }
    Ok(Given {
        origin: origin.to_string(),
        cert,
    })
}

fn subject(c: &Certificate) -> String {
    c.tbs_certificate().subject().to_string()
}

/// As openssl prints it (no DER sign byte), for people to compare.
fn serial(c: &Certificate) -> String {
    crate::encoding::hexfmt::serial_display(c.tbs_certificate().serial_number().as_bytes())
}

/// Checks what can be checked on a certificate alone: algorithm fields agree, validity at
/// `at`, no unprocessed critical extension.
fn check_alone(c: &Certificate, at: UtcTime) -> std::result::Result<(), String> {
    let tbs = c.tbs_certificate();
    if tbs.signature() != c.signature_algorithm() {
        return Err(
            "its signatureAlgorithm differs from the TBS signature field (RFC 5280 §4.1.1.2)"
                .into(),
        );
    }
    let v = tbs.validity();
    let (not_before, not_after) = (
        UtcTime::from_x509(&v.not_before),
        UtcTime::from_x509(&v.not_after),
    );
    if at < not_before {
        return Err(format!(
            "not yet valid at the time checked: notBefore {not_before}"
        ));
    }
    if at > not_after {
        return Err(format!("expired at the time checked: notAfter {not_after}"));
    }
    for e in tbs.extensions().into_iter().flatten() {
        if e.critical && !PROCESSED.contains(&e.extn_id.to_string().as_str()) {
            return Err(format!(
                "carries the critical extension {} ({}), which this verifier does not process",
                crate::cert::profile::extension_name(&e.extn_id),
                e.extn_id
            ));
        }
    }
    Ok(())
}

/// Whether `issuer` may issue certificates with `below` CA certificates under it on the path
/// (its pathLenConstraint), and is a CA at all.
fn check_ca(issuer: &Certificate, below: usize) -> std::result::Result<(), String> {
    let tbs = issuer.tbs_certificate();
    let bc = tbs
        .get_extension::<BasicConstraints>()
        .map_err(|e| format!("its basicConstraints is malformed: {e}"))?;
    let Some((_, bc)) = bc.filter(|(_, b)| b.ca) else {
        return Err("is not a CA certificate (basicConstraints cA is not TRUE)".into());
    };
    if let Some(ku) = tbs
        .get_extension::<KeyUsage>()
        .map_err(|e| format!("its keyUsage is malformed: {e}"))?
        && !ku.1.key_cert_sign()
    {
        return Err("may not sign certificates (keyUsage lacks keyCertSign)".into());
    }
    if let Some(p) = bc.path_len_constraint
        && below > p as usize
    {
        return Err(format!(
            "allows {p} CA certificate(s) below it (pathLenConstraint), but the path has {below}"
        ));
    }
    Ok(())
}

fn signed_by(c: &Certificate, issuer: &Certificate) -> bool {
    let tbs = c.tbs_certificate();
    if tbs.issuer() != issuer.tbs_certificate().subject() {
        return false;
    }
    let Ok(msg) = tbs.to_der() else { return false };
    let Some(sig) = c.signature().as_bytes() else {
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

/// True when `c` has basicConstraints cA = TRUE (formats.md, "Chain verification" step 4
/// without keyUsage).
pub(crate) fn is_ca(c: &Certificate) -> bool {
    c.tbs_certificate()
        .get_extension::<BasicConstraints>()
        .ok()
        .flatten()
        .is_some_and(|(_, b)| b.ca)
}

/// Verifies each given certificate against `root` at time `at`, and against `crl` (already
/// checked to be signed by the root, e.g. with [`super::crl::load_previous`]).
pub fn verify(
    root: &RootCert,
    crl: Option<&ParsedCrl>,
    at: UtcTime,
    given: &[Given],
) -> Result<Report> {
    let root_cert = Certificate::from_der(&root.der)
        .map_err(|e| Error::new(Kind::Der, format!("root certificate: {e}")))?;
    // Validity is in whole seconds.
    let at_s = at.whole_seconds();
    let at_text = at_s.to_string();
    let root_sha: [u8; 32] = Sha256::digest(&root.der).into();
    let mut crl_state: Option<std::result::Result<(), String>> = None;
    let crl_text = crl.map(|c| {
        crl_state = Some(if at_s < c.this_update {
            Err(format!(
                "the CRL is not yet valid at the time checked (thisUpdate {})",
                c.this_update
            ))
        } else if c.next_update.is_some_and(|n| at_s > n) {
            Err(format!(
                "the CRL is out of date at the time checked (nextUpdate {}): get the current CRL",
                c.next_update.map(|n| n.to_string()).unwrap_or_default()
            ))
        } else {
            Ok(())
        });
        format!(
            "number {}, thisUpdate {}, nextUpdate {}, {} revoked{}",
            crate::encoding::hexfmt::serial_display(&c.number),
            c.this_update,
            c.next_update
                .map(|n| n.to_string())
                .unwrap_or_else(|| "none".into()),
            c.revoked.len(),
            if c.ca_only {
                ", CA certificates only"
            } else {
                ""
            }
        )
    });
    let mut verdicts = Vec::new();
    for g in given {
        let c = &g.cert;
        let mut v = Verdict {
            origin: g.origin.clone(),
            subject: subject(c),
            serial: serial(c),
            path: vec![subject(c)],
            notes: Vec::new(),
            failure: None,
        };
        let is_root = c
            .to_der()
            .is_ok_and(|d| <[u8; 32]>::from(Sha256::digest(&d)) == root_sha);
        if is_root {
            v.notes.push("this is the trusted root itself".into());
            if let Err(w) = check_alone(c, at_s) {
                v.failure = Some(format!("the root: {w}"));
            }
            verdicts.push(v);
            continue;
        }
        v.failure = walk(
            c,
            &root_cert,
            given,
            at_s,
            crl,
            &crl_state,
            &mut v.path,
            &mut v.notes,
        )
        .err();
        verdicts.push(v);
    }
    Ok(Report {
        at: at_text,
        crl: crl_text,
        verdicts,
    })
}

#[allow(clippy::too_many_arguments)]
fn walk(
    leaf: &Certificate,
    root: &Certificate,
    given: &[Given],
    at: UtcTime,
    crl: Option<&ParsedCrl>,
    crl_state: &Option<std::result::Result<(), String>>,
    path: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> std::result::Result<(), String> {
    let mut current = leaf;
    let mut cas_below = 0usize;
    for depth in 0..=MAX_DEPTH {
        check_alone(current, at).map_err(|w| {
            if depth == 0 {
                w
            } else {
                format!("its issuer \"{}\" {w}", subject(current))
            }
        })?;
        if signed_by(current, root) {
            check_alone(root, at).map_err(|w| format!("the root: {w}"))?;
            check_ca(root, cas_below).map_err(|w| format!("the root {w}"))?;
            path.push(root.tbs_certificate().subject().to_string());
            if let Some(c) = crl {
                match crl_state {
                    Some(Err(w)) => return Err(w.clone()),
                    // §6.3.3 (b)(2)(iii): a CA-only CRL says nothing about a certificate
                    // that is not a CA (the root's own certificates are all CAs).
                    _ if c.ca_only && !is_ca(current) => {
                        return Err(format!(
                            "its revocation cannot be checked: the root's CRL (number {}) covers CA certificates only (issuingDistributionPoint onlyContainsCACerts), and this certificate the root signed is not a CA",
                            hex::encode(&c.number)
                        ));
                    }
                    _ => {
                        let s = current.tbs_certificate().serial_number().as_bytes();
                        if let Some(r) = c.revoked.iter().find(|r| r.serial == s) {
                            let who = if depth == 0 {
                                "revoked".to_string()
                            } else {
                                format!("its issuer \"{}\" is revoked", subject(current))
                            };
                            return Err(format!(
                                "{who} by the root's CRL (number {}) since {}{}",
                                hex::encode(&c.number),
                                r.revoked_at,
                                r.reason
                                    .map(|x| format!(", reason {}", x.as_str()))
                                    .unwrap_or_default()
                            ));
                        }
                    }
                }
                if depth > 0 {
                    notes.push(
                        "revocation of the end certificate is not covered by the root's CRL (its issuer's CRL applies)"
                            .into(),
                    );
                }
            } else {
                notes.push("revocation not checked (no --crl given)".into());
            }
            return Ok(());
        }
        // Look for the issuer among the other given certificates.
        let issuer = given
            .iter()
            .map(|g| &g.cert)
            .find(|i| !std::ptr::eq(*i, current) && is_ca(i) && signed_by(current, i));
        let Some(issuer) = issuer else {
            let name = current.tbs_certificate().issuer().to_string();
            return Err(
                if current.tbs_certificate().issuer() == root.tbs_certificate().subject() {
                    if depth == 0 {
                        "its signature does not verify under the root's key (not issued by this root, or modified)".to_string()
                    } else {
                        format!(
                            "the signature of its issuer \"{}\" does not verify under the root's key",
                            subject(current)
                        )
                    }
                } else {
                    format!(
                        "no path to the root: the issuer \"{name}\" is neither the root nor a given CA certificate whose key verifies the signature"
                    )
                },
            );
        };
        check_ca(issuer, cas_below)
            .map_err(|w| format!("its issuer \"{}\" {w}", subject(issuer)))?;
        // A self-issued certificate does not count towards path lengths (RFC 5280 §6.1.4 (l)).
        if issuer.tbs_certificate().issuer() != issuer.tbs_certificate().subject() {
            cas_below += 1;
        }
        path.push(subject(issuer));
        current = issuer;
    }
    Err(format!(
        "no path to the root within {MAX_DEPTH} certificates"
    ))
}
