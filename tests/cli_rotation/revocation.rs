//! Revocation and chain checks against OpenSSL: a chain of CRLs (first, revoking, carrying
//! forward, a double revocation refused) that `openssl crl -verify` accepts and `openssl
//! verify -crl_check` honours, and `rootkey chain verify` agreeing with `openssl verify` on
//! time and foreign roots.

use std::fs;
use std::path::Path;

use crate::common::{self, Ceremony, rehearsal as fixture, rootkey, s, sh, sh_ok};
use crate::fixture::*;

#[test]
fn crl_revokes_and_openssl_and_chain_verify_agree() {
    let f = fixture();
    let root = s(&f.c.root);
    let work = f.dir.join("crl");
    fs::create_dir_all(&work).unwrap();
    let csr = common::openssl_csr(&work, "k", "rsa2048", SUBJECT);
    let out = work.join("inter");
    sign(&csr, &out, &[]).ok();
    let inter = s(&out.join("intermediate.pem"));
    let serial = sh_ok(&format!("openssl x509 -in {inter} -noout -serial"), &work);
    let serial = serial.trim().trim_start_matches("serial=").to_string();
    let crl_sign = |out: &Path, extra: &[&str]| common::crl_sign(&f.c, out, &[1, 2, 3], extra);
    // The first CRL, empty: everything verifies.
    let c1 = work.join("crl1");
    crl_sign(&c1, &["--first-crl"])
        .ok()
        .stdout_has(&["CRL SIGNED: number 01"]);
    let crl1 = s(&c1.join("root.crl.pem"));
    let v = sh_ok(
        &format!("openssl crl -in {crl1} -noout -verify -CAfile {root}"),
        &work,
    );
    assert!(v.contains("verify OK"), "{v}");
    let (ok, v) = sh(
        &format!("openssl verify -crl_check -CAfile {root} -CRLfile {crl1} {inter}"),
        &work,
    );
    assert!(ok, "{v}");
    chain_verify(&["--root", &root, "--crl", &crl1, &inter]).ok();
    // thisUpdate has whole seconds and must increase from one CRL to the next.
    let tick = || std::thread::sleep(std::time::Duration::from_millis(1100));
    tick();
    // The second CRL revokes the intermediate.
    let c2 = work.join("crl2");
    let r = crl_sign(
        &c2,
        &[
            "--previous-crl",
            &s(&c1.join("root.crl")),
            "--revoke",
            &format!("{serial}:superseded"),
        ],
    );
    r.ok().stdout_has(&["CRL SIGNED: number 02", "1 revoked"]);
    // The confirmation summary (on standard output with named confirmers) fits 80 columns,
    // the intermediate's 20-byte serial included.
    // The serial as openssl prints it (no DER sign byte; issue 14).
    let new_entry = format!("{serial}  NEW");
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("    serial ") && l.ends_with(&new_entry)),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("      revoked ") && l.ends_with(", reason superseded")),
        "{}",
        r.stdout
    );
    for l in r.stdout.lines() {
        assert!(
            l.chars().count() <= 80,
            "{} columns: {l}",
            l.chars().count()
        );
    }
    let crl2 = s(&c2.join("root.crl.pem"));
    let v = sh_ok(
        &format!("openssl crl -in {crl2} -noout -verify -CAfile {root}"),
        &work,
    );
    assert!(v.contains("verify OK"), "{v}");
    let text = sh_ok(&format!("openssl crl -in {crl2} -noout -text"), &work);
    assert!(
        text.contains("X509v3 CRL Number") && text.contains("Superseded"),
        "{text}"
    );
    let (ok, v) = sh(
        &format!("openssl verify -crl_check -CAfile {root} -CRLfile {crl2} {inter}"),
        &work,
    );
    assert!(!ok && v.contains("certificate revoked"), "{v}");
    chain_verify(&["--root", &root, "--crl", &crl2, &inter])
        .code(common::VERIFICATION)
        .stdout_has(&["revoked"]);
    tick();
    // The third CRL carries the revocation forward.
    let c3 = work.join("crl3");
    crl_sign(&c3, &["--previous-crl", &s(&c2.join("root.crl.pem"))])
        .ok()
        .stdout_has(&["number 03", "1 revoked"]);
    let (ok, _) = sh(
        &format!(
            "openssl verify -crl_check -CAfile {root} -CRLfile {} {inter}",
            s(&c3.join("root.crl.pem"))
        ),
        &work,
    );
    assert!(!ok);
    tick();
    // Revoking it again is refused before the ceremony starts.
    let c4 = work.join("crl4");
    crl_sign(
        &c4,
        &[
            "--previous-crl",
            &s(&c3.join("root.crl")),
            "--revoke",
            &serial,
        ],
    )
    .code(common::INPUT)
    .stderr_has(&["already"]);
    assert!(!c4.exists());
    // Without --previous-crl or --first-crl: a usage error.
    crl_sign(&work.join("crl5"), &[]).code(common::USAGE);
    // Transcripts replay, artifacts included.
    for d in [&c1, &c2, &c3] {
        rootkey([
            "transcript",
            "verify",
            &s(&d.join("transcript.jsonl")),
            "--root",
            &root,
            "--artifacts",
            &s(d),
        ])
        .ok()
        .stdout_has(&["crl"]);
    }
}

#[test]
fn chain_verify_agrees_with_openssl_on_time_and_foreign_roots() {
    let f = fixture();
    let root = s(&f.c.root);
    let work = f.dir.join("chain");
    fs::create_dir_all(&work).unwrap();
    let csr = common::openssl_csr(&work, "k", "p384", SUBJECT);
    let out = work.join("inter");
    sign(&csr, &out, &[]).ok();
    let inter = s(&out.join("intermediate.pem"));
    // A leaf issued by the intermediate with openssl (P-384 key → ECDSA signature).
    sh_ok(
        &format!(
            "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.key 2>/dev/null && \
             openssl req -new -key leaf.key -subj '/CN=leaf.example.com' -out leaf.csr && \
             printf 'basicConstraints=critical,CA:FALSE\\nkeyUsage=critical,digitalSignature\\n' > leaf.ext && \
             openssl x509 -req -in leaf.csr -CA {inter} -CAkey k.key -CAcreateserial -days 30 -extfile leaf.ext -out leaf.pem"
        ),
        &work,
    );
    let leaf = s(&work.join("leaf.pem"));
    let cases: Vec<(Vec<String>, Vec<String>, bool)> = {
        let now = |extra: &[&str]| extra.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        vec![
            // (rootkey args, openssl args, expected valid)
            (now(&[&inter]), now(&[&inter]), true),
            (
                now(&[&inter, &leaf]),
                now(&["-untrusted", &inter, &leaf]),
                true,
            ),
            (
                now(&["--at", "2099-01-01", &inter]),
                now(&["-attime", "4070908800", &inter]),
                false,
            ),
            (
                now(&["--at", "2001-01-01", &inter]),
                now(&["-attime", "978307200", &inter]),
                false,
            ),
            (now(&[&leaf]), now(&[&leaf]), false),
        ]
    };
    for (rk, os, valid) in cases {
        let mut a = vec!["--root".to_string(), root.clone()];
        a.extend(rk.iter().cloned());
        let rr = rootkey(
            ["chain".to_string(), "verify".to_string()]
                .into_iter()
                .chain(a),
        );
        let (ok, v) = sh(
            &format!("openssl verify -CAfile {root} {}", os.join(" ")),
            &work,
        );
        assert_eq!(ok, valid, "openssl {os:?}: {v}");
        assert_eq!(
            rr.code == 0,
            valid,
            "rootkey {rk:?}: {}{}",
            rr.stdout,
            rr.stderr
        );
        if !valid {
            assert_eq!(rr.code, common::VERIFICATION, "{rk:?}");
        }
    }
    // An intermediate from another root is refused by both.
    let other = Ceremony::rehearse(&work.join("other"));
    let (ok, _) = sh(
        &format!("openssl verify -CAfile {} {inter}", s(&other.root)),
        &work,
    );
    assert!(!ok);
    chain_verify(&["--root", &s(&other.root), &inter])
        .code(common::VERIFICATION)
        .stdout_has(&["does not verify"]);
}
