//! SoftHSM2 tokens for the PKCS#11 tests (`softhsm2`, installed by `.ci/run`).
//!
//! SoftHSM2 reads `SOFTHSM2_CONF` once, when the module is initialised, and a module is
//! initialised once per process. So [`in_softhsm`] runs a test's body in a child process —
//! the same test binary, filtered to the one test — with `SOFTHSM2_CONF` pointing at a token
//! directory of its own, where the parent created the test's tokens with
//! `softhsm2-util --init-token` (user PIN [`PIN`]). A rootkey the child spawns inherits it.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const CHILD_ENV: &str = "ROOTKEY_TEST_SOFTHSM_CHILD";
/// The user PIN of every test token.
pub const PIN: &str = "123456";
/// The security officer's PIN of every test token.
pub const SO_PIN: &str = "65432100";

/// SoftHSM2's PKCS#11 library.
pub fn softhsm_module() -> PathBuf {
    [
        "/usr/lib/softhsm/libsofthsm2.so",
        "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
        "/usr/lib64/softhsm/libsofthsm2.so",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
    .expect("SoftHSM2 is not installed: apt-get install softhsm2 (.ci/run does)")
}

/// Runs `body` in a child process whose SoftHSM2 holds fresh tokens labelled `labels`.
/// `test` is the test's name (the child runs only it).
pub fn in_softhsm(test: &str, labels: &[&str], body: impl FnOnce()) {
    if std::env::var(CHILD_ENV).as_deref() == Ok(test) {
        body();
        return;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("softhsm-{test}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("tokens")).unwrap();
    let conf = dir.join("softhsm2.conf");
    fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            dir.join("tokens").display()
        ),
    )
    .unwrap();
    for label in labels {
        // softhsm2-util renumbers the slot after --init-token; tokens are found by label.
        let out = Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", &conf)
            .args(["--init-token", "--free", "--label", label])
            .args(["--pin", PIN, "--so-pin", SO_PIN])
            .output()
            .expect("softhsm2-util (apt-get install softhsm2; .ci/run does)");
        assert!(out.status.success(), "{out:?}");
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .env("SOFTHSM2_CONF", &conf)
        .env(CHILD_ENV, test)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "child for {test} failed");
    assert!(
        stdout.contains("1 passed"),
        "the child did not run {test}:\n{stdout}"
    );
    let _ = fs::remove_dir_all(&dir);
}

/// The shipped rehearsal plan (3 of 5) with every holder on text, the first `labels.len()`
/// holders on the SoftHSM2 tokens `labels` instead, and `threshold`.
pub fn rehearsal_plan_on_tokens(labels: &[&str], threshold: u8) -> String {
    let module = softhsm_module();
    let mut text = rootkey::plan::REHEARSAL_PLAN
        .replace("medium = \"paper\"", "medium = \"text\"")
        .replace("threshold = 3\n", &format!("threshold = {threshold}\n"));
    for label in labels {
        let nth = text.find("medium = \"text\"").unwrap();
        text.replace_range(
            nth..nth + "medium = \"text\"".len(),
            &format!(
                "medium = \"pkcs11\"\n\n[holders.token]\nmodule = \"{}\"\nlabel = \"{label}\"",
                module.display()
            ),
        );
    }
    text
}

/// The shipped rehearsal answers for [`rehearsal_plan_on_tokens`] with two token holders: the
/// last checklist step renumbered (the two `write-token` steps come before it: step 18, not
/// 16), and `token-1-pin = PIN1` (a TOML value: a string, or an array for a second ask),
/// `token-2-pin = "PIN"`.
pub fn rehearsal_answers_on_two_tokens(pin1: &str) -> String {
    let text = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("ceremony-scripts/rehearsal-answers.toml"),
    )
    .unwrap()
    .replace("checklist-16-initials", "checklist-18-initials");
    format!("{text}token-1-pin = {pin1}\ntoken-2-pin = \"{PIN}\"\n")
}
