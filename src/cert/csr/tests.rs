//! Tests of the CSR reader: round trips, openssl and Vault-like requests, tampering, framing,
//! non-canonical DER, versions, requested extensions and other attributes.

use super::*;
use std::str::FromStr;

use der::{
    EncodePem,
    asn1::{Any, BitString, OctetString, SetOfVec},
    pem::LineEnding,
};
use ed25519_dalek::Signer;
use x509_cert::{
    attr::Attribute,
    request::{CertReqInfo, Version},
    spki::AlgorithmIdentifierOwned,
};

const VAULT_CN: &str = "CN=Example Corp Intermediate CA prod/2026";

fn key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[11u8; 32])
}

fn ext(oid: &str, critical: bool, value: &[u8]) -> Extension {
    Extension {
        extn_id: ObjectIdentifier::new_unwrap(oid),
        critical,
        extn_value: OctetString::new(value).unwrap(),
    }
}

/// An extensionRequest attribute with one value per list.
fn ext_request(lists: &[Vec<Extension>]) -> Attribute {
    let values: Vec<Any> = lists.iter().map(|l| Any::encode_from(l).unwrap()).collect();
    Attribute {
        oid: OID_EXTENSION_REQUEST,
        values: SetOfVec::try_from(values).unwrap(),
    }
}

/// challengePassword (RFC 2985 §5.4.1), a UTF8String.
fn challenge_password() -> Attribute {
    let value = Any::new(Tag::Utf8String, b"not-a-secret".to_vec()).unwrap();
    Attribute {
        oid: ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.7"),
        values: SetOfVec::try_from(vec![value]).unwrap(),
    }
}

fn info(subject: &str, attributes: Vec<Attribute>) -> CertReqInfo {
    let pk = key().verifying_key().to_bytes();
    CertReqInfo {
        version: Version::V1,
        subject: match subject {
            "" => Name::default(),
            s => Name::from_str(s).unwrap(),
        },
        public_key: SubjectPublicKeyInfoOwned::from_der(&super::super::ed25519_spki_der(&pk))
            .unwrap(),
        attributes: SetOfVec::try_from(attributes).unwrap(),
    }
}

/// The DER of a request for `info`, signed with [`key`] under `alg_oid`.
fn signed_as(info: CertReqInfo, alg_oid: &str) -> Vec<u8> {
    let sig = key().sign(&info.to_der().unwrap()).to_bytes();
    CertReq {
        info,
        algorithm: AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap(alg_oid),
            parameters: None,
        },
        signature: BitString::from_bytes(&sig).unwrap(),
    }
    .to_der()
    .unwrap()
}

fn signed(info: CertReqInfo) -> Vec<u8> {
    signed_as(info, "1.3.101.112")
}

fn pem(der: &[u8]) -> String {
    der::pem::encode_string("CERTIFICATE REQUEST", LineEnding::LF, der).unwrap()
}

fn refused(bytes: &[u8], kind: Kind, want: &str) {
    let e = parse(bytes, "CSR req.pem").unwrap_err();
    assert_eq!(e.kind, kind, "{}", e.message);
    assert!(e.message.starts_with("CSR req.pem: "), "{}", e.message);
    assert!(e.message.contains(want), "{:?} lacks {want:?}", e.message);
}

#[test]
fn round_trip_pem_and_der() {
    let der = signed(info(VAULT_CN, vec![]));
    let c = parse(pem(&der).as_bytes(), "CSR req.pem").unwrap();
    assert_eq!(c.der, der);
    assert_eq!(c.sha256, <[u8; 32]>::from(Sha256::digest(&der)));
    assert_eq!(c.subject_text, "CN=Example Corp Intermediate CA prod/2026");
    assert_eq!(c.subject.to_string(), c.subject_text);
    assert_eq!(c.key_type, KeyType::Ed25519);
    assert_eq!(
        c.spki_der,
        super::super::ed25519_spki_der(&key().verifying_key().to_bytes())
    );
    assert!(c.extensions.is_empty() && c.other_attributes.is_empty());
    // Raw DER, CRLF line endings, the old label and text around the block: one request.
    assert_eq!(parse(&der, "x").unwrap().sha256, c.sha256);
    let crlf = pem(&der).replace('\n', "\r\n");
    assert_eq!(parse(crlf.as_bytes(), "x").unwrap().der, der);
    let old = pem(&der).replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST");
    assert_eq!(parse(old.as_bytes(), "x").unwrap().der, der);
    let wrapped = format!("Vault said:\n\n{}\nthanks\n", pem(&der));
    assert_eq!(parse(wrapped.as_bytes(), "x").unwrap().der, der);
    // Text starting with "0" (0x30, like DER) before the block.
    let zero = format!("0 warnings\n{}", pem(&der));
    assert_eq!(parse(zero.as_bytes(), "x").unwrap().der, der);
}

#[test]
fn openssl_vault_like_request() {
    let c = parse(
        include_bytes!("../../../tests/vectors/csr_rsa2048.pem"),
        "CSR csr_rsa2048.pem",
    )
    .unwrap();
    assert_eq!(c.key_type, KeyType::Rsa { bits: 2048 });
    assert_eq!(c.subject_text, "CN=Example Corp Intermediate CA prod/2026");
}

#[test]
fn flipped_signature_or_subject_fails_verification() {
    let der = signed(info(VAULT_CN, vec![]));
    let mut bad_sig = der.clone();
    *bad_sig.last_mut().unwrap() ^= 0x01;
    refused(
        &bad_sig,
        Kind::SignatureInvalid,
        "CSR req.pem: the self-signature does not verify (the request was modified or is not from this key)",
    );
    let e = parse(&bad_sig, "x").unwrap_err();
    assert!(e.hint.is_some_and(|h| h.contains("SHA-256")));
    let mut bad_subject = der.clone();
    let at = der.windows(4).position(|w| w == b"prod").unwrap();
    bad_subject[at] = b'P';
    refused(
        &bad_subject,
        Kind::SignatureInvalid,
        "self-signature does not verify",
    );
}

#[test]
fn algorithm_not_fitting_the_key_refused() {
    let der = signed_as(info(VAULT_CN, vec![]), "1.2.840.10045.4.3.2");
    refused(
        &der,
        Kind::Unsupported,
        "CSR req.pem: signature algorithm ecdsa-with-SHA256 does not fit the Ed25519 key",
    );
    let der = signed_as(info(VAULT_CN, vec![]), "1.2.840.113549.1.1.10");
    refused(
        &der,
        Kind::Unsupported,
        "RSASSA-PSS signatures are not supported",
    );
}

#[test]
fn garbage_and_pem_framing_refused() {
    let msg = "CSR req.pem: no PEM \"CERTIFICATE REQUEST\" block and not DER";
    refused(b"hello\n", Kind::Pem, msg);
    refused(b"", Kind::Pem, msg);
    refused(
        b"-----BEGIN \n",
        Kind::Pem,
        "CSR req.pem: line 1: \"-----BEGIN\" looks like a PEM boundary",
    );
    let der = signed(info(VAULT_CN, vec![]));
    let one = pem(&der);
    refused(
        format!("{one}{one}").as_bytes(),
        Kind::Pem,
        "holds 2 PEM blocks; exactly one certificate request is expected",
    );
    refused(
        one.replace("CERTIFICATE REQUEST", "CERTIFICATE").as_bytes(),
        Kind::Pem,
        "PEM block 1 (line 1) is labelled \"CERTIFICATE\"; only \"CERTIFICATE REQUEST\" or \"NEW CERTIFICATE REQUEST\" is accepted here",
    );
    refused(
        one.replace("-----END CERTIFICATE REQUEST-----", "")
            .as_bytes(),
        Kind::Pem,
        "PEM block 1 (BEGIN at line 1) has no \"-----END CERTIFICATE REQUEST-----\" line",
    );
    let broken = one.replacen("\nMI", "\nM*", 1);
    refused(
        broken.as_bytes(),
        Kind::Pem,
        "PEM block 1: '*' is not a base64 character",
    );
    // Base64 in 76-character lines (MIME style) is read (formats.md, "PEM": any wrapping).
    let body: String = one.lines().filter(|l| !l.starts_with("-----")).collect();
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let mime = format!(
        "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
        lines.join("\n")
    );
    assert!(lines.len() > 1 && lines[0].len() == 76);
    assert_eq!(parse(mime.as_bytes(), "CSR req.pem").unwrap().der, der);
    // Valid base64 of something else.
    refused(
        pem(b"\x04\x01\x00").as_bytes(),
        Kind::Der,
        "not a DER PKCS#10",
    );
    refused(&der[..der.len() - 1], Kind::Der, "not a DER PKCS#10");
    refused(&[&der[..], &[0]].concat(), Kind::Der, "not a DER PKCS#10");
}

#[test]
fn oversized_input_refused() {
    let der = signed(info(VAULT_CN, vec![]));
    let mut big = b"x".repeat(MAX_CSR_BYTES);
    big.extend_from_slice(pem(&der).as_bytes());
    refused(&big, Kind::RequestRefused, "more than the 64 KiB");
}

#[test]
fn non_canonical_der_refused() {
    let der = signed(info(VAULT_CN, vec![]));
    // Outer SEQUENCE length in the long form with a superfluous octet: BER, not DER.
    assert_eq!(der[1], 0x81);
    let mut ber = der.clone();
    ber.splice(1..2, [0x82, 0x00]);
    refused(&ber, Kind::Der, "DER");
}

#[test]
fn version_other_than_v1_refused() {
    let der = signed(info(VAULT_CN, vec![]));
    // certificationRequestInfo starts with version INTEGER 0: 02 01 00.
    let at = der.windows(3).position(|w| w == [2, 1, 0]).unwrap();
    let mut v2 = der.clone();
    v2[at + 2] = 1;
    refused(
        &v2,
        Kind::RequestRefused,
        "CSR req.pem: version 1 is not v1 (0) (RFC 2986 §4.1)",
    );
}

#[test]
fn requested_extensions_and_other_attributes_reported() {
    let bc = ext(
        "2.5.29.19",
        true,
        &[0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x00],
    );
    let ku = ext("2.5.29.15", true, &[0x03, 0x02, 0x01, 0x06]);
    let attrs = vec![
        ext_request(&[vec![bc.clone(), ku.clone()]]),
        challenge_password(),
    ];
    let c = parse(&signed(info(VAULT_CN, attrs)), "x").unwrap();
    assert_eq!(c.extensions, vec![bc, ku]);
    assert_eq!(
        c.other_attributes,
        vec![ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.7")]
    );
}

#[test]
fn bad_extension_requests_refused() {
    let bc = ext("2.5.29.19", true, &[0x30, 0x03, 0x01, 0x01, 0xff]);
    let ku = ext("2.5.29.15", true, &[0x03, 0x02, 0x01, 0x06]);
    let twice = vec![ext_request(&[vec![bc.clone(), ku.clone(), bc.clone()]])];
    refused(
        &signed(info(VAULT_CN, twice)),
        Kind::RequestRefused,
        "the request asks for extension 2.5.29.19 twice (RFC 5280 §4.2)",
    );
    let two_attrs = vec![
        ext_request(&[vec![bc.clone()]]),
        ext_request(&[vec![ku.clone()]]),
    ];
    refused(
        &signed(info(VAULT_CN, two_attrs)),
        Kind::RequestRefused,
        "more than one extensionRequest attribute",
    );
    let two_values = vec![ext_request(&[vec![bc.clone()], vec![ku.clone()]])];
    refused(
        &signed(info(VAULT_CN, two_values)),
        Kind::RequestRefused,
        "the extensionRequest attribute has 2 values; it must have exactly one",
    );
    refused(
        &signed(info(VAULT_CN, vec![ext_request(&[vec![]])])),
        Kind::RequestRefused,
        "holds no extension",
    );
    let not_extensions = Attribute {
        oid: OID_EXTENSION_REQUEST,
        values: SetOfVec::try_from(vec![Any::null()]).unwrap(),
    };
    refused(
        &signed(info(VAULT_CN, vec![not_extensions])),
        Kind::Der,
        "the extensionRequest attribute is not a list of extensions",
    );
}

/// A request whose certificationRequestInfo is `info_der` as given, signed with [`key`].
fn signed_raw(info_der: &[u8]) -> Vec<u8> {
    let sig = key().sign(info_der).to_bytes();
    let alg = AlgorithmIdentifierOwned {
        oid: super::super::ED25519_OID,
        parameters: None,
    };
    let body = [
        info_der.to_vec(),
        alg.to_der().unwrap(),
        BitString::from_bytes(&sig).unwrap().to_der().unwrap(),
    ]
    .concat();
    Any::new(Tag::Sequence, body).unwrap().to_der().unwrap()
}

#[test]
fn signed_raw_builds_what_signed_builds() {
    let i = info(VAULT_CN, vec![challenge_password()]);
    assert_eq!(signed_raw(&i.to_der().unwrap()), signed(i));
}

#[test]
fn unsorted_attribute_set_refused() {
    // Two attributes in DER order [first, second]; written as [second, first] (X.690
    // §11.6: the elements of a SET OF are sorted).
    let a = challenge_password();
    let b = Attribute {
        oid: ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.2"),
        values: SetOfVec::try_from(vec![
            Any::new(Tag::Ia5String, b"unstructured".to_vec()).unwrap(),
        ])
        .unwrap(),
    };
    let sorted = info(VAULT_CN, vec![a.clone(), b.clone()]).to_der().unwrap();
    let (a_der, b_der) = (a.to_der().unwrap(), b.to_der().unwrap());
    let find = |needle: &[u8]| sorted.windows(needle.len()).position(|w| w == needle);
    let (first, second) = if find(&a_der) < find(&b_der) {
        (a_der, b_der)
    } else {
        (b_der, a_der)
    };
    let both = [first.clone(), second.clone()].concat();
    let at = find(&both).unwrap();
    let mut unsorted = sorted.clone();
    unsorted[at..at + both.len()].copy_from_slice(&[second, first].concat());
    assert!(parse(&signed_raw(&sorted), "x").is_ok());
    refused(&signed_raw(&unsorted), Kind::Der, "DER");
}

#[test]
fn explicit_default_in_requested_extension_refused() {
    // keyUsage with critical FALSE written out: BER, not DER (X.690 §11.5).
    let ext_ber: &[u8] = &[
        0x30, 0x0e, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01, 0x00, 0x04, 0x04, 0x03, 0x02, 0x01,
        0x06,
    ];
    let list = Any::new(Tag::Sequence, ext_ber.to_vec()).unwrap();
    let attr = Attribute {
        oid: OID_EXTENSION_REQUEST,
        values: SetOfVec::try_from(vec![list]).unwrap(),
    };
    refused(
        &signed(info(VAULT_CN, vec![attr])),
        Kind::Der,
        "extensionRequest attribute is not",
    );
}

#[test]
fn empty_subject_refused() {
    refused(
        &signed(info("", vec![])),
        Kind::RequestRefused,
        "the subject is empty; a CA certificate needs a non-empty subject",
    );
}

#[test]
fn signature_with_unused_bits_refused() {
    let i = info(VAULT_CN, vec![]);
    let sig = key().sign(&i.to_der().unwrap()).to_bytes();
    let der = CertReq {
        info: i,
        algorithm: AlgorithmIdentifierOwned {
            oid: super::super::ED25519_OID,
            parameters: None,
        },
        signature: BitString::new(1, sig.to_vec()).unwrap(),
    }
    .to_der()
    .unwrap();
    refused(&der, Kind::Der, "signature BIT STRING has unused bits");
}

#[test]
fn pem_of_parsed_request_round_trips() {
    let c = parse(&signed(info(VAULT_CN, vec![])), "x").unwrap();
    let req = CertReq::from_der(&c.der).unwrap();
    let again = parse(req.to_pem(LineEnding::CRLF).unwrap().as_bytes(), "x").unwrap();
    assert_eq!(again.der, c.der);
    assert_eq!(again.sha256, c.sha256);
}
