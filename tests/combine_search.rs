//! The quorum search of `rootkey combine` with more shares than the threshold and a
//! disagreeing share listed first (issue 15, item 5): 8-of-16 where share 1 was split wrongly,
//! so the 6435 subsets that contain it are tried, and refused, before the first agreeing one.
//! The search rebuilds each subset into one locked buffer and wipes the stack once
//! (`shamir::Combiner`); the quorum found and the shares reported must stay those of the
//! lexicographic search. `benches/side_by_side.sh` times the same ceremony: it writes it with
//! the ignored test below (`ROOTKEY_BENCH_FIXTURE=DIR cargo test --test combine_search --
//! --ignored`).

mod common;

use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand::rngs::StdRng;
use rootkey::key::RootKey;
use rootkey::secret::SecretBytes;
use rootkey::shamir;
use tempfile::TempDir;

use common::{Ceremony, VERIFICATION, allow_unlocked_in_tests, plan_toml, s};

/// A rehearsal ceremony in `dir`, 8-of-16 text shares, whose manifest was signed over a share 1
/// that does not lie on the key's polynomial (the other 15 do).
fn eight_of_sixteen_with_bad_share_1(dir: &Path) {
    allow_unlocked_in_tests();
    let seed = SecretBytes::copy_from(&[0x51u8; 32]).unwrap();
    let key = RootKey::from_seed(&seed).unwrap();
    let mut rng = StdRng::seed_from_u64(15);
    let (mut points, _) = shamir::split(&seed, 8, 16, &mut rng).unwrap();
    let mut wrong = [0xa5u8; 32];
    for (w, y) in wrong.iter_mut().zip(points[0].y.as_slice()) {
        *w ^= *y;
    }
    points[0].y = SecretBytes::copy_from(&wrong).unwrap();
    common::write_ceremony(
        dir,
        &key,
        &points,
        &plan_toml("Search bench", true, 8, 16, 16),
        "search.toml",
        0x15,
    );
}

#[test]
fn eight_of_sixteen_with_a_disagreeing_first_share_finds_the_first_agreeing_quorum() {
    let t = TempDir::new().unwrap();
    let dir = t.path().join("search");
    eight_of_sixteen_with_bad_share_1(&dir);
    let c = Ceremony::open(&dir);
    assert_eq!(c.shares.len(), 16);
    let all: Vec<&Path> = c.shares.iter().map(PathBuf::as_path).collect();
    c.combine(&all)
        .code(VERIFICATION)
        .stdout_has(&[
            "Quorum: shares 2, 3, 4, 5, 6, 7, 8 and 9 rebuilt the root key\n",
            "share 10 (Holder 10) also agrees",
            "share 16 (Holder 16) also agrees",
            &format!(
                "PROBLEM: share 1 (Holder 01, file {}) does NOT agree with the quorum",
                s(c.share(1))
            ),
        ])
        .stderr_has(&["share 1", "Holder 01", &s(c.share(1))]);
}

/// Writes the ceremony above to `$ROOTKEY_BENCH_FIXTURE` for `benches/side_by_side.sh`.
#[test]
#[ignore = "a fixture writer for benches/side_by_side.sh, not a test"]
fn write_bench_fixture() {
    let dir = std::env::var_os("ROOTKEY_BENCH_FIXTURE").expect("ROOTKEY_BENCH_FIXTURE=DIR");
    eight_of_sixteen_with_bad_share_1(Path::new(&dir));
}
