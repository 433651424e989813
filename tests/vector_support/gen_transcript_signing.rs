//! Transcript vectors of the signing ceremonies (docs/formats.md, "Rotation and CRL
//! ceremonies"): rootkey's own `intermediate sign` and `crl sign` code run on the vector
//! ceremony's files with shares 2, 4 and 5 and two scripted confirmers, then tampered copies.
//!
//! * `transcript_valid-crl`: the first CRL (`crl_valid.pem`'s request: three revocations);
//! * `transcript_valid-crl-long`: the next CRL after `crl_valid.pem` with 300 new revocations:
//!   its `crl-prepared` records the list by count and digest only (`revoked` null);
//! * `transcript_crl-first-form`: `transcript_valid-crl` with `crl-prepared` in the first form
//!   of version 1 (the list alone, as rootkey wrote it before), re-sealed: still valid;
//! * `transcript_valid-rotation`: an intermediate from `csr_ed25519.pem` with the bundled
//!   profile. Its serial is random, so an existing file that still replays as sealed is kept.

use serde_json::{Value, json};
use std::fs;

use rootkey::ceremony::{self, Context, CrlJob, InputFile, ScriptedConfirm};
use rootkey::cert::crl::{self, Revocation};
use rootkey::transcript::Kind;
use rootkey::transcript::verify::{ReplayOptions, Verdict, replay_bytes};

use crate::gen_crl::{NEXT_UPDATE_DAYS, REVOKE, THIS_UPDATE, time};
use crate::gen_transcript::{QUORUM_CHECK_ID, invalid, lines, parse, preflight, recorder, sealed};
use crate::gen_transcript_gaps::{put, reforge};
use crate::generator::Out;
use crate::harness::{dir, file_sources, read};

/// The confirmers of every signing vector (`--confirm`).
const CONFIRMERS: [&str; 2] = ["Carol Confirmer", "Dave Confirmer"];
/// The shares presented.
const SHARES: [&str; 3] = [
    "share_valid-2.txt",
    "share_valid-4.txt",
    "share_valid-5.txt",
];
/// thisUpdate of `transcript_valid-crl-long` and its revocation date.
const LONG_THIS_UPDATE: &str = "2029-03-01T00:00:00Z";
const LONG_REVOKED_AT: &str = "2029-02-15T00:00:00Z";
/// How many certificates `transcript_valid-crl-long` revokes (more than are listed in full).
const LONG_COUNT: usize = 300;
/// notBefore of the rotation vector.
const ROTATION_NOT_BEFORE: &str = "2029-03-01T00:00:00Z";

struct Files {
    ctx: Context,
    root: InputFile,
    manifest: InputFile,
}

fn files() -> Files {
    let ctx = Context::load(
        &dir().join("manifest_valid.json"),
        &dir().join("cert_valid.pem"),
    )
    .expect("context");
    let input = |n: &str| InputFile {
        name: n.to_string(),
        bytes: read(n),
    };
    Files {
        ctx,
        root: input("cert_valid.pem"),
        manifest: input("manifest_valid.json"),
    }
}

fn confirmers() -> ScriptedConfirm {
    ScriptedConfirm {
        names: CONFIRMERS.iter().map(|s| s.to_string()).collect(),
    }
}

fn sources() -> Vec<rootkey::console::share_input::Source> {
    let paths: Vec<_> = SHARES.iter().map(|s| dir().join(s)).collect();
    file_sources(&paths)
}

/// `rootkey crl sign` of the vector root: the transcript.
pub fn crl_transcript(previous: Option<&str>, revoke: &[Revocation], this_update: &str) -> Vec<u8> {
    let f = files();
    let prev_file = previous.map(|n| InputFile {
        name: format!("previous-{n}"),
        bytes: read(n),
    });
    let prev = prev_file
        .as_ref()
        .map(|p| crl::load_previous(&p.bytes, "previous CRL", &f.ctx.root).expect("previous"));
    let job = CrlJob {
        ctx: &f.ctx,
        context_files: [&f.root, &f.manifest],
        previous: prev_file.as_ref().zip(prev.as_ref()),
        revoke,
        this_update: time(this_update),
        next_update_days: NEXT_UPDATE_DAYS,
    };
    let out = tempfile::tempdir().expect("tempdir");
    let mut rec = recorder(&ceremony::quorum_header(
        &f.ctx,
        Kind::Crl,
        QUORUM_CHECK_ID,
        preflight(),
    ));
    rootkey::transcript::recorded(&mut rec, |rec| {
        let draft = ceremony::crl::prepare_crl(&job)?;
        ceremony::sign_crl(&job, draft, &mut confirmers(), sources(), out.path(), rec)
    })
    .expect("crl sign");
    rec.bytes().expect("memory").to_vec()
}

/// `rootkey intermediate sign` of `csr_ed25519.pem` with the bundled profile.
fn rotation_transcript() -> Vec<u8> {
    let f = files();
    let rotation = crate::common::VectorRotation::load();
    let job = rotation.job(&f.ctx, [&f.root, &f.manifest], time(ROTATION_NOT_BEFORE));
    let out = tempfile::tempdir().expect("tempdir");
    let mut rec = recorder(&ceremony::quorum_header(
        &f.ctx,
        Kind::Rotation,
        QUORUM_CHECK_ID,
        preflight(),
    ));
    rootkey::transcript::recorded(&mut rec, |rec| {
        let prepared = ceremony::intermediate::prepare_intermediate(&job)?;
        ceremony::sign_intermediate(
            &job,
            prepared,
            &mut confirmers(),
            sources(),
            out.path(),
            rec,
        )
    })
    .expect("intermediate sign");
    rec.bytes().expect("memory").to_vec()
}

/// The committed rotation vector if it still replays as sealed (its serial is random), else a
/// new one.
fn rotation_kept_or_new() -> Vec<u8> {
    if let Ok(b) = fs::read(dir().join("transcript_valid-rotation.jsonl")) {
        let r = replay_bytes("kept", &b, None, &ReplayOptions::default());
        if matches!(r.verdict, Verdict::Sealed) {
            return b;
        }
    }
    rotation_transcript()
}

fn position(ls: &[Vec<u8>], action: &str) -> usize {
    ls.iter()
        .position(|l| parse(l)["action"] == action)
        .unwrap_or_else(|| panic!("no {action}"))
}

pub fn signing(o: &mut Out) {
    let crl_checks = json!({"root": "cert_valid.pem", "manifest": "manifest_valid.json"});

    // CRL: the first one, as crl_valid.pem was requested.
    let revoke: Vec<Revocation> = REVOKE
        .iter()
        .map(|(arg, at)| crl::parse_revoke_arg(arg, time(at)).expect("revoke"))
        .collect();
    let first = crl_transcript(None, &revoke, THIS_UPDATE);
    let fl = lines(&first);
    o.put("transcript_valid-crl.jsonl", first.clone());
    o.json(
        "transcript_valid-crl.expect.json",
        &sealed(
            &first,
            "`rootkey crl sign --first-crl` of the vector root (cert_valid.pem, manifest_valid.json) with crl_valid.pem's three revocations, thisUpdate 2029-02-01T00:00:00Z, nextUpdate 365 days later, confirmed by two people named with --confirm, shares 2, 4 and 5, sealed by the rebuilt key. crl-prepared records the list in full with its count and SHA-256.",
            Kind::Crl,
            crl_checks.clone(),
        ),
    );

    // CRL: the next one, too long to list in its entry.
    let at = time(LONG_REVOKED_AT);
    let many: Vec<Revocation> = (0..LONG_COUNT)
        .map(|i| {
            crl::parse_revoke_arg(&format!("{:x}:superseded", 0x1000 + i), at).expect("revoke")
        })
        .collect();
    let long = crl_transcript(Some("crl_valid.pem"), &many, LONG_THIS_UPDATE);
    let ll = lines(&long);
    let prepared = parse(&ll[position(&ll, "crl-prepared")]);
    assert_eq!(prepared["details"]["revoked"], Value::Null);
    assert_eq!(prepared["details"]["revoked_count"], json!(LONG_COUNT + 3));
    o.put("transcript_valid-crl-long.jsonl", long.clone());
    o.json(
        "transcript_valid-crl-long.expect.json",
        &sealed(
            &long,
            "`rootkey crl sign --previous-crl crl_valid.pem` with 300 new revocations (serials 1000 to 112b hex, superseded, revoked 2029-02-15), thisUpdate 2029-03-01T00:00:00Z: previous-crl-checked, then crl-prepared with carried_forward 3 and revoked_count 303 — more than 256, so `revoked` is null and the list is recorded by its SHA-256 only.",
            Kind::Crl,
            crl_checks.clone(),
        ),
    );

    // CRL: the first form of version 1 (the list alone) is still read.
    let at_prep = position(&fl, "crl-prepared");
    let first_form = reforge(&fl, |i, v| {
        if i == at_prep {
            let d = v["details"].as_object_mut().expect("details");
            d.remove("revoked_count");
            d.remove("revoked_sha256");
        }
    });
    o.put("transcript_crl-first-form.jsonl", first_form.clone());
    o.json(
        "transcript_crl-first-form.expect.json",
        &sealed(
            &first_form,
            "transcript_valid-crl.jsonl with crl-prepared in the first form of version 1 (members carried_forward, crl_number, next_update, revoked, tbs_sha256, this_update: the list without count or digest), re-sealed with the vector key: transcripts written before the list was recorded by digest still verify.",
            Kind::Crl,
            crl_checks.clone(),
        ),
    );

    // CRL, tampered.
    put(
        o,
        "crl-digest-mismatch",
        reforge(&fl, |i, v| {
            if i == at_prep {
                v["details"]["revoked"][0]["reason"] = json!("cACompromise");
            }
        }),
        invalid(
            "transcript_valid-crl.jsonl with the first revocation's reason changed in crl-prepared's list (not in its revoked_sha256), re-sealed: the list is not the one its digest names.",
            "entry seq 2 (line 3): malformed: `details.revoked_sha256` is not the SHA-256 of the canonical JSON of `revoked`",
            "malformed",
            at_prep as u64,
            at_prep as u64 + 1,
        ),
    );
    let at_long = position(&ll, "crl-prepared");
    put(
        o,
        "crl-count-listed",
        reforge(&ll, |i, v| {
            if i == at_long {
                v["details"]["revoked_count"] = json!(256);
            }
        }),
        invalid(
            "transcript_valid-crl-long.jsonl with revoked_count set to 256 while `revoked` stays null, re-sealed: a list of at most 256 must be recorded in full.",
            "malformed: `details.revoked` is null, but a list of 256 (at most 256) must be recorded in full",
            "malformed",
            at_long as u64,
            at_long as u64 + 1,
        ),
    );
    let issued = position(&ll, "crl-issued");
    put(
        o,
        "crl-number-not-greater",
        reforge(&ll, |i, v| {
            if i == at_long || i == issued {
                v["details"]["crl_number"] = json!("01");
            }
        }),
        invalid(
            "transcript_valid-crl-long.jsonl with the CRL number of crl-prepared and crl-issued set to 01, the previous CRL's number, re-sealed.",
            "script: the CRL number and thisUpdate must both be greater than the previous CRL's",
            "script",
            at_long as u64,
            at_long as u64 + 1,
        ),
    );

    // Rotation.
    let rot = rotation_kept_or_new();
    let rl = lines(&rot);
    o.put("transcript_valid-rotation.jsonl", rot.clone());
    o.json(
        "transcript_valid-rotation.expect.json",
        &sealed(
            &rot,
            "`rootkey intermediate sign --csr csr_ed25519.pem --csr-sha256 … --profile templates/intermediate.toml --not-before 2029-03-01T00:00:00Z` against the vector root (cert_valid.pem, manifest_valid.json), confirmed by two people named with --confirm, shares 2, 4 and 5, sealed by the rebuilt key. The serial is random: the generator keeps this file while it replays as sealed.",
            Kind::Rotation,
            crl_checks.clone(),
        ),
    );
    let second = position(&rl, "confirmed") + 1;
    put(
        o,
        "rotation-same-confirmer",
        reforge(&rl, |i, v| {
            if i == second {
                v["details"]["name"] = json!(" carol confirmer");
                v["actors"] = json!([" carol confirmer"]);
            }
        }),
        invalid(
            "transcript_valid-rotation.jsonl with the second confirmation made by \" carol confirmer\" (the first confirmer's name, up to case and surrounding white space), re-sealed: two distinct people must confirm.",
            "script: \" carol confirmer\" confirmed twice",
            "script",
            second as u64,
            second as u64 + 1,
        ),
    );
    let cert_issued = position(&rl, "certificate-issued");
    put(
        o,
        "rotation-other-tbs",
        reforge(&rl, |i, v| {
            if i == cert_issued {
                v["details"]["tbs_sha256"] = json!("ab".repeat(32));
            }
        }),
        invalid(
            "transcript_valid-rotation.jsonl with certificate-issued's tbs_sha256 replaced, re-sealed: what was signed is not what the confirmers approved.",
            "script: what was signed is not what the confirmers approved",
            "script",
            cert_issued as u64,
            cert_issued as u64 + 1,
        ),
    );
    let cut = position(&rl, "key-rebuilt");
    let aborted = crate::gen_transcript::canonical(&json!({
        "action": "aborted",
        "actors": ["rootkey"],
        "details": {"reason": "interrupted by the operator"},
        "prev": crate::gen_transcript::sha_hex(&rl[cut - 1]),
        "seq": cut,
        "time": parse(&rl[cut - 1])["time"],
    }));
    let mut ls = rl[..cut].to_vec();
    ls.push(aborted);
    o.put(
        "transcript_rotation-aborted.jsonl",
        crate::gen_transcript::join(&ls),
    );
    o.json(
        "transcript_rotation-aborted.expect.json",
        &json!({
            "outcome": "unsealed",
            "description": "The entries of transcript_valid-rotation.jsonl up to the last share-presented, then `aborted`: valid but unsealed (exit 3).",
            "ceremony_kind": "rotation",
            "entries": cut + 1,
            "reason_contains": format!("aborted at entry seq {cut} (line {}): interrupted by the operator", cut + 1),
        }),
    );
    crate::gen_transcript_carry::carry(o);
}
