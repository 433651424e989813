//! The transcripts ceremonies write: generation and quorum checks sealed, a combine that fails
//! after starting leaves an aborted transcript, one refused before it starts writes none, a
//! second ceremony in the same directory is refused, and file names the transcript cannot
//! record are refused before the ceremony starts.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::common::*;
use crate::fixture::*;

// ---------------------------------------------------------------------------------------------
// Generation and quorum-check transcripts
// ---------------------------------------------------------------------------------------------

fn actions(t: &Path) -> Vec<String> {
    fs::read(t)
        .unwrap()
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(action)
        .collect()
}

#[test]
fn generation_and_quorum_check_transcripts_are_sealed() {
    // A real plan (the fixture, no tokens) with paper shards: RAM-backed output.
    let t = tempfile::tempdir_in("/dev/shm").unwrap();
    let plan = repo_path("tests/fixtures/real-text-paper-plan.toml");
    let dir = t.path().join("gen");
    let (c, _) = Ceremony::generate(&plan, &dir);
    let tr = dir.join("transcript.jsonl");
    let mut want = vec![
        "header",
        "entropy",
        "key-generated",
        "shares-split",
        "certificate-signed",
    ];
    want.extend(["share-written"; 5]);
    want.extend(["artifact-written", "artifact-written", "seal"]);
    assert_eq!(actions(&tr), want);
    assert_eq!(mode(&tr), 0o644);
    let everything = [
        OsStr::new("--root"),
        c.root.as_os_str(),
        OsStr::new("--artifacts"),
        dir.as_os_str(),
        OsStr::new("--plan"),
        plan.as_os_str(),
    ];
    let r = rootkey(
        [
            OsStr::new("transcript"),
            OsStr::new("verify"),
            tr.as_os_str(),
        ]
        .into_iter()
        .chain(everything),
    );
    r.ok()
        .stdout_has(&["generation ceremony", "Result: VALID and SEALED"]);
    r.no_secrets(&c.secrets);
    let r = rootkey([
        OsStr::new("transcript"),
        OsStr::new("verify"),
        tr.as_os_str(),
        OsStr::new("--plan"),
        repo_path("ceremony-scripts/rehearsal.toml").as_os_str(),
    ]);
    invalid(&r, &tr)
        .culprit_is("entry seq 0 (line 1)")
        .kind_in(&["plan"]);

    // A quorum check of the rehearsal, all five shares: sealed by the rebuilt key.
    let rc = text_ceremony();
    let out = t.path().join("check");
    let shares: Vec<&Path> = rc.shares.iter().map(PathBuf::as_path).collect();
    combine(&out, &rc.manifest, &rc.root, &shares).ok();
    let qt = out.join("transcript.jsonl");
    let mut want = vec!["header", "context-loaded"];
    want.extend(["share-presented"; 5]);
    want.push("key-rebuilt");
    want.extend(["share-checked"; 2]);
    want.push("seal");
    assert_eq!(actions(&qt), want);
    assert_eq!(mode(&qt), 0o644);
    verify(
        &qt,
        &[
            OsStr::new("--root"),
            rc.root.as_os_str(),
            OsStr::new("--artifacts"),
            rc.root.parent().unwrap().as_os_str(),
        ],
    )
    .ok()
    .stdout_has(&["quorum-check ceremony", "Result: VALID and SEALED"]);
}

// ---------------------------------------------------------------------------------------------
// 10. Aborted and refused ceremonies
// ---------------------------------------------------------------------------------------------

#[test]
fn a_combine_that_fails_after_starting_leaves_an_aborted_transcript() {
    let t = TempDir::new().unwrap();
    let (r, tr) = aborted_combine(&t);
    r.code(INPUT)
        .single_error()
        .stderr_has(&["keyboard entry 3", "cannot open the terminal /dev/tty"]);
    assert_eq!(
        actions(&tr),
        [
            "header",
            "context-loaded",
            "share-presented",
            "share-presented",
            "aborted"
        ]
    );
    assert_eq!(mode(&tr), 0o644);
    let bytes = fs::read(&tr).unwrap();
    let last = bytes[..bytes.len() - 1]
        .rsplit(|&b| b == b'\n')
        .next()
        .unwrap();
    let reason = json(last)["details"]["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.contains("cannot open the terminal"), "{reason}");
    // No seal.
    assert!(!actions(&tr).contains(&"seal".to_string()));
}

#[test]
fn an_aborted_transcript_is_valid_but_unsealed_and_says_why() {
    let t = TempDir::new().unwrap();
    let (r, tr) = aborted_combine(&t);
    r.code(INPUT);
    let why = unsealed(&verify(&tr, &[]));
    assert!(
        why.contains("aborted") && why.contains("entry seq 4 (line 5)"),
        "{why}"
    );
    assert!(
        why.contains("cannot open the terminal"),
        "the reason is given: {why}"
    );
    // And it cannot be attested, because it is not sealed.
    let (key, _) = witness_key(t.path(), "carol");
    let r = attest(&tr, &key, "Carol Witness");
    assert_ne!(r.code, 0);
    r.single_error().stderr_has(&["not sealed", "aborted"]);
}

#[test]
fn a_combine_refused_before_it_starts_writes_no_transcript() {
    let t = TempDir::new().unwrap();
    let c = text_ceremony();
    let out = t.path().join("never");
    let missing = t.path().join("no-such-manifest.json");
    let r = combine(
        &out,
        &missing,
        &c.root,
        // Two share files and the keyboard for the third: the shares are checked first, then
        // the directory is refused before anything is asked at the keyboard.
        &[c.share(1), c.share(2), Path::new("--type")],
    );
    r.code(INPUT)
        .single_error()
        .stderr_has(&["no-such-manifest.json"]);
    assert!(!out.join("transcript.jsonl").exists());
}

// ---------------------------------------------------------------------------------------------
// 11. A second ceremony in the same directory
// ---------------------------------------------------------------------------------------------

#[test]
fn a_second_ceremony_in_the_same_directory_is_refused_and_changes_nothing() {
    let (_t, dir) = copy_of_rehearsal();
    let c = Ceremony::open(&dir);
    let before = snapshot(&dir);
    let r = rootkey(["rehearse".as_ref(), "--out".as_ref(), dir.as_os_str()]);
    r.code(INPUT)
        .single_error()
        .stderr_has(&["already holds a ceremony"]);
    assert_unchanged(&dir, &before);
    let r = combine(
        &dir,
        &c.manifest,
        &c.root,
        // Two share files and the keyboard for the third: the shares are checked first, then
        // the directory is refused before anything is asked at the keyboard.
        &[c.share(1), c.share(2), Path::new("--type")],
    );
    r.code(INPUT)
        .single_error()
        .stderr_has(&["already holds a ceremony"]);
    assert_unchanged(&dir, &before);

    // A directory holding only a transcript is a ceremony too.
    let lone = dir.parent().unwrap().join("lone");
    fs::create_dir(&lone).unwrap();
    fs::copy(dir.join("transcript.jsonl"), lone.join("transcript.jsonl")).unwrap();
    let before = snapshot(&lone);
    let r = rootkey(["rehearse".as_ref(), "--out".as_ref(), lone.as_os_str()]);
    r.code(INPUT)
        .single_error()
        .stderr_has(&["already holds a ceremony", "transcript.jsonl"]);
    assert_unchanged(&lone, &before);
}

/// A file name the transcript could not record (a control character) is refused before the
/// ceremony starts, so that no ceremony writes a transcript its verifier refuses.
#[test]
fn combine_refuses_share_file_names_the_transcript_cannot_record() {
    let c = text_ceremony();
    let dir = c.root.parent().unwrap();
    let t = TempDir::new().unwrap();
    let share = |i: usize| {
        dir.join(format!(
            "share-0{i}-{}-rehearsal.txt",
            ["alice", "bob", "carol", "dave", "erin"][i - 1]
        ))
    };
    let odd = t.path().join("share\tone.txt");
    fs::copy(share(1), &odd).unwrap();
    let out = t.path().join("check");
    let r = combine(
        &out,
        &dir.join("manifest.json"),
        &dir.join("root.pem"),
        &[&odd, &share(3), &share(5)],
    );
    r.code(INPUT)
        .single_error()
        .stderr_has(&["cannot be recorded in the transcript"]);
    assert!(!out.exists(), "no transcript is started");
}
