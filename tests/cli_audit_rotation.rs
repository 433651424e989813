//! Auditing a rotation and a CRL: `transcript verify` neither suggests nor accepts a plan for
//! a ceremony that runs none (`--plan` is a usage error, exit 2, not INVALID), and the report
//! names the ceremony kind, says why there is no plan and lists the inputs the ceremony read
//! (the CSR) among its artifacts.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;

/// A text-share root, a rotation and a first CRL signed by shares 1–3, all in one scratch
/// directory: (dir, root ceremony, rotation dir, CRL dir).
fn signed() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let g = d.join("root");
    generate_run(&text_rehearsal_plan(), &g, &[]).ok();
    let shares: Vec<PathBuf> = share_files(&g);
    let share_args: Vec<String> = shares[..3]
        .iter()
        .flat_map(|p| ["--share".to_string(), s(p)])
        .collect();
    let csr = openssl_csr(d, "prod", "ed25519", CSR_SUBJECT);
    let rot = d.join("rotation");
    let mut args: Vec<String> = [
        "intermediate",
        "sign",
        "--csr",
        &s(&csr),
        "--csr-sha256",
        &csr_der_sha256(&csr),
        "--profile",
        &s(&repo_path("templates/intermediate.toml")),
        "--root",
        &s(&g.join("root.pem")),
        "--manifest",
        &s(&g.join("manifest.json")),
        "--out",
        &s(&rot),
        "--confirm",
        "Ann Officer",
        "--confirm",
        "Bob Witness",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    args.extend(share_args.iter().cloned());
    rootkey(&args).ok();
    let crl = d.join("crl");
    let mut args: Vec<String> = [
        "crl",
        "sign",
        "--first-crl",
        "--root",
        &s(&g.join("root.pem")),
        "--manifest",
        &s(&g.join("manifest.json")),
        "--out",
        &s(&crl),
        "--confirm",
        "Ann Officer",
        "--confirm",
        "Bob Witness",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect();
    args.extend(share_args);
    rootkey(&args).ok();
    (t, g, rot, crl)
}

fn verify(dir: &Path, root: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "transcript".to_string(),
        "verify".into(),
        s(&dir.join("transcript.jsonl")),
        "--root".into(),
        s(&root.join("root.pem")),
        "--artifacts".into(),
        s(dir),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    rootkey(&args)
}

#[test]
fn a_rotation_and_a_crl_are_audited_without_a_plan() {
    let (t, g, rot, crl) = signed();
    let plan = text_rehearsal_plan();
    for (dir, kind) in [(&rot, "rotation"), (&crl, "crl")] {
        // No plan suggested: the check says there is none to check.
        let r = verify(dir, &g, &[]);
        r.ok()
            .stdout_has(&[&format!(
                "  plan              none: a {kind} runs no plan\n"
            )])
            .stdout_lacks(&["--plan", "INVALID"]);
        r.stdout_has(&[&format!(
            "{kind} ceremony for the root of \"Rehearsal root generation\""
        )]);
        // A plan given anyway is a usage error (2), named as such; not "INVALID" (1).
        let r = verify(dir, &g, &["--plan", &s(&plan)]);
        r.code(2).single_error().stderr_has(&[&format!(
            "error: --plan {}: transcript {} records a {kind} ceremony, which runs no plan \
                 (a plan applies to a generation or a rehearsal only); nothing was checked\n  \
                 next step: run the command again without --plan\n",
            s(&plan),
            s(&dir.join("transcript.jsonl"))
        )]);
        assert_eq!(r.stdout, "", "nothing but the usage error is shown");
        // The report refuses it the same way and writes nothing.
        let md = t.path().join(format!("{kind}-refused.md"));
        rootkey([
            "transcript",
            "report",
            &s(&dir.join("transcript.jsonl")),
            "--out",
            &s(&md),
            "--plan",
            &s(&plan),
        ])
        .code(2);
        assert!(!md.exists(), "no report is written for a refused --plan");
    }
    // A generation still checks its plan.
    verify(&g, &g, &["--plan", &s(&plan)])
        .ok()
        .stdout_has(&["is the recorded plan and matches the header"]);
}

#[test]
fn the_report_of_a_rotation_names_its_kind_and_lists_the_csr() {
    let (t, g, rot, crl) = signed();
    let md = t.path().join("rotation.md");
    rootkey([
        "transcript",
        "report",
        &s(&rot.join("transcript.jsonl")),
        "--root",
        &s(&g.join("root.pem")),
        "--artifacts",
        &s(&rot),
        "--out",
        &s(&md),
    ])
    .ok();
    let report = fs::read_to_string(&md).unwrap();
    for want in [
        "rotation (intermediate signing) with the root of",
        "none (a rotation runs no plan)",
        "| prod.csr | ",
        "| intermediate.pem | ",
    ] {
        assert!(
            report.contains(want),
            "{want:?} not in the report:\n{report}"
        );
    }
    for wrong in ["none (quorum check)", "root key generation (rotation)"] {
        assert!(
            !report.contains(wrong),
            "{wrong:?} in the report:\n{report}"
        );
    }
    let md = t.path().join("crl.md");
    rootkey([
        "transcript",
        "report",
        &s(&crl.join("transcript.jsonl")),
        "--out",
        &s(&md),
    ])
    .ok();
    let report = fs::read_to_string(&md).unwrap();
    for want in [
        "CRL signing with the root of",
        "none (a crl runs no plan)",
        "| root.crl | ",
    ] {
        assert!(
            report.contains(want),
            "{want:?} not in the report:\n{report}"
        );
    }
}

/// `rehearse --kind crl`: a rehearsal root, a rotation over a CSR rootkey makes itself (run
/// with no PATH: no openssl), and a first CRL revoking that intermediate — three transcripts,
/// each valid and sealed, and a chain that `chain verify` then calls revoked.
#[test]
fn rehearsals_of_a_rotation_and_a_crl_need_no_openssl_and_audit_clean() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("crl-rehearsal");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_rootkey"))
        .args(["rehearse", "--kind", "crl", "--out"])
        .arg(&out)
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for want in [
        "INTERMEDIATE SIGNED: CN=Example Corp Intermediate CA prod/REHEARSAL\n",
        "confirmed by \"Oscar Officer\" and \"Wendy Witness\"\n",
        "CRL SIGNED: number 01, 1 revoked certificate(s)\n",
        "REHEARSAL of a CRL complete: one directory and transcript per part\n",
    ] {
        assert!(stdout.contains(want), "{want:?} not in:\n{stdout}");
    }
    let root = out.join("root");
    for (part, kind) in [
        ("root", "generation"),
        ("rotation", "rotation"),
        ("crl", "crl"),
    ] {
        verify(&out.join(part), &root, &[])
            .ok()
            .stdout_has(&[&format!("— {kind} ceremony"), "Result: VALID and SEALED"]);
    }
    // The CSR rootkey made is a valid PKCS#10 request (openssl agrees) and is the one signed.
    let o = std::process::Command::new("openssl")
        .args(["req", "-verify", "-noout", "-in"])
        .arg(out.join("rehearsal.csr"))
        .output()
        .unwrap();
    assert!(o.status.success(), "openssl req -verify: {o:?}");
    assert_eq!(
        fs::read(out.join("rehearsal.csr")).unwrap(),
        fs::read(out.join("rotation/rehearsal.csr")).unwrap()
    );
    // The rehearsal intermediate verifies, and the rehearsal CRL revokes it.
    let cert = s(&out.join("rotation/intermediate.pem"));
    let root_pem = s(&root.join("root.pem"));
    rootkey(["chain", "verify", "--root", &root_pem, &cert]).ok();
    rootkey([
        "chain",
        "verify",
        "--root",
        &root_pem,
        "--crl",
        &s(&out.join("crl/root.crl")),
        &cert,
    ])
    .code(3)
    .stdout_has(&["revoked"]);
    // A second run into the same directory is refused before anything is written.
    let again = rootkey(["rehearse", "--kind", "rotation", "--out", &s(&out)]);
    again
        .code(1)
        .stderr_has(&["not empty; a signing rehearsal needs a new directory"]);
}
