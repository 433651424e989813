//! Checks of the documents: manifest, JCS, root certificate, root profile and plan.

use der::{DecodePem, Encode};
use serde_json::Value;
use sha2::{Digest, Sha256};

use rootkey::cert::{self, RootCert, RootProfile};
use rootkey::encoding::time::UtcTime;
use rootkey::jcs;
use rootkey::manifest::Manifest;
use rootkey::plan::Plan;

use crate::fixture::root_key;
use crate::harness::{eq, extension_json, holder_json, outcome, read, run_area, s};

#[test]
fn manifest_vectors() {
    run_area("manifest", |name, exp| {
        let bytes = read(name);
        let parsed = Manifest::from_json(&bytes, name).and_then(|m| {
            let root = RootCert::from_pem(&read(s(exp, "root")), s(exp, "root"))?;
            m.verify(&root, name)?;
            Ok(m)
        });
        outcome(parsed, exp, |m| {
            let canonical = read(s(exp, "canonical"));
            let signed = m.signed_bytes().map_err(|e| e.to_string())?;
            eq("signed bytes", &signed[..], &canonical[..])?;
            // The generic canonicaliser over the document minus `signature` agrees.
            let mut v: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
            v.as_object_mut().ok_or("object")?.remove("signature");
            eq(
                "jcs of document",
                jcs::canonicalize(&v).map_err(|e| e.to_string())?,
                canonical,
            )?;
            eq(
                "public key",
                m.root.public_key.as_str(),
                s(exp, "public_key_hex"),
            )?;
            eq("signature", m.signature.as_str(), s(exp, "signature_hex"))?;
            // Encode direction: signing again with the fixed key gives the same signature
            // (Ed25519 is deterministic), and the file is exactly what rootkey writes.
            let mut again = m.clone();
            again.sign(&root_key()).map_err(|e| e.to_string())?;
            eq(
                "re-signed",
                again.signature.as_str(),
                s(exp, "signature_hex"),
            )?;
            if exp["exact_file"].as_bool() == Some(true) {
                eq(
                    "file bytes",
                    again.to_json().map_err(|e| e.to_string())?.as_bytes(),
                    &bytes[..],
                )?;
            }
            Ok(())
        })
    });
}

#[test]
fn jcs_vectors() {
    run_area("jcs", |name, exp| {
        let v: Value = serde_json::from_slice(&read(name)).map_err(|e| e.to_string())?;
        outcome(jcs::canonicalize(&v), exp, |out| {
            let want = read(s(exp, "canonical"));
            eq(
                "canonical",
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&want),
            )?;
            // Canonical output is a fixed point.
            let again: Value = serde_json::from_slice(&out).map_err(|e| e.to_string())?;
            eq(
                "idempotent",
                jcs::canonicalize(&again).map_err(|e| e.to_string())?,
                out,
            )
        })
    });
}

#[test]
fn cert_vectors() {
    run_area("cert", |name, exp| {
        let pem = read(name);
        outcome(RootCert::from_pem(&pem, name), exp, |root| {
            eq(
                "public key",
                hex::encode(root.public_key_bytes()),
                s(exp, "public_key_hex").into(),
            )?;
            eq(
                "fingerprint",
                hex::encode(root.fingerprint),
                s(exp, "fingerprint_hex").into(),
            )?;
            eq("subject", root.subject.as_str(), s(exp, "subject"))?;
            eq(
                "sha256",
                hex::encode(Sha256::digest(&root.der)),
                s(exp, "certificate_sha256").into(),
            )?;
            let c = x509_cert::Certificate::from_pem(&pem).map_err(|e| e.to_string())?;
            eq(
                "DER round trip",
                c.to_der().map_err(|e| e.to_string())?,
                root.der.clone(),
            )?;
            let tbs = c.tbs_certificate();
            eq("version", format!("{:?}", tbs.version()), "V3".into())?;
            let serial = tbs.serial_number().as_bytes();
            if serial.is_empty() || serial.len() > 17 || serial.iter().all(|&b| b == 0) {
                return Err(format!(
                    "serial {} is not 1..=16 random bytes",
                    hex::encode(serial)
                ));
            }
            eq("issuer = subject", tbs.issuer(), tbs.subject())?;
            let v = tbs.validity();
            eq(
                "notBefore",
                UtcTime::from_x509(&v.not_before).to_string(),
                s(exp, "not_before").into(),
            )?;
            eq(
                "notAfter",
                UtcTime::from_x509(&v.not_after).to_string(),
                s(exp, "not_after").into(),
            )?;
            let exts: Vec<Value> = tbs
                .extensions()
                .ok_or("no extensions")?
                .iter()
                .map(extension_json)
                .collect();
            eq("extensions", Value::Array(exts), exp["extensions"].clone())?;
            let ski = cert::key_identifier(&root.public_key_bytes());
            eq("SKI", hex::encode(ski), s(exp, "ski_hex").into())
        })
    });
}

#[test]
fn profile_vectors() {
    run_area("profile", |name, exp| {
        let text = String::from_utf8(read(name)).map_err(|e| e.to_string())?;
        outcome(RootProfile::from_toml(&text, name), exp, |p| {
            eq(
                "validity_years",
                u64::from(p.validity_years),
                exp["validity_years"].as_u64().unwrap_or(0),
            )?;
            eq(
                "path_len",
                u64::from(p.path_len),
                exp["path_len"].as_u64().unwrap_or(0),
            )?;
            let real = p.subject_name(false).map_err(|e| e.to_string())?;
            let reh = p.subject_name(true).map_err(|e| e.to_string())?;
            eq("subject", real.to_string(), s(exp, "subject").into())?;
            eq(
                "rehearsal subject",
                reh.to_string(),
                s(exp, "rehearsal_subject").into(),
            )?;
            eq(
                "rehearsal subject DER",
                hex::encode(reh.to_der().map_err(|e| e.to_string())?),
                s(exp, "rehearsal_subject_der_hex").into(),
            )
        })
    });
}

#[test]
fn plan_vectors() {
    run_area("plan", |name, exp| {
        let text = String::from_utf8(read(name)).map_err(|e| e.to_string())?;
        outcome(Plan::parse(&text, name), exp, |p| {
            eq("sha256", hex::encode(p.sha256), s(exp, "sha256").into())?;
            eq("name", p.ceremony.name.as_str(), s(exp, "name"))?;
            eq(
                "rehearsal",
                p.ceremony.rehearsal,
                exp["rehearsal"].as_bool() == Some(true),
            )?;
            eq(
                "threshold",
                u64::from(p.quorum.threshold),
                exp["threshold"].as_u64().unwrap_or(0),
            )?;
            eq(
                "shares",
                u64::from(p.quorum.shares),
                exp["shares"].as_u64().unwrap_or(0),
            )?;
            let holders: Vec<Value> = p.holders.iter().map(holder_json).collect();
            eq("holders", Value::Array(holders), exp["holders"].clone())
        })
    });
}
