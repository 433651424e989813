//! With `--artifacts`, the issued CRL's revokedCertificates must be the list `crl-prepared`
//! recorded by count and digest (docs/formats.md, "Rotation and CRL ceremonies", "Files"):
//! otherwise a forger could record any count and digest beside a genuine `root.crl`.

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
    role: &Artifact,
    p: &Path,
    bytes: &[u8],
) -> Result<()> {
    if kind != Kind::Crl || !matches!(role, Artifact::Issued(_)) {
        return Ok(());
    }
    let Some(prepared) = entries.iter().find(|e| e.action == "crl-prepared") else {
        return Ok(());
    };
    let shown = p.display().to_string();
    let crl =
        crate::cert::crl::parse(bytes, &shown).map_err(|x| at(prepared, F::Artifact, x.message))?;
    let list = crl_list::list(crl.revoked.iter().map(|r| {
        (
            r.reason.map(|x| x.as_str().to_string()),
            hex::encode(&r.serial),
        )
    }));
    let digest = hex::encode(crl_list::digest(&list)?);
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
    let n = crl.revoked.len() as u64;
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
    Ok(())
}
