//! The previous intermediate (`--previous`): its key is not reused, and a short overlap or a
//! gap with the new one is warned about and recorded.

use std::fs;
use std::process::Command;

use crate::common::{self, rehearsal as fixture, s};
use crate::fixture::*;

#[test]
fn previous_intermediate_overlap_and_key_reuse() {
    let f = fixture();
    let work = f.dir.join("prev");
    fs::create_dir_all(&work).unwrap();
    let csr = common::openssl_csr(&work, "y1", "p256", SUBJECT);
    let out1 = work.join("y1");
    sign(&csr, &out1, &[]).ok();
    let prev = out1.join("intermediate.pem");
    // The same key again: refused.
    let out = work.join("reuse");
    refused_before_start(
        &sign(&csr, &out, &["--previous", &s(&prev)]),
        &out,
        common::INPUT,
        &["reuses the previous intermediate's key"],
    );
    // A new key starting 400 days later: 55 days of overlap, less than the profile's 90.
    let csr2 = common::openssl_csr(&work, "y2", "p256", SUBJECT);
    let later = |days: u64| {
        let t = std::time::SystemTime::now() + std::time::Duration::from_secs(days * 86_400);
        let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let o = Command::new("date")
            .args(["-u", "-d", &format!("@{secs}"), "+%Y-%m-%dT%H:%M:%SZ"])
            .output()
            .unwrap();
        String::from_utf8(o.stdout).unwrap().trim().to_string()
    };
    let out = work.join("short");
    sign(
        &csr2,
        &out,
        &["--previous", &s(&prev), "--not-before", &later(400)],
    )
    .ok()
    .stderr_has(&["warning: short overlap"]);
    let es = transcript_actions(&out);
    let p = es
        .iter()
        .find(|e| e["action"] == "previous-checked")
        .unwrap();
    assert!(
        p["details"]["warnings"][0]
            .as_str()
            .unwrap()
            .contains("short overlap")
    );
    // Starting after the previous one expires: a gap.
    let out = work.join("gap");
    sign(
        &csr2,
        &out,
        &["--previous", &s(&prev), "--not-before", &later(470)],
    )
    .ok()
    .stderr_has(&["warning: gap"]);
}
