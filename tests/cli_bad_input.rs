//! End-to-end tests of the `rootkey` command line, through the real binary: operator mistakes
//! and bad inputs (exit 1).
//!
//! Every failure case checks the exit code (`src/error.rs`: 1 input/operator, 2 usage,
//! 3 verification), that stderr names the problem and the object concerned (share index,
//! holder, file, row, plan file), that nothing on disk changed, and that no secret share row
//! appears in any output.

mod common;

use std::fs;
use std::path::Path;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rootkey::share::text;
use tempfile::TempDir;

use common::{
    Ceremony, INPUT, Run, assert_unchanged, generate_run, holder_of, plan_toml, repo_path, rootkey,
    s, snapshot, transcript_dir,
};

/// Replaces the characters at `columns` (0-based among the 12 symbols) of `row` in a share's
/// text by the next symbol of the alphabet.
fn mistype(share_text: &str, row: usize, columns: &[usize]) -> String {
    let prefix = format!("{row:02} ");
    let mut out = String::new();
    let mut found = false;
    for line in share_text.lines() {
        if let Some(payload) = line.strip_prefix(&prefix) {
            found = true;
            let mut col = 0;
            let mut new = prefix.clone();
            for c in payload.chars() {
                if c == ' ' {
                    new.push(c);
                    continue;
                }
                if columns.contains(&col) {
                    let p = text::ALPHABET.iter().position(|&a| a == c as u8).unwrap();
                    new.push(text::ALPHABET[(p + 1) % 32] as char);
                } else {
                    new.push(c);
                }
                col += 1;
            }
            out.push_str(&new);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    assert!(found, "row {row} not found");
    out
}

/// The leak check itself must catch a printed row, with or without its spaces.
#[test]
fn leak_check_catches_a_printed_share_row() {
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("c"));
    let rows = common::row_payloads(c.share(3));
    for printed in [
        rows[6].clone(),
        format!("{} {} {}", &rows[6][..4], &rows[6][4..8], &rows[6][8..]),
    ] {
        let fake = Run {
            what: "fake".into(),
            code: 0,
            stdout: String::new(),
            stderr: format!("error: row 7 is {printed}, oops"),
        };
        let caught = std::panic::catch_unwind(|| {
            fake.no_secrets(&c.secrets);
        });
        assert!(caught.is_err(), "leak of {printed:?} not detected");
    }
}

#[test]
fn combine_with_fewer_than_k_shares_says_how_many_more() {
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("c"));
    let before = snapshot(t.path());

    c.combine(&[c.share(1), c.share(4)])
        .code(INPUT)
        .single_error()
        .stderr_has(&[
            "2 share(s) given and no --type: the threshold is 3, 1 more needed",
            "1 (Alice Rehearsal), 4 (Dave Rehearsal)",
        ]);
    c.combine(&[c.share(5)])
        .code(INPUT)
        .single_error()
        .stderr_has(&[
            "1 share(s) given and no --type: the threshold is 3, 2 more needed",
            "5 (Erin Rehearsal)",
        ]);
    assert_unchanged(t.path(), &before);
}

#[test]
fn combine_refuses_a_share_given_twice() {
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("c"));
    let copy = t.path().join("copy-of-bob.txt");
    fs::copy(c.share(2), &copy).unwrap();
    let before = snapshot(t.path());

    // The same file twice.
    c.combine(&[c.share(1), c.share(2), c.share(2)])
        .code(INPUT)
        .single_error()
        .stderr_has(&[&format!("{} is given twice", holder_of(2)), &s(c.share(2))]);
    // A copy under another name: both file names are reported.
    c.combine(&[c.share(2), c.share(3), &copy])
        .code(INPUT)
        .single_error()
        .stderr_has(&[
            &format!("{} is given twice", holder_of(2)),
            &format!("file {} and file {}", s(c.share(2)), s(&copy)),
        ]);
    assert_unchanged(t.path(), &before);
}

#[test]
fn out_directory_holding_a_ceremony_is_refused() {
    let t = TempDir::new().unwrap();
    let dir = t.path().join("c");
    Ceremony::rehearse(&dir);
    let partial = t.path().join("partial");
    fs::create_dir(&partial).unwrap();
    fs::write(partial.join("share-01-someone.txt"), "left over\n").unwrap();
    let not_a_dir = t.path().join("plain-file");
    fs::write(&not_a_dir, "x").unwrap();
    let before = snapshot(t.path());

    rootkey(["rehearse".as_ref(), "--out".as_ref(), dir.as_os_str()])
        .code(INPUT)
        .single_error()
        .stderr_has(&[
            &format!("--out {}: already holds a ceremony", s(&dir)),
            "nothing was written",
        ]);
    let plan = repo_path("tests/fixtures/real-text-paper-plan.toml");
    for out in [&dir, &partial] {
        generate_run(&plan, out, &[])
            .code(INPUT)
            .single_error()
            .stderr_has(&[&format!("--out {}: already holds a ceremony", s(out))]);
    }
    rootkey(["rehearse".as_ref(), "--out".as_ref(), not_a_dir.as_os_str()])
        .code(INPUT)
        .single_error()
        .stderr_has(&[&format!(
            "--out {}: exists and is not a directory",
            s(&not_a_dir)
        )]);
    assert_unchanged(t.path(), &before);
}

/// Runs `generate` with a plan holding `toml`; expects exit 1, an error naming the plan file
/// and `needle`, and no output directory.
fn bad_plan(toml: &str, needle: &str) {
    let t = TempDir::new().unwrap();
    let plan = t.path().join("bad-plan.toml");
    fs::write(&plan, toml).unwrap();
    let out = t.path().join("out");
    let before = snapshot(t.path());
    generate_run(&plan, &out, &[])
        .code(INPUT)
        .single_error()
        .stderr_has(&[&format!("plan {}", s(&plan)), needle]);
    assert_unchanged(t.path(), &before);
}

#[test]
fn plan_with_k_greater_than_n_is_refused() {
    bad_plan(
        &plan_toml("k > n", false, 6, 5, 5),
        "threshold k = 6 is greater than the number of shares n = 5",
    );
}

#[test]
fn plan_with_17_holders_is_refused() {
    bad_plan(
        &plan_toml("too many", false, 3, 17, 17),
        "17 shares requested, but at most 16 are supported",
    );
}

#[test]
fn plan_with_holder_count_not_matching_shares_is_refused() {
    bad_plan(
        &plan_toml("4 holders", false, 3, 5, 4),
        "[quorum] shares = 5 but 4 holders are listed",
    );
    bad_plan(
        &plan_toml("6 holders", false, 3, 5, 6),
        "[quorum] shares = 5 but 6 holders are listed",
    );
}

#[test]
fn plan_with_other_mistakes_is_refused() {
    bad_plan(
        &plan_toml("k = 1", false, 1, 3, 3),
        "threshold k = 1 is below 2",
    );
    bad_plan(
        &plan_toml("dup", false, 2, 3, 3).replace("Holder 03", "Holder 01"),
        "holders 1 and 3 are both named \"Holder 01\"",
    );
    // A TOML mistake is reported with its line.
    bad_plan(
        &plan_toml("typo", false, 2, 3, 3).replace("medium = \"text\"\n", "medium = \"txt\"\n"),
        ", line ",
    );
    // A missing plan file.
    let t = TempDir::new().unwrap();
    let plan = t.path().join("no-such-plan.toml");
    let out = t.path().join("out");
    generate_run(&plan, &out, &[])
        .code(INPUT)
        .single_error()
        .stderr_has(&[&format!("cannot read plan {}", s(&plan))]);
    assert!(!out.exists());
}

#[test]
fn allow_unlocked_memory_is_refused_for_real_ceremonies() {
    // A real plan (the fixture, no tokens) with paper shards: RAM-backed output.
    let t = tempfile::tempdir_in("/dev/shm").unwrap();
    let out = t.path().join("out");
    let plan = repo_path("tests/fixtures/real-text-paper-plan.toml");
    let r = generate_run(&plan, &out, &["--allow-unlocked-memory"]);
    r.code(INPUT).single_error().stderr_has(&[
        "--allow-unlocked-memory is only allowed for rehearsal plans",
        "ulimit -l",
    ]);
    assert!(!out.exists(), "nothing may be created");

    // combine on a real ceremony refuses it as well.
    let (c, _) = Ceremony::generate(&plan, &t.path().join("real"));
    let before = snapshot(t.path());
    let chk = transcript_dir();
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "combine".as_ref(),
        "--out".as_ref(),
        chk.as_os_str(),
        "--manifest".as_ref(),
        c.manifest.as_os_str(),
        "--root".as_ref(),
        c.root.as_os_str(),
        "--allow-unlocked-memory".as_ref(),
    ];
    args.extend(c.shares.iter().map(|p| p.as_os_str()));
    rootkey(args)
        .code(INPUT)
        .single_error()
        .stderr_has(&["--allow-unlocked-memory is only allowed for rehearsal ceremonies"])
        .no_secrets(&c.secrets);
    assert_unchanged(t.path(), &before);
}

#[test]
fn files_that_are_not_shares_are_named() {
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("c"));
    let junk = t.path().join("junk");
    fs::create_dir(&junk).unwrap();

    let mut rng = StdRng::seed_from_u64(11);
    let random_text: String = (0..20)
        .map(|_| {
            let line: String = (0..40)
                .map(|_| rng.random_range(b' '..=b'~') as char)
                .collect();
            line + "\n"
        })
        .collect();
    let not_share = junk.join("random.txt");
    fs::write(&not_share, random_text).unwrap();
    let mut binary = vec![0u8; 4096];
    rng.fill(&mut binary[..]);
    let binary_file = junk.join("random.bin");
    fs::write(&binary_file, &binary).unwrap();
    let empty = junk.join("empty.txt");
    fs::write(&empty, "").unwrap();
    let comments_only = junk.join("comments.txt");
    fs::write(&comments_only, "# just a comment\n\n# another\n").unwrap();
    let huge = junk.join("huge.txt");
    fs::write(&huge, "A".repeat(20_000)).unwrap();
    let missing = junk.join("missing.txt");
    let truncated = junk.join("truncated.txt");
    let text: String = fs::read_to_string(c.share(1))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("13 "))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(&truncated, text).unwrap();

    let cases: Vec<(&Path, Vec<String>)> = vec![
        (
            &not_share,
            vec![format!("share file {}: not a rootkey share", s(&not_share))],
        ),
        (
            &binary_file,
            vec![format!(
                "share file {}: not a rootkey share",
                s(&binary_file)
            )],
        ),
        (
            &empty,
            vec![format!(
                "share file {}: no share found (the input is empty)",
                s(&empty)
            )],
        ),
        (
            &comments_only,
            vec![format!("share file {}: no share found", s(&comments_only))],
        ),
        (
            &huge,
            vec![format!(
                "share file {}: larger than 16384 bytes, so not a share file",
                s(&huge)
            )],
        ),
        (
            &missing,
            vec![format!("share file {}: cannot read", s(&missing))],
        ),
        (
            &truncated,
            vec![format!("share file {}: row 13 is missing", s(&truncated))],
        ),
    ];
    let before = snapshot(t.path());
    for (file, needles) in &cases {
        let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
        c.verify(file)
            .code(INPUT)
            .single_error()
            .stderr_has(&needles);
        c.combine(&[c.share(1), file, c.share(3)])
            .code(INPUT)
            .single_error()
            .stderr_has(&needles);
    }
    assert_unchanged(t.path(), &before);
}

#[test]
fn mistyped_rows_are_named_or_corrected() {
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("c"));
    let typed = t.path().join("typed");
    fs::create_dir(&typed).unwrap();
    let original = fs::read_to_string(c.share(1)).unwrap();

    // Two wrong characters in row 5: detected, not corrected.
    let two = typed.join("share-1-two-errors.txt");
    fs::write(&two, mistype(&original, 5, &[1, 7])).unwrap();
    // One wrong character in row 4 (the 2nd character): corrected, with a note.
    let one = typed.join("share-1-one-error.txt");
    fs::write(&one, mistype(&original, 4, &[1])).unwrap();
    // Rows 4 and 5 swapped.
    let swapped = typed.join("share-1-swapped.txt");
    let lines: Vec<String> = original.lines().map(str::to_string).collect();
    let i4 = lines.iter().position(|l| l.starts_with("04 ")).unwrap();
    let mut sw = lines.clone();
    sw[i4] = format!("04 {}", &lines[i4 + 1][3..]);
    sw[i4 + 1] = format!("05 {}", &lines[i4][3..]);
    fs::write(&swapped, sw.join("\n") + "\n").unwrap();
    // A character outside the alphabet.
    let bad_char = typed.join("share-1-bad-char.txt");
    fs::write(&bad_char, original.replacen("\n06 ", "\n06 U", 1)).unwrap();
    let before = snapshot(t.path());

    let two_needles = [
        format!("share file {}", s(&two)),
        "row 5: more than one character is wrong".to_string(),
    ];
    let two_needles: Vec<&str> = two_needles.iter().map(String::as_str).collect();
    c.verify(&two)
        .code(INPUT)
        .single_error()
        .stderr_has(&two_needles);
    c.combine(&[&two, c.share(2), c.share(3)])
        .code(INPUT)
        .single_error()
        .stderr_has(&two_needles);

    let note = "note: share 1, row 4 — character 2 was wrong and has been corrected";
    c.verify(&one).ok().stdout_has(&["OK: share 1 of 5", note]);
    c.combine(&[c.share(3), &one, c.share(2)])
        .ok()
        .stdout_has(&["rebuilt the root key", note]);

    c.verify(&swapped)
        .code(INPUT)
        .single_error()
        .stderr_has(&[&s(&swapped), "row 4: this is the text of row 5"]);
    c.verify(&bad_char)
        .code(INPUT)
        .single_error()
        .stderr_has(&[&s(&bad_char), "row 6, character 1: not a share character"]);
    assert_unchanged(t.path(), &before);
}
