//! Benchmarks named in the issues: split + verify-all-subsets, combine, and the whole
//! `generate` for 3-of-5 with the text medium and its transcript (target < 50 ms).
//!
//! Run: `cargo bench --bench ceremony` (ROOTKEY_BENCH_DIR=/dev/shm to put outputs on tmpfs).

use std::path::PathBuf;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rootkey::ceremony::{self, GenerateOptions};
use rootkey::cert::{DEFAULT_ROOT_PROFILE, RootProfile};
use rootkey::plan::{Plan, REHEARSAL_PLAN};
use rootkey::secret::SecretBytes;
use rootkey::shamir;
use rootkey::transcript::{Kind, Recorder};

fn bench(c: &mut Criterion) {
    let seed = SecretBytes::copy_from(&[0x42; 32]).expect("locked memory");
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);

    c.bench_function("split 3-of-5 + verify all 10 subsets", |b| {
        b.iter(|| shamir::split(&seed, 3, 5, &mut rng).expect("split"))
    });

    c.bench_function("split 8-of-16 + verify all 12870 subsets", |b| {
        b.iter(|| shamir::split(&seed, 8, 16, &mut rng).expect("split"))
    });

    let (points, _) = shamir::split(&seed, 3, 5, &mut rng).expect("split");
    let three: Vec<&shamir::SharePoint> = points.iter().take(3).collect();
    c.bench_function("combine 3 shares", |b| {
        b.iter(|| shamir::combine(&three, 3).expect("combine"))
    });

    let plan = Plan::parse(REHEARSAL_PLAN, "rehearsal.toml").expect("plan");
    let profile = RootProfile::from_toml(DEFAULT_ROOT_PROFILE, "root.toml").expect("profile");
    let base = std::env::var_os("ROOTKEY_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let root = tempfile::tempdir_in(base).expect("temp dir");
    let layout = rootkey::paper::PaperLayout::default();
    let mut n = 0u64;
    c.bench_function("generate 3-of-5 text (files + fsync)", |b| {
        b.iter_batched(
            || {
                n += 1;
                root.path().join(format!("c{n}"))
            },
            |out| {
                // As `rootkey generate` does it: prepare the directory, start the transcript
                // (its header hashes this executable), generate, seal.
                let writes = ceremony::generation_writes(&plan);
                let writes: Vec<&str> = writes.iter().map(String::as_str).collect();
                rootkey::ceremony::outdir::prepare_out_dir(&out, &writes).expect("out dir");
                let header = ceremony::plan_header(
                    &plan,
                    "rehearsal.toml",
                    Kind::Generation,
                    [7; 16],
                    serde_json::json!({}),
                );
                let mut rec = Recorder::create(&out, &header).expect("transcript");
                ceremony::generate(
                    &GenerateOptions {
                        plan: &plan,
                        profile: &profile,
                        out: &out,
                        dice: None,
                        paper: &layout,
                        paper_size: layout.paper,
                        printer: None,
                        piv_attestation_root: None,
                    },
                    &mut rec,
                )
                .expect("generate")
            },
            BatchSize::PerIteration,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
