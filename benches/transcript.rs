//! Transcript replay throughput (issue: at least 50,000 entries/s on one core).
//!
//! Builds a synthetic 100,000-entry transcript in memory (header, 99,998 entries shaped like
//! `share-presented`, a root seal), then measures
//! * `verify_chain`: parsing, canonical-form check, SHA-256 and link check of every line — the
//!   per-entry work of `rootkey transcript verify` (also measured without freeing the parsed
//!   entries, which a real replay does once, at exit);
//! * the seal check on top (one Ed25519 verification);
//! * a whole `replay_bytes` of a real 19-entry rehearsal-shaped transcript, per entry.
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

fn synthetic(n: usize, key: &RootKey) -> Vec<u8> {
    let info = HeaderInfo {
        ceremony_id: [0x42; 16],
        kind: Kind::QuorumCheck,
        name: "synthetic benchmark transcript".into(),
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
        preflight: json!({}),
    };
    let mut t = 1_830_000_000_000u64;
    let clock = Box::new(move || {
        t += 1;
        UNIX_EPOCH + Duration::from_millis(t)
    });
    let mut rec = Recorder::in_memory_with(&info, [0xb1; 32], clock).expect("recorder");
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

    let mut g = c.benchmark_group("transcript replay");
    g.sample_size(10);
    g.throughput(Throughput::Elements(ENTRIES as u64));
    g.bench_function("verify_chain, 100k entries", |b| {
        b.iter(|| verify::verify_chain(&bytes).expect("valid"))
    });
    // The same, without the time to free the 100k parsed entries afterwards (glibc's
    // consolidation of ~1.3 million small blocks): the work `transcript verify` waits for.
    g.bench_function("verify_chain, 100k entries, drop not timed", |b| {
        b.iter_with_large_drop(|| verify::verify_chain(&bytes).expect("valid"))
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
        json!({
            "clock": "2026-01-01T00:00:00.000Z", "core_dumps_disabled": true, "host": "bench",
            "kernel": "bench", "memory_locked": true, "network_interfaces_up": [],
            "output_filesystem": "tmpfs", "persistent_output_allowed": true, "printer": null,
            "process_dumpable": false, "swap_active": false
        }),
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
