//! Rotation follow-ups of issue 14, item 4, through the real binary: serials shown as openssl
//! prints them (no DER sign byte) wherever a person compares them.

mod common;

use std::fs;

use common::{rehearsal as fixture, rootkey, s, sh_ok};

/// The serial `openssl x509 -noout -serial` prints for `pem` (after `serial=`).
fn openssl_serial(pem: &std::path::Path) -> String {
    let out = sh_ok(
        &format!("openssl x509 -in {} -noout -serial", s(pem)),
        pem.parent().unwrap(),
    );
    out.trim().strip_prefix("serial=").unwrap().to_string()
}

#[test]
fn serials_are_shown_as_openssl_prints_them() {
    let f = fixture();
    let work = f.dir.join("serials");
    fs::create_dir_all(&work).unwrap();
    let csr = common::openssl_csr(&work, "k", "p256", common::CSR_SUBJECT);
    let out = work.join("inter");
    let r = common::intermediate_sign(&f.c, &csr, &out, &[1, 2, 3], &[]);
    r.ok();
    let serial = openssl_serial(&out.join("intermediate.pem"));
    assert!(serial.len() >= 2 && !serial.starts_with("00"), "{serial}");
    // The confirmation screen and the summary.
    assert!(
        r.stdout
            .contains(&format!("\n  Serial:         {serial}\n")),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(&format!("\n  serial {serial}\n")),
        "{}",
        r.stdout
    );
    // The transcript keeps the DER INTEGER's content bytes (its stored form is unchanged); the
    // report shows the serial as openssl does.
    let es = common::transcript_entries(&out.join("transcript.jsonl"));
    let issued = es
        .iter()
        .find(|e| e["action"] == "certificate-issued")
        .unwrap();
    let stored = issued["details"]["serial"].as_str().unwrap();
    assert_eq!(
        stored.trim_start_matches("00").to_uppercase(),
        serial,
        "{stored}"
    );
    let t = s(&out.join("transcript.jsonl"));
    let md = work.join("report.md");
    rootkey([
        "transcript",
        "report",
        &t,
        "--root",
        &s(&f.c.root),
        "--out",
        &s(&md),
    ])
    .ok();
    let report = fs::read_to_string(&md).unwrap();
    assert!(
        report.contains(&format!(
            "intermediate signed: serial {serial}, certificate SHA-256 "
        )),
        "{report}"
    );
    assert!(
        report.contains(&format!(", serial {serial}, valid ")),
        "{report}"
    );
    // chain verify names it the same way.
    let v = rootkey([
        "chain",
        "verify",
        "--root",
        &s(&f.c.root),
        &s(&out.join("intermediate.pem")),
    ]);
    v.ok();
    assert!(
        v.stdout.contains(&format!(", serial {serial}\n")),
        "{}",
        v.stdout
    );
}

/// A serial whose first byte has its top bit set (DER `00 9f 01 …`): `--revoke` takes it as
/// openssl prints it, and the CRL screen shows it so — as `openssl crl -text` does.
#[test]
fn a_serial_with_the_top_bit_set_is_shown_without_its_sign_byte() {
    let f = fixture();
    let work = f.dir.join("top-bit");
    fs::create_dir_all(&work).unwrap();
    let out = work.join("crl");
    let r = common::crl_sign(
        &f.c,
        &out,
        &[1, 2, 3],
        &["--first-crl", "--revoke", "9F0102:keyCompromise"],
    );
    r.ok();
    assert!(
        r.stdout.contains("\n    serial 9F0102  NEW\n"),
        "{}",
        r.stdout
    );
    let text = sh_ok(
        &format!(
            "openssl crl -in {} -noout -text",
            s(&out.join("root.crl.pem"))
        ),
        &work,
    );
    assert!(text.contains("Serial Number: 9F0102"), "{text}");
    // Stored with its sign byte, the DER content bytes.
    let es = common::transcript_entries(&out.join("transcript.jsonl"));
    let prepared = es.iter().find(|e| e["action"] == "crl-prepared").unwrap();
    assert_eq!(prepared["details"]["revoked"][0]["serial"], "009f0102");
}
