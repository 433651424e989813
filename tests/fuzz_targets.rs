//! The fuzz targets (`fuzz/`, README "Fuzzing"), kept honest without building them: every
//! target of `fuzz/Cargo.toml` has its source, a committed seed corpus that CI copies, and is
//! named in the threat model's "hostile input files" row; the crate stays out of the main build
//! (its own `[workspace]`); the corpus stays small.

use std::fs;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The `[[bin]]` targets of fuzz/Cargo.toml: (name, path).
fn targets() -> Vec<(String, String)> {
    let manifest: toml::Table = read("fuzz/Cargo.toml").parse().unwrap();
    manifest["bin"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["name"].as_str().unwrap().to_string(),
                b["path"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn every_fuzz_target_has_its_source_a_seed_corpus_and_a_threat_model_reference() {
    let targets = targets();
    assert!(targets.len() >= 9, "only {} fuzz targets", targets.len());
    let threat = read("docs/threat-model.md");
    let row = threat
        .lines()
        .find(|l| l.starts_with("| hostile input files"))
        .expect("threat model row \"hostile input files\"");
    let mut total = 0u64;
    for (name, path) in &targets {
        assert_eq!(path, &format!("fuzz_targets/{name}.rs"), "{name}");
        let src = read(&format!("fuzz/{path}"));
        assert!(src.contains("fuzz_target!"), "fuzz/{path}: no fuzz_target!");
        let corpus = root().join("fuzz/corpus").join(name);
        let seeds: Vec<_> = fs::read_dir(&corpus)
            .unwrap_or_else(|e| panic!("{}: {e}", corpus.display()))
            .map(|e| e.unwrap())
            .collect();
        assert!(!seeds.is_empty(), "fuzz/corpus/{name} is empty");
        total += seeds
            .iter()
            .map(|e| e.metadata().unwrap().len())
            .sum::<u64>();
        assert!(
            row.contains(&format!("`fuzz/fuzz_targets/{name}.rs`")),
            "docs/threat-model.md, \"hostile input files\": does not name `fuzz/fuzz_targets/{name}.rs`"
        );
    }
    assert!(
        total <= 400_000,
        "the seed corpus has {total} bytes (at most 400 kB)"
    );
    // Every target the threat model names exists.
    for span in row.split('`').skip(1).step_by(2) {
        if let Some(file) = span.strip_prefix("fuzz/fuzz_targets/") {
            let name = file.trim_end_matches(".rs");
            assert!(
                targets.iter().any(|(n, _)| n == name),
                "docs/threat-model.md names `{span}`, which is not a target of fuzz/Cargo.toml"
            );
        }
    }
}

#[test]
fn the_fuzz_crate_is_outside_the_main_build_and_ci_runs_it() {
    let manifest: toml::Table = read("fuzz/Cargo.toml").parse().unwrap();
    assert!(
        manifest.contains_key("workspace"),
        "fuzz/Cargo.toml: no [workspace] of its own"
    );
    assert_eq!(
        manifest["package"]["metadata"]["cargo-fuzz"].as_bool(),
        Some(true)
    );
    assert!(
        root().join("fuzz/Cargo.lock").is_file(),
        "fuzz/Cargo.lock is not committed"
    );
    let main: toml::Table = read("Cargo.toml").parse().unwrap();
    assert!(
        !main.contains_key("workspace"),
        "Cargo.toml: a workspace would take fuzz/ in"
    );
    let ci = read(".ci/run");
    let deny = ci.find("bash scripts/supply-chain.sh").unwrap();
    let fuzz = ci
        .find("bash scripts/fuzz.sh")
        .expect(".ci/run does not run scripts/fuzz.sh");
    assert!(
        fuzz > deny,
        ".ci/run: the fuzz step comes after the supply-chain step"
    );
}
