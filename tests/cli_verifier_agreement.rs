//! `rootkey transcript verify` and the independent verifier written from docs/formats.md
//! (`tests/vectors/independent_transcript_check.py`, stdlib Python) must agree: on every
//! transcript vector, and on cases made here through the real binary (a forged CRL count
//! beside a genuine root.crl, a missing witness, a usage error), both give the same exit
//! code, and for an invalid transcript the same place (transcript or attestations file), line
//! and kind (issue 10, item 2).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use common::{Ceremony, repo_path, rootkey, s};

/// The kinds of docs/formats.md, "Replay" (rootkey spells them with spaces, Python with `-`).
const KINDS: &[&str] = &[
    "modified",
    "deleted",
    "reordered",
    "inserted",
    "truncated",
    "malformed",
    "script",
    "bad seal",
    "root mismatch",
    "bad signature",
    "unknown witness",
    "missing witness",
    "artifact",
    "plan",
];

/// What a verifier said: exit code, and for an invalid transcript where (`"transcript"` or
/// `"attestations"`), the line named (None when no line is named) and the kind.
#[derive(Debug, PartialEq, Eq, Clone)]
struct Said {
    code: i32,
    finding: Option<(String, Option<u64>, String)>,
}

fn vectors() -> PathBuf {
    repo_path("tests/vectors")
}

/// rootkey's finding, read from its `error:` line.
fn rootkey_said(args: &[String]) -> (Said, String) {
    let mut a = vec!["transcript".to_string(), "verify".to_string()];
    a.extend(args.iter().cloned());
    let r = rootkey(&a);
    let err = r
        .stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_default()
        .to_string();
    let finding = (r.code == 1).then(|| {
        let (pos, kind) = KINDS
            .iter()
            .filter_map(|k| err.find(&format!(": {k}: ")).map(|p| (p, *k)))
            .min()
            .unwrap_or_else(|| panic!("no kind in {err:?}"));
        let before = &err[..pos];
        let line = ["(line ", "lines "]
            .iter()
            .filter_map(|m| before.rfind(m).map(|p| p + m.len()))
            .max()
            .map(|p| {
                before[p..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
                    .parse()
                    .expect("line number")
            });
        let place = if before.contains("attestation") {
            "attestations"
        } else {
            "transcript"
        };
        (place.to_string(), line, kind.to_string())
    });
    (
        Said {
            code: r.code,
            finding,
        },
        err,
    )
}

/// The independent verifier's finding, read from its one line.
fn python_said(args: &[String]) -> (Said, String) {
    let out = Command::new("python3")
        .arg(vectors().join("independent_transcript_check.py"))
        .args(args)
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let code = out.status.code().unwrap_or(-1);
    let finding = (code == 1).then(|| {
        // INVALID seq=S line=L KIND: WHAT
        let rest = text.strip_prefix("INVALID ").expect("INVALID line");
        let mut words = rest.splitn(3, ' ');
        let _seq = words.next();
        let line = words
            .next()
            .and_then(|w| w.strip_prefix("line="))
            .and_then(|l| l.parse().ok());
        let tail = words.next().unwrap_or_default();
        let (kind, what) = tail.split_once(": ").expect("kind: what");
        let place = if what.starts_with("transcript.attestations") {
            "attestations"
        } else {
            "transcript"
        };
        (place.to_string(), line, kind.replace('-', " "))
    });
    (Said { code, finding }, text)
}

/// Both verifiers on the same arguments: they must say the same; returns what they said.
fn both(args: &[String]) -> Said {
    let (r, rtext) = rootkey_said(args);
    let (p, ptext) = python_said(args);
    assert_eq!(
        r, p,
        "the verifiers disagree on {args:?}\n  rootkey: {rtext}\n  python:  {ptext}"
    );
    r
}

/// An Ed25519 public key (64 hex) as the SubjectPublicKeyInfo PEM `--witnesses` reads.
fn public_key_pem(dir: &Path, name: &str, hex_key: &str) -> PathBuf {
    let mut der = hex::decode("302a300506032b6570032100").unwrap();
    der.extend(hex::decode(hex_key).unwrap());
    // Standard base64 with padding (44 bytes: 60 characters, one line).
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b64: String = der
        .chunks(3)
        .flat_map(|c| {
            let n = c
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
            (0..4).map(move |i| {
                if i <= c.len() {
                    B64[(n >> (18 - 6 * i) & 63) as usize] as char
                } else {
                    '='
                }
            })
        })
        .collect();
    let p = dir.join(format!("{name}.pub.pem"));
    fs::write(
        &p,
        format!("-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n"),
    )
    .unwrap();
    p
}

/// The arguments a vector's expectation names (as `cargo test --test vectors` replays it:
/// a witness list also requires every witness).
fn vector_args(stem: &str, exp: &Value, tmp: &Path) -> Vec<String> {
    let v = vectors();
    let mut a = vec![s(&v.join(format!("{stem}.jsonl")))];
    if let Some(r) = exp["root"].as_str() {
        a.extend(["--root".into(), s(&v.join(r))]);
    }
    if let Some(p) = exp["plan"].as_str() {
        a.extend(["--plan".into(), s(&v.join(p))]);
    }
    if let Some(m) = exp["artifacts"].as_object() {
        let d = tmp.join(format!("{stem}-artifacts"));
        fs::create_dir_all(&d).unwrap();
        for (name, from) in m {
            fs::copy(v.join(from.as_str().unwrap()), d.join(name)).unwrap();
        }
        a.extend(["--artifacts".into(), s(&d)]);
    }
    if let Some(keys) = exp["witnesses"].as_array() {
        a.push("--witnesses".into());
        for (i, k) in keys.iter().enumerate() {
            a.push(s(&public_key_pem(
                tmp,
                &format!("{stem}-{i}"),
                k.as_str().unwrap(),
            )));
        }
        a.push("--all-witnesses".into());
    }
    a
}

#[test]
fn both_verifiers_agree_on_every_transcript_vector() {
    let tmp = TempDir::new().unwrap();
    let mut stems: Vec<String> = fs::read_dir(vectors())
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            n.strip_prefix("transcript_")
                .and_then(|x| x.strip_suffix(".expect.json"))
                .map(|x| format!("transcript_{x}"))
        })
        .collect();
    stems.sort();
    assert!(stems.len() >= 60, "{} transcript vectors", stems.len());
    for stem in &stems {
        let exp: Value = serde_json::from_slice(
            &fs::read(vectors().join(format!("{stem}.expect.json"))).unwrap(),
        )
        .unwrap();
        let said = both(&vector_args(stem, &exp, tmp.path()));
        // ... and both say what the vector says.
        let want_code = match exp["outcome"].as_str().unwrap() {
            "sealed" => 0,
            "unsealed" => 3,
            _ => 1,
        };
        assert_eq!(said.code, want_code, "{stem}: exit code");
        if want_code == 1 {
            let place = exp["location"].as_str().unwrap_or("transcript");
            let want = (
                place.to_string(),
                exp["line"].as_u64(),
                exp["failure"].as_str().unwrap().replace('-', " "),
            );
            assert_eq!(said.finding, Some(want), "{stem}: place, line and kind");
        }
    }
}

#[test]
fn a_missing_witness_and_a_usage_error_are_the_same_in_both() {
    let tmp = TempDir::new().unwrap();
    let v = vectors();
    let exp: Value =
        serde_json::from_slice(&fs::read(v.join("transcript_attested.expect.json")).unwrap())
            .unwrap();
    let keys: Vec<&str> = exp["witnesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    let mut args = vec![
        s(&v.join("transcript_attested.jsonl")),
        "--root".into(),
        s(&v.join("cert_valid.pem")),
        "--witnesses".into(),
    ];
    for (i, k) in keys.iter().enumerate() {
        args.push(s(&public_key_pem(tmp.path(), &format!("w{i}"), k)));
    }
    // Both listed witnesses attested: sealed, with or without --all-witnesses.
    assert_eq!(both(&args).code, 0);
    let mut all = args.clone();
    all.push("--all-witnesses".into());
    assert_eq!(both(&all).code, 0);
    // A third listed key that never attested (the vector root's key): missing witness,
    // naming no line.
    let root_key: Value = serde_json::from_slice(
        &fs::read(v.join("transcript_valid-generation.expect.json")).unwrap(),
    )
    .unwrap();
    let third = public_key_pem(
        tmp.path(),
        "erin",
        root_key["seal_public_key"].as_str().unwrap(),
    );
    let mut all = args.clone();
    all.extend([s(&third), "--all-witnesses".into()]);
    let said = both(&all);
    assert_eq!(said.code, 1, "{all:?}");
    assert_eq!(
        said.finding,
        Some(("attestations".into(), None, "missing witness".into()))
    );
    let (_, text) = rootkey_said(&all);
    assert!(
        text.contains(&format!("missing witness: {} (key ", third.display()))
            && text.ends_with("did not attest this transcript (--all-witnesses)"),
        "{text}"
    );
    // --all-witnesses without a list is a usage error in both.
    let usage = [
        s(&v.join("transcript_attested.jsonl")),
        "--all-witnesses".into(),
    ];
    assert_eq!(both(&usage).code, 2);
}

#[test]
fn a_crl_count_that_is_not_the_issued_crls_is_an_artifact_mismatch_in_both() {
    let tmp = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&tmp.path().join("root"));
    let out = tmp.path().join("crl");
    common::crl_sign(
        &c,
        &out,
        &[1, 2, 3],
        &[
            "--first-crl",
            "--revoke",
            "0a0b:keyCompromise",
            "--revoke",
            "0c0d",
            "--revoke",
            "1234:superseded",
        ],
    )
    .ok();
    let t = out.join("transcript.jsonl");
    let args = |t: &Path| {
        vec![
            s(t),
            "--root".to_string(),
            s(&c.root),
            "--artifacts".to_string(),
            s(&out),
        ]
    };
    assert_eq!(both(&args(&t)).code, 0, "the genuine CRL ceremony");

    // The seal removed (a forger cannot re-seal), then crl-prepared rewritten to record two
    // revocations — a list consistent with its own count and digest — beside the genuine
    // root.crl, which revokes three.
    let entries: Vec<Value> = fs::read_to_string(&t)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let unsealed = &entries[..entries.len() - 1];
    let at = unsealed
        .iter()
        .position(|e| e["action"] == "crl-prepared")
        .unwrap();
    let forged_dir = TempDir::new().unwrap();
    let honest = forged_dir.path().join("honest.jsonl");
    fs::write(&honest, common::rechain(unsealed)).unwrap();
    assert_eq!(
        both(&args(&honest)).code,
        3,
        "unsealed but true: the check does not refuse a genuine list"
    );
    let mut forged = unsealed.to_vec();
    let d = &mut forged[at]["details"];
    let list = json!(d["revoked"].as_array().unwrap()[..2].to_vec());
    d["revoked_count"] = json!(2);
    d["revoked_sha256"] = json!(hex::encode(Sha256::digest(
        rootkey::jcs::canonicalize(&list).unwrap()
    )));
    d["revoked"] = list;
    let t2 = forged_dir.path().join("forged.jsonl");
    fs::write(&t2, common::rechain(&forged)).unwrap();
    let said = both(&args(&t2));
    assert_eq!(
        said.finding,
        Some(("transcript".into(), Some(at as u64 + 1), "artifact".into()))
    );
    let (_, text) = rootkey_said(&args(&t2));
    assert!(
        text.contains(&format!(
            "entry seq {at} (line {}): artifact: {} revokes 3 certificate(s) (list SHA-256 ",
            at + 1,
            out.join("root.crl").display()
        )) && text.contains("but the transcript records 2 with SHA-256 ")
            && text.ends_with("the entry does not describe the CRL that was issued"),
        "{text}"
    );
    // Without --artifacts nothing ties the entry to the CRL: both find it valid (unsealed).
    assert_eq!(both(&[s(&t2), "--root".into(), s(&c.root)]).code, 3);
}
