//! End-to-end tests of the `rootkey` command line, through the real binary: ceremonies that
//! succeed (rehearse, generate, share verify, combine), help texts and usage errors (exit 2).
//! Refused inputs are in `cli_bad_input.rs` (exit 1) and `cli_verification.rs` (exit 3).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use rootkey::share::text;
use tempfile::TempDir;

use common::{
    Ceremony, REHEARSAL_HOLDERS, USAGE, allow_unlocked_in_tests, assert_unchanged, mode, plan_toml,
    repo_path, rootkey, s, snapshot,
};

fn openssl(args: &[&str]) -> String {
    let out = StdCommand::new("openssl")
        .args(args)
        .output()
        .expect("openssl must be installed to run these tests");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl {args:?} failed: {text}");
    text
}

#[test]
fn rehearse_writes_a_complete_marked_ceremony() {
    let t = TempDir::new().unwrap();
    let dir = t.path().join("rehearsal");
    let r = rootkey(["rehearse".as_ref(), "--out".as_ref(), dir.as_os_str()]);
    r.ok().stdout_has(&[
        "REHEARSAL",
        "Split 3-of-5",
        "all 10 subsets",
        "Quorum: shares 1, 3 and 5 rebuilt the root key\n  share  1  Alice Rehearsal\n  share  3  Carol Rehearsal\n  share  5  Erin Rehearsal\n",
        "REHEARSAL complete",
    ]);

    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "manifest.json",
            "root.pem",
            "share-01-alice-rehearsal.txt",
            "share-02-bob-rehearsal.txt",
            "share-03-carol-rehearsal.pdf",
            "share-04-dave-rehearsal.pdf",
            "share-05-erin-rehearsal.pdf",
            "transcript.jsonl",
        ],
        "exactly the ceremony outputs (shares 1–2 text, 3–5 paper), no temporary files left behind"
    );
    for i in 3..=5 {
        let pdf = dir.join(format!(
            "share-0{i}-{}-rehearsal.pdf",
            ["carol", "dave", "erin"][i - 3]
        ));
        assert_eq!(mode(&pdf), 0o600, "{}", pdf.display());
        assert!(fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    }
    assert_eq!(
        mode(&dir.join("transcript.jsonl")),
        0o644,
        "the transcript is public"
    );
    let c = Ceremony::open(&dir);
    r.no_secrets(&c.secrets);
    for (i, share) in c.shares.iter().enumerate() {
        assert_eq!(mode(share), 0o600, "{}", share.display());
        let text = fs::read_to_string(share).unwrap();
        assert!(text.contains("REHEARSAL — NOT A REAL SHARE"), "{text}");
        assert!(text.contains(REHEARSAL_HOLDERS[i]), "{text}");
        assert!(text.contains("ROOTKEY SHARE V1"), "{text}");
    }
    assert_eq!(mode(&c.root), 0o644);
    assert_eq!(mode(&c.manifest), 0o644);

    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(&c.manifest).unwrap()).unwrap();
    assert_eq!(manifest["threshold"], 3);
    assert_eq!(manifest["shares_total"], 5);
    assert_eq!(manifest["ceremony"]["rehearsal"], true);
    assert_eq!(manifest["shares"].as_array().unwrap().len(), 5);

    // The certificate, checked by an independent implementation.
    let root = s(&c.root);
    assert!(openssl(&["verify", "-CAfile", &root, &root]).contains(": OK"));
    let x509 = openssl(&["x509", "-in", &root, "-noout", "-text"]);
    for needle in [
        "CA:TRUE",
        "Certificate Sign, CRL Sign",
        "ED25519",
        "X509v3 Basic Constraints: critical",
        "X509v3 Key Usage: critical",
        "Subject Key Identifier",
    ] {
        assert!(x509.contains(needle), "missing {needle:?} in:\n{x509}");
    }
    let subject = openssl(&["x509", "-in", &root, "-noout", "-subject"]);
    assert!(subject.contains("REHEARSAL"), "{subject}");
}

#[test]
fn generate_with_the_real_plan_then_verify_and_combine() {
    // A real plan (the fixture: no tokens) prints holders 3–5 on paper: shard PDFs must go to
    // a RAM-backed directory.
    let t = tempfile::tempdir_in("/dev/shm").unwrap();
    let plan = repo_path("tests/fixtures/real-text-paper-plan.toml");
    let (c, r) = Ceremony::generate(&plan, &t.path().join("ceremony"));
    r.stdout_has(&["Split 3-of-5", "all 10 subsets"])
        .stdout_lacks(&["REHEARSAL"]);
    assert_eq!(c.shares.len(), 2, "holders 1 and 2 get text shares");
    for share in &c.shares {
        assert_eq!(mode(share), 0o600);
        assert!(!fs::read_to_string(share).unwrap().contains("REHEARSAL"));
    }
    let root = s(&c.root);
    assert!(openssl(&["verify", "-CAfile", &root, &root]).contains(": OK"));
    let subject = openssl(&["x509", "-in", &root, "-noout", "-subject"]);
    assert!(subject.contains("Example Corp Root CA"), "{subject}");
    assert!(!subject.contains("REHEARSAL"), "{subject}");

    let holders = [
        "Security officer, jurisdiction A",
        "Security officer, jurisdiction B",
    ];
    for (i, h) in holders.iter().enumerate() {
        c.verify(c.share(i + 1))
            .ok()
            .stdout_has(&[
                &format!("OK: share {} of 5 (threshold 3) of holder \"{h}\"", i + 1),
                "is authentic",
            ])
            .stdout_lacks(&["REHEARSAL"]);
    }
    // Paper shards 3–5 are PDFs (0600) — combined from photos of their QR codes in
    // tests/cli_paper.rs; here the two text shares alone are too few.
    for i in 3..=5 {
        let pdf = fs::read_dir(t.path().join("ceremony"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(&format!("share-0{i}-"))
            })
            .unwrap();
        assert!(
            pdf.extension().is_some_and(|e| e == "pdf"),
            "{}",
            pdf.display()
        );
        assert_eq!(mode(&pdf), 0o600);
    }
    c.combine(&[c.share(1), c.share(2)])
        .code(common::INPUT)
        .stderr_has(&["2 share(s) given and no --type: the threshold is 3, 1 more needed"]);
}

/// Generates a k-of-n ceremony from a plan file written for the test, then verifies every
/// share alone, combines exactly k (the last k) and all n shares.
fn custom_ceremony(k: u8, n: u8) {
    let t = TempDir::new().unwrap();
    let plan = t.path().join(format!("plan-{k}-of-{n}.toml"));
    fs::write(
        &plan,
        plan_toml(&format!("Custom {k} of {n}"), false, k, n, n as usize),
    )
    .unwrap();
    let (c, r) = Ceremony::generate(&plan, &t.path().join("out"));
    r.stdout_has(&[&format!("Split {k}-of-{n}")]);
    assert_eq!(c.shares.len(), n as usize);
    for i in 1..=n as usize {
        assert!(
            c.share(i)
                .to_string_lossy()
                .ends_with(&format!("share-{i:02}-holder-{i:02}.txt"))
        );
        c.verify(c.share(i)).ok().stdout_has(&[&format!(
            "OK: share {i} of {n} (threshold {k}) of holder \"Holder {i:02}\""
        )]);
    }
    let last_k: Vec<&Path> = c.shares[(n - k) as usize..]
        .iter()
        .map(PathBuf::as_path)
        .collect();
    let r = c.combine(&last_k);
    r.ok().stdout_lacks(&["also agrees"]);
    let quorum: Vec<String> = ((n - k + 1)..=n).map(|i| i.to_string()).collect();
    let (last, rest) = quorum.split_last().unwrap();
    let holders: String = ((n - k + 1)..=n)
        .map(|i| format!("  share {i:>2}  Holder {i:02}\n"))
        .collect();
    r.stdout_has(&[&format!(
        "Quorum: shares {} and {last} rebuilt the root key\n{holders}",
        rest.join(", ")
    )]);

    let all: Vec<&Path> = c.shares.iter().map(PathBuf::as_path).collect();
    let r = c.combine(&all);
    r.ok();
    for i in k + 1..=n {
        r.stdout_has(&[&format!("share {i} (Holder {i:02}) also agrees")]);
    }
}

#[test]
fn generate_custom_plan_2_of_3() {
    custom_ceremony(2, 3);
}

#[test]
fn generate_custom_plan_4_of_7() {
    custom_ceremony(4, 7);
}

#[test]
fn one_line_rks1_form_and_lowercase_typing_are_accepted() {
    allow_unlocked_in_tests();
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("c"));
    let typed = t.path().join("typed");
    fs::create_dir(&typed).unwrap();

    // The compact QR form of share 2, built from the decoded share file.
    let decoded = text::parse(&fs::read(c.share(2)).unwrap()).unwrap();
    let compact = text::encode_compact(&decoded.envelope).unwrap();
    let compact_file = typed.join("share-2-compact.txt");
    fs::write(&compact_file, compact.as_slice()).unwrap();
    c.verify(&compact_file)
        .ok()
        .stdout_has(&["OK: share 2 of 5 (threshold 3) of holder \"Bob Rehearsal\""]);

    // Share 4 typed in lowercase, with CRLF line ends and stray indentation.
    let lower_file = typed.join("share-4-lower.txt");
    let lower: String = fs::read_to_string(c.share(4))
        .unwrap()
        .lines()
        .map(|l| format!("  {}\t\r\n", l.to_lowercase()))
        .collect();
    fs::write(&lower_file, lower).unwrap();
    c.verify(&lower_file)
        .ok()
        .stdout_has(&["OK: share 4 of 5"])
        .stdout_lacks(&["note:"]);

    c.combine(&[&compact_file, c.share(3), &lower_file])
        .ok()
        .stdout_has(&["rebuilt the root key"]);
}

#[test]
fn help_of_every_command_has_an_example() {
    for args in [
        &["generate", "--help"][..],
        &["rehearse", "--help"],
        &["combine", "--help"],
        &["share", "verify", "--help"],
        &["help", "combine"],
    ] {
        let r = rootkey(args);
        r.ok().stdout_has(&["Example", "rootkey "]);
    }
    rootkey(["--help"]).ok().stdout_has(&[
        "Exit codes",
        "generate",
        "rehearse",
        "combine",
        "share",
    ]);
}

#[test]
fn help_of_share_group_has_an_example() {
    rootkey(["share", "--help"]).ok().stdout_has(&["Example"]);
}

#[test]
fn usage_errors_exit_2() {
    let t = TempDir::new().unwrap();
    let before = snapshot(t.path());
    let m = t.path().join("manifest.json");
    let r = t.path().join("root.pem");
    // combine without --out (where its transcript goes).
    rootkey([
        "combine".as_ref(),
        "--manifest".as_ref(),
        m.as_os_str(),
        "--root".as_ref(),
        r.as_os_str(),
        "s.txt".as_ref(),
    ])
    .code(USAGE)
    .stderr_has(&["--out"]);
    rootkey(["generate", "--plan", "p.toml"])
        .code(USAGE)
        .stderr_has(&["--out"]);
    rootkey(["rehearse", "--out", "x", "--no-such-flag"])
        .code(USAGE)
        .stderr_has(&["--no-such-flag"]);
    rootkey(["frobnicate"]).code(USAGE);
    assert_unchanged(t.path(), &before);
}
