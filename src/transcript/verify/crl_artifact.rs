//! With `--artifacts`, the issued CRL's revokedCertificates must be the list `crl-prepared`
//! recorded by count and digest, and begin with the previous CRL's list that
//! `previous-crl-checked` recorded, which the copy of the previous CRL must hold (docs/formats.md,
//! "Rotation and CRL ceremonies", "Files"): otherwise a forger could record any count and
//! digest beside a genuine `root.crl`.

use super::script::Artifact;
use super::*;
use crate::error::TranscriptFailure as F;
use crate::transcript::crl_list;

/// For an issued file of a CRL ceremony (already known to hold the issued CRL): its
/// revocations, as the canonical list, must have `crl-prepared`'s `revoked_count` and
/// `revoked_sha256` (**artifact**, at `crl-prepared`).
pub(super) fn check_crl_list(
    entries: &[Entry],
    kind: Kind,
    e: &Entry,
    role: &Artifact,
    p: &Path,
    bytes: &[u8],
) -> Result<()> {
    if kind != Kind::Crl || !matches!(role, Artifact::Input | Artifact::Issued(_)) {
        return Ok(());
    }
    let previous = entries
        .iter()
        .find(|x| x.action == "previous-crl-checked")
        .filter(|x| x.details.get("revoked_sha256").is_some());
    let shown = p.display().to_string();
    if *role == Artifact::Input {
        return match previous {
            Some(prev) if std::ptr::eq(prev, e) => check_previous_copy(prev, &shown, bytes),
            _ => Ok(()),
        };
    }
    let Some(prepared) = entries.iter().find(|e| e.action == "crl-prepared") else {
        return Ok(());
    };
    let list = revocations(prepared, &shown, bytes)?;
    let digest = hex::encode(crl_list::digest(&list)?);
    let n = list.as_array().map_or(0, Vec::len) as u64;
    let d = &prepared.details;
    // The first form records the list alone: its count is its length, its digest the list's.
    let (count, recorded) = match (d.get("revoked_count"), d.get("revoked_sha256")) {
        (Some(c), Some(s)) => (c.as_u64(), s.as_str().map(str::to_string)),
        _ => {
            let l = d.get("revoked").cloned().unwrap_or(Value::Null);
            let n = l.as_array().map(|a| a.len() as u64);
            (n, crl_list::digest(&l).ok().map(hex::encode))
        }
    };
    if count != Some(n) || recorded.as_deref() != Some(digest.as_str()) {
        return Err(at(
            prepared,
            F::Artifact,
            format!(
                "{shown} revokes {n} certificate(s) (list SHA-256 {digest}), but the transcript records {} with SHA-256 {}: the entry does not describe the CRL that was issued",
                count.map_or("?".to_string(), |c| c.to_string()),
                recorded.unwrap_or_default()
            ),
        ));
    }
    match previous {
        Some(prev) => check_carried_prefix(prepared, prev, &shown, &list),
        None => Ok(()),
    }
}

/// The CRL in `bytes` (DER or PEM) read as the canonical revocation list; a CRL that cannot be
/// read so is **artifact** at `e`.
fn revocations(e: &Entry, shown: &str, bytes: &[u8]) -> Result<Value> {
    let crl = crate::cert::crl::parse(bytes, shown).map_err(|x| at(e, F::Artifact, x.message))?;
    Ok(crl_list::list(crl.revoked.iter().map(|r| {
        (
            r.reason.map(|x| x.as_str().to_string()),
            hex::encode(&r.serial),
        )
    })))
}

fn recorded_list(e: &Entry) -> (u64, String) {
    let d = &e.details;
    (
        d.get("revoked_count").and_then(Value::as_u64).unwrap_or(0),
        d.get("revoked_sha256")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    )
}

/// The copy of the previous CRL holds the list `previous-crl-checked` records (**artifact**,
/// there).
fn check_previous_copy(prev: &Entry, shown: &str, bytes: &[u8]) -> Result<()> {
    let list = revocations(prev, shown, bytes)?;
    let n = list.as_array().map_or(0, Vec::len) as u64;
    let digest = hex::encode(crl_list::digest(&list)?);
    let (count, recorded) = recorded_list(prev);
    if (n, digest.as_str()) != (count, recorded.as_str()) {
        return Err(at(
            prev,
            F::Artifact,
            format!(
                "{shown} revokes {n} certificate(s) (list SHA-256 {digest}), but the transcript records {count} with SHA-256 {recorded}: the entry does not describe the previous CRL"
            ),
        ));
    }
    Ok(())
}

/// The issued CRL's first `carried_forward` revocations are the previous CRL's list
/// (**artifact**, at `crl-prepared`): proven here when `crl-prepared` records no list.
fn check_carried_prefix(prepared: &Entry, prev: &Entry, shown: &str, list: &Value) -> Result<()> {
    let all = list.as_array().map(Vec::as_slice).unwrap_or_default();
    let (count, recorded) = recorded_list(prev);
    let first = all.get(..count as usize).map(|f| Value::Array(f.to_vec()));
    let digest = first
        .and_then(|f| crl_list::digest(&f).ok())
        .map(hex::encode);
    if digest.as_deref() != Some(recorded.as_str()) {
        return Err(at(
            prepared,
            F::Artifact,
            format!(
                "the first {count} revocation(s) of {shown} are not the previous CRL's list (SHA-256 {recorded}): an earlier revocation was not carried forward"
            ),
        ));
    }
    Ok(())
}
