//! `scripts/supply-chain.sh` against doctored copies of the offline advisory database
//! (`../shared/advisory-db`, README "Supply chain"): cargo-deny reads the copy it is given and
//! fails on a finding, and a database older than deny.toml's age limit fails instead of passing
//! quietly. cargo-deny comes from the CI tool cache (installed by the script itself when absent).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A copy of the shared advisory database in `dir` (`cp -R`, as an operator would).
fn db_copy(dir: &Path) -> PathBuf {
    let shared = repo().join("../shared/advisory-db");
    assert!(
        shared.join("crates").is_dir(),
        "the offline advisory database is missing at {} (README, \"Supply chain\")",
        shared.display()
    );
    let copy = dir.join("advisory-db");
    let cp = Command::new("cp")
        .arg("-R")
        .arg(&shared)
        .arg(&copy)
        .status()
        .expect("cp runs");
    assert!(cp.success());
    copy
}

fn supply_chain(db: &Path, sbom_dir: &Path) -> Output {
    Command::new("bash")
        .arg(repo().join("scripts/supply-chain.sh"))
        .env("ROOTKEY_ADVISORY_DB", db)
        .env("ROOTKEY_SBOM_OUT", sbom_dir.join("rootkey.cdx.json"))
        .output()
        .expect("bash runs")
}

const REFUSED: &str = "supply-chain: cargo deny refused the dependency tree (its findings above; \
deny.toml is the policy)\n  next step: fix what it names, or add a justified exception to \
deny.toml; \"repository is stale\": the advisory database is older than deny.toml's \
maximum-db-staleness, refresh it (README, \"Supply chain\")\n";

#[test]
fn an_advisory_against_a_crate_we_ship_fails_the_check() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = db_copy(dir.path());
    let advisory = db.join("crates/blahaj/RUSTSEC-2099-0001.md");
    std::fs::create_dir_all(advisory.parent().expect("parent")).expect("crate folder");
    std::fs::write(
        &advisory,
        "```toml\n[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"blahaj\"\n\
         date = \"2026-08-01\"\nurl = \"https://example.invalid/blahaj\"\n\
         categories = [\"crypto-failure\"]\n\n[versions]\npatched = [\">= 0.7.1\"]\n```\n\n\
         # Test finding in blahaj\n\nA made-up advisory for this test.\n",
    )
    .expect("advisory written");
    let run = supply_chain(&db, dir.path());
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "stderr: {err}");
    assert!(
        err.contains("error[vulnerability]: Test finding in blahaj"),
        "stderr: {err}"
    );
    assert!(err.contains("ID: RUSTSEC-2099-0001"), "stderr: {err}");
    assert!(err.ends_with(REFUSED), "stderr: {err}");
    // It stopped before the SBOM.
    assert!(!dir.path().join("rootkey.cdx.json").exists());
}

#[test]
fn an_advisory_database_older_than_a_year_fails_the_check() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = db_copy(dir.path());
    let readme = db.join("README.md");
    let old = std::fs::read_to_string(&readme).expect("README of the database");
    let (at, _) = old
        .split_once("upstream commit")
        .expect("README names the upstream commit");
    // Same text, snapshot dated 2020-01-02.
    let rest = &old[at.len()..];
    let open = rest.find('(').expect("(date)");
    let close = rest.find(')').expect("(date)");
    let doctored = format!("{at}{}(2020-01-02){}", &rest[..open], &rest[close + 1..]);
    std::fs::write(&readme, doctored).expect("README written");
    let run = supply_chain(&db, dir.path());
    let out = text(&run.stdout);
    let err = text(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "stderr: {err}");
    assert!(
        out.starts_with(&format!(
            "advisory database: {}, snapshot of 2020-01-02 (",
            db.display()
        )),
        "stdout: {out}"
    );
    assert!(
        err.contains("repository is stale (last update: 2020-01-02T00:00:00Z)"),
        "stderr: {err}"
    );
    assert!(err.ends_with(REFUSED), "stderr: {err}");
}
