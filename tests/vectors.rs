//! Test vectors for `docs/formats.md`.
//!
//! Every file in `tests/vectors/` is a vector named `AREA_CONDITION.EXT`. Artifact vectors (a
//! share text, an envelope in hex, a manifest, a certificate, a CRL, a TOML file, a JSON
//! document to canonicalise, a ceremony transcript) carry their expected outcome in a sibling
//! `AREA_CONDITION.expect.json` (a transcript's witness attestations are in a sibling
//! `AREA_CONDITION.attestations`);
//! description vectors (areas `rowcode`, `shamir`, `seed`, `filename`, `shareverify`,
//! `combine`) are JSON files with an `expect` member. `*.canonical.json` files hold exact
//! canonical bytes referenced by an expectation. The test list is read from the directory:
//! a vector without an expectation, or a file of an unknown area, fails
//! [`every_vector_has_an_expectation`]. The checks, one test per area, are in
//! `vector_support/check_*.rs`.
//!
//! Ok vectors are checked both ways: decoding gives the expected values, and encoding those
//! values again gives exactly the canonical bytes.
//!
//! The vectors were written by the ignored [`generate_vectors`] test (run
//! `cargo test --test vectors -- --ignored generate_vectors`; the code is in
//! `vector_support/generator.rs` and `vector_support/gen_*.rs`). It uses a FIXED, PUBLIC seed
//! (bytes 00 01 … 1f): every vector is a rehearsal and its key must never be used for anything.
//! The root certificate has a random serial number, so the generator keeps an existing
//! `cert_valid.pem` (and everything signed over its hash) when it carries the same key.
//! `tests/vectors/independent_check.py` re-derives the key numbers without rootkey's code.
//!
//! The certificate requests (`csr_*`, checked in `vector_support/check_csr.rs`) are not made
//! by the generator: they were made once with real `openssl req` by
//! `tests/vectors/make_csr_vectors.sh` (throwaway keys, not kept) and are committed as they are.
//! The strict-PEM vectors (`pem_*`, checked in `vector_support/check_pem.rs`, also through
//! `rootkey chain verify`) are written by `tests/vectors/make_pem_vectors.py` from
//! `cert_valid.pem` and `crl_valid.pem`.

mod common;

#[path = "vector_support/check_answers.rs"]
mod check_answers;
#[path = "vector_support/check_ceremony.rs"]
mod check_ceremony;
#[path = "vector_support/check_crl.rs"]
mod check_crl;
#[path = "vector_support/check_csr.rs"]
mod check_csr;
#[path = "vector_support/check_documents.rs"]
mod check_documents;
#[path = "vector_support/check_pem.rs"]
mod check_pem;
#[path = "vector_support/check_plan2.rs"]
mod check_plan2;
#[path = "vector_support/check_share.rs"]
mod check_share;
#[path = "vector_support/check_transcript.rs"]
mod check_transcript;
#[path = "vector_support/fixture.rs"]
mod fixture;
#[path = "vector_support/gen_cert.rs"]
mod gen_cert;
#[path = "vector_support/gen_crl.rs"]
mod gen_crl;
#[path = "vector_support/gen_envelope.rs"]
mod gen_envelope;
#[path = "vector_support/gen_inputs.rs"]
mod gen_inputs;
#[path = "vector_support/gen_manifest.rs"]
mod gen_manifest;
#[path = "vector_support/gen_manifest_tokens.rs"]
mod gen_manifest_tokens;
#[path = "vector_support/gen_share.rs"]
mod gen_share;
#[path = "vector_support/gen_transcript.rs"]
mod gen_transcript;
#[path = "vector_support/gen_transcript_agree.rs"]
mod gen_transcript_agree;
#[path = "vector_support/gen_transcript_answers.rs"]
mod gen_transcript_answers;
#[path = "vector_support/gen_transcript_audit.rs"]
mod gen_transcript_audit;
#[path = "vector_support/gen_transcript_carry.rs"]
mod gen_transcript_carry;
#[path = "vector_support/gen_transcript_checklist.rs"]
mod gen_transcript_checklist;
#[path = "vector_support/gen_transcript_gaps.rs"]
mod gen_transcript_gaps;
#[path = "vector_support/gen_transcript_screens.rs"]
mod gen_transcript_screens;
#[path = "vector_support/gen_transcript_signing.rs"]
mod gen_transcript_signing;
#[path = "vector_support/gen_transcript_tampered.rs"]
mod gen_transcript_tampered;
#[path = "vector_support/gen_transcript_tokens.rs"]
mod gen_transcript_tokens;
#[path = "vector_support/generator.rs"]
mod generator;
#[path = "vector_support/harness.rs"]
mod harness;
#[path = "vector_support/reference.rs"]
mod reference;

use std::fs;
use std::process::Command;

use serde_json::Value;

use harness::{
    ARTIFACT_AREAS, DESCRIPTION_AREAS, NOT_VECTORS, area_of, dir, file_names, is_auxiliary, read,
    stem_of,
};

#[test]
fn every_vector_has_an_expectation() {
    let mut problems = Vec::new();
    let names = file_names();
    let mut count = 0;
    for n in &names {
        if NOT_VECTORS.contains(&n.as_str()) {
            continue;
        }
        if is_auxiliary(n) {
            let base = n
                .strip_suffix(".expect.json")
                .or_else(|| n.strip_suffix(".canonical.json"))
                .or_else(|| n.strip_suffix(".attestations"))
                .unwrap_or(n);
            if !names.iter().any(|o| !is_auxiliary(o) && stem_of(o) == base) {
                problems.push(format!("{n}: no vector file {base}.* for it"));
            }
            continue;
        }
        count += 1;
        let area = area_of(n);
        if DESCRIPTION_AREAS.contains(&area) {
            let v: Value = match serde_json::from_slice(&read(n)) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(format!("{n}: not JSON: {e}"));
                    continue;
                }
            };
            if !v["expect"]["outcome"].is_string() {
                problems.push(format!("{n}: no expect.outcome member"));
            }
        } else if ARTIFACT_AREAS.contains(&area) {
            let e = format!("{}.expect.json", stem_of(n));
            match fs::read(dir().join(&e)) {
                Ok(b) => match serde_json::from_slice::<Value>(&b) {
                    Ok(v) if v["outcome"].is_string() => {}
                    _ => problems.push(format!("{e}: no outcome member")),
                },
                Err(_) => problems.push(format!("{n}: no expectation file {e}")),
            }
        } else {
            problems.push(format!("{n}: unknown area {area:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(count > 50, "only {count} vectors found");
}

/// Runs a Python verifier from `tests/vectors/` with `args` (skipped with a note when python3
/// is not installed) and asserts that it succeeds.
fn run_python(script: &str, args: &[String]) {
    let path = dir().join(script);
    match Command::new("python3").arg(&path).args(args).output() {
        Err(e) => println!("note: python3 not available ({e}); {script} skipped"),
        Ok(out) => {
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            println!("{stdout}");
            assert!(
                out.status.success(),
                "{script} {args:?} failed:\n{stdout}\n{stderr}"
            );
        }
    }
}

/// Runs `tests/vectors/independent_check.py` (a verifier written from docs/formats.md alone)
/// when python3 is installed.
#[test]
fn independent_python_check() {
    run_python("independent_check.py", &[dir().display().to_string()]);
}

/// Writes all vectors (run explicitly; see the module documentation).
#[test]
#[ignore = "writes tests/vectors/; run explicitly to regenerate"]
fn generate_vectors() {
    let out = generator::build_vectors();
    fs::create_dir_all(dir()).expect("mkdir");
    for (name, bytes) in &out.files {
        fs::write(dir().join(name), bytes).expect("write");
    }
    // The transcript vectors record the files just written (see gen_transcript.rs).
    let transcripts = gen_transcript::write_transcript_vectors();
    println!("wrote {} files", out.files.len() + transcripts);
}

/// Runs `tests/vectors/independent_transcript_check.py` (an independent transcript verifier,
/// written from docs/formats.md alone) on every transcript vector, and its quick self-test
/// (tampering built from the spec), when python3 is installed.
#[test]
fn independent_python_transcript_check() {
    let script = "independent_transcript_check.py";
    run_python(script, &["--vectors".into(), dir().display().to_string()]);
    run_python(script, &["--self-test".into(), "--quick".into()]);
}
