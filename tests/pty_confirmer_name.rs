//! An unusable name at the confirmer prompt (issue 14, item 4): asked again with what is
//! wrong instead of ending the ceremony, each refusal recorded as a `slip` of kind
//! `confirmer-name`; the third unusable name ends it, nothing signed. Through the real binary in
//! a pseudo-terminal that echoes.

mod common;

use std::fs;
use std::path::Path;

use serde_json::Value;
use tempfile::TempDir;

use common::pty::Pty;
use common::{Ceremony, actions, s};

fn entries(out: &Path) -> Vec<Value> {
    fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `rootkey crl sign --first-crl` of a rehearsal root with three share files, in a pty.
fn crl_sign(c: &Ceremony, out: &Path) -> Pty {
    let mut a = vec![
        "crl".to_string(),
        "sign".into(),
        "--first-crl".into(),
        "--root".into(),
        s(&c.root),
        "--manifest".into(),
        s(&c.manifest),
        "--out".into(),
        s(out),
    ];
    for i in 1..=3 {
        a.push("--share".into());
        a.push(s(c.share(i)));
    }
    Pty::spawn_here(&a)
}

#[test]
fn an_unusable_confirmer_name_is_asked_again_and_recorded_as_a_slip() {
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("root"));
    let out = t.path().join("crl");
    let mut p = crl_sign(&c, &out);
    // Enter alone, then spaces (trimmed: nothing), then a real name.
    p.answer("confirmer 1 of 2, your name: ", "");
    p.expect("no name was typed\r\n");
    p.expect("  try 2 of 3: confirmer 1, type your name again");
    p.answer("confirmer 1 of 2, your name: ", "   ");
    p.expect("no name was typed\r\n");
    p.expect("  try 3 of 3: confirmer 1, type your name again");
    p.answer("confirmer 1 of 2, your name: ", "Ann Officer");
    let code = p.code();
    p.answer(&format!("Ann Officer, type the code {code}: "), &code);
    let long = "x".repeat(201);
    p.answer("confirmer 2 of 2, your name: ", &long);
    p.expect("confirmer name of 201 characters is too long (at most 200)\r\n");
    p.expect("  try 2 of 3: confirmer 2, type your name again");
    p.answer("confirmer 2 of 2, your name: ", "Bob Witness");
    p.answer(&format!("Bob Witness, type the code {code}: "), &code);
    let screen = p.finish();
    assert_eq!(screen.code, 0, "{}", screen.text);
    assert!(
        common::pty::shows(
            &screen.text,
            "confirmed by \"Ann Officer\" and \"Bob Witness\""
        ),
        "{}",
        screen.text
    );
    let es = entries(&out);
    let a = actions(&es);
    let slips: Vec<(u64, &str)> = es
        .iter()
        .filter(|e| e["action"] == "slip")
        .map(|e| {
            assert_eq!(e["details"]["kind"], "confirmer-name", "{e}");
            (
                e["details"]["attempt"].as_u64().unwrap(),
                e["details"]["step"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(slips.len(), 3, "{a:?}");
    assert_eq!(
        slips.iter().map(|x| x.0).collect::<Vec<_>>(),
        [1, 2, 1],
        "{slips:?}"
    );
    assert!(slips.iter().all(|x| x.1.contains("confirm")), "{slips:?}");
    let first = a.iter().position(|x| *x == "slip").unwrap();
    assert_eq!(
        a[first..first + 5],
        ["slip", "slip", "slip", "confirmed", "confirmed"],
        "{a:?}"
    );
    // Never the value typed.
    let text = fs::read_to_string(out.join("transcript.jsonl")).unwrap();
    assert!(!text.contains(&long));
    common::transcript_verifies_with_both_under(&out, &c.root);
}

#[test]
fn three_unusable_names_end_the_ceremony_with_nothing_signed() {
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("root"));
    let out = t.path().join("crl");
    let mut p = crl_sign(&c, &out);
    for _ in 0..3 {
        p.answer("confirmer 1 of 2, your name: ", "");
    }
    let screen = p.finish();
    assert_eq!(screen.code, common::INPUT, "{}", screen.text);
    assert!(
        common::pty::shows(
            &screen.text,
            "error: no name was typed (try 3 of 3; nothing was signed)"
        ),
        "{}",
        screen.text
    );
    let es = entries(&out);
    let a = actions(&es);
    assert_eq!(a[a.len() - 3..], ["slip", "slip", "aborted"], "{a:?}");
    assert!(!out.join("root.crl").exists());
}
