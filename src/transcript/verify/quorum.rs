//! The quorum steps (docs/formats.md, "Quorum check"): `context-loaded`, `share-presented` …,
//! `key-rebuilt`, `share-checked` … — the second half of a rehearsal and the core of every
//! ceremony that rebuilds the key — and what a rehearsal must read back.

use super::details::D;
use super::script::{Artifact, Cursor, Facts, actors_are, step_o};
use super::*;
use crate::error::TranscriptFailure as F;

/// `context-loaded`; returns the root public key it records.
pub(super) fn context_step<'a>(
    cur: &mut Cursor<'a>,
    h: &Header,
    facts: &mut Facts<'a>,
) -> Result<Option<[u8; 32]>> {
    let e = step_o!(
        cur,
        Action::ContextLoaded,
        "the root certificate and manifest are loaded first"
    );
    actors_are(e, &[TOOL_ACTOR])?;
    let d = D::of(e);
    d.keys(event::ContextLoaded::MEMBERS)?;
    let m = d.obj("manifest")?;
    m.keys(event::LoadedManifest::MEMBERS)?;
    let mid = m.str("ceremony_id")?;
    if mid.len() != 32 || hex::decode(mid).is_err() || mid.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(m.err("ceremony_id", "is not 32 lower-case hex digits"));
    }
    if h.kind == Kind::Rehearsal && mid != h.id {
        return Err(at(
            e,
            F::Script,
            "`details.manifest.ceremony_id` must be this rehearsal's id",
        ));
    }
    let mfile = mfile_ref(&m)?;
    facts
        .artifacts
        .push((e, mfile, m.hex_str("sha256")?, Artifact::Manifest));
    facts.manifest_ceremony_id = Some(mid.to_string());
    let r = d.obj("root")?;
    r.keys(event::LoadedRoot::MEMBERS)?;
    let pk = r.hex32("public_key")?;
    if r.hex32("fingerprint")? != cert::fingerprint(&pk) {
        return Err(r.err(
            "fingerprint",
            "is not the SHA-256 of the key's SubjectPublicKeyInfo",
        ));
    }
    if let Some((first, k0)) = facts.root_keys.first()
        && *k0 != pk
    {
        return Err(at(
            e,
            F::Script,
            format!(
                "the loaded root key differs from the one generated at {}",
                first.at()
            ),
        ));
    }
    facts.root_keys.push((e, pk));
    let cert_sha = r.hex_str("certificate_sha256")?;
    facts.certificate_hashes.push((e, cert_sha.clone()));
    let rfile = r.file("file")?.to_string();
    if h.kind == Kind::Rehearsal {
        // A rehearsal reads back exactly what it wrote (docs/formats.md, "Quorum check").
        rehearsal_reads_back(
            e,
            facts,
            &cert_sha,
            [
                ("manifest.json", mfile_ref(&m)?, m.hex_str("sha256")?),
                ("root.pem", rfile.clone(), r.hex_str("sha256")?),
            ],
        )?;
    }
    facts
        .artifacts
        .push((e, rfile, r.hex_str("sha256")?, Artifact::Root));
    Ok(Some(pk))
}

fn mfile_ref(m: &D<'_>) -> Result<String> {
    Ok(m.file("file")?.to_string())
}

/// In a rehearsal, `context-loaded` names the files the generation steps wrote, with the
/// hashes recorded then, and the certificate `certificate-signed` recorded (**script**).
fn rehearsal_reads_back(
    e: &Entry,
    facts: &Facts<'_>,
    cert_sha: &str,
    files: [(&str, String, String); 2],
) -> Result<()> {
    if let Some((signed, want)) = &facts.root_certificate
        && want != cert_sha
    {
        return Err(at(
            e,
            F::Script,
            format!(
                "the loaded root certificate is not the one signed at {} (certificate SHA-256 differs)",
                signed.at()
            ),
        ));
    }
    for (name, file, sha) in files {
        let written = facts.written.iter().find(|(f, _)| *f == name);
        if file != name || written.is_none_or(|(_, w)| *w != sha) {
            return Err(at(
                e,
                F::Script,
                format!(
                    "a rehearsal must load the {name} it wrote (same name and SHA-256 as its `artifact-written`), not {file} with SHA-256 {sha}"
                ),
            ));
        }
    }
    Ok(())
}

/// `share-presented` …, `key-rebuilt`, `share-checked` …
pub(super) fn quorum_steps<'a>(
    cur: &mut Cursor<'a>,
    h: &Header,
    facts: &mut Facts<'a>,
    pk: [u8; 32],
) -> Result<Option<()>> {
    let (k, _) = h.quorum;
    let mut presented: Vec<u8> = Vec::new();
    while cur.peek_is(Action::SharePresented) {
        let e = step_o!(cur, Action::SharePresented, "holders present their shares");
        presented_step(e, h, facts, &mut presented)?;
    }
    rebuilt_steps(cur, k, facts, pk, &presented)
}

/// One `share-presented` entry `e` (quorum check, share audit): its index is held by the
/// header's holder named, and was not presented before (`presented`, which gets it).
pub(super) fn presented_step<'a>(
    e: &'a Entry,
    h: &Header,
    facts: &mut Facts<'a>,
    presented: &mut Vec<u8>,
) -> Result<()> {
    let (_, n) = h.quorum;
    {
        let d = D::of(e);
        d.keys(event::SharePresented::MEMBERS)?;
        let idx = d.u8("index")?;
        if idx == 0 || idx > n {
            return Err(at(
                e,
                F::Script,
                format!("`details.index` must be within 1…{n}"),
            ));
        }
        if presented.contains(&idx) {
            return Err(at(e, F::Script, format!("share {idx} was presented twice")));
        }
        presented.push(idx);
        let holder = d.name("holder")?;
        let p = h.participants.iter().find(|p| p.share == Some(idx));
        if p.is_none_or(|p| p.name != holder) {
            return Err(at(
                e,
                F::Script,
                format!(
                    "share {idx} is presented by \"{holder}\", who does not hold it per the header"
                ),
            ));
        }
        actors_are(e, &[holder])?;
        d.u64("corrections")?;
        let envelope = d.hex_str("envelope_sha256")?;
        if let Some((w, _, written)) = facts
            .envelopes
            .iter()
            .find(|(w, i, _)| *i == idx && w.is(Action::ShareWritten))
            && *written != envelope
        {
            return Err(at(
                e,
                F::Script,
                format!(
                    "share {idx} presented is not the share written at {} (envelope SHA-256 differs)",
                    w.at()
                ),
            ));
        }
        facts.envelopes.push((e, idx, envelope));
        d.file("file")?;
    }
    Ok(())
}

/// `key-rebuilt`, then `share-checked` for each presented share outside the quorum.
fn rebuilt_steps<'a>(
    cur: &mut Cursor<'a>,
    k: u8,
    facts: &mut Facts<'a>,
    pk: [u8; 32],
    presented: &[u8],
) -> Result<Option<()>> {
    let e = step_o!(
        cur,
        Action::KeyRebuilt,
        "the quorum rebuilds the key after the shares"
    );
    actors_are(e, &[TOOL_ACTOR])?;
    let d = D::of(e);
    d.keys(event::KeyRebuilt::MEMBERS)?;
    if d.hex32("public_key")? != pk {
        return Err(at(
            e,
            F::Script,
            "the rebuilt key is not the loaded root key",
        ));
    }
    facts.root_keys.push((e, pk));
    let mut quorum = BTreeSet::new();
    for v in d.arr("quorum")? {
        let i = v
            .as_u64()
            .and_then(|i| u8::try_from(i).ok())
            .ok_or_else(|| d.err("quorum", "holds something other than share indices"))?;
        if !presented.contains(&i) || quorum.last().is_some_and(|&l| l >= i) {
            return Err(at(
                e,
                F::Script,
                format!(
                    "`details.quorum` lists share {i}, which was not presented or is not in increasing order"
                ),
            ));
        }
        quorum.insert(i);
    }
    if quorum.len() != k as usize {
        return Err(at(
            e,
            F::Script,
            format!("`details.quorum` must list exactly {k} shares"),
        ));
    }
    for &idx in presented.iter().filter(|i| !quorum.contains(i)) {
        let e = step_o!(
            cur,
            Action::ShareChecked,
            "each further share is checked against the quorum"
        );
        actors_are(e, &[TOOL_ACTOR])?;
        let d = D::of(e);
        d.keys(event::ShareChecked::MEMBERS)?;
        if d.u8("index")? != idx {
            return Err(at(
                e,
                F::Script,
                format!("`details.index` must be {idx} (further shares in the order presented)"),
            ));
        }
        d.bool("agrees")?;
    }
    Ok(Some(()))
}
