//! `rootkey run PLAN` through a pseudo-terminal of 80×24 (issue 13, item 2, first slice): the
//! shipped rehearsal plan runs its whole merged step list — each step's screen is cleared and
//! starts with the script's header line and the transcript entry number, the checklist steps
//! wait for the named person's acknowledgement — and completes with a transcript that both
//! verifiers accept. Plans of the kind the runner does not run yet are refused with the
//! expert command to use.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession;
use expectrl::{Eof, Expect, Session};
use tempfile::TempDir;

const CLEAR: &str = "\x1b[H\x1b[2J";

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

/// The header lines of the plan's script, from `rootkey plan render` (the same step list).
fn script_headers(plan: &Path, dir: &Path) -> Vec<String> {
    let md = dir.join("script.md");
    common::rootkey([
        "plan".as_ref(),
        "render".as_ref(),
        plan.as_os_str(),
        "--out".as_ref(),
        md.as_os_str(),
    ])
    .ok();
    let text = fs::read_to_string(&md).unwrap();
    let headers: Vec<String> = text
        .lines()
        .filter_map(|l| l.strip_prefix("### Step ").map(|h| format!("Step {h}")))
        .collect();
    assert!(!headers.is_empty(), "{text}");
    headers
}

#[test]
fn the_rehearsal_plan_runs_step_by_step_with_headers_and_checklists() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("run");
    let plan = common::repo_path("ceremony-scripts/rehearsal.toml");
    let mut s = spawn(&[
        "run",
        plan.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let mut screen = String::new();
    let total = 22;
    let checklists = [
        (1, "Witness (Wendy Witness) · No network cable, Wi-Fi off"),
        (
            7,
            "Witness (Wendy Witness) · Read the root fingerprint aloud",
        ),
        (
            16,
            "Witness (Wendy Witness) · Holders bring back their shares",
        ),
    ];
    let mut entry_seen = Vec::new();
    // The critical steps, each confirmed by the plan's two confirmers before it runs.
    let critical = [4, 6, 8, 9, 10, 11, 12, 14];
    for n in 1..=total {
        // A fresh screen only for the first step and each holder's turn; elsewhere the steps
        // follow each other, so the fingerprint stays in view for the read-aloud (step 7).
        let head = format!("Step {n}/{total} · ");
        let c = s
            .expect(head.as_str())
            .unwrap_or_else(|e| panic!("step {n}: {e}\n{screen}"));
        screen.push_str(&String::from_utf8_lossy(c.as_bytes()));
        if let Some((_, title)) = checklists.iter().find(|(at, _)| *at == n) {
            let prompt = "Wendy Witness: once this is done, type your initials: ";
            let c = s
                .expect(prompt)
                .unwrap_or_else(|e| panic!("step {n}: {e}\n{screen}"));
            let shown = String::from_utf8_lossy(c.as_bytes()).into_owned();
            assert!(shown.starts_with(title), "step {n}: {shown:?}");
            assert!(!shown.contains("transcript entry"), "{shown:?}");
            screen.push_str(&shown);
            if n == 1 {
                // Someone else's initials are refused and asked for again.
                s.send_line("OO").unwrap();
                let again = "those are not the initials of Wendy Witness\r\n  try 2 of 3: Wendy Witness types their own initials\r\n";
                let c = s
                    .expect(again)
                    .unwrap_or_else(|e| panic!("step {n}: {e}\n{screen}"));
                screen.push_str(&String::from_utf8_lossy(c.as_bytes()));
                let c = s.expect(prompt).unwrap();
                screen.push_str(&String::from_utf8_lossy(c.as_bytes()));
            }
            s.send_line(if n == 7 { "Ww" } else { "WW" }).unwrap();
        } else {
            let c = s
                .expect("\r\n\r\n")
                .unwrap_or_else(|e| panic!("step {n}: {e}\n{screen}"));
            let shown = String::from_utf8_lossy(c.as_bytes()).into_owned();
            let k = shown
                .split("transcript entry #")
                .nth(1)
                .unwrap_or_else(|| panic!("step {n}: no entry number in {shown:?}"));
            entry_seen.push(k.trim().parse::<u64>().unwrap());
            screen.push_str(&shown);
            if critical.contains(&n) {
                // Two people type back the code shown (tests/pty_run_screens.rs has the slips).
                let c = common::pty::confirm_critical(&mut s, ["Oscar Officer", "Wendy Witness"]);
                screen.push_str(&c);
            }
        }
    }
    // The result is longer than the screen: it stops at `-- more: press Enter --`.
    let (rest, stops) = common::pty::page_to_end(&mut s);
    screen.push_str(&rest);
    assert!(stops >= 1, "{rest}");
    let code = match s.get_process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("rootkey did not exit normally: {other:?}"),
    };
    assert_eq!(code, 0, "{screen}");
    // The headers are the printed script's, in order.
    let headers: Vec<String> = screen
        .lines()
        .map(|l| l.trim_end_matches('\r').replace(CLEAR, ""))
        .filter(|l| l.starts_with("Step ") && l.contains(&format!("/{total} · ")))
        .collect();
    // The fingerprint is on screen, in words, when the witness is asked to read it aloud.
    let words = screen
        .find("Root certificate signed. Its fingerprint, to read aloud:")
        .expect("the fingerprint is shown when the root is signed");
    assert!(words < screen.find("Step 7/22 · ").unwrap(), "{screen}");
    let script = script_headers(&plan, t.path());
    assert_eq!(headers.len(), script.len(), "{headers:#?}");
    for (shown, full) in headers.iter().zip(&script) {
        if full.chars().count() <= 80 {
            assert_eq!(shown, full);
        } else {
            // Cut to the screen: the person's name is shortened, the title kept.
            let title = full.rsplit(" · ").next().unwrap();
            let number = full.split(" · ").next().unwrap();
            assert!(shown.chars().count() <= 80, "{shown:?}");
            assert!(
                shown.starts_with(number) && shown.ends_with(title),
                "{shown:?} for {full:?}"
            );
            assert!(shown.contains('…'), "{shown:?}");
        }
    }
    assert!(
        headers.iter().any(|h| h.contains('…')),
        "a long header is cut"
    );
    // Each built-in step shows the seq of its transcript entry: the header (0) for
    // start-ceremony, then one entry per step, the slip of the wrong initials (1), the
    // acknowledgements (2, 9, 24) and the critical steps' confirmations between them.
    let acks: [usize; 3] = [2, 9, 24];
    let confirmations: [usize; 8] = [4, 7, 10, 12, 14, 16, 18, 21];
    let want: Vec<u64> = (0..31u64)
        .filter(|k| {
            *k != 1 && !acks.contains(&(*k as usize)) && !confirmations.contains(&(*k as usize))
        })
        .collect();
    assert_eq!(entry_seen, want);
    // Every line before the summary fits the screen.
    let before_summary = screen.split("*** REHEARSAL").next().unwrap();
    for line in before_summary.lines() {
        let line = line.trim_end_matches('\r').replace(CLEAR, "");
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line:?}",
            line.chars().count()
        );
    }
    common::transcript_verifies_with_both(&out);
    let es: Vec<serde_json::Value> = fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(es.len(), 31, "{:?}", common::actions(&es));
    assert_eq!(
        es[1]["details"],
        serde_json::json!({
            "attempt": 1,
            "kind": "initials",
            "step": "checklist step 1 (No network cable, Wi-Fi off)",
        })
    );
    assert_eq!(common::actions(&es).last(), Some(&"seal"));
    let texts = [
        "Witness confirms that no network cable is plugged in and Wi-Fi is off",
        "Witness reads the root key fingerprint aloud; every holder writes it down",
        "Witness confirms the key is wiped and three holders come forward with their shares",
    ];
    for (j, &k) in acks.iter().enumerate() {
        let e = &es[k];
        assert_eq!(e["action"], "checklist-acknowledged", "{e}");
        assert_eq!(e["actors"], serde_json::json!(["Wendy Witness"]));
        let (step, title) = checklists[j];
        let title = title.rsplit(" · ").next().unwrap();
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(texts[j].as_bytes()));
        assert_eq!(
            e["details"],
            serde_json::json!({
                "initials": if step == 7 { "Ww" } else { "WW" },
                "step": step,
                "title": title,
                "text_sha256": sha,
            })
        );
    }
    for (k, e) in es.iter().enumerate() {
        assert_eq!(
            e["action"] == "checklist-acknowledged",
            acks.contains(&k),
            "entry {k}: {e}"
        );
        assert_eq!(
            e["action"] == "step-confirmed",
            confirmations.contains(&k),
            "entry {k}: {e}"
        );
        if confirmations.contains(&k) {
            assert_eq!(
                e["actors"],
                serde_json::json!(["Oscar Officer", "Wendy Witness"])
            );
            assert_eq!(e["details"]["method"], "typed-code");
        }
    }
}

#[test]
fn three_wrong_initials_stop_the_ceremony_with_an_aborted_entry() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("run");
    let plan = common::repo_path("ceremony-scripts/rehearsal.toml");
    let mut s = spawn(&[
        "run",
        plan.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let prompt = "Wendy Witness: once this is done, type your initials: ";
    for k in 1..=3 {
        s.expect(prompt).unwrap();
        s.send_line("OO").unwrap();
        if k < 3 {
            let again = format!(
                "  try {} of 3: Wendy Witness types their own initials",
                k + 1
            );
            s.expect(again.as_str()).unwrap();
        }
    }
    let c = s.expect(Eof).unwrap();
    let screen = String::from_utf8_lossy(c.as_bytes()).replace('\r', "");
    let code = match s.get_process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("rootkey did not exit normally: {other:?}"),
    };
    assert_eq!(code, 1, "{screen}");
    // The error is wrapped to 80 columns on the terminal.
    assert!(
        common::pty::squashed(&screen).ends_with(&common::pty::squashed(
            "error: step 1 (No network cable, Wi-Fi off): 3 tries, and the initials typed were not those of Wendy Witness\n  next step: Wendy Witness must acknowledge this step themselves; keep the output directory as evidence and run the ceremony again in a new, empty output directory\n"
        )),
        "{screen}"
    );
    let names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["transcript.jsonl"]);
    let es: Vec<serde_json::Value> = fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The two refused tries before the last are recorded as slips.
    assert_eq!(common::actions(&es), ["header", "slip", "slip", "aborted"]);
    assert_eq!(es[2]["details"]["attempt"], 2);
    assert_eq!(
        es[3]["details"]["reason"],
        "step 1 (No network cable, Wi-Fi off): 3 tries, and the initials typed were not those of Wendy Witness"
    );
}
