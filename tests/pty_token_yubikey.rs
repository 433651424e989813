//! `rootkey generate` with holder 1 on a YubiKey — the emulated card of `tests/token_support`
//! behind the real pcscd and vpcd — and holders 2–5 on text, driven through a pseudo-terminal:
//! the holder types the PIN at a hidden prompt, the slot key is generated on the card, its
//! attestation is checked against the emulator's CA (`--piv-attestation-root`) and recorded,
//! and the payload is written to PIV object 5F0001 and the payload file and read back.
//! pcscd must be running (`.ci/run` starts it).

mod common;
mod token_support;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use expectrl::process::unix::WaitStatus;
use expectrl::{Eof, Expect, Session};
use tempfile::TempDir;

use rootkey::cert::RootCert;
use rootkey::manifest::Manifest;
use rootkey::secret::SecretBytes;
use rootkey::token::Token;
use rootkey::token::piv::{ManagementKey, PivOptions, PivToken};
use token_support::{CardOptions, PIN, PivCard, SERIAL};

#[test]
fn a_holder_on_the_emulated_yubikey_gets_an_attested_proven_payload() {
    let t = TempDir::new().unwrap();
    let card = PivCard::start(t.path(), &CardOptions::default());
    let mut text = rootkey::plan::REHEARSAL_PLAN.replace("medium = \"paper\"", "medium = \"text\"");
    let first = text.find("medium = \"text\"").unwrap();
    text.replace_range(
        first..first + "medium = \"text\"".len(),
        &format!("medium = \"yubikey\"\n\n[holders.token]\nserial = \"{SERIAL}\"\nslot = \"82\""),
    );
    let plan = t.path().join("yubikey.toml");
    fs::write(&plan, text).unwrap();
    let out = t.path().join("out");

    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("stty echo && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_rootkey"))
        .args(["generate", "--plan"])
        .arg(&plan)
        .arg("--out")
        .arg(&out)
        .arg("--piv-attestation-root")
        .arg(&card.ca);
    let mut session = Session::spawn(cmd).unwrap();
    session.set_expect_timeout(Some(Duration::from_secs(60)));
    let before = session.expect("(hidden): ").unwrap();
    let mut screen = String::from_utf8_lossy(before.as_bytes()).into_owned();
    let deadline = Instant::now() + Duration::from_secs(20);
    while session.get_process().get_echo().unwrap() {
        assert!(Instant::now() < deadline, "the PIN prompt echoes");
        sleep(Duration::from_millis(5));
    }
    session
        .send_line(std::str::from_utf8(PIN).unwrap())
        .unwrap();
    let rest = session.expect(Eof).unwrap();
    screen.push_str(&String::from_utf8_lossy(rest.as_bytes()));
    let code = match session.get_process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("rootkey did not exit normally: {other:?}"),
    };
    assert_eq!(code, 0, "{screen}");
    // The pre-flight asks pcscd for its readers (no card is touched).
    assert!(
        screen.contains("  tokens       OK      1 share(s) on YubiKeys: pcscd up, "),
        "{screen}"
    );
    assert!(
        screen.contains(&format!(
            "Holder 1 (Alice Rehearsal): insert your YubiKey serial {SERIAL}."
        )),
        "{screen}"
    );
    assert!(
        screen.contains(&format!(
            "token \"YubiKey 5\" (serial {SERIAL}): 3 PIN tries left."
        )),
        "{screen}"
    );
    assert!(
        screen.contains(&format!(
            "PIN of token \"YubiKey 5\" (serial {SERIAL}) (hidden): "
        )),
        "{screen}"
    );
    assert!(!screen.contains("123456"), "the PIN was echoed: {screen}");

    let root = RootCert::from_pem(&fs::read(out.join("root.pem")).unwrap(), "root.pem").unwrap();
    let m = Manifest::load(&out.join("manifest.json")).unwrap();
    m.verify(&root, "manifest.json").unwrap();
    let e = &m.shares[0];
    let tok = e.token.as_ref().unwrap();
    assert_eq!(
        (
            tok.serial.as_str(),
            tok.key_ref.as_str(),
            tok.location.as_str()
        ),
        (SERIAL.to_string().as_str(), "82", "token+file")
    );
    assert_eq!(tok.object_id.as_deref(), Some("5f0001"));
    assert!(tok.attestation_sha256.is_some());
    let es = common::transcript_entries(&out.join("transcript.jsonl"));
    let tw = es.iter().find(|e| e["action"] == "token-written").unwrap();
    assert_eq!(
        tw["details"]["attestation"]["root_subject"],
        "CN=rootkey test PIV attestation CA"
    );
    assert_eq!(tw["details"]["attestation"]["pin_policy"], 3);
    assert_eq!(
        tw["details"]["attestation"]["certificate_sha256"],
        tok.attestation_sha256.clone().unwrap().as_str()
    );
    common::transcript_verifies_with_both(&out);

    // The payload file is the object on the card, and the card opens it to the listed envelope.
    let bytes = fs::read(out.join(&tok.payload_file)).unwrap();
    let mut yk = PivToken::open(PivOptions {
        serial: Some(SERIAL),
        management_key: ManagementKey::FactoryDefault,
        rehearsal: true,
    })
    .unwrap();
    yk.login(&SecretBytes::copy_from(PIN).unwrap()).unwrap();
    assert_eq!(
        yk.read_object(&[0x5f, 0x00, 0x01]).unwrap(),
        Some(bytes.clone())
    );
    let env = rootkey::token::payload::open(&bytes, &mut yk).unwrap();
    assert_eq!(hex::encode(env.digest()), e.envelope_sha256);
    drop(yk);
    drop(card);
    assert!(Path::new(&out).join("share-02-bob-rehearsal.txt").exists());
}
