//! Vectors of the root certificate: the vector ceremony's, one with a broken signature, and
//! one that is not PEM.

use der::{Decode, DecodePem, EncodePem, pem::LineEnding};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use rootkey::cert;

use crate::generator::{Out, VectorCeremony};
use crate::harness::extension_json;

/// `cert_*`: the vector ceremony's root certificate, one with a broken self-signature, and
/// one that is not PEM.
pub fn cert(o: &mut Out, cx: &VectorCeremony) {
    let (pk, fp) = (cx.pk, cx.fp);
    let root_pem = &cx.root_pem;
    let root = &cx.root;
    let c = x509_cert::Certificate::from_pem(root_pem).expect("pem");
    let exts: Vec<Value> = c
        .tbs_certificate()
        .extensions()
        .expect("extensions")
        .iter()
        .map(extension_json)
        .collect();
    o.put("cert_valid.pem", root_pem.clone());
    o.json(
        "cert_valid.expect.json",
        &json!({
            "description": "Rehearsal root certificate of the vector ceremony (templates/root.toml, ceremony time 2028-02-29T12:34:56Z: notAfter falls on 2038-02-28). The serial number is random (128 bits) and is not part of the expectation.",
            "outcome": "ok",
            "subject": root.subject,
            "public_key_hex": hex::encode(pk),
            "fingerprint_hex": hex::encode(fp),
            "certificate_sha256": hex::encode(Sha256::digest(&root.der)),
            "not_before": "2028-02-29T12:34:56Z",
            "not_after": "2038-02-28T12:34:56Z",
            "ski_hex": hex::encode(cert::key_identifier(&pk)),
            "extensions": exts,
        }),
    );
    let mut der = root.der.clone();
    // Flip the last bit of the subjectKeyIdentifier value inside the signed part.
    let ski = cert::key_identifier(&pk);
    let pos = der
        .windows(20)
        .position(|w| w == &ski[..])
        .expect("SKI in DER");
    der[pos + 19] ^= 1;
    let bad = x509_cert::Certificate::from_der(&der)
        .expect("still DER")
        .to_pem(LineEnding::LF)
        .expect("pem");
    o.put("cert_bad-signature.pem", bad);
    o.expect_error(
        "cert_bad-signature",
        "cert_valid.pem with one bit of the subjectKeyIdentifier flipped: the self-signature no longer verifies.",
        "self-signature does not verify",
    );
    o.put("cert_not-pem.pem", "this is not a certificate\n");
    o.expect_error(
        "cert_not-pem",
        "No PEM certificate block.",
        "no PEM \"CERTIFICATE\" block",
    );
}
