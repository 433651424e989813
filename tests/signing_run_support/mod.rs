//! Helpers of the `rootkey run` pty tests of signing plans (`tests/pty_run_rotation.rs`,
//! `tests/pty_run_crl.rs`): a rehearsal root, a plan naming its people, photos and printed
//! rows of its paper shards, the confirmations, the holders' screens, both verifiers.
#![allow(dead_code)]

use std::fs;
use std::path::Path;
use std::process::Command;

use expectrl::Expect;
use serde_json::Value;

use crate::common;
use crate::common::pty::{CLEAR, Pty};

/// The rehearsal root's people, as a plan of `kind` with `table` (its kind's table).
pub fn signing_plan(kind: &str, table: &str) -> String {
    let holders = [
        ("Alice Rehearsal", "text"),
        ("Bob Rehearsal", "text"),
        ("Carol Rehearsal", "paper"),
        ("Dave Rehearsal", "paper"),
        ("Erin Rehearsal", "paper"),
    ];
    let mut p = format!(
        "version = 2\n\n[ceremony]\nname = \"Rehearsal {kind}\"\nkind = \"{kind}\"\nrehearsal = false\n\n\
         [quorum]\nthreshold = 3\nshares = 5\n\n\
         [[participants]]\nname = \"Oscar Officer\"\nrole = \"ceremony officer\"\n\n\
         [[participants]]\nname = \"Wendy Witness\"\nrole = \"witness\"\n\n"
    );
    for (name, medium) in holders {
        p.push_str(&format!(
            "[[holders]]\nname = \"{name}\"\nrole = \"holder\"\nmedium = \"{medium}\"\n\n"
        ));
    }
    p.push_str(
        "[roles]\nadministrator = \"Oscar Officer\"\ncrypto-officers = [\"Oscar Officer\"]\n\
         witness = \"Wendy Witness\"\nconfirmers = [\"Oscar Officer\", \"Wendy Witness\"]\n\n",
    );
    p.push_str(table);
    p.push_str(
        "\n[[checklist]]\nby = \"witness\"\nbefore = \"start-ceremony\"\n\
         title = \"No network cable, Wi-Fi off\"\n\
         text = \"Witness confirms that no network cable is plugged in and Wi-Fi is off\"\n\n\
         [[checklist]]\nby = \"witness\"\nafter = \"seal-transcript\"\n\
         title = \"Shares back in their envelopes\"\n\
         text = \"Witness watches each holder put their share back in a new envelope\"\n",
    );
    p
}

/// The 13 rows printed on paper shard `pdf`, read back with pdftotext.
pub fn printed_rows(pdf: &Path) -> Vec<String> {
    let o = Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let rows: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| {
            let w: Vec<&str> = l.split(' ').collect();
            w.len() == 4
                && w[0].len() == 2
                && w[0].bytes().all(|b| b.is_ascii_digit())
                && w[1..].iter().all(|g| g.len() == 4)
        })
        .map(str::to_string)
        .collect();
    assert_eq!(rows.len(), 13, "{rows:?}");
    rows
}

/// A photo of paper shard `pdf`'s page, as a holder's phone would give it (`NAME-1.png`).
pub fn photo(pdf: &Path, dir: &Path, name: &str) {
    let o = Command::new("pdftoppm")
        .args(["-r", "150", "-png", "-f", "1", "-l", "1"])
        .arg(pdf)
        .arg(dir.join(name))
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
}

/// `rootkey rehearse --out DIR/root`: the root, shares 1–2 as text files, 3–5 as paper.
pub fn rehearsal_root(dir: &Path) {
    let root = dir.join("root");
    let r = common::rootkey(["rehearse".as_ref(), "--out".as_ref(), root.as_os_str()]);
    assert_eq!(r.code, 0, "{r:?}");
}

/// Both verifiers accept `out`'s transcript, sealed, with its artifacts.
pub fn verifies(out: &Path) {
    let r = common::rootkey([
        "transcript".as_ref(),
        "verify".as_ref(),
        out.join("transcript.jsonl").as_os_str(),
        "--root".as_ref(),
        out.join("root.pem").as_os_str(),
        "--artifacts".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("Result: VALID and SEALED"), "{r:?}");
    let py = Command::new("python3")
        .arg(common::repo_path(
            "tests/vectors/independent_transcript_check.py",
        ))
        .arg(out.join("transcript.jsonl"))
        .arg("--root")
        .arg(out.join("root.pem"))
        .arg("--artifacts")
        .arg(out)
        .output()
        .unwrap();
    assert_eq!(
        (
            py.status.code(),
            String::from_utf8_lossy(&py.stdout).trim().to_string()
        ),
        (Some(0), "VALID SEALED".to_string()),
        "{py:?}"
    );
}

pub fn entries(out: &Path) -> Vec<Value> {
    fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The screen of each holder's turn: from the clear before their step to the next clear.
pub fn holder_screens(screen: &str) -> Vec<String> {
    screen
        .split(CLEAR)
        .filter(|s| s.contains(" · Holder ("))
        .map(str::to_string)
        .collect()
}

/// Types the two confirmations of the summary on screen.
pub fn confirm(p: &mut Pty) {
    // The summary may be paged (docs/plans.md, "Paging").
    p.expect_paging("confirmer 1 of 2, your name: ");
    let at = p.screen.rfind("Confirmation code: ").unwrap();
    let code = p.screen[at + "Confirmation code: ".len()..][..9].to_string();
    p.s.send_line("Oscar Officer").unwrap();
    p.answer(&format!("Oscar Officer, type the code {code}: "), &code);
    p.answer("confirmer 2 of 2, your name: ", "Wendy Witness");
    p.answer(&format!("Wendy Witness, type the code {code}: "), &code);
}
