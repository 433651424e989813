//! The issuingDistributionPoint (onlyContainsCACerts, critical) that rootkey's CRLs carry:
//! written, read, shown by OpenSSL; a CRL of an older rootkey (without it) still read and
//! carried forward as the previous CRL; any other issuingDistributionPoint refused.

use super::*;

/// `der` with its tbsCertList edited by `edit` and signed again by `key` (an "older rootkey"
/// CRL when the edit removes the IDP).
fn resigned(key: &RootKey, der: &[u8], edit: &dyn Fn(&mut TbsCertList)) -> Vec<u8> {
    let mut crl: CertificateList = CertificateList::from_der(der).unwrap();
    edit(&mut crl.tbs_cert_list);
    let tbs = crl.tbs_cert_list.to_der().unwrap();
    crl.signature = BitString::from_bytes(&key.sign(&tbs).to_bytes()).unwrap();
    crl.to_der().unwrap()
}

fn without_idp(t: &mut TbsCertList) {
    t.crl_extensions
        .as_mut()
        .unwrap()
        .retain(|e| e.extn_id != IDP_OID);
}

#[test]
fn rootkey_crls_are_ca_only() {
    let (_, root, _, first, second) = two_crls();
    for der in [&first, &second] {
        assert!(load_previous(der, "crl", &root).unwrap().ca_only);
        let crl: CertificateList = CertificateList::from_der(der).unwrap();
        let idp = crl.tbs_cert_list.crl_extensions.unwrap().pop().unwrap();
        assert_eq!(
            (idp.extn_id, idp.critical, idp.extn_value.as_bytes()),
            (IDP_OID, true, &IDP_CA_ONLY[..])
        );
    }
}

#[test]
fn an_older_crl_without_idp_is_read_and_carried_forward() {
    let (key, root, pem, first, _) = two_crls();
    let old = resigned(&key, &first, &without_idp);
    let prev = load_previous(&old, "old.crl", &root).unwrap();
    assert!(!prev.ca_only);
    assert_eq!(prev.number, [1]);
    assert_eq!(prev.revoked.len(), 1);
    let new = [revoke("7F:superseded")];
    let next = sign(
        &key,
        &root,
        &params(&root, Some(&prev), &new, at(2026, 8, 1)),
    );
    let next = load_previous(&next, "next.crl", &root).unwrap();
    assert!(next.ca_only);
    assert_eq!(next.number, [2]);
    assert_eq!(next.revoked[0], prev.revoked[0]);
    assert_eq!(next.revoked.len(), 2);
    // OpenSSL reads both, and shows the new one's scope.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("root.pem"), &pem).unwrap();
    std::fs::write(dir.path().join("old.crl"), &old).unwrap();
    std::fs::write(dir.path().join("next.crl"), &next.der).unwrap();
    for (name, has_idp) in [("old.crl", false), ("next.crl", true)] {
        let args = [
            "crl", "-inform", "DER", "-in", name, "-noout", "-text", "-verify", "-CAfile",
            "root.pem",
        ];
        let Some((ok, text)) = openssl(dir.path(), &args) else {
            return;
        };
        assert!(ok && text.contains("verify OK"), "{name}: {text}");
        let t: Vec<&str> = text.lines().map(str::trim).collect();
        let at = t
            .iter()
            .position(|l| *l == "X509v3 Issuing Distribution Point: critical");
        assert_eq!(at.is_some(), has_idp, "{name}: {text}");
        if let Some(i) = at {
            assert_eq!(t[i + 1], "Only CA Certificates", "{text}");
        }
    }
}

#[test]
fn another_issuing_distribution_point_is_refused() {
    let (key, _, _, first, _) = two_crls();
    let with_idp = |critical: bool, value: &[u8]| {
        let value = value.to_vec();
        resigned(&key, &first, &move |t| {
            without_idp(t);
            t.crl_extensions.as_mut().unwrap().push(Extension {
                extn_id: IDP_OID,
                critical,
                extn_value: OctetString::new(value.clone()).unwrap(),
            })
        })
    };
    let cases: [(bool, &[u8], &str); 4] = [
        (
            false,
            &IDP_CA_ONLY,
            "its issuingDistributionPoint is not critical, onlyContainsCACerts TRUE (DER 30038201ff)",
        ),
        // onlyContainsUserCerts TRUE.
        (
            true,
            &[0x30, 0x03, 0x81, 0x01, 0xff],
            "its issuingDistributionPoint is critical, with another scope (DER 30038101ff)",
        ),
        // A distribution point name (a partitioned CRL) besides onlyContainsCACerts.
        (
            true,
            &[
                0x30, 0x0c, 0xa0, 0x07, 0xa0, 0x05, 0x86, 0x03, b'h', b':', b'x', 0x82, 0x01, 0xff,
            ],
            "with another scope (DER 300ca007a0058603683a78820",
        ),
        // Empty: a complete CRL wrongly flagged; not what rootkey writes either.
        (true, &[0x30, 0x00], "with another scope (DER 3000)"),
    ];
    for (critical, value, want) in cases {
        let e = parse(&with_idp(critical, value), "crl.x").unwrap_err();
        assert_eq!(e.kind, Kind::CrlRefused, "{want}");
        assert!(
            e.message.starts_with("crl.x: ")
                && e.message.contains(want)
                && e.message
                    .contains("rootkey reads only the critical onlyContainsCACerts TRUE it writes"),
            "{want}: {}",
            e.message
        );
    }
    // Twice is refused like any other extension.
    let twice = resigned(&key, &first, &|t| {
        let exts = t.crl_extensions.as_mut().unwrap();
        exts.push(exts[2].clone());
    });
    let e = parse(&twice, "crl.x").unwrap_err();
    assert!(
        e.message.contains("extension 2.5.29.28 appears twice"),
        "{}",
        e.message
    );
}
