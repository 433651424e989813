//! Checks of the certificate signing requests (`csr_*`, made once with `openssl req` by
//! `tests/vectors/make_csr_vectors.sh`) through `rootkey::cert::csr::parse`.

use der::{Decode, Encode, EncodePem, pem::LineEnding};
use sha2::{Digest, Sha256};
use x509_cert::request::CertReq;

use rootkey::cert::csr;
use rootkey::error::Fault;

use crate::harness::{eq, outcome, read, run_area, s, strings};

#[test]
fn csr_vectors() {
    run_area("csr", |name, exp| {
        let bytes = read(name);
        let r = csr::parse(&bytes, name);
        if let (Err(e), Some(fault)) = (&r, exp["fault"].as_str()) {
            let want = match fault {
                "input" => Fault::Input,
                "verification" => Fault::Verification,
                other => return Err(format!("unknown fault {other}")),
            };
            eq("fault", e.fault(), want)?;
        }
        outcome(r, exp, |c| {
            eq(
                "key type",
                c.key_type.to_string(),
                s(exp, "key_type").into(),
            )?;
            // openssl's RFC 2253 subject and rootkey's RFC 4514 one agree.
            eq("subject", c.subject_text.as_str(), s(exp, "subject"))?;
            eq(
                "subject Name",
                c.subject.to_string(),
                c.subject_text.clone(),
            )?;
            // The hash is the one `openssl req -outform DER | sha256sum` gives.
            eq("sha256", hex::encode(c.sha256), s(exp, "sha256").into())?;
            eq(
                "sha256 of der",
                Sha256::digest(&c.der).to_vec(),
                c.sha256.to_vec(),
            )?;
            eq(
                "spki sha256",
                hex::encode(Sha256::digest(&c.spki_der)),
                s(exp, "spki_sha256").into(),
            )?;
            eq(
                "spki",
                c.spki.to_der().map_err(|e| e.to_string())?,
                c.spki_der.clone(),
            )?;
            let exts: Vec<String> = c.extensions.iter().map(|e| e.extn_id.to_string()).collect();
            eq("extensions", exts, strings(exp, "extensions"))?;
            let others: Vec<String> = c.other_attributes.iter().map(|o| o.to_string()).collect();
            eq("other attributes", others, strings(exp, "other_attributes"))?;
            let req = CertReq::from_der(&c.der).map_err(|e| e.to_string())?;
            eq(
                "signature algorithm",
                req.algorithm.oid.to_string(),
                s(exp, "signature_algorithm").into(),
            )?;
            // The DER is byte-exact the request, and its PEM form parses to the same request.
            eq(
                "DER round trip",
                req.to_der().map_err(|e| e.to_string())?,
                c.der.clone(),
            )?;
            let pem = req.to_pem(LineEnding::LF).map_err(|e| e.to_string())?;
            let again = csr::parse(pem.as_bytes(), "re-encoded").map_err(|e| e.to_string())?;
            eq("PEM round trip", again.der, c.der.clone())
        })
    });
}

/// PEM and DER forms of one request have one hash (the hash is over the DER).
#[test]
fn csr_pem_and_der_forms_have_one_hash() {
    let pem = csr::parse(&read("csr_p256.pem"), "pem").expect("pem");
    let der = csr::parse(&read("csr_der-p256.der"), "der").expect("der");
    assert_eq!(pem.sha256, der.sha256);
    assert_eq!(pem.der, der.der);
}
