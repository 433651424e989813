//! Memory locking through the real binary: with RLIMIT_MEMLOCK = 0 (and, as root, without
//! CAP_IPC_LOCK) secret memory cannot be locked. rootkey must refuse with a message that says
//! how to raise the limit, unless a rehearsal passes --allow-unlocked-memory, which is recorded.

use std::process::{Command, Output};

/// Runs rootkey with `ulimit -l 0`; as root also drops CAP_IPC_LOCK (root ignores the limit).
fn run_unlockable(args: &[&str]) -> Output {
    let script = r#"ulimit -l 0 || exit 97
if [ "$(id -u)" = 0 ]; then
  exec setpriv --bounding-set -ipc_lock --inh-caps -ipc_lock "$@"
fi
exec "$@""#;
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_rootkey"))
        .args(args)
        .output()
        .expect("run sh")
}

#[test]
fn refuses_when_memory_cannot_be_locked() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    let o = run_unlockable(&["rehearse", "--out", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "stderr: {err}");
    assert!(err.contains("could not lock secret memory"), "{err}");
    assert!(
        err.contains("RLIMIT_MEMLOCK") && err.contains("ulimit -l"),
        "{err}"
    );
    assert!(!out.exists(), "nothing may be created when hardening fails");
}

#[test]
fn rehearsal_may_continue_unlocked_and_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    let o = run_unlockable(&[
        "rehearse",
        "--allow-unlocked-memory",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("NOT locked"), "{stdout}");
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"memory_locked\": false"), "{manifest}");
}

#[test]
fn real_ceremony_may_not_run_unlocked() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    let plan = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/ceremony-scripts/root-generation.toml"
    );
    let o = run_unlockable(&[
        "generate",
        "--allow-unlocked-memory",
        "--plan",
        plan,
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("only allowed for rehearsal"), "{err}");
    assert!(!out.exists());
}
