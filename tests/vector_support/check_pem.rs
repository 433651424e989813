//! Checks of the strict PEM reader (`pem_*`, written by `tests/vectors/make_pem_vectors.py`;
//! docs/formats.md, "PEM (all PEM inputs)") through `rootkey::pem::read`, and — for the vectors
//! marked `chain_verify` — through `rootkey chain verify` itself: the bypass vectors (a block
//! labelled `X509 CERTIFICATE`, a damaged BEGIN line) must make the command refuse (exit 1),
//! never report success for the blocks it could read.

use std::process::Command;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::harness::{dir, eq, outcome, read, run_area, s, strings};

#[test]
fn pem_vectors() {
    run_area("pem", |name, exp| {
        let labels = strings(exp, "labels");
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        let expect = rootkey::pem::Expect {
            labels: &labels,
            what: if labels[0] == "X509 CRL" {
                "CRL"
            } else if exp["one"] == json!(true) {
                "root certificate"
            } else {
                "certificate"
            },
            one: exp["one"] == json!(true),
            der: exp["der"] == json!(true),
        };
        let bytes = read(name);
        outcome(rootkey::pem::read(&bytes, name, &expect), exp, |blocks| {
            let got: Vec<Value> = blocks
                .iter()
                .map(|b| json!({"label": b.label, "der_sha256": hex::encode(Sha256::digest(&b.der))}))
                .collect();
            eq("blocks", &Value::Array(got), &exp["blocks"])
        })?;
        if exp["chain_verify"] == json!(true) {
            let out = Command::new(env!("CARGO_BIN_EXE_rootkey"))
                .args(["chain", "verify", "--at", "2030-01-01", "--root"])
                .arg(dir().join("cert_valid.pem"))
                .arg(dir().join(name))
                .output()
                .map_err(|e| e.to_string())?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            if s(exp, "outcome") == "ok" {
                eq("chain verify exit", out.status.code(), Some(0))?;
            } else {
                eq("chain verify exit", out.status.code(), Some(1))?;
                let want = s(exp, "message_contains");
                if !stderr.contains(want) {
                    return Err(format!("chain verify said {stderr:?}, not {want:?}"));
                }
            }
        }
        Ok(())
    });
}
