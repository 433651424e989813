//! Unit tests of the replay.

use super::*;
use crate::key::RootKey;
use crate::secret::SecretBytes;
use crate::transcript::{HeaderInfo, Recorder, event};
use serde_json::json;
use std::time::{Duration, UNIX_EPOCH};

pub(super) fn key(b: u8) -> RootKey {
    RootKey::from_seed(&SecretBytes::copy_from(&[b; 32]).unwrap()).unwrap()
}

fn preflight() -> Value {
    json!({
        "clock": "2028-02-29T12:34:56.000Z", "core_dumps_disabled": true, "host": "h",
        "kernel": "k", "memory_locked": true, "network_interfaces_up": [],
        "output_filesystem": "tmpfs", "persistent_output_allowed": true, "printer": null,
            "process_dumpable": false, "swap_active": false
    })
}

/// A complete, sealed quorum-check transcript built in memory.
pub(super) fn quorum_check(k: &RootKey) -> Vec<u8> {
    crate::secret::set_memory_policy(crate::secret::MemoryPolicy::AllowUnlocked);
    let info = HeaderInfo {
        ceremony_id: [1; 16],
        kind: Kind::QuorumCheck,
        name: "unit test".into(),
        rehearsal: true,
        plan: None,
        quorum: (2, 3),
        participants: (1..=3)
            .map(|i| Participant {
                name: format!("H{i}"),
                role: "holder".into(),
                share: Some(i),
            })
            .collect(),
        preflight: preflight(),
    };
    let mut t = 1_830_000_000_000u64;
    let clock = Box::new(move || {
        t += 1;
        UNIX_EPOCH + Duration::from_millis(t)
    });
    let mut r = Recorder::in_memory_with(&info, [2; 32], clock).unwrap();
    let pk = k.public_key_bytes();
    r.record(
        &["rootkey"],
        event::ContextLoaded {
            manifest: event::LoadedManifest {
                ceremony_id: hex::encode([3u8; 16]),
                file: "manifest.json".into(),
                sha256: hex::encode([4u8; 32]),
            },
            root: event::LoadedRoot {
                certificate_sha256: hex::encode([5u8; 32]),
                file: "root.pem".into(),
                fingerprint: hex::encode(cert::fingerprint(&pk)),
                public_key: hex::encode(pk),
                sha256: hex::encode([6u8; 32]),
            },
        },
    )
    .unwrap();
    for i in [1u8, 3, 2] {
        let h = format!("H{i}");
        r.record(
            &[&h],
            event::SharePresented {
                corrections: 0,
                envelope_sha256: hex::encode([i; 32]),
                file: format!("s{i}.txt"),
                holder: h.clone(),
                index: i,
            },
        )
        .unwrap();
    }
    r.record(
        &["rootkey"],
        event::KeyRebuilt {
            public_key: hex::encode(pk),
            quorum: vec![1, 3],
        },
    )
    .unwrap();
    r.record(
        &["rootkey"],
        event::ShareChecked {
            agrees: true,
            index: 2,
        },
    )
    .unwrap();
    r.seal(k).unwrap();
    r.bytes().unwrap().to_vec()
}

fn verdict(bytes: &[u8]) -> Verdict {
    replay_bytes("t", bytes, None, &ReplayOptions::default()).verdict
}

#[test]
fn a_sealed_transcript_verifies() {
    let k = key(9);
    let t = quorum_check(&k);
    assert!(matches!(verdict(&t), Verdict::Sealed), "{:?}", verdict(&t));
}

/// Every single-byte change anywhere is detected and blamed on the line it is in.
#[test]
fn every_byte_flip_is_detected_at_its_line() {
    let k = key(9);
    let t = quorum_check(&k);
    let line_of = |pos: usize| t[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
    for pos in (0..t.len()).step_by(3) {
        let mut m = t.clone();
        m[pos] ^= 0x01;
        let line = line_of(pos);
        match verdict(&m) {
            Verdict::Invalid(e) => {
                assert!(
                    matches!(e.kind, crate::error::Kind::Transcript(_)),
                    "byte {pos}: {:?}",
                    e.kind
                );
                let msg = e.message;
                assert!(
                    msg.contains(&format!("line {line})"))
                        || msg.contains(&format!("line {line}:"))
                        || msg.contains(&format!("lines {line} "))
                        || msg.contains(&format!("line {line} (")),
                    "byte {pos} (line {line}): {msg}"
                );
            }
            other => panic!("byte {pos} (line {line}) not detected: {other:?}"),
        }
    }
}

#[test]
fn removing_the_seal_leaves_an_unsealed_transcript() {
    let k = key(9);
    let t = quorum_check(&k);
    let cut = t[..t.len() - 1].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    match verdict(&t[..cut]) {
        Verdict::Unsealed(w) => assert!(w.contains("entry seq 6 (line 7)"), "{w}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_seal_by_another_key_is_refused() {
    let t = quorum_check(&key(9));
    let other = quorum_check(&key(10));
    // Same entries except the keys: splice this transcript's seal onto the other one's
    // body is caught by the chain; re-sealing the body with another key by the seal check.
    let body_end = t[..t.len() - 1].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    let mut spliced = t[..body_end].to_vec();
    spliced.extend_from_slice(
        &other[other[..other.len() - 1]
            .iter()
            .rposition(|&b| b == b'\n')
            .unwrap()
            + 1..],
    );
    assert!(matches!(verdict(&spliced), Verdict::Invalid(_)));
}

#[test]
fn attestations_sit_next_to_the_transcript() {
    assert_eq!(
        attestations_path(Path::new("a/transcript.jsonl")),
        Path::new("a/transcript.attestations")
    );
    assert_eq!(
        attestations_path(Path::new("t")),
        Path::new("t.attestations")
    );
}

#[test]
fn a_closed_recorder_refuses_more_entries() {
    let k = key(9);
    let info = HeaderInfo {
        ceremony_id: [1; 16],
        kind: Kind::Generation,
        name: "x".into(),
        rehearsal: true,
        plan: Some(("p.toml".into(), [0; 32])),
        quorum: (2, 2),
        participants: vec![],
        preflight: preflight(),
    };
    let mut r = Recorder::in_memory(&info).unwrap();
    r.seal(&k).unwrap();
    assert!(r.record(&["rootkey"], event::KeyWiped {}).is_err());
    // abort after a seal does nothing.
    let n = r.len();
    r.abort("late").unwrap();
    assert_eq!(r.len(), n);
    // `recorded` turns an error into an `aborted` entry.
    let mut r = Recorder::in_memory(&info).unwrap();
    let e = crate::transcript::recorded(&mut r, |_| -> Result<()> {
        Err(Error::operator("too few shares"))
    })
    .unwrap_err();
    assert_eq!(e.message, "too few shares");
    let text = String::from_utf8(r.bytes().unwrap().to_vec()).unwrap();
    let last = text.lines().last().unwrap();
    assert!(
        last.contains("\"action\":\"aborted\"") && last.contains("too few shares"),
        "{last}"
    );
}

fn entry_with(details: Value) -> Entry {
    Entry {
        seq: 1,
        line: 2,
        time: "2028-02-29T12:34:56.000Z".into(),
        actors: vec!["rootkey".into()],
        action: event::Action::Entropy.as_str().into(),
        details: details.as_object().cloned().unwrap().into(),
        prev: [0; 32],
        hash: [0; 32],
    }
}

#[test]
fn details_are_read_by_their_struct_members() {
    let e = entry_with(json!({"dice_rolls": 0, "source": "os"}));
    let d = details::D::of(&e);
    d.keys(event::Entropy::MEMBERS).unwrap();
    assert_eq!(d.str("source").unwrap(), "os");
    let e = entry_with(json!({"dice_rolls": 0}));
    let err = details::D::of(&e)
        .keys(event::Entropy::MEMBERS)
        .unwrap_err();
    assert_eq!(
        err.kind,
        crate::error::Kind::Transcript(crate::error::TranscriptFailure::Malformed)
    );
    assert!(
        err.message.contains("has no member `source`"),
        "{}",
        err.message
    );
}

/// A member the verifier reads that its details struct does not declare is a programming
/// error, caught in debug builds (the struct is the one place a member is named).
#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "is not a member of its details struct")]
fn reading_an_undeclared_member_is_caught() {
    let e = entry_with(json!({"dice_rolls": 0, "source": "os"}));
    let d = details::D::of(&e);
    d.keys(event::Entropy::MEMBERS).unwrap();
    let _ = d.str("sauce");
}

/// docs/formats.md, "Interrupted": what a killed ceremony can leave reads as unsealed (exit 3),
/// never as tampered; an incomplete line after the seal or `aborted` was added.
#[test]
fn an_interrupted_transcript_is_unsealed_never_invalid() {
    let t = quorum_check(&key(9));
    let unsealed = |b: &[u8]| match verdict(b) {
        Verdict::Unsealed(w) => w,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        unsealed(b""),
        "the transcript is empty: the ceremony was interrupted before its header was written; it records nothing, not even the ceremony's kind"
    );
    assert!(unsealed(&t[..40]).starts_with(
        "line 1 is incomplete (40 bytes without a line end): the ceremony was interrupted before its header"
    ));
    // Cut at every byte of every line: a prefix is never invalid.
    let seal_start = t[..t.len() - 1].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    for cut in 0..t.len() {
        let w = unsealed(&t[..cut]);
        if cut > 0 && t[cut - 1] != b'\n' && cut > t.iter().position(|&b| b == b'\n').unwrap() {
            assert!(w.contains(" is incomplete ("), "cut {cut}: {w}");
        }
    }
    let w = unsealed(&t[..seal_start + 10]);
    assert_eq!(
        w,
        "line 8 is incomplete (10 bytes without a line end): the ceremony was interrupted while entry seq 7 was written, after entry seq 6 (line 7) (`share-checked`), without a seal or an `aborted` entry"
    );
    // After the seal: inserted, at the incomplete line.
    let mut after = t.clone();
    after.extend_from_slice(b"{\"action\":\"x");
    match verdict(&after) {
        Verdict::Invalid(e) => {
            assert_eq!(e.kind, crate::error::Kind::Transcript(F::Inserted));
            assert!(
                e.message.ends_with("entry seq 8 (line 9): inserted: line 9 is incomplete (12 bytes without a line end) after the `seal` entry on line 8, after which nothing is ever written"),
                "{}",
                e.message
            );
        }
        other => panic!("{other:?}"),
    }
}
