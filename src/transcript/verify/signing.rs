//! The signing ceremonies' scripts (docs/formats.md, "Rotation and CRL ceremonies"): what
//! comes between `context-loaded` and the shares (the request, what will be signed, two
//! confirmations), and what follows the rebuilt key (the issued object and its files).

use super::details::D;
use super::script::{Artifact, Cursor, Facts, actors_are, step_o};
use super::*;
use crate::error::TranscriptFailure as F;

/// Longest validity of an intermediate (8 years: 8 × 365 + 2 days).
const MAX_INTERMEDIATE_SECS: u64 = crate::cert::profile::MAX_VALIDITY_DAYS as u64 * 86_400;
/// Longest CRL validity, thisUpdate to nextUpdate, in days, that a transcript may record
/// (docs/formats.md, "Rotation and CRL ceremonies": 366; rootkey itself signs at most
/// [`crate::cert::crl::MAX_NEXT_UPDATE_DAYS`]).
pub(crate) const MAX_CRL_DAYS: u64 = 366;
const MAX_CRL_SECS: u64 = MAX_CRL_DAYS * 86_400;

/// What the confirmers approved.
pub(super) struct Prepared {
    tbs_sha256: [u8; 32],
    /// The certificate serial or CRL number (hex).
    number: String,
}

/// Seconds since the epoch of a `YYYY-MM-DDTHH:MM:SSZ` string.
pub(super) fn seconds(d: &D<'_>, key: &str) -> Result<u64> {
    UtcTime::parse(d.str(key)?)
        .map(UtcTime::unix_secs)
        .ok_or_else(|| {
            d.err(
                key,
                "is not a real date and time YYYY-MM-DDTHH:MM:SSZ (1970–9999)",
            )
        })
}

/// A serial or CRL number: 2 to 42 lower-case hex digits, the content bytes of a minimal,
/// non-negative DER INTEGER (no superfluous leading `00`, a first byte below `80`).
pub(super) fn number(d: &D<'_>, key: &str) -> Result<String> {
    let s = d.str(key)?;
    let bytes = match hex::decode(s) {
        Ok(b) if (2..=42).contains(&s.len()) && !s.bytes().any(|b| b.is_ascii_uppercase()) => b,
        _ => {
            return Err(d.err(
                key,
                "is not 2 to 42 lower-case hex digits (the DER INTEGER's content bytes)",
            ));
        }
    };
    if let Some(problem) = integer_problem(&bytes) {
        return Err(d.err(key, problem));
    }
    Ok(s.to_string())
}

/// What makes DER INTEGER content bytes (at least one) not a minimal non-negative integer.
fn integer_problem(b: &[u8]) -> Option<&'static str> {
    match b {
        [first, ..] if *first >= 0x80 => Some(
            "is negative (first byte 80 or above): a serial or CRL number is a non-negative DER INTEGER",
        ),
        [0, next, ..] if *next < 0x80 => Some(
            "is not a minimal DER INTEGER: a leading 00 byte stands only before a byte of 80 or above",
        ),
        _ => None,
    }
}

/// Compares two numbers given as DER INTEGER content bytes in hex (both positive).
fn greater(a: &str, b: &str) -> bool {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    (a.len(), a) > (b.len(), b)
}

/// `csr-checked`, optional `previous-checked`, `certificate-prepared`, two `confirmed`.
pub(super) fn rotation_prelude<'a>(
    cur: &mut Cursor<'a>,
    facts: &mut Facts<'a>,
) -> Result<Option<Prepared>> {
    let e = step_o!(
        cur,
        Action::CsrChecked,
        "the CSR is checked before anything else"
    );
    actors_are(e, &[TOOL_ACTOR])?;
    let d = D::of(e);
    d.keys(event::CsrChecked::MEMBERS)?;
    d.hex32("csr_sha256")?;
    let file = d.file("file")?.to_string();
    facts
        .artifacts
        .push((e, file, d.hex_str("sha256")?, Artifact::Input));
    if event::HashSource::parse(d.str("hash_source")?).is_none() {
        let listed = event::HashSource::listed();
        return Err(d.err("hash_source", &format!("must be {listed}")));
    }
    d.name("key_type")?;
    let p = d.obj("profile")?;
    p.keys(event::ProfileRef::MEMBERS)?;
    p.file("file")?;
    p.name("name")?;
    p.hex32("sha256")?;
    for v in d.arr("requested_extensions")? {
        if !v.as_str().is_some_and(|s| super::chain::safe_text(s, 200)) {
            return Err(d.err("requested_extensions", "holds something other than names"));
        }
    }
    let spki = d.hex32("spki_sha256")?;
    let subject = d.str("subject")?;
    if cur.peek_is(Action::PreviousChecked) {
        let e = step_o!(cur, Action::PreviousChecked, "the previous intermediate");
        actors_are(e, &[TOOL_ACTOR])?;
        let d = D::of(e);
        d.keys(event::PreviousChecked::MEMBERS)?;
        let file = d.file("file")?.to_string();
        facts
            .artifacts
            .push((e, file, d.hex_str("sha256")?, Artifact::Input));
        seconds(&d, "not_after")?;
        if d.get("overlap_days")?.as_i64().is_none() {
            return Err(d.err("overlap_days", "is not an integer"));
        }
        number(&d, "serial")?;
        for v in d.arr("warnings")? {
            if !v.as_str().is_some_and(|s| super::chain::safe_text(s, 2000)) {
                return Err(d.err("warnings", "holds something other than text"));
            }
        }
    }
    let e = step_o!(
        cur,
        Action::CertificatePrepared,
        "the certificate is laid out before anyone confirms it"
    );
    actors_are(e, &[TOOL_ACTOR])?;
    let d = D::of(e);
    d.keys(event::CertificatePrepared::MEMBERS)?;
    d.str("issuer")?;
    let (nb, na) = (seconds(&d, "not_before")?, seconds(&d, "not_after")?);
    if na <= nb || na - nb > MAX_INTERMEDIATE_SECS {
        return Err(d.err(
            "not_after",
            "must be after not_before and at most 8 years (2922 days) later",
        ));
    }
    if d.hex32("spki_sha256")? != spki || d.str("subject")? != subject {
        return Err(at(
            e,
            F::Script,
            "the prepared certificate's key or subject differs from the checked CSR's",
        ));
    }
    let prepared = Prepared {
        tbs_sha256: d.hex32("tbs_sha256")?,
        number: number(&d, "serial")?,
    };
    confirmations(cur, &prepared)
}

/// What `previous-crl-checked` records: the previous CRL's number, thisUpdate, and (since
/// its list is recorded) its revocation list's count and digest.
struct PreviousCrl {
    number: String,
    this_update: u64,
    list: Option<(u64, [u8; 32])>,
}

/// Optional `previous-crl-checked`, `crl-prepared`, two `confirmed`.
pub(super) fn crl_prelude<'a>(
    cur: &mut Cursor<'a>,
    facts: &mut Facts<'a>,
) -> Result<Option<Prepared>> {
    let mut previous: Option<PreviousCrl> = None;
    if cur.peek_is(Action::PreviousCrlChecked) {
        let e = step_o!(cur, Action::PreviousCrlChecked, "the previous CRL");
        actors_are(e, &[TOOL_ACTOR])?;
        let d = D::of(e);
        // Two forms: with the previous list by count and digest (written today), and the first
        // form of version 1 without it (still read: the carrying forward is then not proven).
        let list = if d.m.contains_key(event::PreviousCrlChecked::FORM_MARKER) {
            d.keys(event::PreviousCrlChecked::MEMBERS)?;
            Some((d.u64("revoked_count")?, d.hex32("revoked_sha256")?))
        } else {
            d.keys(event::PreviousCrlCheckedFirstForm::MEMBERS)?;
            None
        };
        let file = d.file("file")?.to_string();
        facts
            .artifacts
            .push((e, file, d.hex_str("sha256")?, Artifact::Input));
        previous = Some(PreviousCrl {
            number: number(&d, "crl_number")?,
            this_update: seconds(&d, "this_update")?,
            list,
        });
    }
    let e = step_o!(
        cur,
        Action::CrlPrepared,
        "the CRL is laid out before anyone confirms it"
    );
    actors_are(e, &[TOOL_ACTOR])?;
    let d = D::of(e);
    // Two forms: the list by count and digest (written since rootkey 0.x, any size), and the
    // first form of version 1 transcripts, the list alone (still read).
    let by_digest = d.m.contains_key(event::CrlPrepared::FORM_MARKER);
    if by_digest {
        d.keys(event::CrlPrepared::MEMBERS)?;
    } else {
        d.keys(event::CrlPreparedFirstForm::MEMBERS)?;
    }
    let (tu, nu) = (seconds(&d, "this_update")?, seconds(&d, "next_update")?);
    if nu <= tu || nu - tu > MAX_CRL_SECS {
        return Err(d.err(
            "next_update",
            &format!("must be after this_update and at most {MAX_CRL_DAYS} days later"),
        ));
    }
    let num = number(&d, "crl_number")?;
    let carried = d.u64("carried_forward")?;
    let (count, listed) = if by_digest {
        revoked_by_digest(&d)?
    } else {
        let r = d.arr("revoked")?;
        (r.len() as u64, Some(r))
    };
    if carried > count {
        return Err(d.err("carried_forward", "is larger than the revoked list"));
    }
    let mut serials = BTreeSet::new();
    for (i, v) in listed.into_iter().flatten().enumerate() {
        let m = v
            .as_object()
            .ok_or_else(|| d.err("revoked", "holds something other than objects"))?;
        let r = D::nested(e, m, format!("details.revoked[{i}]"));
        r.keys(event::Revoked::MEMBERS)?;
        if !r.get("reason")?.is_null() {
            r.name("reason")?;
        }
        if !serials.insert(number(&r, "serial")?) {
            return Err(r.err("serial", "is listed twice"));
        }
    }
    // Relations to the previous CRL's entry (or to its absence): **script**.
    match &previous {
        Some(p) if !greater(&num, &p.number) || tu <= p.this_update => {
            return Err(at(
                e,
                F::Script,
                "the CRL number and thisUpdate must both be greater than the previous CRL's",
            ));
        }
        Some(p) => carried_forward_whole(e, p, carried, listed)?,
        None if carried != 0 => {
            return Err(at(
                e,
                F::Script,
                format!(
                    "`details.carried_forward` is {carried}, but no previous CRL was checked: it must be 0"
                ),
            ));
        }
        None => {}
    }
    let prepared = Prepared {
        tbs_sha256: d.hex32("tbs_sha256")?,
        number: num,
    };
    confirmations(cur, &prepared)
}

/// Every revocation of the previous CRL is carried forward, first and in its order: as many as
/// it revokes, and (when `crl-prepared` lists them) the first `carried` of the list have the
/// previous list's digest. Without a recorded list the digest is checked against `root.crl`
/// under `--artifacts` ([`super::crl_artifact`]). A previous CRL of the first form records no
/// list: nothing to prove here (a finding says so).
fn carried_forward_whole(
    e: &Entry,
    p: &PreviousCrl,
    carried: u64,
    listed: Option<&Vec<Value>>,
) -> Result<()> {
    let Some((count, digest)) = p.list else {
        return Ok(());
    };
    if carried != count {
        return Err(at(
            e,
            F::Script,
            format!(
                "`details.carried_forward` is {carried}, but the previous CRL revokes {count}: every earlier revocation must be carried forward"
            ),
        ));
    }
    if let Some(list) = listed {
        let first = Value::Array(list[..carried as usize].to_vec());
        if crate::transcript::crl_list::digest(&first).ok() != Some(digest) {
            return Err(at(
                e,
                F::Script,
                format!(
                    "the first {carried} revocation(s) of `details.revoked` are not the previous CRL's list (its `revoked_sha256` differs): every earlier revocation must be carried forward unchanged"
                ),
            ));
        }
    }
    Ok(())
}

/// A finding for a `previous-crl-checked` of the first form (no list recorded): the
/// transcript cannot prove that its revocations were carried forward.
pub(super) fn unproven_carrying(es: &[Entry]) -> Option<String> {
    let e = es.iter().find(|e| e.is(Action::PreviousCrlChecked))?;
    if e.details
        .get(event::PreviousCrlChecked::FORM_MARKER)
        .is_some()
    {
        return None;
    }
    Some(format!(
        "previous-crl-checked ({}) is of the first form and records no revocation list: that every earlier revocation was carried forward is not proven (compare its file with root.crl)",
        e.at()
    ))
}

/// `revoked_count`, `revoked_sha256` and `revoked` (the list while it has at most
/// [`crl_list::MAX_LISTED`] elements, `null` above): the count, and the list if recorded.
fn revoked_by_digest<'a>(d: &D<'a>) -> Result<(u64, Option<&'a Vec<Value>>)> {
    use crate::transcript::crl_list;
    let count = d.u64("revoked_count")?;
    let digest = d.hex32("revoked_sha256")?;
    match d.get("revoked")? {
        Value::Null if count > crl_list::MAX_LISTED as u64 => Ok((count, None)),
        Value::Null => Err(d.err(
            "revoked",
            &format!(
                "is null, but a list of {count} (at most {}) must be recorded in full",
                crl_list::MAX_LISTED
            ),
        )),
        _ => {
            let list = d.arr("revoked")?;
            if list.len() as u64 != count || count > crl_list::MAX_LISTED as u64 {
                return Err(d.err(
                    "revoked",
                    &format!(
                        "must list exactly `revoked_count` = {count} elements when that is at most {} (and be null above)",
                        crl_list::MAX_LISTED
                    ),
                ));
            }
            let v = Value::Array(list.clone());
            if crl_list::digest(&v).ok() != Some(digest) {
                return Err(d.err(
                    "revoked_sha256",
                    "is not the SHA-256 of the canonical JSON of `revoked`",
                ));
            }
            Ok((count, Some(list)))
        }
    }
}

/// Two `confirmed` entries by distinct people for the prepared TBS hash.
fn confirmations(cur: &mut Cursor<'_>, p: &Prepared) -> Result<Option<Prepared>> {
    let mut names: Vec<String> = Vec::new();
    for n in 1..=2 {
        let e = step_o!(
            cur,
            Action::Confirmed,
            "two people confirm what will be signed before any share is asked for"
        );
        let d = D::of(e);
        d.keys(event::Confirmed::MEMBERS)?;
        let name = d.name("name")?;
        actors_are(e, &[name])?;
        if event::ConfirmMethod::parse(d.str("method")?).is_none() {
            let listed = event::ConfirmMethod::listed();
            return Err(d.err("method", &format!("must be {listed}")));
        }
        if d.hex32("tbs_sha256")? != p.tbs_sha256 {
            return Err(at(
                e,
                F::Script,
                format!("confirmation {n} is for another TBS hash than the one prepared"),
            ));
        }
        let key = name.trim().to_lowercase();
        if names.contains(&key) {
            return Err(at(
                e,
                F::Script,
                format!("\"{name}\" confirmed twice: two distinct people must confirm"),
            ));
        }
        names.push(key);
    }
    Ok(Some(Prepared {
        tbs_sha256: p.tbs_sha256,
        number: p.number.clone(),
    }))
}

/// `certificate-issued` or `crl-issued`, then its two files.
pub(super) fn issued_steps<'a>(
    cur: &mut Cursor<'a>,
    h: &Header,
    facts: &mut Facts<'a>,
    p: &Prepared,
) -> Result<Option<()>> {
    let (action, members, number_key, sha_key, files) = if h.kind == Kind::Rotation {
        (
            Action::CertificateIssued,
            event::CertificateIssued::MEMBERS,
            "serial",
            "certificate_sha256",
            ["intermediate.pem", "intermediate-chain.pem"],
        )
    } else {
        (
            Action::CrlIssued,
            event::CrlIssued::MEMBERS,
            "crl_number",
            "crl_sha256",
            ["root.crl", "root.crl.pem"],
        )
    };
    let e = step_o!(cur, action, "the rebuilt key signs what was confirmed");
    actors_are(e, &[TOOL_ACTOR])?;
    let d = D::of(e);
    d.keys(members)?;
    if d.hex32("tbs_sha256")? != p.tbs_sha256 || number(&d, number_key)? != p.number {
        return Err(at(
            e,
            F::Script,
            "what was signed is not what the confirmers approved (TBS hash or number differs)",
        ));
    }
    let issued = d.hex_str(sha_key)?;
    for file in files {
        let e = step_o!(cur, Action::ArtifactWritten, "the issued object's files");
        actors_are(e, &[TOOL_ACTOR])?;
        let d = D::of(e);
        d.keys(event::ArtifactWritten::MEMBERS)?;
        if d.file("file")? != file {
            return Err(d.err("file", &format!("must be {file} at this step")));
        }
        facts.artifacts.push((
            e,
            file.to_string(),
            d.hex_str("sha256")?,
            Artifact::Issued(issued.clone()),
        ));
    }
    Ok(Some(()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_minimal_non_negative_integers() {
        for ok in ["00", "01", "7f", "0080", "00ff", "0100", "7fff"] {
            let b = hex::decode(ok).unwrap();
            assert_eq!(super::integer_problem(&b), None, "{ok}");
        }
        for bad in ["80", "ff", "0001", "007f", "0000", "ff80"] {
            let b = hex::decode(bad).unwrap();
            assert!(super::integer_problem(&b).is_some(), "{bad}");
        }
    }

    #[test]
    fn number_order() {
        assert!(super::greater("02", "01"));
        assert!(super::greater("0100", "ff"));
        assert!(!super::greater("01", "01"));
        assert!(!super::greater("00ff", "0100"));
    }
}
