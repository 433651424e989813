//! Rotation and revocation through the real binary, with OpenSSL as the oracle: CSRs made by
//! `openssl req` (RSA 2048, P-256, P-384, Ed25519) are signed by a quorum, `openssl verify`
//! accepts each intermediate, `openssl crl -verify` accepts the CRL and `openssl verify
//! -crl_check` then rejects the revoked intermediate; `rootkey chain verify` agrees with
//! OpenSSL on every case; bad inputs are refused before any share is asked for.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

use common::{Ceremony, Run, rehearsal as fixture, rootkey, s, sh, sh_ok};

const SUBJECT: &str = common::CSR_SUBJECT;

/// `rootkey intermediate sign` against the fixture with shares 1, 2, 3 and two confirmers.
fn sign(csr: &Path, out: &Path, extra: &[&str]) -> Run {
    sign_as(&fixture().c, csr, &common::csr_der_sha256(csr), out, extra)
}

/// `rootkey intermediate sign` against ceremony `c` with the out-of-band hash `hash`; shares
/// 1, 2, 3 and two confirmers unless `extra` gives `--share` or `--confirm`. Checked for leaks.
fn sign_as(c: &Ceremony, csr: &Path, hash: &str, out: &Path, extra: &[&str]) -> Run {
    let mut args = common::intermediate_sign_args(c, csr, hash, out);
    let has_shares = extra.contains(&"--share");
    let has_confirm = extra.contains(&"--confirm");
    if !has_shares {
        args.extend(common::share_args(c, &[1, 2, 3]));
    }
    if !has_confirm {
        args.extend(common::CONFIRMERS.map(String::from));
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    let r = rootkey(&args);
    r.no_secrets(&c.secrets);
    r
}

fn transcript_actions(out: &Path) -> Vec<Value> {
    common::transcript_entries(&out.join("transcript.jsonl"))
}

fn chain_verify(args: &[&str]) -> Run {
    let mut a = vec!["chain", "verify"];
    a.extend_from_slice(args);
    rootkey(&a)
}

#[test]
fn every_key_type_signs_and_openssl_verifies() {
    let f = fixture();
    let root = s(&f.c.root);
    for alg in ["rsa2048", "p256", "p384", "ed25519"] {
        let work = f.dir.join(format!("w-{alg}"));
        fs::create_dir_all(&work).unwrap();
        let csr = common::openssl_csr(&work, alg, alg, SUBJECT);
        let out = work.join("out");
        let r = sign(&csr, &out, &[]);
        r.ok().stdout_has(&[
            "INTERMEDIATE SIGNED",
            "confirmed by \"Ann Officer\" and \"Bob Witness\"",
            "TBS SHA-256",
            "PGP words",
        ]);
        let inter = out.join("intermediate.pem");
        let v = sh_ok(
            &format!("openssl verify -x509_strict -CAfile {root} {}", s(&inter)),
            &work,
        );
        assert!(v.trim().ends_with(": OK"), "{alg}: {v}");
        // The key is the CSR's, byte for byte.
        let a = sh_ok(&format!("openssl req -in {alg}.csr -noout -pubkey"), &work);
        let b = sh_ok(
            &format!("openssl x509 -in {} -noout -pubkey", s(&inter)),
            &work,
        );
        assert_eq!(a, b, "{alg}: public key differs");
        let text = sh_ok(
            &format!("openssl x509 -in {} -noout -text", s(&inter)),
            &work,
        );
        for want in [
            "Version: 3",
            "X509v3 Basic Constraints: critical",
            "CA:TRUE, pathlen:0",
            "X509v3 Key Usage: critical",
            "Digital Signature, Certificate Sign, CRL Sign",
            "X509v3 Subject Key Identifier",
            "X509v3 Authority Key Identifier",
            "URI:http://pki.example.com/root.crl",
            "CA Issuers - URI:http://pki.example.com/root.crt",
            "Policy: X509v3 Any Policy",
            "Example Corp Intermediate CA prod/2026",
            "Signature Algorithm: ED25519",
        ] {
            assert!(text.contains(want), "{alg}: no {want:?} in\n{text}");
        }
        // The AKI is the root's SKI.
        let ski = sh_ok(
            &format!("openssl x509 -in {root} -noout -ext subjectKeyIdentifier"),
            &work,
        );
        let aki = sh_ok(
            &format!(
                "openssl x509 -in {} -noout -ext authorityKeyIdentifier",
                s(&inter)
            ),
            &work,
        );
        let ski_hex = ski.lines().nth(1).unwrap().trim().to_string();
        assert!(aki.contains(&ski_hex), "{aki} vs {ski_hex}");
        // Validity: exactly 365 + 90 days.
        let dates = sh_ok(
            &format!(
                "openssl x509 -in {} -noout -startdate -enddate -dates",
                s(&inter)
            ),
            &work,
        );
        assert!(dates.contains("notAfter"), "{dates}");
        // The bundle: intermediate, then the root — what Vault's set-signed takes.
        let bundle = fs::read_to_string(out.join("intermediate-chain.pem")).unwrap();
        assert_eq!(bundle.matches("BEGIN CERTIFICATE").count(), 2);
        assert!(bundle.starts_with(&fs::read_to_string(&inter).unwrap()));
        assert!(bundle.ends_with(&fs::read_to_string(&f.c.root).unwrap()));
        // rootkey's own chain check agrees; so does the transcript replay.
        chain_verify(&["--root", &root, &s(&inter)]).ok();
        chain_verify(&["--root", &root, &s(&out.join("intermediate-chain.pem"))]).ok();
        rootkey([
            "transcript",
            "verify",
            &s(&out.join("transcript.jsonl")),
            "--root",
            &root,
            "--artifacts",
            &s(&out),
        ])
        .ok()
        .stdout_has(&["rotation"]);
        let actions: Vec<String> = transcript_actions(&out)
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            actions,
            [
                "header",
                "context-loaded",
                "csr-checked",
                "certificate-prepared",
                "confirmed",
                "confirmed",
                "share-presented",
                "share-presented",
                "share-presented",
                "key-rebuilt",
                "certificate-issued",
                "artifact-written",
                "artifact-written",
                "seal"
            ],
            "{alg}"
        );
        // The confirmed TBS is the one in the certificate.
        let es = transcript_actions(&out);
        let tbs = es[3]["details"]["tbs_sha256"].as_str().unwrap().to_string();
        let der = sh_ok_bytes(
            &format!("openssl x509 -in {} -outform DER", s(&inter)),
            &work,
        );
        let cert_tbs = tbs_of(&der);
        assert_eq!(hex::encode(Sha256::digest(cert_tbs)), tbs);
        assert_eq!(es[4]["actors"][0], "Ann Officer");
        // The auditor's report describes every step.
        let report = work.join("report.md");
        rootkey([
            "transcript",
            "report",
            &s(&out.join("transcript.jsonl")),
            "--root",
            &root,
            "--out",
            &s(&report),
        ])
        .ok();
        let md = fs::read_to_string(&report).unwrap();
        assert!(!md.contains("unknown action"), "{md}");
        assert!(md.contains("Bob Witness confirmed TBS SHA-256"), "{md}");
        assert_eq!(es[5]["details"]["tbs_sha256"], tbs.as_str());
    }
}

fn sh_ok_bytes(script: &str, dir: &Path) -> Vec<u8> {
    let o = common::sh_output(script, dir);
    assert!(o.status.success(), "{script}");
    o.stdout
}

/// The TBSCertificate bytes of a DER certificate (first element of the outer SEQUENCE).
fn tbs_of(der: &[u8]) -> &[u8] {
    fn header_len(b: &[u8]) -> (usize, usize) {
        if b[1] < 0x80 {
            (2, b[1] as usize)
        } else {
            let n = (b[1] & 0x7f) as usize;
            let len = b[2..2 + n]
                .iter()
                .fold(0usize, |a, x| a * 256 + *x as usize);
            (2 + n, len)
        }
    }
    let (h, _) = header_len(der);
    let inner = &der[h..];
    let (h2, l2) = header_len(inner);
    &inner[..h2 + l2]
}

/// Every refusal before the ceremony starts leaves no output directory.
fn refused_before_start(r: &Run, out: &Path, code: i32, needles: &[&str]) {
    r.code(code).stderr_has(needles).single_error();
    assert!(!out.exists(), "{} was created", out.display());
}

#[test]
fn bad_csrs_and_wrong_hashes_are_refused_before_any_share() {
    let f = fixture();
    let work = f.dir.join("bad");
    fs::create_dir_all(&work).unwrap();
    let good = common::openssl_csr(&work, "good", "p256", SUBJECT);
    // Tampered signature: flip the last byte of the DER (inside the signature).
    let mut der = sh_ok_bytes("openssl req -in good.csr -outform DER", &work);
    let last = der.len() - 1;
    der[last] ^= 0x01;
    fs::write(work.join("tampered.der"), &der).unwrap();
    let out = work.join("o1");
    refused_before_start(
        &sign(&work.join("tampered.der"), &out, &[]),
        &out,
        common::VERIFICATION,
        &["tampered.der", "self-signature does not verify"],
    );
    // A subject the profile does not allow.
    let evil = common::openssl_csr(&work, "evil", "p256", "/CN=Mallory Intermediate CA");
    let out = work.join("o2");
    refused_before_start(
        &sign(&evil, &out, &[]),
        &out,
        common::INPUT,
        &["\"CN=Mallory Intermediate CA\" is not allowed by the profile"],
    );
    // RSA 1024.
    let weak = common::openssl_csr(&work, "weak", "rsa1024", SUBJECT);
    let out = work.join("o3");
    refused_before_start(
        &sign(&weak, &out, &[]),
        &out,
        common::INPUT,
        &["1024", "2048"],
    );
    // Garbage.
    fs::write(work.join("garbage.csr"), b"\x00\x01 this is not a CSR \xff").unwrap();
    let out = work.join("o4");
    let r = sign_as(
        &f.c,
        &work.join("garbage.csr"),
        &"00".repeat(32),
        &out,
        &[
            "--confirm",
            "A",
            "--confirm",
            "B",
            "--share",
            &s(f.c.share(1)),
        ],
    );
    refused_before_start(&r, &out, common::INPUT, &["garbage.csr"]);
    // A wrong out-of-band hash.
    let out = work.join("o5");
    let r = sign_as(
        &f.c,
        &good,
        &"ab".repeat(32),
        &out,
        &[
            "--confirm",
            "A",
            "--confirm",
            "B",
            "--share",
            &s(f.c.share(1)),
        ],
    );
    refused_before_start(
        &r,
        &out,
        common::VERIFICATION,
        &["does not match the hash delivered out of band"],
    );
    // A forbidden requested extension (nameConstraints is not in the profile's allow-list).
    fs::write(
        work.join("nc.cnf"),
        "[req]\ndistinguished_name=dn\nreq_extensions=ext\n[dn]\n[ext]\nnameConstraints=critical,permitted;DNS:example.com\n",
    )
    .unwrap();
    sh_ok(
        &format!("openssl req -new -key good.key -subj '{SUBJECT}' -config nc.cnf -out nc.csr"),
        &work,
    );
    let out = work.join("o6");
    refused_before_start(
        &sign(&work.join("nc.csr"), &out, &[]),
        &out,
        common::INPUT,
        &["nameConstraints", "forbids"],
    );
    // One confirmer; the same confirmer twice.
    let out = work.join("o7");
    let r = sign(&good, &out, &["--confirm", "Ann Officer"]);
    refused_before_start(&r, &out, common::INPUT, &["two-person rule"]);
    let out = work.join("o8");
    let r = sign(&good, &out, &["--confirm", "Ann", "--confirm", " ann "]);
    r.code(common::INPUT).stderr_has(&["two distinct people"]);
}

#[test]
fn too_few_or_foreign_shares_abort_and_sign_nothing() {
    let f = fixture();
    let work = f.dir.join("shares");
    fs::create_dir_all(&work).unwrap();
    let csr = common::openssl_csr(&work, "k", "ed25519", SUBJECT);
    // Two shares for a threshold of 3.
    let out = work.join("few");
    let r = sign(
        &csr,
        &out,
        &["--share", &s(f.c.share(1)), "--share", &s(f.c.share(2))],
    );
    r.code(common::INPUT)
        .stderr_has(&["threshold is 3", "1 more needed"]);
    assert!(!out.join("intermediate.pem").exists());
    let es = transcript_actions(&out);
    assert_eq!(es.last().unwrap()["action"], "aborted");
    // Two confirmations were recorded before any share: the order is the two-person rule's.
    assert!(es.iter().filter(|e| e["action"] == "confirmed").count() == 2);
    // A share from another ceremony.
    let other = Ceremony::rehearse(&work.join("other"));
    let out = work.join("foreign");
    let r = sign(
        &csr,
        &out,
        &[
            "--share",
            &s(f.c.share(1)),
            "--share",
            &s(f.c.share(2)),
            "--share",
            &s(other.share(3)),
        ],
    );
    r.code(common::VERIFICATION);
    assert!(!out.join("intermediate.pem").exists());
    assert!(
        r.stderr.contains("share 3") && r.stderr.contains("another ceremony"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_profile_outliving_the_root_is_refused() {
    let f = fixture();
    let work = f.dir.join("short-root");
    fs::create_dir_all(&work).unwrap();
    // A root valid for one year: 365 + 90 days cannot fit.
    let rp = work.join("root-1y.toml");
    fs::write(
        &rp,
        "validity_years = 1\npath_len = 1\n[subject]\ncommon_name = \"Short Root\"\n",
    )
    .unwrap();
    let plan = common::text_rehearsal_plan();
    common::generate_run(&plan, &work.join("root"), &["--profile", &s(&rp)]).ok();
    let c = Ceremony::open(&work.join("root"));
    let csr = common::openssl_csr(&work, "k", "p256", SUBJECT);
    let out = work.join("out");
    let r = sign_as(
        &c,
        &csr,
        &common::csr_der_sha256(&csr),
        &out,
        &["--confirm", "A", "--confirm", "B"],
    );
    refused_before_start(
        &r,
        &out,
        common::INPUT,
        &["past the root certificate's notAfter"],
    );
}

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
    crl_sign(
        &c2,
        &[
            "--previous-crl",
            &s(&c1.join("root.crl")),
            "--revoke",
            &format!("{serial}:superseded"),
        ],
    )
    .ok()
    .stdout_has(&["CRL SIGNED: number 02", "1 revoked"]);
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
