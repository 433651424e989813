//! The seal, witness attestations, artifacts and plan.

use super::chain::{exact_keys, hex32, parse_canonical, safe_text};
use super::details::D;
use super::script::{Artifact, Facts, actors_are};
use super::*;
use crate::error::TranscriptFailure as F;

/// The seal's unsigned form and signature; None if the shape is wrong.
pub(super) fn seal_parts(e: &Entry) -> Option<(Value, [u8; 32], [u8; 64])> {
    let sig_hex = e.details.get("signature")?.as_str()?;
    if sig_hex.len() != 128 || sig_hex.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let mut sig = [0u8; 64];
    hex::decode_to_slice(sig_hex, &mut sig).ok()?;
    let pk = hex32(e.details.get("public_key")?.as_str()?)?;
    let mut details = Map::clone(&e.details);
    details.remove("signature");
    let mut m = Map::new();
    m.insert("action".into(), Value::from(e.action.clone()));
    m.insert("actors".into(), Value::from(e.actors.clone()));
    m.insert("details".into(), Value::Object(details));
    m.insert("prev".into(), Value::from(hex::encode(e.prev)));
    m.insert("seq".into(), Value::from(e.seq));
    m.insert("time".into(), Value::from(e.time.clone()));
    Some((Value::Object(m), pk, sig))
}

pub(super) fn verify_sig(domain: &[u8], unsigned: &Value, pk: &[u8; 32], sig: &[u8; 64]) -> bool {
    let Ok(msg) = signed_message(domain, unsigned) else {
        return false;
    };
    let Ok(vk) = VerifyingKey::from_bytes(pk) else {
        return false;
    };
    vk.verify_strict(&msg, &Signature::from_bytes(sig)).is_ok()
}

/// Some(valid?) for a seal entry with a well-formed signature.
pub(super) fn seal_signature_ok(e: &Entry) -> Option<bool> {
    let (unsigned, pk, sig) = seal_parts(e)?;
    Some(verify_sig(SEAL_DOMAIN, &unsigned, &pk, &sig))
}

/// Checks the seal; every defect of the seal entry is reported as a bad seal.
pub(super) fn check_seal(e: &Entry, facts: &Facts<'_>) -> Result<[u8; 32]> {
    check_seal_entry(e, facts).map_err(|mut err| {
        for kind in [": malformed: ", ": script: "] {
            if let Some(i) = err.message.find(kind) {
                err.message.replace_range(i..i + kind.len(), ": bad seal: ");
                break;
            }
        }
        err
    })
}

pub(super) fn check_seal_entry(e: &Entry, facts: &Facts<'_>) -> Result<[u8; 32]> {
    actors_are(e, &[TOOL_ACTOR])?;
    let d = D::of(e);
    d.keys(event::Seal::MEMBERS)?;
    if d.hex32("head")? != e.prev {
        return Err(at(
            e,
            F::BadSeal,
            "`head` is not the hash of the entry before the seal",
        ));
    }
    d.hex32("public_key")?;
    let Some((unsigned, pk, sig)) = seal_parts(e) else {
        return Err(d.err("signature", "is not 128 lower-case hex digits"));
    };
    if let Some((first, k)) = facts.root_keys.first()
        && *k != pk
    {
        return Err(at(
            e,
            F::BadSeal,
            format!(
                "sealed by key {}, which is not the root key recorded at {} ({}): the seal was replaced",
                crate::encoding::hexfmt::fingerprint_display(&cert::fingerprint(&pk)),
                first.at(),
                crate::encoding::hexfmt::fingerprint_display(&cert::fingerprint(k)),
            ),
        ));
    }
    if !verify_sig(SEAL_DOMAIN, &unsigned, &pk, &sig) {
        return Err(at(
            e,
            F::BadSeal,
            "the root key's signature does not verify: the seal entry was modified or forged",
        ));
    }
    Ok(pk)
}

/// The attestations (docs/formats.md, "Replay", step 5). First a last line without its line
/// end (**truncated**); then line by line: canonical (**modified**), members and types
/// (**malformed**), the link — `seq` and `prev` — classified like the transcript's chain
/// (**modified**, **inserted**, **reordered** or **deleted**), `head` (**modified**), the
/// signature (**bad signature**), a key attesting twice (**inserted**), the witness list
/// (**unknown witness**).
pub(super) fn check_attestations(
    path: &Path,
    bytes: &[u8],
    head: &[u8; 32],
    witnesses: Option<&[(String, [u8; 32])]>,
) -> Result<Vec<Attestation>> {
    let file = path.display().to_string();
    let mut out: Vec<Attestation> = Vec::new();
    if bytes.is_empty() {
        return Ok(out);
    }
    if bytes.last() != Some(&b'\n') {
        let line = bytes.split(|&b| b == b'\n').count();
        return Err(bad(
            F::Truncated,
            format!(
                "{file}, attestation seq {} (line {line}): truncated: the last attestation has no line end",
                line - 1
            ),
        ));
    }
    let lines: Vec<&[u8]> = bytes[..bytes.len() - 1].split(|&b| b == b'\n').collect();
    // The `seq` a line holds, read leniently (for telling a swap from a deletion).
    let seq_of = |l: &[u8]| {
        serde_json::from_slice::<Value>(l)
            .ok()
            .and_then(|v| v.get("seq").and_then(Value::as_u64))
    };
    let mut prev = *head;
    for (i, l) in lines.iter().enumerate() {
        let line = i + 1;
        let here = format!("{file}, attestation seq {i} (line {line})");
        let fail = |f: F, w: String| bad(f, format!("{here}: {}: {w}", f.word()));
        let m = parse_canonical(l).map_err(|w| fail(F::Modified, w))?;
        exact_keys(
            &m,
            &["head", "prev", "seq", "signature", "time", "witness"],
            "the attestation",
        )
        .map_err(|w| fail(F::Malformed, w))?;
        let malformed = |w: &str| fail(F::Malformed, w.to_string());
        let seq = m["seq"]
            .as_u64()
            .ok_or_else(|| malformed("`seq` is not a non-negative integer"))?;
        let time = m["time"]
            .as_str()
            .filter(|t| UtcTime::is_transcript_form(t))
            .ok_or_else(|| malformed("`time` is not a real time YYYY-MM-DDTHH:MM:SS.sssZ"))?;
        let att_head = m["head"]
            .as_str()
            .and_then(hex32)
            .ok_or_else(|| malformed("`head` is not 64 lower-case hex digits"))?;
        let att_prev = m["prev"]
            .as_str()
            .and_then(hex32)
            .ok_or_else(|| malformed("`prev` is not 64 lower-case hex digits"))?;
        let sig_hex = m["signature"].as_str().unwrap_or_default();
        let mut sig = [0u8; 64];
        if sig_hex.len() != 128
            || sig_hex.bytes().any(|b| b.is_ascii_uppercase())
            || hex::decode_to_slice(sig_hex, &mut sig).is_err()
        {
            return Err(malformed("`signature` is not 128 lower-case hex digits"));
        }
        let w = m["witness"]
            .as_object()
            .ok_or_else(|| malformed("`witness` is not an object"))?;
        exact_keys(w, &["name", "public_key"], "`witness`").map_err(|x| malformed(&x))?;
        let name = w["name"]
            .as_str()
            .filter(|s| !s.trim().is_empty() && safe_text(s, 200))
            .ok_or_else(|| {
                malformed("`witness.name` must be a name of 1 to 200 safe characters")
            })?;
        let pk = w["public_key"]
            .as_str()
            .and_then(hex32)
            .ok_or_else(|| malformed("`witness.public_key` is not 64 lower-case hex digits"))?;
        // The link: `seq` is the position and `prev` the previous line's hash (the sealed head
        // for the first).
        let linked_to = if i == 0 {
            "the sealed head".to_string()
        } else {
            format!("the attestation on line {}", line - 1)
        };
        if seq != i as u64 || att_prev != prev {
            let i64 = i as u64;
            return Err(if att_prev == prev {
                fail(
                    F::Modified,
                    format!("its seq is {seq}, expected {i} (its link holds)"),
                )
            } else if seq < i64 {
                fail(
                    F::Inserted,
                    format!(
                        "it holds seq {seq}, already taken: a copy of an earlier attestation, or one added"
                    ),
                )
            } else if seq > i64 && lines.get(i + 1).and_then(|n| seq_of(n)) == Some(i64) {
                fail(
                    F::Reordered,
                    format!(
                        "lines {line} and {} are swapped (they hold seq {seq} and {i})",
                        line + 1
                    ),
                )
            } else if seq > i64 {
                fail(
                    F::Deleted,
                    format!("it holds seq {seq}: attestation seq {i} is missing"),
                )
            } else {
                fail(F::Modified, format!("`prev` does not link to {linked_to}"))
            });
        }
        if att_head != *head {
            return Err(fail(
                F::Modified,
                "it attests another transcript head, not this transcript's seal".into(),
            ));
        }
        let mut unsigned = m.clone();
        unsigned.remove("signature");
        if !verify_sig(ATTESTATION_DOMAIN, &Value::Object(unsigned), &pk, &sig) {
            return Err(fail(
                F::BadSignature,
                format!(
                    "the attestation by \"{name}\" does not verify under its key (modified or forged)"
                ),
            ));
        }
        if let Some(o) = out.iter().find(|a| a.public_key == pk) {
            return Err(fail(
                F::Inserted,
                format!("the key of \"{name}\" already attested on line {}", o.line),
            ));
        }
        let listed_as =
            witnesses.map(|list| list.iter().find(|(_, k)| *k == pk).map(|(l, _)| l.clone()));
        if listed_as == Some(None) {
            return Err(fail(
                F::UnknownWitness,
                format!(
                    "\"{name}\" signed with key {}, which is not in the witness list",
                    crate::encoding::hexfmt::fingerprint_display(&cert::fingerprint(&pk))
                ),
            ));
        }
        out.push(Attestation {
            seq,
            line,
            time: time.to_string(),
            name: name.to_string(),
            public_key: pk,
            listed_as: listed_as.flatten(),
            hash: Sha256::digest(l).into(),
        });
        prev = Sha256::digest(l).into();
    }
    Ok(out)
}

pub(super) fn h_is_generation(h: &Header) -> bool {
    matches!(h.kind, Kind::Generation | Kind::Rehearsal)
}

/// An artifact whose hash matches must also say what the transcript says: root.pem holds the
/// recorded root key; manifest.json names that key, this ceremony and the recorded envelopes.
/// (Catches a transcript re-forged around genuine artifacts.)
pub(super) fn check_artifact_content(
    e: &Entry,
    p: &Path,
    bytes: &[u8],
    role: &Artifact,
    facts: &Facts<'_>,
    h: &Header,
) -> Result<()> {
    let shown = p.display().to_string();
    let keys: Vec<[u8; 32]> = facts.root_keys.iter().map(|(_, k)| *k).collect();
    let fail = |what: String| at(e, F::Artifact, format!("{shown}: {what}"));
    match role {
        Artifact::Root => {
            let c = RootCert::from_pem(bytes, &shown).map_err(|x| fail(x.message))?;
            if keys.iter().any(|k| *k != c.public_key_bytes()) {
                return Err(fail(format!(
                    "holds root key {}, but the transcript records another root key",
                    crate::encoding::hexfmt::fingerprint_display(&c.fingerprint)
                )));
            }
            let der = hex::encode(Sha256::digest(&c.der));
            if facts.certificate_hashes.iter().any(|(_, h)| *h != der) {
                return Err(fail(
                    "is not the certificate whose SHA-256 the transcript records".into(),
                ));
            }
        }
        Artifact::Input => {}
        Artifact::Issued(sha) => {
            // DER, or PEM read by the strict PEM reader (CERTIFICATE or X509 CRL blocks only):
            // the first block's DER must be what was issued (formats.md, "Rotation and CRL
            // ceremonies").
            let expect = crate::pem::Expect {
                labels: &["CERTIFICATE", "X509 CRL"],
                what: "issued certificate or CRL",
                one: false,
                der: true,
            };
            let der = crate::pem::read(bytes, &shown, &expect)
                .map_err(|x| at(e, F::Artifact, x.message))?
                .remove(0)
                .der;
            if hex::encode(Sha256::digest(&der)) != *sha {
                return Err(fail(
                    "does not hold the object whose SHA-256 the transcript records as issued"
                        .into(),
                ));
            }
        }
        Artifact::Manifest => {
            let m =
                crate::manifest::Manifest::from_json(bytes, &shown).map_err(|x| fail(x.message))?;
            if keys.iter().any(|k| hex::encode(k) != m.root.public_key) {
                return Err(fail(
                    "names another root key than the one the transcript records".into(),
                ));
            }
            manifest_signed_by_root(&m, facts).map_err(fail)?;
            if let Some(id) = &facts.manifest_ceremony_id
                && *id != m.ceremony.id
            {
                return Err(fail(format!(
                    "belongs to ceremony {}, the transcript records ceremony {id}",
                    m.ceremony.id
                )));
            }
            if let (true, Some((_, sha))) = (h_is_generation(h), &h.plan)
                && *sha != m.ceremony.plan_sha256
            {
                return Err(fail("records another plan than the transcript".into()));
            }
            for (ee, idx, digest) in &facts.envelopes {
                let listed = m.shares.iter().find(|s| s.index == *idx);
                if listed.is_none_or(|s| s.envelope_sha256 != *digest) {
                    return Err(at(
                        ee,
                        F::Artifact,
                        format!(
                            "share {idx}'s envelope SHA-256 differs from the one {shown} lists"
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The manifest names the recorded root certificate and its signature verifies strictly
/// under the recorded root key (which root.pem was checked to hold): a manifest edited after
/// the ceremony, or re-signed by another key, is refused.
fn manifest_signed_by_root(
    m: &crate::manifest::Manifest,
    facts: &Facts<'_>,
) -> std::result::Result<(), String> {
    let Some((_, key)) = facts.root_keys.first() else {
        return Ok(());
    };
    if m.root.fingerprint != hex::encode(cert::fingerprint(key))
        || facts
            .certificate_hashes
            .iter()
            .any(|(_, h)| *h != m.root.certificate_sha256)
    {
        return Err(
            "names another root certificate than the one the transcript records (fingerprint or certificate SHA-256 differs)".into(),
        );
    }
    let sig = hex::decode(&m.signature)
        .ok()
        .and_then(|b| Signature::from_slice(&b).ok());
    let msg = m.signed_bytes().map_err(|e| e.message)?;
    let ok = match (VerifyingKey::from_bytes(key), sig) {
        (Ok(vk), Some(sig)) => vk.verify_strict(&msg, &sig).is_ok(),
        _ => false,
    };
    if !ok {
        return Err(format!(
            "its signature does not verify under the root key {}: the manifest was modified after the ceremony",
            crate::encoding::hexfmt::fingerprint_display(&cert::fingerprint(key))
        ));
    }
    Ok(())
}

pub(super) fn check_plan(path: &Path, e: &Entry, h: &Header) -> Result<()> {
    let Some((file, sha)) = &h.plan else {
        return Err(bad(
            F::Plan,
            format!(
                "{}: plan: a {} runs no plan, but --plan {} was given",
                e.at(),
                h.kind.as_str(),
                path.display()
            ),
        ));
    };
    let bytes = fsio::read_public(path, 1 << 20, "plan")?;
    let got = hex::encode(Sha256::digest(&bytes));
    if got != *sha {
        return Err(at(
            e,
            F::Plan,
            format!(
                "{} has SHA-256 {got}, but the ceremony ran plan {file} with SHA-256 {sha}",
                path.display()
            ),
        ));
    }
    let text = String::from_utf8_lossy(&bytes);
    let plan = Plan::parse(&text, &path.display().to_string())?;
    let want = crate::transcript::plan_participants(&plan);
    let same = plan.ceremony.name == h.name
        && plan.ceremony.rehearsal == h.rehearsal
        && (plan.quorum.threshold, plan.quorum.shares) == h.quorum
        && want == h.participants;
    if !same {
        return Err(at(
            e,
            F::Plan,
            "the header's ceremony name, rehearsal flag, quorum or participants differ from the plan",
        ));
    }
    Ok(())
}

/// Parses an Ed25519 public key from SubjectPublicKeyInfo PEM (`openssl pkey -pubout`):
/// exactly one `PUBLIC KEY` block, read by the strict PEM reader (docs/formats.md, "PEM").
pub fn witness_key_from_pem(pem: &[u8], origin: &str) -> Result<[u8; 32]> {
    use ed25519_dalek::pkcs8::DecodePublicKey;
    let origin = format!("witness key {origin}");
    let expect = crate::pem::Expect {
        labels: &["PUBLIC KEY"],
        what: "public key",
        one: true,
        der: false,
    };
    let der = crate::pem::read(pem, &origin, &expect)?.remove(0).der;
    let vk = VerifyingKey::from_public_key_der(&der).map_err(|e| {
        Error::input(format!(
            "{origin}: not an Ed25519 public key (SubjectPublicKeyInfo): {e}"
        ))
        .hint("export it with: openssl pkey -in witness.pem -pubout -out witness.pub.pem")
    })?;
    Ok(vk.to_bytes())
}
