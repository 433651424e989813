//! `rootkey run PLAN` of a rehearsal plan whose holders 1 and 2 are on SoftHSM2 tokens: from
//! an answers file (the token PINs answered by `token-1-pin` / `token-2-pin`) and at a
//! pseudo-terminal. The rehearsal's step list has each token holder's `write-token` step just
//! before their `receive-share` (docs/plans.md, "Built-in steps"), so the runner's screens,
//! the ceremony and the transcript follow the same list (this stopped with `internal error:
//! step write-token entered where the list has step receive-share-1` before); the rebuild
//! takes the shares off tokens first, and reads a token share back through its token (its PIN
//! asked again) only when fewer than k shares are off tokens. Both verifiers accept the
//! transcripts, and the token shares then rebuild the key with `rootkey combine`.
//!
//! Each test runs as a child of itself with `SOFTHSM2_CONF` pointing at fresh tokens
//! (`tests/softhsm_support`).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use expectrl::Expect;
use expectrl::process::unix::WaitStatus;
use serde_json::Value;
use tempfile::TempDir;

use common::pty::{MORE, Pty, critical_code, run_in_pty};
use common::{rootkey, s};

mod softhsm_support;

use softhsm_support::{PIN, softhsm_module};

const LABELS: [&str; 2] = ["alice-token", "bob-token"];

/// The rehearsal plan with holders 1 and 2 on the two SoftHSM2 tokens, with `threshold`.
fn plan(dir: &Path, threshold: u8) -> PathBuf {
    let p = dir.join("tokens.toml");
    fs::write(
        &p,
        softhsm_support::rehearsal_plan_on_tokens(&LABELS, threshold),
    )
    .unwrap();
    p
}

/// The rehearsal answers for it: `pin1` is `token-1-pin`'s value.
fn answers(dir: &Path, pin1: &str) -> PathBuf {
    let p = dir.join("answers.toml");
    fs::write(&p, softhsm_support::rehearsal_answers_on_two_tokens(pin1)).unwrap();
    p
}

fn run_with_answers(plan: &Path, answers: &Path, out: &Path) -> common::Run {
    rootkey([
        "--allow-network",
        common::TEST_NETWORK_EXCEPTION,
        "run",
        &s(plan),
        "--answers",
        &s(answers),
        "--out",
        &s(out),
    ])
}

/// The transcript's entries (header first).
fn entries(out: &Path) -> Vec<Value> {
    fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `(action, details.index)` of the entries from `token-written` to `share-written` of share 5.
fn writes(out: &Path) -> Vec<(String, u64)> {
    entries(out)
        .iter()
        .filter(|e| {
            matches!(
                e["action"].as_str(),
                Some("token-written" | "share-written")
            )
        })
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["details"]["index"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// `details.index` of each `share-presented`, in order.
fn presented(out: &Path) -> Vec<u64> {
    entries(out)
        .iter()
        .filter(|e| e["action"] == "share-presented")
        .map(|e| e["details"]["index"].as_u64().unwrap())
        .collect()
}

/// Both verifiers over `out` (with the plan): rootkey's result line and the Python verifier's
/// first line.
fn verify_both(out: &Path, plan: &Path) -> (String, String) {
    let t = out.join("transcript.jsonl");
    let r = rootkey([
        "transcript",
        "verify",
        &s(&t),
        "--root",
        &s(&out.join("root.pem")),
        "--artifacts",
        &s(out),
        "--plan",
        &s(plan),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let py = Command::new("python3")
        .arg(common::repo_path(
            "tests/vectors/independent_transcript_check.py",
        ))
        .arg(&t)
        .arg("--artifacts")
        .arg(out)
        .output()
        .unwrap();
    (
        r.stdout.lines().last().unwrap_or("").to_string(),
        String::from_utf8_lossy(&py.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_string(),
    )
}

/// `rootkey combine` of the rehearsal in `out` from its two token shares (PINs typed at hidden
/// prompts in a pty) and the text share 3.
fn combine_token_shares(out: &Path, check: &Path) -> common::pty::Screen {
    let share3 = out.join("share-03-carol-rehearsal.txt");
    let args: Vec<String> = [
        "--allow-network",
        common::TEST_NETWORK_EXCEPTION,
        "combine",
        "--out",
        &s(check),
        "--manifest",
        &s(&out.join("manifest.json")),
        "--root",
        &s(&out.join("root.pem")),
        "--token-share",
        "1",
        "--token-share",
        "2",
        "--pkcs11-module",
        &s(&softhsm_module()),
        &s(&share3),
    ]
    .map(String::from)
    .to_vec();
    run_in_pty(&args, &[], &[PIN, PIN])
}

const SUMMARY_TOKENS: &str = "  share  1  Alice Rehearsal\n             on the token; payload share-01-alice-rehearsal.token (0644)\n  share  2  Bob Rehearsal\n             on the token; payload share-02-bob-rehearsal.token (0644)\n  share  3  Carol Rehearsal  share-03-carol-rehearsal.txt (text, 0600)\n";

#[test]
fn an_answers_file_runs_a_rehearsal_plan_with_token_holders() {
    softhsm_support::in_softhsm(
        "an_answers_file_runs_a_rehearsal_plan_with_token_holders",
        &LABELS,
        || {
            let t = TempDir::new().unwrap();
            let plan = plan(t.path(), 3);
            let out = t.path().join("out");
            let r = run_with_answers(&plan, &answers(t.path(), &format!("\"{PIN}\"")), &out);
            assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
            assert!(!r.stderr.contains("internal error"), "{}", r.stderr);
            assert!(!r.stderr.contains("warning: answers file"), "{}", r.stderr);
            // The screens follow the list with the two write-token steps (24 steps, not 22).
            for header in [
                "Step 8/24 · Holder (Alice Rehearsal) · Insert your token, type its PIN\n",
                "Step 9/24 · Holder (Alice Rehearsal) · Receive your share (file or printout)\n",
                "Step 10/24 · Holder (Bob Rehearsal) · Insert your token, type its PIN\n",
                "Step 18/24 · Witness (Wendy Witness) · Holders bring back their shares\n",
                "Step 24/24 · ",
            ] {
                assert!(r.stderr.contains(header), "{header}\n{}", r.stderr);
            }
            assert!(
                !r.stdout.contains(PIN) && !r.stderr.contains(PIN),
                "a PIN was shown"
            );
            assert!(r.stdout.contains(SUMMARY_TOKENS), "{}", r.stdout);
            // The rebuild takes the shares off tokens (odd indices first): no PIN is asked again.
            assert!(
                r.stdout
                    .contains("Quorum: shares 3, 4 and 5 rebuilt the root key\n"),
                "{}",
                r.stdout
            );
            assert!(r.stdout.contains("REHEARSAL complete."), "{}", r.stdout);
            assert_eq!(
                writes(&out),
                [
                    ("token-written", 1),
                    ("share-written", 1),
                    ("token-written", 2),
                    ("share-written", 2),
                    ("share-written", 3),
                    ("share-written", 4),
                    ("share-written", 5),
                ]
                .map(|(a, i)| (a.to_string(), i))
            );
            assert_eq!(presented(&out), [3, 5, 4]);
            let (rk, py) = verify_both(&out, &plan);
            assert_eq!(rk, "Result: VALID and SEALED");
            assert_eq!(py, "VALID SEALED");

            // The token shares rebuild the key (with share 3): read through the tokens.
            let check = t.path().join("check");
            let c = combine_token_shares(&out, &check);
            assert_eq!(c.code, 0, "{}", c.text);
            assert!(
                c.text
                    .contains("Quorum: shares 1, 2 and 3 rebuilt the root key\r\n"),
                "{}",
                c.text
            );
            let (rk, py) = verify_both_quorum(&check, &out);
            assert_eq!(rk, "Result: VALID and SEALED");
            assert_eq!(py, "VALID SEALED");
        },
    );
}

/// Both verifiers over a quorum check in `check` of the rehearsal in `out`.
fn verify_both_quorum(check: &Path, out: &Path) -> (String, String) {
    let t = check.join("transcript.jsonl");
    let r = rootkey([
        "transcript",
        "verify",
        &s(&t),
        "--root",
        &s(&out.join("root.pem")),
    ]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let py = Command::new("python3")
        .arg(common::repo_path(
            "tests/vectors/independent_transcript_check.py",
        ))
        .arg(&t)
        .output()
        .unwrap();
    (
        r.stdout.lines().last().unwrap_or("").to_string(),
        String::from_utf8_lossy(&py.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_string(),
    )
}

#[test]
fn a_token_share_is_read_back_when_too_few_shares_are_off_tokens() {
    softhsm_support::in_softhsm(
        "a_token_share_is_read_back_when_too_few_shares_are_off_tokens",
        &LABELS,
        || {
            // 4 of 5 with 3 shares off tokens: share 1 is read back through its token, its
            // PIN answered a second time (the second string of `token-1-pin`).
            let t = TempDir::new().unwrap();
            let plan = plan(t.path(), 4);
            let out = t.path().join("out");
            let pins = format!("[\"{PIN}\", \"{PIN}\"]");
            let r = run_with_answers(&plan, &answers(t.path(), &pins), &out);
            assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
            assert!(!r.stderr.contains("warning: answers file"), "{}", r.stderr);
            assert!(
                r.stderr.contains("rootkey reads share 1 through it."),
                "{}",
                r.stderr
            );
            assert!(
                r.stdout
                    .contains("Quorum: shares 1, 3, 4 and 5 rebuilt the root key\n"),
                "{}",
                r.stdout
            );
            assert_eq!(presented(&out), [3, 5, 4, 1]);
            let (rk, py) = verify_both(&out, &plan);
            assert_eq!(rk, "Result: VALID and SEALED");
            assert_eq!(py, "VALID SEALED");
        },
    );
}

/// Runs `rootkey run PLAN --out OUT` in an 80×24 pty as the people in the room would: the
/// witness's initials at each checklist step, the two confirmers' names and the code shown at
/// each critical step, the PIN at each hidden prompt, Enter at each paging stop. Returns the
/// screen and the exit code.
fn run_at_terminal(plan: &Path, out: &Path) -> (String, i32) {
    let args = [
        "--allow-network",
        common::TEST_NETWORK_EXCEPTION,
        "run",
        &s(plan),
        "--out",
        &s(out),
    ];
    let mut p = Pty::spawn(&args, out.parent().unwrap());
    let confirm = "confirmer 1 of 2, your name: ";
    let initials = "once this is done, type your initials: ";
    let hidden = "(hidden): ";
    loop {
        let needles: Vec<Box<dyn expectrl::Needle>> = vec![
            Box::new(confirm),
            Box::new(initials),
            Box::new(hidden),
            Box::new(MORE),
            Box::new(expectrl::Eof),
        ];
        let got =
            p.s.expect(expectrl::Any::boxed(needles))
                .unwrap_or_else(|e| panic!("{e}\n{}", p.screen));
        let shown = String::from_utf8_lossy(got.as_bytes()).into_owned();
        p.screen.push_str(&shown);
        let matched = String::from_utf8_lossy(got.get(0).unwrap_or_default()).into_owned();
        if matched == confirm {
            let code = critical_code(&shown);
            p.send_line("Oscar Officer");
            p.answer("Oscar Officer, type the code ", &code);
            p.answer("confirmer 2 of 2, your name: ", "Wendy Witness");
            p.answer("Wendy Witness, type the code ", &code);
        } else if matched == initials {
            p.send_line("WW");
        } else if matched == hidden {
            let deadline = Instant::now() + Duration::from_secs(20);
            while p.s.get_process().get_echo().unwrap() {
                assert!(Instant::now() < deadline, "the hidden prompt echoes");
                sleep(Duration::from_millis(5));
            }
            p.send_line(PIN);
        } else if matched == MORE {
            p.send_line("");
        } else {
            break;
        }
    }
    let code = match p.s.get_process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("rootkey did not exit normally: {other:?}"),
    };
    (p.screen, code)
}

#[test]
fn the_guided_runner_at_a_terminal_runs_a_rehearsal_plan_with_token_holders() {
    softhsm_support::in_softhsm(
        "the_guided_runner_at_a_terminal_runs_a_rehearsal_plan_with_token_holders",
        &LABELS,
        || {
            let t = TempDir::new().unwrap();
            let plan = plan(t.path(), 3);
            let out = t.path().join("out");
            let (screen, code) = run_at_terminal(&plan, &out);
            assert_eq!(code, 0, "{screen}");
            assert!(!screen.contains("internal error"), "{screen}");
            assert!(!screen.contains(PIN), "a PIN was echoed:\n{screen}");
            let flat = common::pty::flat(&screen);
            for header in [
                "Step 8/24 · Holder (Alice Rehearsal) · Insert your token, type its PIN",
                "Step 10/24 · Holder (Bob Rehearsal) · Insert your token, type its PIN",
                "REHEARSAL complete.",
            ] {
                assert!(flat.contains(header), "{header}\n{screen}");
            }
            assert_eq!(presented(&out), [3, 5, 4]);
            let (rk, py) = verify_both(&out, &plan);
            assert_eq!(rk, "Result: VALID and SEALED");
            assert_eq!(py, "VALID SEALED");
        },
    );
}
