//! Every key type OpenSSL makes a CSR with (RSA 2048, P-256, P-384, Ed25519) is signed by a
//! quorum, and OpenSSL and `rootkey chain verify` accept the intermediate; the transcript
//! records the CSR, the TBS hash confirmed and the files written.

use std::fs;

use sha2::{Digest, Sha256};

use crate::common::{self, rehearsal as fixture, rootkey, s, sh_ok};
use crate::fixture::*;

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
