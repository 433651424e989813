//! Token shares read back: a generation puts holders 1 and 2 on two SoftHSM2 tokens and
//! holders 3–5 on paper; then `rootkey combine`, `rootkey intermediate sign`, `rootkey crl
//! sign` and `rootkey share verify` read shares 1 and 2 through their tokens (`--token-share`,
//! the PIN typed at a hidden prompt in a pseudo-terminal) and share 3 from a photo of its paper
//! shard (`pdftoppm`), and the quorum of 2 token shares + 1 paper shard rebuilds the root key.
//! The faults of reading: a wrong PIN, a changed payload file, a payload file that is gone
//! (the token's copy is read), the wrong token in the module, a token whose key a later
//! ceremony replaced, and `--token-share` naming a paper share.
//!
//! Each test runs as a child of itself with `SOFTHSM2_CONF` pointing at fresh tokens
//! (`tests/softhsm_support`).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread::sleep;
use std::time::Duration;

use expectrl::{Eof, Expect, Session};
use tempfile::TempDir;

use common::pty::{Screen, assert_fits_80_columns, flat, run_in_pty};

mod softhsm_support;

use softhsm_support::{PIN, softhsm_module};

const LABELS: [&str; 2] = ["alice-token", "bob-token"];

/// The rehearsal plan with holders 1 and 2 on the two SoftHSM2 tokens, 3–5 on paper.
fn plan(dir: &Path) -> PathBuf {
    let module = softhsm_module();
    let mut text = rootkey::plan::REHEARSAL_PLAN.to_string();
    for label in LABELS {
        // The first holder still on text (holders 1 and 2 are; 3–5 are on paper).
        let nth = text.find("medium = \"text\"").unwrap();
        text.replace_range(
            nth..nth + "medium = \"text\"".len(),
            &format!(
                "medium = \"pkcs11\"\n\n[holders.token]\nmodule = \"{}\"\nlabel = \"{label}\"",
                module.display()
            ),
        );
    }
    let p = dir.join("tokens.toml");
    fs::write(&p, text).unwrap();
    p
}

/// `rootkey ARGS` in a pty, typing `pins` at the hidden prompts.
fn in_pty(args: &[String], pins: &[&str]) -> Screen {
    run_in_pty(args, &[], pins)
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// A generation with the plan of [`plan`] into `dir/gen`; returns the output directory.
fn generate(dir: &Path) -> PathBuf {
    let out = dir.join("gen");
    let args = ["generate", "--plan", &s(&plan(dir)), "--out", &s(&out)].map(String::from);
    let g = in_pty(&args, &[PIN, PIN]);
    assert_eq!(g.code, 0, "{}", g.text);
    out
}

/// Page 1 of the paper shard of holder `index` rendered at 150 dpi (a scan of the paper).
fn scan_shard(out: &Path, index: usize, dir: &Path) -> PathBuf {
    let pdf = fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with(&format!("share-{index:02}-")) && n.ends_with(".pdf")
        })
        .expect("the paper shard PDF");
    let prefix = dir.join(format!("scan-{index}"));
    let o = Command::new("pdftoppm")
        .args(["-r", "150", "-png", "-singlefile"])
        .arg(&pdf)
        .arg(&prefix)
        .output()
        .expect("pdftoppm (poppler-utils)");
    assert!(o.status.success(), "{o:?}");
    prefix.with_extension("png")
}

/// `--manifest M --root R` of the generation in `out`.
fn context(out: &Path) -> Vec<String> {
    vec![
        "--manifest".into(),
        s(&out.join("manifest.json")),
        "--root".into(),
        s(&out.join("root.pem")),
    ]
}

/// `--token-share 1 --token-share 2 --pkcs11-module SOFTHSM2`.
fn token_args(indices: &[u8]) -> Vec<String> {
    let mut a = Vec::new();
    for i in indices {
        a.extend(["--token-share".to_string(), i.to_string()]);
    }
    a.extend(["--pkcs11-module".into(), s(&softhsm_module())]);
    a
}

/// One token share and `--type` for the rest: fewer shares than the threshold without the
/// keyboard are refused before anything starts, so a fault of the token share is reached only
/// with `--type`.
fn one_token_and_type(index: u8) -> Vec<String> {
    let mut a = token_args(&[index]);
    a.push("--type".into());
    a
}

fn combine(out: &Path, check: &Path, extra: &[String], pins: &[&str]) -> Screen {
    let mut a: Vec<String> = vec!["combine".into(), "--out".into(), s(check)];
    a.extend(context(out));
    a.extend(extra.iter().cloned());
    in_pty(&a, pins)
}

#[test]
fn two_token_shares_and_one_paper_shard_rebuild_the_key_and_sign() {
    softhsm_support::in_softhsm(
        "two_token_shares_and_one_paper_shard_rebuild_the_key_and_sign",
        &LABELS,
        || {
            let t = TempDir::new().unwrap();
            let out = generate(t.path());
            let scan = scan_shard(&out, 3, t.path());
            let mut shares = token_args(&[1, 2]);
            shares.extend(["--qr-image".into(), s(&scan)]);

            // The quorum check.
            let check = t.path().join("check");
            let c = combine(&out, &check, &shares, &[PIN, PIN]);
            assert_eq!(c.code, 0, "{}", c.text);
            assert!(!c.text.contains(PIN), "the PIN was echoed:\n{}", c.text);
            let flat = flat(&c.text);
            for (i, label) in [(1, "alice-token"), (2, "bob-token")] {
                assert!(
                    flat.contains(&format!("insert your PKCS#11 token \"{label}\" (serial ")),
                    "holder {i} is told which token to insert:\n{}",
                    c.text
                );
                assert!(
                    flat.contains(&format!(
                        "share {i} was read through token \"{label}\" (serial "
                    )),
                    "holder {i} is told the share was read:\n{}",
                    c.text
                );
            }
            let before_summary = c.text.split("*** REHEARSAL").next().unwrap();
            assert_fits_80_columns(before_summary);
            common::transcript_verifies_with_both_under(&check, &out.join("root.pem"));
            let es = common::transcript_entries(&check.join("transcript.jsonl"));
            let presented: Vec<_> = es
                .iter()
                .filter(|e| e["action"] == "share-presented")
                .collect();
            assert_eq!(presented.len(), 3);
            let m: serde_json::Value =
                serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
            // Files and photos first, then the tokens.
            assert_eq!(presented[0]["details"]["file"], "scan-3.png");
            for (p, i) in presented[1..].iter().zip([1usize, 2]) {
                let entry = &m["shares"][i - 1];
                assert_eq!(p["details"]["index"], i);
                assert_eq!(p["details"]["file"], entry["token"]["payload_file"]);
                assert_eq!(p["details"]["envelope_sha256"], entry["envelope_sha256"]);
            }
            let rebuilt = es.iter().find(|e| e["action"] == "key-rebuilt").unwrap();
            assert_eq!(rebuilt["details"]["quorum"], serde_json::json!([1, 2, 3]));

            // The rotation: the same quorum signs an intermediate.
            let csr = common::openssl_csr(t.path(), "int", "p256", common::CSR_SUBJECT);
            let rot = t.path().join("rotation");
            let mut a = vec![
                "intermediate".into(),
                "sign".into(),
                "--csr".into(),
                s(&csr),
                "--csr-sha256".into(),
                common::csr_der_sha256(&csr),
                "--profile".into(),
                s(&common::repo_path("templates/intermediate.toml")),
                "--out".into(),
                s(&rot),
                "--confirm".into(),
                "Ann Officer".into(),
                "--confirm".into(),
                "Bob Officer".into(),
            ];
            a.extend(context(&out));
            a.extend(shares.iter().cloned());
            let r = in_pty(&a, &[PIN, PIN]);
            assert_eq!(r.code, 0, "{}", r.text);
            assert!(r.text.contains("INTERMEDIATE SIGNED"), "{}", r.text);
            let v = Command::new("openssl")
                .arg("verify")
                .arg("-CAfile")
                .arg(out.join("root.pem"))
                .arg(rot.join("intermediate.pem"))
                .output()
                .unwrap();
            assert!(v.status.success(), "openssl verify: {v:?}");
            common::transcript_verifies_with_both(&rot);

            // A CRL: the same quorum again.
            let crl = t.path().join("crl");
            let mut a = vec![
                "crl".into(),
                "sign".into(),
                "--first-crl".into(),
                "--out".into(),
                s(&crl),
                "--confirm".into(),
                "Ann Officer".into(),
                "--confirm".into(),
                "Bob Officer".into(),
            ];
            a.extend(context(&out));
            a.extend(shares.iter().cloned());
            let r = in_pty(&a, &[PIN, PIN]);
            assert_eq!(r.code, 0, "{}", r.text);
            common::transcript_verifies_with_both(&crl);

            // One share alone.
            let mut a = vec!["share".into(), "verify".into()];
            a.extend(context(&out));
            a.extend(token_args(&[2]));
            let v = in_pty(&a, &[PIN]);
            assert_eq!(v.code, 0, "{}", v.text);
            assert!(v.text.contains("share 2"), "{}", v.text);
        },
    );
}

#[test]
fn reading_faults_name_the_share_and_the_token_and_the_next_step() {
    softhsm_support::in_softhsm(
        "reading_faults_name_the_share_and_the_token_and_the_next_step",
        &LABELS,
        || {
            let t = TempDir::new().unwrap();
            let out = generate(t.path());
            let m: serde_json::Value =
                serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
            let payload1 = out.join(m["shares"][0]["token"]["payload_file"].as_str().unwrap());
            let scan = scan_shard(&out, 3, t.path());

            // A wrong PIN: the token is named, nothing is retried, exit 1.
            let c = combine(
                &out,
                &t.path().join("c1"),
                &one_token_and_type(1),
                &["999999"],
            );
            assert_eq!(c.code, 1, "{}", c.text);
            assert!(
                common::pty::shows(&c.text, "token \"alice-token\" (serial ")
                    && common::pty::shows(&c.text, "wrong PIN"),
                "{}",
                c.text
            );

            // `--token-share` naming a paper share is refused before anything starts.
            let c = combine(&out, &t.path().join("c2"), &token_args(&[3]), &[]);
            assert_eq!(c.code, 1, "{}", c.text);
            assert!(
                common::pty::shows(&c.text, "--token-share 3: share 3 (holder \"")
                    && common::pty::shows(&c.text, "is on paper, not on a token")
                    && common::pty::shows(
                        &c.text,
                        "present it with --share FILE, --qr-image PHOTO or --type"
                    ),
                "{}",
                c.text
            );
            assert!(!t.path().join("c2").exists(), "nothing started");

            // A PKCS#11 share without a module.
            let c = combine(
                &out,
                &t.path().join("c3"),
                &["--token-share".into(), "1".into()],
                &[],
            );
            assert_eq!(c.code, 1, "{}", c.text);
            assert!(
                common::pty::shows(&c.text, "no --pkcs11-module is given"),
                "{}",
                c.text
            );

            // A changed payload file is refused before the PIN is asked for (exit 3).
            let good = fs::read(&payload1).unwrap();
            let mut bad = good.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            fs::write(&payload1, &bad).unwrap();
            let c = combine(&out, &t.path().join("c4"), &one_token_and_type(1), &[]);
            assert_eq!(c.code, 3, "{}", c.text);
            assert!(
                common::pty::shows(&c.text, "share 1 (holder \"")
                    && common::pty::shows(&c.text, "is not the payload the manifest lists")
                    && common::pty::shows(&c.text, "to read the copy on the token"),
                "{}",
                c.text
            );
            assert!(!c.text.contains("(hidden)"), "no PIN was asked for");

            // Without the payload file, the token's own copy is read.
            fs::remove_file(&payload1).unwrap();
            let mut a = token_args(&[1, 2]);
            a.extend(["--qr-image".into(), s(&scan)]);
            let c = combine(&out, &t.path().join("c5"), &a, &[PIN, PIN]);
            assert_eq!(c.code, 0, "{}", c.text);
            fs::write(&payload1, &good).unwrap();

            // The wrong token: bob's payload needs bob's token, and alice's is the only one
            // a second module path could reach — here the token is simply not there.
            let c = Command::new("softhsm2-util")
                .args(["--delete-token", "--token", "bob-token"])
                .output()
                .unwrap();
            assert!(c.status.success(), "{c:?}");
            let c = combine(&out, &t.path().join("c6"), &one_token_and_type(2), &[]);
            assert_eq!(c.code, 1, "{}", c.text);
            assert!(
                common::pty::shows(&c.text, "share 2 (holder \"")
                    && common::pty::shows(&c.text, "no token with serial ")
                    && common::pty::shows(&c.text, "(label \"bob-token\")")
                    && common::pty::shows(&c.text, "insert the holder's token"),
                "{}",
                c.text
            );

            // A later ceremony replaced alice's key: her payload no longer opens.
            let later = t.path().join("later");
            fs::create_dir(&later).unwrap();
            let args = [
                "generate",
                "--plan",
                &s(&plan(&later)),
                "--out",
                &s(&later.join("gen")),
            ]
            .map(String::from);
            let mut cmd = Command::new("sh");
            cmd.arg("-c")
                .arg("stty echo && exec \"$0\" \"$@\"")
                .arg(env!("CARGO_BIN_EXE_rootkey"))
                .args(&args);
            let mut session = Session::spawn(cmd).unwrap();
            session.set_expect_timeout(Some(Duration::from_secs(60)));
            session.expect("(hidden): ").unwrap();
            while session.get_process().get_echo().unwrap() {
                sleep(Duration::from_millis(5));
            }
            session.send_line(PIN).unwrap();
            session.expect("Type REPLACE to replace it").unwrap();
            session.send_line("REPLACE").unwrap();
            // Holder 2's token is gone: the later ceremony stops there, alice's key replaced.
            session.expect(Eof).unwrap();
            // The later ceremony's payload file put in place of alice's is named as such,
            // before any PIN.
            let later_payload = fs::read_dir(later.join("gen"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.extension().is_some_and(|x| x == "token"))
                .expect("the later ceremony wrote holder 1's payload file before it stopped");
            fs::copy(&later_payload, &payload1).unwrap();
            let c = combine(&out, &t.path().join("c8"), &one_token_and_type(1), &[]);
            assert_eq!(c.code, 3, "{}", c.text);
            assert!(
                common::pty::shows(&c.text, "holds share 1 of another ceremony (")
                    && !c.text.contains("(hidden)"),
                "{}",
                c.text
            );
            fs::write(&payload1, &good).unwrap();
            let c = combine(&out, &t.path().join("c7"), &one_token_and_type(1), &[PIN]);
            assert_eq!(c.code, 3, "{}", c.text);
            assert!(
                common::pty::shows(&c.text, "share 1 (holder \"")
                    && common::pty::shows(
                        &c.text,
                        "is not the key this payload (share 1) was sealed to"
                    ),
                "{}",
                c.text
            );
        },
    );
}
