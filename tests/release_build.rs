//! The release build an auditor reproduces (README, "Reproducible build";
//! `docs/auditor-guide.md`): the release profile and the path remapping are pinned, the
//! transcript header records the SHA-256 of the executable that ran (the hash an auditor
//! compares with a rebuild), and `scripts/reproducible-build.sh` refuses bad arguments naming
//! them. The reproducibility itself takes two release builds (minutes): CI proves it with
//! `scripts/reproducible-build.sh --compare target/release/rootkey` (`.ci/run`).

mod common;

use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

use common::{Ceremony, repo_path};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn the_release_profile_is_fat_lto_one_codegen_unit_stripped_and_unwinding() {
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo_path("Cargo.toml")).unwrap()).unwrap();
    let release = manifest["profile"]["release"].as_table().unwrap();
    assert_eq!(release["lto"].as_str(), Some("fat"));
    assert_eq!(release["codegen-units"].as_integer(), Some(1));
    assert_eq!(release["strip"].as_str(), Some("symbols"));
    // A panic unwinds through the Drop of every locked secret, which wipes it.
    assert!(!release.contains_key("panic"), "{release:?}");
}

#[test]
fn the_release_environment_remaps_cargo_home_the_source_tree_and_the_target_directory() {
    let run = Command::new("bash")
        .args(["-c", ". scripts/release-env.sh && printf %s \"$RUSTFLAGS\""])
        .current_dir(repo_path(""))
        .env("CARGO_HOME", "/")
        .env("CARGO_TARGET_DIR", "/elsewhere/t")
        .env("CARGO_ENCODED_RUSTFLAGS", "--cfg=stale")
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let repo = repo_path("").canonicalize().unwrap();
    assert_eq!(
        text(&run.stdout),
        format!(
            "--remap-path-prefix=/=/cargo --remap-path-prefix={}=/rootkey \
             --remap-path-prefix=/elsewhere/t=/rootkey/target",
            repo.display()
        )
    );
    let spaced = Command::new("bash")
        .args(["-c", ". scripts/release-env.sh || echo refused $?"])
        .current_dir(repo_path(""))
        .env("CARGO_TARGET_DIR", "/a b")
        .output()
        .unwrap();
    assert_eq!(text(&spaced.stdout), "refused 1\n");
    assert!(
        text(&spaced.stderr).contains("a path contains a space")
            && text(&spaced.stderr).contains("  next step: "),
        "{}",
        text(&spaced.stderr)
    );
}

#[test]
fn the_header_and_the_report_record_the_sha256_of_the_running_executable() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("gen");
    Ceremony::rehearse(&dir);
    let exe = hex::encode(Sha256::digest(
        std::fs::read(env!("CARGO_BIN_EXE_rootkey")).unwrap(),
    ));
    let transcript = std::fs::read_to_string(dir.join("transcript.jsonl")).unwrap();
    let header: serde_json::Value =
        serde_json::from_str(transcript.lines().next().unwrap()).unwrap();
    assert_eq!(header["details"]["tool"]["binary_sha256"], exe.as_str());
    let report = t.path().join("report.md");
    let run = Command::new(env!("CARGO_BIN_EXE_rootkey"))
        .args(["transcript", "report", "--out"])
        .arg(&report)
        .arg(dir.join("transcript.jsonl"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let report = std::fs::read_to_string(&report).unwrap();
    assert!(
        report.contains(&format!("rootkey 0.1.0, binary SHA-256 {exe}")),
        "{report}"
    );
}

fn script(args: &[&str]) -> std::process::Output {
    Command::new("bash")
        .arg(repo_path("scripts/reproducible-build.sh"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_reproducible_build_script_refuses_a_missing_binary_an_unknown_commit_and_bad_usage() {
    let missing = Path::new("/nonexistent/rootkey");
    let run = script(&["--compare", missing.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(
        text(&run.stderr),
        "reproducible-build: no binary at /nonexistent/rootkey to compare with\n  next step: \
         build it first (. scripts/release-env.sh && cargo build --release --locked), or leave \
         out --compare to build twice\n"
    );
    let run = script(&["--commit", "no-such-tag-15"]);
    assert_eq!(run.status.code(), Some(1));
    let repo = repo_path("").canonicalize().unwrap();
    assert_eq!(
        text(&run.stderr),
        format!(
            "reproducible-build: no-such-tag-15 is not a commit of {}\n  next step: pass \
             --commit with a commit, tag or branch that exists (git log)\n",
            repo.display()
        )
    );
    let run = script(&["--fast"]);
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(
        text(&run.stderr),
        "usage: bash scripts/reproducible-build.sh [--commit REV] [--compare BINARY] [--keep]\n"
    );
    assert_eq!(text(&run.stdout), "");
}
