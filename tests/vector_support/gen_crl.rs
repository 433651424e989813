//! Vectors of the certificate revocation list: the first CRL of the vector ceremony's root, a
//! copy with a broken signature, the same CRL in the form rootkey wrote before issue 14 (no
//! issuingDistributionPoint: still read), and one whose issuingDistributionPoint has another
//! scope (refused).

use der::{Decode, Encode, asn1::BitString};
use rootkey::encoding::time::UtcTime;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use x509_cert::crl::{CertificateList, TbsCertList};

use rootkey::cert::crl::{self, CrlParams, Revocation};

use crate::fixture::root_key;
use crate::generator::{Out, VectorCeremony};

/// thisUpdate of `crl_valid.pem`.
pub const THIS_UPDATE: &str = "2029-02-01T00:00:00Z";
/// nextUpdate − thisUpdate of `crl_valid.pem`, in days.
pub const NEXT_UPDATE_DAYS: u32 = 365;
/// The `--revoke` arguments of `crl_valid.pem` and their revocation dates.
pub const REVOKE: [(&str, &str); 3] = [
    (
        "01:23:45:67:89:AB:CD:EF:keyCompromise",
        "2029-01-15T10:20:30Z",
    ),
    ("9F00FF:superseded", "2029-01-20T00:00:00Z"),
    ("0x0a", "2029-01-31T23:59:59Z"),
];

pub fn time(s: &str) -> UtcTime {
    UtcTime::parse(s).expect("date")
}

/// A revocation as it appears in a `crl` expectation.
pub fn revocation_json(r: &Revocation) -> Value {
    json!({
        "serial_hex": r.serial_hex(),
        "revoked_at": r.revoked_at.to_string(),
        "reason": r.reason.map(|x| x.as_str()),
    })
}

/// `crl_*`: the first CRL of the vector root, and one with a flipped bit in a revoked serial.
pub fn crl(o: &mut Out, cx: &VectorCeremony) {
    let root = &cx.root;
    let revoke: Vec<Revocation> = REVOKE
        .iter()
        .map(|(arg, at)| crl::parse_revoke_arg(arg, time(at)).expect("revoke"))
        .collect();
    let draft = crl::prepare(&CrlParams {
        root,
        previous: None,
        revoke: &revoke,
        this_update: time(THIS_UPDATE),
        next_update_days: NEXT_UPDATE_DAYS,
    })
    .expect("prepare");
    let der = crl::assemble(&draft, &root_key().sign(&draft.tbs_der), root).expect("assemble");
    let parsed = crl::load_previous(&der, "crl_valid.pem", root).expect("load");
    o.put("crl_valid.pem", crl::to_pem(&der).expect("pem"));
    assert_eq!(draft.tbs_sha256[..], Sha256::digest(&parsed.tbs_der)[..]);
    o.json(
        "crl_valid.expect.json",
        &crl_expect(
            "First CRL of the vector ceremony's root (cert_valid.pem), signed with the vector key: thisUpdate 2029-02-01T00:00:00Z, nextUpdate 365 days later, three revocations given as --revoke arguments (colon form with a reason, a serial with its top bit set, a 0x form without a reason).",
            &parsed,
            &der,
        ),
    );
    // Flip the last bit of the first revoked serial (inside the signed part).
    let mut bad = der.clone();
    let serial = &revoke[0].serial;
    let pos = bad
        .windows(serial.len())
        .position(|w| w == &serial[..])
        .expect("serial in DER");
    bad[pos + serial.len() - 1] ^= 1;
    o.put("crl_bad-signature.pem", crl::to_pem(&bad).expect("pem"));
    o.expect_error(
        "crl_bad-signature",
        "crl_valid.pem with one bit of the first revoked serial flipped: still a well-formed CRL, but the root's signature no longer verifies.",
        "signature does not verify with the root key",
    );
    older_and_other_scope(o, cx, &der);
}

/// The expected values of a CRL vector whose bytes `der` read back as `parsed`, made from the
/// vector ceremony's `--revoke` arguments.
fn crl_expect(description: &str, parsed: &crl::ParsedCrl, der: &[u8]) -> Value {
    json!({
        "description": description,
        "outcome": "ok",
        "root": "cert_valid.pem",
        "revoke_args": REVOKE.iter().map(|(a, _)| *a).collect::<Vec<_>>(),
        "number_hex": parsed.number_hex(),
        "issuer": parsed.issuer.to_string(),
        "this_update": THIS_UPDATE,
        "next_update_days": NEXT_UPDATE_DAYS,
        "next_update": parsed.next_update.map(|t| t.to_string()),
        "revoked": parsed.revoked.iter().map(revocation_json).collect::<Vec<_>>(),
        "aki_hex": parsed.aki.as_deref().map(hex::encode),
        "ca_only": parsed.ca_only,
        "tbs_sha256": hex::encode(Sha256::digest(&parsed.tbs_der)),
        "crl_sha256": hex::encode(Sha256::digest(der)),
        "signature_hex": hex::encode(&parsed.signature),
    })
}

/// `der` with its tbsCertList edited and signed again with the vector key.
fn resigned(der: &[u8], edit: impl Fn(&mut TbsCertList)) -> Vec<u8> {
    let mut c: CertificateList = CertificateList::from_der(der).expect("crl");
    edit(&mut c.tbs_cert_list);
    let tbs = c.tbs_cert_list.to_der().expect("tbs");
    c.signature = BitString::from_bytes(&root_key().sign(&tbs).to_bytes()).expect("sig");
    c.to_der().expect("der")
}

/// `crl_older-form`: crl_valid.pem as rootkey wrote it before issue 14 (no
/// issuingDistributionPoint); `crl_idp-user-certs`: with onlyContainsUserCerts instead.
fn older_and_other_scope(o: &mut Out, cx: &VectorCeremony, der: &[u8]) {
    let root = &cx.root;
    let old = resigned(der, |t| {
        t.crl_extensions
            .as_mut()
            .expect("extensions")
            .retain(|e| e.extn_id != crl::IDP_OID)
    });
    let parsed = crl::load_previous(&old, "crl_older-form.pem", root).expect("load");
    assert!(!parsed.ca_only);
    o.put("crl_older-form.pem", crl::to_pem(&old).expect("pem"));
    let mut expect = crl_expect(
        "crl_valid.pem as rootkey wrote CRLs before issue 14: the same tbsCertList without the issuingDistributionPoint extension, signed again with the vector key. Still read (as --previous-crl and by chain verify --crl), as a complete CRL (not CA-only); rootkey no longer writes this form, so it is checked in the decode direction only.",
        &parsed,
        &old,
    );
    expect["form"] = json!("older");
    o.json("crl_older-form.expect.json", &expect);
    let users = resigned(der, |t| {
        for e in t.crl_extensions.as_mut().expect("extensions") {
            if e.extn_id == crl::IDP_OID {
                e.extn_value =
                    der::asn1::OctetString::new(vec![0x30, 0x03, 0x81, 0x01, 0xff]).expect("idp");
            }
        }
    });
    o.put("crl_idp-user-certs.pem", crl::to_pem(&users).expect("pem"));
    o.json(
        "crl_idp-user-certs.expect.json",
        &json!({
            "description": "crl_valid.pem with its issuingDistributionPoint saying onlyContainsUserCerts (30038101ff) instead of onlyContainsCACerts, signed again with the vector key: a correctly signed CRL of another scope, which rootkey refuses.",
            "outcome": "error",
            "message_contains": "its issuingDistributionPoint is critical, with another scope (DER 30038101ff)",
            "signature_valid": true,
        }),
    );
}
