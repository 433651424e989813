//! `rootkey run PLAN` screens through a pseudo-terminal of 80×24 (issue 13, item 2): the
//! witness's `EXCEPTION` keyword at a visible and at a hidden prompt (recorded as `exception`
//! entries that both verifiers accept and the report lists, the question asked again); the
//! two-person code of a critical step (a wrong code asked again, the same person twice
//! refused, recorded as `step-confirmed`); the result longer than the screen paged with
//! Enter. The plan is the shipped rehearsal plan made a real generation with dice, so that
//! the dice are a hidden prompt.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession;
use expectrl::{Eof, Expect, Session};
use tempfile::TempDir;

use common::pty::{MORE, assert_fits_80_columns, critical_code, flat};

fn spawn(args: &[&str]) -> OsSession {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("stty echo && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_rootkey"))
        .args(args);
    let mut s = Session::spawn(cmd).unwrap();
    s.get_process_mut().set_window_size(80, 24).unwrap();
    s.set_expect_timeout(Some(Duration::from_secs(60)));
    s
}

/// The shipped rehearsal plan as a real generation with dice (its checklist step after the
/// rehearsal-only `wipe-generated-key` dropped), in `dir`.
fn real_plan_with_dice(dir: &Path) -> PathBuf {
    let text = fs::read_to_string(common::repo_path("ceremony-scripts/rehearsal.toml")).unwrap();
    let cut = text
        .find("[[checklist]]\nby = \"witness\"\nafter = \"wipe-generated-key\"")
        .unwrap();
    let text = format!(
        "{}\n[generation]\ndice = true\n",
        text[..cut].replace("rehearsal = true", "rehearsal = false")
    );
    let p = dir.join("real.toml");
    fs::write(&p, text).unwrap();
    p
}

/// Waits for `prompt`; returns what the screen showed up to it.
fn upto(s: &mut OsSession, prompt: &str, screen: &mut String) -> String {
    let c = s
        .expect(prompt)
        .unwrap_or_else(|e| panic!("waiting for {prompt:?}: {e}\n{screen}"));
    let shown = String::from_utf8_lossy(c.before()).into_owned();
    screen.push_str(&shown);
    screen.push_str(prompt);
    shown
}

/// Types `line` at a hidden prompt once the terminal stopped echoing.
fn type_hidden(s: &mut OsSession, line: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while s.get_process().get_echo().unwrap() {
        assert!(Instant::now() < deadline, "the hidden prompt echoes");
        sleep(Duration::from_millis(5));
    }
    s.send_line(line).unwrap();
}

const INITIALS: &str = "Wendy Witness: once this is done, type your initials: ";
const DICE: &str = "dice rolls (hidden): ";
const EXCEPTION_PROMPT: &str = "exception: ";
const AGAIN: &str = "Exception noted for Wendy Witness. The question again:\r\n";

#[test]
fn exceptions_codes_and_paging_at_80x24() {
    let t = TempDir::new().unwrap();
    let plan = real_plan_with_dice(t.path());
    let out = t.path().join("run");
    let mut s = spawn(&[
        "run",
        plan.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--allow-network",
        "test machine",
        "--allow-persistent-output",
    ]);
    let mut screen = String::new();
    // A visible prompt (step 1's initials): the keyword, then the exception, then the same
    // question again.
    upto(&mut s, INITIALS, &mut screen);
    s.send_line("EXCEPTION").unwrap();
    let shown = upto(&mut s, EXCEPTION_PROMPT, &mut screen);
    assert_eq!(
        shown.replace('\r', ""),
        "EXCEPTION\n\nException at step 1 (checklist-1). Wendy Witness types it in one line (at most\n200 characters; Enter alone records nothing). It is recorded in the transcript\nbefore its next entry.\n"
    );
    s.send_line("Network switch found on; switched off")
        .unwrap();
    let shown = upto(&mut s, INITIALS, &mut screen);
    assert!(shown.ends_with(AGAIN), "{shown:?}");
    s.send_line("WW").unwrap();
    // A hidden prompt (the dice): the keyword is not echoed, the exception is asked visibly.
    upto(&mut s, DICE, &mut screen);
    type_hidden(&mut s, "EXCEPTION");
    let shown = upto(&mut s, EXCEPTION_PROMPT, &mut screen);
    assert!(
        !shown.contains("EXCEPTION"),
        "the hidden keyword is not echoed: {shown:?}"
    );
    assert!(
        flat(&shown).contains("Exception at step 3 (type-dice). Wendy Witness types it"),
        "{shown:?}"
    );
    s.send_line("Dice cup dropped; rolls restarted").unwrap();
    let shown = upto(&mut s, DICE, &mut screen);
    assert!(shown.ends_with(AGAIN), "{shown:?}");
    let rolls: String = (0..99).map(|i| char::from(b'1' + (i % 6) as u8)).collect();
    type_hidden(&mut s, &rolls);
    // The first critical step: its code on the screen, a wrong code asked again, the same
    // person twice refused.
    let shown = upto(&mut s, "confirmer 1 of 2, your name: ", &mut screen);
    let code = critical_code(&shown);
    let shown = flat(&shown);
    assert!(shown.contains("Step 5/17 · Crypto officer (Oscar Officer) · Generate the root key"));
    assert!(shown.contains("transcript entry #6"), "{shown}");
    assert!(
        shown.contains("Critical step: two people confirm it before rootkey goes on. Oscar Officer and Wendy Witness: check that this is step 5, \"Generate the root key\", of the printed script; then each types their name and this code:"),
        "{shown}"
    );
    s.send_line("Oscar Officer").unwrap();
    let code_prompt = format!("Oscar Officer, type the code {code}: ");
    upto(&mut s, &code_prompt, &mut screen);
    s.send_line("0000-0000").unwrap();
    let shown = upto(&mut s, &code_prompt, &mut screen);
    assert_eq!(
        shown.replace('\r', ""),
        format!(
            "0000-0000\nthat is not the code on the screen\n  try 2 of 3: Oscar Officer types the code {code}\n"
        )
    );
    s.send_line(code.to_lowercase()).unwrap();
    upto(&mut s, "confirmer 2 of 2, your name: ", &mut screen);
    s.send_line("oscar officer").unwrap();
    let shown = upto(&mut s, "confirmer 2 of 2, your name: ", &mut screen);
    assert_eq!(
        shown.replace('\r', ""),
        "oscar officer\nOscar Officer already confirmed: the two-person rule needs two different people\n  try 2 of 3: the other confirmer types their own name as confirmer 2\n"
    );
    s.send_line("Wendy Witness").unwrap();
    upto(
        &mut s,
        &format!("Wendy Witness, type the code {code}: "),
        &mut screen,
    );
    s.send_line(&code).unwrap();
    // The other critical steps and checklist steps, then the result, paged.
    let mut stops = 0;
    loop {
        let needles: Vec<Box<dyn expectrl::Needle>> = vec![
            Box::new("confirmer 1 of 2, your name: "),
            Box::new(INITIALS),
            Box::new(MORE),
            Box::new(Eof),
        ];
        let c = s.expect(expectrl::Any::boxed(needles)).unwrap();
        let shown = String::from_utf8_lossy(c.before()).into_owned();
        let matched = String::from_utf8_lossy(c.get(0).unwrap_or_default()).into_owned();
        screen.push_str(&shown);
        screen.push_str(&matched);
        match matched.as_str() {
            "confirmer 1 of 2, your name: " => {
                let code = critical_code(&shown);
                for name in ["Wendy Witness", "Oscar Officer"] {
                    if name == "Oscar Officer" {
                        upto(&mut s, "confirmer 2 of 2, your name: ", &mut screen);
                    }
                    s.send_line(name).unwrap();
                    upto(
                        &mut s,
                        &format!("{name}, type the code {code}: "),
                        &mut screen,
                    );
                    s.send_line(&code).unwrap();
                }
            }
            INITIALS => s.send_line("WW").unwrap(),
            MORE => {
                // The page stops on the 23rd line: at most 22 lines since the line of the
                // last answer (or the last page), so that nothing scrolls away unread.
                let rows = shown.split_once('\n').map_or(0, |(_, r)| r.lines().count());
                assert!((1..=22).contains(&rows), "{rows} rows: {shown}");
                stops += 1;
                s.send_line("").unwrap();
            }
            _ => break,
        }
    }
    let code = match s.get_process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("rootkey did not exit normally: {other:?}"),
    };
    assert_eq!(code, 0, "{screen}");
    assert!(
        stops >= 1,
        "the result is longer than the screen and stops: {screen}"
    );
    assert_fits_80_columns(&screen.replace("\x1b[H\x1b[2J", ""));
    // The transcript: the exceptions, the confirmations; both verifiers accept it.
    common::transcript_verifies_with_both(&out);
    let es: Vec<serde_json::Value> = fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let exceptions: Vec<&serde_json::Value> =
        es.iter().filter(|e| e["action"] == "exception").collect();
    assert_eq!(exceptions.len(), 2);
    assert_eq!(exceptions[0]["seq"], 1, "recorded just after the header");
    assert_eq!(
        exceptions[0]["actors"],
        serde_json::json!(["Wendy Witness"])
    );
    assert_eq!(
        exceptions[0]["details"],
        serde_json::json!({"key": "checklist-1", "step": 1, "text": "Network switch found on; switched off"})
    );
    assert_eq!(
        exceptions[1]["details"],
        serde_json::json!({"key": "type-dice", "step": 3, "text": "Dice cup dropped; rolls restarted"})
    );
    let confirmed: Vec<&serde_json::Value> = es
        .iter()
        .filter(|e| e["action"] == "step-confirmed")
        .collect();
    let keys: Vec<&str> = confirmed
        .iter()
        .map(|e| e["details"]["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "generate-root-key",
            "sign-root-certificate",
            "receive-share-1",
            "receive-share-2",
            "receive-share-3",
            "receive-share-4",
            "receive-share-5",
            "write-manifest"
        ]
    );
    assert_eq!(
        confirmed[0]["actors"],
        serde_json::json!(["Oscar Officer", "Wendy Witness"])
    );
    assert_eq!(confirmed[0]["details"]["step"], 5);
    assert_eq!(confirmed[0]["details"]["method"], "typed-code");
    assert_eq!(
        confirmed[0]["seq"], 5,
        "just before key-generated, as its header said (#6)"
    );
    assert_eq!(es[6]["action"], "key-generated");
    assert_eq!(
        confirmed[1]["actors"],
        serde_json::json!(["Wendy Witness", "Oscar Officer"])
    );
    // The report lists the exceptions.
    let report = t.path().join("report.md");
    common::rootkey([
        "transcript".as_ref(),
        "report".as_ref(),
        out.join("transcript.jsonl").as_os_str(),
        "--out".as_ref(),
        report.as_os_str(),
    ]);
    let md = fs::read_to_string(&report).unwrap();
    assert!(
        md.contains("## Exceptions recorded by the witness\n\n| Entry | Step | Witness | Exception |\n|---|---|---|---|\n| 1 | 1 (checklist-1) | Wendy Witness | Network switch found on; switched off |\n| 3 | 3 (type-dice) | Wendy Witness | Dice cup dropped; rolls restarted |\n"),
        "{md}"
    );
}

/// The lines a terminal shows for `raw` (pty output), applying the status escape
/// (`ESC [1A CR ESC [2K`: the line above is replaced) and dropping carriage returns.
fn rendered(raw: &str) -> Vec<String> {
    const UP: &str = "\x1b[1A\r\x1b[2K";
    let mut lines: Vec<String> = Vec::new();
    for line in raw.replace('\r', "").split('\n') {
        match line.strip_prefix(&UP.replace('\r', "")) {
            Some(status) => {
                lines.pop();
                lines.push(status.to_string());
            }
            None => lines.push(line.to_string()),
        }
    }
    lines
}

#[test]
fn each_typed_row_s_status_replaces_its_prompt_line() {
    let t = TempDir::new().unwrap();
    let shares = t.path().join("shares");
    common::rootkey([
        "generate".as_ref(),
        "--plan".as_ref(),
        common::text_rehearsal_plan().as_os_str(),
        "--out".as_ref(),
        shares.as_os_str(),
    ])
    .ok();
    let share = |i: usize, name: &str| shares.join(format!("share-0{i}-{name}-rehearsal.txt"));
    let rows: Vec<String> = fs::read_to_string(share(3, "carol"))
        .unwrap()
        .lines()
        .filter(|l| l.len() == 17 && l.as_bytes()[2] == b' ' && l[..2].parse::<u8>().is_ok())
        .map(str::to_string)
        .collect();
    assert_eq!(rows.len(), 13);
    let out = t.path().join("combine");
    let (manifest, root) = (shares.join("manifest.json"), shares.join("root.pem"));
    let (s1, s2) = (share(1, "alice"), share(2, "bob"));
    let mut s = spawn(&[
        "combine",
        "--out",
        out.to_str().unwrap(),
        "--manifest",
        manifest.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
        s1.to_str().unwrap(),
        s2.to_str().unwrap(),
        "--type",
    ]);
    let mut screen = String::new();
    let mut typed: Vec<&str> = rows.iter().map(String::as_str).collect();
    typed.insert(1, "ZZZZ ZZZZ ZZZZ");
    for line in &typed {
        upto(&mut s, "/13: ", &mut screen);
        type_hidden(&mut s, line);
    }
    let c = s.expect(Eof).unwrap();
    screen.push_str(&String::from_utf8_lossy(c.as_bytes()));
    match s.get_process().wait().unwrap() {
        WaitStatus::Exited(_, 0) => {}
        other => panic!("combine failed: {other:?}\n{screen}"),
    }
    // Each status is written over its prompt line.
    for r in 1..=13 {
        let status = format!("\x1b[1A\r\x1b[2K  row {r:>2}/13 ok\r\n");
        assert!(screen.contains(&status), "row {r}: {screen:?}");
    }
    let lines = rendered(&screen);
    let from = lines
        .iter()
        .position(|l| l.starts_with("Share 3: "))
        .unwrap();
    let to = lines.iter().position(|l| l == "  row 13/13 ok").unwrap();
    assert_eq!(
        lines[from..=to],
        [
            "Share 3: scan its QR code with the scanner, or type its 13 rows from the paper",
            "(input is hidden; spaces do not matter).",
            "  row  1/13 ok",
            "  row 2: more than one character is wrong; the row cannot be corrected",
            "  type row 2 again",
            "  row  2/13 ok",
            "  row  3/13 ok",
            "  row  4/13 ok",
            "  row  5/13 ok",
            "  row  6/13 ok",
            "  row  7/13 ok",
            "  row  8/13 ok",
            "  row  9/13 ok",
            "  row 10/13 ok",
            "  row 11/13 ok",
            "  row 12/13 ok",
            "  row 13/13 ok",
        ],
        "the share's screen fits 24 lines with no prompt left over"
    );
    for r in &rows {
        assert!(!screen.contains(&r[3..]), "a typed row is never shown");
    }
}

/// The shipped rehearsal plan with 16 text holders and a threshold of 8 (no checklist steps):
/// splitting checks C(16, 8) = 12870 subsets, seconds of work in a test build.
fn large_quorum_plan(dir: &Path) -> PathBuf {
    let text = fs::read_to_string(common::repo_path("ceremony-scripts/rehearsal.toml")).unwrap();
    let holders: String = (1..=16)
        .map(|n| {
            format!("[[holders]]\nname = \"Holder {n}\"\nrole = \"holder\"\nmedium = \"text\"\n\n")
        })
        .collect();
    let (i, j) = (
        text.find("[[holders]]").unwrap(),
        text.find("[roles]").unwrap(),
    );
    let roles = &text[j..text.find("[[checklist]]").unwrap()];
    let text = format!("{}{holders}{roles}", &text[..i])
        .replace("threshold = 3\nshares = 5", "threshold = 8\nshares = 16");
    let p = dir.join("large.toml");
    fs::write(&p, text).unwrap();
    p
}

#[test]
fn work_over_a_second_shows_a_working_line_cleared_before_the_next_screen() {
    let t = TempDir::new().unwrap();
    let plan = large_quorum_plan(t.path());
    let out = t.path().join("run");
    let mut s = spawn(&[
        "run",
        plan.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let mut screen = String::new();
    loop {
        let needles: Vec<Box<dyn expectrl::Needle>> = vec![
            Box::new("confirmer 1 of 2, your name: "),
            Box::new(MORE),
            Box::new(Eof),
        ];
        let c = s.expect(expectrl::Any::boxed(needles)).unwrap();
        let shown = String::from_utf8_lossy(c.before()).into_owned();
        let matched = String::from_utf8_lossy(c.get(0).unwrap_or_default()).into_owned();
        screen.push_str(&shown);
        screen.push_str(&matched);
        match matched.as_str() {
            "confirmer 1 of 2, your name: " => {
                let code = critical_code(&shown);
                for name in ["Oscar Officer", "Wendy Witness"] {
                    if name == "Wendy Witness" {
                        upto(&mut s, "confirmer 2 of 2, your name: ", &mut screen);
                    }
                    s.send_line(name).unwrap();
                    upto(
                        &mut s,
                        &format!("{name}, type the code {code}: "),
                        &mut screen,
                    );
                    s.send_line(&code).unwrap();
                }
            }
            MORE => s.send_line("").unwrap(),
            _ => break,
        }
    }
    match s.get_process().wait().unwrap() {
        WaitStatus::Exited(_, 0) => {}
        other => panic!("run failed: {other:?}\n{screen}"),
    }
    // The split step shows the line after a second, updates it in place, and clears it
    // before the next step's header.
    let split = screen
        .find("Split the seed, check every k-subset\r\n")
        .expect("the split step");
    let next = split
        + screen[split..]
            .find("Self-sign the root certificate\r\n")
            .unwrap();
    let between = &screen[split..next];
    assert!(
        between.contains("\r\x1b[2Kworking: Split the seed, check every k-subset… 1 s"),
        "{:?}",
        &screen[split.saturating_sub(300)..(next + 600).min(screen.len())]
    );
    let last = between.rfind("working: ").unwrap();
    assert!(
        between[last..].contains("\r\x1b[2K\r\n"),
        "cleared before what follows: {between:?}"
    );
    assert_fits_80_columns(&between.replace("\r\x1b[2K", "\n"));
    common::transcript_verifies_with_both(&out);
}
