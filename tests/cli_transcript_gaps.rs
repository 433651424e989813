//! The transcript gaps an independent verifier found (issue 10), through the real binary:
//! the exact message and exit code of `rootkey transcript verify` on each new vector, and a
//! CRL of 2 000 revocations signed, recorded and followed by another one, both transcripts
//! verified by rootkey and by the independent Python verifier.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use common::{Ceremony, Run, repo_path, rootkey, s};

fn vectors() -> PathBuf {
    repo_path("tests/vectors")
}

/// `rootkey transcript verify NAME ARGS…` run in tests/vectors (so the message shows the bare
/// vector name): (exit code, stderr).
fn verify_vector(name: &str, args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_rootkey"))
        .current_dir(vectors())
        .args(["transcript", "verify", name])
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Each gap is refused with one exact line naming the entry, its line and the kind.
#[test]
fn each_gap_is_refused_with_its_exact_message() {
    let cases: &[(&str, &str)] = &[
        (
            "transcript_medium-vellum.jsonl",
            "entry seq 5 (line 6): malformed: `details.medium` is not a known medium (text, paper, pkcs11 or yubikey)",
        ),
        (
            "transcript_after-aborted.jsonl",
            "entry seq 5 (line 6): script: `key-rebuilt` after `aborted` (line 5): nothing may follow `aborted`",
        ),
        (
            "transcript_after-seal.jsonl",
            "entry seq 13 (line 14): script: `artifact-written` after the seal (line 13): nothing may follow the seal",
        ),
        (
            "transcript_time-backwards.jsonl",
            "entry seq 7 (line 8): modified: its time 2028-02-29T12:34:56.000Z is earlier than the time 2028-02-29T12:34:56.006Z of line 7",
        ),
        (
            "transcript_inserted-two.jsonl",
            "entry seq 7 (line 8): inserted: line 10 links to line 7, so lines 8–9 are not part of the chain",
        ),
        (
            "transcript_inserted-after-seal.jsonl",
            "entry seq 13 (line 14): inserted: it follows the seal on line 13: nothing may be added to a sealed transcript",
        ),
        (
            "transcript_deleted.jsonl",
            "entry seq 6 (line 7): deleted: entry seq 6 is missing: line 7 holds seq 7 and links to an entry that is not in the file",
        ),
        (
            "transcript_reordered.jsonl",
            "lines 7 and 8: reordered: line 7 holds seq 7 and line 8 holds seq 6 (the two entries were swapped)",
        ),
        (
            "transcript_unknown-action.jsonl",
            "entry seq 1 (line 2): script: `coin-flipped` is not an action of this format (expected `entropy`: the seed is made first)",
        ),
        (
            "transcript_quorum-threshold-1.jsonl",
            "entry seq 0 (line 1): malformed: threshold k = 1 is below 2: a single share would reveal the key",
        ),
        (
            "transcript_impossible-date.jsonl",
            "entry seq 4 (line 5): malformed: `details.not_before` is not a real date and time YYYY-MM-DDTHH:MM:SSZ (1970–9999)",
        ),
        (
            "transcript_empty-validity.jsonl",
            "entry seq 4 (line 5): malformed: `details.not_after` must be later than not_before",
        ),
        (
            "transcript_rehearsal-other-certificate.jsonl",
            "entry seq 13 (line 14): script: the loaded root certificate is not the one signed at entry seq 4 (line 5) (certificate SHA-256 differs)",
        ),
        (
            "transcript_crl-digest-mismatch.jsonl",
            "entry seq 2 (line 3): malformed: `details.revoked_sha256` is not the SHA-256 of the canonical JSON of `revoked`",
        ),
        (
            "transcript_crl-count-listed.jsonl",
            "entry seq 3 (line 4): malformed: `details.revoked` is null, but a list of 256 (at most 256) must be recorded in full",
        ),
        (
            "transcript_rotation-same-confirmer.jsonl",
            "entry seq 5 (line 6): script: \" carol confirmer\" confirmed twice: two distinct people must confirm",
        ),
    ];
    for (name, what) in cases {
        let (code, err) = verify_vector(name, &[]);
        assert_eq!(
            (code, err.as_str()),
            (1, format!("error: transcript {name}: {what}\n").as_str()),
            "{name}"
        );
    }
}

/// A bad attestation member is malformed, named by the attestation's line in its own file.
#[test]
fn a_bad_attestation_member_is_malformed_at_its_line() {
    let (code, err) = verify_vector("transcript_attestation-member.jsonl", &[]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        err,
        "error: transcript transcript_attestation-member.jsonl: transcript_attestation-member.attestations, attestation seq 1 (line 2): malformed: the attestation has an unknown member `comment`\n"
    );
}

/// `--artifacts` checks manifest.json's signature under the root key: a transcript re-forged
/// to record a manifest changed after signing is refused at the manifest's entry.
#[test]
fn artifacts_check_the_manifest_signature() {
    let d = TempDir::new().unwrap();
    fs::copy(vectors().join("cert_valid.pem"), d.path().join("root.pem")).unwrap();
    fs::copy(
        vectors().join("manifest_bad-signature.json"),
        d.path().join("manifest.json"),
    )
    .unwrap();
    let dir = s(d.path());
    let (code, err) = verify_vector(
        "transcript_manifest-bad-signature.jsonl",
        &["--root", "cert_valid.pem", "--artifacts", &dir],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        err,
        format!(
            "error: transcript transcript_manifest-bad-signature.jsonl: entry seq 11 (line 12): artifact: {dir}/manifest.json: its signature does not verify under the root key SHA256:a050 837d 8507 0582 ccf7 394b 0988 847c c312 cb88 259b 8948 99f6 f239 cf17 91a5: the manifest was modified after the ceremony\n"
        )
    );
    // Without --artifacts nothing can tell: the transcript itself is consistent.
    let (code, err) = verify_vector(
        "transcript_manifest-bad-signature.jsonl",
        &["--root", "cert_valid.pem"],
    );
    assert_eq!((code, err.as_str()), (0, ""));
}

/// Valid signing transcripts: sealed (0), the first CRL form still read (0), an aborted
/// rotation unsealed (3).
#[test]
fn signing_vectors_verify_with_their_exit_codes() {
    for name in [
        "transcript_valid-crl.jsonl",
        "transcript_valid-crl-long.jsonl",
        "transcript_crl-first-form.jsonl",
        "transcript_valid-rotation.jsonl",
    ] {
        let (code, err) = verify_vector(name, &["--root", "cert_valid.pem"]);
        assert_eq!((code, err.as_str()), (0, ""), "{name}");
    }
    let o = Command::new(env!("CARGO_BIN_EXE_rootkey"))
        .current_dir(vectors())
        .args(["transcript", "verify", "transcript_rotation-aborted.jsonl"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("aborted at entry seq 9 (line 10): interrupted by the operator"),
        "{out}"
    );
}

// ---------------------------------------------------------------------------------------------
// A CRL too long to list in one transcript line
// ---------------------------------------------------------------------------------------------

const LONG: usize = 2000;

/// `rootkey crl sign` against `c` with shares 1–3 and two confirmers.
fn crl_sign(c: &Ceremony, out: &Path, extra: &[String]) -> Run {
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    common::crl_sign(c, out, &[1, 2, 3], &extra)
}

fn crl_prepared(out: &Path) -> (Value, usize) {
    let t = fs::read_to_string(out.join("transcript.jsonl")).unwrap();
    let longest = t.lines().map(str::len).max().unwrap();
    let e = t
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["action"] == "crl-prepared")
        .unwrap();
    (e["details"].clone(), longest)
}

/// SHA-256 of the canonical revocation list, spelled out here independently of rootkey's
/// canonical JSON: `[{"reason":R,"serial":S},…]`, members sorted, no white space.
fn list_sha256(items: &[(Option<&str>, String)]) -> String {
    let body: Vec<String> = items
        .iter()
        .map(|(r, serial)| {
            let reason = r.map_or("null".to_string(), |r| format!("\"{r}\""));
            format!("{{\"reason\":{reason},\"serial\":\"{serial}\"}}")
        })
        .collect();
    hex::encode(Sha256::digest(format!("[{}]", body.join(",")).as_bytes()))
}

fn verify_ok(c: &Ceremony, out: &Path) {
    rootkey([
        "transcript",
        "verify",
        &s(&out.join("transcript.jsonl")),
        "--root",
        &s(&c.root),
        "--artifacts",
        &s(out),
    ])
    .ok()
    .stdout_has(&["Result: VALID and SEALED"]);
    let py = Command::new("python3")
        .arg(repo_path("tests/vectors/independent_transcript_check.py"))
        .arg(out.join("transcript.jsonl"))
        .args(["--root", &s(&c.root), "--artifacts", &s(out)])
        .output();
    match py {
        Ok(o) => assert_eq!(
            (
                o.status.code(),
                String::from_utf8_lossy(&o.stdout).trim().to_string()
            ),
            (Some(0), "VALID SEALED".to_string())
        ),
        Err(_) => println!("note: python3 not available; independent check skipped"),
    }
}

/// 2 000 revocations (beyond the ~1 550 that used to overflow the 65 536-byte line limit) are
/// signed and recorded by count and digest; the next CRL carries them forward and is signed
/// too; both transcripts verify, artifacts included, in rootkey and in the Python verifier.
#[test]
fn a_crl_of_2000_revocations_is_recorded_and_the_next_crl_can_be_signed() {
    let d = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&d.path().join("root"));
    let reasons = [Some("keyCompromise"), None, Some("superseded")];
    let mut args = vec!["--first-crl".to_string()];
    let mut want: Vec<(Option<&str>, String)> = Vec::new();
    for i in 0..LONG {
        let serial = 0x10_0000 + i;
        let reason = reasons[i % 3];
        args.push("--revoke".into());
        args.push(match reason {
            Some(r) => format!("{serial:x}:{r}"),
            None => format!("{serial:x}"),
        });
        want.push((reason, format!("{serial:06x}")));
    }
    let c1 = d.path().join("crl1");
    crl_sign(&c, &c1, &args)
        .ok()
        .stdout_has(&["CRL SIGNED: number 01", "2000 revoked"]);
    let (p, longest) = crl_prepared(&c1);
    assert_eq!(p["revoked"], Value::Null);
    assert_eq!(p["revoked_count"], LONG);
    assert_eq!(p["carried_forward"], 0);
    assert_eq!(p["revoked_sha256"], list_sha256(&want).as_str());
    assert!(longest < 4096, "longest transcript line {longest} bytes");
    verify_ok(&c, &c1);

    // thisUpdate has whole seconds and must increase.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let c2 = d.path().join("crl2");
    crl_sign(
        &c,
        &c2,
        &[
            "--previous-crl".into(),
            s(&c1.join("root.crl")),
            "--revoke".into(),
            "7f:cessationOfOperation".into(),
        ],
    )
    .ok()
    .stdout_has(&["CRL SIGNED: number 02", "2001 revoked"]);
    let (p, _) = crl_prepared(&c2);
    want.push((Some("cessationOfOperation"), "7f".into()));
    assert_eq!(p["revoked_count"], LONG + 1);
    assert_eq!(p["carried_forward"], LONG);
    assert_eq!(p["revoked_sha256"], list_sha256(&want).as_str());
    verify_ok(&c, &c2);

    // The report counts them.
    let md = d.path().join("report.md");
    rootkey([
        "transcript",
        "report",
        &s(&c2.join("transcript.jsonl")),
        "--out",
        &s(&md),
    ]);
    let text = fs::read_to_string(&md).unwrap_or_default();
    assert!(
        text.contains("2001 revoked (2000 carried forward)"),
        "{text}"
    );
}

/// A short list is still recorded in full, with its count and digest.
#[test]
fn a_short_crl_list_is_recorded_in_full_with_its_digest() {
    let d = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&d.path().join("root"));
    let out = d.path().join("crl");
    crl_sign(
        &c,
        &out,
        &[
            "--first-crl".into(),
            "--revoke".into(),
            "0a:keyCompromise".into(),
            "--revoke".into(),
            "0b".into(),
        ],
    )
    .ok();
    let (p, _) = crl_prepared(&out);
    let want = [
        (Some("keyCompromise"), "0a".to_string()),
        (None, "0b".to_string()),
    ];
    assert_eq!(
        p["revoked"],
        serde_json::json!([{"reason": "keyCompromise", "serial": "0a"}, {"reason": null, "serial": "0b"}])
    );
    assert_eq!(p["revoked_count"], 2);
    assert_eq!(p["revoked_sha256"], list_sha256(&want).as_str());
    verify_ok(&c, &out);
}
