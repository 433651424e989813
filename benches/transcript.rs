//! Transcript replay throughput (issue 15: the chain check at 400k entries/s or more).
//!
//! Builds two 100,000-entry transcripts in memory: a synthetic one (header, 99,998 entries
//! shaped like `share-presented`, a root seal) and a valid, sealed quorum check (mostly `slip`
//! entries between its steps), then measures
//! * `verify_chain`: parsing, canonical-form check, SHA-256 and link check of every line —
//!   steps 1 and 2 of `rootkey transcript verify`, the same function the replay calls
//!   (`chain_steps`); `details` are only checked, parsed later when a step reads them (also
//!   measured without freeing the entries, which a real replay does once, at exit);
//! * `replay_bytes` of the valid 100k-entry quorum check: the whole replay, per entry;
//! * a whole `replay_bytes` of a real 19-entry rehearsal-shaped transcript, per entry.
//!
//! Both 100k-entry files are written to the target's tmp directory
//! (`target/tmp/transcript-100k-{chain,valid}.jsonl`) to time `rootkey transcript verify`
//! as a whole process.
//!
//! Run: `cargo bench --bench transcript`. Criterion runs on one thread.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rootkey::key::RootKey;
use rootkey::secret::SecretBytes;
use rootkey::transcript::verify::{self, ReplayOptions, Verdict};
use rootkey::transcript::{HeaderInfo, Kind, Participant, Recorder, event};
use serde_json::json;

const ENTRIES: usize = 100_000;

/// An in-memory quorum-check recorder (3 of 5, five holders) with a clock that advances 1 ms
/// per entry from a fixed time.
fn recorder(id: u8, name: &str, preflight: serde_json::Value, binary: u8) -> Recorder {
    let info = HeaderInfo {
        ceremony_id: [id; 16],
        kind: Kind::QuorumCheck,
        name: name.into(),
        rehearsal: true,
        plan: None,
        quorum: (3, 5),
        participants: (1..=5)
            .map(|i| Participant {
                name: format!("Holder {i}"),
                role: "share holder".into(),
                share: Some(i),
            })
            .collect(),
        preflight,
    };
    let mut t = 1_830_000_000_000u64;
    let clock = Box::new(move || {
        t += 1;
        UNIX_EPOCH + Duration::from_millis(t)
    });
    Recorder::in_memory_with(&info, [binary; 32], clock).expect("recorder")
}

fn synthetic(n: usize, key: &RootKey) -> Vec<u8> {
    let mut rec = recorder(0x42, "synthetic benchmark transcript", json!({}), 0xb1);
    for i in 1..n - 1 {
        let idx = (i % 5) as u8 + 1;
        rec.record(
            &[&format!("Holder {idx}")],
            event::SharePresented {
                corrections: 0,
                envelope_sha256: hex::encode([idx; 32]),
                file: format!("share-{idx:02}.txt"),
                holder: format!("Holder {idx}"),
                index: idx,
            },
        )
        .expect("record");
    }
    rec.seal(key).expect("seal");
    rec.bytes().expect("in memory").to_vec()
}

/// Pre-flight facts of a clean ceremony machine.
fn preflight() -> serde_json::Value {
    json!({
        "clock": "2026-01-01T00:00:00.000Z", "core_dumps_disabled": true, "host": "bench",
        "kernel": "bench", "memory_locked": true, "network_interfaces_up": [],
        "output_filesystem": "tmpfs", "persistent_output_allowed": true, "printer": null,
        "process_dumpable": false, "swap_active": false
    })
}

/// A valid, sealed quorum check of `n` entries: header, `context-loaded`, three
/// `share-presented` and `key-rebuilt` by the key, with `slip` entries (a share presented twice,
/// asked again) between them, then the seal — what `rootkey transcript verify` accepts (exit 0).
fn valid_quorum_check(n: usize, key: &RootKey) -> Vec<u8> {
    let mut rec = recorder(0x43, "synthetic benchmark quorum check", preflight(), 0xb2);
    let pk = key.public_key_bytes();
    let fp = hex::encode(rootkey::cert::fingerprint(&pk));
    rec.record(
        &["rootkey"],
        event::ContextLoaded {
            manifest: event::LoadedManifest {
                ceremony_id: hex::encode([0xc0; 16]),
                file: "manifest.json".into(),
                sha256: hex::encode([1; 32]),
            },
            root: event::LoadedRoot {
                certificate_sha256: hex::encode([2; 32]),
                file: "root.pem".into(),
                fingerprint: fp,
                public_key: hex::encode(pk),
                sha256: hex::encode([3; 32]),
            },
        },
    )
    .expect("record");
    // Header, context-loaded, 3 shares, key-rebuilt, seal: 7 entries; slips fill the rest.
    let slips = n - 7;
    for idx in 1..=3u8 {
        let these = slips / 3 + usize::from(idx == 3) * (slips % 3);
        for attempt in 1..=these {
            rec.record(
                &["rootkey"],
                event::Slip {
                    attempt: attempt as u64,
                    kind: "same-share".into(),
                    step: format!("holder {idx} presents share {idx} (share presented twice)"),
                },
            )
            .expect("record");
        }
        rec.record(
            &[&format!("Holder {idx}")],
            event::SharePresented {
                corrections: 0,
                envelope_sha256: hex::encode([idx; 32]),
                file: format!("share-{idx:02}.txt"),
                holder: format!("Holder {idx}"),
                index: idx,
            },
        )
        .expect("record");
    }
    rec.record(
        &["rootkey"],
        event::KeyRebuilt {
            public_key: hex::encode(pk),
            quorum: vec![1, 2, 3],
        },
    )
    .expect("record");
    rec.seal(key).expect("seal");
    rec.bytes().expect("in memory").to_vec()
}

fn bench(c: &mut Criterion) {
    let seed = SecretBytes::copy_from(&[7u8; 32]).expect("locked memory");
    let key = RootKey::from_seed(&seed).expect("key");
    let t0 = SystemTime::now();
    let bytes = synthetic(ENTRIES, &key);
    eprintln!(
        "synthetic transcript: {ENTRIES} entries, {} bytes, written in {:?}",
        bytes.len(),
        t0.elapsed().unwrap_or_default()
    );
    assert_eq!(
        verify::verify_chain(&bytes).expect("valid chain").len(),
        ENTRIES
    );

    // The same number of entries as a valid, sealed ceremony: the whole replay, as
    // `rootkey transcript verify` runs it. Both files are left in the target directory for
    // timing the command as a whole process (README, "Speed").
    let valid = valid_quorum_check(ENTRIES, &key);
    let tmp = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::write(tmp.join("transcript-100k-chain.jsonl"), &bytes).expect("write");
    std::fs::write(tmp.join("transcript-100k-valid.jsonl"), &valid).expect("write");
    let r = verify::replay_bytes("t", &valid, None, &ReplayOptions::default());
    assert!(matches!(r.verdict, Verdict::Sealed), "{:?}", r.verdict);
    assert_eq!(r.entries.len(), ENTRIES);

    let mut g = c.benchmark_group("transcript replay");
    g.sample_size(10);
    g.throughput(Throughput::Elements(ENTRIES as u64));
    g.bench_function("verify_chain, 100k entries", |b| {
        b.iter(|| verify::verify_chain(&bytes).expect("valid"))
    });
    // The same, without the time to free the 100k entries afterwards (about half a million
    // small blocks, each wiped by the global allocator).
    g.bench_function("verify_chain, 100k entries, drop not timed", |b| {
        b.iter_with_large_drop(|| verify::verify_chain(&bytes).expect("valid"))
    });
    g.bench_function("replay_bytes, valid 100k-entry quorum check", |b| {
        b.iter(|| verify::replay_bytes("t", &valid, None, &ReplayOptions::default()))
    });
    g.finish();

    // A real rehearsal transcript through the whole replay (script, seal, root).
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("r");
    let plan = rootkey::ceremony::rehearsal_plan().expect("plan");
    let writes = rootkey::ceremony::generation_writes(&plan);
    let writes: Vec<&str> = writes.iter().map(String::as_str).collect();
    rootkey::ceremony::outdir::prepare_out_dir(&out, &writes).expect("out dir");
    let header = rootkey::ceremony::plan_header(
        &plan,
        "rehearsal.toml",
        Kind::Rehearsal,
        [9; 16],
        preflight(),
    );
    let mut rec = Recorder::create(&out, &header).expect("transcript");
    rootkey::ceremony::rehearse(
        &out,
        &plan,
        &rootkey::paper::PaperLayout::default(),
        &mut rec,
    )
    .expect("rehearsal");
    let t = std::fs::read(out.join("transcript.jsonl")).expect("read");
    let lines = t.iter().filter(|&&b| b == b'\n').count();
    let r = verify::replay_bytes("t", &t, None, &ReplayOptions::default());
    assert!(matches!(r.verdict, Verdict::Sealed), "{:?}", r.verdict);
    let mut g = c.benchmark_group("transcript replay (whole)");
    g.throughput(Throughput::Elements(lines as u64));
    g.bench_function("replay_bytes, real rehearsal transcript", |b| {
        b.iter(|| verify::replay_bytes("t", &t, None, &ReplayOptions::default()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
