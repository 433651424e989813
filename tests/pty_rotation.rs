//! Rotation and revocation confirmed at the keyboard, through a pseudo-terminal: without
//! `--csr-sha256` `rootkey intermediate sign` asks for the CSR hash delivered out of band, and
//! without `--confirm` two people each type their name and the confirmation code shown in the
//! summary (a wrong code is asked for again, at most 3 times; the same person cannot confirm
//! twice: another name is asked for, at most 3 times). `rootkey crl sign` confirms the same way. The pty echoes like an ordinary terminal
//! (`stty echo`); shares come from files, so only the visible prompts are exercised.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;
use tempfile::TempDir;

use common::pty::Pty;
use common::{Ceremony, actions, rootkey, s};

const SUBJECT: &str = common::CSR_SUBJECT;

const HASH_PROMPT: &str = "Type the CSR's SHA-256 as delivered out of band (64 hex digits): ";

struct Fixture {
    _dir: TempDir,
    c: Ceremony,
    /// A P-256 CSR made by openssl, and the SHA-256 of its DER.
    csr: PathBuf,
    csr_sha256: String,
}

/// One rehearsal ceremony with five text shares and one CSR, shared by the tests.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let d = TempDir::new().unwrap();
        let c = Ceremony::rehearse(&d.path().join("root"));
        let work = d.path().join("csr");
        fs::create_dir_all(&work).unwrap();
        let csr = common::openssl_csr(&work, "p256", "p256", SUBJECT);
        let csr_sha256 = common::csr_der_sha256(&csr);
        Fixture {
            _dir: d,
            c,
            csr,
            csr_sha256,
        }
    })
}

/// `rootkey ARGS… --root R --manifest M --share 1 --share 2 --share 3` against the fixture, in
/// a pty.
fn spawn(args: &[String]) -> Pty {
    let f = fixture();
    let mut all = args.to_vec();
    all.extend([
        "--root".into(),
        s(&f.c.root),
        "--manifest".into(),
        s(&f.c.manifest),
    ]);
    for i in 1..=3 {
        all.extend(["--share".into(), s(f.c.share(i))]);
    }
    Pty::spawn_here(&all)
}

/// The arguments of `intermediate sign` for the fixture's CSR, without `--csr-sha256` and
/// `--confirm` (the hash and the confirmations are typed).
fn sign_args(out: &Path) -> Vec<String> {
    let f = fixture();
    vec![
        "intermediate".into(),
        "sign".into(),
        "--csr".into(),
        s(&f.csr),
        "--profile".into(),
        s(&common::repo_path("templates/intermediate.toml")),
        "--out".into(),
        s(out),
    ]
}

/// The fixture's CSR hash as shown on screen: groups of four hex digits separated by spaces,
/// in upper case.
fn hash_in_groups() -> String {
    let h = fixture().csr_sha256.to_uppercase();
    (0..16)
        .map(|i| &h[i * 4..i * 4 + 4])
        .collect::<Vec<_>>()
        .join(" ")
}

/// A code that is not `code` (first digit changed).
fn wrong_code(code: &str) -> String {
    let first = if code.starts_with('0') { '1' } else { '0' };
    format!("{first}{}", &code[1..])
}

fn transcript(out: &Path) -> Vec<Value> {
    fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .collect()
}

/// Runs a shell command in the current directory; returns (success, stdout + stderr).
fn sh(script: &str) -> (bool, String) {
    common::sh(script, Path::new("."))
}

/// Asserts the transcript's last entry is `aborted` and that no share was asked for.
fn aborted_before_shares(out: &Path) {
    let es = transcript(out);
    let a = actions(&es);
    assert_eq!(a.last(), Some(&"aborted"), "{a:?}");
    assert!(!a.contains(&"share-presented"), "{a:?}");
    assert!(!a.contains(&"confirmed"), "{a:?}");
    assert!(!out.join("intermediate.pem").exists());
    assert!(!out.join("intermediate-chain.pem").exists());
}

#[test]
fn typed_hash_and_two_typed_confirmations_sign_the_intermediate() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("rotation");
    let root = s(&fixture().c.root);
    let mut p = spawn(&sign_args(&out));
    // The hash with spaces between the groups, as it is read out.
    p.answer(HASH_PROMPT, &hash_in_groups());
    p.expect("The CSR's SHA-256 matches the hash delivered out of band:");
    p.expect("confirmer 1 of 2, your name: ");
    let code = p.code();
    p.send_line("Ann Officer");
    let prompt = format!("Ann Officer, type the code {code}: ");
    p.answer(&prompt, &wrong_code(&code));
    p.expect("that is not the code shown (try 1 of 3)");
    p.answer(&prompt, &code.to_lowercase());
    p.answer("confirmer 2 of 2, your name: ", "Bob Witness");
    p.answer(&format!("Bob Witness, type the code {code}: "), &code);
    let common::pty::Screen {
        code: exit,
        text: screen,
    } = p.finish();
    assert_eq!(exit, 0, "{screen}");
    for want in [
        "Two people must confirm.",
        "INTERMEDIATE CA CERTIFICATE TO BE SIGNED",
        "INTERMEDIATE SIGNED",
        "confirmed by \"Ann Officer\" and \"Bob Witness\"",
    ] {
        assert!(screen.contains(want), "screen lacks {want:?}:\n{screen}");
    }
    assert!(!screen.contains("try 2 of 3"), "{screen}");
    assert!(!screen.contains("error:"), "{screen}");

    let inter = s(&out.join("intermediate.pem"));
    let (ok, v) = sh(&format!("openssl verify -CAfile {root} {inter}"));
    assert!(ok && v.trim().ends_with(": OK"), "openssl verify: {v}");

    let es = transcript(&out);
    let a = actions(&es);
    let checked = &es[a.iter().position(|x| *x == "csr-checked").unwrap()];
    assert_eq!(checked["details"]["hash_source"], "typed");
    assert_eq!(checked["details"]["csr_sha256"], fixture().csr_sha256);
    // The code shown is the one of the prepared certificate.
    let prepared = &es[a.iter().position(|x| *x == "certificate-prepared").unwrap()];
    let tbs = prepared["details"]["tbs_sha256"].as_str().unwrap();
    assert_eq!(
        code,
        format!("{}-{}", &tbs[..4], &tbs[4..8]).to_uppercase(),
        "{tbs}"
    );
    let confirmed: Vec<usize> = (0..a.len()).filter(|&i| a[i] == "confirmed").collect();
    assert_eq!(confirmed.len(), 2, "{a:?}");
    let first_share = a.iter().position(|x| *x == "share-presented").unwrap();
    assert!(confirmed.iter().all(|&i| i < first_share), "{a:?}");
    for (i, name) in confirmed.iter().zip(["Ann Officer", "Bob Witness"]) {
        let e = &es[*i];
        assert_eq!(e["details"]["method"], "typed-code", "{e}");
        assert_eq!(e["details"]["name"], name, "{e}");
        assert_eq!(e["actors"][0], name, "{e}");
        assert_eq!(e["details"]["tbs_sha256"], tbs, "{e}");
    }
    rootkey([
        "transcript",
        "verify",
        &s(&out.join("transcript.jsonl")),
        "--root",
        &root,
        "--artifacts",
        &s(&out),
    ])
    .ok();
}

#[test]
fn a_wrong_typed_hash_stops_before_the_ceremony() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("rotation");
    let h = fixture().csr_sha256.clone();
    let wrong = format!("{}{}", if h.starts_with('0') { '1' } else { '0' }, &h[1..]);
    let mut p = spawn(&sign_args(&out));
    // One retype is allowed; a second difference stops.
    p.answer(HASH_PROMPT, &wrong);
    p.expect("the typed hash differs from the CSR's in group 1 of 16");
    p.answer(HASH_PROMPT, &wrong);
    let common::pty::Screen {
        code: exit,
        text: screen,
    } = p.finish();
    // Errors are wrapped to 80 columns on a terminal.
    let screen = common::pty::squashed(&screen);
    assert_eq!(exit, common::VERIFICATION, "{screen}");
    assert!(
        screen.contains("does not match the hash delivered out of band"),
        "{screen}"
    );
    assert!(screen.contains("(group 1 of 16 differs)"), "{screen}");
    assert!(
        !screen.contains(&hash_in_groups().to_lowercase()[..9]),
        "the CSR's own hash is never shown before it matched:\n{screen}"
    );
    assert!(!screen.contains("confirmer 1 of 2"), "{screen}");
    assert!(!out.exists(), "{} was created", out.display());
}

#[test]
fn the_same_person_cannot_confirm_twice() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("rotation");
    let mut p = spawn(&sign_args(&out));
    p.answer(HASH_PROMPT, &fixture().csr_sha256);
    p.expect("confirmer 1 of 2, your name: ");
    let code = p.code();
    p.send_line("Ann");
    p.answer(&format!("Ann, type the code {code}: "), &code);
    // Asked again twice, then refused.
    for (n, again) in [(2, " ann "), (3, "ANN")] {
        p.answer("confirmer 2 of 2, your name: ", again);
        p.expect(&format!(
            "  try {n} of 3: another person types their own name as confirmer 2"
        ));
    }
    p.answer("confirmer 2 of 2, your name: ", "Ann");
    let common::pty::Screen {
        code: exit,
        text: screen,
    } = p.finish();
    // Errors are wrapped to 80 columns on a terminal.
    let screen = common::pty::squashed(&screen);
    assert_eq!(exit, common::INPUT, "{screen}");
    assert!(
        screen.contains("two distinct people (try 3 of 3; nothing was signed)"),
        "{screen}"
    );
    assert!(!screen.contains("ann, type the code"), "{screen}");
    aborted_before_shares(&out);
}

#[test]
fn three_wrong_codes_sign_nothing() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("rotation");
    let mut p = spawn(&sign_args(&out));
    p.answer(HASH_PROMPT, &fixture().csr_sha256);
    p.expect("confirmer 1 of 2, your name: ");
    let code = p.code();
    let wrong = wrong_code(&code);
    p.send_line("Ann Officer");
    let prompt = format!("Ann Officer, type the code {code}: ");
    for n in 1..=3 {
        p.answer(&prompt, &wrong);
        p.expect(&format!("that is not the code shown (try {n} of 3)"));
    }
    let common::pty::Screen {
        code: exit,
        text: screen,
    } = p.finish();
    assert_eq!(exit, common::INPUT, "{screen}");
    assert!(
        screen.contains("Ann Officer did not type the confirmation code"),
        "{screen}"
    );
    assert!(!screen.contains("confirmer 2 of 2"), "{screen}");
    assert!(!screen.contains("INTERMEDIATE SIGNED"), "{screen}");
    aborted_before_shares(&out);
}

#[test]
fn a_first_crl_is_confirmed_at_the_keyboard() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("crl");
    let root = s(&fixture().c.root);
    let mut p = spawn(&[
        "crl".into(),
        "sign".into(),
        "--first-crl".into(),
        "--out".into(),
        s(&out),
    ]);
    p.expect("CERTIFICATE REVOCATION LIST TO BE SIGNED");
    p.expect("confirmer 1 of 2, your name: ");
    let code = p.code();
    p.send_line("Ann Officer");
    p.answer(&format!("Ann Officer, type the code {code}: "), &code);
    p.answer("confirmer 2 of 2, your name: ", "Bob Witness");
    p.answer(&format!("Bob Witness, type the code {code}: "), &code);
    let common::pty::Screen {
        code: exit,
        text: screen,
    } = p.finish();
    assert_eq!(exit, 0, "{screen}");
    assert!(
        screen.contains("confirmed by \"Ann Officer\" and \"Bob Witness\""),
        "{screen}"
    );
    let (ok, v) = sh(&format!(
        "openssl crl -in {} -noout -verify -CAfile {root}",
        s(&out.join("root.crl.pem"))
    ));
    assert!(ok && v.contains("verify OK"), "openssl crl -verify: {v}");
    let es = transcript(&out);
    let confirmed: Vec<&Value> = es.iter().filter(|e| e["action"] == "confirmed").collect();
    assert_eq!(confirmed.len(), 2);
    assert!(
        confirmed
            .iter()
            .all(|e| e["details"]["method"] == "typed-code")
    );
}
