//! `transcript attest`: witnesses sign a sealed transcript; only known witnesses are accepted,
//! tampered attestations are named at their line, and unsealed, aborted or foreign-sealed
//! transcripts are refused, as is an attestations file that is a symbolic link.

use std::ffi::OsStr;
use std::fs;

use tempfile::TempDir;

use crate::common::*;
use crate::fixture::*;

// ---------------------------------------------------------------------------------------------
// 7. Witness attestations
// ---------------------------------------------------------------------------------------------

#[test]
fn two_witnesses_attest_and_only_known_witnesses_are_accepted() {
    let (t, tr, att) = transcript_copy();
    let (carol, carol_pub) = witness_key(t.path(), "carol");
    let (dave, dave_pub) = witness_key(t.path(), "dave");
    attest(&tr, &carol, "Carol Witness")
        .ok()
        .stdout_has(&["Carol Witness", "attestation seq 0"]);
    attest(&tr, &dave, "Dave Witness")
        .ok()
        .stdout_has(&["Dave Witness", "attestation seq 1"]);
    assert_eq!(mode(&att), 0o644);
    assert_eq!(
        fs::read(&att)
            .unwrap()
            .iter()
            .filter(|&&b| b == b'\n')
            .count(),
        2
    );

    let both = [
        OsStr::new("--witnesses"),
        carol_pub.as_os_str(),
        dave_pub.as_os_str(),
    ];
    verify(&tr, &both).ok().stdout_has(&[
        "Result: VALID and SEALED",
        "2 valid: \"Carol Witness\" with key SHA256:",
        &format!("= {}; \"Dave Witness\"", carol_pub.display()),
        &format!("= {} — every key in the witness list", dave_pub.display()),
    ]);
    // --all-witnesses: both attested; with a third listed key that did not, it is refused.
    let (_, erin_pub) = witness_key(t.path(), "erin");
    let mut all = both.to_vec();
    all.push(OsStr::new("--all-witnesses"));
    verify(&tr, &all)
        .ok()
        .stdout_has(&["all 2 listed witnesses attested"]);
    let three = [
        OsStr::new("--all-witnesses"),
        OsStr::new("--witnesses"),
        carol_pub.as_os_str(),
        dave_pub.as_os_str(),
        erin_pub.as_os_str(),
    ];
    let r = verify(&tr, &three);
    r.code(INPUT)
        .single_error()
        .stderr_has(&["missing witness", &erin_pub.display().to_string()]);

    // Only Carol known: Dave's attestation (seq 1, line 2) is refused, and vice versa.
    let r = verify(&tr, &[OsStr::new("--witnesses"), carol_pub.as_os_str()]);
    invalid(&r, &tr)
        .culprit_is(&format!("{}, attestation seq 1 (line 2)", att.display()))
        .kind_in(&["unknown witness"])
        .says(&["\"Dave Witness\""]);
    let r = verify(&tr, &[OsStr::new("--witnesses"), dave_pub.as_os_str()]);
    invalid(&r, &tr)
        .culprit_is(&format!("{}, attestation seq 0 (line 1)", att.display()))
        .kind_in(&["unknown witness"])
        .says(&["\"Carol Witness\""]);

    // The same key cannot attest twice, under any name; the file is unchanged.
    let before = fs::read(&att).unwrap();
    let r = attest(&tr, &dave, "Dave Again");
    r.code(INPUT)
        .single_error()
        .stderr_has(&["already attested"]);
    assert_eq!(fs::read(&att).unwrap(), before);
}

#[test]
fn a_flipped_byte_in_an_attestation_is_refused_at_its_line() {
    let (t, tr, att) = transcript_copy();
    let (carol, carol_pub) = witness_key(t.path(), "carol");
    let (dave, dave_pub) = witness_key(t.path(), "dave");
    attest(&tr, &carol, "Carol Witness").ok();
    attest(&tr, &dave, "Dave Witness").ok();
    let good = fs::read(&att).unwrap();
    let first_len = good.iter().position(|&b| b == b'\n').unwrap();
    let witnesses = [
        OsStr::new("--witnesses"),
        carol_pub.as_os_str(),
        dave_pub.as_os_str(),
    ];
    verify(&tr, &witnesses).ok();
    let sig_of = |line_start: usize| {
        let line = &good[line_start..];
        let r = string_value(line, "signature");
        line_start + hex_preserving(line, r.clone(), (r.start + r.end) / 2)
    };
    let name_of = |line_start: usize| line_start + find(&good[line_start..], "Witness\"");
    // (position, attestation line it is in)
    let cases = [
        (0, 1),
        (first_len / 2, 1),
        (sig_of(0), 1),
        (name_of(0), 1),
        (first_len + 1 + 10, 2),
        (sig_of(first_len + 1), 2),
        (name_of(first_len + 1), 2),
        (good.len() - 2, 2),
    ];
    for (pos, line) in cases {
        let mut bad = good.clone();
        bad[pos] ^= 0x01;
        fs::write(&att, &bad).unwrap();
        let r = verify(&tr, &witnesses);
        let found = invalid(&r, &tr);
        assert!(
            found.culprit.starts_with(&att.display().to_string())
                && found.culprit.ends_with(&format!("(line {line})")),
            "byte {pos}: {found:#?}"
        );
    }
}

#[test]
fn an_unsealed_transcript_cannot_be_attested() {
    let f = fixture();
    let t = TempDir::new().unwrap();
    let (key, _) = witness_key(t.path(), "carol");
    let tr = t.path().join("transcript.jsonl");
    fs::write(&tr, joined(&f.lines[..REHEARSAL_ENTRIES - 1])).unwrap();
    let r = attest(&tr, &key, "Carol Witness");
    assert_ne!(r.code, 0, "{r:#?}");
    r.single_error()
        .stderr_has(&["refusing to attest", "not sealed"]);
    assert!(!t.path().join("transcript.attestations").exists());

    // Nor an invalid one.
    fs::write(&tr, joined(&with_flip(5, 40))).unwrap();
    let r = attest(&tr, &key, "Carol Witness");
    assert_ne!(r.code, 0, "{r:#?}");
    r.single_error()
        .stderr_has(&["refusing to attest an invalid transcript", "line 6"]);
    assert!(!t.path().join("transcript.attestations").exists());
}

#[test]
fn an_aborted_transcript_cannot_be_attested() {
    let t = TempDir::new().unwrap();
    let (_, tr) = aborted_combine(&t);
    let (key, _) = witness_key(t.path(), "carol");
    let r = attest(&tr, &key, "Carol Witness");
    assert_ne!(r.code, 0, "{r:#?}");
    r.single_error().stderr_has(&["refusing to attest"]);
    assert!(!tr.with_extension("attestations").exists());
}

/// A witness attests only a transcript sealed by the root certificate they were shown: a
/// consistent forgery sealed by another key is refused, and nothing is written.
#[test]
fn a_witness_never_attests_a_transcript_sealed_by_another_key() {
    let t = TempDir::new().unwrap();
    let tr = t.path().join("transcript.jsonl");
    let lines = reforged(|v| {
        let pk = hex::encode(other_key().verifying_key().to_bytes());
        let fp = fingerprint_hex(&other_key().verifying_key().to_bytes());
        let act = v["action"].as_str().unwrap_or_default().to_string();
        let d = &mut v["details"];
        match act.as_str() {
            "key-generated" => {
                d["public_key"] = pk.into();
                d["fingerprint"] = fp.into();
            }
            "certificate-signed" => d["fingerprint"] = fp.into(),
            "context-loaded" => {
                d["root"]["public_key"] = pk.into();
                d["root"]["fingerprint"] = fp.into();
            }
            "key-rebuilt" => d["public_key"] = pk.into(),
            _ => {}
        }
    });
    let joined: Vec<u8> = lines
        .iter()
        .flat_map(|l| l.iter().copied().chain([b'\n']))
        .collect();
    fs::write(&tr, joined).unwrap();
    // Self-consistent: without a root certificate it verifies (with a warning).
    verify(&tr, &[])
        .ok()
        .stderr_has(&["warning: no --root given"]);
    let (carol, _) = witness_key(t.path(), "carol");
    let r = attest(&tr, &carol, "Carol Witness");
    r.code(VERIFICATION).single_error().stderr_has(&[
        "refusing to attest",
        "not the key of the given root certificate",
    ]);
    assert!(!t.path().join("transcript.attestations").exists());
}

/// The attestations file is never written through a symbolic link.
#[test]
fn attest_refuses_an_attestations_file_that_is_a_symlink() {
    let (t, tr, att) = transcript_copy();
    let target = t.path().join("elsewhere");
    std::os::unix::fs::symlink(&target, &att).unwrap();
    let (carol, _) = witness_key(t.path(), "carol");
    let r = attest(&tr, &carol, "Carol Witness");
    assert_ne!(r.code, 0, "{r:#?}");
    r.single_error().stderr_has(&["not a link"]);
    assert!(!target.exists(), "nothing may be written through the link");
}
