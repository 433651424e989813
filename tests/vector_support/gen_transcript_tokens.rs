//! Transcript vectors of token media (`docs/formats.md`, "Ceremony transcript v1",
//! "Generation", `token-written`): the generation of `plan_tokens.toml` whose manifest is
//! `manifest_tokens.json` (shares 1 and 2 on YubiKeys, share 3 on a PKCS#11 token, file only),
//! and copies with one token-written rule broken, re-chained and re-sealed with the vector key.

use serde_json::json;

use rootkey::transcript::Kind;

use crate::fixture::root_key;
use crate::gen_transcript::{Inputs, Steps, generation, invalid, lines, sealed};
use crate::gen_transcript_gaps::{put, reforge};
use crate::generator::Out;

pub fn tokens(o: &mut Out) {
    let inp = Inputs::read_from("plan_tokens.toml", "manifest_tokens.json");
    let bytes = generation(&inp, Steps::AsRootkey, &root_key());
    let ls = lines(&bytes);
    assert_eq!(
        ls.len(),
        16,
        "3 token-written entries more than the 13 of a generation"
    );
    let from = "transcript_valid-tokens.jsonl";
    put(
        o,
        "valid-tokens",
        bytes.clone(),
        sealed(
            &bytes,
            "`rootkey generate` of plan_tokens.toml (holders 1 and 2 on YubiKeys, holder 3 on a PKCS#11 token through ykcs11) with the manifest manifest_tokens.json: each token holder's token-written (entries 5, 7, 9) just before their share-written, whose file is the payload file; sealed by the vector key. Verify with root = cert_valid.pem, plan = plan_tokens.toml and an artifacts directory holding cert_valid.pem as root.pem and manifest_tokens.json as manifest.json.",
            Kind::Generation,
            json!({
                "root": "cert_valid.pem",
                "plan": "plan_tokens.toml",
                "manifest": "manifest_tokens.json",
                "artifacts": {"manifest.json": "manifest_tokens.json", "root.pem": "cert_valid.pem"},
            }),
        ),
    );
    // Without token-written 1 (entry 5): the following entries move up by one.
    let mut dropped = ls.clone();
    dropped.remove(5);
    put(
        o,
        "token-written-missing",
        reforge(&dropped, |i, v| v["seq"] = json!(i)),
        invalid(
            &format!(
                "{from} without token-written 1 (entry 5), re-numbered, re-chained and re-sealed: a share written to a token needs its token-written just before (script, at the share-written)."
            ),
            "entry seq 5 (line 6): script: share 1 was written to a yubikey token without a `token-written` entry just before",
            "script",
            5,
            6,
        ),
    );
    type Edit = fn(&mut serde_json::Value);
    let edits: [(&str, usize, Edit, &str, &str, &str); 5] = [
        (
            "token-unattested",
            5,
            |d| d["attestation"] = json!(null),
            "token-written 1's attestation set to null: a YubiKey's slot attestation is recorded",
            "entry seq 5 (line 6): malformed: `details.attestation` is null for a yubikey token",
            "malformed",
        ),
        (
            "token-medium-text",
            5,
            |d| d["medium"] = json!("text"),
            "token-written 1's medium set to text",
            "entry seq 5 (line 6): malformed: `details.medium` is not a token medium",
            "malformed",
        ),
        (
            "token-index",
            5,
            |d| d["index"] = json!(2),
            "token-written 1's index set to 2: the token entry belongs to the share written next",
            "entry seq 5 (line 6): script: `details.index` must be 1",
            "script",
        ),
        (
            "token-payload-file",
            6,
            |d| d["file"] = json!("share-01-alice-example.txt"),
            "share-written 1's file set to a share text file name: a token share's file is its payload file",
            "entry seq 6 (line 7): script: share 1's file \"share-01-alice-example.txt\" is not the payload file \"share-01-alice-example.token\"",
            "script",
        ),
        (
            "token-share-medium",
            6,
            |d| d["medium"] = json!("text"),
            "share-written 1's medium set to text after its token-written",
            "entry seq 6 (line 7): script: share 1 has medium \"text\", but its `token-written` entry says \"yubikey\"",
            "script",
        ),
    ];
    for (cond, at, edit, what, message, failure) in edits {
        put(
            o,
            cond,
            reforge(&ls, |i, v| {
                if i == at {
                    edit(&mut v["details"]);
                }
            }),
            invalid(
                &format!("{from} with {what}; re-chained and re-sealed with the vector key."),
                message,
                failure,
                at as u64,
                at as u64 + 1,
            ),
        );
    }
}
