//! Slips at the prompts, through a pseudo-terminal that echoes like an ordinary one (issue 13,
//! item 9): a slip is shown with what was wrong and asked for again instead of ending the
//! ceremony — too few dice rolls or a `7`, the first confirmer's name typed again, a CSR hash
//! that is not 64 hex digits or that differs once — and the transcript records exactly what
//! it records for a run without the slip, plus a `slip` entry for each (its kind, step and
//! try; never the value typed). Ctrl-C at a
//! hidden prompt and Ctrl-D at a visible one end the run with a message that says where, and
//! a next step that names the output directory holding the aborted transcript.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::thread::sleep;
use std::time::{Duration, Instant};

use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession;
use expectrl::{Eof, Expect, Session};
use serde_json::Value;
use tempfile::TempDir;

use common::{Ceremony, actions, s};

const DICE: &str = "dice rolls (hidden): ";
const HASH: &str = "Type the CSR's SHA-256 as delivered out of band (64 hex digits): ";

/// A rehearsal ceremony with five text shares and a CSR, shared by the signing tests.
struct Fixture {
    _dir: TempDir,
    c: Ceremony,
    csr: PathBuf,
    csr_sha256: String,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let d = TempDir::new().unwrap();
        let c = Ceremony::rehearse(&d.path().join("root"));
        let work = d.path().join("csr");
        fs::create_dir_all(&work).unwrap();
        let csr = common::openssl_csr(&work, "p256", "p256", common::CSR_SUBJECT);
        let csr_sha256 = common::csr_der_sha256(&csr);
        Fixture {
            _dir: d,
            c,
            csr,
            csr_sha256,
        }
    })
}

/// A `rootkey` run in a pty that echoes, with everything it has shown so far.
struct Pty {
    s: OsSession,
    screen: Vec<u8>,
}

impl Pty {
    fn spawn(args: &[String]) -> Pty {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("stty echo && exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_rootkey"))
            .args(args);
        let mut s = Session::spawn(cmd).unwrap();
        s.set_expect_timeout(Some(Duration::from_secs(30)));
        Pty {
            s,
            screen: Vec::new(),
        }
    }

    fn expect(&mut self, text: &str) {
        match self.s.expect(text) {
            Ok(c) => self.screen.extend_from_slice(c.as_bytes()),
            Err(e) => panic!(
                "waiting for {text:?}: {e}\n--- screen so far ---\n{}",
                self.screen()
            ),
        }
    }

    /// Waits for the visible `prompt`, then types `line` and Enter.
    fn answer(&mut self, prompt: &str, line: &str) {
        self.expect(prompt);
        self.s.send_line(line).unwrap();
    }

    /// Waits for the hidden `prompt` and for echo to be off, then sends `bytes`.
    fn hidden(&mut self, prompt: &str, bytes: &[u8]) {
        self.expect(prompt);
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.s.get_process().get_echo().unwrap() {
            assert!(Instant::now() < deadline, "echo still on at {prompt:?}");
            sleep(Duration::from_millis(5));
        }
        self.s.send(bytes).unwrap();
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.screen).into_owned()
    }

    fn finish(mut self) -> (i32, String) {
        match self.s.expect(Eof) {
            Ok(c) => self.screen.extend_from_slice(c.as_bytes()),
            Err(e) => panic!("waiting for the end: {e}\n{}", self.screen()),
        }
        let code = match self.s.get_process().wait().unwrap() {
            WaitStatus::Exited(_, code) => code,
            other => panic!("rootkey did not exit normally: {other:?}"),
        };
        (code, self.screen())
    }
}

fn entries(out: &Path) -> Vec<Value> {
    fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn generate(out: &Path) -> Pty {
    Pty::spawn(&[
        "generate".into(),
        "--dice".into(),
        "--plan".into(),
        s(&common::text_rehearsal_plan()),
        "--out".into(),
        s(out),
    ])
}

/// The next step of a run stopped at a prompt after its transcript was created.
fn keep_and_rerun(out: &Path) -> String {
    format!(
        "next step: {} holds the aborted transcript of this run: keep it, and run again with a new --out directory",
        out.display()
    )
}

/// The screen's lines joined by spaces (messages are wrapped at 80 columns).
fn flat(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn dice_slips_are_asked_again_and_the_transcript_records_the_rolls_used() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("gen");
    let mut p = generate(&out);
    p.hidden(DICE, format!("{}\n", "12345 ".repeat(10)).as_bytes());
    p.expect("dice rolls: got 50 rolls, at least 99 are needed (49 more)");
    p.expect("  try 1 of 3: roll 49 more, then type all the rolls again from the first");
    // A 7 after 12 valid rolls (character 15, counting the spaces).
    p.hidden(
        DICE,
        format!("123456 123456 7{}\n", "1".repeat(100)).as_bytes(),
    );
    p.expect("dice rolls, character 15: not a d6 roll");
    p.expect("12 valid roll(s) were read before it");
    p.expect("  try 2 of 3: type all the rolls again from the first");
    p.hidden(DICE, format!("{}\n", "654321".repeat(20)).as_bytes());
    let (code, screen) = p.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains("error:"), "{screen}");
    // The transcript records each slip (its kind, step and try; never the rolls), then the
    // rolls used.
    let es = entries(&out);
    let a = actions(&es);
    assert_eq!(a[..4], ["header", "slip", "slip", "entropy"], "{a:?}");
    for (e, kind, attempt) in [(&es[1], "dice-too-few", 1), (&es[2], "dice-not-a-roll", 2)] {
        assert_eq!(
            e["details"],
            serde_json::json!({
                "attempt": attempt,
                "kind": kind,
                "step": "step 2/15 type-dice (Roll the dice and type the rolls)",
            })
        );
        assert_eq!(e["actors"], serde_json::json!(["rootkey"]));
    }
    assert_eq!(es[3]["details"]["dice_rolls"], 120);
    assert!(!a.contains(&"aborted"), "{a:?}");
    common::transcript_verifies_with_both(&out);
}

#[test]
fn ctrl_c_at_the_dice_prompt_says_what_happened_and_what_to_do() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("gen");
    let mut p = generate(&out);
    // Ctrl-C raises SIGINT at a hidden prompt (Enter typed with it changes nothing): the
    // ceremony stops at its step (tests/cli_interrupt.rs has the signal's own cases).
    p.hidden(DICE, b"123\x03\n");
    let (code, screen) = p.finish();
    assert_eq!(code, common::INPUT, "{screen}");
    assert!(
        common::pty::shows(
            &screen,
            "error: step 2/15 type-dice (Roll the dice and type the rolls): cannot read dice rolls: interrupted by SIGINT (Ctrl-C)"
        ),
        "{screen}"
    );
    assert!(
        common::pty::shows(
            &screen,
            "keep its directory as evidence and run the ceremony again in a new, empty output directory"
        ),
        "{screen}"
    );
    let a = entries(&out);
    assert_eq!(actions(&a), ["header", "aborted"]);
    assert!(!out.join("manifest.json").exists());
}

/// `crl sign --first-crl` of the fixture into `out`, with `extra` arguments.
fn crl_sign(out: &Path, extra: &[&str]) -> Pty {
    let f = fixture();
    let mut a: Vec<String> = vec![
        "crl".into(),
        "sign".into(),
        "--first-crl".into(),
        "--root".into(),
        s(&f.c.root),
        "--manifest".into(),
        s(&f.c.manifest),
        "--out".into(),
        s(out),
    ];
    a.extend(extra.iter().map(|x| x.to_string()));
    Pty::spawn(&a)
}

fn three_shares() -> Vec<String> {
    let f = fixture();
    (1..=3)
        .flat_map(|i| ["--share".to_string(), s(f.c.share(i))])
        .collect()
}

/// The confirmation code at the end of the summary on `screen`.
fn code_on(screen: &str) -> String {
    let at = screen
        .rfind("Confirmation code: ")
        .expect("a code on screen");
    screen[at + "Confirmation code: ".len()..][..9].to_string()
}

#[test]
fn the_first_confirmers_name_again_asks_for_another_person() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("crl");
    let shares = three_shares();
    let mut p = crl_sign(&out, &shares.iter().map(String::as_str).collect::<Vec<_>>());
    p.expect("confirmer 1 of 2, your name: ");
    let code = code_on(&p.screen());
    p.s.send_line("Ann Officer").unwrap();
    p.answer(&format!("Ann Officer, type the code {code}: "), &code);
    p.answer("confirmer 2 of 2, your name: ", "ann officer");
    p.expect("\"ann officer\" already confirmed: the two-person rule needs two distinct people");
    p.expect("  try 2 of 3: another person types their own name as confirmer 2");
    p.answer("confirmer 2 of 2, your name: ", "Bob Witness");
    p.answer(&format!("Bob Witness, type the code {code}: "), &code);
    let (exit, screen) = p.finish();
    assert_eq!(exit, 0, "{screen}");
    assert!(
        common::pty::shows(&screen, "confirmed by \"Ann Officer\" and \"Bob Witness\""),
        "{screen}"
    );
    // Exactly the two confirmations, recorded once both confirmed: the slip before them.
    let es = entries(&out);
    let a = actions(&es);
    let slip = a.iter().position(|x| *x == "slip").expect("a slip entry");
    assert_eq!(
        a[slip..slip + 3],
        ["slip", "confirmed", "confirmed"],
        "{a:?}"
    );
    assert_eq!(es[slip]["details"]["kind"], "same-confirmer");
    assert_eq!(es[slip]["details"]["attempt"], 1);
    let names: Vec<&str> = es
        .iter()
        .filter(|e| e["action"] == "confirmed")
        .map(|e| e["details"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ann Officer", "Bob Witness"]);
    common::transcript_verifies_with_both_under(&out, &fixture().c.root);
}

#[test]
fn ctrl_d_at_the_confirmation_prompt_says_nothing_was_signed_and_what_to_do() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("crl");
    let shares = three_shares();
    let mut p = crl_sign(&out, &shares.iter().map(String::as_str).collect::<Vec<_>>());
    p.expect("confirmer 1 of 2, your name: ");
    p.s.send([4u8]).unwrap();
    let (exit, screen) = p.finish();
    assert_eq!(exit, common::INPUT, "{screen}");
    assert!(
        common::pty::shows(
            &screen,
            "error: input ended (Ctrl-D): cancelled at the confirmation prompt (confirmer 1 of 2): nothing was signed"
        ),
        "{screen}"
    );
    assert!(
        common::pty::shows(&screen, &keep_and_rerun(&out)),
        "{screen}"
    );
    let es = entries(&out);
    let a = actions(&es);
    assert_eq!(a.last(), Some(&"aborted"), "{a:?}");
    assert!(
        !a.contains(&"confirmed") && !a.contains(&"share-presented"),
        "{a:?}"
    );
}

#[test]
fn ctrl_c_at_a_share_row_says_where_and_what_to_do() {
    let f = fixture();
    let t = TempDir::new().unwrap();
    let out = t.path().join("check");
    let mut p = Pty::spawn(&[
        "combine".into(),
        "--out".into(),
        s(&out),
        "--manifest".into(),
        s(&f.c.manifest),
        "--root".into(),
        s(&f.c.root),
        "--type".into(),
    ]);
    p.hidden("row  1/13: ", b"\x03\n");
    let (exit, screen) = p.finish();
    assert_eq!(exit, common::INPUT, "{screen}");
    assert!(
        common::pty::shows(
            &screen,
            "error: step 3/7 present-share-1 (Present your share): keyboard entry 1: interrupted by SIGINT (Ctrl-C)"
        ),
        "{screen}"
    );
    assert!(
        common::pty::shows(
            &screen,
            "keep its directory as evidence and run the ceremony again in a new, empty output directory"
        ),
        "{screen}"
    );
}

/// `intermediate sign` of the fixture's CSR without `--csr-sha256`, confirmed on the command
/// line.
fn sign_typed_hash(out: &Path) -> Pty {
    let f = fixture();
    let mut a: Vec<String> = vec![
        "intermediate".into(),
        "sign".into(),
        "--csr".into(),
        s(&f.csr),
        "--profile".into(),
        s(&common::repo_path("templates/intermediate.toml")),
        "--root".into(),
        s(&f.c.root),
        "--manifest".into(),
        s(&f.c.manifest),
        "--out".into(),
        s(out),
        "--confirm".into(),
        "Ann Officer".into(),
        "--confirm".into(),
        "Bob Witness".into(),
    ];
    a.extend(three_shares());
    Pty::spawn(&a)
}

/// The fixture's hash in groups of four, with group `g` (1 to 16) changed when given.
fn typed_hash(change: Option<usize>) -> String {
    let mut h = fixture().csr_sha256.clone().into_bytes();
    if let Some(g) = change {
        let i = (g - 1) * 4;
        h[i] = if h[i] == b'0' { b'1' } else { b'0' };
    }
    let h = String::from_utf8(h).unwrap();
    (0..16)
        .map(|i| &h[i * 4..i * 4 + 4])
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_delivered_hash_is_asked_first_retyped_after_a_slip_and_compared_by_group() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("rotation");
    let mut p = sign_typed_hash(&out);
    p.expect("Key type: ECDSA P-256");
    p.expect(HASH);
    // The CSR is shown, but not its hash: that is typed as delivered, not copied.
    let own = &fixture().csr_sha256;
    let own_grouped = format!("{} {}", &own[..4], &own[4..8]);
    assert!(!flat(&p.screen()).contains(&own_grouped), "{}", p.screen());
    assert!(!p.screen().contains("SHA-256 of the CSR"), "{}", p.screen());
    // Not 64 hex digits: said so, asked again.
    let short = &typed_hash(None)[..78];
    p.s.send_line(short).unwrap();
    p.expect("not a SHA-256: 63 hex digit(s) typed, a SHA-256 has 64");
    p.expect("  try 1 of 3: type the delivered hash again");
    // One group mistyped: named, asked again.
    p.answer(HASH, &typed_hash(Some(7)));
    p.expect("the typed hash differs from the CSR's in group 7 of 16");
    p.expect("  try 1 of 2: read the delivered hash again and retype all of it");
    p.answer(HASH, &typed_hash(None).to_uppercase());
    p.expect("The CSR's SHA-256 matches the hash delivered out of band:");
    let (exit, screen) = p.finish();
    assert_eq!(exit, 0, "{screen}");
    assert!(
        common::pty::shows(&screen, "INTERMEDIATE SIGNED"),
        "{screen}"
    );
    let es = entries(&out);
    let checked = es.iter().find(|e| e["action"] == "csr-checked").unwrap();
    assert_eq!(checked["details"]["hash_source"], "typed");
    assert_eq!(checked["details"]["csr_sha256"], fixture().csr_sha256);
}

#[test]
fn a_hash_that_differs_twice_stops_before_anything_starts() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("rotation");
    let mut p = sign_typed_hash(&out);
    p.answer(HASH, &typed_hash(Some(16)));
    p.expect("the typed hash differs from the CSR's in group 16 of 16");
    p.answer(HASH, &typed_hash(Some(3)));
    let (exit, screen) = p.finish();
    assert_eq!(exit, common::VERIFICATION, "{screen}");
    assert!(
        common::pty::shows(&screen, "does not match the hash delivered out of band")
            && common::pty::shows(
                &screen,
                "(group 3 of 16 differs): this is not the CSR that was sent"
            ),
        "{screen}"
    );
    assert!(!out.exists(), "{} was created", out.display());
}

#[test]
fn a_hash_mistyped_three_times_stops_before_anything_starts() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("rotation");
    let mut p = sign_typed_hash(&out);
    for n in 1..=2 {
        p.answer(HASH, "12ab zz");
        p.expect(&format!(
            "not a SHA-256: character 6 is not a hex digit (after 4 hex digits)\r\n  try {n} of 3"
        ));
    }
    p.answer(HASH, "12ab");
    let (exit, screen) = p.finish();
    assert_eq!(exit, common::INPUT, "{screen}");
    assert!(
        common::pty::shows(
            &screen,
            "error: the typed CSR hash: not a SHA-256 (64 hex digits; spaces and colons are ignored): 4 hex digit(s) typed, a SHA-256 has 64 (try 3 of 3)"
        ),
        "{screen}"
    );
    assert!(!out.exists(), "{} was created", out.display());
}

/// The compact form (what a share's QR code holds, and a USB scanner types) of share `i`.
fn compact_of(i: usize) -> String {
    let text = fs::read(fixture().c.share(i)).unwrap();
    let d = rootkey::share::text::parse(&text).unwrap();
    let c = rootkey::share::text::encode_compact(&d.envelope).unwrap();
    String::from_utf8(c.as_slice().to_vec()).unwrap()
}

#[test]
fn the_same_paper_scanned_twice_asks_for_the_next_holder() {
    let f = fixture();
    let t = TempDir::new().unwrap();
    let out = t.path().join("check");
    let mut p = Pty::spawn(&[
        "combine".into(),
        "--out".into(),
        s(&out),
        "--manifest".into(),
        s(&f.c.manifest),
        "--root".into(),
        s(&f.c.root),
        "--type".into(),
    ]);
    for i in [1, 1, 2, 1, 3] {
        p.hidden("row  1/13: ", format!("{}\n", compact_of(i)).as_bytes());
    }
    let (exit, screen) = p.finish();
    assert_eq!(exit, 0, "{screen}");
    let holder = common::REHEARSAL_HOLDERS[0];
    // Once at the second share, once at the third: each time the next holder is asked for.
    let slip = format!(
        "share 1 (holder \"{holder}\") was already presented (keyboard entry 1 (scanned))   try 1 of 3: the holder of another share presents theirs"
    );
    assert_eq!(flat(&screen).matches(&slip).count(), 2, "{screen}");
    // The transcript records the three shares used, once each, and the two slips.
    let es = entries(&out);
    let slips: Vec<(&str, u64)> = es
        .iter()
        .filter(|e| e["action"] == "slip")
        .map(|e| {
            (
                e["details"]["kind"].as_str().unwrap(),
                e["details"]["attempt"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(slips, [("same-share", 1), ("same-share", 1)]);
    let presented: Vec<u64> = es
        .iter()
        .filter(|e| e["action"] == "share-presented")
        .map(|e| e["details"]["index"].as_u64().unwrap())
        .collect();
    assert_eq!(presented, [1, 2, 3]);
    common::transcript_verifies_with_both_under(&out, &f.c.root);
}

#[test]
fn the_same_paper_three_times_stops_with_the_next_step() {
    let f = fixture();
    let t = TempDir::new().unwrap();
    let out = t.path().join("check");
    let mut p = Pty::spawn(&[
        "combine".into(),
        "--out".into(),
        s(&out),
        "--manifest".into(),
        s(&f.c.manifest),
        "--root".into(),
        s(&f.c.root),
        "--type".into(),
    ]);
    for _ in 0..4 {
        p.hidden("row  1/13: ", format!("{}\n", compact_of(2)).as_bytes());
    }
    let (exit, screen) = p.finish();
    assert_eq!(exit, common::INPUT, "{screen}");
    assert!(
        common::pty::shows(
            &screen,
            &format!(
                "error: share 2 (holder \"{}\") is given twice: keyboard entry 1 (scanned) and keyboard entry 2 (scanned) hold the same share",
                common::REHEARSAL_HOLDERS[1]
            )
        ),
        "{screen}"
    );
    assert!(common::pty::shows(&screen, "try 2 of 3"), "{screen}");
    assert!(
        common::pty::shows(
            &screen,
            &format!(
                "next step: each holder presents their share once; ask another holder for theirs; {} holds the aborted transcript",
                out.display()
            )
        ),
        "{screen}"
    );
    let es = entries(&out);
    let a = actions(&es);
    assert_eq!(
        a.iter().filter(|x| **x == "share-presented").count(),
        1,
        "{a:?}"
    );
    assert_eq!(a.last(), Some(&"aborted"), "{a:?}");
}

#[test]
fn ctrl_d_at_the_csr_hash_prompt_starts_nothing() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("rotation");
    let mut p = sign_typed_hash(&out);
    p.expect(HASH);
    p.s.send([4u8]).unwrap();
    let (exit, screen) = p.finish();
    assert_eq!(exit, common::INPUT, "{screen}");
    assert!(
        common::pty::shows(
            &screen,
            "error: input ended (Ctrl-D): cancelled at the CSR hash prompt — the ceremony did not start; nothing was signed"
        ),
        "{screen}"
    );
    assert!(!out.exists(), "{} was created", out.display());
}
