//! Interruption (issue 13, item 6): Ctrl-C, SIGINT, SIGTERM and SIGHUP stop a ceremony at its
//! step — `aborted` naming the step, the terminal's echo restored, a generation's share files
//! wiped, a next step on screen — and `kill -9` at any step leaves no partial file and a
//! transcript that reads as interrupted (exit 3), never as tampered (docs/formats.md,
//! "Interrupted").

mod common;

use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession as Session;
use expectrl::{Eof, Expect};
use serde_json::Value;
use tempfile::TempDir;

use common::{rootkey, s, share_files};

const BIN: &str = env!("CARGO_BIN_EXE_rootkey");
/// Entries of a rehearsal's sealed transcript (3-of-5, shares 1–2 text, 3–5 paper).
const REHEARSAL_ENTRIES: usize = 19;

fn transcript_lines(out: &Path) -> Vec<String> {
    fs::read_to_string(out.join("transcript.jsonl"))
        .map(|t| t.lines().map(String::from).collect())
        .unwrap_or_default()
}

fn last_entry(out: &Path) -> Value {
    let ls = transcript_lines(out);
    serde_json::from_str(ls.last().expect("an entry")).unwrap()
}

/// `rootkey transcript verify` of `out`'s transcript: (exit code, the Result line).
fn verify(out: &Path) -> (i32, String) {
    let r = rootkey(["transcript", "verify", &s(&out.join("transcript.jsonl"))]);
    let result = r
        .stdout
        .lines()
        .find(|l| l.starts_with("Result: "))
        .unwrap_or_default()
        .to_string();
    (r.code, result)
}

/// `rootkey generate --dice` of the text rehearsal plan in a pty (echo on, as a terminal is),
/// waiting at the hidden dice prompt with echo off.
fn at_the_dice_prompt(out: &Path) -> Session {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("stty echo && exec \"$0\" \"$@\"")
        .arg(BIN)
        .args(["generate", "--dice", "--allow-unlocked-memory", "--plan"])
        .arg(common::text_rehearsal_plan())
        .arg("--out")
        .arg(out);
    let mut session = Session::spawn(cmd).unwrap();
    session.set_expect_timeout(Some(Duration::from_secs(30)));
    session.expect("dice rolls (hidden): ").unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while session.get_process().get_echo().unwrap() {
        assert!(Instant::now() < deadline, "echo never went off");
        sleep(Duration::from_millis(5));
    }
    session
}

/// Waits for the end of `session`: (exit code, everything shown after the prompt).
fn finish(mut session: Session) -> (i32, String, Session) {
    let rest = session.expect(Eof).unwrap();
    let screen = String::from_utf8_lossy(rest.as_bytes()).into_owned();
    let code = match session.get_process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("rootkey did not exit: {other:?}"),
    };
    (code, screen, session)
}

/// What every interruption at the dice prompt leaves: exit 1, the step and the signal named on
/// screen with a next step, echo back on, `aborted` naming the step, no share file, and a
/// transcript that verifies as unsealed.
fn check_stopped_at_dice(out: &Path, code: i32, screen: &str, session: &Session) {
    assert_eq!(code, 1, "{screen}");
    let last = last_entry(out);
    assert_eq!(last["action"], "aborted");
    // The step as the step list names it: `step 2/T type-dice (TITLE)`.
    let reason = last["details"]["reason"].as_str().unwrap();
    let (step, why) = reason.split_once("): ").unwrap();
    assert!(
        step.starts_with("step 2/") && step.contains(" type-dice ("),
        "{reason}"
    );
    assert_eq!(
        why,
        "cannot read dice rolls: interrupted by SIGINT (Ctrl-C)"
    );
    // On the terminal, wrapped to 80 columns under its labels.
    assert_eq!(
        screen.replace("\r\n", "\n").trim_start(),
        rootkey::console::wrap_error(
            &format!(
                "error: {reason}\n  next step: nothing more was done and the secrets in memory were wiped; a ceremony's transcript ends with `aborted` naming the step it stopped at — keep its directory as evidence and run the ceremony again in a new, empty output directory\n"
            ),
            80
        )
    );
    assert!(
        session.get_process().get_echo().unwrap(),
        "the terminal's echo is back on"
    );
    assert!(share_files(out).is_empty(), "{:?}", share_files(out));
    let (code, result) = verify(out);
    assert_eq!(code, 3, "{result}");
    assert_eq!(
        result,
        format!(
            "Result: VALID but UNSEALED — the ceremony was aborted at entry seq 1 (line 2): {reason}"
        )
    );
}

#[test]
fn sigint_at_a_hidden_prompt_stops_at_the_step_and_restores_the_echo() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("c");
    let session = at_the_dice_prompt(&out);
    // A signal from outside (kill -INT), while echo is off.
    let pid = session.get_process().pid().as_raw();
    assert_eq!(unsafe_free_kill(pid, "INT"), 0);
    let (code, screen, session) = finish(session);
    check_stopped_at_dice(&out, code, &screen, &session);
}

#[test]
fn ctrl_c_typed_at_a_hidden_prompt_is_an_interruption() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("c");
    let mut session = at_the_dice_prompt(&out);
    // Half a line typed, then Ctrl-C (the terminal turns it into SIGINT, no Enter needed).
    session.send("1234\x03").unwrap();
    let (code, screen, session) = finish(session);
    check_stopped_at_dice(&out, code, &screen, &session);
    assert!(!screen.contains("1234"), "nothing typed is echoed");
}

/// `kill -SIG PID` through kill(1): the tests need no `unsafe`.
fn unsafe_free_kill(pid: i32, sig: &str) -> i32 {
    Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .unwrap()
        .code()
        .unwrap_or(-1)
}

/// `rootkey rehearse --out OUT` in the background.
fn rehearse(out: &Path) -> Child {
    Command::new(BIN)
        .args(["rehearse", "--allow-unlocked-memory", "--out"])
        .arg(out)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until `out`'s transcript has at least `n` complete entries or `child` has ended;
/// true when the entries are there and the child still runs.
fn wait_for_entries(child: &mut Child, out: &Path, n: usize) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if transcript_lines(out).len() >= n {
            return child.try_wait().unwrap().is_none();
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        assert!(Instant::now() < deadline, "no entry {n} within a minute");
        sleep(Duration::from_micros(200));
    }
}

#[test]
fn sigterm_sighup_and_sigint_during_a_rehearsal_wipe_the_shares_written() {
    let t = TempDir::new().unwrap();
    for (sig, name) in [
        ("TERM", "SIGTERM"),
        ("HUP", "SIGHUP (the terminal hung up)"),
        ("INT", "SIGINT (Ctrl-C)"),
    ] {
        // After share-written 2 (entry 7): text shares 1–2 are on disk, paper ones come next.
        let out = t.path().join(sig);
        let mut child = rehearse(&out);
        if !wait_for_entries(&mut child, &out, 7) {
            eprintln!("{sig}: the rehearsal ended before the signal; not checked");
            continue;
        }
        assert_eq!(unsafe_free_kill(child.id() as i32, sig), 0);
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{sig}: {err}");
        let first = err.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error: step ")
                && first.ends_with(&format!(": interrupted by {name}")),
            "{sig}: {err}"
        );
        assert!(
            err.contains("  next step: the ceremony stopped and its transcript ends with `aborted`, naming the step; the partial outputs share-01-alice-rehearsal.txt, share-02-bob-rehearsal.txt"),
            "{sig}: {err}"
        );
        assert!(err.contains(&format!("were overwritten and removed — keep {} as evidence and run the ceremony again in a new, empty directory", s(&out.join("transcript.jsonl")))), "{sig}: {err}");
        assert!(
            share_files(&out).is_empty(),
            "{sig}: {:?}",
            share_files(&out)
        );
        let names: Vec<String> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            !names.iter().any(|n| n.starts_with(".share-")),
            "{sig}: a temporary share copy is left: {names:?}"
        );
        let last = last_entry(&out);
        assert_eq!(last["action"], "aborted");
        let reason = last["details"]["reason"].as_str().unwrap();
        assert!(
            reason.starts_with("step ") && reason.ends_with(&format!(": interrupted by {name}")),
            "{reason}"
        );
        assert_eq!(verify(&out).0, 3, "{sig}");
    }
}

/// Every file a killed run left is complete: a share parses, a PDF ends with `%%EOF`, JSON
/// parses, a PEM file has its END line; a temporary file is recognisable by its name.
fn check_complete(out: &Path, at: usize) {
    for e in fs::read_dir(out).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let p = out.join(&name);
        let bytes = fs::read(&p).unwrap();
        if name.starts_with('.') {
            assert!(name.contains(".tmp-"), "kill after entry {at}: {name}");
            continue;
        }
        match Path::new(&name).extension().and_then(|x| x.to_str()) {
            Some("txt") => {
                rootkey::share::text::parse(&bytes)
                    .unwrap_or_else(|e| panic!("kill after entry {at}: {name}: {e}"));
            }
            Some("pdf") => assert!(
                bytes.trim_ascii_end().ends_with(b"%%EOF"),
                "kill after entry {at}: {name} is cut off"
            ),
            Some("json") => {
                serde_json::from_slice::<Value>(&bytes)
                    .unwrap_or_else(|e| panic!("kill after entry {at}: {name}: {e}"));
            }
            Some("pem") => assert!(
                String::from_utf8_lossy(&bytes)
                    .trim_end()
                    .ends_with("-----END CERTIFICATE-----"),
                "kill after entry {at}: {name} is cut off"
            ),
            Some("jsonl") => {}
            _ => panic!("kill after entry {at}: unexpected file {name}"),
        }
    }
}

#[test]
fn kill_9_after_every_entry_leaves_no_partial_file_and_an_interrupted_transcript() {
    common::allow_unlocked_in_tests();
    let t = TempDir::new().unwrap();
    let mut killed = 0;
    for n in 1..REHEARSAL_ENTRIES {
        let out = t.path().join(format!("k{n}"));
        let mut child = rehearse(&out);
        if !wait_for_entries(&mut child, &out, n) {
            continue;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        killed += 1;
        check_complete(&out, n);
        let (code, result) = verify(&out);
        // The last line may be cut off mid-entry by the kill (it then reads as interrupted).
        let sealed = transcript_lines(&out)
            .last()
            .is_some_and(|l| serde_json::from_str::<Value>(l).is_ok_and(|e| e["action"] == "seal"));
        assert_eq!(
            code,
            if sealed { 0 } else { 3 },
            "kill after entry {n}: {result}"
        );
        if !sealed {
            assert!(
                result.contains("interrupted"),
                "kill after entry {n}: {result}"
            );
        }
        // The next run into that directory refuses it, naming any secret leftover.
        let again = rootkey(["rehearse", "--allow-unlocked-memory", "--out", &s(&out)]);
        assert_eq!(again.code, 1, "{}", again.stderr);
        if !share_files(&out).is_empty() && !sealed {
            assert!(
                again
                    .stderr
                    .contains("an interrupted run left secret share files here")
                    && again.stderr.contains("SECRET"),
                "{}",
                again.stderr
            );
        }
    }
    assert!(
        killed >= REHEARSAL_ENTRIES / 2,
        "only {killed} runs were killed in time"
    );
}

#[test]
fn an_empty_transcript_reads_as_interrupted() {
    let t = TempDir::new().unwrap();
    fs::write(t.path().join("transcript.jsonl"), b"").unwrap();
    let (code, result) = verify(t.path());
    assert_eq!(code, 3);
    assert_eq!(
        result,
        "Result: VALID but UNSEALED — the transcript is empty: the ceremony was interrupted before its header was written; it records nothing, not even the ceremony's kind"
    );
}

#[test]
fn ctrl_c_at_a_visible_prompt_stops_a_crl_ceremony_at_its_step() {
    let t = TempDir::new().unwrap();
    let c = common::Ceremony::rehearse(&t.path().join("root"));
    let out = t.path().join("crl");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("stty echo && exec \"$0\" \"$@\"")
        .arg(BIN)
        .args(["crl", "sign", "--first-crl", "--root"])
        .arg(&c.root)
        .arg("--manifest")
        .arg(&c.manifest)
        .arg("--out")
        .arg(&out);
    for sh in &c.shares[..3] {
        cmd.arg("--share").arg(sh);
    }
    let mut session = Session::spawn(cmd).unwrap();
    session.set_expect_timeout(Some(Duration::from_secs(30)));
    session.expect("confirmer 1 of 2, your name: ").unwrap();
    // Half a name, then Ctrl-C: the terminal raises SIGINT (echo is on at a visible prompt).
    session.send("Ann Off\x03").unwrap();
    let (code, screen, session) = finish(session);
    assert_eq!(code, 1, "{screen}");
    let last = last_entry(&out);
    assert_eq!(last["action"], "aborted");
    let reason = last["details"]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("step ") && reason.ends_with("): interrupted by SIGINT (Ctrl-C)"),
        "{reason}"
    );
    assert!(
        common::pty::shows(
            &screen,
            &format!(
                "error: {reason}\n  next step: nothing more was done and the secrets in memory were wiped"
            )
        ),
        "{screen:?}"
    );
    assert!(session.get_process().get_echo().unwrap());
    assert!(!out.join("root.crl").exists() && !out.join("root.crl.pem").exists());
    assert_eq!(verify(&out).0, 3);
}
