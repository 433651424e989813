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
