//! End-to-end tests of the `rootkey` command line, through the real binary: verification
//! failures (exit 3), where a share, manifest or root certificate is not the ceremony's.
//!
//! Like `cli_bad_input.rs`, every case checks the exit code, that stderr names the problem and
//! the object concerned, that nothing on disk changed, and that no secret share row appears in
//! any output.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand::rngs::StdRng;
use rootkey::key::RootKey;
use rootkey::plan::REHEARSAL_PLAN;
use rootkey::secret::SecretBytes;
use rootkey::shamir;
use rootkey::share::{Envelope, text};
use tempfile::TempDir;

use common::{
    Ceremony, INPUT, VERIFICATION, allow_unlocked_in_tests, assert_unchanged, combine_with,
    holder_of, s, snapshot, verify_with,
};

#[test]
fn share_of_another_ceremony_is_refused() {
    let t = TempDir::new().unwrap();
    let a = Ceremony::rehearse(&t.path().join("a"));
    let b = Ceremony::rehearse(&t.path().join("b"));
    let mut secrets = a.secrets.clone();
    secrets.0.extend(b.secrets.0.iter().cloned());
    let before = snapshot(t.path());

    verify_with(&a.manifest, &a.root, b.share(1), &secrets)
        .code(VERIFICATION)
        .single_error()
        .stderr_has(&[&format!(
            "share 1, file {}: belongs to another ceremony",
            s(b.share(1))
        )]);
    combine_with(
        &a.manifest,
        &a.root,
        &[a.share(1), a.share(2), b.share(3)],
        &secrets,
    )
    .code(VERIFICATION)
    .single_error()
    .stderr_has(&[
        &format!(
            "share 3, file {}: belongs to another ceremony",
            s(b.share(3))
        ),
        "belongs to another ceremony",
    ]);
    assert_unchanged(t.path(), &before);
}

#[test]
fn share_whose_digest_is_not_in_the_manifest_is_refused() {
    allow_unlocked_in_tests();
    let t = TempDir::new().unwrap();
    let mut c = Ceremony::rehearse(&t.path().join("c"));
    // Same header as the real share 2 (ceremony, fingerprint, k, n, index), other value.
    let real = text::parse(&fs::read(c.share(2)).unwrap()).unwrap();
    let header = real.envelope.header();
    assert_eq!(header.index, 2);
    let forged = Envelope::new(&header, &[0xA5; 32]).unwrap();
    assert_eq!(forged.header(), header);
    let forged_file = t.path().join("forged-share-02.txt");
    fs::write(
        &forged_file,
        text::encode_file_form(&forged).unwrap().as_slice(),
    )
    .unwrap();
    c.secrets.add_share(&forged_file);
    let before = snapshot(t.path());

    let needles = [
        format!("{}, file {}", holder_of(2), s(&forged_file)),
        "its digest is not in the manifest".to_string(),
    ];
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    c.verify(&forged_file)
        .code(VERIFICATION)
        .single_error()
        .stderr_has(&needles);
    c.combine(&[c.share(1), &forged_file, c.share(3)])
        .code(VERIFICATION)
        .single_error()
        .stderr_has(&needles);
    assert_unchanged(t.path(), &before);
}

#[test]
fn manifest_with_an_edited_holder_fails_its_signature() {
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("c"));
    let edited = t.path().join("edited-manifest.json");
    let json = fs::read_to_string(&c.manifest).unwrap();
    assert!(json.contains("\"Bob Rehearsal\""));
    fs::write(&edited, json.replace("\"Bob Rehearsal\"", "\"Mallory\"")).unwrap();
    let before = snapshot(t.path());

    let needles = [
        format!("manifest {}", s(&edited)),
        "signature does not verify".to_string(),
    ];
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    verify_with(&edited, &c.root, c.share(2), &c.secrets)
        .code(VERIFICATION)
        .single_error()
        .stderr_has(&needles);
    combine_with(
        &edited,
        &c.root,
        &[c.share(1), c.share(2), c.share(3)],
        &c.secrets,
    )
    .code(VERIFICATION)
    .single_error()
    .stderr_has(&needles);
    assert_unchanged(t.path(), &before);
}

#[test]
fn root_certificate_of_another_ceremony_is_refused() {
    let t = TempDir::new().unwrap();
    let a = Ceremony::rehearse(&t.path().join("a"));
    let b = Ceremony::rehearse(&t.path().join("b"));
    let before = snapshot(t.path());

    let needles = [
        format!("manifest {}", s(&a.manifest)),
        "belongs to another root key than the root certificate".to_string(),
    ];
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    verify_with(&a.manifest, &b.root, a.share(1), &a.secrets)
        .code(VERIFICATION)
        .single_error()
        .stderr_has(&needles);
    combine_with(
        &a.manifest,
        &b.root,
        &[a.share(1), a.share(2), a.share(3)],
        &a.secrets,
    )
    .code(VERIFICATION)
    .single_error()
    .stderr_has(&needles);
    assert_unchanged(t.path(), &before);
}

#[test]
fn missing_manifest_or_root_is_named() {
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("c"));
    let nowhere = t.path().join("nowhere");
    let before = snapshot(t.path());
    verify_with(
        &nowhere.join("manifest.json"),
        &c.root,
        c.share(1),
        &c.secrets,
    )
    .code(INPUT)
    .single_error()
    .stderr_has(&[&format!(
        "cannot read manifest {}",
        s(&nowhere.join("manifest.json"))
    )]);
    verify_with(
        &c.manifest,
        &nowhere.join("root.pem"),
        c.share(1),
        &c.secrets,
    )
    .code(INPUT)
    .single_error()
    .stderr_has(&[&format!(
        "cannot read root certificate {}",
        s(&nowhere.join("root.pem"))
    )]);
    assert_unchanged(t.path(), &before);
}

/// Writes, with the library, a rehearsal ceremony whose manifest is validly signed over five
/// shares of which share `bad` carries a wrong value: shares 1..5 except `bad` rebuild the key
/// of root.pem, any quorum including `bad` rebuilds another key.
fn ceremony_with_a_bad_share(dir: &Path, bad: usize) {
    allow_unlocked_in_tests();
    let seed = SecretBytes::copy_from(&[7u8; 32]).unwrap();
    let key = RootKey::from_seed(&seed).unwrap();
    let mut rng = StdRng::seed_from_u64(2026);
    let (mut points, checked) = shamir::split(&seed, 3, 5, &mut rng).unwrap();
    assert_eq!(checked, 10);
    let mut wrong = [0x3cu8; 32];
    for (w, y) in wrong.iter_mut().zip(points[bad - 1].y.as_slice()) {
        *w ^= *y;
    }
    points[bad - 1].y = SecretBytes::copy_from(&wrong).unwrap();
    let text_plan = REHEARSAL_PLAN.replace("medium = \"paper\"", "medium = \"text\"");
    common::write_ceremony(
        dir,
        &key,
        &points,
        &text_plan,
        "ceremony-scripts/rehearsal.toml",
        0x5e,
    );
}

#[test]
fn shares_that_rebuild_another_key_are_refused() {
    let t = TempDir::new().unwrap();
    let dir = t.path().join("bad-split");
    ceremony_with_a_bad_share(&dir, 2);
    let c = Ceremony::open(&dir);
    assert_eq!(c.shares.len(), 5);
    let before = snapshot(t.path());

    // The manifest is signed over the bad share, so alone it looks authentic.
    c.verify(c.share(2)).ok().stdout_has(&["OK: share 2 of 5"]);

    // Exactly k shares including the bad one: no quorum matches root.pem.
    c.combine(&[c.share(1), c.share(2), c.share(3)])
        .code(VERIFICATION)
        .single_error()
        .stderr_has(&[
            "shares 1 (Alice Rehearsal), 2 (Bob Rehearsal), 3 (Carol Rehearsal) rebuild a key that does not match root.pem",
            "no 3 of them agree with the root certificate",
        ]);

    // All n shares: the consistent quorum is found and the bad share is named.
    let all: Vec<&Path> = c.shares.iter().map(PathBuf::as_path).collect();
    c.combine(&all)
        .code(VERIFICATION)
        .stdout_has(&[
            "Quorum: shares 1, 3 and 4 rebuilt the root key\n  share  1  Alice Rehearsal\n  share  3  Carol Rehearsal\n  share  4  Dave Rehearsal\n",
            "share 5 (Erin Rehearsal) also agrees",
            &format!(
                "PROBLEM: share 2 (Bob Rehearsal, file {}) does NOT agree with the quorum",
                s(c.share(2))
            ),
        ]);
    assert_unchanged(t.path(), &before);
}

/// Every failing run names the problem on stderr, including a share that disagrees with the
/// quorum (the quorum itself is reported on stdout).
#[test]
fn disagreeing_share_is_reported_on_stderr() {
    let t = TempDir::new().unwrap();
    let dir = t.path().join("bad-split");
    ceremony_with_a_bad_share(&dir, 2);
    let c = Ceremony::open(&dir);
    let all: Vec<&Path> = c.shares.iter().map(PathBuf::as_path).collect();
    c.combine(&all).code(VERIFICATION).stderr_has(&[
        "error: ",
        "share 2",
        "Bob Rehearsal",
        &s(c.share(2)),
    ]);
}
