//! rootkey's own rotation ceremony on the vector files writes the first entries of the
//! committed `transcript_valid-rotation.jsonl` byte for byte (its later entries hold a random
//! serial), and the same `certificate-prepared` except for the serial and TBS hash (split from
//! `tests/transcript_events.rs`, which checks the typed events themselves).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use sha2::{Digest, Sha256};

use rootkey::ceremony::{self, Context, InputFile, ScriptedConfirm};
use rootkey::transcript::{Kind, Recorder};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

/// The recorder setup of the transcript vectors (tests/vector_support/gen_transcript.rs).
fn vector_recorder(ctx: &Context) -> Recorder {
    const CEREMONY_UNIX: u64 = 1_835_440_496;
    let mut i = 0;
    let clock = Box::new(move || {
        let t =
            SystemTime::UNIX_EPOCH + Duration::from_secs(CEREMONY_UNIX) + Duration::from_millis(i);
        i += 1;
        t
    });
    let preflight =
        common::preflight_facts("2028-02-29T12:34:56.000Z", "vector-host", "6.1.0-vector");
    let id: [u8; 16] = std::array::from_fn(|i| 0xd0 + i as u8);
    let info = ceremony::quorum_header(ctx, Kind::Rotation, id, preflight);
    let binary: [u8; 32] = Sha256::digest(b"rootkey test vectors: binary").into();
    Recorder::in_memory_with(&info, binary, clock).expect("recorder")
}

#[test]
fn the_rotation_ceremony_writes_the_committed_vector_bytes() {
    let dir = vectors();
    let read = |n: &str| fs::read(dir.join(n)).unwrap_or_else(|e| panic!("{n}: {e}"));
    let input = |n: &str| InputFile {
        name: n.into(),
        bytes: read(n),
    };
    let ctx = Context::load(
        &dir.join("manifest_valid.json"),
        &dir.join("cert_valid.pem"),
    )
    .expect("context");
    let (root, manifest) = (input("cert_valid.pem"), input("manifest_valid.json"));
    let rotation = common::VectorRotation::load();
    let job = rotation.job(
        &ctx,
        [&root, &manifest],
        rootkey::encoding::time::UtcTime::parse("2029-03-01T00:00:00Z").expect("time"),
    );
    let mut confirm = ScriptedConfirm {
        names: vec!["Carol Confirmer".into(), "Dave Confirmer".into()],
    };
    let shares = [
        "share_valid-2.txt",
        "share_valid-4.txt",
        "share_valid-5.txt",
    ]
    .map(|s| rootkey::console::share_input::Source::File(dir.join(s)));
    let out = tempfile::tempdir().expect("tempdir");
    let mut rec = vector_recorder(&ctx);
    let prepared = ceremony::intermediate::prepare_intermediate(&job).expect("prepare");
    ceremony::sign_intermediate(
        &job,
        prepared,
        &mut confirm,
        shares.into(),
        out.path(),
        &mut rec,
    )
    .expect("intermediate sign");
    let fresh: Vec<&[u8]> = rec
        .bytes()
        .expect("memory")
        .split(|&b| b == b'\n')
        .collect();
    let committed_bytes = read("transcript_valid-rotation.jsonl");
    let committed: Vec<&[u8]> = committed_bytes.split(|&b| b == b'\n').collect();
    assert_eq!(fresh.len(), committed.len());
    // header, context-loaded, csr-checked: nothing random yet.
    for i in 0..3 {
        assert_eq!(
            String::from_utf8_lossy(fresh[i]),
            String::from_utf8_lossy(committed[i]),
            "line {}",
            i + 1
        );
    }
    // certificate-prepared: the same but for the random serial and the TBS hash over it.
    let details = |l: &[u8]| {
        let mut v: Value = serde_json::from_slice(l).expect("json");
        assert_eq!(v["action"], "certificate-prepared");
        let d = v["details"].as_object_mut().expect("details");
        d.remove("serial").expect("serial");
        d.remove("tbs_sha256").expect("tbs_sha256");
        v["details"].clone()
    };
    assert_eq!(details(fresh[3]), details(committed[3]));
    // Every later entry has the committed entry's action, actors and members.
    for (i, (f, c)) in fresh.iter().zip(&committed).enumerate().skip(4) {
        if f.is_empty() {
            assert!(c.is_empty());
            continue;
        }
        let (f, c): (Value, Value) = (
            serde_json::from_slice(f).expect("json"),
            serde_json::from_slice(c).expect("json"),
        );
        assert_eq!(f["action"], c["action"], "line {}", i + 1);
        assert_eq!(f["actors"], c["actors"], "line {}", i + 1);
        let keys = |v: &Value| {
            v["details"]
                .as_object()
                .expect("details")
                .keys()
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&f), keys(&c), "line {}", i + 1);
    }
}
