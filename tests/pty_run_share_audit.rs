//! `rootkey run PLAN` of a share-audit plan in a pseudo-terminal at 80×24: each holder in
//! turn, under their step header, says how they present their share (a file, `type`, or Enter
//! when absent); the checklist steps are acknowledged by initials and recorded; the transcript
//! ends with `audit-completed` and both verifiers accept it as complete, not sealed.

mod common;

use std::fs;

use serde_json::Value;
use tempfile::TempDir;

use common::Ceremony;
use common::pty::{assert_fits_80_columns, flat, run_in_pty};

/// A share-audit plan (v2) for the rehearsal ceremony in `gen/` beside it.
const PLAN: &str = r#"version = 2

[ceremony]
name = "Rehearsal share audit"
kind = "share-audit"
rehearsal = true

[quorum]
threshold = 3
shares = 5

[[participants]]
name = "Oscar Officer"
role = "ceremony officer"

[[participants]]
name = "Wendy Witness"
role = "witness"

[[participants]]
name = "Audrey Auditor"
role = "auditor"

[[holders]]
name = "Alice Rehearsal"
role = "security officer (token, EU)"
medium = "text"

[[holders]]
name = "Bob Rehearsal"
role = "security officer (token, US)"
medium = "text"

[[holders]]
name = "Carol Rehearsal"
role = "legal counsel (paper)"
medium = "paper"

[[holders]]
name = "Dave Rehearsal"
role = "CTO (paper)"
medium = "paper"

[[holders]]
name = "Erin Rehearsal"
role = "CISO (paper)"
medium = "paper"

[roles]
administrator = "Oscar Officer"
crypto-officers = ["Oscar Officer"]
witness = "Wendy Witness"
auditor = "Audrey Auditor"

[share-audit]
root = "gen/root.pem"
manifest = "gen/manifest.json"

[[checklist]]
by = "witness"
before = "start-ceremony"
title = "No network cable, Wi-Fi off"
text = "Witness confirms that no network cable is plugged in and Wi-Fi is off"

[[checklist]]
by = "auditor"
before = "prove-share"
title = "Envelopes intact, serials match the log"
text = "Auditor checks that each holder's envelope is intact and its serial matches the log"
"#;

#[test]
fn each_holder_proves_their_share_in_turn_and_an_absent_one_is_listed() {
    let t = TempDir::new().unwrap();
    let gen_dir = t.path().join("gen");
    let c = Ceremony::rehearse(&gen_dir);
    let plan = t.path().join("share-audit.toml");
    fs::write(&plan, PLAN).unwrap();
    let out = t.path().join("audit");
    let share = |i: usize| c.share(i).display().to_string();
    let (s1, s2, s3, s5) = (share(1), share(2), share(3), share(5));
    let lines: Vec<(&str, &str)> = vec![
        ("initials: ", "WW"),
        ("initials: ", "AA"),
        ("  share 1: ", &s1),
        ("  share 2: ", &s2),
        ("  share 3: ", &s3),
        ("  share 4: ", ""),
        ("  share 5: ", &s5),
    ];
    let screen = run_in_pty(
        &[
            "run".into(),
            plan.display().to_string(),
            "--out".into(),
            out.display().to_string(),
        ],
        &lines,
        &[],
    );
    assert_eq!(screen.code, common::INPUT, "{}", screen.text);
    // The screens: every step's header in the script's order, one holder at a time.
    let mut at = 0;
    for h in [
        "Step 1/11 · Witness (Wendy Witness) · No network cable, Wi-Fi off",
        "Step 2/11 · Ceremony administrator (Oscar Officer) · Start the ceremony",
        "Step 4/11 · Auditor (Audrey Auditor) · Envelopes intact, serials match the log",
        "Step 5/11 · Holder (Alice Rehearsal) · Prove your share against the manifest",
        "Step 7/11 · Holder (Carol Rehearsal) · Prove your share against the manifest",
        "Share 3: give the path of a photo of your paper shard, or `type` to type its",
        "  share 3 proved: holder \"Carol Rehearsal\", file",
        "Step 8/11 · Holder (Dave Rehearsal) · Prove your share against the manifest",
        "Step 9/11 · Holder (Erin Rehearsal) · Prove your share against the manifest",
        "Step 11/11 · Witness (Wendy Witness) · Attest the completed audit",
        "Proved (4 of 5):",
        "Did not appear (1):\r\n  share 4  Dave Rehearsal",
    ] {
        let Some(p) = screen.text[at..].find(h) else {
            panic!("{h:?} not shown (in order):\n{}", screen.text);
        };
        at += p + h.len();
    }
    assert!(
        flat(&screen.text).contains(
            "error: the audit is incomplete: no share was presented for 4 (Dave Rehearsal)"
        )
    );
    assert_fits_80_columns(&screen.text);
    // The transcript: the plan's people before the holders, two acknowledgements, four
    // shares proved, holder 4 absent.
    let entries: Vec<Value> = fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "header",
            "checklist-acknowledged",
            "context-loaded",
            "checklist-acknowledged",
            "share-presented",
            "share-presented",
            "share-presented",
            "share-presented",
            "audit-completed"
        ]
    );
    let people: Vec<&str> = entries[0]["details"]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        people,
        [
            "Oscar Officer",
            "Wendy Witness",
            "Audrey Auditor",
            "Alice Rehearsal",
            "Bob Rehearsal",
            "Carol Rehearsal",
            "Dave Rehearsal",
            "Erin Rehearsal"
        ]
    );
    assert_eq!(entries[0]["details"]["plan"], Value::Null);
    assert_eq!(
        entries[8]["details"],
        serde_json::json!({"absent": [4], "failed": [], "proven": [1, 2, 3, 5], "refused": 0})
    );
    // Both verifiers: complete, not sealed (exit 3).
    let t_path = out.join("transcript.jsonl");
    let root = gen_dir.join("root.pem");
    let v = common::rootkey([
        "transcript".as_ref(),
        "verify".as_ref(),
        t_path.as_os_str(),
        "--root".as_ref(),
        root.as_os_str(),
    ]);
    v.code(3);
    assert!(
        v.stdout.contains("did not appear: 4 (Dave Rehearsal)"),
        "{}",
        v.stdout
    );
    let py = std::process::Command::new("python3")
        .arg(common::repo_path(
            "tests/vectors/independent_transcript_check.py",
        ))
        .arg(&t_path)
        .arg("--root")
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&py.stdout),
        "VALID UNSEALED complete, not sealed: a share audit rebuilds no key\n"
    );
    assert_eq!(py.status.code(), Some(3));
}

#[test]
fn the_shipped_plan_without_its_files_is_refused_before_anything_starts() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("audit");
    let plan = common::repo_path("ceremony-scripts/share-audit.toml");
    let r = common::rootkey([
        "run".as_ref(),
        plan.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    r.code(common::INPUT);
    let dir = plan.parent().unwrap().display().to_string();
    assert_eq!(
        r.stderr,
        format!(
            "error: cannot read root certificate {dir}/root-2026/root.pem: No such file or directory (os error 2)\n  next step: [share-audit] in {} names root.pem and manifest.json relative to the plan: bring the generation's files there\n",
            plan.display()
        )
    );
    assert!(!out.exists());
}

#[test]
fn a_plan_whose_holders_are_not_the_manifests_is_refused() {
    let t = TempDir::new().unwrap();
    Ceremony::rehearse(&t.path().join("gen"));
    let plan = t.path().join("share-audit.toml");
    fs::write(&plan, PLAN.replace("Carol Rehearsal", "Carla Rehearsal")).unwrap();
    let out = t.path().join("audit");
    let r = common::rootkey([
        "run".as_ref(),
        plan.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    r.code(common::INPUT);
    assert_eq!(
        r.stderr,
        format!(
            "error: plan {}: holder 3 is \"Carla Rehearsal\", but the manifest's holder of share 3 is \"Carol Rehearsal\"\n  next step: list the generation's holders in the plan, in share order, as the manifest names them\n",
            plan.display()
        )
    );
    assert!(!out.exists());
}
