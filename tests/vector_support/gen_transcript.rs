//! Vectors of the ceremony transcript (`transcript_*`): reproducible transcripts of the vector
//! ceremony (generation, rehearsal, quorum checks), unsealed ones and witness attestations,
//! here; tampered copies of the generation transcript in `gen_transcript_tampered.rs`, the
//! gaps an independent verifier found in `gen_transcript_gaps.rs`, the cases both verifiers
//! must agree on in `gen_transcript_agree.rs`, rotation and CRL transcripts in
//! `gen_transcript_signing.rs`. This file holds what they share (the fixed clock, recorder and
//! inputs, line helpers, expectation builders).
//!
//! Everything is fixed: the root key is the public vector seed 00 01 … 1f, entry `i` of every
//! transcript is recorded at 2028-02-29T12:34:56.000Z + i ms, the binary hash is SHA-256 of
//! [`BINARY_LABEL`], the pre-flight facts are [`preflight`], and the witnesses' Ed25519 seeds
//! are 32 × 0x11 and 32 × 0x22. The ceremony facts (plan, certificate, manifest, share files)
//! are read from the vector files already in `tests/vectors/`, so these vectors must be written
//! after the others (`generate_vectors` does that). Only the header's `tool.version` depends on
//! the build (rootkey's crate version).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use rootkey::ceremony::{self, Context};
use rootkey::cert::{self, RootCert};
use rootkey::encoding::time::UtcTime;
use rootkey::fsio;
use rootkey::jcs;
use rootkey::key::RootKey;
use rootkey::manifest::{Manifest, ShareEntry, TokenEntry};
use rootkey::plan::Plan;
use rootkey::transcript::event::{self, Event};
use rootkey::transcript::{
    ATTESTATION_DOMAIN, Clock, HeaderInfo, Kind, Recorder, TOOL_ACTOR, signed_message,
};

use crate::fixture::{CEREMONY_ID, CEREMONY_UNIX, root_key};
use crate::generator::Out;
use crate::harness::{dir, secret};

/// `tool.binary_sha256` of every vector transcript is SHA-256 of this label.
pub const BINARY_LABEL: &str = "rootkey test vectors: binary";
/// Ceremony id of the vector quorum checks: d0 d1 … df.
pub const QUORUM_CHECK_ID: [u8; 16] = {
    let mut s = [0u8; 16];
    let mut i = 0;
    while i < 16 {
        s[i] = 0xd0 + i as u8;
        i += 1;
    }
    s
};
/// Seed of the key that re-seals `transcript_foreign-seal` (not the ceremony's key).
pub const FOREIGN_SEED: [u8; 32] = [0x33; 32];
/// The two witnesses: name and Ed25519 seed (public test keys).
pub const WITNESSES: [(&str, [u8; 32]); 2] = [
    ("Wendy Witness (internal audit)", [0x11; 32]),
    ("Walter Witness (external auditor)", [0x22; 32]),
];
/// The plan file as recorded in the header.
pub const PLAN_FILE: &str = "plan_valid.toml";

/// The fixed pre-flight facts of every vector transcript.
pub fn preflight() -> Value {
    crate::common::preflight_facts("2028-02-29T12:34:56.000Z", "vector-host", "6.1.0-vector")
}

/// The time of entry `i`: 2028-02-29T12:34:56.000Z + i ms.
pub fn entry_time(i: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(CEREMONY_UNIX) + Duration::from_millis(i)
}

fn clock() -> Clock {
    let mut i = 0;
    Box::new(move || {
        let t = entry_time(i);
        i += 1;
        t
    })
}

pub fn recorder(info: &HeaderInfo) -> Recorder {
    let binary: [u8; 32] = Sha256::digest(BINARY_LABEL.as_bytes()).into();
    Recorder::in_memory_with(info, binary, clock()).expect("recorder")
}

pub fn sha_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// The vector ceremony's files, as they are in `tests/vectors/`.
pub struct Inputs {
    /// The plan's file name, as the header records it.
    pub plan_file: &'static str,
    pub plan: Plan,
    pub root_pem: Vec<u8>,
    pub root: RootCert,
    pub manifest_bytes: Vec<u8>,
    pub manifest: Manifest,
}

impl Inputs {
    pub fn read() -> Inputs {
        Inputs::read_from(PLAN_FILE, "manifest_valid.json")
    }

    /// The ceremony of plan `plan_file` and manifest `manifest_file` (both in `tests/vectors/`).
    pub fn read_from(plan_file: &'static str, manifest_file: &str) -> Inputs {
        let read = |n: &str| fs::read(dir().join(n)).unwrap_or_else(|e| panic!("{n}: {e}"));
        let plan_bytes = read(plan_file);
        let plan =
            Plan::parse(std::str::from_utf8(&plan_bytes).expect("utf-8"), plan_file).expect("plan");
        let root_pem = read("cert_valid.pem");
        let root = RootCert::from_pem(&root_pem, "cert_valid.pem").expect("root");
        let manifest_bytes = read(manifest_file);
        let manifest = Manifest::from_json(&manifest_bytes, manifest_file).expect("json");
        manifest.verify(&root, manifest_file).expect("manifest");
        assert_eq!(root.public_key_bytes(), root_key().public_key_bytes());
        Inputs {
            plan_file,
            plan,
            root_pem,
            root,
            manifest_bytes,
            manifest,
        }
    }
}

/// Variants of the generation steps.
#[derive(Clone, Copy, PartialEq)]
pub enum Steps {
    AsRootkey,
    /// `certificate-signed` before `shares-split` (a script violation).
    CertificateBeforeSplit,
}

/// Records the generation steps as `rootkey generate` does (see `ceremony::generate` and
/// `ceremony::write_outputs`), with the vector ceremony's facts.
fn record_generation(rec: &mut Recorder, inp: &Inputs, steps: Steps) {
    let pk = root_key().public_key_bytes();
    let (k, n) = (inp.plan.quorum.threshold, inp.plan.quorum.shares);
    let tool = &[TOOL_ACTOR];
    rec.record(
        tool,
        event::Entropy {
            dice_rolls: 0,
            source: event::EntropySource::Os,
        },
    )
    .expect("entropy");
    rec.record(
        tool,
        event::KeyGenerated {
            fingerprint: hex::encode(cert::fingerprint(&pk)),
            public_key: hex::encode(pk),
        },
    )
    .expect("key-generated");
    let split = Event::from(event::SharesSplit {
        shares: n,
        subsets_checked: 10,
        threshold: k,
    });
    let r = &inp.root;
    let signed = Event::from(event::CertificateSigned {
        certificate_sha256: sha_hex(&r.der),
        fingerprint: hex::encode(r.fingerprint),
        not_after: r.not_after,
        not_before: r.not_before,
        serial: r.serial_hex.clone(),
        subject: r.subject.clone(),
    });
    let order = match steps {
        Steps::AsRootkey => [split, signed],
        Steps::CertificateBeforeSplit => [signed, split],
    };
    for e in order {
        rec.record(tool, e).expect("step");
    }
    for e in &inp.manifest.shares {
        let mut file = format!("share-{:02}-{}.txt", e.index, fsio::slug(&e.holder));
        if let Some(t) = &e.token {
            rec.record(&[TOOL_ACTOR, &e.holder], token_written(e, t))
                .expect("token-written");
            file = t.payload_file.clone();
        }
        rec.record(
            &[TOOL_ACTOR, &e.holder],
            event::ShareWritten {
                envelope_sha256: e.envelope_sha256.clone(),
                file,
                holder: e.holder.clone(),
                index: e.index,
                medium: e.medium,
                role: e.role.clone(),
            },
        )
        .expect("share-written");
    }
    for (file, bytes) in [
        ("root.pem", &inp.root_pem),
        ("manifest.json", &inp.manifest_bytes),
    ] {
        rec.record(
            tool,
            event::ArtifactWritten {
                file: file.into(),
                sha256: sha_hex(bytes),
            },
        )
        .expect("artifact-written");
    }
}

/// The `token-written` entry of a token share, from its manifest entry (the model and
/// firmware are the vector token's: a YubiKey 5 with firmware 5.4.3).
fn token_written(e: &ShareEntry, t: &TokenEntry) -> event::TokenWritten {
    event::TokenWritten {
        attestation: t
            .attestation_sha256
            .as_ref()
            .map(|a| event::TokenAttestation {
                certificate_sha256: a.clone(),
                intermediate_sha256: sha_hex(
                    format!("vector attestation intermediate {}", t.serial).as_bytes(),
                ),
                pin_policy: Some(3),
                root_subject: "CN=Yubico PIV Root CA Serial 263751".into(),
            }),
        firmware: "5.4.3".into(),
        holder: e.holder.clone(),
        index: e.index,
        key_ref: t.key_ref.clone(),
        label: t.label.clone(),
        location: t.location.clone(),
        medium: e.medium,
        model: "YubiKey 5".into(),
        object_id: t.object_id.clone(),
        payload_file: t.payload_file.clone(),
        payload_sha256: t.payload_sha256.clone(),
        public_key: t.public_key.clone(),
        serial: t.serial.clone(),
    }
}

fn plan_header(inp: &Inputs, kind: Kind) -> HeaderInfo {
    ceremony::plan_header(&inp.plan, inp.plan_file, kind, CEREMONY_ID, preflight())
}

/// The generation transcript, sealed by `seal_key`.
pub fn generation(inp: &Inputs, steps: Steps, seal_key: &RootKey) -> Vec<u8> {
    let mut rec = recorder(&plan_header(inp, Kind::Generation));
    record_generation(&mut rec, inp, steps);
    rec.seal(seal_key).expect("seal");
    rec.bytes().expect("memory").to_vec()
}

/// A quorum check (`rootkey combine`) of the vector ceremony run by rootkey's own code on
/// files in `dir` (aborted, with the error as reason, if it fails).
pub fn quorum_check(dir: &Path, manifest: &str, root: &str, shares: &[&str]) -> Vec<u8> {
    let ctx = Context::load(&dir.join(manifest), &dir.join(root)).expect("context");
    let mut rec = recorder(&ceremony::quorum_header(
        &ctx,
        Kind::QuorumCheck,
        QUORUM_CHECK_ID,
        preflight(),
    ));
    let files: Vec<PathBuf> = shares.iter().map(|s| dir.join(s)).collect();
    let _ = rootkey::transcript::recorded(&mut rec, |rec| {
        ceremony::combine(&ctx, crate::harness::file_sources(&files), rec)
    });
    rec.bytes().expect("memory").to_vec()
}

/// A rehearsal of the vector plan: the generation steps, `key-wiped`, then rootkey's quorum
/// check on a directory laid out as `rootkey rehearse` leaves it (shares 1, 3 and 5).
pub fn rehearsal(inp: &Inputs) -> Vec<u8> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let copy = |from: &str, to: String| {
        fs::copy(dir().join(from), tmp.path().join(to)).expect("copy");
    };
    copy("cert_valid.pem", "root.pem".into());
    copy("manifest_valid.json", "manifest.json".into());
    let mut names = Vec::new();
    for (i, from) in [
        (1, "share_valid.txt"),
        (3, "share_valid-3.txt"),
        (5, "share_valid-5.txt"),
    ] {
        let e = &inp.manifest.shares[i - 1];
        let name = format!("share-{:02}-{}.txt", e.index, fsio::slug(&e.holder));
        copy(from, name.clone());
        names.push(name);
    }
    let ctx = Context::load(
        &tmp.path().join("manifest.json"),
        &tmp.path().join("root.pem"),
    )
    .expect("context");
    let mut rec = recorder(&plan_header(inp, Kind::Rehearsal));
    record_generation(&mut rec, inp, Steps::AsRootkey);
    rec.record(&[TOOL_ACTOR], event::KeyWiped {})
        .expect("key-wiped");
    let files: Vec<PathBuf> = names.iter().map(|n| tmp.path().join(n)).collect();
    ceremony::combine(&ctx, crate::harness::file_sources(&files), &mut rec).expect("combine");
    rec.bytes().expect("memory").to_vec()
}

/// The lines of a transcript, without their line ends.
pub fn lines(b: &[u8]) -> Vec<Vec<u8>> {
    let body = b.strip_suffix(b"\n").unwrap_or(b);
    body.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect()
}

pub fn join(lines: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}

pub fn parse(line: &[u8]) -> Value {
    serde_json::from_slice(line).expect("json line")
}

pub fn canonical(v: &Value) -> Vec<u8> {
    jcs::canonicalize(v).expect("canonical")
}

/// A chained entry line made by hand (the recorder refuses to write after its seal).
pub fn entry_line(seq: u64, time: u64, action: &str, details: Value, prev: &[u8]) -> Vec<u8> {
    canonical(&json!({
        "action": action,
        "actors": [TOOL_ACTOR],
        "details": details,
        "prev": sha_hex(prev),
        "seq": seq,
        "time": UtcTime::clock(entry_time(time)).expect("time").transcript_string(),
    }))
}

/// The attestations file over the sealed transcript `t`, one line per witness, recorded at
/// the entry times following the seal.
pub fn attestations(t: &[u8]) -> Vec<u8> {
    let ls = lines(t);
    let head = Sha256::digest(ls.last().expect("seal"));
    let mut prev = head;
    let mut out = Vec::new();
    for (seq, (name, seed)) in WITNESSES.iter().enumerate() {
        let key = RootKey::from_seed(&secret(seed)).expect("witness key");
        let mut a = json!({
            "head": hex::encode(head),
            "prev": hex::encode(prev),
            "seq": seq,
            "time": UtcTime::clock(entry_time((ls.len() + seq) as u64))
                .expect("time")
                .transcript_string(),
            "witness": {"name": name, "public_key": hex::encode(key.public_key_bytes())},
        });
        let sig = key.sign(&signed_message(ATTESTATION_DOMAIN, &a).expect("message"));
        a["signature"] = json!(hex::encode(sig.to_bytes()));
        let line = canonical(&a);
        prev = Sha256::digest(&line);
        out.extend_from_slice(&line);
        out.push(b'\n');
    }
    out
}

pub fn witness_keys() -> Vec<String> {
    WITNESSES
        .iter()
        .map(|(_, seed)| {
            let k = RootKey::from_seed(&secret(seed)).expect("witness key");
            hex::encode(k.public_key_bytes())
        })
        .collect()
}

/// The expectation members of a valid, sealed transcript.
pub fn sealed(t: &[u8], description: &str, kind: Kind, extra: Value) -> Value {
    let ls = lines(t);
    let seal = parse(ls.last().expect("seal"));
    let mut v = json!({
        "outcome": "sealed",
        "description": description,
        "ceremony_kind": kind.as_str(),
        "entries": ls.len(),
        "sealed_head": sha_hex(ls.last().expect("seal")),
        "seal_public_key": seal["details"]["public_key"],
        "seal_signature": seal["details"]["signature"],
    });
    for (k, x) in extra.as_object().expect("object") {
        v[k] = x.clone();
    }
    v
}

pub fn invalid(description: &str, message: &str, failure: &str, seq: u64, line: u64) -> Value {
    json!({
        "outcome": "invalid",
        "description": description,
        "message_contains": message,
        "failure": failure,
        "seq": seq,
        "line": line,
    })
}

/// Every `transcript_*` file.
pub fn transcript(o: &mut Out) {
    let inp = Inputs::read();
    let key = root_key();
    let gen_bytes = generation(&inp, Steps::AsRootkey, &key);
    let gen_lines = lines(&gen_bytes);
    assert_eq!(gen_lines.len(), 13, "generation transcript has 13 entries");
    let artifacts_gen =
        json!({"manifest.json": "manifest_valid.json", "root.pem": "cert_valid.pem"});
    let checks = json!({
        "root": "cert_valid.pem",
        "plan": PLAN_FILE,
        "manifest": "manifest_valid.json",
        "artifacts": artifacts_gen,
    });

    // Valid, sealed.
    o.put("transcript_valid-generation.jsonl", gen_bytes.clone());
    o.json(
        "transcript_valid-generation.expect.json",
        &sealed(
            &gen_bytes,
            "`rootkey generate` of the vector ceremony (plan_valid.toml, key from seed 00..1f, cert_valid.pem, the envelopes of manifest_valid.json, share files named as rootkey names them; cert_valid.pem and manifest_valid.json recorded as root.pem and manifest.json), sealed by the vector key. Verify with root = cert_valid.pem, plan = plan_valid.toml and an artifacts directory holding cert_valid.pem as root.pem and manifest_valid.json as manifest.json.",
            Kind::Generation,
            checks.clone(),
        ),
    );

    let reh = rehearsal(&inp);
    o.put("transcript_valid-rehearsal.jsonl", reh.clone());
    o.json(
        "transcript_valid-rehearsal.expect.json",
        &sealed(
            &reh,
            "`rootkey rehearse` of the vector plan: the generation steps, key-wiped, then the quorum check of root.pem and manifest.json with shares 1, 3 and 5 (rootkey's combine code on share_valid.txt, share_valid-3.txt, share_valid-5.txt under their ceremony names), sealed by the rebuilt key.",
            Kind::Rehearsal,
            checks.clone(),
        ),
    );

    let qc_checks = json!({
        "root": "cert_valid.pem",
        "manifest": "manifest_valid.json",
        "artifacts": {"cert_valid.pem": "cert_valid.pem", "manifest_valid.json": "manifest_valid.json"},
    });
    let qc = quorum_check(
        &dir(),
        "manifest_valid.json",
        "cert_valid.pem",
        &[
            "share_valid-2.txt",
            "share_valid-4.txt",
            "share_valid-5.txt",
        ],
    );
    o.put("transcript_valid-quorum-check.jsonl", qc.clone());
    o.json(
        "transcript_valid-quorum-check.expect.json",
        &sealed(
            &qc,
            "`rootkey combine --manifest manifest_valid.json --root cert_valid.pem share_valid-2.txt share_valid-4.txt share_valid-5.txt` (ceremony id d0..df): context-loaded, three share-presented, key-rebuilt (quorum 2, 4, 5), sealed by the rebuilt key.",
            Kind::QuorumCheck,
            qc_checks.clone(),
        ),
    );
    let qc5 = quorum_check(
        &dir(),
        "manifest_valid.json",
        "cert_valid.pem",
        &[
            "share_valid-2.txt",
            "share_valid-4.txt",
            "share_valid-5.txt",
            "share_valid.txt",
            "share_valid-3.txt",
        ],
    );
    o.put("transcript_valid-quorum-check-all-five.jsonl", qc5.clone());
    o.json(
        "transcript_valid-quorum-check-all-five.expect.json",
        &sealed(
            &qc5,
            "A quorum check with all five shares given in the order 2, 4, 5, 1, 3: quorum 2, 4, 5, then share-checked for 1 and 3 (both agree), sealed.",
            Kind::QuorumCheck,
            qc_checks,
        ),
    );

    // Valid, unsealed.
    // The committed file was recorded before rootkey's `aborted` reasons named the step
    // (`step 5/8 rebuild-key (…): …`); its bytes are kept while it is there.
    let ab = std::fs::read(dir().join("transcript_aborted.jsonl")).unwrap_or_else(|_| {
        quorum_check(
            &dir(),
            "manifest_valid.json",
            "cert_valid.pem",
            &["share_valid-2.txt", "share_valid-4.txt"],
        )
    });
    o.put("transcript_aborted.jsonl", ab.clone());
    crate::gen_transcript_tampered::after_aborted(o, &ab);
    o.json(
        "transcript_aborted.expect.json",
        &json!({
            "outcome": "unsealed",
            "description": "A quorum check given only shares 2 and 4 (threshold 3): rootkey's combine fails after the two share-presented entries and the transcript ends with `aborted` giving the error. Valid but unsealed (exit 3).",
            "ceremony_kind": "quorum-check",
            "entries": lines(&ab).len(),
            "reason_contains": "aborted at entry seq 4 (line 5): 2 share(s) given, the threshold is 3",
        }),
    );
    let cut = join(&gen_lines[..8]);
    o.put("transcript_interrupted.jsonl", cut);
    o.json(
        "transcript_interrupted.expect.json",
        &json!({
            "outcome": "unsealed",
            "description": "The first 8 entries of transcript_valid-generation.jsonl (up to share-written 3): the ceremony stopped without `aborted` or seal. Valid but unsealed (exit 3).",
            "ceremony_kind": "generation",
            "entries": 8,
            "reason_contains": "ends at entry seq 7 (line 8) (`share-written`) without a seal",
        }),
    );

    crate::gen_transcript_tampered::tampered(o, &inp, &gen_bytes);
    crate::gen_transcript_tampered::interrupted_vectors(o, &gen_bytes);
    crate::gen_transcript_tampered::network_exception_vectors(o, &gen_bytes);
    crate::gen_transcript_checklist::checklist_vectors(o, &gen_bytes, &qc);
    crate::gen_transcript_audit::audit_vectors(o, &qc);
    crate::gen_transcript_screens::screens_vectors(o, &gen_bytes, &qc);
    crate::gen_transcript_answers::answers_and_slip_vectors(o, &gen_bytes, &qc);

    // Witness attestations.
    let att = attestations(&gen_bytes);
    let wk = witness_keys();
    let seeds: Vec<String> = WITNESSES.iter().map(|(_, s)| hex::encode(s)).collect();
    let names: Vec<&str> = WITNESSES.iter().map(|(n, _)| *n).collect();
    o.put("transcript_attested.jsonl", gen_bytes.clone());
    o.put("transcript_attested.attestations", att.clone());
    let mut exp = sealed(
        &gen_bytes,
        "transcript_valid-generation.jsonl attested by two witnesses (Ed25519 seeds 32 × 0x11 and 32 × 0x22) in transcript_attested.attestations, times following the seal. Verify with the witness list `witnesses`.",
        Kind::Generation,
        json!({}),
    );
    exp["witnesses"] = json!(wk);
    exp["attestations"] = json!(
        names
            .iter()
            .zip(&wk)
            .zip(&seeds)
            .enumerate()
            .map(|(i, ((n, k), s))| json!({"seq": i, "name": n, "public_key": k, "seed_hex": s}))
            .collect::<Vec<_>>()
    );
    o.json("transcript_attested.expect.json", &exp);

    o.put("transcript_attested-unknown.jsonl", gen_bytes.clone());
    o.put("transcript_attested-unknown.attestations", att);
    let mut exp = invalid(
        "transcript_attested with its attestations, verified with a witness list holding only the first witness's key: the second attestation is by an unknown witness. `seq` and `line` are the attestation's.",
        "attestation seq 1 (line 2): unknown witness",
        "unknown-witness",
        1,
        2,
    );
    exp["location"] = json!("attestations");
    exp["witnesses"] = json!([wk[0]]);
    o.json("transcript_attested-unknown.expect.json", &exp);

    crate::gen_transcript_gaps::gaps(o, &inp, &gen_bytes, &reh, &ab);
    crate::gen_transcript_agree::agree(o, &gen_bytes, &reh);
    crate::gen_transcript_signing::signing(o);
    crate::gen_transcript_tokens::tokens(o);
}

/// Writes every `transcript_*` vector into `tests/vectors/` (they read the other vectors).
pub fn write_transcript_vectors() -> usize {
    let mut o = Out { files: Vec::new() };
    transcript(&mut o);
    for (name, bytes) in &o.files {
        fs::write(dir().join(name), bytes).expect("write");
    }
    o.files.len()
}

/// Writes the transcript vectors only (`generate_vectors` writes them too).
#[test]
#[ignore = "writes tests/vectors/transcript_*; run explicitly to regenerate"]
fn generate_transcript_vectors() {
    println!("wrote {} files", write_transcript_vectors());
}
