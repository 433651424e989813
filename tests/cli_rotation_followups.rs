//! Rotation follow-ups of issue 14, item 4, through the real binary: serials shown as openssl
//! prints them (no DER sign byte) wherever a person compares them; input copies written before
//! the entries that name them, so that an interrupted ceremony passes `--artifacts`.

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
    // The refusal of a serial revoked again names it as openssl prints it too (a second later:
    // thisUpdate must grow).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let again = common::crl_sign(
        &f.c,
        &work.join("crl-again"),
        &[1, 2, 3],
        &[
            "--previous-crl",
            &s(&out.join("root.crl")),
            "--revoke",
            "9f:01:02:superseded",
        ],
    );
    again
        .code(1)
        .stderr_has(&["serial 9F0102 is already revoked in the previous CRL (since "]);
}

/// `kill -9 PID` through kill(1).
fn kill_9(pid: i32) {
    let st = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
}

/// `transcript verify --root --artifacts` with rootkey and the independent verifier: both
/// exit codes.
fn verify_artifacts(out: &std::path::Path, root: &std::path::Path) -> (i32, i32, String) {
    let t = s(&out.join("transcript.jsonl"));
    let r = rootkey([
        "transcript",
        "verify",
        &t,
        "--root",
        &s(root),
        "--artifacts",
        &s(out),
    ]);
    let py = std::process::Command::new("python3")
        .arg(common::repo_path(
            "tests/vectors/independent_transcript_check.py",
        ))
        .args([&t, "--root", &s(root), "--artifacts", &s(out)])
        .output()
        .unwrap();
    (
        r.code,
        py.status.code().unwrap_or(-1),
        format!(
            "{}{}{}",
            r.stdout,
            r.stderr,
            String::from_utf8_lossy(&py.stdout)
        ),
    )
}

/// Starts `args` in a pty, waits at the first confirmer's prompt — every entry naming an input
/// copy is written by then — and kills it (SIGKILL: nothing is cleaned up). Returns the
/// transcript's actions.
fn killed_at_the_confirmation(args: &[String], out: &std::path::Path) -> Vec<String> {
    let mut p = common::pty::Pty::spawn_here(args);
    p.expect("confirmer 1 of 2, your name: ");
    kill_9(p.s.get_process().pid().as_raw());
    let _ = p.s.get_process().wait();
    common::transcript_entries(&out.join("transcript.jsonl"))
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

/// An interrupted rotation or CRL ceremony leaves every input copy its transcript names:
/// `--artifacts` finds them (valid, unsealed: exit 3 in both verifiers).
#[test]
fn an_interrupted_rotation_or_crl_ceremony_keeps_its_input_copies_for_artifacts() {
    let f = fixture();
    let work = f.dir.join("interrupted");
    fs::create_dir_all(&work).unwrap();
    let csr = common::openssl_csr(&work, "k1", "p256", common::CSR_SUBJECT);
    let year1 = work.join("year1");
    common::intermediate_sign(&f.c, &csr, &year1, &[1, 2, 3], &[]).ok();
    let csr2 = common::openssl_csr(&work, "k2", "p256", common::CSR_SUBJECT);
    let out = work.join("year2");
    let mut args =
        common::intermediate_sign_args(&f.c, &csr2, &common::csr_der_sha256(&csr2), &out);
    args.extend(common::share_args(&f.c, &[1, 2, 3]));
    args.extend(["--previous".into(), s(&year1.join("intermediate.pem"))]);
    let actions = killed_at_the_confirmation(&args, &out);
    assert_eq!(
        actions[actions.len() - 3..],
        ["csr-checked", "previous-checked", "certificate-prepared"],
        "{actions:?}"
    );
    for name in [
        "root.pem",
        "manifest.json",
        "k2.csr",
        "previous-intermediate.pem",
    ] {
        assert!(out.join(name).is_file(), "{name} missing");
    }
    let (r, p, text) = verify_artifacts(&out, &f.c.root);
    assert_eq!((r, p), (3, 3), "{text}");

    // A CRL ceremony with a previous CRL, killed the same way.
    let crl1 = work.join("crl1");
    common::crl_sign(
        &f.c,
        &crl1,
        &[1, 2, 3],
        &["--first-crl", "--revoke", "0a0b"],
    )
    .ok();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = work.join("crl2");
    let mut args: Vec<String> = ["crl", "sign", "--root"].map(String::from).to_vec();
    args.extend([s(&f.c.root), "--manifest".into(), s(&f.c.manifest)]);
    args.extend(["--out".into(), s(&out), "--previous-crl".into()]);
    args.push(s(&crl1.join("root.crl")));
    args.extend(common::share_args(&f.c, &[1, 2, 3]));
    let actions = killed_at_the_confirmation(&args, &out);
    assert_eq!(
        actions[actions.len() - 2..],
        ["previous-crl-checked", "crl-prepared"],
        "{actions:?}"
    );
    assert!(out.join("previous-root.crl").is_file());
    let (r, p, text) = verify_artifacts(&out, &f.c.root);
    assert_eq!((r, p), (3, 3), "{text}");
}

/// `chain verify --crl` with a root CRL that is out of date, or not yet valid, at the time
/// checked: the intermediate it speaks about is not called good, and the line says why and what
/// to get; the CRL number is shown as openssl prints it.
#[test]
fn chain_verify_refuses_a_crl_out_of_date_or_not_yet_valid_at_the_time_checked() {
    let f = fixture();
    let work = f.dir.join("stale-crl");
    fs::create_dir_all(&work).unwrap();
    let csr = common::openssl_csr(&work, "k", "p256", common::CSR_SUBJECT);
    let inter = work.join("inter");
    common::intermediate_sign(&f.c, &csr, &inter, &[1, 2, 3], &[]).ok();
    // The CRL a second later than the intermediate's notBefore, valid for one day.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let crl = work.join("crl");
    common::crl_sign(
        &f.c,
        &crl,
        &[1, 2, 3],
        &["--first-crl", "--next-update-days", "1"],
    )
    .ok();
    let es = common::transcript_entries(&crl.join("transcript.jsonl"));
    let prepared = es.iter().find(|e| e["action"] == "crl-prepared").unwrap();
    let this_update = prepared["details"]["this_update"].as_str().unwrap();
    let next_update = prepared["details"]["next_update"].as_str().unwrap();
    // The intermediate's notBefore, and a day after the CRL's nextUpdate, as --at takes them.
    let iso = |date_arg: &str| {
        sh_ok(
            &format!("date -u -d \"{date_arg}\" +%Y-%m-%dT%H:%M:%SZ"),
            &work,
        )
        .trim()
        .to_string()
    };
    let start = sh_ok(
        &format!(
            "openssl x509 -in {} -noout -startdate",
            s(&inter.join("intermediate.pem"))
        ),
        &work,
    );
    let not_before = iso(start.trim().strip_prefix("notBefore=").unwrap());
    let later = iso(&format!("{next_update} + 1 day"));
    let verify = |at: &str| {
        rootkey([
            "chain",
            "verify",
            "--root",
            &s(&f.c.root),
            "--crl",
            &s(&crl.join("root.crl")),
            "--at",
            at,
            &s(&inter.join("intermediate.pem")),
        ])
    };
    // Inside its window it vouches for the intermediate.
    verify(this_update)
        .ok()
        .stdout_has(&["CRL: number 01, thisUpdate ", "\nOK       "]);
    // Two days on: out of date.
    let r = verify(&later);
    r.code(3).stdout_has(&[
        "\nINVALID  ",
        &format!(
            "the CRL is out of date at the time checked (nextUpdate {next_update}): get the current CRL"
        ),
    ]);
    // At the intermediate's notBefore, a second before the CRL was made: not yet valid.
    assert!(
        not_before.as_str() < this_update,
        "{not_before} {this_update}"
    );
    let r = verify(&not_before);
    r.code(3).stdout_has(&[
        "\nINVALID  ",
        &format!("the CRL is not yet valid at the time checked (thisUpdate {this_update})"),
    ]);
}
