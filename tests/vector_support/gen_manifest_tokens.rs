//! `manifest_tokens` and `manifest_token-*`: the vector ceremony's manifest as `plan_tokens.toml`
//! puts it (shares 1 and 2 on YubiKeys, share 3 on a PKCS#11 token reached through ykcs11, so
//! its payload is in the file only), and one mistake each in a `token` object, signed again
//! after the edit so that only the structure refuses it.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use rootkey::jcs;
use rootkey::manifest::{Manifest, TokenEntry};
use rootkey::plan::Medium;

use crate::fixture::root_key;
use crate::generator::{Out, VectorCeremony};

/// A public, made-up P-256 point (the generator of the curve): these vectors check the
/// manifest's structure, not a token.
const P256_G: &str = "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";

fn digest(label: &str) -> String {
    hex::encode(Sha256::digest(label.as_bytes()))
}

/// The manifest with token entries for shares 1 and 2, signed by the vector key.
pub fn tokens_manifest(cx: &VectorCeremony) -> Manifest {
    let mut m = cx.manifest.clone();
    m.ceremony.plan_sha256 = hex::encode(Sha256::digest(crate::gen_inputs::tokens_plan()));
    m.shares[0].medium = Medium::Yubikey;
    m.shares[0].token = Some(TokenEntry {
        serial: "12345678".into(),
        label: "YubiKey 5".into(),
        key_ref: "82".into(),
        location: "token+file".into(),
        object_id: Some("5f0001".into()),
        payload_file: "share-01-alice-example.token".into(),
        payload_sha256: digest("vector payload 1"),
        public_key: P256_G.into(),
        attestation_sha256: Some(digest("vector attestation 1")),
    });
    m.shares[1].medium = Medium::Yubikey;
    m.shares[1].token = Some(TokenEntry {
        serial: "23456789".into(),
        label: "YubiKey 5".into(),
        key_ref: "9d".into(),
        location: "token+file".into(),
        object_id: Some("5f0002".into()),
        payload_file: "share-02-bob-example.token".into(),
        payload_sha256: digest("vector payload 2"),
        public_key: P256_G.into(),
        attestation_sha256: Some(digest("vector attestation 2")),
    });
    m.shares[2].medium = Medium::Pkcs11;
    m.shares[2].token = Some(TokenEntry {
        serial: "34567890".into(),
        label: "YubiKey PIV #34567890".into(),
        key_ref: hex::encode("rootkey-share-03"),
        location: "file".into(),
        object_id: None,
        payload_file: "share-03-carol-example.token".into(),
        payload_sha256: digest("vector payload 3"),
        public_key: P256_G.into(),
        attestation_sha256: None,
    });
    m.sign(&root_key()).expect("sign");
    m
}

/// Signs a manifest given as JSON (any edit) with the vector key and returns its text.
fn signed_text(mut v: Value) -> String {
    let o = v.as_object_mut().expect("object");
    o.remove("signature");
    let sig = root_key().sign(&jcs::canonicalize(&v).expect("jcs"));
    v["signature"] = json!(hex::encode(sig.to_bytes()));
    let mut s = serde_json::to_string_pretty(&v).expect("json");
    s.push('\n');
    s
}

pub fn manifest_tokens(o: &mut Out, cx: &VectorCeremony) {
    let m = tokens_manifest(cx);
    o.put("manifest_tokens.json", m.to_json().expect("json"));
    o.put(
        "manifest_tokens.canonical.json",
        m.signed_bytes().expect("signed bytes"),
    );
    o.json(
        "manifest_tokens.expect.json",
        &json!({
            "description": "The vector ceremony's manifest as plan_tokens.toml puts it: shares 1 and 2 on YubiKeys (slots 82 and 9d, payloads in PIV objects 5f0001 and 5f0002 and in their files, attested), share 3 on a PKCS#11 token reached through ykcs11 (no data objects: payload file only), signed by the vector key. The token public keys are the P-256 generator, a public made-up value.",
            "outcome": "ok",
            "root": "cert_valid.pem",
            "canonical": "manifest_tokens.canonical.json",
            "public_key_hex": hex::encode(cx.pk),
            "signature_hex": m.signature,
            "exact_file": true,
        }),
    );
    let base: Value = serde_json::to_value(&m).expect("value");
    type Edit = fn(&mut Value);
    let errors: Vec<(&str, Edit, &str, &str)> = vec![
        (
            "token-missing",
            |v| {
                v["shares"][0].as_object_mut().expect("o").remove("token");
            },
            "share 1 has medium yubikey but no token member",
            "share 1: medium \"yubikey\" needs a `token` member",
        ),
        (
            "token-for-text",
            |v| v["shares"][3]["token"] = v["shares"][2]["token"].clone(),
            "share 4 (medium text) carries a token member",
            "share 4: medium \"text\" takes no `token` member",
        ),
        (
            "token-null",
            |v| v["shares"][3]["token"] = Value::Null,
            "share 4 (medium text) has \"token\": null (the member is absent for text, never null)",
            "invalid type: null",
        ),
        (
            "token-unknown-member",
            |v| v["shares"][0]["token"]["pin"] = json!("123456"),
            "an unknown member in a token object",
            "unknown field `pin`",
        ),
        (
            "token-bad-location",
            |v| v["shares"][2]["token"]["location"] = json!("card"),
            "location card",
            "share 3: token.location must be \"token+file\" or \"file\"",
        ),
        (
            "token-object-for-file",
            |v| v["shares"][2]["token"]["object_id"] = json!("726b"),
            "an object id with location file",
            "share 3: token.object_id must be null for location \"file\"",
        ),
        (
            "token-bad-public-key",
            |v| {
                let k = v["shares"][2]["token"]["public_key"].as_str().expect("s");
                v["shares"][2]["token"]["public_key"] = json!(format!("02{}", &k[2..66]));
            },
            "a compressed point",
            "share 3: token.public_key must be 130 lower-case hex digits starting 04",
        ),
        (
            "token-no-attestation",
            |v| v["shares"][0]["token"]["attestation_sha256"] = Value::Null,
            "a yubikey share without its attestation digest",
            "share 1: token.attestation_sha256 must be 64 lower-case hex digits for a yubikey share",
        ),
        (
            "token-attestation-for-pkcs11",
            |v| v["shares"][2]["token"]["attestation_sha256"] = json!("00".repeat(32)),
            "a pkcs11 share with an attestation digest",
            "share 3: token.attestation_sha256 must be null for a pkcs11 share",
        ),
        (
            "token-bad-slot",
            |v| v["shares"][0]["token"]["key_ref"] = json!("9a"),
            "a yubikey key in slot 9a (PIV authentication)",
            "share 1: token.key_ref must be a PIV slot for a yubikey share",
        ),
        (
            "token-reserved-object",
            |v| v["shares"][0]["token"]["object_id"] = json!("5fc109"),
            "the payload in 5fc109, the PIN-protected management key's object",
            "share 1: token.object_id must be a PIV data object for a yubikey share",
        ),
        (
            "token-payload-path",
            |v| v["shares"][0]["token"]["payload_file"] = json!("../share-01.token"),
            "a payload file name with a directory",
            "share 1: token.payload_file must be a bare file name",
        ),
    ];
    for (cond, edit, desc, msg) in errors {
        let mut v = base.clone();
        edit(&mut v);
        assert_ne!(v, base, "{cond}");
        let text = signed_text(v);
        let e = Manifest::from_json(text.as_bytes(), "m").expect_err(cond);
        assert!(e.message.contains(msg), "{cond}: {}", e.message);
        o.put(&format!("manifest_{cond}.json"), text);
        o.json(
            &format!("manifest_{cond}.expect.json"),
            &json!({"description": desc, "outcome": "error", "message_contains": msg, "root": "cert_valid.pem"}),
        );
    }
}
