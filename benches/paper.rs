//! Paper shards: five one-page shard PDFs (A4) per iteration, as a 3-of-5 ceremony prints
//! them. Target: under 500 ms for all five.

use criterion::{Criterion, criterion_group, criterion_main};
use rootkey::paper::{PaperLayout, ShardInfo, shard_pdf};
use rootkey::pdfdoc::PaperSize;
use rootkey::share::{Envelope, ShareHeader};

fn shards() -> Vec<(ShardInfo, Envelope)> {
    (1..=5u8)
        .map(|index| {
            let header = ShareHeader {
                rehearsal: true,
                ceremony_id: [0x5a; 16],
                root_fingerprint: [0xc3; 16],
                k: 3,
                n: 5,
                index,
            };
            let env = Envelope::new(&header, &[index; 32]).expect("envelope");
            let info = ShardInfo {
                index,
                n: 5,
                threshold: 3,
                holder: format!("Holder {index}"),
                role: "Share holder".into(),
                ceremony_name: "Benchmark ceremony".into(),
                ceremony_id: "5a".repeat(16),
                created: "2026-03-01T10:00:00Z".into(),
                root_fingerprint: [0xc3; 32],
                rehearsal: true,
            };
            (info, env)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let layout = PaperLayout::default();
    let shards = shards();
    let t0 = std::time::Instant::now();
    let bytes: usize = shards
        .iter()
        .map(|(i, e)| shard_pdf(i, e, &layout, PaperSize::A4).expect("pdf").len())
        .sum();
    eprintln!(
        "five shard PDFs: {bytes} bytes in all, first run {:?} (target < 500 ms)",
        t0.elapsed()
    );
    c.bench_function("paper: five shard PDFs (A4)", |b| {
        b.iter(|| {
            for (info, env) in &shards {
                std::hint::black_box(shard_pdf(info, env, &layout, PaperSize::A4).expect("pdf"));
            }
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
