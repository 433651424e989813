//! A YubiKey share read back: `rootkey generate` puts holder 1 on the emulated YubiKey of
//! `tests/token_support` (behind the real pcscd and vpcd) and holders 2–5 on text, then
//! `rootkey combine --token-share 1` reads share 1 through the card — the PIN typed at a
//! hidden prompt in a pseudo-terminal — with two text shares. The PIN faults at both ends:
//! a wrong PIN at generation (nothing but an aborted transcript is left), a wrong PIN at
//! reading (tries shown, never retried), the final try (the holder must type `TRY`), a
//! blocked PIN, and another YubiKey plugged in. Without the payload file, the copy in the
//! card's object 5F0001 is read.
//!
//! One test: the emulated card is one vpcd reader shared by every test binary, and each card
//! session is slow (about 50 ms per APDU). pcscd must be running (`.ci/run` starts it).

mod common;
mod token_support;

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use token_support::{CardOptions, PIN, PivCard, SERIAL};

const WRONG_PIN: &str = "999999";
/// The serial of a second YubiKey, not the holder's.
const OTHER_SERIAL: u32 = 42424242;
const TRY_PROMPT: &str = "Type TRY to enter the PIN, anything else to stop: ";
const PIN_PROMPT: &str = "(hidden): ";

fn pin() -> &'static str {
    std::str::from_utf8(PIN).unwrap()
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

struct Screen {
    code: i32,
    text: String,
}

impl Screen {
    /// The screen's lines joined by spaces (instructions are wrapped at 80 columns).
    fn flat(&self) -> String {
        self.text
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn has(&self, needles: &[&str]) {
        let flat = common::pty::squashed(&self.flat());
        for n in needles {
            assert!(
                flat.contains(&common::pty::squashed(n)),
                "{n:?} is not on the screen:\n{}",
                self.text
            );
        }
    }

    fn pin_prompts(&self) -> usize {
        self.text.matches(PIN_PROMPT).count()
    }

    /// The lines before `end` (the summary or the error) are at most 80 columns.
    fn fits_80_columns_before(&self, end: &str) {
        let before = self.text.split(end).next().unwrap();
        assert_ne!(
            before.len(),
            self.text.len(),
            "{end:?} is not on the screen"
        );
        for line in before.lines() {
            let line = line.trim_end_matches('\r');
            assert!(
                line.chars().count() <= 80,
                "{} columns: {line:?}",
                line.chars().count()
            );
        }
    }
}

/// Runs `rootkey ARGS` in a pty, answering each prompt of `answers` in turn (PINs once the
/// echo is off): [`common::pty::run_answering`].
fn in_pty(args: &[String], answers: &[(&str, &str)]) -> Screen {
    let r = common::pty::run_answering(args, answers);
    Screen {
        code: r.code,
        text: r.text,
    }
}

/// The rehearsal plan with holder 1 on the emulated YubiKey (slot 82), 2–5 on text.
fn plan(dir: &Path) -> PathBuf {
    let mut text = rootkey::plan::REHEARSAL_PLAN.replace("medium = \"paper\"", "medium = \"text\"");
    let first = text.find("medium = \"text\"").unwrap();
    text.replace_range(
        first..first + "medium = \"text\"".len(),
        &format!("medium = \"yubikey\"\n\n[holders.token]\nserial = \"{SERIAL}\"\nslot = \"82\""),
    );
    let p = dir.join("yubikey.toml");
    fs::write(&p, text).unwrap();
    p
}

fn generate(plan: &Path, out: &Path, ca: &Path, typed: &str) -> Screen {
    let args = [
        "generate",
        "--plan",
        &s(plan),
        "--out",
        &s(out),
        "--piv-attestation-root",
        &s(ca),
    ]
    .map(String::from);
    in_pty(&args, &[(PIN_PROMPT, typed)])
}

/// The text share file of holder `index` in `out`.
fn text_share(out: &Path, index: usize) -> PathBuf {
    fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with(&format!("share-{index:02}-")) && n.ends_with(".txt")
        })
        .expect("the text share")
}

/// `rootkey combine --token-share 1` with the text shares 2 and 3 of the generation in `gen`.
fn combine(gen_dir: &Path, check: &Path, answers: &[(&str, &str)]) -> Screen {
    let args = vec![
        "combine".into(),
        "--out".into(),
        s(check),
        "--manifest".into(),
        s(&gen_dir.join("manifest.json")),
        "--root".into(),
        s(&gen_dir.join("root.pem")),
        "--token-share".into(),
        "1".into(),
        s(&text_share(gen_dir, 2)),
        s(&text_share(gen_dir, 3)),
    ];
    in_pty(&args, answers)
}

/// The PIN tries left in the emulator's state file.
fn pin_left(card: &PivCard) -> u64 {
    let st: serde_json::Value = serde_json::from_slice(&fs::read(&card.state).unwrap()).unwrap();
    st["pin_left"].as_u64().unwrap()
}

#[test]
fn a_yubikey_share_is_read_back_through_the_card_and_its_pin_faults_stop_cleanly() {
    let t = TempDir::new().unwrap();
    let card_dir = t.path().join("card");
    fs::create_dir(&card_dir).unwrap();
    let card = PivCard::start(&card_dir, &CardOptions::default());
    let plan = plan(t.path());
    let token = format!("token \"YubiKey 5\" (serial {SERIAL})");
    let pin_prompt = format!("PIN of {token} (hidden): ");

    // Generation, a wrong PIN: nothing is enrolled or written; the transcript says aborted.
    let bad = t.path().join("bad");
    let g = generate(&plan, &bad, &card.ca, WRONG_PIN);
    assert_eq!(g.code, 1, "{}", g.text);
    g.has(&[
        &format!("{token}: 3 PIN tries left."),
        &format!("error: {token}: wrong PIN, 2 PIN tries left"),
        "next step: the holder types the PIN again (rootkey does not retry by itself)",
    ]);
    assert_eq!(g.pin_prompts(), 1, "{}", g.text);
    assert!(
        !g.text.contains(WRONG_PIN),
        "the PIN was echoed:\n{}",
        g.text
    );
    let left: Vec<_> = fs::read_dir(&bad)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(left, ["transcript.jsonl"]);
    let es = common::transcript_entries(&bad.join("transcript.jsonl"));
    let actions = common::actions(&es);
    assert_eq!(actions.last(), Some(&"aborted"), "{actions:?}");
    assert!(!actions.contains(&"token-written"), "{actions:?}");
    assert_eq!(pin_left(&card), 2);

    // Generation with the right PIN (the holder checked it).
    let gen_dir = t.path().join("gen");
    let g = generate(&plan, &gen_dir, &card.ca, pin());
    assert_eq!(g.code, 0, "{}", g.text);
    g.has(&[&format!("{token}: 2 PIN tries left.")]);
    assert_eq!(pin_left(&card), 3);
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(gen_dir.join("manifest.json")).unwrap()).unwrap();
    let payload_file = m["shares"][0]["token"]["payload_file"]
        .as_str()
        .unwrap()
        .to_string();
    let payload = gen_dir.join(&payload_file);
    assert!(payload.exists());

    // The quorum check: share 1 through the card, shares 2 and 3 from their files.
    let check = t.path().join("check");
    let c = combine(&gen_dir, &check, &[(PIN_PROMPT, pin())]);
    assert_eq!(c.code, 0, "{}", c.text);
    c.has(&[
        &format!(
            "Holder 1 (Alice Rehearsal): insert your YubiKey serial {SERIAL}. You will type its user PIN; rootkey reads share 1 through it."
        ),
        &format!("{token}: 3 PIN tries left."),
        &pin_prompt,
        &format!(
            "Holder 1 (Alice Rehearsal): share 1 was read through {token}. You may remove the token."
        ),
    ]);
    assert_eq!(c.pin_prompts(), 1, "{}", c.text);
    assert!(!c.text.contains(pin()), "the PIN was echoed:\n{}", c.text);
    assert!(!c.text.contains(TRY_PROMPT), "{}", c.text);
    c.fits_80_columns_before("*** REHEARSAL");
    common::transcript_verifies_with_both_under(&check, &gen_dir.join("root.pem"));
    let es = common::transcript_entries(&check.join("transcript.jsonl"));
    let presented: Vec<_> = es
        .iter()
        .filter(|e| e["action"] == "share-presented")
        .collect();
    assert_eq!(presented.len(), 3);
    let p1 = presented
        .iter()
        .find(|p| p["details"]["index"] == 1)
        .expect("share 1 presented");
    assert_eq!(p1["details"]["file"], payload_file.as_str());
    assert_eq!(
        p1["details"]["envelope_sha256"],
        m["shares"][0]["envelope_sha256"]
    );
    let rebuilt = es.iter().find(|e| e["action"] == "key-rebuilt").unwrap();
    assert_eq!(rebuilt["details"]["quorum"], serde_json::json!([1, 2, 3]));

    // A wrong PIN: the card is named with its tries; rootkey does not ask again.
    let c = combine(&gen_dir, &t.path().join("c1"), &[(PIN_PROMPT, WRONG_PIN)]);
    assert_eq!(c.code, 1, "{}", c.text);
    c.has(&[
        &format!(
            "error: share 1 (holder \"Alice Rehearsal\"): {token}: wrong PIN, 2 PIN tries left"
        ),
        "next step: the holder types the PIN again (rootkey does not retry by itself)",
    ]);
    assert_eq!(c.pin_prompts(), 1, "{}", c.text);
    assert!(
        !c.text.contains(WRONG_PIN),
        "the PIN was echoed:\n{}",
        c.text
    );
    assert_eq!(pin_left(&card), 2);

    // A second wrong PIN: one try left, and the holder is told what another one does.
    let c = combine(&gen_dir, &t.path().join("c2"), &[(PIN_PROMPT, WRONG_PIN)]);
    assert_eq!(c.code, 1, "{}", c.text);
    c.has(&[
        &format!("{token}: 2 PIN tries left."),
        &format!("error: share 1 (holder \"Alice Rehearsal\"): {token}: wrong PIN, 1 PIN try left"),
        "next step: one more wrong PIN blocks it",
    ]);
    assert_eq!(pin_left(&card), 1);

    // The final try: anything but TRY stops before the PIN prompt, and spends no try.
    let c = combine(&gen_dir, &t.path().join("c3"), &[(TRY_PROMPT, "yes")]);
    assert_eq!(c.code, 1, "{}", c.text);
    c.has(&[
        &format!("{token}: 1 PIN try left."),
        "One PIN try is left: a wrong PIN blocks the token.",
        TRY_PROMPT,
        &format!("error: share 1 (holder \"Alice Rehearsal\"): {token}: one PIN try left; the holder did not confirm a try"),
        "next step: when the holder is sure of the PIN, run again and type TRY; or first set a new PIN with the PUK (`ykman piv access unblock-pin`)",
    ]);
    assert_eq!(c.pin_prompts(), 0, "{}", c.text);
    c.fits_80_columns_before("error: ");
    assert_eq!(pin_left(&card), 1);

    // TRY and the right PIN, with the payload file gone: the copy in object 5F0001 is read,
    // and the card's counter is reset.
    fs::rename(&payload, t.path().join("payload-away")).unwrap();
    let check = t.path().join("c4");
    let c = combine(
        &gen_dir,
        &check,
        &[(TRY_PROMPT, "TRY"), (PIN_PROMPT, pin())],
    );
    assert_eq!(c.code, 0, "{}", c.text);
    c.has(&[
        &format!("{token}: 1 PIN try left."),
        &format!("share 1 was read through {token}."),
    ]);
    assert_eq!(c.pin_prompts(), 1, "{}", c.text);
    assert!(!c.text.contains(pin()), "the PIN was echoed:\n{}", c.text);
    c.fits_80_columns_before("*** REHEARSAL");
    assert!(!payload.exists(), "the payload file stayed away");
    assert_eq!(pin_left(&card), 3);
    common::transcript_verifies_with_both_under(&check, &gen_dir.join("root.pem"));

    // A blocked PIN (the holder's card, later): stopped before any PIN prompt, PUK named.
    let card = card.restart(&CardOptions {
        block_pin: true,
        ..CardOptions::default()
    });
    let c = combine(&gen_dir, &t.path().join("c5"), &[(PIN_PROMPT, pin())]);
    assert_eq!(c.code, 1, "{}", c.text);
    c.has(&[
        &format!("error: share 1 (holder \"Alice Rehearsal\"): {token}: PIN blocked (0 tries left)"),
        "next step: the holder unblocks it with the PUK (`ykman piv access unblock-pin`), then run the ceremony again; rootkey never uses the PUK",
    ]);
    assert_eq!(c.pin_prompts(), 0, "{}", c.text);
    let es = common::transcript_entries(&t.path().join("c5").join("transcript.jsonl"));
    let actions = common::actions(&es);
    assert_eq!(actions.last(), Some(&"aborted"), "{actions:?}");
    assert!(!actions.contains(&"key-rebuilt"), "{actions:?}");
    drop(card);

    // Another YubiKey plugged in: the serial wanted and the one present are named.
    let other_dir = t.path().join("other-card");
    fs::create_dir(&other_dir).unwrap();
    let other = PivCard::start(
        &other_dir,
        &CardOptions {
            serial: Some(OTHER_SERIAL),
            ..CardOptions::default()
        },
    );
    let c = combine(&gen_dir, &t.path().join("c6"), &[(PIN_PROMPT, pin())]);
    assert_eq!(c.code, 1, "{}", c.text);
    c.has(&[
        &format!(
            "share 1 (holder \"Alice Rehearsal\"): YubiKey serial {SERIAL} is not plugged in (present: serial {OTHER_SERIAL})"
        ),
        &format!("next step: plug in YubiKey serial {SERIAL} and run again"),
    ]);
    assert_eq!(c.pin_prompts(), 0, "{}", c.text);
    drop(other);
}
