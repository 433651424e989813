//! `rootkey generate --dice` driven through a pseudo-terminal: the rolls are typed at a hidden
//! prompt, exactly as an operator would.
//!
//! The pty is put into echo mode (`stty echo`) before rootkey starts, like an ordinary
//! terminal, so that the "rolls are not echoed" checks are meaningful: only rootkey's own
//! hidden-input handling can keep them off the screen. Input is typed once rootkey has turned
//! echo off, i.e. once it is actually reading the hidden prompt.

mod common;

use std::path::Path;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use expectrl::process::unix::WaitStatus;
use expectrl::{Eof, Expect, Session};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tempfile::TempDir;

use common::{Secrets, share_files};

const PROMPT: &str = "dice rolls (hidden): ";

/// What the operator saw and how the process ended.
struct Transcript {
    code: i32,
    screen: String,
}

/// Runs `rootkey generate --dice --plan rehearsal.toml --out OUT` in a pty and types `rolls`
/// at the hidden prompt.
fn generate_with_dice(out: &Path, rolls: &str) -> Transcript {
    generate_with_tries(out, &[rolls])
}

/// Like [`generate_with_dice`], typing each of `tries` at the hidden prompt in turn (a slip is
/// asked for again).
fn generate_with_tries(out: &Path, tries: &[&str]) -> Transcript {
    let plan = common::text_rehearsal_plan();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("stty echo && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_rootkey"))
        .arg("generate")
        .arg("--dice")
        .arg("--plan")
        .arg(&plan)
        .arg("--out")
        .arg(out);
    let mut session = Session::spawn(cmd).unwrap();
    session.set_expect_timeout(Some(Duration::from_secs(30)));

    let mut screen = Vec::new();
    for (i, rolls) in tries.iter().enumerate() {
        let before = session.expect(PROMPT).unwrap();
        screen.extend_from_slice(before.as_bytes());
        if i == 0 {
            let shown = String::from_utf8_lossy(&screen).into_owned();
            assert!(
                shown.contains("Roll a six-sided die at least 99 times"),
                "the prompt explains what to type: {shown:?}"
            );
        }
        // Wait until rootkey has switched the terminal to hidden input.
        let deadline = Instant::now() + Duration::from_secs(20);
        while session.get_process().get_echo().unwrap() {
            assert!(
                Instant::now() < deadline,
                "the terminal still echoes after the hidden prompt was shown"
            );
            sleep(Duration::from_millis(5));
        }
        session.send_line(rolls).unwrap();
    }

    let rest = session.expect(Eof).unwrap();
    screen.extend_from_slice(rest.as_bytes());
    let code = match session.get_process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("rootkey did not exit normally: {other:?}"),
    };
    Transcript {
        code,
        screen: String::from_utf8_lossy(&screen).into_owned(),
    }
}

/// `n` rolls from a fixed seed, in groups of ten separated by spaces.
fn rolls(n: usize, seed: u64) -> String {
    let mut rng = StdRng::seed_from_u64(seed);
    let digits: Vec<char> = (0..n)
        .map(|_| char::from(b'0' + rng.random_range(1..=6u8)))
        .collect();
    digits
        .chunks(10)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Asserts that no run of 10 typed characters (with or without the spaces) appears on screen.
fn assert_not_echoed(screen: &str, typed: &str) {
    let compact: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    for source in [typed, compact.as_str()] {
        let chars: Vec<char> = source.chars().collect();
        for w in chars.windows(10) {
            let w: String = w.iter().collect();
            assert!(
                !screen.contains(&w),
                "typed rolls {w:?} appear on the screen:\n{screen}"
            );
        }
    }
}

#[test]
fn dice_rolls_at_a_hidden_prompt_generate_a_ceremony() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("out");
    let typed = rolls(123, 1);
    let r = generate_with_dice(&out, &typed);
    assert_eq!(r.code, 0, "{}", r.screen);
    assert!(r.screen.contains("REHEARSAL"), "{}", r.screen);
    assert!(r.screen.contains("Split 3-of-5"), "{}", r.screen);
    assert_not_echoed(&r.screen, &typed);

    assert!(out.join("root.pem").is_file());
    assert!(out.join("manifest.json").is_file());
    let shares = share_files(&out);
    assert_eq!(shares.len(), 5);
    let secrets = Secrets::of_dir(&out);
    for p in &secrets.0 {
        assert!(!r.screen.contains(p.as_str()), "share row {p:?} on screen");
    }
    // The transcript records how the seed was made and how many rolls, never the rolls.
    let transcript = std::fs::read_to_string(out.join("transcript.jsonl")).unwrap();
    assert!(
        transcript.contains(r#""details":{"dice_rolls":123,"source":"os+dice"}"#),
        "{transcript}"
    );
    for w in typed.split(' ').filter(|w| w.len() == 10) {
        assert!(
            !transcript.contains(w),
            "typed rolls {w:?} in the transcript"
        );
    }
}

#[test]
fn exactly_99_rolls_are_enough() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("out");
    let typed = rolls(99, 2);
    let r = generate_with_dice(&out, &typed);
    assert_eq!(r.code, 0, "{}", r.screen);
    assert_eq!(share_files(&out).len(), 5);
    assert_not_echoed(&r.screen, &typed);
}

#[test]
fn too_few_rolls_three_times_stop_the_ceremony() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("out");
    let typed = rolls(50, 3);
    let r = generate_with_tries(&out, &[&typed, &typed, &typed]);
    assert_eq!(r.code, 1, "{}", r.screen);
    // Asked again twice, then refused.
    for n in 1..=2 {
        assert!(
            r.screen.contains(&format!(
                "dice rolls: got 50 rolls, at least 99 are needed (49 more)\r\n  try {n} of 3: roll 49 more, then type all the rolls again from the first"
            )),
            "{}",
            r.screen
        );
    }
    // The error is wrapped to 80 columns on the terminal.
    let screen = common::pty::squashed(&r.screen);
    assert!(
        screen.contains(
            "error: dice rolls: got 50 rolls, at least 99 are needed (49 more) (try 3 of 3; no key was made)"
        ),
        "{}",
        r.screen
    );
    assert!(
        screen.contains("holds the aborted transcript of this run: keep it, and run again with a new --out directory"),
        "{}",
        r.screen
    );
    common::pty::assert_fits_80_columns(&r.screen);
    assert_not_echoed(&r.screen, &typed);
    assert_nothing_written(&out);
}

#[test]
fn a_seven_is_refused_by_position() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("out");
    // 30 valid rolls, then a '7' as the 31st character, then more valid rolls.
    let typed = format!("{}7{}", "123456".repeat(5), "654321".repeat(20));
    let r = generate_with_tries(&out, &[&typed, &typed, &typed]);
    assert_eq!(r.code, 1, "{}", r.screen);
    assert!(
        common::pty::squashed(&r.screen).contains(
            "error: dice rolls, character 31: not a d6 roll (only digits 1 to 6 and spaces are allowed); 30 valid roll(s) were read before it (try 3 of 3; no key was made)"
        ),
        "{}",
        r.screen
    );
    assert_not_echoed(&r.screen, &typed);
    assert_nothing_written(&out);
}

#[test]
fn over_long_input_is_refused_not_cut_off() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("out");
    // 1100 valid rolls then garbage: past the 1024-character limit, so refused as a whole
    // instead of being silently truncated to its valid prefix.
    let typed = format!("{}xyz", "1".repeat(1100));
    let r = generate_with_tries(&out, &[&typed, &typed, &typed]);
    assert_eq!(r.code, 1, "{}", r.screen);
    assert!(r.screen.contains("input too long"), "{}", r.screen);
    assert!(
        r.screen.contains("more than 1024 characters"),
        "{}",
        r.screen
    );
    assert_not_echoed(&r.screen, &typed);
    assert_nothing_written(&out);
}

/// A refused run leaves no manifest and no share behind; its transcript records each slip
/// before the last try and ends with an `aborted` entry that gives the reason and holds no
/// roll.
fn assert_nothing_written(out: &Path) {
    assert!(
        !out.join("manifest.json").exists() && share_files(out).is_empty(),
        "nothing may be written"
    );
    let transcript = std::fs::read_to_string(out.join("transcript.jsonl")).unwrap();
    let last = transcript.lines().last().unwrap();
    assert!(
        last.contains(r#""action":"aborted""#) && last.contains("dice rolls"),
        "{last}"
    );
    // The header, a `slip` entry for each refused try before the last (never a roll), and
    // `aborted`.
    let actions: Vec<&str> = transcript
        .lines()
        .map(|l| {
            let a = l.split("\"action\":\"").nth(1).unwrap_or_default();
            &a[..a.find('"').unwrap_or(0)]
        })
        .collect();
    assert_eq!(actions.first(), Some(&"header"), "{actions:?}");
    assert_eq!(actions.last(), Some(&"aborted"), "{actions:?}");
    assert!(
        actions[1..actions.len() - 1].iter().all(|a| *a == "slip"),
        "header, slips and aborted only: {actions:?}"
    );
}
