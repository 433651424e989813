//! CRL tests: the two-phase flow, OpenSSL as an outside oracle, and every refusal with its
//! message.

use std::path::Path;
use std::process::Command;

use super::*;
use crate::cert::{DEFAULT_ROOT_PROFILE, RootProfile, build_root};
use crate::error::Fault;
use crate::key::RootKey;
use crate::secret::SecretBytes;

fn dt(y: u16, mo: u8, d: u8) -> DateTime {
    DateTime::new(y, mo, d, 0, 0, 0).unwrap()
}

fn at(y: u16, mo: u8, d: u8) -> SystemTime {
    dt(y, mo, d).to_system_time()
}

/// A throwaway root: key from `[seed; 32]`, default profile (10 years), issued on `from`.
fn root_at(seed: u8, from: SystemTime) -> (RootKey, RootCert, String) {
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
    this_update: SystemTime,
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
    assert_eq!(e.fault, Fault::Verification);
    assert!(e.message.contains("does not verify"), "{}", e.message);
    let (other, _, _) = root_at(8, at(2025, 1, 1));
    let e = assemble(&draft, &other.sign(&draft.tbs_der), &root).unwrap_err();
    assert!(e.message.contains("does not verify"), "{}", e.message);
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
    // Extensions: AKI then cRLNumber, both non-critical.
    let exts = crl.tbs_cert_list.crl_extensions.unwrap();
    let ids: Vec<_> = exts
        .iter()
        .map(|e| (e.extn_id.to_string(), e.critical))
        .collect();
    assert_eq!(
        ids,
        [
            ("2.5.29.35".to_string(), false),
            ("2.5.29.20".to_string(), false)
        ]
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
    tbs.this_update =
        Time::GeneralTime(der::asn1::GeneralizedTime::from_date_time(dt(2049, 12, 1)));
    let bad = CertificateList {
        tbs_cert_list: tbs,
        ..crl
    }
    .to_der()
    .unwrap();
    let e = parse(&bad, "bad.der").unwrap_err();
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

#[test]
fn revoke_arguments() {
    let s = |a: &str| revoke(a).serial;
    assert_eq!(s("3A:9F:04"), [0x3a, 0x9f, 0x04]);
    assert_eq!(s("3a9f04"), [0x3a, 0x9f, 0x04]);
    assert_eq!(s("0x3A9F04"), [0x3a, 0x9f, 0x04]);
    assert_eq!(s("serial=3A9F04"), [0x3a, 0x9f, 0x04]);
    assert_eq!(s("abc"), [0x0a, 0xbc]);
    assert_eq!(s("0001"), [0x01]);
    assert_eq!(s("80"), [0x00, 0x80]);
    assert_eq!(s("00:ff"), [0x00, 0xff]);
    assert_eq!(s(&"7f".repeat(20)).len(), 20);
    let r = revoke("3a:9f:04:Key-Compromise");
    assert_eq!(
        (r.serial, r.reason),
        (vec![0x3a, 0x9f, 0x04], Some(Reason::KeyCompromise))
    );
    assert_eq!(
        revoke("3a:ab").reason,
        None,
        "two hex digits are a serial byte"
    );
    assert_eq!(
        revoke("3a9f:ca-compromise").reason,
        Some(Reason::CaCompromise)
    );
    assert_eq!(revoke("01:CACOMPROMISE").reason, Some(Reason::CaCompromise));
    assert_eq!(
        revoke("01:cessation_of_operation").reason,
        Some(Reason::CessationOfOperation)
    );
    assert_eq!(revoke("01:keyCompromise").revoked_at, dt(2026, 1, 1));
    for r in Reason::ALL {
        assert_eq!(Reason::parse(r.as_str()).unwrap(), r);
    }

    let refused = [
        ("", "the serial number is empty"),
        ("0x", "the serial number is empty"),
        ("xyz", "not hexadecimal"),
        ("3a 9f", "not hexadecimal"),
        ("0", "serial number 0"),
        ("00:00", "serial number 0"),
        ("3a:9:f0", "\"9\" is not two hex digits"),
        ("3a9f:", "nothing after the last ':'"),
        (
            &"7f".repeat(21),
            "is 21 octets long; RFC 5280 allows at most 20",
        ),
        (&"80".repeat(20), "is 21 octets long"),
        (
            "01:foo",
            "\"foo\" is not a CRL reason; accepted reasons: unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn",
        ),
        ("01:certificateHold", "no certificate holds"),
        ("01:remove-from-crl", "no certificate holds"),
        ("01:aACompromise", "attribute certificates"),
    ];
    for (arg, want) in refused {
        let e = parse_revoke_arg(arg, dt(2026, 1, 1)).unwrap_err();
        assert_eq!(e.fault, Fault::Operator, "{arg}");
        assert!(
            e.message.starts_with(&format!("--revoke {arg:?}: ")),
            "{arg}: {}",
            e.message
        );
        assert!(e.message.contains(want), "{arg}: {}", e.message);
    }
}

fn refusal(p: &CrlParams<'_>) -> Error {
    prepare(p).unwrap_err()
}

#[test]
fn refusals_of_dates() {
    let (key, root, _) = root();
    let mut p = params(&root, None, &[], at(2026, 1, 1));
    p.next_update_days = 366;
    let e = refusal(&p);
    assert_eq!(e.fault, Fault::Operator);
    assert!(
        e.message
            .contains("nextUpdate 366 days after thisUpdate: must be 1 to 365 days"),
        "{}",
        e.message
    );
    p.next_update_days = 0;
    assert!(refusal(&p).message.contains("must be 1 to 365 days"));

    // Past the root's notAfter (2035-01-01).
    let p = params(&root, None, &[], at(2034, 6, 1));
    let e = refusal(&p);
    assert_eq!(e.fault, Fault::Operator);
    assert!(
        e.message.contains("nextUpdate 2035-06-01T00:00:00Z (365 days after thisUpdate 2034-06-01T00:00:00Z) is after the root certificate's notAfter 2035-01-01T00:00:00Z"),
        "{}",
        e.message
    );
    // Before the root's notBefore.
    let e = refusal(&params(&root, None, &[], at(2024, 12, 31)));
    assert!(e.message.contains("thisUpdate 2024-12-31T00:00:00Z is before the root certificate's notBefore 2025-01-01T00:00:00Z"), "{}", e.message);

    // Not after the previous CRL.
    let first = sign(&key, &root, &params(&root, None, &[], at(2026, 2, 1)));
    let prev = load_previous(&first, "crl-1", &root).unwrap();
    for when in [at(2026, 2, 1), at(2026, 1, 31)] {
        let e = refusal(&params(&root, Some(&prev), &[], when));
        assert_eq!(e.fault, Fault::Operator);
        assert!(
            e.message.contains(
                "is not after the previous CRL's thisUpdate 2026-02-01T00:00:00Z (CRL number 01)"
            ),
            "{}",
            e.message
        );
    }
    // A revocation dated after thisUpdate.
    let late = [parse_revoke_arg("01", dt(2026, 3, 1)).unwrap()];
    let e = refusal(&params(&root, None, &late, at(2026, 2, 1)));
    assert!(e.message.contains("serial 01: revocation date 2026-03-01T00:00:00Z is after thisUpdate 2026-02-01T00:00:00Z"), "{}", e.message);
}

#[test]
fn refusals_of_serials() {
    let (_, root, _, _, second) = two_crls();
    let twice = [revoke("0a:keyCompromise"), revoke("0x0A")];
    let e = refusal(&params(&root, None, &twice, at(2026, 2, 1)));
    assert_eq!(e.fault, Fault::Operator);
    assert!(
        e.message.contains("serial 0a is given twice"),
        "{}",
        e.message
    );
    let prev = load_previous(&second, "crl-2", &root).unwrap();
    let again = [revoke("0123ABCD:superseded")];
    let e = refusal(&params(&root, Some(&prev), &again, at(2026, 9, 1)));
    assert_eq!(e.fault, Fault::Operator);
    assert!(
        e.message.contains(
            "serial 0123abcd is already revoked in the previous CRL (since 2026-01-01T00:00:00Z)"
        ),
        "{}",
        e.message
    );
    // A hand-made Revocation must still be a valid serial.
    let bad = [Revocation {
        serial: vec![0x80],
        revoked_at: dt(2026, 1, 1),
        reason: None,
    }];
    let e = refusal(&params(&root, None, &bad, at(2026, 2, 1)));
    assert!(
        e.message
            .contains("serial 80: the serial number is negative"),
        "{}",
        e.message
    );
}

#[test]
fn previous_crl_of_another_root_is_refused() {
    let (key, root, _) = root();
    // Same profile, same subject, another key.
    let (other_key, other_root, _) = root_at(8, at(2025, 1, 1));
    assert_eq!(other_root.subject, root.subject);
    let foreign = sign(
        &other_key,
        &other_root,
        &params(&other_root, None, &[], at(2026, 1, 1)),
    );
    let e = load_previous(&foreign, "crl-old.pem", &root).unwrap_err();
    assert_eq!(e.fault, Fault::Verification);
    assert!(
        e.message
            .contains("crl-old.pem: its authorityKeyIdentifier"),
        "{}",
        e.message
    );
    assert!(
        e.message.contains("is not the root's subjectKeyIdentifier"),
        "{}",
        e.message
    );
    // prepare checks a structurally parsed previous CRL again.
    let parsed = parse(&foreign, "crl-old.pem").unwrap();
    let e = refusal(&params(&root, Some(&parsed), &[], at(2026, 2, 1)));
    assert_eq!(e.fault, Fault::Verification);
    assert!(
        e.message
            .contains("the previous CRL: its authorityKeyIdentifier"),
        "{}",
        e.message
    );
    // Another issuer name.
    let profile = RootProfile::from_toml(DEFAULT_ROOT_PROFILE, "root.toml").unwrap();
    let real = build_root(&key, &profile, false, at(2025, 1, 1)).unwrap();
    let real = RootCert::from_pem(real.as_bytes(), "real").unwrap();
    let own = sign(&key, &root, &params(&root, None, &[], at(2026, 1, 1)));
    let e = load_previous(&own, "crl.der", &real).unwrap_err();
    assert_eq!(e.fault, Fault::Verification);
    assert!(
        e.message.contains("crl.der: issued by \"CN=REHEARSAL"),
        "{}",
        e.message
    );
    assert!(e.message.contains("not by this root"), "{}", e.message);
}

#[test]
fn tampered_previous_crl_is_refused() {
    let (_, root, _, first, _) = two_crls();
    let mut der = first.clone();
    // Change the revoked serial 0123abcd into 0123abcc.
    let pos = der
        .windows(4)
        .position(|w| w == [0x01, 0x23, 0xab, 0xcd])
        .unwrap();
    der[pos + 3] ^= 1;
    let parsed = parse(&der, "crl-1.der").unwrap();
    assert_eq!(parsed.revoked[0].serial, [0x01, 0x23, 0xab, 0xcc]);
    let e = load_previous(&der, "crl-1.der", &root).unwrap_err();
    assert_eq!(e.fault, Fault::Verification);
    assert!(
        e.message
            .contains("crl-1.der: the CRL's signature does not verify with the root key"),
        "{}",
        e.message
    );
    let e = refusal(&params(&root, Some(&parsed), &[], at(2026, 8, 1)));
    assert_eq!(e.fault, Fault::Verification);
    assert!(
        e.message
            .contains("the previous CRL: the CRL's signature does not verify"),
        "{}",
        e.message
    );
}

#[test]
fn malformed_crls_are_refused() {
    let (_, _, root_pem, first, _) = two_crls();
    let refused = |bytes: &[u8], want: &str| {
        let e = parse(bytes, "crl.x").unwrap_err();
        assert_eq!(e.fault, Fault::Input);
        assert!(
            e.message.starts_with("crl.x: ") && e.message.contains(want),
            "{want}: {}",
            e.message
        );
    };
    refused(b"hello", "no PEM \"X509 CRL\" block and not DER");
    refused(
        root_pem.as_bytes(),
        "PEM block 1 (line 1) is labelled \"CERTIFICATE\"; only \"X509 CRL\" is accepted here",
    );
    refused(&[0xff, 0xfe], "no PEM \"X509 CRL\" block and not DER");
    refused(
        &first[..first.len() - 1],
        "not a DER certificate revocation list",
    );
    let relabelled = der::pem::encode_string("X509 CRL", LineEnding::LF, &first).unwrap();
    refused(
        relabelled.replace("X509 CRL", "X509  CRL").as_bytes(),
        "crl.x: line 1: \"-----BEGIN X509  CRL-----\" looks like a PEM boundary",
    );
    let two = format!("{0}{0}", to_pem(&first).unwrap());
    refused(two.as_bytes(), "exactly one CRL");
    // Long-form length of the outer SEQUENCE: BER, not DER.
    let len = first.len() - 4;
    assert_eq!(&first[..2], [0x30, 0x82]);
    let mut ber = vec![0x30, 0x83, 0x00];
    ber.extend_from_slice(&first[2..]);
    assert_eq!(usize::from(ber[3]) * 256 + usize::from(ber[4]), len);
    refused(&ber, "DER");
    // No CRL number; a critical unknown extension; an unknown entry extension.
    let resign = |edit: &dyn Fn(&mut TbsCertList)| {
        let mut crl: CertificateList = CertificateList::from_der(&first).unwrap();
        edit(&mut crl.tbs_cert_list);
        crl.to_der().unwrap()
    };
    refused(
        &resign(&|t| {
            t.crl_extensions
                .as_mut()
                .unwrap()
                .retain(|e| e.extn_id != CrlNumber::OID)
        }),
        "no cRLNumber extension",
    );
    refused(
        &resign(&|t| {
            t.crl_extensions.as_mut().unwrap().push(Extension {
                extn_id: der::oid::ObjectIdentifier::new_unwrap("2.5.29.27"),
                critical: true,
                extn_value: OctetString::new(vec![0x02, 0x01, 0x01]).unwrap(),
            })
        }),
        "critical extension 2.5.29.27 that rootkey does not know",
    );
    refused(
        &resign(&|t| {
            let exts = t.revoked_certificates.as_mut().unwrap()[0]
                .crl_entry_extensions
                .as_mut()
                .unwrap();
            exts.push(exts[0].clone());
        }),
        "reasonCode appears twice",
    );
    refused(
        &resign(&|t| t.revoked_certificates = Some(Vec::new())),
        "revokedCertificates is present but empty",
    );
    refused(&resign(&|t| t.version = Version::V1), "not a version 2 CRL");
    refused(
        &resign(&|t| {
            t.revoked_certificates.as_mut().unwrap()[0].crl_entry_extensions = Some(vec![
                extension(CrlReason::OID, CrlReason::CertificateHold.to_der().unwrap()).unwrap(),
            ])
        }),
        "is not used in this PKI (no certificate holds)",
    );
}
