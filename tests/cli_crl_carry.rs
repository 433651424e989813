//! Issue 14, item 4, through the real binary: `previous-crl-checked` records the previous
//! CRL's revocations by count and SHA-256 of their canonical list, and both verifiers
//! (`rootkey transcript verify` and `tests/vectors/independent_transcript_check.py`) prove
//! every earlier revocation was carried forward: a carried entry dropped is **script**, a copy
//! of the previous CRL that holds another list is **artifact**; relation failures take the
//! kind the spec's convention assigns.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use common::{Ceremony, repo_path, rootkey, s};

/// `rootkey transcript verify ARGS`: (exit code, its `error:` line).
fn rootkey_verify(args: &[String]) -> (i32, String) {
    let mut a = vec!["transcript".to_string(), "verify".to_string()];
    a.extend(args.iter().cloned());
    let r = rootkey(&a);
    let err = r
        .stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_default()
        .to_string();
    (r.code, err)
}

/// The independent verifier on ARGS: (exit code, its one line).
fn python_verify(args: &[String]) -> (i32, String) {
    let out = Command::new("python3")
        .arg(repo_path("tests/vectors/independent_transcript_check.py"))
        .args(args)
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.code().unwrap_or(-1), text)
}

fn entries(t: &Path) -> Vec<Value> {
    fs::read_to_string(t)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn position(es: &[Value], action: &str) -> usize {
    es.iter().position(|e| e["action"] == action).unwrap()
}

/// Both verifiers: the same exit code; for an invalid transcript, the same line and kind
/// (`kind` as rootkey spells it, `line` 1-based). Returns rootkey's error line.
fn both(args: &[String], code: i32, at: Option<(usize, &str)>) -> String {
    let (rc, rtext) = rootkey_verify(args);
    let (pc, ptext) = python_verify(args);
    assert_eq!((rc, pc), (code, code), "rootkey: {rtext}\npython: {ptext}");
    if let Some((line, kind)) = at {
        assert!(
            rtext.contains(&format!("(line {line}): {kind}: ")),
            "{rtext}"
        );
        assert!(
            ptext.starts_with(&format!("INVALID seq={} line={line} {}: ", line - 1, kind)),
            "{ptext}"
        );
    }
    rtext
}

#[test]
fn every_earlier_revocation_is_proven_carried_forward() {
    let tmp = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&tmp.path().join("root"));
    let crl1 = tmp.path().join("crl1");
    let first = ["--first-crl", "--revoke", "0a0b:keyCompromise", "--revoke"];
    common::crl_sign(&c, &crl1, &[1, 2, 3], &[&first[..], &["9F00FF"]].concat()).ok();
    // thisUpdate has whole seconds and must increase from one CRL to the next.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let crl2 = tmp.path().join("crl2");
    let r = common::crl_sign(
        &c,
        &crl2,
        &[1, 2, 3],
        &[
            "--previous-crl",
            &s(&crl1.join("root.crl")),
            "--revoke",
            "1234:superseded",
        ],
    );
    r.ok();
    let t = crl2.join("transcript.jsonl");
    let es = entries(&t);
    let pc = position(&es, "previous-crl-checked");
    // The previous list, canonical JSON in CRL order (serials as DER content bytes).
    let list =
        br#"[{"reason":"keyCompromise","serial":"0a0b"},{"reason":null,"serial":"009f00ff"}]"#;
    let d = &es[pc]["details"];
    assert_eq!(d["revoked_count"], json!(2), "{d}");
    assert_eq!(
        d["revoked_sha256"],
        json!(hex::encode(Sha256::digest(list)))
    );
    let args = |t: &Path| {
        vec![
            s(t),
            "--root".to_string(),
            s(&c.root),
            "--artifacts".to_string(),
            s(&crl2),
        ]
    };
    both(&args(&t), 0, None);
    // The report says how many are carried forward.
    let md = tmp.path().join("report.md");
    rootkey([
        "transcript",
        "report",
        &s(&t),
        "--root",
        &s(&c.root),
        "--out",
        &s(&md),
    ])
    .ok();
    let report = fs::read_to_string(&md).unwrap();
    assert!(
        report.contains("previous CRL previous-root.crl (number 01, thisUpdate ")
            && report.contains(", 2 revoked, all to be carried forward)"),
        "{report}"
    );

    let forged_dir = TempDir::new().unwrap();
    let unsealed = &es[..es.len() - 1];
    let cp = position(unsealed, "crl-prepared");
    // A carried revocation dropped from crl-prepared (its count and digest made to match, so
    // the entry agrees with itself): script, at crl-prepared.
    let mut dropped = unsealed.to_vec();
    {
        let d = &mut dropped[cp]["details"];
        let mut l = d["revoked"].as_array().unwrap().clone();
        l.remove(0);
        let l = json!(l);
        d["revoked_count"] = json!(2);
        d["carried_forward"] = json!(1);
        d["revoked_sha256"] = json!(hex::encode(Sha256::digest(
            rootkey::jcs::canonicalize(&l).unwrap()
        )));
        d["revoked"] = l;
    }
    let t2 = forged_dir.path().join("dropped.jsonl");
    fs::write(&t2, common::rechain(&dropped)).unwrap();
    let said = both(&[s(&t2)], 1, Some((cp + 1, "script")));
    assert!(
        said.ends_with("`details.carried_forward` is 1, but the previous CRL revokes 2: every earlier revocation must be carried forward"),
        "{said}"
    );
    // The same with carried_forward left at 2: the first two are not the previous list.
    dropped[cp]["details"]["carried_forward"] = json!(2);
    fs::write(&t2, common::rechain(&dropped)).unwrap();
    let said = both(&[s(&t2)], 1, Some((cp + 1, "script")));
    assert!(
        said.contains(
            "the first 2 revocation(s) of `details.revoked` are not the previous CRL's list"
        ),
        "{said}"
    );

    // The copy of the previous CRL swapped for another genuine CRL of this root (one that
    // revokes only the first serial), its hash re-recorded: artifact, at previous-crl-checked.
    let other = tmp.path().join("other");
    common::crl_sign(&c, &other, &[1, 2, 3], &first[..3]).ok();
    let swapped_dir = tmp.path().join("swapped");
    fs::create_dir(&swapped_dir).unwrap();
    for f in fs::read_dir(&crl2).unwrap() {
        let f = f.unwrap().path();
        fs::copy(&f, swapped_dir.join(f.file_name().unwrap())).unwrap();
    }
    let other_crl = fs::read(other.join("root.crl")).unwrap();
    fs::write(swapped_dir.join("previous-root.crl"), &other_crl).unwrap();
    let mut swapped = unsealed.to_vec();
    swapped[pc]["details"]["sha256"] = json!(hex::encode(Sha256::digest(&other_crl)));
    let t3 = swapped_dir.join("transcript.jsonl");
    fs::write(&t3, common::rechain(&swapped)).unwrap();
    let mut a = args(&t3);
    a[4] = s(&swapped_dir);
    let said = both(&a, 1, Some((pc + 1, "artifact")));
    assert!(
        said.contains("previous-root.crl revokes 1 certificate(s) (list SHA-256 ")
            && said.contains(", but the transcript records 2 with SHA-256 ")
            && said.ends_with(": the entry does not describe the previous CRL"),
        "{said}"
    );
    // Without --artifacts nothing ties the entry to the file: both read it valid, unsealed.
    both(&[s(&t3), "--root".into(), s(&c.root)], 3, None);
}

/// A previous-crl-checked of the first form (no list) is still valid, and `transcript verify`
/// lists under its findings that the carrying forward is not proven.
#[test]
fn the_first_form_is_read_with_a_finding() {
    let v = repo_path("tests/vectors/transcript_crl-previous-first-form.jsonl");
    let r = rootkey(["transcript", "verify", &s(&v)]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains(
            "previous-crl-checked (entry seq 2 (line 3)) is of the first form and records no revocation list: that every earlier revocation was carried forward is not proven (compare its file with root.crl)"
        ),
        "{}",
        r.stdout
    );
    let (code, text) = python_verify(&[s(&v)]);
    assert_eq!((code, text.as_str()), (0, "VALID SEALED"));
}

/// Relation failures take the kind of the spec's convention, in both verifiers: a relation
/// to another entry (or to the script) is script; an entry wrong on its own (a span, its own
/// list) is malformed; a number that is not a minimal non-negative DER INTEGER is malformed.
#[test]
fn relation_failures_have_the_conventions_kind_in_both_verifiers() {
    let v = |n: &str| s(&repo_path(&format!("tests/vectors/transcript_{n}.jsonl")));
    for (name, line, kind) in [
        ("crl-carried-without-previous", 3, "script"),
        ("crl-carried-count", 4, "script"),
        ("crl-carried-dropped", 4, "script"),
        ("crl-number-not-greater", 4, "script"),
        ("crl-number-not-minimal", 4, "malformed"),
        ("crl-serial-negative", 4, "malformed"),
        ("crl-digest-mismatch", 3, "malformed"),
    ] {
        let said = both(&[v(name)], 1, Some((line, kind)));
        assert!(said.starts_with("error: "), "{name}: {said}");
    }
}
