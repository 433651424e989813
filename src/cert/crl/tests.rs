//! CRL tests: the two-phase flow and OpenSSL as an outside oracle, with the fixtures; every
//! refusal with its message is in `tests/refusals.rs`.

use std::path::Path;
use std::process::Command;

use super::*;
use crate::cert::{DEFAULT_ROOT_PROFILE, RootProfile, build_root};
use crate::error::Kind;
use crate::key::RootKey;
use crate::secret::SecretBytes;
use x509_cert::time::Time;

fn dt(y: u16, mo: u8, d: u8) -> UtcTime {
    UtcTime::from(der::DateTime::new(y, mo, d, 0, 0, 0).unwrap())
}

fn at(y: u16, mo: u8, d: u8) -> UtcTime {
    dt(y, mo, d)
}

/// A throwaway root: key from `[seed; 32]`, default profile (10 years), issued on `from`.
fn root_at(seed: u8, from: UtcTime) -> (RootKey, RootCert, String) {
    let key = RootKey::from_seed(&SecretBytes::copy_from(&[seed; 32]).unwrap()).unwrap();
    let profile = RootProfile::from_toml(DEFAULT_ROOT_PROFILE, "root.toml").unwrap();
    let pem = build_root(&key, &profile, true, from).unwrap();
    let root = RootCert::from_pem(pem.as_bytes(), "root.pem").unwrap();
    (key, root, pem)
}

/// Root of seed 7, valid 2025-01-01 … 2035-01-01.
fn root() -> (RootKey, RootCert, String) {
    root_at(7, at(2025, 1, 1))
}

fn params<'a>(
    root: &'a RootCert,
    previous: Option<&'a ParsedCrl>,
    revoke: &'a [Revocation],
    this_update: UtcTime,
) -> CrlParams<'a> {
    CrlParams {
        root,
        previous,
        revoke,
        this_update,
        next_update_days: 365,
    }
}

fn sign(key: &RootKey, root: &RootCert, p: &CrlParams<'_>) -> Vec<u8> {
    let draft = prepare(p).unwrap();
    assemble(&draft, &key.sign(&draft.tbs_der), root).unwrap()
}

fn revoke(arg: &str) -> Revocation {
    parse_revoke_arg(arg, dt(2026, 1, 1)).unwrap()
}

/// The first CRL (2026-02-01, number 1, revoking 0123abcd for keyCompromise) and the second
/// (2026-08-01, number 2, adding 7f for superseded and 00ff with no reason).
fn two_crls() -> (RootKey, RootCert, String, Vec<u8>, Vec<u8>) {
    let (key, root, pem) = root();
    let first = sign(
        &key,
        &root,
        &params(
            &root,
            None,
            &[revoke("01:23:ab:cd:keyCompromise")],
            at(2026, 2, 1),
        ),
    );
    let prev = load_previous(&first, "crl-1.der", &root).unwrap();
    let new = [revoke("7F:superseded"), revoke("0x00ff")];
    let second = sign(
        &key,
        &root,
        &params(&root, Some(&prev), &new, at(2026, 8, 1)),
    );
    (key, root, pem, first, second)
}

/// Runs openssl in `dir`; None (with a note) when it is not installed.
fn openssl(dir: &Path, args: &[&str]) -> Option<(bool, String)> {
    match Command::new("openssl").args(args).current_dir(dir).output() {
        Err(e) => {
            println!("note: openssl not available ({e}); oracle check skipped");
            None
        }
        Ok(o) => Some((
            o.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        )),
    }
}

#[test]
fn openssl_verifies_and_shows_both_crls() {
    let (_, _, pem, first, second) = two_crls();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("root.pem"), &pem).unwrap();
    std::fs::write(dir.path().join("crl-1.der"), &first).unwrap();
    std::fs::write(dir.path().join("crl-2.pem"), to_pem(&second).unwrap()).unwrap();
    let verify = |args: &[&str]| {
        let (ok, out) = openssl(dir.path(), args)?;
        assert!(ok && out.contains("verify OK"), "{args:?}: {out}");
        let text_args = [&args[..5], &["-noout", "-text"]].concat();
        let (ok, text) = openssl(dir.path(), &text_args)?;
        assert!(ok, "{text}");
        Some(text)
    };
    let Some(text) = verify(&[
        "crl",
        "-inform",
        "DER",
        "-in",
        "crl-1.der",
        "-noout",
        "-verify",
        "-CAfile",
        "root.pem",
    ]) else {
        return;
    };
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let t = norm(&text);
    assert!(t.contains("Version 2 (0x1)"), "{text}");
    assert!(t.contains("Signature Algorithm: ED25519"), "{text}");
    assert!(t.contains("X509v3 CRL Number: 1"), "{text}");
    assert!(t.contains("Serial Number: 0123ABCD"), "{text}");
    assert!(
        t.contains("X509v3 CRL Reason Code: Key Compromise"),
        "{text}"
    );
    assert!(t.contains("Last Update: Feb 1 00:00:00 2026 GMT"), "{text}");
    assert!(t.contains("Next Update: Feb 1 00:00:00 2027 GMT"), "{text}");
    assert!(t.contains("X509v3 Authority Key Identifier"), "{text}");

    let text = verify(&[
        "crl",
        "-inform",
        "PEM",
        "-in",
        "crl-2.pem",
        "-noout",
        "-verify",
        "-CAfile",
        "root.pem",
    ])
    .unwrap();
    let t = norm(&text);
    assert!(t.contains("X509v3 CRL Number: 2"), "{text}");
    // The first CRL's entry carried forward first, then the new ones in order.
    let pos = |s: &str| t.find(s).unwrap_or_else(|| panic!("{s} missing: {text}"));
    assert!(pos("Serial Number: 0123ABCD") < pos("Serial Number: 7F"));
    assert!(pos("Serial Number: 7F") < pos("Serial Number: FF"));
    assert!(
        t.contains("Key Compromise") && t.contains("Superseded"),
        "{text}"
    );
    // 00ff has no reason: exactly two reason codes.
    assert_eq!(t.matches("CRL Reason Code").count(), 2, "{text}");
}

#[test]
fn second_crl_carries_the_first_ones_entries() {
    let (_, root, _, first, second) = two_crls();
    let one = load_previous(&first, "crl-1", &root).unwrap();
    let two = load_previous(&second, "crl-2", &root).unwrap();
    assert_eq!(one.number, [1]);
    assert_eq!(two.number, [2]);
    assert_eq!(two.revoked.len(), 3);
    assert_eq!(two.revoked[0], one.revoked[0]);
    assert_eq!(two.revoked[0].serial, [0x01, 0x23, 0xab, 0xcd]);
    assert_eq!(two.revoked[0].reason, Some(Reason::KeyCompromise));
    assert_eq!(two.revoked[1].serial, [0x7f]);
    assert_eq!(two.revoked[1].reason, Some(Reason::Superseded));
    assert_eq!(two.revoked[2].serial, [0x00, 0xff]);
    assert_eq!(two.revoked[2].reason, None);
    assert_eq!(two.this_update, dt(2026, 8, 1));
    assert_eq!(two.next_update, Some(dt(2027, 8, 1)));
    assert_eq!(
        two.aki.as_deref(),
        Some(&crate::cert::key_identifier(&root.public_key_bytes())[..])
    );
    assert_eq!(two.issuer.to_string(), root.subject);
    assert_eq!(two.sha256, <[u8; 32]>::from(Sha256::digest(&second)));
    // PEM and DER read the same.
    let pem = to_pem(&second).unwrap();
    assert!(pem.starts_with("-----BEGIN X509 CRL-----\n") && !pem.contains('\r'));
    assert_eq!(parse(pem.as_bytes(), "pem").unwrap().der, second);
}

#[test]
fn draft_is_what_gets_signed() {
    let (key, root, _) = root();
    let new = [revoke("42:cessation-of-operation")];
    let p = params(&root, None, &new, at(2026, 3, 4));
    let draft = prepare(&p).unwrap();
    assert_eq!(draft.number, [1]);
    assert_eq!(draft.carried_forward, 0);
    assert_eq!(
        draft.tbs_sha256,
        <[u8; 32]>::from(Sha256::digest(&draft.tbs_der))
    );
    // Preparing again gives the same bytes (the TBS is fixed before the key exists).
    assert_eq!(prepare(&p).unwrap().tbs_der, draft.tbs_der);
    let der = assemble(&draft, &key.sign(&draft.tbs_der), &root).unwrap();
    assert_eq!(parse(&der, "x").unwrap().tbs_der, draft.tbs_der);
    // A signature over other bytes, or by another key, is refused.
    let e = assemble(&draft, &key.sign(b"other"), &root).unwrap_err();
    assert_eq!(e.kind, Kind::SignatureInvalid, "{}", e.message);
    let (other, _, _) = root_at(8, at(2025, 1, 1));
    let e = assemble(&draft, &other.sign(&draft.tbs_der), &root).unwrap_err();
    assert_eq!(e.kind, Kind::SignatureInvalid, "{}", e.message);
}

#[test]
fn empty_crl_has_no_revoked_list_and_unspecified_no_reason_code() {
    let (key, root, _) = root();
    let der = sign(&key, &root, &params(&root, None, &[], at(2026, 1, 1)));
    let crl: CertificateList = CertificateList::from_der(&der).unwrap();
    assert!(crl.tbs_cert_list.revoked_certificates.is_none());
    assert!(parse(&der, "x").unwrap().revoked.is_empty());
    let r = [revoke("05:unspecified")];
    assert_eq!(r[0].reason, Some(Reason::Unspecified));
    let der = sign(&key, &root, &params(&root, None, &r, at(2026, 1, 1)));
    let crl: CertificateList = CertificateList::from_der(&der).unwrap();
    let entries = crl.tbs_cert_list.revoked_certificates.unwrap();
    assert!(entries[0].crl_entry_extensions.is_none());
    // Extensions: AKI then cRLNumber, both non-critical, then the critical IDP.
    let exts = crl.tbs_cert_list.crl_extensions.unwrap();
    let ids: Vec<_> = exts
        .iter()
        .map(|e| (e.extn_id.to_string(), e.critical))
        .collect();
    assert_eq!(
        ids,
        [
            ("2.5.29.35".to_string(), false),
            ("2.5.29.20".to_string(), false),
            ("2.5.29.28".to_string(), true)
        ]
    );
    assert_eq!(
        exts[2].extn_value.as_bytes(),
        [0x30, 0x03, 0x82, 0x01, 0xff]
    );
}

#[test]
fn time_encoding_switches_in_2050() {
    // A root valid 2045 … 2055.
    let (key, root, _) = root_at(7, at(2045, 1, 1));
    let der = sign(&key, &root, &params(&root, None, &[], at(2049, 12, 1)));
    let crl: CertificateList = CertificateList::from_der(&der).unwrap();
    assert!(matches!(crl.tbs_cert_list.this_update, Time::UtcTime(_)));
    assert!(matches!(
        crl.tbs_cert_list.next_update,
        Some(Time::GeneralTime(_))
    ));
    let parsed = parse(&der, "x").unwrap();
    assert_eq!(parsed.next_update, Some(dt(2050, 12, 1)));
    // A GeneralizedTime before 2050 is refused.
    let mut tbs = crl.tbs_cert_list.clone();
    tbs.this_update = Time::GeneralTime(der::asn1::GeneralizedTime::from_date_time(
        dt(2049, 12, 1).to_datetime(),
    ));
    let bad = CertificateList {
        tbs_cert_list: tbs,
        ..crl
    }
    .to_der()
    .unwrap();
    let e = parse(&bad, "bad.der").unwrap_err();
    assert_eq!(e.kind, Kind::CrlRefused);
    assert!(
        e.message
            .contains("thisUpdate 2049-12-01T00:00:00Z is encoded as GeneralizedTime"),
        "{}",
        e.message
    );
}

#[test]
fn crl_numbers_count_up() {
    assert_eq!(increment(&[0]), [1]);
    assert_eq!(increment(&[1]), [2]);
    assert_eq!(increment(&[0x7f]), [0x00, 0x80]);
    assert_eq!(increment(&[0x00, 0xff]), [0x01, 0x00]);
    assert_eq!(increment(&[0x00, 0xff, 0xff]), [0x01, 0x00, 0x00]);
    assert_eq!(increment(&[0x7f; 20]).len(), 20);
    assert_eq!(increment(&[0x7f, 0xff, 0xff]), [0x00, 0x80, 0x00, 0x00]);
}

mod idp;
mod refusals;
