//! Vectors of the manifest and what is checked against it: the manifest itself, the JSON
//! canonicalisation it is signed over, single share verification and combine.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use rootkey::jcs;
use rootkey::key::RootKey;

use crate::generator::{Out, VectorCeremony};
use crate::harness::secret;

/// `manifest_*`: the ceremony's manifest, a reordered copy, and edited ones.
pub fn manifest(o: &mut Out, cx: &VectorCeremony) {
    let pk = cx.pk;
    let manifest = &cx.manifest;
    let forged = cx.forged_share_3();
    let mjson = manifest.to_json().expect("json");
    o.put("manifest_valid.json", mjson.clone());
    o.put(
        "manifest_valid.canonical.json",
        manifest.signed_bytes().expect("signed bytes"),
    );
    let mexp = |desc: &str| {
        json!({
            "description": desc,
            "outcome": "ok",
            "root": "cert_valid.pem",
            "canonical": "manifest_valid.canonical.json",
            "public_key_hex": hex::encode(pk),
            "signature_hex": manifest.signature,
        })
    };
    let mut e = mexp(
        "The manifest of the vector ceremony as rootkey writes it. The signature is Ed25519 (fixed key) over manifest_valid.canonical.json = RFC 8785 JSON of the object without `signature`.",
    );
    e["exact_file"] = json!(true);
    o.json("manifest_valid.expect.json", &e);
    // Same content, other layout and member order, \u escapes.
    let value: Value = serde_json::from_str(&mjson).expect("json");
    let reordered = {
        let m = value.as_object().expect("object");
        let mut keys: Vec<&String> = m.keys().collect();
        keys.reverse();
        let parts: Vec<String> = keys
            .iter()
            .map(|k| {
                format!(
                    "{}: {}",
                    serde_json::to_string(k).expect("k"),
                    serde_json::to_string(&m[*k]).expect("v")
                )
            })
            .collect();
        format!("{{ {} }}", parts.join(",\n  ")).replace("Zoë", "Zo\\u00eb")
    };
    assert!(reordered.contains("\\u00eb"));
    o.put("manifest_reordered.json", reordered);
    o.json("manifest_reordered.expect.json", &mexp("The same manifest with members in another order, other whitespace and a \\u escape: it has the same canonical form, so the signature verifies."));
    let text_edit = |from: &str, to: &str| {
        let t = mjson.replacen(from, to, 1);
        assert_ne!(t, mjson, "{from}");
        t
    };
    let h2 = &manifest.shares[1].envelope_sha256;
    o.put(
        "manifest_bad-signature.json",
        text_edit(h2, &hex::encode(Sha256::digest(&forged))),
    );
    let manifest_errors: Vec<(&str, String, &str, &str)> = vec![
        (
            "unknown-member",
            text_edit(
                "\"threshold\": 3,",
                "\"threshold\": 3,\n  \"comment\": \"x\",",
            ),
            "an unknown top-level member",
            "unknown field `comment`",
        ),
        (
            "unknown-nested-member",
            text_edit(
                "\"medium\": \"text\",",
                "\"medium\": \"text\",\n      \"note\": 1,",
            ),
            "an unknown member in a share entry",
            "unknown field `note`",
        ),
        (
            "duplicate-member",
            text_edit(
                "\"threshold\": 3,",
                "\"threshold\": 3,\n  \"threshold\": 3,",
            ),
            "a member given twice (same value)",
            "duplicate field `threshold`",
        ),
        (
            "missing-member",
            text_edit("\"shares_total\": 5,\n", ""),
            "shares_total missing",
            "missing field `shares_total`",
        ),
        (
            "threshold-string",
            text_edit("\"threshold\": 3,", "\"threshold\": \"3\","),
            "threshold as a string",
            "invalid type",
        ),
        (
            "threshold-float",
            text_edit("\"threshold\": 3,", "\"threshold\": 3.0,"),
            "threshold as 3.0",
            "invalid type",
        ),
        (
            "wrong-format",
            text_edit("rootkey-share-manifest-v1", "rootkey-share-manifest-v2"),
            "another format string",
            "format \"rootkey-share-manifest-v2\" is not",
        ),
        (
            "uppercase-hex",
            text_edit(
                &manifest.root.fingerprint,
                &manifest.root.fingerprint.to_uppercase(),
            ),
            "upper-case hex in root.fingerprint",
            "root.fingerprint must be 64 lowercase hex digits",
        ),
        (
            "short-ceremony-id",
            text_edit(&manifest.ceremony.id, &manifest.ceremony.id[..30]),
            "a 15-byte ceremony id",
            "ceremony.id must be 32 lowercase hex digits",
        ),
        (
            "empty-signature",
            text_edit(&manifest.signature, ""),
            "an empty signature",
            "signature must be 128 lowercase hex digits",
        ),
        (
            "k-greater-than-n",
            text_edit("\"threshold\": 3,", "\"threshold\": 6,"),
            "threshold 6 of 5",
            "threshold 6 of 5 shares is outside",
        ),
        (
            "share-count",
            text_edit("\"shares_total\": 5,", "\"shares_total\": 6,"),
            "shares_total 6 with 5 entries",
            "lists 5 shares but shares_total is 6",
        ),
        (
            "index-order",
            text_edit("\"index\": 1,", "\"index\": 2,"),
            "entry 1 says index 2",
            "share entry 1 has index 2, expected 1",
        ),
        (
            "unknown-medium",
            text_edit("\"medium\": \"text\"", "\"medium\": \"vellum\""),
            "entry 1 names the medium vellum",
            "share 1: medium \"vellum\" is not a known medium",
        ),
        (
            "other-root-key",
            text_edit(
                &manifest.root.public_key,
                &hex::encode(
                    RootKey::from_seed(&secret(&[0x42; 32]))
                        .expect("k")
                        .public_key_bytes(),
                ),
            ),
            "root.public_key of another key (seed 42 42 ..)",
            "belongs to another root key than the root certificate",
        ),
        (
            "other-certificate",
            text_edit(&manifest.root.certificate_sha256, &"0".repeat(64)),
            "certificate_sha256 of another certificate",
            "names another root certificate",
        ),
    ];
    o.json(
        "manifest_bad-signature.expect.json",
        &json!({"description": "Share 2's envelope_sha256 replaced (by the digest of share_forged-value.txt) after signing: the signature no longer verifies.", "outcome": "error", "message_contains": "signature does not verify", "root": "cert_valid.pem"}),
    );
    for (cond, t, desc, msg) in manifest_errors {
        o.put(&format!("manifest_{cond}.json"), t);
        o.json(
            &format!("manifest_{cond}.expect.json"),
            &json!({"description": desc, "outcome": "error", "message_contains": msg, "root": "cert_valid.pem"}),
        );
    }
}

/// `shareverify_*` and `combine_*`: which files a reader is given, and what it must say.
pub fn shareverify_and_combine(o: &mut Out) {
    let sv = |o: &mut Out, cond: &str, share: &str, manifest: &str, exp: Value, desc: &str| {
        o.json(
            &format!("shareverify_{cond}.json"),
            &json!({"description": desc, "share": share, "manifest": manifest, "root": "cert_valid.pem", "expect": exp}),
        );
    };
    sv(
        o,
        "valid",
        "share_valid.txt",
        "manifest_valid.json",
        json!({"outcome": "ok", "exit_code": 0, "index": 1, "holder": "Alice Example"}),
        "Share 1 verified alone against the root-signed manifest.",
    );
    sv(
        o,
        "corrected",
        "share_row4-one-typo.txt",
        "manifest_valid.json",
        json!({"outcome": "ok", "exit_code": 0, "index": 1, "holder": "Alice Example"}),
        "A share with a corrected typo verifies (the correction is reported).",
    );
    sv(
        o,
        "valid-5",
        "share_valid-5.txt",
        "manifest_valid.json",
        json!({"outcome": "ok", "exit_code": 0, "index": 5, "holder": "Zoë O'Neil"}),
        "Share 5 verified alone.",
    );
    sv(
        o,
        "forged-value",
        "share_forged-value.txt",
        "manifest_valid.json",
        json!({"outcome": "error", "exit_code": 3, "message_contains": "its digest is not in the manifest"}),
        "A well-formed share 3 whose value differs from the one the manifest lists.",
    );
    sv(
        o,
        "other-ceremony",
        "share_other-ceremony.txt",
        "manifest_valid.json",
        json!({"outcome": "error", "exit_code": 3, "message_contains": "belongs to another ceremony"}),
        "A share of another ceremony.",
    );
    sv(
        o,
        "tampered-manifest",
        "share_valid.txt",
        "manifest_bad-signature.json",
        json!({"outcome": "error", "exit_code": 3, "message_contains": "signature does not verify"}),
        "The manifest is checked before any share.",
    );
    sv(
        o,
        "not-a-share",
        "share_rows-swapped.txt",
        "manifest_valid.json",
        json!({"outcome": "error", "exit_code": 1, "message_contains": "this is the text of row 5"}),
        "Decoding errors are reported with the file name.",
    );
    sv(
        o,
        "unknown-medium",
        "share_valid.txt",
        "manifest_unknown-medium.json",
        json!({"outcome": "error", "exit_code": 1, "message_contains": "medium \"vellum\" is not a known medium"}),
        "A manifest entry naming an unknown medium is malformed (exit 1), checked before its signature.",
    );
    let cb = |o: &mut Out, cond: &str, shares: &[&str], exp: Value, desc: &str| {
        o.json(
            &format!("combine_{cond}.json"),
            &json!({"description": desc, "shares": shares, "manifest": "manifest_valid.json", "root": "cert_valid.pem", "expect": exp}),
        );
    };
    cb(
        o,
        "valid",
        &[
            "share_valid-2.txt",
            "share_valid-4.txt",
            "share_valid-5.txt",
        ],
        json!({"outcome": "ok", "exit_code": 0, "quorum": [2, 4, 5]}),
        "Shares 2, 4, 5 rebuild the seed 00..1f; its public key matches cert_valid.pem.",
    );
    cb(
        o,
        "all-five",
        &[
            "share_valid.txt",
            "share_valid-2.txt",
            "share_valid-3.txt",
            "share_valid-4.txt",
            "share_valid-5.txt",
        ],
        json!({"outcome": "ok", "exit_code": 0, "quorum": [1, 2, 3]}),
        "All five shares: the first k-subset in lexicographic order that rebuilds the certificate's key is the quorum; shares 4 and 5 are then checked to agree with it.",
    );
    cb(
        o,
        "duplicate",
        &["share_valid.txt", "share_compact.txt", "share_valid-3.txt"],
        json!({"outcome": "error", "exit_code": 1, "message_contains": "share 1 (holder \"Alice Example\") is given twice"}),
        "share_compact.txt is share 1 again.",
    );
    cb(
        o,
        "too-few",
        &["share_valid.txt", "share_valid-3.txt"],
        json!({"outcome": "error", "exit_code": 1, "message_contains": "2 share(s) given, the threshold is 3"}),
        "Two shares of a 3-of-5.",
    );
    cb(
        o,
        "forged",
        &[
            "share_valid.txt",
            "share_valid-2.txt",
            "share_forged-value.txt",
        ],
        json!({"outcome": "error", "exit_code": 3, "message_contains": "its digest is not in the manifest"}),
        "A forged share is refused before interpolation.",
    );
}

/// `jcs_*`: RFC 8785 canonical JSON, and the inputs rootkey refuses to canonicalise.
pub fn jcs(o: &mut Out) {
    let jcs_cases: &[(&str, &str, &str)] = &[
        (
            "sort-utf16",
            r#"{"z": 1, "é": 2, "a": 3, "\ufb01": 4, "\ud83d\ude00": 5, "\r": 6, "A": 7, "": 8, "aa": 9}"#,
            "Members sorted by UTF-16 code units: U+1F600 (D83D DE00) sorts before U+FB01; the empty name first.",
        ),
        (
            "escapes",
            r#"["\"\\/\b\f\n\r\t", "\u0000\u001f\u007f", "\u2028\u2029", "é€😀", "\u00e9"]"#,
            "Only \" \\ and control characters are escaped: \\b \\f \\n \\r \\t by name, others as \\u00xx (lower-case hex); '/', DEL, U+2028/2029 and non-ASCII are literal UTF-8.",
        ),
        (
            "integers",
            r#"[0, -0, 1, -1, 9007199254740991, -9007199254740991]"#,
            "Integers in plain decimal, no leading zeros or plus sign; -0 is written 0; the limits are +-(2^53 - 1).",
        ),
        (
            "literals-nesting",
            "{\n  \"b\" : [ true , false , null , { } , [ ] ],\n  \"a\" : { \"y\" : { \"x\" : 1 } , \"x\" : [ 2 , { \"d\" : 0 , \"c\" : 0 } ] }\n}\n",
            "Whitespace removed; nested objects sorted; arrays keep their order.",
        ),
        (
            "float",
            r#"{"a": 1.5}"#,
            "rootkey refuses non-integers rather than formatting them (its documents hold none).",
        ),
        (
            "exponent",
            r#"[1e2]"#,
            "An exponent makes a float in the parser: refused.",
        ),
        (
            "big-integer",
            r#"[9007199254740992]"#,
            "2^53 is beyond the exactly representable integers: refused.",
        ),
        (
            "negative-big-integer",
            r#"[-9007199254740992]"#,
            "-2^53: refused.",
        ),
        (
            "manifest-sample",
            r#"{"threshold": 3, "shares": [{"index": 1, "holder": "Zo\u00eb"}], "format": "x"}"#,
            "Small manifest-like object.",
        ),
    ];
    for (cond, input, desc) in jcs_cases {
        let v: Value = serde_json::from_str(input).expect("jcs input");
        o.put(&format!("jcs_{cond}.json"), format!("{input}\n"));
        match jcs::canonicalize(&v) {
            Ok(out) => {
                o.put(&format!("jcs_{cond}.canonical.json"), out);
                o.json(
                    &format!("jcs_{cond}.expect.json"),
                    &json!({"description": desc, "outcome": "ok", "canonical": format!("jcs_{cond}.canonical.json")}),
                );
            }
            Err(e) => {
                let msg = if e.message.contains("cannot be canonicalised") {
                    "cannot be canonicalised"
                } else {
                    "?"
                };
                o.expect_error(&format!("jcs_{cond}"), desc, msg);
            }
        }
    }
}
