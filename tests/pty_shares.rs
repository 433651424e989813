//! Presenting a share at the keyboard, through a pseudo-terminal: `rootkey combine --type`
//! asks for the rows of a paper share one by one (each checked, and corrected if one character
//! is wrong, as soon as it is entered) or for one line from a USB QR scanner. The pty echoes
//! like an ordinary terminal (`stty echo`), so "nothing typed appears on the screen" is a real
//! check of rootkey's hidden input. All ways of presenting a share give the same result.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::thread::sleep;
use std::time::{Duration, Instant};

use expectrl::process::unix::WaitStatus;
use expectrl::{Eof, Expect, Session};
use serde_json::Value;
use tempfile::TempDir;

use common::rootkey;

struct Fixture {
    _dir: TempDir,
    out: PathBuf,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = TempDir::new().unwrap();
        let out = dir.path().join("rehearsal");
        common::Ceremony::rehearse(&out);
        Fixture { _dir: dir, out }
    })
}

fn share(i: usize) -> PathBuf {
    let names = ["alice", "bob", "carol", "dave", "erin"];
    fixture()
        .out
        .join(format!("share-0{i}-{}-rehearsal.txt", names[i - 1]))
}

/// The 13 printed rows of share `i` ("NN XXXX XXXX XXXX").
fn rows(i: usize) -> Vec<String> {
    fs::read_to_string(share(i))
        .unwrap()
        .lines()
        .filter(|l| l.len() == 17 && l.as_bytes()[2] == b' ' && l[..2].parse::<u8>().is_ok())
        .map(str::to_string)
        .collect()
}

/// What was on the screen, how the process ended, and its transcript.
struct Run {
    code: i32,
    screen: String,
    transcript: PathBuf,
}

/// Runs `rootkey combine --type` with share files 1 and 2, then answers the keyboard prompts
/// with `lines` (each sent once rootkey reads hidden input).
fn combine_typing(out: &Path, lines: &[String]) -> Run {
    let f = fixture();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("stty echo && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_rootkey"))
        .arg("combine")
        .arg("--out")
        .arg(out)
        .arg("--manifest")
        .arg(f.out.join("manifest.json"))
        .arg("--root")
        .arg(f.out.join("root.pem"))
        .arg(share(1))
        .arg(share(2))
        .arg("--type");
    let mut s = Session::spawn(cmd).unwrap();
    s.set_expect_timeout(Some(Duration::from_secs(30)));
    let mut screen = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let before = s.expect("/13: ").unwrap();
        screen.extend_from_slice(before.as_bytes());
        if i == 0 {
            // No one is asked before the transcript is on disk up to date: the header and
            // the two share files presented (rootkey may hold entries while it only computes).
            let t = out.join("transcript.jsonl");
            assert!(t.exists(), "no transcript at the first prompt");
            assert_eq!(entries(&t, "header").len(), 1);
            assert_eq!(entries(&t, "share-presented").len(), 2);
        }
        // Type only once rootkey has turned echo off (it is reading a hidden line).
        let deadline = Instant::now() + Duration::from_secs(20);
        while s.get_process().get_echo().unwrap() {
            assert!(Instant::now() < deadline, "the terminal still echoes");
            sleep(Duration::from_millis(5));
        }
        s.send_line(l).unwrap();
    }
    let rest = s.expect(Eof).unwrap();
    screen.extend_from_slice(rest.as_bytes());
    let code = match s.get_process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("rootkey did not exit normally: {other:?}"),
    };
    Run {
        code,
        screen: String::from_utf8_lossy(&screen).into_owned(),
        transcript: out.join("transcript.jsonl"),
    }
}

fn entries(t: &Path, action: &str) -> Vec<Value> {
    fs::read_to_string(t)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["action"] == action)
        .collect()
}

/// Asserts that none of `typed` (without spaces) appears on the screen.
fn not_echoed(screen: &str, typed: &[String]) {
    for t in typed {
        let body = &t[3..];
        let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            !screen.contains(&compact),
            "{compact:?} on screen:\n{screen}"
        );
        assert!(!screen.contains(body), "{body:?} on screen:\n{screen}");
    }
}

#[test]
fn a_share_typed_row_by_row_is_checked_corrected_and_combined() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("typed");
    let mut typed = rows(3);
    // Row 4 with one wrong character (corrected), typed without its row number and in lower
    // case; row 6 first with a character that is not in the alphabet (asked again).
    let mut r4: Vec<char> = typed[3][3..].chars().collect();
    r4[0] = if r4[0] == 'Z' { 'Y' } else { 'Z' };
    typed[3] = r4.iter().collect::<String>().to_lowercase();
    let mut lines = typed.clone();
    lines.insert(5, "06 UUUU UUUU UUUU".into());
    let s = combine_typing(&out, &lines);
    assert_eq!(s.code, 0, "{}", s.screen);
    for want in [
        "Share 3: scan its QR code",
        "row  4/13 ok — character 1 was wrong and has been corrected; check the paper",
        "row 6, character 1: not a share character",
        "type row 6 again",
        "Quorum: shares 1, 2 and 3 rebuilt the root key",
    ] {
        assert!(
            s.screen.contains(want),
            "screen lacks {want:?}:\n{}",
            s.screen
        );
    }
    not_echoed(&s.screen, &rows(3));
    let p = entries(&s.transcript, "share-presented");
    assert_eq!(p[2]["details"]["file"], "-");
    assert_eq!(p[2]["details"]["corrections"], 1);
    assert_eq!(p[2]["actors"][0], "Carol Rehearsal");
    // The typed share is the one in the file: same envelope digest as when read from it.
    let from_file = TempDir::new().unwrap();
    let o2 = from_file.path().join("files");
    common::combine_into(
        &o2,
        &fixture().out.join("manifest.json"),
        &fixture().out.join("root.pem"),
        &[&share(1), &share(2), &share(3)],
        &common::Secrets(Vec::new()),
    )
    .ok();
    let q = entries(&o2.join("transcript.jsonl"), "share-presented");
    assert_eq!(
        p[2]["details"]["envelope_sha256"],
        q[2]["details"]["envelope_sha256"]
    );
    rootkey([
        "transcript".as_ref(),
        "verify".as_ref(),
        s.transcript.as_os_str(),
    ])
    .ok();
}

#[test]
fn a_usb_scanner_line_is_one_share() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("scanned");
    // The QR code holds the compact form; a scanner types it followed by Enter.
    let compact = compact_of(3);
    let s = combine_typing(&out, std::slice::from_ref(&compact));
    assert_eq!(s.code, 0, "{}", s.screen);
    assert!(
        s.screen.contains("scanned: 161 characters read"),
        "{}",
        s.screen
    );
    assert!(
        s.screen.contains("  share  3  Carol Rehearsal"),
        "{}",
        s.screen
    );
    assert!(
        !s.screen.contains(&compact[5..]),
        "scanned text echoed:\n{}",
        s.screen
    );
    let p = entries(&s.transcript, "share-presented");
    assert_eq!(p[2]["details"]["file"], "-");
}

#[test]
fn a_share_that_is_never_typed_right_aborts_the_ceremony() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("refused");
    let lines = vec!["UUUU".to_string(); 5];
    let s = combine_typing(&out, &lines);
    assert_eq!(s.code, 1, "{}", s.screen);
    assert!(
        s.screen
            .contains("row 1 was refused 5 times; giving up on this share"),
        "{}",
        s.screen
    );
    let last = fs::read_to_string(&s.transcript).unwrap();
    let last = last.lines().last().unwrap();
    assert!(last.contains("\"action\":\"aborted\""), "{last}");
}

/// The compact form (what a share's QR code holds) of share `i`, via `rootkey`'s own parser.
fn compact_of(i: usize) -> String {
    let text = fs::read(share(i)).unwrap();
    let d = rootkey::share::text::parse(&text).unwrap();
    let c = rootkey::share::text::encode_compact(&d.envelope).unwrap();
    String::from_utf8(c.as_slice().to_vec()).unwrap()
}
