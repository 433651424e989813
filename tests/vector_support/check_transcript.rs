//! Checks of the ceremony transcript vectors (`transcript_*`): each is replayed with
//! `rootkey::transcript::verify::replay_bytes` (with the root certificate, plan, artifacts and
//! witness list its expectation names) and the verdict compared with the expectation. Valid
//! transcripts are also checked the other way: every line is the canonical encoding of what
//! it parses to, the chain recomputes, the seal is signed again with the vector key (and the
//! attestations with the witness seeds) giving the recorded signatures, and the recorded facts
//! are those of the vector ceremony's files.

use std::fs;

use serde_json::Value;
use sha2::{Digest, Sha256};

use rootkey::cert::RootCert;
use rootkey::error::{Kind as ErrorKind, TranscriptFailure};
use rootkey::jcs;
use rootkey::key::RootKey;
use rootkey::manifest::Manifest;
use rootkey::transcript::verify::{Replay, ReplayOptions, Verdict, replay_bytes};
use rootkey::transcript::{ATTESTATION_DOMAIN, SEAL_DOMAIN, signed_message};

use crate::fixture::root_key;
use crate::gen_transcript::lines;
use crate::harness::{dir, eq, read, run_area, s, secret, stem_of, unhex};

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// True if `msg` contains `word N` not followed by another digit.
fn names_number(msg: &str, word: &str, n: u64) -> bool {
    let pat = format!("{word} {n}");
    msg.match_indices(&pat).any(|(i, _)| {
        !msg[i + pat.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
    })
}

fn hex32(v: &Value) -> Result<[u8; 32], String> {
    let b = unhex(v.as_str().ok_or("not a string")?);
    b.try_into().map_err(|_| "not 32 bytes".to_string())
}

/// Replays `name` with the options its expectation names.
fn replay(name: &str, exp: &Value) -> Result<Replay, String> {
    let bytes = read(name);
    let att_name = format!("{}.attestations", stem_of(name));
    let att_path = dir().join(&att_name);
    let att = fs::read(&att_path).ok();
    let root = match exp["root"].as_str() {
        Some(r) => Some(RootCert::from_pem(&read(r), r).map_err(err)?),
        None => None,
    };
    let plan = exp["plan"].as_str().map(|p| dir().join(p));
    let tmp = tempfile::tempdir().map_err(err)?;
    let artifacts = match exp["artifacts"].as_object() {
        Some(m) => {
            for (as_name, from) in m {
                fs::copy(
                    dir().join(from.as_str().ok_or("artifact")?),
                    tmp.path().join(as_name),
                )
                .map_err(err)?;
            }
            Some(tmp.path())
        }
        None => None,
    };
    let witnesses: Option<Vec<(String, [u8; 32])>> = match exp["witnesses"].as_array() {
        Some(a) => Some(
            a.iter()
                .enumerate()
                .map(|(i, k)| Ok((format!("witness {i}"), hex32(k)?)))
                .collect::<Result<_, String>>()?,
        ),
        None => None,
    };
    let opts = ReplayOptions {
        root: root.as_ref(),
        artifacts,
        plan: plan.as_deref(),
        witnesses: witnesses.as_deref(),
        all_witnesses: witnesses.is_some(),
    };
    Ok(replay_bytes(
        name,
        &bytes,
        att.as_deref().map(|b| (att_path.clone(), b)),
        &opts,
    ))
}

/// The other direction for a transcript that replays as valid: canonical lines, the chain,
/// the seal and attestation signatures made again, and the vector ceremony's facts.
fn rederive(name: &str, exp: &Value, r: &Replay) -> Result<(), String> {
    let bytes = read(name);
    // Complete lines only: an incomplete last line is never an entry ("Interrupted").
    let complete = &bytes[..bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)];
    let ls = if complete.is_empty() {
        Vec::new()
    } else {
        lines(complete)
    };
    eq(
        "entries",
        ls.len() as u64,
        exp["entries"].as_u64().unwrap_or(0),
    )?;
    eq("replayed entries", r.entries.len(), ls.len())?;
    let mut prev = [0u8; 32];
    let mut entries = Vec::new();
    for (i, l) in ls.iter().enumerate() {
        let v: Value = serde_json::from_slice(l).map_err(err)?;
        let c = jcs::canonicalize(&v).map_err(err)?;
        eq(&format!("line {} re-canonicalised", i + 1), &c, l)?;
        eq(
            &format!("seq of line {}", i + 1),
            v["seq"].as_u64(),
            Some(i as u64),
        )?;
        eq(
            &format!("prev of line {}", i + 1),
            s(&v, "prev"),
            hex::encode(prev).as_str(),
        )?;
        prev = Sha256::digest(l).into();
        entries.push(v);
    }
    eq(
        "ceremony kind",
        r.header.as_ref().map(|h| h.kind.as_str()),
        exp["ceremony_kind"].as_str(),
    )?;
    check_facts(&entries, exp)?;
    if s(exp, "outcome") != "sealed" {
        return Ok(());
    }
    let seal = entries.last().ok_or("empty")?;
    // A complete share audit: no seal; the witnesses attest its completed head.
    if s(seal, "action") == "audit-completed" {
        eq(
            "completed head",
            hex::encode(prev).as_str(),
            s(exp, "sealed_head"),
        )?;
        eq("replayed completed head", r.sealed_head, Some(prev))?;
        return check_attestations(name, exp, r, &prev);
    }
    // The seal: head, key, and the signature made again (Ed25519 is deterministic).
    eq(
        "sealed head",
        hex::encode(prev).as_str(),
        s(exp, "sealed_head"),
    )?;
    eq("replayed sealed head", r.sealed_head, Some(prev))?;
    let key = root_key();
    eq(
        "seal public key",
        s(&seal["details"], "public_key"),
        hex::encode(key.public_key_bytes()).as_str(),
    )?;
    eq(
        "seal public key (expectation)",
        s(&seal["details"], "public_key"),
        s(exp, "seal_public_key"),
    )?;
    let mut unsigned = seal.clone();
    unsigned["details"]
        .as_object_mut()
        .ok_or("details")?
        .remove("signature");
    let sig = key.sign(&signed_message(SEAL_DOMAIN, &unsigned).map_err(err)?);
    eq(
        "seal signature made again",
        hex::encode(sig.to_bytes()).as_str(),
        s(&seal["details"], "signature"),
    )?;
    eq(
        "seal signature (expectation)",
        s(&seal["details"], "signature"),
        s(exp, "seal_signature"),
    )?;
    check_attestations(name, exp, r, &prev)
}

/// Every attestation line canonical, chained off the sealed head, and its signature made
/// again with the witness seed from the expectation.
fn check_attestations(name: &str, exp: &Value, r: &Replay, head: &[u8; 32]) -> Result<(), String> {
    let Some(want) = exp["attestations"].as_array() else {
        return eq("attestations", r.attestations.len(), 0);
    };
    let bytes = read(&format!("{}.attestations", stem_of(name)));
    let ls = lines(&bytes);
    eq("attestation count", ls.len(), want.len())?;
    eq("replayed attestations", r.attestations.len(), want.len())?;
    let mut prev = *head;
    for (i, (l, w)) in ls.iter().zip(want).enumerate() {
        let v: Value = serde_json::from_slice(l).map_err(err)?;
        eq(
            &format!("attestation line {} re-canonicalised", i + 1),
            &jcs::canonicalize(&v).map_err(err)?,
            l,
        )?;
        eq("attestation seq", v["seq"].as_u64(), w["seq"].as_u64())?;
        eq(
            "attestation head",
            s(&v, "head"),
            hex::encode(head).as_str(),
        )?;
        eq(
            "attestation prev",
            s(&v, "prev"),
            hex::encode(prev).as_str(),
        )?;
        eq("witness name", s(&v["witness"], "name"), s(w, "name"))?;
        let key = RootKey::from_seed(&secret(&unhex(s(w, "seed_hex")))).map_err(err)?;
        eq(
            "witness key",
            s(&v["witness"], "public_key"),
            hex::encode(key.public_key_bytes()).as_str(),
        )?;
        eq(
            "witness key (expectation)",
            s(&v["witness"], "public_key"),
            s(w, "public_key"),
        )?;
        eq(
            "replayed witness",
            (
                r.attestations[i].name.as_str(),
                r.attestations[i].listed_as.is_some(),
            ),
            (s(w, "name"), true),
        )?;
        let mut unsigned = v.clone();
        unsigned
            .as_object_mut()
            .ok_or("object")?
            .remove("signature");
        let sig = key.sign(&signed_message(ATTESTATION_DOMAIN, &unsigned).map_err(err)?);
        eq(
            "attestation signature made again",
            hex::encode(sig.to_bytes()).as_str(),
            s(&v, "signature"),
        )?;
        prev = Sha256::digest(l).into();
    }
    Ok(())
}

/// The facts the verifier cannot see without the files: the envelope digests are the
/// manifest's, and the certificate facts are the certificate's.
fn check_facts(entries: &[Value], exp: &Value) -> Result<(), String> {
    let manifest = match exp["manifest"].as_str() {
        Some(m) => Some(Manifest::from_json(&read(m), m).map_err(err)?),
        None => None,
    };
    let root = match exp["root"].as_str() {
        Some(r) => Some(RootCert::from_pem(&read(r), r).map_err(err)?),
        None => None,
    };
    for e in entries {
        let d = &e["details"];
        match s(e, "action") {
            "share-written" | "share-presented" => {
                if let Some(m) = &manifest {
                    let i = d["index"].as_u64().ok_or("index")?;
                    let entry = m
                        .shares
                        .iter()
                        .find(|x| u64::from(x.index) == i)
                        .ok_or("no such share")?;
                    eq(
                        &format!("envelope_sha256 of share {i}"),
                        s(d, "envelope_sha256"),
                        entry.envelope_sha256.as_str(),
                    )?;
                    eq("holder", s(d, "holder"), entry.holder.as_str())?;
                }
            }
            "certificate-signed" => {
                if let Some(r) = &root {
                    let got = (
                        s(d, "certificate_sha256"),
                        s(d, "fingerprint"),
                        s(d, "not_after"),
                        s(d, "not_before"),
                        s(d, "serial"),
                        s(d, "subject"),
                    );
                    let der = hex::encode(Sha256::digest(&r.der));
                    let fp = hex::encode(r.fingerprint);
                    let (not_after, not_before) =
                        (r.not_after.to_string(), r.not_before.to_string());
                    let want = (
                        der.as_str(),
                        fp.as_str(),
                        not_after.as_str(),
                        not_before.as_str(),
                        r.serial_hex.as_str(),
                        r.subject.as_str(),
                    );
                    eq("certificate facts", got, want)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[test]
fn transcript_vectors() {
    run_area("transcript", |name, exp| {
        let r = replay(name, exp)?;
        match (s(exp, "outcome"), &r.verdict) {
            ("sealed", Verdict::Sealed) => {
                eq("exit code", r.exit_code(), 0)?;
                rederive(name, exp, &r)
            }
            ("unsealed", Verdict::Unsealed(why)) => {
                eq("exit code", r.exit_code(), 3)?;
                let want = s(exp, "reason_contains");
                if !why.contains(want) {
                    return Err(format!("reason {why:?} does not contain {want:?}"));
                }
                rederive(name, exp, &r)
            }
            ("invalid", Verdict::Invalid(e)) => {
                eq("exit code", r.exit_code(), 1)?;
                let m = &e.message;
                let want = s(exp, "message_contains");
                if !m.contains(want) {
                    return Err(format!("error {m:?} does not contain {want:?}"));
                }
                // The finding's kind is the declared failure (the verifier's category).
                let declared = s(exp, "failure");
                let want_kind = TranscriptFailure::from_word(declared)
                    .ok_or_else(|| format!("failure {declared:?} is not a category"))?;
                eq("kind", e.kind, ErrorKind::Transcript(want_kind))?;
                let failure = s(exp, "failure").replace('-', " ");
                let (seq, line) = (
                    exp["seq"].as_u64().ok_or("seq")?,
                    exp["line"].as_u64().ok_or("line")?,
                );
                if !m.contains(&format!(": {failure}"))
                    || !names_number(m, "seq", seq)
                    || !(names_number(m, "line", line) || names_number(m, "lines", line))
                {
                    return Err(format!(
                        "error {m:?} does not name {failure:?} at seq {seq}, line {line}"
                    ));
                }
                Ok(())
            }
            (want, got) => Err(format!("expected {want}, got {got:?}")),
        }
    });
}
