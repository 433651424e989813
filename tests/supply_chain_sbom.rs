//! The CycloneDX SBOM of the release build (`scripts/sbom.py`) and its check against what cargo
//! builds for Linux (`scripts/sbom-check.py`, which derives the crate set from `cargo tree`,
//! independently of the generator), and the supply-chain script's refusal without an advisory
//! database (README, "Supply chain").
//!
//! `scripts/sbom.py` runs `cargo build --release --locked`: a no-op in CI, where
//! `scripts/supply-chain.sh` has built it before `cargo test`; run alone, the first test here
//! builds the release binary once.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const TARGET: &str = "x86_64-unknown-linux-gnu";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `python3 scripts/NAME ARGS` from the repository; fails the test if python3 is missing.
fn script(name: &str, args: &[&str]) -> Output {
    Command::new("python3")
        .arg(repo().join("scripts").join(name))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("python3 runs (apt package python3, installed by .ci/run)")
}

fn generate(dir: &Path) -> PathBuf {
    let out = dir.join("rootkey.cdx.json");
    let run = script(
        "sbom.py",
        &["--out", out.to_str().expect("utf-8 temp path")],
    );
    assert!(
        run.status.success(),
        "sbom.py failed: {}",
        text(&run.stderr)
    );
    assert!(
        text(&run.stdout).starts_with(&format!("SBOM: {} (CycloneDX 1.5, ", out.display())),
        "{}",
        text(&run.stdout)
    );
    out
}

fn check(sbom: &Path) -> Output {
    script("sbom-check.py", &[sbom.to_str().expect("utf-8 temp path")])
}

fn load(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("SBOM written")).expect("SBOM is JSON")
}

fn save(path: &Path, bom: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(bom).expect("serialises")).expect("written");
}

fn components(bom: &mut Value) -> &mut Vec<Value> {
    bom["components"].as_array_mut().expect("components array")
}

fn component<'a>(bom: &'a Value, name: &str) -> Option<&'a Value> {
    bom["components"]
        .as_array()
        .expect("components array")
        .iter()
        .find(|c| c["name"] == name)
}

/// The checksum Cargo.lock records for NAME (exactly one version of it in the lock file).
fn lock_checksum(name: &str) -> String {
    let lock: toml::Table = std::fs::read_to_string(repo().join("Cargo.lock"))
        .expect("Cargo.lock")
        .parse()
        .expect("Cargo.lock is TOML");
    let mut found = lock["package"]
        .as_array()
        .expect("[[package]]")
        .iter()
        .filter(|p| p["name"].as_str() == Some(name));
    let p = found.next().expect("package in Cargo.lock");
    assert!(
        found.next().is_none(),
        "{name} has one version in Cargo.lock"
    );
    p["checksum"].as_str().expect("checksum").to_owned()
}

/// The check's verdict on a changed SBOM: exit 1 and exactly these problem lines, then the
/// next step.
fn assert_refused(sbom: &Path, problems: &[String]) {
    let run = check(sbom);
    assert_eq!(run.status.code(), Some(1), "stdout: {}", text(&run.stdout));
    let mut expected: Vec<String> = problems
        .iter()
        .map(|p| format!("sbom-check: {}: {p}", sbom.display()))
        .collect();
    expected.push(format!(
        "  next step: regenerate with `python3 scripts/sbom.py --out {}`; if it persists, \
         scripts/sbom.py and cargo disagree (fix the generator)",
        sbom.display()
    ));
    assert_eq!(text(&run.stderr), expected.join("\n") + "\n");
}

#[test]
fn sbom_lists_exactly_the_crates_built_for_linux() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sbom = generate(dir.path());
    let run = check(&sbom);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let bom = load(&sbom);
    let n = bom["components"].as_array().expect("components").len();
    assert!(
        text(&run.stdout).starts_with(&format!(
            "SBOM check: {n} components = the {n} crates of Cargo.lock built for {TARGET} ("
        )),
        "{}",
        text(&run.stdout)
    );
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.5");
    let root = &bom["metadata"]["component"];
    assert_eq!(root["name"], "rootkey");
    assert_eq!(root["type"], "application");
    assert_eq!(
        root["purl"],
        format!("pkg:cargo/rootkey@{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(root["licenses"][0]["expression"], "Apache-2.0");

    // Our Shamir crate: in the executable, hash from Cargo.lock, licence, purl.
    let blahaj = component(&bom, "blahaj").expect("blahaj listed");
    assert_eq!(blahaj["purl"], "pkg:cargo/blahaj@0.7.0");
    assert_eq!(blahaj["scope"], "required");
    assert_eq!(blahaj["licenses"][0]["expression"], "MIT");
    assert_eq!(blahaj["hashes"][0]["alg"], "SHA-256");
    assert_eq!(blahaj["hashes"][0]["content"], lock_checksum("blahaj"));
    // A proc macro is built, not linked.
    assert_eq!(
        component(&bom, "serde_derive").expect("serde_derive")["scope"],
        "excluded"
    );
    // Never in the release build: the banned crate, a dev-dependency, a Windows-only crate, and a
    // crate `cargo metadata` lists (dev-dependency feature unification) that is never compiled.
    for absent in ["sharks", "criterion", "windows-sys", "zerocopy-derive"] {
        assert!(
            component(&bom, absent).is_none(),
            "{absent} must not be listed"
        );
    }
    // The dependency graph: rootkey depends on blahaj.
    let deps = bom["dependencies"].as_array().expect("dependencies");
    let root_deps = deps
        .iter()
        .find(|d| d["ref"] == root["purl"])
        .expect("root's entry");
    assert!(
        root_deps["dependsOn"]
            .as_array()
            .expect("dependsOn")
            .contains(&Value::from("pkg:cargo/blahaj@0.7.0"))
    );
}

#[test]
fn sbom_check_fails_when_a_built_crate_is_missing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sbom = generate(dir.path());
    let mut bom = load(&sbom);
    components(&mut bom).retain(|c| c["name"] != "blahaj");
    // Keep the graph consistent, so that the only problem left is the missing component.
    for d in bom["dependencies"].as_array_mut().expect("dependencies") {
        if let Some(on) = d["dependsOn"].as_array_mut() {
            on.retain(|r| r != "pkg:cargo/blahaj@0.7.0");
        }
    }
    bom["dependencies"]
        .as_array_mut()
        .expect("dependencies")
        .retain(|d| d["ref"] != "pkg:cargo/blahaj@0.7.0");
    save(&sbom, &bom);
    assert_refused(
        &sbom,
        &[format!(
            "missing from the SBOM: blahaj 0.7.0 (built for {TARGET})"
        )],
    );
}

#[test]
fn sbom_check_fails_on_a_crate_that_is_not_built() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sbom = generate(dir.path());
    let mut bom = load(&sbom);
    // criterion is in Cargo.lock, but only as a dev-dependency.
    components(&mut bom).push(serde_json::json!({
        "type": "library", "bom-ref": "pkg:cargo/criterion@0.7.0", "name": "criterion",
        "version": "0.7.0", "purl": "pkg:cargo/criterion@0.7.0",
        "licenses": [{"expression": "Apache-2.0 OR MIT"}],
        "hashes": [{"alg": "SHA-256", "content": lock_checksum("criterion")}],
    }));
    save(&sbom, &bom);
    assert_refused(
        &sbom,
        &[format!(
            "in the SBOM but not built for {TARGET}: criterion 0.7.0"
        )],
    );
}

#[test]
fn sbom_check_fails_on_a_hash_that_is_not_cargo_locks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sbom = generate(dir.path());
    let mut bom = load(&sbom);
    let i = components(&mut bom)
        .iter()
        .position(|c| c["name"] == "blahaj")
        .expect("blahaj listed");
    let wrong = "00".repeat(32);
    components(&mut bom)[i]["hashes"][0]["content"] = Value::from(wrong.clone());
    save(&sbom, &bom);
    assert_refused(
        &sbom,
        &[format!(
            "component {i} (blahaj 0.7.0): SHA-256 {wrong} is not Cargo.lock's {}",
            lock_checksum("blahaj")
        )],
    );
}

#[test]
fn sbom_is_the_same_bytes_on_every_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = std::fs::read(generate(dir.path())).expect("first SBOM");
    let b = std::fs::read(generate(dir.path())).expect("second SBOM");
    assert!(a == b, "two runs gave different SBOMs");
}

#[test]
fn supply_chain_script_without_an_advisory_database_fails_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("advisory-db");
    let run = Command::new("bash")
        .arg(repo().join("scripts/supply-chain.sh"))
        .env("ROOTKEY_ADVISORY_DB", &missing)
        .output()
        .expect("bash runs");
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(text(&run.stdout), "");
    let m = missing.display();
    assert_eq!(
        text(&run.stderr),
        format!(
            "supply-chain: no RustSec advisory database at {m} (no folder {m}/crates)\n  next step: \
             put the offline copy there (README, \"Supply chain\": how it is refreshed), or set \
             ROOTKEY_ADVISORY_DB to its folder\n"
        )
    );
}
