//! `rootkey run PLAN --answers FILE.toml` (issue 13, item 4; docs/formats.md, "Answers
//! file"): the shipped rehearsal plan with the shipped answers file, a real generation plan
//! (holders on text and paper) refused without `--i-understand-this-is-unattended` and run
//! with it, unknown ids and syntax errors refused up front with line and column, a missing
//! answer stopping the ceremony with `aborted`, unused answers warned about; the file's use is
//! recorded in the header (`preflight.answers_file`) and both verifiers accept it.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use common::{Run, rootkey, s};

/// The dice of the real plan's answers (102 rolls; public, test only).
fn dice() -> String {
    "123456".repeat(17)
}

/// A real (non-rehearsal) v2 generation plan whose holders are on text and paper, with dice
/// (`tests/fixtures/real-dice-plan.toml`) and checklist steps 1 and 8 (initials) and 15 (after
/// the seal: Enter).
fn real_plan() -> String {
    let plan = fs::read_to_string(common::repo_path("tests/fixtures/real-dice-plan.toml")).unwrap();
    format!("{plan}\n{CHECKLISTS}")
}

const CHECKLISTS: &str = r#"[[checklist]]
by = "witness"
before = "start-ceremony"
title = "No network cable, Wi-Fi off"
text = "Witness confirms that no network cable is plugged in and Wi-Fi is off"

[[checklist]]
by = "witness"
after = "sign-root-certificate"
title = "Read the root fingerprint aloud"
text = "Witness reads the root key fingerprint aloud"

[[checklist]]
by = "crypto-officer"
after = "seal-transcript"
title = "Copy the public files"
text = "Crypto officer copies root.pem, manifest.json and the transcript to two USB sticks"
"#;

fn real_answers() -> String {
    format!(
        "version = 1\nconfirmers = [\"Oscar Officer\", \"Wendy Witness\"]\n\n[answers]\n\
         checklist-1-initials = \"WW\"\ndice = \"{}\"\nchecklist-8-initials = \"ww\"\n\
         checklist-15-done = \"\"\n",
        dice()
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

/// `rootkey run PLAN --answers ANSWERS --out OUT EXTRA…` (with the test suite's network
/// exception: CI machines have an interface up).
fn run(plan: &Path, answers: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "--allow-network".to_string(),
        common::TEST_NETWORK_EXCEPTION.to_string(),
        "run".into(),
        s(plan),
        "--answers".into(),
        s(answers),
        "--out".into(),
        s(out),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    rootkey(args)
}

fn header(out: &Path) -> Value {
    let t = fs::read_to_string(out.join("transcript.jsonl")).unwrap();
    serde_json::from_str(t.lines().next().unwrap()).unwrap()
}

fn last_entry(out: &Path) -> Value {
    let t = fs::read_to_string(out.join("transcript.jsonl")).unwrap();
    serde_json::from_str(t.lines().last().unwrap()).unwrap()
}

/// Both verifiers over `out`: rootkey's exit code and output, the Python verifier's first line.
fn verify_both(out: &Path) -> (i32, String, String) {
    let t = out.join("transcript.jsonl");
    let r = rootkey([
        "transcript",
        "verify",
        &s(&t),
        "--root",
        &s(&out.join("root.pem")),
        "--artifacts",
        &s(out),
    ]);
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
        r.code,
        r.stdout,
        String::from_utf8_lossy(&py.stdout).trim().to_string(),
    )
}

fn sha256_hex(p: &Path) -> String {
    hex::encode(Sha256::digest(fs::read(p).unwrap()))
}

#[test]
fn the_shipped_answers_file_runs_the_shipped_rehearsal_plan() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("rehearsal");
    let plan = common::repo_path("ceremony-scripts/rehearsal.toml");
    let answers = common::repo_path("ceremony-scripts/rehearsal-answers.toml");
    let r = run(&plan, &answers, &out, &[]);
    r.ok();
    assert!(r.stdout.contains("REHEARSAL complete"), "{}", r.stdout);
    // Each question with its answer, as a log would show it; no unused answer.
    assert!(
        r.stderr
            .contains("Wendy Witness: once this is done, type your initials: WW\n"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("warning: answers file"), "{}", r.stderr);
    assert!(r.stderr.contains("Step 22/22 · "), "{}", r.stderr);
    assert_eq!(
        header(&out)["details"]["preflight"]["answers_file"],
        serde_json::json!({
            "file": "rehearsal-answers.toml",
            "sha256": sha256_hex(&answers),
            "unattended": false,
        })
    );
    let (code, text, py) = verify_both(&out);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(&format!(
            "questions answered from the answers file rehearsal-answers.toml (SHA-256 {})",
            sha256_hex(&answers)
        )),
        "{text}"
    );
    assert!(!text.contains("unattended acknowledged"), "{text}");
    assert_eq!(py, "VALID SEALED");
    // The three checklist acknowledgements are in the transcript.
    let acks = fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap()
        .matches("\"action\":\"checklist-acknowledged\"")
        .count();
    assert_eq!(acks, 3);
    // The auditor's report carries the same finding.
    let report = t.path().join("report.md");
    rootkey([
        "transcript",
        "report",
        &s(&out.join("transcript.jsonl")),
        "--out",
        &s(&report),
    ])
    .ok();
    let md = fs::read_to_string(&report).unwrap();
    assert!(
        md.contains("questions answered from the answers file rehearsal-answers.toml"),
        "{md}"
    );
}

#[test]
fn a_real_generation_is_refused_without_the_unattended_flag_and_runs_with_it() {
    let t = TempDir::new().unwrap();
    let plan = write(t.path(), "real.toml", &real_plan());
    let answers = write(t.path(), "real-answers.toml", &real_answers());
    let out = t.path().join("refused");
    let r = run(&plan, &answers, &out, &["--allow-persistent-output"]);
    r.code(1);
    assert_eq!(
        r.stderr,
        format!(
            "error: plan {}: a real generation (rehearsal = false) would run unattended from the answers file {}; nothing was done\n  \
next step: run it at the terminal without --answers, or, if nobody needs to type (automation), add --i-understand-this-is-unattended (recorded in the transcript)\n",
            s(&plan),
            s(&answers)
        )
    );
    assert!(!out.exists(), "nothing is created before the refusal");

    let out = t.path().join("real");
    let r = run(
        &plan,
        &answers,
        &out,
        &[
            "--allow-persistent-output",
            "--i-understand-this-is-unattended",
        ],
    );
    r.ok();
    assert!(
        !r.all_output().contains(&dice()),
        "the dice are never shown"
    );
    assert!(
        r.stderr
            .contains("dice rolls (hidden): (hidden; from the answers file)\n"),
        "{}",
        r.stderr
    );
    // The checklist step after the seal is acknowledged with Enter, not recorded.
    assert!(
        r.stderr
            .contains("Oscar Officer: press Enter once this is done"),
        "{}",
        r.stderr
    );
    let h = header(&out);
    assert_eq!(h["details"]["ceremony"]["rehearsal"], false);
    assert_eq!(
        h["details"]["preflight"]["answers_file"],
        serde_json::json!({
            "file": "real-answers.toml",
            "sha256": sha256_hex(&answers),
            "unattended": true,
        })
    );
    assert_eq!(last_entry(&out)["action"], "seal");
    let (code, text, py) = verify_both(&out);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("real-answers.toml (SHA-256 ") && text.contains("), unattended acknowledged"),
        "{text}"
    );
    assert_eq!(py, "VALID SEALED");
    let sh = Command::new(env!("CARGO_BIN_EXE_rootkey"))
        .args(["share", "verify"])
        .arg(out.join("share-01-alice-holder.txt"))
        .arg("--manifest")
        .arg(out.join("manifest.json"))
        .arg("--root")
        .arg(out.join("root.pem"))
        .output()
        .unwrap();
    assert!(sh.status.success(), "{sh:?}");
}

#[test]
fn the_unattended_flag_needs_an_answers_file() {
    let t = TempDir::new().unwrap();
    let r = rootkey([
        "run",
        &s(&common::repo_path("ceremony-scripts/rehearsal.toml")),
        "--out",
        &s(&t.path().join("o")),
        "--i-understand-this-is-unattended",
    ]);
    r.code(2);
    assert!(r.stderr.contains("--answers"), "{}", r.stderr);
    assert!(!t.path().join("o").exists());
}

#[test]
fn unknown_ids_and_syntax_errors_are_refused_up_front_with_line_and_column() {
    let t = TempDir::new().unwrap();
    let plan = common::repo_path("ceremony-scripts/rehearsal.toml");
    let cases = [
        (
            // Step 2 is a built-in step, not a checklist step.
            "version = 1\n[answers]\ncheckist-1-initials = \"WW\"\n",
            "line 3, column 1: `checkist-1-initials` is not a question of plan",
        ),
        (
            "version = 1\n[answers]\nchecklist-1-initials = \"WW\"\n  checklist-2-initials = \"WW\"\n",
            "line 4, column 3: `checklist-2-initials` is not a question of plan",
        ),
        (
            "version = 1\n[answers]\ndice = \"1\\u0032\"\n",
            "line 3, column 10: a backslash (escape) is not allowed in an answer",
        ),
        (
            "version = 1\n[answers]\nchecklist-1-initials = \"WW\"\nchecklist-1-initials = \"WW\"\n",
            "line 4, column 1: `checklist-1-initials` is answered twice",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let answers = write(t.path(), &format!("a{i}.toml"), text);
        let out = t.path().join(format!("o{i}"));
        let r = run(&plan, &answers, &out, &[]);
        r.code(1);
        let first = r.stderr.lines().next().unwrap();
        assert!(
            first.starts_with(&format!("error: answers file {}, ", s(&answers)))
                && first.contains(want),
            "{text:?}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("\n  next step: "), "{}", r.stderr);
        assert!(!out.exists(), "{text:?}: nothing is created");
    }
    // The unknown id's next step names where the ids are listed.
    let answers = write(
        t.path(),
        "typo.toml",
        "version = 1\n[answers]\ndices = \"1\"\n",
    );
    let r = run(&plan, &answers, &t.path().join("typo"), &[]);
    assert_eq!(
        r.stderr,
        format!(
            "error: answers file {a}, line 3, column 1: `dices` is not a question of plan {p}\n  \
next step: correct or remove `dices` in {a}: the ids are listed in docs/formats.md, \"Answers file\", and `rootkey plan render` numbers the checklist steps\n",
            a = s(&answers),
            p = s(&plan)
        )
    );
}

#[test]
fn a_missing_answer_stops_the_ceremony_and_unused_answers_are_warned_about() {
    let t = TempDir::new().unwrap();
    let plan = common::repo_path("ceremony-scripts/rehearsal.toml");
    let answers = write(
        t.path(),
        "short.toml",
        "version = 1\nconfirmers = [\"Oscar Officer\", \"Wendy Witness\"]\n[answers]\nchecklist-1-initials = \"WW\"\nchecklist-7-initials = \"WW\"\n",
    );
    let out = t.path().join("short");
    let r = run(&plan, &answers, &out, &[]);
    r.code(1);
    assert!(
        r.stderr.contains(&format!(
            "error: answers file {}: no answer for `checklist-16-initials` (Wendy Witness: once this is done, type your initials:)\n  next step: the ceremony stopped and its transcript ends with `aborted`",
            s(&answers),
        )) && r.stderr.contains("run the ceremony again in a new, empty directory"),
        "{}",
        r.stderr
    );
    let last = last_entry(&out);
    assert_eq!(last["action"], "aborted");
    assert!(
        last["details"]["reason"]
            .as_str()
            .unwrap()
            .contains("no answer for `checklist-16-initials`"),
        "{last}"
    );
    let (code, text, py) = verify_both(&out);
    assert_eq!(code, 3, "{text}");
    assert!(py.starts_with("VALID UNSEALED"), "{py}");

    // A retry's answer that was not needed: the ceremony completes, with a warning.
    let answers = write(
        t.path(),
        "spare.toml",
        "version = 1\nconfirmers = [\"Oscar Officer\", \"Wendy Witness\"]\n[answers]\nchecklist-1-initials = [\"WW\", \"WW\"]\n\
         checklist-7-initials = \"WW\"\nchecklist-16-initials = \"WW\"\n",
    );
    let r = run(&plan, &answers, &t.path().join("spare"), &[]);
    r.ok();
    assert!(
        r.stderr.ends_with(
            "warning: answers file: `checklist-1-initials` gives 2 string(s) but was asked 1 time(s); the rest were not used\n"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn slips_in_an_answers_run_are_asked_again_and_recorded() {
    let t = TempDir::new().unwrap();
    let plan = write(t.path(), "real.toml", &real_plan());
    // Wrong initials once; too few dice, then a 7 (never shown, never recorded).
    let answers = write(
        t.path(),
        "slips.toml",
        &real_answers()
            .replace(
                "checklist-1-initials = \"WW\"",
                "checklist-1-initials = [\"OO\", \"WW\"]",
            )
            .replace(
                &format!("dice = \"{}\"", dice()),
                &format!("dice = [\"1234\", \"12 7 {}\", \"{}\"]", dice(), dice()),
            ),
    );
    let out = t.path().join("slips");
    let r = run(
        &plan,
        &answers,
        &out,
        &[
            "--allow-persistent-output",
            "--i-understand-this-is-unattended",
        ],
    );
    r.ok();
    assert!(
        r.stderr
            .contains("those are not the initials of Wendy Witness\n  try 2 of 3: "),
        "{}",
        r.stderr
    );
    let text = fs::read_to_string(out.join("transcript.jsonl")).unwrap();
    let es: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let actions: Vec<&str> = es.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions[..6],
        [
            "header",
            "slip",
            "checklist-acknowledged",
            "slip",
            "slip",
            "entropy"
        ],
        "{actions:?}"
    );
    let details: Vec<&Value> = [1, 3, 4].iter().map(|&i| &es[i]["details"]).collect();
    assert_eq!(
        details,
        [
            &serde_json::json!({"attempt": 1, "kind": "initials", "step": "checklist step 1 (No network cable, Wi-Fi off)"}),
            &serde_json::json!({"attempt": 1, "kind": "dice-too-few", "step": "step 2/13 type-dice (Roll the dice and type the rolls)"}),
            &serde_json::json!({"attempt": 2, "kind": "dice-not-a-roll", "step": "step 2/13 type-dice (Roll the dice and type the rolls)"}),
        ]
    );
    assert!(!text.contains(&dice()), "the rolls are never recorded");
    let (code, out_text, py) = verify_both(&out);
    assert_eq!(code, 0, "{out_text}");
    assert_eq!(py, "VALID SEALED");
    // The report's timeline names each slip.
    let report = t.path().join("report.md");
    rootkey([
        "transcript",
        "report",
        &s(&out.join("transcript.jsonl")),
        "--out",
        &s(&report),
    ])
    .ok();
    let md = fs::read_to_string(&report).unwrap();
    assert!(
        md.contains(
            "slip at checklist step 1 (No network cable, Wi-Fi off): initials (try 1), asked again"
        ),
        "{md}"
    );
}
