//! CRL refusals, each with its message: `--revoke` arguments, dates, serials, and a previous
//! CRL that is another root's, tampered or malformed. The fixtures are the parent module's.

use super::*;

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
        assert_eq!(e.kind, Kind::Argument, "{arg}");
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
    assert_eq!(e.kind, Kind::Validity);
    assert!(
        e.message
            .contains("nextUpdate 366 days after thisUpdate: must be 1 to 365 days"),
        "{}",
        e.message
    );
    p.next_update_days = 0;
    let e = refusal(&p);
    assert_eq!(e.kind, Kind::Validity);
    assert!(e.message.contains("must be 1 to 365 days"));

    // Past the root's notAfter (2035-01-01).
    let p = params(&root, None, &[], at(2034, 6, 1));
    let e = refusal(&p);
    assert_eq!(e.kind, Kind::Validity);
    assert!(
        e.message.contains("nextUpdate 2035-06-01T00:00:00Z (365 days after thisUpdate 2034-06-01T00:00:00Z) is after the root certificate's notAfter 2035-01-01T00:00:00Z"),
        "{}",
        e.message
    );
    // Before the root's notBefore.
    let e = refusal(&params(&root, None, &[], at(2024, 12, 31)));
    assert_eq!(e.kind, Kind::Validity);
    assert!(e.message.contains("thisUpdate 2024-12-31T00:00:00Z is before the root certificate's notBefore 2025-01-01T00:00:00Z"), "{}", e.message);

    // Not after the previous CRL.
    let first = sign(&key, &root, &params(&root, None, &[], at(2026, 2, 1)));
    let prev = load_previous(&first, "crl-1", &root).unwrap();
    for when in [at(2026, 2, 1), at(2026, 1, 31)] {
        let e = refusal(&params(&root, Some(&prev), &[], when));
        assert_eq!(e.kind, Kind::Validity);
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
    assert_eq!(e.kind, Kind::RevokedSerial);
    assert!(e.message.contains("serial 01: revocation date 2026-03-01T00:00:00Z is after thisUpdate 2026-02-01T00:00:00Z"), "{}", e.message);
}

#[test]
fn refusals_of_serials() {
    let (_, root, _, _, second) = two_crls();
    let twice = [revoke("0a:keyCompromise"), revoke("0x0A")];
    let e = refusal(&params(&root, None, &twice, at(2026, 2, 1)));
    assert_eq!(e.kind, Kind::RevokedSerial);
    assert!(
        e.message.contains("serial 0A is given twice"),
        "{}",
        e.message
    );
    let prev = load_previous(&second, "crl-2", &root).unwrap();
    let again = [revoke("0123ABCD:superseded")];
    let e = refusal(&params(&root, Some(&prev), &again, at(2026, 9, 1)));
    assert_eq!(e.kind, Kind::RevokedSerial);
    assert!(
        e.message.contains(
            "serial 0123ABCD is already revoked in the previous CRL (since 2026-01-01T00:00:00Z)"
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
    assert_eq!(e.kind, Kind::RevokedSerial);
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
    assert_eq!(e.kind, Kind::WrongIssuer);
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
    assert_eq!(e.kind, Kind::WrongIssuer);
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
    assert_eq!(e.kind, Kind::WrongIssuer);
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
    assert_eq!(e.kind, Kind::SignatureInvalid);
    assert!(
        e.message
            .contains("crl-1.der: the CRL's signature does not verify with the root key"),
        "{}",
        e.message
    );
    let e = refusal(&params(&root, Some(&parsed), &[], at(2026, 8, 1)));
    assert_eq!(e.kind, Kind::SignatureInvalid);
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
    let refused = |bytes: &[u8], kind: Kind, want: &str| {
        let e = parse(bytes, "crl.x").unwrap_err();
        assert_eq!(e.kind, kind, "{want}");
        assert!(
            e.message.starts_with("crl.x: ") && e.message.contains(want),
            "{want}: {}",
            e.message
        );
    };
    refused(b"hello", Kind::Pem, "no PEM \"X509 CRL\" block and not DER");
    refused(
        root_pem.as_bytes(),
        Kind::Pem,
        "PEM block 1 (line 1) is labelled \"CERTIFICATE\"; only \"X509 CRL\" is accepted here",
    );
    refused(
        &[0xff, 0xfe],
        Kind::Pem,
        "no PEM \"X509 CRL\" block and not DER",
    );
    refused(
        &first[..first.len() - 1],
        Kind::Der,
        "not a DER certificate revocation list",
    );
    let relabelled = der::pem::encode_string("X509 CRL", LineEnding::LF, &first).unwrap();
    refused(
        relabelled.replace("X509 CRL", "X509  CRL").as_bytes(),
        Kind::Pem,
        "crl.x: line 1: \"-----BEGIN X509  CRL-----\" looks like a PEM boundary",
    );
    let two = format!("{0}{0}", to_pem(&first).unwrap());
    refused(two.as_bytes(), Kind::Pem, "exactly one CRL");
    // Long-form length of the outer SEQUENCE: BER, not DER.
    let len = first.len() - 4;
    assert_eq!(&first[..2], [0x30, 0x82]);
    let mut ber = vec![0x30, 0x83, 0x00];
    ber.extend_from_slice(&first[2..]);
    assert_eq!(usize::from(ber[3]) * 256 + usize::from(ber[4]), len);
    refused(&ber, Kind::Der, "DER");
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
        Kind::CrlRefused,
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
        Kind::CrlRefused,
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
        Kind::CrlRefused,
        "reasonCode appears twice",
    );
    refused(
        &resign(&|t| t.revoked_certificates = Some(Vec::new())),
        Kind::CrlRefused,
        "revokedCertificates is present but empty",
    );
    refused(
        &resign(&|t| t.version = Version::V1),
        Kind::CrlRefused,
        "not a version 2 CRL",
    );
    refused(
        &resign(&|t| {
            t.revoked_certificates.as_mut().unwrap()[0].crl_entry_extensions = Some(vec![
                extension(CrlReason::OID, CrlReason::CertificateHold.to_der().unwrap()).unwrap(),
            ])
        }),
        Kind::CrlRefused,
        "is not used in this PKI (no certificate holds)",
    );
}
