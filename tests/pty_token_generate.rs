//! `rootkey generate` with holders 1 and 2 on two SoftHSM2 tokens and holders 3–5 on text,
//! driven through a pseudo-terminal: each token holder is told what to insert, types the PIN
//! at a hidden prompt, and the share is sealed to a key generated on their token, written as a
//! `CKO_DATA` object and a payload file, and read back before the next holder.
//!
//! SoftHSM2 reads `SOFTHSM2_CONF` when it is loaded, so each test runs again as a child of
//! itself with `SOFTHSM2_CONF` pointing at fresh tokens (as `tests/token_pkcs11.rs` does); the
//! child spawns rootkey, which inherits it.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread::sleep;
use std::time::Duration;

use expectrl::process::unix::WaitStatus;
use expectrl::{Eof, Expect, Session};
use tempfile::TempDir;

use common::pty::{Screen, run_in_pty};

use rootkey::cert::RootCert;
use rootkey::manifest::Manifest;
use rootkey::secret::SecretBytes;
use rootkey::token::Token;
use rootkey::token::pkcs11::{Module, Selector};

mod softhsm_support;

use softhsm_support::{PIN, softhsm_module};

/// Runs `body` in a child whose SoftHSM2 holds fresh tokens `alice-token` and `bob-token`.
fn in_softhsm(test: &str, body: impl FnOnce()) {
    softhsm_support::in_softhsm(test, &["alice-token", "bob-token"], body);
}

/// The rehearsal plan with holders 1 and 2 on the two SoftHSM2 tokens, 3–5 on text.
fn plan(dir: &Path) -> PathBuf {
    let module = softhsm_module();
    let mut text = rootkey::plan::REHEARSAL_PLAN.replace("medium = \"paper\"", "medium = \"text\"");
    for label in ["alice-token", "bob-token"] {
        // The first holder still on text.
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

/// `rootkey generate --plan PLAN --out OUT` in a pseudo-terminal (echo on, as a terminal
/// starts), waiting up to a minute for each expected text.
fn spawn_generate(plan: &Path, out: &Path) -> expectrl::session::OsSession {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("stty echo && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_rootkey"))
        .args(["generate", "--plan"])
        .arg(plan)
        .arg("--out")
        .arg(out);
    let mut session = Session::spawn(cmd).unwrap();
    session.set_expect_timeout(Some(Duration::from_secs(60)));
    session
}

/// Runs `rootkey generate` in a pty; at each token holder's hidden PIN prompt types the next
/// of `pins` (once the terminal stopped echoing), and answers `lines` at visible prompts.
fn generate(plan: &Path, out: &Path, pins: &[&str], lines: &[(&str, &str)]) -> Screen {
    let args = [
        "generate",
        "--plan",
        &plan.display().to_string(),
        "--out",
        &out.display().to_string(),
    ]
    .map(String::from);
    run_in_pty(&args, lines, pins)
}

fn python(code: &str) -> std::process::Output {
    Command::new("python3")
        .arg("-c")
        .arg(code)
        .current_dir(common::repo_path("tests/vectors"))
        .output()
        .expect("python3")
}

#[test]
fn two_holders_on_softhsm_tokens_type_their_pins_and_get_proven_payloads() {
    in_softhsm(
        "two_holders_on_softhsm_tokens_type_their_pins_and_get_proven_payloads",
        || {
            let t = TempDir::new().unwrap();
            let plan = plan(t.path());
            let out = t.path().join("out");
            let s = generate(&plan, &out, &[PIN, PIN], &[]);
            assert_eq!(s.code, 0, "{}", s.text);
            // The pre-flight screen checks what it can before any holder comes.
            assert!(
                s.text
                    .contains("  tokens       OK      2 share(s) on PKCS#11: module(s) there\r\n"),
                "{}",
                s.text
            );
            assert!(!s.text.contains(PIN), "the PIN was echoed:\n{}", s.text);
            for (i, label) in [(1, "alice-token"), (2, "bob-token")] {
                assert!(
                    s.text
                        .contains(&format!("insert your PKCS#11 token \"{label}\"")),
                    "holder {i} is told what to insert:\n{}",
                    s.text
                );
                assert!(
                    s.text
                        .contains(&format!("PIN of token \"{label}\" (serial ")),
                    "holder {i} is asked for the PIN of their token:\n{}",
                    s.text
                );
            }
            // The token holders' instructions and prompts fit an 80-column terminal.
            let before_summary = s.text.split("Generated root key").next().unwrap();
            for line in before_summary.lines() {
                let line = line.trim_end_matches('\r');
                assert!(
                    line.chars().count() <= 80,
                    "{} columns: {line:?}",
                    line.chars().count()
                );
            }
            // The manifest verifies (rootkey and the independent verifier) and lists both.
            let root =
                RootCert::from_pem(&fs::read(out.join("root.pem")).unwrap(), "root.pem").unwrap();
            let m = Manifest::load(&out.join("manifest.json")).unwrap();
            m.verify(&root, "manifest.json").unwrap();
            let py = python(&format!(
                "import independent_check as ic\nm = ic.parse_manifest(open({:?}, 'rb').read())\nic.verify_manifest(m, ic.load_cert(open({:?}, 'rb').read()))\nprint('ok')",
                out.join("manifest.json"),
                out.join("root.pem")
            ));
            assert!(py.status.success(), "{py:?}");
            common::transcript_verifies_with_both(&out);
            let actions: Vec<String> = common::transcript_entries(&out.join("transcript.jsonl"))
                .iter()
                .map(|e| e["action"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(
                actions[5..10],
                [
                    "token-written",
                    "share-written",
                    "token-written",
                    "share-written",
                    "share-written"
                ]
            );
            // Each payload: its file (0644), its object on the token, and the token opens it
            // to the envelope the manifest lists.
            let module = Module::load(&softhsm_module()).unwrap();
            for (i, label) in [(0usize, "alice-token"), (1, "bob-token")] {
                let e = &m.shares[i];
                let tok = e.token.as_ref().expect("token entry");
                assert_eq!(tok.location, "token+file");
                let path = out.join(&tok.payload_file);
                let bytes = fs::read(&path).unwrap();
                assert_eq!(
                    fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                    0o644
                );
                assert_eq!(
                    hex::encode(rootkey::secret::sha256_parts(&[&bytes])),
                    tok.payload_sha256
                );
                let mut token = module.open(&Selector::Label(label.into())).unwrap();
                token
                    .login(&SecretBytes::copy_from(PIN.as_bytes()).unwrap())
                    .unwrap();
                let object = hex::decode(tok.object_id.as_ref().unwrap()).unwrap();
                assert_eq!(token.read_object(&object).unwrap(), Some(bytes.clone()));
                let env = rootkey::token::payload::open(&bytes, &mut token).unwrap();
                assert_eq!(hex::encode(env.digest()), e.envelope_sha256);
            }
        },
    );
}

#[test]
fn a_wrong_pin_names_the_token_and_aborts_with_nothing_written_for_that_holder() {
    in_softhsm(
        "a_wrong_pin_names_the_token_and_aborts_with_nothing_written_for_that_holder",
        || {
            let t = TempDir::new().unwrap();
            let plan = plan(t.path());
            let out = t.path().join("out");
            let s = generate(&plan, &out, &["999999"], &[]);
            assert_eq!(s.code, 1, "{}", s.text);
            assert!(
                s.text.contains("token \"alice-token\" (serial "),
                "the error names the token:\n{}",
                s.text
            );
            assert!(
                s.text.contains(
                    "Holder 1 (Alice Rehearsal): insert your PKCS#11 token \"alice-token\""
                ),
                "{}",
                s.text
            );
            assert!(
                common::pty::shows(
                    &s.text,
                    "): wrong PIN; a wrong PIN was entered since the last successful login (CKF_USER_PIN_COUNT_LOW); the token does not say how many tries are left\r\n  next step: check which token this is and type its user PIN again; rootkey never retries a PIN by itself"
                ),
                "the error says what the token says about its tries, and the next step:\n{}",
                s.text
            );
            let names: Vec<String> = fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(names, ["transcript.jsonl"], "nothing but the transcript");
            let es = common::transcript_entries(&out.join("transcript.jsonl"));
            assert_eq!(es.last().unwrap()["action"], "aborted");
            assert!(!es.iter().any(|e| e["action"] == "token-written"));
        },
    );
}

#[test]
fn an_existing_key_is_not_replaced_without_consent() {
    in_softhsm("an_existing_key_is_not_replaced_without_consent", || {
        let t = TempDir::new().unwrap();
        let plan = plan(t.path());
        // A first ceremony leaves its keys on both tokens.
        let first = generate(&plan, &t.path().join("first"), &[PIN, PIN], &[]);
        assert_eq!(first.code, 0, "{}", first.text);
        let out = t.path().join("second");
        let s = generate_after_pin(&plan, &out);
        assert_eq!(s.code, 1, "{}", s.text);
        assert!(
            common::pty::shows(
                &s.text,
                "already holds a key with CKA_ID \"rootkey-share-01\""
            ),
            "{}",
            s.text
        );
        let es = common::transcript_entries(&out.join("transcript.jsonl"));
        assert_eq!(es.last().unwrap()["action"], "aborted");
        assert!(!es.iter().any(|e| e["action"] == "token-written"));
    });
}

/// A generation where holder 1 types the PIN, then presses Enter at the consent prompt.
fn generate_after_pin(plan: &Path, out: &Path) -> Screen {
    let mut session = spawn_generate(plan, out);
    let mut text = Vec::new();
    let got = session.expect("(hidden): ").unwrap();
    text.extend_from_slice(got.as_bytes());
    while session.get_process().get_echo().unwrap() {
        sleep(Duration::from_millis(5));
    }
    session.send_line(PIN).unwrap();
    let got = session.expect("Type REPLACE to replace it").unwrap();
    text.extend_from_slice(got.as_bytes());
    session.send_line("").unwrap();
    let rest = session.expect(Eof).unwrap();
    text.extend_from_slice(rest.as_bytes());
    let code = match session.get_process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("rootkey did not exit normally: {other:?}"),
    };
    Screen {
        code,
        text: String::from_utf8_lossy(&text).into_owned(),
    }
}
