//! pkilint (0.13.3, installed by `.ci/run` into its virtual environment) on rootkey's outputs,
//! through the real binary: the root CRL passes `lint_crl -t ARL` with the PKIX and the
//! CA/Browser Forum profiles without a single finding, and the root and intermediate
//! certificates (with and without an extendedKeyUsage) pass `lint_pkix_cert` with exactly one
//! INFO finding, accepted below. The sets
//! are asserted exactly, so that a change in rootkey's outputs (or in pkilint) shows here.
//!
//! The tools come from PATH (`export PATH=/work/venv14/bin:$PATH`, or CI's venv); a missing
//! tool FAILS the test, naming it: CI must run these.

#[path = "common/mod.rs"]
mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use common::{rehearsal as fixture, rootkey, s};

/// One finding: (validator, severity, code).
type Finding = (String, String, String);

/// Runs a pkilint tool with `args` and `-s DEBUG -f JSON` (every finding, as JSON); the
/// findings and whether it exited 0. Fails the test when the tool is not on PATH.
fn pkilint(tool: &str, args: &[&str], file: &Path) -> (Vec<Finding>, bool) {
    let out = Command::new(tool)
        .arg("lint")
        .args(args)
        .args(["-s", "DEBUG", "-f", "JSON"])
        .arg(file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "pkilint's `{tool}` could not be run ({e}): it must be on PATH; run .ci/run's install lines (pip install pkilint==0.13.3 into the virtual environment and put its bin on PATH)"
            )
        });
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{tool} {args:?} {}: not JSON ({e}):\n{stdout}\n{}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut findings = Vec::new();
    for r in json["results"].as_array().expect("results") {
        for f in r["finding_descriptions"].as_array().expect("findings") {
            findings.push((
                r["validator"].as_str().unwrap_or("").to_string(),
                f["severity"].as_str().unwrap_or("").to_string(),
                f["code"].as_str().unwrap_or("").to_string(),
            ));
        }
    }
    (findings, out.status.success())
}

/// `lint_crl -t ARL` with both profiles: no finding at all, exit 0.
fn arl_passes(crl: &Path) {
    for profile in ["PKIX", "BR"] {
        let (findings, ok) = pkilint("lint_crl", &["-t", "ARL", "-p", profile], crl);
        assert_eq!(
            findings,
            [],
            "lint_crl -t ARL -p {profile} {}",
            crl.display()
        );
        assert!(ok, "lint_crl -t ARL -p {profile} {}", crl.display());
    }
}

/// The one finding accepted on rootkey's certificates: pkilint recognises the
/// subjectKeyIdentifier as RFC 7093 §2 method 1 (SHA-256 of the key, first 160 bits) — the
/// method docs/formats.md specifies. INFO: a statement, not a problem.
fn accepted_certificate_findings() -> Vec<Finding> {
    vec![(
        "SubjectKeyIdentifierValidator".to_string(),
        "INFO".to_string(),
        "pkix.subject_key_identifier_rfc7093_method_1_identified".to_string(),
    )]
}

fn cert_passes(cert: &Path) {
    let (findings, _) = pkilint("lint_pkix_cert", &[], cert);
    assert_eq!(
        findings,
        accepted_certificate_findings(),
        "lint_pkix_cert {}",
        cert.display()
    );
}

#[test]
fn rehearsal_crl_root_and_intermediate_pass_pkilint() {
    let dir = tempfile::TempDir::new().unwrap();
    let out = dir.path().join("rehearsal");
    rootkey(["rehearse", "--kind", "crl", "--out", &s(&out)]).ok();
    let crl = out.join("crl/root.crl.pem");
    arl_passes(&crl);
    arl_passes(&out.join("crl/root.crl"));
    // Read as an end-entity CRL (`-t CRL`), the same CRL breaks the CA/Browser Forum's
    // ten-day limit: pkilint 0.13.3 takes the type from the command line, not from the
    // issuingDistributionPoint, which is why the CA-only list is linted as an ARL.
    let (findings, ok) = pkilint("lint_crl", &["-t", "CRL", "-p", "BR"], &crl);
    assert_eq!(
        findings,
        [(
            "ValidityPeriodThresholdsValidator".to_string(),
            "ERROR".to_string(),
            "cabf.crl_invalid_validity_period".to_string()
        )]
    );
    assert!(!ok);
    cert_passes(&out.join("root/root.pem"));
    cert_passes(&out.join("rotation/intermediate.pem"));
}

#[test]
fn a_crl_with_every_reason_carried_forward_passes_lint_crl_as_an_arl() {
    let f = fixture();
    let work = f.dir.join("pkilint");
    fs::create_dir_all(&work).unwrap();
    let sign = |out: &Path, extra: &[&str]| common::crl_sign(&f.c, out, &[1, 2, 3], extra);
    let first = work.join("first");
    sign(
        &first,
        &[
            "--first-crl",
            "--next-update-days",
            "365",
            "--revoke",
            "0a:keyCompromise",
            "--revoke",
            "0b:cACompromise",
            "--revoke",
            "0c:affiliationChanged",
            "--revoke",
            "0d:superseded",
        ],
    )
    .ok();
    arl_passes(&first.join("root.crl"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let next = work.join("next");
    sign(
        &next,
        &[
            "--previous-crl",
            &s(&first.join("root.crl")),
            "--next-update-days",
            "365",
            "--revoke",
            "0e:cessationOfOperation",
            "--revoke",
            "0f:privilegeWithdrawn",
            "--revoke",
            "10:unspecified",
            "--revoke",
            "00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff",
        ],
    )
    .ok()
    .stdout_has(&["CRL SIGNED: number 02", "8 revoked"]);
    arl_passes(&next.join("root.crl.pem"));
}

#[test]
fn an_intermediate_from_an_openssl_csr_passes_lint_pkix_cert() {
    let f = fixture();
    let work = f.dir.join("pkilint-inter");
    fs::create_dir_all(&work).unwrap();
    for alg in ["p256", "rsa2048"] {
        let csr = common::openssl_csr(&work, alg, alg, common::CSR_SUBJECT);
        let out = work.join(alg);
        common::intermediate_sign(&f.c, &csr, &out, &[1, 2, 3], &[]).ok();
        cert_passes(&out.join("intermediate.pem"));
    }
    cert_passes(&f.c.root);
    // With an extendedKeyUsage from the profile (the shipped one with codeSigning).
    let shipped = fs::read_to_string(common::repo_path("templates/intermediate.toml")).unwrap();
    let eku = shipped.replace(
        "extended_key_usage = []",
        "extended_key_usage = [\"codeSigning\"]",
    );
    assert_ne!(eku, shipped);
    let profile = work.join("eku.toml");
    fs::write(&profile, eku).unwrap();
    let csr = common::openssl_csr(&work, "eku", "p256", common::CSR_SUBJECT);
    let out = work.join("eku");
    let mut a = common::intermediate_sign_args(&f.c, &csr, &common::csr_der_sha256(&csr), &out);
    let at = a.iter().position(|x| x == "--profile").unwrap();
    a[at + 1] = s(&profile);
    a.extend(common::CONFIRMERS.map(String::from));
    a.extend(common::share_args(&f.c, &[1, 2, 3]));
    let r = rootkey(&a);
    r.no_secrets(&f.c.secrets);
    r.ok().stdout_has(&["extendedKeyUsage: codeSigning"]);
    cert_passes(&out.join("intermediate.pem"));
}
