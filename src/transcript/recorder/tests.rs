//! Unit tests of the deferred recorder ([`Recorder::create_deferred`]): what it holds while
//! the binary's hash is not ready, and when it is written.

use super::*;
use crate::transcript::{Kind, event};
use std::sync::atomic::{AtomicBool, Ordering};

fn info() -> HeaderInfo {
    HeaderInfo {
        ceremony_id: [1; 16],
        kind: Kind::QuorumCheck,
        name: "unit test".into(),
        rehearsal: true,
        plan: None,
        quorum: (2, 3),
        participants: Vec::new(),
        preflight: json!({}),
    }
}

/// The hash the tests' recorders get: ready when `wait`, or once `READY` is set.
static READY: AtomicBool = AtomicBool::new(false);
fn ready_when_set(wait: bool) -> Option<Result<[u8; 32]>> {
    (wait || READY.load(Ordering::SeqCst)).then_some(Ok([7; 32]))
}
fn ready_when_waited_for(wait: bool) -> Option<Result<[u8; 32]>> {
    wait.then_some(Ok([7; 32]))
}

/// The transcript's lines as JSON, checked to be a chain: seq 0.., each `prev` the SHA-256 of
/// the line before.
fn chain(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join(FILE_NAME)).unwrap();
    let mut prev = hex::encode(ZERO_HASH);
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["seq"], json!(i), "line {}", i + 1);
        assert_eq!(v["prev"], json!(prev), "line {}", i + 1);
        prev = hex::encode(Sha256::digest(line.as_bytes()));
        out.push(v);
    }
    out
}

fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

#[test]
fn entries_are_held_until_the_hash_is_ready_then_written_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Recorder::create_held(dir.path(), &info(), ready_when_set).unwrap();
    r.record(&["rootkey"], event::KeyWiped {}).unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r.path(), Some(dir.path().join(FILE_NAME).as_path()));
    let held = names(dir.path());
    assert_eq!(held.len(), 1, "{held:?}");
    assert!(held[0].starts_with(".transcript.jsonl.tmp-"), "{held:?}");
    READY.store(true, Ordering::SeqCst);
    r.record(&["rootkey"], event::KeyWiped {}).unwrap();
    assert_eq!(names(dir.path()), [FILE_NAME]);
    let lines = chain(dir.path());
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["action"], "header");
    assert_eq!(
        lines[0]["details"]["tool"]["binary_sha256"],
        hex::encode([7u8; 32])
    );
    assert_eq!(lines[1]["action"], "key-wiped");
    assert_eq!(lines[2]["action"], "key-wiped");
    assert!(lines[0]["time"].as_str() <= lines[1]["time"].as_str());
}

#[test]
fn durable_writes_what_is_held_and_later_entries_go_straight_to_disk() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Recorder::create_held(dir.path(), &info(), ready_when_waited_for).unwrap();
    r.record(&["rootkey"], event::KeyWiped {}).unwrap();
    assert!(!dir.path().join(FILE_NAME).exists());
    r.durable().unwrap();
    assert_eq!(chain(dir.path()).len(), 2);
    r.record(&["rootkey"], event::KeyWiped {}).unwrap();
    assert_eq!(chain(dir.path()).len(), 3);
    assert_eq!(names(dir.path()), [FILE_NAME]);
}

#[test]
fn an_abort_while_held_writes_the_header_the_held_entries_and_aborted() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Recorder::create_held(dir.path(), &info(), ready_when_waited_for).unwrap();
    r.record(&["rootkey"], event::KeyWiped {}).unwrap();
    r.abort("the share was refused").unwrap();
    let lines = chain(dir.path());
    let actions: Vec<&str> = lines
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["header", "key-wiped", "aborted"]);
    assert_eq!(lines[2]["details"]["reason"], "the share was refused");
    assert!(r.is_closed());
}

#[test]
fn a_recorder_dropped_while_holding_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = Recorder::create_held(dir.path(), &info(), ready_when_waited_for).unwrap();
    r.record(&["rootkey"], event::KeyWiped {}).unwrap();
    drop(r);
    assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
}

#[test]
fn a_directory_that_cannot_hold_the_transcript_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("missing");
    let e = Recorder::create_held(&gone, &info(), ready_when_waited_for)
        .err()
        .unwrap();
    assert!(e.message.contains("cannot create"), "{}", e.message);
}
