//! Tests of intermediate certificates: prepare, sign and assemble; validity past the root;
//! the typed confirmation codes; the previous-intermediate checks.

use super::*;
use crate::cert::profile::DEFAULT_INTERMEDIATE_PROFILE;
use crate::cert::{DEFAULT_ROOT_PROFILE, RootProfile, build_root};
use crate::error::Kind;
use crate::key::RootKey;
use crate::secret::SecretBytes;

fn secs(unix: u64) -> UtcTime {
    UtcTime::from_unix_secs(unix).unwrap()
}

fn make_root(seed: u8) -> (RootKey, RootCert) {
    let key = RootKey::from_seed(&SecretBytes::copy_from(&[seed; 32]).unwrap()).unwrap();
    let p = RootProfile::from_toml(DEFAULT_ROOT_PROFILE, "root.toml").unwrap();
    let pem = build_root(&key, &p, false, UtcTime::now().unwrap()).unwrap();
    (key, RootCert::from_pem(pem.as_bytes(), "root").unwrap())
}

fn ed25519_request(seed: u8) -> (Name, SubjectPublicKeyInfoOwned) {
    let k = RootKey::from_seed(&SecretBytes::copy_from(&[seed; 32]).unwrap()).unwrap();
    let spki =
        SubjectPublicKeyInfoOwned::from_der(&crate::cert::ed25519_spki_der(&k.public_key_bytes()))
            .unwrap();
    let name: Name = "CN=Example Corp Intermediate CA prod/2026".parse().unwrap();
    (name, spki)
}

#[test]
fn prepare_sign_assemble() {
    let (key, root) = make_root(1);
    let profile = IntermediateProfile::from_toml(DEFAULT_INTERMEDIATE_PROFILE, "p").unwrap();
    let (subject, spki) = ed25519_request(2);
    let d = prepare(
        &root,
        &profile,
        &Request {
            subject: &subject,
            spki: &spki,
        },
        UtcTime::now().unwrap(),
    )
    .unwrap();
    assert_eq!(
        d.not_after.unix_secs() - d.not_before.unix_secs(),
        455 * 86_400
    );
    assert_eq!(d.extensions.len(), 7);
    assert!(d.extensions[0].critical && d.extensions[1].critical);
    let der = assemble(&d, &key.sign(&d.tbs_der), &root).unwrap();
    let cert = Certificate::from_der(&der).unwrap();
    assert_eq!(cert.tbs_certificate().to_der().unwrap(), d.tbs_der);
    // A signature by another key, or over other bytes, is refused.
    let (other, _) = make_root(3);
    let e = assemble(&d, &other.sign(&d.tbs_der), &root).unwrap_err();
    assert_eq!(e.kind, Kind::SignatureInvalid, "{}", e.message);
    let e = assemble(&d, &key.sign(b"other"), &root).unwrap_err();
    assert_eq!(e.kind, Kind::SignatureInvalid, "{}", e.message);
}

#[test]
fn validity_past_root_refused() {
    let (_, root) = make_root(1);
    let profile = IntermediateProfile::from_toml(DEFAULT_INTERMEDIATE_PROFILE, "p").unwrap();
    let (subject, spki) = ed25519_request(2);
    let late = UtcTime::now().unwrap().plus_days(9 * 365 + 300).unwrap();
    let e = prepare(
        &root,
        &profile,
        &Request {
            subject: &subject,
            spki: &spki,
        },
        late,
    )
    .unwrap_err();
    assert_eq!(e.kind, Kind::Validity);
    assert!(
        e.message.contains("past the root certificate's notAfter"),
        "{}",
        e.message
    );
    let early = secs(UtcTime::now().unwrap().unix_secs() - 86_400);
    let e = prepare(
        &root,
        &profile,
        &Request {
            subject: &subject,
            spki: &spki,
        },
        early,
    )
    .unwrap_err();
    assert_eq!(e.kind, Kind::Validity);
    assert!(e.message.contains("before the root"), "{}", e.message);
}

#[test]
fn codes() {
    let h = [0xab; 32];
    assert_eq!(short_code(&h), "ABAB-ABAB");
    assert!(code_matches(" abab abab ", &h));
    assert!(code_matches("ABAB-ABAB", &h));
    assert!(!code_matches("ABAB-ABAC", &h));
}

#[test]
fn previous_checks() {
    let (key, root) = make_root(1);
    let profile = IntermediateProfile::from_toml(DEFAULT_INTERMEDIATE_PROFILE, "p").unwrap();
    let (subject, spki) = ed25519_request(2);
    let req = Request {
        subject: &subject,
        spki: &spki,
    };
    let t0 = secs(UtcTime::now().unwrap().unix_secs() + 60);
    let d1 = prepare(&root, &profile, &req, t0).unwrap();
    let prev =
        Certificate::from_der(&assemble(&d1, &key.sign(&d1.tbs_der), &root).unwrap()).unwrap();
    // Same key: refused.
    let e = check_previous(&prev, "prev.pem", &root, &d1, &profile).unwrap_err();
    assert_eq!(e.kind, Kind::KeyReused, "{}", e.message);
    let (_, spki2) = ed25519_request(4);
    let req2 = Request {
        subject: &subject,
        spki: &spki2,
    };
    // One year later: 90 days of overlap, no warning.
    let d2 = prepare(&root, &profile, &req2, t0.plus_days(365).unwrap()).unwrap();
    let c = check_previous(&prev, "prev.pem", &root, &d2, &profile).unwrap();
    assert_eq!(c.overlap_days, 90);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    // Later: short overlap; much later: a gap.
    let d3 = prepare(&root, &profile, &req2, t0.plus_days(400).unwrap()).unwrap();
    let c = check_previous(&prev, "prev.pem", &root, &d3, &profile).unwrap();
    assert!(c.warnings[0].contains("short overlap"), "{:?}", c.warnings);
    let d4 = prepare(&root, &profile, &req2, t0.plus_days(500).unwrap()).unwrap();
    let c = check_previous(&prev, "prev.pem", &root, &d4, &profile).unwrap();
    assert!(c.warnings[0].contains("gap"), "{:?}", c.warnings);
    // Not from this root: refused.
    let (_, other_root) = make_root(9);
    let e = check_previous(&prev, "prev.pem", &other_root, &d2, &profile).unwrap_err();
    assert_eq!(e.kind, Kind::WrongIssuer, "{}", e.message);
    // The root itself, and a re-issued root (same key, self-issued, signed by the root):
    // refused as not an intermediate (exit 1).
    let itself = Certificate::from_der(&root.der).unwrap();
    let e = check_previous(&itself, "root.pem", &root, &d2, &profile).unwrap_err();
    assert_eq!(e.kind, Kind::NotPreviousIntermediate);
    assert!(
        e.message.contains("the root certificate itself"),
        "{}",
        e.message
    );
    let p = RootProfile::from_toml(DEFAULT_ROOT_PROFILE, "root.toml").unwrap();
    let again = build_root(&key, &p, false, UtcTime::now().unwrap()).unwrap();
    let again = RootCert::from_pem(again.as_bytes(), "again").unwrap();
    assert_ne!(again.der, root.der);
    let reissued = Certificate::from_der(&again.der).unwrap();
    let e = check_previous(&reissued, "again.pem", &root, &d2, &profile).unwrap_err();
    assert_eq!(e.kind, Kind::NotPreviousIntermediate);
    assert!(
        e.message.contains("a self-issued certificate")
            && e.message.contains("is not a previous intermediate"),
        "{}",
        e.message
    );
}

#[test]
fn extended_key_usage_from_the_profile() {
    let (key, root) = make_root(1);
    let text = DEFAULT_INTERMEDIATE_PROFILE.replace(
        "extended_key_usage = []",
        "extended_key_usage = [\"codeSigning\", \"1.2.3.4\"]",
    );
    let profile = IntermediateProfile::from_toml(&text, "p").unwrap();
    let (subject, spki) = ed25519_request(2);
    let req = Request {
        subject: &subject,
        spki: &spki,
    };
    let d = prepare(&root, &profile, &req, UtcTime::now().unwrap()).unwrap();
    assert_eq!(d.extensions.len(), 8);
    assert_eq!(
        d.extensions[2],
        ShownExtension {
            name: "extendedKeyUsage".into(),
            critical: false,
            value: "codeSigning, 1.2.3.4".into(),
        }
    );
    let der = assemble(&d, &key.sign(&d.tbs_der), &root).unwrap();
    let cert = Certificate::from_der(&der).unwrap();
    let (critical, eku) = cert
        .tbs_certificate()
        .get_extension::<ExtendedKeyUsage>()
        .unwrap()
        .unwrap();
    assert!(!critical);
    assert_eq!(
        eku.0,
        vec![
            ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3"),
            ObjectIdentifier::new_unwrap("1.2.3.4")
        ]
    );
    // The shipped profile names no purpose: no extendedKeyUsage at all.
    let shipped = IntermediateProfile::from_toml(DEFAULT_INTERMEDIATE_PROFILE, "p").unwrap();
    let d = prepare(&root, &shipped, &req, UtcTime::now().unwrap()).unwrap();
    assert!(d.extensions.iter().all(|e| e.name != "extendedKeyUsage"));
}
